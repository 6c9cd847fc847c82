"""Cloud Monitoring: the Prometheus-compatible instant query, over seeded series.

``POST v1/projects/P/location/global/prometheus/api/v1/query`` (discovery
``monitoring.projects.location.prometheus.api.v1.query``, a form or JSON
``QueryInstantRequest``) answers in the Prometheus HTTP API's shape
(``{"status": "success", "data": {"resultType": "vector", "result": [...]}}``;
errors ``{"status": "error", "errorType": "bad_data", "error": ...}`` with
400), which is what Google's endpoint returns inside its ``HttpBody``.

The series are the simulation's own, seeded per project by world.py
(``add_series``): Cloud Run request counts by response code class and
request-latency histograms per function service, each growing at a constant
rate, so ``rate(x[w])`` is that rate for any window. They are not CVPlus
traffic. The evaluator knows the subset of PromQL the manual's queries use:
number literals, selectors with ``=``, ``!=``, ``=~``, ``!~`` matchers and
a range, ``rate``, ``sum``/``max``/``min`` with ``by (...)``,
``histogram_quantile`` (linear interpolation inside the bucket, as
Prometheus does) and ``* / + -`` between a scalar and a vector or two
vectors with the same labels. Anything else is ``bad_data`` naming the
text, never a guess.
"""

from __future__ import annotations

import math
import re

from cloudsim.errors import ApiError

API = "monitoring"
TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)|(?P<str>\"(?:[^\"\\]|\\.)*\")"
                   r"|(?P<op>=~|!~|!=|[-+*/(){}\[\],=]))")
AGGREGATIONS = {"sum": sum, "max": max, "min": min}


class BadData(Exception):
    pass


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise BadData(f"parse error at char {pos + 1}: unexpected '{text[pos:pos + 12]}'")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class Parser:
    """Recursive descent over the subset; an expression is a scalar (float) or a vector (dict)."""

    def __init__(self, text: str, series: list[dict]):
        self.toks = tokens(text)
        self.i = 0
        self.series = series

    def peek(self, value: str | None = None) -> bool:
        return self.i < len(self.toks) and (value is None or self.toks[self.i][1] == value)

    def take(self, value: str | None = None) -> str:
        if not self.peek(value):
            found = self.toks[self.i][1] if self.i < len(self.toks) else "end of query"
            raise BadData(f"expected '{value}', found '{found}'" if value else "unexpected end of query")
        self.i += 1
        return self.toks[self.i - 1][1]

    def parse(self):
        value = self.expr()
        if self.peek():
            raise BadData(f"unexpected '{self.toks[self.i][1]}' after the expression")
        return value

    def expr(self):
        left = self.term()
        while self.peek("+") or self.peek("-"):
            op = self.take()
            left = binary(op, left, self.term())
        return left

    def term(self):
        left = self.atom()
        while self.peek("*") or self.peek("/"):
            op = self.take()
            left = binary(op, left, self.atom())
        return left

    def atom(self):
        kind, value = self.toks[self.i] if self.peek() else ("", "")
        if kind == "num":
            self.i += 1
            return float(value)
        if value == "(":
            self.take("(")
            inner = self.expr()
            self.take(")")
            return inner
        if kind != "name":
            raise BadData(f"unexpected '{value or 'end of query'}'")
        self.i += 1
        if value in AGGREGATIONS:
            return self.aggregation(value)
        if value == "rate":
            self.take("(")
            vector = self.selector(self.take(), ranged=True)
            self.take(")")
            return vector
        if value == "histogram_quantile":
            self.take("(")
            q = self.expr()
            self.take(",")
            buckets = self.expr()
            self.take(")")
            return quantile(q, buckets)
        raise BadData(f"the simulation evaluates no function or bare selector '{value}' (only rate(...[range]))")

    def aggregation(self, name: str):
        by: list[str] | None = None
        if self.peek("by"):
            self.take("by")
            by = self.labels()
        self.take("(")
        vector = self.expr()
        self.take(")")
        if self.peek("by"):
            self.take("by")
            by = self.labels()
        if not isinstance(vector, dict):
            raise BadData(f"{name}() needs a vector")
        groups: dict[tuple, list[float]] = {}
        for labels, value in vector.items():
            key = tuple(sorted((k, v) for k, v in labels if by is not None and k in by))
            groups.setdefault(key, []).append(value)
        return {frozenset(k): AGGREGATIONS[name](v) for k, v in groups.items()}

    def labels(self) -> list[str]:
        self.take("(")
        names = [self.take()]
        while self.peek(","):
            self.take(",")
            names.append(self.take())
        self.take(")")
        return names

    def selector(self, metric: str, ranged: bool) -> dict:
        matchers = []
        if self.peek("{"):
            self.take("{")
            while not self.peek("}"):
                label, op, raw = self.take(), self.take(), self.take()
                if op not in ("=", "!=", "=~", "!~") or not raw.startswith('"'):
                    raise BadData(f"bad matcher {label}{op}{raw}")
                matchers.append((label, op, raw[1:-1].replace('\\"', '"')))
                if self.peek(","):
                    self.take(",")
            self.take("}")
        if ranged:
            self.take("[")
            window = self.take()
            if self.toks[self.i - 1][0] == "num" and self.peek() and self.toks[self.i][0] == "name":
                window += self.take()
            if not re.fullmatch(r"\d+[smhd]", window):
                raise BadData(f"bad range [{window}]")
            self.take("]")
        out = {}
        for series in self.series:
            if series["metric"] == metric and all(matches(series["labels"].get(l, ""), op, v) for l, op, v in matchers):
                out[frozenset(series["labels"].items())] = series["rate"]
        return out


def matches(value: str, op: str, wanted: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "!=":
        return value != wanted
    hit = re.fullmatch(wanted, value) is not None
    return hit if op == "=~" else not hit


def binary(op: str, left, right):
    def apply(a: float, b: float) -> float:
        if op == "/":
            return a / b if b else (math.nan if a == 0 else math.copysign(math.inf, a))
        return {"*": a * b, "+": a + b, "-": a - b}[op]
    if isinstance(left, dict) and isinstance(right, dict):
        return {k: apply(v, right[k]) for k, v in left.items() if k in right}
    if isinstance(left, dict):
        return {k: apply(v, right) for k, v in left.items()}
    if isinstance(right, dict):
        return {k: apply(left, v) for k, v in right.items()}
    return apply(left, right)


def quantile(q, buckets) -> dict:
    if not isinstance(q, float) or not isinstance(buckets, dict):
        raise BadData("histogram_quantile(scalar, vector of buckets)")
    groups: dict[frozenset, list[tuple[float, float]]] = {}
    for labels, value in buckets.items():
        le = dict(labels).get("le")
        if le is None:
            raise BadData("histogram_quantile: the buckets have no 'le' label")
        rest = frozenset((k, v) for k, v in labels if k != "le")
        groups.setdefault(rest, []).append((math.inf if le == "+Inf" else float(le), value))
    out = {}
    for labels, points in groups.items():
        points.sort()
        total = points[-1][1]
        if total == 0:
            continue
        rank, lower, below = q * total, 0.0, 0.0
        for upper, count in points:
            if count >= rank:
                out[labels] = lower if upper == math.inf else lower + (upper - lower) * (rank - below) / (count - below)
                break
            lower, below = upper, count
    return out


def prom_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(round(value, 6)).rstrip("0").rstrip(".") if "." in repr(round(value, 6)) else repr(value)


def query(ctx):
    """The Prometheus instant query over the project's seeded series."""
    body = ctx.body or {}
    text = body.get("query") or ctx.query.get("query")
    if not text:
        raise PromError("missing query")
    project = ctx.params.get("name", "").split("/")[-1]
    series = ctx.world.get(API, f"series:projects/{project}")
    if series is None:
        raise ApiError(404, f"project {project} has no simulated series")
    try:
        value = Parser(text, series["series"]).parse()
    except BadData as exc:
        raise PromError(f"invalid parameter \"query\": {exc}") from exc
    at = float(ctx.world.ticks + 1795000000)
    if isinstance(value, float):
        return {"status": "success", "data": {"resultType": "scalar", "result": [at, prom_value(value)]}}
    result = [{"metric": dict(sorted(labels)), "value": [at, prom_value(v)]} for labels, v in sorted(
        value.items(), key=lambda item: sorted(item[0]))]
    return {"status": "success", "data": {"resultType": "vector", "result": result}}


class PromError(ApiError):
    """A Prometheus API error body (not Google's): the endpoint answers in Prometheus' own shape."""

    def __init__(self, message: str):
        super().__init__(400, message, "INVALID_ARGUMENT")

    def body(self) -> dict:
        return {"status": "error", "errorType": "bad_data", "error": self.message}


def create_alert_policy(ctx):
    """``projects.alertPolicies.create`` (parent in ``name``): the policy with its
    server-assigned name, its conditions named under it, ``enabled`` true when
    unset ("on write, the default interpretation if unset is that the policy is
    enabled", AlertPolicy.enabled in the discovery document) and the creation
    and mutation records."""
    from cloudsim.world import OPERATOR
    parent = ctx.params["name"]
    policy_id = str(10**15 + int(ctx.world.new_id()[-8:], 16))
    name = f"{parent}/alertPolicies/{policy_id}"
    policy = dict(ctx.body or {})
    if not policy.get("displayName"):
        raise ApiError(400, "Field alert_policy.display_name is required", "INVALID_ARGUMENT")
    policy["name"] = name
    policy.setdefault("enabled", True)
    policy["conditions"] = [{**c, "name": f"{name}/conditions/{str(10**15 + i + int(policy_id[-6:]))}"}
                            for i, c in enumerate(policy.get("conditions") or [])]
    record = {"mutateTime": ctx.world.now(), "mutatedBy": OPERATOR}
    policy["creationRecord"], policy["mutationRecord"] = record, dict(record)
    ctx.world.put(API, name, policy)
    return policy


HANDLERS = {"monitoring.projects.location.prometheus.api.v1.query": query,
            "monitoring.projects.alertPolicies.create": create_alert_policy}
