"""Independent engines agree: every regenerated template, and a perturbed copy of each (inputs
edited, every Rates baseline profit rate typed over, a computed formula edited), recalculated by
the ``formulas`` package (an Excel formula engine in Python) and by LibreOffice. Each computed
cell's cached value, as regeneration wrote it, must be the figure both engines compute, or the cell
must be flagged with no cached figure (a formula sscr cannot evaluate).

The ``formulas`` engine takes tens of seconds on the two large templates, so the workbooks are
calculated on two processes; the module is marked slow.
"""

from __future__ import annotations

import math
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mutations import MUTATIONS
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import fill
from sscr.workbooks.libreoffice import recalculate, soffice
from sscr.workbooks.package import XlsxPackage
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR

formulas = pytest.importorskip("formulas")

if soffice() is None:
    reason = "LibreOffice (soffice) is not on PATH: install libreoffice-calc"
    if os.environ.get("SSCR_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(reason + " (SSCR_REQUIRE_LIBREOFFICE=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

pytestmark = pytest.mark.slow


def _formulas_values(path: str) -> dict[str, Any]:
    """Every cell the ``formulas`` engine calculates in the workbook, by 'SHEET!A1' (upper case)."""
    import numpy as np
    model = formulas.ExcelModel().loads(path).finish()
    solution = model.calculate()
    out = {}
    for key, ranges in solution.items():
        if "!" not in key or ":" in key.split("!")[-1]:
            continue
        sheet = key.split("]", 1)[-1].split("'!")[0] if "]" in key else key.split("!")[0]
        value = np.asarray(getattr(ranges, "value", ranges)).ravel()[0]
        if isinstance(value, np.generic):
            value = value.item()
        out[f"{sheet}!{key.split('!')[-1]}"] = _figure(value)  # plain values, to cross the process pool
    return out


def _figure(value: Any) -> Any:
    """A cell's value as a figure: numbers as float, errors as their code, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)):
        return float(value)
    text = "%s" % (value,)  # a plain str (the engine's own text types do not cross a process pool)
    if text.startswith("#"):
        return "#error"
    if text == "empty":
        return ""
    return text


def _agree(a: Any, b: Any) -> bool:
    a, b = _figure(a), _figure(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _perturbed(template: Any) -> bytes:
    data = (TEMPLATE_DIR / template.filename).read_bytes()
    spec = template.spec()
    for name, seed in (("input changed", 1), ("input changed", 2), ("Rates figures typed over", 3),
                       ("computed formula edited", 4)):
        data = MUTATIONS[name][0](data, spec, random.Random(seed)) or data
    return data


def test_formulas_and_libreoffice_compute_the_figures_regeneration_caches(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    written: list[tuple[Any, Path, set[str]]] = []
    for template in TEMPLATES.values():
        for variant, data in (("", (TEMPLATE_DIR / template.filename).read_bytes()),
                              ("perturbed-", _perturbed(template))):
            path = src / (variant + template.filename)
            path.write_bytes(data)
            book = FileBook.open(path)
            result = fill(book)
            book.save(out / path.name)
            written.append((template, out / path.name, {f.where for f in result.flags}))
            if not variant:
                assert not result.flags, (template.key, result.flags[:2])
    assert any(flags for _t, _p, flags in written)  # the perturbed copies are flagged somewhere
    lo = dict(zip([p for _t, p, _f in written], recalculate([p for _t, p, _f in written], tmp_path / "lo")))
    with ProcessPoolExecutor(2) as pool:
        engine = dict(zip([p for _t, p, _f in written], pool.map(_formulas_values, [str(p) for _t, p, _f in written])))
    problems = []
    compared = 0
    for template, path, flags in written:
        ours, theirs = XlsxPackage.open(path), XlsxPackage.open(lo[path])
        for name in template.spec().outputs:
            area = ours.area(name)
            cell = ours.read(area.sheet, area.ref())
            cached = cell.value if cell.type != "e" else "#" + str(cell.value)
            by_formulas = engine[path].get(f"{area.sheet.upper()}!{area.ref()}", None)
            lo_cell = theirs.read(area.sheet, area.ref())
            by_lo = lo_cell.value if lo_cell.type != "e" else "#" + str(lo_cell.value)
            compared += 1
            if name in flags and cached is None:
                continue  # flagged, no cached figure: the spreadsheet calculates it
            if not _agree(cached, by_lo):
                problems.append(f"{path.name} {name}: cached {cached!r}, LibreOffice {by_lo!r}")
            if not _agree(cached, by_formulas):
                problems.append(f"{path.name} {name}: cached {cached!r}, formulas {by_formulas!r}")
    assert compared > 2000
    assert not problems, "\n".join(problems[:30])
