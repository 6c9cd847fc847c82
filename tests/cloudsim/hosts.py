"""Which loopback host name serves which API.

Every API keeps Google's own host name (firebase-tools names an API after
its override's host, e.g. in ``ensuring required API
cloudfunctions.googleapis.com is enabled``); the sandbox's hosts file binds
each of them to 127.0.0.1, and one server on ``PORT`` answers all of them,
telling the API from the ``Host`` header.
"""

from __future__ import annotations

PORT = 9470

# discovery API name -> host name
API_HOSTS = {name: f"{name}.googleapis.com" for name in (
    "run", "firestore", "secretmanager", "cloudfunctions", "firebasehosting", "cloudresourcemanager",
    "serviceusage", "firebase", "firebaserules", "logging", "monitoring", "billingbudgets", "cloudbilling",
    "iam", "cloudbuild", "cloudscheduler", "pubsub", "eventarc", "artifactregistry", "storage",
    "identitytoolkit", "firebasestorage")}
# hosts of the calls no discovery document describes (see exceptions.yaml)
EXTRA_HOSTS = ["www.googleapis.com", "oauth2.googleapis.com", "upload-firebasehosting.googleapis.com",
               "firebaseextensions.googleapis.com"]

# firebase-tools' origin overrides (node_modules/firebase-tools/lib/api.js) -> API
FIREBASE_TOOLS_OVERRIDES = {
    "FIREBASE_HOSTING_API_URL": "firebasehosting", "FIREBASE_FUNCTIONS_URL": "cloudfunctions",
    "FIREBASE_FUNCTIONS_V2_URL": "cloudfunctions", "CLOUD_RUN_URL": "run", "CLOUD_RUN_API_URL": "run",
    "CLOUD_SECRET_MANAGER_URL": "secretmanager", "FIREBASE_RULES_URL": "firebaserules", "FIRESTORE_URL": "firestore",
    "FIREBASE_RESOURCEMANAGER_URL": "cloudresourcemanager", "FIREBASE_SERVICE_USAGE_URL": "serviceusage",
    "FIREBASE_API_URL": "firebase", "FIREBASE_CLOUDBILLING_URL": "cloudbilling", "FIREBASE_CLOUDLOGGING_URL": "logging",
    "CLOUD_MONITORING_URL": "monitoring", "FIREBASE_IAM_URL": "iam", "FIREBASE_CLOUDBUILD_URL": "cloudbuild",
    "FIREBASE_CLOUDSCHEDULER_URL": "cloudscheduler", "FIREBASE_PUBSUB_URL": "pubsub", "EVENTARC_URL": "eventarc",
    "ARTIFACT_REGISTRY_DOMAIN": "artifactregistry", "FIREBASE_STORAGE_URL": "storage",
    "FIREBASE_IDENTITY_URL": "identitytoolkit", "FIREBASE_AUTH_MANAGEMENT_URL": "identitytoolkit",
    "FIREBASE_FIREBASESTORAGE_URL": "firebasestorage",
}
EXTRA_OVERRIDES = {"FIREBASE_TOKEN_URL": "www.googleapis.com", "FIREBASE_EXT_URL": "firebaseextensions.googleapis.com"}


def base_url(host: str, port: int = PORT) -> str:
    return f"http://{host}:{port}"


def endpoints(port: int = PORT) -> dict[str, str]:
    """Discovery API name -> base URL (what ``$CVPLUS_CLOUDSIM_ENDPOINTS`` holds)."""
    return {api: base_url(host, port) for api, host in API_HOSTS.items()}


def env(port: int = PORT) -> dict[str, str]:
    """Environment overrides pointing firebase-tools at the simulation."""
    out = {var: base_url(API_HOSTS[api], port) for var, api in FIREBASE_TOOLS_OVERRIDES.items()}
    out.update({var: base_url(host, port) for var, host in EXTRA_OVERRIDES.items()})
    return out


# gcloud run puts the region before the override's host name
# (googlecloudsdk/command_lib/run/connection_context.py): us-central1-run.googleapis.com
REGIONAL_RUN_HOSTS = [f"{region}-run.googleapis.com" for region in ("us-central1",)]


def hosts_file(base: str | None = None) -> str:
    """The machine's hosts file (localhost as the tools know it) plus every API host name on 127.0.0.1."""
    if base is None:
        from pathlib import Path
        base = Path("/etc/hosts").read_text(encoding="utf-8")
    names = [*API_HOSTS.values(), *EXTRA_HOSTS, *REGIONAL_RUN_HOSTS]
    return base.rstrip("\n") + "\n# cloudsim: the simulated Google APIs\n" + "".join(f"127.0.0.1\t{n}\n" for n in names)


def api_of_host(host: str) -> str | None:
    name = host.split(":", 1)[0].lower()
    if name in REGIONAL_RUN_HOSTS:
        return "run"
    for api, known in API_HOSTS.items():
        if known == name:
            return api
    return name if name in EXTRA_HOSTS else None
