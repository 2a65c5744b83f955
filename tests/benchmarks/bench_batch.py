"""Benchmarks of batch regeneration, each against a baseline measured in the same run:

- one template workbook regenerated, against LibreOffice's headless recalculate-and-save of the same
  workbook (one soffice run per file, as a user converting one file pays it, with a profile already
  made by an earlier run and the files in the page cache: LibreOffice's best case), and the
  ``sscr regenerate`` command on one file against the same soffice run (both start a process);
- a batch of workbooks (1,000 by default) on two worker processes against one;
- the same batch on a Dask LocalCluster (two single-threaded worker processes, started and warmed
  before the clock starts, as an existing cluster is) against the local pool of two;
- a re-run of the batch, every copy up to date, against regenerating it.

Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_batch.py             # about five minutes on 2 cores
    python tests/benchmarks/bench_batch.py --quick     # 200 workbooks, fewer repeats
    python tests/benchmarks/bench_batch.py --profile   # also profile one worker's batch (pyinstrument)

It prints the machine, then a Markdown table: benchmark, measured, baseline, ratio, target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_regenerate import median_seconds  # noqa: E402  (after the path is set)

#: The template workbooks measured (named, so that figures stay comparable when a template is added).
TEMPLATE_FILES = ("aggregation.xlsx", "capital-servicing.xlsx", "contract-model.xlsx", "poco.xlsx", "profit-rate.xlsx")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def row(name: str, measured: str, baseline: str, ratio: float, target: str, met: bool | None) -> None:
    verdict = "" if met is None else (" (met)" if met else " (MISSED)")
    print(f"| {name} | {measured} | {baseline} | {ratio:.3g} | {target}{verdict} |", flush=True)


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (a pool's workers, once joined)."""
    import resource
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def make_batch(folder: Path, count: int) -> list:
    from sscr.workbooks.regenerate import Job
    folder.mkdir(parents=True)
    sources = [ROOT / "workbooks" / name for name in TEMPLATE_FILES]
    jobs = []
    for i in range(count):
        src = sources[i % len(sources)]
        target = folder / f"{i:04d}-{src.name}"
        shutil.copy2(src, target)
        jobs.append(Job(target, Path(target.name)))
    return jobs


def soffice_command(profile: Path, out_dir: Path, path: Path) -> list[str]:
    from sscr.workbooks.libreoffice import XLSX_FILTER, _profile, soffice
    return [soffice(), f"-env:UserInstallation={_profile(profile, True)}", "--headless", "--norestore",
            "--convert-to", XLSX_FILTER, "--outdir", str(out_dir), str(path)]


def bench_single(tmp: Path, repeat: int) -> None:
    from sscr.workbooks.libreoffice import soffice
    from sscr.workbooks.regenerate import regenerate_one
    sources = [ROOT / "workbooks" / name for name in TEMPLATE_FILES]
    if soffice() is None:
        print("| one workbook | soffice not on PATH: not measured | | | |")
        return
    profile = tmp / "lo-profile"
    env = {"HOME": str(tmp), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    subprocess.run(soffice_command(profile, tmp / "lo-warm", sources[0]), check=True, capture_output=True, env=env)
    worst = 0.0
    for path in sources:
        ours = median_seconds(lambda: regenerate_one(path, tmp / "one"), repeat)
        lo = median_seconds(lambda: subprocess.run(soffice_command(profile, tmp / "lo", path), check=True,
                                                   capture_output=True, env=env), max(2, repeat // 5))
        worst = max(worst, ours / lo)
        row(f"regenerate {path.name}", f"{ours * 1000:.1f} ms", f"soffice recalculate+save {lo * 1000:.0f} ms",
            ours / lo, "<= 0.2", ours / lo <= 0.2)
    path = sources[0]
    command = [sys.executable, "-m", "sscr.cli", "regenerate", str(path), "--out", str(tmp / "cli"), "--quiet", "--force"]
    cli = median_seconds(lambda: subprocess.run(command, check=True, capture_output=True), max(2, repeat // 5))
    lo = median_seconds(lambda: subprocess.run(soffice_command(profile, tmp / "lo", path), check=True,
                                               capture_output=True, env=env), max(2, repeat // 5))
    row(f"`sscr regenerate` command, {path.name}", f"{cli * 1000:.0f} ms", f"soffice command {lo * 1000:.0f} ms",
        cli / lo, "<= 0.2", cli / lo <= 0.2)


def bench_batches(tmp: Path, count: int, dask: bool, repeat: int) -> None:
    """The batch on one worker, on two, and on a Dask LocalCluster, interleaved ``repeat`` times;
    the best time of each (this machine may be shared: the best is the least disturbed)."""
    from sscr.workbooks.regenerate import regenerate_many
    jobs = make_batch(tmp / "batch", count)
    cluster = _local_cluster() if dask else None
    if cluster is not None:  # an existing cluster's workers have run before: warm them
        regenerate_many(jobs[:20], tmp / "dask-warm", dask=cluster.scheduler_address)
    times: dict[str, list[float]] = {"one": [], "two": [], "dask": []}
    cpus: dict[str, list[float]] = {}
    results: dict[str, list] = {}
    try:
        for rep in range(repeat):
            for name, options in (("one", {"workers": 1}), ("two", {"workers": 2}),
                                  ("dask", {"dask": cluster and cluster.scheduler_address})):
                if name == "dask" and cluster is None:
                    continue
                start, cpu = time.perf_counter(), cpu_seconds()
                results[name] = regenerate_many(jobs, tmp / f"{name}-{rep}", skip_up_to_date=True, **options)
                times[name].append(time.perf_counter() - start)
                cpus.setdefault(name, []).append(cpu_seconds() - cpu)
    finally:
        if cluster is not None:
            cluster.close()
    assert all(r.status == "ok" for r in results["two"]), {r.message for r in results["two"] if r.status != "ok"}
    one, two = min(times["one"]), min(times["two"])
    row(f"{count} workbooks, 1 worker", f"{one:.2f} s ({count / one:.1f}/s)", "", 1.0, ">= 10/s", count / one >= 10)
    row(f"{count} workbooks, 2 workers", f"{two:.2f} s ({count / two:.1f}/s)", f"1 worker {one:.2f} s",
        one / two, "speed-up >= 1.7, >= 10/s", one / two >= 1.7 and count / two >= 10)
    cpu_one, cpu_two = min(cpus["one"]) / count, min(cpus["two"]) / count
    row("CPU time per workbook, 2 workers (all processes)", f"{cpu_two * 1000:.1f} ms",
        f"1 worker {cpu_one * 1000:.1f} ms", cpu_two / cpu_one, "(the pool's own cost; a shared machine's load "
        "shows in the wall times, not here)", None)
    rerun = []
    latest = tmp / (f"dask-{repeat - 1}" if cluster is not None else f"two-{repeat - 1}")  # the newest copies
    again = timed(lambda: rerun.extend(regenerate_many(jobs, latest, workers=2, skip_up_to_date=True)))
    skipped = sum(r.status == "skipped" for r in rerun)  # fewer if the sscr code changed in between
    row(f"re-run of {count}, {skipped} up to date", f"{again:.2f} s ({count / again:.0f}/s)",
        f"regenerating them {two:.2f} s", again / two, "", None)
    if cluster is None:
        if dask:
            print("| Dask LocalCluster | dask distributed not installed: not measured | | | |")
        return
    on_dask = min(times["dask"])
    fields = [(r.status, r.template, r.headline, r.flags, r.notes) for r in results["dask"]]
    same = fields == [(r.status, r.template, r.headline, r.flags, r.notes) for r in results["two"]]
    identical = all((tmp / f"dask-{repeat - 1}" / j.relative).read_bytes()
                    == (tmp / f"two-{repeat - 1}" / j.relative).read_bytes() for j in jobs)
    row(f"{count} workbooks, Dask LocalCluster (2 processes)",
        f"{on_dask:.2f} s ({count / on_dask:.1f}/s); results {'identical' if same and identical else 'DIFFERENT'}",
        f"local pool of 2 {two:.2f} s", on_dask / two, "<= 1.3", on_dask / two <= 1.3 and same and identical)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("all times (s): " + "; ".join(f"{k} {', '.join(f'{t:.2f}' for t in v)}" for k, v in times.items() if v))


def _local_cluster():
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40)


def profile_one_worker(tmp: Path, count: int) -> None:
    from pyinstrument import Profiler
    from sscr.workbooks.regenerate import regenerate_many
    jobs = make_batch(tmp / "profile-batch", count)
    profiler = Profiler()
    profiler.start()
    regenerate_many(jobs, tmp / "profile-out", workers=1, skip_up_to_date=True)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--count", type=int)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--batch-repeat", type=int, help="times each batch is run (best kept; default 3)")
    args = parser.parse_args()
    repeat = 5 if args.quick else 20
    count = args.count or (200 if args.quick else 1000)
    batch_repeat = args.batch_repeat or (2 if args.quick else 3)

    from bench_core import machine
    for line in machine():
        print(line)
    try:
        import dask
        import distributed
        print(f"dask {dask.__version__}; distributed {distributed.__version__}")
    except ImportError:
        pass
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| benchmark | measured | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        bench_single(Path(tmp), repeat)
        bench_batches(Path(tmp), count, not args.no_dask, batch_repeat)
        if args.profile:
            profile_one_worker(Path(tmp), min(count, 200))
    return 0


if __name__ == "__main__":
    sys.exit(main())
