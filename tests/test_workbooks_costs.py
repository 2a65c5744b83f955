"""The build-up of allowable costs in the workbooks: cost-build-up.xlsx regenerates to the core's
worked case (allowable costs, risk contingency element, Monte Carlo figures, price to the penny); an
edited agreement status changes exactly the figures that depend on it; the blank contract model
stays blank; the tables' inputs are validated and refused clearly; the figures only the core
computes are written as values and a formula put over one is flagged, not overwritten.

LibreOffice's recalculation of both templates (as shipped and edited) is checked with the other
templates in test_libreoffice.py, in the same two soffice runs."""

from __future__ import annotations


import openpyxl
import pytest

from sscr.allowable_costs.worked_case import COST_LINES, worked_case
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import expected_values
from sscr.workbooks.regenerate import FAILED, FLAGGED, OK, regenerate_one
from sscr.workbooks.templates import TEMPLATES
from sscr.workbooks.templates.cost_build_up import LINES, PART_KEYS
from workbook_helpers import TEMPLATE_DIR, copy_templates, dependents, named_cell, values_by_name

WORKED = TEMPLATES["cost_build_up"]
MODEL = TEMPLATES["contract_model"]
PENNY = 0.005


@pytest.fixture(scope="module")
def case():
    return worked_case()


def _edit(path, target, **cells):
    wb = openpyxl.load_workbook(path)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    wb.save(target)


def _all_names(template):
    spec = template.spec()
    return [*spec.inputs, *spec.outputs, *spec.values]


# --- the worked case ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("worked")
    folder = copy_templates(tmp, WORKED.filename)
    result = regenerate_one(folder / WORKED.filename, tmp / "out")
    assert result.status == OK, result.message
    return result, values_by_name(tmp / "out" / WORKED.filename, _all_names(WORKED))


def test_worked_case_regenerates_to_the_core_worked_case(regenerated, case):
    result, got = regenerated
    assert result.flags == []
    b = case.build_up
    assert got["Lines_claimed"] == pytest.approx(b.claimed, rel=1e-15) == 1_409_656.00
    assert got["Lines_allowable"] == pytest.approx(b.allowable, rel=1e-15) == 1_357_956.00
    assert got["Lines_pending"] == b.totals.pending == 13_000.00
    assert got["Lines_not_agreed"] == b.totals.not_agreed == 14_500.00
    assert got["Lines_excluded"] == b.totals.excluded == 24_200.00
    assert got["Lines_gap"] == pytest.approx(b.gap, rel=1e-15)
    assert got["Lines_count"] == len(COST_LINES) - 1 == 22
    assert got["Risk_EV"] == case.risk.expected_value == 36_500.00
    # the component: lines + risk contingency element (reported separately) - POCO deduction
    assert got["Lines_AC_1"] == b.allowable and got["Risk_AC_1"] == case.risk.expected_value
    assert got["POCO_1"] == case.poco.deduction == 34_608.00
    assert got["AC_after_1"] == pytest.approx(case.price.allowable_costs, rel=1e-15) == 1_359_848.00
    assert got["CPR_1"] == pytest.approx(case.profit_rate.contract_profit_rate, rel=1e-15)
    assert abs(got["Price_after_1"] - case.price.price) < 1e-6
    assert f"{got['Price_after_1']:,.2f}" == f"{case.price.price:,.2f}" == "1,504,699.01"
    assert got["Contract_price"] == pytest.approx(case.price.price, rel=1e-15)


def test_worked_case_totals_by_part_and_each_line_are_the_cores(regenerated, case):
    _result, got = regenerated
    b = case.build_up
    parts = dict(b.by_part)
    for part, key in zip(("A", "B", "C", "D", "E", "F", "G", "H", "I", ""), PART_KEYS):
        t = parts.get(part)
        assert got[f"Part_{key}_claimed"] == pytest.approx(t.claimed if t else 0.0, rel=1e-15), key
        assert got[f"Part_{key}_agreed"] == pytest.approx(t.allowable if t else 0.0, rel=1e-15), key
        assert got[f"Part_{key}_excluded"] == pytest.approx(t.excluded if t else 0.0, rel=1e-15), key
        assert got[f"Part_{key}_lines"] == (t.lines if t else 0), key
    for n, line in enumerate(b.lines, start=1):
        assert got[f"Line_id_{n}"] == line.id
        assert got[f"Line_status_{n}"] == line.status, line.id
        assert got[f"Line_paragraph_{n}"] == line.cost_type.paragraph, line.id
        assert got[f"Line_net_{n}"] == pytest.approx(line.net, rel=1e-15), line.id
        assert got[f"Line_allowable_{n}"] == pytest.approx(line.allowable, rel=1e-15), line.id
    # the not-allowable types are excluded with their paragraph, whatever their agreement
    excluded = {got[f"Line_id_{n}"]: got[f"Line_paragraph_{n}"] for n in range(1, LINES + 1)
                if got[f"Line_status_{n}"] == "excluded"}
    assert excluded == {"L06": "A.2.4", "L11": "C.3.1", "L13": "C.4.1", "L17": "E.3.1"}
    assert all(got[f"Line_id_{n}"] is None and got[f"Line_net_{n}"] in (None, "") for n in range(23, LINES + 1))


def test_worked_case_monte_carlo_is_the_cores_for_the_seed_on_the_sheet(regenerated, case):
    _result, got = regenerated
    s = case.simulation
    assert (got["MC_trials"], got["MC_seed"]) == (s.trials, s.seed)
    for name, value in (("MC_mean", s.mean), ("MC_P50", s.p50), ("MC_P80", s.p80), ("MC_P90", s.p90),
                        ("MC_standard_error", s.standard_error)):
        assert got[name] == pytest.approx(value, rel=1e-14), name
    counts = [got[f"MC_count_{b}"] for b in range(1, len(s.counts) + 1)]
    assert counts == list(s.counts) and sum(counts) == s.trials
    assert got["MC_bin_from_1"] == pytest.approx(s.bin_edges[0]) and got["MC_bin_to_20"] == pytest.approx(s.bin_edges[-1])
    # within four standard errors of the expected value, P50 <= P80 <= P90
    assert abs(got["MC_mean_less_EV"]) < 4 * s.standard_error
    assert got["MC_P50"] <= got["MC_P80"] <= got["MC_P90"]


def test_committed_worked_case_shows_the_figures_without_recalculating(case):
    got = values_by_name(TEMPLATE_DIR / WORKED.filename, ["Lines_allowable", "Risk_EV", "MC_P80", "Price_after_1"])
    assert got["Lines_allowable"] == case.build_up.allowable
    assert got["Risk_EV"] == case.risk.expected_value
    assert got["MC_P80"] == pytest.approx(case.simulation.p80, rel=1e-14)
    assert abs(got["Price_after_1"] - case.price.price) < PENNY


def test_core_values_are_labelled_and_styled_apart_from_formulas():
    wb = openpyxl.load_workbook(TEMPLATE_DIR / WORKED.filename)
    for name in WORKED.spec().values:
        cell = named_cell(wb, name)
        assert cell.style == "SSCR core value" and cell.data_type != "f", name
    ws = wb["Risk register"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "computed by the sscr core at regeneration" in text and "H.1.6" in text


# --- edits ---------------------------------------------------------------------------------------------

def test_a_pending_line_agreed_changes_exactly_its_dependent_figures(tmp_path, case):
    folder = copy_templates(tmp_path, WORKED.filename)
    line = next(n for n, row in enumerate(COST_LINES[1:], start=1) if row[0] == "L09")
    assert COST_LINES[line][13] == "pending"  # L09 (B.1, £4,000) is agreed appropriate and attributable
    edited = f"Line_reasonable_{line}"
    _edit(folder / WORKED.filename, folder / "edited.xlsx", **{edited: "agreed"})
    for source in (WORKED.filename, "edited.xlsx"):
        assert regenerate_one(folder / source, tmp_path / "out").status == OK
    names = _all_names(WORKED)
    before = values_by_name(tmp_path / "out" / WORKED.filename, names)
    after = values_by_name(tmp_path / "out" / "edited.xlsx", names)
    changed = {n for n in names if before[n] != after[n]}
    affected = dependents(WORKED, edited)
    assert changed - {edited} <= affected, changed - {edited} - affected
    assert changed >= {edited, f"Line_status_{line}", f"Line_allowable_{line}", "Part_B_agreed", "Part_B_pending",
                       "Lines_allowable", "Lines_pending", "Lines_gap", "Lines_allowable_estimated", "Lines_AC_1",
                       "AC_total_1", "AC_after_1", "Price_after_1", "Contract_price"}
    assert not any(n.startswith(("MC_", "Risk_")) for n in changed)  # the register does not depend on it
    assert after[f"Line_status_{line}"] == "agreed"
    assert after["Lines_allowable"] - before["Lines_allowable"] == 4_000.0
    assert after["Lines_pending"] == before["Lines_pending"] - 4_000.0
    cpr = case.profit_rate.contract_profit_rate
    assert after["Price_after_1"] == pytest.approx((case.price.allowable_costs + 4_000) * (1 + cpr), rel=1e-15)
    assert after["Price_after_1"] - before["Price_after_1"] == pytest.approx(4_000 * (1 + cpr), rel=1e-9)


def test_the_seed_is_an_input_that_reproduces_the_simulation(tmp_path, case):
    folder = copy_templates(tmp_path, WORKED.filename)
    _edit(folder / WORKED.filename, folder / "seed.xlsx", MC_seed=7)
    for name in (WORKED.filename, "seed.xlsx"):
        assert regenerate_one(folder / name, tmp_path / "a").status == OK
        assert regenerate_one(folder / name, tmp_path / "b").status == OK
    names = list(WORKED.spec().values)
    a = values_by_name(tmp_path / "a" / "seed.xlsx", names + ["Risk_EV", "Price_after_1"])
    b = values_by_name(tmp_path / "b" / "seed.xlsx", names + ["Risk_EV", "Price_after_1"])
    shipped = values_by_name(tmp_path / "a" / WORKED.filename, names + ["Risk_EV", "Price_after_1"])
    assert a == b  # same register, trials and seed: same figures
    assert a["MC_P80"] != shipped["MC_P80"] and a["MC_mean"] != shipped["MC_mean"]
    assert a["Risk_EV"] == shipped["Risk_EV"] and a["Price_after_1"] == shipped["Price_after_1"]


def test_a_formula_over_a_core_value_is_flagged_and_kept_and_a_typed_value_is_replaced(tmp_path, case):
    folder = copy_templates(tmp_path, WORKED.filename)
    _edit(folder / WORKED.filename, folder / "typed.xlsx", MC_P80="=MC_P50*2", MC_P90=1.0)
    result = regenerate_one(folder / "typed.xlsx", tmp_path / "out")
    assert result.status == FLAGGED
    assert [f["where"] for f in result.flags] == ["MC_P80"]
    assert "computed by the sscr core at regeneration" in result.flags[0]["message"]
    book = FileBook.open(tmp_path / "out" / "typed.xlsx")
    assert book.read_computed("MC_P80").formula == "MC_P50*2"
    assert book.read_computed("MC_P90").value == pytest.approx(case.simulation.p90, rel=1e-14)


# --- the blank model and bad input ------------------------------------------------------------------

def test_blank_contract_model_has_empty_tables_that_regenerate_to_zero(tmp_path):
    spec = MODEL.spec()
    table_inputs = [n for n in spec.inputs if n.startswith(("Line_", "Rate_", "Index_", "Risk_"))]
    assert table_inputs and all(spec.inputs[n].default is None for n in table_inputs)
    folder = copy_templates(tmp_path, MODEL.filename)
    result = regenerate_one(folder / MODEL.filename, tmp_path / "out")
    assert result.status == OK and result.flags == []
    assert result.headline["Lines_allowable"] == 0.0 and result.headline["Risk_EV"] == 0.0
    assert result.headline["Contract_price"] == 0.0
    got = values_by_name(tmp_path / "out" / MODEL.filename, list(spec.outputs) + list(spec.values))
    assert all(got[f"Line_{k}_{n}"] in (None, "") for k in ("net", "status", "allowable") for n in range(1, LINES + 1))
    assert got["MC_mean"] == got["MC_P90"] == 0.0 and got["MC_count_1"] == 100_000


def test_contract_model_prices_components_from_their_lines_and_risks(tmp_path):
    folder = copy_templates(tmp_path, MODEL.filename)
    cells = {"Name_1": "Design", "Method_1": "firm", "CRA_1": 0.1, "IA_1": 0.005, "CSA_1": 0.02, "POCO_typed_1": 1_000,
             "Name_2": "Support", "Method_2": "cost-plus", "AC_2": 10_000, "CRA_2": 0, "IA_2": 0, "CSA_2": 0.01,
             "Line_id_1": "L1", "Line_component_1": "Design", "Line_type_1": "A", "Line_basis_1": "estimated",
             "Line_amount_1": 50_000, "Line_id_2": "L2", "Line_component_2": "Support", "Line_type_2": "B",
             "Line_basis_2": "actual", "Line_amount_2": 20_000, "Line_credit_2": 1_000,
             "Line_id_3": "L3", "Line_component_3": "Design", "Line_type_3": "C.3", "Line_basis_3": "actual",
             "Line_amount_3": 700,
             "Risk_id_1": "R1", "Risk_component_1": "Design", "Risk_probability_1": 0.25, "Risk_impact_1": 8_000}
    cells |= {f"Line_{k}_{n}": "agreed" for n in (1, 2, 3) for k in ("appropriate", "attributable", "reasonable")}
    _edit(folder / MODEL.filename, folder / "filled.xlsx", **cells)
    result = regenerate_one(folder / "filled.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    spec = MODEL.spec()
    core = expected_values(MODEL, {n: s.default for n, s in spec.inputs.items()} | cells)
    got = values_by_name(tmp_path / "out" / "filled.xlsx", list(core))
    for name, value in core.items():
        if value is None:
            assert got[name] in (None, ""), name
        elif isinstance(value, str):
            assert got[name] == value, name
        else:
            assert got[name] == pytest.approx(value, rel=1e-14, abs=1e-12), name
    assert got["Lines_AC_1"] == 50_000 and got["Risk_AC_1"] == 2_000 and got["AC_after_1"] == 51_000
    assert got["Lines_AC_2"] == 19_000 and got["AC_total_2"] == 29_000  # lines + the amount entered directly
    assert got["Line_status_3"] == "excluded" and got["Part_C_excluded"] == 700


@pytest.mark.parametrize("cells,message", [
    ({"Line_id_1": "L1", "Line_component_1": "Nowhere", "Line_type_1": "A", "Line_basis_1": "actual",
      "Line_amount_1": 10, "Line_appropriate_1": "agreed", "Line_attributable_1": "agreed",
      "Line_reasonable_1": "agreed"}, "Line_component_1 'Nowhere' is not a component named on the Contract sheet"),
    ({"Line_amount_4": 100}, "Line_amount_4 100 is given but Line_id_4 is empty"),
    ({"Line_id_1": "L1", "Line_appropriate_1": "agreeed"}, "Line_appropriate_1 'agreeed' is not an agreement status"),
    ({"Line_id_1": "L1", "Line_type_1": "Z.9"}, "Line_type_1 'Z.9' is not a cost type code"),
    ({"Risk_id_1": "R1", "Risk_probability_1": 30, "Risk_impact_1": 5}, "Risk_probability_1 30 is outside 0..1"),
    ({"MC_seed": 1.5}, "MC_seed 1.5 is not a whole number"),
    ({"Line_id_1": "L1", "Line_rate_1": "60"}, "Line_rate_1 '60' is a number held as text"),
])
def test_bad_build_up_inputs_are_refused_naming_the_cell(tmp_path, cells, message):
    folder = copy_templates(tmp_path, MODEL.filename)
    _edit(folder / MODEL.filename, folder / "bad.xlsx", **cells)
    result = regenerate_one(folder / "bad.xlsx", tmp_path / "out")
    assert result.status == FAILED and message in result.message, result.message


def test_table_inputs_are_validated_as_lists_and_ranges():
    wb = openpyxl.load_workbook(TEMPLATE_DIR / WORKED.filename)

    def rule(name):
        sheet, ref = next(wb.defined_names[name].destinations)
        ws = wb[sheet]
        for dv in ws.data_validations.dataValidation:
            if any(rng.min_row <= ws[ref.replace("$", "")].row <= rng.max_row
                   and rng.min_col <= ws[ref.replace("$", "")].column <= rng.max_col for rng in dv.sqref.ranges):
                return dv
        return None

    assert (rule("Line_appropriate_1").type, rule("Line_appropriate_1").formula1) == ("list",
                                                                                      '"agreed,not agreed,pending"')
    assert (rule("Line_type_30").type, rule("Line_type_30").formula1) == ("list", "Cost_type_codes")
    assert (rule("Line_basis_2").type, rule("Line_basis_2").formula1) == ("list", '"estimated,actual"')
    for name, source in (("Line_component_4", "Names"), ("Risk_component_2", "Names"), ("Line_index_7", "Index_names")):
        assert (rule(name).type, rule(name).formula1) == ("list", source), name
    p = rule("Risk_probability_3")
    assert (p.type, p.operator, p.formula1, p.formula2) == ("decimal", "between", "0", "1")
    codes = [c.value for c in wb["Cost types"]["A"][5:] if c.value]
    assert "C.3" in codes and "A.2.4" in codes and len(codes) == len(set(codes))
