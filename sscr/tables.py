"""Reading tables with a header row: a worksheet range (a list of row lists), a list of dicts or a
pandas DataFrame. Columns are matched by name, case-insensitively, ignoring spaces, underscores
and hyphens, in any order. Wholly empty rows are skipped (a range drawn larger than its data).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from .checks import fmt
from .errors import PricingInputError


def normalise(header: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(header).strip().lower())


def cell_text(value: Any) -> str:
    """A cell's content as text, stripped: empty for an empty cell, 12 rather than 12.0 for a
    whole number Excel passes as a float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(what: str, table: Any, required: Sequence[str], optional: Sequence[str] = (),
               aliases: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts keyed by the canonical column names.

    ``required`` and ``optional`` are canonical names; ``aliases`` maps other accepted headers
    (normalised) to canonical names. Unknown columns are refused, so a misspelt header is caught.
    Each row dict also carries ``_row``: its 1-based row number in the table, counting the header.
    """
    rows = _as_rows(what, table)
    if not rows:
        raise PricingInputError(f"{what} is empty: it needs a header row ({', '.join(required)}) and data rows")
    known = {normalise(c): c for c in (*required, *optional)}
    for alias, canonical in (aliases or {}).items():
        known[normalise(alias)] = canonical
    header = rows[0]
    columns: list[str | None] = []
    seen: set[str] = set()
    for cell in header:
        if _is_blank(cell):
            columns.append(None)
            continue
        canonical = known.get(normalise(cell))
        if canonical is None:
            raise PricingInputError(
                f"{what} header {fmt(cell)} is not a known column: the columns are "
                f"{', '.join((*required, *optional))} (in any order, any case)")
        if canonical in seen:
            raise PricingInputError(f"{what} header names column {canonical} twice")
        seen.add(canonical)
        columns.append(canonical)
    missing = [c for c in required if c not in seen]
    if missing:
        raise PricingInputError(
            f"{what} has no {missing[0]} column: the header row must name {', '.join(required)}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if all(_is_blank(v) for v in row):
            continue
        if len(row) > len(columns) and any(not _is_blank(v) for v in row[len(columns):]):
            raise PricingInputError(f"{what} row {number} has values beyond the header's columns")
        record: dict[str, Any] = {c: None for c in (*required, *optional)}
        for column, value in zip(columns, row):
            if column is not None:
                record[column] = None if _is_blank(value) else value
        record["_row"] = number
        out.append(record)
    if not out:
        raise PricingInputError(f"{what} has a header row but no data rows")
    return out


def _as_rows(what: str, table: Any) -> list[list[Any]]:
    if table is None:
        return []
    if hasattr(table, "columns") and hasattr(table, "itertuples"):  # a pandas DataFrame
        header = [str(c) for c in table.columns]
        body = [[None if _is_nan(v) else v for v in row] for row in table.itertuples(index=False, name=None)]
        return [header, *body]
    if isinstance(table, (str, bytes)) or not isinstance(table, Iterable):
        raise PricingInputError(f"{what} is {fmt(table)}: select a range with a header row and data rows")
    rows = list(table)
    if rows and isinstance(rows[0], Mapping):
        header = list(rows[0].keys())
        return [header, *[[r.get(h) for h in header] for r in rows]]
    if rows and not isinstance(rows[0], (list, tuple)):
        raise PricingInputError(f"{what} is a single row or column: select a range with a header row and data rows")
    return [list(r) for r in rows]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def flag(what: str, value: Any, default: bool) -> bool:
    """A yes/no cell: TRUE/FALSE, yes/no, y/n, 1/0; empty takes the default."""
    if _is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    raise PricingInputError(f"{what} {fmt(value)} is not a yes/no value: enter TRUE or FALSE")
