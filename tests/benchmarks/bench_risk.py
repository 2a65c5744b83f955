"""Benchmark: Monte Carlo simulation of a risk register (allowable costs guidance H.1.6).

Times 100,000 trials of a 500-risk register through ``sscr.allowable_costs.simulate_risk`` (reading
and checking the register, sampling, percentiles and histogram) against a baseline measured in the
same run: the bare numpy expression of the straightforward sampling, with no checks, on the same
register (``(rng.random((T, N)) < p) * rng.triangular(a, c, b, (T, N))`` summed over risks), which
draws an occurrence and an impact for every risk in every trial. The target is one second or less
for the full simulation; the load average is printed beside the times, as the machine may be shared.

    .venv/bin/python tests/benchmarks/bench_risk.py [--trials 100000] [--risks 500] [--repeat 3]

Not a test: timings depend on the machine, so the figure that matters is the ratio.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Callable

TARGET_SECONDS = 1.0


def register_table(n: int) -> list[list[object]]:
    """A register of n risks as a worksheet range: every risk three-point with a probability."""
    rows: list[list[object]] = [["id", "probability", "minimum", "most_likely", "maximum"]]
    for i in range(n):
        low = 1_000.0 * (i + 1)
        rows.append([f"R{i + 1}", 0.05 + 0.9 * i / max(n - 1, 1), low, low * 1.5, low * 3.0])
    return rows


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from sscr.allowable_costs.risk import risk_contingency_element, simulate_risk

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--risks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    table = register_table(args.risks)
    p = np.array([r[1] for r in table[1:]], dtype=float)
    a, c, b = (np.array([r[k] for r in table[1:]], dtype=float) for k in (2, 3, 4))

    def baseline() -> float:
        rng = np.random.default_rng(1)
        totals = np.zeros(args.trials)
        for start in range(0, args.trials, 20_000):  # in blocks, as memory allows
            shape = (min(20_000, args.trials - start), args.risks)
            totals[start:start + shape[0]] = ((rng.random(shape) < p) * rng.triangular(a, c, b, shape)).sum(axis=1)
        return float(np.quantile(totals, 0.8))

    def ours() -> float:
        return simulate_risk(table, trials=args.trials, seed=1).p80

    ours()  # warm up imports and caches
    baseline()
    t_base = best_of(args.repeat, baseline)
    t_ours = best_of(args.repeat, ours)
    s = simulate_risk(table, trials=args.trials, seed=1)
    ev = risk_contingency_element(table).expected_value

    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"risk register: {args.risks} risks, {args.trials:,} trials, best of {args.repeat}; "
          f"load average {load} on {os.cpu_count()} cores")
    print(f"  simulate_risk (checks, sampling, P50/P80/P90, histogram): {t_ours:.3f} s")
    print(f"  baseline (bare numpy sampling and P80, no checks):       {t_base:.3f} s")
    print(f"  ratio simulate_risk / baseline:                            {t_ours / t_base:.2f}")
    print(f"  target <= {TARGET_SECONDS:.1f} s: {'met' if t_ours <= TARGET_SECONDS else 'NOT MET'}")
    print(f"  expected value {ev:,.2f}; simulated mean {s.mean:,.2f} "
          f"({(s.mean - ev) / ev:+.3%}, standard error {s.standard_error:,.2f}); P80 {s.p80:,.2f}")
    return 0 if t_ours <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
