"""The real track's repository facts (``onboarding.real``) against a checkout.

Compares the pinned commit (the checkout's commit, the commit's date in
its history, the ``origin`` URL when it is on GitHub) and the API examples'
commit; the functions entry file (named by firebase.json's
``functions.source``) and the lines of it holding a literal ``...`` inside
an ``export { }`` list; the web app submodule and the root folders that
firebase.json and package.json name but the checkout lacks; the
git-ignored files, and those firebase.json names though git ignores them. ``./emu`` is checked by ``emu``; simple values
(engines, the firebase-tools pin) are anchors. Each comparison is one
``Result`` through ``Checker.compare``; a fact of the wrong shape raises
``CheckError`` naming the facts file and line.
"""

from __future__ import annotations

import re

from .sources import Found, json_value, load_json

P = "onboarding.real"


def check(chk) -> None:
    if not chk.facts.has(P):
        return
    commit(chk)
    api_examples(chk)
    entry(chk)
    web_app(chk)
    gitignored(chk)


def _https(url: str) -> str:
    url = re.sub(r"^git@([^:]+):", r"https://\1/", url.strip())
    return re.sub(r"\.git$", "", url)


def _resolve(co, rev: str) -> str | None:
    """The full commit ``rev`` names in the checkout's history, or None."""
    other = co.at(rev) if co.commit else None
    return other.commit if other is not None else None


def commit(chk) -> None:
    co, facts = chk.co, chk.facts
    pinned = str(facts.get(f"{P}.commit"))
    short = str(facts.get(f"{P}.commit_short"))
    here = f"{co.path.name} at {co.commit[:7]}" if co.commit else ""
    chk.compare(f"{P}.commit", Found(co.commit, here) if co.commit else None, "not a git checkout",
                note="the checkout's commit (run with --rev to check another)")
    chk.compare(f"{P}.commit_short", Found(co.commit[:len(short)], here) if co.commit else None,
                "not a git checkout")
    date = co.commit_date(pinned) if co.commit else None
    chk.compare(f"{P}.commit_date", Found(date, f"git log -1 {pinned[:7]}") if date else None,
                f"commit {pinned[:7]} is not in the checkout's history")
    url = co.remote_url()
    github = url is not None and _https(url).startswith("https://github.com/")
    chk.compare(f"{P}.repository_url", Found(_https(url), "git config remote.origin.url") if github else None,
                f"the checkout was cloned from {url}, not from GitHub" if url else
                "the checkout has no origin remote (a clone has one)")


def api_examples(chk) -> None:
    key = "onboarding.api_examples"
    if not chk.facts.has(f"{key}.commit"):
        return
    co = chk.co
    rev = str(chk.facts.get(f"{key}.commit"))
    short = str(chk.facts.get(f"{key}.commit_short"))
    why = "commit {} is not in the checkout's history"
    full = _resolve(co, rev)
    chk.compare(f"{key}.commit", Found(full, f"git log -1 {rev[:7]}") if full else None, why.format(rev[:7]))
    full_short = _resolve(co, short)
    chk.compare(f"{key}.commit_short", Found(full_short[:len(short)], f"git log -1 {short}") if full_short else None,
                why.format(short))
    if full_short and full and full_short != full:
        chk.results.append(chk.result("contradicted", f"{key}.commit_short", short, f"git log -1 {short}",
                                      full_short[:12], f"names another commit than {key}.commit"))
    date = co.commit_date(rev) if full else None
    chk.compare(f"{key}.commit_date", Found(date, f"git log -1 {rev[:7]}") if date else None, why.format(rev[:7]))


def ellipsis_lines(text: str) -> list[int]:
    """Lines holding a bare ``...`` inside an ``export { }`` list."""
    out, inside = [], False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not inside and re.match(r"export\s*(type\s*)?\{", line) and "}" not in line:
            inside = True
            continue
        if inside:
            if line.startswith("..."):
                out.append(n)
            if "}" in line:
                inside = False
    return out


def entry(chk) -> None:
    co = chk.co
    rel = str(chk.facts.get(f"{P}.functions_entry"))
    source = json_value(co, "firebase.json", ["functions", "source"])
    if source is None:
        chk.compare(f"{P}.functions_entry", None, "firebase.json names no functions.source")
    else:
        ok = co.exists(rel) and rel.startswith(f"{source.value}/")
        chk.compare(f"{P}.functions_entry", Found(rel if ok else f"(no {rel} under {source.value}/)", source.where),
                    note=f"functions.source is {source.value}")
    text = co.read(rel)
    key = f"{P}.index_ellipsis_lines"
    if text is None:
        chk.compare(key, None, f"{rel} not in the checkout")
        return
    found = ellipsis_lines(text)
    chk.compare(key, Found(found, co.where(rel, found[0] if found else None)),
                note="a literal ... inside an export list: the file does not compile")


def web_app(chk) -> None:
    co = chk.co
    rel = str(chk.facts.get(f"{P}.web_app_path"))
    pin = co.gitlink(rel)
    if pin:
        found = Found(rel, co.where(rel))
    elif co.exists(rel):
        found = Found(f"({rel} is a folder, not a submodule)", co.where(rel))
    else:
        found = Found(f"(no {rel})", co.where(".")) if co.exists("firebase.json") else None
    chk.compare(f"{P}.web_app_path", found, "no firebase.json: not a CVPlus checkout",
                note=f"submodule pinned at {pin[:7]}" if pin else "")
    names = chk.facts.get(f"{P}.named_but_missing") or []
    if not isinstance(names, list):
        from .checks import CheckError
        raise CheckError(f"{chk.facts.where(f'{P}.named_but_missing')}: expected a list of root folders")
    for i, name in enumerate(names):
        missing(chk, f"{P}.named_but_missing[{i}]", str(name))


def missing(chk, key: str, name: str) -> None:
    """A root folder that firebase.json or the root package.json names,
    which the checkout does not have."""
    co = chk.co
    places = []
    public = json_value(co, "firebase.json", ["hosting", "public"])
    if public is not None and str(public.value).split("/")[0] == name:
        places.append(public.where)
    pkg, _ = load_json(co, "package.json")
    if pkg is not None and name in (pkg.get("workspaces") or []):
        places.append(json_value(co, "package.json", ["workspaces"]).where)
    if public is None and pkg is None:
        chk.compare(key, None, "neither firebase.json nor package.json in the checkout")
        return
    if co.exists(name):
        found = f"(present: {name}/ exists)"
    elif not places:
        found = "(named by neither firebase.json hosting.public nor package.json workspaces)"
    else:
        found = name
    chk.compare(key, Found(found, places[0] if places else co.where(".")),
                note=f"missing from the checkout, named at {', '.join(places)}" if found == name else "")


def gitignored(chk) -> None:
    co = chk.co
    text = co.read(".gitignore")
    config = co.read("firebase.json")
    for i, name in enumerate(chk.facts.get(f"{P}.ignored_but_named") or []):
        key = f"{P}.ignored_but_named[{i}]"
        if config is None or text is None:
            chk.compare(key, None, "no firebase.json or no .gitignore in the checkout")
            continue
        named = re.search(rf'"{re.escape(name)}"', config)
        ignored = any(ln.strip() == name for ln in text.splitlines())
        found = (name if named and ignored and not co.tracked(name) else
                 "(not named by firebase.json)" if not named else
                 "(not git-ignored)" if not ignored else f"(committed: {name})")
        chk.compare(key, Found(found, co.where("firebase.json", config.count("\n", 0, named.start()) + 1)
                               if named else co.where("firebase.json")),
                    note="named by firebase.json, git-ignored and not committed")
    for i, pattern in enumerate(chk.facts.get(f"{P}.gitignored") or []):
        key = f"{P}.gitignored[{i}]"
        if text is None:
            chk.compare(key, None, "no .gitignore in the checkout")
            continue
        line = next((n for n, ln in enumerate(text.splitlines(), 1) if ln.strip() == pattern), None)
        if line is None:
            chk.compare(key, Found("(not in .gitignore)", co.where(".gitignore")))
            continue
        tracked = co.tracked(pattern.rstrip("/"))
        chk.compare(key, Found(f"(ignored, yet {pattern} is committed)" if tracked else pattern,
                               co.where(".gitignore", line)))
