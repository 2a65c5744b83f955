"""The price formula (Act s.15; regulation 10; baseline profit rate guidance 1.4):
price = allowable costs + contract profit rate x allowable costs, for a component; and the price
of a contract, the sum of its components plus any contract level adjustments (guidance 1.13).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Union

import numpy as np

from . import checks
from .errors import PricingInputError

Number = Union[float, np.ndarray]


@dataclass(frozen=True)
class FormulaPrice:
    allowable_costs: Number
    contract_profit_rate: Number
    profit: Number
    price: Number


def formula_price(allowable_costs: Any, cpr: Any) -> FormulaPrice:
    """Price of a component by the pricing formula: AC + CPR x AC.

    Args:
        allowable_costs: the component's allowable costs, money, zero or more.
        cpr: the contract profit rate as a fraction (0.1019 for 10.19%).

    Examples:
        Alternative pricing guidance, Example 6, component 1:

        >>> round(formula_price(50, 0.1173).price, 3)
        55.865
    """
    ac = checks.money("allowable costs", allowable_costs, nonnegative=True)
    rate = checks.rate("contract profit rate", cpr)
    profit = ac * rate
    return FormulaPrice(ac, rate, profit, ac + profit)


@dataclass(frozen=True)
class ContractPrice:
    component_prices: tuple[float, ...]
    total_component_price: float
    contract_level_adjustments: tuple[float, ...]
    price: float


def contract_price(component_prices: Iterable[Any], contract_level_adjustments: Iterable[Any] = ()) -> ContractPrice:
    """Price payable under a contract: the sum of its components' prices plus any contract level
    adjustments agreed under the aggregation of components method (guidance 1.13; regulation 19G)."""
    prices = tuple(float(checks.money(f"component price {i + 1}", p, nonnegative=True))
                   for i, p in enumerate(component_prices))
    if not prices:
        raise PricingInputError("component prices are empty: a contract has at least one component")
    adjustments = tuple(float(checks.money(f"contract level adjustment {i + 1}", a))
                        for i, a in enumerate(contract_level_adjustments))
    total = float(np.sum(prices))
    return ContractPrice(prices, total, adjustments, total + float(np.sum(adjustments)) if adjustments else total)
