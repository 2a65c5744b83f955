"""Benchmark of the contract pricing statement, against a baseline measured in the same run on the
same file: regenerating it (regenerate_one), which reads, checks and computes the model as the
statement does. The statement's extra steps are measured on top: building the document and its
audit trail, the JSON, the HTML, and the PDF printed by headless Chromium.

Two models: the worked case (cost-build-up.xlsx), and a model of a real contract's size made with
``sscr new contract`` (2,000 cost lines and 200 risks by default) and filled with openpyxl by the
documented names, as tests/test_statement_large.py does.

Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_statement.py                 # a few minutes on 2 cores
    python tests/benchmarks/bench_statement.py --quick         # fewer repeats
    python tests/benchmarks/bench_statement.py --lines 0       # the worked case only

It prints the machine, then a Markdown table per model: benchmark, measured, baseline, ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_regenerate import median_seconds  # noqa: E402


def measure(model: Path, repeat: int, pdf_repeat: int) -> None:
    from sscr.statement import build_statement, read_model
    from sscr.statement.render import find_chromium, html, pdf, to_json
    from sscr.workbooks.regenerate import regenerate_one

    with tempfile.TemporaryDirectory() as tmp:
        regenerate_one(model, tmp)  # a first run lays out the template's spec for the model's size
        baseline = median_seconds(lambda: regenerate_one(model, tmp), repeat)
    reading = read_model(model)
    statement = build_statement(reading)
    rows = [("read and compute the model (read_model)", median_seconds(lambda: read_model(model), repeat)),
            ("build the statement and its audit trail", median_seconds(lambda: build_statement(reading), repeat)),
            ("JSON", median_seconds(lambda: to_json(statement), repeat)),
            ("HTML with charts", median_seconds(lambda: html(statement), repeat))]
    pages = None
    if find_chromium():
        page = html(statement)
        rows.append(("PDF by headless Chromium", median_seconds(lambda: pdf(page), pdf_repeat)))
        import re
        import subprocess
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.pdf"
            path.write_bytes(pdf(page))
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            found = re.search(r"Pages:\s+(\d+)", info)
            pages = int(found.group(1)) if found else None
    total = sum(seconds for _name, seconds in rows)
    rows.append(("the whole statement (all of the above)", total))
    print(f"### {model.name}: {len(statement['cost_lines']):,} cost lines, "
          f"{len(statement['risk_contingency']['risks']):,} risks, {len(statement['audit_trail']):,} audit entries"
          + (f", {pages} PDF pages" if pages else ""))
    print()
    print("| benchmark | measured (s) | baseline: regenerate_one (s) | ratio |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {baseline:.3f} | {seconds / baseline:.2f} |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--lines", type=int, default=2000, help="cost lines of the large model (0: none)")
    parser.add_argument("--risks", type=int, default=200)
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    measure(ROOT / "workbooks" / "cost-build-up.xlsx", repeat, max(1, repeat // 2))
    if args.lines:
        from bench_model import filled_model
        with tempfile.TemporaryDirectory(prefix="sscr-bench-statement-") as tmp:
            start = time.perf_counter()
            model = filled_model(Path(tmp), args.lines, args.risks)
            print(f"(large model made with sscr new contract and filled in {time.perf_counter() - start:.1f} s)")
            print()
            measure(model, 1 if args.quick else 3, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
