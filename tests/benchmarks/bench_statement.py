"""Benchmark of the contract pricing statement of the worked case (cost-build-up.xlsx), against a
baseline measured in the same run on the same file: regenerating it (regenerate_one), which reads,
checks and computes the model as the statement does. The statement's extra steps are measured on
top: building the document and its audit trail, the HTML, and the PDF printed by headless Chromium.

Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_statement.py            # under a minute on 2 cores
    python tests/benchmarks/bench_statement.py --quick    # fewer repeats

It prints the machine, then a Markdown table: benchmark, measured, baseline, ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_regenerate import median_seconds  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5

    from sscr.statement import build_statement, read_model
    from sscr.statement.render import find_chromium, html, pdf, to_json
    from sscr.workbooks.regenerate import regenerate_one

    model = ROOT / "workbooks" / "cost-build-up.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        baseline = median_seconds(lambda: regenerate_one(model, tmp), repeat)
    reading = read_model(model)
    statement = build_statement(reading)
    rows = [("read and compute the model (read_model)", median_seconds(lambda: read_model(model), repeat)),
            ("build the statement and its audit trail", median_seconds(lambda: build_statement(reading), repeat)),
            ("JSON", median_seconds(lambda: to_json(statement), repeat)),
            ("HTML with charts", median_seconds(lambda: html(statement), repeat))]
    if find_chromium():
        page = html(statement)
        rows.append(("PDF by headless Chromium", median_seconds(lambda: pdf(page), max(1, repeat // 2))))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"audit trail entries: {len(statement['audit_trail'])}")
    print()
    print("| benchmark | measured (s) | baseline: regenerate_one (s) | ratio |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {baseline:.3f} | {seconds / baseline:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
