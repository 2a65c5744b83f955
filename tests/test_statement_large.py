"""The contract pricing statement of a model of a real contract's size: ``sscr new contract`` lays out
2,000 cost lines and 200 risks, a user fills them with openpyxl by their documented names, and
``sscr statement`` writes its JSON, HTML, CSV tables and PDF. The statement validates against its
schema, prices to the penny against this test's own sums of the agreed lines and the risks'
expected values (allowable costs guidance 3.13-3.15 and H.1.7; regulation 11; Act s.15), equals the
regenerated workbook's figures, keeps every figure's derivation, and in headless Chromium every
table fits the page and every PDF page renders with nothing in the right margin."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from PIL import Image

import test_workbooks_model_size as sized
from sscr.cli import main
from sscr.statement import schema
from sscr.statement.render import find_chromium
from sscr.workbooks.regenerate import OK, regenerate_one
from test_statement_browser import PRINT_WIDTH, _measure
from workbook_helpers import named_cell

LINES, RISKS = 2000, 200
PENNY = 0.005
BROWSER = find_chromium() is not None and shutil.which("pdftoppm") is not None
needs_browser = pytest.mark.skipif(not BROWSER, reason="needs chromium and pdftoppm (.ci/run installs them)")


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("large-statement")
    blank = root / "blank.xlsx"
    assert main(["new", "contract", str(blank), "--lines", str(LINES), "--risks", str(RISKS)]) == 0
    assert (sized.LINES, sized.RISKS) == (LINES, RISKS)
    cells, lines, risks = sized._case()
    wb = openpyxl.load_workbook(blank)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    model = root / "large.xlsx"
    wb.save(model)
    before = model.read_bytes()
    out = root / "out"
    formats = "html,json,csv,pdf" if BROWSER else "html,json,csv"
    assert main(["statement", str(model), "--out", str(out), "--format", formats]) == 0
    assert model.read_bytes() == before  # the model is never changed
    statement = json.loads((out / "large.json").read_text(encoding="utf-8"))
    return {"root": root, "model": model, "out": out, "statement": statement, "lines": lines, "risks": risks}


def test_the_statement_of_a_large_model_validates_and_holds_every_line_and_risk(large):
    statement = large["statement"]
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(statement)
    assert len(statement["cost_lines"]) == LINES and len(statement["risk_contingency"]["risks"]) == RISKS
    assert [line["id"] for line in statement["cost_lines"]] == [f"L{n:04d}" for n in range(1, LINES + 1)]
    pointers = {e["pointer"] for e in statement["audit_trail"]}
    assert {f"/cost_lines/{k}/allowable" for k in range(LINES)} <= pointers
    assert {f"/risk_contingency/risks/{k}/expected_value" for k in range(RISKS)} <= pointers
    with open(large["out"] / "large-cost-lines.csv", encoding="utf-8") as f:
        assert sum(1 for _ in f) == LINES + 1


def test_the_large_statement_prices_to_the_penny_against_our_own_sums(large):
    """Each component's agreed cost lines and risk contingency element against this test's sums,
    and the four steps and the price formula on them (BPR 8.24% for 2024/25)."""
    statement = large["statement"]
    by_name = {c["name"]: c for c in statement["components"]}
    for i, (name, cra, ia, csa, other) in sized.COMPONENTS.items():
        c = by_name[name]
        b = c["allowable_costs_build_up"]
        assert abs(b["cost_lines"] - large["lines"][i]) < PENNY, name
        assert abs(b["risk_contingency_element"] - large["risks"][i]) < PENNY, name
        assert b["other"] == other
        cpr = sized.BPR_2024 + sized.BPR_2024 * cra + ia + csa
        assert math.isclose(c["contract_profit_rate"], cpr, rel_tol=1e-12)
        assert [s["step"] for s in c["steps"]] == [1, 2, 3, 4]
        ac = large["lines"][i] + large["risks"][i] + other - (b["poco_deduction"] or 0.0)
        assert abs(c["price"] - ac * (1 + cpr)) < PENNY, name
    assert statement["cost_lines"] and statement["allowable_costs_by_part"]["totals"]["agreed"] > 1e8


def test_the_large_statement_equals_the_regenerated_workbook(large):
    result = regenerate_one(large["model"], large["root"] / "regenerated")
    assert result.status == OK, result.message
    wb = openpyxl.load_workbook(result.output, data_only=True)
    checked = 0
    for entry in large["statement"]["audit_trail"]:
        if entry["kind"] in ("formula", "core") and isinstance(entry["value"], float):
            saved = wb[entry["sheet"]][entry["cell"]].value
            assert isinstance(saved, (int, float)), entry["id"]
            assert math.isclose(entry["value"], saved, rel_tol=1e-14, abs_tol=1e-12), (entry["id"], saved)
            checked += 1
    assert checked > 2 * LINES + 3 * RISKS


def test_the_large_html_links_every_figure_to_its_derivation(large):
    page = (large["out"] / "large.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', page))
    hrefs = set(re.findall(r'href="#([^"]+)"', page))
    assert hrefs <= ids
    assert {f"a-{e['id']}" for e in large["statement"]["audit_trail"]} <= ids
    assert len(page) < 4_000_000  # each row's formulas are given once, not once per row


@needs_browser
@pytest.mark.parametrize("width", [PRINT_WIDTH, 1280])
def test_every_table_of_the_large_statement_fits_the_page(tmp_path, large, width):
    measured = _measure(tmp_path, large["out"] / "large.html", width)
    assert measured["doc"] <= measured["page"], "the page scrolls sideways"
    for m in measured["items"]:
        where = f"{m['tag']} {m['i']} in section {m['id']!r}"
        assert m["left"] >= 0 and m["right"] <= m["page"] + 0.5, f"{where} runs past the page: {m}"
        if m["tag"] == "TABLE":
            assert m["scroll"] <= m["client"] + 1, f"{where} is wider than it shows: {m}"


@needs_browser
def test_every_page_of_the_large_pdf_renders_within_the_margins(tmp_path, large):
    printed = large["out"] / "large.pdf"
    info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 60 < pages < 300
    subprocess.run(["pdftoppm", "-r", "20", "-gray", "-png", str(printed), str(tmp_path / "p")], check=True,
                   capture_output=True, timeout=600)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    for path in images:
        image = Image.open(path).convert("L")
        w, h = image.size
        assert sum(image.crop((0, 0, w, int(h * 0.95))).histogram()[:200]) > 10, f"{path.name} is blank"
        strip = image.crop((int(w * 200 / 210) + 1, 0, w, h))
        assert sum(strip.histogram()[:240]) == 0, f"{path.name}: something runs into the right margin"
