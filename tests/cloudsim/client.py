"""A tiny REST client for the simulation (tests, the gcloud stand-in): JSON in, JSON out."""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from urllib.parse import urlsplit


def endpoints(path: str | os.PathLike | None = None) -> dict[str, str]:
    path = path or os.environ["CVPLUS_CLOUDSIM_ENDPOINTS"]
    return json.loads(Path(path).read_text(encoding="utf-8"))


def call(base: str, method: str, path: str, body: object = None, connect_to: tuple[str, int] | None = None,
         timeout: float = 30) -> tuple[int, object]:
    """``method base+path``; ``connect_to`` dials another address with the same Host (no hosts file)."""
    url = urlsplit(base)
    host, port = connect_to or (url.hostname, url.port or 80)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    data = None if body is None else json.dumps(body).encode()
    headers = {"Host": url.netloc, "Authorization": "Bearer cloudsim"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, json.loads(raw) if raw else None
