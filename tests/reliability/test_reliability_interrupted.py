"""Interrupted and concurrent runs.

- ``sscr regenerate`` killed with SIGKILL (its whole process group, workers too) at 50 seeded random
  moments: every output is then complete and right or absent, no temporary file passes for a
  workbook (and the next run removes them), every source is byte-identical, and a re-run completes.
- ``--in-place`` killed at random moments: each source is its old bytes or the whole new workbook.
- Two writers racing on the same output, many times over, while a reader watches: every read is a
  complete workbook holding one writer's figures, never a mix or a torn file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sscr.cli import EXIT_OK, EXIT_PARTIAL, main
from sscr.workbooks.package import TEMP_SUFFIX

from batchkit import figures_match, make_folder, output_figures

KILLS = 50
SEED = 1105


def _start(args, cwd=None):
    return subprocess.Popen([sys.executable, "-m", "sscr.cli", "regenerate", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, cwd=cwd)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    proc.stderr.close()
    # the group's workers die with it; give the kernel a moment to reap them before we look
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def _timed_run(args):
    t = time.perf_counter()
    proc = _start(args)
    proc.wait(timeout=300)
    proc.stderr.close()
    return time.perf_counter() - t


def _check_outputs(made, out):
    """Outputs complete and right, or absent; temporary files hidden and not .xlsx. Returns the
    number of workbooks that were complete."""
    complete = 0
    for p in out.iterdir() if out.exists() else []:
        if p.name.endswith(TEMP_SUFFIX):
            assert p.name.startswith("."), f"a temporary file {p.name} could pass for an output"
            continue
        if p.suffix != ".xlsx":
            continue  # the batch's manifest
        want = made.good.get(p.name)
        assert want is not None, f"{p.name} is an output of a workbook that should fail"
        assert figures_match(output_figures(p), want), f"{p.name}: wrong figures"
        complete += 1
    return complete


@pytest.mark.slow
@pytest.mark.reliability("SIGKILL during regeneration")
def test_killed_at_random_moments_nothing_is_half_written(tmp_path, tally):
    made = make_folder(tmp_path / "in", 24, 0.1, seed=SEED)
    before = made.checksums()
    probe = tmp_path / "probe"
    duration = _timed_run([str(made.folder), "--out", str(probe), "--workers", "2", "--quiet"])
    rng = random.Random(SEED)
    partial = leftovers = 0
    for round_ in range(KILLS):
        out = tmp_path / f"out{round_}"
        proc = _start([str(made.folder), "--out", str(out), "--workers", "2", "--quiet"])
        time.sleep(rng.uniform(0.1, duration * 1.05))
        _kill_group(proc)
        complete = _check_outputs(made, out)
        partial += 0 < complete < len(made.good)
        leftovers += bool(out.exists() and any(p.name.endswith(TEMP_SUFFIX) for p in out.iterdir()))
        assert made.checksums() == before, "a source changed"
        if round_ % 5 == 4 or leftovers:  # the next run completes the batch and clears what the killed one left
            code = main(["regenerate", str(made.folder), "--out", str(out), "--workers", "1", "--quiet"])
            assert code == EXIT_PARTIAL
            assert _check_outputs(made, out) == len(made.good)
            assert not [p.name for p in out.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    print(f"{KILLS} kills: {partial} left a part of the batch written, {leftovers} left temporary files")
    tally(cases=KILLS)
    assert partial > 0, "no kill landed while outputs were being written: the timing is off"


@pytest.mark.slow
@pytest.mark.reliability("SIGKILL during --in-place")
def test_in_place_killed_at_random_moments_each_source_is_old_or_new(tmp_path, tally):
    made = make_folder(tmp_path / "seed", 12, 0.0, seed=SEED + 1)
    originals = {name: (made.folder / name).read_bytes() for name in made.good}
    folder = tmp_path / "in"
    folder.mkdir()

    def reset():
        for name, data in originals.items():
            (folder / name).write_bytes(data)
        for p in folder.iterdir():
            if p.name.endswith(TEMP_SUFFIX):
                p.unlink()

    reset()
    duration = _timed_run([str(folder), "--in-place", "--workers", "2", "--quiet"])
    rng = random.Random(SEED + 1)
    lost = 0
    replaced = 0
    for round_ in range(KILLS):
        reset()
        proc = _start([str(folder), "--in-place", "--workers", "2", "--quiet"])
        time.sleep(rng.uniform(0.1, duration * 1.05))
        _kill_group(proc)
        for name, old in originals.items():
            data = (folder / name).read_bytes()
            if data == old:
                continue
            replaced += 1
            if not figures_match(output_figures(folder / name), made.good[name]):
                lost += 1
        leftovers = [p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]
        assert all(n.startswith(".") for n in leftovers)
        if leftovers:  # the next run removes the killed run's temporary files
            assert main(["regenerate", str(folder), "--in-place", "--workers", "1", "--quiet"]) == EXIT_OK
            assert not [p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]
            for name in originals:
                assert figures_match(output_figures(folder / name), made.good[name])
    tally(cases=KILLS, lost=lost)
    assert lost == 0
    assert replaced > 0, "no kill landed after a workbook was replaced: the timing is off"


RACE_SCRIPT = """
import sys
from sscr.workbooks.regenerate import regenerate_one
source, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(n):
    r = regenerate_one(source, out, output_name="shared.xlsx")
    assert r.status == "ok", r.message
"""


@pytest.mark.reliability("racing writers")
def test_two_writers_racing_on_one_output_never_tear_it(tmp_path, tally):
    made = make_folder(tmp_path / "in", 2, 0.0, seed=SEED + 2)
    (a, want_a), (b, want_b) = sorted(made.good.items())
    assert want_a != want_b
    out = tmp_path / "out"
    out.mkdir()
    rounds = 150
    writers = [subprocess.Popen([sys.executable, "-c", RACE_SCRIPT, str(made.folder / src), str(out), str(rounds)],
                                stderr=subprocess.PIPE, text=True) for src in (a, b)]
    reads = {"a": 0, "b": 0}
    torn = 0
    target = out / "shared.xlsx"
    while any(w.poll() is None for w in writers):
        if not target.exists():
            continue
        try:
            got = output_figures(target)
        except FileNotFoundError:
            continue
        except Exception:
            torn += 1
            continue
        if figures_match(got, want_a):
            reads["a"] += 1
        elif figures_match(got, want_b):
            reads["b"] += 1
        else:
            torn += 1
    for w in writers:
        assert w.wait() == 0, w.stderr.read()
        w.stderr.close()
    final = output_figures(target)
    assert figures_match(final, want_a) or figures_match(final, want_b)
    assert not [p.name for p in out.iterdir() if p.name.endswith(TEMP_SUFFIX)], "a writer left a temporary file"
    tally(cases=2 * rounds, lost=torn)
    assert torn == 0
    assert reads["a"] + reads["b"] > 50


def test_in_place_leaves_a_read_only_workbook_as_it_is(tmp_path):
    from sscr.workbooks.regenerate import FAILED, regenerate_one
    made = make_folder(tmp_path / "in", 1, 0.0, seed=SEED + 3)
    source = next(made.folder.iterdir())
    before = source.read_bytes()
    source.chmod(0o444)
    try:
        result = regenerate_one(source, in_place=True)
        assert result.status == FAILED and "read-only" in result.message
        assert source.read_bytes() == before
    finally:
        source.chmod(0o644)
