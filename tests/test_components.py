"""Components, the aggregation of components, and the alternative pricing methods."""

from __future__ import annotations

import pytest

import udfs
from sscr.alternative_pricing import (agreed_profit_rate_change, commercial_price, cruv_price, fixed_component)
from sscr.components import Component, aggregate_components
from sscr.errors import PricingInputError
from sscr.price import contract_price

C1 = Component("C1", "formula", 50, 0.08, 0.25, 0.0, 0.0173)
C3 = Component("C3", "firm", 100, 0.08, -0.10, 0.0, 0.0141)


def test_agreed_contract_level_adjustments_within_the_pots():
    a = aggregate_components([C1, Component("C2", "commercial", price=50), C3],
                             contract_level_cra=2.0, contract_level_ia=1.0)
    assert a.contract_price == pytest.approx(a.total_component_price + 3.0)
    with pytest.raises(PricingInputError, match="exceeds the maximum 2.8"):
        aggregate_components([C1, C3], contract_level_cra=2.81)
    with pytest.raises(PricingInputError, match="contract level incentive adjustment 3.1 exceeds"):
        aggregate_components([C1, C3], contract_level_ia=3.1)


def test_a_cra_at_the_cap_leaves_no_pot():
    a = aggregate_components([C1, Component("C1b", "formula", 70, 0.0824, 0.25, 0.02, 0.01)])
    assert a.cra_pot == pytest.approx(0, abs=1e-12) and a.ia_pot == pytest.approx(1.0)


@pytest.mark.parametrize("components, words", [
    ([C1], "more than one component"),
    ([Component("A", "commercial", price=1), Component("B", "novated", price=2)], "no component uses the pricing formula"),
    ([C1, Component("C1", "commercial", price=1)], "appears twice"),
    ([C1, Component("X", "commercial", price=1, cra=0.1)], "has no contract profit rate steps"),
    ([C1, Component("X", "commercial")], "price is empty"),
    ([C1, Component("X", "formula", 10, 0.08, 0, 0, 0.01, price=11)], "leave price empty"),
    ([C1, Component("X", "formula", 10, 0.08, None, 0, 0.01)], "cra is empty"),
    ([C1, Component("X", "barter", price=1)], "not a pricing method"),
])
def test_aggregation_is_refused(components, words):
    with pytest.raises(PricingInputError, match=words):
        aggregate_components(components)


def test_aggregation_worksheet_function_spills_totals():
    table = [["Name", "Method", "Allowable costs", "BPR", "CRA", "IA", "CSA", "Price"],
             ["C1", "formula", 50.0, 0.08, 0.25, 0.0, 0.0173, None],
             ["C2", "commercial", None, None, None, None, None, 50.0],
             ["C3", "formula", 100.0, 0.08, -0.1, 0.0, 0.0141, None]]
    rows = udfs.AGGREGATION(table)
    totals = {r[0]: r[4] for r in rows}
    assert totals["Total component price"] == pytest.approx(214.475)
    assert totals["Maximum price with the CRA pot"] == pytest.approx(217.275)
    assert udfs.AGGREGATION(table[:2])[0][0].startswith("Error: components number 1")


def test_contract_price_sums_components_and_adjustments():
    r = contract_price([55.865, 50, 108.61], [2.8])
    assert r.total_component_price == pytest.approx(214.475) and r.price == pytest.approx(217.275)


def test_cruv():
    assert cruv_price([10, 4], [125.0, 80.5]) == 1572.0
    assert udfs.CRUV([[10.0], [4.0]], [[125.0], [80.5]]) == 1572.0
    assert udfs.CRUV([1.0, 2.0], [3.0]).startswith("Error: volumes hold 2 values and unit rates 1")
    with pytest.raises(PricingInputError, match="volumes at row 1 -1 is negative"):
        cruv_price([-1], [2])


def test_commercial_pricing_uses_only_table_2_factors():
    r = commercial_price(1000.0, {"Volume": -50, "A change in economic conditions": 30, "technology": 5})
    assert r.price == 985.0 and r.total_adjustment == -15.0
    with pytest.raises(PricingInputError, match="not in Table 2"):
        commercial_price(1000.0, {"goodwill": 10})
    with pytest.raises(PricingInputError, match="given twice"):
        commercial_price(1000.0, {"technology": 10, "change in technology": 5})
    with pytest.raises(PricingInputError, match="is negative"):
        commercial_price(100.0, {"volume": -200})


def test_agreed_change_to_the_contract_profit_rate():
    corrected = agreed_profit_rate_change(200.0, 0.0931, corrected_cpr=0.0956)
    assert corrected.price_change == pytest.approx(200 * 0.0025)
    added = agreed_profit_rate_change(200.0, 0.10, added_incentive=0.015, existing_incentive=0.005)
    assert added.new_cpr == pytest.approx(0.115) and added.price_change == pytest.approx(3.0)
    with pytest.raises(PricingInputError, match="exceeds 2 percentage points"):
        agreed_profit_rate_change(200.0, 0.10, added_incentive=0.015, existing_incentive=0.01)
    with pytest.raises(PricingInputError, match="exactly one"):
        agreed_profit_rate_change(200.0, 0.10)


def test_previously_agreed_and_novated_prices_are_fixed_components():
    a = aggregate_components([C1, fixed_component("Legacy", 40.0), fixed_component("Novated", 10.0, "novated")])
    assert [c.method for c in a.components] == ["formula", "previously agreed", "novated"]
    assert a.total_component_price == pytest.approx(55.865 + 50.0)
    with pytest.raises(PricingInputError, match="must be"):
        fixed_component("X", 1.0, "commercial")


def test_a_dataframe_of_components_goes_through_the_same_implementation():
    import pandas as pd

    frame = pd.DataFrame({"name": ["C1", "C2", "C3"], "method": ["formula", "commercial", "formula"],
                          "allowable_costs": [50.0, None, 100.0], "bpr": [0.08, None, 0.08],
                          "cra": [0.25, None, -0.1], "ia": [0.0, None, 0.0], "csa": [0.0173, None, 0.0141],
                          "price": [None, 50.0, None]})
    assert aggregate_components(frame).cra_pot == pytest.approx(2.8)
