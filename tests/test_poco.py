"""POCO adjustment over group supply chains of any depth: scope, output shares, non-four-step
sub-contracts, and broken structures."""

from __future__ import annotations

import pytest

import udfs
from sscr.errors import PricingInputError, SupplyChainError
from sscr.poco import SupplyChainContract as C, poco_adjustment

HEADER = ["name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa"]


def chain_with(**sc1):
    base = dict(name="SC1", parent="PC", own_allowable_costs=50, bpr=0.08, cra=0.25, ia=0.0, csa=0.02)
    base.update(sc1)
    return [C("PC", None, 200, 0.08, 0.0, 0.0, 0.015), C(**base)]


def test_single_sub_contract_by_hand():
    # SC1: 50 x 1.12 = 56; stage 2 = 50 x 12% = 6; stage 3 = 1; stage 4 = 50 x 8% x 25% = 1; deduction 4.
    r = poco_adjustment(chain_with(), money_unit=1e6)
    assert r.contract("SC1").price == pytest.approx(56)
    assert (r.total_profit, r.total_capital_servicing, r.appropriate_subcontractor_profit) == pytest.approx((6, 1, 1))
    assert r.deduction == pytest.approx(4)
    assert r.prime_allowable_costs_before == pytest.approx(256)
    assert r.prime_price_after == pytest.approx((256 - 4) * 1.095)


def test_stage_4_only_where_the_sub_contract_cra_is_higher():
    r = poco_adjustment(chain_with(cra=-0.1), money_unit=1e6)
    assert r.contract("SC1").stage4_appropriate_profit == 0
    assert r.deduction == pytest.approx(r.total_profit - r.total_capital_servicing)


def test_output_share_scales_price_charged_and_stages():
    full = poco_adjustment(chain_with(), money_unit=1e6)
    half = poco_adjustment(chain_with(output_share=0.5), money_unit=1e6)
    assert half.contract("SC1").charged_price == pytest.approx(28)
    assert half.prime_allowable_costs_before == pytest.approx(228)
    assert half.deduction == pytest.approx(full.deduction / 2)


def test_output_shares_multiply_down_the_chain():
    chain = [C("PC", None, 100, 0.08, 0, 0, 0.01), C("SC1", "PC", 10, 0.08, 0, 0, 0.01, output_share=0.5),
             C("SC2", "SC1", 10, 0.08, 0, 0, 0.01)]
    r = poco_adjustment(chain, money_unit=1e6)
    assert r.contract("SC2").output_share == 0.5
    assert r.contract("SC2").stage2_profit == pytest.approx(10 * 0.09 * 0.5)


def test_profit_rate_sub_contract_has_no_capital_servicing_or_risk_premium():
    r = poco_adjustment(chain_with(bpr=None, cra=None, ia=None, csa=None, profit_rate=0.07), money_unit=1e6)
    sc1 = r.contract("SC1")
    assert sc1.price == pytest.approx(53.5)
    assert (sc1.stage2_profit, sc1.stage3_capital_servicing, sc1.stage4_appropriate_profit) == pytest.approx((3.5, 0, 0))
    assert r.deduction == pytest.approx(3.5)


@pytest.mark.parametrize("field, value, words", [
    ("associated", False, "not with a person associated"),
    ("competed", "yes", "competitive process"),
    ("pricing_method", "commercial", "commercial pricing"),
    ("pricing_method", "law", "in accordance with law"),
    ("value", 0.2, "below £250,000"),
])
def test_out_of_scope_sub_contracts_keep_their_price_as_a_cost(field, value, words):
    r = poco_adjustment(chain_with(**{field: value}), money_unit=1e6)
    sc1 = r.contract("SC1")
    assert not sc1.in_scope and words in sc1.reason
    assert r.deduction == 0
    assert r.prime_allowable_costs_before == pytest.approx(256)
    assert r.prime_price_after == r.prime_price_before


def test_value_test_uses_the_money_unit():
    in_pounds = poco_adjustment(chain_with(), money_unit=1)  # SC1 worth £56: below £250,000
    assert not in_pounds.contract("SC1").in_scope
    assert poco_adjustment(chain_with(), money_unit=1e6).contract("SC1").in_scope


def test_no_profit_is_out_of_scope():
    r = poco_adjustment(chain_with(bpr=None, cra=None, ia=None, csa=None, profit_rate=0.0), money_unit=1e6)
    assert "no profit" in r.contract("SC1").reason


def test_below_a_competed_contract_an_associated_uncompeted_one_is_in_scope_and_stage_4_counts_the_price():
    # I.8.2(b): a further group sub-contract is made between persons "each of which is associated with
    # the primary contractor or a group sub-contractor"; it does not ask that the contract above is in scope.
    chain = [C("PC", None, 200, 0.08, 0, 0, 0.015), C("SC1", "PC", 50, 0.08, 0.25, 0, 0.02),
             C("SC2", "SC1", 25, 0.08, 0.10, 0, 0.01, competed=True), C("SC3", "SC2", 5, 0.08, 0, 0, 0.01)]
    r = poco_adjustment(chain, money_unit=1e6)
    sc2, sc3 = r.contract("SC2"), r.contract("SC3")
    assert not sc2.in_scope and "I.8.2(d)" in sc2.reason
    assert sc3.in_scope and "I.8.2(b)" in sc3.reason
    sc1 = r.contract("SC1")
    # SC2's price is not in scope, so it stays in SC1's own allowable costs for stage 4.
    assert sc1.stage4_own_costs == pytest.approx(50 + sc2.price)
    assert r.deduction == pytest.approx(sum(c.stage2_profit - c.stage3_capital_servicing - c.stage4_appropriate_profit
                                            for c in (sc1, sc3)))
    assert sc3.stage2_profit == pytest.approx(5 * (0.08 + 0.01))  # own costs x its full CPR (stage 2)


def test_deep_chain():
    chain = [C("L0", None, 100, 0.08, 0, 0, 0.01)] + [C(f"L{i}", f"L{i - 1}", 10, 0.08, 0.1, 0, 0.01) for i in range(1, 60)]
    r = poco_adjustment(chain, money_unit=1e6)
    assert max(c.depth for c in r.contracts) == 59
    assert r.deduction > 0 and r.prime_price_after < r.prime_price_before


@pytest.mark.parametrize("rows, words", [
    ([["PC", None, 1, .08, 0, 0, .01], ["PC", "PC", 1, .08, 0, 0, .01]], "appears twice"),
    ([["PC", None, 1, .08, 0, 0, .01], ["SC", "XX", 1, .08, 0, 0, .01]], "parent 'XX', which is not a contract"),
    ([["PC", None, 1, .08, 0, 0, .01], ["SC", None, 1, .08, 0, 0, .01]], "2 rows with an empty parent"),
    ([["A", "B", 1, .08, 0, 0, .01], ["B", "A", 1, .08, 0, 0, .01]], "no prime contract"),
    ([["PC", None, 1, .08, 0, 0, .01], ["A", "B", 1, .08, 0, 0, .01], ["B", "A", 1, .08, 0, 0, .01]], "cycle: A -> B -> A"),
    ([["PC", None, 1, .08, 0, 0, .01], ["A", "A", 1, .08, 0, 0, .01]], "its own parent"),
    ([["PC", None, 1, .08, 0, 0, .01], [None, "PC", 1, .08, 0, 0, .01]], "name is empty"),
])
def test_broken_structures(rows, words):
    with pytest.raises(SupplyChainError, match=words):
        poco_adjustment([HEADER, *rows])
    assert udfs.POCO([HEADER, *rows]).startswith("Error: supply chain")


@pytest.mark.parametrize("sc1, words", [
    (dict(output_share=0), "output share 0 must be above 0"),
    (dict(output_share=1.5), "output share 1.5 must be above 0"),
    (dict(profit_rate=0.07), "gives profit_rate and bpr"),
    (dict(csa=None), "csa is empty"),
    (dict(own_allowable_costs=-1), "own allowable costs -1 is negative"),
    (dict(cra=0.3), "contract SC1: cost risk adjustment 0.3 is outside"),
    (dict(associated="maybe"), "not a yes/no value"),
    (dict(pricing_method="barter"), "not a pricing method"),
])
def test_bad_rows_name_the_contract(sc1, words):
    with pytest.raises(PricingInputError, match=words):
        poco_adjustment(chain_with(**sc1), money_unit=1e6)


def test_table_columns_any_order_and_case_and_empty_trailing_rows():
    table = [["CSA", "cra", "IA", "BPR", "Own Allowable Costs", "Parent", "NAME", "Output_Share"],
             [0.015, 0.0, 0.0, 0.08, 200.0, None, "PC", None],
             [0.02, 0.25, 0.0, 0.08, 50.0, "PC", "SC1", None],
             [None] * 8]
    assert udfs.POCO(table, 1e6) == pytest.approx(4.0)
    assert udfs.POCO([["name", "parent", "costs"]]).startswith("Error: supply chain header 'costs' is not a known column")


def test_a_dataframe_supply_chain():
    import pandas as pd

    frame = pd.DataFrame([["PC", None, 200.0, 0.08, 0.0, 0.0, 0.015], ["SC1", "PC", 50.0, 0.08, 0.25, 0.0, 0.02],
                          ["SC2", "SC1", 25.0, 0.08, 0.10, 0.0, 0.01]], columns=HEADER)
    assert poco_adjustment(frame, money_unit=1e6).deduction == pytest.approx(8.745)


def test_a_chain_whose_prices_compound_beyond_pennies_is_refused():
    # A line of 100,000 contracts each at 8.8% compounds to infinity: refused, never an infinite price.
    chain = [C("L0", None, 100, 0.08, 0.1, 0, 0.0)] + [C(f"L{i}", f"L{i - 1}", 100, 0.08, 0.1, 0, 0.0)
                                                        for i in range(1, 100_000)]
    with pytest.raises(PricingInputError, match="price .* is beyond 10,000,000,000,000"):
        poco_adjustment(chain, money_unit=1e6)
