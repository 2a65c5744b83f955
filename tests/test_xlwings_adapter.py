"""The add-in's Refresh, through the xlwings adapter, on the real template workbooks.

Excel is not available here, so each workbook is opened in tests/xlwings_standin.py: the xlwings
object model over the real xlsx file, with formulas calculated by LibreOffice as Excel would
calculate them. The adapter is called as the add-in calls it (``refresh_caller`` behind
``sscr.addin.refresh()``, with ``xlwings.Book.caller()`` giving the open book) and compared with the
headless regeneration (``sscr regenerate``) of the same file.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import xlwings

import xlwings_standin as xs
from sscr.errors import PricingInputError
from sscr.rates import default_table
from sscr.workbooks import xlwings_adapter
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import fill
from sscr.workbooks.layout import RATES_COLUMNS, RATES_TABLE_NAME, rates_table_rows
from sscr.workbooks.regenerate import regenerate_one
from sscr.workbooks.templates import TEMPLATES
from sscr.workbooks.xlwings_adapter import (COMPUTED_COLOR, FLAG_COLOR, NOTE_PREFIX, XlwingsBook, agrees, refresh,
                                            summary)

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
ADDIN = ROOT / "addin" / "sscr_pricing.xlam"



@pytest.fixture(autouse=True)
def libreoffice():
    """The stand-in calculates formulas with LibreOffice: without it these tests are skipped, unless
    SSCR_REQUIRE_LIBREOFFICE=1 (CI), when they fail."""
    if xs.soffice() is None:
        reason = "LibreOffice (soffice) is not installed: the Excel stand-in calculates formulas with it"
        if os.environ.get("SSCR_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(reason + " (SSCR_REQUIRE_LIBREOFFICE=1)", pytrace=False)
        pytest.skip(reason)


RATE_COLUMN = {key: i for i, (key, *_rest) in enumerate(RATES_COLUMNS)}


def copy_template(tmp_path: Path, filename: str) -> Path:
    target = tmp_path / filename
    shutil.copyfile(WORKBOOKS / filename, target)
    return target


def cell(book: xs.Book, name: str) -> xs.Range:
    return book.names[name].refers_to_range


def rates_cell(book: xs.Book, year: str, key: str) -> xs.Range:
    table = cell(book, RATES_TABLE_NAME)
    years = [row[0] for row in table.options(ndim=2).value]
    row = years.index(year)
    return table.sheet.range((table.row + row, table.column + RATE_COLUMN[key]))


def headless(path: Path, out_dir: Path, rates_file: Path | None = None) -> FileBook:
    """``sscr regenerate`` of the file: the figures it writes as the computed cells' values."""
    result = regenerate_one(path, out_dir, rates_file=rates_file)
    assert result.output, result.message
    return FileBook.open(result.output)


def snapshot(book: xs.Book, names) -> dict[str, tuple]:
    """What a user sees in each named cell: formula (or constant), colour and note."""
    out = {}
    for name in names:
        rng = cell(book, name)
        note = rng.note
        out[name] = (rng.formula, rng.color, note.text if note else None)
    return out


# --- the figures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key", list(TEMPLATES))
def test_refresh_gives_every_template_the_figures_headless_regeneration_writes(key, tmp_path):
    template = TEMPLATES[key]
    path = copy_template(tmp_path, template.filename)
    book = xs.Book(path)
    refreshed = refresh(book)
    regenerated = headless(path, tmp_path / "regenerated")

    outputs = template.spec().outputs
    assert refreshed.fill.flags == [] and refreshed.rates_written == 0 and refreshed.agreeing == len(outputs)
    values = template.spec().values  # figures only the core computes (Monte Carlo), written as values
    assert set(refreshed.fill.figures) == set(outputs) | set(values) and refreshed.fill.written == len(outputs)
    assert refreshed.fill.core_values == len(values)
    assert refreshed.fill.figures == fill(FileBook.open(path)).figures  # the same figures, exactly
    for name in (*outputs, *values):  # Excel's formula results, and the core's own figures written as values
        written = regenerated.read_computed(name).value
        written = None if written == "" else written  # a formula's "" reads as None through xlwings
        assert agrees(cell(book, name).value, written), (name, cell(book, name).value, written)
    assert book.recalculations == 1  # Refresh recalculates once, as app.calculate() does in Excel
    # the message box counts the formula cells against the core, and the core's own figures apart
    text = summary(book.name, refreshed)
    assert f": {len(outputs)} of {len(outputs)} computed figures agree with the sscr core." in text
    assert (f"\n{len(values)} figure(s) only the sscr core computes (no formula can" in text) == bool(values)


def test_changed_inputs_give_the_same_new_figures_as_headless_regeneration(tmp_path):
    path = copy_template(tmp_path, "profit-rate.xlsx")
    edited = xs.Book(path)
    cell(edited, "CRA_1").value = 0.1   # typed as 10%
    cell(edited, "IA_2").value = 0.02
    cell(edited, "Financial_year_2").value = "2019/20"
    edited.save(tmp_path / "edited.xlsx")

    book = xs.Book(tmp_path / "edited.xlsx")
    refreshed = refresh(book)
    regenerated = headless(tmp_path / "edited.xlsx", tmp_path / "regenerated")
    assert refreshed.fill.flags == []
    rates = default_table()
    bpr_2019 = rates.lookup("2019/20").baseline_profit_rate
    assert refreshed.fill.figures["CPR_2"] == pytest.approx(bpr_2019 * 1.25 + 0.02 + 0.025, rel=1e-12)
    assert refreshed.fill.figures == fill(FileBook.open(tmp_path / "edited.xlsx")).figures
    for name in TEMPLATES["profit_rate"].spec().outputs:
        written = regenerated.read_computed(name).value
        assert agrees(cell(book, name).value, written), name
    assert cell(book, "CPR_1").value == pytest.approx(0.0824 * 1.1 + 0.01 + 0.0301, rel=1e-12)


def test_a_book_in_manual_calculation_is_recalculated_before_it_is_reconciled(tmp_path):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    book.app.calculation = "manual"
    cell(book, "CRA_2").value = -0.1
    refreshed = refresh(book)
    assert refreshed.fill.flags == []
    assert cell(book, "CPR_2").value == pytest.approx(0.0824 * 0.9 + 0.025, rel=1e-12)


# --- the Rates sheet -------------------------------------------------------------------------------

def test_refresh_brings_the_rates_sheet_up_to_date_with_the_rate_table(tmp_path):
    rates_file = tmp_path / "rates.csv"
    rates_file.write_text(
        "financial_year,applies_from,baseline_profit_rate_pct,government_owned_contractor_rate_pct,"
        "fixed_capital_servicing_rate_pct,positive_working_capital_servicing_rate_pct,"
        "negative_working_capital_servicing_rate_pct,evidence,source\n"
        "2026/27,2026-04-01,8.70,7.10,3.30,3.20,1.70,user,London Gazette notice\n", encoding="utf-8")
    table = default_table(rates_file)
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    rates = cell(book, RATES_TABLE_NAME)
    rows = rates.options(ndim=2).value
    cleared = [r[0] for r in rows].index("2024/25")
    rates.sheet.range((rates.row + cleared, rates.column),
                      (rates.row + cleared, rates.column + len(RATES_COLUMNS) - 1)).value = [None] * len(RATES_COLUMNS)

    refreshed = refresh(book, rates=table)

    want = rates_table_rows(table)
    have = [[xlwings_adapter.from_excel(v) for v in row] for row in rates.options(ndim=2).value]
    by_year = {row[0]: row for row in have if row[0] is not None}
    assert sorted(by_year) == [row["financial_year"] for row in want]
    for row in want:
        for key, column in RATE_COLUMN.items():
            assert by_year[row["financial_year"]][column] == row.get(key), (row["financial_year"], key)
    assert "2026/27" in by_year and by_year["2026/27"][RATE_COLUMN["evidence"]] == "user"
    row_of = {row["financial_year"]: row for row in want}
    filled, restored = (sum(v is not None for k, v in row_of[year].items() if k in RATE_COLUMN)
                        for year in ("2026/27", "2024/25"))
    assert refreshed.rates_written == filled + restored
    assert refreshed.fill.flags == []
    assert cell(book, "CPR_1").value == pytest.approx(0.1019, abs=5e-5)  # Example 1 reads 2024/25 again
    assert "Rates sheet: " in summary(book.name, refreshed)


# --- flags -------------------------------------------------------------------------------------------

def test_a_computed_cell_typed_over_is_flagged_and_keeps_what_was_typed(tmp_path):
    template = TEMPLATES["profit_rate"]
    book = xs.Book(copy_template(tmp_path, template.filename))
    inputs_before = snapshot(book, template.spec().inputs)
    cell(book, "CPR_1").value = 0.5

    refreshed = refresh(book)

    target = cell(book, "CPR_1")
    assert target.formula == "0.5" and target.value == 0.5
    assert target.color == FLAG_COLOR
    note = target.note.text
    assert note.startswith(NOTE_PREFIX) and "typed over" in note and "10.19%" in note and "50.00%" in note
    assert [f.where for f in refreshed.fill.flags] == ["CPR_1"]
    for name in template.spec().outputs:
        if name != "CPR_1":
            assert cell(book, name).color == COMPUTED_COLOR and cell(book, name).note is None, name
    assert snapshot(book, template.spec().inputs) == inputs_before
    assert "- CPR_1" in summary(book.name, refreshed)

    target.formula = "=After_step_4_1"  # the user restores the formula: the flag goes
    again = refresh(book)
    assert again.fill.flags == []
    assert target.color == COMPUTED_COLOR and target.note is None


def test_a_broken_formula_is_flagged_and_kept(tmp_path):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    cell(book, "After_step_3_2").formula = "=After_step_2_2"  # the incentive adjustment left out
    refreshed = refresh(book)
    target = cell(book, "After_step_3_2")
    assert target.formula == "=After_step_2_2"
    assert target.color == FLAG_COLOR and "not the template's" in target.note.text
    assert "After_step_3_2" in [f.where for f in refreshed.fill.flags]


def test_a_rate_typed_over_is_flagged_with_the_cells_that_use_it_and_kept(tmp_path):
    template = TEMPLATES["profit_rate"]
    book = xs.Book(copy_template(tmp_path, template.filename))
    inputs_before = snapshot(book, template.spec().inputs)
    rate = rates_cell(book, "2024/25", "baseline_profit_rate_pct")
    assert rate.value == 8.24
    rate.value = 9.0

    refreshed = refresh(book)

    assert rate.value == 9.0 and rate.color == FLAG_COLOR
    assert rate.note.text.startswith(NOTE_PREFIX) and "8.24" in rate.note.text and "9" in rate.note.text
    flagged = {f.where for f in refreshed.fill.flags}
    # Excel's figures from 9% disagree with the core's from 8.24%: every cell downstream is flagged too.
    assert {"BPR_1", "CPR_1", "BPR_2", "CPR_2"} <= flagged
    assert "Excel calculates 9.00%" in cell(book, "BPR_1").note.text
    assert cell(book, "BPR_1").formula.startswith("=INDEX(")  # formulas are left as they are
    assert refreshed.fill.headline["CPR_1"] == pytest.approx(0.1019, abs=5e-5)  # the core's figure
    assert not {name for name in template.spec().inputs} & flagged
    # Both examples use the 2024/25 BPR, so every figure of the profit rate template depends on it.
    assert flagged - {"Rates 2024/25 baseline_profit_rate_pct"} == set(template.spec().outputs)
    assert refreshed.agreeing == 0
    assert "0 of 14 computed figures agree" in summary(book.name, refreshed)
    assert snapshot(book, template.spec().inputs) == inputs_before
    assert book.recalculations == 1

    rate.value = 8.24  # corrected: every flag goes, each cell gets its colour back
    again = refresh(book)
    assert again.fill.flags == []
    assert rate.color is None and rate.note is None
    for name in template.spec().outputs:
        assert cell(book, name).color == COMPUTED_COLOR and cell(book, name).note is None, name


def test_a_note_someone_wrote_is_kept_when_the_cell_is_flagged(tmp_path):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    target = cell(book, "CPR_2")
    target.add_note("Agreed with the MOD commercial officer")
    target.value = 0.13
    refreshed = refresh(book)
    assert target.color == FLAG_COLOR
    assert target.note.text == "Agreed with the MOD commercial officer"
    assert "CPR_2" in [f.where for f in refreshed.fill.flags]


def test_a_flag_written_by_headless_regeneration_is_cleared_by_refresh_once_fixed(tmp_path):
    path = copy_template(tmp_path, "profit-rate.xlsx")
    typed = xs.Book(path)
    cell(typed, "CPR_1").value = 0.5
    typed.save(tmp_path / "typed.xlsx")
    flagged = headless(tmp_path / "typed.xlsx", tmp_path / "regenerated")
    assert flagged.comment("CPR_1").startswith("sscr regenerate:")

    book = xs.Book(tmp_path / "regenerated" / "typed.xlsx")
    target = cell(book, "CPR_1")
    assert target.color == FLAG_COLOR
    target.formula = "=After_step_4_1"
    assert refresh(book).fill.flags == []
    assert target.color == COMPUTED_COLOR and target.note is None


def test_bad_input_is_refused_naming_it_and_nothing_changes(tmp_path):
    template = TEMPLATES["profit_rate"]
    book = xs.Book(copy_template(tmp_path, template.filename))
    cell(book, "CRA_1").value = 0.3
    rates = cell(book, RATES_TABLE_NAME)
    rates.sheet.range((rates.row + 9, rates.column)).value = None  # a rate row the fill would restore
    names = [*template.spec().inputs, *template.spec().outputs]
    before = snapshot(book, names), rates.options(ndim=2).value
    with pytest.raises(PricingInputError, match="CRA_1"):
        refresh(book)
    assert (snapshot(book, names), rates.options(ndim=2).value) == before


def test_a_name_that_no_longer_refers_to_cells_is_reported(tmp_path):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    book._wb.defined_names["IA_1"].attr_text = "#REF!"  # its cell was deleted
    with pytest.raises(PricingInputError, match=r"IA_1 refers to '=#REF!'"):
        refresh(book)


# --- the button, as xlwings runs it ------------------------------------------------------------------

@pytest.fixture()
def excel_runs(monkeypatch):
    """Run the ribbon button's Python command, read from the add-in's VBA (SSCRPricingRibbon.Refresh),
    as xlwings' RunPython does: the workbook's and the add-in's folders put on sys.path by
    xlwings.utils.prepare_sys_path, then the command, with xlwings.Book.caller() returning the open book."""
    import re
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(ADDIN))
    ribbon = next(code for _f, stream, _n, code in parser.extract_macros() if stream.endswith("/SSCRPricingRibbon"))
    parser.close()
    command = re.search(r'^\s*RunPython "([^"]+)"', ribbon, re.M).group(1)

    from sscr.workbooks import spec_cache

    def run(book: xs.Book) -> None:
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: book))
        # Refresh keeps template layouts in the user's cache folder: here a temporary one, and off again after.
        monkeypatch.setattr(spec_cache, "FOLDER", None)
        monkeypatch.setenv("XDG_CACHE_HOME", str(Path(book.fullname).parent / "cache"))
        from xlwings.utils import prepare_sys_path

        prepare_sys_path(f"true;{book.fullname};{ADDIN};;;;")
        exec(command, {})  # RunPython "import sscr.addin; sscr.addin.refresh()"

    yield run


def test_the_button_refreshes_the_open_book_and_says_what_it_did(tmp_path, excel_runs):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    cell(book, "CPR_1").value = 0.5
    excel_runs(book)
    [alert] = book.app.alerts
    assert alert["title"] == "SSCR pricing" and alert["mode"] == "info"
    assert "13 of 14 computed figures agree with the sscr core" in alert["prompt"]
    assert "CPR_1=10.19%" in alert["prompt"] and "- CPR_1" in alert["prompt"]
    assert cell(book, "CPR_1").color == FLAG_COLOR
    assert book.app.screen_updating is True and book.app.status_bar is False
    assert book.app.screen_updating_history[0] is False  # Excel did not redraw cell by cell


def test_the_button_on_a_workbook_that_is_not_a_template_says_so(tmp_path, excel_runs):
    import openpyxl

    path = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget"
    wb.save(path)
    book = xs.Book(path)
    excel_runs(book)
    [alert] = book.app.alerts
    assert alert["mode"] == "critical"
    assert "Refresh changed nothing in budget.xlsx: the workbook is not an sscr template" in alert["prompt"]


def test_the_button_with_a_bad_input_names_it_and_shows_no_traceback(tmp_path, excel_runs):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    cell(book, "CRA_1").value = 30  # 30 rather than 30%
    excel_runs(book)
    [alert] = book.app.alerts
    assert alert["mode"] == "critical" and "CRA_1" in alert["prompt"] and "30" in alert["prompt"]
    assert "Traceback" not in alert["prompt"] and "File \"" not in alert["prompt"]
    assert book.app.screen_updating is True and book.app.status_bar is False


def test_the_button_turns_an_unexpected_failure_into_a_message(tmp_path, excel_runs, monkeypatch):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))

    def broken(book, **_):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(xlwings_adapter, "fill", broken)
    excel_runs(book)
    [alert] = book.app.alerts
    assert alert["mode"] == "critical"
    assert "stopped unexpectedly (ZeroDivisionError: float division by zero)" in alert["prompt"]
    assert book.app.screen_updating is True


def test_the_button_without_the_excel_extra_installed_says_how_to_install_it(tmp_path, excel_runs, monkeypatch):
    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    monkeypatch.setitem(sys.modules, "sscr.workbooks.xlwings_adapter", None)  # import fails
    excel_runs(book)
    [alert] = book.app.alerts
    assert 'pip install "sscr-pricing[excel]"' in alert["prompt"] and "Traceback" not in alert["prompt"]


# --- the stand-in is xlwings' object model -------------------------------------------------------------

#: What the stand-in records for the tests to look at; everything else it offers is xlwings API.
TEST_ONLY = {"alerts", "status_bar_history", "screen_updating_history", "recalculations"}


def test_everything_the_standin_offers_is_xlwings_api_with_the_same_arguments(tmp_path):
    import inspect

    book = xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))
    rng = cell(book, "CPR_1")
    rng.add_note("a note")
    instances = {"App": book.app, "Book": book, "Sheets": book.sheets, "Sheet": book.sheets[0], "Range": rng,
                 "Names": book.names, "Name": book.names["CPR_1"], "Note": rng.note}
    for cls, instance in instances.items():
        real = getattr(xlwings.main, cls)
        offered = {a for a in dir(instance) if not a.startswith("_")} - TEST_ONLY
        assert offered <= set(dir(real)), (cls, sorted(offered - set(dir(real))))
        for attr in offered:
            mine, theirs = inspect.getattr_static(type(instance), attr, None), getattr(real, attr)
            if inspect.isfunction(mine) and callable(theirs) and not isinstance(theirs, property):
                params = list(inspect.signature(mine).parameters)
                assert params == list(inspect.signature(theirs).parameters)[:len(params)], (cls, attr)


# --- one implementation -------------------------------------------------------------------------------

def test_refresh_and_headless_regeneration_call_one_fill(tmp_path):
    from sscr.workbooks import adapter, fill as fill_module, regenerate

    assert xlwings_adapter.fill is fill_module.fill is regenerate.fill
    assert isinstance(XlwingsBook(xs.Book(copy_template(tmp_path, "profit-rate.xlsx"))), adapter.Book)
