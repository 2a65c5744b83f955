"""Invariants of the risk contingency element (allowable costs guidance v7.3, H.1.6-H.1.7): the Monte
Carlo mean converges to the expected value; the same seed gives the same P80."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sscr.allowable_costs.risk import Risk, risk_contingency_element, simulate_risk

PROBABILITY = st.floats(min_value=0.05, max_value=1.0)
COST = st.floats(min_value=1.0, max_value=1e7)


@st.composite
def a_risk(draw, i=st.integers(0, 10 ** 6)):
    name = f"R{draw(i)}"
    if draw(st.booleans()):
        return Risk(name, probability=draw(PROBABILITY), impact=draw(COST))
    a, c, b = sorted(draw(st.lists(COST, min_size=3, max_size=3)))
    p = draw(st.one_of(st.none(), PROBABILITY))
    return Risk(name, probability=p, minimum=a, most_likely=c, maximum=b)


REGISTER = st.lists(a_risk(), min_size=1, max_size=30, unique_by=lambda r: r.id)


@settings(max_examples=25, deadline=None)
@given(REGISTER, st.integers(0, 2 ** 32))
def test_the_monte_carlo_mean_is_within_1pc_of_the_expected_value_at_100000_trials(register, seed):
    ev = risk_contingency_element(register)
    # Where the register's own spread lets 100,000 trials pin the mean to 1% (at five standard errors):
    assume(ev.standard_deviation / math.sqrt(100_000) * 5 <= 0.01 * ev.expected_value)
    s = simulate_risk(register, trials=100_000, seed=seed)
    assert abs(s.mean - ev.expected_value) <= 0.01 * ev.expected_value


@settings(max_examples=40, deadline=None)
@given(REGISTER, st.integers(0, 2 ** 32))
def test_the_monte_carlo_mean_is_within_five_standard_errors_for_any_register(register, seed):
    s = simulate_risk(register, trials=20_000, seed=seed)
    assert s.standard_error == risk_contingency_element(register).standard_deviation / math.sqrt(20_000)
    assert abs(s.mean - s.expected_value) <= 5 * s.standard_error + 1e-9 * s.expected_value


@settings(max_examples=40, deadline=None)
@given(REGISTER, st.integers(0, 2 ** 53), st.integers(1, 30_000))
def test_the_same_seed_gives_the_same_p80(register, seed, trials):
    a = simulate_risk(register, trials=trials, seed=seed)
    b = simulate_risk(register, trials=trials, seed=seed)
    assert a.p80 == b.p80 and a.counts == b.counts
    assert a.totals.min() <= a.p50 <= a.p80 <= a.p90 <= a.totals.max()


@settings(max_examples=100, deadline=None)
@given(REGISTER, a_risk())
def test_adding_a_risk_never_lowers_the_expected_value(register, extra):
    assume(extra.id not in {r.id for r in register})
    assert risk_contingency_element(register + [extra]).expected_value >= risk_contingency_element(
        register).expected_value


def test_a_fifty_risk_register_converges_within_1pc_at_100000_trials():
    register = [Risk(f"R{i}", probability=0.1 + 0.015 * i, minimum=1_000.0 * i, most_likely=1_500.0 * i + 10,
                     maximum=3_000.0 * i + 50) if i % 2 else Risk(f"R{i}", probability=0.05 + 0.018 * i,
                                                                    impact=2_000.0 * (i + 1)) for i in range(50)]
    ev = risk_contingency_element(register).expected_value
    for seed in (0, 1, 2):
        assert abs(simulate_risk(register, trials=100_000, seed=seed).mean - ev) <= 0.01 * ev
