"""Deploy paths that would hurt: two rules on every shell block of the manual.

``{runtime-blocker}`` renders the functions-runtime warning from the facts
file (``runtime``, ``runtime_upgrade``): CVPlus's functions runtime is past
the date the pinned Firebase CLI accepts, so every functions deploy and dry
run fails until the upgrade procedure is done.

The build fails (a warning at the block's ``file:line``) when

- a shell block runs ``intelligent-deploy.sh`` with arguments: CVPlus's
  script ignores every argument and runs a full deployment, so any flag on
  it reads as a safe variant of a command that deploys;
- a page shows a command that deploys functions (``firebase deploy`` with
  no ``--only``, an ``--only`` naming functions or built from a variable, or
  the CVPlus deployment scripts) and has no ``{runtime-blocker}``, while the
  facts file says a runtime upgrade is pending. Once CVPlus runs a supported
  runtime, remove ``runtime_upgrade`` from the facts file and the directive
  itself fails, so the warning cannot outlive the problem.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Iterator

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

SHELL = {"console", "bash", "sh", "shell"}
PROCEDURE = "PROC_FUNCTIONS_RUNTIME_UPGRADE"
DEPLOY_SCRIPTS = ("smart-deploy.sh", "intelligent-deploy.sh", "deploy-batch.sh")


BLOCKER_CLASS = "cvplus-runtime-blocker"
OPERATOR = re.compile(r"^(\|\|?|&&?|;|\d*[<>].*)$")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class RuntimeBlocker(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        facts = self.config.cvplus_platform
        upgrade = facts.get("runtime_upgrade")
        if not upgrade:
            raise self.error("runtime-blocker: no runtime upgrade is pending in platform.yaml "
                             "(runtime_upgrade is absent); remove this directive")
        text = (
            f"**Functions deploys fail until the runtime upgrade.** CVPlus's functions run on `{facts['runtime']}`, "
            f"which the Firebase CLI ({upgrade['cli']}) refuses to deploy or dry-run since "
            f"{upgrade['current_decommissioned']}. Carry out {{need}}`{PROCEDURE}` first: it is a proposal the "
            "functions owners confirm, and it shows the CLI's refusal as tested output. The tested run on this "
            f"page starts from a checkout where the upgrade to `{upgrade['target']}` is done.")
        warning = nodes.warning(classes=[BLOCKER_CLASS])
        self.state.nested_parse(StringList([text], self.get_source_info()[0]), self.content_offset, warning)
        self.set_source_info(warning)
        return [warning]


def commands(block: nodes.literal_block) -> Iterator[tuple[int, str]]:
    """(offset in the block, command text) of each command line."""
    console = block.get("language") == "console"
    for offset, line in enumerate(block.astext().splitlines()):
        stripped = line.strip()
        if console:
            if not (stripped.startswith("$ ") or stripped.startswith("> ")):
                continue
            stripped = stripped[2:]
        if stripped and not stripped.startswith("#"):
            yield offset, stripped


def words(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def runs_script_with_arguments(command: str, script: str) -> bool:
    """True when ``script`` is run (in command position, or through bash, sh,
    exec, env) and the next word is an argument rather than an operator or a
    redirection. A script named as another command's argument (``grep ...
    intelligent-deploy.sh``) is read, not run."""
    parts = words(command)
    for index, word in enumerate(parts):
        if not word.endswith(script):
            continue
        before = [w for w in parts[:index] if not ASSIGNMENT.match(w)]
        runner = not before or OPERATOR.match(before[-1]) or before[-1] in {"bash", "sh", "exec", "env", "sudo"}
        if runner and index + 1 < len(parts) and not OPERATOR.match(parts[index + 1]):
            return True
    return False


def deploys_functions(command: str) -> bool:
    if any(script in command for script in DEPLOY_SCRIPTS):
        return True
    if not re.search(r"\bfirebase\s+deploy\b", command):
        return False
    match = re.search(r"--only(?:=|\s+)(\"[^\"]*\"|'[^']*'|\S+)", command)
    if match is None:
        return True
    targets = match.group(1).strip("\"'")
    return "functions" in targets or "$" in targets


def check_doctree(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    pending = bool(app.config.cvplus_platform.get("runtime_upgrade"))
    has_blocker = any(BLOCKER_CLASS in n["classes"] for n in doctree.findall(nodes.warning))
    first_deploy: tuple[str, int] | None = None
    for block in doctree.findall(nodes.literal_block):
        if block.get("language") not in SHELL:
            continue
        line = block.line or 0  # the fence; its first content line is line + 1
        for offset, command in commands(block):
            if runs_script_with_arguments(command, "intelligent-deploy.sh"):
                logger.warning("intelligent-deploy.sh ignores its arguments and runs a full deployment: "
                               "do not show it with arguments", location=(docname, line + 1 + offset), type="cvplus",
                               subtype="deploy-guard")
            if first_deploy is None and deploys_functions(command):
                first_deploy = (docname, line + 1 + offset)
    # the page that defines the upgrade procedure needs no warning about it
    defines_upgrade = re.search(rf"^:id: {PROCEDURE}$", app.env.doc2path(docname).read_text(encoding="utf-8"), re.M)
    if pending and first_deploy is not None and not has_blocker and not defines_upgrade:
        logger.warning("this page deploys functions but has no {runtime-blocker}: "
                       f"the functions runtime must be upgraded first ({PROCEDURE})",
                       location=first_deploy, type="cvplus", subtype="deploy-guard")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("runtime-blocker", RuntimeBlocker)
    app.connect("doctree-read", check_doctree)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
