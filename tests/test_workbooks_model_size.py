"""A contract model sized to a real contract: ``sscr new contract`` writes a model of thousands of
cost lines and hundreds of risks, named as the documented pattern says (``Line_amount_2000``); a
user fills it with openpyxl by those names; regeneration prices it to the penny against this
test's own sums (allowable costs guidance 3.13-3.15 and H.1.7; regulation 11; Act s.15), and
LibreOffice, recalculating every formula, agrees. A value typed outside a table is refused by
name, and a model grown with ``--from`` keeps every value typed in it."""

from __future__ import annotations

import math
import random
from pathlib import Path

import openpyxl
import pytest

from sscr.cli import main
from sscr.workbooks.libreoffice import recalculate, soffice
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one
from sscr.workbooks.templates.contract_model import ModelSize
from workbook_helpers import named_cell, values_by_name

LINES, RISKS = 2000, 200
BPR_2024 = 0.0824  # baseline profit rate 2024/25 (baseline profit rate guidance v8; Rates sheet)
COMPONENTS = {1: ("Airframe", -0.05, 0.01, 0.012, 25_000.0), 2: ("Avionics", 0.10, 0.005, 0.008, 0.0),
              3: ("Support", 0.0, 0.0, 0.004, 1_234.56)}  # name, CRA, IA, CSA, other allowable costs
PENNY = 0.005

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


def _case(seed: int = 13) -> tuple[dict[str, object], dict[int, float], dict[int, float]]:
    """Inputs by defined name for 2,000 lines and 200 risks; this test's own sums of the agreed
    lines and the risks' expected values, by component (in pence, summed exactly)."""
    rng = random.Random(seed)
    cells: dict[str, object] = {"Financial_year": "2024/25"}
    for i, (name, cra, ia, csa, other) in COMPONENTS.items():
        cells |= {f"Name_{i}": name, f"Method_{i}": "firm", f"CRA_{i}": cra, f"IA_{i}": ia, f"CSA_{i}": csa,
                  f"AC_{i}": other}
    lines = dict.fromkeys(COMPONENTS, 0)
    risks = dict.fromkeys(COMPONENTS, 0.0)
    for n in range(1, LINES + 1):
        i = rng.choice(list(COMPONENTS))
        pence = rng.randrange(100, 50_000_000)
        kind = rng.random()
        status = ["agreed"] * 3
        if kind < 0.05:
            status[rng.randrange(3)] = "pending"
        elif kind < 0.08:
            status[rng.randrange(3)] = "not agreed"
        code = "C.3" if rng.random() < 0.02 else rng.choice(["4.7", "A", "B"])
        cells |= {f"Line_id_{n}": f"L{n:04d}", f"Line_description_{n}": f"cost line {n}",
                  f"Line_component_{n}": COMPONENTS[i][0], f"Line_type_{n}": code, f"Line_basis_{n}": "estimated",
                  f"Line_amount_{n}": pence / 100, f"Line_appropriate_{n}": status[0],
                  f"Line_attributable_{n}": status[1], f"Line_reasonable_{n}": status[2]}
        if status == ["agreed"] * 3 and code != "C.3":
            lines[i] += pence
    for n in range(1, RISKS + 1):
        i = rng.choice(list(COMPONENTS))
        p = rng.randrange(1, 100) / 100
        impact = rng.randrange(1_000, 10_000_000) / 100
        cells |= {f"Risk_id_{n}": f"R{n:03d}", f"Risk_description_{n}": f"risk {n}",
                  f"Risk_component_{n}": COMPONENTS[i][0], f"Risk_probability_{n}": p, f"Risk_impact_{n}": impact}
        risks[i] += p * impact
    return cells, {i: v / 100 for i, v in lines.items()}, risks


@pytest.fixture(scope="module")
def priced(tmp_path_factory):
    root = tmp_path_factory.mktemp("sized")
    blank = root / "model.xlsx"
    assert main(["new", "contract", str(blank), "--lines", str(LINES), "--risks", str(RISKS)]) == 0
    cells, lines, risks = _case()
    wb = openpyxl.load_workbook(blank)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    filled = root / "filled.xlsx"
    wb.save(filled)
    result = regenerate_one(filled, root / "out")
    assert result.status == OK, result.message
    out = root / "out" / "filled.xlsx"
    return {"root": root, "blank": blank, "filled": filled, "out": out, "lines": lines, "risks": risks,
            "cells": cells}


def test_new_writes_the_documented_names_at_the_size_asked(priced):
    wb = openpyxl.load_workbook(priced["blank"], read_only=False)
    names = set(wb.defined_names)
    assert {"Line_amount_2000", "Line_id_2000", "Risk_impact_200", "Name_10"} <= names
    assert "Line_amount_2001" not in names and "Risk_id_201" not in names
    assert ModelSize.from_names(names) == ModelSize(lines=LINES, risks=RISKS)


def _expected(priced) -> dict[str, float]:
    want: dict[str, float] = {}
    for i, (_name, cra, ia, csa, other) in COMPONENTS.items():
        ac = priced["lines"][i] + priced["risks"][i] + other
        cpr = BPR_2024 + BPR_2024 * cra + ia + csa
        want |= {f"Lines_AC_{i}": priced["lines"][i], f"Risk_AC_{i}": priced["risks"][i], f"AC_total_{i}": ac,
                 f"CPR_{i}": cpr, f"Price_after_{i}": ac * (1 + cpr)}
    want["Lines_allowable"] = math.fsum(priced["lines"].values())
    want["Risk_EV"] = math.fsum(priced["risks"].values())
    want["Total_component_price"] = math.fsum(want[f"Price_after_{i}"] for i in COMPONENTS)
    return want


def test_regenerated_model_prices_to_the_penny_against_our_own_sums(priced):
    want = _expected(priced)
    got = values_by_name(priced["out"], list(want))
    for name, value in want.items():
        tolerance = 5e-9 if name.startswith("CPR") else PENNY
        assert got[name] == pytest.approx(value, abs=tolerance), name
    assert got["Lines_allowable"] > 1e8  # the sums are of real size: a dropped line would show


def test_libreoffice_recalculation_agrees(priced):
    want = _expected(priced)
    [recalculated] = recalculate([priced["out"]], priced["root"] / "lo")
    cached = values_by_name(priced["out"], list(want))
    fresh = values_by_name(recalculated, list(want))
    for name in want:
        assert fresh[name] == pytest.approx(cached[name], rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("sheet,where,text", [
    ("Cost build-up", "below", "below the last row of the cost lines table"),
    ("Risk register", "below", "below the last row of the risk register table"),
    ("Contract", "beside", "in the column beside the components table"),
])
def test_a_value_outside_a_table_is_refused_by_cell(priced, tmp_path, sheet, where, text):
    from sscr.workbooks.fill import template_of
    from sscr.workbooks.adapter import FileBook
    spec = template_of(FileBook.open(priced["out"])).spec()
    table = next(t for t in spec.tables if t.sheet == sheet and t.title != "cost recovery rates"
                 and t.title != "escalation indices")
    from openpyxl.utils import get_column_letter
    if where == "below":
        ref = f"{get_column_letter(table.first_col + 5)}{table.last_row + 1}"
    else:
        ref = f"{get_column_letter(table.last_col + 1)}{table.first_row + 1}"
        assert ref not in table.occupied
    wb = openpyxl.load_workbook(priced["out"])
    wb[sheet][ref] = 250_000
    target = tmp_path / "stray.xlsx"
    wb.save(target)
    result = regenerate_one(target, tmp_path / "out")
    assert result.status == FAILED
    assert f"{sheet}!{ref} holds 250000" in result.message and text in result.message, result.message
    assert "sscr new contract" in result.message
    assert not (tmp_path / "out" / "stray.xlsx").exists()


def test_growing_keeps_every_value_typed(tmp_path):
    blank = tmp_path / "small.xlsx"
    assert main(["new", "contract", str(blank), "--lines", "40", "--risks", "12"]) == 0
    cells = {k: v for k, v in _case()[0].items()
             if not k.startswith(("Line_", "Risk_")) or int(k.rsplit("_", 1)[1]) <= (40 if k[0] == "L" else 12)}
    cells["Basis_AC_1"] = "labour from the 2025 recovery rate"
    wb = openpyxl.load_workbook(blank)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    wb["Contract"]["B200"] = "a note of the analyst's"
    source = tmp_path / "noted.xlsx"
    wb.save(source)
    grown = tmp_path / "grown.xlsx"
    assert main(["new", "contract", str(grown), "--from", str(source), "--lines", "75", "--components", "12"]) == 0
    got = values_by_name(grown, list(cells))
    assert got == {k: pytest.approx(v) if isinstance(v, float) else v for k, v in cells.items()}
    wb = openpyxl.load_workbook(grown)
    assert {"Line_id_75", "Risk_id_12", "Name_12"} <= set(wb.defined_names) and "Line_id_76" not in wb.defined_names
    rows = [tuple(r[:3]) for r in wb["Carried over"].iter_rows(min_row=2, values_only=True)]
    assert rows == [("Contract", "B200", "a note of the analyst's")]
    assert regenerate_one(grown, tmp_path / "out").status == OK
    # a grown model is never cut, never written over its source, nor over a file without --overwrite
    assert main(["new", "contract", str(tmp_path / "cut.xlsx"), "--from", str(source), "--lines", "10"]) == 2
    assert not (tmp_path / "cut.xlsx").exists()
    assert main(["new", "contract", str(source), "--from", str(source), "--lines", "300"]) == 2
    before = grown.read_bytes()
    assert main(["new", "contract", str(grown), "--lines", "60"]) == 2
    assert grown.read_bytes() == before


def test_sizes_out_of_range_are_refused(tmp_path, capsys):
    assert main(["new", "contract", str(tmp_path / "a.xlsx"), "--lines", "0"]) == 2
    assert "--lines 0 is not a number of cost lines from 1 to 20,000" in capsys.readouterr().out
    assert not (tmp_path / "a.xlsx").exists()


@pytest.mark.parametrize("size", [ModelSize(), ModelSize(lines=7, risks=3, components=2),
                                  ModelSize(lines=130, risks=41, components=31)])
def test_a_spec_laid_out_without_a_workbook_is_the_workbooks_own(size):
    """Regeneration lays a sized template out on a stand-in (fast at thousands of rows); the names,
    formulas, inputs and table extents must be exactly those of the workbook the build writes."""
    from sscr.workbooks.templates import TEMPLATES
    from sscr.workbooks.templates.contract_model import blank_model
    for template in (blank_model(size), TEMPLATES["cost_build_up"].sized(
            {f"Line_id_{size.lines}", f"Risk_id_{size.risks}", f"Name_{size.components}"})):
        real, dry = template.layout(), template.layout(dry=True)
        assert (real.inputs, real.outputs, real.values, real.tables) == (dry.inputs, dry.outputs, dry.values, dry.tables)
        assert set(real.wb.defined_names) == dry._names
