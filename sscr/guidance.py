"""The version of the SSRO's statutory guidance in force at the date of agreement.

The SSRO issues guidance on allowable costs (Act s.20(1)), on the baseline profit rate and its
adjustment (Act s.18 and s.19), and on alternative pricing (regulations 19A to 19G). Each text
opens with a table "Versions of this guidance": version number, date published, and the date from
which it applies to contracts agreed on or after it. The version in force for a contract is the
last one whose application date is on or before the date of agreement. The contract pricing
statement (regulation 23 as substituted by SI 2024/420) records "the date and version of the
statutory guidance in force at the time of agreement".

The packaged table (``sscr/data/guidance-versions.csv``) holds the version tables of the texts the
product implements: allowable costs guidance 7.3 (16 March 2026), baseline profit rate guidance 8
(24 January 2024) and alternative pricing guidance 1.2 (14 March 2025). Later versions (for
example baseline profit rate guidance 8.4 or alternative pricing guidance 1.4), or other statutory
guidance documents, are added from a user guidance file: a CSV with the same columns, named in
``SSCR_GUIDANCE_FILE`` or passed as ``guidance_file``. A user row is marked ``user``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from .checks import fmt
from .dates import agreement_day, long_date
from .errors import PricingInputError

#: Environment variable naming a user guidance file merged over the packaged table.
GUIDANCE_FILE_ENV = "SSCR_GUIDANCE_FILE"

COLUMNS = ("document", "version", "published", "applies_from", "title", "source")
REQUIRED = ("document", "version", "applies_from")  # applies_from may be blank: version known, date not

#: The documents of the packaged table, by their canonical name, and other ways of writing them.
ALIASES: dict[str, tuple[str, ...]] = {
    "allowable costs": ("allowable cost", "ac", "allowable costs guidance"),
    "baseline profit rate": ("bpr", "baseline profit rate and its adjustment", "profit rate",
                             "contract profit rate", "cpr"),
    "alternative pricing": ("alternative pricing of contracts", "ap", "alternative pricing methods"),
}


class GuidanceFileError(PricingInputError):
    """A user guidance file cannot be read."""


@dataclass(frozen=True)
class GuidanceVersion:
    """One version of one guidance document, from the document's table "Versions of this guidance".

    ``applies_from`` is the date from which it applies to contracts agreed on or after it;
    ``published`` its publication date (None when not known); ``evidence`` is ``guidance`` for the
    packaged rows (printed in the guidance texts) and ``user`` for a user guidance file's rows.
    """

    document: str
    version: str
    applies_from: dt.date
    title: str
    source: str
    published: dt.date | None = None
    evidence: str = "guidance"
    #: Set when a later version is known to exist but its application date is not in the table, so
    #: that it may be the one in force: what to check, and how to add it.
    note: str = ""

    @property
    def label(self) -> str:
        """For example "Allowable Costs Guidance, version 7.3, applies to contracts agreed on or after 1 April 2026"."""
        return (f"{self.title}, version {self.version}, applies to contracts agreed on or after "
                f"{long_date(self.applies_from)}")


def canonical_document(document: Any, known: Iterable[str] | None = None) -> str:
    """The document's canonical name: "allowable costs", "baseline profit rate", "alternative pricing",
    or a document added by a user guidance file. Case, hyphens, underscores, a leading "the", "SSRO"
    and a trailing "guidance" do not matter; anything else is refused by name."""
    names = sorted(set(known) if known is not None else set(ALIASES))
    if not isinstance(document, str) or not document.strip():
        raise PricingInputError(f"guidance document {fmt(document)} is not named: use one of "
                                f"{', '.join(repr(n) for n in names)}")
    key = _normal(document)
    for name in names:
        if key == _normal(name) or key in ALIASES.get(name, ()):
            return name
    raise PricingInputError(f"guidance document {fmt(document)} is not known: use one of "
                            f"{', '.join(repr(n) for n in names)} (add other documents in a user guidance "
                            f"file named in {GUIDANCE_FILE_ENV})")


def _normal(text: str) -> str:
    key = re.sub(r"[\s_\-]+", " ", text.strip().lower())
    key = re.sub(r"^(the )?(ssro('?s)? )?(guidance on (the )?)?", "", key)
    return re.sub(r" guidance$", "", key).strip()


@dataclass(frozen=True)
class UndatedVersion:
    """A version known to exist whose application date is not in the table."""

    document: str
    version: str
    source: str


def version_key(version: str) -> tuple[int, ...]:
    """"8.0" and "8" are the same version; "7.10" follows "7.9"."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


class GuidanceTable:
    """Versions of the guidance documents, by document in order of application date."""

    def __init__(self, versions: Iterable[GuidanceVersion], undated: Iterable[UndatedVersion] = ()):
        by_doc: dict[str, dict[tuple[int, ...], GuidanceVersion]] = {}
        for v in versions:
            by_doc.setdefault(v.document, {})[version_key(v.version)] = v
        self._docs = {doc: sorted(vs.values(), key=lambda v: (v.applies_from, version_key(v.version)))
                      for doc, vs in sorted(by_doc.items())}
        self._undated = {}
        for u in undated:
            if version_key(u.version) not in by_doc.get(u.document, {}):
                self._undated.setdefault(u.document, {})[version_key(u.version)] = u
                self._docs.setdefault(u.document, [])

    def undated(self, document: Any = None) -> list[UndatedVersion]:
        """Versions known to exist whose application dates the table does not hold."""
        docs = self._undated if document is None else {d: self._undated.get(d, {}) for d in
                                                        [canonical_document(document, self._docs)]}
        return [u for us in docs.values() for _, u in sorted(us.items())]

    @property
    def documents(self) -> list[str]:
        return list(self._docs)

    def versions(self, document: Any = None) -> list[GuidanceVersion]:
        """Every version of a document (or of all documents), oldest first."""
        if document is None:
            return [v for vs in self._docs.values() for v in vs]
        return list(self._docs[canonical_document(document, self._docs)])

    def in_force(self, date_of_agreement: Any, document: Any) -> GuidanceVersion:
        """The version of ``document`` that applies to a contract agreed on ``date_of_agreement``."""
        doc = canonical_document(document, self._docs)
        day = agreement_day(date_of_agreement, why="guidance versions apply from a day, not a year")
        found = [v for v in self._docs[doc] if v.applies_from <= day]
        if not found:
            if not self._docs[doc]:
                raise PricingInputError(
                    f"the {doc} guidance has no version with an application date in the table: add one to a "
                    f"guidance file named in {GUIDANCE_FILE_ENV}")
            first = self._docs[doc][0]
            raise PricingInputError(
                f"date of agreement {long_date(day)} is before the first version of the {doc} guidance "
                f"({first.title} version {first.version} applies to contracts agreed on or after "
                f"{long_date(first.applies_from)})")
        result = found[-1]
        later = [u.version for u in self.undated(doc) if version_key(u.version) > version_key(result.version)]
        if later and result is self._docs[doc][-1]:  # a later dated version bounds the undated ones
            result = replace(result, note=(
                f"version {', '.join(later)} of this guidance exists but the date from which it applies is "
                f"not in the table: if it applies to contracts agreed by {long_date(day)}, it is the one in "
                f"force; add it, with the date from the SSRO's table \"Versions of this guidance\", to a "
                f"guidance file named in {GUIDANCE_FILE_ENV}"))
        return result

    def merged(self, other: "GuidanceTable") -> "GuidanceTable":
        """This table with ``other``'s versions added; a version of the same number replaces this one's."""
        return GuidanceTable([*self.versions(), *other.versions()], [*self.undated(), *other.undated()])


@lru_cache(maxsize=1)
def _packaged() -> GuidanceTable:
    text = resources.files("sscr").joinpath("data/guidance-versions.csv").read_text(encoding="utf-8")
    return parse_guidance_csv(text, origin="packaged guidance-versions.csv", user=False)


def packaged_guidance() -> GuidanceTable:
    """The version tables shipped with the package, without any user guidance file (the templates'
    Guidance versions table)."""
    return _packaged()


_user_cache: dict[tuple[str, float, int], GuidanceTable] = {}


def guidance_table(guidance_file: str | os.PathLike[str] | None = None) -> GuidanceTable:
    """The packaged table with the user's guidance file (argument, or ``SSCR_GUIDANCE_FILE``) added."""
    path = guidance_file if guidance_file is not None else os.environ.get(GUIDANCE_FILE_ENV) or None
    if path is None:
        return _packaged()
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise GuidanceFileError(f"guidance file {fmt(str(path))} cannot be opened: no such file") from None
    key = (str(p.resolve()), st.st_mtime, st.st_size)
    table = _user_cache.get(key)
    if table is None:
        table = _packaged().merged(read_guidance_file(p))
        _user_cache.clear()
        _user_cache[key] = table
    return table


def guidance_in_force(date_of_agreement: Any, document: Any, *,
                      guidance_file: str | os.PathLike[str] | None = None) -> GuidanceVersion:
    """The version of the SSRO's guidance ``document`` in force at the date of agreement.

    Args:
        date_of_agreement: the day the price was agreed (a date, or text such as "2026-06-05").
        document: "allowable costs", "baseline profit rate" or "alternative pricing" (or a
            document added by a user guidance file).
        guidance_file: optional user guidance file; default ``SSCR_GUIDANCE_FILE``.

    Examples:
        Allowable costs guidance 7.3, table "Versions of this guidance":

        >>> guidance_in_force(dt.date(2024, 10, 10), "allowable costs").version
        '7.1'
        >>> guidance_in_force("2026-06-05", "Baseline profit rate").version
        '8.0'
    """
    return guidance_table(guidance_file).in_force(date_of_agreement, document)


def guidance_versions(document: Any = None, *,
                      guidance_file: str | os.PathLike[str] | None = None) -> list[GuidanceVersion]:
    """Every known version of a document (or of all documents), oldest first."""
    return guidance_table(guidance_file).versions(document)


def read_guidance_file(path: str | os.PathLike[str]) -> GuidanceTable:
    """Read a user guidance file: a CSV with the columns of the packaged guidance-versions.csv."""
    p = Path(path)
    try:
        if not p.is_file():
            raise GuidanceFileError(f"guidance file {fmt(str(path))} is not a regular file")
        if p.stat().st_size > 1_000_000:
            raise GuidanceFileError(f"guidance file {fmt(str(path))} is over 1 MB: it has one row a version")
        raw = p.read_bytes()
    except OSError as exc:
        raise GuidanceFileError(f"guidance file {fmt(str(path))} cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GuidanceFileError(f"guidance file {fmt(str(path))} is not UTF-8 text: save it as CSV (UTF-8)") from None
    return parse_guidance_csv(text, origin=f"guidance file {p.name}", user=True)


def _day(origin: str, line: int, column: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise GuidanceFileError(f"{origin} line {line}, column {column}: {fmt(text)} is not a date like "
                                f"2026-04-01") from None


def parse_guidance_csv(text: str, *, origin: str, user: bool) -> GuidanceTable:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise GuidanceFileError(f"{origin} is empty: it needs a header row {','.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise GuidanceFileError(f"{origin} has no column {', '.join(missing)}: the header is "
                                f"{','.join(COLUMNS)}")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise GuidanceFileError(f"{origin} has unknown column {fmt(unknown[0])}: the columns are "
                                f"{','.join(COLUMNS)}")
    reader.fieldnames = header
    versions: list[GuidanceVersion] = []
    undated: list[UndatedVersion] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise GuidanceFileError(f"{origin} line {line} has more cells than the header")
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        if not cells.get("document") or not cells.get("version"):
            raise GuidanceFileError(f"{origin} line {line}: document and version are both needed")
        known = set(ALIASES)
        try:
            document = canonical_document(cells["document"], known)
        except PricingInputError:
            document = re.sub(r"\s+", " ", cells["document"].lower())
        version = cells["version"]
        if not re.fullmatch(r"\d+(\.\d+)*", version):
            raise GuidanceFileError(f"{origin} line {line}: version {fmt(version)} must be a number such as "
                                    f"8.4")
        if (document, version_key(version)) in seen:
            raise GuidanceFileError(f"{origin} line {line}: {document} version {version} appears twice")
        seen.add((document, version_key(version)))
        if not cells.get("applies_from"):
            undated.append(UndatedVersion(document, version, cells.get("source") or origin))
            continue
        applies = _day(origin, line, "applies_from", cells["applies_from"])
        published = _day(origin, line, "published", cells["published"]) if cells.get("published") else None
        if published is not None and published > applies:
            raise GuidanceFileError(f"{origin} line {line}: {document} version {version} is published "
                                    f"{published.isoformat()}, after it applies ({applies.isoformat()})")
        title = cells.get("title") or f"{document[:1].upper()}{document[1:]} guidance"
        source = cells.get("source") or origin
        versions.append(GuidanceVersion(document, version, applies, title, source, published,
                                        "user" if user else "guidance"))
    if not versions and not undated:
        raise GuidanceFileError(f"{origin} has a header but no versions")
    return GuidanceTable(versions, undated)
