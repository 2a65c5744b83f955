"""One workbook, one figure: regeneration never writes or reports a figure that the workbook's own
formulas would not compute. Each class of workbook that the core and the formulas could read two
ways is refused (nothing written, the message naming the cell and the rule), or its differing cells
are flagged and cached with what their formulas compute.

The reliability corpus (tests/reliability/test_reliability_one_figure.py) runs these mutations and
random ones over every template and has LibreOffice recalculate the results.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mutations import MUTATIONS, add_name, cell_of, redefine, set_element
from sscr.workbooks.package import XlsxPackage, make_ref
from sscr.workbooks.regenerate import FAILED, FLAGGED, OK, regenerate_one
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR, named_cell

TEMPLATE_FILES = {t.key: TEMPLATE_DIR / t.filename for t in TEMPLATES.values()}


def _write(tmp_path: Path, pkg: XlsxPackage, name: str = "mutated.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(pkg.to_bytes())
    return path


def _pkg(key: str) -> XlsxPackage:
    return XlsxPackage.open(TEMPLATE_FILES[key])


def _refused(tmp_path: Path, path: Path, *words: str) -> str:
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == FAILED, (result.status, result.flags[:2])
    assert not (tmp_path / "out" / path.name).exists()  # nothing written
    for word in words:
        assert word in result.message, f"{word!r} not in {result.message!r}"
    assert "Traceback" not in result.message
    return result.message


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_a_name_redefined_to_a_range_where_a_cell_belongs_is_refused(tmp_path, key):
    """Before: the core read the range's first cell, a formula the whole range (#VALUE! or another)."""
    pkg = _pkg(key)
    name = next(iter(TEMPLATES[key].spec().inputs))
    sheet, ref = cell_of(pkg, name)
    row = int(re.sub(r"\D", "", ref))
    col = re.sub(r"\d", "", ref)
    redefine(pkg, name, f"'{sheet}'!${col}${row}:${col}${row + 1}")
    _refused(tmp_path, _write(tmp_path, pkg), name, "range", "one cell")


def test_a_name_defined_twice_is_refused(tmp_path):
    pkg = _pkg("contract_model")
    add_name(pkg, "Financial_year", "'Contract'!$D$7")
    _refused(tmp_path, _write(tmp_path, pkg), "Financial_year", "defined twice")


def test_a_name_of_other_case_defined_again_is_refused(tmp_path):
    """Excel's names are not case-sensitive: FINANCIAL_YEAR is the same name."""
    pkg = _pkg("profit_rate")
    name = next(iter(TEMPLATES["profit_rate"].spec().inputs))
    sheet, ref = cell_of(pkg, name)
    add_name(pkg, name.upper(), f"'{sheet}'!$Z$1")
    _refused(tmp_path, _write(tmp_path, pkg), "defined twice")


def test_a_sheet_scoped_name_shadowing_a_template_name_is_refused(tmp_path):
    pkg = _pkg("contract_model")
    add_name(pkg, "Financial_year", "'Contract'!$D$7", scope=0)
    _refused(tmp_path, _write(tmp_path, pkg), "Financial_year", "'Contract' alone")


def test_a_cell_of_a_table_named_out_of_line_with_its_column_is_refused(tmp_path):
    """Line_net_col sums rows 1-30; Line_component_5 moved elsewhere would be read by the core
    but not by SUMIFS."""
    pkg = _pkg("cost_build_up")
    sheet, ref = cell_of(pkg, "Line_component_5")
    redefine(pkg, "Line_component_5", f"'{sheet}'!$C$300")
    _refused(tmp_path, _write(tmp_path, pkg), "Line_component_5", "Line_component_col")


def test_a_computed_name_beyond_column_xfd_is_refused(tmp_path):
    pkg = _pkg("profit_rate")
    name = next(iter(TEMPLATES["profit_rate"].spec().outputs))
    redefine(pkg, name, "'Contract profit rate'!$XFE$9")
    _refused(tmp_path, _write(tmp_path, pkg), name, "XFD")


def test_a_macro_enabled_workbook_saved_as_xlsx_is_refused(tmp_path):
    data = MUTATIONS["macro project in an .xlsx"][0](TEMPLATE_FILES["poco"].read_bytes(), None, random.Random(0))
    path = tmp_path / "macros.xlsx"
    path.write_bytes(data)
    _refused(tmp_path, path, "macro", ".xlsx")


def test_the_macro_enabled_content_type_alone_is_refused(tmp_path):
    pkg = _pkg("poco")
    ct = pkg.part("[Content_Types].xml")
    pkg.set_part("[Content_Types].xml", ct.replace("spreadsheetml.sheet.main+xml",
                                                   "../application/vnd.ms-excel.sheet.macroEnabled.main+xml"))
    _refused(tmp_path, _write(tmp_path, pkg), "macro-enabled")


# --- input cells holding formulas ---------------------------------------------------------------

def test_an_input_formula_whose_cached_value_is_stale_is_refused(tmp_path):
    """Before: the core used the cached 0.05 while Excel computes 0.06."""
    pkg = _pkg("profit_rate")
    sheet, ref = cell_of(pkg, "CRA_1")
    set_element(pkg, sheet, ref, "<f>0.03*2</f><v>0.05</v>")
    _refused(tmp_path, _write(tmp_path, pkg), "CRA_1", "=0.03*2", "0.06", "0.05")


def test_an_input_formula_sscr_cannot_evaluate_is_refused(tmp_path):
    pkg = _pkg("profit_rate")
    sheet, ref = cell_of(pkg, "CRA_1")
    set_element(pkg, sheet, ref, "<f>RAND()/100</f><v>0.001</v>")
    _refused(tmp_path, _write(tmp_path, pkg), "CRA_1", "cannot evaluate", "type the value")


def test_an_input_formula_whose_cached_value_is_current_is_used(tmp_path):
    pkg = _pkg("profit_rate")
    sheet, ref = cell_of(pkg, "CRA_1")
    other, other_ref = cell_of(pkg, "CRA_2")
    value = pkg.read(other, other_ref).value
    set_element(pkg, sheet, ref, f"<f>CRA_2</f><v>{value}</v>")
    result = regenerate_one(_write(tmp_path, pkg), tmp_path / "out")
    assert result.status == OK, result.message


# --- text matched as Excel matches it ---------------------------------------------------------------

def test_a_financial_year_with_a_trailing_space_is_refused(tmp_path):
    """Before: the core trimmed it and priced; MATCH("2024/25 ", Rates_year, 0) is #N/A."""
    pkg = _pkg("contract_model")
    sheet, ref = cell_of(pkg, "Financial_year")
    pkg.write_value(sheet, ref, "2024/25 ")
    _refused(tmp_path, _write(tmp_path, pkg), "Financial_year", "'2024/25 '", "spaces")


def test_a_component_name_with_a_trailing_space_on_a_cost_line_is_refused(tmp_path):
    """Before: the core priced the line for the component; SUMIFS dropped it."""
    pkg = _pkg("cost_build_up")
    sheet, ref = cell_of(pkg, "Line_component_1")
    name = pkg.read(sheet, ref).value
    assert isinstance(name, str) and name
    pkg.write_value(sheet, ref, name + " ")
    _refused(tmp_path, _write(tmp_path, pkg), "Line_component_1", "spaces")


def test_a_component_name_with_a_wildcard_is_refused(tmp_path):
    pkg = _pkg("cost_build_up")
    sheet, ref = cell_of(pkg, "Line_component_1")
    pkg.write_value(sheet, ref, "Wid*")
    _refused(tmp_path, _write(tmp_path, pkg), "Line_component_1", "wildcards")


def test_a_rates_year_held_twice_is_refused(tmp_path):
    """Before: MATCH took the first row's figures, the core its table."""
    data = MUTATIONS["Rates year twice"][0](TEMPLATE_FILES["contract_model"].read_bytes(), None, random.Random(3))
    path = tmp_path / "twice.xlsx"
    path.write_bytes(data)
    _refused(tmp_path, path, "twice", "MATCH uses the first row")


def test_a_rates_year_label_with_a_trailing_space_is_refused(tmp_path):
    pkg = _pkg("profit_rate")
    area = pkg.area("Rates_year")
    ref = make_ref(area.top + 3, area.left)
    pkg.write_value(area.sheet, ref, str(pkg.read(area.sheet, ref).value) + " ")
    _refused(tmp_path, _write(tmp_path, pkg), f"Rates!{ref}", "spaces")


# --- cells computed from a changed cell ----------------------------------------------------------

def test_cells_computed_from_a_rates_figure_typed_over_are_flagged_and_hold_the_workbooks_figure(tmp_path):
    """Before: the Rates cell was flagged, BPR and everything computed from it cached with the core's
    figures, unflagged."""
    pkg = _pkg("contract_model")
    area = pkg.area("Rates_year")
    row = next(area.top + r for r in range(area.rows)
               if pkg.read(area.sheet, make_ref(area.top + r, area.left)).value == "2024/25")
    pkg.write_value("Rates", make_ref(row, 3), 9.5)
    path = _write(tmp_path, pkg)
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == FLAGGED
    flags = {f["where"]: f["message"] for f in result.flags}
    assert "BPR" in flags and "Rates 2024/25" in flags["BPR"] and "9.50%" in flags["BPR"]
    cached = openpyxl.load_workbook(tmp_path / "out" / path.name, data_only=True)
    assert named_cell(cached, "BPR").value == pytest.approx(0.095)
    assert result.headline["BPR"] != pytest.approx(0.095)  # the core's figure is reported, the cell flagged


def test_a_computed_formula_edited_by_hand_holds_what_its_formula_computes(tmp_path):
    """Before: flagged, but its cache kept the old figure."""
    pkg = _pkg("profit_rate")
    sheet, ref = cell_of(pkg, "CPR_1")
    cell = pkg.read(sheet, ref)
    set_element(pkg, sheet, ref, f"<f>({cell.formula})*2</f><v>{cell.value}</v>")
    path = _write(tmp_path, pkg)
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == FLAGGED
    cached = openpyxl.load_workbook(tmp_path / "out" / path.name, data_only=True)
    assert named_cell(cached, "CPR_1").value == pytest.approx(2 * cell.value)
    where = {f["where"] for f in result.flags}
    assert "CPR_1" in where


def test_a_formula_sscr_cannot_evaluate_gets_no_cached_figure_and_a_flag(tmp_path):
    pkg = _pkg("profit_rate")
    sheet, ref = cell_of(pkg, "CPR_1")
    set_element(pkg, sheet, ref, "<f>RAND()</f><v>0.5</v>")
    path = _write(tmp_path, pkg)
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == FLAGGED
    flags = {f["where"]: f["message"] for f in result.flags}
    assert "cannot evaluate" in flags["CPR_1"]
    cached = openpyxl.load_workbook(tmp_path / "out" / path.name, data_only=True)
    assert named_cell(cached, "CPR_1").value is None


# --- data outside a fixed table ----------------------------------------------------------------

def _last(prefix: str, title: str) -> str:
    """The input name on the last row of a contract model table, from the template's own table sizes."""
    rows = {t.title: t.rows for t in TEMPLATES["contract_model"].spec().tables}
    return f"{prefix}_{rows[title]}"


@pytest.mark.parametrize("name", [_last("Line_id", "cost lines"), _last("Risk_impact", "risk register"),
                                  _last("Index_value", "escalation indices"), _last("Rate_pool", "cost recovery rates")])
def test_data_typed_below_the_last_row_of_a_fixed_table_is_refused(tmp_path, name):
    """Before: ignored without a word by the core and by the formulas."""
    pkg = _pkg("contract_model")
    area = pkg.area(name)
    ref = make_ref(area.top + 1, area.left)
    pkg.write_value(area.sheet, ref, 1000)
    message = _refused(tmp_path, _write(tmp_path, pkg), f"{area.sheet}!{ref}", "below the last row")
    table = next(t for t in TEMPLATES["contract_model"].spec().tables if t.sheet == area.sheet
                 and t.first_col <= area.left <= t.last_col)
    assert table.title in message and table.grow.removesuffix(" N") in message


def test_a_component_typed_right_of_the_last_component_column_is_refused(tmp_path):
    pkg = _pkg("contract_model")
    area = pkg.area(_last("Name", "components"))
    ref = make_ref(area.top, area.left + 1)
    pkg.write_value(area.sheet, ref, "Ninth")
    _refused(tmp_path, _write(tmp_path, pkg), f"{area.sheet}!{ref}", "beside the components table", "--components 11")


def test_the_templates_own_text_beside_a_table_is_not_data(tmp_path):
    for key, path in TEMPLATE_FILES.items():
        result = regenerate_one(path, tmp_path / key)
        assert result.status == OK, result.message


# --- comments on two sheets -----------------------------------------------------------------------

def test_flag_comments_on_two_sheets_number_their_shapes_within_each_drawings_block(tmp_path):
    """Excel numbers a drawing's shapes within the 1024-id block its o:idmap declares: two drawings
    declaring the same block, or shapes outside their block, collide."""
    pkg = _pkg("contract_model")
    sheet, ref = cell_of(pkg, "BPR")
    pkg.write_value(sheet, ref, 0.5)
    sheet2, ref2 = cell_of(pkg, "Lines_allowable")
    pkg.write_value(sheet2, ref2, 7.0)
    path = _write(tmp_path, pkg)
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == FLAGGED
    with zipfile.ZipFile(tmp_path / "out" / path.name) as z:
        drawings = [n for n in z.namelist() if n.endswith(".vml")]
        assert len(drawings) >= 2
        blocks, ids = [], []
        for n in drawings:
            vml = z.read(n).decode()
            block = [int(b) for b in re.search(r'<o:idmap\b[^>]*data="([^"]+)"', vml).group(1).split(",")]
            blocks.extend(block)
            shapes = [int(i) for i in re.findall(r'id="_x0000_s(\d+)"', vml)]
            assert shapes and all(s // 1024 in block for s in shapes), (n, block, shapes)
            ids.extend(shapes)
        assert len(blocks) == len(set(blocks))
        assert len(ids) == len(set(ids))
