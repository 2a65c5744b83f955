"""The Monte Carlo sampler of the risk register (allowable costs guidance v7.3, H.1.6) draws each
trial's total from the same distribution as the straightforward sampler: for every risk in every
trial an occurrence (a uniform below the probability) times a triangular impact (numpy's own
``Generator.triangular``), independently.

The sampler in ``sscr.allowable_costs.risk`` draws impacts only for the trials where a risk occurs,
reuses the occurrence's uniform and draws a triangle from the minimum and maximum of two uniforms.
These tests check, on classes of registers, that the two agree: a two-sample Kolmogorov-Smirnov test
of the trial totals, the mean and variance against the register's exact moments (H.1.7's expected
value; the variance of a sum of independent risks), and one risk at a time its occurrence count
(binomial test) and its impacts against the exact triangular distribution function (one-sample KS).

The examples are derandomized and every simulation seeded, so the tests give the same verdict on
every run; the significance level (1e-6) is small enough that a correct sampler does not fail for
bad luck, and 100,000 trials large enough that a wrong shape (a shifted mode, a lost occurrence, a
correlated draw) fails by far.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from sscr.allowable_costs.risk import BLOCK, Risk, risk_contingency_element, simulate_risk

TRIALS = 100_000
ALPHA = 1e-6
DETERMINISTIC = settings(max_examples=20, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow])


def straightforward(register: list[Risk], trials: int, seed: int) -> np.ndarray:
    """Every risk in every trial: occurs (u < p) times a triangular draw (minimum, most likely, maximum)."""
    results = risk_contingency_element(register).risks
    p = np.array([r.probability for r in results])
    a = np.array([r.minimum for r in results])
    c = np.array([r.most_likely for r in results])
    b = np.array([r.maximum for r in results])
    rng = np.random.default_rng(seed)
    totals = np.zeros(trials)
    for j in range(p.size):
        occurs = rng.random(trials) < p[j]
        impact = np.full(trials, a[j]) if a[j] == b[j] else rng.triangular(a[j], c[j], b[j], trials)
        totals += occurs * impact
    return totals


PROBABILITY = st.one_of(st.sampled_from([0.0, 0.001, 0.02, 0.5, 0.97, 1.0]), st.floats(0.01, 1.0))
AMOUNT = st.one_of(st.floats(0.01, 1e9), st.sampled_from([1.0, 250_000.0, 3.5e6]))


@st.composite
def a_risk(draw, n: int) -> Risk:
    kind = draw(st.sampled_from(["single", "three-point", "uncertain", "left", "right"]))
    if kind == "single":
        return Risk(f"R{n}", probability=draw(PROBABILITY), impact=draw(AMOUNT))
    a, c, b = sorted(draw(st.lists(AMOUNT, min_size=3, max_size=3)))
    if kind == "left":  # the most likely value at the minimum
        c = a
    elif kind == "right":  # at the maximum
        c = b
    p = None if kind == "uncertain" else draw(PROBABILITY)
    return Risk(f"R{n}", probability=p, minimum=a, most_likely=c, maximum=b)


@st.composite
def a_register(draw) -> list[Risk]:
    size = draw(st.integers(1, 40))
    return [draw(a_risk(n)) for n in range(size)]


def _ks_2samp(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return 1.0 if x[0] == y[0] else 0.0
    return float(stats.ks_2samp(x, y).pvalue)


@DETERMINISTIC
@given(a_register(), st.integers(0, 2 ** 32))
def test_the_totals_have_the_distribution_of_the_straightforward_sampler(register, seed):
    ours = simulate_risk(register, trials=TRIALS, seed=seed).totals
    theirs = straightforward(register, TRIALS, seed + 1)
    assert _ks_2samp(ours, theirs) > ALPHA


@DETERMINISTIC
@given(a_register(), st.integers(0, 2 ** 32))
def test_the_mean_and_variance_of_the_totals_are_the_registers_exact_moments(register, seed):
    exact = risk_contingency_element(register)
    s = simulate_risk(register, trials=TRIALS, seed=seed)
    x = s.totals
    scale = max(1.0, float(np.abs(x).max()))
    assert abs(x.mean() - exact.expected_value) <= 6 * s.standard_error + 1e-12 * scale
    # the sample variance's standard error from the sample's own fourth central moment
    m4 = float(np.mean((x - x.mean()) ** 4))
    se_var = math.sqrt(max(m4 - exact.variance ** 2, 0.0) / TRIALS)
    assert abs(x.var() - exact.variance) <= 6 * se_var + 1e-9 * scale * scale


@pytest.mark.parametrize("p, a, c, b", [
    (0.3, 100.0, 200.0, 400.0),
    (0.05, 1_000.0, 1_500.0, 3_000.0),
    (0.95, 10.0, 10.0, 30.0),  # the most likely value at the minimum
    (0.5, 10.0, 30.0, 30.0),   # at the maximum
    (1e-3, 5e6, 6e6, 9e6),
    (0.999, 0.5, 0.75, 1.0),
])
def test_one_risk_occurs_binomially_and_its_impact_is_exactly_triangular(p, a, c, b):
    s = simulate_risk([Risk("R1", probability=p, minimum=a, most_likely=c, maximum=b)], trials=TRIALS, seed=2026)
    occurred = s.totals[s.totals > 0]
    assert stats.binomtest(occurred.size, TRIALS, p).pvalue > ALPHA
    assert np.all((occurred >= a) & (occurred <= b))
    if occurred.size >= 50:
        shape = stats.triang(c=(c - a) / (b - a), loc=a, scale=b - a)
        assert stats.kstest(occurred, shape.cdf).pvalue > ALPHA


def test_a_certain_three_point_risk_is_triangular_in_every_trial():
    s = simulate_risk([Risk("R1", minimum=2.0, most_likely=3.0, maximum=7.0)], trials=TRIALS, seed=5)
    assert np.all((s.totals >= 2.0) & (s.totals <= 7.0))
    assert stats.kstest(s.totals, stats.triang(c=0.2, loc=2.0, scale=5.0).cdf).pvalue > ALPHA


def test_risks_are_independent_of_each_other():
    """Two equal risks of probability 1/2: the total is 0, one impact or two, in proportions 1:2:1, and
    the correlation of the two risks' costs (read off a register of distinct impacts) is nil."""
    s = simulate_risk([Risk("R1", probability=0.5, impact=1.0), Risk("R2", probability=0.5, impact=2.0)],
                      trials=TRIALS, seed=11)
    counts = [int(np.sum(s.totals == v)) for v in (0.0, 1.0, 2.0, 3.0)]
    assert sum(counts) == TRIALS
    assert stats.chisquare(counts, [TRIALS / 4] * 4).pvalue > ALPHA
    first = np.isin(s.totals, (1.0, 3.0))
    second = np.isin(s.totals, (2.0, 3.0))
    assert abs(np.corrcoef(first, second)[0, 1]) < 5 / math.sqrt(TRIALS)


def test_trials_are_independent_across_the_blocks_they_are_drawn_in():
    """The first and second block of trials, and consecutive trials, are independent draws."""
    s = simulate_risk([Risk("R1", probability=0.4, minimum=0.0, most_likely=1.0, maximum=3.0)],
                      trials=3 * BLOCK, seed=3)
    x = s.totals
    assert _ks_2samp(x[:BLOCK], x[BLOCK:2 * BLOCK]) > ALPHA
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 5 / math.sqrt(x.size)


def test_the_seeded_totals_are_the_same_on_every_run_and_differ_between_seeds():
    register = [Risk("R1", probability=0.3, minimum=100.0, most_likely=200.0, maximum=400.0),
                Risk("R2", probability=0.6, impact=50.0), Risk("R3", minimum=1.0, most_likely=2.0, maximum=3.0),
                Risk("R4", probability=0.0, impact=9e9)]
    a = simulate_risk(register, trials=2 * BLOCK + 17, seed=99)
    b = simulate_risk(register, trials=2 * BLOCK + 17, seed=99)
    assert np.array_equal(a.totals, b.totals) and a.p80 == b.p80
    assert not np.array_equal(a.totals, simulate_risk(register, trials=2 * BLOCK + 17, seed=100).totals)
    assert a.totals.max() < 9e9  # a risk of probability 0 never occurs
