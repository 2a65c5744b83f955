"""``sscr price`` with bad rows and bad files: each bad row keeps its reason in the error column and
gets no figure, the good rows are priced right; a file that cannot be priced is refused with its
reason; text that looks like a formula is never a formula in a priced workbook; no traceback."""

from __future__ import annotations

import csv
import subprocess
import sys

import openpyxl
import pytest

from sscr.cli import EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.price import formula_price
from sscr.profit_rate import contract_profit_rate
from sscr.rates import rates_for

from corpus_portfolio import COLUMNS, GOOD, PORTFOLIO_CASES
from damage import bomb_ratio, encrypted, external_entity, truncated_half
from cells import template_path

FIGURES = ("contract_profit_rate", "profit", "price")


def no_traceback(text):
    assert "Traceback" not in text and 'File "' not in text, text


def _write_portfolio(path):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerow([GOOD[c] for c in COLUMNS])
        for ident, cells, _words in PORTFOLIO_CASES:
            row = {**GOOD, **cells, "name": ident}
            w.writerow([row[c] for c in COLUMNS])


@pytest.fixture(scope="module", params=["csv", "xlsx"])
def priced(request, tmp_path_factory):
    """The corpus as one portfolio, priced once per output format."""
    root = tmp_path_factory.mktemp("portfolio")
    source = root / "portfolio.csv"
    _write_portfolio(source)
    out = root / f"priced.{request.param}"
    done = subprocess.run([sys.executable, "-m", "sscr.cli", "price", str(source), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    if request.param == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
    else:
        ws = openpyxl.load_workbook(out)["priced"]
        values = [[c.value for c in r] for r in ws.iter_rows()]
        rows = [dict(zip(values[0], r)) for r in values[1:]]
    return done, {r["name"]: r for r in rows}


def test_the_command_exits_partial_with_no_traceback(priced):
    done, rows = priced
    assert done.returncode == EXIT_PARTIAL, done.stderr
    no_traceback(done.stdout + done.stderr)
    assert f"priced 1 of {len(PORTFOLIO_CASES) + 1} rows" in done.stderr


@pytest.mark.reliability("bad input: portfolio rows")
@pytest.mark.parametrize("ident, cells, words", PORTFOLIO_CASES, ids=[c[0] for c in PORTFOLIO_CASES])
def test_bad_row_keeps_its_reason_and_gets_no_figure(priced, ident, cells, words):
    _done, rows = priced
    row = rows[ident]
    for word in words:
        assert word in (row["error"] or ""), f"{word!r} not in {row['error']!r}"
    for column in FIGURES:
        assert row[column] in (None, ""), f"{ident}: {column} = {row[column]!r} for a row that failed"


def test_the_good_row_is_priced_right(priced):
    _done, rows = priced
    row = rows["good"]
    bpr = rates_for("2024/25").baseline_profit_rate
    cpr = contract_profit_rate(bpr, 0.1, 0.01, 0.02).contract_profit_rate
    assert float(row["contract_profit_rate"]) == pytest.approx(cpr, abs=1e-15)
    assert float(row["price"]) == pytest.approx(formula_price(1000.0, cpr).price, abs=1e-9)
    assert not row["error"]


# --- whole files that cannot be priced -------------------------------------------------------------

def _csv(tmp_path, text, name="p.csv"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def _damaged_xlsx(maker):
    def make(tmp_path):
        p = tmp_path / "p.xlsx"
        maker(template_path("profit_rate").read_bytes(), p)
        return p
    return make


FILE_CASES = [
    ("missing", lambda t: t / "nope.csv", EXIT_USAGE, ["does not exist"]),
    ("wrong-extension", lambda t: _csv(t, "a,b\n", "p.txt"), EXIT_USAGE, ["is not a .csv, .xlsx or .parquet file"]),
    ("empty", lambda t: _csv(t, ""), EXIT_FAILED, ["is empty"]),
    ("column-twice", lambda t: _csv(t, "cra,cra\n0,0\n"), EXIT_FAILED, ["names column 'cra' twice"]),
    ("values-without-header", lambda t: _csv(t, "allowable_costs,\n1,2\n"), EXIT_FAILED, ["no header"]),
    ("xlsx-truncated", _damaged_xlsx(truncated_half), EXIT_FAILED, ["p.xlsx", "truncated or damaged"]),
    ("xlsx-encrypted", _damaged_xlsx(encrypted), EXIT_FAILED, ["p.xlsx", "encrypted or legacy .xls"]),
    ("xlsx-zip-bomb", _damaged_xlsx(bomb_ratio), EXIT_FAILED, ["p.xlsx", "zip bomb"]),
    ("xlsx-external-entity", _damaged_xlsx(external_entity), EXIT_FAILED, ["p.xlsx", "document type declaration"]),
]


@pytest.mark.reliability("bad input: portfolio files")
@pytest.mark.parametrize("ident, make, status, words", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_a_file_that_cannot_be_priced_is_refused(tmp_path, capsys, ident, make, status, words):
    source = make(tmp_path)
    out = tmp_path / "priced.csv"
    code = main(["price", str(source), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == status, err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    no_traceback(err)
    assert not out.exists()


@pytest.mark.reliability("bad input: portfolio files")
@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://example.invalid","x")', "+44 20 7946 0000", "-2+3",
                                  "@SUM(A1)"])
def test_formula_like_text_is_text_in_a_priced_workbook(tmp_path, capsys, text):
    source = tmp_path / "p.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS + [text])
        w.writerow([text if c == "name" else GOOD[c] for c in COLUMNS] + [text])
    out = tmp_path / "priced.xlsx"
    main(["price", str(source), "--out", str(out)])
    capsys.readouterr()
    ws = openpyxl.load_workbook(out)["priced"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert len(cells) >= 2, "the text is not in the workbook as written"
    for c in cells:
        assert c.data_type != "f", f"{c.coordinate} {text!r} became a formula"
