"""The POCO adjustment for a three-level group supply chain: allowable costs guidance v7.3, Part I,
Table 2 (stages 1-5) and the I.7 worked example, with the prime contract's price before and after."""

from __future__ import annotations

from typing import Any, Mapping

from sscr.poco import SupplyChainContract, poco_adjustment
from sscr.profit_rate import contract_profit_rate
from sscr.rates import RateTable

from ..layout import MONEY_2DP, PERCENT, Layout, Template, header, label, page_setup, section, title

CONTRACTS = ("PC", "SC1", "SC2")
PARENT = {"PC": None, "SC1": "PC", "SC2": "SC1"}
CHILD = {"PC": "SC1", "SC1": "SC2", "SC2": None}
DESCRIPTION = {"PC": "Primary contractor (PC)", "SC1": "Group sub-contractor (SC1)",
               "SC2": "Further group sub-contractor (SC2)"}
#: I.7.2: own allowable costs (£m), BPR, CRA (fraction of the BPR), IA, CSA.
GUIDANCE = {"PC": (200, 0.08, 0.0, 0.0, 0.015), "SC1": (50, 0.08, 0.25, 0.0, 0.02),
            "SC2": (25, 0.08, 0.10, 0.0, 0.01)}
THREE_DP = "£#,##0.000;-£#,##0.000"
FLAG = '0;-0;0'


def build(layout: Layout) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.series import SeriesLabel

    ws = layout.wb.create_sheet("POCO adjustment")
    title(ws, "POCO adjustment: profit on group sub-contracts removed from the prime's allowable costs",
          "Allowable costs guidance v7.3, Part I: Table 2 (stages 1-5) and the I.7 worked example; Act s.20(2A), "
          "regulation 13A. Money in £m.")
    section(ws, "A5", "Stage 1: document the supply chain", "Table 2 stage 1; I.7.2 (profit applied at each contract's rate)",
            cite_ref="H5")
    header(ws, 6, 1, ["Contract", "Parent", "Own allowable costs", "BPR", "CRA (% of BPR)", "IA", "CSA",
                      "Profit rate steps 1-3", "Contract profit rate", "Price of its sub-contract",
                      "Total allowable costs", "Profit (before CSA)", "CSA amount", "Price", "In scope (1 = yes)"])
    ws.row_dimensions[6].height = 42
    row_of = {c: 7 + i for i, c in enumerate(CONTRACTS)}
    for c, r in row_of.items():
        own, bpr, cra, ia, csa = GUIDANCE[c]
        label(ws, f"A{r}", DESCRIPTION[c], bold=True)
        label(ws, f"B{r}", PARENT[c] or "(prime)")
        layout.input(ws, f"C{r}", f"Own_costs_{c}", own, "money+", MONEY_2DP, f"{c} own allowable costs")
        layout.input(ws, f"D{r}", f"BPR_{c}", bpr, "bpr", PERCENT, f"{c} baseline profit rate")
        layout.input(ws, f"E{r}", f"CRA_{c}", cra, "cra", "0%", f"{c} cost risk adjustment")
        layout.input(ws, f"F{r}", f"IA_{c}", ia, "ia", PERCENT, f"{c} incentive adjustment")
        layout.input(ws, f"G{r}", f"CSA_{c}", csa, "rate", PERCENT, f"{c} capital servicing adjustment")
        layout.output(ws, f"H{r}", f"Rate_steps_1_3_{c}", f"BPR_{c}+BPR_{c}*CRA_{c}+IA_{c}", "0.0%")
        layout.output(ws, f"I{r}", f"CPR_{c}", f"Rate_steps_1_3_{c}+CSA_{c}", PERCENT)
        child = CHILD[c]
        layout.output(ws, f"J{r}", f"Sub_price_{c}", f"Price_{child}" if child else "0", MONEY_2DP)
        layout.output(ws, f"K{r}", f"Total_costs_{c}", f"Own_costs_{c}+Sub_price_{c}", MONEY_2DP)
        layout.output(ws, f"L{r}", f"Profit_before_CSA_{c}", f"Total_costs_{c}*Rate_steps_1_3_{c}", MONEY_2DP)
        layout.output(ws, f"M{r}", f"CSA_amount_{c}", f"Total_costs_{c}*CSA_{c}", MONEY_2DP)
        layout.output(ws, f"N{r}", f"Price_{c}", f"Total_costs_{c}*(1+CPR_{c})", MONEY_2DP, headline=c == "PC")
    layout.output(ws, "O8", "In_scope_SC1", "IF(AND(Price_SC1*Money_unit>=250000,CPR_SC1>0),1,0)", FLAG)
    layout.output(ws, "O9", "In_scope_SC2",
                  "IF(AND(Price_SC2*Money_unit>=250000,CPR_SC2>0),1,0)", FLAG)
    label(ws, "O7", "(prime)")
    label(ws, "A10", "Pounds per unit of money (1,000,000 when the table is in £m), for the £250,000 value test (I.8.1(c))",
          note=True)
    layout.input(ws, "N10", "Money_unit", 1_000_000, "positive", "#,##0", "pounds per unit of money")
    label(ws, "A11", "A sub-contract is in scope when its value is at least £250,000 and its price includes profit "
                     "(I.8.1); a further group sub-contract on the same tests, whether or not its parent is in scope (I.8.2). "
                     "All three are with associated persons, not competed nor priced by an alternative method.", note=True)

    # Stage 2
    section(ws, "A13", "Stage 2: calculate the sub-contract profit", "Table 2 stage 2: CPR x allowable costs of each "
            "in-scope group and further group sub-contract", cite_ref="E13")
    header(ws, 14, 1, ["", "", "Profit at full CPR"])
    label(ws, "A15", "CPR SC1 x total allowable costs SC1 = profit SC1")
    layout.output(ws, "C15", "Stage2_SC1", "Total_costs_SC1*CPR_SC1*In_scope_SC1", MONEY_2DP)
    label(ws, "A16", "CPR SC2 x allowable costs SC2 = profit SC2")
    layout.output(ws, "C16", "Stage2_SC2", "Total_costs_SC2*CPR_SC2*In_scope_SC2", MONEY_2DP)
    label(ws, "A17", "Total", bold=True)
    layout.output(ws, "C17", "Stage2_total", "Stage2_SC1+Stage2_SC2", MONEY_2DP)

    # Stage 3
    section(ws, "A19", "Stage 3: calculate the amount of capital servicing adjustments",
            "Table 2 stage 3; attributable profit excludes the step 4 adjustment (I.4.6(a))", cite_ref="E19")
    header(ws, 20, 1, ["", "", "CSA to exclude", "Profit less CSA"])
    label(ws, "A21", "Profit SC1 - CSA SC1 (total allowable costs x CSA)")
    layout.output(ws, "C21", "Stage3_SC1", "Total_costs_SC1*CSA_SC1*In_scope_SC1", THREE_DP)
    layout.output(ws, "D21", "Net_SC1", "Stage2_SC1-Stage3_SC1", MONEY_2DP)
    label(ws, "A22", "Profit SC2 - CSA SC2")
    layout.output(ws, "C22", "Stage3_SC2", "Total_costs_SC2*CSA_SC2*In_scope_SC2", THREE_DP)
    layout.output(ws, "D22", "Net_SC2", "Stage2_SC2-Stage3_SC2", MONEY_2DP)
    label(ws, "A23", "Total (initial POCO adjustment)", bold=True)
    layout.output(ws, "C23", "Stage3_total", "Stage3_SC1+Stage3_SC2", THREE_DP)
    layout.output(ws, "D23", "Initial_POCO", "Net_SC1+Net_SC2", MONEY_2DP)

    # Stage 4
    section(ws, "A25", "Stage 4: calculate the risk premium (appropriate sub-contractor profit)",
            "Table 2 stage 4; I.4.5: own allowable costs x BPR x (CRA sub - CRA prime), where positive", cite_ref="E25")
    header(ws, 26, 1, ["", "", "Own allowable costs", "CRA above the prime's", "Appropriate profit"])
    label(ws, "A27", "AC SC1 (own) x BPR x (CRA SC1 - CRA PC)")
    layout.output(ws, "C27", "Stage4_own_costs_SC1", "Total_costs_SC1-Price_SC2*In_scope_SC2", MONEY_2DP)
    layout.output(ws, "D27", "CRA_difference_SC1", "MAX(CRA_SC1-CRA_PC,0)*In_scope_SC1", "0%")
    layout.output(ws, "E27", "Stage4_SC1", "Stage4_own_costs_SC1*BPR_SC1*CRA_difference_SC1*In_scope_SC1", MONEY_2DP)
    label(ws, "A28", "AC SC2 (own) x BPR x (CRA SC2 - CRA PC)")
    layout.output(ws, "C28", "Stage4_own_costs_SC2", "Total_costs_SC2", MONEY_2DP)
    layout.output(ws, "D28", "CRA_difference_SC2", "MAX(CRA_SC2-CRA_PC,0)*In_scope_SC2", "0%")
    layout.output(ws, "E28", "Stage4_SC2", "Stage4_own_costs_SC2*BPR_SC2*CRA_difference_SC2*In_scope_SC2", MONEY_2DP)
    label(ws, "A29", "Total appropriate sub-contractor profit", bold=True)
    layout.output(ws, "E29", "Stage4_total", "Stage4_SC1+Stage4_SC2", MONEY_2DP)
    label(ws, "F27", "Own allowable costs exclude the price of in-scope further group sub-contracts", note=True)

    # Stage 5
    section(ws, "A31", "Stage 5: determine the POCO adjustment", "Table 2 stage 5 (as the I.7 arithmetic performs it)",
            cite_ref="E31")
    label(ws, "A32", "Initial POCO adjustment")
    layout.output(ws, "C32", "Stage5_initial", "Initial_POCO", MONEY_2DP)
    label(ws, "A33", "Deduct appropriate sub-contractor profit")
    layout.output(ws, "C33", "Stage5_deduct", "-Stage4_total", MONEY_2DP)
    label(ws, "A34", "POCO deduction to allowable costs", bold=True)
    layout.output(ws, "C34", "POCO_deduction", "Stage5_initial+Stage5_deduct", MONEY_2DP, headline=True)

    # The prime contract before and after
    section(ws, "A36", "Primary contract price before and after the POCO adjustment", "I.7", cite_ref="E36")
    header(ws, 37, 1, ["", "", "Before", "After"])
    lines = [
        (38, "Prime allowable costs", "Before_own_PC", "Own_costs_PC", "After_own_PC", "Own_costs_PC"),
        (39, "Price SC1", "Before_sub_PC", "Sub_price_PC", "After_sub_PC", "Sub_price_PC"),
        (40, "Initial POCO adjustment", None, None, "After_initial_POCO", "-Initial_POCO"),
        (41, "Add back risk premium", None, None, "After_add_back", "Stage4_total"),
        (42, "Total allowable costs", "Before_costs_PC", "Total_costs_PC", "After_costs_PC",
         "After_own_PC+After_sub_PC+After_initial_POCO+After_add_back"),
        (43, "Profit (before CSA)", "Before_profit_PC", "Profit_before_CSA_PC", "After_profit_PC",
         "After_costs_PC*Rate_steps_1_3_PC"),
        (44, "CSA for prime", "Before_CSA_PC", "CSA_amount_PC", "After_CSA_PC", "After_costs_PC*CSA_PC"),
        (45, "Price", "Price_before", "Price_PC", "Price_after", "After_costs_PC*(1+CPR_PC)"),
    ]
    for row, text, before, before_f, after, after_f in lines:
        label(ws, f"A{row}", text, bold=row in (42, 45))
        if before:
            layout.output(ws, f"C{row}", before, before_f, MONEY_2DP, headline=row == 45)
        layout.output(ws, f"D{row}", after, after_f, MONEY_2DP, headline=row == 45)
    label(ws, "E42", "I.7 prints 278.00; unrounded it is 277.999", note=True)

    widths = {"A": 36, "B": 10, "C": 13, "D": 11, "E": 12, "F": 9, "G": 9, "H": 11, "I": 11, "J": 12,
              "K": 12, "L": 12, "M": 11, "N": 11, "O": 10}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width

    # The supply chain as a picture: each contract's price built from its costs and profit.
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "The supply chain: each contract's price (£m), bottom-up"
    chart.x_axis.title = None
    chart.y_axis.majorGridlines = None
    for col, name in ((3, "own allowable costs"), (10, "price of its sub-contract"), (12, "profit before CSA"),
                      (13, "CSA amount")):
        chart.add_data(Reference(ws, min_col=col, min_row=7, max_row=9), titles_from_data=False)
        chart.series[-1].tx = SeriesLabel(v=name)
    chart.set_categories(Reference(ws, min_col=1, min_row=7, max_row=9))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.numFmt = "0"
    chart.height, chart.width = 8, 17
    ws.add_chart(chart, "G37")
    for row in (14, 20, 26, 37):
        ws.row_dimensions[row].height = 30
    page_setup(ws, "A1:O54")


def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
    chain = [SupplyChainContract(c, PARENT[c], inputs[f"Own_costs_{c}"], inputs[f"BPR_{c}"], inputs[f"CRA_{c}"],
                                 inputs[f"IA_{c}"], inputs[f"CSA_{c}"]) for c in CONTRACTS]
    r = poco_adjustment(chain, money_unit=inputs["Money_unit"])
    out: dict[str, Any] = {}
    for c in CONTRACTS:
        k = r.contract(c)
        steps = contract_profit_rate(inputs[f"BPR_{c}"], inputs[f"CRA_{c}"], inputs[f"IA_{c}"], inputs[f"CSA_{c}"])
        out.update({
            f"Rate_steps_1_3_{c}": steps.after_step_3,
            f"CPR_{c}": k.contract_profit_rate,
            f"Sub_price_{c}": k.sub_contract_costs,
            f"Total_costs_{c}": k.total_allowable_costs,
            f"Profit_before_CSA_{c}": k.profit_before_csa,
            f"CSA_amount_{c}": k.capital_servicing_amount,
            f"Price_{c}": k.price,
        })
    for c in ("SC1", "SC2"):
        k = r.contract(c)
        out.update({
            f"In_scope_{c}": 1.0 if k.in_scope else 0.0,
            f"Stage2_{c}": k.stage2_profit,
            f"Stage3_{c}": k.stage3_capital_servicing,
            f"Net_{c}": k.profit_less_capital_servicing,
            f"Stage4_own_costs_{c}": k.stage4_own_costs,
            f"CRA_difference_{c}": k.stage4_cra_difference,
            f"Stage4_{c}": k.stage4_appropriate_profit,
        })
    prime = r.prime
    out.update({
        "Stage2_total": r.total_profit,
        "Stage3_total": r.total_capital_servicing,
        "Initial_POCO": r.initial_adjustment,
        "Stage4_total": r.appropriate_subcontractor_profit,
        "Stage5_initial": r.initial_adjustment,
        "Stage5_deduct": -r.appropriate_subcontractor_profit,
        "POCO_deduction": r.deduction,
        "Before_own_PC": prime.own_allowable_costs,
        "After_own_PC": prime.own_allowable_costs,
        "Before_sub_PC": prime.sub_contract_costs,
        "After_sub_PC": prime.sub_contract_costs,
        "After_initial_POCO": -r.initial_adjustment,
        "After_add_back": r.appropriate_subcontractor_profit,
        "Before_costs_PC": r.prime_allowable_costs_before,
        "After_costs_PC": r.prime_allowable_costs_after,
        "Before_profit_PC": r.prime_profit_before_csa,
        "After_profit_PC": r.prime_profit_before_csa_after,
        "Before_CSA_PC": r.prime_csa_before,
        "After_CSA_PC": r.prime_csa_after,
        "Price_before": r.prime_price_before,
        "Price_after": r.prime_price_after,
    })
    return out


TEMPLATE = Template(
    key="poco", filename="poco.xlsx", title="POCO adjustment (three-level group supply chain)",
    description="Table 2 and the I.7 worked example of the allowable costs guidance (Part I): stages 1-5, "
                "prime price before and after",
    version=1, build=build, compute=compute, headline=("Price_before", "POCO_deduction", "Price_after"))
