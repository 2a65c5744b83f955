"""``sscr regenerate``: regenerate template workbooks without Excel."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from sscr.errors import RatesFileError
from sscr.rates import RATES_FILE_ENV, default_table

from .batch import MANIFEST_NAME, SKIPPED, BatchError, DaskMissingError, counts
from .regenerate import FAILED, FLAGGED, OK, collect, regenerate_many, summary_lines, write_summary

DESCRIPTION = """Regenerate sscr template workbooks: read each workbook's inputs by their defined names,
compute every figure with the sscr pricing core, and write a regenerated copy with the core's figures
as the formulas' values. The source files are not changed (unless --in-place). Cells whose formula was
changed or typed over, and Rates sheet figures that disagree with the rate table, are flagged red with
a comment and listed in the summary, never silently corrected.

A workbook whose regenerated copy in the --out folder is up to date (same source bytes, same rate table,
same sscr version, copy unchanged since it was written) is skipped; --force regenerates it anyway. The
batch runs on a pool of worker processes, or with --dask on an existing Dask distributed cluster."""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("regenerate", help="regenerate template workbooks without Excel",
                                   description=DESCRIPTION)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a workbook (.xlsx) or a folder of workbooks")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="DIR", type=Path, help="folder for the regenerated copies")
    target.add_argument("--in-place", action="store_true",
                        help="replace each workbook with its regenerated copy (atomically)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="workbooks regenerated in parallel (default: the machine's cores)")
    parser.add_argument("--summary", metavar="FILE", type=Path,
                        help="write the summary of headline figures, flags and failures to FILE (.csv or .json)")
    parser.add_argument("--rates-file", metavar="CSV", type=Path,
                        help="a rates file laid over the packaged rate table (default: $SSCR_RATES_FILE)")
    parser.add_argument("--quiet", action="store_true",
                        help="print only failures and the final status line (no progress bar); for servers")
    parser.add_argument("--force", action="store_true",
                        help="regenerate every workbook, even those whose regenerated copy is up to date")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run the batch on the Dask distributed cluster whose scheduler is at ADDRESS "
                             "(e.g. tcp://10.0.0.5:8786); its workers must see the same files")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        return _usage(f"--workers {args.workers} must be 1 or more")
    if args.summary is not None and args.summary.suffix.lower() not in (".csv", ".json"):
        return _usage(f"--summary {args.summary} must end in .csv or .json")
    if args.rates_file is not None and not args.rates_file.exists() and not args.rates_file.is_symlink():
        return _usage(f"--rates-file {args.rates_file} does not exist")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        return _usage(f"--out {args.out} is a file, not a folder")
    rates_file = args.rates_file if args.rates_file is not None else (os.environ.get(RATES_FILE_ENV) or None)
    if rates_file is not None:  # a bad rates file is said once, before any workbook is read
        try:
            default_table(rates_file)
        except RatesFileError as exc:
            where = "--rates-file" if args.rates_file is not None else RATES_FILE_ENV
            return _usage(f"{where}: {exc}; nothing was regenerated")
    jobs, problems = collect(args.paths)
    refusal = outputs_replacing_inputs(args, jobs, rates_file)
    if refusal is not None:
        return _usage(refusal)
    if args.summary is not None:
        refusal = cannot_write(args.summary)
        if refusal is not None:
            return _usage(f"--summary {args.summary} {refusal}")
    try:
        results = problems + regenerate_many(
            jobs, args.out, workers=args.workers, in_place=args.in_place, rates_file=args.rates_file,
            dask=args.dask, skip_up_to_date=not args.force, progress=not args.quiet and sys.stderr.isatty())
    except DaskMissingError as exc:
        return _usage(str(exc))
    except BatchError as exc:
        print(f"sscr regenerate: {exc}; nothing was regenerated", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        return _interrupted(exc, len(jobs) + len(problems), args)
    for line in summary_lines(results):
        if line.startswith("FAILED"):
            print(line, file=sys.stderr)
        elif not args.quiet:
            print(line)
    print(status_line(results))
    failed = sum(r.status == FAILED for r in results)
    if args.summary is not None:
        try:
            write_summary(args.summary, results)
        except OSError as exc:
            print(f"sscr regenerate: the workbooks above were regenerated, but the summary {args.summary} could "
                  f"not be written: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_FAILED
    if failed == 0:
        return EXIT_OK
    return EXIT_PARTIAL if failed < len(results) else EXIT_FAILED


def _usage(message: str) -> int:
    print(f"sscr regenerate: {message}", file=sys.stderr)
    return EXIT_USAGE


def _interrupted(exc: KeyboardInterrupt, total: int, args: argparse.Namespace) -> int:
    """Ctrl-C or SIGTERM: the workers are stopped, what finished is kept (and recorded in the
    manifest); the status says so, and the exit status is that of the signal."""
    signum = getattr(exc, "signum", signal.SIGINT)
    done = getattr(exc, "done", None)
    what = "interrupted (Ctrl-C)" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    finished = f"{done} of {total} workbook(s) finished and are kept" if done is not None else \
        "the workbooks that finished are kept"
    recorded = "" if args.in_place else "; the manifest records them, so a new run resumes"
    status = 128 + int(signum)
    print(f"sscr regenerate: {what}: {finished}{recorded}; no file is half-written (exit status {status})",
          file=sys.stderr)
    return status


def cannot_write(path: Path) -> str | None:
    """Why a file cannot be written at ``path`` (checked before the work, so it is said first), or None."""
    if path.is_dir():
        return "is a folder"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"cannot be written: {folder} is not a folder"
    if path.exists() and not os.access(path, os.W_OK) or not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot be written: permission denied in {folder}"
    return None


def _same(a: Path | str, b: Path | str) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b) or (
            os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b))
    except OSError:
        return False


def outputs_replacing_inputs(args: argparse.Namespace, jobs: list, rates_file: Any) -> str | None:
    """A refusal when an output (the summary, the regenerated copies, the manifest) would replace an
    input (a workbook, the rates file), else None. Nothing is written before this check."""
    if args.summary is not None:
        if rates_file is not None and _same(args.summary, rates_file):
            return (f"--summary {args.summary} is the rates file: the summary would replace it; name another "
                    f"file for the summary")
        for job in jobs:
            if _same(args.summary, job.source):
                return f"--summary {args.summary} is the workbook {job.source}: name another file for the summary"
        if args.out is not None and _same(args.summary, Path(args.out) / MANIFEST_NAME):
            return f"--summary {args.summary} is the folder's manifest {MANIFEST_NAME}: name another file"
    if args.out is not None:
        for job in jobs:
            if _same(Path(args.out), job.source.parent):
                return (f"--out {args.out} is the folder of the workbook {job.source.name}: the regenerated copies "
                        f"would replace the sources; give another --out folder, or use --in-place")
        if rates_file is not None and _same(Path(args.out) / MANIFEST_NAME, rates_file):
            return f"--rates-file {rates_file} is the manifest sscr writes in --out: name another rates file"
    return None


def status_line(results: list) -> str:
    """The last line of every run, --quiet or not: what was regenerated, skipped, flagged, failed."""
    n = counts(results)
    return (f"{n[OK] + n[FLAGGED]} of {len(results)} workbook(s) regenerated"
            + (f", {n[SKIPPED]} skipped as up to date" if n[SKIPPED] else "")
            + (f", {n['with_flags']} with flagged cells" if n["with_flags"] else "")
            + (f", {n[FAILED]} failed" if n[FAILED] else ""))
