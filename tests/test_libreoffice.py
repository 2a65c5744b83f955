"""A real spreadsheet application on every regenerated template: LibreOffice (headless) opens each
one, recalculates every formula, and must agree with the figure the regeneration wrote and with the
core; no cell may hold an error. The same run renders each template to PDF and PNG.

soffice is started twice for the whole module (one recalculation of all the files, one PDF
rendering). Without soffice the module is skipped, unless SSCR_REQUIRE_LIBREOFFICE=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import openpyxl
import pytest

from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import expected_values
from sscr.workbooks.libreoffice import recalculate, soffice
from sscr.workbooks.previews import render_previews
from sscr.workbooks.regenerate import Job, regenerate_many
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR, named_cell

if soffice() is None or shutil.which("pdftoppm") is None:
    reason = "LibreOffice (soffice) or pdftoppm is not on PATH: install libreoffice-calc and poppler-utils"
    if os.environ.get("SSCR_REQUIRE_LIBREOFFICE") == "1":
        pytest.fail(reason + " (SSCR_REQUIRE_LIBREOFFICE=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

ERRORS = ("#DIV/0!", "#NAME?", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NULL!", "Err:")
CANARY = "canary.xlsx"

#: Inputs changed from the guidance's, so that LibreOffice also checks other branches of the formulas.
EDITS = {
    "capital-servicing.xlsx": {"Working_capital_a": -250_000, "Financial_year_b": "2023/24",
                               "Fixed_capital_c": 0, "Cost_of_production_d": 7_250_000},
    # each boundary of regulation 17: 5pp, 10pp, 15pp and the loss level; a lower CPR for the curve
    "final-price-adjustment.xlsx": {"Price_4": 115, "Price_5": 120, "Price_6": 125, "Costs_1": 100 / 0.95,
                                    "Price_7": 11.7, "Curve_CPR": 0.05, "Money_unit": 1_000_000},
    "profit-rate.xlsx": {"Financial_year_1": "2021/22", "CRA_2": -0.1, "IA_2": 0.02},
    "poco.xlsx": {"Own_costs_SC2": 0.1, "CRA_SC1": -0.05, "CRA_PC": 0.05},
    "aggregation.xlsx": {"Ex6_Method_3": "cost-plus", "Ex7_Contract_IA": 1.5, "Ex6_Contract_CRA": 2},
    "contract-model.xlsx": {"Contract_name": "Radar", "Financial_year": "2024/25",
                            "Name_1": "Design", "Method_1": "firm", "AC_1": 1_000_000, "CRA_1": 0.1, "IA_1": 0.005,
                            "CSA_1": 0.02,
                            # the supply chain of Design: a group sub-contract, a further one in scope
                            # (its CRA above Design's) and one below the £250,000 value test
                            **{f"SC_{k}_{n}": v for n, row in enumerate((
                                ("Radar", "Design", None, 300_000, 0.0824, 0.15, 0.01, 0.012),
                                ("Antenna", "Design", "Radar", 220_000, 0.0824, 0.25, 0.0, 0.02),
                                ("Cables", "Design", "Radar", 20_000, 0.0824, 0.0, 0.0, 0.01),
                            ), start=1) for k, v in zip(("name", "component", "parent", "own_costs", "BPR", "CRA",
                                                        "IA", "CSA"), row)},
                            "Name_2": "Spares", "Method_2": "commercial", "Alt_price_2": 250_000,
                            "Name_4": "Support", "Method_4": "volume-driven", "AC_4": 400_000, "CRA_4": -0.1,
                            "IA_4": 0, "CSA_4": 0.01, "Contract_CRA": 1_000,
                            "Contract_IA_rate": 0.001,  # 0.1% of the total component price (guidance 9.24)
                            # the build-up: a recovery rate, an index, lines of three statuses, two risks
                            "Rate_name_1": "Labour", "Rate_pool_1": 1_000_000, "Rate_base_1": 20_000,
                            "Index_name_1": "CPI", "Index_period_1": 2024, "Index_value_1": 130,
                            "Index_name_2": "CPI", "Index_period_2": 2025, "Index_value_2": 133.9,
                            **{f"Line_{k}_{n}": v for n, row in enumerate((
                                ("L1", "Design", "A", "estimated", None, "Labour", 500, None, "CPI", 2024, 2025, "agreed"),
                                ("L2", "Design", "C.3", "actual", 2_000, None, None, None, None, None, None, "agreed"),
                                ("L3", "Support", "B", "actual", 9_000, None, None, 500, None, None, None, "pending"),
                                ("L4", "Support", "4.8", "estimated", None, 42.5, 100, None, None, None, None, "agreed"),
                            ), start=1) for k, v in zip(("id", "component", "type", "basis", "amount", "rate", "quantity",
                                                         "credit", "index", "from", "to", "reasonable"), row)},
                            **{f"Line_{k}_{n}": "agreed" for n in range(1, 5) for k in ("appropriate", "attributable")},
                            "Risk_id_1": "R1", "Risk_component_1": "Design", "Risk_probability_1": 0.3,
                            "Risk_impact_1": 10_000, "Risk_id_2": "R2", "Risk_component_2": "Support",
                            "Risk_minimum_2": 1_000, "Risk_most_likely_2": 2_000, "Risk_maximum_2": 6_000},
    "cost-build-up.xlsx": {"Line_reasonable_9": "agreed", "Line_attributable_6": "not agreed",
                           "Rate_pool_1": 4_900_000, "Index_value_2": 126.0, "Risk_probability_1": 0.3,
                           "MC_seed": 7, "MC_trials": 20_000, "Name_2": "Spares", "Method_2": "commercial",
                           "Alt_price_2": 50_000},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("libreoffice")
    sources = root / "in"
    sources.mkdir()
    jobs, inputs = [], {}
    for template in TEMPLATES.values():
        for variant, edits in (("", {}), ("edited-", EDITS[template.filename])):
            target = sources / (variant + template.filename)
            wb = openpyxl.load_workbook(TEMPLATE_DIR / template.filename)
            for name, value in edits.items():
                named_cell(wb, name).value = value
            wb.save(target)
            spec = template.spec()
            inputs[target.name] = (template, {n: s.default for n, s in spec.inputs.items()} | edits)
            jobs.append(Job(target, Path(target.name)))
    results = regenerate_many(jobs, root / "regenerated", workers=2)
    assert all(r.status == "ok" for r in results), [r.message for r in results if r.status != "ok"]
    regenerated = sorted((root / "regenerated").glob("*.xlsx"))
    # A copy whose cached figure is wrong on purpose: LibreOffice must replace it by recalculating.
    canary = FileBook.open(root / "regenerated" / "capital-servicing.xlsx")
    canary.write_computed("CSA_b", 0.5)
    canary.save(root / CANARY)
    recalculated = recalculate(regenerated + [root / CANARY], root / "recalculated")
    previews = render_previews([p for p in regenerated if not p.name.startswith("edited-")], root / "previews")
    return {"root": root, "regenerated": regenerated, "recalculated": {p.name: p for p in recalculated},
            "inputs": inputs, "previews": previews}


def test_libreoffice_recalculates_rather_than_keeping_cached_values(run):
    wb = openpyxl.load_workbook(run["recalculated"][CANARY], data_only=True)
    assert named_cell(wb, "CSA_b").value == pytest.approx(0.02405, rel=1e-9)


def test_no_cell_holds_an_error_after_recalculation(run):
    for name, path in run["recalculated"].items():
        wb = openpyxl.load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(ERRORS), f"{name} {ws.title}!{cell.coordinate}: {cell.value}"


def test_recalculated_figures_equal_the_written_and_the_core_figures(run):
    checked = 0
    for path in run["regenerated"]:
        template, inputs = run["inputs"][path.name]
        core = expected_values(template, inputs)
        written = openpyxl.load_workbook(path, data_only=True)
        recalculated = openpyxl.load_workbook(run["recalculated"][path.name], data_only=True)
        for name, value in core.items():
            mine = named_cell(written, name).value
            theirs = named_cell(recalculated, name).value
            if value is None:
                assert mine in (None, "") and theirs in (None, ""), (path.name, name, mine, theirs)
                continue
            if isinstance(value, str):  # a line's Part, treatment, paragraph or status
                assert mine == value and theirs == value, (path.name, name, mine, theirs)
                continue
            assert mine == pytest.approx(value, rel=1e-9, abs=1e-12), (path.name, name)
            assert theirs == pytest.approx(mine, rel=1e-9, abs=1e-12), (path.name, name, mine, theirs)
            assert theirs == pytest.approx(value, rel=1e-9, abs=1e-12), (path.name, name)
            checked += 1
    assert checked > 600


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path.name
    return struct.unpack(">II", data[16:24])


def test_every_template_renders_to_png(run):
    names = {p.name for p in run["previews"]}
    for template in TEMPLATES.values():
        stem = Path(template.filename).stem
        assert any(n == f"{stem}.png" or n.startswith(f"{stem}-") for n in names), stem
    assert "rates.png" in names
    for path in run["previews"]:
        width, height = _png_size(path)
        assert width > 400 and height > 300, path.name
        assert path.stat().st_size > 15_000, f"{path.name} looks empty"


def test_committed_previews_exist():
    previews = TEMPLATE_DIR / "previews"
    for template in TEMPLATES.values():
        stem = Path(template.filename).stem
        assert list(previews.glob(f"{stem}*.png")), f"no preview for {template.filename}: python -m sscr.workbooks.previews"


def test_a_workbook_saved_by_libreoffice_regenerates_without_flags(run, tmp_path):
    """LibreOffice rewrites styles, strings and names when it saves; the fill still finds every
    input and formula, and flags nothing."""
    saved = [p for name, p in run["recalculated"].items() if name != CANARY]
    results = regenerate_many([Job(p, Path(p.name)) for p in saved], tmp_path / "out")
    for result in results:
        assert result.status == "ok", (result.source, result.message, result.flags)
    by_name = {Path(r.source).name: r for r in results}
    assert by_name["capital-servicing.xlsx"].headline["CSA_b"] == pytest.approx(0.02405)
    assert by_name["poco.xlsx"].headline["Price_after"] == pytest.approx(304.408905)
