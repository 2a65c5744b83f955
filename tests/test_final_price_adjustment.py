"""The final price adjustment (regulations 16 and 17 of the Single Source Contract Regulations 2014,
as amended): a case in each band and on each boundary, each computed by hand from the regulation's
words, through the core and through the worksheet functions as Excel calls them.

Regulation 17(6): outturn profit = contract price - outturn costs; the outturn profit rate is the
outturn profit over the outturn costs; excess level n is the outturn profit at an outturn profit
rate of CPR + 5pp, 10pp, 15pp; the loss level is the excess of the outturn costs over the price at
an outturn profit rate of -5%.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import udfs
from sscr.errors import PricingInputError
from sscr.final_price_adjustment import final_price_adjustment
from sscr.rounding import PENNY

M = 1_000_000.0
COSTS = 100 * M  # outturn costs, pounds
CPR = 0.10


def hand(price: float, costs: float, cpr: float) -> float:
    """Regulation 17 in its own words, one paragraph at a time; the change to the price."""
    profit = price - costs
    difference = profit / costs - cpr
    level_1, level_2, level_3 = (costs * (cpr + pp / 100) for pp in (5, 10, 15))
    if costs > price:                                    # 17(5)
        excess = costs - price
        loss_level = price / 0.95 - price               # outturn costs at an outturn profit rate of -5%, less the price
        return 0.25 * min(excess, loss_level) + 0.50 * max(excess - loss_level, 0.0)
    if difference < 0.05 - 1e-12:                        # 17(1): no paragraph of (2)-(4) applies
        return 0.0
    if difference < 0.10 - 1e-12:                        # 17(2)
        return -0.25 * (profit - level_1)
    if difference < 0.15 - 1e-12:                        # 17(3)(a), (b)
        return -(0.50 * (profit - level_2) + 0.25 * (level_2 - level_1))
    return -(0.75 * (profit - level_3) + 0.50 * (level_3 - level_2) + 0.25 * (level_2 - level_1))  # 17(4)


# (case, contract price in £m, outturn costs in £m, CPR, the adjustment in £ worked out by hand, band)
CASES = [
    ("below the CPR: profit but no excess (17(1))", 105, 100, CPR, 0.0, 0),
    ("2pp above the CPR: under 5pp, no paragraph applies (17(1))", 112, 100, CPR, 0.0, 0),
    ("on the 5pp boundary: paragraph (2) applies to no profit above level 1", 115, 100, CPR, 0.0, 1),
    ("band 1: 8pp above, 25% of 3m above level 1 (17(2))", 118, 100, CPR, -750_000.0, 1),
    ("on the 10pp boundary: 25% of the 5m between levels 1 and 2 (17(3)(b))", 120, 100, CPR, -1_250_000.0, 2),
    ("band 2: 13pp above, 50% of 3m + 25% of 5m (17(3))", 123, 100, CPR, -2_750_000.0, 2),
    ("on the 15pp boundary: 50% of 5m + 25% of 5m (17(4)(b), (c))", 125, 100, CPR, -3_750_000.0, 3),
    ("band 3: 20pp above, 75% of 5m + 50% of 5m + 25% of 5m (17(4))", 130, 100, CPR, -7_500_000.0, 3),
    ("break even: no profit, no loss", 100, 100, CPR, 0.0, 0),
    ("loss within the loss level: 25% of 2m (17(5)(a))", 100, 102, CPR, 500_000.0, -1),
    ("loss on the loss level: 25% of 100m x 5/95 (17(5)(a))", 100, 100 / 0.95, CPR, 0.25 * 100 * M * 5 / 95, -1),
    ("loss beyond the loss level: 25% up to it, 50% above (17(5)(a), (b))", 100, 110, CPR,
     0.25 * 100 * M * 5 / 95 + 0.50 * (10 * M - 100 * M * 5 / 95), -1),
]


@pytest.mark.parametrize("case,price,costs,cpr,expected,band", CASES, ids=[c[0] for c in CASES])
def test_each_band_and_boundary_by_hand(case, price, costs, cpr, expected, band):
    r = final_price_adjustment(price * M, costs * M, cpr)
    assert math.isclose(hand(price * M, costs * M, cpr), expected, abs_tol=PENNY)
    assert r.adjustment == pytest.approx(expected, abs=PENNY)
    assert r.band == band
    assert r.adjusted_price == pytest.approx(price * M + expected, abs=PENNY)
    # the same in £m with the money unit, and through the worksheet function as Excel passes floats
    in_m = final_price_adjustment(float(price), float(costs), cpr, money_unit=M)
    assert in_m.adjustment * M == pytest.approx(expected, abs=PENNY)
    assert udfs.FPA(float(price), float(costs), cpr, M) * M == pytest.approx(expected, abs=PENNY)
    assert udfs.FPA(price * M, costs * M, cpr) == pytest.approx(expected, abs=PENNY)


def test_the_excess_levels_are_outturn_costs_at_the_cpr_plus_5_10_15_points():
    r = final_price_adjustment(130 * M, COSTS, CPR)                         # regulation 17(6)
    assert (r.excess_level_1, r.excess_level_2, r.excess_level_3) == pytest.approx((15 * M, 20 * M, 25 * M))
    assert r.outturn_profit == 30 * M and r.outturn_profit_rate == pytest.approx(0.30)
    assert (r.profit_band_1, r.profit_band_2, r.profit_band_3) == pytest.approx((5 * M, 5 * M, 5 * M))
    assert (r.decrease_band_1, r.decrease_band_2, r.decrease_band_3) == pytest.approx((1.25 * M, 2.5 * M, 3.75 * M))


def test_the_5m_threshold_of_regulation_16_1():
    # a contract worth exactly £5,000,000 qualifies ("of or above"); a penny less does not. Outturn
    # profit £1m on costs of £4m at a CPR of 0: levels at £0.2m, £0.4m, £0.6m, so 75% of £0.4m +
    # 50% of £0.2m + 25% of £0.2m comes off (17(4))
    costs = 4_000_000.0
    at = final_price_adjustment(5_000_000.0, costs, 0.0, contract_value=5_000_000.0)
    assert at.meets_value_threshold and at.adjustment == pytest.approx(-(0.75 * 400_000 + 0.5 * 200_000 + 0.25 * 200_000))
    below = final_price_adjustment(5_000_000.0, costs, 0.0, contract_value=4_999_999.99)
    assert not below.meets_value_threshold and below.adjustment == 0.0
    assert below.calculated_adjustment == pytest.approx(-450_000.0)
    assert any("16(1)" in n for n in below.notes)


def test_the_250000_minimum_of_regulation_16_4():
    # 25% of £1m above excess level 1 is exactly £250,000: made ("at least"); 25% of £0.99m is not
    exact = final_price_adjustment(58.5 * M, 50 * M, CPR)
    assert exact.meets_minimum and exact.adjustment == pytest.approx(-250_000.0, abs=PENNY)
    short = final_price_adjustment(58.49 * M, 50 * M, CPR)
    assert short.calculated_adjustment == pytest.approx(-247_500.0) and short.adjustment == 0.0
    assert any("16(4)" in n for n in short.notes)
    # and in £m through the worksheet function
    assert udfs.FPA(58.49, 50.0, CPR, M) == 0.0


def test_only_firm_fixed_and_volume_driven_prices_are_adjusted():
    for method in ("firm", "fixed", "volume-driven", "Volume driven"):
        assert final_price_adjustment(130 * M, COSTS, CPR, method=method).adjustment == pytest.approx(-7.5 * M)
    cost_plus = final_price_adjustment(130 * M, COSTS, CPR, method="cost-plus")
    assert cost_plus.adjustment == 0.0 and not cost_plus.qualifying_method
    assert any("16(1)" in n for n in cost_plus.notes)
    with pytest.raises(PricingInputError, match="not a contract pricing method"):
        final_price_adjustment(130 * M, COSTS, CPR, method="guesswork")


def test_a_direction_is_possible_below_50m():
    small = final_price_adjustment(26 * M, 20 * M, CPR)
    assert small.direction_possible and small.adjustment != 0
    assert any("s.21(5)(b)" in n for n in small.notes)
    assert not final_price_adjustment(130 * M, COSTS, CPR).direction_possible


def test_pounds_given_as_millions_are_said_not_a_bare_zero():
    text = udfs.FPA(130.0, 100.0, CPR)
    assert isinstance(text, str) and "16(1)" in text and "money_unit" in text
    # with the unit given the cell is a number, and a genuinely small contract with the unit is 0
    assert udfs.FPA(130.0, 100.0, CPR, M) == pytest.approx(-7.5)
    assert udfs.FPA(4.0, 3.0, CPR, M) == 0.0


def test_fpa_steps_spills_every_figure_with_its_paragraph():
    rows = udfs.FPA_STEPS(130 * M, COSTS, CPR)
    assert rows[0] == ["Figure", "Value", "Regulation"]
    labels = {r[0]: r for r in rows[1:]}
    assert labels["Excess level 3 (CPR + 15pp)"][1] == pytest.approx(25 * M)
    assert "17(6)" in labels["Excess level 3 (CPR + 15pp)"][2]
    assert labels["Final price adjustment"][1] == pytest.approx(-7.5 * M)
    assert all(isinstance(r[1], (float, int, bool, str)) for r in rows[1:])
    assert all(r[2] for r in rows[1:] if r[0] not in ("Note",))


@pytest.mark.parametrize("args,match", [
    ((None, 100.0, 0.1), "contract price is empty"),
    ((130.0, 0.0, 0.1), "outturn costs 0 must be above zero"),
    ((130.0, 100.0, 10.0), "not a rate"),
    ((130.0, "100", 0.1), "outturn costs is text"),
    ((130.0, 100.0, 0.1, -1.0), "money unit -1 must be above zero"),
    ((130.0, 100.0, 0.1, None, None, "bespoke"), "not a contract pricing method"),
])
def test_bad_inputs_name_the_input(args, match):
    out = udfs.FPA(*args)
    assert isinstance(out, str) and out.startswith("Error: ") and match in out
    steps = udfs.FPA_STEPS(*args)
    assert steps[0][0].startswith("Error: ")


def test_arrays_give_the_scalar_figures():
    prices = np.array([c[1] for c in CASES], dtype=float) * M
    costs = np.array([c[2] for c in CASES], dtype=float) * M
    r = final_price_adjustment(prices, costs, CPR)
    for i, case in enumerate(CASES):
        one = final_price_adjustment(float(prices[i]), float(costs[i]), CPR)
        assert r.adjustment[i] == one.adjustment and int(r.band[i]) == one.band


money = st.floats(min_value=10 * M, max_value=1e10, allow_nan=False)
rates = st.floats(min_value=-0.05, max_value=0.3, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(costs=money, cpr=rates, profit_rate=st.floats(min_value=-0.5, max_value=0.6))
def test_the_regulation_by_hand_for_any_contract(costs, cpr, profit_rate):
    price = costs * (1 + profit_rate)
    r = final_price_adjustment(price, costs, cpr)
    assert r.calculated_adjustment == pytest.approx(hand(price, costs, cpr), rel=1e-9, abs=1e-3)
    # a loss raises the price, an excess lowers it, and neither ever moves it past break even
    assert (r.calculated_adjustment >= 0) == (r.calculated_adjustment == 0 or costs > price)
    assert r.calculated_adjustment <= max(costs - price, 0.0) + 1e-6


@settings(max_examples=200, deadline=None)
@given(costs=money, cpr=rates, a=st.floats(min_value=-0.5, max_value=0.6), b=st.floats(min_value=-0.5, max_value=0.6))
def test_the_bands_join_up_and_more_profit_never_means_a_higher_price(costs, cpr, a, b):
    low, high = sorted((a, b))
    r_low = final_price_adjustment(costs * (1 + low), costs, cpr)
    r_high = final_price_adjustment(costs * (1 + high), costs, cpr)
    # the price after the adjustment rises with the price agreed: the shares are below 100%
    assert r_high.contract_price + r_high.calculated_adjustment >= r_low.contract_price + r_low.calculated_adjustment - 1e-3
    # and the adjustment changes by at most 75% of the change in price (continuous across the boundaries)
    change = abs(r_high.calculated_adjustment - r_low.calculated_adjustment)
    assert change <= 0.75 * (r_high.contract_price - r_low.contract_price) + 1e-3


FPA_ARGS = ["contract_price", "outturn_costs", "contract_profit_rate", "money_unit", "contract_value", "pricing_method"]


@pytest.mark.parametrize("name", ["FPA", "FPA_STEPS"])
def test_names_and_argument_order_are_pinned(name):
    import inspect

    from udfs.edge import REGISTRY, WIZARD_LIMIT
    fn = getattr(udfs, name)
    params = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in params] == FPA_ARGS
    assert [p.name for p in params if p.default is inspect.Parameter.empty] == FPA_ARGS[:3]
    assert REGISTRY[name] is fn and name in udfs.__all__
    assert fn.__doc__ and len(fn.__doc__) <= WIZARD_LIMIT and "\n" not in fn.__doc__
