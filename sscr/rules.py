"""The rules in force at the date of agreement, as data with their sources.

The regulations have changed since 18 December 2014, when the Single Source Contract Regulations
2014 came into force. The rules that depend on the date of agreement (and, for the incentive
adjustment, on whether the contract is a qualifying defence contract or a qualifying sub-contract)
are a table shipped with the package, ``sscr/data/rules.csv``, one row per rule from the date it
applies, each with its source:

- ``maximum_incentive_adjustment`` (percentage points): 2 (regulation 11(6)); for a qualifying
  defence contract (QDC) agreed on or after 5 June 2026, 10 (Single Source Contract (Amendment)
  Regulations 2026); a qualifying sub-contract (QSC) stays at 2.
- ``profit_rate_steps``: six steps before 1 April 2024, four from then (SI 2024/420). The date is
  the one on which the price being calculated was agreed: an amendment agreed on or after
  1 April 2024 to a contract agreed before is priced with four steps.
- ``ssro_funding_adjustment``: ``zero`` before 1 April 2017, ``published`` (the rate table's figure
  for the year) from then, ``none`` (it does not exist) from 1 April 2024.

A user rules file (the same columns, named in ``SSCR_RULES_FILE`` or passed as ``rules_file``) adds
rows, for a change the package does not yet know.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from .checks import fmt
from .dates import agreement_day, is_empty, long_date
from .errors import PricingInputError, RatesFileError
from .rates import financial_year_label, parse_when

RULES_FILE_ENV = "SSCR_RULES_FILE"
COLUMNS = ("rule", "contract_kind", "applies_from", "value", "source")

#: The day the Single Source Contract Regulations 2014 came into force.
REGULATIONS_FROM = dt.date(2014, 12, 18)

QDC, QSC = "QDC", "QSC"
KINDS = {QDC: "qualifying defence contract", QSC: "qualifying sub-contract"}

#: rule -> (what it is called in messages, the values it may take (None: a number))
RULES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "maximum_incentive_adjustment": ("maximum incentive adjustment", None),
    "profit_rate_steps": ("number of steps of the contract profit rate", ("4", "6")),
    "ssro_funding_adjustment": ("SSRO funding adjustment", ("zero", "published", "none")),
}


class RulesFileError(RatesFileError):
    """A user rules file cannot be read."""


class DateWithinChangeError(PricingInputError):
    """A financial year was given where the rule changed within it: the day is needed.
    ``floor`` is the rule's value at the start of the year."""

    def __init__(self, message: str, floor: str, changed: dt.date):
        super().__init__(message)
        self.floor = floor
        self.changed = changed


@dataclass(frozen=True)
class Rule:
    """One rule as it applies from a date: ``value`` as text (a number of percentage points, a count
    of steps, or a keyword), ``contract_kind`` "QDC", "QSC" or "" for both."""

    rule: str
    contract_kind: str
    applies_from: dt.date
    value: str
    source: str
    evidence: str = "regulations"


def contract_kind(kind: Any) -> str:
    """"QDC" (the default, when empty) or "QSC", from the abbreviation or the words."""
    if is_empty(kind):
        return QDC
    text = str(kind).strip().lower().replace("-", " ").replace("_", " ") if isinstance(kind, str) else None
    if text in ("qdc", "qualifying defence contract", "defence contract", "prime", "prime contract"):
        return QDC
    if text in ("qsc", "qualifying sub contract", "qualifying subcontract", "sub contract", "subcontract"):
        return QSC
    raise PricingInputError(f"contract kind {fmt(kind)} is not known: use \"QDC\" for a qualifying defence "
                            f"contract or \"QSC\" for a qualifying sub-contract (Defence Reform Act 2014 s.14, "
                            f"s.28)")


class RuleTable:
    def __init__(self, rules: Iterable[Rule]):
        found: dict[tuple[str, str, dt.date], Rule] = {}
        for r in rules:
            found[(r.rule, r.contract_kind, r.applies_from)] = r
        self._rules = sorted(found.values(), key=lambda r: (r.rule, r.contract_kind, r.applies_from))

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules)

    def merged(self, other: "RuleTable") -> "RuleTable":
        return RuleTable([*self._rules, *other._rules])

    def at_day(self, rule: str, day: dt.date, kind: str = "") -> Rule:
        if day < REGULATIONS_FROM:
            raise PricingInputError(
                f"date of agreement {long_date(day)} is before the Single Source Contract Regulations 2014 "
                f"came into force (18 December 2014)")
        rows = [r for r in self._rules if r.rule == rule and r.contract_kind in (kind, "")
                and r.applies_from <= day]
        if not rows:
            raise PricingInputError(f"the rules table has no {RULES[rule][0]} for {long_date(day)}")
        # a row for the contract kind wins over one for both from the same date
        return max(rows, key=lambda r: (r.applies_from, r.contract_kind != ""))

    def changes(self, rule: str, kind: str = "") -> list[dt.date]:
        return sorted({r.applies_from for r in self._rules if r.rule == rule and r.contract_kind in (kind, "")})

    def in_force(self, rule: str, date_of_agreement: Any, kind: str = "") -> Rule:
        """The rule in force at the date of agreement: a day, or a financial year when the rule does
        not change within it."""
        if rule not in RULES:
            raise PricingInputError(f"rule {fmt(rule)} is not one of {', '.join(RULES)}")
        first, last = agreement_days(date_of_agreement)
        if first == last:
            return self.at_day(rule, first, kind)
        start = self.at_day(rule, max(first, REGULATIONS_FROM), kind)
        within = [d for d in self.changes(rule, kind) if first < d <= last]
        if within and self.at_day(rule, within[-1], kind).value != start.value:
            who = f" for a {KINDS[kind]}" if kind else ""
            raise DateWithinChangeError(
                f"date of agreement {fmt(date_of_agreement)} is a financial year, but the {RULES[rule][0]}{who} "
                f"changed on {long_date(within[-1])}, within it: enter the day the price was agreed", start.value,
                within[-1])
        return start


def agreement_days(when: Any) -> tuple[dt.date, dt.date]:
    """(first, last) day the date of agreement may be: one day for a date, 1 April to 31 March for a
    financial year or its start year."""
    try:
        day = agreement_day(when)
        return day, day
    except PricingInputError:
        start = parse_when(when)  # raises its own message for what is neither
        if start == 2014:  # the regime's first period: 18 December 2014 to 31 March 2015
            return REGULATIONS_FROM, dt.date(2015, 3, 31)
        if start < 2014:
            raise PricingInputError(
                f"date of agreement {fmt(when)} falls in {financial_year_label(start)}, before the Single "
                f"Source Contract Regulations 2014 came into force (18 December 2014)") from None
        return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


@lru_cache(maxsize=1)
def _packaged() -> RuleTable:
    text = resources.files("sscr").joinpath("data/rules.csv").read_text(encoding="utf-8")
    return parse_rules_csv(text, origin="packaged rules.csv", user=False)


def packaged_rules() -> RuleTable:
    """The rules shipped with the package, without any user rules file (the templates' formulas)."""
    return _packaged()


_user_cache: dict[tuple[str, float, int], RuleTable] = {}


def rule_table(rules_file: str | os.PathLike[str] | None = None) -> RuleTable:
    """The packaged rules with the user's rules file (argument, or ``SSCR_RULES_FILE``) laid over them."""
    path = rules_file if rules_file is not None else os.environ.get(RULES_FILE_ENV) or None
    if path is None:
        return _packaged()
    p = Path(path)
    try:
        st = p.stat()
        if not p.is_file():
            raise RulesFileError(f"rules file {fmt(str(path))} is not a regular file")
    except OSError:
        raise RulesFileError(f"rules file {fmt(str(path))} cannot be opened: no such file") from None
    key = (str(p.resolve()), st.st_mtime, st.st_size)
    table = _user_cache.get(key)
    if table is None:
        try:
            text = p.read_bytes()[:1_000_001].decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise RulesFileError(f"rules file {fmt(str(path))} cannot be read as UTF-8 CSV text") from None
        table = _packaged().merged(parse_rules_csv(text, origin=f"rules file {p.name}", user=True))
        _user_cache.clear()
        _user_cache[key] = table
    return table


def parse_rules_csv(text: str, *, origin: str, user: bool) -> RuleTable:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if any(c not in header for c in ("rule", "applies_from", "value")) or any(h not in COLUMNS for h in header):
        raise RulesFileError(f"{origin}: the header must be {','.join(COLUMNS)} (contract_kind and source may be "
                             f"left out)")
    reader.fieldnames = header
    rules = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise RulesFileError(f"{origin} line {line} has more cells than the header")
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        name = cells.get("rule", "")
        if name not in RULES:
            raise RulesFileError(f"{origin} line {line}: rule {fmt(name)} is not one of {', '.join(RULES)}")
        kind = cells.get("contract_kind", "")
        if kind:
            try:
                kind = contract_kind(kind)
            except PricingInputError as exc:
                raise RulesFileError(f"{origin} line {line}: {exc}") from None
        try:
            applies = dt.date.fromisoformat(cells.get("applies_from", ""))
        except ValueError:
            raise RulesFileError(f"{origin} line {line}: applies_from {fmt(cells.get('applies_from', ''))} is not "
                                 f"a date like 2026-06-05") from None
        value = cells.get("value", "").lower()
        allowed = RULES[name][1]
        if allowed is None:
            try:
                points = float(value)
            except ValueError:
                points = -1.0
            if not 0 <= points <= 100:
                raise RulesFileError(f"{origin} line {line}: value {fmt(value)} of {name} must be percentage "
                                     f"points, such as 10")
        elif value not in allowed:
            raise RulesFileError(f"{origin} line {line}: value {fmt(value)} of {name} must be one of "
                                 f"{', '.join(allowed)}")
        rules.append(Rule(name, kind, applies, value, cells.get("source") or origin,
                          "user" if user else "regulations"))
    if not rules:
        raise RulesFileError(f"{origin} has a header but no rules")
    return RuleTable(rules)


# --- the rules, as the calculations ask for them -------------------------------------------------

@dataclass(frozen=True)
class IncentiveCap:
    """The maximum incentive adjustment in force: ``limit`` as a rate fraction (0.02 for 2pp),
    ``rule`` the words for a message, ``dated`` whether a date of agreement decided it."""

    limit: float
    rule: str
    source: str
    dated: bool


#: With no date of agreement the cap is the 2pp of regulation 11(6); the message says when more is allowed.
_UNDATED_RULE = ("is outside 0..2 percentage points (regulation 11(6); guidance 5.9): 1pp is 0.01. A qualifying "
                 "defence contract agreed on or after 5 June 2026 may have up to 10 percentage points (Single "
                 "Source Contract (Amendment) Regulations 2026): give the date of agreement")


def incentive_cap(date_of_agreement: Any = None, kind: Any = None, *,
                  rules_file: str | os.PathLike[str] | None = None) -> IncentiveCap:
    """The maximum incentive adjustment for a contract of ``kind`` ("QDC" or "QSC") agreed on the date.

    Examples:
        >>> incentive_cap(dt.date(2026, 6, 4), "QDC").limit, incentive_cap(dt.date(2026, 6, 5), "QDC").limit
        (0.02, 0.1)
        >>> incentive_cap(dt.date(2026, 6, 5), "QSC").limit
        0.02
    """
    k = contract_kind(kind)
    if is_empty(date_of_agreement):
        if k == QSC:
            return IncentiveCap(0.02, "is outside 0..2 percentage points (regulation 11(6); guidance 5.9), the maximum "
                                "for a qualifying sub-contract: 1pp is 0.01",
                                "Single Source Contract Regulations 2014, regulation 11(6)", False)
        return IncentiveCap(0.02, _UNDATED_RULE, "Single Source Contract Regulations 2014, regulation 11(6)", False)
    r = rule_table(rules_file).in_force("maximum_incentive_adjustment", date_of_agreement, k)
    points = float(r.value)
    first, last = agreement_days(date_of_agreement)
    when = f"on {long_date(first)}" if first == last else f"in {financial_year_label(parse_when(date_of_agreement))}"
    words = (f"is outside 0..{fmt(points)} percentage points, the maximum incentive adjustment for a {KINDS[k]} "
             f"agreed {when}")
    return IncentiveCap(points / 100, f"{words} ({r.source})", r.source, True)


def profit_rate_steps(date_of_agreement: Any, *, rules_file: str | os.PathLike[str] | None = None) -> int:
    """4 or 6: the steps of the contract profit rate for a price agreed on the date (for an
    amendment, the date the amendment was agreed)."""
    return int(rule_table(rules_file).in_force("profit_rate_steps", date_of_agreement).value)


def funding_adjustment_rule(date_of_agreement: Any, *, rules_file: str | os.PathLike[str] | None = None) -> Rule:
    """The SSRO funding adjustment rule in force: value "zero", "published" or "none"."""
    return rule_table(rules_file).in_force("ssro_funding_adjustment", date_of_agreement)
