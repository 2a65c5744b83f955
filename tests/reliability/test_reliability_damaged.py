"""Damaged and hostile workbooks: each is refused with its reason, quickly and in little memory,
leaves no output and is not changed; text that looks like a formula stays text wherever
regeneration writes it; random damage never gives a traceback or a figure other than the core's."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from sscr.cli import EXIT_PARTIAL, main
from sscr.workbooks.package import XlsxPackage
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one

from cells import template_path, workbook_with
from damage import DAMAGE, bomb_lying_header, bomb_many_parts, bomb_ratio, bomb_total, billion_laughs
from workbook_helpers import named_cell


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"


@pytest.fixture(scope="module")
def good_bytes():
    return template_path("profit_rate").read_bytes()


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("make, words", DAMAGE, ids=[m.__name__ for m, _w in DAMAGE])
def test_damaged_workbook_is_refused(tmp_path, good_bytes, make, words):
    source = tmp_path / f"{make.__name__}.xlsx"
    make(good_bytes, source)
    before = digest(source)
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == FAILED, f"{make.__name__} was regenerated"
    assert result.output is None and result.headline == {}
    for word in words:
        assert word in result.message, f"{word!r} not in {result.message!r}"
    assert result.message.startswith(source.name + ": ")
    assert "Traceback" not in result.message and 'File "' not in result.message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.xlsx"))
    assert digest(source) == before


@pytest.mark.reliability("damaged and hostile workbooks")
def test_the_command_reports_every_damaged_workbook_and_regenerates_the_good(tmp_path, good_bytes):
    folder = tmp_path / "in"
    folder.mkdir()
    for make, _words in DAMAGE:
        make(good_bytes, folder / f"{make.__name__}.xlsx")
    (folder / "good.xlsx").write_bytes(good_bytes)
    before = {p.name: digest(p) for p in folder.iterdir()}
    paths = [str(folder / f"{m.__name__}.xlsx") for m, _w in DAMAGE if m.__name__ != "folder"] + [str(folder)]
    done = subprocess.run([sys.executable, "-m", "sscr.cli", "regenerate", *paths, "--out", str(tmp_path / "out"),
                           "--workers", "2", "--summary", str(tmp_path / "s.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == EXIT_PARTIAL, done.stderr
    assert "Traceback" not in done.stdout + done.stderr and 'File "' not in done.stdout + done.stderr
    for make, words in DAMAGE:
        if make.__name__ == "folder":
            continue  # a folder among the files of a folder is not a workbook to regenerate
        line = next(line for line in done.stderr.splitlines() if line.startswith(f"FAILED   {make.__name__}.xlsx"))
        assert all(w in line for w in words), line
    assert [p.name for p in (tmp_path / "out").glob("*.xlsx")] == ["good.xlsx"]
    assert {p.name: digest(p) for p in folder.iterdir()} == before
    summary = json.loads((tmp_path / "s.json").read_text())
    assert sum(r["status"] == OK for r in summary) == 1


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("make", [bomb_total, bomb_ratio, bomb_many_parts, bomb_lying_header, billion_laughs])
def test_a_bomb_is_refused_in_little_memory_and_time(tmp_path, good_bytes, make):
    """In a fresh process, so that its peak memory is the refusal's alone."""
    source = tmp_path / "bomb.xlsx"
    make(good_bytes, source)
    script = ("import resource, sys, time\n"
              "from sscr.workbooks.regenerate import regenerate_one\n"
              "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "t = time.perf_counter()\n"
              f"r = regenerate_one({str(source)!r}, {str(tmp_path / 'out')!r})\n"
              "t = time.perf_counter() - t\n"
              "grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base\n"
              "print(r.status, grew, t)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    status, grew_kb, seconds = done.stdout.split()
    assert status == FAILED
    assert int(grew_kb) < 64 * 1024, f"memory grew {int(grew_kb) // 1024} MB refusing {make.__name__}"
    assert float(seconds) < 5


# --- text that looks like a formula ----------------------------------------------------------

FORMULA_LIKE = ["=1+1", "+44 20 7946 0000", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("http://example.invalid","x")',
                "=cmd|'/c calc'!A1"]


def _cell_is_text(path, sheet, ref):
    """The cell as openpyxl and the raw sheet XML hold it: text, never a formula."""
    package = XlsxPackage.open(path)
    cell = package.read(sheet, ref)
    ws = openpyxl.load_workbook(path)[sheet]
    return cell.formula is None and ws[ref].data_type != "f" and isinstance(ws[ref].value, str), cell


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_in_a_rates_file_is_written_as_text(tmp_path, text):
    rates = tmp_path / "rates.csv"
    with rates.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["financial_year", "baseline_profit_rate_pct", "source"], ["2026/27", "8.6", text]])
    source = workbook_with("profit_rate", {}, tmp_path / "in.xlsx")
    result = regenerate_one(source, tmp_path / "out", rates_file=rates)
    assert result.status == OK, result.message
    out = tmp_path / "out" / "in.xlsx"
    ws = openpyxl.load_workbook(out)["Rates"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "2026/27")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(row, c).value == text)
    ok, cell = _cell_is_text(out, "Rates", ws.cell(row, col).coordinate)
    assert ok, cell


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_in_an_input_cell_stays_text(tmp_path, text):
    source = workbook_with("aggregation", {"Ex6_Name_1": text}, tmp_path / "in.xlsx")
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == OK, result.message
    out = tmp_path / "out" / "in.xlsx"
    wb = openpyxl.load_workbook(out)
    cell = named_cell(wb, "Ex6_Name_1")
    assert cell.value == text and cell.data_type != "f"


@pytest.mark.reliability("damaged and hostile workbooks")
def test_formula_like_names_never_become_formulas_in_the_summary(tmp_path, good_bytes):
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["=1+1.xlsx", "+cmd.xlsx", "-2+3.xlsx", "@SUM(A1).xlsx"]
    for name in names:
        (folder / name).write_bytes(good_bytes)
    (folder / "=bad.xlsx").write_bytes(b"not a workbook")
    code = main(["regenerate", str(folder), "--out", str(tmp_path / "out"), "--summary", str(tmp_path / "s.csv"),
                 "--workers", "1", "--quiet"])
    assert code == EXIT_PARTIAL
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert rows
    for row in rows:
        for column, value in row.items():
            if column == "value":
                float(value or 0)  # figures stay figures
            else:
                assert not value.startswith(("=", "+", "-", "@")), (column, value)
    failed = [r for r in rows if r["status"] == FAILED]
    assert failed and failed[0]["message"].startswith("'=bad.xlsx: ")
    assert {p.name for p in (tmp_path / "out").glob("*.xlsx")} == set(names)


# --- random damage -------------------------------------------------------------------------------

GOOD = template_path("profit_rate").read_bytes()
REFERENCE: dict = {}


@pytest.mark.reliability("damaged and hostile workbooks")
def test_random_damage_never_gives_a_traceback_or_a_wrong_figure(tally):
    """Random bytes changed and files cut short: 300 generated workbooks, each counted as a case."""
    seen = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=8),
           st.sampled_from(["flip", "cut", "both"]))
    def damaged(edits, how):
        seen.append(how)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            if not REFERENCE:
                REFERENCE.update(regenerate_one(template_path("profit_rate"), root / "reference").headline)
            data = bytearray(GOOD)
            if how in ("flip", "both"):
                for at, xor in edits:
                    data[at % len(data)] ^= xor
            if how in ("cut", "both"):
                data = data[: edits[0][0] % len(data)]
            source = root / "fuzz.xlsx"
            source.write_bytes(bytes(data))
            out = root / "out"
            result = regenerate_one(source, out)  # never raises
            if result.status == FAILED:
                assert result.message and "Traceback" not in result.message
                assert not (out / "fuzz.xlsx").exists()
                return
            # the damage missed everything that matters (a timestamp, a comment): the core's figures
            assert result.headline == REFERENCE
            with zipfile.ZipFile(out / "fuzz.xlsx") as zf:
                assert zf.testzip() is None
            wb = openpyxl.load_workbook(out / "fuzz.xlsx", data_only=True)
            assert named_cell(wb, "CPR_1").value == pytest.approx(REFERENCE["CPR_1"], abs=1e-15)

    damaged()
    tally(cases=len(seen))


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("text", ["bad\x08text", "nul\x00", "unit\x1fseparator", "_x0041_ literal", "not\ufffea char",
                                  "tab\tand\nnewline"])
def test_characters_xml_cannot_hold_keep_the_workbook_readable(tmp_path, text):
    """A rates file's source text is written on the Rates sheet; a control character in it must not
    make the regenerated workbook unreadable (Excel writes such characters as _xHHHH_)."""
    rates = tmp_path / "rates.csv"
    with rates.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["financial_year", "baseline_profit_rate_pct", "source"], ["2026/27", "8.6", text]])
    source = workbook_with("profit_rate", {}, tmp_path / "in.xlsx")
    result = regenerate_one(source, tmp_path / "out", rates_file=rates)
    assert result.status == OK, result.message
    out = tmp_path / "out" / "in.xlsx"
    openpyxl.load_workbook(out)  # parses every sheet
    # and the text reads back as written, so a second regeneration finds the sheet up to date
    again = regenerate_one(out, tmp_path / "again", rates_file=rates)
    assert again.status == OK and again.flags == []
    package = XlsxPackage.open(out)
    area = package.area("Rates_table")
    texts = [package.read(area.sheet, area.ref(r, c)).value for r in range(area.rows) for c in range(area.cols)]
    assert text.replace("\n", "\n") in texts or any(isinstance(t, str) and text in t for t in texts)


@pytest.mark.reliability("damaged and hostile workbooks")
@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_typed_over_a_computed_cell_is_flagged_and_stays_text(tmp_path, text):
    """The flag's comment quotes the text; the cell keeps it as text; the summary line says so."""
    source = workbook_with("profit_rate", {"CPR_1": text}, tmp_path / "in.xlsx")
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == "flagged", result.message
    out = tmp_path / "out" / "in.xlsx"
    package = XlsxPackage.open(out)
    area = package.area("CPR_1")
    cell = package.read(area.sheet, area.ref())
    assert cell.formula is None and cell.value == text
    assert named_cell(openpyxl.load_workbook(out), "CPR_1").data_type != "f"
    comment = package.comment(area.sheet, area.ref())
    assert comment is not None and repr(text)[1:-1] in comment
    assert any("CPR_1 should hold the formula" in f["message"] for f in result.flags)
