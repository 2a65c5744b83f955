"""The contract profit rate by the four steps of regulation 11: baseline profit rate guidance v8
(2024), section 7, Examples 1 and 2 side by side, with running totals."""

from __future__ import annotations

from typing import Any, Mapping

from sscr.profit_rate import contract_profit_rate
from sscr.rates import RateTable

from ..layout import PERCENT, Layout, Template, header, label, lookup, page_setup, section, title

#: Section 7: (CRA as a fraction of the BPR, IA, CSA) for Examples 1 and 2; BPR 8.24% (2024/25).
GUIDANCE = {1: (-0.25, 0.01, 0.0301), 2: (0.25, 0.0, 0.025)}
COLUMNS = {1: ("C", "D"), 2: ("E", "F")}


def build(layout: Layout) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.series import SeriesLabel

    ws = layout.wb.create_sheet("Contract profit rate")
    title(ws, "Contract profit rate: the four steps (regulation 11)",
          "Baseline profit rate guidance v8 (2024), section 7 (7.1-7.2), Examples 1 and 2. "
          "Adjustments in percentage points, shown as per cent.")
    section(ws, "A5", "Inputs", "Step 1: 3.2-3.7; step 2: section 4 (4.1); step 3: section 5 (5.9); step 4: section 6 and Appendix B",
            cite_ref="G5")
    header(ws, 6, 1, ["", "", "Example 1", "", "Example 2", "", "Guidance"])
    ws.merge_cells("C6:D6")
    ws.merge_cells("E6:F6")
    label(ws, "B7", "Financial year of the baseline profit rate")
    label(ws, "B8", "Cost risk adjustment, as a percentage of the BPR (-25% to +25%)")
    label(ws, "G8", "Example 1: -25% of the BPR; Example 2: +25% (regulation 11(3))", note=True)
    label(ws, "G7", "The guidance's 3.6 table is headed 2023/24 but holds the rates from 1 April 2024", note=True)

    section(ws, "A10", "The four steps", "Section 7 table: adjustment and running total after each step", cite_ref="G10")
    header(ws, 11, 1, ["Step", "", "Adjustment", "Running total CPR", "Adjustment", "Running total CPR", "Guidance"])
    ws.row_dimensions[11].height = 30
    steps = [(12, "Step 1", "baseline profit rate", "The baseline profit rate set by the Secretary of State: 8.24% for 2024/25"),
             (13, "Step 2", "cost risk adjustment (BPR x CRA)",
              "-25% to +25% of the BPR: for 2024/25 -2.06pp to +2.06pp (+/-8.24 x 0.25)"),
             (14, "Step 3", "incentive adjustment", "Zero up to a maximum of 2 percentage points (pp)"),
             (15, "Step 4", "capital servicing adjustment", "Worked example in Appendix B (capital-servicing.xlsx)"),
             (16, "", "contract profit rate", "")]
    for row, step, text, note in steps:
        label(ws, f"A{row}", step, bold=True)
        label(ws, f"B{row}", text, bold=not step)
        if note:
            label(ws, f"G{row}", note, note=True)

    for n, (adj, run) in COLUMNS.items():
        cra, ia, csa = GUIDANCE[n]
        layout.input(ws, f"{adj}7", f"Financial_year_{n}", "2024/25", "year", "@", f"Example {n} financial year")
        layout.input(ws, f"{adj}8", f"CRA_{n}", cra, "cra", "0%", f"Example {n} cost risk adjustment")
        layout.output(ws, f"{adj}12", f"BPR_{n}", lookup("Rates_BPR", f"Financial_year_{n}"), PERCENT)
        layout.output(ws, f"{run}12", f"After_step_1_{n}", f"BPR_{n}", PERCENT)
        layout.output(ws, f"{adj}13", f"CRA_points_{n}", f"BPR_{n}*CRA_{n}", PERCENT)
        layout.output(ws, f"{run}13", f"After_step_2_{n}", f"After_step_1_{n}+CRA_points_{n}", PERCENT)
        layout.input(ws, f"{adj}14", f"IA_{n}", ia, "ia", PERCENT, f"Example {n} incentive adjustment")
        layout.output(ws, f"{run}14", f"After_step_3_{n}", f"After_step_2_{n}+IA_{n}", PERCENT)
        layout.input(ws, f"{adj}15", f"CSA_{n}", csa, "rate", PERCENT, f"Example {n} capital servicing adjustment")
        layout.output(ws, f"{run}15", f"After_step_4_{n}", f"After_step_3_{n}+CSA_{n}", PERCENT)
        layout.output(ws, f"{adj}16", f"CPR_{n}", f"After_step_4_{n}", PERCENT, headline=True)

    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 52
    for c in "CDEF":
        ws.column_dimensions[c].width = 13
    ws.column_dimensions["G"].width = 70

    # The build-up of the profit rate: the running total after each step, for both examples.
    chart = BarChart()
    chart.type = "col"
    chart.title = "Build-up of the contract profit rate (running total after each step)"
    chart.y_axis.numFmt = "0%"
    chart.y_axis.title = "contract profit rate"
    chart.y_axis.majorGridlines = None
    for n, (_adj, run) in COLUMNS.items():
        col = ord(run) - 64
        chart.add_data(Reference(ws, min_col=col, min_row=12, max_row=15), titles_from_data=False)
        chart.series[-1].tx = SeriesLabel(v=f"Example {n}")
    chart.set_categories(Reference(ws, min_col=1, min_row=12, max_row=15))
    chart.height, chart.width = 7.5, 16
    ws.add_chart(chart, "B18")
    page_setup(ws, "A1:G33")


def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in COLUMNS:
        bpr = rates.lookup(inputs[f"Financial_year_{n}"]).baseline_profit_rate
        r = contract_profit_rate(bpr, inputs[f"CRA_{n}"], inputs[f"IA_{n}"], inputs[f"CSA_{n}"])
        out.update({
            f"BPR_{n}": r.baseline_profit_rate,
            f"After_step_1_{n}": r.after_step_1,
            f"CRA_points_{n}": r.cra_points,
            f"After_step_2_{n}": r.after_step_2,
            f"After_step_3_{n}": r.after_step_3,
            f"After_step_4_{n}": r.contract_profit_rate,
            f"CPR_{n}": r.contract_profit_rate,
        })
    return out


TEMPLATE = Template(
    key="profit_rate", filename="profit-rate.xlsx", title="Contract profit rate (four steps)",
    description="Section 7 of the baseline profit rate guidance: Examples 1 and 2 with running totals",
    version=1, build=build, compute=compute, headline=("CPR_1", "CPR_2"))
