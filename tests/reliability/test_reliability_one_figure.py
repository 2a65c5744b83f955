"""One workbook, one figure, tried on a corpus: structural mutations of every template (and of each
template with its inputs edited), named (tests/mutations.py) and random (hypothesis: one to three
mutations stacked), regenerated, then recalculated by LibreOffice.

For every mutated workbook the outcome must be one of:

- refused: nothing written, a message (no traceback);
- written, and every computed cell whose LibreOffice figure differs from the core's is flagged,
  and every computed cell's cached value (what a reader without calculation sees) is LibreOffice's
  figure, or none at all for a flagged cell sscr could not evaluate.

A cell that breaks this counts as "disagreeing unflagged", which must be 0. The figures (mutations
tried, refused, flagged, agreeing, disagreeing unflagged) are printed under the test summary and,
when SSCR_ONE_FIGURE_TABLE names a file, written there as the Markdown table of RELIABILITY.md.
All the written workbooks go through one start of soffice.
"""

from __future__ import annotations

import math
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutations import MUTATIONS
from sscr.errors import PricingInputError
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import fill, same_figure
from sscr.workbooks.libreoffice import recalculate, soffice
from sscr.workbooks.package import PackageError, XlsxPackage
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR

if soffice() is None:
    reason = "LibreOffice (soffice) is not on PATH: install libreoffice-calc"
    if os.environ.get("SSCR_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(reason + " (SSCR_REQUIRE_LIBREOFFICE=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from test_libreoffice import EDITS  # noqa: E402  the inputs edited away from the guidance's

#: Random mutated workbooks on top of the named ones (each one to three mutations stacked).
RANDOM_EXAMPLES = int(os.environ.get("SSCR_ONE_FIGURE_EXAMPLES", "30"))


def bases() -> dict[str, tuple[Any, bytes]]:
    """Every template as built, and the larger ones with their inputs edited (more of their formulas'
    branches in use: cost lines, risks, components of each pricing method)."""
    out = {}
    for template in TEMPLATES.values():
        data = (TEMPLATE_DIR / template.filename).read_bytes()
        out[template.key] = (template, data)
        if template.key not in ("contract_model", "cost_build_up", "aggregation"):
            continue  # the small templates' edited copies add no structure the mutations could break
        pkg = XlsxPackage(data, template.filename)
        for name, value in EDITS.get(template.filename, {}).items():
            area = pkg.area(name)
            pkg.write_value(area.sheet, area.ref(), value)
        out["edited " + template.key] = (template, pkg.to_bytes())
    return out


@dataclass
class Case:
    label: str
    template: Any
    expected: set[str]
    source: Path
    outcome: str = ""
    message: str = ""
    output: Path | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)


def regenerate(case: Case, out_dir: Path) -> None:
    """The product's path (sscr regenerate): refused, or written with its flags and the core's figures."""
    try:
        book = FileBook.open(case.source)
        result = fill(book)
        out = out_dir / case.source.name
        book.save(out)
    except (PricingInputError, PackageError) as exc:
        case.outcome, case.message = "refused", str(exc)
        assert "Traceback" not in case.message
        return
    case.output = out
    case.figures = result.figures
    case.flagged = {f.where for f in result.flags}
    case.outcome = "flagged" if result.flags else "agreeing"


def _value(pkg: XlsxPackage, name: str) -> Any:
    area = pkg.area(name)
    cell = pkg.read(area.sheet, area.ref())
    if cell.type == "e":
        return "#error " + str(cell.value)
    return cell.value


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def judge(case: Case, recalculated: Path) -> list[str]:
    """The cells that break the rule: a LibreOffice figure other than the core's, unflagged; or a
    cached value other than LibreOffice's (an empty cache is allowed on a flagged cell)."""
    written = XlsxPackage.open(case.output)
    lo = XlsxPackage.open(recalculated)
    bad = []
    for name in case.template.spec().outputs:
        theirs, cached, core = _value(lo, name), _value(written, name), case.figures.get(name)
        flagged = name in case.flagged
        lo_figure = theirs if not (isinstance(theirs, str) and theirs.startswith("#error")) else None
        if not flagged and not (lo_figure is not None and same_figure(core, lo_figure) or
                                core is None and theirs in (None, "")):
            bad.append(f"{name}: LibreOffice {theirs!r}, core {core!r}, not flagged")
        if not _same(cached, theirs) and not (flagged and cached is None):
            if isinstance(theirs, str) and theirs.startswith("#error") and isinstance(cached, str) and flagged:
                continue  # an error both ways (the written cache holds it as an error value)
            bad.append(f"{name}: cached {cached!r}, LibreOffice {theirs!r}")
    return bad


ONE_FIGURE: dict[str, int] = {}


def table(counts: dict[str, int]) -> str:
    rows = [("Mutated workbooks tried", "tried"), ("Refused (nothing written, the cell and rule named)", "refused"),
            ("Written with flags on every differing cell", "flagged"), ("Written, every figure agreeing", "agreeing"),
            ("Computed cells compared with LibreOffice", "cells"),
            ("**Disagreeing unflagged** (a cell whose figure differs, not flagged)", "disagreeing")]
    lines = ["| One workbook, one figure | Count |", "|---|---:|"]
    lines += [f"| {text} | {counts.get(key, 0):,} |" for text, key in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.reliability("one workbook, one figure")
def test_every_mutated_workbook_is_refused_flagged_or_agrees_with_libreoffice(tmp_path, tally):
    src = tmp_path / "in"
    out = tmp_path / "out"
    src.mkdir()
    out.mkdir()
    cases: list[Case] = []
    all_bases = bases()

    def add(label: str, template: Any, data: bytes, expected: set[str]) -> None:
        path = src / f"{len(cases):03d}.xlsx"
        path.write_bytes(data)
        case = Case(label, template, expected, path)
        regenerate(case, out)
        cases.append(case)

    # the named classes, each on every base it applies to
    for base, (template, data) in all_bases.items():
        for k, (mutation_name, (mutate, expected)) in enumerate(MUTATIONS.items()):
            mutated = mutate(data, template.spec(), random.Random(k))
            if mutated is not None:
                allowed = {"refused", "flagged", "agreeing"} if expected == "any" else (
                    {"flagged", "refused"} if expected == "flagged" else {expected})
                add(f"{mutation_name} ({base})", template, mutated, allowed)

    # random stacks of mutations
    @settings(max_examples=RANDOM_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(sorted(all_bases)), st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3),
           st.integers(0, 2 ** 32 - 1))
    def random_case(base: str, names: list[str], seed: int) -> None:
        template, data = all_bases[base]
        rnd = random.Random(seed)
        for name in names:
            data = MUTATIONS[name][0](data, template.spec(), rnd) or data
        add(f"{' + '.join(names)} ({base}, seed {seed})", template, data, {"refused", "flagged", "agreeing"})

    random_case()

    written = [c for c in cases if c.output is not None]
    recalculated = dict(zip((c.output for c in written), recalculate([c.output for c in written], tmp_path / "lo")))
    problems = []
    cells = 0
    for case in cases:
        if case.outcome not in case.expected:
            problems.append(f"{case.label}: {case.outcome} ({case.message or sorted(case.flagged)[:3]}), "
                            f"expected {' or '.join(sorted(case.expected))}")
        if case.output is not None:
            bad = judge(case, recalculated[case.output])
            cells += len(case.template.spec().outputs)
            problems.extend(f"{case.label}: {b}" for b in bad[:5])
            ONE_FIGURE["disagreeing"] = ONE_FIGURE.get("disagreeing", 0) + len(bad)
    for key in ("refused", "flagged", "agreeing"):
        ONE_FIGURE[key] = ONE_FIGURE.get(key, 0) + sum(c.outcome == key for c in cases)
    ONE_FIGURE["tried"] = ONE_FIGURE.get("tried", 0) + len(cases)
    ONE_FIGURE["cells"] = ONE_FIGURE.get("cells", 0) + cells
    target = os.environ.get("SSCR_ONE_FIGURE_TABLE")
    if target:
        Path(target).write_text(table(ONE_FIGURE), encoding="utf-8")
    print("\n" + table(ONE_FIGURE))
    tally(cases=len(cases), lost=len({p.split(":")[0] for p in problems}))
    assert not problems, "\n".join(problems[:40])
    assert ONE_FIGURE["refused"] and ONE_FIGURE["flagged"] and ONE_FIGURE["agreeing"]
    shutil.rmtree(src, ignore_errors=True)
