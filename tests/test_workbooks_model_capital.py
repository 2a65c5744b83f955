"""Step 4 inside the contract model: each component's capital servicing adjustment from its capital
figures (baseline profit rate guidance v8, Appendix B computations 1-5) or from balance-sheet
figures (6.26-6.38), with the rates of the financial year, as native formulas whose cached values
are the core's; a typed CSA is used as it is; both, or a partial set, are refused by name."""

from __future__ import annotations

import openpyxl
import pytest

from sscr.capital_servicing import (BalanceSheet, capital_employed_from_balance_sheets, capital_servicing_adjustment,
                                    cost_of_production_from_accounts)
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import copy_templates, named_cell, values_by_name

RATES_2024 = [0.0326, 0.031, 0.0161]  # 2024/25 fixed, positive and negative working capital servicing rates
BASE = {"Financial_year": "2024/25", "Name_1": "Hull", "Method_1": "firm", "AC_1": 1_000_000, "CRA_1": 0.1,
        "IA_1": 0.0, "Name_2": "Combat system", "Method_2": "formula", "AC_2": 500_000, "CRA_2": 0.0, "IA_2": 0.01,
        "CSA_2": 0.02}


def _regenerate(tmp_path, cells):
    folder = copy_templates(tmp_path, "contract-model.xlsx")
    wb = openpyxl.load_workbook(folder / "contract-model.xlsx")
    for name, value in (BASE | cells).items():
        named_cell(wb, name).value = value
    wb.save(folder / "in.xlsx")
    return regenerate_one(folder / "in.xlsx", tmp_path / "out"), tmp_path / "out" / "in.xlsx"


def test_appendix_b_example_a_from_capital_figures(tmp_path):
    result, out = _regenerate(tmp_path, {"Fixed_capital_1": 3_000_000, "Working_capital_1": 1_000_000,
                                         "Cost_of_production_1": 6_000_000})
    assert result.status == OK, result.message
    got = values_by_name(out, ["CSA_computed_1", "CSA_used_1", "CSA_used_2", "CPR_1", "Cap_CP_CE_1", "Cap_on_2",
                               "Cap_elements_1", "Price_after_1"])
    assert round(got["CSA_computed_1"] * 100, 2) == 2.15  # Appendix B example (a) prints 2.15%
    assert got["Cap_CP_CE_1"] == pytest.approx(1.5)
    assert got["CSA_used_1"] == got["CSA_computed_1"] == pytest.approx(got["Cap_elements_1"], abs=1e-15)
    assert got["CSA_used_2"] == 0.02 and got["Cap_on_2"] == 0  # typed: used as it is
    cpr = 0.0824 * 1.1 + got["CSA_computed_1"]
    assert got["CPR_1"] == pytest.approx(cpr, abs=1e-15)
    assert got["Price_after_1"] == pytest.approx(1_000_000 * (1 + cpr), abs=0.005)


@pytest.mark.parametrize("fixed,working,cp", [(2e6, -5e5, 4e6), (1e5, 3e6, 9e6), (5e6, 0, 2.5e6)])
def test_from_balance_sheets_as_the_core_computes(tmp_path, fixed, working, cp):
    opening = BalanceSheet(fixed + working + 4e6, 5e6, 1e6, fixed)   # CE = assets - (liabilities - interest)
    closing = BalanceSheet(fixed + working + 4e6 + 2e5, 5e6, 1.2e6, fixed)
    cells = {"Opening_assets_1": opening.total_assets, "Opening_liabilities_1": 5e6, "Opening_interest_bearing_1": 1e6,
             "Opening_fixed_capital_1": fixed, "Closing_assets_1": closing.total_assets, "Closing_liabilities_1": 5e6,
             "Closing_interest_bearing_1": 1.2e6, "Closing_fixed_capital_1": fixed,
             "Operating_revenue_1": cp * 1.1 / 2, "Operating_profit_1": cp * 0.1 / 2, "Accounts_months_1": 6}
    result, out = _regenerate(tmp_path, cells)
    assert result.status == OK, result.message
    ce = capital_employed_from_balance_sheets([opening, closing])
    annual = cost_of_production_from_accounts(cp * 1.1 / 2, cp * 0.1 / 2, period_months=6).annual_cost
    want = capital_servicing_adjustment(ce.fixed_capital, ce.working_capital, annual, RATES_2024).adjustment
    got = values_by_name(out, ["CSA_computed_1", "Accounts_CP_1", "Accounts_CE_1"])
    assert got["Accounts_CP_1"] == pytest.approx(cp) and got["Accounts_CE_1"] == pytest.approx(ce.capital_employed)
    assert got["CSA_computed_1"] == pytest.approx(want, rel=1e-14)


@pytest.mark.parametrize("cells,text", [
    ({"CSA_1": 0.01, "Fixed_capital_1": 1, "Working_capital_1": 1, "Cost_of_production_1": 10},
     "CSA_1 0.01 is typed and capital figures are given for component 1"),
    ({"Fixed_capital_1": 1_000_000}, "Fixed_capital_1 1000000 is given but Working_capital_1 is empty"),
    ({"Fixed_capital_1": 1, "Working_capital_1": 1, "Cost_of_production_1": 10, "Opening_assets_1": 5,
      "Opening_liabilities_1": 1, "Opening_interest_bearing_1": 0, "Opening_fixed_capital_1": 1, "Closing_assets_1": 5,
      "Closing_liabilities_1": 1, "Closing_interest_bearing_1": 0, "Closing_fixed_capital_1": 1,
      "Operating_revenue_1": 10, "Operating_profit_1": 1, "Accounts_months_1": 12}, "are both given"),
    ({"Fixed_capital_3": 1, "Working_capital_3": 1, "Cost_of_production_3": 10}, "not priced by the pricing formula"),
])
def test_conflicting_or_partial_capital_figures_are_refused(tmp_path, cells, text):
    result, _out = _regenerate(tmp_path, cells)
    assert result.status == FAILED and text in result.message, result.message


def test_the_worked_case_capital_figures_give_its_typed_csa(tmp_path):
    """The worked case types its 1.5pp; the same component's capital figures (fixed and working
    capital £1,000,000 each, cost of production £4,240,000, 2024/25 rates) compute it on the
    Capital servicing sheet to the same contract profit rate and price."""
    folder = copy_templates(tmp_path, "cost-build-up.xlsx")
    wb = openpyxl.load_workbook(folder / "cost-build-up.xlsx")
    for name, value in {"CSA_1": None, "Fixed_capital_1": 1_000_000, "Working_capital_1": 1_000_000,
                        "Cost_of_production_1": 4_240_000}.items():
        named_cell(wb, name).value = value
    wb.save(folder / "in.xlsx")
    result = regenerate_one(folder / "in.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    got = values_by_name(tmp_path / "out" / "in.xlsx", ["CSA_used_1", "CPR_1", "Price_after_1"])
    assert round(got["CSA_used_1"] * 100, 4) == 1.5
    assert round(got["CPR_1"] * 100, 2) == 10.65 and round(got["Price_after_1"], 2) == 1_504_699.01
