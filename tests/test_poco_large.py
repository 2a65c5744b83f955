"""POCO on large supply chains: the inputs checked as whole arrays give exactly what reading them
contract by contract gives, the messages still name the contract, and the walks handle deep chains.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sscr.poco as poco
from sscr.errors import PricingInputError
from sscr.poco import SupplyChainContract as C, poco_adjustment


def chains(draw_size=st.integers(1, 30)):
    @st.composite
    def build(draw):
        n = draw(draw_size)
        rows = []
        for i in range(n):
            parent = None if i == 0 else f"c{draw(st.integers(0, i - 1))}"
            share = None if i == 0 or draw(st.booleans()) else draw(st.sampled_from([0.25, 0.5, 1.0]))
            rows.append(C(f"c{i}", parent, draw(st.floats(0, 5e6)), draw(st.sampled_from([0.08, 0.0824, 0.0])),
                          draw(st.floats(-0.25, 0.25)), draw(st.sampled_from([0.0, 0.01, 0.02])),
                          draw(st.floats(-0.02, 0.04)), output_share=share,
                          value=draw(st.sampled_from([None, None, 1e5, 3e5])),
                          associated=draw(st.sampled_from([None, None, False])),
                          pricing_method=draw(st.sampled_from([None, None, "commercial", "firm"]))))
        return rows
    return build()


@settings(max_examples=80, deadline=None)
@given(chains(), st.sampled_from([1.0, 1e6]))
def test_array_checked_inputs_give_exactly_the_contract_by_contract_result(chain, unit):
    fast = poco_adjustment(chain, money_unit=unit)
    original = poco._inputs_at_once
    try:
        poco._inputs_at_once = lambda *a: None  # read every contract one by one
        slow = poco_adjustment(chain, money_unit=unit)
    finally:
        poco._inputs_at_once = original
    assert fast == slow


@pytest.mark.parametrize("bad, message", [
    (dict(own_allowable_costs=-1.0), "supply chain contract SC2 own allowable costs -1 is negative"),
    (dict(own_allowable_costs=float("nan")), "supply chain contract SC2 own allowable costs is NaN"),
    (dict(cra=None), "supply chain contract SC2 cra is empty"),
    (dict(output_share=1.5), "supply chain contract SC2 output share 1.5 must be above 0 and at most 1"),
    (dict(output_share=0.0), "supply chain contract SC2 output share 0 must be above 0 and at most 1"),
    (dict(ia=True), "supply chain contract SC2 ia is TRUE"),
    (dict(cra=0.3), "supply chain contract SC2: cost risk adjustment 0.3 is outside"),
])
def test_a_bad_contract_is_still_named(bad, message):
    rows = {"PC": dict(parent=None, own_allowable_costs=200.0, bpr=0.08, cra=0.0, ia=0.0, csa=0.015),
            "SC1": dict(parent="PC", own_allowable_costs=50.0, bpr=0.08, cra=0.25, ia=0.0, csa=0.02),
            "SC2": dict(parent="SC1", own_allowable_costs=25.0, bpr=0.08, cra=0.10, ia=0.0, csa=0.01)}
    rows["SC2"].update(bad)
    with pytest.raises(PricingInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        poco_adjustment([C(name, **fields) for name, fields in rows.items()], money_unit=1e6)


def test_a_prime_contract_share_other_than_one_is_refused_on_either_path():
    chain = [C("PC", None, 200.0, 0.08, 0.0, 0.0, 0.015, output_share=0.5),
             C("SC1", "PC", 50.0, 0.08, 0.25, 0.0, 0.02)]
    with pytest.raises(PricingInputError, match="output share 0.5 is given for the prime contract"):
        poco_adjustment(chain)


def test_numpy_numbers_are_read_like_floats():
    as_float = [C("PC", None, 200.0, 0.08, 0.0, 0.0, 0.015), C("SC1", "PC", 50.0, 0.08, 0.25, 0.0, 0.02)]
    as_numpy = [C(c.name, c.parent, np.float64(c.own_allowable_costs), np.float64(c.bpr), np.float64(c.cra),
                  np.float64(c.ia), np.float64(c.csa)) for c in as_float]
    assert poco_adjustment(as_numpy, money_unit=1e6).deduction == poco_adjustment(as_float, money_unit=1e6).deduction


def test_a_deep_chain_and_a_wide_one():
    deep = [C("c0", None, 1000.0, 0.08, 0.0, 0.0, 0.01)] + [
        C(f"c{i}", f"c{i - 1}", 1000.0, 0.0, 0.0, 0.0, 0.0) for i in range(1, 5000)]
    r = poco_adjustment(deep)
    assert r.prime_allowable_costs_before == 5000 * 1000.0
    assert r.contract("c4999").depth == 4999
    assert r.deduction == 0.0  # no sub-contract makes a profit, so none is in scope
    wide = [C("p", None, 1000.0, 0.08, 0.0, 0.0, 0.01)] + [
        C(f"s{i}", "p", 300_000.0, 0.08, 0.1, 0.0, 0.01) for i in range(20_000)]
    w = poco_adjustment(wide)
    each = 300_000.0 * 1.098  # CPR 8% + 8% x 0.1 + 1% = 9.8%
    assert w.prime_allowable_costs_before == pytest.approx(1000.0 + 20_000 * each, rel=1e-12)
    assert w.contract("s7").in_scope and w.contract("s7").stage2_profit == pytest.approx(300_000.0 * 0.098)


def test_a_broken_structure_in_a_large_chain_is_named():
    base = [C("p", None, 1.0, 0.08, 0.0, 0.0, 0.01)] + [C(f"s{i}", "p", 1.0, 0.08, 0.0, 0.0, 0.01) for i in range(5000)]
    cycle = base + [C("x", "y", 1.0, 0.08, 0.0, 0.0, 0.01), C("y", "x", 1.0, 0.08, 0.0, 0.0, 0.01)]
    with pytest.raises(PricingInputError, match=r"supply chain has a cycle: x -> y -> x"):
        poco_adjustment(cycle)
    orphan = base[:2000] + [C("o", "gone", 1.0, 0.08, 0.0, 0.0, 0.01), C("q", "q", 1.0, 0.08, 0.0, 0.0, 0.01)]
    with pytest.raises(PricingInputError, match=r"contract 'o' has parent 'gone', which is not a contract"):
        poco_adjustment(orphan)
    with pytest.raises(PricingInputError, match=r"contract 'q' is its own parent"):
        poco_adjustment(base[:2000] + orphan[-1:])
