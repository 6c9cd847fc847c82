"""Differential run: every gcloud invocation of the manual, stand-in vs real gcloud.

``python tests/snippets/gcloud_diff.py [--gcloud /usr/bin/gcloud]`` (``make
gcloud-diff``) extracts each ``gcloud ...`` command from the manual's shell
blocks (facts substituted; page variables such as ``$PROJECT`` set from
``SHELL_VALUES``), and runs it twice, each time against a fresh simulated
world (tests/cloudsim) in a bubblewrap container with no network but
loopback and the simulation's hosts file: once through the stand-in and once
through the real gcloud (``CVPLUS_REAL_GCLOUD``). It writes
``standins/gcloud-diff-report.json``: the gcloud version, the date, the
sha256 of its inputs (the stand-in's tables and engine, the recorded
grammar, the extracted invocations) and, per invocation, both outputs and
whether they agree. An invocation that still needs a page's earlier steps
(an unresolved ``$VARIABLE``) is listed as not compared, with the reason.

``inputs_digest()`` is what ``test_gcloud_report.py`` recomputes: when the
tables, the engine or the manual's gcloud invocations change after the
report, that test fails until the differential run is repeated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
REPORT = STANDINS / "gcloud-diff-report.json"
for _path in (ROOT / "source" / "_ext", ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# The stand-in's inputs whose change makes the report stale.
INPUT_FILES = ["gcloud_commands.yaml", "gcloud_format.py", "gcloud_rest.py", "gcloud.yaml",
               "grammar.d/gcloud-compliance.yaml", "grammar.d/gcloud-release.yaml",
               "grammar.d/gcloud-runbooks.yaml"]

# Values of page variables, as the pages set them (source/deployment/compliance/access-control.md
# sets PROJECT to the staging project and MEMBER to its legacy deploy account).
SHELL_VALUES = {"PROJECT": "{{ envs.staging.project_id }}"}

_CODE = re.compile(r"^(\s*)(`{3,}|:{3,})\s*\{?(console|bash|sh|snippet-setup)\}?", re.M)


def _blocks(text: str):
    """(first line number, lines) of each shell code block of a page."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)(`{3,})\s*\{?(console|bash|sh|snippet-setup)\}?\s*$", lines[index])
        if not match:
            index += 1
            continue
        indent, fence = match.group(1), match.group(2)
        body, start = [], index + 1
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index].lstrip())
            index += 1
        yield start + 1, match.group(3), body
        index += 1


def _commands(kind: str, body: list[str]):
    """(offset, command text) of each command of a block; continuation lines joined."""
    current, first = [], 0
    for offset, line in enumerate(body):
        if kind == "console":
            if line.startswith("$ "):
                if current:
                    yield first, "\n".join(current)
                current, first = [line[2:]], offset
            elif line.startswith("> ") and current:
                current.append(line[2:])
            elif current:
                yield first, "\n".join(current)
                current = []
        else:
            if current and current[-1].endswith("\\"):
                current.append(line)
                continue
            if current:
                yield first, "\n".join(current)
            current, first = [line], offset
    if current:
        yield first, "\n".join(current)


def _gcloud_calls(command: str) -> list[str]:
    """The ``gcloud ...`` words of a shell command (up to a pipe, redirection or end)."""
    flat = command.replace("\\\n", " ")
    calls = []
    for match in re.finditer(r"(?:^|[\s;(|&$]|\$\()gcloud\s", flat):
        start = match.end() - len("gcloud ") if flat[match.end() - 1].isspace() else match.end()
        start = flat.index("gcloud", match.start())
        rest = flat[start:].split("\n", 1)[0]
        try:
            lexer = shlex.shlex(rest, posix=True, punctuation_chars=";&|()<>")
            lexer.whitespace_split = True
            words = []
            for token in lexer:
                if token and set(token) <= set(";&|()<>"):
                    break
                words.append(token)
        except ValueError:
            continue
        calls.append(shlex.join(words))
    return calls


def invocations() -> list[dict]:
    """Every gcloud invocation of the manual's shell blocks, facts substituted."""
    import cvplus_data
    from cvplus_facts import substitute

    facts = cvplus_data.load_platform()
    found = []
    for page in sorted((ROOT / "source").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for line, kind, body in _blocks(text):
            for offset, command in _commands(kind, body):
                if "gcloud " not in command:
                    continue
                resolved, _ = substitute(command, facts)
                for call in _gcloud_calls(resolved):
                    for name, value in SHELL_VALUES.items():
                        value, _ = substitute(value, facts)
                        call = re.sub(r"\"?\$\{?" + name + r"\}?\"?", value, call)
                    found.append({"source": f"{page.relative_to(ROOT)}:{line + offset}", "command": call})
    return found


def inputs_digest(standins: Path = STANDINS, calls: list[dict] | None = None) -> dict[str, str]:
    digest = {}
    for name in INPUT_FILES:
        digest[name] = hashlib.sha256((standins / name).read_bytes()).hexdigest()
    text = "\n".join(c["command"] for c in (invocations() if calls is None else calls))
    digest["manual gcloud invocations"] = hashlib.sha256(text.encode()).hexdigest()
    return digest


def stale_inputs(report: dict, current: dict[str, str]) -> list[str]:
    """Inputs whose sha256 differs from the report's (empty: the report is current)."""
    recorded = report.get("inputs", {})
    return sorted(name for name in set(recorded) | set(current) if recorded.get(name) != current.get(name))


_RUN_ONE = r"""
set -u
cd "$ROOT"
rm -f "$SIM/endpoints.json"
PYTHONPATH="$ROOT/tests" "$PY" -m cloudsim --endpoints "$SIM/endpoints.json" --log "$SIM/requests.jsonl" &
SIMPID=$!
for _ in $(seq 100); do [ -f "$SIM/endpoints.json" ] && break; sleep 0.05; done
export CVPLUS_CLOUDSIM_ENDPOINTS="$SIM/endpoints.json" CVPLUS_GCLOUD_REST=1 CVPLUS_PYTHON="$PY" PATH="$STANDIN_BIN:/usr/bin:/bin"
cd "$WORK"
timeout 90 bash -c "$CMD" > "$SIM/out" 2> "$SIM/err" < /dev/null
echo $? > "$SIM/rc"
kill $SIMPID
"""


def run_one(command: str, real: str | None, hosts_file: Path) -> dict:
    import sys as _sys
    with tempfile.TemporaryDirectory(prefix="gcloud-diff-") as tmp:
        sim, work, home = Path(tmp) / "sim", Path(tmp) / "work", Path(tmp) / "home"
        for folder in (sim, work, home):
            folder.mkdir()
        env = {"ROOT": str(ROOT), "SIM": str(sim), "WORK": str(work), "HOME": str(home), "PY": _sys.executable,
               "STANDIN_BIN": str(STANDINS / "bin"), "CMD": command, "LANG": "C.UTF-8", "TZ": "UTC"}
        if real:
            env["CVPLUS_REAL_GCLOUD"] = real
        argv = ["bwrap", "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--bind", tmp, tmp, "--ro-bind", str(hosts_file), "/etc/hosts", "--unshare-net",
                "--die-with-parent", "--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        subprocess.run(argv + ["bash", "-c", _RUN_ONE], timeout=300, check=False)
        read = lambda name: (sim / name).read_text(encoding="utf-8", errors="replace") if (sim / name).exists() else ""
        return {"status": int(read("rc").strip() or -1), "stdout": read("out"), "stderr": read("err")[-2000:]}


def gcloud_version(real: str) -> str:
    done = subprocess.run([real, "version", "--format=value(\"Google Cloud SDK\")"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
                               "CLOUDSDK_CONFIG": tempfile.mkdtemp(prefix="gcloud-version-")})
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gcloud", default="/usr/bin/gcloud", help="the real gcloud to compare with")
    parser.add_argument("--only", help="compare only invocations containing this text")
    parser.add_argument("--jobs", type=int, default=4, help="invocations compared at once")
    args = parser.parse_args(argv)
    from cloudsim import hosts

    calls = invocations()
    with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as handle:
        handle.write(hosts.hosts_file())
        hosts_file = Path(handle.name)
    def compare(call: dict) -> dict:
        entry = dict(call)
        unresolved = sorted(set(re.findall(r"\$\{?(\w+)", call["command"])))
        if unresolved:
            entry.update(verdict="not compared", reason="needs the page's earlier steps for $" + ", $".join(unresolved))
            return entry
        standin = run_one(call["command"], None, hosts_file)
        real = run_one(call["command"], args.gcloud, hosts_file)
        same = standin["status"] == real["status"] and standin["stdout"] == real["stdout"]
        verdict = "different" if not same else "same" if real["status"] == 0 else "both fail"
        entry.update(verdict=verdict, standin=standin, real=real)
        print(f"{entry['verdict']:>13}  {call['source']}  {call['command'][:90]}", flush=True)
        return entry

    from concurrent.futures import ThreadPoolExecutor
    chosen = [c for c in calls if not args.only or args.only in c["command"]]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(compare, chosen))
    report = {
        "gcloud": gcloud_version(args.gcloud),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "inputs": inputs_digest(calls=calls),
        "counts": {v: sum(1 for r in results if r["verdict"] == v) for v in ("same", "both fail", "different", "not compared")},
        "invocations": results,
    }
    if args.only:
        print(json.dumps(report["counts"]))
        return 0
    REPORT.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{REPORT.relative_to(ROOT)}: {report['counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
