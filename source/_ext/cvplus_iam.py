"""Who may run a procedure: its ``:requires:`` against the commands it shows.

Every procedure declares the IAM permissions it needs on the project it acts
on (``:requires:``, a metamodel field; ``none`` for a procedure that touches
no Google API). Three checks, each a warning at the procedure's ``file:line``
(``make html`` runs with ``-W``, so each fails the build):

- a declared permission that ``source/_data/permissions.yaml`` does not know
  (a typo would otherwise grant nothing and check nothing);
- a ``firebase`` or ``gcloud`` command in the procedure's blocks (run or not
  run: the reader runs both) that the table does not know, or whose
  permissions the procedure does not declare;
- ``none`` next to a permission, or a permission no command of the procedure
  needs while the procedure calls no Google API directly (least privilege).

The simulation enforces the same declaration at run time: it grants the
sandbox exactly these permissions while the procedure's blocks run
(tests/cloudsim/iam.py). ``{iam-requirements}`` renders the auditors' table:
each procedure, its owner role, what it requires and the break-glass path.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Iterable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import cvplus_data
from cvplus_handoff import Snippet
from cvplus_checks import split_list

logger = logging.getLogger(__name__)
NONE = "none"
BREAK_GLASS = "PROC_COMP_BREAK_GLASS"
TOOL = re.compile(r"(?:^|[\s;&|(`$])(firebase|gcloud)\s+(?=[a-z-])")
DEPLOY_TARGETS = ("functions", "hosting", "firestore", "storage")


split = split_list  # comma lists are parsed by cvplus_checks


def known_permissions(table: dict) -> set[str]:
    found: set[str] = set()
    for section in ("methods", "exceptions", "commands"):
        for perms in table[section].values():
            found.update(perms or [])
    return found


def _command_lines(text: str, language: str) -> Iterable[str]:
    for raw in text.splitlines():
        line = raw.strip()
        if language == "console":
            if not line.startswith(("$ ", "> ")):
                continue
            line = line[2:]
        if line.startswith("#"):
            continue
        yield line


def _words(rest: str) -> list[str]:
    try:
        return shlex.split(rest, comments=True)
    except ValueError:
        return rest.split()


def commands_of(text: str, language: str) -> list[tuple[str, list[str]]]:
    """(tool, words after the tool) for each firebase/gcloud call in a block."""
    found = []
    for line in _command_lines(text, language):
        for match in TOOL.finditer(line):
            rest = re.split(r"\s(?:\||&&|\|\||;)\s", line[match.end():])[0]
            if line[match.start()] in "(`":  # inside $( ... ) or ` ... `: the call ends at the closing mark
                rest = rest.split(")" if line[match.start()] == "(" else "`", 1)[0]
            found.append((match.group(1), _words(rest)))
    return found


def command_keys(tool: str, words: list[str], context: str = "") -> list[str]:
    """The table keys a call needs: deploy targets, or the command's words (flags dropped).

    A deploy whose ``--only`` is computed (``"$targets"``) deploys the targets
    the block names (``functions:...``); the block is ``context``.
    """
    plain = [w for w in words if not w.startswith("-")]
    if tool == "firebase" and plain[:1] == ["deploy"]:
        only = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "--only"), None)
        only = only or next((w.split("=", 1)[1] for w in words if w.startswith("--only=")), None)
        if only and "$" in only:
            targets = {t for t in DEPLOY_TARGETS if re.search(rf"\b{t}(:|\b)", only + " " + context)}
        else:
            targets = {t.split(":", 1)[0] for t in only.split(",")} if only else set()
        return [f"firebase deploy:{t}" for t in sorted(targets or DEPLOY_TARGETS)]
    if tool == "firebase":
        return [f"firebase {plain[0]}"] if plain else ["firebase"]
    return [" ".join(["gcloud", *plain[:n]]) for n in range(min(len(plain), 5), 0, -1)]


def needed(tool: str, words: list[str], table: dict, context: str = "") -> tuple[str, set[str]] | None:
    """(the command as matched, its permissions), or None when the table does not know it."""
    keys = command_keys(tool, words, context)
    commands = table["commands"]
    if tool == "gcloud":
        for key in keys:  # longest first
            if key in commands:
                return key, set(commands[key])
        return None
    if not all(k in commands for k in keys):
        return None
    return ", ".join(keys), set().union(*(commands[k] for k in keys))


def findings(need_id: str, requires: list[str], snippets: list[Snippet], table: dict) -> list[str]:
    """Problems with one procedure's declaration."""
    out = []
    known = known_permissions(table)
    if NONE in requires and len(requires) > 1:
        out.append(f"{need_id}: ':requires:' says none and names permissions")
    declared = {r for r in requires if r != NONE}
    for perm in sorted(declared - known):
        out.append(f"{need_id}: ':requires: {perm}' is not a permission source/_data/permissions.yaml knows")
    used: set[str] = set()
    direct_api = False
    for snippet in snippets:
        direct_api |= "googleapis.com" in snippet.text
        for tool, words in commands_of(snippet.text, snippet.language):
            match = needed(tool, words, table, snippet.text)
            where = snippet.where()
            if match is None:
                out.append(f"{need_id}: `{tool} {' '.join(words[:4])}` ({where}) is not in "
                           "source/_data/permissions.yaml commands: add what it needs")
                continue
            key, perms = match
            used |= perms
            missing = sorted(perms - declared)
            if missing:
                out.append(f"{need_id}: `{key}` ({where}) needs {', '.join(missing)}, "
                           "which ':requires:' does not declare")
    if not direct_api:
        for perm in sorted((declared & known) - used):
            out.append(f"{need_id}: ':requires: {perm}' is declared but no command of the procedure needs it "
                       "(least privilege: drop it)")
    return out


def procedure_requirements(app: Sphinx) -> dict[str, dict]:
    """Procedure id -> its need, with ``requires`` as a list."""
    from cvplus_checks import plain_needs
    return {nid: {**need, "requires": split(need.get("requires"))}
            for nid, need in plain_needs(app).items() if need["type"] == "procedure" and not need.get("is_external")}


def _check(app: Sphinx, builder: Any = None) -> None:
    from cvplus_snippets import all_snippets
    table = cvplus_data.load_permissions()
    by_need: dict[str, list[Snippet]] = {}
    for snippet in all_snippets(app.env):
        if snippet.need:
            by_need.setdefault(snippet.need, []).append(snippet)
    for need_id, need in sorted(procedure_requirements(app).items()):
        if not need["requires"]:  # cvplus_checks reports the missing field; say what to write
            used = set()
            for snippet in by_need.get(need_id, []):
                for tool, words in commands_of(snippet.text, snippet.language):
                    match = needed(tool, words, table, snippet.text)
                    used |= match[1] if match else set()
            logger.warning("%s: its commands need ':requires: %s'", need_id, ", ".join(sorted(used)) or NONE,
                           location=(need["docname"], need.get("lineno")), type="cvplus", subtype="iam")
            continue
        for message in findings(need_id, need["requires"], by_need.get(need_id, []), table):
            logger.warning(message, location=(need["docname"], need.get("lineno")), type="cvplus", subtype="iam")


class iam_table(nodes.General, nodes.Element):
    pass


class IamRequirements(SphinxDirective):
    """The table of every procedure's owner, required permissions and break-glass path."""

    def run(self) -> list[nodes.Node]:
        return [iam_table()]


def _cell(content: nodes.Node | str) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    para += content if isinstance(content, nodes.Node) else nodes.Text(content)
    entry += para
    return entry


def _fill(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    from sphinx_needs.nodes import Need  # noqa: F401 (sphinx-needs is loaded)
    for node in list(doctree.findall(iam_table)):
        needs = procedure_requirements(app)
        table = nodes.table(classes=["cvplus-iam"])
        group = nodes.tgroup(cols=5)
        table += group
        for _ in range(5):
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        row = nodes.row()
        for title in ("Procedure", "Owner role", "Environments", "Requires (IAM permissions)", "Lacking them"):
            row += _cell(title)
        head += row
        group += head
        body = nodes.tbody()
        for need_id, need in sorted(needs.items()):
            row = nodes.row()
            ref = nodes.reference("", need_id, internal=True,
                                  refuri=app.builder.get_relative_uri(docname, need["docname"]) + "#" + need_id)
            row += _cell(ref)
            row += _cell(str(need.get("owner") or ""))
            row += _cell(", ".join(split(need.get("environment"))) or "any")
            perms = [p for p in need["requires"] if p != NONE]
            cell = nodes.paragraph()
            for i, perm in enumerate(perms):
                if i:
                    cell += nodes.Text(", ")
                cell += nodes.literal(perm, perm)
            row += _cell(cell if perms else "none (no Google API)")
            if perms and need_id != BREAK_GLASS and BREAK_GLASS in needs:
                glass = nodes.reference("", BREAK_GLASS, internal=True, refuri=app.builder.get_relative_uri(
                    docname, needs[BREAK_GLASS]["docname"]) + "#" + BREAK_GLASS)
                row += _cell(glass)
            else:
                row += _cell("")
            body += row
        group += body
        node.replace_self(table)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(iam_table)
    app.add_directive("iam-requirements", IamRequirements)
    app.connect("write-started", _check, priority=610)
    app.connect("doctree-resolved", _fill)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
