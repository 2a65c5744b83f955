"""The contract pricing statement (regulation 23 of the Single Source Contract Regulations 2014, as
substituted by SI 2024/420): what it shows for the worked case, that its figures are the
regenerated workbook's, its JSON schema, its audit trail, and the refusals.

The golden file tests/golden/statement-cost-build-up.json pins the worked case's JSON. After a
deliberate change to the worked case or the statement, rewrite it with
``SSCR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_statement.py -k golden`` and review the diff.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscr.cli import main
from sscr.profit_rate import contract_profit_rate
from sscr.statement import StatementError, build_statement, read_model, schema
from sscr.statement.formats import money, rate
from sscr.statement.render import csv_tables, html, parse_formats, RenderError
from sscr.workbooks.regenerate import regenerate_one
from statement_helpers import BLANK_MODEL, WORKED_CASE, model_with, numbers, resolve
from workbook_helpers import named_cell

GOLDEN = Path(__file__).parent / "golden" / "statement-cost-build-up.json"
PENNY = 0.005
#: Keys whose integers identify a row, not a figure of the pricing.
IDENTIFIERS = {"number", "row", "step", "template_version"}


@pytest.fixture(scope="module")
def worked() -> dict:
    return build_statement(read_model(WORKED_CASE))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("regenerated")
    result = regenerate_one(WORKED_CASE, out)
    assert result.status == "ok", result.message
    return Path(result.output)


def validator():
    return jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


# --- the worked case (sscr.allowable_costs.worked_case; cost-build-up.xlsx) --------------------------

def test_worked_case_shows_the_cpr_its_four_steps_the_price_and_the_risk_contingency(worked):
    """Acceptance: CPR 10.65% by the four steps of regulation 11, price £1,504,699.01, risk
    contingency element £36,500.00 (allowable costs guidance H.1.7, reported separately H.2.2)."""
    (c,) = worked["components"]
    assert rate(c["contract_profit_rate"]) == "10.65%"
    assert money(c["price"]) == "£1,504,699.01" and money(worked["price"]) == "£1,504,699.01"
    assert money(worked["risk_contingency"]["expected_value"]) == "£36,500.00"
    assert money(c["allowable_costs_build_up"]["risk_contingency_element"]) == "£36,500.00"
    steps = c["steps"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    # the worked case's 2024/25 BPR, CRA, IA, and its CSA as the Capital servicing sheet computes it
    # from its capital figures (Appendix B: 1.5pp, to the last binary digit of the division)
    csa = steps[3]["factor"]
    assert csa == pytest.approx(0.015, abs=1e-15)
    core = contract_profit_rate(0.0824, 0.05, 0.005, csa)
    assert [s["factor"] for s in steps] == [0.0824, 0.05, 0.005, csa]
    assert [s["adjustment"] for s in steps] == [core.baseline_profit_rate, core.cra_points,
                                                core.incentive_adjustment, core.capital_servicing_adjustment]
    assert [s["running_total"] for s in steps] == [core.after_step_1, core.after_step_2, core.after_step_3,
                                                   core.contract_profit_rate]
    assert [rate(s["running_total"]) for s in steps] == ["8.24%", "8.65%", "9.15%", "10.65%"]
    # the price formula (Act s.15) on the statement's own figures
    assert math.isclose(c["price"], c["allowable_costs"] * (1 + c["contract_profit_rate"]), rel_tol=1e-15)


def test_every_figure_equals_the_regenerated_workbooks(worked, regenerated):
    """Each figure the statement takes from the model is the value `sscr regenerate` saved in that
    cell (to the 15 digits a cell holds)."""
    wb = openpyxl.load_workbook(regenerated, data_only=True)
    checked = 0
    for entry in worked["audit_trail"]:
        if entry["kind"] in ("formula", "core") and isinstance(entry["value"], float):
            saved = wb[entry["sheet"]][entry["cell"]].value
            assert isinstance(saved, (int, float)), entry["id"]
            assert math.isclose(entry["value"], saved, rel_tol=1e-14, abs_tol=1e-12), (entry["id"], saved)
            checked += 1
    assert checked > 100
    for name, shown in (("CPR_1", "10.65%"), ("Price_after_1", "£1,504,699.01"), ("Risk_EV", "£36,500.00"),
                        ("Contract_price", "£1,504,699.01")):
        value = named_cell(wb, name).value
        assert (rate(value) if name.startswith("CPR") else money(value)) == shown


def test_html_shows_the_acceptance_figures_each_linked_to_its_derivation(worked):
    page = html(worked)
    for figure, target in (("10.65%", "CPR_1"), ("£1,504,699.01", "Price_after_1"), ("£36,500.00", "Risk_EV")):
        assert re.search(rf'<a class="fig" href="#a-{target}"[^>]*>{re.escape(figure)}</a>', page), figure
    assert page.count("<svg") >= 3  # waterfall, allowable costs by Part, risk distribution


# --- the JSON schema ----------------------------------------------------------------------------------

def test_the_worked_case_json_validates_against_its_schema(worked):
    validator().validate(json.loads(json.dumps(worked)))
    assert worked["schema"] == "sscr-contract-pricing-statement" and worked["schema_version"] == "1.1"


def test_the_schema_refuses_a_statement_that_breaks_it(worked):
    broken = json.loads(json.dumps(worked))
    broken["components"][0]["steps"] = broken["components"][0]["steps"][:3]  # three steps: neither four nor six
    assert not validator().is_valid(broken)
    broken = json.loads(json.dumps(worked))
    del broken["components"][0]["price"]
    assert not validator().is_valid(broken)
    broken = json.loads(json.dumps(worked))
    broken["guidance"] = [{"document": "allowable costs", "version": "7.3"}]  # no applies_from
    assert not validator().is_valid(broken)


def test_the_golden_json_of_the_worked_case(worked):
    """The whole statement of the worked case, pinned (the source's fingerprint aside)."""
    got = json.loads(json.dumps(worked))
    for key in ("sha256", "sscr_version"):
        got["source"].pop(key)
    if os.environ.get("SSCR_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got == want


# --- the audit trail ------------------------------------------------------------------------------

#: Baseline profit rate guidance v8, Appendix B example (a): fixed capital 3,000,000, working capital
#: 1,000,000, cost of production 6,000,000 at the 2024/25 rates give a CSA of 2.15% (component 1's CSA
#: left empty, so the Capital servicing sheet computes it).
APPENDIX_B_A = {"CSA_1": None, "Fixed_capital_1": 3_000_000.0, "Working_capital_1": 1_000_000.0,
                "Cost_of_production_1": 6_000_000.0}
#: Opening and closing balance sheets and an income statement (guidance 6.26-6.38) for a component.
ACCOUNTS = {"Opening_assets": 5_000_000.0, "Opening_liabilities": 2_000_000.0, "Opening_interest_bearing": 500_000.0,
            "Opening_fixed_capital": 2_500_000.0, "Closing_assets": 5_500_000.0, "Closing_liabilities": 2_200_000.0,
            "Closing_interest_bearing": 600_000.0, "Closing_fixed_capital": 2_700_000.0,
            "Operating_revenue": 7_000_000.0, "Operating_profit": 600_000.0, "Accounts_months": 9.0}


def _classes_of_models(tmp_path: Path) -> list[Path]:
    """The worked case, the blank model, and a model of three formula components and a commercial one
    (aggregation: contract level adjustments), with the narrative text filled in: one with a typed
    CSA, one computed from Appendix B's capital figures and one from balance sheets."""
    two = model_with(BLANK_MODEL, {
        "Contract_name": "Three components", "Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000.0,
        "CRA_1": 0.25, "IA_1": 0.01, "POCO_typed_1": 25_000.0, **APPENDIX_B_A,
        "Name_2": "Spares", "Method_2": "commercial", "Alt_price_2": 400_000.0,
        "Name_3": "Support", "Method_3": "cost-plus", "AC_3": 250_000.0, "CRA_3": -0.25, "IA_3": 0.0, "CSA_3": 0.0,
        "Name_4": "Trials", "Method_4": "firm", "AC_4": 600_000.0, "CRA_4": 0.0, "IA_4": 0.0,
        **APPENDIX_B_A, **{f"{k}_4": v for k, v in ACCOUNTS.items()},
        "Contract_CRA": 1_000.0, "Basis_CRA_1": "Novel design: the top of the range (4.11).",
        "Basis_AC_2": "Price from the published catalogue, less 5%.", "IA_outcome_1": "Availability above 95%.",
        "Guidance_deviations": "None known.", "Other_material_information": "=1+1 <b>not bold</b>",
    }, tmp_path / "three.xlsx")
    return [WORKED_CASE, BLANK_MODEL, two]


def test_every_figure_has_an_audit_entry_and_every_entry_its_figure(tmp_path):
    """Every number of the statement says where it comes from: an audit entry at its JSON pointer
    (or at the table it belongs to), with a guidance paragraph; a formula's inputs are named cells of
    the model, and the entry's value is the figure shown."""
    for path in _classes_of_models(tmp_path):
        statement = build_statement(read_model(path))
        validator().validate(json.loads(json.dumps(statement)))
        links = _Links()
        links.feed(html(statement))
        assert set(links.hrefs) <= links.ids, path.name
        trail = statement["audit_trail"]
        pointers = {e["pointer"] for e in trail}
        for pointer, _value in numbers({k: v for k, v in statement.items() if k != "audit_trail"}):
            if pointer.rsplit("/", 1)[-1] in IDENTIFIERS:
                continue
            parts = pointer.split("/")
            covered = any("/".join(parts[:k]) in pointers for k in range(2, len(parts) + 1))
            assert covered, f"{path.name}: {pointer} has no audit entry"
        for e in trail:
            assert e["guidance"], e["id"]
            if e["unit"] != "table":
                assert resolve(statement, e["pointer"]) == e["value"], (path.name, e["id"])
            if e["kind"] in ("formula", "input", "core"):
                assert e["sheet"] and re.fullmatch(r"[A-Z]{1,3}[0-9]+", e["cell"]), e["id"]
            if e["kind"] in ("formula", "derived"):
                assert e["formula"].startswith("=") and (e["inputs"] or e["formula"] == "=0"), e["id"]
                for operand in e["inputs"]:
                    assert re.search(rf"\b{re.escape(operand['name'])}\b", e["formula"]), (e["id"], operand)


def test_a_model_of_three_components_states_each_method_and_the_text_given(tmp_path):
    statement = build_statement(read_model(_classes_of_models(tmp_path)[2]))
    design, spares, support, trials = statement["components"]
    assert (design["method_kind"], spares["method_kind"]) == ("pricing formula", "alternative pricing method")
    assert spares["steps"] == [] and spares["contract_profit_rate"] is None
    assert spares["alternative"]["price"] == 400_000.0
    assert spares["alternative"]["particulars"] == "Price from the published catalogue, less 5%."
    assert design["steps"][1]["basis"] == "Novel design: the top of the range (4.11)."
    assert design["steps"][2]["outcome"] == "Availability above 95%."
    assert design["allowable_costs"] == 975_000.0  # 1,000,000 less the POCO deduction of 25,000
    assert rate(design["steps"][3]["factor"]) == "2.15%"  # Appendix B example (a), computed in the model
    core = contract_profit_rate(0.0824, 0.25, 0.01, design["steps"][3]["factor"])
    assert design["contract_profit_rate"] == core.contract_profit_rate
    assert math.isclose(design["price"], 975_000.0 * (1 + core.contract_profit_rate), rel_tol=1e-15)
    assert statement["contract_level"]["contract_cra"] == 1_000.0
    assert math.isclose(statement["price"], design["price"] + 400_000.0 + support["price"] + trials["price"] + 1_000.0,
                        rel_tol=1e-15)
    assert statement["deviations_from_guidance"] == "None known."
    page = html(statement)
    assert "Novel design: the top of the range (4.11)." in page and "Availability above 95%." in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page  # the user's text is escaped
    statement["components"][1]["name"] = "=2+3"  # text from a user: never a formula in a spreadsheet
    assert "\n2,'=2+3,commercial," in csv_tables(statement)["components"]


# --- step 4: the Appendix B computation --------------------------------------------------------------

def _regenerated_cells_agree(statement: dict, model: Path, tmp_path: Path) -> int:
    """Every formula figure of the statement against the cell `sscr regenerate` saved; how many."""
    result = regenerate_one(model, tmp_path / "regenerated")
    assert result.status == "ok", result.message
    wb = openpyxl.load_workbook(result.output, data_only=True)
    checked = 0
    for entry in statement["audit_trail"]:
        if entry["kind"] in ("formula", "core") and isinstance(entry["value"], float):
            saved = wb[entry["sheet"]][entry["cell"]].value
            assert isinstance(saved, (int, float)), entry["id"]
            assert math.isclose(entry["value"], saved, rel_tol=1e-14, abs_tol=1e-12), (entry["id"], saved)
            checked += 1
    return checked


def test_step_4_states_the_appendix_b_computation_from_capital_figures(tmp_path):
    """Baseline profit rate guidance v8, Appendix B example (a) (computations 1-5, 2024/25 rates):
    CP:CE 1.5, allowance 3.2200%, CSA 2.15%. The statement states each computation's inputs, the
    rates of the financial year and the CSA used, each from the model's Capital servicing sheet,
    equal to the core's (sscr.capital_servicing) and to the regenerated workbook's."""
    from sscr.capital_servicing import capital_servicing_adjustment
    from sscr.rates import rates_for
    path = model_with(WORKED_CASE, APPENDIX_B_A, tmp_path / "capital.xlsx")
    statement = build_statement(read_model(path))
    validator().validate(json.loads(json.dumps(statement)))
    (c,) = statement["components"]
    step4 = c["steps"][3]
    b = step4["computation"]
    core = capital_servicing_adjustment(3_000_000, 1_000_000, 6_000_000, rates_for("2024/25").capital_servicing_rates)
    assert b["source"] == "capital figures" and b["financial_year"] == "2024/25" and b["accounts"] is None
    assert b["rates"] == {"fixed": 0.0326, "positive_working": 0.031, "negative_working": 0.0161}  # guidance 6.4
    assert b["inputs"] == {"fixed_capital": 3e6, "working_capital": 1e6, "cost_of_production": 6e6}
    for field, want in (("capital_employed", core.capital_employed), ("cp_ce_ratio", core.cp_ce_ratio),
                        ("fixed_proportion", core.fixed_proportion),
                        ("positive_working_proportion", core.positive_working_proportion),
                        ("negative_working_proportion", core.negative_working_proportion),
                        ("fixed_allowance", core.fixed_allowance), ("allowance", core.capital_servicing_allowance),
                        ("adjustment", core.adjustment), ("fixed_element", core.fixed_element),
                        ("positive_working_element", core.positive_working_element)):
        assert math.isclose(b[field], want, rel_tol=1e-15, abs_tol=1e-18), field
    assert (round(b["cp_ce_ratio"], 4), rate(b["allowance"]), rate(b["adjustment"])) == (1.5, "3.22%", "2.15%")
    assert math.isclose(b["elements_total"], b["adjustment"], rel_tol=1e-12)  # computation 5 checks computation 4
    assert step4["factor"] == b["adjustment"] and "Appendix B" in step4["factor_source"]
    assert step4["running_total"] == c["contract_profit_rate"]
    assert c["contract_profit_rate"] == contract_profit_rate(0.0824, 0.05, 0.005, core.adjustment).contract_profit_rate
    by_pointer = {e["pointer"]: e for e in statement["audit_trail"]}
    q = "/components/0/steps/3/computation"
    assert by_pointer[f"{q}/adjustment"]["formula"].startswith("=IF(Cap_on_1=1,Cap_allowance_1/Cap_CP_CE_1")
    assert {i["name"] for i in by_pointer[f"{q}/fixed_allowance"]["inputs"]} >= {"Cap_fixed_prop_1", "CSA_rate_fixed"}
    assert by_pointer[f"{q}/inputs/fixed_capital"]["kind"] == "input"
    assert by_pointer[f"{q}/rates/fixed"]["sheet"] == "Capital servicing"
    assert "Appendix B" in by_pointer[f"{q}/adjustment"]["guidance"]
    assert by_pointer["/components/0/steps/3/factor"]["id"] == "CSA_used_1"
    assert _regenerated_cells_agree(statement, path, tmp_path) > 120
    page = html(statement)
    assert "Appendix B computation of the capital servicing adjustment" in page
    assert re.search(r'href="#a-CSA_computed_1"[^>]*>2\.15%</a>', page)
    assert re.search(r'href="#a-Cap_CP_CE_1"[^>]*>1\.5000</a>', page)


def test_step_4_states_the_computation_from_balance_sheets(tmp_path):
    """Guidance 6.26-6.38: capital employed from the opening and closing balance sheets (total assets
    less the liabilities that bear no interest, averaged), cost of production from an income statement
    of nine months annualised; the statement states both positions and the figures derived."""
    from sscr.capital_servicing import (BalanceSheet, capital_employed_from_balance_sheets,
                                        capital_servicing_adjustment, cost_of_production_from_accounts)
    from sscr.rates import rates_for
    # the worked case's component with its capital figures replaced by the accounts
    path = model_with(WORKED_CASE, {"CSA_1": None, "Fixed_capital_1": None, "Working_capital_1": None,
                                    "Cost_of_production_1": None, **{f"{k}_1": v for k, v in ACCOUNTS.items()}},
                      tmp_path / "acc.xlsx")
    statement = build_statement(read_model(path))
    validator().validate(json.loads(json.dumps(statement)))
    b = statement["components"][0]["steps"][3]["computation"]
    assert b["source"] == "balance sheets" and b["inputs"] is None
    ce = capital_employed_from_balance_sheets([BalanceSheet(5e6, 2e6, 5e5, 2.5e6), BalanceSheet(5.5e6, 2.2e6, 6e5, 2.7e6)])
    cp = cost_of_production_from_accounts(7e6, 6e5, period_months=9)
    a = b["accounts"]
    assert (a["opening"]["capital_employed"], a["closing"]["capital_employed"]) == (3_500_000.0, 3_900_000.0)
    assert (a["capital_employed"], a["fixed_capital"], a["months"]) == (ce.capital_employed, ce.fixed_capital, 9.0)
    assert math.isclose(a["cost_of_production"], cp.annual_cost, rel_tol=1e-15)
    core = capital_servicing_adjustment(ce.fixed_capital, ce.working_capital, cp.annual_cost,
                                        rates_for("2024/25").capital_servicing_rates)
    assert math.isclose(b["adjustment"], core.adjustment, rel_tol=1e-14)
    assert b["working_capital"] == ce.working_capital
    assert _regenerated_cells_agree(statement, path, tmp_path) > 120
    assert "Opening capital employed (6.27)" in html(statement)


@pytest.mark.filterwarnings("ignore::sscr.errors.CapitalServicingWarning")  # a zero CSA is to be double checked
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fixed=st.floats(0, 1e9), working=st.floats(-5e8, 1e9), ratio=st.floats(0.2, 20))
def test_the_appendix_b_computation_is_the_cores_for_any_capital_figures(tmp_path, fixed, working, ratio):
    """For capital figures of any size and sign of working capital (a negative working capital is
    served at the negative rate, Appendix B (c)-(d)), the statement's step 4 is the core's CSA and
    its computation is internally consistent."""
    from hypothesis import assume

    from sscr.capital_servicing import capital_servicing_adjustment
    from sscr.rates import rates_for
    ce = fixed + working
    assume(abs(ce) > 1.0)
    cp = abs(ce) * ratio
    core = capital_servicing_adjustment(fixed, working, cp, rates_for("2024/25").capital_servicing_rates)
    assume(abs(core.adjustment) < 0.4)  # a larger one is refused as a likely unit slip (checks.py)
    path = model_with(WORKED_CASE, {"CSA_1": None, "Fixed_capital_1": fixed, "Working_capital_1": working,
                                    "Cost_of_production_1": cp}, tmp_path / f"h{abs(hash((fixed, working, ratio)))}.xlsx")
    b = build_statement(read_model(path))["components"][0]["steps"][3]["computation"]
    assert math.isclose(b["adjustment"], core.adjustment, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(b["elements_total"], b["adjustment"], rel_tol=1e-9, abs_tol=1e-12)
    # a negative working capital is served at the negative rate only, a positive one at the positive rate only
    assert b["negative_working_proportion" if working >= 0 else "positive_working_proportion"] == 0.0
    assert b["capital_employed"] == b["fixed_capital"] + b["working_capital"]


def test_the_worked_case_states_its_csa_computed_from_its_capital_figures(worked):
    """The worked case's 1.5pp comes from its Capital servicing sheet (Appendix B)."""
    step4 = worked["components"][0]["steps"][3]
    assert step4["computation"] is not None
    assert step4["factor_source"] == "computed on the Capital servicing sheet from capital figures (Appendix B)"
    assert step4["factor"] == pytest.approx(0.015, abs=1e-15)


def test_a_typed_csa_has_no_computation_and_says_it_was_typed(tmp_path):
    path = model_with(BLANK_MODEL, {"Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000.0, "CRA_1": 0.1,
                                    "IA_1": 0.0, "CSA_1": 0.015}, tmp_path / "typed.xlsx")
    step4 = build_statement(read_model(path))["components"][0]["steps"][3]
    assert step4["computation"] is None and step4["factor_source"] == "typed on the Contract sheet (CSA_1)"
    assert step4["factor"] == 0.015


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.hrefs.append(a["href"][1:])


def test_every_link_of_the_html_reaches_its_derivation(worked):
    links = _Links()
    links.feed(html(worked))
    assert len(links.hrefs) > 100
    assert set(links.hrefs) <= links.ids
    assert {f"a-{e['id']}" for e in worked["audit_trail"]} <= links.ids


# --- the command line and its refusals ---------------------------------------------------------------

def test_the_command_writes_json_html_and_csv_tables(tmp_path, capsys):
    model = shutil.copy2(WORKED_CASE, tmp_path / "cost-build-up.xlsx")
    before = Path(model).read_bytes()
    out = tmp_path / "out"
    assert main(["statement", str(model), "--out", str(out), "--format", "json,html,csv"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "cost-build-up.json" in names and "cost-build-up.html" in names
    assert {"cost-build-up-components.csv", "cost-build-up-steps.csv", "cost-build-up-audit-trail.csv"} <= set(names)
    printed = capsys.readouterr().out
    assert "£1,504,699.01" in printed
    assert "NOT READY TO FILE  missing Date_of_agreement" in printed  # the worked case records no date
    assert json.loads((out / "cost-build-up.json").read_text())["price"] == pytest.approx(1504699.00896, abs=1e-6)
    assert Path(model).read_bytes() == before  # the model is never changed


@pytest.mark.parametrize("case", ["truncated", "not a zip", "not a model", "bad input", "not xlsx", "missing"])
def test_a_refused_workbook_is_named_with_the_reason_and_nothing_is_written(tmp_path, capsys, case):
    data = WORKED_CASE.read_bytes()
    path = tmp_path / "model.xlsx"
    if case == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif case == "not a zip":
        path.write_bytes(b"this is not a workbook")
    elif case == "not a model":
        shutil.copy2(WORKED_CASE.parent / "poco.xlsx", path)
    elif case == "bad input":
        model_with(WORKED_CASE, {"CRA_1": 0.4}, path)
    elif case == "not xlsx":
        path = tmp_path / "model.csv"
        path.write_text("a,b\n")
    out = tmp_path / "out"
    status = main(["statement", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 3
    assert path.name in err and "nothing was written" in err and "Traceback" not in err
    if case == "bad input":
        assert "CRA_1 0.4" in err and "regulation 11(3)" in err
    if case == "not a model":
        assert "poco template, not a contract model" in err
    assert not out.exists()


def test_an_unknown_format_is_a_usage_error(tmp_path, capsys):
    assert main(["statement", str(WORKED_CASE), "--out", str(tmp_path / "o"), "--format", "html,docx"]) == 2
    assert "docx" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    with pytest.raises(RenderError):
        parse_formats(",")


def test_read_model_refuses_a_flagged_input_never_a_traceback(tmp_path):
    path = model_with(WORKED_CASE, {"Financial_year": "2024/26"}, tmp_path / "y.xlsx")
    with pytest.raises(StatementError, match=r"y\.xlsx: Financial_year"):
        read_model(path)


def test_the_guidance_in_force_at_the_date_of_agreement_is_stated(tmp_path):
    """Regulation 23(3)(a): the date and version of the statutory guidance in force at agreement, from
    sscr.guidance (each text's table "Versions of this guidance"). A model that records its date of
    agreement gets the version of each of the three documents in force on that day."""
    import datetime as dt

    from sscr.guidance import guidance_in_force
    reading = read_model(WORKED_CASE)
    for day in (dt.date(2024, 10, 10), dt.date(2025, 3, 31), dt.date(2026, 6, 5)):
        reading.inputs["Date_of_agreement"] = day
        statement = build_statement(reading)
        validator().validate(json.loads(json.dumps(statement)))
        assert statement["contract"]["date_of_agreement"] == day.isoformat()
        assert statement["guidance_note"] is None
        got = {g["document"]: (g["version"], g["applies_from"]) for g in statement["guidance"]}
        assert set(got) == {"allowable costs", "baseline profit rate", "alternative pricing"}
        for document, (version, applies_from) in got.items():
            want = guidance_in_force(day, document)
            assert (version, applies_from) == (want.version, want.applies_from.isoformat())
            assert dt.date.fromisoformat(applies_from) <= day
        page = html(statement)
        assert "Allowable Costs Guidance" in page
        assert statement["completeness"] == {"ready_to_file": True, "missing": []}
        assert {g["basis"] for g in statement["guidance"]} == {"date of agreement"}
        assert "Not ready to file" not in page
    assert got["allowable costs"][0] == "7.3"  # 5 June 2026: version 7.3 applies from 1 April 2026


def test_with_no_date_of_agreement_the_statement_is_not_ready_to_file_and_lists_the_years_versions(worked):
    """Regulation 23(3)(a) asks for the version in force at agreement, which only the date decides
    (allowable costs 7.1 applies from 10 October 2024, within 2024/25). The worked case records no
    date: its statement says prominently that it is not ready to file, and lists every version in
    force for part of its financial year, 2024/25, with the days each covers; its prices are unchanged."""
    assert worked["contract"]["date_of_agreement"] is None
    assert worked["completeness"]["ready_to_file"] is False
    assert any("Date_of_agreement" in m for m in worked["completeness"]["missing"])
    assert "not ready to file" in worked["guidance_note"] and "Date_of_agreement" in worked["guidance_note"]
    got = [(g["document"], g["version"], g["in_force_from"], g["in_force_to"]) for g in worked["guidance"]]
    assert got == [("allowable costs", "7", "2024-04-01", "2024-10-09"),
                   ("allowable costs", "7.1", "2024-10-10", "2025-03-31"),
                   ("baseline profit rate", "8.0", "2024-04-01", "2025-03-31"),
                   ("alternative pricing", "1", "2024-04-01", "2024-10-09"),
                   ("alternative pricing", "1.1", "2024-10-10", "2025-03-31")]
    assert {g["basis"] for g in worked["guidance"]} == {"financial year of agreement"}
    assert money(worked["price"]) == "£1,504,699.01"
    page = html(worked)
    banner = page.index('class="not-ready" role="alert"')
    assert banner < page.index('id="contract"')  # before anything else of the statement
    assert "10 October 2024 to 31 March 2025" in page and "In force in 2024/25" in page


@settings(max_examples=10, deadline=None)
@given(year=st.integers(2015, 2026), day=st.integers(0, 364))
def test_the_versions_listed_for_a_year_cover_it_and_hold_the_one_in_force_on_any_day(year, day):
    """With no date, the versions listed for each document tile the financial year day by day, and
    whichever day the contract was agreed on, the version then in force (sscr.guidance) is listed
    with that day in its range."""
    import datetime as dt

    from sscr.guidance import guidance_in_force
    reading = _READING.get("r") or _READING.setdefault("r", read_model(WORKED_CASE))
    reading.inputs["Financial_year"] = f"{year}/{(year + 1) % 100:02d}"
    statement = build_statement(reading)
    validator().validate(json.loads(json.dumps(statement)))
    first, last = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    when = first + dt.timedelta(days=day)
    for document in ("allowable costs", "baseline profit rate", "alternative pricing"):
        rows = [g for g in statement["guidance"] if g["document"] == document]
        try:
            want = guidance_in_force(when, document)
        except Exception:  # no version of this document yet on that day
            assert all(dt.date.fromisoformat(g["in_force_from"]) > when for g in rows)
            continue
        assert any(g["version"] == want.version and g["in_force_from"] <= when.isoformat() <= g["in_force_to"]
                   for g in rows), (document, when)
        spans = [(dt.date.fromisoformat(g["in_force_from"]), dt.date.fromisoformat(g["in_force_to"])) for g in rows]
        assert spans[-1][1] == last and all(a[1] + dt.timedelta(days=1) == b[0] for a, b in zip(spans, spans[1:]))
        assert spans[0][0] == max(first, dt.date.fromisoformat(rows[0]["applies_from"]))


_READING: dict = {}


#: One component priced by the formula in the blank model: £1,000,000 of allowable costs, CRA +5% of
#: the BPR, IA 0.5pp, CSA 1.5pp typed.
ONE = {"Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000.0, "CRA_1": 0.05, "IA_1": 0.005, "CSA_1": 0.015}
#: That component agreed on 1 June 2023 (2023/24: BPR 8.29%, SSRO funding adjustment 0.038%) with a
#: POCO adjustment of 0.5% at step 3 (before 1 April 2024 the POCO is a step of the profit rate).
SIX_STEP_CASE = {**ONE, "Date_of_agreement": 45078.0, "Financial_year": "2023/24", "POCO_rate_1": 0.005}
#: A group sub-contract of Design that the Supply chain sheet turns into a POCO deduction.
SUB_CONTRACT = {"SC_name_1": "Radar", "SC_component_1": "Design", "SC_own_costs_1": 300_000.0, "SC_BPR_1": 0.0824,
                "SC_CRA_1": 0.15, "SC_IA_1": 0.01, "SC_CSA_1": 0.012}


def test_a_price_agreed_before_1_april_2024_is_stated_by_its_six_steps(tmp_path):
    """Act s.17(2) and regulation 11 as made; baseline profit rate guidance v8, 1.23 (sscr.rules:
    six steps before 1 April 2024): BPR 8.29% + 5% of it - POCO 0.5% - funding 0.038% + IA 0.5% +
    CSA 1.5% = 10.17% (10.1665%); the price is the allowable costs, with no POCO deduction, x (1 +
    CPR); every figure is the regenerated workbook's and has its audit entry."""
    from sscr.profit_rate import contract_profit_rate_six_step
    path = model_with(BLANK_MODEL, SIX_STEP_CASE, tmp_path / "agreed-2023.xlsx")
    statement = build_statement(read_model(path))
    validator().validate(json.loads(json.dumps(statement)))
    (c,) = statement["components"]
    core = contract_profit_rate_six_step(0.0829, 0.05, 0.005, 0.00038, 0.005, 0.015)
    assert [s["step"] for s in c["steps"]] == [1, 2, 3, 4, 5, 6]
    assert [s["name"] for s in c["steps"]] == ["Baseline profit rate", "Cost risk adjustment", "POCO adjustment",
                                               "SSRO funding adjustment", "Incentive adjustment",
                                               "Capital servicing adjustment"]
    assert [s["factor"] for s in c["steps"]] == [0.0829, 0.05, 0.005, 0.00038, 0.005, 0.015]
    assert [s["adjustment"] for s in c["steps"]] == [core.baseline_profit_rate, core.cra_points,
                                                     -core.poco_adjustment, -core.ssro_funding_adjustment,
                                                     core.incentive_adjustment, core.capital_servicing_adjustment]
    assert [s["running_total"] for s in c["steps"]] == [core.after_step_1, core.after_step_2, core.after_step_3,
                                                        core.after_step_4, core.after_step_5,
                                                        core.contract_profit_rate]
    assert c["contract_profit_rate"] == core.contract_profit_rate and rate(core.contract_profit_rate) == "10.17%"
    assert not c["allowable_costs_build_up"]["poco_deduction"]  # no deduction from the allowable costs
    assert c["allowable_costs"] == c["allowable_costs_build_up"]["before_poco"] == 1_000_000.0
    assert math.isclose(c["price"], c["allowable_costs"] * (1 + core.contract_profit_rate), rel_tol=1e-15)
    assert [g["document"] for g in statement["guidance"]] == ["allowable costs", "baseline profit rate"]
    assert "no alternative pricing guidance was in force" in statement["guidance_note"]  # its first: 1 April 2024
    by_pointer = {e["pointer"]: e for e in statement["audit_trail"]}
    assert by_pointer["/components/0/steps/5/running_total"]["id"] == "Six_CPR_1"
    assert by_pointer["/components/0/steps/3/factor"]["sheet"] == "Six steps"
    assert _regenerated_cells_agree(statement, path, tmp_path) > 90
    page = html(statement)
    assert "Step 6: Capital servicing adjustment" in page and "the six steps of section 17(2)" in page
    assert re.search(r'href="#a-Six_CPR_1"[^>]*>10\.17%</a>', page)


def test_the_poco_deduction_is_stated_by_its_table_2_stages(worked, tmp_path):
    """Allowable costs guidance Part I, Table 2 and I.7, from the model's Supply chain sheet: the
    worked case's group sub-contract SC1 (£400,000 at a CPR of 10.064%) gives stage 2 £40,256.00 less
    stage 3 £4,000.00 less stage 4 £1,648.00, a deduction of £34,608.00, the one its allowable costs
    lose; each figure has its audit entry and links to it. A three-level chain states each
    sub-contract, and a deduction typed instead says so, with no stages."""
    (b,) = worked["poco"]["by_component"]
    stages = {st["field"]: st["amount"] for st in b["stages"]}
    assert b["source"] == "supply chain"
    assert [money(stages[k]) for k in ("stage2", "stage3", "initial", "stage4", "deduction")] == [
        "£40,256.00", "£4,000.00", "£36,256.00", "£1,648.00", "£34,608.00"]
    assert stages["deduction"] == worked["components"][0]["allowable_costs_build_up"]["poco_deduction"]
    (sc,) = b["sub_contracts"]
    assert (sc["name"], sc["parent"], sc["in_scope"], sc["price"]) == ("SC1", None, 1.0, 440_256.0)
    page = html(worked)
    assert re.search(r'href="#a-POCO_computed_1"[^>]*>£34,608\.00</a>', page)
    assert re.search(r'href="#a-SC_stage2_1"[^>]*>£40,256\.00</a>', page)

    chain = model_with(BLANK_MODEL, {**ONE, **SUB_CONTRACT, **{f"SC_{k}_{n}": v for n, row in enumerate((
        ("Antenna", "Design", "Radar", 220_000.0, 0.0824, 0.25, 0.0, 0.02),
        ("Cables", "Design", "Radar", 20_000.0, 0.0824, 0.0, 0.0, 0.01)), start=2)
        for k, v in zip(("name", "component", "parent", "own_costs", "BPR", "CRA", "IA", "CSA"), row)}},
        tmp_path / "chain.xlsx")
    statement = build_statement(read_model(chain))
    validator().validate(json.loads(json.dumps(statement)))
    (b,) = statement["poco"]["by_component"]
    rows = {r["name"]: r for r in b["sub_contracts"]}
    assert set(rows) == {"Radar", "Antenna", "Cables"} and rows["Antenna"]["parent"] == "Radar"
    assert rows["Cables"]["in_scope"] == 0.0  # below the £250,000 value test (I.8.1(c))
    stages = {st["field"]: st["amount"] for st in b["stages"]}
    in_scope = [r for r in rows.values() if r["in_scope"]]
    assert math.isclose(stages["stage2"], math.fsum(r["stage2"] for r in in_scope), rel_tol=1e-12)
    assert math.isclose(stages["deduction"], stages["stage2"] - stages["stage3"] - stages["stage4"], rel_tol=1e-12)
    assert stages["deduction"] == statement["components"][0]["allowable_costs_build_up"]["poco_deduction"] > 0
    assert _regenerated_cells_agree(statement, chain, tmp_path) > 90

    typed = build_statement(read_model(model_with(BLANK_MODEL, {**ONE, "POCO_typed_1": 12_000.0},
                                                  tmp_path / "typed.xlsx")))
    (b,) = typed["poco"]["by_component"]
    assert (b["source"], b["stages"], b["sub_contracts"]) == ("typed", [], [])
    assert typed["components"][0]["allowable_costs_build_up"]["poco_deduction"] == 12_000.0


def test_libreoffice_computes_the_six_steps_as_the_core_does(tmp_path):
    """The Six steps sheet's formulas and the Contract sheet's CPR, recalculated by LibreOffice from
    the regenerated model, are the core's figures (to 1e-12)."""
    from sscr.workbooks.libreoffice import recalculate, soffice
    from workbook_helpers import values_by_name
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    path = model_with(BLANK_MODEL, SIX_STEP_CASE, tmp_path / "agreed-2023.xlsx")
    result = regenerate_one(path, tmp_path / "out")
    assert result.status == "ok", result.message
    [fresh] = recalculate([Path(result.output)], tmp_path / "lo")
    names = ["CPR_steps", "Funding_adjustment", *(f"Six_after_{k}_1" for k in range(1, 6)), "Six_CPR_1", "CPR_1",
             "Price_after_1"]
    cached, recalculated = values_by_name(Path(result.output), names), values_by_name(fresh, names)
    assert (cached["CPR_steps"], recalculated["CPR_steps"]) == (6, 6)
    for name in names:
        assert math.isclose(cached[name], recalculated[name], rel_tol=1e-12, abs_tol=1e-15), name
    assert rate(recalculated["CPR_1"]) == "10.17%"


@pytest.mark.parametrize("day, year, steps", [(45382.0, "2023/24", 6), (45383.0, "2024/25", 4),  # 31 March, 1 April 2024
                                               (None, "2016/17", 6), (None, "2023/24", 6), (None, "2025/26", 4)])
def test_the_steps_follow_the_date_or_with_no_date_the_financial_year(tmp_path, day, year, steps):
    """The rule changed on 1 April 2024, the first day of 2024/25, so the financial year decides when
    the model records no date. Before 1 April 2017 the SSRO funding adjustment is zero (regulation 11
    as made); in 2023/24 it is the published 0.038%."""
    path = model_with(BLANK_MODEL, {**ONE, "Date_of_agreement": day, "Financial_year": year}, tmp_path / "m.xlsx")
    statement = build_statement(read_model(path))
    validator().validate(json.loads(json.dumps(statement)))
    (c,) = statement["components"]
    assert len(c["steps"]) == steps
    total = 0.0
    for step in c["steps"]:
        total += step["adjustment"]
        assert math.isclose(step["running_total"], total, rel_tol=1e-12, abs_tol=1e-15)
    assert c["steps"][-1]["running_total"] == c["contract_profit_rate"]
    if steps == 6:
        assert c["steps"][3]["factor"] == (0.0 if year == "2016/17" else 0.00038)


@pytest.mark.parametrize("values, message", [
    ({"Financial_year": "2023/24", **SUB_CONTRACT},
     r"the Supply chain sheet gives component 1 a POCO deduction of .* before 1 April 2024.*POCO_rate_1"),
    ({"Financial_year": "2023/24", "POCO_typed_1": 34_608.0},
     r"POCO_typed_1 34608 is given, but the price is agreed before 1 April 2024.*POCO_rate_1"),
    ({"POCO_rate_1": 0.005}, r"POCO_rate_1 0\.005 is given but the price is agreed from 1 April 2024.*POCO_1"),
    ({"Financial_year": "2023/24", "POCO_rate_1": -0.01}, r"POCO_rate_1 -0\.01 is negative"),
])
def test_the_poco_of_the_wrong_process_is_refused_by_name(tmp_path, capsys, values, message):
    """Before 1 April 2024 the POCO is step 3 of the profit rate; from then it is a deduction from the
    allowable costs (regulation 13A, SI 2024/420): each is refused under the other process, by name,
    and nothing is written."""
    path = model_with(BLANK_MODEL, {**ONE, **values}, tmp_path / "wrong.xlsx")
    with pytest.raises(StatementError, match=message):
        read_model(path)
    assert main(["statement", str(path), "--out", str(tmp_path / "out"), "--format", "json"]) == 3
    assert re.search(message, capsys.readouterr().err) and not (tmp_path / "out").exists()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.integers(2015, 2023), cra=st.floats(-0.25, 0.25), ia=st.floats(0, 0.02), poco=st.floats(0, 0.02),
       csa=st.floats(-0.02, 0.05))
def test_six_steps_for_any_year_before_2024_add_up_to_the_models_rate(tmp_path, year, cra, ia, poco, csa):
    """Any financial year of the six steps, any factors within the rules: the running totals add the
    adjustments, the rate is the core's six-step rate with the funding adjustment in force, and the
    price is the formula on it."""
    from sscr.profit_rate import contract_profit_rate_six_step
    from sscr.rates import rates_for
    label = f"{year}/{(year + 1) % 100:02d}"
    path = model_with(BLANK_MODEL, {**ONE, "Financial_year": label, "POCO_rate_1": poco, "CRA_1": cra,
                                     "IA_1": ia, "CSA_1": csa}, tmp_path / f"s{abs(hash((year, cra, ia, poco)))}.xlsx")
    (c,) = build_statement(read_model(path))["components"]
    funding = 0.0 if year < 2017 else rates_for(label).ssro_funding_adjustment
    core = contract_profit_rate_six_step(rates_for(label).baseline_profit_rate, cra, poco, funding, ia, csa)
    assert c["contract_profit_rate"] == core.contract_profit_rate
    assert [s["running_total"] for s in c["steps"]][2:4] == [core.after_step_3, core.after_step_4]
    assert math.isclose(c["price"], c["allowable_costs"] * (1 + c["contract_profit_rate"]), rel_tol=1e-12)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ac=st.floats(0, 1e9, allow_nan=False), cra=st.floats(-0.25, 0.25), ia=st.floats(0, 0.02),
       csa=st.floats(-0.05, 0.05), share=st.floats(0, 1))
def test_the_steps_add_up_to_the_cpr_and_the_price_is_the_formula_for_any_inputs(tmp_path, ac, cra, ia, csa, share):
    """For any component within the rules of regulation 11: the running total after step 4 is the
    model's CPR, each running total is the one before plus the step's adjustment, and the price is
    allowable costs x (1 + CPR) on the allowable costs after the POCO deduction (Act s.15)."""
    path = model_with(BLANK_MODEL, {"Name_1": "C", "Method_1": "firm", "AC_1": ac, "CRA_1": cra, "IA_1": ia,
                                    "CSA_1": csa, "POCO_typed_1": ac * share}, tmp_path / f"m{abs(hash((ac, cra)))}.xlsx")
    (c,) = build_statement(read_model(path))["components"]
    total = 0.0
    for step in c["steps"]:
        total += step["adjustment"]
        assert math.isclose(step["running_total"], total, rel_tol=1e-12, abs_tol=1e-15)
    assert c["steps"][-1]["running_total"] == c["contract_profit_rate"]
    assert c["allowable_costs"] == ac - ac * share
    assert math.isclose(c["price"], c["allowable_costs"] * (1 + c["contract_profit_rate"]), rel_tol=1e-12,
                        abs_tol=1e-9)


def test_a_figure_typed_over_in_the_model_is_flagged_and_the_statement_states_the_cores(tmp_path):
    """A computed cell typed over is kept in the model and flagged (as by sscr regenerate); the
    statement states the core's figure and lists the flag."""
    path = model_with(WORKED_CASE, {"Price_after_1": 1_600_000.0}, tmp_path / "typed.xlsx")
    before = path.read_bytes()
    statement = build_statement(read_model(path))
    assert money(statement["components"][0]["price"]) == "£1,504,699.01"
    where = [f["where"] for f in statement["flags"]]
    assert "Price_after_1" in where  # and the cells computed from it, flagged as depending on it
    assert all("Price_after_1" in f["message"] for f in statement["flags"])
    assert "1,600,000.00" in next(f["message"] for f in statement["flags"] if f["where"] == "Price_after_1")
    assert "typed over" in html(statement)
    assert path.read_bytes() == before


def test_a_model_with_its_date_of_agreement_states_the_guidance_then_in_force(tmp_path, capsys):
    """The date typed in the model's Date_of_agreement cell (an Excel date) gives the guidance
    versions the statement states, through the command."""
    import datetime as dt
    serial = float((dt.date(2024, 10, 10) - dt.date(1899, 12, 30)).days)
    path = model_with(WORKED_CASE, {"Date_of_agreement": serial}, tmp_path / "dated.xlsx")
    assert main(["statement", str(path), "--out", str(tmp_path / "out"), "--format", "json,html"]) == 0
    statement = json.loads((tmp_path / "out" / "dated.json").read_text(encoding="utf-8"))
    assert statement["contract"]["date_of_agreement"] == "2024-10-10"
    assert {g["document"]: g["version"] for g in statement["guidance"]} == {
        "allowable costs": "7.1", "baseline profit rate": "8.0", "alternative pricing": "1.1"}
    assert "10 October 2024" in (tmp_path / "out" / "dated.html").read_text(encoding="utf-8")
    assert money(statement["price"]) == "£1,504,699.01"
