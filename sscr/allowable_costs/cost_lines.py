"""The cost lines of a build-up of allowable costs, and their totals (allowable costs guidance v7.3,
sections 3-5).

Each cost line names a cost type from the catalogue (section 5), gives its cost either as a direct
amount or as a cost recovery rate x a quantity of its recovery base (4.9), says whether the cost is
estimated or actual (3.1), and records the parties' agreement on each requirement of allowable
costs: appropriate (3.13), attributable to the contract or component (3.14) and reasonable in the
circumstances (3.15), each ``agreed``, ``not agreed`` or ``pending``. A line may also be escalated
by a named index (A.4.1, B.1.1) and net a credit that reduces it (E.4.1).

A line's figures, in order:

    gross      = amount, or rate x quantity                          (4.9)
    escalated  = gross x index(price period) / index(base period)    (A.4.1, B.1.1)
    net        = escalated - credit                                  (E.4.1)
    allowable  = net if agreed on all three requirements and the
                 type is not one the guidance says is not allowable  (3.1, 5.1, section 3)

Every line lands in exactly one bucket, so the gap between claimed and agreed is visible:

    claimed = allowable + pending + not agreed + excluded (not allowable by the guidance)

Lines of a type whose allowability depends on circumstances count when agreed but carry a review
flag citing the paragraph; lines of a type the guidance says is not allowable are excluded with the
paragraph, whatever their agreement status. Nothing is dropped silently.

A cost is attributed to one component only (4.5): the same line id under two components is refused,
naming both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .. import checks
from ..errors import PricingInputError
from ..tables import cell_text, normalise, read_table
from .catalogue import (DEPENDS, GENERALLY_NOT_ALLOWABLE, NOT_A_COST_LINE, NOT_ALLOWABLE, PARTS, CostType,
                        cost_type)
from .escalation import IndexSeries, index_series_from_table, period_label
from .recovery_rates import CostRecoveryRate, cost_basis, quantity, rate_per_unit, recovery_rates_from_table

AGREED, NOT_AGREED, PENDING, EXCLUDED = "agreed", "not agreed", "pending", "excluded"
STATUSES = {"agreed": AGREED, "notagreed": NOT_AGREED, "pending": PENDING}
REQUIREMENTS = ("appropriate", "attributable", "reasonable")
REQUIREMENT_PARAGRAPHS = {"appropriate": "3.13", "attributable": "3.14", "reasonable": "3.15"}
#: The buckets of the totals table, in order.
BUCKETS = (AGREED, PENDING, NOT_AGREED, EXCLUDED)

COLUMNS = ("id", "description", "cost_type", "basis", "appropriate", "attributable", "reasonable")
OPTIONAL = ("amount", "rate", "quantity", "credit", "evidence", "component", "index", "base_period", "price_period")
ALIASES = {"line": "id", "line id": "id", "type": "cost_type", "cost type code": "cost_type", "code": "cost_type",
           "estimated or actual": "basis", "estimated/actual": "basis", "attributable to the contract": "attributable",
           "reasonable in the circumstances": "reasonable", "evidence note": "evidence", "direct amount": "amount",
           "recovery rate": "rate", "cost recovery rate": "rate", "base quantity": "quantity",
           "recovery base quantity": "quantity", "escalation index": "index", "from period": "base_period",
           "to period": "price_period", "base year": "base_period", "price year": "price_period"}


@dataclass(frozen=True)
class CostLine:
    """A cost line as the analyst enters it. Give ``amount``, or ``rate`` and ``quantity``; ``rate``
    is pounds per unit or the name of a cost recovery rate. ``row`` is the table row, for messages."""

    id: str
    description: str
    cost_type: str
    basis: str
    appropriate: str
    attributable: str
    reasonable: str
    amount: Any = None
    rate: Any = None
    quantity: Any = None
    credit: Any = None
    evidence: str = ""
    component: str = ""
    index: str = ""
    base_period: Any = None
    price_period: Any = None
    row: int | None = None


@dataclass(frozen=True)
class CostLineResult:
    """One line through the build-up, with every intermediate figure and its flags."""

    id: str
    description: str
    component: str
    cost_type: CostType
    basis: str
    appropriate: str
    attributable: str
    reasonable: str
    status: str
    rate_name: str
    rate: float | None
    quantity: float | None
    gross: float
    index: str
    base_period: str
    price_period: str
    escalation_factor: float
    escalated: float
    credit: float
    net: float
    allowable: float
    evidence: str
    flags: tuple[str, ...]
    row: int | None = None

    @property
    def part(self) -> str:
        return self.cost_type.part

    @property
    def excluded(self) -> bool:
        return self.status == EXCLUDED

    @property
    def for_review(self) -> bool:
        return self.cost_type.needs_review or any(f.startswith("review") for f in self.flags)


@dataclass(frozen=True)
class StatusTotals:
    """Totals of net cost by bucket for a set of lines (a Part, a component or all)."""

    claimed: float
    allowable: float
    pending: float
    not_agreed: float
    excluded: float
    lines: int

    @property
    def gap(self) -> float:
        """Claimed less allowable: what is pending, not agreed or excluded."""
        return self.claimed - self.allowable

    def bucket(self, name: str) -> float:
        return {AGREED: self.allowable, PENDING: self.pending, NOT_AGREED: self.not_agreed,
                EXCLUDED: self.excluded}[name]


@dataclass(frozen=True)
class AllowableCosts:
    """The build-up: every line, the totals by status, by Part and by component.

    ``allowable`` is the agreed allowable costs (before any risk contingency element or POCO
    deduction, which the price adds and takes away separately: see ``component_price``).
    """

    lines: tuple[CostLineResult, ...]
    totals: StatusTotals
    by_part: tuple[tuple[str, StatusTotals], ...]
    by_component: tuple[tuple[str, StatusTotals], ...]
    allowable_estimated: float
    allowable_actual: float
    allowable_for_review: float
    component: str | None = None
    recovery_rates: tuple[CostRecoveryRate, ...] = field(default=())

    @property
    def allowable(self) -> float:
        return self.totals.allowable

    @property
    def claimed(self) -> float:
        return self.totals.claimed

    @property
    def gap(self) -> float:
        return self.totals.gap

    def part(self, letter: str) -> StatusTotals:
        for p, t in self.by_part:
            if p == letter:
                return t
        raise KeyError(letter)

    def line(self, line_id: str) -> CostLineResult:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def table(self) -> list[list[Any]]:
        """Totals by Part and by status, as rows: Part, heading, claimed, allowable, pending,
        not agreed, excluded, lines; then the total, the gap and the splits."""
        rows: list[list[Any]] = [["Part", "Heading", "Claimed", "Allowable (agreed)", "Pending", "Not agreed",
                                  "Excluded (not allowable)", "Lines"]]
        for letter, t in self.by_part:
            rows.append([letter or "General", PARTS[letter], t.claimed, t.allowable, t.pending, t.not_agreed,
                         t.excluded, t.lines])
        t = self.totals
        rows.append(["Total", "", t.claimed, t.allowable, t.pending, t.not_agreed, t.excluded, t.lines])
        for label, value in (("Gap: claimed less allowable", t.gap),
                             ("Allowable: estimated costs", self.allowable_estimated),
                             ("Allowable: actual costs", self.allowable_actual),
                             ("Allowable: flagged for review", self.allowable_for_review)):
            rows.append([label, "", value, "", "", "", "", ""])
        return rows



def agreement_status(value: Any, what: str) -> str:
    """'agreed', 'not agreed' or 'pending' (case, spaces, hyphens and underscores ignored)."""
    key = normalise(value) if isinstance(value, str) else None
    if key in STATUSES:
        return STATUSES[key]  # type: ignore[index]
    if value is None or key == "":
        raise PricingInputError(f"{what} is empty: enter agreed, not agreed or pending")
    raise PricingInputError(f"{what} {checks.fmt(value)} is not agreed, not agreed or pending")


def cost_lines_from_table(table: Any) -> list[CostLine]:
    """Cost lines from a range with a header row (columns matched by name, in any order):
    id, description, cost_type, basis, appropriate, attributable, reasonable, and optionally
    amount, rate, quantity, credit, evidence, component, index, base_period, price_period."""
    rows = read_table("cost lines", table, COLUMNS, OPTIONAL, ALIASES)
    return [CostLine(cell_text(r["id"]), cell_text(r["description"]), r["cost_type"], r["basis"], r["appropriate"],
                     r["attributable"], r["reasonable"], r["amount"], r["rate"], r["quantity"], r["credit"],
                     cell_text(r["evidence"]), cell_text(r["component"]), cell_text(r["index"]), r["base_period"],
                     r["price_period"], r["_row"]) for r in rows]


def _as_lines(cost_lines: Any) -> list[CostLine]:
    if isinstance(cost_lines, (list, tuple)) and cost_lines and all(isinstance(c, CostLine) for c in cost_lines):
        return list(cost_lines)
    return cost_lines_from_table(cost_lines)


def _rates(recovery_rates: Any) -> dict[str, CostRecoveryRate]:
    if recovery_rates is None:
        return {}
    if isinstance(recovery_rates, Mapping):
        return {normalise(k): v for k, v in recovery_rates.items()}
    if isinstance(recovery_rates, (list, tuple)) and recovery_rates and all(
            isinstance(r, CostRecoveryRate) for r in recovery_rates):
        return {normalise(r.name): r for r in recovery_rates}
    return recovery_rates_from_table(recovery_rates)


def _line(line: CostLine, rates: dict[str, CostRecoveryRate], indices: IndexSeries | None) -> CostLineResult:
    where = f"cost line {line.id}" + (f" (row {line.row})" if line.row is not None else "")
    kind = cost_type(line.cost_type, f"{where} cost type")
    if kind.treatment == NOT_A_COST_LINE:
        raise PricingInputError(f"{where} cost type {kind.code} ({kind.cost_type}) is not a cost line "
                                f"({kind.paragraph}): {kind.note}")
    basis = cost_basis(line.basis, f"{where} basis")
    statuses = {req: agreement_status(getattr(line, req), f"{where} {req}") for req in REQUIREMENTS}
    flags: list[str] = []

    # gross: a direct amount, or a cost recovery rate x a quantity of its base (4.9)
    has_rate = line.rate is not None and not (isinstance(line.rate, str) and not line.rate.strip())
    rate_name, rate_value, qty = "", None, None
    if line.amount is not None:
        if has_rate or line.quantity is not None:
            raise PricingInputError(f"{where} has an amount and a rate or quantity: give either a direct amount, "
                                    f"or a cost recovery rate and a quantity of its base (4.9), not both")
        gross = float(checks.money(f"{where} amount", line.amount))
        checks.check(f"{where} amount", gross, gross >= 0,
                     "is negative: a cost is zero or more; net a credit in the credit column of the cost it reduces "
                     "(E.4.1)")
    elif has_rate:
        if line.quantity is None:
            raise PricingInputError(f"{where} has a rate but no quantity: enter the quantity of the recovery base "
                                    f"(e.g. hours) the rate applies to (4.9)")
        if isinstance(line.rate, str) and not _is_number_text(line.rate):
            key = normalise(line.rate)
            if not rates:
                raise PricingInputError(f"{where} rate {checks.fmt(line.rate)} names a cost recovery rate, but no "
                                        f"recovery rates table was given")
            if key not in rates:
                raise PricingInputError(f"{where} rate {checks.fmt(line.rate)} is not in the recovery rates table "
                                        f"(rates: {', '.join(r.name for r in rates.values())})")
            found = rates[key]
            rate_name, rate_value = found.name, float(found.rate)
            if not found.scopes_match:
                flags.append(f"review (4.11 ii): the scope of rate {found.name}'s recovery base "
                             f"({found.base_scope}) does not match that of its cost pool ({found.pool_scope})")
        else:
            rate_value = float(rate_per_unit(f"{where} rate", line.rate))
        qty = float(quantity(f"{where} quantity", line.quantity))
        gross = rate_value * qty
    elif line.quantity is not None:
        raise PricingInputError(f"{where} has a quantity but no rate: enter the cost recovery rate to apply (4.9)")
    else:
        raise PricingInputError(f"{where} has no cost: enter an amount, or a rate and a quantity (4.9)")

    # escalation by a named index (A.4.1, B.1.1)
    index = line.index.strip() if line.index else ""
    p0, p1 = period_label(line.base_period), period_label(line.price_period)
    factor, escalated = 1.0, gross
    if index:
        if indices is None:
            raise PricingInputError(f"{where} is escalated by index {checks.fmt(index)}, but no index table was given")
        if not p0 or not p1:
            missing = "base period" if not p0 else "price period"
            raise PricingInputError(f"{where} is escalated by index {index} but its {missing} is empty: enter the "
                                    f"periods to escalate from and to")
        e = indices.escalate(gross, index, p0, p1, where)
        factor, escalated = float(e.factor), float(e.escalated)
    elif p0 or p1:
        raise PricingInputError(f"{where} has a base or price period but no index: name the index to escalate "
                                f"by (A.4.1, B.1.1), or clear the periods")
    elif kind.code in ("A.4", "B.1"):
        flags.append(f"review ({kind.paragraph}): inflation is not evidenced against an index on this line: "
                     f"escalate it by a named index")

    # credits that reduce this cost (E.4.1)
    credit = 0.0
    if line.credit is not None:
        credit = float(checks.money(f"{where} credit", line.credit, nonnegative=True))
        if credit > escalated * (1 + 1e-12) + 1e-9:
            raise PricingInputError(f"{where} credit {checks.fmt(credit)} exceeds the cost it reduces "
                                    f"({checks.fmt(escalated)}): a credit nets against its own cost (E.4.1)")
    net = max(escalated - credit, 0.0)

    if kind.treatment == NOT_ALLOWABLE:
        status = EXCLUDED
        flags.insert(0, f"not allowable ({kind.paragraph}): {kind.note}")
    else:
        values = statuses.values()
        status = (AGREED if all(s == AGREED for s in values) else
                  NOT_AGREED if any(s == NOT_AGREED for s in values) else PENDING)
        if kind.treatment == DEPENDS:
            flags.insert(0, f"review ({kind.paragraph}): {kind.note}")
        elif kind.treatment == GENERALLY_NOT_ALLOWABLE:
            flags.insert(0, f"review: generally not allowable ({kind.paragraph}): {kind.note}")
    if not line.evidence:
        flags.append("no evidence note: record what shows the cost is appropriate, attributable and "
                     "reasonable (2.6-2.8)")
    return CostLineResult(line.id, line.description, line.component, kind, basis, statuses["appropriate"],
                          statuses["attributable"], statuses["reasonable"], status, rate_name, rate_value, qty,
                          gross, index, p0, p1, factor, escalated, credit, net, net if status == AGREED else 0.0,
                          line.evidence, tuple(flags), line.row)


def _is_number_text(text: str) -> bool:
    try:
        float(text.strip().replace(",", ""))
    except ValueError:
        return False
    return True


def _check_ids(lines: Sequence[CostLine]) -> None:
    """Each line id once; a cost attributed to one component only (4.5)."""
    seen: dict[str, CostLine] = {}
    named = [c for c in lines if c.component]
    for c in lines:
        where = "cost line" + (f" at row {c.row}" if c.row is not None else "")
        if not c.id:
            raise PricingInputError(f"{where} has an empty id: give every line an id so it can be traced")
        if named and not c.component:
            raise PricingInputError(
                f"cost line {c.id} has no component while other lines name one (e.g. {named[0].component}): "
                f"attribute every line to a component (guidance 4.5)")
        first = seen.get(c.id)
        if first is not None:
            if first.component != c.component:
                raise PricingInputError(
                    f"cost line {c.id} is attributed to component {first.component} and to component {c.component}: "
                    f"a cost is attributed to one component only (guidance 4.5); to apportion it, split it into "
                    f"lines with their own ids")
            raise PricingInputError(f"cost line id {c.id} appears twice: each cost counts once (3.14 d)")
        seen[c.id] = c


def _totals(lines: Sequence[CostLineResult]) -> StatusTotals:
    def total(status: str | None) -> float:
        return math.fsum(l.net for l in lines if status is None or l.status == status)

    return StatusTotals(total(None), total(AGREED), total(PENDING), total(NOT_AGREED), total(EXCLUDED), len(lines))


def allowable_costs(cost_lines: Sequence[CostLine] | Any, *, recovery_rates: Any = None, indices: Any = None,
                    component: Any = None) -> AllowableCosts:
    """Allowable costs built up from cost lines: the lines agreed on all three requirements (section 3), less types the guidance says are not allowable (section 5).

    Args:
        cost_lines: CostLines, or a table with a header row: id, description, cost_type, basis,
            appropriate, attributable, reasonable, and optionally amount, rate, quantity, credit,
            evidence, component, index, base_period, price_period. Money in pounds; statuses
            agreed / not agreed / pending.
        recovery_rates: cost recovery rates that lines name in their rate column: a table (name,
            cost_pool, recovery_base, pool_scope, base_scope, basis) or CostRecoveryRates.
        indices: the index series for escalated lines: a table (index, period, value).
        component: only this component's lines (every line then names a component, 4.5).

    Examples:
        Guidance 4.9: £50 an hour on 1,000 hours is £50,000; with £12,000 of agreed material and
        £800 of entertainment (C.3.1, excluded):

        >>> lines = [["id", "description", "cost_type", "basis", "amount", "rate", "quantity",
        ...           "appropriate", "attributable", "reasonable", "evidence"],
        ...          ["L1", "Design labour", "A", "estimated", None, 50, 1000, "agreed", "agreed", "agreed", "QMAC"],
        ...          ["L2", "Steel", "B", "actual", 12000, None, None, "agreed", "agreed", "agreed", "invoice"],
        ...          ["L3", "Hospitality", "C.3", "actual", 800, None, None, "agreed", "agreed", "agreed", "receipt"]]
        >>> ac = allowable_costs(lines)
        >>> ac.line("L1").gross, ac.allowable, ac.claimed, ac.totals.excluded
        (50000.0, 62000.0, 62800.0, 800.0)
    """
    lines = _as_lines(cost_lines)
    _check_ids(lines)
    rates = _rates(recovery_rates)
    series = None
    if indices is not None:
        series = indices if isinstance(indices, IndexSeries) else index_series_from_table(indices)
    results = [_line(c, rates, series) for c in lines]
    chosen = cell_text(component) if component is not None else ""
    if chosen:
        names = list(dict.fromkeys(r.component for r in results if r.component))
        if not names:
            raise PricingInputError(f"component {checks.fmt(chosen)} was asked for, but no cost line names a component")
        match = next((n for n in names if normalise(n) == normalise(chosen)), None)
        if match is None:
            raise PricingInputError(f"component {checks.fmt(chosen)} has no cost lines (components: {', '.join(names)})")
        results = [r for r in results if r.component == match]
        chosen = match
    by_part = tuple((p, _totals([r for r in results if r.part == p])) for p in PARTS
                    if any(r.part == p for r in results))
    components = list(dict.fromkeys(r.component for r in results if r.component))
    by_component = tuple((c, _totals([r for r in results if r.component == c])) for c in components)
    agreed = [r for r in results if r.status == AGREED]
    return AllowableCosts(
        tuple(results), _totals(results), by_part, by_component,
        math.fsum(r.net for r in agreed if r.basis == "estimated"),
        math.fsum(r.net for r in agreed if r.basis == "actual"),
        math.fsum(r.net for r in agreed if r.for_review),
        chosen or None, tuple(rates.values()))


def attributed_once(build_ups: Mapping[str, AllowableCosts]) -> None:
    """Refuse a cost line id that appears in the build-ups of two components (guidance 4.5), naming both."""
    owner: dict[str, str] = {}
    for name, build_up in build_ups.items():
        for line in build_up.lines:
            other = owner.get(line.id)
            if other is not None and other != name:
                raise PricingInputError(
                    f"cost line {line.id} is attributed to component {other} and to component {name}: a cost is "
                    f"attributed to one component only (guidance 4.5); to apportion it, split it into lines with "
                    f"their own ids")
            owner[line.id] = name
