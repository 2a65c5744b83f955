"""Input checks shared by the calculation modules.

Each check takes the input's name as the analyst knows it, the value, and returns the value as a
float (or a float array when an array came in), or raises :class:`PricingInputError` with a message
that names the input, the value and the rule. Scalars stay Python floats so that a single
worksheet call is cheap; arrays are checked as a whole and the message names the first bad row.

Inside :func:`collecting`, a check on an array does not raise: it records every element that breaks
its rule (a :class:`Failure`), so a portfolio can report all its bad rows, each with the message the
scalar check gives, from the very rules the calculation applies.
"""

from __future__ import annotations

import contextvars
import math
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from typing import Any, Callable, Iterator

import numpy as np

from .errors import PricingInputError

#: Money beyond this cannot hold its pennies exactly in a double (15-16 significant digits).
MAX_MONEY = 1e13


def fmt(value: Any) -> str:
    """A value as it should appear in a message: short, exact enough to recognise."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, Real):
        v = float(value)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "infinity" if v > 0 else "-infinity"
        return format(v, ".10g")
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return repr(value)[:60]


def words(value: Any) -> str:
    """A name as typed, for looking up in a table of names: lower case, underscores read as spaces,
    runs of spaces made one ("Volume_driven " and "volume  driven" are both "volume driven")."""
    return " ".join(str(value).strip().lower().replace("_", " ").split())


def pct(value: float) -> str:
    """A rate fraction as a per cent figure for messages: 0.0824 -> '8.24%'."""
    return format(value * 100, ".10g") + "%"


@dataclass(frozen=True)
class Failure:
    """Elements of an array that break one rule: ``mask`` is True where they do, shaped like ``values``."""

    name: str
    mask: np.ndarray
    values: np.ndarray
    text: Callable[[str, float, Any], str]

    def message(self, index: int | tuple[int, ...]) -> str:
        """The message the scalar check gives for the element at ``index``."""
        return self.text(self.name, float(self.values[index]), index)


_failures: contextvars.ContextVar[list[Failure] | None] = contextvars.ContextVar("sscr_check_failures",
                                                                                  default=None)


@contextmanager
def collecting() -> Iterator[list[Failure]]:
    """Record every failing array element instead of raising on the first, in the order checked.

    Scalar checks still raise. Calculations inside the block go on with the bad elements (floating
    point warnings are silenced there), so their figures for those elements mean nothing: a caller
    drops the rows that failed and uses, or recomputes, only the others.
    """
    found: list[Failure] = []
    token = _failures.set(found)
    try:
        with np.errstate(all="ignore"):
            yield found
    finally:
        _failures.reset(token)


def is_collecting() -> bool:
    return _failures.get() is not None


def record(name: str, values: np.ndarray, bad: Any, text: Callable[[str, float, Any], str]) -> bool:
    """Inside :func:`collecting`, record the elements of ``values`` where ``bad`` holds and return
    True; outside it, return False (the caller raises as it always has). ``text(name, value, index)``
    is the message for one element, as the scalar check words it."""
    found = _failures.get()
    if found is None:
        return False
    bad = np.broadcast_to(np.asarray(bad, dtype=bool), np.shape(values))
    if bad.any():
        found.append(Failure(name, bad, np.asarray(values), text))
    return True


def _not_finite(name: str, value: float, index: Any = None) -> str:
    return f"{name} is {fmt(value)}: enter a finite number"


def _where(index: tuple[int, ...] | None) -> str:
    if index is None:
        return ""
    return " at row " + ",".join(str(i + 1) for i in index)


def is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (
        not isinstance(value, (str, bytes, Real)) and hasattr(value, "__len__")
    )


def number(name: str, value: Any) -> float | np.ndarray:
    """A finite number (or array of them). Empty, text, booleans, NaN and infinities are refused."""
    if isinstance(value, float) and math.isfinite(value):  # the common case, first and cheap
        return value
    if value is None:
        raise PricingInputError(f"{name} is empty: enter a number")
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise PricingInputError(f"{name} is {str(bool(value)).upper()}: enter a number, not a true/false value")
    if isinstance(value, str):
        text = value.strip()
        hint = ""
        try:
            float(text.replace(",", "").rstrip("%"))
            hint = "; it looks like a number stored as text, so enter it as a number"
        except ValueError:
            pass
        if not text:
            raise PricingInputError(f"{name} is empty: enter a number")
        raise PricingInputError(f"{name} is text ({fmt(value)}), not a number{hint}")
    if isinstance(value, Real):
        v = float(value)
        if not math.isfinite(v):
            raise PricingInputError(_not_finite(name, v))
        return v
    if is_array(value):
        if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
            arr = value.astype(float, copy=False)  # already numbers: nothing to refuse but NaN and infinities
        else:
            arr = _numbers_in_range(name, value)
        bad = ~np.isfinite(arr)
        if bad.any() and not record(name, arr, bad, _not_finite):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise PricingInputError(f"{name}{_where(idx)} is {fmt(float(arr[idx]))}: enter a finite number")
        return arr
    raise PricingInputError(f"{name} is {fmt(value)} ({type(value).__name__}), not a number")


_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})


def _numbers_in_range(name: str, value: Any) -> np.ndarray:
    """A range's values as floats, each held to the rule a single cell is: a TRUE/FALSE, text (even
    text that looks like a number, such as "1_000" or "8%") or an empty cell inside a range is refused
    with its position, never converted (numpy would read TRUE as 1 and "1_000" as 1000)."""
    try:
        cells = np.asarray(value, dtype=object)
    except (TypeError, ValueError):
        raise PricingInputError(f"{name} is a range whose rows are not all the same length: give a "
                                f"rectangular range of numbers") from None
    flat = cells.ravel()
    kinds = set(map(type, flat))
    if not kinds <= _PLAIN_NUMBERS:
        for position, cell in enumerate(flat):
            if type(cell) in _PLAIN_NUMBERS:
                continue
            idx = tuple(int(i) for i in np.unravel_index(position, cells.shape)) if cells.ndim else None
            where = _where(idx)
            if cell is None:
                raise PricingInputError(f"{name}{where} is empty: enter a number in every cell of the range")
            if isinstance(cell, (bool, np.bool_)):
                raise PricingInputError(f"{name}{where} is {str(bool(cell)).upper()}: enter a number, not a "
                                        f"true/false value")
            if isinstance(cell, str):
                number(f"{name}{where}", cell)  # raises: text, with the hint when it looks like a number
            if isinstance(cell, Real):
                continue
            raise PricingInputError(f"{name}{where} is {fmt(cell)} ({type(cell).__name__}), not a number")
    try:
        return np.asarray(flat, dtype=float).reshape(cells.shape)
    except (TypeError, ValueError):
        raise PricingInputError(f"{name} holds a value that is not a number: enter numbers only") from None


def _first_bad(mask: np.ndarray, arr: np.ndarray) -> tuple[str, float]:
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return _where(idx), float(arr[idx])


def check(name: str, value: float | np.ndarray, ok: Any, rule: str, hint: str = "") -> None:
    """Raise unless ``ok`` (a bool, or a boolean array shaped like value) holds everywhere."""
    if isinstance(value, np.ndarray):
        mask = ~np.asarray(ok, dtype=bool)
        if mask.any() and not record(name, value, mask, lambda n, v, i: f"{n} {fmt(v)} {rule}{hint}"):
            where, bad = _first_bad(np.broadcast_to(mask, value.shape), value)
            raise PricingInputError(f"{name}{where} {fmt(bad)} {rule}{hint}")
    elif not ok:
        raise PricingInputError(f"{name} {fmt(value)} {rule}{hint}")


def money(name: str, value: Any, *, nonnegative: bool = False) -> float | np.ndarray:
    """An amount of money: finite, within the range a double holds to the penny."""
    v = number(name, value)
    check(name, v, abs(v) <= MAX_MONEY,
          f"is beyond +/-{MAX_MONEY:,.0f}, where a spreadsheet number no longer holds pennies exactly; check the units")
    if nonnegative:
        check(name, v, v >= 0, "is negative: it must be zero or more")
    return v


def rate(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
         rule: str = "") -> float | np.ndarray:
    """A rate as a fraction (0.0824 for 8.24%). A value of 1 or more is taken as a unit slip."""
    v = number(name, value)
    ok = abs(v) < 1
    if isinstance(v, np.ndarray):
        if not np.all(ok) and not record(name, v, ~ok, _slip_message):
            where, bad = _first_bad(~ok, v)
            raise PricingInputError(_slip_message(name + where, bad))
    elif not ok:
        raise PricingInputError(_slip_message(name, v))
    if lo is not None or hi is not None:
        lo_ok = True if lo is None else v >= lo - 1e-12
        hi_ok = True if hi is None else v <= hi + 1e-12
        check(name, v, np.logical_and(lo_ok, hi_ok) if isinstance(v, np.ndarray) else (lo_ok and hi_ok), rule)
    return v


def _slip_message(name: str, v: float, index: Any = None) -> str:
    return (f"{name} {fmt(v)} is not a rate: rates are fractions, so 8.24% is 0.0824 "
            f"(type it as 8.24% in Excel); did you mean {fmt(v / 100)} ({fmt(v)}%)?")


def single(name: str, value: Any) -> Any:
    """``value`` where one value is expected: a one-cell range is its cell; a larger range is
    refused by name (a worksheet argument given a range by mistake)."""
    if is_array(value):
        flat = np.ravel(np.asarray(value, dtype=object))
        if flat.size != 1:
            raise PricingInputError(f"{name} is a range of {flat.size} cells: give one value")
        return flat[0]
    return value


def positive_int(name: str, value: Any, *, lo: int = 1, hi: int | None = None) -> int:
    v = number(name, value)
    if isinstance(v, np.ndarray) or v != int(v) or v < lo or (hi is not None and v > hi):
        bound = f"from {lo} to {hi}" if hi is not None else f"of {lo} or more"
        raise PricingInputError(f"{name} {fmt(value)} must be a whole number {bound}")
    return int(v)
