"""The risk contingency element from a risk register (allowable costs guidance v7.3, Part H):
expected value (H.1.7), Monte Carlo simulation (H.1.6), zero with no risks (H.2.5), bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sscr.allowable_costs.risk import (Risk, percentile, risk_contingency_element, risks_from_table,
                                       simulate_risk)
from sscr.errors import PricingInputError

HEADER = ["id", "description", "probability", "impact", "minimum", "most_likely", "maximum"]


def register(*rows):
    return [HEADER, *rows]


def message(fn, *args, **kw) -> str:
    with pytest.raises(PricingInputError) as e:
        fn(*args, **kw)
    return str(e.value)


def test_expected_value_of_each_kind_of_risk():
    r = risk_contingency_element(register(
        ["R1", "single", 0.25, 40_000.0, None, None, None],          # 0.25 x 40,000 = 10,000
        ["R2", "three-point, certain", None, None, 10_000.0, 16_000.0, 25_000.0],  # (10+16+25)/3 k = 17,000
        ["R3", "three-point with a probability", 0.4, None, 0.0, 3_000.0, 6_000.0],  # 0.4 x 3,000 = 1,200
    ))
    assert [(x.kind, x.probability, x.mean_impact, x.expected_value) for x in r.risks] == [
        ("single", 0.25, 40_000.0, 10_000.0), ("three-point", 1.0, 17_000.0, 17_000.0),
        ("three-point", 0.4, 3_000.0, 1_200.0)]
    assert r.expected_value == 28_200.0
    assert r.table()[-1] == ["Total", "", "", "", "", "", "", "", 28_200.0]


def test_variance_of_the_register_is_exact():
    # single: p(1-p)x^2 = 0.25 x 0.75 x 40,000^2 = 300,000,000
    # triangle 0/3,000/6,000 certain: (a^2 + b^2 + c^2 - ab - ac - bc) / 18 = (36 + 9 - 18) x 10^6 / 18 = 1,500,000
    r = risk_contingency_element([Risk("R1", probability=0.25, impact=40_000),
                                  Risk("R2", minimum=0, most_likely=3_000, maximum=6_000)])
    assert r.variance == pytest.approx(300_000_000 + 1_500_000)
    assert r.standard_deviation == pytest.approx(math.sqrt(301_500_000))


def test_no_costs_affected_by_risk_means_no_risk_contingency_element():
    assert risk_contingency_element([]).expected_value == 0.0
    assert risk_contingency_element([HEADER]).expected_value == 0.0
    assert risk_contingency_element([HEADER, [None] * 7]).expected_value == 0.0
    s = simulate_risk([HEADER], trials=10, seed=1)
    assert (s.mean, s.p50, s.p80, s.p90, s.counts) == (0.0, 0.0, 0.0, 0.0, (10,))


def test_a_header_only_register_still_has_its_headers_checked():
    assert "risk register header 'chance' is not a known column" in message(risk_contingency_element,
                                                                           [["id", "chance"]])


def test_the_same_seed_gives_the_same_figures_and_another_seed_different_ones():
    reg = register(["R1", "", 0.3, None, 100.0, 200.0, 400.0], ["R2", "", 0.6, 50.0, None, None, None])
    a, b = simulate_risk(reg, trials=5_000, seed=7), simulate_risk(reg, trials=5_000, seed=7)
    assert (a.mean, a.p50, a.p80, a.p90, a.counts) == (b.mean, b.p50, b.p80, b.p90, b.counts)
    assert np.array_equal(a.totals, b.totals)
    assert simulate_risk(reg, trials=5_000, seed=8).p80 != a.p80


def test_trials_beyond_one_block_are_drawn_in_blocks_and_all_counted():
    reg = register(["R1", "", 0.5, 10.0, None, None, None])
    s = simulate_risk(reg, trials=45_001, seed=3)
    assert s.totals.shape == (45_001,) and sum(s.counts) == 45_001
    assert set(np.unique(s.totals)) == {0.0, 10.0}


def test_a_certain_single_point_triangle_is_a_constant():
    s = simulate_risk([Risk("R1", minimum=5.0, most_likely=5.0, maximum=5.0)], trials=100, seed=0)
    assert (s.mean, s.p80, s.bin_edges, s.counts) == (5.0, 5.0, (5.0, 5.0), (100,))


def test_triangular_draws_stay_within_their_points_and_have_the_right_mode_side():
    s = simulate_risk([Risk("R1", minimum=10.0, most_likely=12.0, maximum=30.0)], trials=50_000, seed=11)
    assert s.totals.min() >= 10.0 and s.totals.max() <= 30.0
    # P(X <= mode) = (c - a) / (b - a) = 0.1
    assert np.mean(s.totals <= 12.0) == pytest.approx(0.1, abs=0.005)
    # median of the triangle (mode below the midpoint): b - sqrt((b - a)(b - c) / 2)
    assert s.p50 == pytest.approx(30 - math.sqrt(20 * 18 / 2), abs=0.1)


def test_percentiles_interpolate_like_excel_percentile_inc():
    s = simulate_risk([Risk("R1", probability=0.5, impact=100.0)], trials=1_000, seed=5)
    ordered = np.sort(s.totals)
    rank = 0.8 * (s.trials - 1)
    lo = int(rank)
    assert s.p80 == pytest.approx(ordered[lo] + (rank - lo) * (ordered[lo + 1] - ordered[lo]))
    assert s.percentile(0.8) == s.p80 and s.percentile(1) == 100.0


def test_the_histogram_covers_every_trial():
    s = simulate_risk(register(["R1", "", 0.5, None, 0.0, 10.0, 20.0]), trials=2_000, seed=2, bins=8)
    assert len(s.bin_edges) == 9 and len(s.counts) == 8 and sum(s.counts) == 2_000
    assert s.bin_edges[0] == s.totals.min() and s.bin_edges[-1] == s.totals.max()
    table = s.table()
    assert [r[0] for r in table[1:9]] == ["Trials", "Seed", "Expected value (H.1.7)", "Simulated mean",
                                         "Standard error of the mean", "P50", "P80", "P90"]
    assert table[9] == ["Bin from", "Bin to", "Trials"] and len(table) == 18


def test_risks_from_table_accepts_alias_headers_in_any_order():
    risks = risks_from_table([["Max", "Min", "ML", "Risk ID", "Likelihood"], [3.0, 1.0, 2.0, 7.0, 0.5]])
    assert risks[0].id == "7" and (risks[0].minimum, risks[0].most_likely, risks[0].maximum) == (1.0, 2.0, 3.0)
    assert risk_contingency_element(risks).expected_value == 1.0


BAD = [
    (register(["R1", "", 1.5, 10.0, None, None, None]), "risk R1 (row 2) probability 1.5 is outside 0..1: a probability "
                                                        "is a fraction, so 1.5% is 0.015"),
    (register(["R1", "", 30.0, 10.0, None, None, None]), "risk R1 (row 2) probability 30 is outside 0..1: a probability "
                                                         "is a fraction, so 30% is 0.3"),
    (register(["R1", "", -0.1, 10.0, None, None, None]), "risk R1 (row 2) probability -0.1 is outside 0..1"),
    (register(["R1", "", 120.0, 10.0, None, None, None]), "probability 120 is outside 0..1: a probability is a "
                                                          "fraction from 0 to 1"),
    (register(["R1", "", "high", 10.0, None, None, None]), "risk R1 (row 2) probability is text ('high'), not a number"),
    (register(["R1", "", None, 10.0, None, None, None]), "risk R1 (row 2) probability is empty: a single impact needs"),
    (register(["R1", "", 0.5, -10.0, None, None, None]), "risk R1 (row 2) impact -10 is negative: a risk's impact is "
                                                         "the cost it adds"),
    (register(["R1", "", 0.5, None, 5.0, 4.0, 9.0]), "risk R1 (row 2) minimum 5 is above its most likely 4: a three-point "
                                                     "estimate needs minimum <= most likely <= maximum"),
    (register(["R1", "", 0.5, None, 1.0, 10.0, 9.0]), "risk R1 (row 2) most likely 10 is above its maximum 9: a "
                                                      "three-point estimate needs minimum <= most likely <= maximum"),
    (register(["R1", "", 0.5, None, 9.0, 5.0, 1.0]), "minimum 9 is above its most likely 5"),
    (register(["R1", "", 0.5, None, 1.0, None, 9.0]), "risk R1 (row 2) most likely is empty: a three-point estimate "
                                                      "needs minimum, most likely and maximum"),
    (register(["R1", "", 0.5, 3.0, 1.0, 2.0, 9.0]), "risk R1 (row 2) has an impact and a three-point estimate"),
    (register(["R1", "", 0.5, None, None, None, None]), "risk R1 (row 2) has no impact"),
    (register(["R1", "", 0.5, 1.0, None, None, None], ["R1", "", 0.5, 1.0, None, None, None]),
     "risk R1 appears twice in the register"),
    (register([None, "", 0.5, 1.0, None, None, None]), "risk register row 2 id is empty"),
    ([["id", "chance"], ["R1", 0.5]], "risk register header 'chance' is not a known column"),
    ([["description"], ["x"]], "risk register has no id column"),
    (None, "risk register is empty: select a range with a header row"),
]


@pytest.mark.parametrize("table, expected", BAD)
def test_bad_register_gives_its_specific_message(table, expected):
    assert expected in message(risk_contingency_element, table)
    assert expected in message(simulate_risk, table, trials=10)


@pytest.mark.parametrize("kw, expected", [
    ({"trials": 1000.5}, "trials 1000.5 must be a whole number from 1 to 10000000"),
    ({"trials": 0}, "trials 0 must be a whole number from 1 to 10000000"),
    ({"trials": "many"}, "trials is text ('many'), not a number"),
    ({"seed": -1}, "seed -1 must be a whole number from 0"),
    ({"seed": 1.5}, "seed 1.5 must be a whole number"),
    ({"seed": 1e20}, "seed 1e+20 must be a whole number from 0 to 9007199254740992"),
    ({"bins": 0}, "bins 0 must be a whole number from 1 to 1000"),
])
def test_bad_simulation_settings_give_their_specific_message(kw, expected):
    assert expected in message(simulate_risk, [Risk("R1", probability=0.5, impact=1.0)], **kw)


@pytest.mark.parametrize("value, expected", [
    (80, "percentile 80 is outside 0..1: give it as a fraction, so P80 is 0.8 (80%)"),
    (90.0, "so P90 is 0.9 (90%)"),
    (-0.1, "percentile -0.1 is outside 0..1: give it as a fraction, 0.8 for P80"),
    (250, "percentile 250 is outside 0..1"),
    (None, "percentile is empty"),
    ("P80", "percentile is text ('P80'), not a number"),
])
def test_a_percentile_outside_0_to_1_is_refused_with_a_hint(value, expected):
    assert expected in message(percentile, value)


def test_a_percentile_as_a_fraction_is_accepted():
    assert (percentile(0.8), percentile(0), percentile(1)) == (0.8, 0.0, 1.0)
