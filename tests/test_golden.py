"""Every worked example of the guidance, at its printed precision, through the core and through the
worksheet functions. Figures are typed in as printed, with the document and table cited.
"""

from __future__ import annotations

import pytest

import udfs
from sscr import (Component, SupplyChainContract, aggregate_components, bpr_rolling_average,
                  capital_servicing_adjustment, contract_profit_rate, formula_price, poco_adjustment, rates_for)
from sscr.rounding import PENNY, RATE_2DP, round_half_up

RATES_2024 = [0.0326, 0.0310, 0.0161]


def printed(value: float, places: int) -> float:
    return round_half_up(float(value), places)


# --- Baseline profit rate guidance v8 (2024), section 7 --------------------------------------------
# (bpr, cra as a fraction of BPR, ia, csa) and the printed running totals in per cent.
SECTION_7 = {
    "Example 1": ((0.0824, -0.25, 0.01, 0.0301), (8.24, -2.06, 6.18, 1.00, 7.18, 3.01, 10.19)),
    "Example 2": ((0.0824, 0.25, 0.0, 0.025), (8.24, 2.06, 10.30, 0.00, 10.30, 2.5, 12.8)),
}


@pytest.mark.parametrize("example", SECTION_7)
def test_section_7_four_steps(example):
    (bpr, cra, ia, csa), (s1, cra_pp, s2, ia_pp, s3, csa_pp, cpr) = SECTION_7[example]
    r = contract_profit_rate(bpr, cra, ia, csa)
    assert printed(r.after_step_1 * 100, 2) == s1
    assert printed(r.cra_points * 100, 2) == cra_pp
    assert printed(r.after_step_2 * 100, 2) == s2
    assert printed(r.incentive_adjustment * 100, 2) == ia_pp
    assert printed(r.after_step_3 * 100, 2) == s3
    assert printed(r.capital_servicing_adjustment * 100, 2) == csa_pp
    assert printed(r.contract_profit_rate * 100, 2) == cpr
    assert abs(udfs.CPR(bpr, cra, ia, csa) - cpr / 100) < RATE_2DP
    steps = udfs.CPR_STEPS(bpr, cra, ia, csa)
    assert [round_half_up(row[3] * 100, 2) for row in steps[1:]] == [s1, s2, s3, cpr, cpr]


def test_section_7_cra_range_is_plus_minus_2_06_points_for_2024():
    # "For 2024/25 this range is -2.06pp to +2.06pp (+/-8.24 x 0.25)."
    bpr = rates_for("2024/25").baseline_profit_rate
    assert printed(bpr * 0.25 * 100, 2) == 2.06


# --- Appendix B: capital servicing adjustment examples (a)-(d) -----------------------------------
# (fixed, working, capital employed, cost of production) and the printed rows.
APPENDIX_B = {
    "a": ((3_000_000, 1_000_000, 4_000_000, 6_000_000),
          dict(e=1.5, f=0.75, g=0.25, h=0.0, fa=2.45, pa=0.78, na=0.0, x=3.22, csa=2.15, fe=1.63, pe=0.52, ne=0.0)),
    "b": ((3_000_000, 1_500_000, 4_500_000, 6_000_000),
          dict(e=1.3, f=0.67, g=0.33, h=0.0, fa=2.17, pa=1.03, na=0.0, x=3.21, csa=2.41, fe=1.63, pe=0.78, ne=0.0)),
    "c": ((3_000_000, -500_000, 2_500_000, 6_000_000),
          dict(e=2.4, f=1.20, g=0.0, h=-0.20, fa=3.91, pa=0.0, na=-0.32, x=3.59, csa=1.50, fe=1.63, pe=0.0, ne=-0.13)),
    "d": ((1_500_000, -2_500_000, -1_000_000, 6_000_000),
          dict(e=-6.0, f=-1.50, g=0.0, h=2.50, fa=-4.89, pa=0.0, na=4.03, x=-0.87, csa=0.14, fe=0.82, pe=0.0, ne=-0.67)),
}


@pytest.mark.parametrize("example", APPENDIX_B)
def test_appendix_b(example):
    (fc, wc, ce, cp), p = APPENDIX_B[example]
    r = capital_servicing_adjustment(fc, wc, cp, RATES_2024)
    assert r.capital_employed == ce
    assert printed(r.cp_ce_ratio, 1) == p["e"]
    assert printed(r.fixed_proportion, 2) == p["f"]
    assert printed(r.positive_working_proportion, 2) == p["g"]
    assert printed(r.negative_working_proportion, 2) == p["h"]
    assert printed(r.fixed_allowance * 100, 2) == p["fa"]
    assert printed(r.positive_working_allowance * 100, 2) == p["pa"]
    assert printed(r.negative_working_allowance * 100, 2) == p["na"]
    assert printed(r.capital_servicing_allowance * 100, 2) == p["x"]
    assert printed(r.adjustment * 100, 2) == p["csa"]
    assert printed(r.fixed_element * 100, 2) == p["fe"]
    assert printed(r.positive_working_element * 100, 2) == p["pe"]
    assert printed(r.negative_working_element * 100, 2) == p["ne"]
    assert printed(r.combined_elements * 100, 2) == p["csa"]
    # Through capital employed instead of working capital, and through the worksheet functions,
    # with the rates given as a range and as the year (Appendix B uses the 2024/25 rates).
    assert capital_servicing_adjustment(fc, None, cp, RATES_2024, capital_employed=ce).adjustment == r.adjustment
    assert udfs.CSA(float(fc), float(wc), float(cp), [[0.0326, 0.031, 0.0161]]) == pytest.approx(r.adjustment, rel=1e-12)
    assert udfs.CSA(float(fc), float(wc), float(cp), "2024/25") == pytest.approx(r.adjustment, rel=1e-12)
    steps = dict((row[0], row[1]) for row in udfs.CSA_STEPS(float(fc), float(wc), float(cp), 2024.0))
    assert printed(steps["Capital servicing adjustment (x / e)"] * 100, 2) == p["csa"]


def test_appendix_b_example_b_uses_unrounded_ratio():
    # GUIDANCE-NOTES: example (b) prints CP:CE 1.3 but computes with 1.333...
    r = capital_servicing_adjustment(3_000_000, 1_500_000, 6_000_000, RATES_2024)
    assert r.cp_ce_ratio == pytest.approx(4 / 3, rel=1e-15)
    # Dividing by the printed 1.3 would give 2.47%, not the printed 2.41%.
    assert printed(r.capital_servicing_allowance / 1.3 * 100, 2) == 2.47
    assert printed(r.adjustment * 100, 2) == 2.41


# --- Allowable costs guidance v7.3, Part I, I.7 (in £m) -------------------------------------------
I7_CHAIN = [SupplyChainContract("PC", None, 200, 0.08, 0.0, 0.0, 0.015),
            SupplyChainContract("SC1", "PC", 50, 0.08, 0.25, 0.0, 0.02),
            SupplyChainContract("SC2", "SC1", 25, 0.08, 0.10, 0.0, 0.01)]
I7_TABLE = [["Name", "Parent", "Own allowable costs", "BPR", "CRA", "IA", "CSA"],
            ["PC", None, 200.0, 0.08, 0.0, 0.0, 0.015],
            ["SC1", "PC", 50.0, 0.08, 0.25, 0.0, 0.02],
            ["SC2", "SC1", 25.0, 0.08, 0.10, 0.0, 0.01]]


def test_i7_stage_1_prices():
    r = poco_adjustment(I7_CHAIN, money_unit=1_000_000)
    sc1, sc2, pc = r.contract("SC1"), r.contract("SC2"), r.prime
    # Further group sub-contractor: costs 25.00, profit 2.20, CSA 0.25, price 27.45
    assert printed(sc2.total_allowable_costs, 2) == 25.00
    assert printed(sc2.total_allowable_costs * (sc2.contract_profit_rate - sc2.capital_servicing_adjustment), 2) == 2.20
    assert printed(sc2.total_allowable_costs * sc2.capital_servicing_adjustment, 2) == 0.25
    assert printed(sc2.price, 2) == 27.45
    # Group sub-contractor: own 50.00, price SC2 27.45, total 77.45, profit 7.75, CSA 1.55, price 86.74
    assert printed(sc1.own_allowable_costs, 2) == 50.00
    assert printed(sc1.sub_contract_costs, 2) == 27.45
    assert printed(sc1.total_allowable_costs, 2) == 77.45
    assert printed(sc1.total_allowable_costs * (sc1.contract_profit_rate - sc1.capital_servicing_adjustment), 2) == 7.75
    assert printed(sc1.total_allowable_costs * sc1.capital_servicing_adjustment, 2) == 1.55
    assert printed(sc1.price, 2) == 86.74
    # Prime: 200.00 + 86.74 = 286.74, profit 22.94, CSA 4.30, price 313.98
    assert printed(pc.total_allowable_costs, 2) == 286.74
    assert printed(r.prime_profit_before_csa, 2) == 22.94
    assert printed(r.prime_csa_before, 2) == 4.30
    assert printed(r.prime_price_before, 2) == 313.98


def test_i7_stages_2_to_5_and_price_after():
    r = poco_adjustment(I7_CHAIN, money_unit=1_000_000)
    sc1, sc2 = r.contract("SC1"), r.contract("SC2")
    assert printed(sc1.stage2_profit, 2) == 9.29          # 12% x 77.45
    assert printed(sc2.stage2_profit, 2) == 2.45          # 9.8% x 25
    assert printed(r.total_profit, 2) == 11.74
    assert printed(sc1.stage3_capital_servicing, 3) == 1.549
    assert printed(sc2.stage3_capital_servicing, 2) == 0.25
    assert printed(r.initial_adjustment, 2) == 9.95
    assert printed(sc1.stage4_appropriate_profit, 2) == 1.00  # 50 x 8% x (25% - 0%)
    assert printed(sc2.stage4_appropriate_profit, 2) == 0.20  # 25 x 8% x (10% - 0%)
    assert printed(r.appropriate_subcontractor_profit, 2) == 1.20
    assert printed(r.deduction, 2) == 8.75
    # GUIDANCE-NOTES: the printed 278.00 is 277.999 unrounded.
    assert r.prime_allowable_costs_after == pytest.approx(277.999, abs=1e-9)
    assert printed(r.prime_allowable_costs_after, 2) == 278.00
    assert printed(r.prime_profit_before_csa_after, 2) == 22.24
    assert printed(r.prime_csa_after, 2) == 4.17
    assert printed(r.prime_price_after, 2) == 304.41


def test_i7_through_worksheet_functions():
    assert abs(udfs.POCO(I7_TABLE, 1_000_000.0) - 8.75) < PENNY
    stages = udfs.POCO_STAGES(I7_TABLE, 1_000_000.0)
    totals = {row[0]: row[1] for row in stages if isinstance(row[1], float)}
    assert printed(totals["Prime price before"], 2) == 313.98
    assert printed(totals["Stage 5 POCO deduction"], 2) == 8.75
    assert printed(totals["Prime price after"], 2) == 304.41


# --- Alternative pricing guidance v1.2, Examples 6 and 7 (in £m) ---------------------------------
EXAMPLE_6 = [Component("Component 1", "formula", 50, 0.08, 0.25, 0.0, 0.0173),
             Component("Component 2", "commercial", price=50),
             Component("Component 3", "formula", 100, 0.08, -0.10, 0.0, 0.0141)]
EXAMPLE_7 = [Component("Component 1", "formula", 50, 0.08, 0.10, 0.015, 0.018),
             Component("Component 2", "commercial", price=25),
             Component("Component 3", "formula", 125, 0.08, 0.20, 0.0, 0.02)]
HEADER = ["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"]


def as_range(components):
    return [HEADER] + [[c.name, c.method, c.allowable_costs, c.bpr, c.cra, c.ia, c.csa, c.price] for c in components]


def test_example_6_contract_level_cra_pot():
    a = aggregate_components(EXAMPLE_6)
    c1, c2, c3 = a.components
    assert printed(c1.contract_profit_rate * 100, 2) == 11.73
    assert printed(c3.contract_profit_rate * 100, 2) == 8.61
    assert (printed(c1.profit, 2), printed(c3.profit, 2)) == (5.87, 8.61)
    assert (printed(c1.price, 2), c2.price, printed(c3.price, 2)) == (55.87, 50, 108.61)
    assert printed(a.total_component_price, 2) == 214.48
    assert (c1.max_cra_value, c3.max_cra_value, printed(a.max_cra_value, 2)) == (pytest.approx(1), pytest.approx(2), 3)
    assert (printed(c1.actual_cra_value, 2), printed(c3.actual_cra_value, 2), printed(a.actual_cra_value, 2)) == (1, -0.8, 0.2)
    assert (printed(c1.cra_pot, 2), printed(c3.cra_pot, 2), printed(a.cra_pot, 2)) == (0, 2.8, 2.8)
    assert printed(a.cra_pot / a.total_component_price * 100, 2) == 1.31
    assert printed(a.max_price_with_cra, 2) == 217.28
    assert abs(udfs.CONTRACT_CRA_POT(as_range(EXAMPLE_6)) - 2.8) < PENNY


def test_example_7_contract_level_ia_pot():
    a = aggregate_components(EXAMPLE_7)
    c1, _, c3 = a.components
    assert printed(c1.contract_profit_rate * 100, 2) == 12.1
    assert printed(c3.contract_profit_rate * 100, 2) == 11.6
    assert (printed(c1.profit, 2), printed(c3.profit, 2)) == (6.05, 14.5)
    assert printed(a.total_component_price, 2) == 220.55
    assert (printed(c1.max_ia_value, 2), printed(c3.max_ia_value, 2), printed(a.max_ia_value, 2)) == (1, 2.5, 3.5)
    assert (printed(c1.actual_ia_value, 2), printed(a.actual_ia_value, 2)) == (0.75, 0.75)
    assert (printed(c1.ia_pot, 2), printed(c3.ia_pot, 2), printed(a.ia_pot, 2)) == (0.25, 2.5, 2.75)
    assert printed(a.ia_pot / a.total_component_price * 100, 2) == 1.25
    assert printed(a.max_price_with_ia, 2) == 223.3
    assert abs(udfs.CONTRACT_IA_POT(as_range(EXAMPLE_7)) - 2.75) < PENNY


# --- Contract profit rate review 2015, Appendix 1 ----------------------------------------------------
APPENDIX_1 = [  # reference group year, annual baseline profit on cost of production, rolling average (%)
    ("2006/07", 10.04, None), ("2007/08", 9.56, None), ("2008/09", 8.27, 9.29), ("2009/10", 9.29, 9.04),
    ("2010/11", 10.19, 9.25), ("2011/12", 10.99, 10.16), ("2012/13", 10.92, 10.70), ("2013/14", 9.88, 10.60),
]


def test_2015_review_appendix_1_rolling_average():
    annual = [a / 100 for _, a, _ in APPENDIX_1]
    expected = [r for _, _, r in APPENDIX_1 if r is not None]
    assert [printed(v * 100, 2) for v in bpr_rolling_average(annual)] == expected
    spilled = udfs.BPR_ROLLING([[a] for a in annual])
    assert [row[0] for row in spilled[:2]] == ["", ""]
    assert [printed(row[0] * 100, 2) for row in spilled[2:]] == expected
    # 10.60% is the published 2015/16 baseline profit rate.
    assert rates_for("2015/16").baseline_profit_rate == 0.106


def test_formula_price_is_allowable_costs_plus_profit():
    # Alternative pricing Example 6, component 3: 100 + 8.61% x 100 = 108.61
    r = formula_price(100, 0.0861)
    assert (printed(r.profit, 2), printed(r.price, 2)) == (8.61, 108.61)
    assert udfs.PRICE_FROM_CPR(100.0, 0.0861) == pytest.approx(108.61, abs=1e-12)
