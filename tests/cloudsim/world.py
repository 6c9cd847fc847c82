"""Build the simulated world of one page session from the facts file.

From ``source/_data/platform.yaml``: a project per environment (Resource
Manager, Firebase, enabled services), its Hosting site with a live release,
every function the fixture checkout exports (tests/snippets/fixture/cvplus/
functions/index.js; its settings from ``functions`` of the facts) as a Cloud
Functions v2 function with a Cloud Run service and revision, so a full
deploy of the fixture neither creates nor deletes functions, every function secret with one enabled
version, the Firestore default database with a backup schedule, the Firebase Storage
default bucket, and an IAM policy. Every value here is either a fact or named as the simulation's own
(timestamps from a fixed clock, project numbers derived from the ID).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "source" / "_ext") not in sys.path:
    sys.path.insert(0, str(ROOT / "source" / "_ext"))

import cvplus_data  # noqa: E402

from cloudsim.state import World  # noqa: E402

ENABLED_SERVICES = ["cloudfunctions.googleapis.com", "run.googleapis.com", "cloudbuild.googleapis.com",
                    "artifactregistry.googleapis.com", "firebaseextensions.googleapis.com",
                    "secretmanager.googleapis.com", "firestore.googleapis.com", "firebasehosting.googleapis.com",
                    "firebaserules.googleapis.com", "eventarc.googleapis.com", "pubsub.googleapis.com",
                    "cloudscheduler.googleapis.com", "storage.googleapis.com", "firebasestorage.googleapis.com", "firebase.googleapis.com",
                    "logging.googleapis.com", "monitoring.googleapis.com", "cloudbilling.googleapis.com",
                    "iam.googleapis.com", "cloudresourcemanager.googleapis.com", "serviceusage.googleapis.com"]
OPERATOR = "cloudsim-operator@cvplus-ci.iam.gserviceaccount.com"  # the simulated caller (not a person)


def project_number(project_id: str) -> str:
    return str(int(hashlib.sha256(project_id.encode()).hexdigest(), 16) % 10**12).rjust(12, "1")


def add_project(world: World, project_id: str, display: str, site: str, facts: dict) -> None:
    number = project_number(project_id)
    world.put("cloudresourcemanager", f"projects/{project_id}", {
        "projectId": project_id, "projectNumber": number, "name": display,
        "lifecycleState": "ACTIVE", "createTime": "2024-01-15T10:00:00.000Z"})
    world.put("firebase", f"projects/{project_id}", {
        "name": f"projects/{project_id}", "projectId": project_id, "projectNumber": number,
        "displayName": display, "state": "ACTIVE",
        "resources": {"hostingSite": site, "storageBucket": f"{project_id}.appspot.com",
                      "locationId": facts["region"]}})
    for service in ENABLED_SERVICES:
        world.put("serviceusage", f"projects/{number}/services/{service}", {
            "name": f"projects/{number}/services/{service}", "parent": f"projects/{number}",
            "config": {"name": service}, "state": "ENABLED"})
    world.put("cloudresourcemanager", f"iam:projects/{project_id}", {
        "version": 1, "etag": "BwYAAAAAAAA=",
        "bindings": [{"role": "roles/owner", "members": [f"serviceAccount:{OPERATOR}"]}]})
    add_site(world, project_id, site, default=True)
    add_functions(world, project_id, number, facts)
    add_secrets(world, project_id, number, facts)
    add_firestore(world, project_id, facts)
    add_rules(world, project_id)
    # the Firebase Storage default bucket firebase-tools looks up before a Storage rules deploy
    # (the project's storageBucket above; firebasestorage v1beta DefaultBucket)
    world.put("firebasestorage", f"projects/{project_id}/defaultBucket", {
        "name": f"projects/{project_id}/defaultBucket",
        "bucket": {"name": f"projects/{project_id}/buckets/{project_id}.appspot.com"}})
    add_series(world, project_id, facts)


def add_site(world: World, project_id: str, site: str, default: bool) -> None:
    from cloudsim.apis import firebasehosting
    firebasehosting.seed_site(world, project_id, site, default)


FIXTURE_INDEX = ROOT / "tests" / "snippets" / "fixture" / "cvplus" / "functions" / "index.js"


def fixture_functions() -> dict[str, str]:
    """Name -> trigger (https, callable) of what the fixture's functions/index.js exports."""
    import re
    found = re.findall(r"^exports\.(\w+)\s*=\s*(onRequest|onCall)\b", FIXTURE_INDEX.read_text(encoding="utf-8"), re.M)
    return {name: "https" if kind == "onRequest" else "callable" for name, kind in found}


def add_functions(world: World, project_id: str, number: str, facts: dict) -> None:
    region = facts["region"]
    # the repository Cloud Functions builds into, with the cleanup policy firebase-tools sets
    # (node_modules/firebase-tools/lib/functions/artifacts.js: id firebase-functions-cleanup, 1 day)
    repo = f"projects/{project_id}/locations/{region}/repositories/gcf-artifacts"
    world.put("artifactregistry", repo, {"name": repo, "format": "DOCKER", "createTime": "2024-01-15T10:00:00.000Z",
                                         "cleanupPolicies": {"firebase-functions-cleanup": {
                                             "id": "firebase-functions-cleanup", "action": "DELETE",
                                             "condition": {"tagState": "ANY", "olderThan": "86400s"}}}})
    for name, trigger in fixture_functions().items():
        if name not in facts["functions"]:
            raise ValueError(f"{FIXTURE_INDEX}: exports {name}, which source/_data/platform.yaml functions lacks")
        spec = facts["functions"][name]
        service = name.lower()
        revision = f"{service}-00001-{world.new_id()[:3]}"
        full = f"projects/{project_id}/locations/{region}/functions/{name}"
        labels = {"deployment-tool": "cli-firebase", "firebase-functions-hash": world.new_id()}
        if trigger == "callable":
            labels["deployment-callable"] = "true"
        fn = {
            "name": full, "environment": "GEN_2", "state": "ACTIVE", "updateTime": world.now(),
            "labels": labels,
            "buildConfig": {"runtime": facts["runtime"], "entryPoint": name,
                            "source": {"storageSource": {"bucket": f"gcf-v2-sources-{number}-{region}",
                                                         "object": f"{name}/function-source.zip"}}},
            "serviceConfig": {
                "service": f"projects/{project_id}/locations/{region}/services/{service}",
                "revision": revision, "uri": f"https://{service}-{number}.{region}.run.app",
                "timeoutSeconds": int(spec.get("timeout_s", 60)), "availableMemory": spec.get("memory", "256MiB").replace("iB", "i"),
                "maxInstanceCount": int(spec.get("max_instances", 100)), "ingressSettings": "ALLOW_ALL",
                "serviceAccountEmail": f"{number}-compute@developer.gserviceaccount.com"},
            "url": f"https://{region}-{project_id}.cloudfunctions.net/{name}",
        }
        world.put("cloudfunctions", full, fn)
        svc = f"projects/{project_id}/locations/{region}/services/{service}"
        world.put("run", svc, {"name": svc, "uri": fn["serviceConfig"]["uri"], "latestReadyRevision": f"{svc}/revisions/{revision}",
                               "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
                               "labels": {"goog-managed-by": "cloudfunctions"}})
        world.put("run", f"{svc}/revisions/{revision}", {"name": f"{svc}/revisions/{revision}", "service": svc,
                                                        "createTime": world.now()})


def add_secrets(world: World, project_id: str, number: str, facts: dict) -> None:
    for secret in facts["secrets"]["functions"]:
        name = f"projects/{number}/secrets/{secret}"
        world.put("secretmanager", name, {"name": name, "replication": {"automatic": {}},
                                          "createTime": world.now(), "labels": {"firebase-managed": "true"}})
        world.put("secretmanager", f"{name}/versions/1", {
            "name": f"{name}/versions/1", "state": "ENABLED", "createTime": world.now()})
        world.put("secretmanager", f"payload:{name}/versions/1",
                  {"data": f"cloudsim-{secret.lower()}-v1"})


def add_firestore(world: World, project_id: str, facts: dict) -> None:
    database = facts["operations"]["firestore_database"]
    name = f"projects/{project_id}/databases/{database}"
    world.put("firestore", name, {"name": name, "locationId": "nam5", "type": "FIRESTORE_NATIVE",
                                  "concurrencyMode": "PESSIMISTIC", "pointInTimeRecoveryEnablement":
                                  "POINT_IN_TIME_RECOVERY_DISABLED", "deleteProtectionState":
                                  "DELETE_PROTECTION_DISABLED", "createTime": "2024-01-15T10:00:00.000Z"})


def add_rules(world: World, project_id: str) -> None:
    """The live rules releases: Firestore and the default Storage bucket, each on one ruleset."""
    for release, service in (("cloud.firestore", "cloud.firestore"),
                             (f"firebase.storage/{project_id}.appspot.com", "firebase.storage")):
        ruleset = f"projects/{project_id}/rulesets/{world.new_id()}"
        world.put("firebaserules", ruleset, {"name": ruleset, "createTime": world.now(), "source": {"files": [
            {"name": "firestore.rules" if service == "cloud.firestore" else "storage.rules",
             "content": f"rules_version = '2';\nservice {service} {{}}\n"}]}})
        world.put("firebaserules", f"projects/{project_id}/releases/{release}", {
            "name": f"projects/{project_id}/releases/{release}", "rulesetName": ruleset,
            "createTime": world.now(), "updateTime": world.now()})


# The simulation's own traffic (not CVPlus's): per function service, requests per second by
# response code class and the cumulative request-latency histogram (ms buckets), each a
# counter growing at this constant rate. The first service in the fixture's order is the
# worst one, so a "worst function" query has one answer: 0.2 % 5xx, p95 450 ms.
SERIES_SHAPES = [
    {"2xx": 9.98, "5xx": 0.02, "buckets": {"100": 2.0, "250": 8.5, "500": 9.75, "1000": 9.95, "2000": 10.0, "+Inf": 10.0}},
    {"2xx": 5.0, "5xx": 0.0, "buckets": {"100": 3.0, "250": 4.8, "500": 5.0, "1000": 5.0, "2000": 5.0, "+Inf": 5.0}},
]


def add_series(world: World, project_id: str, facts: dict) -> None:
    """Prometheus series of Cloud Run request counts and latencies (apis/monitoring.py queries them)."""
    series = []
    for index, name in enumerate(fixture_functions()):
        shape = SERIES_SHAPES[min(index, len(SERIES_SHAPES) - 1)]
        base = {"monitored_resource": "cloud_run_revision", "project_id": project_id,
                "location": facts["region"], "service_name": name.lower()}
        for code_class in ("2xx", "5xx"):
            series.append({"metric": "run_googleapis_com:request_count", "rate": shape[code_class],
                           "labels": {**base, "response_code_class": code_class}})
        for le, rate in shape["buckets"].items():
            series.append({"metric": "run_googleapis_com:request_latencies_bucket", "rate": rate,
                           "labels": {**base, "le": le}})
    world.put("monitoring", f"series:projects/{project_id}", {"series": series})


def build_world(seed: int = 13) -> World:
    facts = cvplus_data.load_platform()
    world = World(seed)
    for env in facts["envs"].values():
        add_project(world, env["project_id"], f"CVPlus {env['name']}", env["hosting_site"], facts)
    return world
