"""Benchmark of ``sscr price`` on a million-row portfolio file: CSV in and Parquet out, Parquet in and
CSV out, against the floor of the same run: reading the same file and writing the same output table
with pyarrow and nothing else.

Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_price_cli.py            # 1,000,000 rows, about a minute
    python tests/benchmarks/bench_price_cli.py --rows 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_core import components, machine, portfolio_frame


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    import pandas as pd
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from sscr.cli import main as sscr

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for line in machine():
        print(line)
    print()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        frame = portfolio_frame(components(args.rows))
        frame.to_csv(tmp / "portfolio.csv", index=False)
        frame.to_parquet(tmp / "portfolio.parquet", index=False)
        priced = tmp / "priced.parquet"
        assert sscr(["price", str(tmp / "portfolio.csv"), "--out", str(priced), "--overwrite"]) == 0
        output = pd.read_parquet(priced)  # the table the command writes, for the floor to write too

        for source, out in (("portfolio.csv", "out.parquet"), ("portfolio.parquet", "out.csv")):
            command = timed(lambda: sscr(["price", str(tmp / source), "--out", str(tmp / out), "--overwrite"]),
                            args.repeat)

            def floor(source: str = source, out: str = out) -> None:
                table = pacsv.read_csv(tmp / source) if source.endswith(".csv") else pq.read_table(tmp / source)
                if out.endswith(".csv"):
                    pacsv.write_csv(pa_table(output), tmp / "floor.csv")
                else:
                    pq.write_table(pa_table(output), tmp / "floor.parquet")
                del table

            base = timed(floor, args.repeat)
            rows.append([f"sscr price {source} --out {out} ({args.rows:,} rows)", f"{command:.2f} s",
                         f"read + write only {base:.2f} s", f"{command / base:.1f}x the I/O floor"])
    print("| command | measured (median) | baseline (same run) | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def pa_table(frame):
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


if __name__ == "__main__":
    sys.exit(main())
