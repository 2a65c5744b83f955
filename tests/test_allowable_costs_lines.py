"""Cost lines, recovery rates, escalation and the price from the build-up: behaviour and bad input
(allowable costs guidance v7.3, sections 3-5)."""

from __future__ import annotations

import numpy as np
import pytest

from sscr.allowable_costs import (CostLine, allowable_costs, attributed_once, component_price, component_prices,
                                  cost_recovery_rate, escalate, over_under_recovery, recovery_rates_from_table)
from sscr.allowable_costs.escalation import index_series_from_table
from sscr.errors import PricingInputError

HEADER = ["id", "description", "cost_type", "basis", "amount", "rate", "quantity", "appropriate", "attributable",
          "reasonable", "evidence"]
A = "agreed"


def row(id_="L1", cost_type="4.7", amount=100.0, rate=None, quantity=None, basis="estimated", statuses=(A, A, A),
        evidence="quote"):
    return [id_, "a cost", cost_type, basis, amount, rate, quantity, *statuses, evidence]


def build(*rows, **kw):
    return allowable_costs([HEADER, *rows], **kw)


def message(fn, *args, **kw) -> str:
    with pytest.raises(PricingInputError) as e:
        fn(*args, **kw)
    return str(e.value)


# --- statuses and buckets (section 3; 5.1) -------------------------------------------------------

@pytest.mark.parametrize("statuses, status", [
    ((A, A, A), "agreed"),
    (("Agreed", "AGREED", " agreed "), "agreed"),
    ((A, "pending", A), "pending"),
    ((A, "pending", "not agreed"), "not agreed"),
    (("not_agreed", A, A), "not agreed"),
    (("Not-Agreed", "Pending", A), "not agreed"),
])
def test_a_line_counts_only_when_agreed_on_all_three_requirements(statuses, status):
    b = build(row(statuses=statuses))
    assert b.line("L1").status == status
    assert b.allowable == (100.0 if status == "agreed" else 0.0)
    assert b.totals.bucket(status) == 100.0 and b.claimed == 100.0


def test_a_type_the_guidance_says_is_not_allowable_is_excluded_whatever_its_status_with_the_paragraph():
    for statuses in ((A, A, A), ("pending", A, A), ("not agreed", "not agreed", "not agreed")):
        b = build(row(cost_type="E.4.5", statuses=statuses))
        line = b.line("L1")
        assert line.status == "excluded" and line.allowable == 0.0 and b.totals.excluded == 100.0
        assert line.flags[0].startswith("not allowable (E.4.5): Civil penalties and fines")


@pytest.mark.parametrize("code, start", [("G.2", "review: generally not allowable (G.2.1)"),
                                         ("F.1", "review (F.1.2-F.1.3)"),
                                         ("I.2", "review (I.2.1-I.2.3)")])
def test_a_type_that_depends_on_circumstances_counts_when_agreed_and_is_flagged_never_dropped(code, start):
    b = build(row(cost_type=code))
    assert b.allowable == 100.0 and b.allowable_for_review == 100.0
    assert b.line("L1").flags[0].startswith(start) and b.line("L1").for_review


def test_a_line_without_evidence_is_flagged():
    b = build(row(evidence=None))
    assert any(f.startswith("no evidence note") for f in b.line("L1").flags)
    assert b.allowable == 100.0


def test_inflation_not_evidenced_against_an_index_is_flagged_and_evidenced_inflation_is_not():
    b = build(row(cost_type="A.4"))
    assert "inflation is not evidenced against an index" in "; ".join(b.line("L1").flags)
    lines = [HEADER + ["index", "base_period", "price_period"], row(cost_type="B.1") + ["CPI", 2025, 2026]]
    e = allowable_costs(lines, indices=[["index", "period", "value"], ["CPI", 2025, 100.0], ["CPI", 2026, 102.0]])
    assert "not evidenced" not in "; ".join(e.line("L1").flags)
    assert e.line("L1").net == pytest.approx(102.0, abs=1e-9)


def test_totals_by_part_add_up_to_the_total():
    b = build(row("1", "A", 10.0), row("2", "B", 20.0, statuses=(A, "pending", A)), row("3", "C.3", 5.0),
              row("4", "4.8", 7.0, statuses=("not agreed", A, A)), row("5", "A.1", 1.0))
    assert [p for p, _ in b.by_part] == ["A", "B", "C", ""]
    assert b.part("A").allowable == 11.0 and b.part("A").lines == 2
    for field in ("claimed", "allowable", "pending", "not_agreed", "excluded"):
        assert sum(getattr(t, field) for _, t in b.by_part) == getattr(b.totals, field)
    table = b.table()
    assert table[0][:4] == ["Part", "Heading", "Claimed", "Allowable (agreed)"]
    assert table[5] == ["Total", "", 43.0, 11.0, 20.0, 7.0, 5.0, 5]
    assert table[6] == ["Gap: claimed less allowable", "", 32.0, "", "", "", "", ""]


def test_rate_times_quantity_from_a_named_rate_and_an_unmatched_scope_is_flagged():
    rates = [["name", "cost_pool", "recovery_base", "pool_scope", "base_scope"],
             ["Overheads", 300_000.0, 10_000.0, "Site A", "Whole company"]]
    b = build(row(amount=None, rate="overheads", quantity=100.0), recovery_rates=rates)
    line = b.line("L1")
    assert (line.rate_name, line.rate, line.gross) == ("Overheads", 30.0, 3_000.0)
    assert line.flags[0].startswith("review (4.11 ii): the scope of rate Overheads's recovery base (Whole company)")


def test_a_credit_reduces_the_cost_it_belongs_to():
    b = allowable_costs([HEADER + ["credit"], row(amount=1_000.0) + [250.0]])
    assert (b.line("L1").credit, b.line("L1").net, b.allowable) == (250.0, 750.0, 750.0)


def test_lines_may_be_given_as_cost_line_objects_or_a_dataframe():
    pd = pytest.importorskip("pandas")
    objects = [CostLine("1", "x", "A", "actual", A, A, A, amount=5.0), CostLine("2", "y", "B", "actual", A, A, A,
                                                                                rate=2.0, quantity=3.0)]
    assert allowable_costs(objects).allowable == 11.0
    frame = pd.DataFrame([row("1", amount=5.0), row("2", amount=6.0)], columns=HEADER)
    assert allowable_costs(frame).allowable == 11.0


# --- components (4.5) -----------------------------------------------------------------------------

def lines_with_components(*pairs):
    return [HEADER + ["component"], *[row(i, amount=a) + [c] for i, a, c in pairs]]


def test_a_components_lines_are_selected_and_totalled():
    table = lines_with_components(("1", 10.0, "Spares"), ("2", 20.0, "Support"), ("3", 5.0, "Spares"))
    whole = allowable_costs(table)
    assert [(c, t.allowable) for c, t in whole.by_component] == [("Spares", 15.0), ("Support", 20.0)]
    assert allowable_costs(table, component="spares").allowable == 15.0
    prices = component_prices(table, {"Spares": 0.1, "Support": 0.0})
    assert [p.price for p in prices.components] == [pytest.approx(16.5), 20.0]
    assert prices.total_price == pytest.approx(36.5)


def test_a_line_attributed_to_two_components_is_refused_naming_both():
    table = lines_with_components(("L7", 10.0, "Spares"), ("L7", 10.0, "Support"))
    assert message(allowable_costs, table) == (
        "cost line L7 is attributed to component Spares and to component Support: a cost is attributed to one "
        "component only (guidance 4.5); to apportion it, split it into lines with their own ids")


def test_the_same_line_in_two_components_build_ups_is_refused_naming_both():
    spares = build(row("L7"), row("L8"))
    support = build(row("L9"), row("L7"))
    assert "cost line L7 is attributed to component Spares and to component Support" in message(
        attributed_once, {"Spares": spares, "Support": support})
    assert "attributed to component Spares and to component Support" in message(
        component_prices, {"Spares": spares, "Support": support}, {"Spares": 0.1, "Support": 0.1})


@pytest.mark.parametrize("table, kw, expected", [
    (lines_with_components(("1", 1.0, "A"), ("1", 2.0, "A")), {}, "cost line id 1 appears twice: each cost counts once"),
    (lines_with_components(("1", 1.0, "A"), ("2", 2.0, None)), {}, "cost line 2 has no component while other lines name one"),
    (lines_with_components(("1", 1.0, "A")), {"component": "B"}, "component 'B' has no cost lines (components: A)"),
    ([HEADER, row(None)], {}, "cost line at row 2 has an empty id"),
    ([HEADER, row("1")], {"component": "A"}, "component 'A' was asked for, but no cost line names a component"),
])
def test_component_and_id_errors(table, kw, expected):
    assert expected in message(allowable_costs, table, **kw)


# --- bad input: each gives its specific message --------------------------------------------------

RATES = [["name", "cost_pool", "recovery_base"], ["Labour", 100.0, 2.0]]
INDICES = [["index", "period", "value"], ["CPI", 2025, 100.0], ["CPI", 2026, 103.0]]
IDX = HEADER + ["index", "base_period", "price_period", "credit"]


def idx_row(index="CPI", p0=2025, p1=2026, credit=None, **kw):
    return row(**kw) + [index, p0, p1, credit]


BAD = [
    ([["id", "colour"], ["1", "red"]], {}, "cost lines header 'colour' is not a known column: the columns are id, "
                                           "description, cost_type, basis, appropriate"),
    ([["id", "description", "cost_type", "appropriate", "attributable", "reasonable"], ["1", "x", "A", A, A, A]], {},
     "cost lines has no basis column: the header row must name id, description, cost_type, basis"),
    ([HEADER, row(cost_type="X.1")], {}, "cost line L1 (row 2) cost type 'X.1' is not in the cost-type catalogue"),
    ([HEADER, row(statuses=("yes", A, A))], {}, "cost line L1 (row 2) appropriate 'yes' is not agreed, not agreed or pending"),
    ([HEADER, row(statuses=(A, "approved", A))], {}, "attributable 'approved' is not agreed, not agreed or pending"),
    ([HEADER, row(statuses=(A, A, None))], {}, "cost line L1 (row 2) reasonable is empty: enter agreed, not agreed or pending"),
    ([HEADER, row(statuses=(True, A, A))], {}, "appropriate True is not agreed, not agreed or pending"),
    ([HEADER, row(basis="forecast")], {}, "cost line L1 (row 2) basis 'forecast' is not estimated or actual"),
    ([HEADER, row(amount=None, rate=50.0, quantity=-5.0)], {},
     "cost line L1 (row 2) quantity -5 is negative: a recovery base quantity is zero or more"),
    ([HEADER, row(amount=-100.0)], {}, "cost line L1 (row 2) amount -100 is negative: a cost is zero or more; net a credit"),
    ([HEADER, row(amount="1,000")], {}, "cost line L1 (row 2) amount is text ('1,000'), not a number; it looks like a number"),
    ([HEADER, row(amount=100.0, rate=5.0, quantity=2.0)], {}, "has an amount and a rate or quantity: give either"),
    ([HEADER, row(amount=None, rate=5.0)], {}, "cost line L1 (row 2) has a rate but no quantity"),
    ([HEADER, row(amount=None, quantity=5.0)], {}, "cost line L1 (row 2) has a quantity but no rate"),
    ([HEADER, row(amount=None)], {}, "cost line L1 (row 2) has no cost: enter an amount, or a rate and a quantity (4.9)"),
    ([HEADER, row(amount=None, rate=-5.0, quantity=1.0)], {}, "cost line L1 (row 2) rate -5 is negative"),
    ([HEADER, row(amount=None, rate="Labour", quantity=1.0)], {},
     "cost line L1 (row 2) rate 'Labour' names a cost recovery rate, but no recovery rates table was given"),
    ([HEADER, row(amount=None, rate="Welding", quantity=1.0)], {"recovery_rates": RATES},
     "cost line L1 (row 2) rate 'Welding' is not in the recovery rates table (rates: Labour)"),
    ([HEADER, row(cost_type="H.2")], {}, "cost line L1 (row 2) cost type H.2 (Risk contingency element) is not a cost "
                                         "line (H.2.1-H.2.5): The aggregate of risk-affected costs"),
    ([HEADER, row(cost_type="E.4.1")], {}, "enter the credit in the credit column of the line whose cost it reduces"),
    ([HEADER, row(cost_type="I.4")], {}, "is not a cost line (I.4.1-I.4.6)"),
    ([IDX, idx_row(credit=150.0)], {"indices": INDICES}, "cost line L1 (row 2) credit 150 exceeds the cost it reduces (103)"),
    ([IDX, idx_row(credit=-1.0)], {"indices": INDICES}, "cost line L1 (row 2) credit -1 is negative"),
    ([IDX, idx_row()], {}, "cost line L1 (row 2) is escalated by index 'CPI', but no index table was given"),
    ([IDX, idx_row(index="RPI")], {"indices": INDICES}, "cost line L1 (row 2) index 'RPI' is not in the index table (indices: CPI)"),
    ([IDX, idx_row(p1=2027)], {"indices": INDICES}, "cost line L1 (row 2) period '2027' has no value in index CPI (periods: 2025, 2026)"),
    ([IDX, idx_row(p1=None)], {"indices": INDICES}, "is escalated by index CPI but its price period is empty"),
    ([IDX, idx_row(index=None)], {"indices": INDICES}, "has a base or price period but no index"),
    ([HEADER, row()], {"recovery_rates": [["name", "cost_pool", "recovery_base"], ["X", 1.0, 0.0]]},
     "recovery rates row 2 recovery base 0 is not above zero: a cost recovery rate is the cost pool per unit"),
    ([HEADER, row()], {"recovery_rates": [["name", "cost_pool", "recovery_base"], ["X", -1.0, 1.0]]},
     "recovery rates row 2 cost pool -1 is negative"),
    ([HEADER, row()], {"recovery_rates": [["name", "cost_pool", "recovery_base"], ["X", 1.0, 1.0], ["x", 2.0, 1.0]]},
     "recovery rate 'x' appears twice"),
    ([HEADER, row()], {"indices": [["index", "period", "value"], ["CPI", 2025, 0.0]]},
     "indices row 2 value 0 is not above zero: an index value is a positive level"),
    ([HEADER, row()], {"indices": [["index", "period", "value"], ["CPI", 2025, 1.0], ["cpi", 2025.0, 2.0]]},
     "indices: index 'cpi' has two values for period '2025'"),
    ("cost lines", {}, "cost lines is 'cost lines': select a range with a header row and data rows"),
    ([HEADER], {}, "cost lines has a header row but no data rows"),
]


@pytest.mark.parametrize("table, kw, expected", BAD)
def test_bad_input_gives_its_specific_message(table, kw, expected):
    assert expected in message(allowable_costs, table, **kw)


# --- recovery rates, over- and under-recovery, escalation (4.4, 4.9; A.4.1) -------------------------

def test_recovery_rate_scalars_and_arrays_through_one_implementation():
    r = cost_recovery_rate(np.array([100.0, 300.0]), np.array([2.0, 3.0]))
    assert r.rate.tolist() == [50.0, 100.0]
    assert cost_recovery_rate(100.0, 2.0).rate == 50.0


def test_over_and_under_recovery_signs():
    assert over_under_recovery(50, 48, 1_000).over_recovery == 2_000.0
    assert over_under_recovery(45, 48, 1_000).over_recovery == -3_000.0
    r = over_under_recovery(np.array([50.0, 45.0]), 48.0, 1_000.0)
    assert r.over_recovery.tolist() == [2_000.0, -3_000.0]
    assert (r.estimated_recovery.tolist(), r.actual_recovery) == ([50_000.0, 45_000.0], 48_000.0)


@pytest.mark.parametrize("args, expected", [
    ((50, 48, -1), "base quantity -1 is negative: a recovery base quantity is zero or more"),
    ((-50, 48, 1), "estimated rate -50 is negative"),
    ((50, None, 1), "actual rate is empty"),
])
def test_over_under_recovery_bad_input(args, expected):
    assert expected in message(over_under_recovery, *args)


@pytest.mark.parametrize("fn, args, expected", [
    (cost_recovery_rate, (100, 0), "recovery base 0 is not above zero"),
    (cost_recovery_rate, (-100, 10), "cost pool -100 is negative"),
    (cost_recovery_rate, ("lots", 10), "cost pool is text ('lots'), not a number"),
    (escalate, (100, 0, 110), "index from 0 is not above zero"),
    (escalate, (100, 100, -1), "index to -1 is not above zero"),
    (escalate, (-100, 100, 110), "amount -100 is negative"),
])
def test_rate_and_escalation_bad_input(fn, args, expected):
    assert expected in message(fn, *args)


def test_escalation_arrays_and_a_rates_table():
    e = escalate(np.array([100.0, 200.0]), 100.0, np.array([110.0, 105.0]))
    assert e.escalated == pytest.approx([110.0, 210.0])
    rates = recovery_rates_from_table([["name", "cost_pool", "recovery_base", "basis"], ["Lab", 10.0, 4.0, "Actual"]])
    assert (rates["lab"].rate, rates["lab"].basis) == (2.5, "actual")
    series = index_series_from_table([["index", "period", "value"], ["W", "2024/25", 100.0], ["W", "2025/26", 104.0]])
    assert series.escalate(50.0, "w", "2024/25", "2025/26").escalated == pytest.approx(52.0)


# --- into the price (1.4; Part I; H.2) ------------------------------------------------------------

def test_the_price_adds_the_risk_contingency_element_and_takes_off_the_poco_deduction():
    b = build(row(amount=1_000.0))
    p = component_price(b, 0.1, poco_deduction=100.0, risk_contingency=50.0)
    assert (p.cost_lines, p.risk_contingency_element, p.poco_deduction, p.allowable_costs) == (1000.0, 50.0, 100.0, 950.0)
    assert p.price == pytest.approx(1_045.0)
    assert p.table()[2] == ["POCO deduction (Part I)", -100.0]


@pytest.mark.parametrize("kw, expected", [
    ({"poco_deduction": 2_000.0}, "POCO deduction 2000 exceeds the allowable costs it reduces (1000)"),
    ({"poco_deduction": -1.0}, "POCO deduction -1 is negative"),
    ({"risk_contingency": -1.0}, "risk contingency element -1 is negative"),
])
def test_price_bad_input(kw, expected):
    assert expected in message(component_price, 1_000.0, 0.1, **kw)


def test_price_refuses_a_profit_rate_typed_as_a_percentage():
    assert "contract profit rate 10 is not a rate" in message(component_price, 1_000.0, 10)
