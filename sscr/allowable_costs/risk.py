"""The risk contingency element (allowable costs guidance v7.3, Part H), from a risk register.

Each risk in the register is one of:

- a single impact with a probability: the cost occurs with that probability, else nothing;
- a three-point estimate (minimum, most likely, maximum) of its cost, with or without a
  probability. The cost is drawn from the triangular distribution on the three points. With a
  probability it occurs with that probability (risk and uncertainty, Table A); without one it is
  certain to occur and only its amount is uncertain (uncertainty, Table A).

So a risk's cost is ``occurs x impact``, where ``occurs`` is 1 with the risk's probability (1 when
none is given for a three-point risk) and ``impact`` is the single impact or the triangular draw,
independent of each other and of every other risk. Impacts are costs, zero or more; an opportunity
is reflected by lowering the cost lines it affects, not by a negative risk.

Expected value (H.1.7, the default):
    EV of a risk  = probability x mean impact; mean of a triangle = (min + most likely + max) / 3
    risk contingency element = sum of the risks' EVs; zero with no risks (H.2.5)

Monte Carlo simulation (H.1.6): every trial draws every risk's occurrence and impact, independently,
and sums them. It is vectorised over trials (blocks of trials as numpy arrays, no per-trial Python
loop) and reproducible: numpy's default Generator (PCG64) seeded with the given seed, so the same
register, trials and seed give the same figures. Percentiles interpolate linearly between trials,
as Excel's PERCENTILE.INC does. The simulation mean converges to the EV; the standard error of the
mean is the register's exact standard deviation / sqrt(trials).

How a trial's cost of a risk is drawn (:func:`simulate_totals`), risk by risk over a block of trials:

- occurrence: a uniform ``u`` on [0, 1) (53 bits, as numpy's ``random()``); the risk occurs when
  ``u < p``. Given that it occurs, ``u / p`` is again uniform on [0, 1) and independent of the
  occurrence, so it serves as the first uniform of the impact; a certain risk (p = 1) draws it afresh;
- impact: only for the trials where the risk occurs, a triangular draw from two uniforms ``U1``,
  ``U2`` as ``minimum + width x (fc x max(U1, U2) + (1 - fc) x min(U1, U2))``, where ``fc`` is where
  the most likely value sits in the range: that variable is triangular with exactly the given
  minimum, most likely and maximum (Stein and Keblis, "A new method to simulate the triangular
  distribution", Mathematical and Computer Modelling 49 (2009)). A single impact takes no draw.

So each trial's total has exactly the distribution of the straightforward sampler (an occurrence and
a triangular draw for every risk in every trial), at a fraction of its draws and arithmetic.

The risk contingency element is reported separately from the other allowable costs, as the
regulations require contractors to report it (H.2.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .. import checks
from ..errors import PricingInputError
from ..tables import cell_text, read_table

#: Trials are drawn in blocks of this many, risk by risk, so that a block's arrays stay in the
#: processor's cache and memory stays bounded for any number of trials. Part of the seeded results.
BLOCK = 16_384
_TWO53 = float(2 ** 53)
_SHIFT = np.uint64(11)
MAX_TRIALS = 10_000_000
#: Seeds are whole numbers a spreadsheet cell holds exactly (2^53).
MAX_SEED = 2 ** 53
DEFAULT_TRIALS = 100_000
DEFAULT_SEED = 0
DEFAULT_BINS = 20

COLUMNS = ("id",)
OPTIONAL = ("description", "probability", "impact", "minimum", "most_likely", "maximum")
ALIASES = {"risk": "id", "risk id": "id", "likelihood": "probability", "p": "probability",
           "cost impact": "impact", "min": "minimum", "ml": "most_likely", "mode": "most_likely",
           "max": "maximum"}


@dataclass(frozen=True)
class Risk:
    """A risk as entered: a single ``impact`` with a ``probability``, or a three-point estimate
    (``minimum``, ``most_likely``, ``maximum``) with an optional ``probability``."""

    id: str
    description: str = ""
    probability: Any = None
    impact: Any = None
    minimum: Any = None
    most_likely: Any = None
    maximum: Any = None
    row: int | None = None


@dataclass(frozen=True)
class RiskResult:
    """One risk's parameters as used, its mean impact, expected value and variance."""

    id: str
    description: str
    kind: str  # "single" or "three-point"
    probability: float
    minimum: float
    most_likely: float
    maximum: float
    mean_impact: float
    expected_value: float
    variance: float


@dataclass(frozen=True)
class RiskContingencyElement:
    """The risk contingency element at expected value (H.1.7; H.2), risk by risk."""

    risks: tuple[RiskResult, ...]
    expected_value: float
    variance: float

    @property
    def standard_deviation(self) -> float:
        return math.sqrt(self.variance)

    def table(self) -> list[list[Any]]:
        rows: list[list[Any]] = [["Risk", "Description", "Kind", "Probability", "Minimum", "Most likely",
                                  "Maximum", "Mean impact", "Expected value"]]
        for r in self.risks:
            rows.append([r.id, r.description, r.kind, r.probability, r.minimum, r.most_likely, r.maximum,
                         r.mean_impact, r.expected_value])
        rows.append(["Total", "", "", "", "", "", "", "", self.expected_value])
        return rows


@dataclass(frozen=True)
class RiskSimulation:
    """A Monte Carlo simulation of the register's total cost (H.1.6).

    ``bin_edges`` has one more entry than ``counts``; ``totals`` holds every trial's total.
    """

    trials: int
    seed: int
    expected_value: float
    mean: float
    standard_error: float
    p50: float
    p80: float
    p90: float
    bin_edges: tuple[float, ...]
    counts: tuple[int, ...]
    totals: np.ndarray = field(repr=False, compare=False)

    def percentile(self, q: Any) -> float:
        """The q-th percentile of the simulated total, q a fraction (0.8 for P80)."""
        return float(np.quantile(self.totals, percentile(q)))

    def table(self) -> list[list[Any]]:
        rows: list[list[Any]] = [["Figure", "Value", ""]]
        for label, value in (("Trials", self.trials), ("Seed", self.seed), ("Expected value (H.1.7)",
                             self.expected_value), ("Simulated mean", self.mean),
                             ("Standard error of the mean", self.standard_error), ("P50", self.p50),
                             ("P80", self.p80), ("P90", self.p90)):
            rows.append([label, value, ""])
        rows.append(["Bin from", "Bin to", "Trials"])
        for lo, hi, n in zip(self.bin_edges[:-1], self.bin_edges[1:], self.counts):
            rows.append([lo, hi, n])
        return rows


def probability(name: str, value: Any) -> float:
    """A probability as a fraction, 0..1; 30 meaning 30% is refused with a hint."""
    v = float(checks.number(name, checks.single(name, value)))
    if 1 < v <= 100:
        raise PricingInputError(f"{name} {checks.fmt(v)} is outside 0..1: a probability is a fraction, so "
                                f"{checks.fmt(v)}% is {checks.fmt(v / 100)}")
    if not 0 <= v <= 1:
        raise PricingInputError(f"{name} {checks.fmt(v)} is outside 0..1: a probability is a fraction from 0 to 1")
    return v


def percentile(value: Any, name: str = "percentile") -> float:
    """A percentile as a fraction, 0..1 (0.8 for P80); 80 meaning 80% is refused with a hint."""
    v = float(checks.number(name, checks.single(name, value)))
    if 1 < v <= 100:
        raise PricingInputError(f"{name} {checks.fmt(v)} is outside 0..1: give it as a fraction, so P{checks.fmt(v)} "
                                f"is {checks.fmt(v / 100)} ({checks.fmt(v)}%)")
    if not 0 <= v <= 1:
        raise PricingInputError(f"{name} {checks.fmt(v)} is outside 0..1: give it as a fraction, 0.8 for P80")
    return v


def _impact(name: str, value: Any) -> float:
    v = float(checks.money(name, value))
    if v < 0:
        raise PricingInputError(f"{name} {checks.fmt(v)} is negative: a risk's impact is the cost it adds, zero or "
                                f"more (reflect an opportunity by lowering the cost lines it affects)")
    return v


def _result(risk: Risk) -> RiskResult:
    where = f"risk {risk.id}" + (f" (row {risk.row})" if risk.row is not None else "")
    points = {"minimum": risk.minimum, "most likely": risk.most_likely, "maximum": risk.maximum}
    given = [k for k, v in points.items() if v is not None]
    if risk.impact is not None and given:
        raise PricingInputError(f"{where} has an impact and a three-point estimate: give a single impact with a "
                                f"probability, or minimum, most likely and maximum, not both")
    if risk.impact is not None:
        if risk.probability is None:
            raise PricingInputError(f"{where} probability is empty: a single impact needs the probability that it "
                                    f"occurs (a cost certain to occur is a cost line, not a risk)")
        p = probability(f"{where} probability", risk.probability)
        x = _impact(f"{where} impact", risk.impact)
        return RiskResult(risk.id, risk.description, "single", p, x, x, x, x, p * x, p * (1 - p) * x * x)
    if not given:
        raise PricingInputError(f"{where} has no impact: enter an impact and a probability, or minimum, most likely "
                                f"and maximum")
    if len(given) < 3:
        missing = [k for k in points if k not in given]
        raise PricingInputError(f"{where} {missing[0]} is empty: a three-point estimate needs minimum, most likely "
                                f"and maximum")
    a = _impact(f"{where} minimum", risk.minimum)
    c = _impact(f"{where} most likely", risk.most_likely)
    b = _impact(f"{where} maximum", risk.maximum)
    if a > c:
        raise PricingInputError(f"{where} minimum {checks.fmt(a)} is above its most likely {checks.fmt(c)}: a "
                                f"three-point estimate needs minimum <= most likely <= maximum")
    if c > b:
        raise PricingInputError(f"{where} most likely {checks.fmt(c)} is above its maximum {checks.fmt(b)}: a "
                                f"three-point estimate needs minimum <= most likely <= maximum")
    p = 1.0 if risk.probability is None else probability(f"{where} probability", risk.probability)
    mean = (a + c + b) / 3
    var_x = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    return RiskResult(risk.id, risk.description, "three-point", p, a, c, b, mean, p * mean,
                      p * (var_x + mean * mean) - (p * mean) ** 2)



def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def risks_from_table(table: Any) -> list[Risk]:
    """Risks from a range with a header row: id, and optionally description, probability, impact,
    minimum, most_likely, maximum. A header row with no risks is an empty register (H.2.5)."""
    if isinstance(table, (list, tuple)) and table and isinstance(table[0], (list, tuple)) and all(
            all(_blank(v) for v in row) for row in table[1:]):
        read_table("risk register", [table[0], ["-"] * len(table[0])], COLUMNS, OPTIONAL, ALIASES)  # headers only
        return []
    rows = read_table("risk register", table, COLUMNS, OPTIONAL, ALIASES)
    risks = []
    for r in rows:
        if _blank(r["id"]):
            raise PricingInputError(f"risk register row {r['_row']} id is empty: give every risk an id")
        risks.append(Risk(cell_text(r["id"]), cell_text(r["description"]), r["probability"], r["impact"], r["minimum"],
                          r["most_likely"], r["maximum"], r["_row"]))
    return risks


def _as_risks(register: Any) -> list[Risk]:
    if register is None:
        raise PricingInputError("risk register is empty: select a range with a header row (id, probability, impact "
                                "or minimum, most likely, maximum); a header row alone is a register with no risks")
    if isinstance(register, (list, tuple)) and (not register or all(isinstance(r, Risk) for r in register)):
        return list(register)
    return risks_from_table(register)


def _results(register: Any) -> tuple[RiskResult, ...]:
    risks = _as_risks(register)
    seen: set[str] = set()
    for r in risks:
        if r.id in seen:
            raise PricingInputError(f"risk {r.id} appears twice in the register: each risk once")
        seen.add(r.id)
    return tuple(_result(r) for r in risks)


def risk_contingency_element(register: Sequence[Risk] | Any) -> RiskContingencyElement:
    """Risk contingency element at expected value: the sum over risks of probability x mean impact (guidance H.1.7, H.2).

    Args:
        register: Risks, or a table with a header row: id, and optionally description,
            probability (a fraction, 0..1), impact (money), minimum, most_likely, maximum (money).

    Examples:
        A 25% chance of £40,000, and a certain cost of £10,000 to £25,000, most likely £16,000:

        >>> r = risk_contingency_element([Risk("R1", probability=0.25, impact=40_000),
        ...                               Risk("R2", minimum=10_000, most_likely=16_000, maximum=25_000)])
        >>> [x.expected_value for x in r.risks], r.expected_value
        ([10000.0, 17000.0], 27000.0)

        No costs affected by risk, no risk contingency element (H.2.5):

        >>> risk_contingency_element([]).expected_value
        0.0
    """
    results = _results(register)
    return RiskContingencyElement(results, math.fsum(r.expected_value for r in results),
                                  math.fsum(r.variance for r in results))


def _parameters(results: Sequence[RiskResult]) -> tuple[np.ndarray, ...]:
    p = np.array([r.probability for r in results], dtype=float)
    a = np.array([r.minimum for r in results], dtype=float)
    c = np.array([r.most_likely for r in results], dtype=float)
    b = np.array([r.maximum for r in results], dtype=float)
    return p, a, c, b


def simulate_totals(p: np.ndarray, a: np.ndarray, c: np.ndarray, b: np.ndarray, trials: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Totals of ``trials`` draws of the register (columns p, minimum, most likely, maximum).

    Per block of ``BLOCK`` trials and per risk (see the module's notes): one 53-bit uniform per trial
    decides occurrence (``u < p``) and, rescaled (``u / p``), is the impact's first uniform; a second
    uniform, only for the trials where the risk occurs, completes the triangular draw
    ``minimum + width x (fc x max + (1 - fc) x min)``. A single impact (minimum = most likely = maximum)
    draws no impact; a risk of probability 0 draws nothing. The order of the draws is fixed, so the
    same register, trials and generator state give the same totals.
    """
    bits = rng.bit_generator
    width = b - a
    fc = np.divide(c - a, width, out=np.zeros_like(width), where=width > 0)  # where the mode sits, 0..1
    hi_weight, lo_weight = width * fc, width * (1.0 - fc)
    # u < p for u = k / 2^53 (k the top 53 bits of a raw 64-bit draw) is raw < ceil(p * 2^53) * 2^11
    cut = [None if q >= 1 else np.uint64(math.ceil(q * _TWO53) << 11) for q in p.tolist()]
    out = np.zeros(trials)
    for start in range(0, trials, BLOCK):
        n = min(BLOCK, trials - start)
        block = out[start:start + n]
        for j in range(p.size):
            q = float(p[j])
            if q <= 0.0:
                continue
            certain = cut[j] is None
            if width[j] == 0.0:  # a single impact: the amount, where it occurs
                if certain:
                    block += a[j]
                else:
                    block += np.where(bits.random_raw(n) < cut[j], a[j], 0.0)
                continue
            raw = bits.random_raw(n)
            if certain:
                where, first = None, raw
            else:
                where = np.flatnonzero(raw < cut[j])
                first = raw[where]
            u1 = (first >> _SHIFT).astype(np.float64)
            u1 *= 1.0 / (_TWO53 * q)  # u / p, uniform on [0, 1) given u < p
            u2 = (bits.random_raw(u1.size) >> _SHIFT).astype(np.float64)
            u2 *= 1.0 / _TWO53
            low = np.minimum(u1, u2)
            np.maximum(u1, u2, out=u1)
            u1 *= hi_weight[j]
            low *= lo_weight[j]
            u1 += low
            u1 += a[j]
            if where is None:
                block += u1
            else:
                block[where] += u1
    return out


def simulate_risk(register: Sequence[Risk] | Any, *, trials: Any = DEFAULT_TRIALS, seed: Any = DEFAULT_SEED,
                  bins: Any = DEFAULT_BINS) -> RiskSimulation:
    """Monte Carlo simulation of the register's total cost: mean, P50, P80, P90 and a histogram (guidance H.1.6).

    Args:
        register: as for :func:`risk_contingency_element`.
        trials: the number of trials, a whole number from 1 to 10,000,000.
        seed: the seed of numpy's default Generator, a whole number from 0 to 2^53; the same
            register, trials and seed give the same results.
        bins: the number of histogram bins, 1 to 1,000.

    Examples:
        >>> s = simulate_risk([Risk("R1", probability=0.25, impact=40_000)], trials=10_000, seed=1)
        >>> s.p50, s.p90, s.expected_value
        (0.0, 40000.0, 10000.0)
    """
    n = checks.positive_int("trials", trials, lo=1, hi=MAX_TRIALS)
    s = checks.positive_int("seed", seed, lo=0, hi=MAX_SEED)
    k = checks.positive_int("bins", bins, lo=1, hi=1000)
    results = _results(register)
    ev = math.fsum(r.expected_value for r in results)
    sd = math.sqrt(math.fsum(r.variance for r in results))
    totals = simulate_totals(*_parameters(results), n, np.random.default_rng(s))
    p50, p80, p90 = (float(v) for v in np.quantile(totals, [0.5, 0.8, 0.9]))
    lo, hi = float(totals.min()), float(totals.max())
    if lo == hi:
        edges, counts = (lo, hi), (n,)
    else:
        c, e = np.histogram(totals, bins=k, range=(lo, hi))
        edges, counts = tuple(float(x) for x in e), tuple(int(x) for x in c)
    return RiskSimulation(n, s, ev, float(totals.mean()), sd / math.sqrt(n), p50, p80, p90, edges, counts, totals)
