"""``sscr regenerate``: regenerate template workbooks without Excel."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sscr.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE

from .batch import SKIPPED, BatchError, DaskMissingError, counts
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
        print(f"sscr regenerate: --workers {args.workers} must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    if args.summary is not None and args.summary.suffix.lower() not in (".csv", ".json"):
        print(f"sscr regenerate: --summary {args.summary} must end in .csv or .json", file=sys.stderr)
        return EXIT_USAGE
    if args.rates_file is not None and not args.rates_file.is_file():
        print(f"sscr regenerate: --rates-file {args.rates_file} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"sscr regenerate: --out {args.out} is a file, not a folder", file=sys.stderr)
        return EXIT_USAGE
    jobs, problems = collect(args.paths)
    try:
        results = problems + regenerate_many(
            jobs, args.out, workers=args.workers, in_place=args.in_place, rates_file=args.rates_file,
            dask=args.dask, skip_up_to_date=not args.force, progress=not args.quiet and sys.stderr.isatty())
    except DaskMissingError as exc:
        print(f"sscr regenerate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BatchError as exc:
        print(f"sscr regenerate: {exc}; nothing was regenerated", file=sys.stderr)
        return EXIT_FAILED
    for line in summary_lines(results):
        if line.startswith("FAILED"):
            print(line, file=sys.stderr)
        elif not args.quiet:
            print(line)
    print(status_line(results))
    failed = sum(r.status == FAILED for r in results)
    if args.summary is not None:
        write_summary(args.summary, results)
    if failed == 0:
        return EXIT_OK
    return EXIT_PARTIAL if failed < len(results) else EXIT_FAILED


def status_line(results: list) -> str:
    """The last line of every run, --quiet or not: what was regenerated, skipped, flagged, failed."""
    n = counts(results)
    return (f"{n[OK] + n[FLAGGED]} of {len(results)} workbook(s) regenerated"
            + (f", {n[SKIPPED]} skipped as up to date" if n[SKIPPED] else "")
            + (f", {n['with_flags']} with flagged cells" if n["with_flags"] else "")
            + (f", {n[FAILED]} failed" if n[FAILED] else ""))
