"""``sscr price PORTFOLIO --out FILE`` on real CSV, XLSX and Parquet files in a temporary folder."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.portfolio import OUTPUTS
from sscr.portfolio_cli import csv_date, csv_number
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate

GOOD_CSV = """Component,Allowable Costs,Date of agreement,CRA,IA,CSA,Fixed capital,Working capital,Cost of production
007,"1,000,000",01/05/2024,-25%,1%,3.01%,,,
B-2,2000000,2024-06-30,0.25,0,,"3,000,000","1,000,000","6,000,000"
"""

BAD_CSV = GOOD_CSV + """C-3,3000,2024/25,0.3,0,0.01,,,

D-4,abc,2024,0,0,0.01,,,
E-5,100,2031/32,0,0,0.01,,,
"""


def run(capsys, *args):
    code = main(["price", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.err


def test_csv_to_csv_prices_every_row_and_keeps_the_cells_as_written(tmp_path, capsys):
    src, out = tmp_path / "portfolio.csv", tmp_path / "priced.csv"
    src.write_text(GOOD_CSV, encoding="utf-8")
    code, err = run(capsys, src, "--out", out)
    assert code == EXIT_OK, err
    assert "priced 2 of 2 rows" in err
    priced = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(priced.columns)[:9] == GOOD_CSV.splitlines()[0].split(",")
    assert list(priced.columns)[9:] == list(OUTPUTS)
    assert priced.loc[0, "Component"] == "007" and priced.loc[0, "Allowable Costs"] == "1,000,000"
    assert priced.loc[0, "CRA"] == "-25%"
    # Example 1 of section 7 on 1,000,000: CPR 10.19%, price 1,101,900.
    cpr = contract_profit_rate(0.0824, -0.25, 0.01, 0.0301).contract_profit_rate
    assert float(priced.loc[0, "contract_profit_rate"]) == cpr
    assert float(priced.loc[0, "price"]) == formula_price(1_000_000, cpr).price
    assert priced.loc[0, "financial_year"] == "2024/25" and priced.loc[0, "rates_evidence"] == "guidance"
    # Appendix B example (a) figures, computed: CSA 2.15%.
    assert round(float(priced.loc[1, "step_4_capital_servicing_adjustment"]) * 100, 2) == 2.15
    assert float(priced.loc[1, "csa_cp_ce_ratio"]) == 1.5
    assert priced["error"].tolist() == ["", ""]


def test_bad_rows_are_listed_on_stderr_with_their_file_rows_and_the_rest_priced(tmp_path, capsys):
    src, out = tmp_path / "portfolio.csv", tmp_path / "priced.csv"
    src.write_text(BAD_CSV, encoding="utf-8")
    code, err = run(capsys, src, "--out", out)
    assert code == EXIT_PARTIAL
    assert "priced 2 of 5 rows" in err and "3 rows could not be priced" in err
    assert "row 4: cost risk adjustment 0.3 is outside -25%..+25% of the baseline profit rate" in err
    assert "row 6: allowable costs is text ('abc'), not a number" in err
    assert "row 7: no rates for 2031/32 are in the rate table" in err
    assert "row 5" not in err  # the blank line is left alone
    priced = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert priced["file_row"].tolist() == ["2", "3", "4", "5", "6", "7"]
    assert priced.loc[2, "error"].startswith("cost risk adjustment 0.3")
    assert priced.loc[2, "price"] == "" and priced.loc[4, "contract_profit_rate"] == ""
    assert priced.loc[0, "price"] != "" and priced.loc[1, "price"] != ""


def test_xlsx_to_xlsx_reads_typed_cells_and_writes_numbers_with_formats(tmp_path, capsys):
    src, out = tmp_path / "portfolio.xlsx", tmp_path / "priced.xlsx"
    book = Workbook()
    ws = book.active
    ws.title = "Components"
    ws.append([None])  # a title row left empty: the header is the first row with anything in it
    ws.append(["Contract", "allowable_costs", "date_of_agreement", "cra", "ia", "csa"])
    ws.append(["K-1", 1000.0, dt.datetime(2024, 5, 1), -0.25, 0.01, 0.0301])
    ws.append(["K-2", "500", dt.datetime(2024, 5, 1), 0.0, 0.0, 0.01])  # a number stored as text
    ws.append(["K-3", 200, 2024, 0.1, True, 0.01])
    book.save(src)
    code, err = run(capsys, src, "--out", out)
    assert code == EXIT_PARTIAL
    assert "row 4: allowable costs is text ('500'), not a number; it looks like a number stored as text" in err
    assert "row 5: incentive adjustment is TRUE" in err
    result = load_workbook(out)
    sheet = result.active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Contract", "allowable_costs", "date_of_agreement", "cra", "ia", "csa"]
    col = {name: i for i, name in enumerate(header)}
    first = [c for c in sheet[2]]
    assert first[col["contract_profit_rate"]].value == contract_profit_rate(0.0824, -0.25, 0.01, 0.0301).contract_profit_rate
    assert first[col["contract_profit_rate"]].number_format == "0.00%"
    assert first[col["file_row"]].value == 3
    assert first[col["date_of_agreement"]].value == dt.datetime(2024, 5, 1)
    assert sheet.cell(3, col["error"] + 1).value.startswith("allowable costs is text")
    assert sheet.cell(3, col["price"] + 1).value is None  # no figure for a failed row


def test_xlsx_sheet_is_chosen_by_name(tmp_path, capsys):
    src, out = tmp_path / "portfolio.xlsx", tmp_path / "priced.csv"
    book = Workbook()
    book.active.append(["notes"])
    ws = book.create_sheet("Open contracts")
    ws.append(["allowable_costs", "bpr", "cra", "ia", "csa"])
    ws.append([100, 0.0824, 0, 0, 0.01])
    book.save(src)
    code, err = run(capsys, src, "--out", out, "--sheet", "Open contracts")
    assert code == EXIT_OK, err
    assert pd.read_csv(out)["price"].tolist() == [formula_price(100, 0.0924).price]
    code, err = run(capsys, src, "--out", tmp_path / "x.csv", "--sheet", "Closed")
    assert code == EXIT_FAILED and "has no sheet 'Closed'" in err


def test_parquet_in_and_out(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    src, out = tmp_path / "portfolio.parquet", tmp_path / "priced.parquet"
    frame = pd.DataFrame({"ref": ["A", "B", "C"], "allowable_costs": [100.0, 200.0, -1.0],
                          "date_of_agreement": pd.to_datetime(["2024-05-01", "2025-05-01", "2024-05-01"]),
                          "cra": [0.0, 0.1, 0.0], "ia": [0.0, 0.0, 0.0], "csa": [0.01, 0.02, 0.01]})
    frame.to_parquet(src, index=False)
    code, err = run(capsys, src, "--out", out)
    assert code == EXIT_PARTIAL and "row 4: allowable costs -1 is negative" in err
    priced = pd.read_parquet(out)
    assert priced["ref"].tolist() == ["A", "B", "C"]
    assert priced.loc[1, "step_1_rate"] == 0.0856 and priced.loc[1, "financial_year"] == "2025/26"
    assert priced.loc[0, "price"] == formula_price(100.0, 0.0924).price
    assert pd.isna(priced.loc[2, "price"])
    # And on to a CSV and a workbook, from the same file.
    assert run(capsys, src, "--out", tmp_path / "priced.csv")[0] == EXIT_PARTIAL
    assert run(capsys, src, "--out", tmp_path / "priced.xlsx")[0] == EXIT_PARTIAL
    assert load_workbook(tmp_path / "priced.xlsx").active.max_row == 4


def test_a_priced_file_can_be_priced_again_under_a_rate_scenario(tmp_path, capsys):
    src, first, again = tmp_path / "portfolio.csv", tmp_path / "priced.xlsx", tmp_path / "scenario.csv"
    src.write_text(GOOD_CSV, encoding="utf-8")
    assert run(capsys, src, "--out", first)[0] == EXIT_OK
    rates = tmp_path / "rates.csv"
    rates.write_text("financial_year,baseline_profit_rate_pct\n2024/25,9.00\n", encoding="utf-8")
    code, err = run(capsys, first, "--out", again, "--rates-file", rates)
    assert code == EXIT_OK, err
    priced = pd.read_csv(again)
    assert priced["step_1_rate"].tolist() == [0.09, 0.09]
    assert priced["rates_evidence"].tolist() == ["user", "guidance/user"]
    assert list(priced.columns).count("price") == 1


def test_the_command_never_overwrites_what_a_user_wrote(tmp_path, capsys):
    src, out = tmp_path / "portfolio.csv", tmp_path / "priced.csv"
    src.write_text(GOOD_CSV, encoding="utf-8")
    out.write_text("my own notes\n", encoding="utf-8")
    code, err = run(capsys, src, "--out", out)
    assert code == EXIT_USAGE and "exists" in err and "--overwrite" in err
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    code, err = run(capsys, src, "--out", src, "--overwrite")
    assert code == EXIT_USAGE and "is the portfolio itself" in err
    assert src.read_text(encoding="utf-8") == GOOD_CSV
    assert run(capsys, src, "--out", out, "--overwrite")[0] == EXIT_OK
    assert "file_row" in out.read_text(encoding="utf-8")


def test_usage_and_whole_file_problems(tmp_path, capsys):
    src = tmp_path / "portfolio.csv"
    src.write_text(GOOD_CSV, encoding="utf-8")
    code, err = run(capsys, src, "--out", tmp_path / "priced.json")
    assert code == EXIT_USAGE and "is not a .csv, .xlsx or .parquet file" in err
    code, err = run(capsys, tmp_path / "missing.csv", "--out", tmp_path / "p.csv")
    assert code == EXIT_USAGE and "does not exist" in err
    code, err = run(capsys, src, "--out", tmp_path / "no such folder" / "p.csv")
    assert code == EXIT_USAGE and "does not exist" in err
    bad = tmp_path / "no_cra.csv"
    bad.write_text("allowable_costs,bpr,ia,csa\n1,0.08,0,0\n", encoding="utf-8")
    code, err = run(capsys, bad, "--out", tmp_path / "p.csv")
    assert code == EXIT_FAILED and "no cra column" in err and "Traceback" not in err
    assert not (tmp_path / "p.csv").exists()
    twice = tmp_path / "twice.csv"
    twice.write_text("allowable_costs,cra,cra,ia,bpr,csa\n1,0,0,0,0.08,0\n", encoding="utf-8")
    code, err = run(capsys, twice, "--out", tmp_path / "p.csv")
    assert code == EXIT_FAILED and "names column 'cra' twice" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    code, err = run(capsys, empty, "--out", tmp_path / "p.csv")
    assert code == EXIT_FAILED and "is empty" in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sscr-")] == []  # no half-written files


def test_csv_cells_read_as_a_spreadsheet_shows_them():
    assert csv_number("1,250,000") == 1_250_000.0
    assert csv_number("£3,000.50") == 3000.5
    assert csv_number("8.24%") == pytest.approx(0.0824)
    assert csv_number("(500,000)") == -500_000.0
    assert csv_number("-2.06%") == pytest.approx(-0.0206)
    assert csv_number("  ") is None
    assert csv_number("abc") == "abc" and csv_number("nan") == "nan" and csv_number("1,00") == "1,00"
    assert csv_number("(5") == "(5"
    assert csv_date("31/03/2025") == dt.date(2025, 3, 31)
    assert csv_date("2024") == 2024.0 and csv_date("2024/25") == "2024/25" and csv_date("31/02/2025") == "31/02/2025"
    assert csv_date("2025-03-31") == dt.date(2025, 3, 31) and csv_date("2025-02-30") == "2025-02-30"


def test_the_installed_command_runs(tmp_path):
    exe = Path(sys.executable).with_name("sscr")
    if not exe.exists():
        pytest.skip("the sscr command is not installed beside this Python")
    src, out = tmp_path / "portfolio.csv", tmp_path / "priced.parquet"
    src.write_text(BAD_CSV, encoding="utf-8")
    done = subprocess.run([str(exe), "price", str(src), "--out", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == EXIT_PARTIAL, done.stderr
    assert "row 6: allowable costs is text ('abc')" in done.stderr and "Traceback" not in done.stderr
    assert out.exists()


def test_the_priced_workbook_opens_in_libreoffice(tmp_path, capsys):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("SSCR_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here but soffice is not installed")
        pytest.skip("LibreOffice is not installed")
    src, out = tmp_path / "portfolio.csv", tmp_path / "priced.xlsx"
    src.write_text(BAD_CSV, encoding="utf-8")
    assert run(capsys, src, "--out", out)[0] == EXIT_PARTIAL
    converted = tmp_path / "converted"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--convert-to", "csv", "--outdir", str(converted), str(out)],
                   check=True, capture_output=True, timeout=180)
    shown = pd.read_csv(converted / "priced.csv", dtype=str, keep_default_na=False)
    assert shown.columns[-1] == "error" and len(shown) == 6
    assert shown.loc[0, "contract_profit_rate"] == "10.19%"  # as the analyst sees it
    assert shown.loc[2, "error"].startswith("cost risk adjustment 0.3")
