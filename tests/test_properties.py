"""Invariants the regulations imply, driven by generated inputs (hypothesis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import udfs
from sscr.capital_servicing import capital_servicing_adjustment
from sscr.components import Component, aggregate_components
from sscr.errors import CapitalServicingWarning
from sscr.poco import SupplyChainContract, poco_adjustment
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate

bpr = st.floats(0.0, 0.2)
cra = st.floats(-0.25, 0.25)
ia = st.floats(0.0, 0.02)
csa = st.floats(-0.1, 0.1)
money = st.floats(0.0, 1e9)
positive_money = st.floats(1.0, 1e9)
scale = st.floats(1e-3, 1e3)


@given(bpr, cra, ia, csa, money)
def test_price_is_allowable_costs_times_one_plus_cpr(b, c, i, k, ac):
    r = contract_profit_rate(b, c, i, k)
    assert r.contract_profit_rate == pytest.approx(b + b * c + i + k, abs=1e-15)
    p = formula_price(ac, r.contract_profit_rate)
    assert p.price == pytest.approx(ac * (1 + r.contract_profit_rate), rel=1e-15, abs=1e-9)
    assert p.price == pytest.approx(p.allowable_costs + p.profit, rel=1e-15, abs=1e-9)


@given(bpr, cra, ia, csa)
def test_cra_moves_the_rate_by_at_most_a_quarter_of_the_bpr(b, c, i, k):
    r = contract_profit_rate(b, c, i, k)
    assert abs(r.after_step_2 - r.after_step_1) <= 0.25 * b + 1e-15
    assert r.after_step_3 - r.after_step_2 <= 0.02 + 1e-15


@given(bpr, cra, ia, csa)
def test_scalar_array_and_worksheet_paths_agree(b, c, i, k):
    scalar = contract_profit_rate(b, c, i, k).contract_profit_rate
    array = contract_profit_rate(np.array([b, b]), np.array([c, c]), np.array([i, i]), np.array([k, k]))
    assert array.contract_profit_rate[1] == scalar
    assert udfs.CPR(b, c, i, k) == scalar


@given(st.floats(-1e8, 1e8), st.floats(-1e8, 1e8), positive_money, scale)
def test_capital_servicing_is_scale_free(fc, wc, cp, factor):
    assume(abs(fc + wc) > 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapitalServicingWarning)
        a = capital_servicing_adjustment(fc, wc, cp, [0.0326, 0.031, 0.0161])
        b = capital_servicing_adjustment(fc * factor, wc * factor, cp * factor, [0.0326, 0.031, 0.0161])
    assert b.adjustment == pytest.approx(a.adjustment, rel=1e-9, abs=1e-12)
    assert a.adjustment == pytest.approx(a.combined_elements, rel=1e-9, abs=1e-12)


@st.composite
def chains(draw):
    n = draw(st.integers(1, 12))
    rows = [SupplyChainContract("C0", None, draw(positive_money), draw(bpr), draw(cra), draw(ia), draw(st.floats(0, 0.05)))]
    for k in range(1, n):
        parent = f"C{draw(st.integers(0, k - 1))}"
        rows.append(SupplyChainContract(f"C{k}", parent, draw(positive_money), draw(bpr), draw(cra), draw(ia),
                                        draw(st.floats(0, 0.05)), output_share=draw(st.floats(0.01, 1.0)),
                                        competed=draw(st.booleans())))
    return rows


@given(chains(), scale)
def test_poco_scales_with_money_and_never_raises_the_price(chain, factor):
    r = poco_adjustment(chain, money_unit=1e6)
    assert r.deduction >= -1e-9 * max(1.0, r.prime_allowable_costs_before)
    assert r.prime_price_after <= r.prime_price_before + 1e-6
    assert r.deduction == pytest.approx(sum(c.attributable_profit for c in r.contracts), rel=1e-9, abs=1e-6)
    scaled = [SupplyChainContract(c.name, c.parent, c.own_allowable_costs * factor, c.bpr, c.cra, c.ia, c.csa,
                                  c.output_share, competed=c.competed) for c in chain]
    s = poco_adjustment(scaled, money_unit=1e6 / factor)
    # The deduction is a difference of sums (stage 2 less stages 3 and 4): compare it to the size of
    # those sums, not to the difference, which can be small beside them.
    assert s.deduction == pytest.approx(r.deduction * factor, abs=1e-9 * max(1.0, r.total_profit * factor))


@given(st.lists(st.tuples(positive_money, bpr, cra, ia, st.floats(0, 0.05)), min_size=2, max_size=8))
def test_component_pots_are_never_negative_and_vanish_at_the_caps(rows):
    components = [Component(f"C{i}", "formula", *row) for i, row in enumerate(rows)]
    a = aggregate_components(components)
    assert a.cra_pot >= -1e-9 and a.ia_pot >= -1e-9
    assert a.total_component_price == pytest.approx(sum(c.price for c in a.components), rel=1e-12)
    capped = [Component(c.name, "formula", c.allowable_costs, c.bpr, 0.25, 0.02, c.csa) for c in components]
    b = aggregate_components(capped)
    assert b.cra_pot == pytest.approx(0, abs=1e-6) and b.ia_pot == pytest.approx(0, abs=1e-6)


@given(st.one_of(st.none(), st.text(max_size=8), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(-10**20, 10**20), st.lists(st.floats(), max_size=3)))
def test_worksheet_functions_never_raise_and_never_return_nan(value):
    for name, args in (("CPR", (value, 0.0, 0.0, 0.01)), ("CPR", (0.0824, value, 0.0, 0.01)),
                       ("CSA", (value, 1e6, 6e6, 2024.0)), ("PRICE_FROM_CPR", (value, 0.1)), ("BPR", (value,)),
                       ("POCO", (value,)), ("CONTRACT_CRA_POT", (value,))):
        result = getattr(udfs, name)(*args)
        flat = [x for row in result for x in row] if isinstance(result, list) else [result]
        for x in flat:
            assert isinstance(x, (str, float, int)), (name, value, result)
            if isinstance(x, float):
                assert np.isfinite(x), (name, value, result)
