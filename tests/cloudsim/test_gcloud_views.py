"""The calls gcloud makes that firebase-tools does not: Cloud Run v1 (Knative) views of the
v2 state, Cloud Logging entries.list, alert policy create, Firestore database patch, and the
Firebase Storage default bucket a Storage rules deploy reads. Faults: a bad selector or
filter is a 400 naming it; a view field outside the run v1 schema is a 500."""

from __future__ import annotations

import threading

import pytest

from cloudsim import hosts
from cloudsim.apis import run as run_api
from cloudsim.client import call
from cloudsim.server import SimServer
from cloudsim.world import build_world

PROJECT = "cvplus-staging"
REGION = "us-central1"


@pytest.fixture()
def sim(tmp_path):
    world = build_world()
    server = SimServer(world, 0, tmp_path / "requests.jsonl")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def request(host: str, method: str, path: str, body=None):
        return call(hosts.base_url(host, port), method, path, body, connect_to=("127.0.0.1", port))
    request.world = world
    yield request
    server.shutdown()


def _revisions(sim, selector: str = "") -> tuple[int, dict]:
    query = f"?labelSelector={selector}" if selector else ""
    return sim(f"{REGION}-run.googleapis.com", "GET",
               f"/apis/serving.knative.dev/v1/namespaces/{PROJECT}/revisions{query}")


def test_run_v1_revisions_are_the_v2_revisions_of_the_region(sim):
    status, body = _revisions(sim, "serving.knative.dev/service%20%3D%20healthcheck")
    assert status == 200, body
    assert body["kind"] == "RevisionList"
    [revision] = body["items"]
    assert revision["metadata"]["name"].startswith("healthcheck-00001-")
    assert revision["status"]["serviceName"] == "healthcheck"
    assert {"type": "Active", "status": "True"} in revision["status"]["conditions"]


def test_run_v1_active_follows_the_v2_traffic(sim):
    world = sim.world
    svc = f"projects/{PROJECT}/locations/{REGION}/services/healthcheck"
    first = world.get("run", svc)["latestReadyRevision"].rsplit("/", 1)[-1]
    world.put("run", f"{svc}/revisions/healthcheck-00002-abc",
              {"name": f"{svc}/revisions/healthcheck-00002-abc", "service": svc, "createTime": world.now()})
    service = world.get("run", svc)
    service.update(latestReadyRevision=f"{svc}/revisions/healthcheck-00002-abc",
                   traffic=[{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": first, "percent": 100}])
    world.put("run", svc, service)
    status, body = _revisions(sim, "serving.knative.dev/service=healthcheck")
    assert status == 200, body
    active = {r["metadata"]["name"]: r["status"]["conditions"][1]["status"] for r in body["items"]}
    assert active == {first: "True", "healthcheck-00002-abc": "False"}


def test_fault_a_selector_outside_the_subset_is_a_400_naming_it(sim):
    status, body = _revisions(sim, "serving.knative.dev/service%20in%20(a,b)")
    assert status == 400
    assert "serving.knative.dev/service in (a,b)" in body["error"]["message"]


def test_fault_a_v1_view_field_outside_the_schema_is_a_500(sim, monkeypatch):
    original = run_api.v1_revision
    monkeypatch.setattr(run_api, "v1_revision", lambda *a: {**original(*a), "colour": "blue"})
    status, body = _revisions(sim)
    assert status == 500
    assert "colour: unknown field" in body["error"]["message"]


def _entries(sim, body: dict) -> tuple[int, dict]:
    return sim("logging.googleapis.com", "POST", "/v2/entries:list", body)


def _seed_entries(world) -> None:
    world.put("logging", f"entries:projects/{PROJECT}", {"entries": [
        {"logName": f"projects/{PROJECT}/logs/run", "timestamp": "2026-11-17T10:00:00Z",
         "resource": {"type": "cloud_run_revision", "labels": {"service_name": "healthcheck"}},
         "labels": {"goog-managed-by": "cloudfunctions"}, "textPayload": "ok"},
        {"logName": f"projects/{PROJECT}/logs/cloudaudit.googleapis.com%2Factivity",
         "timestamp": "2026-11-18T10:00:00Z", "resource": {"type": "project", "labels": {}},
         "protoPayload": {"methodName": "SetIamPolicy"}},
        {"logName": f"projects/{PROJECT}/logs/run", "timestamp": "2026-11-18T11:00:00Z",
         "resource": {"type": "cloud_run_revision", "labels": {"service_name": "podcaststatus"}},
         "labels": {"goog-managed-by": "cloudfunctions"}, "textPayload": "slow"}]})


def test_logging_entries_are_filtered_and_ordered_newest_first(sim):
    _seed_entries(sim.world)
    status, body = _entries(sim, {"resourceNames": [f"projects/{PROJECT}"], "orderBy": "timestamp desc",
                                  "filter": 'timestamp>="2026-11-01T00:00:00Z" AND resource.type="cloud_run_revision" '
                                            'AND labels."goog-managed-by"="cloudfunctions"'})
    assert status == 200, body
    assert [e["textPayload"] for e in body["entries"]] == ["slow", "ok"]
    status, body = _entries(sim, {"resourceNames": [f"projects/{PROJECT}"], "pageSize": 1,
                                  "filter": 'logName:"cloudaudit.googleapis.com" AND protoPayload.methodName:*'})
    assert status == 200, body
    assert [e["protoPayload"]["methodName"] for e in body["entries"]] == ["SetIamPolicy"]


def test_logging_without_entries_answers_an_empty_list(sim):
    status, body = _entries(sim, {"resourceNames": [f"projects/{PROJECT}"], "filter": 'resource.type="x"'})
    assert (status, body) == (200, {})


def test_fault_a_filter_outside_the_subset_is_a_400_naming_it(sim):
    status, body = _entries(sim, {"resourceNames": [f"projects/{PROJECT}"], "filter": 'a="1" OR b="2"'})
    assert status == 400
    assert "OR b=\"2\"" in body["error"]["message"]
    status, body = _entries(sim, {"filter": 'a="1"'})
    assert status == 400
    assert "resourceNames" in body["error"]["message"]


def test_an_alert_policy_is_created_named_enabled_and_listed(sim):
    policy = {"displayName": "p", "combiner": "OR", "conditions": [
        {"displayName": "c", "conditionPrometheusQueryLanguage": {"query": "up", "duration": "60s"}}]}
    status, created = sim("monitoring.googleapis.com", "POST", f"/v3/projects/{PROJECT}/alertPolicies", policy)
    assert status == 200, created
    assert created["name"].startswith(f"projects/{PROJECT}/alertPolicies/")
    assert created["enabled"] is True
    assert created["conditions"][0]["name"].startswith(created["name"] + "/conditions/")
    status, listed = sim("monitoring.googleapis.com", "GET", f"/v3/projects/{PROJECT}/alertPolicies")
    assert [p["name"] for p in listed["alertPolicies"]] == [created["name"]]


def test_fault_an_alert_policy_without_a_display_name_is_refused(sim):
    status, body = sim("monitoring.googleapis.com", "POST", f"/v3/projects/{PROJECT}/alertPolicies", {"combiner": "OR"})
    assert status == 400
    assert "display_name" in body["error"]["message"]


def test_a_firestore_database_patch_is_an_operation_under_the_database(sim):
    name = f"projects/{PROJECT}/databases/(default)"
    status, op = sim("firestore.googleapis.com", "PATCH", f"/v1/{name}?updateMask=pointInTimeRecoveryEnablement",
                     {"name": name, "pointInTimeRecoveryEnablement": "POINT_IN_TIME_RECOVERY_ENABLED"})
    assert status == 200, op
    assert op["name"].startswith(name + "/operations/")
    status, database = sim("firestore.googleapis.com", "GET", f"/v1/{name}")
    assert database["pointInTimeRecoveryEnablement"] == "POINT_IN_TIME_RECOVERY_ENABLED"


def test_the_storage_default_bucket_answers_the_v1alpha_call_as_the_v1beta_method(sim):
    status, body = sim("firebasestorage.googleapis.com", "GET", f"/v1alpha/projects/{PROJECT}/defaultBucket")
    assert status == 200, body
    assert body["bucket"]["name"] == f"projects/{PROJECT}/buckets/{PROJECT}.appspot.com"
    status, body = sim("firebasestorage.googleapis.com", "GET", "/v1alpha/projects/no-such-project/defaultBucket")
    assert status == 404
