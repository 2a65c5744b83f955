"""Capital servicing adjustment: Appendix B arithmetic, warnings, and figures from the accounts."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sscr.capital_servicing import (BalanceSheet, capital_employed_from_balance_sheets,
                                    capital_servicing_adjustment, capital_servicing_from_accounts,
                                    cost_of_production_from_accounts)
from sscr.errors import CapitalServicingWarning, PricingInputError
from sscr.rounding import round_half_up

RATES = [0.0326, 0.0310, 0.0161]


def test_computation_4_equals_computation_5():
    for fc, wc in [(3e6, 1e6), (3e6, -5e5), (1.5e6, -2.5e6), (0.0, 2e6)]:
        r = capital_servicing_adjustment(fc, wc, 6e6, RATES)
        assert r.adjustment == pytest.approx(r.combined_elements, rel=1e-12, abs=1e-15)


def test_zero_or_negative_result_warns_and_is_still_computed():
    with pytest.warns(CapitalServicingWarning, match="6.16"):
        r = capital_servicing_adjustment(0.0, -3e6, 6e6, RATES)
    assert r.adjustment == pytest.approx(-3e6 * 0.0161 / 6e6)
    assert r.notes and "double check" in r.notes[0]


def test_positive_result_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert capital_servicing_adjustment(3e6, 1e6, 6e6, RATES).notes == ()


def test_zero_cost_is_refused_and_zero_capital_employed_computes_by_computation_5():
    # computation 5 needs no capital employed: (1m x fixed rate - 1m x negative rate) / 6m
    r = capital_servicing_adjustment(1e6, -1e6, 6e6, RATES)
    assert r.adjustment == pytest.approx((RATES[0] - RATES[2]) / 6)
    with pytest.raises(PricingInputError, match="cost of production 0 must be above zero"):
        capital_servicing_adjustment(1e6, 1e6, 0, RATES)


def test_capital_employed_must_agree_when_both_are_given():
    with pytest.raises(PricingInputError, match="does not equal fixed capital plus working capital"):
        capital_servicing_adjustment(3e6, 1e6, 6e6, RATES, capital_employed=5e6)


def test_arrays():
    r = capital_servicing_adjustment(np.array([3e6, 3e6, 3e6, 1.5e6]), np.array([1e6, 1.5e6, -5e5, -2.5e6]),
                                     np.full(4, 6e6), RATES)
    # 2.405% rounds half-up to the printed 2.41% (numpy's round would give 2.4).
    assert [round_half_up(v * 100, 2) for v in r.adjustment] == [2.15, 2.41, 1.5, 0.14]


def sheet(assets, liabilities, interest, fixed, **kw):
    return BalanceSheet(assets, liabilities, interest, fixed, **kw)


def test_capital_employed_from_balance_sheets():
    # Opening: 10m assets (incl. 1m goodwill), 7m liabilities of which 3m interest-bearing and 0.5m
    # deferred tax: CE = (10 - 1) - (7 - 3 - 0.5) = 5.5m. Closing: 12m, 8m, 3m, no exclusions: 7m.
    opening = sheet(10e6, 7e6, 3e6, 4e6, excluded_assets={"goodwill": 1e6}, excluded_liabilities={"deferred_tax": 0.5e6})
    closing = sheet(12e6, 8e6, 3e6, 4.4e6)
    ce = capital_employed_from_balance_sheets([opening, closing])
    assert ce.positions == (5.5e6, 7e6)
    assert ce.capital_employed == 6.25e6 and ce.fixed_capital == 4.2e6
    assert ce.working_capital == pytest.approx(2.05e6)


def test_cost_of_production_is_annualised():
    cp = cost_of_production_from_accounts(9e6, 1e6, {"borrowing_costs": 0.2e6}, period_months=6)
    assert cp.period_cost == 7.8e6 and cp.annual_cost == 15.6e6
    loss = cost_of_production_from_accounts(5e6, -1e6)
    assert loss.annual_cost == 6e6  # a loss adds to the cost of production


def test_capital_servicing_from_accounts_matches_direct_figures():
    positions = [sheet(5e6, 2e6, 1e6, 3e6), sheet(5e6, 2e6, 1e6, 3e6)]  # CE 4m, FC 3m, WC 1m
    result = capital_servicing_from_accounts(positions, 7e6, 1e6, RATES)
    direct = capital_servicing_adjustment(3e6, 1e6, 6e6, RATES)
    assert result.adjustment == pytest.approx(float(direct.adjustment), rel=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda: capital_employed_from_balance_sheets([sheet(1, 0, 0, 0)]), "at least the opening and closing"),
    (lambda: capital_employed_from_balance_sheets([sheet(1e6, 1e5, 2e5, 0)] * 2), "exceed total liabilities"),
    (lambda: capital_employed_from_balance_sheets([sheet(1e6, 1e5, 0, 0, excluded_assets={"brand": 1})] * 2),
     "not one of the itemised exclusions"),
    (lambda: capital_employed_from_balance_sheets([sheet(1e6, 1e5, 0, 0, excluded_assets={"goodwill": 2e6})] * 2),
     "excluded assets"),
    (lambda: cost_of_production_from_accounts(1e6, 2e6), "must be above zero"),
    (lambda: cost_of_production_from_accounts(1e6, 0, period_months=0), "period in months"),
])
def test_bad_accounts(call, words):
    with pytest.raises(PricingInputError, match=words):
        call()
