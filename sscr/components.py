"""Components and the aggregation of components (regulation 19G; alternative pricing guidance v1.2,
section 9, Examples 6 and 7).

A contract of two or more components is priced at the sum of its components' prices (the total
component price), to which the parties may add a contract level cost risk adjustment and a contract
level incentive adjustment, each up to a maximum "pot":

- CRA pot = sum over formula components of AC x BPR x (25% - CRA)   (9.12; Example 6: f x a x (h - b))
- IA pot  = sum over formula components of AC x (max IA - IA)       (9.21; Example 7: f x (h - c)), where the
  maximum is 2pp, or 10pp for a QDC agreed on or after 5 June 2026 (:mod:`sscr.rules`)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from . import checks
from .errors import PricingInputError
from .price import formula_price
from .profit_rate import CRA_LIMIT, IA_LIMIT, contract_profit_rate
from .rules import incentive_cap
from .rates import rate_key
from .tables import read_table

#: Names accepted in a components table's method column, and what they mean.
FORMULA_METHODS = ("formula", "firm", "fixed", "cost-plus", "estimate-based fee", "volume-driven", "target")
ALTERNATIVE_METHODS = ("commercial", "law", "previously agreed", "novated", "cruv")
COLUMNS = ("name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price", "rate_type")
#: Baseline profit rate guidance 4.14: the starting point of the cost risk adjustment for these methods.
CRA_STARTING_POINTS = {"cost-plus": -CRA_LIMIT, "estimate-based fee": -CRA_LIMIT}


def method_kind(method: Any, where: str = "method") -> str:
    """'formula' for the pricing formula (any default pricing method), else the alternative method."""
    text = "formula" if method is None else str(method).strip().lower().replace("_", " ")
    text = text.replace("cost plus", "cost-plus").replace("estimate based fee", "estimate-based fee")
    text = text.replace("volume driven", "volume-driven").replace("commercial pricing", "commercial")
    text = text.replace("pricing formula", "formula").replace("default", "formula")
    if text in FORMULA_METHODS:
        return "formula"
    if text in ALTERNATIVE_METHODS:
        return text
    raise PricingInputError(
        f"{where} {checks.fmt(method)} is not a pricing method: use formula (or a default pricing method: "
        f"firm, fixed, cost-plus, estimate-based fee, volume-driven, target) or an alternative method: "
        f"{', '.join(ALTERNATIVE_METHODS)}")


def default_method(method: Any) -> str:
    """The method's name as written, normalised (cost plus -> cost-plus), not collapsed to formula."""
    text = "formula" if method is None else checks.words(method)
    return text.replace("cost plus", "cost-plus").replace("estimate based fee", "estimate-based fee")


def cra_starting_point(method: Any) -> float | None:
    """-25% for the cost-plus and estimate-based fee methods, where the financial risk is held by the
    Secretary of State (baseline profit rate guidance 4.14); None for other methods."""
    return CRA_STARTING_POINTS.get(default_method(method))


def starting_point_note(name: str, method: Any, cra: Any) -> str | None:
    """What guidance 4.14 says of a component priced by the cost-plus or estimate-based fee method."""
    start = cra_starting_point(method)
    if start is None:
        return None
    note = (f"component {name}: priced by the {default_method(method)} method, so the starting point for the cost "
            f"risk adjustment is -25% of the BPR (baseline profit rate guidance 4.14)")
    if cra is not None and isinstance(cra, (int, float)) and cra > start + 1e-12:
        note += (f"; its CRA {checks.pct(float(cra))} is above it, which the principles at 4.24 must support "
                 f"(some financial risk remains with the contractor)")
    return note


@dataclass(frozen=True)
class Component:
    """A component of a contract. Formula components give allowable costs and the four steps;
    components priced by an alternative method give their price."""

    name: str
    method: str = "formula"
    allowable_costs: float | None = None
    bpr: float | None = None
    cra: float | None = None
    ia: float | None = None
    csa: float | None = None
    price: float | None = None
    #: "standard" (the baseline profit rate) or "GOCR" (the government owned contractor rate, whose
    #: step 4 brings the rate to zero: guidance 6.19); None for standard.
    rate_type: str | None = None
    #: A contract profit rate set by the six steps (a price agreed before 1 April 2024: Act s.17(2) as
    #: made; guidance 1.23), as a fraction: used as it is, in place of the four steps of bpr, cra, ia
    #: and csa (which are still checked, and measure the contract level pots). None for four steps.
    contract_profit_rate: float | None = None


@dataclass(frozen=True)
class ComponentResult:
    name: str
    method: str
    allowable_costs: float | None
    contract_profit_rate: float | None
    profit: float | None
    price: float
    max_cra_value: float
    actual_cra_value: float
    cra_pot: float
    max_ia_value: float
    actual_ia_value: float
    ia_pot: float


@dataclass(frozen=True)
class Aggregation:
    """The aggregation of components: total component price, the pots and the maximum prices."""

    components: tuple[ComponentResult, ...]
    total_component_price: float
    max_cra_value: float
    actual_cra_value: float
    cra_pot: float
    max_ia_value: float
    actual_ia_value: float
    ia_pot: float
    contract_level_cra: float
    contract_level_ia: float
    #: The maximum incentive adjustment the IA pot was measured against, a rate fraction (0.02 for 2pp).
    incentive_limit: float = IA_LIMIT
    #: What the guidance says of the components as given (guidance 4.14 for cost-plus and estimate-based fee).
    notes: tuple[str, ...] = ()

    @property
    def max_price_with_cra(self) -> float:
        """Total component price plus the whole CRA pot (Example 6's maximum price)."""
        return self.total_component_price + self.cra_pot

    @property
    def max_price_with_ia(self) -> float:
        """Total component price plus the whole IA pot (Example 7's maximum price)."""
        return self.total_component_price + self.ia_pot

    @property
    def max_price(self) -> float:
        """Total component price plus both pots."""
        return self.total_component_price + self.cra_pot + self.ia_pot

    @property
    def contract_price(self) -> float:
        """Total component price plus the contract level adjustments agreed."""
        return self.total_component_price + self.contract_level_cra + self.contract_level_ia


def components_from_table(table: Any) -> list[Component]:
    """Components from a range with a header row: name, method, allowable_costs, bpr, cra, ia, csa, price."""
    rows = read_table("components", table, ("name",), COLUMNS[1:],
                      aliases={"allowable costs": "allowable_costs", "ac": "allowable_costs"})
    return [Component(str(r["name"]).strip() if r["name"] is not None else f"row {r['_row']}",
                      r["method"] if r["method"] is not None else "formula",
                      r["allowable_costs"], r["bpr"], r["cra"], r["ia"], r["csa"], r["price"],
                      None if r["rate_type"] is None or not str(r["rate_type"]).strip() else str(r["rate_type"]))
            for r in rows]


def _as_share(amount: float, rate: Any, total: float, what: str, paragraph: str) -> float:
    """The contract level adjustment agreed: ``amount``, or ``rate`` x the total component price
    (alternative pricing guidance 9.16, 9.24: a fixed value or a percentage of the total component
    price, not above the maximum)."""
    if rate is None:
        return amount
    r = float(checks.rate(f"contract level {what} adjustment rate", rate))
    checks.check(f"contract level {what} adjustment rate", r, r >= 0,
                 "must be zero or more: a share of the total component price")
    if amount != 0:
        raise PricingInputError(
            f"contract level {what} adjustment is given as {checks.fmt(amount)} and as {checks.fmt(r)} of the total "
            f"component price: give it one way (alternative pricing guidance {paragraph})")
    return r * total


def aggregate_components(components: Sequence[Component] | Any, *, contract_level_cra: Any = 0.0,
                         contract_level_ia: Any = 0.0, date_of_agreement: Any = None,
                         contract_kind: Any = None, contract_level_cra_rate: Any = None,
                         contract_level_ia_rate: Any = None) -> Aggregation:
    """Aggregation of components (regulation 19G): total component price and contract level pots.

    Args:
        components: Components, or a table with a header row (name, method, allowable_costs, bpr,
            cra, ia, csa, price). Formula components need allowable costs and the four steps;
            others need their price.
        contract_level_cra: the contract level cost risk adjustment agreed, money, 0..CRA pot (9.11-9.18).
        contract_level_ia: the contract level incentive adjustment agreed, money, 0..IA pot (9.19-9.26).
        contract_level_cra_rate, contract_level_ia_rate: optional; either adjustment agreed instead as a
            fraction of the total component price (0.01 for 1%): the amount is that fraction of the
            total, within the pot as an amount is. Giving a fraction and a non-zero amount for the same
            adjustment is refused.
        date_of_agreement, contract_kind: optional; they set the maximum incentive adjustment that
            each component's IA and the IA pot are measured against (:func:`sscr.rules.incentive_cap`):
            2pp, or 10pp for a qualifying defence contract ("QDC", the default) agreed on or after
            5 June 2026 (Single Source Contract (Amendment) Regulations 2026; alternative pricing
            guidance 1.4). A qualifying sub-contract ("QSC") stays at 2pp.

    Refused unless there are at least two components and at least one uses the pricing formula
    (9.5, 9.8, 9.12).

    Examples:
        Alternative pricing guidance, Example 6:

        >>> a = aggregate_components([Component("1", "formula", 50, 0.08, 0.25, 0, 0.0173),
        ...                           Component("2", "commercial", price=50),
        ...                           Component("3", "formula", 100, 0.08, -0.10, 0, 0.0141)])
        >>> round(a.total_component_price, 3), round(a.cra_pot, 6), round(a.max_price_with_cra, 3)
        (214.475, 2.8, 217.275)

        Example 7's IA pot is 2.75 at 2pp; for a QDC agreed on 1 July 2026 it is
        (10 - 1.5)% x 50 + 10% x 125 = 16.75:

        >>> ex7 = [Component("1", "formula", 50, 0.08, 0.10, 0.015, 0.018), Component("2", "commercial", price=25),
        ...        Component("3", "formula", 125, 0.08, 0.20, 0, 0.02)]
        >>> round(aggregate_components(ex7).total_component_price, 6), round(aggregate_components(ex7).ia_pot, 6)
        (220.55, 2.75)
        >>> round(aggregate_components(ex7, date_of_agreement="2026-07-01").ia_pot, 6)
        16.75
    """
    if not isinstance(components, (list, tuple)) or (components and not isinstance(components[0], Component)):
        components = components_from_table(components)
    if len(components) < 2:
        raise PricingInputError(
            f"components number {len(components)}: the aggregation of components needs a contract of more "
            f"than one component (regulation 19G; alternative pricing guidance 9.5(a))")
    seen: set[Any] = set()
    duplicate = next((c.name for c in components if c.name in seen or seen.add(c.name)), None)
    if duplicate is not None:
        raise PricingInputError(f"component name {checks.fmt(duplicate)} appears twice: each component is priced once")
    kinds = [method_kind(c.method, f"component {c.name} method") for c in components]
    formula = [c for c, k in zip(components, kinds) if k == "formula"]
    if not formula:
        raise PricingInputError(
            "no component uses the pricing formula: contract level adjustments need at least one component "
            "whose contract profit rate was set by the four steps (alternative pricing guidance 9.12)")
    for c, kind in zip(components, kinds):
        if kind != "formula":
            for field_name in ("allowable_costs", "bpr", "cra", "ia", "csa"):
                if getattr(c, field_name) is not None:
                    raise PricingInputError(
                        f"component {c.name} {field_name} {checks.fmt(getattr(c, field_name))} is given, but the "
                        f"component is priced by the {kind} method, which has no contract profit rate steps "
                        f"(Examples 6 and 7, note *): leave it empty")
            if c.price is None:
                raise PricingInputError(f"component {c.name} price is empty: a {kind} component is carried at its price")
        elif c.price is not None:
            raise PricingInputError(
                f"component {c.name} price {checks.fmt(c.price)} is given, but a formula component's price is "
                f"allowable costs x (1 + contract profit rate): leave price empty")

    gocr = [c.rate_type is not None and rate_key(c.rate_type) == "government_owned_contractor_rate" for c in formula]

    def column(name: str) -> np.ndarray:
        values = [getattr(c, name) for c in formula]
        for c, v, g in zip(formula, values, gocr):
            if v is None and not (g and name == "csa"):  # GOCR: step 4 brings the rate to zero (6.19)
                raise PricingInputError(f"component {c.name} {name} is empty: a formula component needs it")
        return np.array([np.nan if v is None else float(checks.number(f"component {c.name} {name}", v))
                         for c, v in zip(formula, values)])

    ac, bpr, cra, ia, csa = (column(n) for n in ("allowable_costs", "bpr", "cra", "ia", "csa"))
    cap = incentive_cap(date_of_agreement, contract_kind)
    if any(gocr):  # the government owned contractor rate (guidance 6.18-6.19), component by component
        rates = []
        for k, (c, g) in enumerate(zip(formula, gocr)):
            try:
                one = contract_profit_rate(float(bpr[k]), float(cra[k]), float(ia[k]),
                                           None if np.isnan(csa[k]) else float(csa[k]),
                                           rate_type=c.rate_type or "standard",
                                           date_of_agreement=date_of_agreement, contract_kind=contract_kind)
            except PricingInputError as exc:
                raise PricingInputError(f"component {c.name}: {exc}") from None
            rates.append(one.contract_profit_rate)
        cpr_values = np.array(rates, dtype=float)
    else:
        cpr_values = contract_profit_rate(bpr, cra, ia, csa, date_of_agreement=date_of_agreement,
                                          contract_kind=contract_kind).contract_profit_rate
    six = [c.contract_profit_rate for c in formula]
    if any(v is not None for v in six):  # rates set by the six steps, used as they are
        cpr_values = np.array([float(cpr_values[k]) if v is None else float(checks.number(
            f"component {formula[k].name} contract profit rate", v)) for k, v in enumerate(six)], dtype=float)
    priced = formula_price(ac, cpr_values)
    max_cra = ac * bpr * CRA_LIMIT
    actual_cra = ac * bpr * cra
    max_ia = ac * cap.limit
    actual_ia = ac * ia

    results = []
    i = 0
    for c, kind in zip(components, kinds):
        if kind == "formula":
            results.append(ComponentResult(c.name, kind, float(ac[i]), float(cpr_values[i]),
                                           float(priced.profit[i]), float(priced.price[i]), float(max_cra[i]),
                                           float(actual_cra[i]), float(max_cra[i] - actual_cra[i]), float(max_ia[i]),
                                           float(actual_ia[i]), float(max_ia[i] - actual_ia[i])))
            i += 1
        else:
            price = float(checks.money(f"component {c.name} price", c.price, nonnegative=True))
            results.append(ComponentResult(c.name, kind, None, None, None, price, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    total = float(sum(r.price for r in results))
    cra_pot = float(np.sum(max_cra) - np.sum(actual_cra))
    ia_pot = float(np.sum(max_ia) - np.sum(actual_ia))
    agreed_cra = float(checks.money("contract level cost risk adjustment", contract_level_cra, nonnegative=True))
    agreed_ia = float(checks.money("contract level incentive adjustment", contract_level_ia, nonnegative=True))
    agreed_cra = _as_share(agreed_cra, contract_level_cra_rate, total, "cost risk", "9.16")
    agreed_ia = _as_share(agreed_ia, contract_level_ia_rate, total, "incentive", "9.24")
    tolerance = 1e-9 * max(1.0, total)
    if agreed_cra > cra_pot + tolerance:
        raise PricingInputError(
            f"contract level cost risk adjustment {checks.fmt(agreed_cra)} exceeds the maximum {checks.fmt(cra_pot)}: "
            f"the components' CRAs at +25% of the BPR less those agreed (regulation 19G; guidance 9.11-9.12)")
    if agreed_ia > ia_pot + tolerance:
        raise PricingInputError(
            f"contract level incentive adjustment {checks.fmt(agreed_ia)} exceeds the maximum {checks.fmt(ia_pot)}: "
            f"{checks.fmt(cap.limit * 100)}pp on the formula components' allowable costs less the incentive "
            f"adjustments agreed (regulation 19G; guidance 9.20-9.21)")
    notes = tuple(n for n in (starting_point_note(c.name, c.method, c.cra) for c in components) if n is not None)
    return Aggregation(tuple(results), total, float(np.sum(max_cra)), float(np.sum(actual_cra)), cra_pot,
                       float(np.sum(max_ia)), float(np.sum(actual_ia)), ia_pot, agreed_cra, agreed_ia, cap.limit,
                       notes)
