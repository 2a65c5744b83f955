"""The fill's :class:`~sscr.workbooks.adapter.Book` over a live Excel workbook, through xlwings: what the
add-in's Refresh button runs.

The fill is the one ``sscr regenerate`` uses (:func:`sscr.workbooks.fill.fill`): read the inputs by
defined name, compute with the core, bring the Rates sheet up to date, reconcile the computed cells.
Only the adapter differs from the file's (:class:`~sscr.workbooks.adapter.FileBook`):

- Excel calculates the computed cells' native formulas itself, so a computed cell is never written.
  Instead Excel's result, after one recalculation (which also catches up a book set to manual
  calculation), is compared with the core's figure: a result that disagrees, because a Rates figure
  it uses was typed over say, is flagged as well once the fill has finished.
- A flag is the file adapter's red fill and a cell note that starts ``SSCR pricing:``. Clearing a
  flag (the cell agrees again) gives the cell back its template colour and removes that note. A
  note someone else wrote is never changed or removed.
- Dates come back from Excel as datetimes; the fill is given them as Excel serial numbers, as a file
  holds them.

:func:`refresh_caller` is the button: it never lets an exception reach Excel, showing a message box
instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from sscr.checks import fmt
from sscr.errors import PricingInputError
from sscr.rates import RateTable

from .adapter import RATES_TABLE, CellContent
from .fill import FillResult, Flag, WorkbookError, display, fill, headline_text, template_of
from .layout import COMPUTED_RGB, TEMPLATE_NAME
from .package import FLAG_FILL, REFRESH_NOTE_PREFIX, Area, col_letters, parse_area

TITLE = "SSCR pricing"
#: How a note written by Refresh starts; notes from ``sscr regenerate`` start with the second.
NOTE_PREFIX = REFRESH_NOTE_PREFIX
OUR_NOTE_PREFIXES = (NOTE_PREFIX, "sscr regenerate:")


def _rgb(hex_text: str) -> tuple[int, int, int]:
    hex_text = hex_text[-6:]
    return int(hex_text[0:2], 16), int(hex_text[2:4], 16), int(hex_text[4:6], 16)


#: The fill of a flagged cell: the file adapter's (sscr.workbooks.package.FLAG_FILL).
FLAG_COLOR = _rgb(re.search(r'fgColor rgb="([0-9A-Fa-f]{8})"', FLAG_FILL).group(1))  # type: ignore[union-attr]
#: The fill a computed cell has in the templates (the "SSCR computed" and "SSCR headline" styles).
COMPUTED_COLOR = _rgb(COMPUTED_RGB)

#: Excel's result and the core's figure agree when within this relative difference (or absolute,
#: near zero): both are the same double-precision arithmetic, in a different order.
REL_TOLERANCE = 1e-11
ABS_TOLERANCE = 1e-12

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_RANGE_REFERENCE = re.compile(r"^=?(?:'(?:[^']|'')+'|[^'!=\"]+)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?$")


def from_excel(value: Any) -> Any:
    """A value as xlwings reads it, as the fill takes it: dates as Excel serial numbers."""
    if isinstance(value, dt.datetime):
        return (value - _EXCEL_EPOCH) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float((value - _EXCEL_EPOCH.date()).days)
    return value


def agrees(excel: Any, core: Any) -> bool:
    """Whether Excel's result for a computed cell is the core's figure."""
    if core is None:
        return excel is None or excel == ""
    if isinstance(core, str):
        return isinstance(excel, str) and excel.strip() == core.strip()
    if isinstance(excel, bool) or not isinstance(excel, (int, float)):
        return False
    return math.isclose(float(excel), float(core), rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)


def is_ours(note_text: str | None) -> bool:
    return note_text is not None and note_text.startswith(OUR_NOTE_PREFIXES)


class _Block:
    """The cells of one sheet that its single-cell names cover, read from Excel in one call each for
    values and formulas (a model has thousands of named cells: one call per cell would be thousands of
    round trips to Excel)."""

    __slots__ = ("range", "top", "left", "values", "formulas")

    def __init__(self, rng: Any, top: int, left: int):
        self.range, self.top, self.left = rng, top, left
        self.values: list[list[Any]] | None = None  # None: to be read (again)
        self.formulas: list[list[Any]] | None = None


#: A sheet's named cells are read as one block when the block holds at most this many cells per
#: named cell (plus the allowance): a name far from the others is read on its own instead.
BLOCK_CELLS_PER_NAME, BLOCK_ALLOWANCE = 4, 10_000


class XlwingsBook:
    """:class:`~sscr.workbooks.adapter.Book` over an ``xlwings.Book`` (an open Excel workbook).

    The workbook's defined names are listed once; the cells they name are read a sheet at a time
    (:class:`_Block`), values again after each recalculation or change, so that a Refresh makes a few
    calls into Excel per sheet rather than several per cell."""

    def __init__(self, book: Any):
        self.book = book
        self._ranges: dict[str, Any] = {}  # each name's Range, made once
        self._defined: dict[str, tuple[str, str]] | None = None  # lower-case name -> (name, refers_to)
        self._areas: dict[str, Area | None] | None = None  # lower-case name -> its cells (None: not cells)
        self._sheets: dict[str, Any] = {}
        self._blocks: dict[str, _Block | None] | None = None
        self._calculated = False
        self._recalculated = False  # app.calculate() has been called once
        self._pending: dict[str, tuple[Any, Any]] = {}  # computed name -> (Excel's result, the core's)
        #: Computed cells whose Excel result disagreed with the core, flagged by :meth:`finish`.
        self.value_flags: list[Flag] = []
        #: Figures written into the Rates sheet.
        self.rates_written = 0

    # -- ranges by defined name --------------------------------------------------------------------
    def _definitions(self) -> dict[str, tuple[str, str]]:
        """Every workbook-level defined name and what it refers to, listed once (names do not change
        during a Refresh). Excel's names are not case-sensitive."""
        if self._defined is None:
            self._defined = {}
            for n in self.book.names:
                name = n.name
                if "!" not in name:  # "Sheet!name" is sheet-level
                    self._defined[name.lower()] = (name, n.refers_to or "")
        return self._defined

    def _all_areas(self) -> dict[str, Area | None]:
        """The cells each defined name refers to (None for a constant, a formula or #REF!)."""
        if self._areas is None:
            self._areas = {}
            for key, (_name, text) in self._definitions().items():
                text = text.strip()
                self._areas[key] = parse_area(text[1:] if text.startswith("=") else text) \
                    if _RANGE_REFERENCE.match(text) else None
        return self._areas

    def _area(self, name: str) -> Area:
        area = self._all_areas().get(name.lower())
        if area is None:
            found = self._definitions().get(name.lower())
            if found is None:
                raise WorkbookError(f"the workbook has no defined name {name}: restore it (Formulas > Name "
                                    f"Manager) or start from a fresh template")
            raise WorkbookError(f"the defined name {name} refers to {fmt(found[1])}, not to cells "
                                f"of this workbook")
        return area

    def _sheet(self, title: str) -> Any:
        if title not in self._sheets:
            self._sheets[title] = self.book.sheets[title]
        return self._sheets[title]

    def _range(self, name: str) -> Any:
        rng = self._ranges.get(name)
        if rng is None:
            a = self._area(name)
            sheet = self._sheet(a.sheet)
            rng = sheet.range((a.top, a.left)) if (a.top, a.left) == (a.bottom, a.right) else \
                sheet.range((a.top, a.left), (a.bottom, a.right))
            self._ranges[name] = rng
        return rng

    def _cell(self, name: str, row: int = 0, col: int = 0) -> Any:
        if name != RATES_TABLE:
            return self._single(name)
        a = self._area(name)
        return self._sheet(a.sheet).range((a.top + row, a.left + col))

    def _one(self, name: str) -> Area:
        """The cell ``name`` refers to; refused when it is not one cell, as the template has it."""
        a = self._area(name)
        if (a.top, a.left) != (a.bottom, a.right):
            raise WorkbookError(f"the defined name {name} refers to ${col_letters(a.left)}${a.top}:"
                                f"${col_letters(a.right)}${a.bottom}, not to one cell as the template has it")
        return a

    def _single(self, name: str) -> Any:
        self._one(name)
        return self._range(name)

    def _block(self, sheet: str) -> _Block | None:
        """The block of ``sheet``'s named cells, or None where they are too scattered to read as one."""
        if self._blocks is None:
            spans: dict[str, list[int]] = {}
            for a in self._all_areas().values():
                if a is None or (a.top, a.left) != (a.bottom, a.right):
                    continue
                span = spans.setdefault(a.sheet, [a.top, a.left, a.bottom, a.right, 0])
                span[0], span[1] = min(span[0], a.top), min(span[1], a.left)
                span[2], span[3] = max(span[2], a.bottom), max(span[3], a.right)
                span[4] += 1
            self._blocks = {}
            for title, (top, left, bottom, right, count) in spans.items():
                if (bottom - top + 1) * (right - left + 1) <= BLOCK_CELLS_PER_NAME * count + BLOCK_ALLOWANCE:
                    self._blocks[title] = (top, left, bottom, right)  # type: ignore[assignment]
        box = self._blocks.get(sheet)
        if isinstance(box, tuple):
            top, left, bottom, right = box
            box = self._blocks[sheet] = _Block(self._sheet(sheet).range((top, left), (bottom, right)).options(ndim=2),
                                               top, left)
        return box

    def _read(self, name: str, what: str) -> Any:
        """The value (``what="values"``) or Range.Formula (``"formulas"``) of the single cell ``name``."""
        a = self._one(name)
        block = self._block(a.sheet)
        if block is None:
            rng = self._range(name)
            return rng.value if what == "values" else rng.formula
        grid = getattr(block, what)
        if grid is None and what == "values" and not self._recalculated:
            self._calculate()  # the first values read are the calculated ones, as in the book Excel shows
        grid = getattr(block, what)
        if grid is None:
            grid = block.range.value if what == "values" else block.range.formula
            if isinstance(grid, str):  # a block of one cell: its Formula is the text itself
                grid = [[grid]]
            setattr(block, what, grid)
        return grid[a.top - block.top][a.left - block.left]

    def _changed(self, formulas: bool = False) -> None:
        """What was read of the cells is stale: Excel recalculated, or a cell was written."""
        for block in (self._blocks or {}).values():
            if isinstance(block, _Block):
                block.values = None
                if formulas:
                    block.formulas = None

    def _calculate(self) -> None:
        """Recalculate once before the first result is read: the Rates sheet may have changed, and a
        book set to manual calculation may be stale."""
        if not self._calculated:
            self.book.app.calculate()
            self._calculated = self._recalculated = True
            self._changed()

    # -- Book ----------------------------------------------------------------------------------------
    def template(self) -> str | None:
        found = self._definitions().get(TEMPLATE_NAME.lower())
        if found is None:
            return None
        text = found[1].strip()
        if text.startswith("="):
            text = text[1:]
        if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
            return text[1:-1].replace('""', '"')
        return None

    def names(self) -> set[str]:
        return {name for name, _text in self._definitions().values()}

    def get_input(self, name: str) -> Any:
        return from_excel(self._read(name, "values"))

    def read_computed(self, name: str) -> CellContent:
        formula = self._read(name, "formulas")
        if isinstance(formula, str) and formula.startswith("="):
            self._calculate()  # a constant typed over the formula needs no recalculation to be read
        value = from_excel(self._read(name, "values"))
        if isinstance(formula, str) and formula.startswith("="):
            return CellContent(formula[1:], value)
        return CellContent(None, value)

    def write_computed(self, name: str, value: Any) -> None:
        """Excel calculates the formula itself: the cell is left alone, and its result checked."""
        self._calculate()
        excel = from_excel(self._read(name, "values"))
        if agrees(excel, value):
            self._pending.pop(name, None)
        else:
            self._pending[name] = (excel, value)

    def write_value(self, name: str, value: Any) -> None:
        """A figure only the core computes (a Monte Carlo percentile): written into the cell."""
        if not agrees(from_excel(self._read(name, "values")), value):
            self._single(name).value = value
            self._calculated = False
            self._changed(formulas=True)

    def cells_in(self, sheet: str, top: int, left: int, bottom: int | None, right: int) -> list[tuple[str, Any]]:
        from .package import make_ref
        names = [s.name for s in self.book.sheets]
        if sheet not in names:
            return []
        ws = self.book.sheets[sheet]
        if bottom is None:
            used = ws.used_range
            bottom = used.row + used.shape[0] - 1
        if bottom < top:
            return []
        # Range.Formula, not Value: what was typed, with no recalculation needed to read it
        texts = ws.range((top, left), (bottom, right)).formula
        if isinstance(texts, str):
            texts = ((texts,),)
        out = []
        for i, row in enumerate(texts):
            for j, text in enumerate(row):
                if text is None or text == "":
                    continue
                value: Any = text
                if not text.startswith("="):
                    try:
                        value = float(text.replace(",", ""))
                        value = int(value) if value.is_integer() else value
                    except ValueError:
                        pass
                out.append((make_ref(top + i, left + j), value))
        return out

    def flag(self, name: str, message: str, row: int = 0, col: int = 0) -> None:
        cell = self._cell(name, row, col)
        if cell.color != FLAG_COLOR:
            cell.color = FLAG_COLOR
        text = f"{NOTE_PREFIX}\n{message}"
        note = cell.note
        if note is None:
            cell.add_note(text)
        elif is_ours(note.text) and note.text != text:
            note.text = text

    def clear_flag(self, name: str, row: int = 0, col: int = 0) -> None:
        if name in self._pending and (row, col) == (0, 0):
            return  # flagged again by finish(): Excel's result disagrees with the core
        cell = self._cell(name, row, col)
        if cell.color == FLAG_COLOR:
            cell.color = None if name == RATES_TABLE else COMPUTED_COLOR
        note = cell.note
        if note is not None and is_ours(note.text):
            note.delete()

    def read_rates(self) -> list[list[Any]]:
        rows = self._range(RATES_TABLE).options(ndim=2).value
        return [[from_excel(v) for v in row] for row in rows]

    def write_rate(self, row: int, col: int, value: Any) -> None:
        self._cell(RATES_TABLE, row, col).value = value
        self.rates_written += 1
        self._calculated = False
        self._changed(formulas=True)

    def finish(self) -> None:
        """Flag the computed cells whose Excel result disagrees with the core's figure."""
        if not self._pending:
            return
        outputs = template_of(self).spec().outputs
        for name, (excel, core) in self._pending.items():
            percent = "%" in outputs[name].number_format
            shown = "an error or nothing" if excel is None else display(excel, percent)
            message = (f"{name}: Excel calculates {shown} from this workbook's cells, but the sscr core computes "
                       f"{display(core, percent)} from the same inputs and the package's rate table. A cell it "
                       f"depends on disagrees with the core (see the other red cells) or was changed. The cell is "
                       f"left as it is; Refresh clears this flag once the two agree.")
            self.flag(name, message)
            self.value_flags.append(Flag(name, message))


@dataclass
class RefreshResult:
    """What a Refresh did: the fill's result (its flags include computed cells whose Excel result
    disagrees with the core), how many computed cells agree with the core, and how many Rates sheet
    figures were added."""

    fill: FillResult
    agreeing: int
    rates_written: int


def refresh(book: Any, *, rates: RateTable | None = None) -> RefreshResult:
    """Refresh an open workbook (an ``xlwings.Book``) with the fill: Rates sheet, reconciliation, flags.

    Raises PricingInputError naming the input, the value and the rule when an input is bad (nothing
    has been changed then).
    """
    adapter = XlwingsBook(book)
    result = fill(adapter, rates=rates)
    result.flags.extend(adapter.value_flags)
    return RefreshResult(result, result.written - len(adapter.value_flags), adapter.rates_written)


#: At most this many flagged cells are listed in the message box (Excel shows about 1,000 characters).
LISTED_FLAGS = 6


def summary(book_name: str, refreshed: RefreshResult) -> str:
    """The message box text after a Refresh. Excel calculates the formula cells, which are compared
    with the core; the figures no formula can compute (a Monte Carlo simulation's) are the core's own,
    written as values, and counted apart."""
    result = refreshed.fill
    lines = [f"{book_name}: {refreshed.agreeing} of {result.formulas} computed figures agree with the sscr core."]
    if result.core_values:
        lines.append(f"{result.core_values} figure(s) only the sscr core computes (no formula can, as for a Monte "
                     f"Carlo simulation) written as values.")
    headline = headline_text(result)
    if headline:
        lines.append(f"Headline: {headline}")
    lines.append(f"Rates sheet: {refreshed.rates_written} figure(s) added from the rate table."
                 if refreshed.rates_written else "Rates sheet: up to date with the rate table.")
    lines.extend(result.notes)
    if result.flags:
        lines.append(f"{len(result.flags)} cell(s) disagree and are flagged red, each with a note saying why; "
                     f"what is in them is kept:")
        lines.extend(f"- {f.where}" for f in result.flags[:LISTED_FLAGS])
        if len(result.flags) > LISTED_FLAGS:
            lines.append(f"- and {len(result.flags) - LISTED_FLAGS} more")
    return "\n".join(lines)


def refresh_caller() -> None:
    """The Refresh button: refresh the workbook Excel is showing and say what happened. Every
    problem becomes a message box; no traceback reaches the user."""
    import xlwings as xw

    book = xw.Book.caller()
    app = book.app
    updating = app.screen_updating
    try:
        app.screen_updating = False
        app.status_bar = f"{TITLE}: refreshing {book.name}..."
        result = refresh(book)
    except PricingInputError as exc:
        message, mode = f"Refresh changed nothing in {book.name}: {exc}", "critical"
    except Exception as exc:  # the last line of defence: a message box, never a traceback
        message, mode = (f"Refresh of {book.name} stopped unexpectedly ({type(exc).__name__}: {exc}). "
                         f"Cells already checked may have been flagged; nothing you typed was changed. "
                         f"Please report this with the workbook."), "critical"
    else:
        message, mode = summary(book.name, result), "info"
    finally:
        app.screen_updating = updating
        app.status_bar = False
    app.alert(message, title=TITLE, mode=mode)
