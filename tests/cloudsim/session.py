"""What a sandbox needs to run the real firebase CLI against the simulation.

``prepare(folder)`` writes the hosts file (every API host name -> 127.0.0.1),
the CLI's signed-in account (configstore, with an expired access token so
the CLI exchanges its refresh token at the simulation's token endpoint) and
returns the environment: the API origin overrides of
``node_modules/firebase-tools/lib/api.js``, ``CVPLUS_CLOUDSIM_ENDPOINTS``,
``CVPLUS_CLOUDSIM_LOG`` and ``CVPLUS_CLOUDSIM_GRANT`` (the caller's IAM
permissions, rewritten by ``write_grant`` before each block; cloudsim/iam.py). ``server_command`` starts the server; run it
inside the sandbox's own network namespace.

Why a signed-in account and not a service-account key: firebase-tools'
bundled gtoken posts a key's JWT grant to the hard-coded
``https://www.googleapis.com/oauth2/v4/token``
(node_modules/firebase-tools/node_modules/gtoken/build/src/index.js:33), which
no override moves; the refresh-token grant goes to ``FIREBASE_TOKEN_URL``.
The account and its tokens are made up per sandbox and never committed. A
cached, empty message of the day (``motd.fetched``) keeps the CLI from
fetching it from the network (lib/fetchMOTD.js), as on a machine that ran
the CLI within the day.
The CLI's actAs check calls ``iam.googleapis.com`` without an override: in
the sandbox that host is loopback, nothing listens on 443, and the CLI only
logs the failure at debug level.
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

from cloudsim import hosts
from cloudsim.world import OPERATOR

HERE = Path(__file__).resolve().parent


def prepare(folder: Path, home: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hosts").write_text(hosts.hosts_file(), encoding="utf-8")
    store = home / ".config" / "configstore"
    store.mkdir(parents=True, exist_ok=True)
    account = {"user": {"email": OPERATOR}, "tokens": {
        "access_token": "expired-" + secrets.token_hex(8), "refresh_token": "cloudsim-" + secrets.token_hex(16),
        "expires_at": 1, "token_type": "Bearer", "scope": "https://www.googleapis.com/auth/cloud-platform"},
        "usage": False, "motd": {"fetched": 4102444800000}}
    (store / "firebase-tools.json").write_text(json.dumps(account, indent=2), encoding="utf-8")
    write_grant(folder, None, "*")
    return {**hosts.env(), "CVPLUS_CLOUDSIM_ENDPOINTS": str(folder / "endpoints.json"),
            # the gcloud stand-in reads and changes this simulation over REST (standins/gcloud_rest.py)
            "CVPLUS_GCLOUD_REST": "1",
            "CVPLUS_CLOUDSIM_LOG": str(folder / "requests.jsonl"), "CVPLUS_CLOUDSIM_GRANT": str(folder / "grant.json")}


def write_grant(folder: Path, procedure: str | None, permissions) -> None:
    """What the simulated caller holds from now on (cloudsim/iam.py): a list of permissions, or "*"."""
    tmp = folder / "grant.json.tmp"
    tmp.write_text(json.dumps({"procedure": procedure, "permissions": permissions}), encoding="utf-8")
    tmp.replace(folder / "grant.json")


def server_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "cloudsim", "--endpoints", str(folder / "endpoints.json"),
            "--log", str(folder / "requests.jsonl"), "--grant", str(folder / "grant.json")]
