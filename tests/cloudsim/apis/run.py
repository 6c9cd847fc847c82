"""Cloud Run: the v1 (Knative) view of the services and revisions kept in v2 shape.

The world keeps Cloud Run as the v2 API has it (``projects/P/locations/R/
services/S`` and ``.../revisions/REV``, written by world.py and by a
function deploy in apis/cloudfunctions.py); firebase-tools reads those. gcloud
``run`` reads the v1 Knative API instead (``apis/serving.knative.dev/v1/
namespaces/P/...``, on the regional host ``R-run.googleapis.com``:
googlecloudsdk/command_lib/run/connection_context.py), so this module answers
v1 requests from the same v2 records: one state, two views.

- ``run.namespaces.revisions.list``: the namespace's revisions, in the
  region the host names (every region on the global host), narrowed by a
  ``labelSelector`` of ``key = value`` terms (what ``gcloud run revisions
  list --service S`` sends); any other selector syntax is a 400 naming it.
  A revision is ``Active`` when the service's v2 traffic sends it a share
  (latest-revision traffic goes to ``latestReadyRevision``).
"""

from __future__ import annotations

import re

from cloudsim.errors import ApiError

API = "run"
SERVICE_LABEL = "serving.knative.dev/service"


def region_of(ctx) -> str | None:
    """``us-central1`` for ``us-central1-run.googleapis.com``; None on the global host."""
    host = ctx.host.split(":", 1)[0].lower()
    match = re.fullmatch(r"([a-z0-9-]+)-run\.googleapis\.com", host)
    return match.group(1) if match else None


def serving(service: dict) -> dict[str, int]:
    """Revision short name -> percent of traffic, from a v2 service's traffic."""
    shares: dict[str, int] = {}
    for target in service.get("traffic") or []:
        if target.get("type") == "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST":
            revision = (service.get("latestReadyRevision") or "").rsplit("/", 1)[-1]
        else:
            revision = target.get("revision", "")
        if revision:
            shares[revision] = shares.get(revision, 0) + int(target.get("percent", 0))
    return shares


def v1_revision(record: dict, service: dict, namespace: str) -> dict:
    """A v2 revision record as a Knative ``Revision`` (run v1 schema)."""
    _, _, _, region, _, service_id, _, name = record["name"].split("/")
    active = serving(service).get(name, 0) > 0
    return {
        "apiVersion": "serving.knative.dev/v1", "kind": "Revision",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": record.get("createTime"),
                     "labels": {SERVICE_LABEL: service_id, "serving.knative.dev/configuration": service_id,
                                "cloud.googleapis.com/location": region},
                     "selfLink": f"/apis/serving.knative.dev/v1/namespaces/{namespace}/revisions/{name}"},
        "spec": {},
        "status": {"serviceName": service_id, "observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "Active", "status": "True" if active else "False"}]},
    }


def parse_selector(text: str) -> dict[str, str]:
    wanted = {}
    for term in filter(None, (t.strip() for t in (text or "").split(","))):
        match = re.fullmatch(r"([\w./-]+)\s*==?\s*([\w.-]+)", term)
        if not match:
            raise ApiError(400, f"labelSelector {text!r}: term {term!r} is outside the simulation's subset "
                                "(comma-separated 'key = value' terms)",
                           "INVALID_ARGUMENT")
        wanted[match.group(1)] = match.group(2)
    return wanted


def list_revisions(ctx):
    namespace = ctx.params["parent"].split("/")[-1]
    region = region_of(ctx)
    wanted = parse_selector(ctx.query.get("labelSelector", ""))
    prefix = f"projects/{namespace}/locations/"
    items = []
    for name in sorted(ctx.world.table(API)):
        parts = name.split("/")
        if not name.startswith(prefix) or len(parts) != 8 or parts[6] != "revisions":
            continue
        if region and parts[3] != region:
            continue
        service = ctx.world.get(API, "/".join(parts[:6])) or {}
        revision = v1_revision(ctx.world.get(API, name), service, namespace)
        if all(revision["metadata"]["labels"].get(k) == v for k, v in wanted.items()):
            items.append(revision)
    import random
    random.Random(f"{ctx.world.seed}:run-v1:{namespace}").shuffle(items)  # the API promises no order
    return {"apiVersion": "serving.knative.dev/v1", "kind": "RevisionList", "metadata": {}, "items": items}


HANDLERS = {"run.namespaces.revisions.list": list_revisions}
