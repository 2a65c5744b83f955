"""Values outside a model's tables are refused, never ignored.

A template declares each input table of fixed rows (:class:`~sscr.workbooks.layout.TableSpec`):
the cost lines, the risks, the components, the supply chain. A value typed below a table's last
row, or in the column beside it, in a cell the template leaves empty, is not part of any input:
a regeneration that went on would price the contract without it. :func:`check_tables` refuses the
workbook instead, naming the cell and saying how to grow the table.
"""

from __future__ import annotations

from typing import Any, Protocol

from sscr import checks
from sscr.errors import PricingInputError

from .layout import TableSpec, TemplateSpec
from .package import col_letters as get_column_letter, split_ref


class OutsideTableError(PricingInputError):
    """A value typed outside the table it would belong to."""


class CellSource(Protocol):
    def cells_in(self, sheet: str, top: int, left: int, bottom: int | None, right: int) -> list[tuple[str, Any]]: ...


def stray_cells(book: CellSource, table: TableSpec) -> list[tuple[str, Any]]:
    """The cells around ``table`` that hold a value the template did not put there, by row."""
    found = book.cells_in(table.sheet, table.first_row, table.first_col, table.check_to, table.last_col + 1)
    stray = [(ref, value) for ref, value in found if ref not in table.occupied and value not in (None, "")]
    return sorted(stray, key=lambda rv: split_ref(rv[0]))


def message(table: TableSpec, ref: str, value: Any) -> str:
    row, col = split_ref(ref)
    span = f"rows {table.first_row}-{table.last_row}, columns {get_column_letter(table.first_col)}-" \
           f"{get_column_letter(table.last_col)}"
    if row > table.last_row:
        where = f"below the last row of the {table.title} table ({span}; it holds {table.rows:,})"
        need = table.rows + row - table.last_row
    else:
        where = f"in the column beside the {table.title} table ({span})"
        need = table.rows + col - table.last_col
    grow = table.grow.replace(" N", f" {need}") if table.grow.endswith(" N") else table.grow
    return (f"{table.sheet}!{ref} holds {checks.fmt(value)}, {where}: the model does not count it. Move it into the "
            f"table, clear it, or {grow}")


def check_tables(book: CellSource, spec: TemplateSpec) -> None:
    """Refuse a workbook with a value outside one of its tables (the first one found)."""
    for table in spec.tables:
        stray = stray_cells(book, table)
        if stray:
            ref, value = stray[0]
            more = f" ({len(stray) - 1} more cell(s) outside it too)" if len(stray) > 1 else ""
            raise OutsideTableError(message(table, ref, value) + more)
