"""Cloud Billing v1: every simulated project is on one billing account, billing enabled.

``billingAccounts.list`` answers that one account, open, the caller's only one
(the simulation's own account and name, not CVPlus's)."""

from __future__ import annotations

from cloudsim.errors import ApiError

BILLING_ACCOUNT = "billingAccounts/000000-C1A0D5-100000"  # the simulation's own, not CVPlus's (the ID format: 3 groups of 6 hex digits)


def get_billing_info(ctx):
    project = ctx.params["name"].split("/")[1]
    if ctx.world.get("cloudresourcemanager", f"projects/{project}") is None:
        raise ApiError(403, f"The caller does not have permission on project {project}", "PERMISSION_DENIED")
    return {"name": f"projects/{project}/billingInfo", "projectId": project,
            "billingAccountName": BILLING_ACCOUNT, "billingEnabled": True}


def list_accounts(ctx):
    return {"billingAccounts": [{"name": BILLING_ACCOUNT, "displayName": "Simulated billing account",
                                 "open": True, "masterBillingAccount": "", "currencyCode": "USD"}]}


HANDLERS = {"cloudbilling.projects.getBillingInfo": get_billing_info,
            "cloudbilling.billingAccounts.list": list_accounts}
