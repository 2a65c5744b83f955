"""Capital servicing adjustment: baseline profit rate guidance v8 (2024), Appendix B, the four
examples side by side, computations 1-5 (guidance 6.9-6.17)."""

from __future__ import annotations

from typing import Any, Mapping

from sscr.capital_servicing import capital_servicing_adjustment
from sscr.errors import PricingInputError
from sscr.rates import RateTable

from ..layout import (MONEY, PERCENT_DASH, RATIO_1DP, RATIO_2DP, PERCENT, Layout, Template, header, label,
                      lookup, page_setup, section, title)

EXAMPLES = ("a", "b", "c", "d")
#: Appendix B, B.2: (fixed capital, working capital, cost of production) per example, pounds.
GUIDANCE = {"a": (3_000_000, 1_000_000, 6_000_000), "b": (3_000_000, 1_500_000, 6_000_000),
            "c": (3_000_000, -500_000, 6_000_000), "d": (1_500_000, -2_500_000, 6_000_000)}
COLUMNS = dict(zip(EXAMPLES, "CDEF"))


def build(layout: Layout) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment

    ws = layout.wb.create_sheet("Capital servicing")
    title(ws, "Capital servicing adjustment (step 4 of the contract profit rate)",
          "Baseline profit rate guidance v8 (2024), Appendix B worked example, computations 1-5; "
          "paragraphs 6.9-6.17. Figures in pounds.")
    header(ws, 5, 1, ["", "", "Example (a)", "Example (b)", "Example (c)", "Example (d)", "Guidance"])
    ws.row_dimensions[5].height = 18

    rows: dict[str, int] = {}
    r = 6

    def line(key: str, letter: str, text: str, note: str = "") -> int:
        nonlocal r
        rows[key] = r
        ws.cell(row=r, column=1, value=letter)
        ws.cell(row=r, column=2, value=text)
        if note:
            label(ws, f"G{r}", note, note=True)
        r += 1
        return rows[key]

    def gap(text: str, cite: str) -> None:
        nonlocal r
        r += 1
        section(ws, f"A{r}", text, cite, cite_ref=f"G{r}")
        r += 1

    section(ws, f"A{r}", "Rates", "Capital servicing rates published annually (6.4); looked up on the Rates sheet",
            cite_ref=f"G{r}")
    r += 1
    line("year", "", "Financial year of the capital servicing rates",
         "Appendix B says 2023/24 rates but uses the 2024/25 rates (3.26%, 3.10%, 1.61%)")
    line("fixed_rate", "(i)", "Fixed capital servicing rate")
    line("positive_rate", "(ii)", "Positive working capital servicing rate")
    line("negative_rate", "(iii)", "Negative working capital servicing rate")
    gap("Computation 1: CP:CE ratio", "Appendix B computation 1; capital employed 6.26-6.33, cost of production 6.34-6.38")
    line("fc", "(a)", "Fixed capital", "Input: average fixed capital of the unit of business (6.33)")
    line("wc", "(b)", "Working capital", "Input: capital employed less fixed capital (6.33); may be negative")
    line("ce", "(c)", "Total capital employed", "a + b")
    line("cp", "(d)", "Total cost of production", "Input: annual cost of production (6.34-6.38)")
    line("e", "(e)", "CP:CE ratio (d/c)", "Negative capital employed gives a negative ratio (example (d))")
    gap("Computation 2: proportions of capital employed", "Appendix B computation 2")
    line("f", "(f)", "Fixed capital as a proportion of capital employed (a/c)")
    line("g", "(g)", "Positive working capital as a proportion of capital employed (b/c)")
    line("h", "(h)", "Negative working capital as a proportion of capital employed (b/c)")
    gap("Computation 3: capital servicing allowance", "Appendix B computation 3")
    line("fa", "", "Fixed capital servicing allowance (f x i)")
    line("pa", "", "Positive working capital servicing allowance (g x ii)")
    line("na", "", "Negative working capital servicing allowance (h x iii)")
    line("x", "", 'Capital servicing allowance "x"')
    gap("Computation 4: capital servicing adjustment", "Appendix B computation 4 (printed 'for step 6': it is step 4 since 1 April 2024)")
    line("csa", "", 'Capital servicing adjustment for step 4 ("x" / e)')
    gap("Computation 5: the adjustment by elements", "Appendix B computation 5: equals computation 4")
    line("fe", "", "Fixed capital element (i/(d/a))")
    line("pe", "", "Working capital element, positive (ii/(d/b))")
    line("ne", "", "Working capital element, negative (iii/(d/b))")
    line("total", "", "Capital servicing adjustment, fixed and working capital combined")
    last_row = r - 1

    for x in EXAMPLES:
        c = COLUMNS[x]
        fc, wc, cp = GUIDANCE[x]

        def at(key: str) -> str:
            return f"{c}{rows[key]}"

        layout.input(ws, at("year"), f"Financial_year_{x}", "2024/25", "year", "@", f"example ({x}) financial year")
        layout.output(ws, at("fixed_rate"), f"Rate_fixed_{x}", lookup("Rates_fixed", f"Financial_year_{x}"), PERCENT)
        layout.output(ws, at("positive_rate"), f"Rate_positive_{x}", lookup("Rates_positive", f"Financial_year_{x}"), PERCENT)
        layout.output(ws, at("negative_rate"), f"Rate_negative_{x}", lookup("Rates_negative", f"Financial_year_{x}"), PERCENT)
        layout.input(ws, at("fc"), f"Fixed_capital_{x}", fc, "money", MONEY, f"example ({x}) fixed capital")
        layout.input(ws, at("wc"), f"Working_capital_{x}", wc, "money", MONEY, f"example ({x}) working capital")
        layout.output(ws, at("ce"), f"Capital_employed_{x}", f"Fixed_capital_{x}+Working_capital_{x}", MONEY)
        layout.input(ws, at("cp"), f"Cost_of_production_{x}", cp, "positive", MONEY, f"example ({x}) cost of production")
        layout.output(ws, at("e"), f"CP_CE_{x}", f"Cost_of_production_{x}/Capital_employed_{x}", RATIO_1DP)
        layout.output(ws, at("f"), f"Fixed_proportion_{x}", f"Fixed_capital_{x}/Capital_employed_{x}", RATIO_2DP)
        layout.output(ws, at("g"), f"Positive_working_proportion_{x}",
                      f"IF(Working_capital_{x}>=0,Working_capital_{x}/Capital_employed_{x},0)", RATIO_2DP)
        layout.output(ws, at("h"), f"Negative_working_proportion_{x}",
                      f"IF(Working_capital_{x}<0,Working_capital_{x}/Capital_employed_{x},0)", RATIO_2DP)
        layout.output(ws, at("fa"), f"Fixed_allowance_{x}", f"Fixed_proportion_{x}*Rate_fixed_{x}", PERCENT_DASH)
        layout.output(ws, at("pa"), f"Positive_working_allowance_{x}",
                      f"Positive_working_proportion_{x}*Rate_positive_{x}", PERCENT_DASH)
        layout.output(ws, at("na"), f"Negative_working_allowance_{x}",
                      f"Negative_working_proportion_{x}*Rate_negative_{x}", PERCENT_DASH)
        layout.output(ws, at("x"), f"Allowance_x_{x}",
                      f"Fixed_allowance_{x}+Positive_working_allowance_{x}+Negative_working_allowance_{x}", PERCENT_DASH)
        layout.output(ws, at("csa"), f"CSA_{x}", f"Allowance_x_{x}/CP_CE_{x}", PERCENT, headline=True)
        layout.output(ws, at("fe"), f"Fixed_element_{x}", f"Rate_fixed_{x}*Fixed_capital_{x}/Cost_of_production_{x}",
                      PERCENT_DASH)
        layout.output(ws, at("pe"), f"Positive_working_element_{x}",
                      f"IF(Working_capital_{x}>=0,Rate_positive_{x}*Working_capital_{x}/Cost_of_production_{x},0)",
                      PERCENT_DASH)
        layout.output(ws, at("ne"), f"Negative_working_element_{x}",
                      f"IF(Working_capital_{x}<0,Rate_negative_{x}*Working_capital_{x}/Cost_of_production_{x},0)",
                      PERCENT_DASH)
        layout.output(ws, at("total"), f"CSA_combined_{x}",
                      f"Fixed_element_{x}+Positive_working_element_{x}+Negative_working_element_{x}", PERCENT,
                      headline=True)

    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 62
    for c in COLUMNS.values():
        ws.column_dimensions[c].width = 14
    ws.column_dimensions["G"].width = 60
    for row in range(6, last_row + 1):
        ws.cell(row=row, column=7).alignment = Alignment(wrap_text=False)

    # The elements of each example's adjustment, stacked: computation 5 as a picture.
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Capital servicing adjustment by element (computation 5)"
    chart.y_axis.title = "rate"
    chart.y_axis.numFmt = "0.0%"
    chart.y_axis.majorGridlines = None
    for key in ("fe", "pe", "ne"):
        chart.add_data(Reference(ws, min_col=3, max_col=6, min_row=rows[key]), from_rows=True, titles_from_data=False)
    for series, name in zip(chart.series, ("fixed", "positive working", "negative working")):
        from openpyxl.chart.series import SeriesLabel
        series.tx = SeriesLabel(v=name)
    chart.set_categories(Reference(ws, min_col=3, max_col=6, min_row=5))
    chart.height, chart.width = 7.5, 16
    ws.add_chart(chart, f"B{last_row + 3}")
    ws.freeze_panes = "C6"
    page_setup(ws, f"A1:G{last_row + 18}")


def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for x in EXAMPLES:
        year = rates.lookup(inputs[f"Financial_year_{x}"])
        servicing = year.capital_servicing_rates
        if inputs[f"Fixed_capital_{x}"] + inputs[f"Working_capital_{x}"] == 0:
            # The sheet lays out computations 1-4, which divide by capital employed; the core (CSA,
            # CSA_STEPS) reaches the adjustment by computation 5 instead.
            raise PricingInputError(
                f"capital employed 0 is zero for example ({x}): the CP:CE ratio of this sheet's computations 1-4 "
                f"(Appendix B computation 1) is undefined; CSA() and CSA_STEPS() compute it by computation 5")
        r = capital_servicing_adjustment(inputs[f"Fixed_capital_{x}"], inputs[f"Working_capital_{x}"],
                                         inputs[f"Cost_of_production_{x}"], servicing)
        out.update({
            f"Rate_fixed_{x}": servicing.fixed,
            f"Rate_positive_{x}": servicing.positive_working,
            f"Rate_negative_{x}": servicing.negative_working,
            f"Capital_employed_{x}": r.capital_employed,
            f"CP_CE_{x}": r.cp_ce_ratio,
            f"Fixed_proportion_{x}": r.fixed_proportion,
            f"Positive_working_proportion_{x}": r.positive_working_proportion,
            f"Negative_working_proportion_{x}": r.negative_working_proportion,
            f"Fixed_allowance_{x}": r.fixed_allowance,
            f"Positive_working_allowance_{x}": r.positive_working_allowance,
            f"Negative_working_allowance_{x}": r.negative_working_allowance,
            f"Allowance_x_{x}": r.capital_servicing_allowance,
            f"CSA_{x}": r.adjustment,
            f"Fixed_element_{x}": r.fixed_element,
            f"Positive_working_element_{x}": r.positive_working_element,
            f"Negative_working_element_{x}": r.negative_working_element,
            f"CSA_combined_{x}": r.combined_elements,
        })
    return out


TEMPLATE = Template(
    key="capital_servicing", filename="capital-servicing.xlsx",
    title="Capital servicing adjustment",
    description="Appendix B of the baseline profit rate guidance: examples (a)-(d) side by side, computations 1-5",
    version=1, build=build, compute=compute, headline=tuple(f"CSA_{x}" for x in EXAMPLES))
