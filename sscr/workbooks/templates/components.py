"""The aggregation of components (regulation 19G): alternative pricing guidance v1.2, section 9,
Examples 6 (contract level cost risk adjustment) and 7 (contract level incentive adjustment).

:func:`component_block` lays out a contract's components as columns, top to bottom in the order of
the pricing steps: the components, their contract profit rates, their prices, optionally the POCO
deduction, then the contract level adjustments. :func:`compute_block` computes the same figures
with the core. The blank contract model uses the same block with more columns and the POCO rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from sscr import checks
from sscr.components import Component, aggregate_components, cra_starting_point, method_kind
from sscr.errors import PricingInputError
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate, contract_profit_rate_six_step
from sscr.rates import RateTable

from ..layout import (MILLIONS, PERCENT, Layout, Template, header, label, page_setup, section, title)
from ..package import col_letters as get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FIRST_COL = 3  # column C


@dataclass(frozen=True)
class BlockRows:
    """Where the block's rows are (for charts and page setup) and its last row."""

    names: int
    price: int
    total_col: str
    last: int


def component_block(layout: Layout, ws: Worksheet, prefix: str, count: int, top: int,
                    defaults: list[tuple[Any, ...]] | None = None, *, bpr_name: str | None = None,
                    poco: bool = False, money_format: str = MILLIONS, build_up: bool = False,
                    capital: bool = False, ia_cap_name: str | None = None, shares: bool = False,
                    six_steps: bool = False) -> BlockRows:
    """Lay out ``count`` components as columns from row ``top``.

    ``defaults`` are (name, method, allowable costs, bpr, cra, ia, csa, price) per component. With
    ``bpr_name`` each formula component's BPR is that defined name (the model's year lookup)
    instead of an input. With ``poco`` the block has the POCO deduction rows (allowable costs
    guidance Part I) between the price and the contract level adjustments. With ``build_up`` each
    component's allowable costs are the agreed cost lines attributed to it on the Cost build-up sheet
    plus its risks' expected values on the Risk register sheet plus any amount entered directly
    (see :mod:`.cost_build_up`). The POCO deduction (``POCO_i``) is the one the Supply chain sheet
    gives (:mod:`.supply_chain`): its Table 2 stages, or the deduction typed there instead.
    With ``ia_cap_name`` the incentive adjustments are validated against, and the IA pot measured
    with, that defined name's maximum (the date of agreement and contract kind decide it) instead of 2pp.
    With ``shares`` each contract level adjustment may be agreed as an amount (``Contract_CRA``,
    ``Contract_IA``) or as a percentage of the total component price (``Contract_CRA_rate``,
    ``Contract_IA_rate``; guidance 9.16, 9.24); the amounts used are ``Contract_CRA_used`` and
    ``Contract_IA_used``.
    """
    p = prefix
    cols = [get_column_letter(FIRST_COL + i) for i in range(count)]
    total_col = get_column_letter(FIRST_COL + count)
    how_col = get_column_letter(FIRST_COL + count + 1)
    defaults = defaults or [(None,) * 8] * count
    r = top

    def row_label(letter: str, text: str, how: str = "", bold: bool = False) -> int:
        nonlocal r
        label(ws, f"A{r}", letter)
        label(ws, f"B{r}", text, bold=bold)
        if how:
            label(ws, f"{how_col}{r}", how, note=True)
        r += 1
        return r - 1

    def heading(text: str, cite: str) -> None:
        nonlocal r
        r += 1
        section(ws, f"A{r}", text, cite, cite_ref=f"{how_col}{r}")
        r += 1

    def F(i: int) -> str:
        return f"{p}Is_formula_{i}=1"

    header(ws, r, 1, ["", "", *[f"Component {i + 1}" for i in range(count)], "Total", "How"])
    r += 1
    heading("Components", "Regulation 9A; alternative pricing guidance 1.12-1.16 (components), 9.1-9.10 (aggregation, regulation 19G)")
    rows = {}
    rows["name"] = row_label("", "Name")
    rows["method"] = row_label("", "Pricing method", "formula (or a default pricing method) or an alternative method")
    rows["is_formula"] = row_label("", "Priced by the pricing formula (1 = yes)")
    if build_up:
        rows["lines_ac"] = row_label("", "Agreed cost lines attributed to the component",
                                     "Cost build-up sheet: lines agreed appropriate, attributable, reasonable (3.13-3.15)")
        rows["risk_ac"] = row_label("", "Risk contingency element (expected value)",
                                    "Risk register sheet: H.1.7; reported separately (H.2.2)")
        rows["ac"] = row_label("", "Other allowable costs entered directly", "input: costs not on the Cost build-up sheet")
        rows["ac_total"] = row_label("(f)", "Allowable costs" + (" (before any POCO deduction)" if poco else ""),
                                     "lines + risk contingency + other", bold=True)
    else:
        rows["ac"] = row_label("(f)", "Allowable costs" + (" (before any POCO deduction)" if poco else ""),
                               "input for formula components")
    rows["alt"] = row_label("", "Price by an alternative method", "input for alternative-method components*")
    heading("Contract profit rate: the four steps", "Regulation 11; baseline profit rate guidance section 7")
    rows["bpr"] = row_label("(a)", "Baseline profit rate", "from the Rates sheet" if bpr_name else "")
    rows["cra"] = row_label("(b)", "Cost risk adjustment (% of the BPR)", "-25% to +25% of the BPR")
    rows["cra_start"] = row_label("", "Starting point of the CRA for the method chosen",
                                  "-25% for cost-plus and estimate-based fee (baseline profit rate guidance 4.14)")
    rows["ia"] = row_label("(c)", "Incentive adjustment", f"0 to {ia_cap_name}" if ia_cap_name else "0 to 2pp")
    if capital:
        rows["csa"] = row_label("", "Capital servicing adjustment typed",
                                "input; leave empty to use the Capital servicing sheet (Appendix B)")
        rows["csa_used"] = row_label("(d)", "Capital servicing adjustment", "typed, or computed from capital figures")
    else:
        rows["csa"] = row_label("(d)", "Capital servicing adjustment")
    rows["cpr"] = row_label("(e)", "Contract profit rate", "a + a x b + c + d", bold=True)
    heading("Price" + (" before the POCO adjustment" if poco else ""), "Pricing formula: price = AC + CPR x AC (Act s.15; 9.9)")
    rows["profit"] = row_label("(g)", "Profit", "f x e")
    rows["price"] = row_label("", "Price", "f + g", bold=True)
    if poco:
        heading("POCO deduction", "Allowable costs guidance Part I: the POCO adjustment reduces allowable costs "
                "(Table 2, on the Supply chain sheet)")
        rows["poco"] = row_label("", "POCO deduction to allowable costs",
                                 "Supply chain sheet: stage 5 of Table 2 (or the deduction typed there)")
        rows["ac_after"] = row_label("", "Allowable costs after the POCO deduction", "f - POCO")
        rows["profit_after"] = row_label("", "Profit after the POCO deduction", "AC after x e")
        rows["price_after"] = row_label("", "Price after the POCO deduction", bold=True)
    heading("Contract level adjustments: aggregation of components", "Guidance 9.11-9.26; Examples 6 and 7")
    rows["max_cra"] = row_label("(i)", "Maximum value of CRA (+25% of the BPR)", "f x a x 25%")
    rows["actual_cra"] = row_label("(j)", "Actual value of CRA", "f x a x b (Example 6 prints f x b x h)")
    rows["cra_pot"] = row_label("", "Maximum contract level CRA pot", "i - j", bold=True)
    rows["max_ia"] = row_label("", f"Maximum value of IA ({ia_cap_name})" if ia_cap_name else "Maximum value of IA (2pp)",
                               f"f x {ia_cap_name}" if ia_cap_name else "f x 2pp")
    rows["actual_ia"] = row_label("", "Actual value of IA", "f x c")
    rows["ia_pot"] = row_label("", "Maximum contract level IA pot", "maximum - actual", bold=True)
    r += 1
    rows["total"] = row_label("", "Total component price", "sum of the component prices (9.4)", bold=True)
    rows["count"] = row_label("", "Components in the contract", "contract level adjustments need two or more (9.5)")
    rows["cra_share"] = row_label("", "CRA pot as a share of the total component price", "pot / total (Example 6: 1.31%)")
    rows["ia_share"] = row_label("", "IA pot as a share of the total component price", "pot / total (Example 7: 1.25%)")
    rows["max_price_cra"] = row_label("", "Maximum price with the whole CRA pot", "total + CRA pot (Example 6)")
    rows["max_price_ia"] = row_label("", "Maximum price with the whole IA pot", "total + IA pot (Example 7)")
    rows["max_price"] = row_label("", "Maximum price with both pots", "total + both pots")
    if shares:
        rows["agreed_cra"] = row_label("", "Contract level CRA agreed as an amount", "input: 0 up to the CRA pot (9.16)")
        rows["cra_rate"] = row_label("", "or as a percentage of the total component price",
                                     "input: a fixed value or a percentage of the total (9.16)")
        rows["cra_used"] = row_label("", "Contract level CRA", "the amount, or the percentage x the total")
        rows["agreed_ia"] = row_label("", "Contract level IA agreed as an amount", "input: 0 up to the IA pot (9.24)")
        rows["ia_rate"] = row_label("", "or as a percentage of the total component price",
                                    "input: a fixed value or a percentage of the total (9.24)")
        rows["ia_used"] = row_label("", "Contract level IA", "the amount, or the percentage x the total")
    else:
        rows["agreed_cra"] = row_label("", "Contract level CRA agreed", "input: 0 up to the CRA pot (9.16)")
        rows["agreed_ia"] = row_label("", "Contract level IA agreed", "input: 0 up to the IA pot (9.24)")
    rows["contract_price"] = row_label("", "Contract price", "total + contract level adjustments (1.13)", bold=True)
    label(ws, f"A{r}", "* Components priced by an alternative method have no contract profit rate steps, so no CRA "
                       "or IA of their own (Examples 6 and 7, note *).", note=True)
    last = r

    def at(key: str, col: str) -> str:
        return f"{col}{rows[key]}"

    final_price = "Price_after" if poco else "Price"
    final_ac = "AC_after" if poco else "AC_total" if build_up else "AC"
    for i, col in enumerate(cols, start=1):
        name, method, ac, bpr, cra, ia, csa, price = defaults[i - 1][:8]
        ac_name = f"{p}AC_total_{i}" if build_up else f"{p}AC_{i}"
        layout.input(ws, at("name", col), f"{p}Name_{i}", name, "text", "@", f"component {i} name", optional=True)
        layout.input(ws, at("method", col), f"{p}Method_{i}", method, "method", "@", f"component {i} pricing method",
                     optional=True)
        layout.output(ws, at("is_formula", col), f"{p}Is_formula_{i}",
                      f'IF(AND({p}Name_{i}<>"",ISNUMBER(MATCH({p}Method_{i},Formula_methods,0))),1,0)', "0")
        if build_up:
            layout.output(ws, at("lines_ac", col), f"{p}Lines_AC_{i}",
                          f'IF({p}Name_{i}="","",SUMIFS(Line_allowable_col,Line_component_col,{p}Name_{i}))', money_format)
            layout.output(ws, at("risk_ac", col), f"{p}Risk_AC_{i}",
                          f'IF({p}Name_{i}="","",SUMIFS(Risk_EV_col,Risk_component_col,{p}Name_{i}))', money_format)
        layout.input(ws, at("ac", col), f"{p}AC_{i}", ac, "money+", money_format,
                     f"component {i} {'other ' if build_up else ''}allowable costs", optional=True)
        if build_up:
            layout.output(ws, at("ac_total", col), ac_name,
                          f'IF({F(i)},{p}Lines_AC_{i}+{p}Risk_AC_{i}+{p}AC_{i},"")', money_format)
        layout.input(ws, at("alt", col), f"{p}Alt_price_{i}", price, "money+", money_format,
                     f"component {i} price by an alternative method", optional=True)
        if bpr_name:
            layout.output(ws, at("bpr", col), f"{p}BPR_{i}", f'IF({F(i)},{bpr_name},"")', PERCENT)
        else:
            layout.input(ws, at("bpr", col), f"{p}BPR_{i}", bpr, "bpr", "0.00%", f"component {i} baseline profit rate",
                         optional=True)
        layout.input(ws, at("cra", col), f"{p}CRA_{i}", cra, "cra", "0%", f"component {i} cost risk adjustment",
                     optional=True)
        method_is = [f'{p}Method_{i}="{m}"' for m in ("cost-plus", "cost plus", "estimate-based fee", "estimate based fee")]
        layout.output(ws, at("cra_start", col), f"{p}CRA_start_{i}", f'IF(OR({",".join(method_is)}),-0.25,"")', "0%")
        layout.input(ws, at("ia", col), f"{p}IA_{i}", ia, "ia_capped" if ia_cap_name else "ia", PERCENT, f"component {i} incentive adjustment",
                     optional=True)
        layout.input(ws, at("csa", col), f"{p}CSA_{i}", csa, "rate", PERCENT,
                     f"component {i} capital servicing adjustment", optional=True)
        csa = f"{p}CSA_used_{i}" if capital else f"{p}CSA_{i}"
        if capital:
            layout.output(ws, at("csa_used", col), csa,
                          f'IF({F(i)},IF(ISNUMBER({p}CSA_{i}),{p}CSA_{i},CSA_computed_{i}),"")', PERCENT)
        four = f"{p}BPR_{i}+{p}BPR_{i}*{p}CRA_{i}+{p}IA_{i}+{csa}"
        if six_steps:  # a price agreed before 1 April 2024: the Six steps sheet's rate (regulation 11 as made)
            four = f"IF(CPR_steps=6,Six_CPR_{i},{four})"
        layout.output(ws, at("cpr", col), f"{p}CPR_{i}", f'IF({F(i)},{four},"")', PERCENT)
        layout.output(ws, at("profit", col), f"{p}Profit_{i}", f'IF({F(i)},{ac_name}*{p}CPR_{i},"")', money_format)
        layout.output(ws, at("price", col), f"{p}Price_{i}",
                      f'IF({p}Name_{i}="","",IF({F(i)},{ac_name}+{p}Profit_{i},{p}Alt_price_{i}))', money_format)
        if poco:
            layout.output(ws, at("poco", col), f"{p}POCO_{i}",
                          f'IF({F(i)},IF(ISNUMBER({p}POCO_typed_{i}),{p}POCO_typed_{i},{p}POCO_computed_{i}),"")',
                          money_format)
            layout.output(ws, at("ac_after", col), f"{p}AC_after_{i}", f'IF({F(i)},{ac_name}-{p}POCO_{i},"")',
                          money_format)
            layout.output(ws, at("profit_after", col), f"{p}Profit_after_{i}",
                          f'IF({F(i)},{p}AC_after_{i}*{p}CPR_{i},"")', money_format)
            layout.output(ws, at("price_after", col), f"{p}Price_after_{i}",
                          f'IF({p}Name_{i}="","",IF({F(i)},{p}AC_after_{i}+{p}Profit_after_{i},{p}Alt_price_{i}))',
                          money_format)
        ac_i = f"{p}{final_ac}_{i}"
        bpr_i = f"{p}BPR_{i}"
        pots = f"AND({F(i)},{p}Components>=2)"
        layout.output(ws, at("max_cra", col), f"{p}Max_CRA_value_{i}", f"IF({pots},{ac_i}*{bpr_i}*0.25,0)", money_format)
        layout.output(ws, at("actual_cra", col), f"{p}Actual_CRA_value_{i}", f"IF({pots},{ac_i}*{bpr_i}*{p}CRA_{i},0)",
                      money_format)
        layout.output(ws, at("cra_pot", col), f"{p}CRA_pot_{i}", f"{p}Max_CRA_value_{i}-{p}Actual_CRA_value_{i}",
                      money_format)
        layout.output(ws, at("max_ia", col), f"{p}Max_IA_value_{i}", f"IF({pots},{ac_i}*{ia_cap_name or '0.02'},0)",
                      money_format)
        layout.output(ws, at("actual_ia", col), f"{p}Actual_IA_value_{i}", f"IF({pots},{ac_i}*{p}IA_{i},0)", money_format)
        layout.output(ws, at("ia_pot", col), f"{p}IA_pot_{i}", f"{p}Max_IA_value_{i}-{p}Actual_IA_value_{i}", money_format)

    first, last_col = cols[0], cols[-1]

    def span(key: str) -> str:
        return f"{first}{rows[key]}:{last_col}{rows[key]}"

    # Totals sum named rows, never cell addresses: a row or column inserted in a spreadsheet
    # application moves the names, and the formulas stay as the template wrote them.
    layout.name_range(f"{p}Names", ws, span("name"))
    if poco:  # the Supply chain sheet compares each sub-contract's CRA with its component's (Table 2 stage 4)
        layout.name_range(f"{p}CRA_row", ws, span("cra"))
    for key, name in (("max_cra", "Max_CRA_value"), ("actual_cra", "Actual_CRA_value"), ("max_ia", "Max_IA_value"),
                      ("actual_ia", "Actual_IA_value")):
        layout.name_range(f"{p}{name}_row", ws, span(key))
        layout.output(ws, at(key, total_col), f"{p}{name}", f"SUM({p}{name}_row)", money_format)
    layout.output(ws, at("cra_pot", total_col), f"{p}CRA_pot", f"{p}Max_CRA_value-{p}Actual_CRA_value", money_format,
                  headline=True)
    layout.output(ws, at("ia_pot", total_col), f"{p}IA_pot", f"{p}Max_IA_value-{p}Actual_IA_value", money_format,
                  headline=True)
    price_key = "price_after" if poco else "price"
    layout.name_range(f"{p}Price_row", ws, span(price_key))
    layout.output(ws, at(price_key, total_col), f"{p}Price_total", f"SUM({p}Price_row)", money_format)
    layout.output(ws, at("total", total_col), f"{p}Total_component_price", f"{p}Price_total", money_format,
                  headline=True)
    layout.output(ws, at("count", total_col), f"{p}Components", f"COUNTA({p}Names)", "0")
    layout.output(ws, at("cra_share", total_col), f"{p}CRA_pot_share",
                  f"IF({p}Total_component_price>0,{p}CRA_pot/{p}Total_component_price,0)", PERCENT)
    layout.output(ws, at("ia_share", total_col), f"{p}IA_pot_share",
                  f"IF({p}Total_component_price>0,{p}IA_pot/{p}Total_component_price,0)", PERCENT)
    layout.output(ws, at("max_price_cra", total_col), f"{p}Max_price_with_CRA",
                  f"{p}Total_component_price+{p}CRA_pot", money_format, headline=True)
    layout.output(ws, at("max_price_ia", total_col), f"{p}Max_price_with_IA",
                  f"{p}Total_component_price+{p}IA_pot", money_format, headline=True)
    layout.output(ws, at("max_price", total_col), f"{p}Max_price",
                  f"{p}Total_component_price+{p}CRA_pot+{p}IA_pot", money_format)
    layout.input(ws, at("agreed_cra", total_col), f"{p}Contract_CRA", 0, "money+", money_format,
                 "contract level cost risk adjustment agreed")
    layout.input(ws, at("agreed_ia", total_col), f"{p}Contract_IA", 0, "money+", money_format,
                 "contract level incentive adjustment agreed")
    cra_used, ia_used = f"{p}Contract_CRA", f"{p}Contract_IA"
    if shares:
        for key, adjustment in (("cra", "CRA"), ("ia", "IA")):
            name = f"{p}Contract_{adjustment}"
            layout.input(ws, at(f"{key}_rate", total_col), f"{name}_rate", None, "rate", PERCENT,
                         f"contract level {adjustment} agreed as a percentage of the total component price",
                         optional=True)
            layout.output(ws, at(f"{key}_used", total_col), f"{name}_used",
                          f"IF(ISNUMBER({name}_rate),{name}_rate*{p}Total_component_price,{name})", money_format)
        cra_used, ia_used = f"{p}Contract_CRA_used", f"{p}Contract_IA_used"
    layout.output(ws, at("contract_price", total_col), f"{p}Contract_price",
                  f"{p}Total_component_price+{cra_used}+{ia_used}", money_format, headline=True)

    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 46
    for col in cols + [total_col]:
        ws.column_dimensions[col].width = 13
    ws.column_dimensions[how_col].width = 52
    return BlockRows(rows["name"], rows[price_key], total_col, last)


def compute_block(inputs: Mapping[str, Any], prefix: str, count: int, *, bpr: float | None = None,
                  poco: bool = False, build_up: Mapping[int, tuple[float, float]] | None = None,
                  capital: Mapping[int, float] | None = None, date_of_agreement: Any = None,
                  contract_kind: Any = None, six: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every figure of :func:`component_block`, from the core (aggregate_components, formula_price,
    contract_profit_rate). ``bpr`` is the model's looked-up baseline profit rate, when BPR is not an input.
    ``build_up`` gives, by component number, the agreed cost lines and the risk contingency element
    attributed to it (the block was laid out with ``build_up=True``)."""
    p = prefix
    inputs = dict(inputs)
    for i, computed in (capital or {}).items():  # Appendix B from the Capital servicing sheet
        inputs[f"{p}CSA_{i}"] = computed
    if build_up is not None:
        for i in range(1, count + 1):
            lines, risk = build_up.get(i, (0.0, 0.0))
            direct = inputs.get(f"{p}AC_{i}")
            if i in build_up or direct is not None:
                inputs[f"{p}AC_{i}"] = lines + risk + (direct or 0.0)
    used: list[int] = []
    kinds: dict[int, str] = {}
    for i in range(1, count + 1):
        name = inputs.get(f"{p}Name_{i}")
        row_inputs = [f"{p}{k}_{i}" for k in ("Method", "AC", "Alt_price", "BPR", "CRA", "IA", "CSA", "POCO")]
        if name is None:
            given = next((k for k in row_inputs if inputs.get(k) is not None), None)
            if given is not None:
                raise PricingInputError(f"{given} {checks.fmt(inputs[given])} is given but {p}Name_{i} is empty: "
                                        f"name the component, or clear its column")
            continue
        method = inputs.get(f"{p}Method_{i}")
        if method is None:
            raise PricingInputError(f"{p}Method_{i} is empty: choose the pricing method of component {name!s} "
                                    f"(formula, or an alternative method such as commercial)")
        kinds[i] = method_kind(method, f"{p}Method_{i}")
        used.append(i)
    out: dict[str, Any] = {}
    names = [str(inputs[f"{p}Name_{i}"]) for i in used]

    def bpr_of(i: int) -> Any:
        return bpr if bpr is not None else inputs.get(f"{p}BPR_{i}")

    def ac_after(i: int) -> Any:
        ac = inputs.get(f"{p}AC_{i}")
        deduction = inputs.get(f"{p}POCO_{i}") if poco else None
        if deduction is None or ac is None:
            return ac
        if kinds.get(i) == "formula" and deduction > ac:
            raise PricingInputError(f"{p}POCO_{i} {checks.fmt(deduction)} exceeds {p}AC_{i} {checks.fmt(ac)}: the POCO "
                                    f"deduction reduces the component's allowable costs (allowable costs guidance I.4.3)")
        return ac - deduction

    for i in used:
        if kinds[i] != "formula" and poco and inputs.get(f"{p}POCO_{i}") is not None:
            raise PricingInputError(f"{p}POCO_{i} {checks.fmt(inputs[f'{p}POCO_{i}'])} is given for component "
                                    f"{inputs[f'{p}Name_{i}']}, priced by the {kinds[i]} method: a POCO deduction "
                                    f"reduces the allowable costs of a component priced by the pricing formula")

    def component(i: int, ac: Any) -> Component:
        if kinds[i] == "formula":
            return Component(names[used.index(i)], "formula", ac, bpr_of(i), inputs.get(f"{p}CRA_{i}"),
                             inputs.get(f"{p}IA_{i}"), inputs.get(f"{p}CSA_{i}"), inputs.get(f"{p}Alt_price_{i}"),
                             contract_profit_rate=sixes[i].contract_profit_rate if i in sixes else None)
        return Component(names[used.index(i)], kinds[i], ac, inputs.get(f"{p}BPR_{i}") if bpr is None else None,
                         inputs.get(f"{p}CRA_{i}"), inputs.get(f"{p}IA_{i}"), inputs.get(f"{p}CSA_{i}"),
                         inputs.get(f"{p}Alt_price_{i}"))

    # A price agreed before 1 April 2024: each formula component's rate by the six steps (Act s.17(2)
    # as made; guidance 1.23), with the POCO adjustment and the SSRO funding adjustment of ``six``.
    sixes: dict[int, Any] = {}
    if six is not None:
        for i in used:
            if kinds[i] == "formula":
                sixes[i] = contract_profit_rate_six_step(
                    bpr_of(i), inputs.get(f"{p}CRA_{i}"), six["poco_rates"].get(i) or 0.0, six["funding"],
                    inputs.get(f"{p}IA_{i}"), inputs.get(f"{p}CSA_{i}"))
        six["results"] = sixes

    # Final allowable costs (after any POCO deduction) drive the pots and the contract price.
    finals = [component(i, ac_after(i)) for i in used]
    agreed_cra = inputs.get(f"{p}Contract_CRA") or 0.0
    agreed_ia = inputs.get(f"{p}Contract_IA") or 0.0
    cra_rate, ia_rate = inputs.get(f"{p}Contract_CRA_rate"), inputs.get(f"{p}Contract_IA_rate")
    for rate, amount, name in ((cra_rate, agreed_cra, "CRA"), (ia_rate, agreed_ia, "IA")):
        if rate is not None and amount:
            raise PricingInputError(
                f"{p}Contract_{name} {checks.fmt(amount)} and {p}Contract_{name}_rate {checks.fmt(rate)} are both "
                f"given: agree the contract level {name} as an amount or as a percentage of the total component "
                f"price, not both (alternative pricing guidance {'9.16' if name == 'CRA' else '9.24'}); clear one")
    results: dict[int, Any] = {}
    if len(used) >= 2:
        try:
            agg = aggregate_components(finals, contract_level_cra=agreed_cra, contract_level_ia=agreed_ia,
                                       date_of_agreement=date_of_agreement, contract_kind=contract_kind,
                                       contract_level_cra_rate=cra_rate, contract_level_ia_rate=ia_rate)
        except PricingInputError as exc:
            if cra_rate is None and ia_rate is None:
                raise
            raise PricingInputError(f"{p}Contract_CRA_rate/{p}Contract_IA_rate {checks.fmt(cra_rate)}/"
                                    f"{checks.fmt(ia_rate)}: {exc}") from None
        results = dict(zip(used, agg.components))
        totals = {"Max_CRA_value": agg.max_cra_value, "Actual_CRA_value": agg.actual_cra_value,
                  "CRA_pot": agg.cra_pot, "Max_IA_value": agg.max_ia_value, "Actual_IA_value": agg.actual_ia_value,
                  "IA_pot": agg.ia_pot, "Total_component_price": agg.total_component_price,
                  "Max_price_with_CRA": agg.max_price_with_cra, "Max_price_with_IA": agg.max_price_with_ia,
                  "Max_price": agg.max_price, "Contract_price": agg.contract_price}
    else:
        if agreed_cra or agreed_ia or cra_rate or ia_rate:
            raise PricingInputError(
                f"{p}Contract_CRA/{p}Contract_IA {checks.fmt(agreed_cra)}/{checks.fmt(agreed_ia)} are given for a contract "
                f"of {len(used)} component(s): contract level adjustments need two or more components (guidance 9.5)")
        total = 0.0
        for i, c in zip(used, finals):
            results[i] = _single(c, date_of_agreement, contract_kind)
            total += results[i].price
        totals = {"Max_CRA_value": 0.0, "Actual_CRA_value": 0.0, "CRA_pot": 0.0, "Max_IA_value": 0.0,
                  "Actual_IA_value": 0.0, "IA_pot": 0.0, "Total_component_price": total,
                  "Max_price_with_CRA": total, "Max_price_with_IA": total, "Max_price": total, "Contract_price": total}
    for name, value in totals.items():
        out[f"{p}{name}"] = value
    if f"{p}Contract_CRA_rate" in inputs:  # the block laid out with shares: the amounts used
        out[f"{p}Contract_CRA_used"] = agg.contract_level_cra if len(used) >= 2 else 0.0
        out[f"{p}Contract_IA_used"] = agg.contract_level_ia if len(used) >= 2 else 0.0
    out[f"{p}Price_total"] = totals["Total_component_price"]
    out[f"{p}Components"] = float(len(used))
    total = totals["Total_component_price"]
    out[f"{p}CRA_pot_share"] = totals["CRA_pot"] / total if total > 0 else 0.0
    out[f"{p}IA_pot_share"] = totals["IA_pot"] / total if total > 0 else 0.0

    for i in range(1, count + 1):
        res = results.get(i)
        formula = res is not None and kinds[i] == "formula"
        out[f"{p}Is_formula_{i}"] = 1.0 if formula else 0.0
        method = inputs.get(f"{p}Method_{i}")
        out[f"{p}CRA_start_{i}"] = cra_starting_point(method) if method is not None else None  # guidance 4.14
        if build_up is not None:
            named = inputs.get(f"{p}Name_{i}") is not None
            lines, risk = build_up.get(i, (0.0, 0.0))
            out[f"{p}Lines_AC_{i}"] = lines if named else None
            out[f"{p}Risk_AC_{i}"] = risk if named else None
            out[f"{p}AC_total_{i}"] = (inputs.get(f"{p}AC_{i}") or 0.0) if formula else None
        if bpr is not None:
            out[f"{p}BPR_{i}"] = bpr if formula else None
        if capital is not None:
            out[f"{p}CSA_used_{i}"] = inputs.get(f"{p}CSA_{i}") if formula else None
        steps = None
        if formula and i in sixes:
            steps = sixes[i]
        elif formula:
            steps = contract_profit_rate(bpr_of(i), inputs[f"{p}CRA_{i}"], inputs[f"{p}IA_{i}"], inputs[f"{p}CSA_{i}"],
                                         date_of_agreement=date_of_agreement, contract_kind=contract_kind)
        out[f"{p}CPR_{i}"] = steps.contract_profit_rate if steps else None
        if poco:
            out[f"{p}POCO_{i}"] = inputs.get(f"{p}POCO_{i}") if formula else None
            before = formula_price(inputs[f"{p}AC_{i}"], steps.contract_profit_rate) if steps else None
            out[f"{p}Profit_{i}"] = before.profit if before else None
            out[f"{p}Price_{i}"] = before.price if before else (res.price if res is not None else None)
            out[f"{p}AC_after_{i}"] = res.allowable_costs if formula else None
            out[f"{p}Profit_after_{i}"] = res.profit if formula else None
            out[f"{p}Price_after_{i}"] = res.price if res is not None else None
        else:
            out[f"{p}Profit_{i}"] = res.profit if formula else None
            out[f"{p}Price_{i}"] = res.price if res is not None else None
        for key, attr in (("Max_CRA_value", "max_cra_value"), ("Actual_CRA_value", "actual_cra_value"),
                          ("CRA_pot", "cra_pot"), ("Max_IA_value", "max_ia_value"),
                          ("Actual_IA_value", "actual_ia_value"), ("IA_pot", "ia_pot")):
            out[f"{p}{key}_{i}"] = getattr(res, attr) if res is not None else 0.0
    return out


@dataclass(frozen=True)
class _Single:
    """One component priced on its own: no contract level pots (they need two or more components)."""

    allowable_costs: float | None
    profit: float | None
    price: float
    max_cra_value: float = 0.0
    actual_cra_value: float = 0.0
    cra_pot: float = 0.0
    max_ia_value: float = 0.0
    actual_ia_value: float = 0.0
    ia_pot: float = 0.0


def _single(c: Component, date_of_agreement: Any = None, contract_kind: Any = None) -> _Single:
    if method_kind(c.method) == "formula":
        if c.contract_profit_rate is not None:  # set by the six steps (a price agreed before 1 April 2024)
            cpr = c.contract_profit_rate
        else:
            cpr = contract_profit_rate(c.bpr, c.cra, c.ia, c.csa, date_of_agreement=date_of_agreement,
                                       contract_kind=contract_kind).contract_profit_rate
        priced = formula_price(c.allowable_costs, cpr)
        return _Single(float(priced.allowable_costs), float(priced.profit), float(priced.price))
    if c.price is None:
        raise PricingInputError(f"component {c.name} price is empty: a {c.method} component is carried at its price")
    return _Single(None, None, float(checks.money(f"component {c.name} price", c.price, nonnegative=True)))


# --- the Examples 6 and 7 template ------------------------------------------------------------------

EXAMPLE_6 = [("Component 1", "formula", 50, 0.08, 0.25, 0, 0.0173, None),
             ("Component 2", "commercial", None, None, None, None, None, 50),
             ("Component 3", "formula", 100, 0.08, -0.10, 0, 0.0141, None)]
EXAMPLE_7 = [("Component 1", "formula", 50, 0.08, 0.10, 0.015, 0.018, None),
             ("Component 2", "commercial", None, None, None, None, None, 25),
             ("Component 3", "formula", 125, 0.08, 0.20, 0, 0.02, None)]
EXAMPLES = {"6": ("Ex6_", EXAMPLE_6, "Example 6: contract level cost risk adjustment",
                  "Alternative pricing guidance v1.2, section 9, Example 6 (9.11-9.18). Money in £m."),
            "7": ("Ex7_", EXAMPLE_7, "Example 7: contract level incentive adjustment",
                  "Alternative pricing guidance v1.2, section 9, Example 7 (9.19-9.26). Money in £m.")}


def build(layout: Layout) -> None:
    for n, (prefix, defaults, heading, cite) in EXAMPLES.items():
        ws = layout.wb.create_sheet(f"Example {n}")
        title(ws, "Aggregation of components. " + heading, cite)
        rows = component_block(layout, ws, prefix, 3, 5, defaults)
        ws.freeze_panes = "C6"
        page_setup(ws, f"A1:G{rows.last}")


def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prefix, _defaults, _h, _c in EXAMPLES.values():
        out.update(compute_block(inputs, prefix, 3))
    return out


TEMPLATE = Template(
    key="aggregation", filename="aggregation.xlsx", title="Aggregation of components",
    description="Alternative pricing guidance Examples 6 and 7: total component price, contract level CRA and "
                "IA pots, maximum prices",
    version=1, build=build, compute=compute,
    headline=("Ex6_Total_component_price", "Ex6_CRA_pot", "Ex6_Max_price_with_CRA",
              "Ex7_Total_component_price", "Ex7_IA_pot", "Ex7_Max_price_with_IA"))
