"""Inputs the regulations and guidance allow, accepted and answered with their reason: the government
owned contractor rate with step 4 set as guidance 6.19 says, capital employed of exactly zero
(Appendix B computation 5), POCO figures in £m with no money unit (I.8.1(c)), the further group
sub-contract below an out-of-scope one (I.8.2(b)), and the stage 4 reading when BPRs differ (I.4.5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import udfs
from sscr import PricingInputError, SupplyChainContract as C, capital_servicing_adjustment, contract_profit_rate
from sscr.poco import poco_adjustment
from sscr.rounding import RATE_2DP, round_half_up

RATES_2024 = [0.0326, 0.0310, 0.0161]


# --- guidance 6.19: "the parties should set the value at step 4 such that ... the resulting amount is zero"

@pytest.mark.parametrize("gocr, cra, ia", [(0.0, 0.0, 0.01), (0.0, 0.25, 0.02), (0.0, -0.25, 0.005)])
def test_gocr_step_4_set_to_bring_the_rate_to_zero_is_accepted(gocr, cra, ia):
    after_step_3 = gocr + gocr * cra + ia
    r = contract_profit_rate(gocr, cra, ia, -after_step_3, rate_type="GOCR")
    assert r.contract_profit_rate == 0.0 and r.capital_servicing_adjustment == -after_step_3
    assert udfs.CPR(gocr, cra, ia, -after_step_3, "GOCR") == 0.0
    assert udfs.CPR_STEPS(gocr, cra, ia, -after_step_3, "GOCR")[-1][3] == 0.0


def test_gocr_step_4_that_does_not_bring_the_rate_to_zero_is_refused_with_the_figure_that_would():
    with pytest.raises(PricingInputError, match=r"guidance 6.19\), here by -0.01"):
        contract_profit_rate(0.0, 0.0, 0.01, -0.02, rate_type="GOCR")
    assert udfs.CPR(0.0, 0.0, 0.01, 0.01, "GOCR").startswith("Error: capital servicing adjustment 0.01")


def test_gocr_arrays_accept_the_figure_row_by_row():
    ia = np.array([0.0, 0.01, 0.02])
    r = contract_profit_rate(np.zeros(3), np.zeros(3), ia, -ia, rate_type="GOCR")
    assert np.all(r.contract_profit_rate == 0.0)


# --- Appendix B computation 5 with capital employed of exactly zero ---------------------------------

def test_zero_capital_employed_computes_by_computation_5():
    # fixed 1m, working -1m, cost of production 5m: (1m x 3.26% - 1m x 1.61%) / 5m = 0.33%
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = capital_servicing_adjustment(1_000_000, -1_000_000, 5_000_000, RATES_2024)
    assert r.capital_employed == 0
    assert round_half_up(r.adjustment * 100, 4) == 0.33
    assert r.adjustment == pytest.approx((0.0326 - 0.0161) / 5)
    assert any("capital employed is zero" in n for n in r.notes)
    assert abs(udfs.CSA(1e6, -1e6, 5e6, RATES_2024) - 0.0033) < RATE_2DP
    steps = udfs.CSA_STEPS(1e6, -1e6, 5e6, RATES_2024)
    assert steps[-1][0] == "Note" and "computation 5" in steps[-1][1]


def test_zero_capital_employed_joins_up_with_capital_employed_of_one_pound():
    zero = capital_servicing_adjustment(1_000_000, -1_000_000, 5_000_000, RATES_2024).adjustment
    one = capital_servicing_adjustment(1_000_000, -999_999, 5_000_000, RATES_2024).adjustment
    assert round_half_up(one * 100, 4) == round_half_up(zero * 100, 4) == 0.33


def test_zero_capital_employed_in_an_array_row_and_the_other_rows_unchanged():
    fc = np.array([1e6, 3e6])
    wc = np.array([-1e6, 1e6])
    cp = np.array([5e6, 6e6])
    r = capital_servicing_adjustment(fc, wc, cp, RATES_2024)
    assert r.adjustment[0] == pytest.approx(0.0033)
    assert r.adjustment[1] == capital_servicing_adjustment(3e6, 1e6, 6e6, RATES_2024).adjustment


# --- POCO: the value test in £m with no money unit (I.8.1(c)) ---------------------------------------

HEADER = ["name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa"]
I7 = [HEADER, ["PC", None, 200.0, 0.08, 0.0, 0.0, 0.015], ["SC1", "PC", 50.0, 0.08, 0.25, 0.0, 0.02],
      ["SC2", "SC1", 25.0, 0.08, 0.10, 0.0, 0.01]]


def test_poco_in_millions_without_a_money_unit_says_why_it_is_zero():
    out = udfs.POCO(I7)
    assert isinstance(out, str) and "value test alone" in out and "money_unit" in out and "I.8.1(c)" in out
    stages = udfs.POCO_STAGES(I7)
    assert stages[-1][0] == "Note" and "value test alone" in stages[-1][1]
    assert udfs.POCO(I7, 1_000_000) == pytest.approx(8.745, abs=0.0005)


def test_poco_with_the_money_unit_given_is_a_number_even_when_zero():
    assert udfs.POCO(I7, 1.0) == 0.0  # the unit says pounds: £56 sub-contracts are genuinely out of scope


def test_poco_with_nothing_out_of_scope_by_value_alone_has_no_note():
    competed = [HEADER + ["competed"], I7[1] + [None], I7[2] + [True], I7[3] + [True]]
    assert udfs.POCO(competed) == 0.0
    assert poco_adjustment(competed).notes == ()


# --- I.8.2(b): a further group sub-contract below an out-of-scope one --------------------------------

def chain(**sc1):
    base = dict(name="SC1", parent="PC", own_allowable_costs=50, bpr=0.08, cra=0.25, ia=0.0, csa=0.02)
    base.update(sc1)
    return [C("PC", None, 200, 0.08, 0.0, 0.0, 0.015), C(**base), C("SC2", "SC1", 25, 0.08, 0.10, 0.0, 0.01)]


@pytest.mark.parametrize("sc1, sc1_words", [
    (dict(competed=True), "I.8.1(d)"),
    (dict(pricing_method="commercial"), "I.8.1(e)"),
    (dict(bpr=None, cra=None, ia=None, csa=None, profit_rate=0.0), "I.8.1(a)"),
])
def test_literal_reading_keeps_an_associated_uncompeted_sub_contract_below_an_out_of_scope_one(sc1, sc1_words):
    r = poco_adjustment(chain(**sc1), money_unit=1e6)
    assert not r.contract("SC1").in_scope and sc1_words in r.contract("SC1").reason
    sc2 = r.contract("SC2")
    assert sc2.in_scope and "I.8.2(b)" in sc2.reason
    # SC2's own profit, less its capital servicing: SC2's CRA 10% is above the prime's 0%, so the
    # premium 25 x 8% x 10% is kept (stage 4): 25 x 8.8% ... only its profit beyond that comes off
    assert r.deduction == pytest.approx(25 * (0.088 + 0.01) - 25 * 0.01 - 25 * 0.08 * 0.10)


def test_below_a_contract_with_an_unassociated_person_is_out_of_scope():
    # both readings agree here: SC2 is bought by SC1's supplier, who is not associated (I.8.2(b))
    r = poco_adjustment(chain(associated=False), money_unit=1e6)
    assert not r.contract("SC1").in_scope and "I.8.1(b)" in r.contract("SC1").reason
    assert not r.contract("SC2").in_scope and "I.8.2(b)" in r.contract("SC2").reason
    assert r.deduction == 0.0


def test_both_in_scope_is_the_i7_example_either_way():
    r = poco_adjustment(chain(), money_unit=1e6)
    assert [c.in_scope for c in r.contracts] == [False, True, True]
    assert round_half_up(r.deduction, 2) == 8.75 and r.notes == ()


# --- I.4.5: the stage 4 reading when the BPRs differ -------------------------------------------------

def test_stage_4_with_differing_bprs_says_which_reading_it_uses():
    r = poco_adjustment(chain(bpr=0.10), money_unit=1e6)
    sc1 = r.contract("SC1")
    # own costs x BPR_sub x (CRA_sub - CRA_prime), not (BPR_sub x CRA_sub - BPR_prime x CRA_prime)
    assert sc1.stage4_appropriate_profit == pytest.approx(sc1.stage4_own_costs * 0.10 * 0.25)
    assert any("I.4.5" in n and "SC1" in n for n in r.notes)
    rows = udfs.POCO_STAGES([HEADER, I7[1], ["SC1", "PC", 50.0, 0.10, 0.25, 0.0, 0.02], I7[3]], 1e6)
    assert any(row[0] == "Note" and "I.4.5" in row[1] for row in rows)
