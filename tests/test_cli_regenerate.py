"""``sscr regenerate`` as a user runs it: folders and files, --out, --in-place, --workers, --quiet,
--summary, exit statuses, and messages instead of tracebacks."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import openpyxl
import pytest

from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import copy_templates, named_cell

HEADLINES = {"CPR_1": 0.1019, "CPR_2": 0.128, "CSA_a": 0.0215, "CSA_b": 0.02405, "CSA_c": 0.01496,
             "CSA_d": 0.00144, "Price_before": 313.98, "POCO_deduction": 8.745, "Price_after": 304.41,
             "Ex6_Total_component_price": 214.475, "Ex6_CRA_pot": 2.8, "Ex6_Max_price_with_CRA": 217.275,
             "Ex7_Total_component_price": 220.55, "Ex7_IA_pot": 2.75, "Ex7_Max_price_with_IA": 223.3}


def test_regenerate_a_folder_of_templates(tmp_path, capsys):
    folder = copy_templates(tmp_path)
    out = tmp_path / "out"
    summary = tmp_path / "summary.json"
    code = main(["regenerate", str(folder), "--out", str(out), "--workers", "2", "--summary", str(summary)])
    assert code == EXIT_OK
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(t.filename for t in TEMPLATES.values())
    text = capsys.readouterr().out
    assert "CPR_1=10.19%" in text and "CSA_b=2.41%" in text and "POCO_deduction=8.75" in text
    assert f"{len(TEMPLATES)} of {len(TEMPLATES)} workbook(s) regenerated" in text
    data = json.loads(summary.read_text())
    figures = {k: v for r in data for k, v in r["headline"].items()}
    for name, value in HEADLINES.items():
        assert figures[name] == pytest.approx(value, abs=5e-5 if value < 1 else 5e-3), name
    assert all(r["status"] == "ok" and r["flags"] == [] for r in data)


def test_source_files_are_not_touched(tmp_path):
    folder = copy_templates(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    main(["regenerate", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def _bad_copy(folder, name="bad.xlsx", **cells):
    wb = openpyxl.load_workbook(folder / "profit-rate.xlsx")
    for key, value in cells.items():
        named_cell(wb, key).value = value
    wb.save(folder / name)


def test_a_bad_workbook_fails_and_the_others_go_on(tmp_path, capsys):
    folder = copy_templates(tmp_path, "profit-rate.xlsx", "poco.xlsx")
    _bad_copy(folder, CRA_2=0.4)
    summary = tmp_path / "summary.csv"
    code = main(["regenerate", str(folder), "--out", str(tmp_path / "out"), "--summary", str(summary)])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL
    assert "FAILED   bad.xlsx: CRA_2 0.4 is outside -25%..+25% of the baseline profit rate" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert (tmp_path / "out" / "poco.xlsx").exists() and (tmp_path / "out" / "profit-rate.xlsx").exists()
    assert not (tmp_path / "out" / "bad.xlsx").exists()
    rows = list(csv.DictReader(summary.open()))
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and "CRA_2" in failed[0]["message"] and failed[0]["file"].endswith("bad.xlsx")
    ok = {r["name"]: float(r["value"]) for r in rows if r["status"] == "ok"}
    assert ok["Price_after"] == pytest.approx(304.408905)


def test_all_failing_is_exit_failed_and_quiet_still_reports_failures(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "junk.xlsx").write_bytes(b"junk")
    code = main(["regenerate", str(folder / "junk.xlsx"), str(tmp_path / "missing.xlsx"), "--out",
                 str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert "junk.xlsx: junk.xlsx is not an xlsx file" in err and "does not exist" in err


def test_flags_are_reported(tmp_path, capsys):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    _bad_copy(folder, "typed.xlsx", CPR_1=0.12)
    code = main(["regenerate", str(folder / "typed.xlsx"), "--out", str(tmp_path / "out"),
                 "--summary", str(tmp_path / "s.csv")])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "FLAG   CPR_1 should hold the formula =After_step_4_1" in out
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert any(r["status"] == "flagged" and r["name"] == "CPR_1" and r["message"].startswith("flagged:") for r in rows)


def test_in_place(tmp_path):
    folder = copy_templates(tmp_path, "poco.xlsx")
    wb = openpyxl.load_workbook(folder / "poco.xlsx")  # drops the cached values, as some tools do
    wb.save(folder / "poco.xlsx")
    assert named_cell(openpyxl.load_workbook(folder / "poco.xlsx", data_only=True), "Price_after").value is None
    assert main(["regenerate", str(folder / "poco.xlsx"), "--in-place", "--quiet"]) == EXIT_OK
    value = named_cell(openpyxl.load_workbook(folder / "poco.xlsx", data_only=True), "Price_after").value
    assert value == pytest.approx(304.408905)
    assert [p.name for p in folder.iterdir()] == ["poco.xlsx"]


@pytest.mark.parametrize("args", [["--out", "x", "--in-place"], ["--workers", "0", "--out", "x"],
                                  ["--out", "x", "--summary", "s.txt"], []])
def test_usage_errors(tmp_path, args, capsys):
    folder = copy_templates(tmp_path, "poco.xlsx")
    try:
        code = main(["regenerate", str(folder), *args])
    except SystemExit as exc:  # argparse refuses before the command runs
        code = exc.code
    assert code == EXIT_USAGE


def test_the_installed_command_runs(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    done = subprocess.run([sys.executable, "-m", "sscr.cli", "regenerate", str(folder), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "CPR_1=10.19%  CPR_2=12.80%" in done.stdout


def test_a_rates_file_fills_the_rates_sheet_and_the_lookups(tmp_path, capsys):
    folder = copy_templates(tmp_path, "capital-servicing.xlsx")
    wb = openpyxl.load_workbook(folder / "capital-servicing.xlsx")
    named_cell(wb, "Financial_year_a").value = "2025/26"
    wb.save(folder / "next-year.xlsx")
    rates = tmp_path / "rates.csv"
    rates.write_text("financial_year,fixed_capital_servicing_rate_pct,positive_working_capital_servicing_rate_pct,"
                     "negative_working_capital_servicing_rate_pct\n2025/26,3.5,3.2,1.7\n", encoding="utf-8")
    # without the rates file the year's capital servicing rates are not known
    assert main(["regenerate", str(folder / "next-year.xlsx"), "--out", str(tmp_path / "a"), "--quiet"]) == EXIT_FAILED
    assert "fixed capital servicing rate for 2025/26 is not in the rate table" in capsys.readouterr().err
    code = main(["regenerate", str(folder / "next-year.xlsx"), "--out", str(tmp_path / "b"), "--quiet",
                 "--rates-file", str(rates)])
    assert code == EXIT_OK
    out = openpyxl.load_workbook(tmp_path / "b" / "next-year.xlsx", data_only=True)
    assert named_cell(out, "Rate_fixed_a").value == pytest.approx(0.035)
    row = next(r for r in range(6, 46) if out["Rates"].cell(row=r, column=1).value == "2025/26")
    assert [out["Rates"].cell(row=row, column=c).value for c in (5, 6, 7)] == [3.5, 3.2, 1.7]
    assert out["Rates"].cell(row=row, column=9).value == "official/user"
    assert "FLAG" not in capsys.readouterr().out



def test_a_contract_model_of_an_earlier_layout_is_refused_with_the_way_to_move_it(tmp_path):
    """A model saved before a name was added lacks it: the refusal says how to carry the model over, and that works."""
    folder = copy_templates(tmp_path, "cost-build-up.xlsx")
    old = tmp_path / "old.xlsx"
    wb = openpyxl.load_workbook(folder / "cost-build-up.xlsx")
    del wb.defined_names["Date_of_agreement"]
    wb.save(old)
    from sscr.workbooks.regenerate import FAILED, OK, regenerate_one
    refused = regenerate_one(old, tmp_path / "out")
    assert refused.status == FAILED, refused.message
    assert "Date_of_agreement" in refused.message and "sscr new contract NEW.xlsx --from OLD.xlsx" in refused.message
    moved = tmp_path / "new.xlsx"
    run = subprocess.run([sys.executable, "-m", "sscr", "new", "contract", str(moved), "--from", str(old)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    result = regenerate_one(moved, tmp_path / "out")
    assert result.status == OK, result.message
    assert f"{result.headline['Price_after_1']:.2f}" == "1504699.01"
