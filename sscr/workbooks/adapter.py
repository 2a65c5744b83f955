"""The book interface the fill works through, and its adapter for an xlsx file on disk.

The fill (:mod:`sscr.workbooks.fill`) reads inputs, computes with the core and writes or reconciles
computed cells through :class:`Book` only. Two adapters implement it:

- :class:`FileBook` (here): an xlsx file, changed by splicing the sheet XML (nothing else in the
  package is rewritten), used by ``sscr regenerate`` and the template build;
- an xlwings adapter over a live Excel book (the add-in's Refresh button).

Every address is a workbook-level defined name, with an optional (row, col) offset inside a named
range (used for the Rates sheet only). Values are Python values as a spreadsheet holds them: float
(or int) for numbers, str for text, bool, None for an empty cell; dates as Excel serial numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .package import Area, PackageError, XlsxPackage


@dataclass(frozen=True)
class CellContent:
    """What a computed cell holds: its formula (text without '='; None when a value was typed over
    it) and its value (the cached or calculated result, or the typed value)."""

    formula: str | None
    value: Any
    unverifiable: bool = False  # a shared formula whose text the file does not repeat


@runtime_checkable
class Book(Protocol):
    """A workbook the fill can read and write by defined name.

    Methods (an xlwings adapter maps each to ``book.names[name].refers_to_range``):

    ``template() -> str | None``
        The template key: the text constant of the ``SSCR_template`` defined name.
    ``names() -> set[str]``
        The workbook-level defined names.
    ``get_input(name) -> Any``
        The value of the input cell ``name``.
    ``read_computed(name) -> CellContent``
        The formula and value of the computed cell ``name``; ``formula`` is None when someone typed
        a value over it. (xlwings: ``rng.formula`` without '=' if ``rng.has_formula`` else None.)
    ``write_computed(name, value)``
        Give the computed cell a figure as its value, keeping its formula: the core's where the
        workbook's formulas compute the same, else what they compute. A file adapter
        writes the formula's cached value; a live Excel book calculates the formula itself, so its
        adapter leaves the cell alone (Excel's result is the same native arithmetic).
    ``write_value(name, value)``
        Put the core's figure into a cell the core computes at regeneration (no formula can: see
        :meth:`~sscr.workbooks.layout.Layout.value`), as a constant.
    ``flag(name, message, row=0, col=0)``
        Mark the cell visibly (red fill) with ``message`` as a cell comment; never change its content.
    ``clear_flag(name, row=0, col=0)``
        Remove a mark this interface made earlier (fill and comment), if there is one.
    ``read_rates() -> list[list[Any]]``
        The values of the ``Rates_table`` range, row by row.
    ``write_rate(row, col, value)``
        Put a rate table value (None: clear the cell) into the cell at (row, col) of ``Rates_table``:
        an empty figure cell, or the evidence, note and source columns, which describe the table.
    ``finish()``
        Called once after the fill: a file adapter asks for a full recalculation on opening.
    ``cells_in(sheet, top, left, bottom, right) -> list[(ref, value)]``
        The cells of a rectangle (``bottom`` None: to the last used row) that hold a value or a
        formula: how values typed outside a template's tables are found.
    """

    def template(self) -> str | None: ...

    def names(self) -> set[str]: ...

    def get_input(self, name: str) -> Any: ...

    def read_computed(self, name: str) -> CellContent: ...

    def write_computed(self, name: str, value: Any) -> None: ...

    def write_value(self, name: str, value: Any) -> None: ...

    def flag(self, name: str, message: str, row: int = 0, col: int = 0) -> None: ...

    def clear_flag(self, name: str, row: int = 0, col: int = 0) -> None: ...

    def read_rates(self) -> list[list[Any]]: ...

    def write_rate(self, row: int, col: int, value: Any) -> None: ...

    def finish(self) -> None: ...

    def cells_in(self, sheet: str, top: int, left: int, bottom: int | None, right: int) -> list[tuple[str, Any]]: ...


RATES_TABLE = "Rates_table"


class FormulaView:
    """A book's formula cells as its own formulas compute them, by defined name.

    ``value(name)`` is the figure (an :class:`~sscr.workbooks.evaluate.Error` for an Excel error,
    :data:`~sscr.workbooks.evaluate.UNKNOWN` where the evaluator cannot say, with ``reason(name)``);
    ``cell(name, row, col)`` a cell's key; ``precedents(name)`` the keys of every cell its formula
    reads, directly or through others.
    """

    def __init__(self, book: "FileBook"):
        from .evaluate import Evaluator
        self.book = book
        self.evaluator = Evaluator(book.package)

    def cell(self, name: str, row: int = 0, col: int = 0) -> tuple[str, str]:
        return self.book._cell(name, row, col)

    def value(self, name: str) -> Any:
        return self.evaluator.value(*self.cell(name))

    def reason(self, name: str) -> str | None:
        return self.evaluator.reason(*self.cell(name))

    def precedents(self, name: str) -> set[tuple[str, str]]:
        return self.evaluator.precedents(*self.cell(name))


class FileBook:
    """:class:`Book` over an xlsx file: reads with a safe XML parser, writes only changed cells."""

    def __init__(self, package: XlsxPackage):
        self.package = package

    @classmethod
    def open(cls, path: str | Path) -> "FileBook":
        return cls(XlsxPackage.open(path))

    # Book
    def template(self) -> str | None:
        from .layout import TEMPLATE_NAME
        return self.package.constant(TEMPLATE_NAME)

    def names(self) -> set[str]:
        return set(self.package.defined_names)

    def _area(self, name: str) -> Area:
        area = self.package.area(name)
        if area is None:
            raise PackageError(f"the defined name {name} does not refer to a cell of this workbook")
        if area.sheet not in self.package.sheets:
            raise PackageError(f"the defined name {name} refers to sheet {area.sheet!r}, which is not in the workbook")
        return area

    def _cell(self, name: str, row: int = 0, col: int = 0) -> tuple[str, str]:
        area = self._area(name)
        return area.sheet, area.ref(row, col)

    def get_input(self, name: str) -> Any:
        sheet, ref = self._cell(name)
        cell = self.package.read(sheet, ref)
        if cell.formula is not None and cell.value in (None, ""):
            # An input may be a formula (a link to another sheet), but the file must hold its result.
            from sscr.errors import PricingInputError
            raise PricingInputError(
                f"{name} holds the formula ={cell.formula} but the file holds no value for it (it was saved "
                f"by a program that does not calculate): open and save it in Excel or LibreOffice, or type "
                f"the value")
        if cell.type == "e":
            from sscr.errors import PricingInputError
            raise PricingInputError(f"{name} holds the error {cell.value}: correct the cell")
        return cell.value

    def read_computed(self, name: str) -> CellContent:
        sheet, ref = self._cell(name)
        cell = self.package.read(sheet, ref)
        return CellContent(cell.formula, cell.value, cell.shared_formula)

    def write_computed(self, name: str, value: Any) -> None:
        """The formula's cached value: a figure, an Excel error value, or (UNKNOWN) none at all."""
        from .evaluate import UNKNOWN
        sheet, ref = self._cell(name)
        if value is UNKNOWN:
            self.package.clear_cached(sheet, ref)
        else:
            self.package.write_cached(sheet, ref, value)

    def check_structure(self, spec: Any) -> None:
        """Refuse a workbook its formulas and the sscr core could read two ways (duplicate or scoped
        names, a name on a range where a cell belongs, data beyond a fixed table, ...): see
        :mod:`sscr.workbooks.integrity`."""
        from .integrity import check
        check(self.package, spec, self.template() or "")

    def formulas(self) -> "FormulaView":
        """What the workbook's own formulas compute, as it now holds its cells (see
        :mod:`sscr.workbooks.evaluate`). Call it after the fill has written the cells it writes
        as values (the Rates sheet, the core's values)."""
        return FormulaView(self)

    def write_value(self, name: str, value: Any) -> None:
        sheet, ref = self._cell(name)
        self.package.write_value(sheet, ref, value)

    def flag(self, name: str, message: str, row: int = 0, col: int = 0) -> None:
        sheet, ref = self._cell(name, row, col)
        cell = self.package.read(sheet, ref)
        if self.package.unflagged_style(cell.style) is None:
            self.package.set_style(sheet, ref, self.package.flagged_style(cell.style))
        self.package.add_comment(sheet, ref, message)

    def clear_flag(self, name: str, row: int = 0, col: int = 0) -> None:
        sheet, ref = self._cell(name, row, col)
        cell = self.package.read(sheet, ref)
        original = self.package.unflagged_style(cell.style)
        if original is not None:
            self.package.set_style(sheet, ref, original)
        self.package.remove_comment(sheet, ref)

    def read_rates(self) -> list[list[Any]]:
        area = self._area(RATES_TABLE)
        return [[self.package.read(area.sheet, area.ref(r, c)).value for c in range(area.cols)]
                for r in range(area.rows)]

    def write_rate(self, row: int, col: int, value: Any) -> None:
        sheet, ref = self._cell(RATES_TABLE, row, col)
        self.package.write_value(sheet, ref, value)

    def finish(self) -> None:
        self.package.set_full_calc_on_load()

    def cells_in(self, sheet: str, top: int, left: int, bottom: int | None, right: int) -> list[tuple[str, Any]]:
        if sheet not in self.package.sheets:
            return []
        out = []
        for ref in self.package.sheet(sheet).refs_within(top, left, bottom, right):
            cell = self.package.read(sheet, ref)
            value = cell.value if cell.value is not None or cell.formula is None else "=" + cell.formula
            if value is not None:
                out.append((ref, value))
        return out

    # beyond the interface
    def comment(self, name: str, row: int = 0, col: int = 0) -> str | None:
        sheet, ref = self._cell(name, row, col)
        return self.package.comment(sheet, ref)

    def save(self, path: str | Path, *, fixed_times: bool = False) -> None:
        self.package.save(path, fixed_times=fixed_times)
