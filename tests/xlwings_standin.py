"""A stand-in for the Excel object model as xlwings presents it, for running the add-in on a machine
without Excel: ``Book``, ``Sheets``, ``Sheet``, ``Range``, ``Names``, ``Name``, ``Note`` and ``App``,
with the attributes and behaviour of the xlwings classes of the same names that the add-in uses.

This is test equipment, not part of the package. It is backed by a real workbook: an xlsx file
loaded with openpyxl. Values come back as xlwings returns them (numbers as floats, empty cells as
None, date-formatted numbers as datetimes, text, booleans; ranges as lists); formulas as Excel's
``Range.Formula`` gives them (a constant as its text, an empty cell as ""). Formulas are calculated
by a real engine: when a cell has changed, the next read of a formula's value recalculates the
workbook in LibreOffice (headless), as Excel's automatic calculation would have.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string, get_column_letter, range_boundaries


EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!", "#NULL!"})


class StandinError(Exception):
    """What Excel would raise through COM (``pywintypes.com_error``) for an impossible request."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _rgb(color: Any) -> tuple[int, int, int]:
    rgb = getattr(color, "rgb", None)
    if getattr(color, "type", "rgb") != "rgb" or not isinstance(rgb, str) or len(rgb) != 8:
        raise StandinError(f"the stand-in reads only RGB fills, not {color!r}")
    return int(rgb[2:4], 16), int(rgb[4:6], 16), int(rgb[6:8], 16)


def _hex_to_rgb(text: str) -> tuple[int, int, int]:
    text = text.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _excel_value(value: Any) -> Any:
    """A cell's value as xlwings returns it (an empty text, as a formula's "" gives, is None too)."""
    if value == "":
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):  # a time of day is a fraction of a day in Excel
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


def _formula_text(value: Any) -> str:
    """``Range.Formula`` of a cell holding ``value``: the formula, or the constant as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)[:-2] if repr(value).endswith(".0") else repr(value)
    return str(value)


class App:
    """``xlwings.App``: message boxes, the status bar and screen updating are recorded."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.status_bar_history: list[Any] = []
        self._status_bar: Any = False
        self.screen_updating_history: list[bool] = []
        self._screen_updating = True
        self.calculation = "automatic"
        self.books: list[Book] = []

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"

    @property
    def status_bar(self) -> Any:
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: Any) -> None:
        self._status_bar = value
        self.status_bar_history.append(value)

    @property
    def screen_updating(self) -> bool:
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self._screen_updating = bool(value)
        self.screen_updating_history.append(bool(value))

    def calculate(self) -> None:
        for book in self.books:
            book._recalculate()


class Book:
    """``xlwings.Book`` for one xlsx file, loaded with openpyxl (formulas and cached values)."""

    def __init__(self, path: str | os.PathLike[str], app: App | None = None):
        self.fullname = str(Path(path).resolve())
        self.name = Path(path).name
        self.app = app or App()
        self.app.books.append(self)
        self._wb = openpyxl.load_workbook(path)
        self._values = openpyxl.load_workbook(path, data_only=True)
        self.recalculations = 0
        self._dirty = any(
            cell.data_type == "f" and self._values[ws.title][cell.coordinate].value is None
            for ws in self._wb.worksheets for row in ws.iter_rows() for cell in row)
        self.sheets = Sheets(self)
        self.names = Names(self)

    # -- calculation ------------------------------------------------------------------------------
    def _recalculate(self) -> None:
        """Recalculate every formula in LibreOffice, as Excel does after a change."""
        engine = soffice()
        if engine is None:
            raise StandinError("calculating formulas needs LibreOffice (soffice) on the PATH")
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "book.xlsx"
            out = Path(tmp) / "out"
            self._wb.save(src)  # openpyxl writes no cached values: LibreOffice calculates every formula
            profile = Path(tmp) / "profile"
            subprocess.run([engine, f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
                            "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                           check=True, capture_output=True, timeout=180)
            self._values = openpyxl.load_workbook(out / "book.xlsx", data_only=True)
        self._dirty = False
        self.recalculations += 1

    def _value(self, sheet: str, row: int, col: int) -> Any:
        cell = self._wb[sheet].cell(row=row, column=col)
        if cell.data_type != "f":
            return _excel_value(cell.value)
        if self._dirty and self.app.calculation == "automatic":
            self._recalculate()
        value = self._values[sheet].cell(row=row, column=col).value
        if isinstance(value, str) and value in EXCEL_ERRORS:
            return None  # xlwings reads a cell showing an Excel error as None
        return _excel_value(value)

    def _changed(self) -> None:
        self._dirty = True

    # -- files --------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None) -> None:
        self._wb.save(path or self.fullname)

    def __repr__(self) -> str:
        return f"<Book [{self.name}]>"


class Sheets:
    """``book.sheets``: by name or 0-based index, and iteration in tab order."""

    def __init__(self, book: Book):
        self._book = book

    def __getitem__(self, key: int | str) -> "Sheet":
        names = self._book._wb.sheetnames
        if isinstance(key, int):
            return Sheet(self._book, names[key])
        if key not in names:
            raise StandinError(f"no sheet named {key!r}")
        return Sheet(self._book, key)

    def __iter__(self) -> Iterator["Sheet"]:
        return (Sheet(self._book, name) for name in self._book._wb.sheetnames)

    def __len__(self) -> int:
        return len(self._book._wb.sheetnames)

    @property
    def active(self) -> "Sheet":
        return Sheet(self._book, self._book._wb.active.title)


class Sheet:
    """``xlwings.Sheet``."""

    def __init__(self, book: Book, name: str):
        self.book = book
        self.name = name

    @property
    def _ws(self) -> Any:
        return self.book._wb[self.name]

    def range(self, cell1: str | tuple[int, int], cell2: str | tuple[int, int] | None = None) -> "Range":
        if isinstance(cell1, tuple):
            top, left = cell1
            bottom, right = cell2 if isinstance(cell2, tuple) else (top, left)
        else:
            text = cell1.replace("$", "")
            if cell2 is not None:
                text = f"{text}:{str(cell2).replace('$', '')}"
            left, top, right, bottom = range_boundaries(text if ":" in text else f"{text}:{text}")
        return Range(self, top, left, bottom, right)

    def __getitem__(self, address: str) -> "Range":
        return self.range(address)

    @property
    def used_range(self) -> "Range":
        """From A1 to the last cell that holds anything (xlwings starts at the first used cell)."""
        ws = self._ws
        return Range(self, 1, 1, max(ws.max_row, 1), max(ws.max_column, 1))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sheet) and other.book is self.book and other.name == self.name

    def __repr__(self) -> str:
        return f"<Sheet [{self.book.name}]{self.name}>"


class Note:
    """``xlwings.Note``: a cell note (an Excel "comment" before threaded comments)."""

    def __init__(self, cell: Any):
        self._cell = cell

    @property
    def text(self) -> str:
        return self._cell.comment.text

    @text.setter
    def text(self, value: str) -> None:
        self._cell.comment = Comment(value, self._cell.comment.author or "")

    def delete(self) -> None:
        self._cell.comment = None


class Range:
    """``xlwings.Range`` over a rectangle of one sheet (1-based, inclusive)."""

    def __init__(self, sheet: Sheet, top: int, left: int, bottom: int, right: int, ndim: int | None = None):
        self.sheet = sheet
        self.row, self.column = top, left
        self._bottom, self._right = bottom, right
        self._ndim = ndim

    @property
    def shape(self) -> tuple[int, int]:
        return self._bottom - self.row + 1, self._right - self.column + 1

    @property
    def count(self) -> int:
        rows, cols = self.shape
        return rows * cols

    @property
    def address(self) -> str:
        first = f"${get_column_letter(self.column)}${self.row}"
        if self.shape == (1, 1):
            return first
        return f"{first}:${get_column_letter(self._right)}${self._bottom}"

    def options(self, convert: Any = None, **options: Any) -> "Range":
        """Only ``ndim`` is honoured (the shape of what ``value`` returns)."""
        if convert is not None or set(options) - {"ndim"}:
            raise StandinError(f"the stand-in supports only options(ndim=...), not {convert!r} {options}")
        return Range(self.sheet, self.row, self.column, self._bottom, self._right,
                     options.get("ndim"))

    def _cells(self) -> list[list[Any]]:
        ws = self.sheet._ws
        return [[ws.cell(row=r, column=c) for c in range(self.column, self._right + 1)]
                for r in range(self.row, self._bottom + 1)]

    def _shaped(self, rows: list[list[Any]]) -> Any:
        """xlwings' default shape: a scalar for one cell, a list for one row or column, else rows."""
        if self._ndim == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        if self._ndim == 1 or self.shape[0] == 1 or self.shape[1] == 1:
            return [v for row in rows for v in row]
        return rows

    @property
    def value(self) -> Any:
        book = self.sheet.book
        rows = [[book._value(self.sheet.name, r, c) for c in range(self.column, self._right + 1)]
                for r in range(self.row, self._bottom + 1)]
        return self._shaped(rows)

    @value.setter
    def value(self, data: Any) -> None:
        rows = data if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)) else None
        if rows is None and isinstance(data, (list, tuple)):
            rows = [list(data)] if self.shape[0] == 1 or self.shape == (1, 1) else [[v] for v in data]
        if rows is None:
            rows = [[data] * self.shape[1]] * self.shape[0]
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                self.sheet._ws.cell(row=self.row + r, column=self.column + c).value = v
        self.sheet.book._changed()

    @property
    def formula(self) -> Any:
        texts = [[_formula_text(cell.value) for cell in row] for row in self._cells()]
        if self.shape == (1, 1):
            return texts[0][0]
        return tuple(tuple(row) for row in texts)  # a multi-cell Range.Formula is a tuple of rows

    @formula.setter
    def formula(self, text: str) -> None:
        for row in self._cells():
            for cell in row:
                cell.value = text
        self.sheet.book._changed()

    @property
    def color(self) -> tuple[int, int, int] | None:
        fill = self._cells()[0][0].fill
        if fill is None or fill.patternType in (None, "none"):
            return None
        return _rgb(fill.fgColor)

    @color.setter
    def color(self, value: tuple[int, int, int] | str | None) -> None:
        if isinstance(value, str):
            value = _hex_to_rgb(value)
        for row in self._cells():
            for cell in row:
                if value is None:
                    cell.fill = PatternFill(fill_type=None)
                else:
                    rgb = "FF" + "".join(f"{int(v):02X}" for v in value)
                    cell.fill = PatternFill("solid", fgColor=rgb, bgColor=rgb)

    @property
    def number_format(self) -> str:
        return self._cells()[0][0].number_format

    @property
    def note(self) -> Note | None:
        cell = self._cells()[0][0]
        return Note(cell) if cell.comment is not None else None

    def add_note(self, text: str) -> Note:
        if not isinstance(text, str):
            raise TypeError("Note text must be a string")
        if not text:
            raise ValueError("Note text must not be empty")
        if self.shape != (1, 1):
            raise ValueError("A note can only be added to a single cell")
        if self.note is not None:
            raise ValueError("This cell already has a note")
        cell = self._cells()[0][0]
        cell.comment = Comment(text, "Excel user")
        return Note(cell)

    def __repr__(self) -> str:
        return f"<Range [{self.sheet.book.name}]{self.sheet.name}!{self.address}>"


def _split_reference(text: str) -> tuple[str, str] | None:
    """``'Sheet name'!$A$1:$B$2`` -> (sheet, "A1:B2"); None for a constant or a formula."""
    text = text.strip()
    if "!" not in text:
        return None
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    ref = ref.replace("$", "")
    try:
        for part in ref.split(":"):
            coordinate_from_string(part)
    except ValueError:
        return None
    return sheet, ref


class Name:
    """``xlwings.Name``: ``name``, ``refers_to`` ("=..." as Excel shows it) and ``refers_to_range``."""

    def __init__(self, book: Book, name: str, definition: str):
        self._book = book
        self.name = name
        self._definition = definition

    @property
    def refers_to(self) -> str:
        return "=" + self._definition

    @property
    def refers_to_range(self) -> Range:
        target = _split_reference(self._definition)
        if target is None:
            raise StandinError(f"the name {self.name} does not refer to a range")
        sheet, ref = target
        return self._book.sheets[sheet].range(ref)

    def __repr__(self) -> str:
        return f"<Name '{self.name}': {self.refers_to}>"


class Names:
    """``book.names``: every defined name, workbook-level ones by their name and sheet-level ones as
    ``Sheet!name``, as Excel lists them."""

    def __init__(self, book: Book):
        self._book = book

    def _all(self) -> list[Name]:
        wb = self._book._wb
        names = [Name(self._book, n, d.attr_text) for n, d in wb.defined_names.items()]
        for ws in wb.worksheets:
            for n, d in ws.defined_names.items():
                names.append(Name(self._book, f"{ws.title}!{n}", d.attr_text))
        return names

    def __iter__(self) -> Iterator[Name]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    @property
    def count(self) -> int:
        return len(self)

    def contains(self, name_or_index: str) -> bool:
        return any(n.name.lower() == name_or_index.lower() for n in self._all())

    def __contains__(self, name: str) -> bool:
        return self.contains(name)

    def __getitem__(self, name: str) -> Name:
        for n in self._all():
            if n.name.lower() == name.lower():  # Excel's names are not case-sensitive
                return n
        raise StandinError(f"no defined name {name!r}")

    def __call__(self, name: str) -> Name:
        return self[name]


def column_letter(index: int) -> str:
    return get_column_letter(index)


def column_index(letters: str) -> int:
    return column_index_from_string(letters)
