"""The building blocks of the template workbooks: input and computed cells with workbook-level
defined names, the house styles, citations, and the Rates sheet.

A template is laid out by code with openpyxl (:class:`Layout`). Every input and every computed cell
gets a defined name; the fill reads and writes cells by those names only, never by address, so a
template can be rearranged without touching the fill. Computed cells hold native Excel formulas
(plain arithmetic over defined names, IF, INDEX/MATCH, SUM, MAX): never an add-in function, so the
workbook calculates in any spreadsheet application.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sscr.rates import RateTable

if TYPE_CHECKING:  # openpyxl is imported where a workbook is laid out, not to read a spec
    from openpyxl import Workbook
    from openpyxl.styles import Font, NamedStyle
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

#: Defined name holding the template's key as a text constant: how regeneration knows the layout.
TEMPLATE_NAME = "SSCR_template"
TEMPLATE_VERSION_NAME = "SSCR_template_version"

# Number formats: money as the guidance prints it; rates as per cent; a dash for an empty step.
MONEY = '£#,##0;-£#,##0'
MONEY_2DP = '£#,##0.00;-£#,##0.00'
MILLIONS = '#,##0.00;-#,##0.00'
PERCENT = '0.00%'
PERCENT_DASH = '0.00%;-0.00%;"-"'
PERCENT_1DP = '0.0%'
RATIO_1DP = '0.0'
RATIO_2DP = '0.00;-0.00;"-"'
PER_CENT_FIGURE = '0.00##'
DATE = 'd mmm yyyy'
TEXT = '@'

_ABSOLUTE = re.compile(r"([A-Z]+)(\d+)")

#: The fill colour of a computed cell (the "SSCR computed" and "SSCR headline" styles), ARGB.
COMPUTED_RGB = "FFDDEBF7"


#: The house styles (:mod:`.styles`) this module hands out by name.
_STYLES = frozenset({"LEFT", "WRAP_TOP", "THIN", "BOX", "INPUT_FILL", "COMPUTED_FILL", "HEADER_FILL", "TITLE_FONT", "SECTION_FONT",
                     "CITE_FONT", "HEADER_FONT", "NOTE_FONT", "WARN_FONT"})


def __getattr__(name: str) -> Any:
    """The house styles (fonts, fills, borders: :mod:`.styles`), openpyxl objects made on first use."""
    if name in _STYLES:
        from . import styles
        return getattr(styles, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class InputSpec:
    """An input cell: its defined name, what it is, the rule its value must meet (``kind``) and the
    guidance figure the template ships with."""

    name: str
    label: str
    kind: str
    default: Any
    optional: bool = False
    sheet: str = ""
    ref: str = ""


@dataclass(frozen=True)
class OutputSpec:
    """A computed cell: its defined name and its native Excel formula (without the '=')."""

    name: str
    label: str
    formula: str
    sheet: str = ""
    ref: str = ""
    number_format: str = "General"


@dataclass(frozen=True)
class ValueSpec:
    """A figure no native formula can compute (a Monte Carlo percentile, say): the sscr core writes it
    as the cell's value at each regeneration. Its defined name, what it is and its place."""

    name: str
    label: str
    sheet: str = ""
    ref: str = ""
    number_format: str = "General"


@dataclass(frozen=True)
class TableSpec:
    """An input table of fixed rows (cost lines, risks, components, supply chain contracts) and the
    cells around it where a value would be outside the model: in the table's columns and the column
    beside it, from ``first_row`` to ``check_to`` (None: the end of the sheet). A value there in a
    cell the template leaves empty (``occupied`` lists the cells it fills) is refused, naming the
    cell and how to grow the table (``grow``)."""

    title: str
    sheet: str
    first_row: int
    last_row: int
    first_col: int
    last_col: int
    rows: int
    grow: str
    check_to: int | None = None
    occupied: frozenset[str] = frozenset()


STATUS_LIST = ("agreed", "not agreed", "pending")
BASIS_LIST = ("estimated", "actual")
#: The largest seed a cell holds exactly (2^53).
MAX_SEED = 9007199254740992

#: kind -> (data validation, the rule shown in Excel's input message)
VALIDATION: dict[str, tuple[dict[str, Any] | None, str]] = {
    "money": ({"type": "decimal", "operator": "between", "formula1": "-10000000000000",
               "formula2": "10000000000000"}, "an amount of money"),
    "money+": ({"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"},
               "an amount of money, zero or more"),
    "positive": ({"type": "decimal", "operator": "greaterThan", "formula1": "0"}, "a number above zero"),
    "bpr": ({"type": "decimal", "operator": "between", "formula1": "0", "formula2": "0.99"},
            "a baseline profit rate as a percentage, e.g. 8.24%"),
    "cra": ({"type": "decimal", "operator": "between", "formula1": "-0.25", "formula2": "0.25"},
            "-25% to +25% of the baseline profit rate (regulation 11(3))"),
    "ia": ({"type": "decimal", "operator": "between", "formula1": "0", "formula2": "0.02"},
           "0 to 2 percentage points, e.g. 1% for 1pp (regulation 11(6))"),
    "ia_capped": ({"type": "decimal", "operator": "between", "formula1": "0", "formula2": "IA_cap"},
                  "0 up to the maximum incentive adjustment in force (IA_cap on the Contract sheet): 2 percentage "
                  "points, or 10 for a qualifying defence contract agreed on or after 5 June 2026 (regulation 11(6) as "
                  "amended)"),
    "date": ({"type": "date", "operator": "greaterThanOrEqual", "formula1": "41991"},
             "a date on or after 18 December 2014, when the regulations came into force"),
    "contract_kind": ({"type": "list", "formula1": '"QDC,QSC"'},
                      "QDC (a qualifying defence contract) or QSC (a qualifying sub-contract)"),
    "rate": ({"type": "decimal", "operator": "between", "formula1": "-0.99", "formula2": "0.99"},
             "a rate as a percentage, e.g. 3.01% for 3.01pp"),
    "year": ({"type": "list", "formula1": "Rates_year"},
             "a financial year on the Rates sheet, written like 2024/25"),
    "method": ({"type": "list", "formula1": "Pricing_methods"},
               "a pricing method: formula (or a default pricing method) or an alternative method"),
    "text": (None, "text"),
    "status": ({"type": "list", "formula1": '"' + ",".join(STATUS_LIST) + '"'},
               "agreed, not agreed or pending (allowable costs guidance 3.13-3.15)"),
    "basis": ({"type": "list", "formula1": '"' + ",".join(BASIS_LIST) + '"'}, "estimated or actual (3.1)"),
    "cost_type": ({"type": "list", "formula1": "Cost_type_codes"},
                  "a cost type code from the Cost types sheet, e.g. A.1 or C.3 (section 5)"),
    "probability": ({"type": "decimal", "operator": "between", "formula1": "0", "formula2": "1"},
                    "a probability as a fraction from 0 to 1, e.g. 20% or 0.2"),
    "quantity": ({"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"},
                 "a quantity, zero or more"),
    "trials": ({"type": "whole", "operator": "between", "formula1": "1", "formula2": "10000000"},
               "a whole number of trials from 1 to 10,000,000"),
    "seed": ({"type": "decimal", "operator": "between", "formula1": "0", "formula2": str(MAX_SEED)},
             "a whole number from 0 to 2^53: the same seed gives the same simulation"),
    "rate_or_name": (None, "the name of a cost recovery rate, or pounds per unit of the base"),
    "period": (None, "a period of the index table, e.g. 2025"),
    "component": ({"type": "list", "formula1": "Names"}, "the name of a component on the Contract sheet"),
    "index": ({"type": "list", "formula1": "Index_names"}, "an index of the Escalation indices table"),
}


class _Anything:
    """Accepts any attribute, item or call and remembers nothing: the page setup, dimensions and
    styles of a sheet laid out only for its spec."""

    def __getattr__(self, name: str) -> "_Anything":
        return _Anything()

    def __setattr__(self, name: str, value: Any) -> None:
        pass

    def __getitem__(self, key: Any) -> "_Anything":
        return _Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> "_Anything":
        return _Anything()

    def __bool__(self) -> bool:
        return False


class _DryCell:
    """A cell of a dry sheet: its value is kept (the tables' checks need the cells a template
    fills); its looks are not."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "value":
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        return _Anything()


class _DrySheet:
    """A worksheet stand-in that records cell values and merged areas only: laying a template out on
    it gives the same names and specs as a workbook, at a fraction of the cost (a model of
    thousands of rows is laid out at every regeneration)."""

    PAPERSIZE_A4 = "9"

    def __init__(self, title: str):
        self.title = title
        self._cells: dict[tuple[int, int], _DryCell] = {}
        self.merged_cells = _Ranges()

    def cell(self, row: int, column: int, value: Any = None) -> _DryCell:
        cell = self._cells.get((row, column))
        if cell is None:
            cell = self._cells[(row, column)] = _DryCell()
        if value is not None:
            cell.value = value
        return cell

    def __getitem__(self, ref: str) -> _DryCell:
        from openpyxl.utils.cell import coordinate_to_tuple
        row, col = coordinate_to_tuple(ref)
        return self.cell(row, col)

    def __setitem__(self, ref: str, value: Any) -> None:
        self[ref].value = value

    def merge_cells(self, ref: str) -> None:
        from openpyxl.worksheet.cell_range import CellRange
        self.merged_cells.ranges.append(CellRange(ref))

    def __getattr__(self, name: str) -> Any:
        return _Anything()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("title", "_cells", "merged_cells"):
            object.__setattr__(self, name, value)


class _Ranges:
    def __init__(self) -> None:
        self.ranges: list[CellRange] = []


class _DryBook:
    """A workbook stand-in for :class:`_DrySheet` sheets."""

    def __init__(self) -> None:
        self.sheets: dict[str, _DrySheet] = {}
        self.named_styles: list[str] = []

    def create_sheet(self, title: str) -> _DrySheet:
        self.sheets[title] = _DrySheet(title)
        return self.sheets[title]

    def __getitem__(self, title: str) -> _DrySheet:
        return self.sheets[title]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def add_named_style(self, style: NamedStyle) -> None:
        self.named_styles.append(style.name)


class Layout:
    """Lays out one template workbook and records its inputs and computed cells. A dry layout
    (``dry=True``, on a :class:`_DryBook`) records the same names and specs without a workbook."""

    def __init__(self, wb: Workbook, key: str, version: int, *, dry: bool = False):
        self.wb = wb
        self.dry = dry
        self._names: set[str] = set()
        self._name_text: dict[str, str] = {}
        self.key = key
        self.inputs: dict[str, InputSpec] = {}
        self.outputs: dict[str, OutputSpec] = {}
        self.values: dict[str, ValueSpec] = {}
        self.tables: list[TableSpec] = []
        self._validations: dict[tuple[str, str], DataValidation] = {}
        if dry:
            wb.named_styles.extend(("SSCR input", "SSCR computed", "SSCR headline"))
        else:
            from .styles import named_styles
            for style in named_styles():
                wb.add_named_style(style)
        self._define(TEMPLATE_NAME, f'"{key}"')
        self._define(TEMPLATE_VERSION_NAME, str(version))

    def _define(self, name: str, value: str) -> None:
        if name in self._names:
            raise ValueError(f"defined name {name} is used twice in the {self.key} template")
        self._names.add(name)
        self._name_text[name] = value
        if not self.dry:
            from openpyxl.workbook.defined_name import DefinedName
            self.wb.defined_names[name] = DefinedName(name, attr_text=value)

    def name_range(self, name: str, ws: Worksheet, ref: str) -> None:
        """A workbook-level name for a cell or range: ``'Sheet'!$A$1:$B$2``."""
        absolute = _ABSOLUTE.sub(r"$\1$\2", ref)
        sheet = ws.title.replace("'", "''")
        self._define(name, f"'{sheet}'!{absolute}")

    def input(self, ws: Worksheet, ref: str, name: str, default: Any, kind: str, number_format: str = "General",
              label: str = "", *, optional: bool = False) -> None:
        """An input cell: input style, validation by kind, a defined name and the guidance figure."""
        cell = ws[ref]
        cell.value = default
        cell.style = "SSCR input"
        cell.number_format = number_format
        if kind in ("text", "year", "method", "status", "basis", "cost_type", "rate_or_name", "component", "index",
                    "contract_kind") and not self.dry:
            from .styles import LEFT
            cell.alignment = LEFT
        self.name_range(name, ws, ref)
        self.inputs[name] = InputSpec(name, label or name, kind, default, optional, ws.title, ref)
        rule, prompt = VALIDATION[kind]
        if rule is not None and not self.dry:
            key = (ws.title, kind + ("?" if optional else ""))
            from openpyxl.worksheet.cell_range import CellRange
            from openpyxl.worksheet.datavalidation import DataValidation
            dv = self._validations.get(key)
            if dv is None:
                dv = DataValidation(allow_blank=optional, showErrorMessage=True, showInputMessage=True,
                                    errorTitle="Input outside its rule", error=f"Enter {prompt}.",
                                    promptTitle="Input", prompt=f"Enter {prompt}."[:255], **rule)
                ws.add_data_validation(dv)
                self._validations[key] = dv
            # straight into the range set: DataValidation.add checks containment against every range
            # already held, which is quadratic in a table of thousands of rows
            dv.sqref.ranges.add(CellRange(ref))

    def output(self, ws: Worksheet, ref: str, name: str, formula: str, number_format: str = "General",
               label: str = "", *, headline: bool = False) -> None:
        """A computed cell: a native formula over defined names, computed style, a defined name."""
        formula = formula.lstrip("=")
        cell = ws[ref]
        cell.value = "=" + formula
        cell.style = "SSCR headline" if headline else "SSCR computed"
        cell.number_format = number_format
        self.name_range(name, ws, ref)
        self.outputs[name] = OutputSpec(name, label or name, formula, ws.title, ref, number_format)


    def table(self, ws: Worksheet, title: str, first_row: int, last_row: int, first_col: int, last_col: int,
              rows: int, grow: str, *, check_to: int | None = None) -> None:
        """Declare an input table of ``rows`` rows at ``first_row``..``last_row``, columns
        ``first_col``..``last_col`` (1-based): values typed beside it or below it (to ``check_to``,
        None for the end of the sheet) are refused (:class:`TableSpec`). Call once the sheet is laid
        out, so that the cells it fills are known."""
        self.tables.append(TableSpec(title, ws.title, first_row, last_row, first_col, last_col, rows, grow, check_to))

    def finish_tables(self) -> None:
        """Record the cells the template fills around each table (after every sheet is laid out)."""
        from openpyxl.utils import get_column_letter
        done = []
        for t in self.tables:
            ws = self.wb[t.sheet]
            taken = set()
            for (row, col), cell in ws._cells.items():
                if t.first_col <= col <= t.last_col + 1 and row >= t.first_row and (
                        t.check_to is None or row <= t.check_to) and cell.value is not None:
                    taken.add(f"{get_column_letter(col)}{row}")
            for spec in (*self.inputs.values(), *self.outputs.values(), *self.values.values()):
                if spec.sheet == t.sheet:  # an input left empty is the table's too
                    taken.add(spec.ref)
            for merged in ws.merged_cells.ranges:  # a merged area is the template's
                for row in range(merged.min_row, merged.max_row + 1):
                    for col in range(merged.min_col, merged.max_col + 1):
                        taken.add(f"{get_column_letter(col)}{row}")
            done.append(TableSpec(t.title, t.sheet, t.first_row, t.last_row, t.first_col, t.last_col, t.rows,
                                  t.grow, t.check_to, frozenset(taken)))
        self.tables = done

    def value(self, ws: Worksheet, ref: str, name: str, number_format: str = "General", label: str = "") -> None:
        """A cell the sscr core writes at regeneration (no native formula can compute it): core
        value style, a defined name; its figure is the core's, never typed."""
        if "SSCR core value" not in self.wb.named_styles:  # only in templates that have such cells
            if self.dry:
                self.wb.named_styles.append("SSCR core value")
            else:
                from .styles import core_value_style
                self.wb.add_named_style(core_value_style())
        cell = ws[ref]
        cell.style = "SSCR core value"
        cell.number_format = number_format
        self.name_range(name, ws, ref)
        self.values[name] = ValueSpec(name, label or name, ws.title, ref, number_format)


# --- text helpers --------------------------------------------------------------------------------

def title(ws: Worksheet, text: str, subtitle: str) -> None:
    from .styles import CITE_FONT, NOTE_FONT, TITLE_FONT
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    ws["A2"] = subtitle
    ws["A2"].font = CITE_FONT
    ws["A3"] = ("Yellow cells are inputs; blue cells are computed by the formulas shown, and "
                "'sscr regenerate' fills them from the sscr pricing core. A red cell was changed by hand: see its comment.")
    ws["A3"].font = NOTE_FONT


def section(ws: Worksheet, ref: str, text: str, cite: str = "", cite_ref: str | None = None) -> None:
    from .styles import CITE_FONT, SECTION_FONT
    ws[ref] = text
    ws[ref].font = SECTION_FONT
    if cite:
        target = cite_ref or _right_of(ref, 0, 1)
        ws[target] = cite
        ws[target].font = CITE_FONT


def header(ws: Worksheet, row: int, col: int, values: list[str]) -> None:
    from openpyxl.styles import Alignment

    from .styles import HEADER_FILL, HEADER_FONT
    for i, text in enumerate(values):
        cell = ws.cell(row=row, column=col + i, value=text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def label(ws: Worksheet, ref: str, text: str, *, note: bool = False, bold: bool = False) -> None:
    ws[ref] = text
    if note:
        from .styles import NOTE_FONT
        ws[ref].font = NOTE_FONT
    elif bold:
        from openpyxl.styles import Font
        ws[ref].font = Font(name="Calibri", size=11, bold=True)


def _right_of(ref: str, drow: int, dcol: int) -> str:
    from openpyxl.utils.cell import coordinate_from_string, get_column_letter, column_index_from_string
    letters, row = coordinate_from_string(ref)
    return f"{get_column_letter(column_index_from_string(letters) + dcol)}{row + drow}"


def page_setup(ws: Worksheet, print_area: str) -> None:
    """Print on A4 landscape, one page wide (a sheet may ask for more pages across), so a reviewer's
    PDF reads like the guidance's table. :func:`finish_print` completes the page setup of every
    sheet once the workbook is laid out."""
    ws.print_area = print_area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.sheet_view.showGridLines = False


# --- printing ------------------------------------------------------------------------------------

#: Width of one character of prose in column-width units at 11 point, generous for the fonts a
#: spreadsheet application substitutes for Calibri (so an estimate errs towards wrapping).
CHAR_WIDTH = 0.9
#: Excel's width of a column with no width of its own.
DEFAULT_COLUMN_WIDTH = 8.43
#: Number formats whose figures a component left empty should not print (its column stays blank).
_EMPTY_COMPONENT_FORMAT = ";;;"
_INDEXED = re.compile(r"^(.+)_(\d+)$")


def _text_width(text: str, font: Font | None) -> float:
    size = float(font.sz) if font is not None and font.sz else 11.0
    bold = 1.08 if font is not None and font.b else 1.0
    longest = max((len(line) for line in text.split("\n")), default=0)
    return longest * CHAR_WIDTH * bold * size / 11.0 + 1.0


def _lines(text: str, font: Font | None, width: float) -> int:
    size = float(font.sz) if font is not None and font.sz else 11.0
    per_line = max(1.0, (width - 1.0) / (CHAR_WIDTH * size / 11.0 * (1.08 if font is not None and font.b else 1.0)))
    count = 0
    for line in text.split("\n"):
        words, current, n = line.split(" "), 0, 1
        for word in words:  # greedy word wrap, as the spreadsheet wraps
            need = len(word) if current == 0 else current + 1 + len(word)
            if need > per_line and current > 0:
                n += 1
                current = len(word)
            else:
                current = need
        count += n
    return count


def _column_widths(ws: Worksheet, first: int, last: int) -> dict[int, float]:
    from openpyxl.utils import get_column_letter
    widths = {}
    for col in range(first, last + 1):
        dim = ws.column_dimensions.get(get_column_letter(col))
        widths[col] = float(dim.width) if dim is not None and dim.customWidth and dim.width else DEFAULT_COLUMN_WIDTH
    return widths


def _page_ends(ws: Worksheet, first: int, last: int, widths: Mapping[int, float]) -> dict[int, int]:
    """For each column of the print area, the last column printed on the same page: the whole area
    on a sheet one page wide. On a sheet of several pages across, as the spreadsheet application
    lays it out: the largest scale at which the columns, packed page by page with the repeated
    columns on each, take no more pages than the sheet asks; a text in a repeated column stays
    within them."""
    pages = int(ws.page_setup.fitToWidth or 1)
    if pages <= 1:
        return {col: last for col in range(first, last + 1)}
    title_cols: range = range(0)
    if ws.print_title_cols:
        from openpyxl.utils import column_index_from_string
        lo, _, hi = ws.print_title_cols.replace("$", "").partition(":")
        title_cols = range(column_index_from_string(lo), column_index_from_string(hi or lo) + 1)
    titles = sum(widths.get(c, 0.0) for c in title_cols)

    def pack(capacity: float) -> list[list[int]]:
        done: list[list[int]] = []
        page: list[int] = []
        used = 0.0
        for col in range(first, last + 1):
            room = capacity - (titles if done else 0.0)
            if page and used + widths[col] > room:
                done.append(page)
                page, used = [], 0.0
            page.append(col)
            used += widths[col]
        return done + [page]

    lo_cap, hi_cap = max(widths.values()) + titles, sum(widths.values())
    for _ in range(40):  # the smallest page (the largest scale) that needs no more pages than asked
        mid = (lo_cap + hi_cap) / 2
        lo_cap, hi_cap = (lo_cap, mid) if len(pack(mid)) <= pages else (mid, hi_cap)
    ends = {c: page[-1] for page in pack(hi_cap) for c in page}
    for c in title_cols:  # repeated on every page: a text there stays within them
        ends[c] = title_cols[-1]
    return ends


def _is_free(ws: Worksheet, row: int, col: int, merged: set[tuple[int, int]]) -> bool:
    """A cell that holds nothing and has no style of its own (not an input, output or table cell)."""
    if (row, col) in merged:
        return False
    cell = ws._cells.get((row, col))
    return cell is None or (cell.value is None and not cell.has_style)


def fit_texts(ws: Worksheet) -> None:
    """Make every text of the print area print whole: a text longer than the free cells to its
    right on its page (titles, subtitles, citations, notes) is merged across them and wrapped, its
    row made tall enough for its lines; a text in a cell that cannot spread (the last column, a
    merged area) wraps within it."""
    from openpyxl.utils.cell import range_boundaries

    if not ws.print_area:
        return
    area = str(ws.print_area).split(",")[0].split("!")[-1].replace("$", "")
    first_col, first_row, last_col, last_row = range_boundaries(area)
    widths = _column_widths(ws, first_col, last_col)
    ends = _page_ends(ws, first_col, last_col, widths)
    merged: set[tuple[int, int]] = set()
    anchors: dict[tuple[int, int], CellRange] = {}
    for rng in ws.merged_cells.ranges:
        anchors[(rng.min_row, rng.min_col)] = rng
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    merged.add((r, c))
    merged.update(_under_charts(ws, widths))  # a text does not run under a chart
    texts = sorted((key, cell) for key, cell in ws._cells.items()
                   if isinstance(cell.value, str) and not cell.value.startswith("=")
                   and first_row <= key[0] <= last_row and first_col <= key[1] <= last_col and key not in merged)
    for (row, col), cell in texts:
        if cell.alignment is not None and cell.alignment.wrap_text:  # wraps already: tall enough for its lines
            rng = anchors.get((row, col))
            room = sum(widths[c] for c in range(rng.min_col, rng.max_col + 1)) if rng else widths[col]
            if rng is None or rng.min_row == rng.max_row:
                _make_room(ws, row, cell, room)
            continue
        horizontal = cell.alignment.horizontal if cell.alignment is not None else None
        need = _text_width(cell.value, cell.font)
        if (row, col) in anchors:
            rng = anchors[(row, col)]
            span = list(range(rng.min_col, min(rng.max_col, last_col) + 1))
        else:
            span = [col]
            if horizontal in (None, "general", "left"):  # text spreads into the free cells to its right
                while span[-1] < ends[col] and _is_free(ws, row, span[-1] + 1, merged) and \
                        sum(widths[c] for c in span) < need:
                    span.append(span[-1] + 1)
        room = sum(widths[c] for c in span)
        if need <= room:
            continue
        if len(span) > 1 and (row, col) not in anchors:
            ws.merge_cells(start_row=row, start_column=span[0], end_row=row, end_column=span[-1])
            merged.update((row, c) for c in span[1:])
        from openpyxl.styles import Alignment
        cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
        _make_room(ws, row, cell, room)


def _under_charts(ws: Worksheet, widths: Mapping[int, float]) -> set[tuple[int, int]]:
    """The cells each chart of the sheet covers, from its anchor cell and its size (a column-width
    unit is about 0.19 cm, a row 0.53 cm)."""
    from openpyxl.utils.cell import coordinate_to_tuple
    covered: set[tuple[int, int]] = set()
    for chart in ws._charts:
        anchor = chart.anchor if isinstance(chart.anchor, str) else None
        if anchor is None:
            continue
        row, col = coordinate_to_tuple(anchor)
        last_col, room = col, float(chart.width) / 0.19
        while room > 0:
            room -= widths.get(last_col, DEFAULT_COLUMN_WIDTH)
            last_col += 1
        rows = int(float(chart.height) / 0.53) + 1
        covered.update((r, c) for r in range(row, row + rows) for c in range(col, last_col))
    return covered


def _make_room(ws: Worksheet, row: int, cell: Any, width: float) -> None:
    """The row tall enough for the cell's text wrapped in ``width``."""
    size = float(cell.font.sz) if cell.font is not None and cell.font.sz else 11.0
    lines = _lines(cell.value, cell.font, width)
    height = lines * size * 1.32 + 2
    dim = ws.row_dimensions[row]
    if lines > 1 and (dim.height is None or dim.height < height):
        dim.height = round(height, 1)


def _area_rows(ws: Worksheet) -> int:
    from openpyxl.utils.cell import range_boundaries
    _, first_row, _, last_row = range_boundaries(str(ws.print_area).split(",")[0].split("!")[-1].replace("$", ""))
    return last_row - first_row + 1


def hide_empty_components(layout: "Layout") -> None:
    """A component column with no name prints no figures: the computed cells of component i (the
    names ``..._i`` in the column of ``Name_i``, on the sheets laid out a component to a column) get
    a conditional number format showing nothing while ``Name_i`` is empty. Their values are kept."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.styles.numbers import NumberFormat
    from openpyxl.utils.cell import coordinate_from_string

    names = {k: v for k, v in layout.inputs.items() if _INDEXED.match(k) and _INDEXED.match(k).group(1) == "Name"}
    if not names:
        return
    column_of = {int(_INDEXED.match(k).group(2)): coordinate_from_string(v.ref)[0] for k, v in names.items()}
    by_sheet: dict[str, dict[int, list[str]]] = {}
    for spec in layout.outputs.values():
        m = _INDEXED.match(spec.name)
        if not m or int(m.group(2)) not in column_of:
            continue
        by_sheet.setdefault(spec.sheet, {}).setdefault(int(m.group(2)), []).append(spec.ref)
    for sheet, per_component in by_sheet.items():
        cols = {i: {coordinate_from_string(ref)[0] for ref in refs} for i, refs in per_component.items()}
        if not all(c == {column_of[i]} for i, c in cols.items()):
            continue  # a sheet of rows (cost lines, risks): its indices are not components
        ws = layout.wb[sheet]
        for i, refs in sorted(per_component.items()):
            dxf = DifferentialStyle(numFmt=NumberFormat(numFmtId=300, formatCode=_EMPTY_COMPONENT_FORMAT))
            rule = Rule(type="expression", dxf=dxf, formula=[f'Name_{i}=""'])
            ws.conditional_formatting.add(" ".join(sorted(refs, key=lambda r: (len(r), r))), rule)


def finish_print(layout: "Layout") -> None:
    """The page setup every sheet shares, once the workbook is laid out: A4 landscape, the width of
    the print area over as many pages across as the sheet asks and as many down as it needs, the
    sheet's name and the page number on every page, print titles (the sheet's title row unless it
    repeats a table's header), texts that print whole, and empty components that print blank."""
    if layout.dry:
        return
    for ws in layout.wb.worksheets:
        if not ws.print_area:
            continue
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        # width decides the scale, so pages break where the layout expects; a sheet with a chart, short
        # enough, prints on one page so that no page break cuts through the chart
        rows = _area_rows(ws)
        ws.page_setup.fitToHeight = 1 if ws._charts and int(ws.page_setup.fitToWidth or 1) == 1 and rows <= 90 else 0
        if not ws.print_title_rows:
            ws.print_title_rows = "1:1"
        ws.oddHeader.left.text = "&A"
        ws.oddHeader.left.size = 8
        ws.oddHeader.right.text = "&F"
        ws.oddHeader.right.size = 8
        ws.oddFooter.right.text = "Page &P of &N"
        ws.oddFooter.right.size = 8
        fit_texts(ws)
    hide_empty_components(layout)


# --- the Rates sheet -----------------------------------------------------------------------------

RATES_SHEET = "Rates"
RATES_FIRST_ROW = 6
#: Rows kept for the rate table (2015/16 onwards): room for years added later without new names.
RATES_ROWS = 40
#: Columns of the Rates table, in order: (key in rate_rows, heading, number format, named range)
RATES_COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    ("financial_year", "Financial year", TEXT, "Rates_year"),
    ("applies_from", "Applies from", DATE, None),
    ("baseline_profit_rate_pct", "Baseline profit rate %", PER_CENT_FIGURE, "Rates_BPR"),
    ("government_owned_contractor_rate_pct", "Government owned contractor rate %", PER_CENT_FIGURE, "Rates_GOCR"),
    ("fixed_capital_servicing_rate_pct", "Fixed capital servicing rate %", PER_CENT_FIGURE, "Rates_fixed"),
    ("positive_working_capital_servicing_rate_pct", "Positive working capital servicing rate %",
     PER_CENT_FIGURE, "Rates_positive"),
    ("negative_working_capital_servicing_rate_pct", "Negative working capital servicing rate %",
     PER_CENT_FIGURE, "Rates_negative"),
    ("ssro_funding_adjustment_pct", "SSRO funding adjustment %", PER_CENT_FIGURE, "Rates_funding"),
    ("evidence", "Evidence", TEXT, "Rates_evidence"),
    ("note", "Note", TEXT, None),
    ("source", "Source", TEXT, None),
)
RATES_TABLE_NAME = "Rates_table"
MIXED_NOTE = "mixed evidence: not checked against the London Gazette"

#: Pricing methods a component may name (alternative pricing guidance; regulation 19G).
FORMULA_METHODS = ("formula", "firm", "fixed", "cost-plus", "estimate-based fee", "volume-driven", "target")
ALTERNATIVE_METHODS = ("commercial", "law", "previously agreed", "novated", "cruv")


def rates_sheet(layout: Layout) -> Worksheet:
    """The Rates sheet: headings and named columns. Its figures are written by the fill from the
    package's rate table (so that a build and a regeneration write them the same way)."""
    from .styles import BOX, CITE_FONT, NOTE_FONT, SECTION_FONT, TITLE_FONT, WARN_FONT, WRAP_TOP
    ws = layout.wb.create_sheet(RATES_SHEET)
    ws["A1"] = "Published rates"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("From the sscr rate table (sscr.rates.default_table). Per cent figures. Evidence: guidance = the "
                "SSRO guidance's own figures; official = a Written Ministerial Statement or London Gazette notice; "
                "mixed = not checked against the London Gazette; user = the user's rates file.")
    ws["A2"].font = CITE_FONT
    ws["A3"] = ("The templates look rates up here by financial year. A figure typed over so that it disagrees "
                "with the rate table is flagged red by 'sscr regenerate', never silently corrected; the evidence, "
                "note and source columns are kept describing the rate table in use.")
    ws["A3"].font = NOTE_FONT
    header(ws, RATES_FIRST_ROW - 1, 1, [h for _, h, _, _ in RATES_COLUMNS])
    ws.row_dimensions[RATES_FIRST_ROW - 1].height = 60
    last = RATES_FIRST_ROW + RATES_ROWS - 1
    from openpyxl.utils import get_column_letter
    widths = (11, 12, 10, 12, 10, 12, 12, 10, 10, 42, 70)
    for i, (key, _h, fmt, name) in enumerate(RATES_COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = widths[i - 1]
        for row in range(RATES_FIRST_ROW, last + 1):
            cell = ws.cell(row=row, column=i)
            cell.number_format = fmt
            cell.border = BOX
            if key == "note":
                cell.font = WARN_FONT
            elif key == "source":
                cell.font = NOTE_FONT
            if key in ("note", "source", "evidence"):  # long texts wrap within the column, as printed
                cell.alignment = WRAP_TOP
        if name:
            layout.name_range(name, ws, f"{letter}{RATES_FIRST_ROW}:{letter}{last}")
    layout.name_range(RATES_TABLE_NAME, ws, f"A{RATES_FIRST_ROW}:{get_column_letter(len(RATES_COLUMNS))}{last}")
    # The pricing methods a component may use, for the method drop-downs.
    ws["M5"] = "Pricing methods"
    ws["M5"].font = SECTION_FONT
    methods = FORMULA_METHODS + ALTERNATIVE_METHODS
    for i, method in enumerate(methods):
        ws.cell(row=RATES_FIRST_ROW + i, column=13, value=method)
        ws.cell(row=RATES_FIRST_ROW + i, column=14,
                value="pricing formula" if method in FORMULA_METHODS else "alternative method").font = NOTE_FONT
    ws.column_dimensions["M"].width = 18
    ws.column_dimensions["N"].width = 18
    layout.name_range("Pricing_methods", ws, f"M{RATES_FIRST_ROW}:M{RATES_FIRST_ROW + len(methods) - 1}")
    layout.name_range("Formula_methods", ws, f"M{RATES_FIRST_ROW}:M{RATES_FIRST_ROW + len(FORMULA_METHODS) - 1}")
    guidance_table(layout, ws)
    packaged = rates_table_rows(RateTable.packaged())
    shown = RATES_FIRST_ROW + len(packaged) + 4
    page_setup(ws, f"A1:K{shown}")
    # each year's row tall enough for its note and source as the package's rate table has them
    fonts = {"note": WARN_FONT, "source": NOTE_FONT, "evidence": None}
    for row, rates in enumerate(packaged, start=RATES_FIRST_ROW):
        height = max(_lines(str(rates.get(key) or ""), fonts[key], widths[i]) * (fonts[key].sz if fonts[key] else 11)
                     for i, (key, _h, _f, _n) in enumerate(RATES_COLUMNS) if key in fonts) * 1.32 + 3
        if height > 18:
            ws.row_dimensions[row].height = round(height, 1)
    ws.freeze_panes = f"B{RATES_FIRST_ROW}"
    return ws


#: Guidance documents the templates show the version of: key of the defined names -> document.
GUIDANCE_DOCUMENTS = {"AC": "allowable costs", "BPR": "baseline profit rate", "AP": "alternative pricing"}
GUIDANCE_COLUMN = 16  # column P of the Rates sheet


def guidance_table(layout: Layout, ws: Worksheet) -> None:
    """The versions of the SSRO guidance and the dates they apply from (sscr.guidance, the packaged
    version tables), beside the rates: one block per document, oldest first, named
    ``Guidance_<key>_from`` and ``Guidance_<key>_version`` so a formula can find the version in force
    with MATCH(date, ..., 1)."""
    from openpyxl.utils import get_column_letter

    from sscr.guidance import packaged_guidance

    from .styles import CITE_FONT, NOTE_FONT, SECTION_FONT

    table = packaged_guidance()
    col = GUIDANCE_COLUMN
    ws.cell(row=RATES_FIRST_ROW - 2, column=col, value="Guidance versions").font = SECTION_FONT
    ws.cell(row=RATES_FIRST_ROW - 2, column=col + 4,
            value="From each text's table \"Versions of this guidance\": a version applies to contracts agreed "
                  "on or after its date").font = CITE_FONT
    header(ws, RATES_FIRST_ROW - 1, col, ["Guidance", "Version", "Applies from", "Published", "Source"])
    row = RATES_FIRST_ROW
    for key, document in GUIDANCE_DOCUMENTS.items():
        first = row
        for v in table.versions(document):
            ws.cell(row=row, column=col, value=document)
            ws.cell(row=row, column=col + 1, value=v.version).number_format = TEXT
            ws.cell(row=row, column=col + 2, value=v.applies_from).number_format = DATE
            if v.published is not None:
                ws.cell(row=row, column=col + 3, value=v.published).number_format = DATE
            ws.cell(row=row, column=col + 4, value=v.source).font = NOTE_FONT
            row += 1
        layout.name_range(f"Guidance_{key}_from", ws,
                          f"{get_column_letter(col + 2)}{first}:{get_column_letter(col + 2)}{row - 1}")
        layout.name_range(f"Guidance_{key}_version", ws,
                          f"{get_column_letter(col + 1)}{first}:{get_column_letter(col + 1)}{row - 1}")
    for u in table.undated():
        ws.cell(row=row, column=col, value=u.document)
        ws.cell(row=row, column=col + 1, value=u.version).number_format = TEXT
        ws.cell(row=row, column=col + 2, value="not known")
        ws.cell(row=row, column=col + 4, value=u.source).font = NOTE_FONT
        row += 1
    for i, width in enumerate((18, 8, 12, 12, 60)):
        ws.column_dimensions[get_column_letter(col + i)].width = width


def guidance_formula(key: str, date_name: str) -> str:
    """Formula text: the version of a guidance document in force at the date in ``date_name``
    ("" when the date is empty, "none" before the first version)."""
    return (f'IF({date_name}="","",IF({date_name}<INDEX(Guidance_{key}_from,1),"none",'
            f'INDEX(Guidance_{key}_version,MATCH({date_name},Guidance_{key}_from,1))))')


def rates_table_rows(table: RateTable) -> list[dict[str, Any]]:
    """The rate table as the Rates sheet shows it: rate_rows plus the note for mixed evidence."""
    from sscr.rates import rate_rows
    rows = []
    for row in rate_rows(table):
        row = dict(row)
        row["note"] = MIXED_NOTE if "mixed" in str(row.get("evidence", "")).split("/") else None
        applies = row.get("applies_from")
        if isinstance(applies, dt.date):
            row["applies_from"] = float((applies - dt.date(1899, 12, 30)).days)
        rows.append(row)
    return rows


def lookup(column: str, year_name: str) -> str:
    """Formula text: a per cent figure of the Rates sheet for a financial year, as a fraction."""
    return f"INDEX({column},MATCH({year_name},Rates_year,0))/100"


# --- templates -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """One template workbook: how it is laid out and how the core computes its figures.

    ``build(layout)`` lays out the sheets (the Rates sheet is added after it). ``compute(inputs,
    rates)`` takes the checked input values by defined name and the rate table, calls the sscr core
    and returns every computed name's figure (and every core value's: see :meth:`Layout.value`): each
    computed cell's cached value is a core figure.
    ``headline`` names the figures the regeneration summary reports.
    """

    key: str
    filename: str
    title: str
    description: str
    version: int
    build: Callable[[Layout], None]
    compute: Callable[[Mapping[str, Any], RateTable], dict[str, Any]]
    headline: tuple[str, ...] = ()
    #: For a template whose tables are sized to the contract (the contract model): the template of
    #: the sizes a workbook's defined names show, given those names; None for a fixed layout.
    sized: Callable[[set[str]], "Template"] | None = None
    #: The sizes of this template's tables, as (name, rows) pairs (empty for a fixed layout).
    size: tuple[tuple[str, int], ...] = ()

    def layout(self, *, dry: bool = False) -> Layout:
        """The template laid out in a new openpyxl workbook (not saved); ``dry``: only its names and
        specs, with no workbook."""
        if dry:
            wb: Any = _DryBook()
        else:
            from openpyxl import Workbook
            wb = Workbook()
            wb.remove(wb.active)
        layout = Layout(wb, self.key, self.version, dry=dry)
        self.build(layout)
        rates_sheet(layout)
        layout.finish_tables()
        finish_print(layout)  # after the tables' extents, which a stand-in layout gives without it
        return layout

    def for_names(self, names: set[str]) -> "Template":
        """The template as laid out in a workbook whose defined names are ``names``: itself, or for
        a sized template the one of the workbook's sizes."""
        return self.sized(names) if self.sized is not None else self

    def spec(self) -> "TemplateSpec":
        return _spec(self)


@dataclass(frozen=True)
class TemplateSpec:
    """What the fill needs to know about a template: its inputs and computed cells by name."""

    inputs: Mapping[str, InputSpec]
    outputs: Mapping[str, OutputSpec]
    values: Mapping[str, ValueSpec] = field(default_factory=dict)
    tables: tuple[TableSpec, ...] = ()
    #: every defined name the template declares, with what it refers to (``'Sheet'!$B$5``, or a constant)
    names: Mapping[str, str] = field(default_factory=dict)
    #: what the template holds at each cell beside its fixed tables (see :func:`sscr.workbooks.integrity.tables`):
    #: (sheet, reference) -> the value or formula ('=...') there, None for an empty cell
    around: Mapping[tuple[str, str], Any] = field(default_factory=dict)


_SPECS: dict[tuple[str, int, tuple[tuple[str, int], ...]], TemplateSpec] = {}


def _spec(template: Template) -> TemplateSpec:
    key = (template.key, template.version, template.size)
    if key not in _SPECS:
        from . import spec_cache  # kept between runs only where the add-in's Refresh turned it on

        # named by the sizes of its tables too: a contract model of another size is another layout
        kept = spec_cache.load(template.key, template.version, template.size)
        if isinstance(kept, TemplateSpec):
            _SPECS[key] = kept
        else:
            layout = template.layout(dry=True)  # names, formulas and cells, without a workbook
            names = dict(layout._name_text)
            spec = TemplateSpec(dict(layout.inputs), dict(layout.outputs), dict(layout.values), tuple(layout.tables),
                                names)
            from .integrity import beyond_cells
            around = {}
            for sheet, ref in beyond_cells(spec):
                value = layout.wb[sheet][ref].value if sheet in layout.wb.sheetnames else None
                if isinstance(value, dt.datetime):
                    value = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
                elif isinstance(value, dt.date):
                    value = float((value - dt.date(1899, 12, 30)).days)
                around[(sheet, ref)] = value
            _SPECS[key] = TemplateSpec(spec.inputs, spec.outputs, spec.values, spec.tables, names, around)
            spec_cache.store(template.key, template.version, _SPECS[key], template.size)
    return _SPECS[key]
