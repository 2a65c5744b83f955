"""Contract level adjustments in the contract model (regulation 19G; alternative pricing guidance
9.11-9.26): each agreed "as a fixed value or a percentage of the total component price, subject to
the amount ... not exceeding the maximum amount permissible" (9.16 for the cost risk adjustment,
9.24 for the incentive adjustment). The amount used is Contract_CRA_used / Contract_IA_used, and
the contract price is the total component price plus both."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscr.components import Component, aggregate_components
from sscr.errors import PricingInputError
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one
from workbook_helpers import ROOT, named_cell, values_by_name

MODEL = ROOT / "workbooks" / "contract-model.xlsx"
#: Two formula components and a commercial one, 2024/25 (BPR 8.24%).
CELLS = {"Financial_year": "2024/25", "Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000.0, "CRA_1": 0.1,
         "IA_1": 0.005, "CSA_1": 0.02, "Name_2": "Spares", "Method_2": "commercial", "Alt_price_2": 250_000.0,
         "Name_3": "Support", "Method_3": "cost-plus", "AC_3": 400_000.0, "CRA_3": -0.25, "IA_3": 0.0, "CSA_3": 0.01}
COMPONENTS = [Component("Design", "firm", 1_000_000.0, 0.0824, 0.1, 0.005, 0.02),
              Component("Spares", "commercial", price=250_000.0),
              Component("Support", "cost-plus", 400_000.0, 0.0824, -0.25, 0.0, 0.01)]
FIGURES = ["Total_component_price", "CRA_pot", "IA_pot", "Contract_CRA_used", "Contract_IA_used", "Contract_price"]


def _regenerate(folder: Path, cells: dict[str, object]):
    wb = openpyxl.load_workbook(MODEL)
    for name, value in {**CELLS, **cells}.items():
        named_cell(wb, name).value = value
    wb.save(folder / "model.xlsx")
    result = regenerate_one(folder / "model.xlsx", folder / "out")
    return result, folder / "out" / "model.xlsx"


def test_the_core_takes_a_percentage_of_the_total_component_price():
    """9.16, 9.24: 1% of the total is the amount; within the pots as an amount is."""
    plain = aggregate_components(COMPONENTS)
    a = aggregate_components(COMPONENTS, contract_level_cra_rate=0.01, contract_level_ia=1_000.0)
    assert a.contract_level_cra == pytest.approx(0.01 * plain.total_component_price, rel=1e-15)
    assert a.contract_price == pytest.approx(plain.total_component_price * 1.01 + 1_000.0, rel=1e-15)
    with pytest.raises(PricingInputError, match="given as 500 and as 0.01 of the total component price"):
        aggregate_components(COMPONENTS, contract_level_cra=500.0, contract_level_cra_rate=0.01)
    with pytest.raises(PricingInputError, match="exceeds the maximum"):
        aggregate_components(COMPONENTS, contract_level_ia_rate=0.5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cra=st.floats(0, 1), ia=st.floats(0, 1), cra_as_rate=st.booleans(), ia_as_rate=st.booleans())
def test_an_adjustment_as_an_amount_or_a_percentage_prices_as_the_core(tmp_path, cra, ia, cra_as_rate, ia_as_rate):
    """Any share of each pot, agreed as an amount or as a percentage of the total: the sheet's
    formulas and the core agree cell by cell (no flag), and the contract price is the total plus
    the two amounts (Act s.15; regulation 19G)."""
    plain = aggregate_components(COMPONENTS)
    total = plain.total_component_price
    cra_amount, ia_amount = cra * plain.cra_pot, ia * plain.ia_pot
    cells: dict[str, object] = {}
    cells |= {"Contract_CRA_rate": cra_amount / total, "Contract_CRA": 0} if cra_as_rate else {"Contract_CRA": cra_amount}
    cells |= {"Contract_IA_rate": ia_amount / total, "Contract_IA": 0} if ia_as_rate else {"Contract_IA": ia_amount}
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    result, out = _regenerate(folder, cells)
    assert result.status == OK and result.flags == [], result.message
    got = values_by_name(out, FIGURES)
    used_cra = cells["Contract_CRA_rate"] * total if cra_as_rate else cra_amount
    used_ia = cells["Contract_IA_rate"] * total if ia_as_rate else ia_amount
    assert got["Total_component_price"] == pytest.approx(total, rel=1e-12)
    assert got["Contract_CRA_used"] == pytest.approx(used_cra, rel=1e-12, abs=1e-9)
    assert got["Contract_IA_used"] == pytest.approx(used_ia, rel=1e-12, abs=1e-9)
    assert got["Contract_price"] == pytest.approx(total + used_cra + used_ia, rel=1e-12)


@pytest.mark.parametrize("cells,text", [
    ({"Contract_CRA": 500.0, "Contract_CRA_rate": 0.001}, "Contract_CRA 500 and Contract_CRA_rate 0.001 are both given"),
    ({"Contract_IA_rate": 0.2}, "Contract_CRA_rate/Contract_IA_rate"),
    ({"Contract_IA_rate": 0.2}, "exceeds the maximum"),
    ({"Contract_CRA_rate": -0.01}, "Contract_CRA_rate"),
    ({"Name_2": None, "Method_2": None, "Alt_price_2": None, "Name_3": None, "Method_3": None, "AC_3": None,
      "CRA_3": None, "IA_3": None, "CSA_3": None, "Contract_CRA_rate": 0.001}, "need two or more components"),
])
def test_an_adjustment_that_breaks_a_rule_is_refused_by_name(tmp_path, cells, text):
    result, _out = _regenerate(tmp_path, cells)
    assert result.status == FAILED and text in result.message, result.message
