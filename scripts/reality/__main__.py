"""Command line: ``python -m reality CHECKOUT [--modules DIR]...``.

Prints the drift report (see ``report``) and exits 1 when a fact is
contradicted, 2 when the checkout, the facts file, the provenance file or
an anchor cannot be read (the message names the file and line), else 0.
``--out FILE`` also writes the report to FILE.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from .checkout import Checkout, CheckoutError
from .checks import Checker, CheckError
from .facts import FactsError, load
from .report import exit_status, render
from .sources import SourceError
from .tsexports import inventory

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="reality", description="Compare the manual's facts and fixture with a CVPlus checkout.")
    ap.add_argument("checkout", help="a CVPlus work tree or bare git directory")
    ap.add_argument("--modules", action="append", default=[], type=Path,
                    help="folder holding module checkouts (*cvplus-<name>*), for submodules not checked out")
    ap.add_argument("--rev", default="HEAD", help="revision of a bare git directory (default HEAD)")
    ap.add_argument("--facts", type=Path, default=ROOT / "source/_data/platform.yaml")
    ap.add_argument("--provenance", type=Path, default=ROOT / "tests/snippets/fixture/provenance.yaml")
    ap.add_argument("--anchors", type=Path, default=Path(__file__).with_name("anchors.yaml"))
    ap.add_argument("--uncheckable", type=Path, default=Path(__file__).with_name("uncheckable.yaml"))
    ap.add_argument("--out", type=Path, help="also write the report here")
    args = ap.parse_args(argv)
    try:
        co = Checkout.open(args.checkout, args.modules, args.rev)
        facts = load(args.facts)
        prov = load(args.provenance) if args.provenance.is_file() else None
        inv = inventory(co)
        results = Checker(co, facts, inv, prov, args.anchors, args.uncheckable).run()
    except (CheckoutError, FactsError, CheckError, SourceError) as exc:
        print(f"reality: {exc}", file=sys.stderr)
        return 2
    header = [
        f"CVPlus reality check, {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"checkout: {co.path} commit {co.commit or '(not a git checkout)'}",
        f"functions: {len(inv.root_exports)} names exported by functions/src/index.ts, "
        f"{len(inv.definitions)} definitions found, {sum(m.absent_module for m in inv.missing.values())} in absent modules, "
        f"{sum(not m.absent_module for m in inv.missing.values())} unresolved re-exports",
    ]
    modules = {**co.modules_seen(), **inv.modules}
    header += [f"module {name}: {how}" for name, how in sorted(modules.items())]
    text = render(results, header)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
