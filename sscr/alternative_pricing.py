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
from .tables import flag

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
    key = checks.words(name)
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
    observed = float(checks.money("observed price", checks.single("observed price", observed_price), nonnegative=True))
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


def cruv_price(volumes: Any, unit_rates: Any, escalation: Any = None) -> float:
    """Competed rates applied to uncompeted volumes (regulation 19E; guidance 7.7): the sum of each
    estimated volume times its competed unit price or rate from the framework agreement.

    ``escalation``: the framework agreement's own price escalation factors (guidance 7.6), as
    multipliers of the unit rates (1.03 for 3% up), one for all or one per rate; only factors the
    framework agreement provides may be used, since the parties cannot introduce others (7.6).

    Examples:
        >>> cruv_price([10, 4], [125.0, 80.5])
        1572.0
        >>> round(cruv_price([10, 4], [125.0, 80.5], 1.02), 6)
        1603.44
    """
    return cruv_lines(volumes, unit_rates, escalation).price


@dataclass(frozen=True)
class CruvPrice:
    """Guidance 7.6-7.7, line by line: volume x competed rate x the framework's escalation factor."""

    volumes: tuple[float, ...]
    unit_rates: tuple[float, ...]
    escalation_factors: tuple[float, ...]
    escalated_rates: tuple[float, ...]
    line_prices: tuple[float, ...]
    price: float


def cruv_lines(volumes: Any, unit_rates: Any, escalation: Any = None) -> CruvPrice:
    """CRUV with every line's figures (regulation 19E; guidance 7.6-7.7)."""
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
    if escalation is None:
        e = np.ones_like(r)
    else:
        e = np.atleast_1d(np.asarray(checks.number("escalation factors", escalation), dtype=float)).ravel()
        if e.size == 1:
            e = np.full_like(r, float(e[0]))
        elif e.shape != r.shape:
            raise PricingInputError(
                f"escalation factors hold {e.size} values and unit rates {r.size}: give one factor for all the rates "
                f"or one for each, as the framework agreement provides (guidance 7.6)")
        checks.check("escalation factors", e, e > 0,
                     "must be above zero: a multiplier of the unit rate from the framework agreement (1.03 for 3% up; "
                     "guidance 7.6)")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by the money check below
        escalated = r * e
        lines = v * escalated
        total = float(np.dot(v, escalated)) if escalation is not None else float(np.dot(v, r))
    total = float(checks.money("CRUV price", total))
    return CruvPrice(tuple(v.tolist()), tuple(r.tolist()), tuple(e.tolist()), tuple(escalated.tolist()),
                     tuple(lines.tolist()), total)


@dataclass(frozen=True)
class CommercialPriceFromRange:
    """Commercial pricing from several observed prices (regulation 19A(5); guidance 3.18-3.19):
    the weighted observed price, the range it came from, then the Table 2 adjustments."""

    observed_prices: tuple[float, ...]
    weights: tuple[float, ...]
    lowest: float
    highest: float
    observed_price: float
    adjustments: tuple[tuple[str, float], ...]
    total_adjustment: float
    price: float
    notes: tuple[str, ...] = ()


def commercial_price_from_observations(observed_prices: Any, weights: Any = None,
                                       adjustments: Mapping[str, Any] | None = None) -> CommercialPriceFromRange:
    """Commercial price from a range of observed prices (regulation 19A(5); guidance 3.18-3.19): their
    weighted average, then the Table 2 adjustments (19A(6)(b); 3.20-3.21).

    Regulation 19A(5) asks that the price be reasonable by reference to all the relevant contracts, or
    as many as are representative; guidance 3.19 puts greater weight on the most recent price data and
    that closest to the goods, works or services procured. ``weights`` say how much (any scale, zero or
    more, not all zero); equal when not given.

    Examples:
        >>> r = commercial_price_from_observations([1000.0, 1100.0, 1060.0], [1, 1, 2], {"volume": -20.0})
        >>> r.observed_price, r.price
        (1055.0, 1035.0)
    """
    values = np.atleast_1d(np.asarray(checks.money("observed prices", observed_prices, nonnegative=True),
                                      dtype=float)).ravel()
    if values.size == 0:
        raise PricingInputError("observed prices are empty: give at least one price of a relevant contract "
                                "(regulation 19A(5); guidance 3.18)")
    if weights is None:
        w = np.ones_like(values)
    else:
        w = np.atleast_1d(np.asarray(checks.number("weights", weights), dtype=float)).ravel()
        if w.shape != values.shape:
            raise PricingInputError(f"weights hold {w.size} values and observed prices {values.size}: give one weight "
                                    f"for each observed price (guidance 3.19)")
        checks.check("weights", w, w >= 0, "is negative: a weight is zero or more (guidance 3.19)")
        if not np.any(w > 0):
            raise PricingInputError("weights are all zero: at least one observed price must count (regulation 19A(5))")
    observed = float(np.dot(values, w) / np.sum(w))
    one = commercial_price(observed, adjustments)
    notes: list[str] = []
    if values.size == 1:
        notes.append("one observed price: regulation 19A(5) asks for all the relevant contracts, or as many as are "
                     "representative of the circumstances of previous supply")
    return CommercialPriceFromRange(tuple(values.tolist()), tuple(w.tolist()), float(values.min()),
                                    float(values.max()), observed, one.adjustments, one.total_adjustment, one.price,
                                    tuple(notes))


@dataclass(frozen=True)
class Check:
    """A condition of the guidance tested: each test with its paragraph and whether it is met."""

    what: str
    tests: tuple[tuple[str, str, bool], ...]  # (paragraph, the condition, met)

    @property
    def met(self) -> bool:
        return all(ok for _, _, ok in self.tests)

    @property
    def unmet(self) -> tuple[tuple[str, str], ...]:
        return tuple((para, text) for para, text, ok in self.tests if not ok)

    def message(self) -> str:
        if self.met:
            return f"{self.what}: every condition is met ({', '.join(p for p, _, _ in self.tests)})"
        return f"{self.what} may not be used: " + "; ".join(f"{text} is not met ({para})" for para, text in self.unmet)

    def require(self) -> None:
        if not self.met:
            raise PricingInputError(self.message())


#: Guidance 6.4 (regulation 19D): the conditions for the novated contract price method.
NOVATION_CONDITIONS = (
    ("6.4(a)", "contract B has replaced contract A"),
    ("6.4(b)", "contract B's purpose is to ensure the performance of contract A's obligations"),
    ("6.4(c)", "contract A was a qualifying defence contract"),
    ("6.4(d)", "at least one party to contract A is a party to contract B"),
    ("6.4(e)", "at least one party to contract B was not a party to contract A"),
    ("6.4(f)", "contract B is in all material respects, save the parties, identical to contract A"),
)


def novation_conditions(replaced: Any, same_purpose: Any, a_was_qdc: Any, common_party: Any, new_party: Any,
                        identical: Any) -> Check:
    """The six conditions of guidance 6.4 (regulation 19D) for carrying a novated contract's price (6.5)."""
    given = (replaced, same_purpose, a_was_qdc, common_party, new_party, identical)
    tests = tuple((para, text, flag(f"novation condition {para}", value, False))
                  for (para, text), value in zip(NOVATION_CONDITIONS, given))
    return Check("the novated contract price method (regulation 19D)", tests)


def open_market_test(buyers: Any, sellers: Any) -> Check:
    """Guidance 3.15-3.16: an open market price is accepted by more than one buyer or by more than one
    seller; sales between one buyer and one seller, however often, are not enough."""
    b = checks.positive_int("buyers", buyers, lo=0)
    s = checks.positive_int("sellers", sellers, lo=0)
    tests = (("3.15(a), 3.16", "the price is accepted by more than one buyer, or by more than one seller", b > 1 or s > 1),)
    return Check(f"an open market price ({b} buyer(s), {s} seller(s)) for the commercial pricing method "
                 f"(regulation 19A(3)(a)(iii), (3)(b))", tests)


@dataclass(frozen=True)
class PreviouslyAgreedPrice:
    """A QDC by amendment priced by the previously agreed price method (regulation 19C; guidance
    5.12, 5.16-5.17): the work provided before the date of conversion at its agreed price, and the
    work agreed but not yet provided at the agreed price or re-determined, each its own component."""

    provided: Component
    unprovided: Component | None
    election: str
    total: float


def previously_agreed_price(provided_price: Any, unprovided_agreed_price: Any = None, *,
                            unprovided_redetermined_price: Any = None,
                            unprovided_method: str = "formula") -> PreviouslyAgreedPrice:
    """Previously agreed price split between work provided and not yet provided at conversion (5.12, 5.17).

    Args:
        provided_price: the price agreed before the date of conversion for the goods, works or
            services provided before it (5.12(a)).
        unprovided_agreed_price: the price agreed before conversion for those not yet provided (5.12(b)).
        unprovided_redetermined_price: at the parties' election, that part's price re-determined at the
            date of conversion by another contract pricing method (5.12(b)(ii)); None keeps the agreed
            price (5.12(b)(i)).
        unprovided_method: the method of that re-determination (5.17).

    Examples:
        >>> r = previously_agreed_price(600.0, 400.0, unprovided_redetermined_price=380.0)
        >>> r.total, r.election
        (980.0, 're-determined (5.12(b)(ii))')
    """
    unprovided_agreed_price = checks.single("unprovided agreed price", unprovided_agreed_price)
    unprovided_redetermined_price = checks.single("unprovided re-determined price", unprovided_redetermined_price)
    provided = fixed_component("provided before conversion (5.12(a))", provided_price)
    unprovided = None
    election = "none"
    total = float(provided.price or 0.0)
    if unprovided_redetermined_price is not None:
        if unprovided_agreed_price is None:
            raise PricingInputError(
                "unprovided agreed price is empty: a re-determined price is an election for work whose price was "
                "agreed before the date of conversion (5.12(b))")
        checks.money("unprovided agreed price", unprovided_agreed_price, nonnegative=True)
        value = float(checks.money("unprovided re-determined price", unprovided_redetermined_price, nonnegative=True))
        unprovided = Component("agreed, not provided at conversion (5.12(b)(ii))", str(unprovided_method), price=value)
        election = "re-determined (5.12(b)(ii))"
        total += value
    elif unprovided_agreed_price is not None:
        unprovided = fixed_component("agreed, not provided at conversion (5.12(b)(i))", unprovided_agreed_price)
        election = "agreed price kept (5.12(b)(i))"
        total += float(unprovided.price or 0.0)
    return PreviouslyAgreedPrice(provided, unprovided, election, total)


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
    allowable_costs, agreed_cpr, corrected_cpr, added_incentive, existing_incentive = (
        checks.single(n, v) for n, v in (("allowable costs", allowable_costs), ("agreed contract profit rate", agreed_cpr),
                                         ("corrected contract profit rate", corrected_cpr),
                                         ("added incentive adjustment", added_incentive),
                                         ("existing incentive adjustment", existing_incentive)))
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
    kind = checks.words(method)
    if kind not in ("previously agreed", "novated"):
        raise PricingInputError(
            f"fixed component method {checks.fmt(method)} must be \"previously agreed\" or \"novated\"")
    value = float(checks.money(f"component {name} price", checks.single(f"component {name} price", price),
                               nonnegative=True))
    return Component(str(name), kind, price=value)
