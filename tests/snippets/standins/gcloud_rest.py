"""The gcloud stand-in as a REST client of the simulated Google APIs.

Commands listed in ``gcloud_commands.yaml`` are not simulated here: each row
names the API method the real gcloud calls, how its request is built from
the command line, how long-running operations are treated and the
command's default output format. This module turns a row plus a parsed
command line into HTTP requests to the simulation (``tests/cloudsim``),
whose base URLs come from ``$CVPLUS_CLOUDSIM_ENDPOINTS`` (discovery API
name -> base URL), and prints the answer through ``gcloud_format``. The URL
of each method comes from the API's discovery document (the one the
simulation validates against); a row naming a method or parameter the
document lacks fails with the row's command, so the table cannot drift
from the published API. The state lives in the simulation only.

An API error prints ``ERROR: (gcloud.<command>) <STATUS>: <message>`` and
exits 1, like gcloud.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TABLE = HERE / "gcloud_commands.yaml"


class ApiFailure(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


class ArgumentError(Exception):
    """A flag value gcloud's argument parser rejects (exit 2, like gcloud)."""


class TableError(Exception):
    """The command table is wrong (a stand-in bug, not a user error)."""


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_table() -> dict:
    data = _data()
    for name, row in data["commands"].items():
        for required in ("reference", "api", "method"):
            if required not in row:
                raise TableError(f"{TABLE.name}: '{name}' has no '{required}'")
    return data["commands"]


def local_commands() -> dict:
    """Commands that call no Google API (``local`` in the table): with the
    simulation running they still go to the stand-in's behaviours."""
    local = _data().get("local") or {}
    for name, row in local.items():
        if not (row or {}).get("reference") or not row.get("why"):
            raise TableError(f"{TABLE.name}: local command '{name}' needs a reference and a why")
    return local


def documents_dir() -> Path:
    import googleapiclient  # pinned in pyproject.toml (the simulation's schemas)
    return Path(googleapiclient.__file__).resolve().parent / "discovery_cache" / "documents"


@lru_cache(maxsize=None)
def discovery(api: str, version: str) -> dict:
    path = documents_dir() / f"{api}.{version}.json"
    if not path.is_file():
        raise TableError(f"no discovery document {path.name}")
    return json.loads(path.read_text(encoding="utf-8"))


def find_method(api: str, version: str, method_id: str) -> dict:
    def walk(node: dict):
        for method in (node.get("methods") or {}).values():
            if method.get("id") == method_id:
                return method
        for child in (node.get("resources") or {}).values():
            found = walk(child)
            if found:
                return found
        return None
    found = walk(discovery(api, version))
    if found is None:
        raise TableError(f"{method_id} is not in the {api} {version} discovery document")
    return found


def endpoints() -> dict[str, str]:
    path = os.environ.get("CVPLUS_CLOUDSIM_ENDPOINTS", "")
    if not path or not Path(path).is_file():
        raise ApiFailure("UNAVAILABLE", "the simulated Google APIs are not running in this sandbox "
                                        "($CVPLUS_CLOUDSIM_ENDPOINTS)")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def build_url(api: str, version: str, method_id: str, params: dict) -> tuple[str, str]:
    """(HTTP method, URL) of a discovery method with its parameters."""
    method = find_method(api, version, method_id)
    declared = method.get("parameters", {})
    for name in params:
        if name not in declared:
            raise TableError(f"{method_id} has no parameter '{name}'")
    path = method["path"]
    query = {}
    for name, value in params.items():
        if value is None:
            continue
        if declared[name].get("location") == "path":
            if "{+" + name + "}" in path:
                path = path.replace("{+" + name + "}", urllib.parse.quote(str(value), safe="/()"))
            else:
                path = path.replace("{" + name + "}", urllib.parse.quote(str(value), safe="()"))
        else:
            query[name] = "true" if value is True else "false" if value is False else str(value)
    missing = re.findall(r"\{\+?(\w+)\}", path)
    if missing:
        raise TableError(f"{method_id}: no value for path parameter(s) {missing}")
    base = endpoints().get(api)
    if not base:
        raise ApiFailure("UNAVAILABLE", f"the simulation serves no '{api}' API")
    root = discovery(api, version).get("servicePath", "")
    url = base.rstrip("/") + "/" + (root + path).lstrip("/")
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return method["httpMethod"], url


def call(api: str, version: str, method_id: str, params: dict, body: object = None) -> dict:
    http, url = build_url(api, version, method_id, params)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=http, headers={
        "Content-Type": "application/json", "Authorization": "Bearer cloudsim-gcloud-standin",
        "User-Agent": "cvplus-gcloud-standin"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            error = json.loads(raw)["error"]
            raise ApiFailure(error.get("status", str(err.code)), error.get("message", "")) from None
        except (ValueError, KeyError, TypeError):
            raise ApiFailure(str(err.code), raw.decode(errors="replace")) from None
    except urllib.error.URLError as err:
        raise ApiFailure("UNAVAILABLE", f"{http} {url}: {err.reason}") from None
    return json.loads(raw) if raw.strip() else {}


# -- the command line as template values ---------------------------------------

def repeated_values(flag: str, argv: list[str]) -> list[str]:
    """Every value of a repeated flag (``--f=a --f b``), in order: the grammar parser keeps the last."""
    found = []
    for index, token in enumerate(argv):
        if token.startswith(flag + "="):
            found.append(token[len(flag) + 1:])
        elif token == flag and index + 1 < len(argv):
            found.append(argv[index + 1])
    return found


def template_values(options: dict, args: list[str], row: dict) -> dict:
    values = {f"arg{i}": a for i, a in enumerate(args)}
    for flag, value in options.items():
        values[flag.lstrip("-").replace("-", "_")] = value
    for name in row.get("repeated", []):
        found = repeated_values("--" + name.replace("_", "-"), sys.argv)
        if found:
            values[name] = found
    for name, default in (row.get("defaults") or {}).items():
        values.setdefault(name, default)
    if row.get("needs_project", True) and "project" not in values:
        raise ApiFailure("REQUIRED", "The required property [project] is not currently set. Pass --project.")
    return values


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_WEEKDAYS = {"MON": "MONDAY", "TUE": "TUESDAY", "WED": "WEDNESDAY", "THU": "THURSDAY", "FRI": "FRIDAY",
             "SAT": "SATURDAY", "SUN": "SUNDAY"}


def _duration(value: str) -> str:
    """gcloud's duration flags (``7d``, ``14w``, ``3600s``) as a protobuf Duration (``604800s``)."""
    match = re.fullmatch(r"(\d+)([smhdw])", str(value).strip().lower())
    if not match:
        raise ApiFailure("INVALID_ARGUMENT", f"invalid duration {value!r} (e.g. 7d, 14w)")
    return f"{int(match.group(1)) * _DURATION_UNITS[match.group(2)]}s"


def _weekday(value: str) -> str:
    day = str(value).strip().upper()
    day = _WEEKDAYS.get(day[:3], day) if day[:3] in _WEEKDAYS else day
    if day not in _WEEKDAYS.values():
        raise ApiFailure("INVALID_ARGUMENT", f"invalid day of week {value!r}")
    return day


def _file(value: str) -> object:
    """A flag naming a YAML or JSON file (``--policy-from-file``): its parsed content."""
    path = Path(str(value))
    if not path.is_file():
        raise ArgumentError(f"Unable to read file [{value}]: [Errno 2] No such file or directory: '{value}'")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _since(value: str) -> str:
    """``--freshness=7d``: the RFC 3339 time that long before now (gcloud logging
    read: command_lib/logs/read.py MakeTimestampFilters, wall clock, UTC)."""
    from datetime import datetime, timedelta, timezone
    seconds = int(_duration(value)[:-1])
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _order(value: str) -> str:
    if str(value).upper() not in ("DESC", "ASC"):
        raise ApiFailure("INVALID_ARGUMENT", f"argument --order: Invalid choice: '{value}' (desc, asc)")
    return "timestamp " + str(value).lower()


def _int(value: str) -> int:
    if not str(value).isdigit():
        raise ApiFailure("INVALID_ARGUMENT", f"invalid integer {value!r}")
    return int(value)


def _money(value: str) -> dict:
    """``--budget-amount=150USD`` as a google.type.Money, as gcloud's ParseMoney builds it
    (command_lib/billingbudgets/hooks.py: units, the digits after a dot as nanos, the currency)."""
    text = str(value)
    if not re.fullmatch(r"[0-9]*.?[0-9]+([a-zA-Z]{3})?", text):
        raise ApiFailure("INVALID_ARGUMENT", f"The input is not valid for --budget-amount: {text}")
    currency = text[-3:] if re.fullmatch(r"[A-Za-z]{3}", text[-3:]) else ""
    parts = (text[:-3] if currency else text).split(".", 1)
    return {"units": str(int(parts[0]) if parts[0] else 0), "nanos": int(parts[1]) if len(parts) > 1 else 0,
            "currencyCode": currency}


_BASIS = {"current-spend": "CURRENT_SPEND", "forecasted-spend": "FORECASTED_SPEND"}


def _threshold_rules(values: object) -> list[dict]:
    """Every ``--threshold-rule=percent=P[,basis=B]`` (a repeated flag) as ThresholdRules."""
    rules = []
    for value in values if isinstance(values, list) else [values]:
        spec = dict(part.partition("=")[::2] for part in str(value).split(","))
        if "percent" not in spec or set(spec) - {"percent", "basis"}:
            raise ApiFailure("INVALID_ARGUMENT", f"argument --threshold-rule: percent=P[,basis=B], not {value!r}")
        try:
            rule: dict = {"thresholdPercent": float(spec["percent"])}
        except ValueError:
            raise ApiFailure("INVALID_ARGUMENT", f"argument --threshold-rule: percent {spec['percent']!r}") from None
        if "basis" in spec:
            if spec["basis"] not in _BASIS:
                raise ApiFailure("INVALID_ARGUMENT", f"argument --threshold-rule: basis must be one of "
                                                     f"{', '.join(_BASIS)}, not {spec['basis']!r}")
            rule["spendBasis"] = _BASIS[spec["basis"]]
        rules.append(rule)
    return rules


# ``{name|converter}`` in a template: the flag's value as the API wants it
CONVERTERS = {"duration": _duration, "weekday": _weekday, "file": _file, "since": _since, "order": _order,
              "int": _int, "upper": lambda v: str(v).upper(), "page_size": lambda v: min(_int(v), 1000),
              "money": _money, "threshold_rules": _threshold_rules,
              "underscore": lambda v: str(v).replace("-", "_"),
              "enum": lambda v: str(v).replace("-", "_").upper(),
              "dict": lambda v: dict(p.partition("=")[::2] for p in str(v).split(",") if p),
              "bool": lambda v: str(v).lower() in ("true", "1", "yes") if not isinstance(v, bool) else v,
              "minutes": lambda v: f"{_int(v) * 60}s"}
_FIELD = r"\{(\w+)(?:\|(\w+))?\}"


def _value(values: dict, name: str, converter: str | None) -> object:
    if name not in values:
        raise KeyError(name)
    if converter is None:
        return values[name]
    if converter not in CONVERTERS:
        raise TableError(f"unknown converter '{converter}' in {TABLE.name}")
    try:
        return CONVERTERS[converter](values[name])
    except ArgumentError as error:
        raise ArgumentError(f"--{name.replace('_', '-')}: {error}") from None


def fill(template: object, values: dict) -> object:
    """``{name}`` or ``{name|converter}`` in strings, recursively; a
    whole-string field keeps its type."""
    if isinstance(template, str):
        whole = re.fullmatch(_FIELD, template)
        if whole:
            return _value(values, whole.group(1), whole.group(2))
        return re.sub(_FIELD, lambda m: str(_value(values, m.group(1), m.group(2))), template)
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items() if _present(v, values)}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def _present(template: object, values: dict) -> bool:
    names = re.findall(_FIELD, template) if isinstance(template, str) else []
    return all(n in values for n, _ in names)


def choose(row: dict, values: dict) -> dict:
    """A row's ``when`` variants: the first whose flags (``flag`` given,
    ``flag=value``, or ``flag~text``: its value contains the text) all hold; none holding is the row's ``fallback`` error."""
    def holds(condition: str) -> bool:
        if "~" in condition:  # flag~text: the flag's value contains the text
            flag, _, text = condition.partition("~")
            return flag in values and text in str(values[flag])
        flag, eq, wanted = condition.partition("=")
        return flag in values and (not eq or str(values[flag]).lower() == wanted)
    for variant in row.get("variants", []):
        if all(holds(c) for c in variant["when"]):
            return {**row, **variant}
    if row.get("fallback"):
        raise ApiFailure("INVALID_ARGUMENT", row["fallback"])
    return row


# -- running one command --------------------------------------------------------

def run(name: str, options: dict, args: list[str]) -> int:
    import gcloud_format as fmt

    row = load_table()[name]
    try:
        values = template_values(options, args, row)
        row = choose(row, values)
        for check in row.get("require", []):
            if check not in values:
                raise ApiFailure("INVALID_ARGUMENT", f"argument --{check.replace('_', '-')}: Must be specified.")
        try:
            params = fill(row.get("params", {}), values)
            body = fill(row["body"], values) if "body" in row else None
            if "read" in row:  # read-modify-write: the resource as it is, with the row's changes
                body, changed = read_modify(row, values)
                if row.get("mask_of_changes"):  # gcloud masks only the fields it changed (none: "")
                    params["updateMask"] = ",".join(sorted(re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), f)
                                                           for f in changed))
        except KeyError as missing:
            raise ApiFailure("INVALID_ARGUMENT", f"argument --{str(missing).strip(chr(39)).replace('_', '-')}: "
                                                 "Must be specified.") from None
        answer = first = call(row["api"], row["version"], row["method"], params, body)
        for line in row.get("progress", []):
            print(fill(line, {**values, **_answer_fields(first)}), file=sys.stderr)
        if row.get("operation") == "wait" and isinstance(answer, dict) and "name" in answer:
            answer = wait(row, answer)
        if "result" in row:
            answer = answer.get(row["result"], []) if isinstance(answer, dict) else answer
        if row.get("status"):
            print(fill(row["status"], {**values, **_answer_fields(first)}), file=sys.stderr)
        user_format = options.get("--format") if isinstance(options.get("--format"), str) else None
        text = fmt.display(answer if row.get("single", True) else list(answer),
                           default_format=row.get("format", "yaml"), user_format=user_format,
                           filter_text=_str(options.get("--filter")), sort_by=_str(options.get("--sort-by")),
                           limit=int(options["--limit"]) if _str(options.get("--limit")) else None,
                           single=row.get("single", True))
        sys.stdout.write(text)
        return 0
    except ApiFailure as failure:
        print(f"ERROR: (gcloud.{name.replace(' ', '.')}) {failure.status}: {failure.message}", file=sys.stderr)
        return 1
    except ArgumentError as error:  # the flag named by the template field that read it
        print(f"ERROR: (gcloud.{name.replace(' ', '.')}) argument {error}", file=sys.stderr)
        return 2
    except fmt.FormatError as err:
        print(f"stand-in gcloud: {err}; mark the block {{not-run}} or extend gcloud_format.py", file=sys.stderr)
        return 3


def read_modify(row: dict, values: dict) -> tuple[dict, list[str]]:
    """``read`` (a get method and its params) then ``add_to_lists`` (field -> the flag's
    comma-separated values, appended when not there yet, gcloud's repeated-argument union).
    Returns the body to send and the fields that changed."""
    current = call(row["api"], row["version"], row["read"]["method"], fill(row["read"]["params"], values))
    changed = []
    for field, template in (row.get("add_to_lists") or {}).items():
        items = list(current.get(field) or [])
        for item in str(fill(template, values)).split(","):
            if item and item not in items:
                items.append(item)
        if items != list(current.get(field) or []):
            changed.append(field)
        current[field] = items
    return current, changed


def _answer_fields(answer: object) -> dict:
    """The first answer's string fields as ``answer_<field>`` template values."""
    return {"answer_" + k: v for k, v in answer.items() if isinstance(v, str)} if isinstance(answer, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def wait(row: dict, operation: dict) -> dict:
    """Poll the operation until done (the simulation finishes after a fixed number of reads)."""
    api, version = row["api"], row["version"]
    for _ in range(50):
        if operation.get("done"):
            break
        operation = call(api, version, row["operation_get"], {"name": operation["name"]})
    if not operation.get("done"):
        raise ApiFailure("DEADLINE_EXCEEDED", f"operation {operation.get('name')} did not finish")
    if "error" in operation:
        error = operation["error"]
        raise ApiFailure(str(error.get("code", "UNKNOWN")), error.get("message", ""))
    response = dict(operation.get("response") or {})
    response.pop("@type", None)
    return response if row.get("print") == "response" else operation
