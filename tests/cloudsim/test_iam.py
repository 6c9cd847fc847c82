"""The simulated IAM grants exactly the running procedure's declared permissions."""

from __future__ import annotations

import json
import re
import threading

import pytest

from cloudsim import discovery, hosts, iam
from cloudsim.client import call
from cloudsim.server import SimServer
from cloudsim.world import build_world

PROJECT = "cvplus-dev"
FUNCTIONS = f"/v2/projects/{PROJECT}/locations/us-central1/functions"
PERMISSION = re.compile(r"^[a-z]+\.[a-zA-Z]+\.[a-zA-Z]+$")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("iam")
    grant_file = folder / "grant.json"
    server = SimServer(build_world(), 0, folder / "requests.jsonl", grant_file)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def request(api: str, method: str, path: str, body=None):
        return call(hosts.base_url(hosts.API_HOSTS[api], port), method, path, body, connect_to=("127.0.0.1", port))

    def grant(procedure, permissions):
        grant_file.write_text(json.dumps({"procedure": procedure, "permissions": permissions}), encoding="utf-8")
    request.grant = grant
    yield request
    server.shutdown()


def test_a_declared_permission_lets_the_call_through(sim):
    sim.grant("PROC_X", ["cloudfunctions.functions.list"])
    status, body = sim("cloudfunctions", "GET", FUNCTIONS)
    assert status == 200, body
    assert body["functions"]


def test_fault_an_undeclared_permission_is_refused_in_googles_shape(sim):
    sim.grant("PROC_X", ["cloudfunctions.functions.list"])
    status, body = sim("cloudfunctions", "PATCH", f"{FUNCTIONS}/healthCheck", {})
    assert status == 403
    error = body["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith(f"Permission 'cloudfunctions.functions.update' denied on resource "
                                       f"'{FUNCTIONS}/healthCheck'")
    assert "PROC_X" in error["message"]
    [info] = error["details"]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["reason"] == "IAM_PERMISSION_DENIED"
    assert info["metadata"]["permission"] == "cloudfunctions.functions.update"


def test_fault_a_block_outside_any_procedure_holds_nothing(sim):
    sim.grant(None, [])
    status, body = sim("cloudfunctions", "GET", FUNCTIONS)
    assert status == 403
    assert "outside any procedure" in body["error"]["message"]


def test_test_iam_permissions_answers_what_the_grant_holds(sim):
    sim.grant("PROC_X", ["firebase.projects.get", "cloudfunctions.functions.list"])
    asked = ["cloudfunctions.functions.list", "cloudfunctions.functions.update", "firebase.projects.get"]
    status, body = sim("cloudresourcemanager", "POST", f"/v1/projects/{PROJECT}:testIamPermissions",
                       {"permissions": asked})
    assert status == 200, body
    assert sorted(body["permissions"]) == ["cloudfunctions.functions.list", "firebase.projects.get"]
    sim.grant("PROC_X", [])
    status, body = sim("cloudresourcemanager", "POST", f"/v1/projects/{PROJECT}:testIamPermissions",
                       {"permissions": asked})
    assert status == 200 and body == {}


def test_the_hidden_setup_holds_everything(sim):
    sim.grant(None, "*")
    status, body = sim("cloudfunctions", "GET", FUNCTIONS)
    assert status == 200, body


def test_fault_a_method_without_a_mapped_permission_fails_loudly(sim):
    sim.grant("PROC_X", ["firebasehosting.sites.get"])
    status, body = sim("firebasehosting", "GET", f"/v1beta1/projects/{PROJECT}/sites/{PROJECT}/customDomains")
    assert status == 500
    assert "has no permission in source/_data/permissions.yaml" in body["error"]["message"]


def test_every_mapped_method_exists_in_its_discovery_document():
    ids = {m.id for api in {k.split(".", 1)[0] for k in iam.TABLE["methods"]}
           for version in discovery.versions(api) for m in discovery.document(api, version).methods}
    assert sorted(set(iam.TABLE["methods"]) - ids) == []


def test_every_permission_name_has_googles_form():
    names = {p for section in ("methods", "exceptions", "commands") for perms in iam.TABLE[section].values()
             for p in perms or []}
    assert sorted(n for n in names if not PERMISSION.match(n)) == []
