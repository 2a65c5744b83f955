"""The contract profit rate: the four steps of regulation 11 (from 1 April 2024) and the six steps
in force before then.

All rates are fractions (0.0824 for 8.24%). The cost risk adjustment is a fraction *of the
baseline profit rate* (-0.25..+0.25, so -25% of 8.24% is -2.06 percentage points); the incentive
and capital servicing adjustments are percentage points as fractions (0.01 for 1pp).
Scalars and numpy arrays go through the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from . import checks
from .errors import PricingInputError
from .rates import parse_when, rate_key
from .dates import long_date
from .rules import DateWithinChangeError, incentive_cap
from .rules import contract_kind as contract_kind_of

Number = Union[float, np.ndarray]

#: Regulation 11(3): the cost risk adjustment is within plus or minus 25% of the baseline profit rate.
CRA_LIMIT = 0.25
#: Regulation 11(6): the incentive adjustment does not exceed two percentage points.
IA_LIMIT = 0.02

FOUR_STEPS_FROM = dt.date(2024, 4, 1)
FUNDING_ADJUSTMENT_FROM = dt.date(2017, 4, 1)

_CRA_RULE = ("is outside -25%..+25% of the baseline profit rate (regulation 11(3); guidance 4.1): "
             "enter the adjustment as a fraction of the BPR, so -25% is -0.25")
_IA_RULE = "is outside 0..2 percentage points (regulation 11(6); guidance 5.9): 1pp is 0.01"
_IA_DATED_RULE = ("is above the maximum incentive adjustment for the contract kind at its date of agreement: 2 "
                  "percentage points, or 10 for a qualifying defence contract agreed on or after 5 June 2026 "
                  "(regulation 11(6); Single Source Contract (Amendment) Regulations 2026)")


def cost_risk_adjustment(cra: Any, name: str = "cost risk adjustment") -> Number:
    v = checks.number(name, cra)
    if isinstance(v, float):
        if _typed_as_percent(v):
            raise PricingInputError(_percent_message(name, v))
    elif checks.is_collecting():  # a portfolio row gets the message a single cell gets
        checks.record(name, v, _typed_as_percent(v), _percent_message)
    return checks.rate(name, v, lo=-CRA_LIMIT, hi=CRA_LIMIT, rule=_CRA_RULE)


def _typed_as_percent(v: Number) -> Any:
    """A cost risk adjustment that looks like a per cent figure typed where a fraction belongs."""
    a = abs(v)
    return (a > CRA_LIMIT + 1e-12) & (a >= 1) & (a <= 25)


def _percent_message(name: str, v: float, index: Any = None) -> str:
    return f"{name} {checks.fmt(v)} {_CRA_RULE}; did you mean {checks.fmt(v / 100)} ({checks.fmt(v)}% of the BPR)?"


def incentive_adjustment(ia: Any, name: str = "incentive adjustment", *, limit: Any = IA_LIMIT,
                         rule: Any = _IA_RULE) -> Number:
    """Step 3: zero up to the maximum in force (``limit``, a rate fraction; 2pp unless a date of
    agreement and contract kind say otherwise: :func:`sscr.rules.incentive_cap`). A value of 0.1 or
    more above the maximum reads as percentage points typed as a fraction (0.5 for 0.5pp) and gets
    the figure it may mean, as the cost risk adjustment does. For an array, ``limit`` and ``rule``
    may be arrays too: each element's maximum and the words of its rule."""
    v = checks.number(name, ia)
    per_element = not isinstance(rule, str)

    def words(index: Any) -> str:
        return str(rule[index]) if per_element else rule

    def message(n: str, x: float, index: Any = None) -> str:
        cap = float(np.asarray(limit)[index]) if np.ndim(limit) and index is not None else float(np.max(limit))
        hint = (f"; did you mean {checks.fmt(x / 100)} ({checks.fmt(x)} percentage points)?"
                if x > cap + 1e-12 and x >= 0.1 and x / 100 <= cap + 1e-12 else "")
        return f"{n} {checks.fmt(x)} {words(index)}{hint}"

    if isinstance(v, float) and not per_element:
        checks.rate(name, v)  # 1 or more: a per cent figure typed as a fraction
        if not (-1e-12 <= v <= limit + 1e-12):
            raise PricingInputError(message(name, v))
        return v
    v = checks.rate(name, v) if isinstance(v, np.ndarray) else np.asarray(v, dtype=float)
    bad = ~((v >= -1e-12) & (v <= np.asarray(limit) + 1e-12))
    if bad.any() and not checks.record(name, v, bad, message):
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise PricingInputError(message(name + checks._where(index), float(v[index]), index))
    return v


def incentive_limit(date_of_agreement: Any = None, contract_kind: Any = None) -> tuple[float, str]:
    """(maximum incentive adjustment as a fraction, the words of its rule) at the date of agreement.

    A financial year across the day the maximum changed (2026/27 for a QDC) gives the lower maximum
    in force at the start of the year, with the message that asks for the day: an adjustment within
    it is within the maximum either way."""
    try:
        cap = incentive_cap(date_of_agreement, contract_kind)
    except DateWithinChangeError as exc:
        kind = "qualifying sub-contract" if contract_kind_of(contract_kind) == "QSC" else "qualifying defence contract"
        return float(exc.floor) / 100, (
            f"is outside 0..{exc.floor} percentage points, the maximum incentive adjustment for a {kind} at the "
            f"start of financial year {checks.fmt(date_of_agreement)}; the maximum changed on {long_date(exc.changed)}, "
            f"within that year: enter the day the price was agreed (Single Source Contract (Amendment) "
            f"Regulations 2026)")
    return cap.limit, cap.rule


def baseline_profit_rate(bpr: Any, name: str = "baseline profit rate") -> Number:
    return checks.rate(name, bpr, lo=0.0, rule="is negative: a baseline profit rate is zero or more")


#: A capital servicing adjustment of 50 percentage points or more is refused as a unit slip. No
#: Appendix B computation on real accounts reaches it: the adjustment is (fixed capital x fixed
#: rate + working capital x working rate) / cost of production, and the highest published rate is
#: the 2015/16 fixed capital servicing rate of 5.94%, so 50pp would need capital employed of more
#: than 8.4 times a year's cost of production (a CP:CE ratio under 0.12; Appendix B's examples have
#: 1.3 to 2). A figure of 0.5 or more is a per cent figure typed as a fraction (3.01 for 3.01%).
CSA_SLIP = 0.5


def capital_servicing(csa: Any, name: str = "capital servicing adjustment") -> Number:
    v = checks.rate(name, csa)
    rule = ("is 50 percentage points or more in size, which no capital servicing adjustment by Appendix B reaches "
            "(it would need capital employed over 8.4 times the cost of production): a likely unit slip")
    def message(n: str, x: float, index: Any = None) -> str:
        return f"{n} {checks.fmt(x)} {rule}; did you mean {checks.fmt(x / 100)} ({checks.fmt(x)}%)?"

    slip = abs(v) >= CSA_SLIP
    if isinstance(v, float):
        if slip:
            raise PricingInputError(message(name, v))
    elif np.any(slip) and not checks.record(name, v, slip, message):
        index = tuple(int(i) for i in np.argwhere(slip)[0])
        raise PricingInputError(message(name + checks._where(index), float(v[index])))
    return v


@dataclass(frozen=True)
class ContractProfitRate:
    """The section 7 table: each step's adjustment and the running total after it.

    ``cra`` is the input fraction of the BPR; ``cra_points`` is the step 2 adjustment in
    percentage points (BPR x CRA). ``capital_servicing_adjustment`` is the step 4 amount applied,
    which for the government owned contractor rate without an agreed cost of capital is whatever
    brings the rate to zero (guidance 6.19).
    """

    baseline_profit_rate: Number
    cra: Number
    cra_points: Number
    incentive_adjustment: Number
    capital_servicing_adjustment: Number
    after_step_1: Number
    after_step_2: Number
    after_step_3: Number
    contract_profit_rate: Number
    rate_type: str = "standard"

    def table(self) -> list[tuple[str, str, Any, Any]]:
        """Rows of the section 7 table: (step, description, adjustment, running total)."""
        return [
            ("Step 1", "baseline profit rate", self.baseline_profit_rate, self.after_step_1),
            ("Step 2", "cost risk adjustment", self.cra_points, self.after_step_2),
            ("Step 3", "incentive adjustment", self.incentive_adjustment, self.after_step_3),
            ("Step 4", "capital servicing adjustment", self.capital_servicing_adjustment,
             self.contract_profit_rate),
            ("", "contract profit rate", self.contract_profit_rate, self.contract_profit_rate),
        ]


def contract_profit_rate(bpr: Any, cra: Any, ia: Any, csa: Any = None, *, rate_type: str = "standard",
                         cost_of_capital_agreed: bool = False, date_of_agreement: Any = None,
                         contract_kind: Any = None, ia_limit: Any = None, ia_rule: Any = None) -> ContractProfitRate:
    """Contract profit rate by the four steps of regulation 11 (guidance v8, section 7).

    CPR = BPR + BPR x CRA + IA + CSA, with the running total after each step.

    Args:
        bpr: step 1 baseline profit rate as a fraction (0.0824 for 8.24%), or the government
            owned contractor rate when ``rate_type="GOCR"``.
        cra: step 2 cost risk adjustment as a fraction of the BPR, -0.25..+0.25 (regulation 11(3)).
        ia: step 3 incentive adjustment as a rate fraction, 0..0.02 (regulation 11(6)).
        csa: step 4 capital servicing adjustment as a rate fraction (regulation 11(7)). For the
            government owned contractor rate leave it None: step 4 then brings the rate to zero
            (guidance 6.19), unless ``cost_of_capital_agreed`` (guidance 6.20) when it is used.
        rate_type: "standard" (the baseline profit rate) or "GOCR".
        cost_of_capital_agreed: with GOCR, the parties agreed a cost of capital charge at step 4.
        date_of_agreement: optional; the day the price was agreed, which sets the maximum incentive
            adjustment with ``contract_kind`` (:func:`sscr.rules.incentive_cap`): 2pp, or 10pp for
            a qualifying defence contract agreed on or after 5 June 2026. Without it the maximum is 2pp.
        contract_kind: "QDC" (default) or "QSC".
        ia_limit, ia_rule: optional maximum incentive adjustment per row (a rate fraction, or an
            array) and the words of its rule (text, or an array), for a portfolio that has looked up
            each row's maximum already (:func:`incentive_limit`); they override the date.

    Examples:
        Guidance section 7, Example 1:

        >>> r = contract_profit_rate(0.0824, -0.25, 0.01, 0.0301)
        >>> round(r.after_step_2, 6), round(r.contract_profit_rate, 6)
        (0.0618, 0.1019)
    """
    gocr = _is_gocr(rate_type)
    b = baseline_profit_rate(bpr, "government owned contractor rate" if gocr else "baseline profit rate")
    c = cost_risk_adjustment(cra)
    if ia_limit is not None:
        i = incentive_adjustment(ia, limit=ia_limit, rule=_IA_DATED_RULE if ia_rule is None else ia_rule)
    else:
        limit, rule = incentive_limit(date_of_agreement, contract_kind)
        i = incentive_adjustment(ia, limit=limit, rule=rule)
    s1 = b
    points = b * c
    s2 = s1 + points
    s3 = s2 + i
    if gocr and not cost_of_capital_agreed:
        if csa is not None and not _is_zero(csa) and not _brings_to_zero(csa, s3):
            raise PricingInputError(
                f"capital servicing adjustment {checks.fmt(csa)} is given with the government owned "
                f"contractor rate: step 4 brings that rate to zero (guidance 6.19), here by "
                f"{checks.fmt(-s3 if not isinstance(s3, np.ndarray) else float(-s3.ravel()[0]))}, unless the parties "
                f"agree a cost of capital (guidance 6.20); enter that figure, leave it empty or say the cost of "
                f"capital is agreed")
        k = -s3
    else:
        if csa is None:
            raise PricingInputError("capital servicing adjustment is empty: enter a number (0 for none; "
                                    "guidance 6.16 expects zero only in exceptional circumstances)")
        k = capital_servicing(csa)
    total = s3 + k
    return ContractProfitRate(b, c, points, i, k, s1, s2, s3, total, "GOCR" if gocr else "standard")


def _is_gocr(rate_type: Any) -> bool:
    return rate_key(rate_type) == "government_owned_contractor_rate"


def _brings_to_zero(csa: Any, after_step_3: Any) -> bool:
    """The step 4 figure guidance 6.19 tells the parties to set with the government owned contractor
    rate: minus the rate after step 3 (to a ten-billionth of a percentage point), by row for arrays."""
    try:
        given = np.asarray(csa, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.isfinite(given)) and np.all(np.abs(given + np.asarray(after_step_3)) <= 1e-12))


def _is_zero(value: Any) -> bool:
    try:
        return bool(np.all(np.asarray(value, dtype=float) == 0))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class SixStepProfitRate:
    """The six steps in force for contracts agreed before 1 April 2024, with running totals."""

    baseline_profit_rate: Number
    cra: Number
    cra_points: Number
    poco_adjustment: Number
    ssro_funding_adjustment: Number
    incentive_adjustment: Number
    capital_servicing_adjustment: Number
    after_step_1: Number
    after_step_2: Number
    after_step_3: Number
    after_step_4: Number
    after_step_5: Number
    contract_profit_rate: Number

    def table(self) -> list[tuple[str, str, Any, Any]]:
        return [
            ("Step 1", "baseline profit rate", self.baseline_profit_rate, self.after_step_1),
            ("Step 2", "cost risk adjustment", self.cra_points, self.after_step_2),
            ("Step 3", "POCO adjustment (deducted)", -self.poco_adjustment, self.after_step_3),
            ("Step 4", "SSRO funding adjustment (deducted)", -self.ssro_funding_adjustment, self.after_step_4),
            ("Step 5", "incentive adjustment", self.incentive_adjustment, self.after_step_5),
            ("Step 6", "capital servicing adjustment", self.capital_servicing_adjustment,
             self.contract_profit_rate),
            ("", "contract profit rate", self.contract_profit_rate, self.contract_profit_rate),
        ]


def contract_profit_rate_six_step(bpr: Any, cra: Any, poco: Any, funding_adjustment: Any, ia: Any,
                                  csa: Any, *, date_of_agreement: Any = None) -> SixStepProfitRate:
    """Contract profit rate by the six steps, for contracts agreed before 1 April 2024.

    CPR = BPR + BPR x CRA - POCO - funding adjustment + IA + CSA (Act s.17(2) as made; 2015 review,
    figure 1). Step 4, the SSRO funding adjustment, applies only from 1 April 2017.

    Args:
        bpr: step 1 baseline profit rate as a fraction.
        cra: step 2 cost risk adjustment as a fraction of the BPR, -0.25..+0.25.
        poco: step 3 POCO deduction as a rate fraction (percentage points), zero or more.
        funding_adjustment: step 4 SSRO funding adjustment as a rate fraction, zero or more
            (0.00025 for 0.025%); zero for agreements before 1 April 2017. With a date of agreement
            it may be None: the adjustment in force is looked up (the rate table's figure for the year).
        ia: step 5 incentive adjustment, 0..0.02.
        csa: step 6 capital servicing adjustment as a rate fraction.
        date_of_agreement: optional; the date the price being calculated was agreed (for an
            amendment, the date of the amendment). It must be before 1 April 2024 (from then, four
            steps: :func:`sscr.rules.profit_rate_steps`); a funding adjustment given must be the one in
            force at it: zero before 1 April 2017, the published figure from then.

    Examples:
        >>> r = contract_profit_rate_six_step(0.0831, 0.1, 0.005, 0.00057, 0.0, 0.012)
        >>> round(r.contract_profit_rate, 6)
        0.09784
    """
    b = baseline_profit_rate(bpr)
    c = cost_risk_adjustment(cra)
    p = checks.rate("POCO adjustment", poco, lo=0.0, rule="is negative: step 3 deducts an amount of zero or more")
    if date_of_agreement is not None:
        f = _funding_adjustment_in_force(funding_adjustment, date_of_agreement)
    else:
        f = checks.rate("SSRO funding adjustment", funding_adjustment, lo=0.0,
                        rule="is negative: step 4 deducts the published adjustment, zero or more")
    i = incentive_adjustment(ia)
    k = capital_servicing(csa)
    points = b * c
    s1 = b
    s2 = s1 + points
    s3 = s2 - p
    s4 = s3 - f
    s5 = s4 + i
    total = s5 + k
    return SixStepProfitRate(b, c, points, p, f, i, k, s1, s2, s3, s4, s5, total)


def uses_six_steps(date_of_agreement: Any) -> bool:
    """True when the price was agreed before 1 April 2024 (guidance 1.23; :func:`sscr.rules.profit_rate_steps`).

    The date is the one on which the price being calculated was agreed: for an amendment agreed on
    or after 1 April 2024 to a contract agreed before, the amendment's date, so four steps (MOD and
    SSRO teach-in questions and answers, 5 July 2024)."""
    from .rules import profit_rate_steps

    return profit_rate_steps(date_of_agreement) == 6


def _funding_adjustment_in_force(given: Any, date_of_agreement: Any) -> Number:
    """Step 4 of the six steps at the date of agreement: the SSRO funding adjustment in force, or the
    figure given when it is that one (Act s.17(2); regulation 11 as made; :mod:`sscr.rules`)."""
    from .rates import financial_year_label, rates_for
    from .rules import funding_adjustment_rule, profit_rate_steps

    label = financial_year_label(parse_when(date_of_agreement))
    rule = funding_adjustment_rule(date_of_agreement)
    if profit_rate_steps(date_of_agreement) == 4 or rule.value == "none":
        raise PricingInputError(
            f"date of agreement in {label} is on or after 1 April 2024: the four-step process applies (guidance "
            f"1.23), and the SSRO funding adjustment does not exist from then ({rule.source}). The date that "
            f"decides is the one on which the price being calculated was agreed, so an amendment agreed from "
            f"1 April 2024 to an older contract is priced with four steps too: use the four-step contract profit "
            f"rate (CPR)")
    if rule.value == "zero":
        in_force, where = 0.0, f"zero for an agreement before 1 April 2017 ({rule.source})"
    else:
        in_force = rates_for(date_of_agreement).ssro_funding_adjustment
        where = f"{checks.pct(in_force)}, the figure published for {label} ({rule.source})"
    if given is None or (isinstance(given, str) and not given.strip()):
        return in_force
    f = checks.rate("SSRO funding adjustment", given, lo=0.0,
                    rule="is negative: step 4 deducts the published adjustment, zero or more")
    if not np.all(np.abs(np.asarray(f, dtype=float) - in_force) <= 1e-12):
        if rule.value == "zero":
            raise PricingInputError(
                f"SSRO funding adjustment {checks.fmt(given)} is given for an agreement before 1 April 2017: "
                f"step 4 did not apply until then (2015 review, figure 1); enter 0 or leave it empty")
        raise PricingInputError(
            f"SSRO funding adjustment {checks.fmt(given)} is not the one in force at the date of agreement: "
            f"it is {where}; leave it empty to use it")
    return f
