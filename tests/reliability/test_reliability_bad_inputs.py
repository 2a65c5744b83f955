"""The corpus of bad inputs, through every entry point: worksheet functions, workbook input cells
(regenerated one by one), rates files (through ``sscr regenerate --rates-file``, the rates file
reader and the worksheet functions) and the ``sscr regenerate`` command line.

Every case must give a message with the words its table names (the input, the value, the rule),
never a traceback, and never a number: a worksheet function returns text, a workbook fails with no
output file, a command exits non-zero.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import udfs
from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from sscr.errors import RatesFileError
from sscr.rates import read_rates_file
from sscr.workbooks.regenerate import FAILED, regenerate_one

from cells import template_path, workbook_with
from corpus_cells import CELL_CASES
from corpus_rates import RATES_CASES
from corpus_udfs import CASES as UDF_CASES

TRACEBACK_MARKS = ("Traceback", 'File "')


def no_traceback(text: str) -> None:
    for mark in TRACEBACK_MARKS:
        assert mark not in text, text


def test_the_corpus_is_large():
    assert len(UDF_CASES) + len(CELL_CASES) + len(RATES_CASES) + len(CLI_CASES) >= 200


# --- worksheet functions ----------------------------------------------------------------------

@pytest.mark.reliability("bad input: worksheet functions")
@pytest.mark.parametrize("name, args, words", UDF_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(UDF_CASES)])
def test_worksheet_function_refuses(name, args, words):
    result = getattr(udfs, name)(*args)
    cell = result[0][0] if isinstance(result, list) else result
    assert isinstance(cell, str) and cell.startswith("Error: "), f"{name}{args!r} gave {result!r}, not a message"
    if isinstance(result, list):  # a spilled message is a 1x1 array: no figures beside it
        assert result == [[cell]]
    for word in words:
        assert word in cell, f"{word!r} not in {cell!r}"
    no_traceback(cell)


# --- workbook input cells -------------------------------------------------------------------------

@pytest.mark.reliability("bad input: workbook input cells")
@pytest.mark.parametrize("key, values, words", CELL_CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1])}-{i}" for i, c in enumerate(CELL_CASES)])
def test_workbook_input_cell_is_refused(tmp_path, key, values, words):
    source = workbook_with(key, values, tmp_path / "in" / "case.xlsx") if (tmp_path / "in").mkdir() is None else None
    before = source.read_bytes()
    out = tmp_path / "out"
    result = regenerate_one(source, out)
    assert result.status == FAILED, f"{values} was accepted: {result.headline_text}"
    assert result.output is None and result.headline == {}
    assert not out.exists() or not any(out.iterdir()), "a failed workbook left a file"
    for word in words:
        assert word in result.message, f"{word!r} not in {result.message!r}"
    assert result.message.startswith("case.xlsx: ")
    no_traceback(result.message)
    assert source.read_bytes() == before


# --- rates files ---------------------------------------------------------------------------------

def _rates_file(tmp_path, ident, text):
    path = tmp_path / f"{ident}.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.reliability("bad input: rates files")
@pytest.mark.parametrize("ident, text, words", RATES_CASES, ids=[c[0] for c in RATES_CASES])
def test_rates_file_is_refused_by_the_reader(tmp_path, ident, text, words):
    path = _rates_file(tmp_path, ident, text)
    with pytest.raises(RatesFileError) as caught:
        read_rates_file(path)
    message = str(caught.value)
    assert "rates file" in message and path.name in message or "rates file" in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.mark.reliability("bad input: rates files")
@pytest.mark.parametrize("ident, text, words", RATES_CASES[::3], ids=[c[0] for c in RATES_CASES[::3]])
def test_rates_file_is_refused_by_regenerate(tmp_path, capsys, ident, text, words):
    rates = _rates_file(tmp_path, ident, text)
    source = tmp_path / "in"
    source.mkdir()
    (source / "profit-rate.xlsx").write_bytes(template_path("profit_rate").read_bytes())
    (source / "poco.xlsx").write_bytes(template_path("poco").read_bytes())
    code = main(["regenerate", str(source), "--out", str(tmp_path / "out"), "--rates-file", str(rates), "--workers", "1"])
    captured = capsys.readouterr()
    # a usage error, said once (not once per workbook), before anything is read or written
    assert code == EXIT_USAGE
    assert not (tmp_path / "out").exists()
    for word in words:
        assert word in captured.err, f"{word!r} not in {captured.err!r}"
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith("sscr regenerate: --rates-file: ")
    assert "FAILED" not in captured.err and "nothing was regenerated" in captured.err
    no_traceback(captured.out + captured.err)


@pytest.mark.reliability("bad input: rates files")
@pytest.mark.parametrize("ident, text, words", RATES_CASES[1::4], ids=[c[0] for c in RATES_CASES[1::4]])
def test_rates_file_is_refused_in_a_cell(tmp_path, monkeypatch, ident, text, words):
    monkeypatch.setenv("SSCR_RATES_FILE", str(_rates_file(tmp_path, ident, text)))
    cell = udfs.BPR("2024/25")
    assert isinstance(cell, str) and cell.startswith("Error: rates file"), cell
    for word in words:
        assert word in cell
    no_traceback(cell)


# --- the command line ---------------------------------------------------------------------------

def _folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "poco.xlsx").write_bytes(template_path("poco").read_bytes())
    return folder


def _dir_xlsx(tmp_path):
    d = tmp_path / "folder.xlsx"
    d.mkdir()
    return d


def _xls(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return p


def _empty_folder(tmp_path):
    d = tmp_path / "nothing"
    d.mkdir()
    return d


def _file_as_out(tmp_path):
    p = tmp_path / "out-file"
    p.write_text("x")
    return p


# (id, argv builder from tmp_path, expected exit status, words in stderr)
CLI_CASES = [
    ("missing-path", lambda t: ["regenerate", str(t / "nope.xlsx"), "--out", str(t / "o")], EXIT_FAILED, ["nope.xlsx does not exist"]),
    ("missing-folder", lambda t: ["regenerate", str(t / "nope"), "--out", str(t / "o")], EXIT_FAILED, ["does not exist"]),
    ("empty-folder", lambda t: ["regenerate", str(_empty_folder(t)), "--out", str(t / "o")], EXIT_FAILED, ["holds no .xlsx files"]),
    ("xls-file", lambda t: ["regenerate", str(_xls(t)), "--out", str(t / "o")], EXIT_FAILED, ["old.xls is not an .xlsx workbook"]),
    ("folder-named-xlsx", lambda t: ["regenerate", str(_dir_xlsx(t)), "--out", str(t / "o")], EXIT_FAILED, ["folder.xlsx", "holds no .xlsx files"]),
    ("workers-zero", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--workers", "0"], EXIT_USAGE, ["--workers 0 must be 1 or more"]),
    ("workers-negative", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--workers", "-3"], EXIT_USAGE, ["--workers -3 must be 1 or more"]),
    ("workers-text", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--workers", "two"], EXIT_USAGE, ["--workers", "invalid int value: 'two'"]),
    ("summary-txt", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--summary", str(t / "s.txt")], EXIT_USAGE, ["--summary", "must end in .csv or .json"]),
    ("out-is-a-file", lambda t: ["regenerate", str(_folder(t)), "--out", str(_file_as_out(t))], EXIT_USAGE, ["is a file, not a folder"]),
    ("rates-file-missing", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--rates-file", str(t / "r.csv")], EXIT_USAGE, ["--rates-file", "does not exist"]),
    ("rates-file-folder", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--rates-file", str(t)], EXIT_USAGE, ["--rates-file"]),
    ("out-and-in-place", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--in-place"], EXIT_USAGE, ["not allowed with argument"]),
    ("neither-out-nor-in-place", lambda t: ["regenerate", str(_folder(t))], EXIT_USAGE, ["one of the arguments --out --in-place is required"]),
    ("no-paths", lambda t: ["regenerate", "--out", str(t / "o")], EXIT_USAGE, ["the following arguments are required: PATH"]),
    ("unknown-option", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "o"), "--fast"], EXIT_USAGE, ["unrecognized arguments: --fast"]),
    ("unknown-command", lambda t: ["regenerat"], EXIT_USAGE, ["invalid choice: 'regenerat'"]),
    ("out-is-the-source-folder", lambda t: ["regenerate", str(_folder(t)), "--out", str(t / "in")], EXIT_USAGE, ["--out", "is the folder of the workbook poco.xlsx", "would replace the sources"]),
]


@pytest.mark.reliability("bad input: command line")
@pytest.mark.parametrize("ident, argv, status, words", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_command_line_refuses(tmp_path, capsys, ident, argv, status, words):
    try:
        code = main(argv(tmp_path))
    except SystemExit as exc:  # argparse refuses before the command runs
        code = exc.code
    captured = capsys.readouterr()
    assert code == status, captured.err
    for word in words:
        assert word in captured.err, f"{word!r} not in {captured.err!r}"
    no_traceback(captured.out + captured.err)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").glob("*.xlsx"))


@pytest.mark.reliability("bad input: command line")
@pytest.mark.parametrize("ident, argv, status, words", CLI_CASES[::4], ids=[c[0] for c in CLI_CASES[::4]])
def test_installed_command_refuses(tmp_path, ident, argv, status, words):
    """The same, as a user runs it: a real process, its real stderr."""
    done = subprocess.run([sys.executable, "-m", "sscr.cli", *argv(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == status, done.stderr
    for word in words:
        assert word in done.stderr
    no_traceback(done.stdout + done.stderr)
