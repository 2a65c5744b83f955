"""Files that are not what they seem, outputs that would replace inputs, failures of the disk, and
text a spreadsheet would take for a formula, at every entry point that reads or writes a file.

- Only regular files are read: a FIFO (which blocks a reader for ever), a device or a socket named
  as a workbook, found in a folder, given as a portfolio or as the rates file (``--rates-file``,
  ``SSCR_RATES_FILE``, also in a worksheet cell) is refused by name, quickly. A symbolic link to
  nothing in a folder is reported. Every run that could hang runs in a child process with a timeout.
- ``--in-place`` on a symbolic link regenerates the workbook it points to and keeps the link; a
  workbook open in a spreadsheet application (its lock file beside it) is left as it is.
- An output that would replace an input (``--summary`` the rates file, ``--out`` the source folder,
  ``sscr price --out`` the rates file) is refused before anything is written.
- A rates file rewritten with its modification time kept is read again.
- A full disk (a file size limit, which fails writes as a full disk does) while writing a priced
  portfolio, a regenerated workbook or the summary gives a message naming the file and the cause,
  no traceback, and no half-written or temporary file.
- Every CSV the product writes (``sscr price``, the summary) holds no cell a spreadsheet would
  evaluate: text starting with = + - @, a tab or a carriage return starts with an apostrophe.
- Portfolio CSVs in other encodings, with NUL bytes, control characters and other line endings.
- A Parquet file declaring more rows than one run prices is refused before they are read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import udfs
from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.portfolio_cli import MAX_ROWS
from sscr.workbooks.batch import MANIFEST_NAME
from sscr.workbooks.regenerate import FAILED, OK, regenerate_one

from batchkit import figures_match, make_folder, output_figures
from cells import template_path
from corpus_portfolio import COLUMNS, GOOD

CLI = [sys.executable, "-m", "sscr.cli"]


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


def run(args, timeout=60, env=None, **kw):
    """A real process that must end within ``timeout`` seconds (a blocked read would not)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, **kw)


def _workbook(folder: Path, name: str = "profit-rate.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(template_path("profit_rate").read_bytes())
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _rates(path: Path, bpr: str = "8.6") -> Path:
    path.write_text(f"financial_year,baseline_profit_rate_pct\n2026/27,{bpr}\n", encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- non-regular files and links -------------------------------------------------------------------

def _fifo_named(t):
    return [*CLI, "regenerate", str(_fifo(t / "pipe.xlsx")), "--out", str(t / "o")]


def _fifo_in_folder(t):
    _workbook(t / "in")
    _fifo(t / "in" / "pipe.xlsx")
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o"), "--workers", "1"]


def _device_in_folder(t):
    _workbook(t / "in")
    os.symlink("/dev/zero", t / "in" / "zero.xlsx")
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o"), "--workers", "1"]


def _dangling_in_folder(t):
    _workbook(t / "in")
    os.symlink(t / "gone.xlsx", t / "in" / "moved.xlsx")
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o"), "--workers", "1"]


def _dangling_named(t):
    os.symlink(t / "gone.xlsx", t / "moved.xlsx")
    return [*CLI, "regenerate", str(t / "moved.xlsx"), "--out", str(t / "o")]


def _rates_fifo(t):
    _workbook(t / "in")
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o"), "--rates-file", str(_fifo(t / "r.csv"))]


def _rates_env_fifo(t):
    _workbook(t / "in")
    os.environ["SSCR_RATES_FILE"] = str(_fifo(t / "r.csv"))  # the child's environment (restored below)
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o")]


def _rates_device(t):
    _workbook(t / "in")
    return [*CLI, "regenerate", str(t / "in"), "--out", str(t / "o"), "--rates-file", "/dev/zero"]


def _portfolio(t, suffix):
    return [*CLI, "price", str(_fifo(t / f"p{suffix}")), "--out", str(t / "o.csv")]


def _price_rates_fifo(t):
    source = t / "p.csv"
    source.write_text(",".join(COLUMNS) + "\n" + ",".join(str(GOOD[c]) for c in COLUMNS) + "\n")
    return [*CLI, "price", str(source), "--out", str(t / "o.csv"), "--rates-file", str(_fifo(t / "r.csv"))]


#: (id, argv builder, exit status, words on stderr, a workbook regenerated beside the refusal)
NON_REGULAR = [
    ("fifo-named-as-workbook", _fifo_named, EXIT_FAILED, ["pipe.xlsx", "named pipe (FIFO)", "only workbook files"], False),
    ("fifo-in-folder", _fifo_in_folder, EXIT_PARTIAL, ["pipe.xlsx", "named pipe (FIFO)", "not regenerated"], True),
    ("device-in-folder", _device_in_folder, EXIT_PARTIAL, ["zero.xlsx", "a device", "not regenerated"], True),
    ("dangling-link-in-folder", _dangling_in_folder, EXIT_PARTIAL, ["moved.xlsx", "symbolic link to", "does not exist"], True),
    ("dangling-link-named", _dangling_named, EXIT_FAILED, ["moved.xlsx", "does not exist"], False),
    ("rates-file-fifo", _rates_fifo, EXIT_USAGE, ["--rates-file", "named pipe (FIFO)", "nothing was regenerated"], False),
    ("rates-env-fifo", _rates_env_fifo, EXIT_USAGE, ["SSCR_RATES_FILE", "named pipe (FIFO)"], False),
    ("rates-file-device", _rates_device, EXIT_USAGE, ["--rates-file", "/dev/zero", "a device"], False),
    ("portfolio-fifo-csv", lambda t: _portfolio(t, ".csv"), EXIT_USAGE, ["p.csv", "named pipe (FIFO)"], False),
    ("portfolio-fifo-xlsx", lambda t: _portfolio(t, ".xlsx"), EXIT_USAGE, ["p.xlsx", "named pipe (FIFO)"], False),
    ("portfolio-fifo-parquet", lambda t: _portfolio(t, ".parquet"), EXIT_USAGE, ["p.parquet", "named pipe (FIFO)"], False),
    ("price-rates-file-fifo", _price_rates_fifo, EXIT_USAGE, ["--rates-file", "named pipe (FIFO)", "nothing was priced"], False),
]


@pytest.mark.reliability("non-regular files and links")
@pytest.mark.parametrize("ident, argv, status, words, beside", NON_REGULAR, ids=[c[0] for c in NON_REGULAR])
def test_only_regular_files_are_read(tmp_path, monkeypatch, ident, argv, status, words, beside):
    monkeypatch.delenv("SSCR_RATES_FILE", raising=False)
    args = argv(tmp_path)
    env = dict(os.environ)
    os.environ.pop("SSCR_RATES_FILE", None)
    start = time.monotonic()
    done = run(args, env=env)
    assert time.monotonic() - start < 60
    assert done.returncode == status, done.stderr
    for word in words:
        assert word in done.stderr, f"{word!r} not in {done.stderr!r}"
    no_traceback(done.stdout + done.stderr)
    out = tmp_path / "o"
    assert (out / "profit-rate.xlsx").exists() == beside


@pytest.mark.reliability("non-regular files and links")
@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_worksheet_cell_never_waits_on_a_rates_file_that_is_not_a_file(tmp_path, kind):
    """Excel would freeze while a cell's function blocked on a FIFO: the cell gets a message."""
    target = {"fifo": lambda: str(_fifo(tmp_path / "r.csv")), "device": lambda: "/dev/zero",
              "folder": lambda: str(tmp_path)}[kind]()
    done = run([sys.executable, "-c", "import udfs; print(udfs.BPR('2024/25')); print(udfs.CSA_RATES(2024))"],
               env={**os.environ, "SSCR_RATES_FILE": target})
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 2, done.stderr
    words = {"fifo": "named pipe (FIFO)", "device": "a device", "folder": "is a folder"}[kind]
    for line in lines:
        assert "Error: rates file" in line and words in line, line
    no_traceback(done.stdout + done.stderr)


@pytest.mark.reliability("non-regular files and links")
def test_regenerate_one_refuses_a_fifo_without_opening_it_for_reading(tmp_path):
    fifo = _fifo(tmp_path / "pipe.xlsx")
    done = run([sys.executable, "-c", "import sys; from sscr.workbooks.regenerate import regenerate_one; "
                f"r = regenerate_one({str(fifo)!r}, {str(tmp_path / 'o')!r}); print(r.status); print(r.message)"])
    assert done.stdout.splitlines()[0] == FAILED, done.stdout + done.stderr
    assert "named pipe (FIFO)" in done.stdout


# --- --in-place: links and open workbooks -------------------------------------------------------------

@pytest.mark.reliability("data loss: in-place, links and open workbooks")
def test_in_place_on_a_link_regenerates_the_workbook_and_keeps_the_link(tmp_path):
    made = make_folder(tmp_path / "real", 1, damaged_share=0.0, seed=7)
    real = next(iter(made.folder.glob("*.xlsx")))
    link = tmp_path / "links" / "mine.xlsx"
    link.parent.mkdir()
    os.symlink(real, link)
    before = real.read_bytes()
    code = main(["regenerate", str(link), "--in-place", "--workers", "1", "--quiet"])
    assert code == EXIT_OK
    assert link.is_symlink() and os.readlink(link) == str(real), "the link was replaced"
    assert real.read_bytes() != before, "the workbook the link points to was not regenerated"
    assert figures_match(output_figures(real), made.good[real.name])
    assert [p.name for p in link.parent.iterdir()] == ["mine.xlsx"]


LOCKS = [("excel", "~$profit-rate.xlsx"), ("libreoffice", ".~lock.profit-rate.xlsx#")]


@pytest.mark.reliability("data loss: in-place, links and open workbooks")
@pytest.mark.parametrize("app, lock", LOCKS, ids=[a for a, _ in LOCKS])
@pytest.mark.parametrize("via_link", [False, True], ids=["file", "link"])
def test_in_place_leaves_a_workbook_open_in_a_spreadsheet_application(tmp_path, capsys, app, lock, via_link):
    source = _workbook(tmp_path / "in")
    (source.parent / lock).write_text("someone,host,2026-12-01\n")
    target = source
    if via_link:
        target = tmp_path / "link.xlsx"
        os.symlink(source, target)
    before = _sha(source)
    code = main(["regenerate", str(target), "--in-place", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert "open in a spreadsheet application" in err and lock in err, err
    assert _sha(source) == before
    assert not via_link or target.is_symlink()
    no_traceback(err)


@pytest.mark.reliability("data loss: in-place, links and open workbooks")
def test_in_place_goes_on_once_the_lock_is_gone(tmp_path):
    source = _workbook(tmp_path / "in")
    lock = source.parent / LOCKS[0][1]
    lock.write_text("x")
    assert regenerate_one(source, in_place=True).status == FAILED
    lock.unlink()
    assert regenerate_one(source, in_place=True).status == OK


# --- outputs that would replace inputs -----------------------------------------------------------------

def _summary_is_rates(t):
    _workbook(t / "in")
    rates = _rates(t / "rates.csv")
    return ["regenerate", str(t / "in"), "--out", str(t / "o"), "--rates-file", str(rates), "--summary", str(rates)], rates


def _summary_is_rates_by_link(t):
    _workbook(t / "in")
    rates = _rates(t / "rates.csv")
    os.symlink(rates, t / "summary.csv")
    return ["regenerate", str(t / "in"), "--out", str(t / "o"), "--rates-file", str(rates), "--summary",
            str(t / "summary.csv")], rates


def _summary_is_env_rates(t):
    _workbook(t / "in")
    rates = _rates(t / "rates.csv")
    os.environ["SSCR_RATES_FILE"] = str(rates)
    return ["regenerate", str(t / "in"), "--out", str(t / "o"), "--summary", str(rates)], rates


def _summary_is_manifest(t):
    _workbook(t / "in")
    (t / "o").mkdir()
    manifest = t / "o" / MANIFEST_NAME
    manifest.write_text("{}")
    return ["regenerate", str(t / "in"), "--out", str(t / "o"), "--summary", str(manifest)], manifest


def _out_is_source_folder(t):
    source = _workbook(t / "in")
    return ["regenerate", str(t / "in"), "--out", str(t / "in")], source


def _out_is_source_folder_by_link(t):
    source = _workbook(t / "in")
    os.symlink(t / "in", t / "alias")
    return ["regenerate", str(source), "--out", str(t / "alias")], source


def _price_out_is_rates(t):
    source = t / "p.csv"
    source.write_text(",".join(COLUMNS) + "\n" + ",".join(str(GOOD[c]) for c in COLUMNS) + "\n")
    rates = _rates(t / "rates.csv")
    return ["price", str(source), "--out", str(rates), "--rates-file", str(rates), "--overwrite"], rates


def _price_out_is_portfolio_by_link(t):
    source = t / "p.csv"
    source.write_text(",".join(COLUMNS) + "\n" + ",".join(str(GOOD[c]) for c in COLUMNS) + "\n")
    os.symlink(source, t / "o.csv")
    return ["price", str(source), "--out", str(t / "o.csv"), "--overwrite"], source


REPLACING = [
    ("summary-is-the-rates-file", _summary_is_rates, ["--summary", "is the rates file"]),
    ("summary-links-to-the-rates-file", _summary_is_rates_by_link, ["--summary", "is the rates file"]),
    ("summary-is-SSCR_RATES_FILE", _summary_is_env_rates, ["--summary", "is the rates file"]),
    ("summary-is-the-manifest", _summary_is_manifest, ["--summary", MANIFEST_NAME]),
    ("out-is-the-source-folder", _out_is_source_folder, ["--out", "is the folder of the workbook", "would replace"]),
    ("out-links-to-the-source-folder", _out_is_source_folder_by_link, ["--out", "is the folder of the workbook"]),
    ("price-out-is-the-rates-file", _price_out_is_rates, ["--out", "is the rates file"]),
    ("price-out-links-to-the-portfolio", _price_out_is_portfolio_by_link, ["--out", "is the portfolio itself"]),
]


@pytest.mark.reliability("data loss: outputs replacing inputs")
@pytest.mark.parametrize("ident, make, words", REPLACING, ids=[c[0] for c in REPLACING])
def test_an_output_that_would_replace_an_input_is_refused(tmp_path, capsys, monkeypatch, ident, make, words):
    monkeypatch.delenv("SSCR_RATES_FILE", raising=False)
    argv, protected = make(tmp_path)
    listing = {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    try:
        code = main(argv)
    finally:
        os.environ.pop("SSCR_RATES_FILE", None)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    no_traceback(err)
    now = {p: _sha(p) for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    assert now == listing, "a file was written or changed"
    assert protected.exists()


# --- the rates file is read by its content -------------------------------------------------------------

@pytest.mark.reliability("bad input: rates files")
@pytest.mark.parametrize("how", ["same-mtime", "same-size-and-mtime", "replaced-by-rename"])
def test_a_rates_file_rewritten_with_its_time_kept_is_read_again(tmp_path, monkeypatch, how):
    rates = _rates(tmp_path / "rates.csv", "8.6")
    monkeypatch.setenv("SSCR_RATES_FILE", str(rates))
    assert udfs.BPR("2026/27") == pytest.approx(0.086, abs=1e-15)
    stamp = os.stat(rates)
    if how == "replaced-by-rename":
        _rates(tmp_path / "new.csv", "9.1")
        os.replace(tmp_path / "new.csv", rates)
    else:
        _rates(rates, "9.1" if how == "same-size-and-mtime" else "9.15")
    os.utime(rates, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # as cp -p or rsync -t leave it
    want = {"same-mtime": 0.0915, "same-size-and-mtime": 0.091, "replaced-by-rename": 0.091}[how]
    assert udfs.BPR("2026/27") == pytest.approx(want, abs=1e-15)


# --- disk failures ---------------------------------------------------------------------------------------

def _limited(limit: int):
    """A child whose files may not grow past ``limit`` bytes: a write past it fails with EFBIG, as
    a write to a full disk fails with ENOSPC (Python ignores SIGXFSZ, so the write reports it)."""
    def setup():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return setup


def _big_portfolio(path: Path, rows: int = 3000) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(rows):
            w.writerow([f"C{i}" if c == "name" else GOOD[c] for c in COLUMNS])
    return path


@pytest.mark.reliability("disk and permission failures")
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
def test_sscr_price_to_a_full_disk_says_so_and_leaves_nothing(tmp_path, suffix):
    source = _big_portfolio(tmp_path / "p.csv")
    out = tmp_path / f"priced{suffix}"
    done = run([*CLI, "price", str(source), "--out", str(out)], timeout=120, preexec_fn=_limited(20_000))
    assert done.returncode == EXIT_FAILED, done.stderr
    assert "could not be written" in done.stderr and "File too large" in done.stderr and out.name in done.stderr
    no_traceback(done.stdout + done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"], "a half-written or temporary file was left"


@pytest.mark.reliability("disk and permission failures")
def test_regenerate_to_a_full_disk_fails_each_workbook_by_name(tmp_path):
    made = make_folder(tmp_path / "in", 3, damaged_share=0.0, seed=3)
    done = run([*CLI, "regenerate", str(made.folder), "--out", str(tmp_path / "o"), "--workers", "2"], timeout=120,
               preexec_fn=_limited(4_000))
    assert done.returncode == EXIT_FAILED, done.stderr
    for name in made.good:
        assert f"FAILED   {name}: cannot write" in done.stderr and "File too large" in done.stderr, done.stderr
    no_traceback(done.stdout + done.stderr)
    assert not (tmp_path / "o").exists() or list((tmp_path / "o").iterdir()) == []


@pytest.mark.reliability("disk and permission failures")
def test_a_summary_that_cannot_be_written_after_the_work_is_named(tmp_path):
    """Every workbook fails (so nothing but the summary is written), and the summary of 200 failures
    is larger than the disk allows."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(200):
        (folder / f"broken-{i:03d}.xlsx").write_bytes(b"not a workbook at all")
    summary = tmp_path / "s.json"
    done = run([*CLI, "regenerate", str(folder), "--out", str(tmp_path / "o"), "--workers", "1", "--summary",
                str(summary)], timeout=120, preexec_fn=_limited(8_000))
    assert done.returncode == EXIT_FAILED
    assert f"the summary {summary} could not be written: File too large" in done.stderr, done.stderr
    no_traceback(done.stdout + done.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def _summary_under_a_file(t):
    (t / "file.txt").write_text("x")
    return t / "file.txt" / "s.csv"


def _summary_is_a_folder(t):
    (t / "s.csv").mkdir()
    return t / "s.csv"


@pytest.mark.reliability("disk and permission failures")
@pytest.mark.parametrize("make, words", [
    (_summary_under_a_file, ["--summary", "cannot be written", "is not a folder"]),
    (_summary_is_a_folder, ["--summary", "is a folder"]),
], ids=["parent-is-a-file", "summary-is-a-folder"])
def test_a_summary_that_cannot_be_written_is_said_before_the_work(tmp_path, capsys, make, words):
    _workbook(tmp_path / "in")
    code = main(["regenerate", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--summary", str(make(tmp_path))])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    for word in words:
        assert word in err, err
    no_traceback(err)
    assert not (tmp_path / "o").exists()


# --- CSV injection -----------------------------------------------------------------------------------------

FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://example.invalid","x")', "+44 20 7946 0000", "-2+3", "@SUM(A1)",
                "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "-", "+", "@", "= 1"]
PLAIN = ["-500", "+3", "-1.5e3", "-8.24%", "0", "text", ""]


def _evaluated(cell: str) -> bool:
    """Would a spreadsheet opening the CSV take this cell for a formula?"""
    import re
    return cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not re.fullmatch(
        r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?", cell)


@pytest.mark.reliability("injection into CSV")
@pytest.mark.parametrize("source_kind", ["csv", "xlsx", "parquet"])
def test_no_csv_cell_sscr_price_writes_is_a_formula(tmp_path, capsys, source_kind):
    import pandas as pd
    columns = COLUMNS + ["note_" + str(i) for i in range(len(FORMULA_LIKE + PLAIN))] + ["=header"]
    rows = []
    for k, text in enumerate(FORMULA_LIKE + PLAIN):
        row = {c: GOOD[c] for c in COLUMNS}
        row["name"] = text
        for i, other in enumerate(FORMULA_LIKE + PLAIN):
            row["note_" + str(i)] = other
        row["=header"] = text
        rows.append(row)
    rows.append({**{c: GOOD[c] for c in COLUMNS}, "name": "bad-cra", "cra": "=1+1",
                 **{"note_" + str(i): "" for i in range(len(FORMULA_LIKE + PLAIN))}, "=header": ""})
    frame = pd.DataFrame(rows, columns=columns).astype(str)
    source = tmp_path / f"p.{source_kind}"
    if source_kind == "csv":
        frame.to_csv(source, index=False, quoting=csv.QUOTE_ALL)
    elif source_kind == "xlsx":
        import openpyxl
        book = openpyxl.Workbook()
        ws = book.active
        ws.append(columns)
        for r in frame.itertuples(index=False):
            ws.append(list(r))
        for row in ws.iter_rows():
            for c in row:
                c.data_type = "s"  # text as text, never a formula in the source
        book.save(source)
    else:
        frame.to_parquet(source, index=False)
    out = tmp_path / "priced.csv"
    code = main(["price", str(source), "--out", str(out)])
    capsys.readouterr()
    assert code in (EXIT_OK, EXIT_PARTIAL)
    with out.open(newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    evaluated = [c for c in cells if _evaluated(c)]
    assert evaluated == [], evaluated
    for text in FORMULA_LIKE:
        if source_kind == "xlsx" and text.startswith("\r"):
            continue  # XML reads a carriage return as a line feed: the cell holds "\n=1+1", not a formula
        assert "'" + text in cells, f"{text!r} is not in the CSV as inert text"
    for text in PLAIN:
        assert text in cells, f"{text!r} was changed"
    assert "'=header" in cells


@pytest.mark.reliability("injection into CSV")
def test_no_cell_of_the_summary_csv_is_a_formula(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ["=1+1.xlsx", "+x.xlsx", "-y.xlsx", "@z.xlsx"]:
        (folder / name).write_bytes(template_path("profit_rate").read_bytes())
    (folder / "=broken.xlsx").write_bytes(b"no")
    summary = tmp_path / "s.csv"
    main(["regenerate", str(folder), "--out", str(tmp_path / "o"), "--workers", "1", "--quiet", "--summary",
          str(summary)])
    with summary.open(newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert [c for c in cells if _evaluated(c)] == []
    assert any(c.startswith("'=1+1.xlsx") or "=1+1.xlsx" in c for c in cells)


# --- portfolio encodings, control characters, line endings -------------------------------------------------

def _text(columns_row, good_row):
    return ",".join(columns_row) + "\n" + ",".join(good_row) + "\n"


HEADER = list(COLUMNS)
ROW = [str(GOOD[c]) for c in COLUMNS]
BASE = _text(HEADER, ROW)

ENCODINGS = [
    ("utf-16-le", ("\ufeff" + BASE).encode("utf-16-le"), EXIT_FAILED, ["UTF-16", "CSV UTF-8"]),
    ("utf-16-be", ("\ufeff" + BASE).encode("utf-16-be"), EXIT_FAILED, ["UTF-16", "CSV UTF-8"]),
    ("nul-bytes", BASE.encode() + b"\x00\x00\x00", EXIT_FAILED, ["NUL bytes", "not a CSV text file"]),
    ("xlsx-renamed-csv", template_path("profit_rate").read_bytes(), EXIT_FAILED, ["NUL bytes"]),
    ("utf-8-bom", b"\xef\xbb\xbf" + BASE.encode(), EXIT_OK, []),
    ("cp1252", _text(HEADER, ROW).replace(ROW[0], "Caf\xe9 \xa3").encode("cp1252"), EXIT_OK, []),
    ("crlf", BASE.replace("\n", "\r\n").encode(), EXIT_OK, []),
    ("cr-only", BASE.replace("\n", "\r").encode(), EXIT_OK, []),
    ("no-final-newline", BASE.rstrip("\n").encode(), EXIT_OK, []),
    ("control-characters", _text(HEADER, ROW).replace(ROW[0], "a\x08b\x1fc").encode(), EXIT_OK, []),
]


@pytest.mark.reliability("bad input: portfolio files")
@pytest.mark.parametrize("ident, data, status, words", ENCODINGS, ids=[c[0] for c in ENCODINGS])
def test_portfolio_encodings_and_line_endings(tmp_path, capsys, ident, data, status, words):
    source = tmp_path / "p.csv"
    source.write_bytes(data)
    out = tmp_path / "priced.csv"
    code = main(["price", str(source), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == status, err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    no_traceback(err)
    if status == EXIT_OK:
        with out.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 1 and rows[0]["price"] and not rows[0]["error"], rows
    else:
        assert not out.exists()


# --- row bounds ------------------------------------------------------------------------------------------

@pytest.mark.reliability("memory and row bounds")
def test_a_parquet_file_of_too_many_rows_is_refused_before_they_are_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    n = MAX_ROWS + 1
    table = pa.table({c: pa.array([1] * 1, pa.int8()) for c in ("allowable_costs", "cra", "ia", "bpr", "csa")})
    table = pa.concat_tables([table] * 1).take(pa.array([0] * n, pa.int32()))
    source = tmp_path / "big.parquet"
    pq.write_table(table, source, compression="zstd")
    del table
    assert source.stat().st_size < 2_000_000  # a small file of many rows
    done = run([sys.executable, "-c", "import resource, sys; from sscr.cli import main; code = main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)",
                "price", str(source), "--out", str(tmp_path / "o.csv")], timeout=120)
    assert done.returncode == EXIT_FAILED, done.stderr
    assert f"{n:,} rows, more than the {MAX_ROWS:,} one run prices" in done.stderr
    no_traceback(done.stderr)
    assert int(done.stdout.split()[-1]) < 600_000, "more than 600 MB to refuse it"  # ru_maxrss is in kB
    assert not (tmp_path / "o.csv").exists()
