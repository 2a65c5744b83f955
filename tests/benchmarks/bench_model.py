"""Benchmark: a contract model of a real contract's size, 2,000 cost lines and 200 risks, filled.

Times ``sscr regenerate`` of the filled model (reading every input by name, the core's figures,
writing every computed cell) against a baseline measured in the same run on the same file:
openpyxl loading and saving it (what any Python tool that touches the workbook costs). The target
is a ratio of 1.0 or less. Then LibreOffice recalculates every formula of the regenerated model
(what an analyst waits for on opening it with recalculation on, as Excel has no headless run): its
time is reported, and its figures must agree with the cached ones to 1e-9.

    .venv/bin/python tests/benchmarks/bench_model.py [--lines 2000] [--risks 200] [--repeat 3]

Not a test: timings depend on the machine, so the figure that matters is the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sscr.workbooks.adapter import FileBook  # noqa: E402
from sscr.workbooks.fill import template_of  # noqa: E402
from sscr.workbooks.libreoffice import recalculate  # noqa: E402
from sscr.workbooks.new import new_contract  # noqa: E402
from sscr.workbooks.regenerate import regenerate_one  # noqa: E402
from workbook_helpers import named_cell, values_by_name  # noqa: E402


def filled_model(folder: Path, lines: int, risks: int) -> Path:
    import test_workbooks_model_size as case
    case.LINES, case.RISKS = lines, risks
    blank, _size, _n = new_contract(folder / "blank.xlsx", lines=lines, risks=risks)
    cells, _l, _r = case._case()
    wb = openpyxl.load_workbook(blank)
    for name, value in cells.items():
        named_cell(wb, name).value = value
    wb.save(folder / "filled.xlsx")
    return folder / "filled.xlsx"


def median(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--risks", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sscr-bench-model-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        source = filled_model(root, args.lines, args.risks)
        print(f"model: {args.lines:,} lines, {args.risks:,} risks, {source.stat().st_size / 1e6:.1f} MB "
              f"(made and filled in {time.perf_counter() - start:.1f} s)")

        def regenerate() -> None:
            result = regenerate_one(source, root / "out")
            assert result.status == "ok", result.message

        def openpyxl_round_trip() -> None:
            openpyxl.load_workbook(source).save(root / "round-trip.xlsx")

        regenerate()  # a first run lays out the template's spec for the size, as a batch's first workbook
        ours = median(args.repeat, regenerate)
        base = median(args.repeat, openpyxl_round_trip)
        print(f"sscr regenerate:          {ours:7.2f} s (median of {args.repeat})")
        print(f"openpyxl load + save:     {base:7.2f} s (baseline)")
        print(f"ratio: {ours / base:.2f} (target 1.0 or less)")

        out = root / "out" / source.name
        spec = template_of(FileBook.open(out)).spec()
        names = [n for n, o in spec.outputs.items()]
        start = time.perf_counter()
        [fresh] = recalculate([out], root / "lo")
        lo = time.perf_counter() - start
        cached, recalculated = values_by_name(out, names), values_by_name(fresh, names)
        worst = 0.0
        for name in names:
            a, b = cached[name], recalculated[name]
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                worst = max(worst, abs(a - b) / max(1.0, abs(a)))
            elif (a or None) != (b or None):
                print(f"DISAGREE {name}: cached {a!r}, LibreOffice {b!r}")
                return 1
        print(f"LibreOffice full recalculation (open, recalculate, save): {lo:.1f} s; "
              f"{len(names):,} computed cells agree, worst relative difference {worst:.1e} (limit 1e-9)")
        return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
