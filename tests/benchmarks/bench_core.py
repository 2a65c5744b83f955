"""Benchmarks of the pricing core: a million-component portfolio through the array path, one
worksheet call, an array call over 10,000 rows, POCO on supply chains of 10,000 and 100,000
contracts, and AGGREGATION over 10,000 and 100,000 components. Every figure is compared with a
baseline measured in the same run, on the same data.

Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_core.py            # everything, about a minute on 2 cores
    python tests/benchmarks/bench_core.py --quick    # smaller sizes, a smoke run

It prints the machine, then a Markdown table: benchmark, measured, target, baseline, ratio, verdict.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from typing import Any, Callable

import numpy as np


def machine() -> list[str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import pandas as pd

    return [f"nproc {os.cpu_count()}; CPU {model}",
            f"Python {platform.python_version()} ({platform.python_implementation()}); numpy {np.__version__}; "
            f"pandas {pd.__version__}; {platform.system()} {platform.machine()}"]


def best_and_median(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Seconds per call: the fastest and the median of ``repeat`` runs (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def per_call(fn: Callable[[], Any], calls: int, batches: int) -> float:
    """Median seconds per call, timed in batches of ``calls`` so the clock's own cost is negligible."""
    for _ in range(calls):
        fn()
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


# --- data -------------------------------------------------------------------------------------------

def components(n: int, seed: int = 2024) -> dict[str, np.ndarray]:
    """Components priced by the four steps with the CSA from capital figures, 2024/25 rates per row."""
    rng = np.random.default_rng(seed)
    return {
        "allowable_costs": rng.uniform(1e4, 5e8, n).round(2),
        "bpr": np.full(n, 0.0824),
        "cra": rng.uniform(-0.25, 0.25, n),
        "ia": rng.uniform(0.0, 0.02, n),
        "fixed_capital": rng.uniform(1e5, 5e7, n).round(2),
        "working_capital": rng.uniform(-5e6, 2e7, n).round(2),
        "cost_of_production": rng.uniform(5e6, 2e8, n).round(2),
        "fixed_rate": np.full(n, 0.0326), "positive_rate": np.full(n, 0.031), "negative_rate": np.full(n, 0.0161),
    }


def core_array_path(d: dict[str, np.ndarray]) -> np.ndarray:
    """The core's functions, each called once with arrays (the path a portfolio takes)."""
    from sscr.capital_servicing import capital_servicing_adjustment
    from sscr.errors import CapitalServicingWarning
    from sscr.price import formula_price
    from sscr.profit_rate import contract_profit_rate
    from sscr.rates import CapitalServicingRates

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapitalServicingWarning)
        rates = CapitalServicingRates(d["fixed_rate"], d["positive_rate"], d["negative_rate"])
        csa = capital_servicing_adjustment(d["fixed_capital"], d["working_capital"], d["cost_of_production"], rates)
    steps = contract_profit_rate(d["bpr"], d["cra"], d["ia"], csa.adjustment)
    return formula_price(d["allowable_costs"], steps.contract_profit_rate).price


def bare_numpy(d: dict[str, np.ndarray]) -> np.ndarray:
    """The floor: the same arithmetic (Appendix B computations 1-4, the four steps, the price) as bare
    numpy expressions, with no checks and no intermediate figures kept."""
    fc, wc, cp = d["fixed_capital"], d["working_capital"], d["cost_of_production"]
    ce = fc + wc
    positive = wc >= 0
    x = (fc / ce) * d["fixed_rate"] + np.where(positive, wc / ce, 0.0) * d["positive_rate"] \
        + np.where(positive, 0.0, wc / ce) * d["negative_rate"]
    csa = x / (cp / ce)
    bpr = d["bpr"]
    cpr = bpr + bpr * d["cra"] + d["ia"] + csa
    ac = d["allowable_costs"]
    return ac + ac * cpr


def row_by_row(d: dict[str, np.ndarray], rows: int) -> np.ndarray:
    """The worksheet functions called as Excel calls them, one row at a time: CSA, CPR, PRICE_FROM_CPR."""
    import udfs

    cols = {k: v[:rows].tolist() for k, v in d.items()}
    out = []
    for i in range(rows):
        csa = udfs.CSA(cols["fixed_capital"][i], cols["working_capital"][i], cols["cost_of_production"][i],
                       [[cols["fixed_rate"][i], cols["positive_rate"][i], cols["negative_rate"][i]]])
        cpr = udfs.CPR(cols["bpr"][i], cols["cra"][i], cols["ia"][i], csa)
        out.append(udfs.PRICE_FROM_CPR(cols["allowable_costs"][i], cpr))
    return np.array(out)


def portfolio_frame(d: dict[str, np.ndarray]) -> Any:
    """The same components as a portfolio table, with dates of agreement in 2024/25 to look up."""
    import pandas as pd

    n = len(d["bpr"])
    days = np.random.default_rng(7).integers(0, 365, n)
    return pd.DataFrame({
        "component": np.arange(n), "allowable_costs": d["allowable_costs"],
        "date_of_agreement": np.datetime64("2024-04-01") + days.astype("timedelta64[D]"),
        "cra": d["cra"], "ia": d["ia"], "fixed_capital": d["fixed_capital"],
        "working_capital": d["working_capital"], "cost_of_production": d["cost_of_production"]})


def supply_chain(n: int, shape: str, seed: int = 11) -> list[Any]:
    """A group supply chain of n contracts in pounds. "4-ary": each contract has up to four
    sub-contracts, listed level by level; "random": each sub-contract's parent drawn at random from
    the contracts above it (a random recursive tree, the least orderly listing)."""
    from sscr.poco import SupplyChainContract

    rng = np.random.default_rng(seed)
    if shape == "4-ary":
        parents = [-1] + [(i - 1) // 4 for i in range(1, n)]
    else:
        parents = [-1] + [int(p) for p in rng.integers(0, np.arange(1, n))]
    own = rng.uniform(2.5e5, 5e6, n).round(2).tolist()
    cra = rng.uniform(-0.25, 0.25, n).tolist()
    return [SupplyChainContract(f"C{i}", None if parents[i] < 0 else f"C{parents[i]}", own[i], 0.0824, cra[i],
                                0.01, 0.02, output_share=None if i == 0 or i % 7 else 0.5) for i in range(n)]


def bare_tree_walk(chain: list[Any]) -> float:
    """Baseline for POCO: the bottom-up walk of stage 1 alone in plain Python over the same chain
    (names to indices, children, a top-down order, prices summed up the tree), with no checks."""
    index = {c.name: i for i, c in enumerate(chain)}
    parent = [-1 if c.parent is None else index[c.parent] for c in chain]
    children: list[list[int]] = [[] for _ in chain]
    for i, p in enumerate(parent):
        if p >= 0:
            children[p].append(i)
    order = [parent.index(-1)]
    for node in order:
        order.extend(children[node])
    rate = [c.bpr + c.bpr * c.cra + c.ia + c.csa for c in chain]
    share = [1.0 if c.output_share is None else c.output_share for c in chain]
    sub = [0.0] * len(chain)
    for i in reversed(order):
        price = (chain[i].own_allowable_costs + sub[i]) * (1.0 + rate[i])
        if parent[i] >= 0:
            sub[parent[i]] += price * share[i]
    return sub[order[0]]


# --- the benchmarks --------------------------------------------------------------------------------

def run(quick: bool) -> list[list[str]]:
    import udfs
    from sscr.poco import poco_adjustment
    from sscr.portfolio import price_portfolio
    from sscr.profit_rate import contract_profit_rate

    rows: list[list[str]] = []
    big = 100_000 if quick else 1_000_000
    sample = 2_000 if quick else 20_000
    repeat = 3 if quick else 7

    # 1. A million components: CSA from capital figures, the four steps, the price.
    d = components(big)
    core_best, core_median = best_and_median(lambda: core_array_path(d), repeat)
    floor_best, floor_median = best_and_median(lambda: bare_numpy(d), repeat)
    start = time.perf_counter()
    slow = row_by_row(d, sample)
    per_row = (time.perf_counter() - start) / sample
    by_rows = per_row * big
    fast = core_array_path(d)
    if not np.array_equal(fast[:sample], slow):
        raise SystemExit("the array path and the worksheet functions disagree: benchmark figures are void")
    if not np.allclose(fast, bare_numpy(d), rtol=1e-12, atol=1e-6):
        raise SystemExit("the bare numpy floor does not compute the same prices")
    label = f"{big:,} components, core array path (CSA from capital figures, four steps, price)"
    rows.append([label, f"{core_median:.3f} s (best {core_best:.3f})", "<= 1.0 s", "", "",
                 verdict(core_median <= 1.0)])
    rows.append(["  vs worksheet functions row by row (udfs.CSA, CPR, PRICE_FROM_CPR)",
                 "", ">= 100x faster", f"{by_rows:.1f} s ({per_row * 1e6:.1f} us a row, {sample:,}-row sample scaled)",
                 f"{by_rows / core_median:.0f}x faster", verdict(by_rows / core_median >= 100)])
    rows.append(["  vs bare numpy expression of the same arithmetic (the floor)", "", "<= 5x the floor",
                 f"{floor_median:.3f} s (best {floor_best:.3f})", f"{core_median / floor_median:.1f}x the floor",
                 verdict(core_median / floor_median <= 5)])
    frame = portfolio_frame(d)
    port_best, port_median = best_and_median(lambda: price_portfolio(frame), max(3, repeat // 2))
    rows.append([f"{big:,} components, price_portfolio(DataFrame) end to end (dates looked up, all outputs)",
                 f"{port_median:.3f} s (best {port_best:.3f})", "<= 1.0 s", f"core array path {core_median:.3f} s",
                 f"{port_median / core_median:.1f}x the core path; {by_rows / port_median:.0f}x faster than row by row",
                 verdict(port_median <= 1.0)])
    del d, frame, fast, slow
    gc.collect()

    # 2. One worksheet call, Python side.
    cpr_call = per_call(lambda: udfs.CPR(0.0824, -0.25, 0.01, 0.0301), 1_000, 31)

    def bare_cpr(bpr: float = 0.0824, cra: float = -0.25, ia: float = 0.01, csa: float = 0.0301) -> float:
        return bpr + bpr * cra + ia + csa

    bare_call = per_call(bare_cpr, 1_000, 31)
    core_call = per_call(lambda: contract_profit_rate(0.0824, -0.25, 0.01, 0.0301), 1_000, 31)
    rows.append(["one udfs.CPR() call, Python side (median)", f"{cpr_call * 1e6:.2f} us", "<= 20 us",
                 f"bare Python function {bare_call * 1e6:.2f} us; core contract_profit_rate {core_call * 1e6:.2f} us",
                 f"{cpr_call / bare_call:.0f}x the bare function", verdict(cpr_call <= 20e-6)])

    # 3. An array call over 10,000 rows.
    small = components(10_000, seed=3)
    small_best, small_median = best_and_median(lambda: core_array_path(small), 51)
    small_floor, small_floor_median = best_and_median(lambda: bare_numpy(small), 51)
    small_frame = portfolio_frame(small)
    pf_best, pf_median = best_and_median(lambda: price_portfolio(small_frame), 21)
    rows.append(["array call over 10,000 rows, core (CSA, four steps, price)",
                 f"{small_median * 1e3:.2f} ms", "<= 20 ms", f"bare numpy {small_floor_median * 1e3:.2f} ms",
                 f"{small_median / small_floor_median:.1f}x the floor", verdict(small_median <= 0.020)])
    rows.append(["array call over 10,000 rows, price_portfolio(DataFrame)", f"{pf_median * 1e3:.2f} ms",
                 "<= 20 ms", f"core path {small_median * 1e3:.2f} ms", f"{pf_median / small_median:.1f}x the core path",
                 verdict(pf_median <= 0.020)])

    # 4. POCO on 10,000 and 100,000 contracts.
    sizes = (1_000, 10_000) if quick else (10_000, 100_000)
    for shape in ("4-ary", "random"):
        chains = {n: supply_chain(n, shape) for n in sizes}
        poco = {n: best_and_median(lambda c=chains[n]: poco_adjustment(c), 5 if n == sizes[1] else 15) for n in sizes}
        walk = {n: best_and_median(lambda c=chains[n]: bare_tree_walk(c), 5 if n == sizes[1] else 15) for n in sizes}
        big_t, small_t = poco[sizes[1]][1], poco[sizes[0]][1]
        growth, walk_growth = big_t / small_t, walk[sizes[1]][1] / walk[sizes[0]][1]
        rows.append([f"POCO, {sizes[1]:,}-contract supply chain ({shape} tree)", f"{big_t:.3f} s", "<= 2 s",
                     f"bare Python stage 1 walk {walk[sizes[1]][1]:.3f} s",
                     f"{big_t / walk[sizes[1]][1]:.1f}x the bare walk", verdict(big_t <= 2.0)])
        growth_best = poco[sizes[1]][0] / poco[sizes[0]][0]
        rows.append([f"  linear: {sizes[1]:,} time / {sizes[0]:,} time ({shape} tree)",
                     f"{growth:.1f} ({big_t:.3f} s / {small_t:.3f} s); best times {growth_best:.1f}", "<= 15",
                     f"bare walk grows {walk_growth:.1f}x", f"{growth / walk_growth:.2f}x the bare walk's growth",
                     verdict(growth <= 15)])

    # 5. AGGREGATION over 10,000 and 100,000 components, as a worksheet range (header row, row lists).
    sizes = (1_000, 10_000) if quick else (10_000, 100_000)
    tables = {n: aggregation_range(n) for n in sizes}
    agg = {n: best_and_median(lambda t=tables[n]: udfs.AGGREGATION(t), 3 if n == sizes[1] else 9) for n in sizes}
    read = {n: best_and_median(lambda t=tables[n]: bare_table_read(t), 3 if n == sizes[1] else 9) for n in sizes}
    first = udfs.AGGREGATION(tables[sizes[0]])
    if not isinstance(first, list) or isinstance(first[0][0], str) and first[0][0].startswith("Error"):
        raise SystemExit(f"AGGREGATION refused the benchmark's components: {first[0][0]}")
    big_t, small_t = agg[sizes[1]][1], agg[sizes[0]][1]
    growth, read_growth = big_t / small_t, read[sizes[1]][1] / read[sizes[0]][1]
    rows.append([f"AGGREGATION, {sizes[1]:,} components (a worksheet range)", f"{big_t:.3f} s", "",
                 f"bare read of the range {read[sizes[1]][1]:.3f} s",
                 f"{big_t / read[sizes[1]][1]:.1f}x the bare read", ""])
    rows.append([f"  linear: {sizes[1]:,} time / {sizes[0]:,} time",
                 f"{growth:.1f} ({big_t:.3f} s / {small_t:.3f} s); best times {agg[sizes[1]][0] / agg[sizes[0]][0]:.1f}",
                 "<= 15", f"bare read grows {read_growth:.1f}x", f"{growth / read_growth:.2f}x the bare read's growth",
                 verdict(growth <= 15)])
    return rows


def aggregation_range(n: int, seed: int = 5) -> list[list[Any]]:
    """A components range as Excel passes it: a header row, then one formula component in ten
    carried at a commercial price, the others priced by the four steps."""
    rng = np.random.default_rng(seed)
    rows: list[list[Any]] = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"]]
    for i in range(n):
        if i % 10 == 9:
            rows.append([f"C{i}", "commercial", None, None, None, None, None, float(rng.uniform(10, 100))])
        else:
            rows.append([f"C{i}", "formula", float(rng.uniform(10, 1000)), 0.0824, float(rng.uniform(-0.25, 0.25)),
                         float(rng.uniform(0, 0.02)), float(rng.uniform(0, 0.03)), None])
    return rows


def bare_table_read(table: list[list[Any]]) -> float:
    """Baseline for AGGREGATION: one pass over the range in plain Python, summing each row's
    allowable costs or price (what any reading of the range costs)."""
    total = 0.0
    for row in table[1:]:
        total += row[2] if row[2] is not None else row[7]
    return total


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run, not the targets' sizes")
    args = parser.parse_args(argv)
    for line in machine():
        print(line)
    print()
    rows = run(args.quick)
    header = ["benchmark", "measured", "target", "baseline (same run)", "ratio", "verdict"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
