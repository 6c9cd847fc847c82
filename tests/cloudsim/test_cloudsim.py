"""The simulation on its own: routing, schema checks both ways, operations, order, faults."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cloudsim import check, hosts, log, state
from cloudsim.client import call
from cloudsim.server import SimServer
from cloudsim.world import build_world

HERE = Path(__file__).resolve().parent
PROJECT = "cvplus-dev"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    logfile = tmp_path_factory.mktemp("sim") / "requests.jsonl"
    server = SimServer(build_world(), 0, logfile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]

    def request(api: str, method: str, path: str, body=None):
        return call(hosts.base_url(hosts.API_HOSTS[api], port), method, path, body, connect_to=("127.0.0.1", port))
    request.log = logfile
    yield request
    server.shutdown()


def test_world_resources_match_their_discovery_schemas():
    assert check.problems(build_world()) == []


def test_a_known_method_answers_from_the_world(sim):
    status, body = sim("firebasehosting", "GET", f"/v1beta1/projects/{PROJECT}/sites/{PROJECT}/channels")
    assert status == 200
    assert [c["name"] for c in body["channels"]] == [f"sites/{PROJECT}/channels/live"]


def test_an_unknown_path_fails_with_method_and_path(sim):
    status, body = sim("firebasehosting", "GET", f"/v1beta1/projects/{PROJECT}/gadgets")
    assert status == 404
    assert body["error"]["status"] == "NOT_FOUND"
    assert f"GET /v1beta1/projects/{PROJECT}/gadgets" in body["error"]["message"]


def test_a_method_the_simulation_lacks_fails_with_its_id(sim):
    status, body = sim("firebasehosting", "PUT", "/v1beta1/sites/cvplus-dev/domains/www.cvplus.com", {})
    assert status == 501
    assert "firebasehosting.sites.domains.update" in body["error"]["message"]
    assert "PUT /v1beta1/sites/cvplus-dev/domains/www.cvplus.com" in body["error"]["message"]


def test_a_request_field_outside_the_schema_fails(sim):
    status, body = sim("secretmanager", "POST", f"/v1/projects/{PROJECT}/secrets?secretId=NEW",
                       {"replication": {"automatic": {}}, "colour": "blue"})
    assert status == 400
    assert "request.colour: unknown field" in body["error"]["message"]


def test_a_wrong_type_fails(sim):
    status, body = sim("secretmanager", "POST", f"/v1/projects/{PROJECT}/secrets?secretId=NEW2",
                       {"replication": {"automatic": {}}, "labels": {"a": 1}})
    assert status == 400
    assert "request.labels.a: expected a string" in body["error"]["message"]


def test_an_unknown_query_parameter_fails(sim):
    status, body = sim("firebasehosting", "GET", f"/v1beta1/projects/{PROJECT}/sites/{PROJECT}/channels?newestFirst=1")
    assert status == 400
    assert "unknown query parameter 'newestFirst'" in body["error"]["message"]


def test_operations_finish_after_a_fixed_number_of_reads(sim):
    status, op = sim("cloudfunctions", "POST", f"/v2/projects/{PROJECT}/locations/us-central1/functions?functionId=simProbe",
                     {"buildConfig": {"runtime": "nodejs24", "entryPoint": "simProbe"}})
    assert status == 200 and not op.get("done")
    reads = []
    for _ in range(state.OPERATION_READS):
        reads.append(sim("cloudfunctions", "GET", f"/v2/{op['name']}")[1].get("done", False))
    assert reads == [False] * (state.OPERATION_READS - 1) + [True]


def test_lists_come_back_in_a_seeded_order_not_by_name():
    world = build_world(seed=13)
    names = [f"projects/p/secrets/s{i}" for i in range(8)]
    for name in names:
        world.put("secretmanager", name, {"name": name})
    listed = [r["name"] for r in world.children("secretmanager", "projects/p", "secrets")]
    assert sorted(listed) == sorted(names) and listed != sorted(names) and listed != sorted(names, reverse=True)
    again = build_world(seed=13)
    for name in names:
        again.put("secretmanager", name, {"name": name})
    assert [r["name"] for r in again.children("secretmanager", "projects/p", "secrets")] == listed


def test_the_request_log_names_methods_documents_and_errors(sim):
    summary = log.summary(sim.log)
    assert summary["endpoints"]["firebasehosting.projects.sites.channels.list"] >= 1
    assert any(d.startswith("firebasehosting.v1beta1 revision ") for d in summary["documents"])
    assert any("/gadgets" in e for e in summary["errors"])


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "tests"
    shutil.copytree(HERE, root / "cloudsim", ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    (root / "snippets").symlink_to(HERE.parent / "snippets")  # the fixture the world reads
    (tmp_path / "source").symlink_to(HERE.parents[1] / "source")  # the facts file
    return root


def test_fault_a_world_field_outside_the_schema_fails_the_check(tmp_path):
    root = _copy(tmp_path)
    world_py = root / "cloudsim" / "world.py"
    text = world_py.read_text(encoding="utf-8")
    world_py.write_text(text.replace('"state": "ENABLED", "createTime": world.now()})',
                                     '"state": "ENABLED", "createTime": world.now(), "colour": "blue"})', 1),
                        encoding="utf-8")
    assert '"colour": "blue"' in world_py.read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "import sys; sys.path[:0]=[sys.argv[1], sys.argv[2]]; "
                             "from cloudsim.check import main; sys.exit(main())", str(root),
                             str(HERE.parents[1] / "source" / "_ext")], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "/versions/1" in result.stdout and "colour: unknown field" in result.stdout


def test_fault_a_handler_answer_outside_the_schema_is_an_error(tmp_path):
    root = _copy(tmp_path)
    handler = root / "cloudsim" / "apis" / "firebasehosting.py"
    text = handler.read_text(encoding="utf-8")
    handler.write_text(text.replace('answer = {"uploadUrl":', 'answer = {"colour": "blue", "uploadUrl":', 1),
                       encoding="utf-8")
    script = (
        "import sys, threading; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from cloudsim import hosts; from cloudsim.client import call; from cloudsim.server import SimServer\n"
        "from cloudsim.world import build_world\n"
        "s = SimServer(build_world(), 0, None); threading.Thread(target=s.serve_forever, daemon=True).start()\n"
        "port = s.server_address[1]; base = hosts.base_url(hosts.API_HOSTS['firebasehosting'], port)\n"
        "st, v = call(base, 'POST', '/v1beta1/sites/cvplus-dev/versions', {}, ('127.0.0.1', port))\n"
        "st, a = call(base, 'POST', '/v1beta1/' + v['name'] + ':populateFiles', {'files': {'/a': '1' * 64}}, ('127.0.0.1', port))\n"
        "print(st, a['error']['message'])\n")
    result = subprocess.run([sys.executable, "-c", script, str(root), str(HERE.parents[1] / "source" / "_ext")],
                            capture_output=True, text=True)
    assert result.stdout.startswith("500 "), result.stdout + result.stderr
    assert "firebasehosting.sites.versions.populateFiles" in result.stdout
    assert "response.colour: unknown field" in result.stdout


def test_named_exceptions_are_served_and_logged(sim):
    import http.client
    from cloudsim.server import EXCEPTIONS
    assert {e["name"] for e in EXCEPTIONS} == {"oauth-token", "hosting-file-upload", "functions-source-upload",
                                                "extensions-instances-list", "identitytoolkit-admin-prefix",
                                                "firebasestorage-default-bucket"}
    assert all(e["source"].strip() for e in EXCEPTIONS)
    status, upload = sim("cloudfunctions", "POST", f"/v2/projects/{PROJECT}/locations/us-central1/functions:generateUploadUrl")
    assert status == 200 and upload["uploadUrl"].startswith("http://storage.googleapis.com:")
    port = int(upload["uploadUrl"].split(":")[2].split("/")[0])
    path = upload["uploadUrl"].split(str(port), 1)[1]
    for body, expected in ((b"PK\x03\x04zip", 200), (b"not a zip", 400)):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("PUT", path, body=body, headers={"Host": f"storage.googleapis.com:{port}",
                                                      "Content-Type": "application/zip"})
        assert conn.getresponse().status == expected
        conn.close()
    assert "functions-source-upload" in log.summary(sim.log)["exceptions"]


def test_an_alias_prefix_is_routed_and_checked_as_the_discovery_method(sim):
    status, config = sim("identitytoolkit", "GET", f"/admin/v2/projects/{PROJECT}/config")
    assert status == 200 and f"{PROJECT}.web.app" in config["authorizedDomains"]
    status, config = sim("identitytoolkit", "PATCH", f"/admin/v2/projects/{PROJECT}/config?update_mask=authorizedDomains",
                         {"authorizedDomains": ["localhost", "rc.web.app"]})
    assert status == 200 and config["authorizedDomains"] == ["localhost", "rc.web.app"]
    status, body = sim("identitytoolkit", "PATCH", f"/admin/v2/projects/{PROJECT}/config", {"authorisedDomains": []})
    assert status == 400 and "identitytoolkit.projects.updateConfig" in body["error"]["message"]
