"""A shell in a page's sandbox world, to try commands before writing them.

``make shell PAGE=deployment/runbooks/troubleshooting [UPTO=LINE] [PROC=PROC_ID]``
opens the sandbox the page's snippets run in (same PATH, real firebase-tools
or the page's stand-in, the simulated Google APIs, the trap default
project), runs the page's hidden setup, then, with ``UPTO``, the page's
blocks above that source line in page order (unjudged, as a ``-k``
selection catches up), and reads commands: each line (a trailing ``\\``
continues it) runs as one step in the session, so variables, functions and
the working directory carry over as they do between a page's blocks.
Output is printed as the tests see it (stdout and stderr together), then
``[N]`` for a non-zero exit status. The simulated caller holds the IAM
permissions of procedure ``PROC`` (its ``:requires:``), else everything, as
in hidden setup. ``:as PROC_ID`` switches; ``:exit`` or end of input
closes the session (the page's hidden cleanup runs). Nothing is recorded
as evidence. Exits 2 on an unknown page or procedure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from cvplus_handoff import Manifest


def _grant(box, procedure: str, requires: dict[str, list[str]], out) -> bool:
    if not procedure:
        box.grant(None, "*")
        print("shell: the simulated caller holds every permission (as the hidden setup does)", file=out)
        return True
    if procedure not in requires:
        print(f"shell: no procedure '{procedure}' declares :requires: (known: {len(requires)})", file=out)
        return False
    permissions = [p for p in requires[procedure] if p != "none"]
    box.grant(procedure, permissions)
    print(f"shell: the simulated caller holds {procedure}'s :requires: ({len(permissions)} permission(s))", file=out)
    return True


def commands(stream, prompt: bool):
    """Lines of input, a trailing backslash joining the next line."""
    pending = ""
    while True:
        if prompt:
            print("...> " if pending else "cvplus$ ", end="", file=sys.stderr, flush=True)
        line = stream.readline()
        if not line:
            if pending.strip():
                yield pending
            return
        line = line.rstrip("\n")
        if line.endswith("\\"):
            pending += line + "\n"  # bash joins the backslash-newline itself
            continue
        yield pending + line
        pending = ""


def shell(docname: str, manifest: Manifest, root: Path, upto: int | None, procedure: str,
          stream=sys.stdin, out=sys.stdout) -> int:
    from runner import DEFAULT_TIMEOUT
    import world

    requires = manifest.requires
    sessions = world.page_sessions(root, manifest.pages)
    try:
        box = sessions.get(docname)
        if docname in sessions.setup_failures:
            print(f"shell: {sessions.setup_failures[docname]}", file=out)
            return 1
        failed = sessions.run_above(docname, upto, manifest.of_page(docname), requires) if upto is not None else ""
        if failed:
            print(f"shell: an earlier block failed; the session is in the state it left:\n{failed}", file=out)
        ran = len(sessions.ran.get(docname, ()))
        firebase = "stand-in" if docname in sessions.standin_pages else "real firebase-tools, simulated Google APIs"
        print(f"shell: {docname}: hidden setup and {ran} block(s) run; firebase: {firebase}; gcloud and stripe: "
              f"stand-ins; default project: {world.TRAP_PROJECT} (refused: name your project)", file=out)
        if not _grant(box, procedure, requires, out):
            return 2
        for command in commands(stream, stream.isatty()):
            if command.strip() in (":exit", ":quit"):
                break
            if command.startswith(":as"):
                _grant(box, command[3:].strip(), requires, out)
                continue
            if not command.strip():
                continue
            result = box.run(command, timeout=DEFAULT_TIMEOUT)
            print(result.output, end="" if result.output.endswith("\n") or not result.output else "\n", file=out)
            if result.timed_out:
                print(f"shell: timed out after {DEFAULT_TIMEOUT:g} s (process group killed)", file=out)
            elif result.status:
                print(f"[{result.status}]", file=out)
            out.flush()
        return 0
    finally:
        sessions.close()


def main(argv: list[str]) -> int:
    from page_test import resolve

    parser = argparse.ArgumentParser(prog="make shell", description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--upto", type=int, help="run the page's blocks above this source line first")
    parser.add_argument("--as", dest="procedure", default="", help="hold this procedure's :requires: grant")
    args = parser.parse_args(argv)
    resolved = resolve("make shell", args.page)
    if resolved is None:
        return 2
    docname, manifest = resolved
    with tempfile.TemporaryDirectory(prefix="cvplus-shell-") as tmp:
        return shell(docname, manifest, Path(tmp), args.upto, args.procedure)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
