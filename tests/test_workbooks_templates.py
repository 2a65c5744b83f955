"""The template workbooks: built reproducibly by code, committed files equal to a fresh build, inputs
and outputs by defined name with house styles and validation, native formulas only, and every
figure of the guidance's worked examples shown at the printed precision."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from sscr.workbooks.build import build_bytes
from sscr.workbooks.fill import expected_values
from sscr.workbooks.layout import RATES_SHEET, TEMPLATE_NAME
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR, matches_printed, named_cell, shown

ALL = list(TEMPLATES.values())
IDS = [t.key for t in ALL]

#: Functions a computed cell may use: all native to Excel and LibreOffice; no add-in function.
NATIVE = {"IF", "AND", "OR", "INDEX", "MATCH", "SUM", "SUMIFS", "COUNTIFS", "MAX", "COUNTA", "ISNUMBER"}


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_committed_template_is_a_fresh_build(template):
    """Byte for byte: the build fixes timestamps and part order, so a change of layout, of the core's
    figures or of the rate table shows here until ``python -m sscr.workbooks.build`` is run."""
    committed = (TEMPLATE_DIR / template.filename).read_bytes()
    fresh = build_bytes(template)
    if committed != fresh:
        with zipfile.ZipFile(io.BytesIO(committed)) as a, zipfile.ZipFile(io.BytesIO(fresh)) as b:
            differ = [n for n in b.namelist() if n not in a.namelist() or a.read(n) != b.read(n)]
        pytest.fail(f"{template.filename} differs from a fresh build in {differ}: run python -m sscr.workbooks.build")


def test_build_is_repeatable():
    template = TEMPLATES["poco"]
    assert build_bytes(template) == build_bytes(template)


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_every_input_and_output_is_a_named_styled_cell(template):
    wb = openpyxl.load_workbook(TEMPLATE_DIR / template.filename)
    spec = template.spec()
    assert wb.defined_names[TEMPLATE_NAME].attr_text == f'"{template.key}"'
    for name, s in spec.inputs.items():
        cell = named_cell(wb, name)
        assert cell.style == "SSCR input", name
        assert cell.protection.locked is False, name
        assert cell.data_type != "f", name
    for name, out in spec.outputs.items():
        cell = named_cell(wb, name)
        assert cell.style in ("SSCR computed", "SSCR headline"), name
        assert cell.value == "=" + out.formula, name
    # input and computed cells look different
    some_input = named_cell(wb, next(iter(spec.inputs)))
    some_output = named_cell(wb, next(iter(spec.outputs)))
    assert some_input.fill.fgColor.rgb != some_output.fill.fgColor.rgb
    assert some_input.font.color.rgb != some_output.font.color.rgb
    assert RATES_SHEET in wb.sheetnames


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_formulas_are_native_and_name_only_defined_names(template):
    wb = openpyxl.load_workbook(TEMPLATE_DIR / template.filename)
    defined = set(wb.defined_names)
    for name, out in template.spec().outputs.items():
        text = re.sub(r'"[^"]*"', "", out.formula)
        functions = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", text))
        assert functions <= NATIVE, (name, functions - NATIVE)
        identifiers = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", text)) - functions
        unknown = identifiers - defined
        # names only: no cell addresses, which would change when someone inserts a row
        assert not unknown, (name, unknown)


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_compute_gives_a_core_figure_for_every_computed_name(template):
    spec = template.spec()
    figures = expected_values(template, {n: s.default for n, s in spec.inputs.items()})
    assert set(figures) == set(spec.outputs) | set(spec.values)


@pytest.mark.parametrize("template", ALL, ids=IDS)
def test_cached_values_are_the_core_figures(template):
    spec = template.spec()
    figures = expected_values(template, {n: s.default for n, s in spec.inputs.items()})
    wb = openpyxl.load_workbook(TEMPLATE_DIR / template.filename, data_only=True)
    for name, value in figures.items():
        cached = named_cell(wb, name).value
        if value is None:
            assert cached in (None, ""), name
        elif isinstance(value, str):
            assert cached == value, name
        else:
            assert cached == pytest.approx(float(value), rel=1e-14, abs=1e-15), name


def _validations(ws):
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
                for cell in row:
                    out[cell.coordinate] = dv
    return out


def test_validation_holds_the_rules_of_regulation_11():
    wb = openpyxl.load_workbook(TEMPLATE_DIR / "profit-rate.xlsx")
    ws = wb["Contract profit rate"]
    rules = _validations(ws)
    cra = rules[named_cell(wb, "CRA_1").coordinate]
    assert (cra.type, cra.operator, cra.formula1, cra.formula2) == ("decimal", "between", "-0.25", "0.25")
    ia = rules[named_cell(wb, "IA_2").coordinate]
    assert (ia.type, ia.formula1, ia.formula2) == ("decimal", "0", "0.02")
    year = rules[named_cell(wb, "Financial_year_1").coordinate]
    assert (year.type, year.formula1) == ("list", "Rates_year")
    assert cra.showErrorMessage and "regulation 11(3)" in cra.error


def test_rates_sheet_holds_the_rate_table_with_evidence():
    from sscr.rates import default_table, rate_rows
    wb = openpyxl.load_workbook(TEMPLATE_DIR / "capital-servicing.xlsx", data_only=True)
    ws = wb[RATES_SHEET]
    rows = list(rate_rows(default_table(None)))
    sheet = {ws.cell(row=r, column=1).value: r for r in range(6, 46) if ws.cell(row=r, column=1).value}
    assert list(sheet) == [r["financial_year"] for r in rows]
    for row in rows:
        r = sheet[row["financial_year"]]
        assert ws.cell(row=r, column=3).value == row["baseline_profit_rate_pct"]
        assert ws.cell(row=r, column=9).value == row["evidence"]
        note = ws.cell(row=r, column=10).value
        if row["evidence"] == "mixed":
            assert "not checked against the London Gazette" in note
        else:
            assert note is None


# --- every figure of the worked examples, as printed ----------------------------------------------

APPENDIX_B = {  # baseline profit rate guidance v8, Appendix B: row -> printed (a), (b), (c), (d)
    "Capital_employed": ("£4,000,000", "£4,500,000", "£2,500,000", "-£1,000,000"),
    "CP_CE": ("1.5", "1.3", "2.4", "-6.0"),
    "Fixed_proportion": ("0.75", "0.67", "1.20", "-1.50"),
    "Positive_working_proportion": ("0.25", "0.33", "-", "-"),
    "Negative_working_proportion": ("-", "-", "-0.20", "2.50"),
    "Rate_fixed": ("3.26%",) * 4,
    "Rate_positive": ("3.10%",) * 4,
    "Rate_negative": ("1.61%",) * 4,
    "Fixed_allowance": ("2.45%", "2.17%", "3.91%", "-4.89%"),
    "Positive_working_allowance": ("0.78%", "1.03%", "-", "-"),
    "Negative_working_allowance": ("-", "-", "-0.32%", "4.03%"),
    "Allowance_x": ("3.22%", "3.21%", "3.59%", "-0.87%"),
    "CSA": ("2.15%", "2.41%", "1.50%", "0.14%"),
    "Fixed_element": ("1.63%", "1.63%", "1.63%", "0.82%"),
    "Positive_working_element": ("0.52%", "0.78%", "-", "-"),
    "Negative_working_element": ("-", "-", "-0.13%", "-0.67%"),
    "CSA_combined": ("2.15%", "2.41%", "1.50%", "0.14%"),
}
SECTION_7 = {  # baseline profit rate guidance v8, section 7: Example 1, Example 2
    "BPR": ("8.24%", "8.24%"), "After_step_1": ("8.24%", "8.24%"),
    "CRA_points": ("-2.06%", "2.06%"), "After_step_2": ("6.18%", "10.30%"),
    "IA": ("1.00%", "0%"), "After_step_3": ("7.18%", "10.30%"),
    "CSA": ("3.01%", "2.5%"), "After_step_4": ("10.19%", "12.8%"), "CPR": ("10.19%", "12.8%"),
}
I7 = {  # allowable costs guidance v7.3, I.7 (£m)
    "Rate_steps_1_3_PC": "8.0%", "Rate_steps_1_3_SC1": "10.0%", "Rate_steps_1_3_SC2": "8.8%",
    "CPR_SC1": "12%", "CPR_SC2": "9.8%",
    "Own_costs_PC": "200.00", "Sub_price_PC": "86.74", "Total_costs_PC": "286.74",
    "Profit_before_CSA_PC": "22.94", "CSA_amount_PC": "4.30", "Price_PC": "313.98",
    "Own_costs_SC1": "50.00", "Sub_price_SC1": "27.45", "Total_costs_SC1": "77.45",
    "Profit_before_CSA_SC1": "7.75", "CSA_amount_SC1": "1.55", "Price_SC1": "86.74",
    "Own_costs_SC2": "25.00", "Profit_before_CSA_SC2": "2.20", "CSA_amount_SC2": "0.25", "Price_SC2": "27.45",
    "Stage2_SC1": "9.29", "Stage2_SC2": "2.45", "Stage2_total": "11.74",
    "Stage3_SC1": "1.549", "Stage3_SC2": "0.25", "Net_SC1": "7.75", "Net_SC2": "2.20", "Initial_POCO": "9.95",
    "Stage4_own_costs_SC1": "50", "Stage4_own_costs_SC2": "25",
    "CRA_difference_SC1": "25%", "CRA_difference_SC2": "10%",
    "Stage4_SC1": "1.00", "Stage4_SC2": "0.20", "Stage4_total": "1.20",
    "Stage5_initial": "9.95", "Stage5_deduct": "-1.20", "POCO_deduction": "8.75",
    "Before_own_PC": "200.00", "Before_sub_PC": "86.74", "Before_costs_PC": "286.74",
    "Before_profit_PC": "22.94", "Before_CSA_PC": "4.30", "Price_before": "313.98",
    "After_own_PC": "200.00", "After_sub_PC": "86.74", "After_initial_POCO": "-9.95", "After_add_back": "1.20",
    "After_costs_PC": "278.00", "After_profit_PC": "22.24", "After_CSA_PC": "4.17", "Price_after": "304.41",
}
EXAMPLES_6_7 = {  # alternative pricing guidance v1.2, Examples 6 and 7 (£m)
    "Ex6_CPR_1": "11.73%", "Ex6_CPR_3": "8.61%", "Ex6_Profit_1": "5.87", "Ex6_Profit_3": "8.61",
    "Ex6_Price_1": "55.87", "Ex6_Price_2": "50", "Ex6_Price_3": "108.61", "Ex6_Total_component_price": "214.48",
    "Ex6_Max_CRA_value_1": "1", "Ex6_Max_CRA_value_3": "2", "Ex6_Max_CRA_value": "3",
    "Ex6_Actual_CRA_value_1": "1", "Ex6_Actual_CRA_value_3": "-0.8", "Ex6_Actual_CRA_value": "0.2",
    "Ex6_CRA_pot_1": "0", "Ex6_CRA_pot_3": "2.8", "Ex6_CRA_pot": "2.8", "Ex6_CRA_pot_share": "1.31%",
    "Ex6_Max_price_with_CRA": "217.28",
    "Ex7_CPR_1": "12.1%", "Ex7_CPR_3": "11.6%", "Ex7_Profit_1": "6.05", "Ex7_Profit_3": "14.5",
    "Ex7_Price_1": "56.05", "Ex7_Price_2": "25", "Ex7_Price_3": "139.5", "Ex7_Total_component_price": "220.55",
    "Ex7_Max_IA_value_1": "1", "Ex7_Max_IA_value_3": "2.5", "Ex7_Max_IA_value": "3.5",
    "Ex7_Actual_IA_value_1": "0.75", "Ex7_Actual_IA_value_3": "0", "Ex7_Actual_IA_value": "0.75",
    "Ex7_IA_pot_1": "0.25", "Ex7_IA_pot_3": "2.5", "Ex7_IA_pot": "2.75", "Ex7_IA_pot_share": "1.25%",
    "Ex7_Max_price_with_IA": "223.3",
}


def _printed_cases():
    for row, printed in APPENDIX_B.items():
        for x, text in zip("abcd", printed):
            yield "capital-servicing.xlsx", f"{row}_{x}", text
    for row, printed in SECTION_7.items():
        for n, text in zip((1, 2), printed):
            yield "profit-rate.xlsx", f"{row}_{n}", text
    for name, text in I7.items():
        yield "poco.xlsx", name, text
    for name, text in EXAMPLES_6_7.items():
        yield "aggregation.xlsx", name, text


CASES = list(_printed_cases())


@pytest.fixture(scope="module")
def books():
    return {name: openpyxl.load_workbook(TEMPLATE_DIR / name, data_only=True)
            for name in {c[0] for c in CASES}}


@pytest.mark.parametrize("filename,name,printed", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_guidance_figure_is_shown_as_printed(books, filename, name, printed):
    """What a reviewer sees without recalculating (the cached value under the cell's format)."""
    cell = named_cell(books[filename], name)
    text = shown(cell.value, cell.number_format)
    assert matches_printed(text, printed), f"{name}: shows {text!r}, the guidance prints {printed!r}"


def test_shown_rounds_half_up_on_the_shortest_decimal():
    assert shown(0.02405, "0.00%") == "2.41%"
    assert shown(0.024049999999999995, "0.00%") == "2.40%"
    assert shown(-500000, '£#,##0;-£#,##0') == "-£500,000"
    assert shown(0.0, '0.00;-0.00;"-"') == "-"
    assert shown(214.47500000000002, "#,##0.00;-#,##0.00") == "214.48"
    assert matches_printed("12.80%", "12.8%") and not matches_printed("12.8%", "12.80%")
    assert not matches_printed("2.40%", "2.41%")
