"""The final price adjustment (Act s.21; regulations 16 and 17 of the Single Source Contract
Regulations 2014, as amended by SI 2019/1106 and SI 2024/420).

When a qualifying defence contract (or its components) priced by the firm, fixed or
volume-driven pricing method is complete, the contract price is compared with the outturn costs:

- outturn profit = contract price - outturn costs; the outturn profit rate is the outturn profit
  as a fraction of the outturn costs (regulation 17(6));
- excess level n is the outturn profit that would give an outturn profit rate of the contract
  profit rate plus 5, 10 or 15 percentage points: outturn costs x (CPR + 5pp / 10pp / 15pp)
  (regulation 17(6));
- where the outturn profit rate exceeds the CPR by at least 5pp the price is *decreased* by 25% of
  the outturn profit between excess levels 1 and 2, 50% of that between levels 2 and 3 and 75% of
  that above level 3, each band counting only from the difference that reaches it
  (regulation 17(2)-(4));
- where the outturn costs exceed the contract price the price is *increased* by 25% of that excess
  up to the loss level and 50% of any excess above it (regulation 17(5)). The loss level is read
  as the outturn costs at which the outturn profit rate would be minus 5% (regulation 17(6)), so
  the excess at the loss level is contract price x 5/95.

Regulation 16: an adjustment may be made only where the contract (or the components so priced)
is worth £5,000,000 or more (16(1)), and only where the adjustment would be at least £250,000
(16(4)). Below £50,000,000 the Secretary of State may direct that no adjustment is made (Act
s.21(5)(b); regulation 16(2)); that direction is a decision, so it is shown, not applied.

Sign: the result's ``adjustment`` is the change to the price, so a decrease is negative.
Money in any one unit (``money_unit`` pounds per unit, for the two money tests only); rates as
fractions. Scalars and numpy arrays go through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from . import checks
from .errors import PricingInputError

Number = Union[float, np.ndarray]

#: Regulation 16(1): the contract (or its firm, fixed or volume-driven components) is worth this or more.
VALUE_THRESHOLD = 5_000_000.0
#: Regulation 16(4): an adjustment is made only where its amount would be at least this.
MINIMUM_ADJUSTMENT = 250_000.0
#: Regulation 16(2), Act s.21(5)(b): below this value the Secretary of State may direct that there is no adjustment.
DIRECTION_VALUE = 50_000_000.0
#: Regulation 17(2)-(4), (6): the excess levels, percentage points above the contract profit rate.
EXCESS_POINTS = (0.05, 0.10, 0.15)
#: Regulation 17(2)-(4): the share of the outturn profit in each band that comes off the price.
EXCESS_SHARES = (0.25, 0.50, 0.75)
#: Regulation 17(6): the loss level, an outturn profit rate of minus 5%.
LOSS_LEVEL_RATE = -0.05
#: Regulation 17(5)(a), (b): the share of the excess of outturn costs over the price added to it.
LOSS_SHARES = (0.25, 0.50)
#: Regulation 16(1)(a)(i), (b)(i): the pricing methods the adjustment applies to.
QUALIFYING_METHODS = ("firm", "fixed", "volume-driven")
#: A rate difference within this of a boundary is on it: a boundary figure typed to the penny
#: (price 115, costs 100, CPR 10%) reaches the float 0.04999999999999999, not 0.05.
BOUNDARY_TOLERANCE = 1e-12

_METHOD_ALIASES = {
    "firm": "firm", "firm pricing": "firm", "firm pricing method": "firm",
    "fixed": "fixed", "fixed pricing": "fixed", "fixed pricing method": "fixed",
    "volume-driven": "volume-driven", "volume driven": "volume-driven", "volume-driven pricing": "volume-driven",
    "volume-driven pricing method": "volume-driven",
    "cost-plus": "cost-plus", "cost plus": "cost-plus", "estimate-based fee": "estimate-based fee",
    "estimate based fee": "estimate-based fee", "target": "target", "target pricing": "target",
    "formula": "formula", "commercial": "commercial", "law": "law", "previously agreed": "previously agreed",
    "novated": "novated", "cruv": "cruv",
}

#: What each figure is, with the paragraph that defines it (the rows of :meth:`FinalPriceAdjustment.table`).
CITATIONS = {
    "contract_price": "contract price (regulation 4A)",
    "outturn_costs": "outturn costs: the actual allowable costs (regulation 17(6))",
    "contract_profit_rate": "contract profit rate (regulation 11)",
    "outturn_profit": "outturn profit: contract price - outturn costs (regulation 17(6))",
    "outturn_profit_rate": "outturn profit rate: outturn profit / outturn costs (regulation 17(6))",
    "rate_difference": "outturn profit rate - contract profit rate (regulation 17(1))",
    "band": "band: 0 none, 1 from 5pp, 2 from 10pp, 3 from 15pp, -1 loss (regulation 17(2)-(5))",
    "excess_level_1": "excess level 1: outturn costs x (CPR + 5pp) (regulation 17(6))",
    "excess_level_2": "excess level 2: outturn costs x (CPR + 10pp) (regulation 17(6))",
    "excess_level_3": "excess level 3: outturn costs x (CPR + 15pp) (regulation 17(6))",
    "profit_band_1": "outturn profit above excess level 1, up to excess level 2 (regulation 17(2), (3)(b), (4)(c))",
    "profit_band_2": "outturn profit above excess level 2, up to excess level 3 (regulation 17(3)(a), (4)(b))",
    "profit_band_3": "outturn profit above excess level 3 (regulation 17(4)(a))",
    "decrease_band_1": "25% of the band 1 profit (regulation 17(2), (3)(b), (4)(c))",
    "decrease_band_2": "50% of the band 2 profit (regulation 17(3)(a), (4)(b))",
    "decrease_band_3": "75% of the band 3 profit (regulation 17(4)(a))",
    "loss": "excess of outturn costs over the contract price (regulation 17(5))",
    "loss_level": "loss level: the excess at an outturn profit rate of -5%, price x 5/95 (regulation 17(6))",
    "loss_up_to_level": "excess up to the loss level (regulation 17(5)(a))",
    "loss_above_level": "excess above the loss level (regulation 17(5)(b))",
    "increase_up_to_level": "25% of the excess up to the loss level (regulation 17(5)(a))",
    "increase_above_level": "50% of the excess above the loss level (regulation 17(5)(b))",
    "calculated_adjustment": "adjustment by regulation 17, negative decreases the price",
    "contract_value": "value of the contract or of its firm, fixed or volume-driven components (regulation 5)",
    "value_in_pounds": "that value in pounds, against £5,000,000 (regulation 16(1))",
    "meets_value_threshold": "value of £5,000,000 or more (regulation 16(1)(a)(ii), (b)(ii))",
    "qualifying_method": "priced by the firm, fixed or volume-driven method (regulation 16(1)(a)(i), (b)(i))",
    "adjustment_in_pounds": "the calculated adjustment in pounds, against £250,000 (regulation 16(4))",
    "meets_minimum": "adjustment of at least £250,000 (regulation 16(4))",
    "adjustment": "final price adjustment: the change to the price, negative decreases it (regulations 16, 17)",
    "adjusted_price": "contract price after the final price adjustment",
    "direction_possible": "below £50,000,000: the Secretary of State may direct no adjustment (Act s.21(5); regulation 16(2))",
}


@dataclass(frozen=True)
class FinalPriceAdjustment:
    """Every figure of regulations 16 and 17, each named as the regulation names it (see
    :data:`CITATIONS`). Money in the unit given; ``band`` is 0 (no adjustment), 1-3 (a decrease
    by regulation 17(2), (3) or (4)) or -1 (an increase for a loss, regulation 17(5))."""

    contract_price: Number
    outturn_costs: Number
    contract_profit_rate: Number
    outturn_profit: Number
    outturn_profit_rate: Number
    rate_difference: Number
    band: Any
    excess_level_1: Number
    excess_level_2: Number
    excess_level_3: Number
    profit_band_1: Number
    profit_band_2: Number
    profit_band_3: Number
    decrease_band_1: Number
    decrease_band_2: Number
    decrease_band_3: Number
    loss: Number
    loss_level: Number
    loss_up_to_level: Number
    loss_above_level: Number
    increase_up_to_level: Number
    increase_above_level: Number
    calculated_adjustment: Number
    contract_value: Number
    money_unit: float
    value_in_pounds: Number
    meets_value_threshold: Any
    pricing_method: str
    qualifying_method: bool
    adjustment_in_pounds: Number
    meets_minimum: Any
    adjustment: Number
    adjusted_price: Number
    direction_possible: Any
    notes: tuple[str, ...] = ()

    def table(self) -> list[tuple[str, Any, str]]:
        """(figure, value, what it is and where the regulation says so), in the order of the calculation."""
        names = ("contract_price", "outturn_costs", "contract_profit_rate", "outturn_profit", "outturn_profit_rate",
                 "rate_difference", "band", "excess_level_1", "excess_level_2", "excess_level_3", "profit_band_1",
                 "profit_band_2", "profit_band_3", "decrease_band_1", "decrease_band_2", "decrease_band_3", "loss",
                 "loss_level", "loss_up_to_level", "loss_above_level", "increase_up_to_level",
                 "increase_above_level", "calculated_adjustment", "contract_value", "value_in_pounds",
                 "meets_value_threshold", "qualifying_method", "adjustment_in_pounds", "meets_minimum",
                 "adjustment", "adjusted_price", "direction_possible")
        return [(n, getattr(self, n), CITATIONS[n]) for n in names]


def pricing_method(method: Any) -> str:
    """The default pricing method's name as regulation 10 gives it (firm, fixed, volume-driven, ...)."""
    key = checks.words(method)
    found = _METHOD_ALIASES.get(key)
    if found is None:
        raise PricingInputError(
            f"pricing method {checks.fmt(method)} is not a contract pricing method: the final price adjustment "
            f"applies to the firm, fixed or volume-driven pricing method (regulation 16(1)); others are cost-plus, "
            f"estimate-based fee, target and the alternative methods")
    return found


def final_price_adjustment(contract_price: Any, outturn_costs: Any, contract_profit_rate: Any, *,
                           money_unit: Any = 1.0, contract_value: Any = None,
                           method: Any = "firm") -> FinalPriceAdjustment:
    """Final price adjustment (regulations 16 and 17): the change to the contract price, negative for a decrease.

    Args:
        contract_price: the contract price (or that of the components priced by the firm, fixed or
            volume-driven method), money, above zero.
        outturn_costs: the actual allowable costs at completion, money, above zero.
        contract_profit_rate: the contract profit rate as a fraction (0.1019 for 10.19%).
        money_unit: pounds per unit of the money given (1_000_000 for £m); used only for the
            £5,000,000 (16(1)) and £250,000 (16(4)) tests.
        contract_value: the value of the contract or those components (regulation 5), for the
            £5,000,000 test; the contract price when not given.
        method: the default pricing method; only firm, fixed and volume-driven qualify (16(1)).

    Examples:
        Outturn costs of £100m against a price of £125m at a CPR of 10%: the outturn profit rate is
        25%, 15pp above the CPR, so the price comes down by 25% of £5m + 50% of £5m = £3.75m:

        >>> round(final_price_adjustment(125.0, 100.0, 0.10, money_unit=1_000_000).adjustment, 6)
        -3.75
    """
    price = checks.money("contract price", contract_price)
    costs = checks.money("outturn costs", outturn_costs)
    cpr = checks.rate("contract profit rate", contract_profit_rate)
    checks.check("contract price", price, price > 0, "must be above zero: the price the contract was agreed at")
    checks.check("outturn costs", costs, costs > 0,
                 "must be above zero: the outturn profit rate divides by them (regulation 17(6))")
    unit = float(checks.money("money unit", checks.single("money unit", money_unit)))
    checks.check("money unit", unit, unit > 0, "must be above zero: pounds per unit of the money given")
    value = price if contract_value is None else checks.money("contract value", contract_value, nonnegative=True)
    kind = pricing_method(checks.single("pricing method", method) if method is not None else "firm")
    array = any(isinstance(v, np.ndarray) for v in (price, costs, cpr, value))

    profit = price - costs                                        # 17(6) outturn profit
    rate = profit / costs                                         # 17(6) outturn profit rate
    difference = rate - cpr                                       # 17(1)
    levels = [costs * (cpr + points) for points in EXCESS_POINTS]  # 17(6) excess levels 1-3
    reaches = [difference >= points - BOUNDARY_TOLERANCE for points in EXCESS_POINTS]
    # 17(2)-(4): each band's profit counts only once the difference reaches that band; the profit
    # above a level is bounded by the next level ("but excluding the outturn profit which is above").
    tops = [levels[1], levels[2], None]
    bands = []
    for level, top, reached in zip(levels, tops, reaches):
        above = profit - level if top is None else np.minimum(profit, top) - level
        bands.append(np.where(reached, np.maximum(above, 0.0), 0.0))
    decreases = [share * band for share, band in zip(EXCESS_SHARES, bands)]
    # 17(5): a loss, shared 25% up to the loss level and 50% above it.
    loss = np.maximum(costs - price, 0.0)
    loss_level = price * (-LOSS_LEVEL_RATE) / (1 + LOSS_LEVEL_RATE)
    up_to = np.minimum(loss, loss_level)
    above_level = loss - up_to
    increases = [LOSS_SHARES[0] * up_to, LOSS_SHARES[1] * above_level]
    calculated = increases[0] + increases[1] - (decreases[0] + decreases[1] + decreases[2])
    band = np.where(loss > 0, -1, np.where(reaches[2], 3, np.where(reaches[1], 2, np.where(reaches[0], 1, 0))))

    value_pounds = value * unit
    meets_value = np.asarray(value_pounds >= VALUE_THRESHOLD)
    qualifying = kind in QUALIFYING_METHODS
    adjustment_pounds = calculated * unit
    # "at least £250,000": an amount that reaches it exactly on paper may fall short by a float's last
    # digit (0.25 x (8.5m - 50m x 15%) is 249,999.99999999977), so the test allows a millionth of a penny
    # per pound of outturn costs.
    slack = 1e-8 + 1e-14 * np.abs(costs * unit)
    meets_minimum = np.asarray(np.abs(adjustment_pounds) >= MINIMUM_ADJUSTMENT - slack)
    applied = np.where(meets_value & meets_minimum & qualifying, calculated, 0.0)
    direction = np.asarray(value_pounds < DIRECTION_VALUE)

    notes: list[str] = []
    if not qualifying:
        notes.append(f"no final price adjustment: the price was determined by the {kind} method, and regulation 16(1) "
                     f"applies only to the firm, fixed or volume-driven pricing method")
    if np.any(~meets_value):
        notes.append(f"no final price adjustment where the value is below £{VALUE_THRESHOLD:,.0f} (regulation 16(1)); "
                     f"money_unit {checks.fmt(unit)} pounds per unit of the money given")
    if np.any(~meets_minimum & (np.asarray(calculated) != 0)):
        notes.append(f"no final price adjustment where the amount calculated is below £{MINIMUM_ADJUSTMENT:,.0f} "
                     f"(regulation 16(4)); money_unit {checks.fmt(unit)} pounds per unit of the money given")
    if np.any(direction & (applied != 0)):
        notes.append(f"the value is below £{DIRECTION_VALUE:,.0f}: the Secretary of State may direct that no final "
                     f"price adjustment is made (Act s.21(5)(b); regulation 16(2))")

    def out(v: Any) -> Any:
        if array:
            return np.asarray(v)
        return np.asarray(v).item()

    return FinalPriceAdjustment(
        out(price), out(costs), out(cpr), out(profit), out(rate), out(difference), out(band),
        *(out(v) for v in levels), *(out(v) for v in bands), *(out(v) for v in decreases), out(loss),
        out(loss_level), out(up_to), out(above_level), *(out(v) for v in increases), out(calculated), out(value),
        unit, out(value_pounds), out(meets_value), kind, qualifying, out(adjustment_pounds), out(meets_minimum),
        out(applied), out(price + applied), out(direction), tuple(notes))
