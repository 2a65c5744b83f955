"""The contract model's Capital servicing sheet: step 4 of each component's contract profit rate
computed inside the model (baseline profit rate guidance v8, 6.9-6.17 and Appendix B computations
1-5), from its capital figures or from balance-sheet figures (6.26-6.38), with the capital
servicing rates of the financial year of agreement.

For each component priced by the pricing formula, the capital servicing adjustment is the one
typed on the Contract sheet (``CSA_i``) or, when that is empty, the one computed here:

- from ``Fixed_capital_i``, ``Working_capital_i`` (negative allowed) and ``Cost_of_production_i``;
- or from the accounts: the opening and closing balance sheets (``Opening_/Closing_`` +
  ``assets``, ``liabilities``, ``interest_bearing``, ``fixed_capital``_i: capital employed is total
  assets less the liabilities that bear no interest, averaged over the two positions, 6.27-6.28;
  fixed capital is averaged likewise and working capital is the rest, 6.33) and the income statement
  (``Operating_revenue_i``, ``Operating_profit_i``, ``Accounts_months_i``: cost of production is
  revenue less profit, annualised, 6.35-6.36). Figures are net of the exclusions of 6.30 and 6.37.

Typing both a CSA and capital figures for one component is refused, as is a partial set. Every
computation is a native formula over defined names; the core (sscr.capital_servicing) computes the
same figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from sscr import checks
from sscr.capital_servicing import (BalanceSheet, capital_employed_from_balance_sheets, capital_servicing_adjustment,
                                    cost_of_production_from_accounts)
from sscr.errors import PricingInputError
from sscr.rates import RateTable

from ..layout import MONEY_2DP, PERCENT, PERCENT_DASH, RATIO_2DP, Layout, header, label, lookup, page_setup, section, \
    title
from ..package import col_letters as get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

CAPITAL_SHEET = "Capital servicing"
APPENDIX_B = ("Fixed_capital", "Working_capital", "Cost_of_production")
POSITION = ("assets", "liabilities", "interest_bearing", "fixed_capital")
ACCOUNTS = (*(f"Opening_{k}" for k in POSITION), *(f"Closing_{k}" for k in POSITION),
            "Operating_revenue", "Operating_profit", "Accounts_months")
RATE_NAMES = (("CSA_rate_fixed", "Rates_fixed", "Fixed capital servicing rate"),
              ("CSA_rate_positive", "Rates_positive", "Positive working capital servicing rate"),
              ("CSA_rate_negative", "Rates_negative", "Negative working capital servicing rate"))


def capital_sheet(layout: Layout, components: int, defaults: Mapping[int, Mapping[str, float]] | None = None) -> Worksheet:
    """Lay the sheet out for ``components`` component columns; ``defaults`` are capital figures by
    component number and input prefix (the worked case's)."""
    defaults = defaults or {}
    ws = layout.wb.create_sheet(CAPITAL_SHEET)
    title(ws, "Capital servicing adjustment (step 4) of each component",
          "Baseline profit rate guidance v8: 6.9-6.17 and Appendix B computations 1-5, capital employed and cost of "
          "production from the accounts 6.26-6.38. Used where the Contract sheet's CSA is left empty. Money in £.")
    section(ws, "A5", "Capital servicing rates of the financial year", "6.4; the Rates sheet", cite_ref="D5")
    for k, (name, column, text) in enumerate(RATE_NAMES):
        label(ws, f"B{6 + k}", text)
        found = f"INDEX({column},MATCH(Financial_year,Rates_year,0))"
        # empty for a year whose servicing rates are not in the rate table, as the core has none
        layout.output(ws, f"C{6 + k}", name, f'IF({found}="","",{lookup(column, "Financial_year")})', PERCENT)
    cols = [get_column_letter(3 + i) for i in range(components)]
    how = get_column_letter(3 + components)
    r = 10
    header(ws, r, 1, ["", "", *[f"Component {i + 1}" for i in range(components)], "How"])
    r += 1
    rows: dict[str, int] = {}

    def row(key: str, letter: str, text: str, note: str = "") -> None:
        nonlocal r
        rows[key] = r
        label(ws, f"A{r}", letter)
        label(ws, f"B{r}", text)
        if note:
            label(ws, f"{how}{r}", note, note=True)
        r += 1

    def heading(text: str, cite: str) -> None:
        nonlocal r
        r += 1
        section(ws, f"A{r}", text, cite, cite_ref=f"{how}{r}")
        r += 1

    row("component", "", "Component", "from the Contract sheet")
    heading("Capital figures", "Appendix B inputs (a), (b), (d)")
    row("Fixed_capital", "(a)", "Fixed capital", "input")
    row("Working_capital", "(b)", "Working capital (may be negative)", "input")
    row("Cost_of_production", "(d)", "Cost of production (annual)", "input")
    heading("Or from the accounts", "6.26-6.38: figures net of the exclusions of 6.30 and 6.37")
    texts = {"assets": "total assets", "liabilities": "total liabilities",
             "interest_bearing": "interest-bearing liabilities (within the total)", "fixed_capital": "fixed capital"}
    for when in ("Opening", "Closing"):
        for k in POSITION:
            row(f"{when}_{k}", "", f"{when} balance sheet: {texts[k]}", "input")
        row(f"{when}_CE", "", f"{when} capital employed", "assets - (liabilities - interest-bearing) (6.27)")
    row("Operating_revenue", "", "Operating revenue", "input")
    row("Operating_profit", "", "Operating profit (a loss negative)", "input")
    row("Accounts_months", "", "Months the income statement covers", "input: 12 for a year")
    row("Accounts_CE", "", "Capital employed: average of the positions", "6.28")
    row("Accounts_fixed", "", "Fixed capital: average of the positions", "6.33")
    row("Accounts_CP", "", "Cost of production, annual", "(revenue - profit) x 12 / months (6.35-6.36)")
    heading("Appendix B computations", "Computations 1-5, with the rates of the financial year")
    row("Cap_on", "", "Computed here (1 = yes)", "a formula component with no CSA typed and capital figures given")
    row("Cap_fixed", "(a)", "Fixed capital used", "typed, or from the accounts")
    row("Cap_working", "(b)", "Working capital used", "typed, or capital employed less fixed capital")
    row("Cap_CE", "(c)", "Capital employed", "a + b")
    row("Cap_CP", "(d)", "Cost of production used", "typed, or from the accounts")
    row("Cap_CP_CE", "(e)", "CP:CE ratio (computation 1)", "d / c")
    row("Cap_fixed_prop", "(f)", "Fixed capital proportion (computation 2)", "a / c")
    row("Cap_positive_prop", "(g)", "Positive working capital proportion", "b / c if b >= 0")
    row("Cap_negative_prop", "(h)", "Negative working capital proportion", "b / c if b < 0")
    row("Cap_fixed_allowance", "", "Fixed capital allowance (computation 3)", "f x fixed rate")
    row("Cap_positive_allowance", "", "Positive working capital allowance", "g x positive rate")
    row("Cap_negative_allowance", "", "Negative working capital allowance", "h x negative rate")
    row("Cap_allowance", "(x)", "Capital servicing allowance", "sum of the allowances")
    row("CSA_computed", "", "Capital servicing adjustment (computation 4)", "x / e: used on the Contract sheet")
    row("Cap_fixed_element", "", "Fixed capital element (computation 5)", "fixed rate x a / d")
    row("Cap_positive_element", "", "Positive working capital element", "positive rate x b / d")
    row("Cap_negative_element", "", "Negative working capital element", "negative rate x b / d")
    row("Cap_elements", "", "Sum of the elements (computation 5)", "equals computation 4")
    last = r - 1

    for i, col in enumerate(cols, start=1):
        def at(key: str) -> str:
            return f"{col}{rows[key]}"

        def n(key: str) -> str:
            return f"{key}_{i}"

        given = defaults.get(i, {})
        layout.output(ws, at("component"), n("Cap_component"), f'IF(Name_{i}="","",Name_{i})', "@")
        for key in APPENDIX_B:
            layout.input(ws, at(key), n(key), given.get(key), "money", MONEY_2DP, f"component {i} {key}",
                         optional=True)
        for key in ACCOUNTS:
            kind = "positive" if key == "Accounts_months" else "money"
            layout.input(ws, at(key), n(key), given.get(key), kind, "0" if kind == "positive" else MONEY_2DP,
                         f"component {i} {key}", optional=True)
        have = f"ISNUMBER({n('Opening_assets')})"
        for when in ("Opening", "Closing"):
            layout.output(ws, at(f"{when}_CE"), n(f"{when}_CE"),
                          f'IF({have},{n(when + "_assets")}-({n(when + "_liabilities")}-'
                          f'{n(when + "_interest_bearing")}),"")', MONEY_2DP)
        layout.output(ws, at("Accounts_CE"), n("Accounts_CE"), f'IF({have},({n("Opening_CE")}+{n("Closing_CE")})/2,"")',
                      MONEY_2DP)
        layout.output(ws, at("Accounts_fixed"), n("Accounts_fixed"),
                      f'IF({have},({n("Opening_fixed_capital")}+{n("Closing_fixed_capital")})/2,"")', MONEY_2DP)
        layout.output(ws, at("Accounts_CP"), n("Accounts_CP"),
                      f'IF({have},({n("Operating_revenue")}-{n("Operating_profit")})*12/{n("Accounts_months")},"")',
                      MONEY_2DP)
        on = f"{n('Cap_on')}=1"
        layout.output(ws, at("Cap_on"), n("Cap_on"),
                      f'IF(Is_formula_{i}=1,IF(ISNUMBER(CSA_{i}),0,IF(OR(ISNUMBER({n("Fixed_capital")}),{have}),1,0)),0)',
                      "0")
        formulas = {
            "Cap_fixed": f'IF(ISNUMBER({n("Fixed_capital")}),{n("Fixed_capital")},{n("Accounts_fixed")})',
            "Cap_working": f'IF(ISNUMBER({n("Fixed_capital")}),{n("Working_capital")},'
                           f'{n("Accounts_CE")}-{n("Accounts_fixed")})',
            "Cap_CE": f'{n("Cap_fixed")}+{n("Cap_working")}',
            "Cap_CP": f'IF(ISNUMBER({n("Fixed_capital")}),{n("Cost_of_production")},{n("Accounts_CP")})',
            "Cap_CP_CE": f'{n("Cap_CP")}/{n("Cap_CE")}',
            "Cap_fixed_prop": f'{n("Cap_fixed")}/{n("Cap_CE")}',
            "Cap_positive_prop": f'IF({n("Cap_working")}>=0,{n("Cap_working")}/{n("Cap_CE")},0)',
            "Cap_negative_prop": f'IF({n("Cap_working")}<0,{n("Cap_working")}/{n("Cap_CE")},0)',
            "Cap_fixed_allowance": f'{n("Cap_fixed_prop")}*CSA_rate_fixed',
            "Cap_positive_allowance": f'{n("Cap_positive_prop")}*CSA_rate_positive',
            "Cap_negative_allowance": f'{n("Cap_negative_prop")}*CSA_rate_negative',
            "Cap_allowance": f'{n("Cap_fixed_allowance")}+{n("Cap_positive_allowance")}+{n("Cap_negative_allowance")}',
            "CSA_computed": f'{n("Cap_allowance")}/{n("Cap_CP_CE")}',
            "Cap_fixed_element": f'CSA_rate_fixed*{n("Cap_fixed")}/{n("Cap_CP")}',
            "Cap_positive_element": f'IF({n("Cap_working")}>=0,CSA_rate_positive*{n("Cap_working")}/{n("Cap_CP")},0)',
            "Cap_negative_element": f'IF({n("Cap_working")}<0,CSA_rate_negative*{n("Cap_working")}/{n("Cap_CP")},0)',
            "Cap_elements": f'{n("Cap_fixed_element")}+{n("Cap_positive_element")}+{n("Cap_negative_element")}',
        }
        formats = {"Cap_fixed": MONEY_2DP, "Cap_working": MONEY_2DP, "Cap_CE": MONEY_2DP, "Cap_CP": MONEY_2DP,
                   "Cap_CP_CE": "0.0000", "Cap_fixed_prop": RATIO_2DP, "Cap_positive_prop": RATIO_2DP,
                   "Cap_negative_prop": RATIO_2DP, "CSA_computed": PERCENT}
        for key, formula in formulas.items():
            layout.output(ws, at(key), n(key), f'IF({on},{formula},"")', formats.get(key, PERCENT_DASH))
    label(ws, f"A{last + 2}", "A CSA typed on the Contract sheet is used as it is; with it empty, the figures here give "
                              "it. A zero or negative result is to be double checked (6.16).", note=True)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 46
    for col in cols:
        ws.column_dimensions[col].width = 15
    ws.column_dimensions[how].width = 44
    ws.freeze_panes = "C12"
    page_setup(ws, f"A1:{how}{last + 2}")
    ws.page_setup.fitToWidth = max(1, -(-(components + 2) // 10))
    ws.print_title_cols = "A:B"
    return ws


def _given(inputs: Mapping[str, Any], keys: tuple[str, ...], i: int) -> dict[str, Any]:
    return {k: inputs.get(f"{k}_{i}") for k in keys if inputs.get(f"{k}_{i}") is not None}


def _complete(given: Mapping[str, Any], keys: tuple[str, ...], i: int, what: str) -> None:
    missing = [k for k in keys if k not in given]
    if missing:
        present = next(iter(given))
        raise PricingInputError(f"{present}_{i} {checks.fmt(given[present])} is given but {missing[0]}_{i} is empty: "
                                f"give every figure of the {what}, or clear them (baseline profit rate guidance "
                                f"6.26-6.38, Appendix B)")


def compute_capital(inputs: Mapping[str, Any], rates: RateTable, components: int,
                    formula: Mapping[int, bool]) -> tuple[dict[str, Any], dict[int, float]]:
    """Every figure of the sheet, and the computed CSA by component number (for the components
    priced by the pricing formula with no CSA typed and capital figures given)."""
    out: dict[str, Any] = {}
    year = rates.lookup(inputs["Financial_year"])
    used: dict[int, float] = {}
    rate_values: Any = None
    for i in range(1, components + 1):
        out[f"Cap_component_{i}"] = inputs.get(f"Name_{i}")
        b = _given(inputs, APPENDIX_B, i)
        a = _given(inputs, ACCOUNTS, i)
        keys = ("Opening_CE", "Closing_CE", "Accounts_CE", "Accounts_fixed", "Accounts_CP", "Cap_fixed", "Cap_working",
                "Cap_CE", "Cap_CP", "Cap_CP_CE", "Cap_fixed_prop", "Cap_positive_prop", "Cap_negative_prop",
                "Cap_fixed_allowance", "Cap_positive_allowance", "Cap_negative_allowance", "Cap_allowance",
                "CSA_computed", "Cap_fixed_element", "Cap_positive_element", "Cap_negative_element", "Cap_elements")
        out.update({f"{k}_{i}": None for k in keys})
        out[f"Cap_on_{i}"] = 0.0
        if b:
            _complete(b, APPENDIX_B, i, "capital figures")
        if a:
            _complete(a, ACCOUNTS, i, "balance-sheet figures")
        if b and a:
            raise PricingInputError(f"Fixed_capital_{i} and Opening_assets_{i} are both given: give the capital figures "
                                    f"or the balance-sheet figures of component {i}, not both")
        if a:
            ce = capital_employed_from_balance_sheets(
                [BalanceSheet(a[f"{w}_assets"], a[f"{w}_liabilities"], a[f"{w}_interest_bearing"],
                              a[f"{w}_fixed_capital"]) for w in ("Opening", "Closing")])
            cp = cost_of_production_from_accounts(a["Operating_revenue"], a["Operating_profit"],
                                                  period_months=a["Accounts_months"])
            out.update({f"Opening_CE_{i}": ce.positions[0], f"Closing_CE_{i}": ce.positions[1],
                        f"Accounts_CE_{i}": ce.capital_employed, f"Accounts_fixed_{i}": ce.fixed_capital,
                        f"Accounts_CP_{i}": cp.annual_cost})
            figures = (ce.fixed_capital, ce.working_capital, cp.annual_cost)
        elif b:
            figures = (b["Fixed_capital"], b["Working_capital"], b["Cost_of_production"])
        else:
            continue
        if not formula.get(i):
            raise PricingInputError(f"capital figures are given for component {i}, which is not named or not priced by "
                                    f"the pricing formula: only a formula component has a capital servicing adjustment")
        if inputs.get(f"CSA_{i}") is not None:
            raise PricingInputError(f"CSA_{i} {checks.fmt(inputs[f'CSA_{i}'])} is typed and capital figures are given "
                                    f"for component {i}: clear CSA_{i} to compute it from the figures, or clear them")
        if rate_values is None:
            rate_values = year.capital_servicing_rates
        r = capital_servicing_adjustment(*figures, rate_values)
        used[i] = float(r.adjustment)
        out[f"Cap_on_{i}"] = 1.0
        out.update({f"Cap_fixed_{i}": r.fixed_capital, f"Cap_working_{i}": r.working_capital,
                    f"Cap_CE_{i}": r.capital_employed, f"Cap_CP_{i}": r.cost_of_production,
                    f"Cap_CP_CE_{i}": r.cp_ce_ratio, f"Cap_fixed_prop_{i}": r.fixed_proportion,
                    f"Cap_positive_prop_{i}": r.positive_working_proportion,
                    f"Cap_negative_prop_{i}": r.negative_working_proportion,
                    f"Cap_fixed_allowance_{i}": r.fixed_allowance,
                    f"Cap_positive_allowance_{i}": r.positive_working_allowance,
                    f"Cap_negative_allowance_{i}": r.negative_working_allowance,
                    f"Cap_allowance_{i}": r.capital_servicing_allowance, f"CSA_computed_{i}": r.adjustment,
                    f"Cap_fixed_element_{i}": r.fixed_element, f"Cap_positive_element_{i}": r.positive_working_element,
                    f"Cap_negative_element_{i}": r.negative_working_element,
                    f"Cap_elements_{i}": r.fixed_element + r.positive_working_element + r.negative_working_element})
    try:
        csr = year.capital_servicing_rates
        out.update({"CSA_rate_fixed": csr.fixed, "CSA_rate_positive": csr.positive_working,
                    "CSA_rate_negative": csr.negative_working})
    except PricingInputError:
        if used:
            raise
        out.update({"CSA_rate_fixed": None, "CSA_rate_positive": None, "CSA_rate_negative": None})
    return out, used
