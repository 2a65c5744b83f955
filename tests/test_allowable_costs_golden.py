"""Golden figures for the build-up of allowable costs: the guidance's own (allowable costs guidance
v7.3, 4.9), a case worked by hand below with its arithmetic, and the shipped worked case."""

from __future__ import annotations

import pytest

from sscr.allowable_costs import (allowable_costs, component_price, cost_recovery_rate, escalate,
                                  risk_contingency_element)
from sscr.allowable_costs.worked_case import (COST_LINES, INDICES, RECOVERY_RATES, RISK_REGISTER, worked_case)
from sscr.rounding import PENNY


def test_guidance_4_9_fifty_pounds_an_hour_on_a_thousand_hours_is_fifty_thousand():
    # Allowable costs guidance v7.3, 4.9: "a rate of £50 per hour applied to a cost recovery base of
    # 1,000 labour hours would generate a cost of £50,000".
    rate = cost_recovery_rate(50_000_000, 1_000_000)  # any pool / base giving £50 an hour
    assert rate.rate == 50.0
    assert rate.apply(1_000) == pytest.approx(50_000, abs=PENNY)
    line = [["id", "description", "cost_type", "basis", "rate", "quantity", "appropriate", "attributable",
             "reasonable", "evidence"],
            ["1", "Labour", "A", "estimated", 50.0, 1_000.0, "agreed", "agreed", "agreed", "4.9"]]
    assert allowable_costs(line).allowable == pytest.approx(50_000, abs=PENNY)


# A case worked by hand.
#
# Recovery rate "Engineering": pool £900,000 / base 20,000 hours = £45.00 an hour.
# Index "Wages": 2025 = 100.0, 2026 = 103.5, so the factor is 1.035.
#
# H1 labour (A)          45.00 x 1,200 h = 54,000.00; x 1.035 = 55,890.00     agreed       allowable
# H2 materials (B)       20,000.00 less a credit of 1,500.00 = 18,500.00      agreed       allowable
# H3 overheads (4.8)     12.50 x 1,200 h = 15,000.00                          pending (attributable)
# H4 hospitality (C.3)   700.00, agreed on all three, but C.3.1: not allowable  excluded
# H5 bid costs (C.2)     4,250.00                                              not agreed (reasonable)
# H6 insurance (E.5)     1,100.00                                              agreed, flagged for review
#
# allowable  = 55,890.00 + 18,500.00 + 1,100.00                  = 75,490.00
# claimed    = 75,490.00 + 15,000.00 + 4,250.00 + 700.00          = 95,440.00; gap 19,950.00
# Part A 55,890.00; Part B 18,500.00; Part C claimed 4,950.00 (4,250.00 not agreed, 700.00 excluded);
# Part E 1,100.00; general 15,000.00 pending.
#
# Risks: R1 30% x 10,000.00                                  = 3,000.00
#        R2 50% x (2,000 + 5,000 + 11,000) / 3 = 50% x 6,000  = 3,000.00
#        R3 certain, (1,000 + 1,500 + 3,500) / 3              = 2,000.00
#        risk contingency element (expected value)           = 8,000.00
# Price: POCO deduction 2,490.00; allowable costs 75,490.00 + 8,000.00 - 2,490.00 = 81,000.00;
#        CPR 10%: profit 8,100.00; price 89,100.00.

HAND_LINES = [
    ["id", "description", "cost_type", "basis", "amount", "rate", "quantity", "credit", "index", "base_period",
     "price_period", "appropriate", "attributable", "reasonable", "evidence"],
    ["H1", "Labour", "A", "estimated", None, "Engineering", 1_200.0, None, "Wages", 2025, 2026,
     "agreed", "agreed", "agreed", "timesheets"],
    ["H2", "Materials", "B", "actual", 20_000.0, None, None, 1_500.0, None, None, None,
     "agreed", "agreed", "agreed", "invoices; rebate note"],
    ["H3", "Overheads", "4.8", "estimated", None, 12.5, 1_200.0, None, None, None, None,
     "agreed", "pending", "agreed", "QMAC"],
    ["H4", "Hospitality", "C.3", "actual", 700.0, None, None, None, None, None, None,
     "agreed", "agreed", "agreed", "receipts"],
    ["H5", "Bid costs", "C.2", "actual", 4_250.0, None, None, None, None, None, None,
     "agreed", "agreed", "not agreed", "bid timesheets"],
    ["H6", "Insurance", "E.5", "estimated", 1_100.0, None, None, None, None, None, None,
     "agreed", "agreed", "agreed", "broker quote"],
]
HAND_RATES = [["name", "cost_pool", "recovery_base"], ["Engineering", 900_000.0, 20_000.0]]
HAND_INDICES = [["index", "period", "value"], ["Wages", 2025, 100.0], ["Wages", 2026, 103.5]]
HAND_RISKS = [["id", "probability", "impact", "minimum", "most_likely", "maximum"],
              ["R1", 0.3, 10_000.0, None, None, None],
              ["R2", 0.5, None, 2_000.0, 5_000.0, 11_000.0],
              ["R3", None, None, 1_000.0, 1_500.0, 3_500.0]]


@pytest.fixture(scope="module")
def hand():
    return allowable_costs(HAND_LINES, recovery_rates=HAND_RATES, indices=HAND_INDICES)


def test_hand_worked_lines(hand):
    h1 = hand.line("H1")
    assert (h1.rate, h1.gross, h1.escalation_factor) == (45.0, 54_000.0, pytest.approx(1.035, abs=1e-12))
    assert h1.net == pytest.approx(55_890.00, abs=PENNY)
    assert hand.line("H2").net == 18_500.0
    assert (hand.line("H3").gross, hand.line("H3").status) == (15_000.0, "pending")
    assert (hand.line("H4").status, hand.line("H4").allowable) == ("excluded", 0.0)
    assert hand.line("H4").flags[0].startswith("not allowable (C.3.1)")
    assert hand.line("H5").status == "not agreed"
    assert hand.line("H6").allowable == 1_100.0 and hand.line("H6").flags[0].startswith("review (E.5.1-E.5.7)")


def test_hand_worked_totals_by_status_and_part(hand):
    t = hand.totals
    assert t.allowable == pytest.approx(75_490.00, abs=PENNY)
    assert t.claimed == pytest.approx(95_440.00, abs=PENNY)
    assert (t.pending, t.not_agreed, t.excluded) == (15_000.0, 4_250.0, 700.0)
    assert t.gap == pytest.approx(19_950.00, abs=PENNY)
    assert hand.part("A").allowable == pytest.approx(55_890.00, abs=PENNY)
    assert hand.part("B").allowable == 18_500.0
    c = hand.part("C")
    assert (c.claimed, c.allowable, c.not_agreed, c.excluded) == (4_950.0, 0.0, 4_250.0, 700.0)
    assert hand.part("E").allowable == 1_100.0
    assert hand.part("").pending == 15_000.0
    assert [p for p, _ in hand.by_part] == ["A", "B", "C", "E", ""]
    assert hand.allowable_actual == 18_500.0 and hand.allowable_estimated == pytest.approx(56_990.00, abs=PENNY)


def test_hand_worked_risk_and_price(hand):
    risk = risk_contingency_element(HAND_RISKS)
    assert [r.expected_value for r in risk.risks] == [3_000.0, 3_000.0, 2_000.0]
    assert risk.expected_value == 8_000.0
    price = component_price(hand, 0.10, poco_deduction=2_490.0, risk_contingency=risk)
    assert price.allowable_costs == pytest.approx(81_000.00, abs=PENNY)
    assert price.profit == pytest.approx(8_100.00, abs=PENNY)
    assert price.price == pytest.approx(89_100.00, abs=PENNY)


def test_escalation_is_the_ratio_of_index_values():
    # 54,000 x 103.5 / 100 = 55,890
    e = escalate(54_000, 100.0, 103.5)
    assert e.escalated == pytest.approx(55_890.0, abs=PENNY) and e.uplift == pytest.approx(1_890.0, abs=PENNY)


# The shipped worked case (sscr/allowable_costs/worked_case.py), figure by figure.
WORKED_ALLOWABLE_LINES = {  # net allowable amounts, by hand
    "L01": 60 * 2_000 * 124.8 / 120.0,   # 120,000 x 1.04 = 124,800
    "L02": 60 * 3_500 * 1.04,            # 210,000 x 1.04 = 218,400
    "L03": 30 * 5_500,                   # 165,000
    "L04": 18_000, "L05": 26_000,
    "L07": 150_000 * 210 / 200 - 7_500,  # 157,500 less the rebate = 150,000
    "L08": 95_000, "L10": 22_000, "L14": 30_000, "L15": 40_000, "L18": 6_500, "L19": 14_000, "L21": 8_000,
    "L22": 400_000 * 1.10064,            # SC1's price, 440,256
}


@pytest.fixture(scope="module")
def case():
    return worked_case()


def test_worked_case_lines_and_totals(case):
    b = case.build_up
    assert len(b.lines) == 22 and len(b.by_part) == 9
    for line_id, amount in WORKED_ALLOWABLE_LINES.items():
        assert b.line(line_id).allowable == pytest.approx(amount, abs=PENNY), line_id
    assert b.allowable == pytest.approx(1_357_956.00, abs=PENNY)
    assert b.totals.pending == 4_000 + 9_000                       # L09, L16
    assert b.totals.not_agreed == 12_000 + 2_500                   # L12, L20
    assert b.totals.excluded == 15_000 + 3_200 + 1_000 + 5_000     # L06 A.2.4, L11 C.3.1, L13 C.4.1, L17 E.3.1
    assert b.claimed == pytest.approx(1_409_656.00, abs=PENNY)
    assert {r.name: r.rate for r in b.recovery_rates} == {"Labour": 60.0, "Site overheads": 30.0}


def test_worked_case_risk_poco_and_price(case):
    # EV: 0.2 x 50,000 + 0.5 x 10,000 + 17,000 + 0.1 x 30,000 + 0.25 x 6,000 = 36,500
    assert case.risk.expected_value == 36_500.0
    assert len(case.risk.risks) == 5
    # POCO (Table 2): 400,000 x 10.064% - 400,000 x 1% - 400,000 x 8.24% x (10% - 5%) = 34,608
    assert case.poco.deduction == pytest.approx(34_608.00, abs=PENNY)
    assert case.profit_rate.contract_profit_rate == pytest.approx(0.10652, abs=1e-12)
    p = case.price
    assert p.allowable_costs == pytest.approx(1_357_956 + 36_500 - 34_608, abs=PENNY)
    assert p.price == pytest.approx(1_504_699.01, abs=PENNY)
    # The POCO chain's prime carries the same costs: before = lines + risk; after = the price's.
    assert case.poco.prime_allowable_costs_before == pytest.approx(b_plus_risk(case), abs=PENNY)
    assert case.poco.prime_allowable_costs_after == pytest.approx(p.allowable_costs, abs=PENNY)
    assert case.poco.prime_price_after == pytest.approx(p.price, abs=PENNY)


def b_plus_risk(case):
    return case.build_up.allowable + case.risk.expected_value


def test_worked_case_simulation_is_reported_beside_the_expected_value(case):
    s = case.simulation
    assert s.trials == 100_000 and s.seed == 2026
    assert abs(s.mean - 36_500) < 5 * s.standard_error
    assert s.p50 < s.p80 < s.p90 and sum(s.counts) == s.trials


def test_worked_case_tables_are_data_a_workbook_can_lay_out():
    for table in (COST_LINES, RECOVERY_RATES, INDICES, RISK_REGISTER):
        assert all(len(row) == len(table[0]) for row in table)
        assert all(isinstance(h, str) for h in table[0])
