"""Shell snippets: taken from the built doctree into a manifest for pytest.

Every ``console`` (transcript), ``bash``, ``sh`` or ``shell`` block a reader
sees is a snippet, with substitutions already resolved. A snippet inside a
procedure need belongs to it. Writers control running with three
directives:

``{not-run} <reason>``   wraps blocks that must not run; the reason is shown
                         to the reader and the matrix counts them as manual.
``{snippet-setup}``      hidden shell run before the page's first snippet.
``{snippet-cleanup}``    hidden shell run after the page's last snippet.
``{finding} <what>``     wraps blocks whose expected output records a
                         finding in CVPlus as it is (e.g. a decommissioned
                         runtime): the block passing proves the procedure
                         works and that the finding is still open, so the
                         matrix shows the control as "exception open".

Blocks on one page share a session (variables and working directory carry
over). The manifest is ``snippets.json`` beside the HTML (its records and
writer: cvplus_handoff); the blocks of each page are kept in the page state
(cvplus_pagestate). A malformed
transcript, and a procedure with neither a runnable snippet nor a stated
reason, fail the build at their ``file:line``; so does a transcript whose
expected output prints a ``FINDING`` line outside a ``{finding}`` block.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from cvplus_handoff import Manifest, PageHooks, Snippet, write_manifest
from cvplus_iam import procedure_requirements
from cvplus_pagestate import page_state
from cvplus_transcript import TranscriptError, parse

logger = logging.getLogger(__name__)

LANGUAGES = {"console": "console", "bash": "script", "sh": "script", "shell": "script"}


class not_run(nodes.General, nodes.Element):
    pass


class hidden_shell(nodes.General, nodes.Element):
    pass


class finding(nodes.General, nodes.Element):
    pass


class _LabelledBlocks(SphinxDirective):
    """Code blocks wrapped in a node that carries the directive's argument,
    shown first as a labelled note; the directive must wrap a code block."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    node_class: type[nodes.Element]
    attribute = label = css = note_css = name = ""

    def run(self) -> list[nodes.Node]:
        text = self.arguments[0].strip()
        node = self.node_class(**{self.attribute: text}, classes=[self.css])
        note = nodes.paragraph(classes=[self.note_css])
        note += nodes.strong(text=self.label)
        note += nodes.Text(text)
        node += note
        node += self.parse_content_to_nodes()
        if not any(isinstance(n, nodes.literal_block) for n in node.findall(nodes.literal_block)):
            raise self.error(f"{self.name}: wrap at least one code block")
        return [node]


class NotRun(_LabelledBlocks):
    """Blocks the tests do not run, with the reason shown to the reader."""

    node_class, attribute, css, name = not_run, "reason", "cvplus-not-run", "not-run"
    note_css = "cvplus-not-run-reason"
    label = "Not run by the tests: "


class Finding(_LabelledBlocks):
    """Blocks whose expected output is a finding about CVPlus as it is."""

    node_class, attribute, css, name = finding, "what", "cvplus-finding", "finding"
    note_css = "cvplus-finding-note"
    label = "Open finding, reproduced by this check: "


class HiddenShell(SphinxDirective):
    has_content = True
    role_name = "setup"

    def run(self) -> list[nodes.Node]:
        if not self.content:
            raise self.error(f"snippet-{self.role_name}: empty")
        from cvplus_facts import substitute

        code, unknown = substitute("\n".join(self.content), self.config.cvplus_platform)
        if unknown:
            raise self.error(f"snippet-{self.role_name}: unknown substitution(s) {', '.join(unknown)}")
        source, line = self.get_source_info()
        return [hidden_shell(kind=self.role_name, code=code, source=source, line=line)]


class HiddenCleanup(HiddenShell):
    role_name = "cleanup"


def _enclosing(node: nodes.Node, kind: type) -> nodes.Element | None:
    """The nearest ancestor of ``node`` that is a ``kind``, or None."""
    parent = node.parent
    while parent is not None and not isinstance(parent, kind):
        parent = parent.parent
    return parent


def _need_of(node: nodes.Node) -> str:
    from sphinx_needs.nodes import Need

    need = _enclosing(node, Need)
    return need["ids"][0] if need is not None else ""


def _not_run_reason(node: nodes.Node) -> str:
    wrapper = _enclosing(node, not_run)
    return wrapper["reason"] if wrapper is not None else ""


def _finding_of(node: nodes.Node) -> str:
    wrapper = _enclosing(node, finding)
    return wrapper["what"] if wrapper is not None else ""


def _prints_finding(text: str) -> bool:
    """A transcript whose expected output (not a command) starts a line with FINDING."""
    return any(line.startswith("FINDING") for line in text.splitlines()
               if not line.startswith(("$ ", "> ")))


def sha256(language: str, text: str) -> str:
    return hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()


def _collect(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    source = str(Path(env.doc2path(docname)).relative_to(Path(app.confdir)))
    snippets: list[Snippet] = []
    hidden: dict[str, list[str]] = {"setup": [], "cleanup": []}
    for node in list(doctree.findall(hidden_shell)):
        hidden[node["kind"]].append(node["code"])
        node.parent.remove(node)
    for node in doctree.findall(nodes.literal_block):
        language = node.get("language", "")
        if language not in LANGUAGES:
            continue
        text = node.astext()
        line = node.line or 0
        if LANGUAGES[language] == "console":
            try:
                parse(text)
            except TranscriptError as exc:
                logger.warning("malformed console transcript: %s", exc.message,
                               location=(docname, line + exc.line), type="cvplus", subtype="snippet")
                continue
        snippets.append(Snippet(docname, line, source=source, language=language, mode=LANGUAGES[language],
                                need=_need_of(node), text=text, sha256=sha256(language, text),
                                not_run=_not_run_reason(node), finding=_finding_of(node)))
        if LANGUAGES[language] == "console" and _prints_finding(text) and not snippets[-1].finding:
            logger.warning("the expected output records a FINDING: wrap the block in {finding} <what is found>",
                           location=(docname, line), type="cvplus", subtype="snippet")
    state = page_state(env)
    state.snippets[docname] = snippets
    state.hooks[docname] = PageHooks(hidden["setup"], hidden["cleanup"])


def all_snippets(env: Any) -> list[Snippet]:
    pages = page_state(env).snippets
    return [s for docname in sorted(pages) for s in pages[docname]]


def current_hashes(env: Any) -> dict[str, set[str]]:
    """Runnable snippet hashes per need: what a passing run must have seen."""
    hashes: dict[str, set[str]] = {}
    for snippet in all_snippets(env):
        if snippet.need and not snippet.not_run:
            hashes.setdefault(snippet.need, set()).add(snippet.sha256)
    return hashes


def finding_hashes(env: Any) -> dict[str, set[str]]:
    """Runnable snippet hashes per need whose expected output is a finding."""
    hashes: dict[str, set[str]] = {}
    for snippet in all_snippets(env):
        if snippet.need and not snippet.not_run and snippet.finding:
            hashes.setdefault(snippet.need, set()).add(snippet.sha256)
    return hashes


def partly_manual(env: Any) -> set[str]:
    """Needs with at least one snippet marked not-run."""
    return {s.need for s in all_snippets(env) if s.need and s.not_run}


def _check_procedures(app: Sphinx, builder: Any = None) -> None:
    from cvplus_checks import plain_needs

    runnable: set[str] = set()
    reasoned: set[str] = set()
    for snippet in all_snippets(app.env):
        if snippet.need:
            (reasoned if snippet.not_run else runnable).add(snippet.need)
    for need_id, need in sorted(plain_needs(app).items()):
        if need["type"] != "procedure" or need_id in runnable or need_id in reasoned:
            continue
        if not str(need.get("manual_reason") or "").strip():
            logger.warning(
                "%s: a procedure needs a runnable shell snippet or a ':manual_reason:' (rule procedure-tested)",
                need_id, location=(need["docname"], need.get("lineno")), type="cvplus", subtype="snippet")


def _write_manifest(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None:
        return
    from cvplus_sources import sources_digest

    write_manifest(Path(app.outdir) / "snippets.json", Manifest(
        snippets=all_snippets(app.env),
        pages=dict(sorted(page_state(app.env).hooks.items())),
        # what the simulation grants while a procedure's blocks run (cvplus_iam, tests/cloudsim/iam.py)
        requires={need_id: need["requires"] for need_id, need in sorted(procedure_requirements(app).items())},
        sources=sources_digest(Path(app.confdir))))


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _visit_plain(self: Any, node: nodes.Node) -> None:
    pass


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.setup_extension("cvplus_pagestate")
    app.add_node(not_run, html=(_visit_plain, _visit_plain), latex=(_visit_plain, _visit_plain),
                 text=(_visit_plain, _visit_plain))
    app.add_node(finding, html=(_visit_plain, _visit_plain), latex=(_visit_plain, _visit_plain),
                 text=(_visit_plain, _visit_plain))
    app.add_node(hidden_shell, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.add_directive("not-run", NotRun)
    app.add_directive("finding", Finding)
    app.add_directive("snippet-setup", HiddenShell)
    app.add_directive("snippet-cleanup", HiddenCleanup)
    app.connect("doctree-read", _collect)
    app.connect("write-started", _check_procedures, priority=600)
    app.connect("build-finished", _write_manifest)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
