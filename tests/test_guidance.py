"""The guidance version in force at the date of agreement (sscr.guidance, GUIDANCE_VERSION).

Every date below is typed from the table "Versions of this guidance" at the top of each text:
allowable costs guidance version 7.3 (16 March 2026), baseline profit rate guidance version 8
(24 January 2024), alternative pricing guidance version 1.2 (14 March 2025). Each version applies
"to contracts agreed on or after" its date, so both sides of every date are checked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

import udfs
from sscr.errors import PricingInputError
from sscr.guidance import (GUIDANCE_FILE_ENV, GuidanceFileError, canonical_document, guidance_in_force,
                           guidance_table, guidance_versions)

D = dt.date

# (document, version, published, applies to contracts agreed on or after), as printed.
ALLOWABLE_COSTS_7_3 = [
    ("7.3", D(2026, 3, 16), D(2026, 4, 1)), ("7.2", D(2025, 3, 14), D(2025, 4, 1)),
    ("7.1", D(2024, 10, 10), D(2024, 10, 10)), ("7", D(2024, 1, 24), D(2024, 4, 1)),
    ("6", D(2022, 11, 7), D(2022, 11, 7)), ("5.1", D(2021, 9, 29), D(2021, 9, 29)),
    ("5", D(2020, 3, 16), D(2020, 4, 1)), ("4", D(2019, 3, 18), D(2019, 4, 1)),
    ("3", D(2018, 2, 1), D(2018, 4, 1)), ("2", D(2016, 7, 1), D(2016, 7, 1)),
    ("1", D(2015, 1, 26), D(2015, 1, 26)),
]
BASELINE_PROFIT_RATE_8 = [
    ("8.0", D(2024, 1, 24), D(2024, 4, 1)), ("7.3", D(2023, 3, 15), D(2023, 4, 1)),
    ("7.2", D(2022, 3, 28), D(2022, 4, 1)), ("7.1", D(2021, 8, 5), D(2021, 8, 6)),
    ("7", D(2021, 3, 15), D(2021, 4, 1)), ("6", D(2020, 3, 16), D(2020, 4, 1)),
    ("5", D(2019, 3, 18), D(2019, 4, 1)), ("4", D(2018, 3, 15), D(2018, 3, 15)),
    ("3", D(2017, 3, 15), D(2017, 3, 15)), ("2", D(2016, 3, 24), D(2016, 3, 24)),
    ("1", D(2015, 3, 26), D(2015, 3, 27)),
]
ALTERNATIVE_PRICING_1_2 = [
    ("1.2", D(2025, 3, 14), D(2025, 4, 1)), ("1.1", D(2024, 10, 10), D(2024, 10, 10)),
    ("1", D(2024, 1, 24), D(2024, 4, 1)),
]
TABLES = {"allowable costs": ALLOWABLE_COSTS_7_3, "baseline profit rate": BASELINE_PROFIT_RATE_8,
          "alternative pricing": ALTERNATIVE_PRICING_1_2}
CASES = [(doc, *row) for doc, rows in TABLES.items() for row in rows]


@pytest.mark.parametrize("document, version, published, applies", CASES)
def test_each_version_applies_from_its_date_and_not_the_day_before(document, version, published, applies):
    on = guidance_in_force(applies, document)
    assert (on.version, on.applies_from, on.published) == (version, applies, published)
    assert on.evidence == "guidance" and "Versions of this guidance" in on.source
    before = applies - dt.timedelta(days=1)
    older = [r for r in TABLES[document] if r[2] <= before]
    if older:
        assert guidance_in_force(before, document).version == max(older, key=lambda r: r[2])[0]
    else:
        with pytest.raises(PricingInputError, match="before the first version"):
            guidance_in_force(before, document)


def test_the_packaged_table_is_exactly_the_printed_tables():
    held = {(v.document, v.version, v.published, v.applies_from) for v in guidance_versions()}
    assert held == {(doc, *row) for doc, *row in CASES}


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=D(2015, 1, 26), max_value=D(2040, 12, 31)),
       document=st.sampled_from(sorted(TABLES)))
def test_the_version_in_force_is_the_last_applying_on_or_before_the_day(day, document):
    rows = [r for r in TABLES[document] if r[2] <= day]
    if not rows:
        with pytest.raises(PricingInputError):
            guidance_in_force(day, document)
        return
    got = guidance_in_force(day, document)
    assert got.applies_from <= day
    assert got.version == max(rows, key=lambda r: r[2])[0]
    assert all(not (got.applies_from < r[2] <= day) for r in TABLES[document])


def test_alternative_pricing_guidance_did_not_exist_before_1_april_2024():
    # Alternative pricing methods came with the amendments of 1 April 2024 (version 1 applies from then).
    with pytest.raises(PricingInputError, match="1 April 2024"):
        guidance_in_force(D(2024, 3, 31), "alternative pricing")
    assert guidance_in_force(D(2024, 4, 1), "alternative pricing").version == "1"


@pytest.mark.parametrize("spelling, canonical", [
    ("allowable costs", "allowable costs"), ("Allowable Costs Guidance", "allowable costs"),
    ("ALLOWABLE-COSTS", "allowable costs"), ("allowable_costs", "allowable costs"),
    ("  baseline   profit rate ", "baseline profit rate"), ("BPR", "baseline profit rate"),
    ("Guidance on the baseline profit rate and its adjustment", "baseline profit rate"),
    ("the SSRO's alternative pricing guidance", "alternative pricing"), ("Alternative pricing", "alternative pricing"),
])
def test_reasonable_spellings_of_the_documents(spelling, canonical):
    assert canonical_document(spelling) == canonical


@pytest.mark.parametrize("bad", ["reporting", "costs", "", None, 3.0, "allowable"])
def test_other_documents_are_refused_by_name(bad):
    with pytest.raises(PricingInputError, match="guidance document") as info:
        guidance_in_force(D(2025, 1, 1), bad)
    assert "allowable costs" in str(info.value) and "alternative pricing" in str(info.value)


@pytest.mark.parametrize("when", ["2024/25", 2024, 2024.0, "2024", True, "soon", float("nan")])
def test_a_year_or_non_date_is_refused_because_versions_change_within_a_year(when):
    with pytest.raises(PricingInputError, match="date of agreement"):
        guidance_in_force(when, "allowable costs")


@pytest.mark.parametrize("when", [D(2024, 10, 10), dt.datetime(2024, 10, 10, 15, 30), 45575.0, 45575,
                                  "2024-10-10", "10 October 2024", "10 Oct 2024", "10/10/2024"])
def test_the_day_arrives_in_any_form_excel_or_a_user_gives(when):
    assert guidance_in_force(when, "allowable costs").version == "7.1"


def test_a_later_version_known_without_its_date_is_noted_after_the_last_dated_one():
    # Baseline profit rate guidance 8.4 and alternative pricing guidance 1.4 are published after the
    # texts held here; their application dates are not in the package, so the result says so.
    latest = guidance_in_force(D(2026, 6, 5), "baseline profit rate")
    assert latest.version == "8.0" and "8.4" in latest.note and GUIDANCE_FILE_ENV in latest.note
    assert "1.4" in guidance_in_force(D(2026, 6, 5), "alternative pricing").note
    assert guidance_in_force(D(2023, 6, 1), "baseline profit rate").note == ""
    assert guidance_in_force(D(2026, 6, 5), "allowable costs").note == ""


def write(tmp_path, text, name="guidance.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_guidance_file_adds_a_later_version_from_its_date(tmp_path, monkeypatch):
    path = write(tmp_path, "document,version,published,applies_from,title,source\n"
                           "Baseline profit rate,8.4,2026-05-20,2026-06-05,,SSRO version table of version 8.4\n")
    assert guidance_in_force(D(2026, 6, 4), "bpr", guidance_file=path).version == "8.0"
    added = guidance_in_force(D(2026, 6, 5), "bpr", guidance_file=path)
    assert (added.version, added.applies_from, added.evidence, added.note) == ("8.4", D(2026, 6, 5), "user", "")
    assert added.source == "SSRO version table of version 8.4"
    monkeypatch.setenv(GUIDANCE_FILE_ENV, str(path))
    assert guidance_in_force(D(2026, 6, 5), "baseline profit rate").version == "8.4"
    assert udfs.GUIDANCE_VERSION(dt.datetime(2026, 6, 5), "baseline profit rate")[0][0] == "8.4"


def test_a_user_guidance_file_can_add_a_document(tmp_path):
    path = write(tmp_path, "document,version,applies_from,title\n"
                           "Contract pricing amendments,1,2026-05-11,Contract pricing amendments guidance\n")
    got = guidance_in_force("2026-05-11", "contract pricing amendments guidance", guidance_file=path)
    assert (got.version, got.title, got.evidence) == ("1", "Contract pricing amendments guidance", "user")
    assert "contract pricing amendments" in guidance_table(path).documents


def test_the_guidance_file_is_reread_when_it_changes(tmp_path):
    path = write(tmp_path, "document,version,applies_from\nallowable costs,7.4,2027-04-01\n")
    assert guidance_in_force("2027-04-01", "allowable costs", guidance_file=path).version == "7.4"
    path.write_text("document,version,applies_from\nallowable costs,7.40,2027-05-01\n", encoding="utf-8")
    assert guidance_in_force("2027-04-01", "allowable costs", guidance_file=path).version == "7.3"


@pytest.mark.parametrize("text, match", [
    ("", "empty"),
    ("document,version\nallowable costs,8\n", "no column applies_from"),
    ("document,version,applies_from,colour\nallowable costs,8,2027-04-01,red\n", "unknown column 'colour'"),
    ("document,version,applies_from\nallowable costs,8,1 April 2027\n", "line 2, column applies_from"),
    ("document,version,applies_from\nallowable costs,eight,2027-04-01\n", "version 'eight'"),
    ("document,version,applies_from\nallowable costs,8,2027-04-01\nallowable costs,8.0,2027-05-01\n", "twice"),
    ("document,version,published,applies_from\nallowable costs,8,2027-05-01,2027-04-01\n", "after it applies"),
    ("document,version,applies_from\nallowable costs,8,2027-04-01,extra\n", "more cells"),
    ("document,version,applies_from\n,,\n", "no versions"),
])
def test_a_bad_guidance_file_is_refused_naming_the_line_and_rule(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(GuidanceFileError, match=match):
        guidance_in_force("2027-04-01", "allowable costs", guidance_file=path)


def test_a_missing_or_binary_guidance_file_is_refused(tmp_path):
    with pytest.raises(GuidanceFileError, match="no such file"):
        guidance_table(tmp_path / "absent.csv")
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(GuidanceFileError, match="UTF-8"):
        guidance_table(path)
    with pytest.raises(GuidanceFileError, match="not a regular file"):
        guidance_table(tmp_path)


# The worksheet function, called as xlwings calls it.

def test_guidance_version_worksheet_function_returns_one_row():
    row = udfs.GUIDANCE_VERSION(dt.datetime(2026, 6, 5), "allowable costs")
    assert row == [["7.3", dt.datetime(2026, 4, 1), "Allowable Costs Guidance", ""]]
    assert udfs.GUIDANCE_VERSION(45575.0, "Alternative Pricing")[0][:2] == ["1.1", dt.datetime(2024, 10, 10)]


@pytest.mark.parametrize("when, document, match", [
    (None, "allowable costs", "date of agreement is empty"),
    (2025.0, "allowable costs", "is a year, not a day"),
    (dt.datetime(2025, 1, 1), "pricing", "guidance document 'pricing' is not known"),
    (dt.datetime(2015, 3, 26), "baseline profit rate", "27 March 2015"),
    ([[1.0, 2.0]], "allowable costs", "date of agreement"),
])
def test_guidance_version_worksheet_function_messages(when, document, match):
    out = udfs.GUIDANCE_VERSION(when, document)
    assert len(out) == 1 and len(out[0]) == 1 and out[0][0].startswith("Error: ") and match in out[0][0]
