"""The simulated world's state: resources by API and full name, operations.

All state lives in the server process. A resource is stored under its API
and its full resource name (``projects/p/locations/r/functions/f``).
Long-running operations finish after ``OPERATION_READS`` reads (not wall
time: the CLI backs off up to 10 s between polls). Lists the APIs promise no
order for come back in a seeded order (``CVPLUS_CLOUDSIM_SEED``).
"""

from __future__ import annotations

import copy
import random
import threading
import time

OPERATION_READS = 2
CLOCK_START = 1795000000.0  # a fixed clock (2026-11-18): timestamps do not depend on when the test runs


class World:
    def __init__(self, seed: int = 13):
        self.resources: dict[str, dict[str, dict]] = {}
        self.operations: dict[str, dict] = {}
        self.seed = seed
        self.lock = threading.RLock()
        self.ticks = 0
        self.counter = 0

    # --- time and ids ---------------------------------------------------
    def now(self) -> str:
        """An RFC 3339 timestamp that moves one second per call."""
        self.ticks += 1
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(CLOCK_START + self.ticks)) + ".000Z"

    def new_id(self, prefix: str = "") -> str:
        self.counter += 1
        return f"{prefix}{self.counter:06x}{random.Random(self.seed * 7919 + self.counter).getrandbits(32):08x}"

    # --- resources --------------------------------------------------------
    def table(self, api: str) -> dict[str, dict]:
        return self.resources.setdefault(api, {})

    def get(self, api: str, name: str) -> dict | None:
        found = self.table(api).get(name)
        return copy.deepcopy(found) if found is not None else None

    def put(self, api: str, name: str, body: dict) -> dict:
        self.table(api)[name] = copy.deepcopy(body)
        return copy.deepcopy(body)

    def delete(self, api: str, name: str) -> dict | None:
        return self.table(api).pop(name, None)

    def children(self, api: str, parent: str, collection: str) -> list[dict]:
        """Direct children ``parent/collection/<id>``, in a seeded order (no order is promised)."""
        prefix = f"{parent}/{collection}/" if parent else f"{collection}/"
        names = [n for n in self.table(api) if n.startswith(prefix) and "/" not in n[len(prefix):]]
        names.sort()
        random.Random(f"{self.seed}:{api}:{prefix}").shuffle(names)
        return [copy.deepcopy(self.table(api)[n]) for n in names]

    # --- long-running operations -----------------------------------------
    def operation(self, api: str, name: str, result: dict | None = None, metadata: dict | None = None,
                  error: dict | None = None) -> dict:
        """Register an operation that is done after OPERATION_READS reads; return its first view."""
        self.operations[name] = {"api": api, "reads": 0, "response": result, "metadata": metadata, "error": error}
        return self.read_operation(name, count=False)

    def read_operation(self, name: str, count: bool = True) -> dict | None:
        op = self.operations.get(name)
        if op is None:
            return None
        if count:
            op["reads"] += 1
        view: dict = {"name": name}
        if op["metadata"] is not None:
            view["metadata"] = copy.deepcopy(op["metadata"])
        if op["reads"] >= OPERATION_READS:
            view["done"] = True
            if op["error"] is not None:
                view["error"] = copy.deepcopy(op["error"])
            elif op["response"] is not None:
                view["response"] = copy.deepcopy(op["response"])
        return view
