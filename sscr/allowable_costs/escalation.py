"""Escalation of costs by a named index (allowable costs guidance v7.3, A.4.1 and B.1.1: inflation of
labour and material costs or rates should be evidenced against an appropriate benchmark or index).

An amount in the prices of a base period is escalated to another period by the ratio of the index
values: escalated = amount x index(to) / index(from). The index series is the user's data: a table
of index, period, value (for example an ONS series by year), so the evidence is on the sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from .. import checks
from ..errors import PricingInputError
from ..tables import normalise, read_table

Number = Union[float, np.ndarray]


@dataclass(frozen=True)
class Escalation:
    """An escalated amount with its index values, factor and uplift (the inflation element)."""

    amount: Number
    index_from: Number
    index_to: Number
    factor: Number
    escalated: Number

    @property
    def uplift(self) -> Number:
        """escalated - amount: the inflation that A.4.1 / B.1.1 require to be evidenced."""
        return self.escalated - self.amount


def index_value(name: str, value: Any) -> Number:
    v = checks.number(name, value)
    checks.check(name, v, v > 0, "is not above zero: an index value is a positive level (e.g. 2015 = 100)")
    return v


def escalate(amount: Any, index_from: Any, index_to: Any) -> Escalation:
    """Amount escalated by an index: amount x index_to / index_from (guidance A.4.1, B.1.1).

    Args:
        amount: the amount in base-period prices, money, zero or more.
        index_from: the index value for the base period, above zero.
        index_to: the index value for the period escalated to, above zero.

    Examples:
        £100,000 at index 120.0 escalated to index 126.0 (a 5% rise):

        >>> round(escalate(100_000, 120.0, 126.0).escalated, 2)
        105000.0
    """
    a = checks.money("amount", amount, nonnegative=True)
    i0 = index_value("index from", index_from)
    i1 = index_value("index to", index_to)
    factor = i1 / i0
    return Escalation(a, i0, i1, factor, a * factor)


def period_label(value: Any) -> str:
    """A period as a label: 2024, 2024.0 and "2024" are the same period; "2024/25" stays as text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


@dataclass(frozen=True)
class IndexSeries:
    """Index values by index name and period, from the user's table."""

    values: dict[tuple[str, str], float]
    names: dict[str, str]

    def value(self, index: str, period: Any, what: str) -> float:
        key = normalise(index)
        if key not in self.names:
            known = ", ".join(sorted(self.names.values())) or "none"
            raise PricingInputError(f"{what} index {checks.fmt(index)} is not in the index table (indices: {known})")
        label = period_label(period)
        found = self.values.get((key, label))
        if found is None:
            periods = sorted(p for (k, p) in self.values if k == key)
            raise PricingInputError(
                f"{what} period {checks.fmt(label)} has no value in index {self.names[key]} "
                f"(periods: {', '.join(periods)})")
        return found

    def escalate(self, amount: Any, index: str, period_from: Any, period_to: Any, what: str = "amount") -> Escalation:
        """``amount`` escalated from one period to another by the named index."""
        return escalate(amount, self.value(index, period_from, what), self.value(index, period_to, what))


def index_series_from_table(table: Any) -> IndexSeries:
    """An index series from a range with a header row: index, period, value (one row per period)."""
    rows = read_table("indices", table, ("index", "period", "value"), (),
                      {"name": "index", "index name": "index", "year": "period", "index value": "value"})
    values: dict[tuple[str, str], float] = {}
    names: dict[str, str] = {}
    for r in rows:
        where = f"indices row {r['_row']}"
        if r["index"] is None:
            raise PricingInputError(f"{where} index is empty: name the index the value belongs to")
        name = str(r["index"]).strip()
        label = period_label(r["period"])
        if not label:
            raise PricingInputError(f"{where} period is empty: enter the period the value is for, e.g. 2025")
        key = (normalise(name), label)
        if key in values:
            raise PricingInputError(f"indices: index {checks.fmt(name)} has two values for period {checks.fmt(label)}")
        values[key] = float(index_value(f"{where} value", r["value"]))
        names.setdefault(normalise(name), name)
    return IndexSeries(values, names)
