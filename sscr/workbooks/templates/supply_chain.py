"""The contract model's Supply chain sheet: the group sub-contracts of each component and, from
them, the component's POCO deduction (Act s.20(2A); regulation 13A; allowable costs guidance v7.3,
Part I: Table 2 stages 1-5 and the I.7 worked example), as the POCO template computes it for one
chain.

The table lists each group sub-contract (I.8.1) and further group sub-contract (I.8.2) of the
components priced by the pricing formula, one row each: the component it serves
(``SC_component_k``), its name (``SC_name_k``), the contract it supplies (``SC_parent_k``: empty
for a sub-contract of the component's prime contract, else the name of a sub-contract listed
above it), its own allowable costs and its four profit rate steps (``SC_own_costs_k``,
``SC_BPR_k``, ``SC_CRA_k``, ``SC_IA_k``, ``SC_CSA_k``). Each row then shows, as native formulas:

Stage 1  its contract profit rate, the prices of its sub-contracts (the rows that name it as
         parent), its total allowable costs and its price (total x (1 + CPR));
         in scope (1) when its value (its price) is at least £250,000 and its price includes
         profit (I.8.1(a), (c), I.8.2(a), (c)); a further group sub-contract on the same tests,
         whether or not its parent is in scope (I.8.2(b)).
Stage 2  the profit of an in-scope contract at its full CPR: total allowable costs x CPR.
Stage 3  its capital servicing amount, excluded: total allowable costs x CSA (I.4.6(a)).
Stage 4  the appropriate sub-contractor profit: own allowable costs (its total less the prices
         of its in-scope sub-contracts) x BPR x (its CRA - the component's CRA), where positive (I.4.5).

and the block at the top of the sheet sums them by component: stage 5, the POCO deduction, is
stage 2 - stage 3 - stage 4 (``POCO_computed_i``). A figure typed in ``POCO_typed_i`` is used
instead (a deduction agreed from another workbook) and the sheet says so (``POCO_source_i``); typing
one for a component that has rows in the table is refused. The deduction used is ``POCO_i`` on the
Contract sheet.

The rows list the group supply chain: contracts with persons associated with the primary
contractor, not competed and not priced by an alternative method (regulation 13A(3), (4)); a
contract outside the group is not listed, its price being part of the own allowable costs of the
contract it supplies. The core (:func:`sscr.poco.poco_adjustment`) computes the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sscr import checks
from sscr.errors import PricingInputError, SupplyChainError
from sscr.poco import VALUE_THRESHOLD, SupplyChainContract, poco_adjustment
from sscr.tables import cell_text

from ..layout import MONEY_2DP, PERCENT, Layout, header, label, page_setup, section, title
from ..package import col_letters as get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SUPPLY_SHEET = "Supply chain"
#: Rows of the supply chain table in the blank model.
SUPPLY_CHAIN = 10
GROW_SUPPLY = "grow the table with: sscr new contract LARGER.xlsx --from THIS.xlsx --supply-chain N"

# (key, heading, kind, number format, width): the inputs of each row, in column order.
SC_INPUTS = (
    ("name", "Sub-contract", "text", "@", 14),
    ("component", "Component", "component", "@", 14),
    ("parent", "Supplies (empty: the component's prime contract)", "text", "@", 16),
    ("own_costs", "Own allowable costs", "money+", MONEY_2DP, 14),
    ("BPR", "BPR", "bpr", PERCENT, 8),
    ("CRA", "CRA (% of BPR)", "cra", "0%", 8),
    ("IA", "IA", "ia", PERCENT, 8),
    ("CSA", "CSA", "rate", PERCENT, 8),
)
# (key, heading, number format, width): each row's figures, stage by stage.
SC_OUTPUTS = (
    ("CPR", "Contract profit rate", PERCENT, 9),
    ("sub_price", "Price of its sub-contracts", MONEY_2DP, 14),
    ("total_costs", "Total allowable costs", MONEY_2DP, 14),
    ("price", "Price", MONEY_2DP, 14),
    ("in_scope", "In scope (1 = yes)", "0", 8),
    ("stage2", "Stage 2: profit at full CPR", MONEY_2DP, 13),
    ("stage3", "Stage 3: CSA to exclude", MONEY_2DP, 13),
    ("stage4_own", "Stage 4: own allowable costs", MONEY_2DP, 14),
    ("CRA_diff", "CRA above the component's", "0%", 9),
    ("stage4", "Stage 4: appropriate profit", MONEY_2DP, 13),
    ("deduction", "POCO: stage 2 - 3 - 4", MONEY_2DP, 13),
)
#: Column ranges summed by component.
SUMMED = ("in_scope", "stage2", "stage3", "stage4", "deduction")
#: The per-component block: (key, letter, text, how).
BLOCK = (
    ("contracts", "", "Sub-contracts listed", "rows of the table below naming the component"),
    ("in_scope", "", "Of them in scope", "value at least £250,000 and profit in the price (I.8.1, I.8.2)"),
    ("stage2", "(2)", "Stage 2: profit of the in-scope sub-contracts", "sum of total allowable costs x CPR"),
    ("stage3", "(3)", "Stage 3: capital servicing adjustments to exclude", "sum of total allowable costs x CSA"),
    ("initial", "", "Initial POCO adjustment", "2 - 3"),
    ("stage4", "(4)", "Stage 4: appropriate sub-contractor profit", "sum of own costs x BPR x CRA differential"),
    ("computed", "(5)", "Stage 5: POCO deduction from the supply chain", "2 - 3 - 4"),
    ("typed", "", "POCO deduction typed instead", "input: only for a component with no rows below"),
    ("source", "", "POCO deduction used on the Contract sheet", "typed, or from the supply chain"),
)


def _n(key: str, k: int) -> str:
    return f"SC_{key}_{k}"


@dataclass(frozen=True)
class SupplyRows:
    """Where the table is: its first and last rows."""

    first: int
    last: int


def supply_chain_sheet(layout: Layout, components: int, rows: int = SUPPLY_CHAIN,
                       case: Sequence[Mapping[str, Any]] = ()) -> "Worksheet":
    """Lay the sheet out: the per-component block for ``components`` columns, then the table of
    ``rows`` sub-contracts (last on the sheet, so that it can grow), filled with ``case``."""
    ws = layout.wb.create_sheet(SUPPLY_SHEET)
    title(ws, "Supply chain: group sub-contracts and the POCO deduction of each component",
          "Allowable costs guidance v7.3, Part I: Table 2 (stages 1-5) and the I.7 worked example; Act s.20(2A), "
          "regulation 13A. Money in £.")
    cols = [get_column_letter(3 + i) for i in range(components)]
    how = get_column_letter(3 + components)
    section(ws, "A5", "POCO deduction of each component", "Table 2 stages 2-5, summed over the component's rows below",
            cite_ref="D5")
    header(ws, 6, 1, ["", "", *[f"Component {i + 1}" for i in range(components)], "How"])
    r = 7
    label(ws, f"B{r}", "Component")
    label(ws, f"{how}{r}", "from the Contract sheet", note=True)
    at: dict[str, int] = {}
    for key, letter, text, note in BLOCK:
        r += 1
        at[key] = r
        label(ws, f"A{r}", letter)
        label(ws, f"B{r}", text, bold=key == "computed")
        label(ws, f"{how}{r}", note, note=True)
    for i, col in enumerate(cols, start=1):
        formula = f"Is_formula_{i}=1"
        layout.output(ws, f"{col}7", f"POCO_component_{i}", f'IF(Name_{i}="","",Name_{i})', "@")
        layout.output(ws, f"{col}{at['contracts']}", f"POCO_contracts_{i}",
                      f'IF({formula},COUNTIFS(SC_component_col,Name_{i}),"")', "0")
        for key in ("in_scope", "stage2", "stage3", "stage4"):
            layout.output(ws, f"{col}{at[key]}", f"POCO_{key}_{i}",
                          f'IF({formula},SUMIFS(SC_{key}_col,SC_component_col,Name_{i}),"")',
                          "0" if key == "in_scope" else MONEY_2DP)
        layout.output(ws, f"{col}{at['initial']}", f"POCO_initial_{i}",
                      f'IF({formula},POCO_stage2_{i}-POCO_stage3_{i},"")', MONEY_2DP)
        layout.output(ws, f"{col}{at['computed']}", f"POCO_computed_{i}",
                      f'IF({formula},POCO_initial_{i}-POCO_stage4_{i},"")', MONEY_2DP)
        layout.input(ws, f"{col}{at['typed']}", f"POCO_typed_{i}", None, "money+", MONEY_2DP,
                     f"component {i} POCO deduction typed instead of the supply chain's", optional=True)
        layout.output(ws, f"{col}{at['source']}", f"POCO_source_{i}",
                      f'IF({formula},IF(ISNUMBER(POCO_typed_{i}),"typed","supply chain"),"")', "@")
    label(ws, f"A{at['source'] + 1}", "The deduction reduces the component's allowable costs on the Contract sheet "
                                      "(I.4.3). A deduction typed instead is used as typed: it is shown as 'typed'.",
          note=True)

    top = at["source"] + 3
    section(ws, f"A{top}", "Group sub-contracts (Table 2 stage 1: document the supply chain)",
            "I.8.1, I.8.2: contracts with associated persons, not competed, priced by the pricing formula; a "
            "sub-contract is listed below the contract it supplies", cite_ref=f"F{top}")
    label(ws, f"A{top + 1}", f"The table holds {rows} sub-contracts: for more, {GROW_SUPPLY}.", note=True)
    columns = [(k, h, kind, f, w) for k, h, kind, f, w in SC_INPUTS] + [(k, h, None, f, w) for k, h, f, w in SC_OUTPUTS]
    col_of = {c[0]: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    head = top + 2
    header(ws, head, 1, [c[1] for c in columns])
    ws.row_dimensions[head].height = 45
    first = head + 1
    last = first + rows - 1
    for k in range(1, rows + 1):
        rr = first + k - 1
        given = case[k - 1] if k <= len(case) else {}
        for key, _h, kind, fmt, _w in SC_INPUTS:
            layout.input(ws, f"{col_of[key]}{rr}", _n(key, k), given.get(key), kind, fmt,
                         f"supply chain row {k} {key}", optional=True)
        if k < rows:  # the rows below: where this contract's sub-contracts are
            for key in ("price", "parent", "in_scope"):
                layout.name_range(f"SC_{key}_below_{k}", ws, f"{col_of[key]}{rr + 1}:{col_of[key]}{last}")
        N = lambda key: _n(key, k)  # noqa: E731
        blank = f'{N("name")}=""'
        below = k < rows
        sub = f'SUMIFS(SC_price_below_{k},SC_parent_below_{k},{N("name")})' if below else "0"
        in_scope_sub = (f'SUMIFS(SC_price_below_{k},SC_parent_below_{k},{N("name")},SC_in_scope_below_{k},1)'
                        if below else "0")
        on = f'{N("in_scope")}=1'
        prime_cra = f'INDEX(CRA_row,MATCH({N("component")},Names,0))'
        formulas = {
            "CPR": f'{N("BPR")}+{N("BPR")}*{N("CRA")}+{N("IA")}+{N("CSA")}',
            "sub_price": sub,
            "total_costs": f'{N("own_costs")}+{N("sub_price")}',
            "price": f'{N("total_costs")}*(1+{N("CPR")})',
            "in_scope": f'IF(AND({N("price")}>={VALUE_THRESHOLD:.0f},{N("CPR")}>0),1,0)',
            "stage2": f'IF({on},{N("total_costs")}*{N("CPR")},0)',
            "stage3": f'IF({on},{N("total_costs")}*{N("CSA")},0)',
            "stage4_own": f'{N("total_costs")}-{in_scope_sub}',
            "CRA_diff": f'IF({on},MAX({N("CRA")}-{prime_cra},0),0)',
            "stage4": f'IF({on},{N("stage4_own")}*{N("BPR")}*{N("CRA_diff")},0)',
            "deduction": f'{N("stage2")}-{N("stage3")}-{N("stage4")}',
        }
        for key, _h, fmt, _w in SC_OUTPUTS:
            layout.output(ws, f"{col_of[key]}{rr}", N(key), f'IF({blank},"",{formulas[key]})', fmt)
    for key in ("name", "component", *SUMMED):
        layout.name_range(f"SC_{key}_col", ws, f"{col_of[key]}{first}:{col_of[key]}{last}")
    layout.table(ws, "supply chain", first, last, 1, len(columns), rows, f"{GROW_SUPPLY}")

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 46
    for col in cols:
        ws.column_dimensions[col].width = max(ws.column_dimensions[col].width or 0, 15)
    for c in columns:
        letter = col_of[c[0]]
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, c[-1])
    # the How notes run on into the empty cells to their right, so their column keeps the table's width
    ws.freeze_panes = f"A{first}"
    right = get_column_letter(max(len(columns), 3 + components))
    page_setup(ws, f"A1:{right}{last}")
    ws.print_title_rows = f"{head}:{head}"
    return ws


_NONE_ROW = {f"SC_{k}": None for k, *_r in SC_OUTPUTS}
_PRIME = "\x00prime"


def compute_supply_chain(inputs: Mapping[str, Any], components: int, rows: int,
                         formula: Mapping[int, bool]) -> tuple[dict[str, Any], dict[int, float | None]]:
    """Every figure of the sheet from the core (:func:`sscr.poco.poco_adjustment`, one chain per
    component, its prime contract being the component), and the POCO deduction used by component
    number (None for a component not priced by the pricing formula)."""
    out: dict[str, Any] = {}
    for k in range(1, rows + 1):
        for key, *_r in SC_OUTPUTS:
            out[_n(key, k)] = None
    names: dict[str, int] = {}
    for i in range(1, components + 1):
        name = inputs.get(f"Name_{i}")
        if name is not None:
            names.setdefault(cell_text(name), i)
    known = ", ".join(n for n, i in names.items() if formula.get(i)) or "none named yet"

    listed: dict[int, list[int]] = {}
    row_of: dict[str, int] = {}
    for k in range(1, rows + 1):
        values = {key: inputs.get(_n(key, k)) for key, *_r in SC_INPUTS}
        if values["name"] is None:
            given = next((key for key, v in values.items() if v is not None), None)
            if given is not None:
                raise PricingInputError(f"{_n(given, k)} {checks.fmt(values[given])} is given but {_n('name', k)} is "
                                        f"empty: name the sub-contract, or clear its row")
            continue
        name = str(values["name"]) if not isinstance(values["name"], float) else cell_text(values["name"])
        if name != name.strip():
            raise PricingInputError(f"{_n('name', k)} {checks.fmt(values['name'])} begins or ends with spaces: write the "
                                    f"name without them, as other rows name it")
        if any(ch in name for ch in "*?~"):
            raise PricingInputError(f"{_n('name', k)} {checks.fmt(name)} holds * ? or ~, which a spreadsheet reads as "
                                    f"wildcards when rows below name their parent: use letters, digits and spaces")
        key = name.lower()  # as a spreadsheet compares text
        if key in row_of:
            raise PricingInputError(f"{_n('name', k)} {checks.fmt(name)} is the name of row {row_of[key]} too: each "
                                    f"sub-contract once, named differently (names are compared without regard to case)")
        component = cell_text(values["component"])
        if not component:
            raise PricingInputError(f"{_n('component', k)} is empty: give the component sub-contract {name} serves, as "
                                    f"named on the Contract sheet ({known})")
        if component not in names or not formula.get(names[component]):
            what = "is not a component named on the Contract sheet" if component not in names else \
                "names a component not priced by the pricing formula, which has no POCO deduction"
            raise PricingInputError(f"{_n('component', k)} {checks.fmt(values['component'])} {what} ({known}): write "
                                    f"the name of a formula component exactly as it is there (regulation 13A)")
        i = names[component]
        parent = values["parent"]
        if parent is not None:
            pkey = cell_text(parent).lower()
            if pkey == key:
                raise PricingInputError(f"{_n('parent', k)} {checks.fmt(parent)} is the sub-contract itself: give the "
                                        f"contract it supplies, or leave it empty for the component's prime contract")
            if pkey not in row_of:
                later = any(cell_text(inputs.get(_n("name", j))).lower() == pkey for j in range(k + 1, rows + 1))
                raise PricingInputError(
                    f"{_n('parent', k)} {checks.fmt(parent)} is not a sub-contract listed above row {k}"
                    + (": it is listed below; move each sub-contract below the contract it supplies (Table 2 stage 1 "
                       "documents the chain top down)" if later else
                       ": give the name of the contract it supplies as the table lists it, or leave it empty for the "
                       "component's prime contract"))
            p = row_of[pkey]
            pi = names[cell_text(inputs.get(_n("component", p)))]
            if pi != i:
                raise PricingInputError(f"{_n('parent', k)} {checks.fmt(parent)} serves component "
                                        f"{cell_text(inputs.get(_n('component', p)))}, not {component}: a sub-contract "
                                        f"serves the component of the contract it supplies")
        for field in ("own_costs", "BPR", "CRA", "IA", "CSA"):
            if values[field] is None:
                raise PricingInputError(f"{_n(field, k)} is empty: give sub-contract {name}'s {field.replace('_', ' ')} "
                                        f"(Table 2 stage 1 prices each contract from its costs and its four steps)")
        row_of[key] = k
        listed.setdefault(i, []).append(k)

    used: dict[int, float | None] = {}
    for i in range(1, components + 1):
        typed = inputs.get(f"POCO_typed_{i}")
        if not formula.get(i):
            if typed is not None:
                raise PricingInputError(f"POCO_typed_{i} {checks.fmt(typed)} is given for component {i}, which is not "
                                        f"named or not priced by the pricing formula: a POCO deduction reduces the "
                                        f"allowable costs of a formula component (I.4.3)")
            used[i] = None
            continue
        mine = listed.get(i, [])
        if typed is not None and mine:
            raise PricingInputError(f"POCO_typed_{i} {checks.fmt(typed)} is typed and the Supply chain table lists "
                                    f"{len(mine)} sub-contract(s) of component {inputs.get(f'Name_{i}')} (first "
                                    f"{_n('name', mine[0])}): clear POCO_typed_{i} to use the table's deduction, or "
                                    f"clear the rows")
        total = {"contracts": float(len(mine)), "in_scope": 0.0, "stage2": 0.0, "stage3": 0.0, "stage4": 0.0}
        deduction = 0.0
        if mine:
            if inputs.get(f"CRA_{i}") is None:
                raise PricingInputError(f"CRA_{i} is empty: give component {inputs.get(f'Name_{i}')}'s cost risk "
                                        f"adjustment; its sub-contracts' risk premium is measured above it (Table 2 "
                                        f"stage 4, I.4.5)")
            chain = [SupplyChainContract(_PRIME, None, 0.0, 0.0, inputs.get(f"CRA_{i}"), 0.0, 0.0)]
            for k in mine:
                parent = inputs.get(_n("parent", k))
                chain.append(SupplyChainContract(
                    str(k), _PRIME if parent is None else str(row_of[cell_text(parent).lower()]),
                    *(inputs[_n(f, k)] for f in ("own_costs", "BPR", "CRA", "IA", "CSA"))))
            try:
                r = poco_adjustment(chain)
            except (SupplyChainError, PricingInputError) as exc:
                raise PricingInputError(f"Supply chain of component {inputs.get(f'Name_{i}')}: {exc}") from None
            for c in r.contracts[1:]:
                k = int(c.name)
                out.update({_n("CPR", k): c.contract_profit_rate, _n("sub_price", k): c.sub_contract_costs,
                            _n("total_costs", k): c.total_allowable_costs, _n("price", k): c.price,
                            _n("in_scope", k): 1.0 if c.in_scope else 0.0, _n("stage2", k): c.stage2_profit,
                            _n("stage3", k): c.stage3_capital_servicing, _n("stage4_own", k): c.stage4_own_costs,
                            _n("CRA_diff", k): c.stage4_cra_difference, _n("stage4", k): c.stage4_appropriate_profit,
                            _n("deduction", k): c.attributable_profit})
            total.update(in_scope=float(sum(c.in_scope for c in r.contracts[1:])), stage2=r.total_profit,
                         stage3=r.total_capital_servicing, stage4=r.appropriate_subcontractor_profit)
            deduction = r.deduction
        out[f"POCO_contracts_{i}"] = total["contracts"]
        out[f"POCO_in_scope_{i}"] = total["in_scope"]
        out[f"POCO_stage2_{i}"] = total["stage2"]
        out[f"POCO_stage3_{i}"] = total["stage3"]
        out[f"POCO_initial_{i}"] = total["stage2"] - total["stage3"]
        out[f"POCO_stage4_{i}"] = total["stage4"]
        out[f"POCO_computed_{i}"] = deduction
        out[f"POCO_source_{i}"] = "typed" if typed is not None else "supply chain"
        used[i] = typed if typed is not None else deduction
    for i in range(1, components + 1):
        out[f"POCO_component_{i}"] = inputs.get(f"Name_{i}")
        if not formula.get(i):
            for key in ("contracts", "in_scope", "stage2", "stage3", "initial", "stage4", "computed", "source"):
                out[f"POCO_{key}_{i}"] = None
    return out, used
