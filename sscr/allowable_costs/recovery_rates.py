"""Cost recovery rates (allowable costs guidance v7.3, 4.2 and 4.9-4.12).

A cost recovery rate is a rate of cost per unit of a cost recovery base (4.9): the cost pool divided
by the recovery base, for example a labour overhead pool in pounds over the direct labour hours
that recover it. Applied to a contract's quantity of the base, it gives an indirect cost. The scope
of the base should match that of the pool (4.11 ii, 4.12), so both scopes are recorded.

Estimated and actual rates are agreed between the parties (4.10). Applying both to the same base
quantity shows the over- or under-recovery that the allocation should avoid (4.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from .. import checks
from ..errors import PricingInputError
from ..tables import cell_text, normalise, read_table

Number = Union[float, np.ndarray]


def quantity(name: str, value: Any) -> Number:
    """A recovery base quantity (hours, headcount, pounds of material): finite, zero or more."""
    v = checks.number(name, value)
    checks.check(name, v, v >= 0, "is negative: a recovery base quantity is zero or more")
    return v


@dataclass(frozen=True)
class CostRecoveryRate:
    """A cost recovery rate with its pool and base (4.9-4.12).

    ``rate`` is ``cost_pool / recovery_base``: pounds per unit of the base.
    """

    name: str
    cost_pool: Number
    recovery_base: Number
    rate: Number
    pool_scope: str = ""
    base_scope: str = ""
    basis: str = "estimated"

    @property
    def scopes_match(self) -> bool:
        """True when the scopes are both recorded and the same, or either is not recorded."""
        return not self.pool_scope or not self.base_scope or normalise(self.pool_scope) == normalise(self.base_scope)

    def apply(self, base_quantity: Any) -> Number:
        """The cost recovered on a quantity of the base: rate x quantity (4.9)."""
        return self.rate * quantity(f"recovery base quantity for rate {self.name}", base_quantity)


def cost_recovery_rate(cost_pool: Any, recovery_base: Any, *, name: str = "", pool_scope: str = "",
                       base_scope: str = "", basis: str = "estimated") -> CostRecoveryRate:
    """Cost recovery rate: cost pool / recovery base, pounds per unit of the base (guidance 4.9).

    Args:
        cost_pool: the pool of costs to recover, money, zero or more.
        recovery_base: the total recovery base the pool is spread over (hours, headcount, ...),
            above zero.
        name: the rate's name, as cost lines refer to it.
        pool_scope, base_scope: what the pool and the base cover; they should match (4.11 ii).
        basis: "estimated" or "actual" (4.10).

    Examples:
        Guidance 4.9: a rate of £50 per hour on a base of 1,000 labour hours gives £50,000.

        >>> r = cost_recovery_rate(2_500_000, 50_000, name="labour")
        >>> r.rate
        50.0
        >>> r.apply(1_000)
        50000.0
    """
    pool = checks.money("cost pool", cost_pool, nonnegative=True)
    base = checks.number("recovery base", recovery_base)
    checks.check("recovery base", base, base > 0,
                 "is not above zero: a cost recovery rate is the cost pool per unit of the recovery base (4.9)")
    return CostRecoveryRate(str(name).strip(), pool, base, pool / base, str(pool_scope or "").strip(),
                            str(base_scope or "").strip(), cost_basis(basis, "rate basis"))


@dataclass(frozen=True)
class Recovery:
    """Estimated and actual rates applied to the same base quantity (4.4).

    ``over_recovery`` is estimated recovery less actual: positive when the estimated rate
    over-recovered, negative when it under-recovered.
    """

    estimated_rate: Number
    actual_rate: Number
    base_quantity: Number
    estimated_recovery: Number
    actual_recovery: Number
    over_recovery: Number


def over_under_recovery(estimated_rate: Any, actual_rate: Any, base_quantity: Any) -> Recovery:
    """Over- (positive) or under-recovery (negative) of an estimated rate against the actual rate on the same base: (estimated - actual) x base quantity (guidance 4.4).

    Args:
        estimated_rate: the estimated cost recovery rate, pounds per unit of the base, zero or more.
        actual_rate: the actual rate for the same pool and base, pounds per unit, zero or more.
        base_quantity: the quantity of the base the contract used, zero or more.

    Examples:
        An estimated £50 an hour against an actual £48 on 1,000 hours over-recovers £2,000:

        >>> over_under_recovery(50, 48, 1_000).over_recovery
        2000.0
    """
    est = rate_per_unit("estimated rate", estimated_rate)
    act = rate_per_unit("actual rate", actual_rate)
    qty = quantity("base quantity", base_quantity)
    est_rec, act_rec = est * qty, act * qty
    return Recovery(est, act, qty, est_rec, act_rec, est_rec - act_rec)


def rate_per_unit(name: str, value: Any) -> Number:
    """A cost recovery rate in pounds per unit of its base: finite, zero or more."""
    v = checks.money(name, value)
    checks.check(name, v, v >= 0, "is negative: a cost recovery rate is zero or more pounds per unit of its base")
    return v


BASES = {"estimated": "estimated", "estimate": "estimated", "actual": "actual", "actuals": "actual"}


def cost_basis(value: Any, what: str) -> str:
    """'estimated' or 'actual' (3.1, 4.10)."""
    key = normalise(value) if value is not None else ""
    if key not in BASES:
        raise PricingInputError(f"{what} {checks.fmt(value)} is not estimated or actual: enter estimated or actual")
    return BASES[key]


RATE_COLUMNS = ("name", "cost_pool", "recovery_base")
RATE_OPTIONAL = ("pool_scope", "base_scope", "basis")
RATE_ALIASES = {"rate": "name", "pool": "cost_pool", "base": "recovery_base", "cost pool scope": "pool_scope",
                "recovery base scope": "base_scope"}


def recovery_rates_from_table(table: Any) -> dict[str, CostRecoveryRate]:
    """Cost recovery rates from a range with a header row: name, cost_pool, recovery_base, and
    optionally pool_scope, base_scope, basis. Keyed by name, matched without regard to case."""
    rows = read_table("recovery rates", table, RATE_COLUMNS, RATE_OPTIONAL, RATE_ALIASES)
    out: dict[str, CostRecoveryRate] = {}
    for r in rows:
        where = f"recovery rates row {r['_row']}"
        if r["name"] is None:
            raise PricingInputError(f"{where} name is empty: every rate needs a name for cost lines to refer to")
        name = cell_text(r["name"])
        if normalise(name) in out:
            raise PricingInputError(f"recovery rate {checks.fmt(name)} appears twice: name each rate once")
        pool = checks.money(f"{where} cost pool", r["cost_pool"], nonnegative=True)
        base = checks.number(f"{where} recovery base", r["recovery_base"])
        out[normalise(name)] = cost_recovery_rate(
            pool, base if base > 0 else _refuse_base(where, base), name=name, pool_scope=cell_text(r["pool_scope"]),
            base_scope=cell_text(r["base_scope"]),
            basis=cost_basis(r["basis"], f"{where} basis") if r["basis"] is not None else "estimated")
    return out


def _refuse_base(where: str, base: float) -> float:
    raise PricingInputError(f"{where} recovery base {checks.fmt(base)} is not above zero: a cost recovery rate "
                            f"is the cost pool per unit of the recovery base (4.9)")

