"""Portfolio pricing (sscr.portfolio.price_portfolio): the guidance's worked examples as portfolio rows,
bad rows reported with their file row and the message a single cell gets while the others are priced,
and every row priced exactly as the scalar functions price it. Also the collecting mode of the checks
that the portfolio is built on.
"""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscr import checks
from sscr.capital_servicing import DOUBLE_CHECK_NOTE, capital_servicing_adjustment
from sscr.errors import CapitalServicingWarning, PricingInputError
from sscr.portfolio import OUTPUTS, failures, price_portfolio
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate
from sscr.rates import CapitalServicingRates, rates_for
from sscr.rounding import PENNY, RATE_2DP, round_half_up

RATES_2024 = (0.0326, 0.0310, 0.0161)


def pct(value) -> float:
    """A fraction as the guidance prints it: per cent to 2 d.p."""
    return round_half_up(float(value) * 100, 2)


def one_error(message):
    try:
        message()
    except PricingInputError as exc:
        return str(exc)
    raise AssertionError("expected the scalar core to refuse the row")


# --- golden rows ---------------------------------------------------------------------------------
# Baseline profit rate guidance v8 (2024), section 7, Examples 1 and 2: (cra, ia, csa) with the 2024/25
# BPR looked up by date, and the printed running totals in per cent.
SECTION_7 = [
    ("Example 1", -0.25, 0.01, 0.0301, (8.24, -2.06, 6.18, 1.00, 7.18, 3.01, 10.19)),
    ("Example 2", 0.25, 0.0, 0.025, (8.24, 2.06, 10.30, 0.00, 10.30, 2.5, 12.8)),
]


def test_section_7_examples_as_portfolio_rows():
    frame = pd.DataFrame({
        "Component": [name for name, *_ in SECTION_7],
        "Allowable costs": [1_000_000.0, 2_000_000.0],
        "Date of agreement": [dt.date(2024, 5, 1), "2024/25"],
        "CRA": [r[1] for r in SECTION_7], "IA": [r[2] for r in SECTION_7], "CSA": [r[3] for r in SECTION_7],
    })
    out = price_portfolio(frame)
    assert list(out.columns) == [*frame.columns, *OUTPUTS]
    for i, (_, _, _, _, (s1, cra_pp, s2, ia_pp, s3, csa_pp, cpr)) in enumerate(SECTION_7):
        row = out.iloc[i]
        assert pct(row["step_1_rate"]) == s1 and pct(row["after_step_1"]) == s1
        assert pct(row["step_2_cost_risk_adjustment"]) == cra_pp
        assert pct(row["after_step_2"]) == s2
        assert pct(row["step_3_incentive_adjustment"]) == ia_pp
        assert pct(row["after_step_3"]) == s3
        assert pct(row["step_4_capital_servicing_adjustment"]) == csa_pp
        assert pct(row["contract_profit_rate"]) == cpr
        assert row["financial_year"] == "2024/25" and row["rates_evidence"] == "guidance"
        assert pd.isna(row["error"])
    # Price = AC x (1 + CPR): 1,000,000 at 10.19% is 1,101,900.00.
    assert abs(out.loc[0, "price"] - 1_101_900.00) < PENNY
    assert abs(out.loc[0, "profit"] - 101_900.00) < PENNY
    assert abs(out.loc[1, "price"] - 2_256_000.00) < PENNY


# Appendix B, examples (a)-(d): (fixed, working, capital employed, cost of production) and the printed rows.
APPENDIX_B = {
    "a": ((3_000_000, 1_000_000, 4_000_000, 6_000_000),
          dict(e=1.5, f=0.75, g=0.25, h=0.0, fa=2.45, pa=0.78, na=0.0, x=3.22, csa=2.15, fe=1.63, pe=0.52, ne=0.0)),
    "b": ((3_000_000, 1_500_000, 4_500_000, 6_000_000),
          dict(e=1.3, f=0.67, g=0.33, h=0.0, fa=2.17, pa=1.03, na=0.0, x=3.21, csa=2.41, fe=1.63, pe=0.78, ne=0.0)),
    "c": ((3_000_000, -500_000, 2_500_000, 6_000_000),
          dict(e=2.4, f=1.20, g=0.0, h=-0.20, fa=3.91, pa=0.0, na=-0.32, x=3.59, csa=1.50, fe=1.63, pe=0.0, ne=-0.13)),
    "d": ((1_500_000, -2_500_000, -1_000_000, 6_000_000),
          dict(e=-6.0, f=-1.50, g=0.0, h=2.50, fa=-4.89, pa=0.0, na=4.03, x=-0.87, csa=0.14, fe=0.82, pe=0.0,
               ne=-0.67)),
}


@pytest.mark.parametrize("given", ["working capital", "capital employed", "both"])
def test_appendix_b_examples_computed_in_one_portfolio(given):
    figures = [APPENDIX_B[k][0] for k in "abcd"]
    frame = pd.DataFrame({
        "example": list("abcd"),
        "allowable_costs": [100.0] * 4,
        "date_of_agreement": ["2024/25"] * 4,  # Appendix B uses the 2024/25 rates (errata in GUIDANCE-NOTES)
        "cra": [0.0] * 4, "ia": [0.0] * 4,
        "fixed_capital": [f[0] for f in figures],
        "cost_of_production": [f[3] for f in figures],
    })
    if given in ("working capital", "both"):
        frame["working_capital"] = [f[1] for f in figures]
    if given in ("capital employed", "both"):
        frame["capital_employed"] = [f[2] for f in figures]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CapitalServicingWarning)  # no warning leaks out of a portfolio
        out = price_portfolio(frame)
    for i, key in enumerate("abcd"):
        row, want = out.iloc[i], APPENDIX_B[key][1]
        assert round_half_up(row["csa_cp_ce_ratio"], 1) == want["e"]
        assert round_half_up(row["csa_fixed_proportion"], 2) == want["f"]
        assert round_half_up(row["csa_positive_working_proportion"], 2) == want["g"]
        assert round_half_up(row["csa_negative_working_proportion"], 2) == want["h"]
        assert [row["csa_fixed_rate"], row["csa_positive_working_rate"], row["csa_negative_working_rate"]] == list(RATES_2024)
        assert pct(row["csa_fixed_allowance"]) == want["fa"]
        assert pct(row["csa_positive_working_allowance"]) == want["pa"]
        assert pct(row["csa_negative_working_allowance"]) == want["na"]
        assert pct(row["csa_allowance"]) == want["x"]
        assert pct(row["step_4_capital_servicing_adjustment"]) == want["csa"]
        assert pct(row["csa_fixed_element"]) == want["fe"]
        assert pct(row["csa_positive_working_element"]) == want["pe"]
        assert pct(row["csa_negative_working_element"]) == want["ne"]
        # Step 4 is the only adjustment here, on top of the 2024/25 BPR of 8.24%.
        assert abs(row["contract_profit_rate"] - (0.0824 + row["step_4_capital_servicing_adjustment"])) < 1e-15
        assert pd.isna(row["note"])


def test_zero_or_negative_adjustment_is_a_note_on_its_row_not_a_warning():
    frame = pd.DataFrame({"allowable_costs": [100.0, 100.0], "bpr": [0.0824, 0.0824], "cra": [0.0, 0.0],
                          "ia": [0.0, 0.0], "fixed_capital": [1e6, 3e6], "working_capital": [-3e6, 1e6],
                          "cost_of_production": [6e6, 6e6], "date_of_agreement": ["2024/25"] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", CapitalServicingWarning)
        out = price_portfolio(frame)
    assert out.loc[0, "step_4_capital_servicing_adjustment"] < 0
    assert out.loc[0, "note"] == DOUBLE_CHECK_NOTE
    assert pd.isna(out.loc[1, "note"])
    assert out["error"].isna().all()  # a note is not a failure


# --- bad rows ----------------------------------------------------------------------------------------

def test_bad_rows_are_reported_with_file_row_and_the_cells_message_and_the_others_priced():
    frame = pd.DataFrame({
        "Component": ["good 1", "bad cra", "no costs", "text costs", "good 2", "cp zero", "slip ia",
                      "csa slip", "far year", "negative costs", "good 3"],
        "allowable_costs": [1000.0, 1000.0, None, "1,000", 500.0, 100.0, 100.0, 100.0, 100.0, -5.0, 250.0],
        "bpr": [0.0824, 0.0824, 0.0824, 0.0824, 0.0824, 0.0824, 0.0824, 0.0824, None, 0.0824, 0.0856],
        "date_of_agreement": [None] * 8 + ["2031/32", None, None],
        "cra": [-0.25, 10.0, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25],
        "ia": [0.01, 0.0, 0.0, 0.0, 0.02, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        "csa": [0.0301, 0.01, 0.01, 0.01, 0.0, None, 0.01, 3.0, 0.01, 0.01, -0.01],
        "fixed_capital": [None] * 5 + [3e6] + [None] * 5,
        "working_capital": [None] * 5 + [1e6] + [None] * 5,
        "cost_of_production": [None] * 5 + [0.0] + [None] * 5,
        "fixed_capital_servicing_rate": [None] * 5 + [0.0326] + [None] * 5,
        "positive_working_capital_servicing_rate": [None] * 5 + [0.031] + [None] * 5,
        "negative_working_capital_servicing_rate": [None] * 5 + [0.0161] + [None] * 5,
    })
    out = price_portfolio(frame)
    want = {
        3: one_error(lambda: contract_profit_rate(0.0824, 10.0, 0.0, 0.01)),
        4: one_error(lambda: checks.number("allowable costs", None)),
        5: one_error(lambda: checks.number("allowable costs", "1,000")),
        7: one_error(lambda: capital_servicing_adjustment(3e6, 1e6, 0.0, list(RATES_2024))),
        8: one_error(lambda: contract_profit_rate(0.0824, 0.0, 1.0, 0.01)),
        9: one_error(lambda: contract_profit_rate(0.0824, 0.0, 0.0, 3.0)),
        10: one_error(lambda: rates_for("2031/32")),
        11: one_error(lambda: formula_price(-5.0, 0.0824)),
    }
    assert dict(failures(out)) == want
    assert "did you mean 0.1 (10% of the BPR)?" in want[3]  # the single cell's hint, not the array's
    assert "is text ('1,000')" in want[5] and "cost of production 0 must be above zero" in want[7]
    assert "2031/32" in want[10]
    # The good rows are priced exactly as single cells price them.
    for i, (ac, bpr, cra, ia, csa) in {0: (1000.0, 0.0824, -0.25, 0.01, 0.0301), 4: (500.0, 0.0824, 0.1, 0.02, 0.0),
                                      10: (250.0, 0.0856, 0.25, 0.0, -0.01)}.items():
        cpr = contract_profit_rate(bpr, cra, ia, csa).contract_profit_rate
        assert out.loc[i, "contract_profit_rate"] == cpr
        assert out.loc[i, "price"] == formula_price(ac, cpr).price
    # A failed row has no figures at all, never a number.
    bad = out["error"].notna()
    assert out.loc[bad, ["contract_profit_rate", "price", "profit", "step_1_rate"]].isna().all().all()
    assert out["file_row"].tolist() == list(range(2, 13))


def test_a_row_failing_in_one_call_does_not_keep_the_others_from_being_priced_again():
    # Row 2 breaks a rule inside the capital servicing call; the others in the same call are priced.
    frame = pd.DataFrame({"allowable_costs": [10.0, 20.0, 30.0], "cra": [0.0] * 3, "ia": [0.0] * 3,
                          "date_of_agreement": ["2024/25"] * 3, "fixed_capital": [3e6, 1e6, 3e6],
                          "working_capital": [1e6, 1e6, -5e5], "capital_employed": [4e6, 5e6, 2.5e6],
                          "cost_of_production": [6e6, 6e6, 6e6]})
    out = price_portfolio(frame, first_row=5)
    assert failures(out) == [(6, one_error(lambda: capital_servicing_adjustment(1e6, 1e6, 6e6, list(RATES_2024),
                                                                                capital_employed=5e6)))]
    r = capital_servicing_adjustment(3e6, -5e5, 6e6, list(RATES_2024))
    assert out.loc[2, "step_4_capital_servicing_adjustment"] == r.adjustment
    assert out.loc[2, "csa_negative_working_element"] == r.negative_working_element


def test_rows_that_fit_no_array_call_go_through_the_scalar_functions():
    frame = pd.DataFrame({
        "allowable_costs": [100.0] * 5, "bpr": [0.0, 0.0, 0.0, 0.0824, 0.0824],
        "rate_type": ["GOCR", "GOCR", "GOCR", None, "standard"],
        "cra": [0.0] * 5, "ia": [0.01, 0.01, 0.0, 0.0, 0.0],
        "csa": [None, 0.0, 0.02, None, None],
        "fixed_capital": [None, None, None, 3e6, 3e6], "working_capital": [None] * 5,
        "cost_of_production": [None, None, None, 6e6, None],
        "date_of_agreement": ["2024/25"] * 5,
    })
    out = price_portfolio(frame)
    # Plain GOCR: step 4 brings the rate to zero (guidance 6.19), with or without a zero CSA given.
    assert out.loc[0, "contract_profit_rate"] == 0.0 and out.loc[0, "step_4_capital_servicing_adjustment"] == -0.01
    assert out.loc[1, "contract_profit_rate"] == 0.0
    assert out.loc[0, "rate_type_used"] == "GOCR"
    assert dict(failures(out)) == {
        4: one_error(lambda: contract_profit_rate(0.0, 0.0, 0.0, 0.02, rate_type="GOCR")),
        5: one_error(lambda: capital_servicing_adjustment(3e6, None, 6e6, list(RATES_2024))),
        6: one_error(lambda: checks.number("cost of production", None)),
    }


def test_gocr_with_an_agreed_cost_of_capital_uses_the_step_4_figure():
    frame = pd.DataFrame({"allowable_costs": [100.0], "date_of_agreement": ["2024/25"], "rate_type": ["gocr"],
                          "cost_of_capital_agreed": ["yes"], "cra": [0.0], "ia": [0.01], "csa": [0.02]})
    out = price_portfolio(frame)
    r = contract_profit_rate(rates_for(2024).government_owned_contractor_rate, 0.0, 0.01, 0.02,
                             rate_type="GOCR", cost_of_capital_agreed=True)
    assert out.loc[0, "contract_profit_rate"] == r.contract_profit_rate == pytest.approx(0.03)
    assert out.loc[0, "rate_type_used"] == "GOCR"


def test_whole_table_problems_are_refused_with_the_column_named():
    base = {"allowable_costs": [1.0], "bpr": [0.08], "cra": [0.0], "ia": [0.0], "csa": [0.0]}
    with pytest.raises(PricingInputError, match="no cra column"):
        price_portfolio(pd.DataFrame({k: v for k, v in base.items() if k != "cra"}))
    with pytest.raises(PricingInputError, match="neither a bpr nor a date_of_agreement"):
        price_portfolio(pd.DataFrame({k: v for k, v in base.items() if k != "bpr"}))
    with pytest.raises(PricingInputError, match="'allowable_cost' is not an input, but is close to allowable_costs"):
        price_portfolio(pd.DataFrame({**base, "allowable_cost": [2.0]}))
    with pytest.raises(PricingInputError, match="'Price' has the name of a column the pricing writes"):
        price_portfolio(pd.DataFrame({**base, "Price": [2.0]}))
    with pytest.raises(PricingInputError, match="names column cra twice"):
        price_portfolio(pd.DataFrame({**base, "Cost risk adjustment": [0.1]}))
    with pytest.raises(PricingInputError, match="no rows"):
        price_portfolio(pd.DataFrame({k: [] for k in base}))
    with pytest.raises(PricingInputError, match="give a pandas DataFrame"):
        price_portfolio([base])  # type: ignore[arg-type]


def test_a_priced_portfolio_can_be_priced_again_under_other_rates(tmp_path):
    frame = pd.DataFrame({"ref": ["A"], "allowable_costs": [100.0], "date_of_agreement": ["2024/25"],
                          "cra": [0.0], "ia": [0.0], "csa": [0.01]})
    first = price_portfolio(frame)
    rates = tmp_path / "scenario.csv"
    rates.write_text("financial_year,baseline_profit_rate_pct\n2024/25,9.00\n", encoding="utf-8")
    again = price_portfolio(first, rates_file=rates)
    assert list(again.columns) == list(first.columns)
    assert again.loc[0, "step_1_rate"] == 0.09 and again.loc[0, "rates_evidence"] == "user"
    assert first.loc[0, "step_1_rate"] == 0.0824


def test_blank_rows_are_left_alone_and_other_columns_carried_through():
    frame = pd.DataFrame({"Contract": ["C-001", None, "  "], "allowable_costs": [1.0, None, None],
                          "bpr": [0.08, None, None], "cra": [0.0, None, None], "ia": [0.0, None, None],
                          "csa": [0.0, None, None]})
    out = price_portfolio(frame)
    assert failures(out) == []
    assert out["Contract"].tolist()[::2] == ["C-001", "  "] and pd.isna(out.loc[1, "Contract"])
    assert out.loc[0, "price"] == 1.08
    assert out.loc[1:, ["price", "error", "rate_type_used"]].isna().all().all()
    assert frame.columns.tolist() == ["Contract", "allowable_costs", "bpr", "cra", "ia", "csa"]  # input untouched


def test_dates_map_to_financial_years_starting_1_april_and_each_year_is_looked_up_once(monkeypatch):
    import sscr.rates as rates

    dates = pd.to_datetime(["2024-04-01", "2025-03-31", "2025-04-01", "2024-03-31", None])
    frame = pd.DataFrame({"allowable_costs": [1.0] * 5, "date_of_agreement": dates, "cra": [0.0] * 5,
                          "ia": [0.0] * 5, "csa": [0.0] * 5})
    calls = []
    original = rates.RateTable.lookup
    monkeypatch.setattr(rates.RateTable, "lookup", lambda self, when: calls.append(when) or original(self, when))
    out = price_portfolio(pd.concat([frame] * 200, ignore_index=True))
    assert sorted(calls) == [2024, 2025]  # 2023/24 fails before any look-up: it is a six-step year
    assert out["financial_year"].tolist()[:3] == ["2024/25", "2024/25", "2025/26"]
    assert pd.isna(out.loc[3, "financial_year"])  # a failed row has no figures
    assert out["step_1_rate"].tolist()[:3] == [0.0824, 0.0824, 0.0856]
    assert "six-step process applies" in out.loc[3, "error"]
    assert "baseline profit rate is empty and there is no date of agreement" in out.loc[4, "error"]
    assert out.loc[2, "rates_evidence"] == rates_for(2025).evidence("baseline_profit_rate")


def test_a_rate_given_in_the_row_wins_over_the_published_one():
    frame = pd.DataFrame({"allowable_costs": [1.0, 1.0], "date_of_agreement": ["2024/25"] * 2,
                          "bpr": [0.09, None], "cra": [0.0] * 2, "ia": [0.0] * 2, "fixed_capital": [3e6] * 2,
                          "working_capital": [1e6] * 2, "cost_of_production": [6e6] * 2,
                          "fixed_capital_servicing_rate": [0.04, None]})
    out = price_portfolio(frame)
    assert out["step_1_rate"].tolist() == [0.09, 0.0824]
    assert out["csa_fixed_rate"].tolist() == [0.04, 0.0326]
    assert out["csa_positive_working_rate"].tolist() == [0.031, 0.031]
    assert out["rates_evidence"].tolist() == ["guidance", "guidance"]  # the looked-up figures' status


def test_a_missing_published_figure_fails_only_the_rows_that_need_it():
    # 2025/26 has a BPR but no capital servicing rates in the packaged table.
    frame = pd.DataFrame({"allowable_costs": [1.0, 1.0], "date_of_agreement": ["2025/26"] * 2,
                          "cra": [0.0] * 2, "ia": [0.0] * 2, "csa": [0.01, None],
                          "fixed_capital": [None, 3e6], "working_capital": [None, 1e6],
                          "cost_of_production": [None, 6e6]})
    out = price_portfolio(frame)
    assert out.loc[0, "step_1_rate"] == 0.0856
    assert failures(out) == [(3, one_error(lambda: rates_for("2025/26").capital_servicing_rates))]


# --- scalar and array agree, row by row ----------------------------------------------------------

money = st.one_of(st.floats(-1e7, 1e9, allow_nan=False), st.sampled_from([0.0, -1.0, 2e13]))
rates_st = st.one_of(st.floats(-0.05, 0.15, allow_nan=False), st.sampled_from([0.0, 1.5, 8.24]))
cra_st = st.one_of(st.floats(-0.3, 0.3, allow_nan=False), st.sampled_from([-0.25, 0.25, 10.0, -30.0]))
ia_st = st.one_of(st.floats(-0.005, 0.025, allow_nan=False), st.sampled_from([0.0, 0.02, 1.0]))
row_st = st.fixed_dictionaries({
    "allowable_costs": money, "bpr": rates_st, "cra": cra_st, "ia": ia_st,
    "form": st.sampled_from(["csa", "wc", "ce", "both"]), "csa": rates_st,
    "fixed_capital": money, "working_capital": money, "capital_employed": money,
    "cost_of_production": st.one_of(money, st.floats(1e5, 1e8)),
    "rates": st.tuples(rates_st, rates_st, rates_st),
})


def scalar_reference(r):
    """How a worksheet prices the row: CSA, then the four steps, then the price, one cell at a time."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CapitalServicingWarning)
            csa = r["csa"]
            if r["form"] != "csa":
                c = capital_servicing_adjustment(
                    r["fixed_capital"], None if r["form"] == "ce" else r["working_capital"], r["cost_of_production"],
                    CapitalServicingRates(*r["rates"]),
                    capital_employed=None if r["form"] == "wc" else r["capital_employed"])
                csa = c.adjustment
        steps = contract_profit_rate(r["bpr"], r["cra"], r["ia"], csa)
        price = formula_price(r["allowable_costs"], steps.contract_profit_rate)
    except PricingInputError as exc:
        return str(exc)
    return steps, price


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_st, min_size=1, max_size=25))
def test_every_row_is_priced_exactly_as_the_scalar_functions_price_it(rows):
    frame = pd.DataFrame({
        "allowable_costs": [r["allowable_costs"] for r in rows], "bpr": [r["bpr"] for r in rows],
        "cra": [r["cra"] for r in rows], "ia": [r["ia"] for r in rows],
        "csa": [r["csa"] if r["form"] == "csa" else None for r in rows],
        "fixed_capital": [None if r["form"] == "csa" else r["fixed_capital"] for r in rows],
        "working_capital": [r["working_capital"] if r["form"] in ("wc", "both") else None for r in rows],
        "capital_employed": [r["capital_employed"] if r["form"] in ("ce", "both") else None for r in rows],
        "cost_of_production": [None if r["form"] == "csa" else r["cost_of_production"] for r in rows],
        "fixed_capital_servicing_rate": [r["rates"][0] if r["form"] != "csa" else None for r in rows],
        "positive_working_capital_servicing_rate": [r["rates"][1] if r["form"] != "csa" else None for r in rows],
        "negative_working_capital_servicing_rate": [r["rates"][2] if r["form"] != "csa" else None for r in rows],
    })
    out = price_portfolio(frame)
    for i, r in enumerate(rows):
        want = scalar_reference(r)
        got = out.iloc[i]
        if isinstance(want, str):
            assert got["error"] == want
            assert np.isnan(got["price"]) and np.isnan(got["contract_profit_rate"])
            continue
        steps, price = want
        assert pd.isna(got["error"]), got["error"]
        for column, field in (("step_1_rate", "baseline_profit_rate"), ("step_2_cost_risk_adjustment", "cra_points"),
                              ("step_3_incentive_adjustment", "incentive_adjustment"),
                              ("step_4_capital_servicing_adjustment", "capital_servicing_adjustment"),
                              ("after_step_1", "after_step_1"), ("after_step_2", "after_step_2"),
                              ("after_step_3", "after_step_3"), ("contract_profit_rate", "contract_profit_rate")):
            assert got[column] == getattr(steps, field), column  # exactly: one implementation
        assert got["profit"] == price.profit and got["price"] == price.price


# --- the checks' collecting mode, which the portfolio relies on -------------------------------------

def test_collecting_records_every_bad_element_with_the_scalar_message():
    values = np.array([0.01, np.inf, 1.5, -0.02, 0.5])
    with checks.collecting() as found:
        checks.rate("incentive adjustment", values, lo=0.0, hi=0.02, rule="is outside 0..2pp")
    bad = {}
    for failure in found:
        for i in np.flatnonzero(failure.mask):
            bad.setdefault(int(i), failure.message(int(i)))
    assert bad == {1: one_error(lambda: checks.number("incentive adjustment", np.inf)),
                   2: one_error(lambda: checks.rate("incentive adjustment", 1.5)),
                   3: "incentive adjustment -0.02 is outside 0..2pp",
                   4: "incentive adjustment 0.5 is outside 0..2pp"}


def test_outside_collecting_an_array_still_raises_on_its_first_bad_row():
    with pytest.raises(PricingInputError, match="cost risk adjustment at row 2 10 is not a rate"):
        contract_profit_rate(np.array([0.08, 0.08]), np.array([0.0, 10.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))
    assert not checks.is_collecting()


def test_collecting_gives_the_cost_risk_adjustment_hint_a_single_cell_gets():
    with checks.collecting() as found:
        contract_profit_rate(np.array([0.08, 0.08]), np.array([0.1, 10.0]), np.zeros(2), np.zeros(2))
    first = found[0]
    assert np.flatnonzero(first.mask).tolist() == [1]
    assert first.message(1) == one_error(lambda: contract_profit_rate(0.08, 10.0, 0.0, 0.0))


def test_scalar_checks_raise_even_while_collecting():
    with checks.collecting():
        with pytest.raises(PricingInputError, match="is negative"):
            checks.money("allowable costs", -1.0, nonnegative=True)


def test_capital_servicing_rates_may_be_given_row_by_row():
    rates = CapitalServicingRates(np.array([0.0326, 0.04]), np.array([0.031, 0.031]), np.array([0.0161, 0.0161]))
    r = capital_servicing_adjustment(np.array([3e6, 3e6]), np.array([1e6, 1e6]), np.array([6e6, 6e6]), rates)
    assert r.adjustment[0] == capital_servicing_adjustment(3e6, 1e6, 6e6, list(RATES_2024)).adjustment
    assert r.adjustment[1] == capital_servicing_adjustment(3e6, 1e6, 6e6, [0.04, 0.031, 0.0161]).adjustment
    assert abs(r.adjustment[0] - 0.0215) < RATE_2DP


mixed_row_st = st.fixed_dictionaries({
    "allowable_costs": st.floats(0, 1e9), "cra": cra_st, "ia": ia_st,
    "rate_type": st.sampled_from(["standard", "GOCR"]), "agreed": st.booleans(),
    "date": st.sampled_from(["2024/25", "2025/26", None]), "bpr": st.one_of(st.none(), rates_st),
    "form": st.sampled_from(["csa", "wc", "none"]), "csa": rates_st,
    "fixed_capital": money, "working_capital": money, "cost_of_production": st.floats(1e5, 1e8),
    "fixed_rate": st.one_of(st.none(), rates_st),
})


def mixed_reference(r):
    """A worksheet's way: look up what the row does not give, then CSA, the four steps and the price."""
    gocr = r["rate_type"] == "GOCR"
    try:
        year = rates_for(r["date"]) if r["date"] else None
        step1 = r["bpr"] if r["bpr"] is not None else year.get(
            "government_owned_contractor_rate" if gocr else "baseline_profit_rate")
        csa = r["csa"] if r["form"] == "csa" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CapitalServicingWarning)
            if r["form"] == "wc":
                rates = [year.get("fixed_capital_servicing_rate") if r["fixed_rate"] is None else r["fixed_rate"],
                         year.get("positive_working_capital_servicing_rate"),
                         year.get("negative_working_capital_servicing_rate")]
                csa = capital_servicing_adjustment(r["fixed_capital"], r["working_capital"],
                                                   r["cost_of_production"], CapitalServicingRates(*rates)).adjustment
        steps = contract_profit_rate(step1, r["cra"], r["ia"], csa, rate_type=r["rate_type"],
                                     date_of_agreement=r["date"],
                                     cost_of_capital_agreed=r["agreed"])
        price = formula_price(r["allowable_costs"], steps.contract_profit_rate)
    except PricingInputError as exc:
        return str(exc)
    return steps, price


def usable(r):
    # A standard row needs step 4 from somewhere, rates need a date to be looked up: the portfolio's own
    # messages for those are tested on their own above.
    needs_date = r["bpr"] is None or (r["form"] == "wc")
    return (r["form"] != "none" or (r["rate_type"] == "GOCR" and not r["agreed"])) and (r["date"] or not needs_date)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(mixed_row_st.filter(usable), min_size=1, max_size=20))
def test_rates_looked_up_and_gocr_rows_price_as_the_scalar_functions_do(rows):
    frame = pd.DataFrame({
        "allowable_costs": [r["allowable_costs"] for r in rows], "cra": [r["cra"] for r in rows],
        "ia": [r["ia"] for r in rows], "rate_type": [r["rate_type"] for r in rows],
        "cost_of_capital_agreed": [r["agreed"] for r in rows], "date_of_agreement": [r["date"] for r in rows],
        "bpr": [r["bpr"] for r in rows], "csa": [r["csa"] if r["form"] == "csa" else None for r in rows],
        "fixed_capital": [r["fixed_capital"] if r["form"] == "wc" else None for r in rows],
        "working_capital": [r["working_capital"] if r["form"] == "wc" else None for r in rows],
        "cost_of_production": [r["cost_of_production"] if r["form"] == "wc" else None for r in rows],
        "fixed_capital_servicing_rate": [r["fixed_rate"] if r["form"] == "wc" else None for r in rows],
    })
    out = price_portfolio(frame)
    for i, r in enumerate(rows):
        want, got = mixed_reference(r), out.iloc[i]
        if isinstance(want, str):
            assert got["error"] == want
            continue
        steps, price = want
        assert pd.isna(got["error"]), got["error"]
        assert got["step_1_rate"] == steps.baseline_profit_rate
        assert got["step_4_capital_servicing_adjustment"] == steps.capital_servicing_adjustment
        assert got["contract_profit_rate"] == steps.contract_profit_rate
        assert got["price"] == price.price
        assert got["rate_type_used"] == steps.rate_type
