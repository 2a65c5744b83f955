"""The final price adjustment (regulations 16 and 17 of the Single Source Contract Regulations 2014, as
amended): seven contracts side by side, one in each band of regulation 17 (a loss beyond and within
the loss level, no adjustment, bands 1-3) and one below the £250,000 minimum of regulation 16(4);
then the adjustment across outturn profit rates from -20% to +35% for one contract, charted."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from sscr.final_price_adjustment import final_price_adjustment
from sscr.rates import RateTable

from ..layout import MILLIONS, PERCENT, Layout, Template, header, label, page_setup, section, title

#: (heading, contract price, outturn costs, contract profit rate), money in £m.
CASES = (
    ("Loss beyond the loss level", 100.0, 110.0, 0.10),
    ("Loss within the loss level", 100.0, 103.0, 0.10),
    ("Within 5pp of the CPR", 112.0, 100.0, 0.10),
    ("Band 1: from 5pp", 118.0, 100.0, 0.10),
    ("Band 2: from 10pp", 123.0, 100.0, 0.10),
    ("Band 3: from 15pp", 130.0, 100.0, 0.10),
    ("Below the £250,000 minimum", 11.6, 10.0, 0.10),
)
COLUMNS = "CDEFGHI"
CITE = "J"
FLAG = '0;-0;0'
BAND = '0;-0;0'
#: The curve: outturn profit rates from -20% to +35% in steps of 5 points.
CURVE_POINTS = 12
CURVE_START = -0.20
CURVE_STEP = 0.05
TOL = "0.000000000001"


def _rate(k: int) -> float:
    return CURVE_START + CURVE_STEP * k


def _adjustment_formula(price: str, costs: str, cpr: str) -> str:
    """Regulation 17 in one native formula (used for the curve): decreases by band, increases for a loss."""
    d = f"(({price}-{costs})/{costs}-{cpr})"
    profit = f"({price}-{costs})"
    el = [f"({costs}*({cpr}+{pp}))" for pp in ("0.05", "0.1", "0.15")]

    def capped(top: str, level: str) -> str:
        return f"MAX(IF({profit}<{top},{profit},{top})-{level},0)"

    dec = (f"IF({d}>=0.05-{TOL},0.25*{capped(el[1], el[0])},0)"
           f"+IF({d}>=0.1-{TOL},0.5*{capped(el[2], el[1])},0)"
           f"+IF({d}>=0.15-{TOL},0.75*MAX({profit}-{el[2]},0),0)")
    loss = f"MAX({costs}-{price},0)"
    level = f"({price}*0.05/0.95)"
    inc = f"0.25*IF({loss}<{level},{loss},{level})+0.5*MAX({loss}-{level},0)"
    return f"{inc}-({dec})"


def build(layout: Layout) -> None:
    from openpyxl.chart import Reference, ScatterChart, Series

    ws = layout.wb.create_sheet("Final price adjustment")
    title(ws, "Final price adjustment (regulations 16 and 17)",
          "Single Source Contract Regulations 2014 as amended (SI 2019/1106, SI 2024/420), regulations 16 and 17; "
          "Act s.21. Money in £m; a negative adjustment decreases the price.")
    section(ws, "A5", "Inputs", "A contract, or its components, priced by the firm, fixed or volume-driven method "
            "(regulation 16(1)); the value of each is its contract price", cite_ref=f"{CITE}5")
    label(ws, "B6", "Pounds per unit of money (1,000,000 when in £m), for the £5,000,000 and £250,000 tests")
    layout.input(ws, "C6", "Money_unit", 1_000_000, "positive", "#,##0", "pounds per unit of money")
    header(ws, 8, 1, ["", "", *[c[0] for c in CASES], "Regulation"])
    ws.row_dimensions[8].height = 30

    row = 9

    def line(text: str, cite: str = "") -> int:
        nonlocal row
        label(ws, f"B{row}", text)
        if cite:
            label(ws, f"{CITE}{row}", cite, note=True)
        row += 1
        return row - 1

    r_price = line("Contract price", "regulation 4A")
    r_costs = line("Outturn costs (the actual allowable costs)", "regulation 17(6)")
    r_cpr = line("Contract profit rate", "regulation 11")
    row += 1
    section(ws, f"A{row}", "Regulation 17: the adjustment", "outturn profit, excess levels, bands and the loss rule",
            cite_ref=f"{CITE}{row}")
    row += 1
    rows = {
        "profit": line("Outturn profit (price - outturn costs)", "17(6)"),
        "rate": line("Outturn profit rate (outturn profit / outturn costs)", "17(6)"),
        "difference": line("Outturn profit rate less the contract profit rate", "17(1)"),
        "band": line("Band (0 none; 1, 2, 3 a decrease; -1 a loss)", "17(2)-(5)"),
        "el1": line("Excess level 1: outturn costs x (CPR + 5pp)", "17(6)"),
        "el2": line("Excess level 2: outturn costs x (CPR + 10pp)", "17(6)"),
        "el3": line("Excess level 3: outturn costs x (CPR + 15pp)", "17(6)"),
        "pb1": line("Outturn profit above excess level 1, up to level 2", "17(2), (3)(b), (4)(c)"),
        "pb2": line("Outturn profit above excess level 2, up to level 3", "17(3)(a), (4)(b)"),
        "pb3": line("Outturn profit above excess level 3", "17(4)(a)"),
        "db1": line("Decrease: 25% of the profit above excess level 1", "17(2), (3)(b), (4)(c)"),
        "db2": line("Decrease: 50% of the profit above excess level 2", "17(3)(a), (4)(b)"),
        "db3": line("Decrease: 75% of the profit above excess level 3", "17(4)(a)"),
        "loss": line("Outturn costs above the contract price", "17(5)"),
        "loss_level": line("Loss level: the excess at an outturn profit rate of -5% (price x 5/95)", "17(6)"),
        "loss_up": line("Excess up to the loss level", "17(5)(a)"),
        "loss_above": line("Excess above the loss level", "17(5)(b)"),
        "inc_up": line("Increase: 25% of the excess up to the loss level", "17(5)(a)"),
        "inc_above": line("Increase: 50% of the excess above the loss level", "17(5)(b)"),
        "calculated": line("Adjustment by regulation 17", "17(2)-(5)"),
    }
    row += 1
    section(ws, f"A{row}", "Regulation 16: whether it is made", "£5,000,000 value (16(1)); £250,000 minimum (16(4)); "
            "a direction below £50,000,000 (16(2), Act s.21(5))", cite_ref=f"{CITE}{row}")
    row += 1
    rows.update({
        "value": line("Value in pounds (the contract price)", "16(1), regulation 5"),
        "meets_value": line("Value of £5,000,000 or more (1 = yes)", "16(1)(a)(ii), (b)(ii)"),
        "adj_pounds": line("Adjustment by regulation 17 in pounds", "16(4)"),
        "meets_minimum": line("Adjustment of at least £250,000 (1 = yes)", "16(4)"),
        "fpa": line("Final price adjustment", "regulations 16 and 17"),
        "adjusted": line("Contract price after the adjustment", ""),
        "direction": line("Below £50,000,000: a direction may exclude the adjustment (1 = yes)", "16(2); Act s.21(5)(b)"),
    })
    last_case_row = row - 1

    for n, (col, (heading, price, costs, cpr)) in enumerate(zip(COLUMNS, CASES), start=1):
        def at(key: str) -> str:
            return f"{col}{rows[key]}"

        P, C, R = f"Price_{n}", f"Costs_{n}", f"CPR_{n}"
        layout.input(ws, f"{col}{r_price}", P, price, "positive", MILLIONS, f"case {n} contract price")
        layout.input(ws, f"{col}{r_costs}", C, costs, "positive", MILLIONS, f"case {n} outturn costs")
        layout.input(ws, f"{col}{r_cpr}", R, cpr, "rate", PERCENT, f"case {n} contract profit rate")
        out = layout.output
        out(ws, at("profit"), f"Outturn_profit_{n}", f"{P}-{C}", MILLIONS)
        out(ws, at("rate"), f"Outturn_profit_rate_{n}", f"Outturn_profit_{n}/{C}", PERCENT)
        out(ws, at("difference"), f"Rate_difference_{n}", f"Outturn_profit_rate_{n}-{R}", PERCENT)
        out(ws, at("band"), f"Band_{n}",
            f"IF({C}>{P},-1,IF(Rate_difference_{n}>=0.15-{TOL},3,IF(Rate_difference_{n}>=0.1-{TOL},2,"
            f"IF(Rate_difference_{n}>=0.05-{TOL},1,0))))", BAND)
        for k, pp in ((1, "0.05"), (2, "0.1"), (3, "0.15")):
            out(ws, at(f"el{k}"), f"Excess_level_{k}_{n}", f"{C}*({R}+{pp})", MILLIONS)
        profit = f"Outturn_profit_{n}"
        out(ws, at("pb1"), f"Profit_band_1_{n}",
            f"IF(Band_{n}>=1,MAX(IF({profit}<Excess_level_2_{n},{profit},Excess_level_2_{n})-Excess_level_1_{n},0),0)",
            MILLIONS)
        out(ws, at("pb2"), f"Profit_band_2_{n}",
            f"IF(Band_{n}>=2,MAX(IF({profit}<Excess_level_3_{n},{profit},Excess_level_3_{n})-Excess_level_2_{n},0),0)",
            MILLIONS)
        out(ws, at("pb3"), f"Profit_band_3_{n}", f"IF(Band_{n}>=3,MAX({profit}-Excess_level_3_{n},0),0)", MILLIONS)
        for k, share in ((1, "0.25"), (2, "0.5"), (3, "0.75")):
            out(ws, at(f"db{k}"), f"Decrease_band_{k}_{n}", f"{share}*Profit_band_{k}_{n}", MILLIONS)
        out(ws, at("loss"), f"Loss_{n}", f"MAX({C}-{P},0)", MILLIONS)
        out(ws, at("loss_level"), f"Loss_level_{n}", f"{P}*0.05/0.95", MILLIONS)
        out(ws, at("loss_up"), f"Loss_up_to_level_{n}", f"IF(Loss_{n}<Loss_level_{n},Loss_{n},Loss_level_{n})", MILLIONS)
        out(ws, at("loss_above"), f"Loss_above_level_{n}", f"Loss_{n}-Loss_up_to_level_{n}", MILLIONS)
        out(ws, at("inc_up"), f"Increase_up_to_level_{n}", f"0.25*Loss_up_to_level_{n}", MILLIONS)
        out(ws, at("inc_above"), f"Increase_above_level_{n}", f"0.5*Loss_above_level_{n}", MILLIONS)
        out(ws, at("calculated"), f"Calculated_adjustment_{n}",
            f"Increase_up_to_level_{n}+Increase_above_level_{n}-(Decrease_band_1_{n}+Decrease_band_2_{n}"
            f"+Decrease_band_3_{n})", MILLIONS)
        out(ws, at("value"), f"Value_in_pounds_{n}", f"{P}*Money_unit", "£#,##0")
        out(ws, at("meets_value"), f"Meets_value_{n}", f"IF(Value_in_pounds_{n}>=5000000,1,0)", FLAG)
        out(ws, at("adj_pounds"), f"Adjustment_in_pounds_{n}", f"Calculated_adjustment_{n}*Money_unit", "£#,##0")
        out(ws, at("meets_minimum"), f"Meets_minimum_{n}",
            f"IF(MAX(Adjustment_in_pounds_{n},-Adjustment_in_pounds_{n})>=250000-(0.00000001+0.00000000000001*{C}*Money_unit),1,0)",
            FLAG)
        out(ws, at("fpa"), f"FPA_{n}", f"IF(AND(Meets_value_{n}=1,Meets_minimum_{n}=1),Calculated_adjustment_{n},0)",
            MILLIONS, headline=True)
        out(ws, at("adjusted"), f"Adjusted_price_{n}", f"{P}+FPA_{n}", MILLIONS)
        out(ws, at("direction"), f"Direction_possible_{n}", f"IF(Value_in_pounds_{n}<50000000,1,0)", FLAG)

    # The adjustment across outturn profit rates, for one contract.
    row = last_case_row + 2
    section(ws, f"A{row}", "The adjustment against the outturn profit rate",
            "regulation 17 for one contract as its outturn profit rate runs from -20% to +35% (before the tests of "
            "regulation 16)", cite_ref=f"{CITE}{row}")
    row += 1
    label(ws, f"B{row}", "Outturn costs")
    layout.input(ws, f"C{row}", "Curve_costs", 100.0, "positive", MILLIONS, "curve outturn costs")
    row += 1
    label(ws, f"B{row}", "Contract profit rate")
    layout.input(ws, f"C{row}", "Curve_CPR", 0.10, "rate", PERCENT, "curve contract profit rate")
    row += 1
    header(ws, row, 2, ["", "Outturn profit rate", "Contract price", "Adjustment"])
    first = row + 1
    for k in range(CURVE_POINTS):
        r = first + k
        layout.output(ws, f"C{r}", f"Curve_rate_{k + 1}", f"{CURVE_START}+{CURVE_STEP}*{k}", "0.0%")
        layout.output(ws, f"D{r}", f"Curve_price_{k + 1}", f"Curve_costs*(1+Curve_rate_{k + 1})", MILLIONS)
        layout.output(ws, f"E{r}", f"Curve_adjustment_{k + 1}",
                      _adjustment_formula(f"Curve_price_{k + 1}", "Curve_costs", "Curve_CPR"), MILLIONS)
    last = first + CURVE_POINTS - 1

    chart = ScatterChart()
    chart.title = "Final price adjustment against the outturn profit rate"
    chart.style = 13
    chart.x_axis.title = "outturn profit rate"
    chart.x_axis.number_format = "0%"
    chart.y_axis.title = "adjustment (£m; negative decreases the price)"
    chart.y_axis.majorGridlines = None
    series = Series(Reference(ws, min_col=5, min_row=first, max_row=last),
                    Reference(ws, min_col=3, min_row=first, max_row=last), title="Adjustment by regulation 17")
    series.marker.symbol = "circle"
    chart.series.append(series)
    chart.legend = None
    chart.x_axis.tickLblPos = "low"
    chart.y_axis.tickLblPos = "low"
    chart.height, chart.width = 7, 15
    ws.add_chart(chart, f"F{first - 2}")

    ws.column_dimensions["A"].width = 3
    ws.column_dimensions["B"].width = 62
    for c in COLUMNS:
        ws.column_dimensions[c].width = 14
    ws.column_dimensions[CITE].width = 24
    page_setup(ws, f"A1:{CITE}{last + 1}")


def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
    out: dict[str, Any] = {}
    unit = inputs["Money_unit"]
    for n in range(1, len(CASES) + 1):
        r = final_price_adjustment(inputs[f"Price_{n}"], inputs[f"Costs_{n}"], inputs[f"CPR_{n}"], money_unit=unit)
        out.update({
            f"Outturn_profit_{n}": r.outturn_profit,
            f"Outturn_profit_rate_{n}": r.outturn_profit_rate,
            f"Rate_difference_{n}": r.rate_difference,
            f"Band_{n}": float(r.band),
            f"Excess_level_1_{n}": r.excess_level_1,
            f"Excess_level_2_{n}": r.excess_level_2,
            f"Excess_level_3_{n}": r.excess_level_3,
            f"Profit_band_1_{n}": r.profit_band_1,
            f"Profit_band_2_{n}": r.profit_band_2,
            f"Profit_band_3_{n}": r.profit_band_3,
            f"Decrease_band_1_{n}": r.decrease_band_1,
            f"Decrease_band_2_{n}": r.decrease_band_2,
            f"Decrease_band_3_{n}": r.decrease_band_3,
            f"Loss_{n}": r.loss,
            f"Loss_level_{n}": r.loss_level,
            f"Loss_up_to_level_{n}": r.loss_up_to_level,
            f"Loss_above_level_{n}": r.loss_above_level,
            f"Increase_up_to_level_{n}": r.increase_up_to_level,
            f"Increase_above_level_{n}": r.increase_above_level,
            f"Calculated_adjustment_{n}": r.calculated_adjustment,
            f"Value_in_pounds_{n}": r.value_in_pounds,
            f"Meets_value_{n}": 1.0 if r.meets_value_threshold else 0.0,
            f"Adjustment_in_pounds_{n}": r.adjustment_in_pounds,
            f"Meets_minimum_{n}": 1.0 if r.meets_minimum else 0.0,
            f"FPA_{n}": r.adjustment,
            f"Adjusted_price_{n}": r.adjusted_price,
            f"Direction_possible_{n}": 1.0 if r.direction_possible else 0.0,
        })
    costs = inputs["Curve_costs"]
    curve_rates = np.array([_rate(k) for k in range(CURVE_POINTS)])
    prices = costs * (1 + curve_rates)
    curve = final_price_adjustment(prices, np.full(CURVE_POINTS, float(costs)), inputs["Curve_CPR"], money_unit=unit)
    for k in range(CURVE_POINTS):
        out[f"Curve_rate_{k + 1}"] = float(curve_rates[k])
        out[f"Curve_price_{k + 1}"] = float(prices[k])
        out[f"Curve_adjustment_{k + 1}"] = float(curve.calculated_adjustment[k])
    return out


TEMPLATE = Template(
    key="final_price_adjustment", filename="final-price-adjustment.xlsx", title="Final price adjustment",
    description="Regulations 16 and 17: a contract in each band, the £5,000,000 and £250,000 tests, and the "
                "adjustment against the outturn profit rate",
    version=1, build=build, compute=compute, headline=tuple(f"FPA_{n}" for n in range(1, len(CASES) + 1)))
