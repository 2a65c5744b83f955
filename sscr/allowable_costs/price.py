"""From the build-up to the price of a component (allowable costs guidance v7.3, 1.4 and Part I;
regulation 10):

    allowable costs = agreed cost lines + risk contingency element - POCO deduction
    price           = allowable costs + contract profit rate x allowable costs   (1.4)

The risk contingency element is part of allowable costs but reported separately (H.2.2); the POCO
deduction removes group profits from allowable costs (Act s.20(2A); I.1.1) and is supplied by the
caller, for example ``sscr.poco.poco_adjustment(...).deduction``. A component's costs count once
(4.5): see :func:`sscr.allowable_costs.cost_lines.attributed_once`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .. import checks
from ..errors import PricingInputError
from ..price import contract_price, formula_price
from .cost_lines import AllowableCosts, allowable_costs, attributed_once
from .risk import RiskContingencyElement


@dataclass(frozen=True)
class ComponentPrice:
    """Every figure from the build-up's allowable costs to the component's price."""

    component: str
    cost_lines: float
    risk_contingency_element: float
    poco_deduction: float
    allowable_costs: float
    contract_profit_rate: float
    profit: float
    price: float

    def table(self) -> list[list[Any]]:
        return [["Allowable costs from the cost lines (agreed)", self.cost_lines],
                ["Risk contingency element (H.2, reported separately)", self.risk_contingency_element],
                ["POCO deduction (Part I)", -self.poco_deduction],
                ["Allowable costs", self.allowable_costs],
                ["Contract profit rate", self.contract_profit_rate],
                ["Profit (CPR x allowable costs)", self.profit],
                ["Price (1.4)", self.price]]


def _money(value: Any, what: str) -> float:
    if isinstance(value, AllowableCosts):
        return value.allowable
    if isinstance(value, RiskContingencyElement):
        return value.expected_value
    return float(checks.money(what, 0.0 if value is None else value, nonnegative=True))


def component_price(allowable: AllowableCosts | Any, cpr: Any, *, poco_deduction: Any = 0.0,
                    risk_contingency: RiskContingencyElement | Any = 0.0, component: str = "") -> ComponentPrice:
    """Price of a component from its build-up: (cost lines + risk contingency - POCO) x (1 + CPR) (guidance 1.4).

    Args:
        allowable: the build-up (:class:`AllowableCosts`) or its agreed allowable costs, money.
        cpr: the component's contract profit rate as a fraction (0.1019 for 10.19%).
        poco_deduction: the POCO deduction from allowable costs, money, zero or more (Part I).
        risk_contingency: the risk contingency element, money, or a :class:`RiskContingencyElement`
            (its expected value is used, H.1.7).
        component: the component's name, for the record.

    Examples:
        £62,000 of agreed costs, £27,000 of risk contingency, £9,000 POCO deduction, CPR 10%:

        >>> p = component_price(62_000, 0.10, poco_deduction=9_000, risk_contingency=27_000)
        >>> p.allowable_costs, round(p.price, 2)
        (80000.0, 88000.0)
    """
    lines = _money(allowable, "allowable costs")
    risk = _money(risk_contingency, "risk contingency element")
    poco = _money(poco_deduction, "POCO deduction")
    before = lines + risk
    if poco > before + 1e-9 * max(1.0, before):
        raise PricingInputError(
            f"POCO deduction {checks.fmt(poco)} exceeds the allowable costs it reduces ({checks.fmt(before)}): the "
            f"deduction removes group profit included in those costs (Act s.20(2A); guidance I.1.1)")
    total = max(before - poco, 0.0)
    priced = formula_price(total, cpr)
    name = component or (allowable.component or "" if isinstance(allowable, AllowableCosts) else "")
    return ComponentPrice(name, lines, risk, poco, total, float(priced.contract_profit_rate), float(priced.profit),
                          float(priced.price))


@dataclass(frozen=True)
class ComponentPrices:
    components: tuple[ComponentPrice, ...]
    total_price: float


def component_prices(cost_lines: Any, cprs: Mapping[str, Any], *, poco_deductions: Mapping[str, Any] | None = None,
                     risk_contingencies: Mapping[str, Any] | None = None, recovery_rates: Any = None,
                     indices: Any = None) -> ComponentPrices:
    """Prices of several components from one table of cost lines with a component column, or from
    a mapping of component name to its build-up; each line counts in one component only (4.5)."""
    if isinstance(cost_lines, Mapping):
        build_ups = dict(cost_lines)
        attributed_once(build_ups)
    else:
        whole = allowable_costs(cost_lines, recovery_rates=recovery_rates, indices=indices)
        build_ups = {name: allowable_costs(cost_lines, recovery_rates=recovery_rates, indices=indices, component=name)
                     for name, _ in whole.by_component}
        if not build_ups:
            raise PricingInputError("cost lines name no component: add a component column to price components")
    unknown = [c for c in cprs if c not in build_ups]
    if unknown:
        raise PricingInputError(f"component {checks.fmt(unknown[0])} has a contract profit rate but no cost lines "
                                f"(components: {', '.join(build_ups)})")
    missing = [c for c in build_ups if c not in cprs]
    if missing:
        raise PricingInputError(f"component {checks.fmt(missing[0])} has cost lines but no contract profit rate")
    prices = tuple(component_price(build_ups[c], cprs[c], poco_deduction=(poco_deductions or {}).get(c, 0.0),
                                   risk_contingency=(risk_contingencies or {}).get(c, 0.0), component=c)
                   for c in build_ups)
    return ComponentPrices(prices, contract_price([p.price for p in prices]).price)
