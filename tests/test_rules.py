"""The rules in force at the date of agreement (sscr.rules), and the calculations that follow them.

Sources, as cited in ``sscr/data/rules.csv``:
- maximum incentive adjustment: Single Source Contract Regulations 2014, regulation 11(6) (2pp);
  Single Source Contract (Amendment) Regulations 2026, in force 5 June 2026, and the SSRO's page
  "Reforms to the Single Source Contract Regulations" (14 May 2026): "The maximum incentive
  adjustment for qualifying defence contracts has increased from two percentage points to ten
  percentage points"; "The maximum incentive adjustments for qualifying subcontracts remains at two
  percentage points". It reaches the contract level incentive adjustment (alternative pricing 1.4).
- four or six steps: SI 2024/420 from 1 April 2024; an amendment agreed on or after 1 April 2024 is
  priced with four steps (MOD and SSRO teach-in questions and answers, 5 July 2024).
- SSRO funding adjustment: zero until 31 March 2017 (regulation 11 as made); published from
  1 April 2017; removed from 1 April 2024 (written statement of 15 March 2024).
- 2014/15 BPR: regulation 11(2)(a), 10.70% from 18 December 2014 until 31 March 2015.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

import udfs
from sscr.components import Component, aggregate_components
from sscr.errors import PricingInputError
from sscr.profit_rate import contract_profit_rate, contract_profit_rate_six_step, uses_six_steps
from sscr.rules import (RULES_FILE_ENV, RulesFileError, contract_kind, funding_adjustment_rule, incentive_cap,
                        profit_rate_steps, rule_table)

D = dt.date
JUNE_4, JUNE_5 = D(2026, 6, 4), D(2026, 6, 5)

# (date of agreement, contract kind, maximum incentive adjustment as a fraction)
CAPS = [(JUNE_4, "QDC", 0.02), (JUNE_5, "QDC", 0.10), (JUNE_4, "QSC", 0.02), (JUNE_5, "QSC", 0.02),
        (D(2024, 4, 1), "QDC", 0.02), (D(2027, 1, 1), "QDC", 0.10), (D(2027, 1, 1), "QSC", 0.02),
        ("2025/26", "QDC", 0.02), ("2027/28", "QDC", 0.10), ("2026/27", "QSC", 0.02)]


@pytest.mark.parametrize("when, kind, cap", CAPS)
def test_the_maximum_incentive_adjustment_by_date_and_contract_kind(when, kind, cap):
    got = incentive_cap(when, kind)
    assert got.limit == cap and got.dated
    first_day = when if isinstance(when, D) else D(int(when[:4]), 4, 1)
    assert ("(Amendment) Regulations 2026" in got.source) == (first_day >= JUNE_5)
    assert ("regulation 11(6)" in got.source) == (first_day < JUNE_5)


def test_without_a_date_the_cap_is_2pp_and_the_message_says_when_10_is_allowed():
    cap = incentive_cap(None)
    assert cap.limit == 0.02 and not cap.dated
    with pytest.raises(PricingInputError) as err:
        contract_profit_rate(0.0824, 0.0, 0.05, 0.01)
    message = str(err.value)
    assert "0..2 percentage points" in message and "regulation 11(6)" in message
    assert "on or after 5 June 2026 may have up to 10 percentage points" in message and "date of agreement" in message


def test_a_financial_year_across_5_june_2026_is_refused_for_a_qdc_but_not_a_qsc():
    with pytest.raises(PricingInputError, match="changed on 5 June 2026, within it: enter the day"):
        incentive_cap("2026/27", "QDC")
    assert incentive_cap("2026/27", "QSC").limit == 0.02


@pytest.mark.parametrize("day, kind, ia, ok", [
    (JUNE_4, "QDC", 0.02, True), (JUNE_4, "QDC", 0.0201, False), (JUNE_5, "QDC", 0.10, True),
    (JUNE_5, "QDC", 0.1001, False), (JUNE_5, "QSC", 0.02, True), (JUNE_5, "QSC", 0.03, False),
    (JUNE_5, None, 0.05, True),  # the default kind is a QDC
])
def test_the_four_steps_follow_the_cap_in_force(day, kind, ia, ok):
    if ok:
        r = contract_profit_rate(0.0856, 0.0, ia, 0.0, date_of_agreement=day, contract_kind=kind)
        assert r.incentive_adjustment == ia and r.contract_profit_rate == pytest.approx(0.0856 + ia, abs=1e-15)
    else:
        with pytest.raises(PricingInputError, match="maximum incentive adjustment for a qualifying"):
            contract_profit_rate(0.0856, 0.0, ia, 0.0, date_of_agreement=day, contract_kind=kind)


@settings(max_examples=150, deadline=None)
@given(day=st.dates(D(2014, 12, 18), D(2035, 12, 31)), kind=st.sampled_from(["QDC", "QSC"]),
       ia=st.floats(0, 0.1))
def test_an_incentive_adjustment_is_accepted_exactly_when_within_the_cap(day, kind, ia):
    cap = 0.10 if kind == "QDC" and day >= JUNE_5 else 0.02
    assert incentive_cap(day, kind).limit == cap
    try:
        contract_profit_rate(0.08, 0.0, ia, 0.0, date_of_agreement=day, contract_kind=kind)
        accepted = True
    except PricingInputError:
        accepted = False
    assert accepted == (ia <= cap + 1e-12)


@pytest.mark.parametrize("kind, canonical", [("QDC", "QDC"), ("qdc", "QDC"), (None, "QDC"), ("", "QDC"),
                                             ("qualifying defence contract", "QDC"), ("QSC", "QSC"),
                                             ("Qualifying sub-contract", "QSC"), ("subcontract", "QSC")])
def test_contract_kind_spellings(kind, canonical):
    assert contract_kind(kind) == canonical


@pytest.mark.parametrize("kind", ["prime sub", "Q", 1.0, True])
def test_other_contract_kinds_are_refused_by_name(kind):
    with pytest.raises(PricingInputError, match="contract kind .* is not known: use \"QDC\""):
        contract_kind(kind)


# --- the worksheet functions, called as Excel calls them ---------------------------------------------

def test_cpr_keeps_its_old_calls_and_takes_the_date_and_kind():
    assert udfs.CPR(0.0824, -0.25, 0.01, 0.0301) == pytest.approx(0.1019, abs=5e-7)
    assert udfs.CPR(0.0856, 0.0, 0.08, 0.01, None, None, dt.datetime(2026, 6, 5), "QDC") == pytest.approx(0.1756)
    assert udfs.CPR(0.0856, 0.0, 0.08, 0.01, None, None, dt.datetime(2026, 6, 4), None).startswith(
        "Error: incentive adjustment 0.08 is outside 0..2 percentage points")
    assert "qualifying sub-contract" in udfs.CPR(0.0856, 0.0, 0.08, 0.01, None, None, 46178.0, "QSC")
    steps = udfs.CPR_STEPS(0.0856, 0.0, 0.08, 0.01, None, None, dt.datetime(2026, 7, 1), "QDC")
    assert steps[3][2] == 0.08 and steps[-1][3] == pytest.approx(0.1756)


# Alternative pricing guidance v1.2, Example 7: formula components 1 (AC 50, IA 1.5pp) and 3 (AC 125, IA 0).
EXAMPLE_7 = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"],
             ["Component 1", "formula", 50.0, 0.08, 0.10, 0.015, 0.018, None],
             ["Component 2", "commercial", None, None, None, None, None, 25.0],
             ["Component 3", "formula", 125.0, 0.08, 0.20, 0.0, 0.02, None]]


@pytest.mark.parametrize("when, kind, pot", [
    (None, None, 2.75), (dt.datetime(2026, 6, 4), "QDC", 2.75), (dt.datetime(2026, 6, 5), "QDC", 16.75),
    (dt.datetime(2026, 7, 1), "QDC", 16.75), (dt.datetime(2026, 7, 1), "QSC", 2.75),
])
def test_the_contract_level_incentive_pot_uses_the_maximum_in_force(when, kind, pot):
    # (10 - 1.5)% x 50 + 10% x 125 = 16.75 for a QDC agreed from 5 June 2026; 2.75 at 2pp (Example 7).
    assert udfs.CONTRACT_IA_POT(EXAMPLE_7, when, kind) == pytest.approx(pot, abs=5e-10)
    table = udfs.AGGREGATION(EXAMPLE_7, when, kind)
    assert table[-4][4] == pytest.approx(pot, abs=5e-10)  # "Maximum contract level IA"
    assert table[-2][4] == pytest.approx(220.55 + pot, abs=5e-10)  # "Maximum price with the IA pot"
    assert udfs.CONTRACT_CRA_POT(EXAMPLE_7, when, kind) == udfs.CONTRACT_CRA_POT(EXAMPLE_7)
    assert udfs.CONTRACT_IA_POT(EXAMPLE_7) == pytest.approx(2.75, abs=5e-10)


def test_a_component_ia_above_the_cap_in_force_is_refused_by_the_pot_functions():
    rows = [list(r) for r in EXAMPLE_7]
    rows[1][5] = 0.05
    assert "maximum incentive adjustment" not in udfs.CONTRACT_IA_POT(rows)  # undated: the 2pp message
    assert udfs.CONTRACT_IA_POT(rows).startswith("Error: incentive adjustment at row 1 0.05 is outside 0..2")
    assert udfs.CONTRACT_IA_POT(rows, dt.datetime(2026, 6, 5), "QDC") == pytest.approx(0.05 * 50 + 0.1 * 125)


def test_aggregation_keeps_the_cap_it_used():
    comps = [Component("1", "formula", 50, 0.08, 0.10, 0.015, 0.018), Component("2", "commercial", price=25),
             Component("3", "formula", 125, 0.08, 0.20, 0, 0.02)]
    assert aggregate_components(comps).incentive_limit == 0.02
    assert aggregate_components(comps, date_of_agreement=JUNE_5).incentive_limit == 0.10


# --- four or six steps, and the SSRO funding adjustment --------------------------------------------

@pytest.mark.parametrize("day, steps, funding", [
    (D(2014, 12, 18), 6, "zero"), (D(2015, 3, 31), 6, "zero"), (D(2015, 4, 1), 6, "zero"),
    (D(2017, 3, 31), 6, "zero"), (D(2017, 4, 1), 6, "published"),
    (D(2024, 3, 31), 6, "published"), (D(2024, 4, 1), 4, "none"),
])
def test_steps_and_funding_adjustment_either_side_of_each_1_april(day, steps, funding):
    assert profit_rate_steps(day) == steps and uses_six_steps(day) == (steps == 6)
    assert funding_adjustment_rule(day).value == funding


def test_before_the_regulations_nothing_is_in_force():
    with pytest.raises(PricingInputError, match="before the Single Source Contract Regulations 2014"):
        profit_rate_steps(D(2014, 12, 17))


def test_an_amendment_is_priced_by_the_date_it_was_agreed():
    # A contract agreed on 1 March 2024 and amended on 1 May 2024: the amendment is priced with four steps.
    assert uses_six_steps(D(2024, 3, 1)) and not uses_six_steps(D(2024, 5, 1))
    with pytest.raises(PricingInputError, match="amendment agreed from 1 April 2024 to an older contract is "
                                                "priced with four steps"):
        contract_profit_rate_six_step(0.0829, 0.0, 0.0, None, 0.0, 0.01, date_of_agreement=D(2024, 5, 1))


@pytest.mark.parametrize("day, expected", [(D(2017, 3, 31), 0.0), (D(2017, 4, 1), 0.00025),
                                           (D(2021, 6, 1), 0.00057), (D(2024, 3, 31), 0.00038)])
def test_six_steps_look_up_the_funding_adjustment_in_force(day, expected):
    r = contract_profit_rate_six_step(0.0831, 0.1, 0.005, None, 0.0, 0.012, date_of_agreement=day)
    assert r.ssro_funding_adjustment == expected
    assert udfs.CPR_SIX_STEP(0.0831, 0.1, 0.005, None, 0.0, 0.012,
                             dt.datetime(day.year, day.month, day.day)) == pytest.approx(r.contract_profit_rate)


def test_six_steps_refuse_a_funding_adjustment_not_in_force_naming_both():
    message = udfs.CPR_SIX_STEP(0.0746, 0.0, 0.0, 0.0003, 0.0, 0.01, dt.datetime(2017, 4, 1))
    assert "0.0003 is not the one in force" in message and "0.025%" in message and "2017/18" in message
    assert "before 1 April 2017" in udfs.CPR_SIX_STEP(0.0895, 0.0, 0.0, 0.00025, 0.0, 0.01, dt.datetime(2017, 3, 31))
    assert udfs.CPR_SIX_STEP(0.0746, 0.0, 0.0, 0.00025, 0.0, 0.01, dt.datetime(2017, 4, 1)) == \
        pytest.approx(0.0746 - 0.00025 + 0.01)


def test_from_1_april_2024_the_funding_adjustment_does_not_exist():
    message = udfs.CPR_SIX_STEP(0.0824, 0.0, 0.0, None, 0.0, 0.01, dt.datetime(2024, 4, 1))
    assert "does not exist" in message and "four-step" in message and "supply" not in message.lower()


def test_the_old_six_step_call_without_a_date_is_unchanged():
    assert udfs.CPR_SIX_STEP(0.0831, 0.10, 0.005, 0.00057, 0.01, 0.012) == pytest.approx(0.10784, abs=5e-7)


def test_the_2014_15_bpr_either_side_of_31_march_2015():
    # Regulation 11(2)(a): 10.70% until 31 March 2015; 10.60% for 2015/16 (2015 review, Appendix 1).
    assert udfs.BPR(dt.datetime(2015, 3, 31)) == 0.107 and udfs.BPR(dt.datetime(2015, 4, 1)) == 0.106
    assert udfs.BPR(dt.datetime(2014, 12, 18)) == 0.107
    assert "before the Single Source Contract Regulations 2014" in udfs.BPR(dt.datetime(2014, 12, 17))


# --- unit slips ----------------------------------------------------------------------------------

@pytest.mark.parametrize("csa", [0.5, 0.75, -0.5, 0.999])
def test_a_capital_servicing_adjustment_of_50pp_or_more_is_a_unit_slip(csa):
    message = udfs.CPR(0.0824, 0.0, 0.0, csa)
    assert "50 percentage points or more" in message and f"did you mean {csa / 100:.10g}" in message


def test_a_capital_servicing_adjustment_just_under_50pp_is_accepted():
    assert udfs.CPR(0.0824, 0.0, 0.0, 0.4999) == pytest.approx(0.0824 + 0.4999)


@pytest.mark.parametrize("ia, hint", [(0.5, "0.005"), (0.1, "0.001"), (0.15, "0.0015")])
def test_an_incentive_adjustment_typed_as_points_gets_the_figure_it_may_mean(ia, hint):
    assert f"did you mean {hint}" in udfs.CPR(0.0824, 0.0, ia, 0.0)
    dated = udfs.CPR(0.0824, 0.0, ia, 0.0, None, None, dt.datetime(2026, 7, 1), "QDC")
    if ia <= 0.10:  # within a QDC's 10pp from 5 June 2026: a figure, not a slip
        assert dated == pytest.approx(0.0824 + ia)
    else:
        assert f"did you mean {hint}" in dated


# --- a user rules file ------------------------------------------------------------------------------

def test_a_user_rules_file_adds_a_later_change(tmp_path, monkeypatch):
    path = tmp_path / "rules.csv"
    path.write_text("rule,contract_kind,applies_from,value,source\n"
                    "maximum_incentive_adjustment,QSC,2027-04-01,5,Example amendment regulations 2027\n",
                    encoding="utf-8")
    assert incentive_cap(D(2027, 3, 31), "QSC", rules_file=path).limit == 0.02
    assert incentive_cap(D(2027, 4, 1), "QSC", rules_file=path).limit == 0.05
    monkeypatch.setenv(RULES_FILE_ENV, str(path))
    assert rule_table().at_day("maximum_incentive_adjustment", D(2027, 4, 1), "QSC").evidence == "user"


@pytest.mark.parametrize("text, match", [
    ("rule,applies_from\nmaximum_incentive_adjustment,2027-04-01\n", "header must be"),
    ("rule,applies_from,value\nmax_ia,2027-04-01,5\n", "rule 'max_ia' is not one of"),
    ("rule,applies_from,value\nmaximum_incentive_adjustment,1 April 2027,5\n", "not a date"),
    ("rule,applies_from,value\nmaximum_incentive_adjustment,2027-04-01,0.05%\n", "percentage points"),
    ("rule,applies_from,value\nprofit_rate_steps,2027-04-01,5\n", "must be one of 4, 6"),
    ("rule,contract_kind,applies_from,value\nmaximum_incentive_adjustment,QXC,2027-04-01,5\n", "contract kind"),
])
def test_a_bad_rules_file_is_refused_naming_the_rule(tmp_path, text, match):
    path = tmp_path / "rules.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError, match=match):
        rule_table(path)


# --- a portfolio (sscr price) ---------------------------------------------------------------------

def test_a_portfolio_takes_the_cap_from_each_rows_date_and_contract_kind(tmp_path):
    import pandas as pd

    from sscr.cli import main
    from sscr.portfolio import price_portfolio

    frame = pd.DataFrame({
        "allowable_costs": [1000.0] * 7,
        "date_of_agreement": [D(2026, 6, 4), D(2026, 6, 5), D(2026, 6, 5), "2026/27", "2026/27", "2027/28", None],
        "contract_kind": ["QDC", "QDC", "QSC", "QDC", "qsc", None, "QSC"],
        "bpr": [0.0856] * 7, "cra": [0.0] * 7, "ia": [0.05, 0.05, 0.05, 0.05, 0.01, 0.1, 0.01], "csa": [0.01] * 7})
    out = price_portfolio(frame)
    ok = out["error"].isna().tolist()
    assert ok == [False, True, False, False, True, True, True]
    assert out.loc[1, "contract_profit_rate"] == pytest.approx(0.0856 + 0.05 + 0.01)
    assert out.loc[5, "price"] == pytest.approx(1000 * (1 + 0.0856 + 0.1 + 0.01))
    assert "maximum incentive adjustment" in out.loc[0, "error"]
    assert "changed on 5 June 2026" in out.loc[3, "error"]
    bad = price_portfolio(frame.assign(contract_kind=["QXC"] + ["QDC"] * 6))
    assert "contract kind 'QXC' is not known" in bad.loc[0, "error"]
    # the same through the command line, from a CSV
    source = tmp_path / "portfolio.csv"
    source.write_text("allowable_costs,date_of_agreement,contract_kind,bpr,cra,ia,csa\n"
                      "1000,2026-06-04,QDC,0.0856,0,0.05,0.01\n1000,2026-06-05,QDC,0.0856,0,0.05,0.01\n"
                      "1000,2026-06-05,QSC,0.0856,0,0.02,0.01\n", encoding="utf-8")
    target = tmp_path / "priced.csv"
    assert main(["price", str(source), "--out", str(target)]) == 1  # one row refused
    priced = pd.read_csv(target)
    assert priced["error"].isna().tolist() == [False, True, True]
    assert priced.loc[1, "price"] == pytest.approx(1145.6)


def test_a_portfolio_without_date_or_kind_keeps_its_figures_and_messages():
    import pandas as pd

    from sscr.portfolio import price_portfolio

    frame = pd.DataFrame({"allowable_costs": [1000.0, 1000.0], "bpr": [0.0824, 0.0824], "cra": [-0.25, 0.0],
                          "ia": [0.01, 0.03], "csa": [0.0301, 0.0]})
    out = price_portfolio(frame)
    assert out.loc[0, "price"] == pytest.approx(1101.9)
    assert "0..2 percentage points" in out.loc[1, "error"] and "give the date of agreement" in out.loc[1, "error"]
