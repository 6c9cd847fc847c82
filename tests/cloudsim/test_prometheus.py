"""The Prometheus-compatible query endpoint of Cloud Monitoring, over the seeded series."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlencode

import pytest

from cloudsim import hosts
from cloudsim.apis.monitoring import BadData, Parser
from cloudsim.server import SimServer
from cloudsim.world import build_world

PROJECT = "cvplus-production"
PATH = f"/v1/projects/{PROJECT}/location/global/prometheus/api/v1/query"
SEL = 'monitored_resource="cloud_run_revision"'
ERROR_RATE = (f'max(100 * sum by (service_name) (rate(run_googleapis_com:request_count{{{SEL},response_code_class="5xx"}}[30m]))'
              f' / sum by (service_name) (rate(run_googleapis_com:request_count{{{SEL}}}[30m])))')
P95 = (f'max(histogram_quantile(0.95, sum by (service_name, le) '
       f'(rate(run_googleapis_com:request_latencies_bucket{{{SEL}}}[30m]))))')


@pytest.fixture(scope="module")
def post(tmp_path_factory):
    server = SimServer(build_world(), 0, tmp_path_factory.mktemp("prom") / "log.jsonl")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def request(form: dict) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", PATH, body=urlencode(form), headers={
            "Host": f"{hosts.API_HOSTS['monitoring']}:{port}", "Authorization": "Bearer x",
            "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    yield request
    server.shutdown()


def test_the_release_gate_numbers_come_back_in_prometheus_shape(post):
    status, body = post({"query": ERROR_RATE})
    assert status == 200, body
    assert body["status"] == "success" and body["data"]["resultType"] == "vector"
    [sample] = body["data"]["result"]
    assert sample["metric"] == {} and sample["value"][1] == "0.2"
    status, body = post({"query": P95})
    assert status == 200, body
    assert body["data"]["result"][0]["value"][1] == "450"


def test_fault_a_query_outside_the_subset_is_bad_data_not_a_guess(post):
    status, body = post({"query": "avg_over_time(up[5m])"})
    assert status == 400
    assert body == {"status": "error", "errorType": "bad_data",
                    "error": 'invalid parameter "query": the simulation evaluates no function or bare selector '
                             "'avg_over_time' (only rate(...[range]))"}


def test_per_function_values_and_matchers():
    series = build_world().get("monitoring", f"series:projects/{PROJECT}")["series"]
    by_service = Parser(f'sum by (service_name) (rate(run_googleapis_com:request_count{{{SEL},'
                        f'response_code_class!="2xx"}}[5m]))', series).parse()
    assert sorted(v for v in by_service.values())[-1] == pytest.approx(0.02)
    with pytest.raises(BadData, match="bad range"):
        Parser("rate(run_googleapis_com:request_count[5x])", series).parse()
