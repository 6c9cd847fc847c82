"""The simulated caller's IAM: exactly the permissions the running procedure declares.

The server is started with ``--grant FILE``. Before each block, the test
harness writes into it what the caller holds while that block runs:
``{"procedure": "PROC_X", "permissions": [...]}`` (the procedure's
``:requires:``), ``{"procedure": null, "permissions": []}`` for a block
outside any procedure, ``{"permissions": "*"}`` for the page's hidden
setup, which builds the world and is not something the reader runs. Each
request's permissions come from ``source/_data/permissions.yaml`` (by
discovery method id or named exception); a permission the grant lacks is
refused with 403 in Google's error shape (``PERMISSION_DENIED``, an
``ErrorInfo`` detail with reason ``IAM_PERMISSION_DENIED`` naming the
permission and resource). ``testIamPermissions`` answers the asked
permissions the grant holds. A method the table does not map is an error
naming it (500), never a silent pass. Without ``--grant`` (the
simulation's own tests) the caller holds everything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "source" / "_ext") not in sys.path:
    sys.path.insert(0, str(ROOT / "source" / "_ext"))

import cvplus_data  # noqa: E402

from cloudsim.errors import ApiError  # noqa: E402

TABLE = cvplus_data.load_permissions()
EVERYTHING = "*"


class Grant:
    """What the caller holds, read from the grant file at each request (the harness rewrites it per block)."""

    def __init__(self, path: Path | None):
        self.path = path

    def current(self) -> tuple[str | None, object]:
        if self.path is None:
            return None, EVERYTHING
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ApiError(500, f"simulated IAM: cannot read the grant file {self.path}: {exc}") from exc
        return data.get("procedure"), data.get("permissions", [])


def required(method_id: str | None, exception: str | None) -> list[str]:
    """The permissions a call needs; ApiError(500) when the table does not map it."""
    if exception is not None and exception in TABLE["exceptions"]:
        return list(TABLE["exceptions"][exception] or [])
    if method_id is not None and method_id in TABLE["methods"]:
        return list(TABLE["methods"][method_id] or [])
    name = method_id or exception
    raise ApiError(500, f"simulated IAM: {name} has no permission in source/_data/permissions.yaml "
                        "(methods or exceptions): add the permission Google checks for it")


def denied(permission: str, resource: str, procedure: str | None) -> ApiError:
    who = f"procedure {procedure}" if procedure else "a block outside any procedure"
    err = ApiError(403, f"Permission '{permission}' denied on resource '{resource}' (or it may not exist). "
                        f"[cloudsim: {who} does not declare it in :requires:]", "PERMISSION_DENIED")
    err.details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
                    "domain": "iam.googleapis.com", "metadata": {"permission": permission, "resource": resource}}]
    return err


def check(grant: Grant, method_id: str | None, exception: str | None, resource: str) -> None:
    """Refuse the call when the grant lacks one of its permissions."""
    procedure, held = grant.current()
    if held == EVERYTHING:
        return
    for permission in required(method_id, exception):
        if permission not in held:
            raise denied(permission, resource, procedure)


def test_permissions(grant: Grant, asked: list[str]) -> list[str]:
    """testIamPermissions: the asked permissions the caller holds."""
    _, held = grant.current()
    return list(asked) if held == EVERYTHING else [p for p in asked if p in held]
