"""The build-up of allowable costs and the risk register as sheets of a contract model: allowable
costs guidance v7.3, sections 3-5 (cost lines agreed on appropriate, attributable and reasonable;
the cost types of Parts A-I), 4.9-4.12 (cost recovery rates), A.4.1 and B.1.1 (escalation by a
named index), H.1.6-H.1.7 and H.2 (the risk contingency element by expected value, and a Monte
Carlo simulation of the register).

Three sheets:

- ``Cost build-up``: the cost recovery rates, the escalation indices and the cost lines (inputs),
  each line's figures step by step (rate, gross, escalation factor, escalated, net of credits,
  Part, treatment, paragraph, status, allowable) and the totals by Part and by status, all native
  formulas (INDEX/MATCH, SUMIFS, COUNTIFS) over defined names;
- ``Risk register``: the risks (inputs), each one's expected value, the risk contingency element
  (their sum), and the Monte Carlo simulation's mean, P50, P80, P90 and histogram, which no native
  formula can compute: the sscr core writes them at regeneration from the trials and seed shown;
- ``Cost types``: the catalogue of section 5 (sscr/data/cost-types.csv) the lines look up.

The Contract sheet takes each component's agreed cost lines and risks by the component's name
(:func:`component_build_up`). A :class:`Case` holds the figures a template ships with: empty for
the blank model, the worked case of :mod:`sscr.allowable_costs.worked_case` for cost-build-up.xlsx.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sscr import checks
from sscr.allowable_costs import (AllowableCosts, StatusTotals, allowable_costs, catalogue, index_series_from_table,
                                  recovery_rates_from_table, risk_contingency_element, simulate_risk)
from sscr.allowable_costs.catalogue import PARTS
from sscr.allowable_costs.risk import DEFAULT_SEED, DEFAULT_TRIALS
from sscr.components import method_kind
from sscr.errors import PricingInputError
from sscr.tables import cell_text

from ..layout import MONEY_2DP, Layout, header, label, page_setup, section, title
from ..package import col_letters as get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

#: Rows of each input table (the same in every template, so names do not depend on the case).
LINES = 30
RATES = 6
INDICES = 10
RISKS = 12
BINS = 20

#: How a user grows a table: a new model of the larger size, carrying every value typed.
GROW = "grow the table with: sscr new contract LARGER.xlsx --from THIS.xlsx"

BUILD_UP_SHEET = "Cost build-up"
RISK_SHEET = "Risk register"
TYPES_SHEET = "Cost types"
#: The Part column says General for the general types of sections 2-4 (the catalogue's "").
GENERAL = "General"
PART_KEYS = [p or GENERAL for p in PARTS]

# (key, heading, kind, number format, width): the cost line inputs, in column order; evidence is last.
LINE_INPUTS = (
    ("id", "Line", "text", "@", 6),
    ("description", "Description", "text", "@", 40),
    ("component", "Component", "component", "@", 14),
    ("type", "Cost type", "cost_type", "@", 7),
    ("basis", "Estimated or actual", "basis", "@", 9),
    ("amount", "Amount", "money+", MONEY_2DP, 12),
    ("rate", "Rate: name, or £ per unit", "rate_or_name", "General", 12),
    ("quantity", "Quantity of the base", "quantity", "#,##0", 9),
    ("credit", "Credit (E.4.1)", "money+", MONEY_2DP, 10),
    ("index", "Index (A.4.1, B.1.1)", "index", "@", 15),
    ("from", "Base period", "period", "General", 7),
    ("to", "Price period", "period", "General", 7),
    ("appropriate", "Appropriate (3.13)", "status", "@", 10),
    ("attributable", "Attributable (3.14)", "status", "@", 10),
    ("reasonable", "Reasonable (3.15)", "status", "@", 10),
)
EVIDENCE = ("evidence", "Evidence (2.6-2.8)", "text", "@", 44)
# (key, heading, number format, width): each line's figures, step by step.
LINE_OUTPUTS = (
    ("rate_value", "£ per unit (4.9)", '£#,##0.00', 9),
    ("gross", "Gross: amount, or rate x quantity", MONEY_2DP, 13),
    ("factor", "Escalation factor", "0.0000", 8),
    ("escalated", "Escalated", MONEY_2DP, 13),
    ("net", "Net of credits (claimed)", MONEY_2DP, 13),
    ("part", "Part", "@", 7),
    ("treatment", "Treatment (section 5)", "@", 19),
    ("paragraph", "Paragraph", "@", 15),
    ("status", "Status", "@", 9),
    ("allowable", "Allowable (agreed)", MONEY_2DP, 13),
)
#: Column ranges the totals and the Contract sheet sum by name.
LINE_COLUMNS = ("component", "basis", "net", "part", "status", "allowable")
CORE_COLUMNS = ("id", "description", "component", "cost_type", "basis", "amount", "rate", "quantity", "credit",
                "index", "base_period", "price_period", "appropriate", "attributable", "reasonable", "evidence")
CORE_KEY = {"type": "cost_type", "from": "base_period", "to": "price_period"}

RATE_INPUTS = (("name", "Rate", "text", "@"), ("pool", "Cost pool", "money+", MONEY_2DP),
               ("base", "Recovery base", "positive", "#,##0"), ("pool_scope", "Scope of the pool", "text", "@"),
               ("base_scope", "Scope of the base", "text", "@"), ("basis", "Estimated or actual", "basis", "@"))
INDEX_INPUTS = (("name", "Index", "text", "@"), ("period", "Period", "period", "General"),
                ("value", "Value", "positive", "0.0##"))
RISK_INPUTS = (("id", "Risk", "text", "@", 6), ("description", "Description", "text", "@", 44),
               ("component", "Component", "component", "@", 14), ("probability", "Probability", "probability", "0%", 10),
               ("impact", "Impact", "money+", MONEY_2DP, 12), ("minimum", "Minimum", "money+", MONEY_2DP, 12),
               ("most_likely", "Most likely", "money+", MONEY_2DP, 12),
               ("maximum", "Maximum", "money+", MONEY_2DP, 12))
RISK_OUTPUTS = (("p", "Probability used", "0%", 11), ("mean", "Mean impact", MONEY_2DP, 12),
                ("ev", "Expected value (H.1.7)", MONEY_2DP, 13))


@dataclass(frozen=True)
class Case:
    """The figures a template ships with: rows of dicts keyed as the input tables, and the
    simulation's trials and seed."""

    lines: Sequence[Mapping[str, Any]] = ()
    rates: Sequence[Mapping[str, Any]] = ()
    indices: Sequence[Mapping[str, Any]] = ()
    risks: Sequence[Mapping[str, Any]] = ()
    trials: int = DEFAULT_TRIALS
    seed: int = DEFAULT_SEED
    notes: Sequence[str] = field(default=())


BLANK = Case()


def case_from_tables(lines: Sequence[Sequence[Any]], rates: Sequence[Sequence[Any]],
                     indices: Sequence[Sequence[Any]], risks: Sequence[Sequence[Any]], *, component: str,
                     trials: int, seed: int, notes: Sequence[str] = ()) -> Case:
    """A case from the core's tables (a header row, then rows), every line and risk attributed to
    ``component``."""
    def rows(table: Sequence[Sequence[Any]], rename: Mapping[str, str]) -> list[dict[str, Any]]:
        head = [rename.get(h, h) for h in table[0]]
        return [dict(zip(head, row)) for row in table[1:]]

    inverse = {v: k for k, v in CORE_KEY.items()}
    line_rows = [r | {"component": component} for r in rows(lines, {**inverse, "cost_type": "type"})]
    rate_rows = rows(rates, {"cost_pool": "pool", "recovery_base": "base"})
    index_rows = rows(indices, {"index": "name"})
    risk_rows = [r | {"component": component} for r in rows(risks, {})]
    return Case(line_rows, rate_rows, index_rows, risk_rows, trials, seed, tuple(notes))


# --- layout ----------------------------------------------------------------------------------------

def _name(prefix: str, key: str, n: int) -> str:
    return f"{prefix}_{key}_{n}"


def _widths(ws: Worksheet, widths: Mapping[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = max(ws.column_dimensions[col].width or 0, width)


def cost_types_sheet(layout: Layout) -> Worksheet:
    """The catalogue of cost types the lines' type list and lookups use (values, from the package)."""
    from ..styles import NOTE_FONT

    ws = layout.wb.create_sheet(TYPES_SHEET)
    title(ws, "Cost types", "Allowable costs guidance v7.3, section 5 (Parts A-I) and the general types of sections "
                            "2-4: what the guidance says of each, in our words (sscr/data/cost-types.csv).")
    ws["A3"] = ("The Cost build-up sheet looks each line's Part, treatment and paragraph up here. The catalogue "
                "comes with the sscr package: a rebuild of the template brings its changes.")
    ws["A3"].font = NOTE_FONT
    header(ws, 5, 1, ["Code", "Part", "Cost type", "Paragraph", "Treatment", "What the guidance says"])
    ws.row_dimensions[5].height = 30
    types = catalogue()
    first = 6
    for i, t in enumerate(types):
        r = first + i
        for c, value in enumerate((t.code, t.part or GENERAL, t.cost_type, t.paragraph, t.treatment, t.note), 1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.number_format = "@"
    last = first + len(types) - 1
    for name, col in (("Cost_type_codes", "A"), ("Cost_type_parts", "B"), ("Cost_type_paragraphs", "D"),
                      ("Cost_type_treatments", "E")):
        layout.name_range(name, ws, f"{col}{first}:{col}{last}")
    _widths(ws, {"A": 7, "B": 8, "C": 58, "D": 14, "E": 20, "F": 120})
    ws.freeze_panes = f"B{first}"
    page_setup(ws, f"A1:E{last}")
    ws.protection.sheet = True  # the catalogue is the package's: a change comes by rebuilding
    return ws


def build_up_sheet(layout: Layout, case: Case = BLANK, lines: int = LINES) -> Worksheet:
    from ..styles import LEFT

    ws = layout.wb.create_sheet(BUILD_UP_SHEET)
    title(ws, "Build-up of allowable costs",
          "Allowable costs guidance v7.3: cost lines agreed on the requirements of section 3 (appropriate 3.13, "
          "attributable 3.14, reasonable 3.15), cost types of section 5 (Parts A-I), cost recovery rates (4.9-4.12), "
          "escalation by a named index (A.4.1, B.1.1), credits (E.4.1). Money in £.")

    # Cost recovery rates (4.9-4.12)
    section(ws, "A5", "Cost recovery rates", "4.9: rate = cost pool / recovery base; 4.11 ii: the scopes of pool "
            "and base should match; 4.10: estimated or actual", cite_ref="J5")
    r0 = 7
    header(ws, r0 - 1, 1, ["", "Rate name", "Cost pool", "Recovery base", "Scope of the pool", "Scope of the base",
                           "Estimated or actual", "Rate (£ per unit)", "Scopes (4.11 ii)"])
    ws.row_dimensions[r0 - 1].height = 30
    for k in range(1, RATES + 1):
        r = r0 + k - 1
        row = case.rates[k - 1] if k <= len(case.rates) else {}
        label(ws, f"A{r}", str(k), note=True)
        for (key, _h, kind, fmt), col in zip(RATE_INPUTS, "BCDEFG"):
            layout.input(ws, f"{col}{r}", _name("Rate", key, k), row.get(key), kind, fmt,
                         f"recovery rate {k} {key}", optional=True)
        n = lambda key: _name("Rate", key, k)  # noqa: E731
        layout.output(ws, f"H{r}", n("value"), f'IF({n("name")}="","",{n("pool")}/{n("base")})', '£#,##0.00####')
        layout.output(ws, f"I{r}", n("scopes"),
                      f'IF({n("name")}="","",IF(OR({n("pool_scope")}="",{n("base_scope")}="",'
                      f'{n("pool_scope")}={n("base_scope")}),"match","review"))', "@")
    last_rate = r0 + RATES - 1
    layout.name_range("Rate_names", ws, f"B{r0}:B{last_rate}")
    layout.name_range("Rate_values", ws, f"H{r0}:H{last_rate}")

    # Escalation indices (A.4.1, B.1.1), beside the rates
    section(ws, "K5", "Escalation indices", "A.4.1, B.1.1: inflation evidenced against an index", cite_ref="N5")
    header(ws, r0 - 1, 11, ["Index", "", "", "Period", "Value"])
    for k in range(1, INDICES + 1):
        r = r0 + k - 1
        row = case.indices[k - 1] if k <= len(case.indices) else {}
        ws.merge_cells(f"K{r}:M{r}")
        for (key, _h, kind, fmt), col in zip(INDEX_INPUTS, "KNO"):
            layout.input(ws, f"{col}{r}", _name("Index", key, k), row.get(key), kind, fmt, f"index row {k} {key}",
                         optional=True)
    last_index = r0 + INDICES - 1
    for name, col in (("Index_names", "K"), ("Index_periods", "N"), ("Index_values", "O")):
        layout.name_range(name, ws, f"{col}{r0}:{col}{last_index}")

    # Totals by Part and status
    t = max(last_rate, last_index) + 2
    layout.table(ws, "cost recovery rates", r0, last_rate, 2, 9, RATES, "the model holds six rates", check_to=t - 1)
    layout.table(ws, "escalation indices", r0, last_index, 11, 15, INDICES, "the model holds ten index rows",
                 check_to=t - 1)
    section(ws, f"A{t}", "Totals by Part and status",
            "Every line in one bucket: claimed = allowable + pending + not agreed + excluded (sections 3 and 5)",
            cite_ref=f"D{t}")
    header(ws, t + 1, 1, ["Part", "Heading", "Claimed", "Allowable (agreed)", "Pending", "Not agreed",
                          "Excluded (not allowable)", "Lines"])
    ws.row_dimensions[t + 1].height = 30
    buckets = (("claimed", None), ("agreed", "agreed"), ("pending", "pending"), ("not_agreed", "not agreed"),
               ("excluded", "excluded"))
    for j, (part, key) in enumerate(zip(PARTS, PART_KEYS)):
        r = t + 2 + j
        label(ws, f"A{r}", key)
        label(ws, f"B{r}", PARTS[part])
        for (bucket, status), col in zip(buckets, "CDEFG"):
            crit = f'Line_part_col,"{key}"' + (f',Line_status_col,"{status}"' if status else "")
            layout.output(ws, f"{col}{r}", f"Part_{key}_{bucket}", f"SUMIFS(Line_net_col,{crit})", MONEY_2DP)
        layout.output(ws, f"H{r}", f"Part_{key}_lines", f'COUNTIFS(Line_part_col,"{key}")', "0")
    r = t + 2 + len(PARTS)
    label(ws, f"A{r}", "Total", bold=True)
    layout.name_range("Part_lines_col", ws, f"H{t + 2}:H{r - 1}")
    totals = (("C", "Lines_claimed", "SUM(Line_net_col)"), ("D", "Lines_allowable", "SUM(Line_allowable_col)"),
              ("E", "Lines_pending", 'SUMIFS(Line_net_col,Line_status_col,"pending")'),
              ("F", "Lines_not_agreed", 'SUMIFS(Line_net_col,Line_status_col,"not agreed")'),
              ("G", "Lines_excluded", 'SUMIFS(Line_net_col,Line_status_col,"excluded")'),
              ("H", "Lines_count", "SUM(Part_lines_col)"))
    for col, name, formula in totals:
        layout.output(ws, f"{col}{r}", name, formula, "0" if col == "H" else MONEY_2DP,
                      headline=name == "Lines_allowable")
    extra = (("Gap: claimed less allowable", "Lines_gap", "Lines_claimed-Lines_allowable"),
             ("Allowable: estimated costs (3.1)", "Lines_allowable_estimated",
              'SUMIFS(Line_allowable_col,Line_basis_col,"estimated")'),
             ("Allowable: actual costs (3.1)", "Lines_allowable_actual",
              'SUMIFS(Line_allowable_col,Line_basis_col,"actual")'))
    for k, (text, name, formula) in enumerate(extra, start=1):
        label(ws, f"B{r + k}", text, bold=k == 1)
        layout.output(ws, f"D{r + k}", name, formula, MONEY_2DP)
    end = r + len(extra)
    label(ws, f"B{end + 1}", "The risk contingency element (Risk register sheet) and the POCO deduction (Contract "
                             "sheet) are added and taken away on the Contract sheet, not entered as cost lines (H.2, "
                             "Part I).", note=True)
    for k, note in enumerate(case.notes, start=2):
        label(ws, f"B{end + k}", note, note=True)
    columns = list(LINE_INPUTS) + [(k, h, None, f, w) for k, h, f, w in LINE_OUTPUTS] + [EVIDENCE]
    col_of = {c[0]: get_column_letter(i) for i, c in enumerate(columns, start=1)}

    # Cost lines
    top = end + 3 + len(case.notes)
    section(ws, f"A{top}", "Cost lines", "Sections 3-5; 4.9; A.4.1, B.1.1; E.4.1", cite_ref=f"D{top}")
    label(ws, f"A{top + 1}", "Each line: gross = amount, or rate x quantity (4.9); escalated = gross x "
                             "index(price period) / index(base period) (A.4.1, B.1.1); net = escalated - credit (E.4.1); "
                             "allowable = net when agreed on all three requirements (3.13-3.15).", note=True)
    label(ws, f"A{top + 2}", "Not allowable types are excluded whatever their agreement, with the paragraph; "
                             "'depends' and 'generally not allowable' types count when agreed but call for review "
                             f"against the paragraph cited. The table holds {lines} lines: for more, {GROW} --lines N.",
          note=True)
    head_row = top + 3
    header(ws, head_row, 1, [c[1] for c in columns])
    ws.row_dimensions[head_row].height = 45
    first = head_row + 1
    for n in range(1, lines + 1):
        r = first + n - 1
        row = case.lines[n - 1] if n <= len(case.lines) else {}
        for key, _h, kind, fmt, _w in list(LINE_INPUTS) + [EVIDENCE]:
            layout.input(ws, f"{col_of[key]}{r}", _name("Line", key, n), row.get(key), kind, fmt,
                         f"cost line row {n} {key}", optional=True)
        L = lambda key: _name("Line", key, n)  # noqa: E731
        blank = f'{L("id")}=""'
        formulas = {
            "rate_value": f'IF(OR({blank},{L("rate")}=""),"",IF(ISNUMBER({L("rate")}),{L("rate")},'
                          f'INDEX(Rate_values,MATCH({L("rate")},Rate_names,0))))',
            "gross": f'IF({blank},"",IF(ISNUMBER({L("amount")}),{L("amount")},{L("rate_value")}*{L("quantity")}))',
            "factor": f'IF({blank},"",IF({L("index")}="",1,'
                      f'SUMIFS(Index_values,Index_names,{L("index")},Index_periods,{L("to")})/'
                      f'SUMIFS(Index_values,Index_names,{L("index")},Index_periods,{L("from")})))',
            "escalated": f'IF({blank},"",{L("gross")}*{L("factor")})',
            "net": f'IF({blank},"",MAX({L("escalated")}-{L("credit")},0))',
            "part": f'IF({blank},"",INDEX(Cost_type_parts,MATCH({L("type")},Cost_type_codes,0)))',
            "treatment": f'IF({blank},"",INDEX(Cost_type_treatments,MATCH({L("type")},Cost_type_codes,0)))',
            "paragraph": f'IF({blank},"",INDEX(Cost_type_paragraphs,MATCH({L("type")},Cost_type_codes,0)))',
            "status": f'IF({blank},"",IF({L("treatment")}="not allowable","excluded",'
                      f'IF(AND({L("appropriate")}="agreed",{L("attributable")}="agreed",{L("reasonable")}="agreed"),'
                      f'"agreed",IF(OR({L("appropriate")}="not agreed",{L("attributable")}="not agreed",'
                      f'{L("reasonable")}="not agreed"),"not agreed","pending"))))',
            "allowable": f'IF({blank},"",IF({L("status")}="agreed",{L("net")},0))',
        }
        for key, _h, fmt, _w in LINE_OUTPUTS:
            layout.output(ws, f"{col_of[key]}{r}", L(key), formulas[key], fmt)
            if fmt == "@":
                ws[f"{col_of[key]}{r}"].alignment = LEFT
    last = first + lines - 1
    for key in LINE_COLUMNS:
        layout.name_range(f"Line_{key}_col", ws, f"{col_of[key]}{first}:{col_of[key]}{last}")
    layout.table(ws, "cost lines", first, last, 1, len(columns), lines, f"{GROW} --lines N")

    widths = {col_of[c[0]]: c[-1] for c in columns}
    widths["A"] = 9
    widths["B"] = 42
    widths["D"] = 15
    widths["E"] = 13
    widths["G"] = 13
    widths["H"] = 13
    _widths(ws, widths)
    ws.freeze_panes = "C1"
    page_setup(ws, f"A1:{col_of['evidence']}{last}")
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.page_setup.fitToWidth = 2  # the inputs on one page, each line's figures on the next
    ws.print_title_cols = "A:B"
    return ws


def risk_sheet(layout: Layout, case: Case = BLANK, risks: int = RISKS) -> Worksheet:
    """The risk register sheet: the risk contingency element and the Monte Carlo simulation at the
    top, the register of ``risks`` rows below them, last on the sheet so that it can grow."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.styles import Alignment

    ws = layout.wb.create_sheet(RISK_SHEET)
    title(ws, "Risk register and the risk contingency element",
          "Allowable costs guidance v7.3: risk-affected costs at expected value (H.1.7) or by Monte Carlo simulation "
          "(H.1.6); the element is reported separately, zero with no risks (H.2.2, H.2.5). Money in £.")
    columns = list(RISK_INPUTS) + [(k, h, None, f, w) for k, h, f, w in RISK_OUTPUTS]
    col_of = {c[0]: get_column_letter(i) for i, c in enumerate(columns, start=1)}

    section(ws, "A5", "Risk contingency element", "H.1.7, H.2: the sum of the risks' expected values",
            cite_ref="D5")
    label(ws, "B6", "Risk contingency element at expected value (H.1.7, H.2)", bold=True)
    layout.output(ws, "C6", "Risk_EV", "SUM(Risk_EV_col)", MONEY_2DP, headline=True)
    label(ws, "D6", "Each component's share (its risks' expected values) is added to its allowable costs on the "
                    "Contract sheet.", note=True)

    # Monte Carlo simulation (H.1.6)
    m = 8
    section(ws, f"A{m}", "Monte Carlo simulation of the register", "H.1.6: each trial draws every risk's occurrence "
            "and impact; the same trials and seed give the same figures", cite_ref=f"D{m}")
    label(ws, f"B{m + 1}", "Trials")
    layout.input(ws, f"C{m + 1}", "MC_trials", case.trials, "trials", "#,##0", "Monte Carlo trials")
    label(ws, f"B{m + 2}", "Seed (numpy default generator)")
    layout.input(ws, f"C{m + 2}", "MC_seed", case.seed, "seed", "0", "Monte Carlo seed")
    label(ws, f"B{m + 3}", "Expected value (H.1.7), from above")
    layout.output(ws, f"C{m + 3}", "MC_EV", "Risk_EV", MONEY_2DP)
    figures = (("Simulated mean", "MC_mean"), ("Standard error of the mean", "MC_standard_error"),
               ("P50 (median)", "MC_P50"), ("P80", "MC_P80"), ("P90", "MC_P90"))
    for k, (text, name) in enumerate(figures, start=4):
        label(ws, f"B{m + k}", text)
        layout.value(ws, f"C{m + k}", name, MONEY_2DP, text)
    k = m + 4 + len(figures)
    label(ws, f"B{k}", "Simulated mean less expected value")
    layout.output(ws, f"C{k}", "MC_mean_less_EV", "MC_mean-MC_EV", MONEY_2DP)
    label(ws, f"D{m + 4}", "Green cells are computed by the sscr core at regeneration ('sscr regenerate' or Refresh): "
                           "no spreadsheet formula can repeat the simulation.", note=True)
    label(ws, f"D{m + 5}", "Percentiles interpolate between trials, as PERCENTILE.INC does; the mean converges to "
                           "the expected value, within a few standard errors.", note=True)

    h = k + 2
    section(ws, f"A{h}", "Histogram of the simulated total", "H.1.6 (computed by the sscr core)", cite_ref="D" + str(h))
    header(ws, h + 1, 2, ["Total from", "Total to", "Trials"])
    for b in range(1, BINS + 1):
        rr = h + 1 + b
        layout.value(ws, f"B{rr}", f"MC_bin_from_{b}", MONEY_2DP, f"histogram bin {b} from")
        layout.value(ws, f"C{rr}", f"MC_bin_to_{b}", MONEY_2DP, f"histogram bin {b} to")
        layout.value(ws, f"D{rr}", f"MC_count_{b}", "#,##0", f"histogram bin {b} trials")
        ws[f"B{rr}"].alignment = Alignment(horizontal="right")
    end = h + 1 + BINS
    chart = BarChart()
    chart.type = "col"
    chart.gapWidth = 10
    chart.title = "Simulated total of the risks (H.1.6)"
    chart.add_data(Reference(ws, min_col=4, min_row=h + 2, max_row=end), titles_from_data=False)
    chart.series[0].tx = SeriesLabel(v="trials")
    chart.set_categories(Reference(ws, min_col=3, min_row=h + 2, max_row=end))
    chart.legend = None
    chart.x_axis.number_format = '£#,##0'
    chart.x_axis.title = "simulated total, upper bound of each bin (£)"
    chart.y_axis.title = "trials"
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = 9, 20
    ws.add_chart(chart, f"F{h + 1}")

    # The register, last on the sheet
    top = end + 2
    section(ws, f"A{top}", "Risks", "A single impact with a probability, or minimum, most likely and maximum (a "
            "triangle: mean = (min + most likely + max) / 3) with a probability (1 if empty)", cite_ref=f"D{top}")
    label(ws, f"A{top + 1}", f"The register holds {risks} risks: for more, {GROW} --risks N.", note=True)
    head_row = top + 2
    header(ws, head_row, 1, [c[1] for c in columns])
    ws.row_dimensions[head_row].height = 30
    first = head_row + 1
    for n in range(1, risks + 1):
        r = first + n - 1
        row = case.risks[n - 1] if n <= len(case.risks) else {}
        for key, _h, kind, fmt, _w in RISK_INPUTS:
            layout.input(ws, f"{col_of[key]}{r}", _name("Risk", key, n), row.get(key), kind, fmt,
                         f"risk row {n} {key}", optional=True)
        R = lambda key: _name("Risk", key, n)  # noqa: E731
        blank = f'{R("id")}=""'
        formulas = {"p": f'IF({blank},"",IF(ISNUMBER({R("probability")}),{R("probability")},1))',
                    "mean": f'IF({blank},"",IF(ISNUMBER({R("impact")}),{R("impact")},'
                            f'({R("minimum")}+{R("most_likely")}+{R("maximum")})/3))',
                    "ev": f'IF({blank},"",{R("p")}*{R("mean")})'}
        for key, _h, fmt, _w in RISK_OUTPUTS:
            layout.output(ws, f"{col_of[key]}{r}", R(key), formulas[key], fmt)
    last = first + risks - 1
    layout.name_range("Risk_EV_col", ws, f"{col_of['ev']}{first}:{col_of['ev']}{last}")
    layout.name_range("Risk_component_col", ws, f"{col_of['component']}{first}:{col_of['component']}{last}")
    layout.table(ws, "risk register", first, last, 1, len(columns), risks, f"{GROW} --risks N")

    _widths(ws, {col_of[c[0]]: c[-1] for c in columns})
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 12
    page_setup(ws, f"A1:{get_column_letter(len(columns))}{last}")
    ws.print_title_rows = f"{head_row}:{head_row}"
    return ws


# --- compute ---------------------------------------------------------------------------------------

def _rows(inputs: Mapping[str, Any], prefix: str, keys: Sequence[str], count: int, id_key: str) -> list[tuple[int, dict]]:
    """The used rows of an input table: (row number, values by key). A row with values but no id
    (or name) is refused, naming the cell."""
    used = []
    for n in range(1, count + 1):
        row = {k: inputs.get(_name(prefix, k, n)) for k in keys}
        if all(v is None for v in row.values()):
            continue
        if row[id_key] is None:
            given = next(k for k, v in row.items() if v is not None)
            raise PricingInputError(f"{_name(prefix, given, n)} {checks.fmt(row[given])} is given but "
                                    f"{_name(prefix, id_key, n)} is empty: fill it in, or clear the row")
        used.append((n, row))
    return used


def _rate_table(rows: Sequence[tuple[int, dict]]) -> list[list[Any]]:
    return [["name", "cost_pool", "recovery_base", "pool_scope", "base_scope", "basis"]] + [
        [r["name"], r["pool"], r["base"], r["pool_scope"], r["base_scope"], r["basis"]] for _n, r in rows]


def _index_table(rows: Sequence[tuple[int, dict]]) -> list[list[Any]]:
    return [["index", "period", "value"]] + [[r["name"], r["period"], r["value"]] for _n, r in rows]


def _line_table(rows: Sequence[tuple[int, dict]]) -> list[list[Any]]:
    return [list(CORE_COLUMNS)] + [[r[k] for k in (c[0] for c in LINE_INPUTS)] + [r["evidence"]] for _n, r in rows]


def _risk_table(rows: Sequence[tuple[int, dict]]) -> list[list[Any]]:
    return [["id", "description", "probability", "impact", "minimum", "most_likely", "maximum"]] + [
        [cell_text(r["id"]), r["description"], r["probability"], r["impact"], r["minimum"], r["most_likely"],
         r["maximum"]] for _n, r in rows]


def _core(call: Any, rows: Sequence[tuple[int, dict]], table_of: Any, prefix: str, key: str, sheet: str) -> Any:
    """``call(table_of(rows))``; a refusal of one row is re-worded to name the row's cells, as the
    core numbers rows of the table it was given, not of the sheet."""
    try:
        return call(table_of(rows))
    except PricingInputError as whole:
        for n, row in rows:
            try:
                call(table_of([(n, row)]))
            except PricingInputError as one:
                text = re.sub(r"\brow 2\b", f"row {n}", str(one))
                raise PricingInputError(f"{text} (the row of {_name(prefix, key, n)} on the {sheet} sheet)") from None
        raise whole


def _tables(inputs: Mapping[str, Any], count: int = LINES) -> tuple[list[tuple[int, dict]], Any, Any]:
    lines = _rows(inputs, "Line", [c[0] for c in LINE_INPUTS] + ["evidence"], count, "id")
    rates = _rows(inputs, "Rate", [c[0] for c in RATE_INPUTS], RATES, "name")
    indices = _rows(inputs, "Index", [c[0] for c in INDEX_INPUTS], INDICES, "name")
    rate_table = index_table = None
    if rates:
        _core(recovery_rates_from_table, rates, _rate_table, "Rate", "name", BUILD_UP_SHEET)
        rate_table = _rate_table(rates)
    if indices:
        _core(index_series_from_table, indices, _index_table, "Index", "name", BUILD_UP_SHEET)
        index_table = _index_table(indices)
    return lines, rate_table, index_table


def build_up(inputs: Mapping[str, Any], count: int = LINES):
    """The core's build-up of the sheet's cost lines, with the sheet's row of each line."""
    lines, rate_table, index_table = _tables(inputs, count)
    if not lines:  # no cost lines: nothing allowable from them
        return [], AllowableCosts((), StatusTotals(0.0, 0.0, 0.0, 0.0, 0.0, 0), (), (), 0.0, 0.0, 0.0)
    result = _core(lambda table: allowable_costs(table, recovery_rates=rate_table, indices=index_table), lines,
                   _line_table, "Line", "id", BUILD_UP_SHEET)
    return [n for n, _r in lines], result


def _risk_rows(inputs: Mapping[str, Any], count: int = RISKS) -> tuple[list[tuple[int, dict]], list[list[Any]], Any]:
    risks = _rows(inputs, "Risk", [c[0] for c in RISK_INPUTS], count, "id")
    element = _core(risk_contingency_element, risks, _risk_table, "Risk", "id", RISK_SHEET)
    return risks, _risk_table(risks), element


def compute_build_up(inputs: Mapping[str, Any], lines: int = LINES) -> dict[str, Any]:
    """Every figure of the Cost build-up sheet, from sscr.allowable_costs."""
    rows, result = build_up(inputs, lines)
    out: dict[str, Any] = {}
    for k in range(1, RATES + 1):
        out[_name("Rate", "value", k)] = None
        out[_name("Rate", "scopes", k)] = None
    for rate in result.recovery_rates:
        k = next(k for k in range(1, RATES + 1) if cell_text(inputs.get(_name("Rate", "name", k))) == rate.name)
        out[_name("Rate", "value", k)] = float(rate.rate)
        out[_name("Rate", "scopes", k)] = "match" if rate.scopes_match else "review"
    for n in range(1, lines + 1):
        for key, *_rest in LINE_OUTPUTS:
            out[_name("Line", key, n)] = None
    for n, line in zip(rows, result.lines):
        out.update({
            _name("Line", "rate_value", n): line.rate,
            _name("Line", "gross", n): line.gross,
            _name("Line", "factor", n): line.escalation_factor,
            _name("Line", "escalated", n): line.escalated,
            _name("Line", "net", n): line.net,
            _name("Line", "part", n): line.part or GENERAL,
            _name("Line", "treatment", n): line.cost_type.treatment,
            _name("Line", "paragraph", n): line.cost_type.paragraph,
            _name("Line", "status", n): line.status,
            _name("Line", "allowable", n): line.allowable,
        })
    by_part = dict(result.by_part)
    for part, key in zip(PARTS, PART_KEYS):
        t = by_part.get(part)
        out[f"Part_{key}_claimed"] = t.claimed if t else 0.0
        out[f"Part_{key}_agreed"] = t.allowable if t else 0.0
        out[f"Part_{key}_pending"] = t.pending if t else 0.0
        out[f"Part_{key}_not_agreed"] = t.not_agreed if t else 0.0
        out[f"Part_{key}_excluded"] = t.excluded if t else 0.0
        out[f"Part_{key}_lines"] = float(t.lines) if t else 0.0
    t = result.totals
    out.update({"Lines_claimed": t.claimed, "Lines_allowable": t.allowable, "Lines_pending": t.pending,
                "Lines_not_agreed": t.not_agreed, "Lines_excluded": t.excluded, "Lines_count": float(t.lines),
                "Lines_gap": t.gap, "Lines_allowable_estimated": result.allowable_estimated,
                "Lines_allowable_actual": result.allowable_actual})
    return out


def compute_risk(inputs: Mapping[str, Any], count: int = RISKS) -> dict[str, Any]:
    """Every figure of the Risk register sheet: expected values (risk_contingency_element) and the
    Monte Carlo simulation (simulate_risk) with the sheet's trials and seed."""
    risks, table, element = _risk_rows(inputs, count)
    out: dict[str, Any] = {}
    for n in range(1, count + 1):
        for key, *_rest in RISK_OUTPUTS:
            out[_name("Risk", key, n)] = None
    for (n, _r), risk in zip(risks, element.risks):
        out[_name("Risk", "p", n)] = risk.probability
        out[_name("Risk", "mean", n)] = risk.mean_impact
        out[_name("Risk", "ev", n)] = risk.expected_value
    out["Risk_EV"] = element.expected_value
    out["MC_EV"] = element.expected_value
    sim = simulate_risk(table, trials=inputs["MC_trials"], seed=inputs["MC_seed"], bins=BINS)
    # the sheet's MC_mean - MC_EV, with the expected value added up risk by risk down the register as the
    # sheet's SUM adds it: a difference of two large figures keeps their last digits, so the core's figure
    # is the same subtraction, not one against the exactly rounded sum
    in_order = 0.0
    for risk in element.risks:
        in_order += risk.expected_value
    out.update({"MC_mean": sim.mean, "MC_standard_error": sim.standard_error, "MC_P50": sim.p50, "MC_P80": sim.p80,
                "MC_P90": sim.p90, "MC_mean_less_EV": sim.mean - in_order})
    for b in range(1, BINS + 1):
        inside = b <= len(sim.counts)
        out[f"MC_bin_from_{b}"] = sim.bin_edges[b - 1] if inside else None
        out[f"MC_bin_to_{b}"] = sim.bin_edges[b] if inside else None
        out[f"MC_count_{b}"] = float(sim.counts[b - 1]) if inside else None
    return out


def component_build_up(inputs: Mapping[str, Any], components: int, prefix: str = "", lines: int = LINES,
                       risks: int = RISKS) -> dict[int, tuple[float, float]]:
    """By component number: (agreed cost lines, risk contingency element at expected value) of the
    lines and risks that name the component. Every line and risk names a component of the Contract
    sheet priced by the pricing formula, exactly as it is written there (4.5)."""
    names: dict[str, int] = {}
    formula: dict[int, bool] = {}
    for i in range(1, components + 1):
        name = inputs.get(f"{prefix}Name_{i}")
        if name is not None:
            names[cell_text(name)] = i
            method = inputs.get(f"{prefix}Method_{i}")
            formula[i] = method is not None and method_kind(method, f"{prefix}Method_{i}") == "formula"
    known = ", ".join(names) or "none named yet"

    def owner(value: Any, cell: str, what: str) -> int:
        name = cell_text(value)
        if not name:
            raise PricingInputError(f"{cell} is empty: attribute the {what} to a component named on the Contract sheet "
                                    f"({known}); a cost is attributed to one component (guidance 4.5)")
        if name not in names:
            raise PricingInputError(f"{cell} {checks.fmt(value)} is not a component named on the Contract sheet "
                                    f"({known}): write the name exactly as it is there")
        i = names[name]
        if not formula[i]:
            raise PricingInputError(f"{cell} {checks.fmt(value)} names a component priced by an alternative method: "
                                    f"only components priced by the pricing formula have allowable costs")
        return i

    lines_of: dict[int, list[float]] = {}
    risks_of: dict[int, list[float]] = {}
    rows, result = build_up(inputs, lines)
    for n, line in zip(rows, result.lines):
        i = owner(inputs.get(_name("Line", "component", n)), _name("Line", "component", n), "cost line")
        lines_of.setdefault(i, []).append(line.allowable)
    registered, _table, element = _risk_rows(inputs, risks)
    for (n, r), risk in zip(registered, element.risks):
        i = owner(r["component"], _name("Risk", "component", n), "risk")
        risks_of.setdefault(i, []).append(risk.expected_value)
    return {i: (math.fsum(lines_of.get(i, ())), math.fsum(risks_of.get(i, ()))) for i in {*lines_of, *risks_of}}
