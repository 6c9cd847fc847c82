"""The simulation's HTTP server: one process, one port, every API by Host.

``python -m cloudsim.server --endpoints FILE --log FILE [--port N]`` builds
the world from the facts file, listens on 127.0.0.1, writes the endpoints
file (discovery API name -> base URL) once it listens, and appends one JSON
line per request to the log (API, method id, path, status, document
revision, named exception, problems). A request is served by, in order: a
named exception (exceptions.yaml), a custom handler (apis/<api>.py), the
generic CRUD (crud.py). The request and the answer are both checked against
the discovery document; a mismatch is an error answer naming the method,
path and field, in Google's error body.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cloudsim import crud, discovery, hosts, iam, trap  # noqa: E402
from cloudsim.errors import ApiError  # noqa: E402

HERE = Path(__file__).resolve().parent
EXCEPTIONS = yaml.safe_load((HERE / "exceptions.yaml").read_text(encoding="utf-8"))


@dataclass
class Context:
    world: object
    api: str
    http_method: str
    path: str
    query: dict
    body: object
    raw: bytes
    headers: dict
    port: int
    host: str = ""
    grant: iam.Grant = field(default_factory=lambda: iam.Grant(None))
    method: discovery.Method | None = None
    params: dict = field(default_factory=dict)

    def url(self, host: str) -> str:
        return hosts.base_url(host, self.port)


def _handler(dotted: str):
    module, func = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), func)


def custom_handlers(api: str) -> dict:
    try:
        module = importlib.import_module(f"cloudsim.apis.{api}")
    except ModuleNotFoundError as exc:
        if exc.name != f"cloudsim.apis.{api}":
            raise
        return {}
    return getattr(module, "HANDLERS", {})


def serve_one(ctx: Context, entry: dict) -> tuple[int, object]:
    """Route, check, answer. ``entry`` collects what the request log records."""
    trap.refuse(ctx.path, ctx.query, ctx.raw)
    for exc in EXCEPTIONS:
        if exc["host"] == ctx.host and re.fullmatch(exc["method"], ctx.http_method) and re.search(exc["path"], ctx.path):
            entry["exception"] = exc["name"]
            if "rewrite" in exc:  # an alias of a discovery path: routed and checked as that method
                ctx.path = re.sub(exc["path"], exc["rewrite"], ctx.path)
                break
            iam.check(ctx.grant, None, exc["name"], ctx.path)
            return 200, _handler(exc["handler"])(ctx)
    if ctx.api not in hosts.API_HOSTS:
        raise ApiError(404, f"{ctx.http_method} {ctx.path} on {ctx.api}: no discovery document and no named exception")
    method, params = discovery.route(ctx.api, ctx.http_method, ctx.path)
    ctx.method, ctx.params = method, params
    entry.update(method=method.id, doc=method.doc.label)
    iam.check(ctx.grant, method.id, None, ctx.path)
    # query parameters may be named as in the proto (update_mask) or in lowerCamelCase (updateMask)
    ctx.query = {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k) if "." not in k and not k.startswith("$") else k: v
                 for k, v in ctx.query.items()}
    discovery.check_query(method, ctx.query)
    if method.request:
        if not ctx.raw:
            ctx.body = {}  # no body: the request message with every field unset, as Google's JSON mapping reads it
        if not isinstance(ctx.body, dict):
            raise ApiError(400, f"{ctx.http_method} {ctx.path} ({method.id}): expected a JSON {method.request} body")
        problems = discovery.validate(method.doc, method.request, ctx.body, "request")
        if problems:
            raise ApiError(400, f"{ctx.http_method} {ctx.path} ({method.id}): invalid {method.request}: "
                                + "; ".join(problems))
    handler = custom_handlers(ctx.api).get(method.id) or crud.generic_handler(method)
    if handler is None:
        raise ApiError(501, f"{ctx.http_method} {ctx.path} ({method.id}): the simulation does not implement this method",
                       "UNIMPLEMENTED")
    with ctx.world.lock:
        answer = handler(ctx)
    if method.response == "HttpBody":
        pass  # a raw body in the API's own format (the Prometheus HTTP API), not a JSON message
    elif method.response:
        problems = discovery.validate(method.doc, method.response, answer, "response")
        if problems:
            entry["problems"] = problems
            raise ApiError(500, f"{ctx.http_method} {ctx.path} ({method.id}): the simulation's answer breaks "
                                f"{method.response} of {method.doc.label}: " + "; ".join(problems))
    elif answer not in ({}, None):
        raise ApiError(500, f"{ctx.http_method} {ctx.path} ({method.id}): the method answers nothing but the simulation "
                            "answered a body")
    return 200, answer if answer is not None else {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudsim"

    def log_message(self, *args) -> None:  # the request log is ours
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not length and self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        api = hosts.api_of_host(self.headers.get("Host", "")) or self.headers.get("Host", "?")
        body: object = None
        if raw and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        elif raw and "json" in (self.headers.get("Content-Type") or "json"):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        ctx = Context(self.server.world, api, self.command, parts.path, query, body, raw,
                      dict(self.headers), self.server.server_address[1],
                      self.headers.get("Host", "").split(":", 1)[0].lower(), self.server.grant)
        entry = {"api": api, "http": f"{self.command} {parts.path}"}
        try:
            status, answer = serve_one(ctx, entry)
        except ApiError as err:
            status, answer = err.code, err.body()
            entry["error"] = err.message
        except Exception as err:  # a bug in the simulation: answer loudly, never quietly
            status, answer = 500, ApiError(500, f"{self.command} {parts.path}: simulation error "
                                                f"{type(err).__name__}: {err}").body()
            entry["error"] = f"{type(err).__name__}: {err}"
        entry["status"] = status
        self.server.record(entry)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_chunked(self) -> bytes:
        out = b""
        while True:
            size = int(self.rfile.readline().strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return out
            out += self.rfile.read(size)
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class SimServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, world, port: int, log: Path | None, grant: Path | None = None):
        super().__init__(("127.0.0.1", port), Handler)
        self.world = world
        self.grant = iam.Grant(grant)
        self.log = log
        self._log_lock = threading.Lock()

    def record(self, entry: dict) -> None:
        if self.log is None:
            return
        with self._log_lock, self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    from cloudsim.world import build_world
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=hosts.PORT)
    parser.add_argument("--endpoints", type=Path, required=True)
    parser.add_argument("--log", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--grant", type=Path, help="the caller's permissions, rewritten per block (cloudsim/iam.py)")
    args = parser.parse_args(argv)
    server = SimServer(build_world(seed=args.seed), args.port, args.log, args.grant)
    port = server.server_address[1]
    tmp = args.endpoints.with_suffix(".tmp")
    tmp.write_text(json.dumps(hosts.endpoints(port), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(args.endpoints)
    server.serve_forever()


if __name__ == "__main__":
    main()
