"""The cost-type catalogue: every sub-section of section 5 of the allowable costs guidance (v7.3,
Parts A-I, A.1 to I.8), with the paragraph it rests on and, in our own words, what the guidance
says about allowability. Shipped as data in ``sscr/data/cost-types.csv``.

Besides the sub-sections the catalogue holds:

- the paragraph-level types whose treatment differs from their sub-section (for example C.4.1
  political and charitable donations, E.4.5 civil penalties and fines, G.1.6 goodwill);
- the general Part headings for labour (A) and materials (B), for costs that no sub-section covers;
- three general types from sections 2 and 4: 2.4 sub-contract prices, 4.7 direct costs and
  4.8 overhead costs.

Each type has one treatment:

``may be allowable``          counts once the parties agree it is appropriate, attributable and
                              reasonable (AAR, section 3).
``depends``                   counts once agreed, but is flagged for review: the guidance sets
                              conditions beyond AAR (for example A.4.1: inflation evidenced
                              against an index).
``generally not allowable``   counts only if the parties agree it, and is flagged for review with
                              the paragraph: the guidance allows exceptions (for example G.2.1).
``not allowable``             flagged and excluded whatever the agreement status, with the paragraph
                              (for example C.3.1 entertainment).
``not a cost line``           refused as a cost line, with where the figure belongs instead (the
                              risk contingency element comes from the risk register, H.2; the POCO
                              deduction is applied to the price, Part I; credits are netted on the
                              line they reduce, E.4.1).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..checks import fmt
from ..errors import PricingInputError

MAY_BE_ALLOWABLE = "may be allowable"
DEPENDS = "depends"
GENERALLY_NOT_ALLOWABLE = "generally not allowable"
NOT_ALLOWABLE = "not allowable"
NOT_A_COST_LINE = "not a cost line"
TREATMENTS = (MAY_BE_ALLOWABLE, DEPENDS, GENERALLY_NOT_ALLOWABLE, NOT_ALLOWABLE, NOT_A_COST_LINE)

#: The Parts of section 5, in order, with their headings; "" is the general types of sections 2-4.
PARTS = {
    "A": "Labour costs",
    "B": "Material costs",
    "C": "Marketing, sales, bid, entertainment and third-party costs",
    "D": "Research and development costs",
    "E": "Costs associated with loss, poor performance or other events",
    "F": "Exceptional and abnormal costs",
    "G": "Non-cash and financing costs",
    "H": "Risk and uncertainty",
    "I": "Costs associated with group profits (POCO)",
    "": "General costs (sections 2-4)",
}


@dataclass(frozen=True)
class CostType:
    """One entry of the catalogue.

    ``code`` is what a cost line names (``"C.3"``); ``paragraph`` is the guidance paragraph(s) the
    treatment rests on (``"C.3.1"``); ``part`` is the section 5 Part letter, or "" for the general
    types of sections 2-4.
    """

    code: str
    part: str
    cost_type: str
    paragraph: str
    treatment: str
    note: str

    @property
    def counts_when_agreed(self) -> bool:
        """True unless the guidance says the type is not allowable."""
        return self.treatment != NOT_ALLOWABLE

    @property
    def needs_review(self) -> bool:
        """True where allowability depends on circumstances the guidance names."""
        return self.treatment in (DEPENDS, GENERALLY_NOT_ALLOWABLE)

    @property
    def part_heading(self) -> str:
        return PARTS[self.part]


def _key(text: str) -> str:
    return " ".join(str(text).replace("\u2013", "-").split()).lower()


@functools.lru_cache(maxsize=1)
def catalogue() -> tuple[CostType, ...]:
    """Every cost type, in the order of the guidance.

    >>> [t.code for t in catalogue() if t.code.startswith("C.")]
    ['C.1', 'C.2', 'C.2.2', 'C.3', 'C.4', 'C.4.1', 'C.4.2']
    >>> cost_type("C.3").treatment, cost_type("C.3").paragraph
    ('not allowable', 'C.3.1')
    """
    text = resources.files("sscr").joinpath("data/cost-types.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        entry = CostType(row["code"].strip(), row["part"].strip(), row["cost_type"].strip(),
                         row["paragraph"].strip(), row["treatment"].strip(), row["note"].strip())
        if entry.treatment not in TREATMENTS or entry.part not in PARTS:
            raise ValueError(f"cost-types.csv row {entry.code}: treatment or part not recognised")
        out.append(entry)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, CostType]:
    index: dict[str, CostType] = {}
    for entry in catalogue():
        index[_key(entry.code)] = entry
        index.setdefault(_key(entry.cost_type), entry)
        index.setdefault(_key(f"{entry.code} {entry.cost_type}"), entry)
    return index


def cost_type(code: Any, what: str = "cost type") -> CostType:
    """The catalogue entry for a code (``"C.3"``), a name (``"Entertainment costs"``) or both
    (``"C.3 Entertainment costs"``), case-insensitively. An unknown type is refused, with the
    nearest entries by code as a hint; nothing is guessed."""
    if code is None or (isinstance(code, str) and not code.strip()):
        raise PricingInputError(f"{what} is empty: enter a code from the cost-type catalogue, e.g. A.1 or C.2")
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    text = str(code).strip().rstrip(".")
    found = _index().get(_key(text))
    if found is not None:
        return found
    prefix = text.upper()
    near = [e for e in catalogue() if e.code and (prefix.startswith(e.code + ".") or e.code.startswith(prefix + "."))]
    if not near and prefix[:1] in PARTS and prefix[:1]:
        near = [e for e in catalogue() if e.part == prefix[:1]]
    hint = ("; did you mean " + " or ".join(f"{e.code} ({e.cost_type})" for e in near[:4]) + "?") if near else (
        "; the catalogue has the sub-sections of section 5 (A.1 to I.8), the Part headings A and B, "
        "and 2.4, 4.7 and 4.8")
    raise PricingInputError(f"{what} {fmt(code)} is not in the cost-type catalogue{hint}")


def cost_types_in_part(part: str) -> tuple[CostType, ...]:
    return tuple(e for e in catalogue() if e.part == part)
