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
    assert worked["schema"] == "sscr-contract-pricing-statement" and worked["schema_version"] == "1.0"


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

def _classes_of_models(tmp_path: Path) -> list[Path]:
    """The worked case, the blank model, and a model of two formula components and a commercial one
    (aggregation: contract level adjustments), with the narrative text filled in."""
    two = model_with(BLANK_MODEL, {
        "Contract_name": "Three components", "Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000.0,
        "CRA_1": 0.25, "IA_1": 0.01, "CSA_1": 0.012, "POCO_typed_1": 25_000.0,
        "Name_2": "Spares", "Method_2": "commercial", "Alt_price_2": 400_000.0,
        "Name_3": "Support", "Method_3": "cost-plus", "AC_3": 250_000.0, "CRA_3": -0.25, "IA_3": 0.0, "CSA_3": 0.0,
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
    design, spares, support = statement["components"]
    assert (design["method_kind"], spares["method_kind"]) == ("pricing formula", "alternative pricing method")
    assert spares["steps"] == [] and spares["contract_profit_rate"] is None
    assert spares["alternative"]["price"] == 400_000.0
    assert spares["alternative"]["particulars"] == "Price from the published catalogue, less 5%."
    assert design["steps"][1]["basis"] == "Novel design: the top of the range (4.11)."
    assert design["steps"][2]["outcome"] == "Availability above 95%."
    assert design["allowable_costs"] == 975_000.0  # 1,000,000 less the POCO deduction of 25,000
    core = contract_profit_rate(0.0824, 0.25, 0.01, 0.012)
    assert design["contract_profit_rate"] == core.contract_profit_rate
    assert math.isclose(design["price"], 975_000.0 * (1 + core.contract_profit_rate), rel_tol=1e-15)
    assert statement["contract_level"]["contract_cra"] == 1_000.0
    assert math.isclose(statement["price"], design["price"] + 400_000.0 + support["price"] + 1_000.0, rel_tol=1e-15)
    assert statement["deviations_from_guidance"] == "None known."
    page = html(statement)
    assert "Novel design: the top of the range (4.11)." in page and "Availability above 95%." in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "<b>not bold</b>" not in page  # the user's text is escaped
    statement["components"][1]["name"] = "=2+3"  # text from a user: never a formula in a spreadsheet
    assert "\n2,'=2+3,commercial," in csv_tables(statement)["components"]


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
    assert "£1,504,699.01" in capsys.readouterr().out
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
    assert got["allowable costs"][0] == "7.3"  # 5 June 2026: version 7.3 applies from 1 April 2026
    del reading.inputs["Date_of_agreement"]
    statement = build_statement(reading)
    assert statement["guidance"] == [] and "Date_of_agreement" in statement["guidance_note"]


def test_a_date_before_the_four_steps_is_refused_by_name_not_stated_as_four_steps():
    """Contracts agreed before 1 April 2024 have six steps (regulation 11 as made): the statement
    does not state four for them."""
    import datetime as dt
    reading = read_model(WORKED_CASE)
    reading.inputs["Date_of_agreement"] = dt.date(2024, 3, 31)
    with pytest.raises(StatementError, match=r"cost-build-up\.xlsx: the date of agreement 2024-03-31 .* six steps"):
        build_statement(reading)


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
