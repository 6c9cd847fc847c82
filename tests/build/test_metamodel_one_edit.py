"""Adding a framework or a need type is one edit of source/_data/metamodel.yaml.

In a copy of the project, only metamodel.yaml gains a framework (ISO/IEC
27001) and a need type (``policy``); one page then uses both. The build
passes, the new framework has its own coverage matrix, figures and export
rows, and the new type is accepted with its prefix, fields and coverage link.
The schema sphinx-needs runs is generated for the new type as well (its
required field, its ID prefix). A need of a type the metamodel does not
declare, and a framework value it does not list, still fail the build at
the page's file and line.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from manual_build import append_fault, assert_fails_at, run_build

METAMODEL = "source/_data/metamodel.yaml"

FRAMEWORK = "  iso27001: {title: ISO/IEC 27001}\n"
TYPE = (
    "  - directive: policy\n"
    "    title: Security policy\n"
    "    prefix: POL_\n"
    "    color: '#E6E6FA'\n"
    "    coverage: {outgoing: [evidenced_by]}\n"
)
TYPE_FIELDS = "  policy: {required: [owner], optional: [status]}\n"

USES = """
```{requirement} A.5.1: Policies for information security
:id: REQ_ISO27001_A_5_1
:framework: iso27001
:ref: A.5.1
:scope: in-scope
```

```{policy} Information security policy
:id: POL_INFOSEC
:owner: security-lead
:evidenced_by: EVD_NITPICKY_BUILD
```

```{control} The security policy is reviewed every year
:id: CTRL_ISO27001_A_5_1_POLICY_REVIEW
:owner: security-lead
:frequency: yearly
:control_type: preventive
:nature: manual
:addresses: REQ_ISO27001_A_5_1
:evidenced_by: EVD_NITPICKY_BUILD
```

```{procedure} Review the security policy
:id: PROC_ISO27001_POLICY_REVIEW
:owner: security-lead
:requires: none
:manual_reason: a person reads and signs the policy
:implements: CTRL_ISO27001_A_5_1_POLICY_REVIEW
```

```{coverage-matrix}
:framework: iso27001
```

```{criteria-matrix}
:framework: iso27001
```

```{coverage-summary}
```
"""


def edit_metamodel(root: Path) -> None:
    """The one edit: a framework, a type, and the type's fields, all in metamodel.yaml."""
    path = root / METAMODEL
    text = path.read_text(encoding="utf-8")
    text = text.replace("  pci: {title: PCI DSS}\n", "  pci: {title: PCI DSS}\n" + FRAMEWORK, 1)
    text = text.replace("types:\n", "types:\n" + TYPE, 1)
    text = text.replace("type_fields:\n", "type_fields:\n" + TYPE_FIELDS, 1)
    text = re.sub(r"(  evidenced_by:\n(?:    .*\n)*?    from: \[)", r"\1policy, ", text, count=1)
    assert FRAMEWORK in text and TYPE in text and TYPE_FIELDS in text and "from: [policy, " in text
    path.write_text(text, encoding="utf-8")


append = append_fault  # the fault page of a project copy; returns the fault's first line


@pytest.mark.slow
def test_new_framework_and_type_need_one_edit(project_copy: Path, tmp_path: Path) -> None:
    edit_metamodel(project_copy)
    append(project_copy, USES)
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode == 0, result.output
    out = result.outdir

    needs = result.needs
    assert needs["POL_INFOSEC"]["type"] == "policy"
    coverage = json.loads((out / "coverage.json").read_text(encoding="utf-8"))
    assert coverage["per_framework"]["iso27001"]["total"] == 1
    assert coverage["per_framework"]["iso27001"]["manual"] == 1
    assert coverage["per_type"]["policy"] == {"total": 1, "linked": 1}
    rows = {r["id"]: r for r in coverage["rows"]}
    assert rows["CTRL_ISO27001_A_5_1_POLICY_REVIEW"]["refs"]["iso27001"] == ["A.5.1"]

    with (out / "coverage.csv").open(encoding="utf-8") as handle:
        frameworks = [row["framework"] for row in csv.DictReader(handle)]
    assert frameworks == ["soc2", "gdpr", "pci", "iso27001"]
    with (out / "traceability.csv").open(encoding="utf-8") as handle:
        trace = [row for row in csv.DictReader(handle) if row["framework"] == "iso27001"]
    assert [(r["criterion_id"], r["control_id"], r["procedure_id"]) for r in trace] == [
        ("REQ_ISO27001_A_5_1", "CTRL_ISO27001_A_5_1_POLICY_REVIEW", "PROC_ISO27001_POLICY_REVIEW")]
    with (out / "criteria.csv").open(encoding="utf-8") as handle:
        crit = [row for row in csv.DictReader(handle) if row["framework"] == "iso27001"]
    assert [(r["criterion_id"], r["coverage"]) for r in crit] == [("REQ_ISO27001_A_5_1", "covered")]

    page = result.page("reference/glossary")
    assert 'id="matrix-iso27001"' in page and "cvplus-criteria-iso27001" in page
    assert "ISO/IEC 27001" in page and "Security policy" in page


UNDECLARED = {
    # the schema sphinx-needs runs is generated for the new type too
    "the new type without its required field": (
        "```{policy} No owner\n:id: POL_FAULT_NO_OWNER\n```\n", 0, r"a policy needs the field ':owner:'"),
    "the new type with another type's prefix": (
        "```{policy} Wrong prefix\n:id: CTRL_FAULT_POLICY\n:owner: security-lead\n```\n",
        0, r"a security policy ID must start with 'POL_'"),
    "a need of a type the metamodel does not declare": (
        "```{standard} Not a type\n:id: STD_FAULT_UNDECLARED\n:owner: security-lead\n```\n",
        0, r"Unknown directive type"),
    "a framework value the metamodel does not list": (
        "```{requirement} X.1: Not a framework\n:id: REQ_ISO9001_X_1\n:framework: iso9001\n"
        ":ref: X.1\n:scope: in-scope\n```\n",
        0, r"':framework: iso9001' is not one of soc2, gdpr, pci"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UNDECLARED))
def test_undeclared_type_or_framework_still_fails(name: str, project_copy: Path, tmp_path: Path) -> None:
    if "new type" in name:
        edit_metamodel(project_copy)
    assert_fails_at(project_copy, tmp_path / "out", name, *UNDECLARED[name])
