"""The worksheet functions. Names and argument order are a promise to users' workbooks: add new
functions and new trailing optional arguments, never rename or reorder.

Arguments arrive as Excel passes them: numbers as floats, empty cells as None, dates as datetimes
(or serial numbers), ranges as lists of row lists. Rates are fractions, as Excel stores
percentages (8.24% is 0.0824).
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np

from sscr import checks
from sscr.capital_servicing import capital_servicing_adjustment, servicing_rates
from sscr.components import aggregate_components
from sscr.errors import CapitalServicingWarning, PricingInputError
from sscr.guidance import guidance_in_force
from sscr.methodology import bpr_rolling_average
from sscr.poco import poco_adjustment
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate, contract_profit_rate_six_step
from sscr.rates import RATES, rate_key, rates_for
from sscr.alternative_pricing import cruv_price
from sscr.tables import flag

from .edge import worksheet_function

_DATE = "Date of agreement (a date), financial year (\"2024/25\") or its start year (2024)."
_BPR = "Step 1 baseline profit rate as a percentage, e.g. 8.24%."
_CRA = "Step 2 cost risk adjustment as a percentage of the BPR, -25% to +25%."
_IA = "Step 3 incentive adjustment, 0 to 2 percentage points, e.g. 1% for 1pp."
_CSA = "Step 4 capital servicing adjustment, e.g. 3.01% for 3.01pp."
_CHAIN = ("Supply chain range with a header row: name, parent (empty for the prime), own_allowable_costs, "
          "bpr, cra, ia, csa; optional output_share, profit_rate, value, associated, competed, pricing_method.")
_COMPONENTS = ("Components range with a header row: name, method, allowable_costs, bpr, cra, ia, csa, price; "
               "optional rate_type (GOCR).")
_UNIT = "Optional: pounds per unit of money in the table, 1000000 if in £m (for the £250,000 value test)."
_TABLE = {"ndim": 2}
_AGREED = ("Optional: the date the price was agreed; with the contract kind it sets the maximum incentive "
           "adjustment (2pp; 10pp for a QDC agreed on or after 5 June 2026).")
_KIND = "Optional: \"QDC\" (default), a qualifying defence contract, or \"QSC\", a qualifying sub-contract."


def _csa_rates(rates: Any) -> Any:
    """A three-cell range of rates, or a date/year whose published rates are looked up."""
    if isinstance(rates, (list, tuple, np.ndarray)):
        return servicing_rates(rates)
    return rates_for(rates).capital_servicing_rates


@worksheet_function(args={"date_of_agreement": _DATE,
                          "rate_type": "Optional: \"standard\" (default) or \"GOCR\" for the government owned "
                                       "contractor rate."})
def BPR(date_of_agreement, rate_type=None):
    """Baseline profit rate in force at the date of agreement (financial years from 1 April), or the government owned contractor rate."""
    return rates_for(date_of_agreement).get(rate_key(rate_type))


@worksheet_function(args={"date_of_agreement": _DATE}, spill=True)
def CSA_RATES(date_of_agreement):
    """The three capital servicing rates in force at the date of agreement, as one row: fixed, positive working, negative working."""
    return [rates_for(date_of_agreement).capital_servicing_rates.as_row()]


@worksheet_function(args={"date_of_agreement": _DATE,
                          "rate": "Which rate: " + ", ".join(RATES) + "."})
def RATE_EVIDENCE(date_of_agreement, rate):
    """Evidence status and source of a published rate: guidance, official, mixed (not checked against the Gazette) or user."""
    year = rates_for(date_of_agreement)
    key = str(rate).strip().lower().replace(" ", "_") if rate is not None else ""
    if key not in RATES:
        raise PricingInputError(f"rate {checks.fmt(rate)} is not one of {', '.join(RATES)}")
    year.get(key)
    return f"{year.evidence(key)}: {year.source(key)}"


@worksheet_function(args={"bpr": _BPR, "cra": _CRA, "ia": _IA, "csa": _CSA,
                          "rate_type": "Optional: \"standard\" (default) or \"GOCR\": step 4 then brings the "
                                       "rate to zero unless a cost of capital is agreed.",
                          "cost_of_capital_agreed": "Optional: TRUE when, with the GOCR, the parties agree a "
                                                    "cost of capital (guidance 6.20).",
                          "date_of_agreement": _AGREED, "contract_kind": _KIND})
def CPR(bpr, cra, ia, csa, rate_type=None, cost_of_capital_agreed=None, date_of_agreement=None, contract_kind=None):
    """Contract profit rate by the four steps of regulation 11: BPR + BPR x CRA + IA + CSA."""
    return contract_profit_rate(bpr, cra, ia, csa, rate_type=rate_type or "standard",
                                cost_of_capital_agreed=flag("cost of capital agreed", cost_of_capital_agreed,
                                                            False),
                                date_of_agreement=date_of_agreement, contract_kind=contract_kind).contract_profit_rate


@worksheet_function(args={"bpr": _BPR, "cra": _CRA, "ia": _IA, "csa": _CSA,
                          "rate_type": "Optional: \"standard\" (default) or \"GOCR\".",
                          "cost_of_capital_agreed": "Optional: TRUE when, with the GOCR, a cost of capital "
                                                    "is agreed.",
                          "date_of_agreement": _AGREED, "contract_kind": _KIND}, spill=True)
def CPR_STEPS(bpr, cra, ia, csa, rate_type=None, cost_of_capital_agreed=None, date_of_agreement=None,
              contract_kind=None):
    """The section 7 table of the four steps: each step's adjustment and the running total of the contract profit rate."""
    r = contract_profit_rate(bpr, cra, ia, csa, rate_type=rate_type or "standard",
                             cost_of_capital_agreed=flag("cost of capital agreed", cost_of_capital_agreed, False),
                             date_of_agreement=date_of_agreement, contract_kind=contract_kind)
    return [["Step", "", "Adjustment", "Running total CPR"],
            *[[step, what, float(adj), float(total)] for step, what, adj, total in r.table()]]


@worksheet_function(args={"bpr": _BPR, "cra": _CRA,
                          "poco": "Step 3 POCO deduction in percentage points, zero or more.",
                          "funding_adjustment": "Step 4 SSRO funding adjustment, e.g. 0.057%; zero before 1 April 2017.",
                          "ia": "Step 5 incentive adjustment, 0 to 2 percentage points.",
                          "csa": "Step 6 capital servicing adjustment.",
                          "date_of_agreement": "Optional: the date the price was agreed, before 1 April 2024; with "
                                               "it, an empty funding adjustment is looked up."})
def CPR_SIX_STEP(bpr, cra, poco, funding_adjustment, ia, csa, date_of_agreement=None):
    """Contract profit rate by the six steps in force for contracts agreed before 1 April 2024."""
    return contract_profit_rate_six_step(bpr, cra, poco, funding_adjustment, ia, csa,
                                         date_of_agreement=date_of_agreement).contract_profit_rate


_CSA_ARGS = {"fixed_capital": "Fixed capital value (money).",
             "working_capital": "Working capital value (money), may be negative.",
             "cost_of_production": "Annual cost of production (money), above zero.",
             "rates": "Three capital servicing rates in a row [fixed, positive, negative], or a date of "
                      "agreement or year to look them up."}


@worksheet_function(args=_CSA_ARGS)
def CSA(fixed_capital, working_capital, cost_of_production, rates):
    """Capital servicing adjustment by Appendix B: (fixed capital x fixed rate + working capital x working rate) / cost of production."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapitalServicingWarning)
        return capital_servicing_adjustment(fixed_capital, working_capital, cost_of_production,
                                            _csa_rates(rates)).adjustment


@worksheet_function(args=_CSA_ARGS, spill=True)
def CSA_STEPS(fixed_capital, working_capital, cost_of_production, rates):
    """Computations 1 to 5 of Appendix B, every intermediate figure, as a two-column table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapitalServicingWarning)
        r = capital_servicing_adjustment(fixed_capital, working_capital, cost_of_production, _csa_rates(rates))
    rows = [
        ["(a) Fixed capital", r.fixed_capital],
        ["(b) Working capital", r.working_capital],
        ["(c) Total capital employed", r.capital_employed],
        ["(d) Total cost of production", r.cost_of_production],
        ["(e) CP:CE ratio (d/c)", r.cp_ce_ratio],
        ["(f) Fixed capital as a proportion of capital employed (a/c)", r.fixed_proportion],
        ["(g) Positive working capital as a proportion of capital employed (b/c)", r.positive_working_proportion],
        ["(h) Negative working capital as a proportion of capital employed (b/c)", r.negative_working_proportion],
        ["(i) Fixed capital servicing rate", r.rates.fixed],
        ["(ii) Positive working capital servicing rate", r.rates.positive_working],
        ["(iii) Negative working capital servicing rate", r.rates.negative_working],
        ["Fixed capital servicing allowance (f x i)", r.fixed_allowance],
        ["Positive working capital servicing allowance (g x ii)", r.positive_working_allowance],
        ["Negative working capital servicing allowance (h x iii)", r.negative_working_allowance],
        ["Capital servicing allowance \"x\"", r.capital_servicing_allowance],
        ["Capital servicing adjustment (x / e)", r.adjustment],
        ["Fixed capital element (i/(d/a))", r.fixed_element],
        ["Working capital element, positive (ii/(d/b))", r.positive_working_element],
        ["Working capital element, negative (iii/(d/b))", r.negative_working_element],
        ["Capital servicing adjustment, combined elements", r.combined_elements],
    ]
    out = [[label, float(value)] for label, value in rows]
    for note in r.notes:
        out.append(["Note", note])
    return out


@worksheet_function(args={"allowable_costs": "Allowable costs of the component (money), zero or more.",
                          "cpr": "Contract profit rate, e.g. 10.19%."})
def PRICE_FROM_CPR(allowable_costs, cpr):
    """Price by the pricing formula: allowable costs x (1 + contract profit rate)."""
    return formula_price(allowable_costs, cpr).price


@worksheet_function(args={"supply_chain": _CHAIN, "money_unit": _UNIT}, arg_options={"supply_chain": _TABLE})
def POCO(supply_chain, money_unit=None):
    """POCO deduction from the prime contract's allowable costs for group profits (regulation 13A; Table 2 stage 5)."""
    r = poco_adjustment(supply_chain, money_unit=1.0 if money_unit is None else money_unit)
    if money_unit is None:  # a bare 0 from figures in £m read as pounds is said in words
        said = [note for note in r.notes if note.startswith("the POCO deduction is 0 because the value test")]
        if said:
            return said[0]
    return r.deduction


@worksheet_function(args={"supply_chain": _CHAIN, "money_unit": _UNIT}, spill=True,
                    arg_options={"supply_chain": _TABLE})
def POCO_STAGES(supply_chain, money_unit=None):
    """Table 2 stages for each contract of the supply chain, then the deduction and the prime's price before and after."""
    r = poco_adjustment(supply_chain, money_unit=1.0 if money_unit is None else money_unit)
    header = ["Contract", "Parent", "Scope", "Own allowable costs", "Total allowable costs", "CPR", "Price",
              "Output share", "Stage 2 profit", "Stage 3 capital servicing", "Stage 4 own costs",
              "Stage 4 appropriate profit"]
    rows: list[list[Any]] = [header]
    for c in r.contracts:
        rows.append([c.name, c.parent or "", c.reason, c.own_allowable_costs, c.total_allowable_costs,
                     c.contract_profit_rate, c.price, c.output_share, c.stage2_profit,
                     c.stage3_capital_servicing, c.stage4_own_costs, c.stage4_appropriate_profit])
    width = len(header)
    for label, value in (("Stage 2 total profit", r.total_profit),
                         ("Stage 3 total capital servicing", r.total_capital_servicing),
                         ("Initial POCO adjustment", r.initial_adjustment),
                         ("Stage 4 appropriate sub-contractor profit", r.appropriate_subcontractor_profit),
                         ("Stage 5 POCO deduction", r.deduction),
                         ("Prime allowable costs before", r.prime_allowable_costs_before),
                         ("Prime price before", r.prime_price_before),
                         ("Prime allowable costs after", r.prime_allowable_costs_after),
                         ("Prime price after", r.prime_price_after)):
        rows.append([label, float(value)] + [""] * (width - 2))
    for note in r.notes:
        rows.append(["Note", note] + [""] * (width - 2))
    return rows


_POT_ARGS = {"components": _COMPONENTS, "date_of_agreement": _AGREED, "contract_kind": _KIND}


@worksheet_function(args=_POT_ARGS, arg_options={"components": _TABLE})
def CONTRACT_CRA_POT(components, date_of_agreement=None, contract_kind=None):
    """Maximum contract level cost risk adjustment: the formula components' CRAs at +25% of the BPR less those agreed (regulation 19G)."""
    return aggregate_components(components, date_of_agreement=date_of_agreement, contract_kind=contract_kind).cra_pot


@worksheet_function(args=_POT_ARGS, arg_options={"components": _TABLE})
def CONTRACT_IA_POT(components, date_of_agreement=None, contract_kind=None):
    """Maximum contract level incentive adjustment: the maximum IA in force (2pp; 10pp for a QDC agreed from 5 June 2026) on the formula components' allowable costs less the IAs agreed."""
    return aggregate_components(components, date_of_agreement=date_of_agreement, contract_kind=contract_kind).ia_pot


@worksheet_function(args=_POT_ARGS, spill=True, arg_options={"components": _TABLE})
def AGGREGATION(components, date_of_agreement=None, contract_kind=None):
    """Aggregation of components: each component's price and pots, the total component price and the maximum prices."""
    a = aggregate_components(components, date_of_agreement=date_of_agreement, contract_kind=contract_kind)
    rows: list[list[Any]] = [["Component", "Method", "Allowable costs", "CPR", "Price", "CRA pot", "IA pot"]]
    for c in a.components:
        rows.append([c.name, c.method, "" if c.allowable_costs is None else c.allowable_costs,
                     "" if c.contract_profit_rate is None else c.contract_profit_rate, c.price, c.cra_pot, c.ia_pot])
    for label, value in (("Total component price", a.total_component_price),
                         ("Maximum contract level CRA", a.cra_pot),
                         ("Maximum contract level IA", a.ia_pot),
                         ("Maximum price with the CRA pot", a.max_price_with_cra),
                         ("Maximum price with the IA pot", a.max_price_with_ia),
                         ("Maximum price with both pots", a.max_price)):
        rows.append([label, "", "", "", float(value), "", ""])
    rows += [["Note", note, "", "", "", "", ""] for note in a.notes]  # guidance 4.14 for cost-plus components
    return rows


@worksheet_function(args={"annual_rates": "Annual baseline profit on cost of production, a row or column of "
                                          "years in order, e.g. 10.04%."}, spill=True,
                    arg_options={"annual_rates": _TABLE})
def BPR_ROLLING(annual_rates):
    """Three-year rolling average of annual baseline profit on cost of production, beside each year (2015 review, Appendix 1)."""
    rows = annual_rates if isinstance(annual_rates, list) else [[annual_rates]]
    as_row = len(rows) == 1
    values = rows[0] if as_row else [r[0] if isinstance(r, list) and len(r) == 1 else r for r in rows]
    if not as_row and any(isinstance(v, list) for v in values):
        raise PricingInputError("annual rates must be a single row or a single column of years")
    averages = [float(v) for v in bpr_rolling_average(values)]
    aligned: list[Any] = [""] * (len(values) - len(averages)) + averages
    return [aligned] if as_row else [[v] for v in aligned]


@worksheet_function(args={"volumes": "Estimated volumes, a row or column.",
                          "unit_rates": "Competed unit prices or rates from the framework agreement, one per volume.",
                          "escalation": "Optional: the framework agreement's escalation factors, one for all or one per "
                                        "rate, e.g. 1.03 for 3% up (guidance 7.6); empty for none."})
def CRUV(volumes, unit_rates, escalation=None):
    """Competed rates applied to uncompeted volumes (regulation 19E): the sum of volume x competed unit rate, escalated as the framework agreement provides (7.6)."""
    blank = escalation is None or (isinstance(escalation, str) and not escalation.strip())
    return cruv_price(volumes, unit_rates, None if blank else escalation)


@worksheet_function(args={"date_of_agreement": "Date the price was agreed (a date): guidance versions apply from a day.",
                          "document": "Which guidance: \"allowable costs\", \"baseline profit rate\" or "
                                      "\"alternative pricing\"."}, spill=True)
def GUIDANCE_VERSION(date_of_agreement, document):
    """The version of the SSRO guidance in force at the date of agreement, as one row: version, the date it applies from, title, and a note when a later version's date is not known."""
    v = guidance_in_force(date_of_agreement, document)
    return [[v.version, dt.datetime(v.applies_from.year, v.applies_from.month, v.applies_from.day), v.title, v.note]]
