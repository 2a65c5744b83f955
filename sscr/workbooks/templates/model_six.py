"""The contract model's Six steps sheet: the contract profit rate of a price agreed before 1 April
2024, by the six steps of regulation 11 as made (Defence Reform Act 2014 s.17(2); baseline profit
rate guidance v8, 1.23: "For contracts or pricing amendments entered into before 1 April 2024 which
applied a contract profit rate calculated using the six step process, those contracts will continue
to apply the same contract profit rate").

CPR = BPR + BPR x CRA - POCO adjustment - SSRO funding adjustment + IA + CSA. Which process applies
comes from the rules table (:func:`sscr.rules.profit_rate_steps`): the date the price being
calculated was agreed (``Date_of_agreement``), or, with no date, the financial year of agreement,
which is enough since the rule changed on 1 April 2024, the first day of a financial year. The SSRO
funding adjustment (step 4) is zero before 1 April 2017 and the figure published for the year from
then (the Rates sheet). The POCO adjustment (step 3) is a rate deducted from the profit rate
(``POCO_rate_i``): before 1 April 2024 there is no POCO deduction from the allowable costs
(regulation 13A came in with SI 2024/420), so a deduction (the Supply chain sheet's ``POCO_i``, or
``POCO_typed_i``) is refused with six steps, as ``POCO_rate_i`` is with four.

Every figure is a native formula over defined names; the core (``contract_profit_rate_six_step``)
computes the same figures, in the same order of operations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sscr import checks
from sscr.errors import PricingInputError
from sscr.rates import RateTable
from sscr.rules import funding_adjustment_rule, packaged_rules, profit_rate_steps

from ..layout import PERCENT, Layout, header, label, page_setup, section, title

SIX_SHEET = "Six steps"
EXCEL_EPOCH = dt.date(1899, 12, 30)
#: The running totals of the six steps: name prefix and what it is.
TOTALS = (("Six_after_1", "After step 1: baseline profit rate", "BPR (regulation 11(2))"),
          ("Six_after_2", "After step 2: cost risk adjustment", "+ BPR x CRA (regulation 11(3))"),
          ("Six_after_3", "After step 3: POCO adjustment", "- POCO adjustment (regulation 11(4) as made)"),
          ("Six_after_4", "After step 4: SSRO funding adjustment", "- funding adjustment (Act s.17(2) as made)"),
          ("Six_after_5", "After step 5: incentive adjustment", "+ IA (regulation 11(6))"),
          ("Six_CPR", "After step 6: capital servicing adjustment, the contract profit rate",
           "+ CSA (regulation 11(7)); used on the Contract sheet"))


def _from_year(name: str, day: dt.date) -> str:
    """Formula text: the financial year named is the one starting on ``day`` (a 1 April) or later.
    Labels such as 2023/24 compare as text in year order, as Excel and LibreOffice compare text."""
    assert (day.month, day.day) == (4, 1), "a rule that changed within a financial year needs the day"
    return f'{name}>="{day.year}/{(day.year + 1) % 100:02d}"'


def steps_formula(date_name: str = "Date_of_agreement", year_name: str = "Financial_year") -> str:
    """Formula text for the number of steps (4 or 6) from the packaged rules: by the date when it is
    given, else by the financial year (each change of the rule is on a 1 April)."""
    rows = sorted((r for r in packaged_rules().rules if r.rule == "profit_rate_steps"), key=lambda r: r.applies_from)
    by_date, by_year = str(int(rows[0].value)), str(int(rows[0].value))
    for r in rows[1:]:
        d = r.applies_from
        assert (d.month, d.day) == (4, 1), "a change of the number of steps within a financial year needs the day"
        by_date = f"IF({date_name}>={(d - EXCEL_EPOCH).days},{int(r.value)},{by_date})"
        by_year = f"IF({_from_year(year_name, d)},{int(r.value)},{by_year})"
    return f"IF(ISNUMBER({date_name}),{by_date},{by_year})"


def funding_formula(year_name: str = "Financial_year") -> str:
    """Formula text for the SSRO funding adjustment in force with six steps: zero before the rule
    says published (1 April 2017), the Rates sheet's figure for the year from then."""
    rows = sorted((r for r in packaged_rules().rules if r.rule == "ssro_funding_adjustment"),
                  key=lambda r: r.applies_from)
    published = next(r.applies_from for r in rows if r.value == "published")
    found = f"INDEX(Rates_funding,MATCH({year_name},Rates_year,0))"
    return f"IF(CPR_steps=6,IF({_from_year(year_name, published)},{found}/100,0),0)"


def six_sheet(layout: Layout, components: int) -> Worksheet:
    """Lay the sheet out for ``components`` component columns."""
    ws = layout.wb.create_sheet(SIX_SHEET)
    title(ws, "Contract profit rate by the six steps (a price agreed before 1 April 2024)",
          "Regulation 11 as made (Act s.17(2)); baseline profit rate guidance v8, 1.23. Used on the Contract sheet "
          "when CPR_steps is 6; from 1 April 2024 the four steps apply and this sheet stays empty.")
    section(ws, "A5", "The process in force", "SI 2024/420; sscr rules table", cite_ref="D5")
    label(ws, "B6", "Steps of the contract profit rate (6 before 1 April 2024, 4 from then)")
    layout.output(ws, "C6", "CPR_steps", steps_formula(), "0")
    label(ws, "B7", "SSRO funding adjustment in force (step 4): zero before 1 April 2017")
    layout.output(ws, "C7", "Funding_adjustment", funding_formula(), PERCENT)
    cols = [get_column_letter(3 + i) for i in range(components)]
    how = get_column_letter(3 + components)
    r = 10
    header(ws, r, 1, ["", "", *[f"Component {i + 1}" for i in range(components)], "How"])
    rows = {"component": 11, "poco": 12}
    label(ws, "B11", "Component")
    label(ws, "A12", "(3)")
    label(ws, "B12", "POCO adjustment (a rate deducted at step 3)")
    label(ws, f"{how}12", "input, with six steps only: profit not to be earned twice on the same cost of "
                          "production (regulation 11(4) as made)", note=True)
    for k, (key, text, note) in enumerate(TOTALS):
        rows[key] = 13 + k
        label(ws, f"B{13 + k}", text)
        label(ws, f"{how}{13 + k}", note, note=True)
    for i, col in enumerate(cols, start=1):
        on = f"AND(CPR_steps=6,Is_formula_{i}=1)"
        layout.output(ws, f"{col}11", f"Six_component_{i}", f'IF(Name_{i}="","",Name_{i})', "@")
        layout.input(ws, f"{col}12", f"POCO_rate_{i}", None, "rate", PERCENT, f"component {i} POCO adjustment",
                     optional=True)
        formulas = {
            "Six_after_1": f"BPR_{i}",
            "Six_after_2": f"Six_after_1_{i}+BPR_{i}*CRA_{i}",
            "Six_after_3": f"Six_after_2_{i}-IF(ISNUMBER(POCO_rate_{i}),POCO_rate_{i},0)",
            "Six_after_4": f"Six_after_3_{i}-Funding_adjustment",
            "Six_after_5": f"Six_after_4_{i}+IA_{i}",
            "Six_CPR": f"Six_after_5_{i}+CSA_used_{i}",
        }
        for key, formula in formulas.items():
            layout.output(ws, f"{col}{rows[key]}", f"{key}_{i}", f'IF({on},{formula},"")', PERCENT)
    last = 13 + len(TOTALS) - 1
    label(ws, f"A{last + 2}", "A price agreed from 1 April 2024 (an amendment too: the date is the amendment's) has "
                              "four steps and its POCO is a deduction from the allowable costs (POCO_i on the Contract "
                              "sheet; allowable costs guidance Part I).", note=True)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 46
    for col in cols:
        ws.column_dimensions[col].width = 15
    ws.column_dimensions[how].width = 44
    page_setup(ws, f"A1:{how}{last + 2}")
    # a short sheet: every component column on one page up to twelve, so that no figure's column meets the footer
    ws.page_setup.fitToWidth = max(1, -(-components // 12))
    ws.print_title_cols = "A:B"
    return ws


def steps_in_force(inputs: Mapping[str, Any]) -> int:
    """4 or 6, by the date of agreement when given, else by the financial year."""
    day = inputs.get("Date_of_agreement")
    return profit_rate_steps(day if day is not None else inputs["Financial_year"])


def funding_in_force(inputs: Mapping[str, Any], rates: RateTable, steps: int) -> float:
    """Step 4 of the six steps: the SSRO funding adjustment in force (0.0 with four steps)."""
    if steps != 6:
        return 0.0
    when = inputs.get("Date_of_agreement")
    rule = funding_adjustment_rule(when if when is not None else inputs["Financial_year"])
    if rule.value == "zero":
        return 0.0
    figure = rates.lookup(inputs["Financial_year"]).ssro_funding_adjustment
    return float(figure)


def check_six(inputs: Mapping[str, Any], components: int, steps: int,
              deductions: Mapping[int, Any] | None = None) -> None:
    """POCO_rate_i only with six steps, a POCO deduction from the allowable costs (the Supply chain
    sheet's, or one typed in POCO_typed_i) only with four; a POCO adjustment is zero or more."""
    deductions = deductions or {}
    for i in range(1, components + 1):
        rate = inputs.get(f"POCO_rate_{i}")
        amount = deductions.get(i, inputs.get(f"POCO_{i}"))
        if steps == 4 and rate is not None:
            raise PricingInputError(
                f"POCO_rate_{i} {checks.fmt(rate)} is given but the price is agreed from 1 April 2024, so the contract "
                f"profit rate has four steps (SI 2024/420; guidance 1.23) and the POCO is a deduction from the "
                f"allowable costs: clear POCO_rate_{i}; the Supply chain sheet computes the deduction POCO_{i} "
                f"(regulation 13A)")
        if steps == 6 and amount is not None and amount != 0:
            typed = inputs.get(f"POCO_typed_{i}")
            where = (f"POCO_typed_{i} {checks.fmt(typed)} is given" if typed is not None else
                     f"the Supply chain sheet gives component {i} a POCO deduction of {checks.fmt(amount)} from its "
                     f"allowable costs")
            clear = f"POCO_typed_{i}" if typed is not None else f"the rows of component {i} in the Supply chain table"
            raise PricingInputError(
                f"{where}, but the price is agreed before 1 April 2024, so the contract profit rate has six steps "
                f"and the POCO adjustment is step 3, a rate deducted from the profit rate (regulation 11(4) as made; "
                f"the deduction from the allowable costs applies from 1 April 2024, regulation 13A): clear {clear} "
                f"and enter the adjustment as POCO_rate_{i} on the Six steps sheet")
        if rate is not None:
            checks.rate(f"POCO_rate_{i}", rate, lo=0.0,
                        rule="is negative: step 3 deducts a POCO adjustment of zero or more")


def compute_six(inputs: Mapping[str, Any], components: int, steps: int, funding: float,
                results: Mapping[int, Any]) -> dict[str, Any]:
    """Every figure of the sheet, from the core's six-step results by component number."""
    out: dict[str, Any] = {"CPR_steps": float(steps), "Funding_adjustment": funding}
    for i in range(1, components + 1):
        out[f"Six_component_{i}"] = inputs.get(f"Name_{i}")
        r = results.get(i)
        values = (r.after_step_1, r.after_step_2, r.after_step_3, r.after_step_4, r.after_step_5,
                  r.contract_profit_rate) if r is not None else (None,) * 6
        for (key, _t, _n), v in zip(TOTALS, values):
            out[f"{key}_{i}"] = v
    return out


__all__ = ["SIX_SHEET", "check_six", "compute_six", "funding_in_force", "six_sheet", "steps_in_force"]
