"""The alternative pricing methods in full (regulations 19A-19G; alternative pricing guidance v1.2):
commercial pricing from several observed prices (19A(5), 3.18-3.19), CRUV with the framework's
escalation (7.6), the previously agreed price split at conversion (5.12, 5.16-5.17), the novation
conditions (6.4) and the open market test (3.15-3.16), the -25% starting point of the CRA for
cost-plus and estimate-based fee (baseline profit rate guidance 4.14), a government owned contractor
rate component (6.18-6.19) and agreed changes to the contract profit rate (19F; 8.4-8.5), through the
core and the worksheet functions as Excel calls them."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import udfs
from sscr.alternative_pricing import (commercial_price, commercial_price_from_observations, cruv_lines, cruv_price,
                                      novation_conditions, open_market_test, previously_agreed_price)
from sscr.components import Component, aggregate_components, cra_starting_point
from sscr.errors import PricingInputError
from udfs.edge import REGISTRY, WIZARD_LIMIT

PINNED = {
    "COMMERCIAL_PRICE": (["observed_prices", "weights", "adjustments"], 1),
    "COMMERCIAL_PRICE_STEPS": (["observed_prices", "weights", "adjustments"], 1),
    "CPR_CHANGE": (["allowable_costs", "agreed_cpr", "corrected_cpr", "added_incentive", "existing_incentive"], 2),
    "PREVIOUSLY_AGREED_PRICE": (["provided_price", "unprovided_agreed_price", "unprovided_redetermined_price"], 1),
    "NOVATION_CHECK": (["replaced", "same_purpose", "a_was_qdc", "common_party", "new_party", "identical"], 6),
    "OPEN_MARKET_CHECK": (["buyers", "sellers"], 2),
}


@pytest.mark.parametrize("name", PINNED)
def test_names_and_argument_order_are_pinned(name):
    fn = getattr(udfs, name)
    params = list(inspect.signature(fn).parameters.values())
    names, required = PINNED[name]
    assert [p.name for p in params] == names
    assert [p.name for p in params if p.default is inspect.Parameter.empty] == names[:required]
    assert REGISTRY[name] is fn and name in udfs.__all__
    assert fn.__doc__ and len(fn.__doc__) <= WIZARD_LIMIT and "\n" not in fn.__doc__


# --- regulation 19A(5); guidance 3.18-3.19: a range of observed prices -----------------------------

def test_several_observed_prices_give_their_weighted_average_then_the_table_2_adjustments():
    r = commercial_price_from_observations([1000.0, 1100.0, 1060.0], [1, 1, 2], {"economic conditions": 15.0})
    # (1000 + 1100 + 2 x 1060) / 4 = 1055, then + 15 for economic conditions (Table 2)
    assert r.observed_price == pytest.approx(1055.0) and r.price == pytest.approx(1070.0)
    assert (r.lowest, r.highest) == (1000.0, 1100.0) and r.notes == ()
    assert udfs.COMMERCIAL_PRICE([[1000.0], [1100.0], [1060.0]], [[1.0], [1.0], [2.0]],
                                 [["factor", "amount"], ["economic conditions", 15.0]]) == pytest.approx(1070.0)


def test_equal_weights_when_none_given_and_one_price_is_the_single_method():
    assert commercial_price_from_observations([90.0, 110.0]).observed_price == 100.0
    one = commercial_price_from_observations([1000.0], adjustments={"volume": -50.0})
    assert one.price == commercial_price(1000.0, {"volume": -50.0}).price
    assert "19A(5)" in one.notes[0]
    assert udfs.COMMERCIAL_PRICE([[90.0, 110.0]]) == 100.0  # a row works as a column does
    assert udfs.COMMERCIAL_PRICE([[90.0], [None], [110.0]]) == 100.0  # empty cells are left out


@pytest.mark.parametrize("args, words", [
    (([], None), "observed prices are empty"),
    (([100.0, 200.0], [1.0]), "weights hold 1 values and observed prices 2"),
    (([100.0, 200.0], [0.0, 0.0]), "weights are all zero"),
    (([100.0, 200.0], [1.0, -1.0]), "weights at row 2 -1 is negative"),
    (([-5.0], None), "observed prices at row 1 -5 is negative"),
])
def test_bad_observed_prices_are_refused_by_name(args, words):
    with pytest.raises(PricingInputError, match=words):
        commercial_price_from_observations(*args)


def test_commercial_adjustments_only_from_table_2_and_each_once():
    out = udfs.COMMERCIAL_PRICE([[100.0]], None, [["goodwill", 5.0]])
    assert out.startswith("Error: adjustment factor 'goodwill' is not in Table 2")
    out = udfs.COMMERCIAL_PRICE([[100.0]], None, [["volume", 5.0], ["volume", 1.0]])
    assert "given twice" in out and "3.20" in out


def test_commercial_price_steps_spill_every_observation_and_adjustment():
    rows = udfs.COMMERCIAL_PRICE_STEPS([[1000.0], [1100.0]], [[3.0], [1.0]], [["volume", -25.0]])
    labels = [r[0] for r in rows]
    assert labels[:3] == ["Figure", "Observed price 1 (weight 3)", "Observed price 2 (weight 1)"]
    assert rows[-1] == ["Commercial price", pytest.approx(1000.0), "regulation 19A(6)"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=12),
       st.lists(st.floats(min_value=0.01, max_value=10), min_size=12, max_size=12))
def test_the_weighted_observed_price_lies_within_the_range(prices, weights):
    r = commercial_price_from_observations(prices, weights[:len(prices)])
    assert r.lowest - 1e-6 <= r.observed_price <= r.highest + 1e-6


# --- regulation 19E; guidance 7.6: the framework agreement's escalation ----------------------------

def test_cruv_with_the_framework_escalation_factor():
    # 10 x 125 x 1.03 + 4 x 80.5 x 1.03
    assert cruv_price([10, 4], [125.0, 80.5], 1.03) == pytest.approx((1250 + 322) * 1.03)
    lines = cruv_lines([10, 4], [125.0, 80.5], [1.0, 1.1])
    assert lines.escalated_rates == pytest.approx((125.0, 88.55)) and lines.price == pytest.approx(1250 + 354.2)
    assert udfs.CRUV([[10.0], [4.0]], [[125.0], [80.5]], [[1.0], [1.1]]) == pytest.approx(1604.2)
    # without escalation, the figures are as before
    assert udfs.CRUV([[10.0], [4.0]], [[125.0], [80.5]]) == 1572.0 == udfs.CRUV([[10.0], [4.0]], [[125.0], [80.5]], None)


@pytest.mark.parametrize("escalation, words", [(0.0, "must be above zero"), ([[1.0], [1.0], [1.0]], "one factor for all"),
                                               ("3%", "is text")])
def test_cruv_escalation_refused_with_the_rule(escalation, words):
    out = udfs.CRUV([[10.0], [4.0]], [[125.0], [80.5]], escalation)
    assert out.startswith("Error: ") and words in out


# --- regulation 19C; guidance 5.12, 5.16-5.17: the previously agreed price at conversion ------------

def test_previously_agreed_price_keeps_or_redetermines_the_unprovided_part():
    kept = previously_agreed_price(600.0, 400.0)
    assert kept.total == 1000.0 and "5.12(b)(i)" in kept.election
    assert kept.provided.method == kept.unprovided.method == "previously agreed"
    redone = previously_agreed_price(600.0, 400.0, unprovided_redetermined_price=380.0, unprovided_method="firm")
    assert redone.total == 980.0 and redone.unprovided.method == "firm" and "5.12(b)(ii)" in redone.election
    only = previously_agreed_price(600.0)
    assert only.total == 600.0 and only.unprovided is None
    rows = udfs.PREVIOUSLY_AGREED_PRICE(600.0, 400.0, 380.0)
    assert rows[-1] == ["Total", "re-determined (5.12(b)(ii))", 980.0]
    with pytest.raises(PricingInputError, match="5.12\\(b\\)"):
        previously_agreed_price(600.0, None, unprovided_redetermined_price=380.0)


def test_the_two_parts_are_components_of_an_aggregation():
    r = previously_agreed_price(600.0, 400.0)
    a = aggregate_components([r.provided, r.unprovided, Component("new", "formula", 100, 0.08, 0, 0, 0.01)])
    assert a.total_component_price == pytest.approx(1000.0 + 109.0)


# --- regulation 19D; guidance 6.4: novation; 3.15-3.16: open market --------------------------------

def test_novation_needs_all_six_conditions_of_6_4():
    assert novation_conditions(True, True, True, True, True, True).met
    for k in range(6):
        given_ = [True] * 6
        given_[k] = False
        c = novation_conditions(*given_)
        assert not c.met and c.unmet[0][0] == f"6.4({'abcdef'[k]})"
        with pytest.raises(PricingInputError, match=r"6\.4\(" + "abcdef"[k]):
            c.require()
    assert udfs.NOVATION_CHECK(True, True, True, True, True, True).endswith("every condition is met (6.4(a), 6.4(b), "
                                                                          "6.4(c), 6.4(d), 6.4(e), 6.4(f))")
    assert "6.4(c)" in udfs.NOVATION_CHECK(True, True, False, True, True, True)
    assert "6.4(f)" in udfs.NOVATION_CHECK(True, True, True, True, True, None)  # empty: not shown to hold
    assert udfs.NOVATION_CHECK(True, True, True, True, True, "perhaps").startswith("Error: ")


@pytest.mark.parametrize("buyers, sellers, met", [(2, 1, True), (1, 3, True), (1, 1, False), (0, 0, False), (5, 5, True)])
def test_open_market_needs_more_than_one_buyer_or_seller(buyers, sellers, met):
    c = open_market_test(buyers, sellers)
    assert c.met is met
    out = udfs.OPEN_MARKET_CHECK(float(buyers), float(sellers))
    assert ("every condition is met" in out) is met and "3.16" in out


def test_open_market_counts_are_whole_numbers():
    assert udfs.OPEN_MARKET_CHECK(1.5, 2.0).startswith("Error: buyers 1.5 must be a whole number")


# --- baseline profit rate guidance 4.14: the -25% starting point -------------------------------------

@pytest.mark.parametrize("method, start", [("cost-plus", -0.25), ("Cost plus", -0.25), ("estimate-based fee", -0.25),
                                           ("estimate based fee", -0.25), ("firm", None), ("formula", None)])
def test_the_cra_starting_point_by_method(method, start):
    assert cra_starting_point(method) == start


def test_the_starting_point_is_shown_where_cost_plus_or_estimate_based_fee_is_chosen():
    a = aggregate_components([Component("A", "cost-plus", 100, 0.08, -0.25, 0, 0.01),
                              Component("B", "estimate-based fee", 100, 0.08, 0.0, 0, 0.01),
                              Component("C", "firm", 100, 0.08, 0.1, 0, 0.01)])
    assert len(a.notes) == 2 and all("4.14" in n for n in a.notes)
    assert "above it" not in a.notes[0] and "above it" in a.notes[1] and "4.24" in a.notes[1]
    table = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa"],
             ["A", "cost-plus", 100.0, 0.08, -0.25, 0.0, 0.01], ["C", "firm", 100.0, 0.08, 0.1, 0.0, 0.01]]
    rows = udfs.AGGREGATION(table)
    assert rows[-1][0] == "Note" and "4.14" in rows[-1][1]


# --- guidance 6.18-6.19: a government owned contractor rate component --------------------------------

def test_a_gocr_component_in_the_components_table():
    table = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "rate_type"],
             ["1", "formula", 50.0, 0.08, 0.25, 0.0, 0.0173, None],
             ["G", "formula", 10.0, 0.0, 0.0, 0.01, None, "GOCR"],
             ["H", "formula", 10.0, 0.0, 0.0, 0.01, -0.01, "GOCR"]]
    a = aggregate_components(table)
    g, h = a.components[1], a.components[2]
    assert g.contract_profit_rate == 0.0 == h.contract_profit_rate and g.price == 10.0 == h.price
    assert a.total_component_price == pytest.approx(50 * 1.1173 + 20)
    bad = table[:3] + [["H", "formula", 10.0, 0.0, 0.0, 0.01, 0.02, "GOCR"]]
    assert udfs.AGGREGATION(bad)[0][0].startswith("Error: component H: capital servicing adjustment 0.02")
    # without a GOCR row the figures are as before (Example 6)
    ex6 = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"],
           ["1", "formula", 50.0, 0.08, 0.25, 0.0, 0.0173, None], ["2", "commercial", None, None, None, None, None, 50.0],
           ["3", "formula", 100.0, 0.08, -0.10, 0.0, 0.0141, None]]
    assert udfs.CONTRACT_CRA_POT(ex6) == pytest.approx(2.8)


# --- regulation 19F; guidance 8.4-8.5: agreed changes to the contract profit rate ---------------------

def test_cpr_change_for_an_error_or_an_added_incentive():
    # an error: BPR 8.24% used where 8.56% applied, on £1m of allowable costs: + £3,200
    assert udfs.CPR_CHANGE(1_000_000.0, 0.1019, 0.1051) == pytest.approx(3_200.0)
    # an incentive of 0.5pp added to 1pp already in the rate: + £5,000
    assert udfs.CPR_CHANGE(1_000_000.0, 0.1019, None, 0.005, 0.01) == pytest.approx(5_000.0)
    assert "exactly one" in udfs.CPR_CHANGE(1_000_000.0, 0.1019)
    assert "exactly one" in udfs.CPR_CHANGE(1_000_000.0, 0.1019, 0.11, 0.005)
    assert "2 percentage points" in udfs.CPR_CHANGE(1_000_000.0, 0.1019, None, 0.015, 0.01)


def test_the_templates_show_the_starting_point_where_the_method_is_chosen():
    # aggregation.xlsx (and the contract model, which shares the component block): the -25% of 4.14
    # beside the CRA of a cost-plus or estimate-based fee component, empty for other methods
    from sscr.workbooks.fill import expected_values
    from sscr.workbooks.templates import TEMPLATES

    template = TEMPLATES["aggregation"]
    spec = template.spec()
    assert spec.outputs["Ex6_CRA_start_1"].formula.startswith('IF(OR(Ex6_Method_1="cost-plus"')
    inputs = {n: s.default for n, s in spec.inputs.items()} | {"Ex6_Method_3": "cost-plus",
                                                                "Ex7_Method_1": "estimate-based fee"}
    values = expected_values(template, inputs)
    assert values["Ex6_CRA_start_3"] == -0.25 and values["Ex7_CRA_start_1"] == -0.25
    assert values["Ex6_CRA_start_1"] is None  # formula
    assert "CRA_start_1" in TEMPLATES["contract_model"].spec().outputs
