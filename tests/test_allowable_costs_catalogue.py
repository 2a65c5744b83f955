"""The cost-type catalogue against the guidance text itself (allowable costs guidance v7.3,
section 5): every sub-section of Parts A-I is there under its own name, every paragraph cited
exists, and every type marked not allowable cites a paragraph that says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sscr.allowable_costs.catalogue import (GENERALLY_NOT_ALLOWABLE, NOT_A_COST_LINE, NOT_ALLOWABLE, PARTS,
                                            TREATMENTS, catalogue, cost_type)
from sscr.errors import PricingInputError

GUIDANCE = Path("/work/shared/reference/allowable-costs-guidance-v7.3-2026.txt")
pytestmark = pytest.mark.skipif(not GUIDANCE.exists(), reason="the guidance text is not available")

PARAGRAPH = re.compile(r"^[ \t]*(?:-[ \t]*)?((?:[A-I]\.\d+\.\d+)|(?:\d\.\d+))[ \t]", re.MULTILINE)


@pytest.fixture(scope="module")
def text() -> str:
    return GUIDANCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def paragraphs(text) -> dict[str, str]:
    """Paragraph number -> its text (to the next paragraph marker)."""
    body = text[text.index("1. Introduction\n\nGuidance on allowable costs"):text.rindex("Appendix A: Changes from")]
    marks = list(PARAGRAPH.finditer(body))
    out: dict[str, str] = {}
    for m, nxt in zip(marks, marks[1:] + [None]):
        out.setdefault(m.group(1), body[m.end():nxt.start() if nxt else len(body)])
    return out


@pytest.fixture(scope="module")
def sub_sections(text) -> dict[str, str]:
    """The structure table of 5.1: sub-section code -> cost type."""
    table = text[text.index("The structure of this section is set out below"):text.index("Part A: Labour costs\n")]
    return {code: name.strip() for code, name in re.findall(r"\t([A-I]\.\d)\t([^\t\n]+)", table)}


def cited(paragraph: str) -> list[str]:
    """Paragraph numbers a catalogue entry cites: 'C.1.1-C.1.4' -> both ends; 'Part A; 3.13-3.15' -> 3.13, 3.15."""
    return re.findall(r"(?:[A-I]\.\d+\.\d+|\d\.\d+)", paragraph)


def test_every_sub_section_of_parts_a_to_i_is_in_the_catalogue_under_its_own_name(sub_sections):
    assert len(sub_sections) == 36  # A.1 ... I.8, as listed in 5.1
    entries = {t.code: t for t in catalogue()}
    for code, name in sub_sections.items():
        assert code in entries, code
        assert entries[code].cost_type == name, code
        assert entries[code].part == code[0]


def test_every_paragraph_cited_exists_in_the_guidance(paragraphs):
    assert len(paragraphs) > 150 and "Entertainment costs are not allowable" in paragraphs["C.3.1"]
    for t in catalogue():
        refs = cited(t.paragraph)
        assert refs, t.code
        for ref in refs:
            assert ref in paragraphs, (t.code, ref)


def test_types_marked_not_allowable_cite_paragraphs_that_say_so(paragraphs):
    marked = [t for t in catalogue() if t.treatment == NOT_ALLOWABLE]
    assert {t.code for t in marked} >= {"C.3", "C.4.1", "C.4.2", "E.3", "E.4.5", "G.1.6", "A.2.4"}
    for t in marked:
        for ref in cited(t.paragraph):
            said = " ".join(paragraphs[ref].split())
            assert re.search(r"not (?:an )?allowable", said), (t.code, ref)
            assert "generally" not in said and "unlikely" not in said, (t.code, ref)


def test_types_marked_generally_not_allowable_cite_paragraphs_that_allow_exceptions(paragraphs):
    for t in (t for t in catalogue() if t.treatment == GENERALLY_NOT_ALLOWABLE):
        said = " ".join(" ".join(paragraphs[r].split()) for r in cited(t.paragraph))
        assert re.search(r"generally not|not generally", said), t.code


def test_entertainment_is_marked_plainly():
    t = cost_type("C.3")
    assert (t.treatment, t.paragraph, t.cost_type) == ("not allowable", "C.3.1", "Entertainment costs")
    assert not t.counts_when_agreed


def test_every_entry_has_a_treatment_a_part_and_a_note_of_our_own():
    codes = [t.code for t in catalogue()]
    assert len(codes) == len(set(codes))
    for t in catalogue():
        assert t.treatment in TREATMENTS and t.part in PARTS
        assert 20 <= len(t.note) <= 400, t.code


def test_types_that_are_not_cost_lines_say_where_the_figure_belongs():
    assert cost_type("H.2").treatment == NOT_A_COST_LINE and "risk register" in cost_type("H.2").note
    assert cost_type("E.4.1").treatment == NOT_A_COST_LINE and "credit column" in cost_type("E.4.1").note
    assert cost_type("I.4").treatment == NOT_A_COST_LINE and "POCO" in cost_type("I.4").note


@pytest.mark.parametrize("given", ["C.3", "c.3", " C.3 ", "Entertainment costs", "entertainment COSTS",
                                   "C.3 Entertainment costs"])
def test_a_type_is_found_by_code_or_name(given):
    assert cost_type(given).code == "C.3"


def test_a_whole_number_code_from_a_cell_is_read_as_text():
    assert cost_type(2.4).code == "2.4"


@pytest.mark.parametrize("given, message", [
    ("C.3.1", "cost type 'C.3.1' is not in the cost-type catalogue; did you mean C.3 (Entertainment costs)?"),
    ("Z.9", "cost type 'Z.9' is not in the cost-type catalogue; the catalogue has the sub-sections of section 5"),
    ("A.9", "cost type 'A.9' is not in the cost-type catalogue; did you mean A (Labour costs)"),
    (None, "cost type is empty: enter a code from the cost-type catalogue"),
    ("  ", "cost type is empty"),
])
def test_an_unknown_type_is_refused_with_a_hint_never_guessed(given, message):
    with pytest.raises(PricingInputError) as e:
        cost_type(given)
    assert message in str(e.value)
