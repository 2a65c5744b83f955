"""The capital servicing adjustment (step 4): computations 1-5 of Appendix B of the baseline profit
rate guidance (v8, 2024), and the capital employed and cost of production it needs, from
balance-sheet figures (guidance 6.26-6.38).

Money in any one currency unit (pounds, or £m throughout); rates as fractions.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, Union

import numpy as np

from . import checks
from .errors import CapitalServicingWarning, PricingInputError
from .rates import CapitalServicingRates

Number = Union[float, np.ndarray]


def servicing_rates(rates: Any) -> CapitalServicingRates:
    """Accept CapitalServicingRates, or a sequence of three fractions [fixed, positive, negative]."""
    if isinstance(rates, CapitalServicingRates):
        values = rates.as_row()
    else:
        if rates is None:
            raise PricingInputError("capital servicing rates are empty: give the three rates "
                                    "[fixed, positive working, negative working] or a date of agreement")
        flat = list(np.ravel(np.asarray(rates, dtype=object)))
        if len(flat) != 3:
            raise PricingInputError(
                f"capital servicing rates hold {len(flat)} values: give exactly three, "
                f"[fixed, positive working, negative working] (guidance 6.4)")
        values = flat
    names = ("fixed capital servicing rate", "positive working capital servicing rate",
             "negative working capital servicing rate")
    checked = [checks.rate(n, v, lo=0.0, rule="is negative: a published servicing rate is zero or more")
               for n, v in zip(names, values)]
    # Arrays (one rate per row, for a portfolio) stay arrays; single rates are floats.
    return CapitalServicingRates(*(v if isinstance(v, np.ndarray) else float(v) for v in checked))


#: Guidance 6.16: the note (and warning) for a zero or negative capital servicing adjustment.
DOUBLE_CHECK_NOTE = ("the capital servicing adjustment is zero or negative: guidance 6.16 expects this only "
                     "in exceptional circumstances, so double check the calculation")


#: Capital employed of exactly zero: computations 1-3 are undefined, computation 5 gives the adjustment.
ZERO_CAPITAL_EMPLOYED_NOTE = ("capital employed is zero: the CP:CE ratio, the proportions and the allowances of "
                              "computations 1-3 are undefined (shown as 0), and the adjustment is computation 5's "
                              "sum of the elements, which computation 4 equals whenever capital employed is not zero")


def needs_double_check(adjustment: Number) -> Any:
    """True where the adjustment is zero or negative (guidance 6.16), by row for an array."""
    return np.asarray(adjustment) <= 0


@dataclass(frozen=True)
class CapitalServicingAdjustment:
    """Every figure of Appendix B, named by its row letter there.

    (a) fixed_capital, (b) working_capital, (c) capital_employed, (d) cost_of_production,
    (e) cp_ce_ratio, (f) fixed_proportion, (g) positive_working_proportion,
    (h) negative_working_proportion; computation 3 allowances and "x"; computation 4
    ``adjustment`` = x / e; computation 5 elements, whose sum equals computation 4.
    """

    fixed_capital: Number
    working_capital: Number
    capital_employed: Number
    cost_of_production: Number
    cp_ce_ratio: Number
    fixed_proportion: Number
    positive_working_proportion: Number
    negative_working_proportion: Number
    rates: CapitalServicingRates
    fixed_allowance: Number
    positive_working_allowance: Number
    negative_working_allowance: Number
    capital_servicing_allowance: Number
    adjustment: Number
    fixed_element: Number
    positive_working_element: Number
    negative_working_element: Number
    notes: tuple[str, ...] = field(default=())

    @property
    def combined_elements(self) -> Number:
        """Computation 5 total: equals computation 4."""
        return self.fixed_element + self.positive_working_element + self.negative_working_element


def capital_servicing_adjustment(fixed_capital: Any, working_capital: Any, cost_of_production: Any,
                                 rates: Any, *, capital_employed: Any = None) -> CapitalServicingAdjustment:
    """Capital servicing adjustment by computations 1-5 of Appendix B (guidance v8, 6.9-6.17).

    CSA = (fixed capital x fixed rate + working capital x working rate) / cost of production, where
    the working rate is the positive rate for positive working capital and the negative rate for
    negative working capital. Computations 1-4 reach it through the CP:CE ratio; computation 5 by
    elements. Negative working capital and negative capital employed are handled (examples (c),
    (d)); a zero or negative result warns (guidance 6.16) rather than failing.

    Args:
        fixed_capital: (a) fixed capital value, money.
        working_capital: (b) working capital value, money, may be negative. Pass None and give
            ``capital_employed`` instead to derive it as capital employed less fixed capital (6.33).
        cost_of_production: (d) annual cost of production, money, above zero.
        rates: the three capital servicing rates as fractions, [fixed, positive, negative]; or
            :class:`CapitalServicingRates`, whose rates may be arrays (one per row) with array inputs.
        capital_employed: (c) optional; if given with working capital, they must agree.

    Examples:
        Appendix B, example (a):

        >>> r = capital_servicing_adjustment(3_000_000, 1_000_000, 6_000_000, [0.0326, 0.031, 0.0161])
        >>> round(r.cp_ce_ratio, 4), round(r.adjustment * 100, 2)
        (1.5, 2.15)
    """
    fc = checks.money("fixed capital", fixed_capital)
    cp = checks.money("cost of production", cost_of_production)
    checks.check("cost of production", cp, cp > 0,
                 "must be above zero: the CP:CE ratio divides by it (guidance 6.35)")
    if working_capital is None:
        if capital_employed is None:
            raise PricingInputError("working capital is empty: give working capital, or capital employed "
                                    "from which it is derived (guidance 6.33)")
        ce = checks.money("capital employed", capital_employed)
        wc = ce - fc
    else:
        wc = checks.money("working capital", working_capital)
        ce = fc + wc
        if capital_employed is not None:
            given = checks.money("capital employed", capital_employed)
            agrees = abs(given - ce) <= 1e-9 * np.maximum(1.0, abs(ce))
            if not (isinstance(ce, np.ndarray) and checks.record(  # a portfolio row names its own sum
                    "capital employed", np.broadcast_to(given, np.shape(ce)), ~agrees,
                    lambda n, v, i: f"{n} {checks.fmt(v)} {_sum_rule(float(ce[i]))}")):
                checks.check("capital employed", given, agrees,
                             _sum_rule(ce if not isinstance(ce, np.ndarray) else "by row"))
    r = servicing_rates(rates)
    # Capital employed of exactly zero leaves the CP:CE ratio and the proportions (computations 1-3)
    # undefined, but not the adjustment: computation 5 reaches it without dividing by capital
    # employed, and computation 4 equals it whenever capital employed is not zero (fixed 1m, working
    # -1m, cost of production 5m: (3.26% - 1.61%) / 5 = 0.33%, as capital employed of £1 gives).
    # The undefined figures are shown as zero, and a note says so.
    zero_ce = ce == 0
    any_zero = bool(np.any(zero_ce))
    ce_safe = np.where(zero_ce, 1.0, ce) if any_zero else ce

    e = cp / ce_safe                                 # computation 1
    f = fc / ce_safe                                 # computation 2
    wp = wc / ce_safe
    positive = wc >= 0
    g = np.where(positive, wp, 0.0) if isinstance(wp, np.ndarray) else (wp if positive else 0.0)
    h = np.where(positive, 0.0, wp) if isinstance(wp, np.ndarray) else (0.0 if positive else wp)
    fixed_allowance = f * r.fixed                     # computation 3
    pos_allowance = g * r.positive_working
    neg_allowance = h * r.negative_working
    x = fixed_allowance + pos_allowance + neg_allowance
    checks.check("CP:CE ratio", e, e != 0, _FINITE_RULE.replace("is beyond any number", "is zero"))
    adjustment = x / e                               # computation 4
    fixed_element = r.fixed * fc / cp                # computation 5
    pos_element = np.where(positive, r.positive_working * wc / cp, 0.0) if isinstance(wc, np.ndarray) \
        else (r.positive_working * wc / cp if positive else 0.0)
    neg_element = np.where(positive, 0.0, r.negative_working * wc / cp) if isinstance(wc, np.ndarray) \
        else (0.0 if positive else r.negative_working * wc / cp)
    if any_zero:
        by_elements = fixed_element + pos_element + neg_element
        if isinstance(ce, np.ndarray) or isinstance(by_elements, np.ndarray):
            undefined = np.broadcast_to(zero_ce, np.shape(adjustment))
            adjustment = np.where(undefined, by_elements, adjustment)
            e, f, g, h, fixed_allowance, pos_allowance, neg_allowance, x = (
                np.where(undefined, 0.0, v) for v in (e, f, g, h, fixed_allowance, pos_allowance, neg_allowance, x))
        else:
            adjustment = by_elements
            e = f = g = h = fixed_allowance = pos_allowance = neg_allowance = x = 0.0

    # A cost of production vanishingly small against capital employed (or capital employed near
    # zero) overflows the division: refused, never an infinite or NaN figure.
    checks.check("capital servicing adjustment", adjustment, np.isfinite(adjustment), _FINITE_RULE)
    notes: tuple[str, ...] = ()
    if any_zero:
        notes += (ZERO_CAPITAL_EMPLOYED_NOTE,)
    if np.any(needs_double_check(adjustment)):
        notes += (DOUBLE_CHECK_NOTE,)
        warnings.warn(DOUBLE_CHECK_NOTE, CapitalServicingWarning, stacklevel=2)
    return CapitalServicingAdjustment(fc, wc, ce, cp, e, f, g, h, r, fixed_allowance, pos_allowance,
                                      neg_allowance, x, adjustment, fixed_element, pos_element,
                                      neg_element, notes)


_FINITE_RULE = ("is beyond any number: the cost of production is too small against the capital employed, or "
                "capital employed is near zero; check the units of cost of production, fixed capital and working "
                "capital (Appendix B computation 4)")


def _sum_rule(ce: Any) -> str:
    shown = ce if isinstance(ce, str) else checks.fmt(ce)
    return f"does not equal fixed capital plus working capital ({shown}) (Appendix B computation 1)"


# --- capital employed and cost of production from the accounts (guidance 6.26-6.38) ---------------

#: Items generally excluded from capital employed (guidance 6.30), as keys for itemised exclusions. Surplus cash
#: is 6.30(a)(vi): the text in reference/ splits item (v) over two lines, so that it reads as (vii).
CAPITAL_EMPLOYED_EXCLUSIONS: dict[str, str] = {
    "goodwill": "goodwill, brands and customer lists acquired in a business combination (6.30(a)(i))",
    "fair_value_uplift": "fair value adjustments that needed no input of capital (6.30(a)(ii))",
    "investments": "investments in shares and securities (6.30(a)(iii))",
    "group_loans": "loans to or from other companies, including non-trading group balances (6.30(a)(iv))",
    "held_for_sale_or_idle": "assets held for sale and idle assets (6.30(a)(v))",
    "surplus_cash": "cash beyond what normal operations need (6.30(a)(vi))",
    "deferred_tax": "deferred tax assets or liabilities (6.30(b)(i))",
    "retirement_benefit": "retirement benefit surpluses or obligations (6.30(b)(ii))",
    "other": "other items whose inclusion would not give an appropriate step 4 adjustment (6.30(c))",
}

#: Items generally excluded from cost of production (guidance 6.37).
COST_OF_PRODUCTION_EXCLUSIONS: dict[str, str] = {
    "borrowing_costs": "borrowing costs (6.37(a))",
    "excluded_items_costs": "costs related to items excluded from capital employed (6.37(b))",
    "other": "costs whose inclusion would not give an appropriate step 4 adjustment (6.37(c))",
}


def _itemised(what: str, items: Mapping[str, Any] | None, allowed: Mapping[str, str]) -> float:
    total = 0.0
    for key, value in (items or {}).items():
        if key not in allowed:
            raise PricingInputError(f"{what} {checks.fmt(key)} is not one of the itemised exclusions: "
                                    f"{', '.join(allowed)}")
        total += float(checks.money(f"{what} {key}", value, nonnegative=True))
    return total


@dataclass(frozen=True)
class BalanceSheet:
    """One balance-sheet position of the unit of business (guidance 6.27-6.33).

    ``excluded_assets`` are assets taken out of capital employed (6.30), by kind;
    ``excluded_liabilities`` are non-interest-bearing liabilities taken out (their exclusion adds
    back to capital employed). ``fixed_capital`` is the value of items fixed in nature (6.33).
    """

    total_assets: float
    total_liabilities: float
    interest_bearing_liabilities: float
    fixed_capital: float
    excluded_assets: Mapping[str, float] = field(default_factory=dict)
    excluded_liabilities: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CapitalEmployed:
    """Capital employed per position and averaged (6.28), split into fixed and working (6.33)."""

    positions: tuple[float, ...]
    fixed_positions: tuple[float, ...]
    capital_employed: float
    fixed_capital: float
    working_capital: float


def position_capital_employed(sheet: BalanceSheet, label: str = "balance sheet") -> float:
    """Total assets less liabilities other than interest-bearing ones, less the 6.30 exclusions."""
    assets = checks.money(f"{label} total assets", sheet.total_assets, nonnegative=True)
    liabilities = checks.money(f"{label} total liabilities", sheet.total_liabilities, nonnegative=True)
    interest = checks.money(f"{label} interest-bearing liabilities", sheet.interest_bearing_liabilities,
                            nonnegative=True)
    if interest > liabilities:
        raise PricingInputError(
            f"{label} interest-bearing liabilities {checks.fmt(interest)} exceed total liabilities "
            f"{checks.fmt(liabilities)}: they are a part of the total (guidance 6.27)")
    out_assets = _itemised(f"{label} excluded asset", sheet.excluded_assets, CAPITAL_EMPLOYED_EXCLUSIONS)
    out_liabilities = _itemised(f"{label} excluded liability", sheet.excluded_liabilities,
                                CAPITAL_EMPLOYED_EXCLUSIONS)
    if out_assets > assets:
        raise PricingInputError(f"{label} excluded assets {checks.fmt(out_assets)} exceed total assets "
                                f"{checks.fmt(assets)}")
    if out_liabilities > liabilities - interest + 1e-9:
        raise PricingInputError(
            f"{label} excluded liabilities {checks.fmt(out_liabilities)} exceed the non-interest-bearing "
            f"liabilities {checks.fmt(liabilities - interest)}")
    return (assets - out_assets) - (liabilities - interest - out_liabilities)


def capital_employed_from_balance_sheets(positions: Sequence[BalanceSheet]) -> CapitalEmployed:
    """Average capital employed over the period: at least the opening and closing positions (6.28)."""
    if len(positions) < 2:
        raise PricingInputError(
            f"balance sheet positions number {len(positions)}: give at least the opening and closing "
            f"positions, whose average is the capital employed (guidance 6.28)")
    labels = ["opening"] + [f"position {i + 1}" for i in range(1, len(positions) - 1)] + ["closing"]
    ces = tuple(position_capital_employed(s, label) for s, label in zip(positions, labels))
    fixed = tuple(float(checks.money(f"{label} fixed capital", s.fixed_capital))
                  for s, label in zip(positions, labels))
    ce = sum(ces) / len(ces)
    fc = sum(fixed) / len(fixed)
    return CapitalEmployed(ces, fixed, ce, fc, ce - fc)


@dataclass(frozen=True)
class CostOfProduction:
    operating_revenue: float
    operating_profit: float
    exclusions: float
    period_months: float
    period_cost: float
    annual_cost: float


def cost_of_production_from_accounts(operating_revenue: Any, operating_profit: Any,
                                     exclusions: Mapping[str, Any] | None = None, *,
                                     period_months: Any = 12) -> CostOfProduction:
    """Operating revenue less operating profit (or plus a loss), less the exclusions of 6.37,
    annualised when the period is not twelve months (6.36)."""
    revenue = float(checks.money("operating revenue", operating_revenue, nonnegative=True))
    profit = float(checks.money("operating profit", operating_profit))
    months = float(checks.number("period in months", period_months))
    checks.check("period in months", months, 1 <= months <= 60,
                 "must be from 1 to 60: the months the cost of production covers (guidance 6.36)")
    excluded = _itemised("cost of production exclusion", exclusions, COST_OF_PRODUCTION_EXCLUSIONS)
    period_cost = revenue - profit - excluded
    if period_cost <= 0:
        raise PricingInputError(
            f"cost of production {checks.fmt(period_cost)} (operating revenue less operating profit less "
            f"exclusions) must be above zero (guidance 6.35-6.37)")
    return CostOfProduction(revenue, profit, excluded, months, period_cost, period_cost * 12.0 / months)


@dataclass(frozen=True)
class CapitalServicingFromAccounts:
    capital_employed: CapitalEmployed
    cost_of_production: CostOfProduction
    result: CapitalServicingAdjustment

    @property
    def adjustment(self) -> float:
        return float(self.result.adjustment)


def capital_servicing_from_accounts(positions: Sequence[BalanceSheet], operating_revenue: Any,
                                    operating_profit: Any, rates: Any, *,
                                    cost_exclusions: Mapping[str, Any] | None = None,
                                    period_months: Any = 12) -> CapitalServicingFromAccounts:
    """Capital servicing adjustment from balance-sheet positions and the income statement."""
    ce = capital_employed_from_balance_sheets(positions)
    cp = cost_of_production_from_accounts(operating_revenue, operating_profit, cost_exclusions,
                                          period_months=period_months)
    result = capital_servicing_adjustment(ce.fixed_capital, ce.working_capital, cp.annual_cost, rates)
    return CapitalServicingFromAccounts(ce, cp, result)
