"""Worksheet functions for the build-up of allowable costs (allowable costs guidance v7.3, sections
3-5, Parts A-I): cost recovery rates, escalation, cost lines and their totals, the risk contingency
element and the price. Names and argument order are a promise to users' workbooks: add new
functions and new trailing optional arguments, never rename or reorder.

Tables are ranges with a header row, matched by column name in any order (sscr.tables.read_table):

- cost lines: id, description, cost_type, basis, appropriate, attributable, reasonable, and
  optionally amount, rate, quantity, credit, evidence, component, index, base_period, price_period;
- recovery rates: name, cost_pool, recovery_base, and optionally pool_scope, base_scope, basis;
- indices: index, period, value;
- risk register: id, and optionally description, probability, impact, minimum, most_likely, maximum.
"""

from __future__ import annotations

from typing import Any

from sscr import checks
from sscr.allowable_costs.catalogue import catalogue
from sscr.allowable_costs.cost_lines import allowable_costs
from sscr.allowable_costs.escalation import escalate
from sscr.allowable_costs.price import component_price
from sscr.allowable_costs.recovery_rates import cost_recovery_rate, over_under_recovery
from sscr.allowable_costs.risk import (DEFAULT_BINS, DEFAULT_SEED, DEFAULT_TRIALS, risk_contingency_element,
                                       simulate_risk)
from sscr.allowable_costs.risk import percentile as percentile_fraction

from .edge import worksheet_function

_TABLE = {"ndim": 2}
_LINES = ("Cost lines range with a header row: id, description, cost_type, basis, appropriate, attributable, "
          "reasonable; optional amount, rate, quantity, credit, evidence, component, index, base_period, price_period.")
_RATES = "Optional: recovery rates range with a header row: name, cost_pool, recovery_base; optional scopes, basis."
_INDICES = "Optional: index series range with a header row: index, period, value."
_COMPONENT = "Optional: only the cost lines of this component."
_REGISTER = ("Risk register range with a header row: id; probability and impact, or minimum, most_likely, maximum "
             "(with an optional probability).")
_TRIALS = f"Optional: number of Monte Carlo trials, a whole number; empty for {DEFAULT_TRIALS:,}."
_SEED = f"Optional: random seed, a whole number, so the result is reproducible; empty for {DEFAULT_SEED}."
_BUILD_UP_ARGS = {"cost_lines": _LINES, "recovery_rates": _RATES, "indices": _INDICES, "component": _COMPONENT}
_BUILD_UP_OPTIONS = {"cost_lines": _TABLE, "recovery_rates": _TABLE, "indices": _TABLE}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _optional_table(value: Any) -> Any:
    """None for an omitted argument or a range of empty cells."""
    if value is None:
        return None
    if isinstance(value, list) and all(all(_blank(v) for v in (r if isinstance(r, list) else [r])) for r in value):
        return None
    return value


def _build_up(cost_lines: Any, recovery_rates: Any, indices: Any, component: Any):
    return allowable_costs(cost_lines, recovery_rates=_optional_table(recovery_rates),
                           indices=_optional_table(indices), component=None if _blank(component) else component)


def _cells(rows: list[list[Any]]) -> list[list[Any]]:
    """A rectangular range with empty text for missing values (Excel shows None as 0)."""
    width = max(len(r) for r in rows)
    return [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in rows]


@worksheet_function(args={"pool": "Cost pool to recover (money), zero or more.",
                          "base": "Recovery base the pool is spread over (e.g. labour hours), above zero."})
def COST_RECOVERY_RATE(pool, base):
    """Cost recovery rate: cost pool / recovery base, pounds per unit of the base (guidance 4.9: £50 an hour x 1,000 hours = £50,000)."""
    return cost_recovery_rate(pool, base).rate  # a range spills a range, as CPR does


@worksheet_function(args={"estimated_rate": "Estimated cost recovery rate, pounds per unit of the base.",
                          "actual_rate": "Actual cost recovery rate for the same pool and base.",
                          "base_quantity": "Quantity of the base the contract used (e.g. hours), zero or more."})
def OVER_UNDER_RECOVERY(estimated_rate, actual_rate, base_quantity):
    """Over-recovery (positive) or under-recovery (negative) of an estimated rate against the actual rate on the same base (guidance 4.4)."""
    return over_under_recovery(estimated_rate, actual_rate, base_quantity).over_recovery


@worksheet_function(args={"amount": "Amount in base-period prices (money), zero or more.",
                          "index_from": "Index value for the base period, above zero.",
                          "index_to": "Index value for the period to escalate to, above zero."})
def ESCALATE(amount, index_from, index_to):
    """Amount escalated by an index: amount x index_to / index_from (inflation evidenced against an index, guidance A.4.1, B.1.1)."""
    return escalate(amount, index_from, index_to).escalated


@worksheet_function(args=_BUILD_UP_ARGS, arg_options=_BUILD_UP_OPTIONS)
def ALLOWABLE_COSTS(cost_lines, recovery_rates=None, indices=None, component=None):
    """Allowable costs: the cost lines agreed appropriate, attributable and reasonable, less types the guidance says are not allowable (sections 3 and 5)."""
    return _build_up(cost_lines, recovery_rates, indices, component).allowable


@worksheet_function(args=_BUILD_UP_ARGS, spill=True, arg_options=_BUILD_UP_OPTIONS)
def ALLOWABLE_COSTS_TABLE(cost_lines, recovery_rates=None, indices=None, component=None):
    """Totals of the cost lines by Part (A-I) and by status: claimed, allowable (agreed), pending, not agreed, excluded; then the gap."""
    return _cells(_build_up(cost_lines, recovery_rates, indices, component).table())


_TRACE_HEADER = ["Id", "Component", "Description", "Cost type", "Part", "Paragraph", "Treatment", "Basis",
                 "Appropriate", "Attributable", "Reasonable", "Rate name", "Rate", "Quantity", "Gross",
                 "Index", "Base period", "Price period", "Escalation factor", "Escalated", "Credit", "Net",
                 "Status", "Allowable", "Flags", "Evidence"]


@worksheet_function(args=_BUILD_UP_ARGS, spill=True, arg_options=_BUILD_UP_OPTIONS)
def COST_LINES_TRACE(cost_lines, recovery_rates=None, indices=None, component=None):
    """Every cost line through the build-up: gross, escalation, credit, net, status, allowable amount and flags with the guidance paragraph."""
    b = _build_up(cost_lines, recovery_rates, indices, component)
    rows: list[list[Any]] = [_TRACE_HEADER]
    for l in b.lines:
        rows.append([l.id, l.component, l.description, l.cost_type.code, l.part or "General", l.cost_type.paragraph,
                     l.cost_type.treatment, l.basis, l.appropriate, l.attributable, l.reasonable, l.rate_name,
                     l.rate, l.quantity, l.gross, l.index, l.base_period, l.price_period, l.escalation_factor,
                     l.escalated, l.credit, l.net, l.status, l.allowable, "; ".join(l.flags), l.evidence])
    return _cells(rows)


@worksheet_function(args={}, spill=True)
def COST_TYPES():
    """The cost-type catalogue: each sub-section of section 5 (A.1 to I.8) with its paragraph, treatment and what the guidance says."""
    rows: list[list[Any]] = [["Code", "Part", "Cost type", "Paragraph", "Treatment", "Note"]]
    rows += [[t.code, t.part or "General", t.cost_type, t.paragraph, t.treatment, t.note] for t in catalogue()]
    return rows


@worksheet_function(args={"register": _REGISTER}, arg_options={"register": _TABLE})
def RISK_EV(register):
    """Risk contingency element at expected value: the sum of probability x mean impact over the register (guidance H.1.7; zero with no risks, H.2.5)."""
    return risk_contingency_element(register).expected_value


@worksheet_function(args={"register": _REGISTER}, spill=True, arg_options={"register": _TABLE})
def RISK_EV_TABLE(register):
    """Each risk's probability, three points, mean impact and expected value, then the total risk contingency element (guidance H.1.7)."""
    return _cells(risk_contingency_element(register).table())


def _trials(trials: Any) -> Any:
    return DEFAULT_TRIALS if _blank(trials) else trials


def _seed(seed: Any) -> Any:
    return DEFAULT_SEED if _blank(seed) else seed


@worksheet_function(args={"register": _REGISTER,
                          "percentile": "Percentile of the simulated total as a fraction, e.g. 0.8 (80%) for P80.",
                          "trials": _TRIALS, "seed": _SEED}, arg_options={"register": _TABLE}, slow=True)
def RISK_SIM(register, percentile, trials=None, seed=None):
    """Percentile of the register's total cost by Monte Carlo simulation, reproducible with the seed (guidance H.1.6)."""
    q = percentile_fraction(percentile)
    return simulate_risk(register, trials=_trials(trials), seed=_seed(seed)).percentile(q)


@worksheet_function(args={"register": _REGISTER, "trials": _TRIALS, "seed": _SEED,
                          "bins": f"Optional: number of histogram bins; empty for {DEFAULT_BINS}."},
                    spill=True, arg_options={"register": _TABLE}, slow=True)
def RISK_SIM_TABLE(register, trials=None, seed=None, bins=None):
    """Monte Carlo summary of the register (expected value, mean, P50, P80, P90) and histogram bins with their trial counts (guidance H.1.6)."""
    s = simulate_risk(register, trials=_trials(trials), seed=_seed(seed), bins=DEFAULT_BINS if _blank(bins) else bins)
    return _cells(s.table())


def _risk_contingency(value: Any) -> Any:
    """A number (or one cell), or a risk register range whose expected value is used."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list) and len(value[0]) == 1:
        value = value[0][0]
    if _blank(value):
        return 0.0
    if isinstance(value, list):
        return risk_contingency_element(value)
    return checks.money("risk contingency element", value, nonnegative=True)


_PRICE_ARGS = {"cost_lines": _LINES, "cpr": "Contract profit rate of the component, e.g. 10.19%.",
               "poco_deduction": "Optional: POCO deduction from allowable costs (money), e.g. from POCO(); empty for 0.",
               "risk_contingency": "Optional: risk contingency element (money), or the risk register range to use its "
                                   "expected value; empty for 0.",
               "recovery_rates": _RATES, "indices": _INDICES, "component": _COMPONENT}
_PRICE_OPTIONS = {**_BUILD_UP_OPTIONS, "risk_contingency": _TABLE}


def _price(cost_lines, cpr, poco_deduction, risk_contingency, recovery_rates, indices, component):
    b = _build_up(cost_lines, recovery_rates, indices, component)
    return component_price(b, cpr, poco_deduction=0.0 if _blank(poco_deduction) else poco_deduction,
                           risk_contingency=_risk_contingency(risk_contingency))


@worksheet_function(args=_PRICE_ARGS, arg_options=_PRICE_OPTIONS)
def PRICE_FROM_COSTS(cost_lines, cpr, poco_deduction=None, risk_contingency=None, recovery_rates=None, indices=None,
                     component=None):
    """Price of a component from its cost lines: (allowable costs + risk contingency element - POCO deduction) x (1 + CPR) (guidance 1.4)."""
    return _price(cost_lines, cpr, poco_deduction, risk_contingency, recovery_rates, indices, component).price


@worksheet_function(args=_PRICE_ARGS, spill=True, arg_options=_PRICE_OPTIONS)
def PRICE_FROM_COSTS_STEPS(cost_lines, cpr, poco_deduction=None, risk_contingency=None, recovery_rates=None,
                           indices=None, component=None):
    """From the cost lines to the price: allowable costs, risk contingency element, POCO deduction, total, CPR, profit and price."""
    return _price(cost_lines, cpr, poco_deduction, risk_contingency, recovery_rates, indices, component).table()
