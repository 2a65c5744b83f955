"""The published rates: baseline profit rate, government owned contractor rate, the three capital
servicing rates and the SSRO funding adjustment, for any date of agreement.

The rate in force is the one for the financial year containing the time of agreement; financial
years start on 1 April (Act s.19; baseline profit rate guidance 3.2, 6.17). The default table ships
with the package (``sscr/data/published-rates.csv``), each figure with its evidence status and
source. A user rates file adds or overrides years (or single figures) without editing the package.
A figure that is not known fails with a message saying which year, which rate and how to supply it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import re
import stat
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from numbers import Real
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .checks import fmt
from .errors import RateNotAvailableError, RatesFileError, PricingInputError

#: Environment variable naming a user rates file merged over the packaged table.
RATES_FILE_ENV = "SSCR_RATES_FILE"

#: rate key -> (column of the rates file, the name the guidance uses)
RATES: dict[str, tuple[str, str]] = {
    "baseline_profit_rate": ("baseline_profit_rate_pct", "baseline profit rate"),
    "government_owned_contractor_rate": ("government_owned_contractor_rate_pct",
                                         "government owned contractor rate"),
    "fixed_capital_servicing_rate": ("fixed_capital_servicing_rate_pct", "fixed capital servicing rate"),
    "positive_working_capital_servicing_rate": ("positive_working_capital_servicing_rate_pct",
                                                "positive working capital servicing rate"),
    "negative_working_capital_servicing_rate": ("negative_working_capital_servicing_rate_pct",
                                                "negative working capital servicing rate"),
    "ssro_funding_adjustment": ("ssro_funding_adjustment_pct", "SSRO funding adjustment"),
}
COLUMNS = ("financial_year", "applies_from", *(col for col, _ in RATES.values()), "evidence", "source")
EVIDENCE = ("guidance", "official", "mixed", "user")
FIRST_YEAR = 2014  # 2014/15: the BPR of regulation 11(2)(a), 18 December 2014 to 31 March 2015
#: The Single Source Contract Regulations 2014 came into force on 18 December 2014; the first
#: financial year's rates apply from then (regulation 11(2)(a): a BPR of 10.70% until 31 March 2015).
REGIME_FROM = dt.date(2014, 12, 18)

_LABEL = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
#: An ISO date, optionally with a time (as a cell's date shows as text): 2024-05-01, 2024-05-01 00:00:00.
#: Text after it ("2024-04-01abc", "2023-04-01 to 2025-03-31") makes it something other than a date.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?", re.ASCII)


@dataclass(frozen=True)
class CapitalServicingRates:
    """The three capital servicing rates, as fractions (0.0326 for 3.26%)."""

    fixed: float
    positive_working: float
    negative_working: float

    def as_row(self) -> list[float]:
        return [self.fixed, self.positive_working, self.negative_working]


@dataclass(frozen=True)
class Figure:
    """One published figure: its value as a fraction (None when not known), evidence and source."""

    value: float | None
    evidence: str
    source: str


@dataclass(frozen=True)
class PublishedRates:
    """The rates of one financial year."""

    financial_year: str
    applies_from: dt.date
    figures: Mapping[str, Figure]

    @property
    def start_year(self) -> int:
        return self.applies_from.year

    def get(self, rate: str) -> float:
        """The figure as a fraction, or :class:`RateNotAvailableError` saying how to supply it."""
        if rate not in RATES:
            raise PricingInputError(f"rate {fmt(rate)} is not one of {', '.join(RATES)}")
        figure = self.figures.get(rate)
        if (figure is None or figure.value is None) and self.start_year == FIRST_YEAR:
            raise RateNotAvailableError(
                f"the {RATES[rate][1]} for {self.financial_year} (18 December 2014 to 31 March 2015) was not "
                f"published: regulation 11(2)(a) fixes only the baseline profit rate, 10.70%, for that period. "
                f"Enter the figure the parties agreed, or supply it in your own rates file named in "
                f"{RATES_FILE_ENV}")
        if figure is None or figure.value is None:
            raise RateNotAvailableError(
                f"the {RATES[rate][1]} for {self.financial_year} is not in the rate table. "
                f"Supply it in your own rates file (a CSV with the columns of the packaged "
                f"published-rates.csv, per cent figures, one row per financial year) and name it in "
                f"the {RATES_FILE_ENV} environment variable or pass it as rates_file; "
                f"the figure is published in the London Gazette")
        return figure.value

    def evidence(self, rate: str) -> str:
        figure = self.figures.get(rate)
        return figure.evidence if figure is not None else ""

    def source(self, rate: str) -> str:
        figure = self.figures.get(rate)
        return figure.source if figure is not None else ""

    @property
    def baseline_profit_rate(self) -> float:
        return self.get("baseline_profit_rate")

    @property
    def government_owned_contractor_rate(self) -> float:
        return self.get("government_owned_contractor_rate")

    @property
    def ssro_funding_adjustment(self) -> float:
        return self.get("ssro_funding_adjustment")

    @property
    def capital_servicing_rates(self) -> CapitalServicingRates:
        return CapitalServicingRates(self.get("fixed_capital_servicing_rate"),
                                     self.get("positive_working_capital_servicing_rate"),
                                     self.get("negative_working_capital_servicing_rate"))

    def profit_rate(self, rate_type: str = "standard") -> float:
        """Step 1: the standard baseline profit rate or the government owned contractor rate."""
        return self.get(rate_key(rate_type))


def _path(path: object) -> str:
    """A file's path as a message shows it: whole (a shortened path could hide the file's name)."""
    return repr(str(path))

def rate_key(rate_type: str) -> str:
    key = str(rate_type).strip().lower() if rate_type is not None else "standard"
    if key in ("standard", "bpr", ""):
        return "baseline_profit_rate"
    if key in ("gocr", "government owned contractor rate", "government_owned_contractor_rate"):
        return "government_owned_contractor_rate"
    raise PricingInputError(
        f"rate type {fmt(rate_type)} is not known: use \"standard\" for the baseline profit rate or "
        f"\"GOCR\" for the government owned contractor rate (guidance 3.6-3.7)")


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def financial_year_of(day: dt.date) -> int:
    """The start year of the financial year (1 April to 31 March) containing ``day``."""
    return day.year if (day.month, day.day) >= (4, 1) else day.year - 1


def parse_when(when: Any) -> int:
    """The financial year's start year for a date, an Excel date serial, a label or a start year.

    Accepted: ``datetime``/``date``; ``"2024/25"``; ``"2024-05-01"``; ``2024`` (a start year);
    an Excel serial number such as ``45413`` (1 May 2024).
    """
    if isinstance(when, dt.datetime):
        return financial_year_of(when.date())
    if isinstance(when, dt.date):
        return financial_year_of(when)
    if when is None:
        raise PricingInputError("date of agreement is empty: enter a date, a financial year such as "
                                "\"2024/25\" or a start year such as 2024")
    if isinstance(when, bool):
        raise PricingInputError(f"date of agreement {when} is not a date: enter a date or a financial year")
    if isinstance(when, Real):
        value = float(when)
        if not math.isfinite(value) or value != int(value) and value < 1900:
            raise PricingInputError(f"date of agreement {fmt(when)} is not a date or a year")
        if 1900 <= value <= 2200 and value == int(value):
            return int(value)
        if 36526 <= value < 110000:  # Excel serials from 1 January 2000
            return financial_year_of(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        raise PricingInputError(
            f"date of agreement {fmt(when)} is neither a start year (such as 2024) nor an Excel date "
            f"from 2000 on")
    if isinstance(when, str):
        text = when.strip()
        m = _LABEL.match(text)
        if m and not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            start, end = int(m.group(1)), int(m.group(2))
            if end % 100 != (start + 1) % 100:
                raise PricingInputError(
                    f"financial year {fmt(when)} is not a financial year: the second year must follow "
                    f"the first, as in \"{financial_year_label(start)}\"")
            return start
        if _ISO_DATE.fullmatch(text):  # a date, or a date and time; nothing after it
            try:
                return financial_year_of(dt.datetime.fromisoformat(text).date())
            except ValueError:
                raise PricingInputError(
                    f"date of agreement {fmt(when)} is not a date on the calendar: enter a date such as "
                    f"2024-05-01") from None
        if re.fullmatch(r"\d{4}", text):
            return int(text)
        if _ISO_DATE.match(text):
            raise PricingInputError(
                f"date of agreement {fmt(when)} has text after the date: enter one date, such as "
                f"{text[:10]}, with nothing after it")
        raise PricingInputError(
            f"date of agreement {fmt(when)} is not understood: enter a date, a financial year such as "
            f"\"2024/25\" or a start year such as 2024")
    raise PricingInputError(f"date of agreement {fmt(when)} is not a date or a financial year")


class RateTable:
    """Published rates by financial year."""

    def __init__(self, years: Mapping[int, PublishedRates]):
        self._years = dict(sorted(years.items()))

    @property
    def years(self) -> list[PublishedRates]:
        return list(self._years.values())

    def __contains__(self, when: Any) -> bool:
        return parse_when(when) in self._years

    def lookup(self, when: Any) -> PublishedRates:
        """The rates in force for a date of agreement, a label ("2024/25") or a start year (2024)."""
        start = parse_when(when)
        day = when.date() if isinstance(when, dt.datetime) else when if isinstance(when, dt.date) else None
        found = self._years.get(start)
        if day is not None and day < REGIME_FROM or start < FIRST_YEAR:
            when_text = (f"{day.day} {day.strftime('%B')} {day.year} ({financial_year_label(start)})"
                         if day is not None else f"in {financial_year_label(start)}")
            raise RateNotAvailableError(
                f"date of agreement {when_text} is before the Single Source Contract "
                f"Regulations 2014 came into force on 18 December 2014: there is no baseline profit rate "
                f"before then")
        if found is not None:
            return found
        label = financial_year_label(start)
        held = f"{self.years[0].financial_year} to {self.years[-1].financial_year}" if self._years else "none"
        raise RateNotAvailableError(
            f"no rates for {label} are in the rate table (it holds {held}). Add a row for {label} to "
            f"your own rates file (a CSV with the columns of the packaged published-rates.csv, per "
            f"cent figures) from the London Gazette notice, and name it in the {RATES_FILE_ENV} "
            f"environment variable or pass it as rates_file")

    def merged(self, other: "RateTable") -> "RateTable":
        """This table with ``other``'s known figures laid over it, year by year and figure by figure."""
        years = dict(self._years)
        for start, theirs in other._years.items():
            mine = years.get(start)
            if mine is None:
                years[start] = theirs
                continue
            figures = dict(mine.figures)
            for key, figure in theirs.figures.items():
                if figure.value is not None:
                    figures[key] = figure
            years[start] = PublishedRates(mine.financial_year, mine.applies_from, MappingProxyType(figures))
        return RateTable(years)

    def with_file(self, path: str | os.PathLike[str]) -> "RateTable":
        return self.merged(read_rates_file(path))

    @classmethod
    def packaged(cls) -> "RateTable":
        """The table shipped with the package, from the published rate history."""
        return _packaged()


@lru_cache(maxsize=1)
def _packaged() -> RateTable:
    text = resources.files("sscr").joinpath("data/published-rates.csv").read_text(encoding="utf-8")
    return parse_rates_csv(text, origin="packaged published-rates.csv", user=False)


#: The user's rates table, keyed by the file's path and the SHA-256 of its bytes: a file rewritten
#: with its modification time kept (``cp -p``, ``rsync -t``) is read again all the same.
_user_cache: dict[tuple[str, str], RateTable] = {}


def default_table(rates_file: str | os.PathLike[str] | None = None) -> RateTable:
    """The packaged table, with the user's rates file (argument, or ``SSCR_RATES_FILE``) laid over it."""
    path = rates_file if rates_file is not None else os.environ.get(RATES_FILE_ENV) or None
    if path is None:
        return _packaged()
    p = Path(path)
    raw = read_rates_bytes(p)
    key = (str(p.resolve()), hashlib.sha256(raw).hexdigest())
    table = _user_cache.get(key)
    if table is None:
        table = _packaged().merged(parse_rates_bytes(raw, p))
        _user_cache.clear()
        _user_cache[key] = table
    return table


def rates_for(when: Any, rates_file: str | os.PathLike[str] | None = None) -> PublishedRates:
    """The rates in force at a date of agreement (or for a financial year)."""
    return default_table(rates_file).lookup(when)


def read_rates_file(path: str | os.PathLike[str]) -> RateTable:
    """Read a user rates file: a CSV laid out like the packaged published-rates.csv."""
    p = Path(path)
    return parse_rates_bytes(read_rates_bytes(p), p)


#: A rates file has one row a year: anything larger is not one.
MAX_RATES_FILE_BYTES = 1_000_000


def read_rates_bytes(path: Path) -> bytes:
    """The bytes of a rates file. Only a regular file is read: a FIFO, a device or a socket named as
    the rates file would block the reader (and Excel with it) for ever, so it is refused unopened."""
    shown = _path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise RatesFileError(f"rates file {shown} cannot be opened: no such file") from None
    except OSError as exc:
        raise RatesFileError(f"rates file {shown} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise RatesFileError(f"rates file {shown} is a folder, not a CSV file")
    if not stat.S_ISREG(st.st_mode):
        raise RatesFileError(f"rates file {shown} is not a regular file ({file_kind(st.st_mode)}): name a "
                             f"CSV file saved on disk")
    if st.st_size > MAX_RATES_FILE_BYTES:
        raise RatesFileError(f"rates file {shown} is over 1 MB: a rates file has one row a year")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
                raise RatesFileError(f"rates file {shown} is not a regular file: name a CSV file saved on disk")
            with os.fdopen(os.dup(fd), "rb") as fh:
                raw = fh.read(MAX_RATES_FILE_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise RatesFileError(f"rates file {shown} cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_RATES_FILE_BYTES:
        raise RatesFileError(f"rates file {shown} is over 1 MB: a rates file has one row a year")
    return raw


def file_kind(mode: int) -> str:
    """What a non-regular file is, in a user's words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def parse_rates_bytes(raw: bytes, path: Path) -> RateTable:
    """A rates file's bytes as a table; the encoding is named when it is not UTF-8."""
    shown = _path(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RatesFileError(f"rates file {shown} is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8: save it as CSV (UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesFileError(f"rates file {shown} is not UTF-8 text: save it as CSV (UTF-8)") from None
    return parse_rates_csv(text, origin=f"rates file {path.name}", user=True)


#: A figure below these (per cent) is far below any published one and reads as a fraction typed
#: where the file wants per cent figures (0.0326 for 3.26%): refused with the figure it may mean.
_FRACTION_BELOW = {"baseline_profit_rate_pct": Decimal(1), "fixed_capital_servicing_rate_pct": Decimal("0.1"),
                   "positive_working_capital_servicing_rate_pct": Decimal("0.1"),
                   "government_owned_contractor_rate_pct": Decimal("0.005"),
                   "ssro_funding_adjustment_pct": Decimal("0.005")}


#: A per cent figure as a rates file holds it: digits, at most one decimal point, an optional sign.
_PLAIN_FIGURE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _percent(origin: str, line: int, column: str, text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    cleaned = text.rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is not None and not value.is_finite():
        raise RatesFileError(f"{origin} line {line}, column {column}: {fmt(text)} is not a finite number")
    if value is None or not _PLAIN_FIGURE.fullmatch(cleaned):
        # Decimal also reads "9_1" (as 91), "1e1" and " 9 " forms a rates file never means
        raise RatesFileError(f"{origin} line {line}, column {column}: {fmt(text)} is not a number written "
                             f"plainly (digits and one decimal point: per cent figures, such as 8.24 for "
                             f"8.24%)") from None
    if value < 0 or value >= 100:
        raise RatesFileError(f"{origin} line {line}, column {column}: {fmt(text)} must be a per cent "
                             f"figure from 0 up to 100 (8.24 for 8.24%)")
    if 0 < value < _FRACTION_BELOW.get(column, 0):
        raise RatesFileError(f"{origin} line {line}, column {column}: {fmt(text)} looks like a fraction; "
                             f"the file holds per cent figures, so 8.24% is written 8.24 (did you mean "
                             f"{fmt(float(value * 100))}?)")
    return float(value / 100)


def parse_rates_csv(text: str, *, origin: str, user: bool) -> RateTable:
    """A rates file's text as a table, or :class:`RatesFileError` naming the line and the rule."""
    try:
        return _parse_rates_csv(text, origin=origin, user=user)
    except csv.Error as exc:
        raise RatesFileError(f"{origin} is not a CSV file that can be read ({exc}): save it as CSV (UTF-8)") from None


def _parse_rates_csv(text: str, *, origin: str, user: bool) -> RateTable:
    # universal newlines: a file saved with CR (old Mac) or CRLF line endings reads as one with LF
    reader = csv.DictReader(io.StringIO(text, newline=None))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise RatesFileError(f"{origin} is empty: it needs a header row starting financial_year")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise RatesFileError(f"{origin}: column {fmt(unknown[0])} is not known; the columns are "
                             f"{', '.join(COLUMNS)}")
    if "financial_year" not in header:
        raise RatesFileError(f"{origin}: the header has no financial_year column")
    if not any(col in header for col, _ in RATES.values()):
        raise RatesFileError(f"{origin}: the header names no rate column ({', '.join(c for c, _ in RATES.values())})")
    if len(set(header)) != len(header):
        raise RatesFileError(f"{origin}: a column is named twice in the header")
    reader.fieldnames = header
    years: dict[int, PublishedRates] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise RatesFileError(f"{origin} line {line} has more cells than the header")
        if not any((v or "").strip() for v in row.values()):
            continue
        label = (row.get("financial_year") or "").strip()
        m = _LABEL.match(label)
        if not m or int(m.group(2)) % 100 != (int(m.group(1)) + 1) % 100:
            raise RatesFileError(f"{origin} line {line}: financial_year {fmt(label)} must be written like "
                                 f"\"2026/27\"")
        start = int(m.group(1))
        if start < FIRST_YEAR or start > 2200:
            raise RatesFileError(f"{origin} line {line}: financial_year {label} is outside "
                                 f"{financial_year_label(FIRST_YEAR)} (the first year of the regulations) to 2200"
                                 if start > 2200 else
                                 f"{origin} line {line}: financial_year {label} is before "
                                 f"{financial_year_label(FIRST_YEAR)}, the first year of the regulations")
        if start in years:
            raise RatesFileError(f"{origin} line {line}: financial_year {label} appears twice")
        applies_text = (row.get("applies_from") or "").strip()
        applies = REGIME_FROM if start == FIRST_YEAR else dt.date(start, 4, 1)
        if applies_text:
            try:
                applies = dt.date.fromisoformat(applies_text)
            except ValueError:
                raise RatesFileError(f"{origin} line {line}: applies_from {fmt(applies_text)} is not a date "
                                     f"like {start}-04-01") from None
            expected = REGIME_FROM if start == FIRST_YEAR else dt.date(start, 4, 1)
            if applies != expected:
                raise RatesFileError(f"{origin} line {line}: applies_from {applies_text} must be "
                                     f"{expected.day} {expected.strftime('%B')} {expected.year}, the start of "
                                     f"financial year {label}")
        evidence = (row.get("evidence") or "").strip() or ("user" if user else "")
        if evidence not in EVIDENCE:
            raise RatesFileError(f"{origin} line {line}: evidence {fmt(evidence)} must be one of "
                                 f"{', '.join(EVIDENCE)}")
        source = (row.get("source") or "").strip() or origin
        figures = {}
        for key, (column, _) in RATES.items():
            value = _percent(origin, line, column, row.get(column) or "")
            figures[key] = Figure(value, evidence, source)
        years[start] = PublishedRates(financial_year_label(start), applies, MappingProxyType(figures))
    if not years:
        raise RatesFileError(f"{origin} has a header but no rows of rates")
    return RateTable(years)


def rate_rows(table: RateTable) -> Iterable[dict[str, Any]]:
    """The table as rows of per cent figures, for a rates sheet or a CSV."""
    for year in table.years:
        row: dict[str, Any] = {"financial_year": year.financial_year, "applies_from": year.applies_from}
        for key, (column, _) in RATES.items():
            figure = year.figures.get(key)
            row[column] = None if figure is None or figure.value is None else float(
                Decimal(repr(figure.value)) * 100)
        statuses = {f.evidence for f in year.figures.values() if f.value is not None}
        row["evidence"] = "/".join(sorted(statuses))
        row["source"] = "; ".join(sorted({f.source for f in year.figures.values() if f.value is not None}))
        yield row
