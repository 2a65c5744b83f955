"""Invariants of the build-up of allowable costs (allowable costs guidance v7.3, sections 3 and 5):
excluding a line never raises allowable costs; every line lands in one bucket; money scales."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sscr.allowable_costs import allowable_costs
from sscr.allowable_costs.catalogue import NOT_A_COST_LINE, catalogue

HEADER = ["id", "description", "cost_type", "basis", "amount", "rate", "quantity", "credit", "appropriate",
          "attributable", "reasonable", "evidence"]
CODES = [t.code for t in catalogue() if t.treatment != NOT_A_COST_LINE]
STATUS = st.sampled_from(["agreed", "not agreed", "pending"])
MONEY = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def a_line(draw):
    kind = draw(st.sampled_from(["amount", "rate"]))
    amount = draw(MONEY) if kind == "amount" else None
    rate = draw(st.floats(min_value=0, max_value=1e4)) if kind == "rate" else None
    quantity = draw(st.floats(min_value=0, max_value=1e5)) if kind == "rate" else None
    gross = amount if kind == "amount" else rate * quantity
    credit = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1).map(lambda f: f * gross)))
    return [None, "line", draw(st.sampled_from(CODES)), draw(st.sampled_from(["estimated", "actual"])), amount, rate,
            quantity, credit, draw(STATUS), draw(STATUS), draw(STATUS), "evidence"]


LINES = st.lists(a_line(), min_size=1, max_size=25)


def table(lines):
    return [HEADER, *[[f"L{i}", *line[1:]] for i, line in enumerate(lines)]]


@settings(max_examples=150, deadline=None)
@given(LINES, st.data())
def test_excluding_a_line_never_raises_allowable_costs(lines, data):
    before = allowable_costs(table(lines)).allowable
    i = data.draw(st.integers(0, len(lines) - 1))
    if len(lines) > 1:
        assert allowable_costs(table(lines[:i] + lines[i + 1:])).allowable <= before
    withdrawn = [list(line) for line in lines]
    withdrawn[i][data.draw(st.sampled_from([8, 9, 10]))] = data.draw(st.sampled_from(["not agreed", "pending"]))
    assert allowable_costs(table(withdrawn)).allowable <= before


@settings(max_examples=150, deadline=None)
@given(LINES)
def test_every_line_lands_in_exactly_one_bucket(lines):
    b = allowable_costs(table(lines))
    t = b.totals
    assert math.isclose(t.claimed, t.allowable + t.pending + t.not_agreed + t.excluded, rel_tol=1e-12, abs_tol=1e-6)
    assert 0 <= t.allowable <= t.claimed * (1 + 1e-12) + 1e-6
    assert math.isclose(b.allowable_estimated + b.allowable_actual, t.allowable, rel_tol=1e-12, abs_tol=1e-6)
    assert sum(tp.lines for _, tp in b.by_part) == len(lines)
    for line in b.lines:
        assert line.allowable in (0.0, line.net)
        assert (line.allowable > 0) <= (line.status == "agreed")
        assert (line.status == "excluded") == (line.cost_type.treatment == "not allowable")


@settings(max_examples=100, deadline=None)
@given(LINES, st.sampled_from([0.25, 0.5, 2.0, 4.0, 1024.0]))
def test_scaling_every_amount_scales_allowable_costs(lines, k):
    scaled = [[*line[:4], None if line[4] is None else line[4] * k, None if line[5] is None else line[5] * k,
               line[6], None if line[7] is None else line[7] * k, *line[8:]] for line in lines]
    a, b = allowable_costs(table(lines)), allowable_costs(table(scaled))
    assert math.isclose(b.allowable, a.allowable * k, rel_tol=1e-12, abs_tol=1e-6)
    assert math.isclose(b.claimed, a.claimed * k, rel_tol=1e-12, abs_tol=1e-6)
