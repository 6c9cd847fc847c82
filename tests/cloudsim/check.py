"""Check every resource of a world against its API's discovery schema.

``python -m cloudsim.check`` builds the world from the facts file and
exits 1 naming each resource and field that the document does not allow.
"""

from __future__ import annotations

import sys

from cloudsim import discovery

VERSIONS = {"firebasehosting": "v1beta1", "cloudfunctions": "v2", "run": "v2", "secretmanager": "v1",
            "firestore": "v1", "cloudresourcemanager": "v1", "serviceusage": "v1", "firebase": "v1beta1",
            "firebaserules": "v1", "artifactregistry": "v1"}


def problems(world) -> list[str]:
    out = []
    for api, table in world.resources.items():
        version = VERSIONS.get(api)
        for name, resource in table.items():
            if ":" in name.split("/")[0] or version is None:
                continue  # the simulation's own bookkeeping (payloads, IAM, file lists)
            path = f"projects/-/{name}" if api == "firebasehosting" and name.count("/") == 1 else name
            try:
                method, _ = discovery.route(api, "GET", f"/{version}/{path}")
            except Exception as exc:  # noqa: BLE001 - reported, never swallowed
                out.append(f"{api} {name}: {exc}")
                continue
            out += [f"{api} {name} ({method.id}): {p}" for p in
                    discovery.validate(method.doc, method.response, resource, method.response)]
    return out


def main() -> int:
    from cloudsim.world import build_world
    found = problems(build_world())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
