"""The contract model's Supply chain sheet: each component's POCO deduction computed in the model
from its group sub-contracts (Act s.20(2A); regulation 13A; allowable costs guidance v7.3, Part I,
Table 2 stages 1-5, I.4.5, I.4.6(a), I.8.1, I.8.2), by native formulas that the core
(sscr.poco.poco_adjustment) agrees with for any supply chain, that LibreOffice recalculates to the
same figures, and whose table refuses a value typed outside it."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscr.cli import main
from sscr.poco import SupplyChainContract, poco_adjustment
from sscr.workbooks.libreoffice import recalculate, soffice
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one
from workbook_helpers import ROOT, copy_templates, named_cell, values_by_name

MODEL = "contract-model.xlsx"
FIELDS = ("name", "component", "parent", "own_costs", "BPR", "CRA", "IA", "CSA")
COMPONENTS = {1: ("Design", 0.10), 2: ("Support", -0.05)}  # name, the component's CRA


def _component_cells() -> dict[str, object]:
    cells: dict[str, object] = {"Financial_year": "2024/25"}
    for i, (name, cra) in COMPONENTS.items():
        cells |= {f"Name_{i}": name, f"Method_{i}": "firm", f"AC_{i}": 500_000_000.0, f"CRA_{i}": cra,
                  f"IA_{i}": 0.005, f"CSA_{i}": 0.01}
    return cells


def _rows_cells(rows: list[tuple]) -> dict[str, object]:
    return {f"SC_{k}_{n}": v for n, row in enumerate(rows, start=1) for k, v in zip(FIELDS, row)}


def _filled(path: Path, target: Path, cells: dict[str, object]) -> Path:
    wb = openpyxl.load_workbook(path)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    wb.save(target)
    return target


def _oracle(rows: list[tuple], component: str, prime_cra: float) -> dict[str, float]:
    """This test's own Table 2 over the rows of one component: prices bottom-up, the value and
    profit tests, stages 2-4 and the deduction."""
    mine = [r for r in rows if r[1] == component]
    children: dict[str | None, list[tuple]] = {}
    for r in mine:
        children.setdefault(r[2], []).append(r)
    price: dict[str, float] = {}
    total: dict[str, float] = {}

    def priced(r: tuple) -> float:
        name, _c, _p, own, bpr, cra, ia, csa = r
        total[name] = own + sum(priced(c) for c in children.get(name, []))
        price[name] = total[name] * (1 + bpr + bpr * cra + ia + csa)
        return price[name]

    for r in children.get(None, []):
        priced(r)
    out = {"stage2": 0.0, "stage3": 0.0, "stage4": 0.0}
    for name, _c, _p, own, bpr, cra, ia, csa in mine:
        cpr = bpr + bpr * cra + ia + csa
        if not (price[name] >= 250_000 and cpr > 0):
            continue
        inside = sum(price[c[0]] for c in children.get(name, [])
                     if price[c[0]] >= 250_000 and c[4] + c[4] * c[5] + c[6] + c[7] > 0)
        out["stage2"] += total[name] * cpr
        out["stage3"] += total[name] * csa
        out["stage4"] += (total[name] - inside) * bpr * max(cra - prime_cra, 0.0)
    out["deduction"] = out["stage2"] - out["stage3"] - out["stage4"]
    return out


def _core(rows: list[tuple], component: str, prime_cra: float) -> float:
    chain = [SupplyChainContract("prime", None, 1_000.0, 0.0824, prime_cra, 0.0, 0.01)]
    chain += [SupplyChainContract(r[0], r[2] or "prime", *r[3:]) for r in rows if r[1] == component]
    return poco_adjustment(chain).deduction


money = st.integers(0, 150_000_000).map(lambda pence: pence / 100)


@st.composite
def supply_chains(draw, most: int = 9) -> list[tuple]:
    """Group supply chains of one or two components, listed top down: each row's parent is empty
    or a row above serving the same component; costs around the £250,000 value test, rates over
    the whole of their ranges (a CPR at or below zero included)."""
    n = draw(st.integers(1, most))
    rows: list[tuple] = []
    for k in range(n):
        component = draw(st.sampled_from([c for c, _cra in COMPONENTS.values()]))
        above = [r[0] for r in rows if r[1] == component]
        parent = draw(st.one_of(st.none(), st.sampled_from(above))) if above else None
        rows.append((f"S{k + 1}", component, parent, draw(money), draw(st.integers(0, 1500).map(lambda b: b / 10_000)),
                     draw(st.integers(-25, 25).map(lambda c: c / 100)), draw(st.integers(0, 200).map(lambda i: i / 10_000)),
                     draw(st.integers(-500, 500).map(lambda c: c / 10_000))))
    return rows


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=supply_chains())
def test_the_core_and_the_sheets_formulas_give_the_same_poco_for_any_supply_chain(tmp_path, rows):
    """Regeneration compares every cell's formula, evaluated over the workbook, with the core's
    figure and flags any difference: none here. The deduction of each component is this test's own
    Table 2 and the core's over the chain with its prime contract (stage 5, I.7)."""
    here = Path(tempfile.mkdtemp(dir=tmp_path))
    source = _filled(ROOT / "workbooks" / MODEL, here / "chain.xlsx", _component_cells() | _rows_cells(rows))
    result = regenerate_one(source, here / "out")
    assert result.status == OK, result.message
    assert result.flags == []
    names = [f"POCO_{k}_{i}" for i in COMPONENTS for k in ("stage2", "stage3", "stage4", "computed")]
    got = values_by_name(here / "out" / "chain.xlsx", names + [f"POCO_{i}" for i in COMPONENTS])
    for i, (component, cra) in COMPONENTS.items():
        want = _oracle(rows, component, cra)
        for key in ("stage2", "stage3", "stage4"):
            assert got[f"POCO_{key}_{i}"] == pytest.approx(want[key], rel=1e-9, abs=1e-6)
        assert got[f"POCO_computed_{i}"] == pytest.approx(want["deduction"], rel=1e-9, abs=1e-6)
        assert got[f"POCO_{i}"] == pytest.approx(_core(rows, component, cra), rel=1e-12, abs=1e-7)


def _tree(n: int, seed: int = 7) -> list[tuple]:
    """``n`` sub-contracts of one component: a chain of any depth (a parent drawn from the rows
    above, often the one just above), small costs so that prices compound within range."""
    rng = random.Random(seed)
    rows: list[tuple] = []
    for k in range(1, n + 1):
        parent = None if k == 1 or rng.random() < 0.1 else f"S{k - 1}" if rng.random() < 0.6 else f"S{rng.randrange(1, k)}"
        rows.append((f"S{k}", "Design", parent, rng.randrange(0, 40_000_000) / 100, 0.02,
                     rng.choice([-0.25, 0.0, 0.15, 0.25]), 0.0, rng.choice([0.0, 0.004, 0.01])))
    return rows


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A 200-contract supply chain in a model made by sscr new, regenerated."""
    root = tmp_path_factory.mktemp("supply")
    blank = root / "blank.xlsx"
    assert main(["new", "contract", str(blank), "--supply-chain", "200"]) == 0
    rows = _tree(200)
    cells = _component_cells() | _rows_cells(rows)
    source = _filled(blank, root / "large.xlsx", cells)
    result = regenerate_one(source, root / "out")
    assert result.status == OK, result.message
    return {"root": root, "rows": rows, "out": root / "out" / "large.xlsx", "flags": result.flags}


def test_a_200_contract_supply_chain_prices_as_the_tests_own_table_2(large):
    assert large["flags"] == []
    wb = openpyxl.load_workbook(large["out"])
    assert "SC_name_200" in wb.defined_names and "SC_name_201" not in wb.defined_names
    want = _oracle(large["rows"], "Design", COMPONENTS[1][1])
    got = values_by_name(large["out"], ["POCO_1", "POCO_contracts_1", "AC_after_1", "AC_total_1"])
    assert got["POCO_contracts_1"] == 200
    assert got["POCO_1"] == pytest.approx(want["deduction"], rel=1e-9)
    assert got["AC_after_1"] == pytest.approx(got["AC_total_1"] - want["deduction"], rel=1e-12)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_supply_chain_to_the_same_figures(large):
    names = [f"SC_{k}_{n}" for n in range(1, 201) for k in ("price", "in_scope", "stage2", "stage4", "deduction")]
    names += ["POCO_stage2_1", "POCO_stage3_1", "POCO_stage4_1", "POCO_1", "Price_after_1", "Contract_price"]
    [recalculated] = recalculate([large["out"]], large["root"] / "lo")
    cached = values_by_name(large["out"], names)
    fresh = values_by_name(recalculated, names)
    for name in names:
        assert fresh[name] == pytest.approx(cached[name], rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("where", ["below", "beside"])
def test_a_value_outside_the_supply_chain_table_is_refused_by_cell(tmp_path, where):
    from openpyxl.utils import get_column_letter
    from sscr.workbooks.adapter import FileBook
    from sscr.workbooks.fill import template_of
    folder = copy_templates(tmp_path, MODEL)
    table = next(t for t in template_of(FileBook.open(folder / MODEL)).spec().tables if t.title == "supply chain")
    ref = (f"D{table.last_row + 1}" if where == "below"
           else f"{get_column_letter(table.last_col + 1)}{table.first_row}")
    wb = openpyxl.load_workbook(folder / MODEL)
    wb["Supply chain"][ref] = 400_000
    wb.save(tmp_path / "stray.xlsx")
    result = regenerate_one(tmp_path / "stray.xlsx", tmp_path / "out")
    assert result.status == FAILED
    assert f"Supply chain!{ref} holds 400000" in result.message, result.message
    text = "below the last row of the supply chain table" if where == "below" else \
        "in the column beside the supply chain table"
    assert text in result.message
    assert "--supply-chain 11" in result.message if where == "below" else "--supply-chain" in result.message


@pytest.mark.parametrize("cells,text", [
    (_rows_cells([("B", "Design", "A", 300_000, 0.08, 0, 0, 0.01), ("A", "Design", None, 300_000, 0.08, 0, 0, 0.01)]),
     "SC_parent_1 'A' is not a sub-contract listed above row 1: it is listed below"),
    (_rows_cells([("A", "Design", None, 300_000, 0.08, 0, 0, 0.01)]) | {"POCO_typed_1": 5_000},
     "POCO_typed_1 5000 is typed and the Supply chain table lists 1 sub-contract(s)"),
    (_rows_cells([("A", "Spares", None, 300_000, 0.08, 0, 0, 0.01)]) | {"Name_3": "Spares", "Method_3": "commercial",
                                                                         "Alt_price_3": 1_000},
     "SC_component_1 'Spares' names a component not priced by the pricing formula"),
    (_rows_cells([("A", "Design", None, 300_000, 0.08, 0, 0, 0.01), ("a", "Support", None, 1, 0.08, 0, 0, 0.01)]),
     "SC_name_2 'a' is the name of row 1 too"),
    (_rows_cells([("A", "Design", None, 300_000, 0.08, 0, 0, 0.01), ("B", "Support", "A", 1, 0.08, 0, 0, 0.01)]),
     "SC_parent_2 'A' serves component Design, not Support"),
    (_rows_cells([("A", "Design", None, None, 0.08, 0, 0, 0.01)]), "SC_own_costs_1 is empty"),
    ({"SC_own_costs_3": 10.0}, "SC_own_costs_3 10 is given but SC_name_3 is empty"),
    ({"SC_name_1": "A*", "SC_component_1": "Design"}, "SC_name_1 (Supply chain!A22) 'A*' holds *, ? or ~"),
])
def test_a_supply_chain_that_breaks_a_rule_is_refused_by_name(tmp_path, cells, text):
    folder = copy_templates(tmp_path, MODEL)
    source = _filled(folder / MODEL, tmp_path / "bad.xlsx", _component_cells() | cells)
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == FAILED and text in result.message, result.message


def test_a_typed_deduction_is_used_and_shown_as_typed(tmp_path):
    folder = copy_templates(tmp_path, MODEL)
    source = _filled(folder / MODEL, tmp_path / "typed.xlsx", _component_cells() | {"POCO_typed_2": 12_345.67})
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == OK and result.flags == [], result.message
    got = values_by_name(tmp_path / "out" / "typed.xlsx", ["POCO_1", "POCO_2", "POCO_source_1", "POCO_source_2",
                                                           "AC_after_2"])
    assert got["POCO_1"] == 0 and got["POCO_2"] == 12_345.67
    assert (got["POCO_source_1"], got["POCO_source_2"]) == ("supply chain", "typed")
    assert got["AC_after_2"] == pytest.approx(500_000_000 - 12_345.67, abs=1e-6)


def test_growing_carries_the_supply_chain_and_a_deduction_typed_in_an_earlier_layout(tmp_path):
    """--from keeps every supply chain row; a model whose POCO_i cell holds a typed figure (the
    layout before the Supply chain sheet computed it) has it carried into POCO_typed_i."""
    blank = tmp_path / "small.xlsx"
    assert main(["new", "contract", str(blank), "--supply-chain", "3"]) == 0
    rows = [("A", "Design", None, 300_000.0, 0.08, 0.2, 0.0, 0.01), ("B", "Design", "A", 260_000.0, 0.08, 0.25, 0.0, 0.02)]
    cells = _component_cells() | _rows_cells(rows)
    wb = openpyxl.load_workbook(blank)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    named_cell(wb, "POCO_2").value = 4_321.0  # a figure where the formula is: as an earlier layout typed it
    wb.save(tmp_path / "source.xlsx")
    grown = tmp_path / "grown.xlsx"
    assert main(["new", "contract", str(grown), "--from", str(tmp_path / "source.xlsx"), "--supply-chain", "40"]) == 0
    got = values_by_name(grown, list(cells) + ["POCO_typed_2"])
    assert {k: got[k] for k in cells} == cells and got["POCO_typed_2"] == 4_321.0
    assert "SC_name_40" in openpyxl.load_workbook(grown).defined_names
    result = regenerate_one(grown, tmp_path / "out")
    assert result.status == OK and result.flags == [], result.message
    assert values_by_name(tmp_path / "out" / "grown.xlsx", ["POCO_1"])["POCO_1"] == pytest.approx(
        _oracle(rows, "Design", 0.10)["deduction"])


def test_the_worked_case_takes_its_deduction_from_its_supply_chain_and_keeps_its_price(tmp_path):
    """The worked case: SC1 (own costs £400,000, CPR 10.064%) gives Table 2's £34,608.00 and the
    price stays £1,504,699.01 at a CPR of 10.65%, its 1.5pp CSA computed from capital figures."""
    folder = copy_templates(tmp_path, "cost-build-up.xlsx")
    got = values_by_name(folder / "cost-build-up.xlsx",
                         ["SC_name_1", "POCO_stage2_1", "POCO_stage3_1", "POCO_stage4_1", "POCO_1", "POCO_source_1",
                          "CSA_1", "CSA_used_1", "Fixed_capital_1", "CPR_1", "Price_after_1", "Lines_allowable",
                          "Risk_EV"])
    assert got["SC_name_1"] == "SC1" and got["POCO_source_1"] == "supply chain"
    assert round(got["POCO_stage2_1"], 2) == 40_256.00 and round(got["POCO_stage3_1"], 2) == 4_000.00
    assert round(got["POCO_stage4_1"], 2) == 1_648.00 and round(got["POCO_1"], 2) == 34_608.00
    assert got["CSA_1"] is None and got["Fixed_capital_1"] == 1_000_000 and round(got["CSA_used_1"], 6) == 0.015
    assert round(got["CPR_1"] * 100, 2) == 10.65 and round(got["Price_after_1"], 2) == 1_504_699.01
    assert got["Lines_allowable"] == 1_357_956.00 and got["Risk_EV"] == 36_500.00


def test_a_model_laid_out_before_the_supply_chain_sheet_grows_into_it_with_its_typed_deduction(tmp_path):
    """A model of the previous layout (POCO_i typed on the Contract sheet, no Supply chain sheet) is
    refused by regeneration with the way to move it; sscr new --from moves it, the typed deduction
    into POCO_typed_i, and it prices as before: (AC - POCO) x (1 + CPR) (I.4.3; Act s.15)."""
    old = ROOT / "tests" / "golden" / "contract-model-before-supply-chain.xlsx"
    refused = regenerate_one(old, tmp_path / "refused")
    assert refused.status == FAILED and "sscr new contract NEW.xlsx --from OLD.xlsx" in refused.message
    grown = tmp_path / "grown.xlsx"
    assert main(["new", "contract", str(grown), "--from", str(old)]) == 0
    wb = openpyxl.load_workbook(grown)
    assert "SC_name_10" in wb.defined_names and "SC_name_11" not in wb.defined_names
    assert values_by_name(grown, ["POCO_typed_1", "POCO_typed_2"]) == {"POCO_typed_1": 30_000, "POCO_typed_2": None}
    result = regenerate_one(grown, tmp_path / "out")
    assert result.status == OK and result.flags == [], result.message
    got = values_by_name(tmp_path / "out" / "grown.xlsx", ["POCO_1", "POCO_source_1", "CPR_1", "Price_after_1",
                                                          "Price_after_2", "Contract_price"])
    cpr = 0.0824 + 0.0824 * 0.1 + 0.005 + 0.02  # 2024/25 BPR, CRA 10% of it, IA 0.5pp, CSA 2pp
    assert got["POCO_1"] == 30_000 and got["POCO_source_1"] == "typed"
    assert got["CPR_1"] == pytest.approx(cpr, abs=1e-15)
    assert round(got["Price_after_1"], 2) == round((1_000_000 - 30_000) * (1 + cpr), 2)
    assert round(got["Contract_price"], 2) == round(got["Price_after_1"] + got["Price_after_2"] + 1_000, 2)
