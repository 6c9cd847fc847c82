"""Run the real gcloud, where a developer has it, against the simulated APIs.

With ``CVPLUS_REAL_GCLOUD=/path/to/gcloud`` in the sandbox environment the
``gcloud`` on the sandbox PATH execs that binary instead of the stand-in,
pointed at the same simulation as the stand-in: every API of
``$CVPLUS_CLOUDSIM_ENDPOINTS`` becomes an ``api_endpoint_overrides/<api>``
property (``CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>``), the credential is a
made-up access token in a file (``auth/access_token_file``), and the
configuration lives in the sandbox HOME, so nothing reads or writes the
developer's own gcloud settings. The sandbox has no network but loopback.

Limits of gcloud 528 (found by the differential run, see
gcloud-diff-report.json): it has no endpoint override property for
``billingbudgets``, so ``gcloud billing budgets`` calls the real host name,
which the sandbox's hosts file sends to loopback port 443 where nothing
listens; ``gcloud run`` prefixes the region to the override's host name
(``us-central1-run.googleapis.com``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

TOKEN = "cloudsim-real-gcloud-token"  # made up; the simulation accepts any bearer token


def environment(base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    home = Path(env.get("HOME", "/tmp"))
    config = home / ".config" / "gcloud-cloudsim"
    config.mkdir(parents=True, exist_ok=True)
    token = config / "access-token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    env.update({
        "CLOUDSDK_CONFIG": str(config),
        "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": str(token),
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "1",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
        "CLOUDSDK_CORE_CHECK_GCE_METADATA": "0",
        "CLOUDSDK_CORE_SHOW_STRUCTURED_LOGS": "never",
    })
    endpoints = env.get("CVPLUS_CLOUDSIM_ENDPOINTS", "")
    if endpoints and Path(endpoints).is_file():
        for api, url in json.loads(Path(endpoints).read_text(encoding="utf-8")).items():
            env[f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.upper()}"] = url.rstrip("/") + "/"
    return env


def exec_real(argv: list[str]) -> None:
    real = os.environ["CVPLUS_REAL_GCLOUD"]
    if not os.access(real, os.X_OK):
        print(f"CVPLUS_REAL_GCLOUD={real} is not an executable", file=sys.stderr)
        sys.exit(2)
    os.execve(real, [real, *argv], environment(dict(os.environ)))
