"""The fill through the file adapter: inputs read by defined name, core figures written as cached
values, edits flowing to exactly the dependent figures, user content kept, cells changed by hand
flagged and not corrected, bad inputs refused with the name, the value and the rule."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from sscr.errors import PricingInputError
from sscr.workbooks.adapter import Book, FileBook
from sscr.workbooks.fill import check_input, expected_values, normalise_formula
from sscr.workbooks.layout import InputSpec
from sscr.workbooks.package import FLAG_AUTHOR
from sscr.workbooks.regenerate import FAILED, FLAGGED, OK, regenerate_one
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import copy_templates, dependents, named_cell, values_by_name

FLAG_RGB = "FFFF7C80"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _edit(path: Path, target: Path, **cells) -> None:
    """Change input cells by defined name with openpyxl (as a user would in a spreadsheet)."""
    wb = openpyxl.load_workbook(path)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    wb.save(target)


def test_file_book_is_a_book(tmp_path):
    folder = copy_templates(tmp_path, "poco.xlsx")
    assert isinstance(FileBook.open(folder / "poco.xlsx"), Book)


def test_regenerating_a_template_reproduces_it(tmp_path):
    folder = copy_templates(tmp_path)
    for path in folder.glob("*.xlsx"):
        result = regenerate_one(path, tmp_path / "out")
        assert result.status == OK, result.message
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes()


def test_regenerating_twice_gives_the_same_figures(tmp_path):
    folder = copy_templates(tmp_path, "poco.xlsx")
    _edit(folder / "poco.xlsx", folder / "poco.xlsx", Own_costs_PC=250, CRA_SC2=0.2)
    first = regenerate_one(folder / "poco.xlsx", tmp_path / "one")
    second = regenerate_one(tmp_path / "one" / "poco.xlsx", tmp_path / "two")
    assert first.status == second.status == OK
    names = list(TEMPLATES["poco"].spec().outputs)
    assert values_by_name(tmp_path / "one" / "poco.xlsx", names) == values_by_name(tmp_path / "two" / "poco.xlsx", names)
    assert first.headline == second.headline


@pytest.mark.parametrize("template_key,name,value", [
    ("capital_servicing", "Fixed_capital_a", 3_500_000),
    ("capital_servicing", "Working_capital_c", -750_000),
    ("profit_rate", "IA_2", 0.015),
    ("poco", "CRA_SC2", 0.2),
    ("poco", "Own_costs_SC2", 30),
    ("aggregation", "Ex7_AC_3", 140),
])
def test_an_edited_input_changes_exactly_its_dependent_figures(tmp_path, template_key, name, value):
    template = TEMPLATES[template_key]
    folder = copy_templates(tmp_path, template.filename)
    source = folder / template.filename
    edited = folder / ("edited-" + template.filename)
    _edit(source, edited, **{name: value})
    result = regenerate_one(edited, tmp_path / "out")
    assert result.status == OK, result.message
    names = list(template.spec().outputs)
    before = values_by_name(source, names)
    after = values_by_name(tmp_path / "out" / edited.name, names)
    changed = {n for n in names if before[n] != after[n]}
    assert changed, "the edit changed nothing"
    # only figures whose formulas depend on the input change ...
    assert changed <= dependents(template, name)
    # ... and exactly those whose core figure changes (an IF branch may stay at zero)
    spec = template.spec()
    defaults = {n: s.default for n, s in spec.inputs.items()}
    inputs = defaults | {name: value}
    core = expected_values(template, inputs)
    core_before = expected_values(template, defaults)
    def moved(a, b):
        return (a is None) != (b is None) or (a is not None and a != pytest.approx(b, rel=1e-13, abs=1e-13))

    assert changed == {n for n in names if moved(core[n], core_before[n])}
    for n in names:
        if core[n] is None:
            assert after[n] in (None, "")
        else:
            assert after[n] == pytest.approx(core[n], rel=1e-14, abs=1e-15), n


def test_user_sheet_comment_and_other_parts_survive_byte_identical(tmp_path):
    folder = copy_templates(tmp_path, "capital-servicing.xlsx")
    edited = folder / "mine.xlsx"
    wb = openpyxl.load_workbook(folder / "capital-servicing.xlsx")
    notes = wb.create_sheet("My notes")
    notes["A1"] = "Agreed with the MOD on 3 May"
    notes["A1"].comment = Comment("see minutes", "Alice")
    wb["Capital servicing"]["H7"] = "analyst's working"
    wb["Capital servicing"]["H7"].comment = Comment("check with finance", "Bob")
    named_cell(wb, "Cost_of_production_b").value = 6_500_000
    wb.save(edited)

    result = regenerate_one(edited, tmp_path / "out")
    assert result.status == OK, result.message
    before, after = _parts(edited), _parts(tmp_path / "out" / "mine.xlsx")
    assert list(after) == list(before)
    book = FileBook.open(edited)
    sheet_parts = {book.package.sheets[s] for s in ("Capital servicing",)}
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= sheet_parts | {"xl/workbook.xml"}, changed
    notes_part = book.package.sheets["My notes"]
    assert after[notes_part] == before[notes_part]
    out = openpyxl.load_workbook(tmp_path / "out" / "mine.xlsx")
    assert out["My notes"]["A1"].value == "Agreed with the MOD on 3 May"
    assert out["My notes"]["A1"].comment.text == "see minutes"
    assert out["Capital servicing"]["H7"].value == "analyst's working"
    assert out["Capital servicing"]["H7"].comment.text == "check with finance"
    assert out.calculation.fullCalcOnLoad


def test_parts_the_fill_does_not_model_are_kept(tmp_path):
    """An image, a custom XML part, anything: regeneration rewrites only the sheets it fills."""
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    src = folder / "profit-rate.xlsx"
    with_extra = folder / "extra.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(with_extra, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("customXml/item1.xml", b"<root>kept as it is</root>")
        zout.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n not really an image")
    _edit_in_zip = _parts(with_extra)
    result = regenerate_one(with_extra, tmp_path / "out")
    assert result.status == OK, result.message
    after = _parts(tmp_path / "out" / "extra.xlsx")
    assert after["customXml/item1.xml"] == _edit_in_zip["customXml/item1.xml"]
    assert after["xl/media/image1.png"] == _edit_in_zip["xl/media/image1.png"]


def _flagged_copy(tmp_path: Path) -> Path:
    folder = copy_templates(tmp_path, "capital-servicing.xlsx")
    edited = folder / "edited.xlsx"
    wb = openpyxl.load_workbook(folder / "capital-servicing.xlsx")
    named_cell(wb, "CSA_b").value = 0.03                       # typed over
    named_cell(wb, "CP_CE_a").value = "=Cost_of_production_a/Capital_employed_a*2"  # formula changed
    rates = wb["Rates"]
    row = next(r for r in range(6, 46) if rates.cell(row=r, column=1).value == "2024/25")
    rates.cell(row=row, column=5).value = 3.5                  # fixed capital servicing rate typed over
    wb.save(edited)
    return edited


def test_cells_changed_by_hand_are_flagged_not_corrected(tmp_path):
    edited = _flagged_copy(tmp_path)
    result = regenerate_one(edited, tmp_path / "out")
    assert result.status == FLAGGED
    where = {f["where"] for f in result.flags}
    roots = {"CSA_b", "CP_CE_a", "Rates 2024/25 fixed_capital_servicing_rate_pct"}
    assert roots <= where
    # every cell computed from a changed cell is flagged too, naming what it depends on
    dependents = {f["where"]: f["message"] for f in result.flags if f["where"] not in roots}
    assert dependents and all("depends on cells changed by hand" in m for m in dependents.values())
    assert "Fixed_allowance_a" in dependents
    assert "Rates 2024/25 fixed_capital_servicing_rate_pct" in dependents["Fixed_allowance_a"]
    messages = " ".join(f["message"] for f in result.flags)
    assert "=Allowance_x_b/CP_CE_b" in messages and "2.41%" in messages
    assert "the sheet holds 3.5 but the rate table says 3.26" in messages

    out = openpyxl.load_workbook(tmp_path / "out" / "edited.xlsx")
    csa_b = named_cell(out, "CSA_b")
    assert csa_b.value == 0.03                                  # the user's value is kept
    assert csa_b.fill.fgColor.rgb == FLAG_RGB
    assert csa_b.comment.author == FLAG_AUTHOR and "typed over" in csa_b.comment.text
    ce = named_cell(out, "CP_CE_a")
    assert ce.value == "=Cost_of_production_a/Capital_employed_a*2"
    assert ce.fill.fgColor.rgb == FLAG_RGB
    rates = out["Rates"]
    row = next(r for r in range(6, 46) if rates.cell(row=r, column=1).value == "2024/25")
    assert rates.cell(row=row, column=5).value == 3.5
    assert rates.cell(row=row, column=5).fill.fgColor.rgb == FLAG_RGB
    # unflagged cells keep their template style
    assert named_cell(out, "Rate_positive_a").fill.fgColor.rgb != FLAG_RGB
    # a flagged cell's cached value is what its formula computes from what the workbook holds (the
    # template's cost of production / capital employed is 1.5; the edited formula doubles it), not the core's
    cached = openpyxl.load_workbook(tmp_path / "out" / "edited.xlsx", data_only=True)
    assert named_cell(cached, "CP_CE_a").value == pytest.approx(3.0)
    assert "compute 3.00" in messages and "core computes 1.50" in messages


def test_a_flag_clears_when_the_cell_is_put_right(tmp_path):
    edited = _flagged_copy(tmp_path)
    regenerate_one(edited, tmp_path / "out")
    wb = openpyxl.load_workbook(tmp_path / "out" / "edited.xlsx")
    named_cell(wb, "CSA_b").value = "=Allowance_x_b/CP_CE_b"
    rates = wb["Rates"]
    row = next(r for r in range(6, 46) if rates.cell(row=r, column=1).value == "2024/25")
    rates.cell(row=row, column=5).value = 3.26
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    result = regenerate_one(fixed, tmp_path / "again")
    where = {f["where"] for f in result.flags}
    assert "CP_CE_a" in where and not any(w.endswith("_b") or w.startswith("Rates") for w in where)
    out = openpyxl.load_workbook(tmp_path / "again" / "fixed.xlsx")
    csa_b = named_cell(out, "CSA_b")
    assert csa_b.fill.fgColor.rgb != FLAG_RGB
    assert csa_b.style == "SSCR headline"
    assert csa_b.comment is None
    assert named_cell(out, "CP_CE_a").comment is not None


def test_a_flag_does_not_replace_a_users_comment(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    cell = named_cell(wb, "CPR_1")
    cell.value = 0.11
    cell.comment = Comment("agreed at 11% in negotiation", "Carol")
    wb.save(folder / "mine.xlsx")
    result = regenerate_one(folder / "mine.xlsx", tmp_path / "out")
    assert [f["where"] for f in result.flags][0] == "CPR_1"
    out = named_cell(openpyxl.load_workbook(tmp_path / "out" / "mine.xlsx"), "CPR_1")
    assert out.comment.text == "agreed at 11% in negotiation"
    assert out.fill.fgColor.rgb == FLAG_RGB


@pytest.mark.parametrize("name,value,words", [
    ("CRA_1", "high", ["CRA_1", "'high'", "not a number"]),
    ("CRA_1", 0.3, ["CRA_1", "0.3", "-25%..+25%", "regulation 11(3)"]),
    ("IA_2", 0.05, ["IA_2", "0.05", "0..2 percentage points"]),
    ("Financial_year_1", "2031/32", ["Financial_year_1", "'2031/32'", "not in the rate table"]),
    ("Financial_year_2", 2024, ["Financial_year_2", "2024", 'written like "2024/25"']),
    ("CSA_1", None, ["CSA_1", "is empty"]),
])
def test_bad_input_fails_naming_the_name_the_value_and_the_rule(tmp_path, name, value, words):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    bad = folder / "bad.xlsx"
    _edit(folder / "profit-rate.xlsx", bad, **{name: value})
    before = bad.read_bytes()
    result = regenerate_one(bad, tmp_path / "out")
    assert result.status == FAILED
    for word in words:
        assert word in result.message, (word, result.message)
    assert "Traceback" not in result.message
    assert not (tmp_path / "out" / "bad.xlsx").exists()
    assert bad.read_bytes() == before


def test_a_workbook_that_is_not_a_template_fails_clearly(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(tmp_path / "plain.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    r1 = regenerate_one(tmp_path / "plain.xlsx", tmp_path / "out")
    r2 = regenerate_one(tmp_path / "broken.xlsx", tmp_path / "out")
    assert r1.status == r2.status == FAILED
    assert "not an sscr template" in r1.message
    assert "not an xlsx file" in r2.message


def test_a_missing_defined_name_fails_clearly(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    del wb.defined_names["IA_1"]
    wb.save(folder / "no-name.xlsx")
    result = regenerate_one(folder / "no-name.xlsx", tmp_path / "out")
    assert result.status == FAILED and "IA_1" in result.message and "Name Manager" in result.message


def test_in_place_replaces_the_file_and_leaves_no_temporary(tmp_path):
    folder = copy_templates(tmp_path, "poco.xlsx")
    target = folder / "poco.xlsx"
    _edit(target, target, Own_costs_SC1=60)
    result = regenerate_one(target, in_place=True)
    assert result.status == OK and result.output == str(target)
    assert [p.name for p in folder.iterdir()] == ["poco.xlsx"]
    assert values_by_name(target, ["Total_costs_SC1"])["Total_costs_SC1"] == pytest.approx(87.45)


def test_output_onto_the_source_is_refused(tmp_path):
    folder = copy_templates(tmp_path, "poco.xlsx")
    before = (folder / "poco.xlsx").read_bytes()
    result = regenerate_one(folder / "poco.xlsx", folder)
    assert result.status == FAILED and "--in-place" in result.message
    assert (folder / "poco.xlsx").read_bytes() == before


def test_contract_model_prices_components_through_poco_and_contract_level(tmp_path):
    folder = copy_templates(tmp_path, "contract-model.xlsx")
    model = folder / "contract-model.xlsx"
    cells = {"Contract_name": "Radar upgrade", "Financial_year": "2024/25",
             "Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000, "CRA_1": 0.1, "IA_1": 0.005, "CSA_1": 0.02,
             "POCO_typed_1": 30_000,
             "Name_2": "Spares", "Method_2": "commercial", "Alt_price_2": 250_000,
             "Name_3": "Support", "Method_3": "cost-plus", "AC_3": 400_000, "CRA_3": -0.1, "IA_3": 0, "CSA_3": 0.01,
             "Contract_CRA": 5_000, "Contract_IA": 1_000}
    _edit(model, folder / "filled.xlsx", **cells)
    result = regenerate_one(folder / "filled.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    spec = TEMPLATES["contract_model"].spec()
    inputs = {n: s.default for n, s in spec.inputs.items()} | cells
    core = expected_values(TEMPLATES["contract_model"], inputs)
    got = values_by_name(tmp_path / "out" / "filled.xlsx", list(core))
    for name, value in core.items():
        if value is None:
            assert got[name] in (None, ""), name
        elif isinstance(value, str):
            assert got[name] == value, name
        else:
            assert got[name] == pytest.approx(value, rel=1e-14, abs=1e-12), name
    bpr = 0.0824
    cpr1 = bpr * 1.1 + 0.005 + 0.02
    assert got["AC_after_1"] == pytest.approx(970_000)
    assert got["Price_after_1"] == pytest.approx(970_000 * (1 + cpr1))
    assert got["CRA_pot"] == pytest.approx(970_000 * bpr * 0.15 + 400_000 * bpr * 0.35)
    assert got["Contract_price"] == pytest.approx(got["Total_component_price"] + 6_000)
    assert got["Components"] == 3


def test_contract_model_refuses_a_contract_level_adjustment_over_the_pot(tmp_path):
    folder = copy_templates(tmp_path, "contract-model.xlsx")
    _edit(folder / "contract-model.xlsx", folder / "over.xlsx",
          Name_1="A", Method_1="formula", AC_1=100, CRA_1=0.25, IA_1=0.02, CSA_1=0.01,
          Name_2="B", Method_2="commercial", Alt_price_2=50, Contract_IA=1)
    result = regenerate_one(folder / "over.xlsx", tmp_path / "out")
    assert result.status == FAILED and "exceeds the maximum" in result.message


def test_blank_contract_model_regenerates_to_zero(tmp_path):
    folder = copy_templates(tmp_path, "contract-model.xlsx")
    result = regenerate_one(folder / "contract-model.xlsx", tmp_path / "out")
    assert result.status == OK
    assert result.headline["Contract_price"] == 0.0
    assert result.headline["BPR"] == pytest.approx(0.0824)


def test_check_input_rules():
    from sscr.rates import default_table
    table = default_table(None)
    method = InputSpec("Method_1", "method", "method", None, optional=True)
    assert check_input(method, "Cost-Plus", table) == "cost-plus"
    with pytest.raises(PricingInputError, match="Method_1 'cost plus' is not a pricing method"):
        check_input(method, "cost plus", table)
    name = InputSpec("Name_1", "name", "text", None, optional=True)
    assert check_input(name, None, table) is None
    with pytest.raises(PricingInputError, match="only spaces"):
        check_input(name, "   ", table)
    money = InputSpec("AC_1", "ac", "money+", None)
    with pytest.raises(PricingInputError, match="AC_1 .* negative"):
        check_input(money, -5, table)


def test_normalise_formula_ignores_what_excel_may_rewrite():
    assert normalise_formula("=$A$1 + fixed_capital_a") == normalise_formula("A1+Fixed_Capital_A")
    assert normalise_formula('IF(x="a b",1,0)') != normalise_formula('IF(x="ab",1,0)')
    assert normalise_formula("_xlfn.SUM(A1)") == "SUM(A1)"


def test_an_input_linked_by_formula_needs_its_saved_value(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    _edit(folder / "profit-rate.xlsx", folder / "linked.xlsx", IA_1="=0.5/100")  # saved without a value
    result = regenerate_one(folder / "linked.xlsx", tmp_path / "out")
    assert result.status == FAILED
    assert "IA_1 holds the formula =0.5/100 but the file holds no value" in result.message
    book = FileBook.open(folder / "linked.xlsx")
    sheet, ref = book._cell("IA_1")
    book.package.write_cached(sheet, ref, 0.005)  # as a spreadsheet application saves it
    book.save(folder / "saved.xlsx")
    result = regenerate_one(folder / "saved.xlsx", tmp_path / "out")
    assert result.status == OK
    assert result.headline["CPR_1"] == pytest.approx(0.0618 + 0.005 + 0.0301)


def test_a_year_added_on_the_rates_sheet_is_used_and_marked_user(tmp_path):
    # An analyst adds 2026/27 (missing from the package) on the Rates sheet and prices with it.
    folder = copy_templates(tmp_path, "contract-model.xlsx", "profit-rate.xlsx")
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    rates = wb["Rates"]
    row = next(r for r in range(6, 46) if rates.cell(row=r, column=1).value is None)
    rates.cell(row=row, column=1).value = "2026/27"
    rates.cell(row=row, column=3).value = 8.9
    named_cell(wb, "Financial_year_1").value = "2026/27"
    wb.save(folder / "extra-year.xlsx")
    result = regenerate_one(folder / "extra-year.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    assert result.headline["CPR_1"] == pytest.approx(0.089 * 0.75 + 0.01 + 0.0301)
    assert any("Rates sheet 2026/27: baseline profit rate 8.9%" in n and "marked user" in n for n in result.notes)
    out = openpyxl.load_workbook(tmp_path / "out" / "extra-year.xlsx")
    assert out["Rates"].cell(row=row, column=3).value == 8.9
    assert out["Rates"].cell(row=row, column=9).value == "user"  # the Evidence column
    assert "Rates sheet" in out["Rates"].cell(row=row, column=11).value
    # The contract model shows the mark beside the BPR.
    wb = openpyxl.load_workbook(folder / "contract-model.xlsx")
    rates = wb["Rates"]
    rates.cell(row=row, column=1).value = "2026/27"
    rates.cell(row=row, column=3).value = 8.9
    named_cell(wb, "Financial_year").value = "2026/27"
    wb.save(folder / "model-2026.xlsx")
    result = regenerate_one(folder / "model-2026.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    out = openpyxl.load_workbook(tmp_path / "out" / "model-2026.xlsx", data_only=True)
    assert named_cell(out, "BPR").value == pytest.approx(0.089)
    assert named_cell(out, "BPR_evidence").value == "user"


def test_a_figure_typed_over_a_published_one_is_still_flagged(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    rates = wb["Rates"]
    row = next(r for r in range(6, 46) if rates.cell(row=r, column=1).value == "2024/25")
    rates.cell(row=row, column=3).value = 8.5
    wb.save(folder / "typed.xlsx")
    result = regenerate_one(folder / "typed.xlsx", tmp_path / "out")
    assert result.status == FLAGGED
    where = [f["where"] for f in result.flags]
    assert where[0] == "Rates 2024/25 baseline_profit_rate_pct"
    assert "BPR_1" in where  # and the cells computed from it, which hold the sheet's figure
    assert named_cell(openpyxl.load_workbook(tmp_path / "out" / "typed.xlsx", data_only=True),
                      "BPR_1").value == pytest.approx(0.085)
    out = openpyxl.load_workbook(tmp_path / "out" / "typed.xlsx")
    assert out["Rates"].cell(row=row, column=3).value == 8.5


def test_a_refresh_note_left_in_excel_is_cleared_once_the_cell_agrees(tmp_path):
    # Refresh in Excel writes its flag note under the user's name; regeneration clears it like its own.
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    named_cell(wb, "CPR_2").comment = Comment("SSCR pricing: holds 0.11, the core computes 0.128", "Dana")
    named_cell(wb, "CPR_1").comment = Comment("checked by Dana", "Dana")
    wb.save(folder / "noted.xlsx")
    result = regenerate_one(folder / "noted.xlsx", tmp_path / "out")
    assert result.flags == []
    out = openpyxl.load_workbook(tmp_path / "out" / "noted.xlsx")
    assert named_cell(out, "CPR_2").comment is None
    assert named_cell(out, "CPR_1").comment.text == "checked by Dana"


@pytest.mark.parametrize("fixed, working, cost", [(1e-300, 0.0, 1e13), (5e-324, 0.0, 1e12), (1e-310, 1e-310, 1e13)])
def test_a_figure_beyond_any_number_is_refused_by_name_not_written(tmp_path, fixed, working, cost):
    """Capital employed a hair above zero makes CP:CE overflow a double; a spreadsheet holds no infinity."""
    folder = copy_templates(tmp_path, "capital-servicing.xlsx")
    source = folder / "capital-servicing.xlsx"
    _edit(source, source, Fixed_capital_a=fixed, Working_capital_a=working, Cost_of_production_a=cost)
    result = regenerate_one(source, tmp_path / "out")
    assert result.status == FAILED
    assert "CP_CE_a" in result.message and "beyond any number" in result.message, result.message
    assert not (tmp_path / "out" / "capital-servicing.xlsx").exists()
