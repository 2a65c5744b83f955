"""Alternative pricing methods (regulations 19A-19F; alternative pricing guidance v1.2, sections 3-8):
commercial pricing, competed rates applied to uncompeted volumes (CRUV), agreed changes to the
contract profit rate, and previously agreed and novated prices carried as fixed components.
The aggregation of components (19G) is in :mod:`sscr.components`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import checks
from .components import Component
from .errors import PricingInputError
from .profit_rate import IA_LIMIT

#: Table 2 of the alternative pricing guidance: the only factors that may adjust an observed price
#: (regulation 19A(6)(b); guidance 3.21).
COMMERCIAL_ADJUSTMENT_FACTORS: dict[str, str] = {
    "volume": "Volume",
    "specification": "Specification",
    "other terms of supply": "Other terms of supply",
    "economic conditions": "A change in economic conditions",
    "technology": "Change in technology",
    "performance": "A change in performance of the goods, works or services",
}
_FACTOR_ALIASES = {
    "volume": "volume", "volumes": "volume",
    "specification": "specification", "spec": "specification",
    "other terms of supply": "other terms of supply", "terms of supply": "other terms of supply",
    "economic conditions": "economic conditions", "a change in economic conditions": "economic conditions",
    "change in economic conditions": "economic conditions",
    "technology": "technology", "change in technology": "technology",
    "performance": "performance", "change in performance": "performance",
    "a change in performance of the goods, works or services": "performance",
}


def commercial_factor(name: Any) -> str:
    key = " ".join(str(name).strip().lower().replace("_", " ").split())
    factor = _FACTOR_ALIASES.get(key)
    if factor is None:
        raise PricingInputError(
            f"adjustment factor {checks.fmt(name)} is not in Table 2 of the alternative pricing guidance: only "
            f"volume, specification, other terms of supply, economic conditions, technology and performance may "
            f"adjust the observed price (regulation 19A(6)(b); guidance 3.21)")
    return factor


@dataclass(frozen=True)
class CommercialPrice:
    observed_price: float
    adjustments: tuple[tuple[str, float], ...]
    total_adjustment: float
    price: float


def commercial_price(observed_price: Any, adjustments: Mapping[str, Any] | None = None) -> CommercialPrice:
    """Commercial pricing (regulation 19A): the observed commercial price plus or minus adjustments,
    each for one factor of Table 2, each factor once (guidance 3.20: no double counting).

    Examples:
        >>> commercial_price(1000.0, {"volume": -50.0, "specification": 20.0}).price
        970.0
    """
    observed = float(checks.money("observed price", observed_price, nonnegative=True))
    seen: dict[str, float] = {}
    for name, amount in (adjustments or {}).items():
        factor = commercial_factor(name)
        if factor in seen:
            raise PricingInputError(
                f"adjustment factor {checks.fmt(name)} is given twice: adjust for each Table 2 factor once "
                f"(guidance 3.20)")
        seen[factor] = float(checks.money(f"{COMMERCIAL_ADJUSTMENT_FACTORS[factor]} adjustment", amount))
    total = float(sum(seen.values()))
    price = observed + total
    if price < 0:
        raise PricingInputError(
            f"commercial price {checks.fmt(price)} (observed price {checks.fmt(observed)} plus adjustments "
            f"{checks.fmt(total)}) is negative: the adjustments exceed the observed price")
    return CommercialPrice(observed, tuple(seen.items()), total, price)


def cruv_price(volumes: Any, unit_rates: Any) -> float:
    """Competed rates applied to uncompeted volumes (regulation 19E; guidance 7.7): the sum of each
    estimated volume times its competed unit price or rate from the framework agreement.

    Examples:
        >>> cruv_price([10, 4], [125.0, 80.5])
        1572.0
    """
    v = checks.number("volumes", volumes)
    r = checks.number("unit rates", unit_rates)
    v = np.atleast_1d(np.asarray(v, dtype=float)).ravel()
    r = np.atleast_1d(np.asarray(r, dtype=float)).ravel()
    if v.shape != r.shape:
        raise PricingInputError(
            f"volumes hold {v.size} values and unit rates {r.size}: give one competed unit rate for each volume "
            f"(guidance 7.7)")
    checks.check("volumes", v, v >= 0, "is negative: an estimated volume is zero or more")
    checks.check("unit rates", r, r >= 0, "is negative: a competed unit price or rate is zero or more")
    total = float(np.dot(v, r))
    return float(checks.money("CRUV price", total))


@dataclass(frozen=True)
class AgreedProfitRateChange:
    allowable_costs: float
    agreed_cpr: float
    new_cpr: float
    price_before: float
    price_after: float
    price_change: float


def agreed_profit_rate_change(allowable_costs: Any, agreed_cpr: Any, *, corrected_cpr: Any = None,
                              added_incentive: Any = None, existing_incentive: Any = 0.0) -> AgreedProfitRateChange:
    """Agreed changes to the contract profit rate (regulation 19F; guidance 8.2-8.5).

    Either an error is corrected (``corrected_cpr``: the rate as it would have been), or an
    incentive adjustment is added (``added_incentive``, percentage points as a fraction), keeping
    the total incentive adjustment within 2pp. The price changes by allowable costs x the change.

    Examples:
        >>> round(agreed_profit_rate_change(100.0, 0.10, added_incentive=0.01).price_change, 6)
        1.0
    """
    ac = float(checks.money("allowable costs", allowable_costs, nonnegative=True))
    agreed = float(checks.rate("agreed contract profit rate", agreed_cpr))
    if (corrected_cpr is None) == (added_incentive is None):
        raise PricingInputError(
            "agreed change to the contract profit rate needs exactly one of a corrected contract profit rate "
            "(an error, guidance 8.4) or an added incentive adjustment (guidance 8.5)")
    if corrected_cpr is not None:
        new = float(checks.rate("corrected contract profit rate", corrected_cpr))
    else:
        existing = float(checks.rate("existing incentive adjustment", existing_incentive, lo=0.0, hi=IA_LIMIT,
                                     rule="is outside 0..2 percentage points (regulation 11(6))"))
        added = float(checks.rate("added incentive adjustment", added_incentive, lo=0.0, hi=IA_LIMIT,
                                  rule="is outside 0..2 percentage points (regulation 11(6))"))
        if existing + added > IA_LIMIT + 1e-12:
            raise PricingInputError(
                f"added incentive adjustment {checks.fmt(added)} with the existing {checks.fmt(existing)} exceeds "
                f"2 percentage points in all (regulation 11(6); guidance 5.9)")
        new = agreed + added
    before = ac * (1 + agreed)
    after = ac * (1 + new)
    return AgreedProfitRateChange(ac, agreed, new, before, after, after - before)


def fixed_component(name: str, price: Any, method: str = "previously agreed") -> Component:
    """A component carried at a price already agreed: a previously agreed price (regulation 19C;
    guidance 5.11-5.17) or a novated contract's price (19D; guidance 6.5). It is not re-priced."""
    kind = " ".join(str(method).strip().lower().replace("_", " ").split())
    if kind not in ("previously agreed", "novated"):
        raise PricingInputError(
            f"fixed component method {checks.fmt(method)} must be \"previously agreed\" or \"novated\"")
    value = float(checks.money(f"component {name} price", price, nonnegative=True))
    return Component(str(name), kind, price=value)
