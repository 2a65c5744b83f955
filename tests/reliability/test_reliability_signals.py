"""Signals sent to the parent process alone (as a service manager, ``kill PID`` or a CI runner
sends them), not to its whole process group as a terminal's Ctrl-C is.

- ``sscr regenerate --workers 2`` sent SIGTERM at seeded moments: it ends as Ctrl-C ends it. No
  worker outlives it (its process group is empty once it has exited, so nothing keeps writing or
  holds the output pipes open), the status line says it was stopped and what is kept, the exit
  status is 143 (128 + SIGTERM), every output is whole with the core's figures or absent, no
  temporary file is left, the manifest records only whole outputs, and the next run completes.
- ``sscr price`` to an .xlsx sent SIGTERM, or SIGINT, while it writes: no temporary file, the output
  whole or absent, a message and no traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from sscr.workbooks.batch import MANIFEST_NAME

from batchkit import figures_match, make_folder, output_figures
from corpus_portfolio import COLUMNS, GOOD

ROUNDS = 8
SEED = 2611
#: Rows of the portfolio priced to .xlsx while a signal arrives (writing them takes a few seconds).
ROWS = 30_000


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text


def _group_gone(pgid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def _wait_for_work(out: Path, proc: subprocess.Popen, within: float = 60.0) -> None:
    """Until the first file appears in ``out`` (a workbook or a temporary file being written)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and any(out.iterdir()):
            return
        time.sleep(0.01)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


@pytest.mark.slow
@pytest.mark.reliability("signals to the parent alone")
def test_sigterm_to_the_parent_of_a_batch_stops_it_like_ctrl_c(tmp_path, tally):
    made = make_folder(tmp_path / "in", 24, damaged_share=0.0, seed=SEED)
    before = made.checksums()
    rng = random.Random(SEED)
    # how long a whole run takes here, so the signals land across it
    out = tmp_path / "timing"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sscr.cli", "regenerate", str(made.folder), "--out", str(out),
                    "--workers", "2", "--quiet"], capture_output=True, timeout=300, check=True)
    length = time.perf_counter() - start
    lost = 0
    partial = 0
    for round_ in range(ROUNDS):
        out = tmp_path / f"out{round_}"
        proc = subprocess.Popen([sys.executable, "-m", "sscr.cli", "regenerate", str(made.folder), "--out", str(out),
                                 "--workers", "2", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        _wait_for_work(out, proc)  # the batch is under way: its workers are writing
        time.sleep(rng.uniform(0.0, 0.6) * length)
        proc.send_signal(signal.SIGTERM)  # the parent alone, not its group
        try:
            stdout, stderr = proc.communicate(timeout=60)  # workers holding the pipes would hang this
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"round {round_}: the batch did not end within 60 s of SIGTERM")
        text = stdout.decode() + stderr.decode()
        ok = proc.returncode in (0, 128 + signal.SIGTERM)  # 0: it had finished before the signal
        written_all = out.exists() and len(list(out.glob("*.xlsx"))) == len(made.good)
        if not written_all:
            ok &= "stopped by SIGTERM" in text and "exit status 143" in text
        ok &= _group_gone(proc.pid)
        if "Traceback" in text:
            ok = False
        written = sorted(p.name for p in out.glob("*.xlsx")) if out.exists() else []
        for name in written:
            ok &= figures_match(output_figures(out / name), made.good[name])
        if out.exists():
            ok &= _leftovers(out) == []
            manifest = out / MANIFEST_NAME
            if written:
                ok &= manifest.exists()
            if manifest.exists():
                entries = json.loads(manifest.read_text())["workbooks"]
                for name, entry in entries.items():
                    ok &= (out / name).exists() and hashlib.sha256((out / name).read_bytes()).hexdigest() == \
                        entry["output_sha256"]
        partial += 0 < len(written) < len(made.good)
        # the next run completes the batch, regenerating only what is missing
        again = subprocess.run([sys.executable, "-m", "sscr.cli", "regenerate", str(made.folder), "--out", str(out),
                                "--workers", "2", "--quiet"], capture_output=True, text=True, timeout=300)
        ok &= again.returncode == 0 and sorted(p.name for p in out.glob("*.xlsx")) == sorted(made.good)
        if written and len(written) < len(made.good):
            ok &= "skipped as up to date" in again.stdout
        lost += not ok
        assert ok, f"round {round_}: exit {proc.returncode}, {len(written)} written\n{text}\n{again.stdout}{again.stderr}"
    assert made.checksums() == before
    print(f"\n{ROUNDS} SIGTERMs; {partial} landed with part of the batch written")
    tally(cases=ROUNDS, lost=lost)


def _portfolio(path: Path, rows: int) -> Path:
    import csv
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(rows):
            w.writerow([f"C{i}" if c == "name" else GOOD[c] for c in COLUMNS])
    return path


@pytest.mark.slow
@pytest.mark.reliability("signals to the parent alone")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_sscr_price_writes_an_xlsx_leaves_no_temporary_file(tmp_path, tally, signum):
    source = _portfolio(tmp_path / "p.csv", ROWS)
    rng = random.Random(int(signum))
    out = tmp_path / "priced.xlsx"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sscr.cli", "price", str(source), "--out", str(out)],
                   capture_output=True, timeout=300, check=True)
    length = time.perf_counter() - start
    out.unlink()
    rounds, lost = 3, 0
    for round_ in range(rounds):
        proc = subprocess.Popen([sys.executable, "-m", "sscr.cli", "price", str(source), "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(rng.uniform(0.5, 0.95) * length)  # while the workbook is being written
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".sscr-")]
        ok = leftovers == [] and "Traceback" not in err and 'File "' not in err
        if proc.returncode == 0:
            ok &= out.exists()
        else:
            ok &= proc.returncode == 128 + signum and not out.exists()
            ok &= ("stopped by SIGTERM" if signum == signal.SIGTERM else "interrupted (Ctrl-C)") in err
        if out.exists():
            ws = openpyxl.load_workbook(out, read_only=True)["priced"]
            ok &= sum(1 for _ in ws.iter_rows(values_only=True)) == ROWS + 1
            out.unlink()
        lost += not ok
        assert ok, f"round {round_}: exit {proc.returncode}, leftovers {leftovers}\n{err}"
    tally(cases=rounds, lost=lost)
