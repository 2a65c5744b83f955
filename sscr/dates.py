"""The date of agreement as a day.

Rates are in force by financial year, so a financial year ("2024/25") or its start year is enough
to look them up (:func:`sscr.rates.parse_when`). The rules that changed part way through a year
need the day itself: the maximum incentive adjustment for a qualifying defence contract rose on
5 June 2026, and guidance versions apply from dates such as 10 October 2024. This module reads the
day from what Excel or a user passes: a date, a datetime, an Excel date serial or ISO text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from numbers import Real
from typing import Any

from .checks import fmt
from .errors import PricingInputError

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
_MONTHS = {name.lower(): i for i, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_SPELLED = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: An ISO date, optionally with a time; text after it makes it something other than a date.
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?", re.ASCII)
_YEARISH = re.compile(r"^\s*\d{4}\s*([/-]\s*\d{2,4})?\s*$")


def is_empty(value: Any) -> bool:
    """An empty cell (None) or blank text."""
    return value is None or (isinstance(value, str) and not value.strip())


def agreement_day(when: Any, name: str = "date of agreement", *, why: str = "") -> dt.date:
    """The day of agreement from a date, a datetime, an Excel date serial (45413 is 1 May 2024),
    or text such as "2026-06-05", "5 June 2026" or "05/06/2026" (day first, as in the UK).

    A financial year or a year alone is refused: the rule being applied changed on a day within a
    year. ``why`` says which rule, for the message.
    """
    because = f" ({why})" if why else ""
    if isinstance(when, dt.datetime):
        return when.date()
    if isinstance(when, dt.date):
        return when
    if is_empty(when):
        raise PricingInputError(f"{name} is empty: enter the day the price was agreed{because}")
    if isinstance(when, bool):
        raise PricingInputError(f"{name} {when} is not a date: enter the day the price was agreed")
    if isinstance(when, Real):
        value = float(when)
        if math.isfinite(value) and value == int(value) and 1900 <= value <= 2200:
            raise PricingInputError(
                f"{name} {fmt(when)} is a year, not a day: enter the date the price was agreed{because}")
        if math.isfinite(value) and 36526 <= value < 110000:  # Excel serials from 1 January 2000
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise PricingInputError(f"{name} {fmt(when)} is not a date: enter a date from 2000 on")
    if isinstance(when, str):
        text = when.strip()
        if _ISO.match(text) and not _ISO.fullmatch(text):
            raise PricingInputError(f"{name} {fmt(when)} has text after the date: enter one date, such as "
                                    f"\"{text[:10]}\", with nothing after it")
        try:
            return dt.datetime.fromisoformat(text).date() if _ISO.fullmatch(text) else _spelled(text)
        except ValueError:
            pass
        if _YEARISH.match(text):
            raise PricingInputError(f"{name} {fmt(when)} is a year, not a day: enter the date the price was "
                                    f"agreed{because}, such as \"2026-06-05\"")
        raise PricingInputError(f"{name} {fmt(when)} is not understood: enter a date such as \"2026-06-05\" "
                                f"or \"5 June 2026\"")
    raise PricingInputError(f"{name} {fmt(when)} is not a date")


def _spelled(text: str) -> dt.date:
    m = _SPELLED.match(text)
    if m and m.group(2).lower() in _MONTHS:
        return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = _UK.match(text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    raise ValueError(text)


def long_date(day: dt.date) -> str:
    """5 June 2026, as the regulations and the guidance write dates."""
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"
