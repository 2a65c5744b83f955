"""Pricing a portfolio: thousands to millions of components at once, each priced by the four steps of
regulation 11 and the pricing formula, through the same functions that price a single worksheet cell.

One row a component. Columns are matched by name (any case; spaces, underscores and hyphens
ignored; any order):

- ``allowable_costs``, ``cra`` (a fraction of the BPR), ``ia`` (rate fraction): required.
- The step 1 rate: ``bpr`` (a fraction; the government owned contractor rate on a GOCR row), or a
  ``date_of_agreement`` (a date, a financial year such as "2024/25", or its start year) whose
  published rate is looked up. A rate given in the row wins over the published one.
- Step 4: ``csa`` (a rate fraction), or the capital figures to compute it by Appendix B:
  ``fixed_capital``, ``working_capital`` or ``capital_employed`` (or both, which must agree), and
  ``cost_of_production``, with the three capital servicing rates given
  (``fixed_capital_servicing_rate``, ``positive_working_capital_servicing_rate``,
  ``negative_working_capital_servicing_rate``) or looked up by the date of agreement.
- Optional ``rate_type`` ("standard" or "GOCR") and ``cost_of_capital_agreed`` (TRUE/FALSE).
- Optional ``contract_kind``: "QDC" (the default) or "QSC". With the date of agreement it sets the
  maximum incentive adjustment (:func:`sscr.rules.incentive_cap`): 2pp, or 10pp for a QDC agreed on
  or after 5 June 2026. Without a date of agreement the maximum is 2pp.

Any other column (a component's name, a contract number) is carried through untouched.

The arithmetic runs once over arrays, through :func:`sscr.capital_servicing.capital_servicing_adjustment`,
:func:`sscr.profit_rate.contract_profit_rate` and :func:`sscr.price.formula_price`: one call per
form of input (working capital given, capital employed given, or both; standard rate, GOCR with or
without an agreed cost of capital). The checks inside those functions run in
:func:`sscr.checks.collecting` mode, so every bad row is found at once, with the message a single
cell would show; a row that fails gets no figures, only its ``error``, and the other rows are priced
again without it, so that no figure ever comes from a call that saw a bad row. Rows whose form fits
no array call (a GOCR row given a capital servicing adjustment without an agreed cost of capital,
or capital figures with a piece missing) are few, and go through the scalar functions one by one.
"""

from __future__ import annotations

import difflib
import os
import warnings
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from . import checks
from .capital_servicing import DOUBLE_CHECK_NOTE, capital_servicing_adjustment, needs_double_check
from .final_price_adjustment import final_price_adjustment
from .errors import CapitalServicingWarning, PricingInputError
from .price import formula_price
from .profit_rate import FOUR_STEPS_FROM, contract_profit_rate, incentive_limit
from .rules import QDC, contract_kind
from .rates import (EVIDENCE, CapitalServicingRates, PublishedRates, default_table, financial_year_label,
                    parse_when, rate_key)
from .tables import flag, normalise

if TYPE_CHECKING:  # pandas is imported when a portfolio is priced, not with the core
    import pandas as pd

#: Input columns: canonical name -> the input's name in messages (the core's own names).
MONEY = {"allowable_costs": "allowable costs", "fixed_capital": "fixed capital",
         "working_capital": "working capital", "capital_employed": "capital employed",
         "cost_of_production": "cost of production", "outturn_costs": "outturn costs"}
RATE_INPUTS = {"bpr": "baseline profit rate", "cra": "cost risk adjustment", "ia": "incentive adjustment",
               "csa": "capital servicing adjustment",
               "fixed_capital_servicing_rate": "fixed capital servicing rate",
               "positive_working_capital_servicing_rate": "positive working capital servicing rate",
               "negative_working_capital_servicing_rate": "negative working capital servicing rate"}
NUMBERS = {**MONEY, **RATE_INPUTS}
OTHER_INPUTS = ("date_of_agreement", "rate_type", "cost_of_capital_agreed", "contract_kind")
INPUTS = (*NUMBERS, *OTHER_INPUTS)
REQUIRED = ("allowable_costs", "cra", "ia")
ALIASES = {"ac": "allowable_costs", "baseline_profit_rate": "bpr", "cost_risk_adjustment": "cra",
           "incentive_adjustment": "ia", "capital_servicing_adjustment": "csa", "date": "date_of_agreement",
           "agreement_date": "date_of_agreement", "fixed_rate": "fixed_capital_servicing_rate",
           "positive_working_rate": "positive_working_capital_servicing_rate",
           "negative_working_rate": "negative_working_capital_servicing_rate",
           "cost_of_capital": "cost_of_capital_agreed", "kind": "contract_kind"}
CAPITAL = ("fixed_capital", "working_capital", "capital_employed", "cost_of_production")
CSA_RATES = ("fixed_capital_servicing_rate", "positive_working_capital_servicing_rate",
             "negative_working_capital_servicing_rate")

#: Appendix B figures written for a computed capital servicing adjustment: column -> result field.
CSA_FIGURES = {
    "csa_capital_employed": "capital_employed", "csa_working_capital": "working_capital",
    "csa_cp_ce_ratio": "cp_ce_ratio", "csa_fixed_proportion": "fixed_proportion",
    "csa_positive_working_proportion": "positive_working_proportion",
    "csa_negative_working_proportion": "negative_working_proportion",
    "csa_fixed_rate": "rates.fixed", "csa_positive_working_rate": "rates.positive_working",
    "csa_negative_working_rate": "rates.negative_working", "csa_fixed_allowance": "fixed_allowance",
    "csa_positive_working_allowance": "positive_working_allowance",
    "csa_negative_working_allowance": "negative_working_allowance",
    "csa_allowance": "capital_servicing_allowance", "csa_fixed_element": "fixed_element",
    "csa_positive_working_element": "positive_working_element",
    "csa_negative_working_element": "negative_working_element",
}
#: The section 7 table: column -> ContractProfitRate field.
STEPS = {"step_1_rate": "baseline_profit_rate", "step_2_cost_risk_adjustment": "cra_points",
         "step_3_incentive_adjustment": "incentive_adjustment",
         "step_4_capital_servicing_adjustment": "capital_servicing_adjustment",
         "after_step_1": "after_step_1", "after_step_2": "after_step_2", "after_step_3": "after_step_3",
         "contract_profit_rate": "contract_profit_rate"}
#: Columns the pricing writes, after the input's own columns, in this order.
OUTPUTS = ("file_row", "financial_year", "rates_evidence", "rate_type_used", *STEPS, *CSA_FIGURES,
           "profit", "price", "final_price_adjustment", "note", "error")
_TEXT_OUTPUTS = ("financial_year", "rates_evidence", "rate_type_used", "note", "error")
_FLOAT_OUTPUTS = tuple(c for c in OUTPUTS if c not in _TEXT_OUTPUTS and c != "file_row")

_GOCR = "government_owned_contractor_rate"
_BPR = "baseline_profit_rate"


def price_portfolio(portfolio: "pd.DataFrame", *, rates_file: str | os.PathLike[str] | None = None,
                    first_row: int = 2) -> "pd.DataFrame":
    """Price every row of a portfolio of components: the four steps, the capital servicing
    adjustment (given, or computed by Appendix B), and the price by the pricing formula.

    Args:
        portfolio: a pandas DataFrame, one component a row, with the columns described in this
            module's documentation (matched by name, any case, any order).
        rates_file: optional user rates file laid over the packaged published rates (as
            :func:`sscr.rates.default_table`).
        first_row: the row number the user sees for the first data row (2 when a header row is
            row 1 of the file); ``file_row`` and the stderr summary of the command line use it.

    Returns:
        A new DataFrame: the input's columns unchanged, then :data:`OUTPUTS` (a portfolio that was
        priced before is priced afresh: the columns a pricing wrote are replaced). A row that fails has
        no figures and the reason in ``error`` (the message a worksheet cell would show: the input's
        name, the value and the rule); a wholly empty row is left empty. Rates and adjustments are
        fractions, money is in the input's unit. Missing figures are empty (NaN), never a number.

    Examples:
        Guidance section 7, Example 1 (CSA 3.01pp), on allowable costs of 1,000:

        >>> import pandas as pd
        >>> out = price_portfolio(pd.DataFrame({"allowable_costs": [1000.0], "bpr": [0.0824],
        ...                                     "cra": [-0.25], "ia": [0.01], "csa": [0.0301]}))
        >>> round(float(out.loc[0, "contract_profit_rate"]), 6), round(float(out.loc[0, "price"]), 2)
        (0.1019, 1101.9)
    """
    import pandas as pd

    if not isinstance(portfolio, pd.DataFrame):
        raise PricingInputError(f"portfolio is {checks.fmt(portfolio)}: give a pandas DataFrame, one component a row")
    portfolio = without_previous_pricing(portfolio)
    columns = match_columns(portfolio.columns)
    n = len(portfolio)
    if n == 0:
        raise PricingInputError("portfolio has a header row but no rows of components")
    p = _Pricing(portfolio, columns, rates_file)
    p.run()
    extra = pd.DataFrame(p.outputs(first_row, portfolio.index), index=portfolio.index, copy=False)
    return pd.concat([portfolio, extra], axis=1)


def without_previous_pricing(portfolio: "pd.DataFrame") -> "pd.DataFrame":
    """A portfolio priced before (every column the pricing writes is there) without those columns,
    so that it can be priced again, under other rates; otherwise the portfolio as it is."""
    written = {normalise(c) for c in OUTPUTS}
    previous = [c for c in portfolio.columns if normalise(c) in written]
    if len({normalise(c) for c in previous}) == len(written):
        return portfolio.drop(columns=previous)
    return portfolio


def failures(priced: "pd.DataFrame") -> list[tuple[int, str]]:
    """(row as the user sees it, reason) for every row of a priced portfolio that failed."""
    bad = priced["error"].notna().to_numpy()
    rows = priced["file_row"].to_numpy()[bad]
    return [(int(r), str(e)) for r, e in zip(rows, priced["error"].to_numpy()[bad])]


def match_columns(labels: Sequence[Any]) -> dict[str, Any]:
    """Canonical input name -> the DataFrame's column label, for the columns it recognises.

    Other columns are carried through; but one whose name is a near miss of an input's is refused
    (a misspelt header would otherwise be ignored), and so is one that has the name of a column the
    pricing writes (it would be overwritten).
    """
    known = {normalise(c): c for c in INPUTS}
    known.update({normalise(a): c for a, c in ALIASES.items()})
    written = {normalise(c): c for c in OUTPUTS}
    found: dict[str, Any] = {}
    for label in labels:
        key = normalise(label)
        if key in known:
            canonical = known[key]
            if canonical in found:
                raise PricingInputError(f"portfolio header names column {canonical} twice "
                                        f"({checks.fmt(str(found[canonical]))} and {checks.fmt(str(label))})")
            found[canonical] = label
        elif key in written:
            raise PricingInputError(
                f"portfolio column {checks.fmt(str(label))} has the name of a column the pricing writes "
                f"({written[key]}): rename or remove it, so that nothing you wrote is overwritten")
        elif key:
            near = difflib.get_close_matches(key, list(known), n=1, cutoff=0.85)
            if near:
                raise PricingInputError(
                    f"portfolio column {checks.fmt(str(label))} is not an input, but is close to "
                    f"{known[near[0]]}: correct the header if that is what it holds, or rename it")
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise PricingInputError(f"portfolio has no {missing[0]} column: the header row must name "
                                f"{', '.join(REQUIRED)}, the step 1 rate (bpr) or date_of_agreement, and csa "
                                f"or the capital figures")
    if "bpr" not in found and "date_of_agreement" not in found:
        raise PricingInputError("portfolio has neither a bpr nor a date_of_agreement column: give the step 1 "
                                "rate, or the date of agreement to look up the published rate")
    if "csa" not in found and "cost_of_production" not in found and "rate_type" not in found:
        raise PricingInputError("portfolio has no csa column and no capital figures (fixed_capital, "
                                "working_capital or capital_employed, cost_of_production): give the step 4 "
                                "capital servicing adjustment or the figures to compute it")
    return found


# --- reading the columns -----------------------------------------------------------------------------

def _message(call: Callable[[], Any]) -> str | None:
    """The message a core call raises, or None when it raises nothing."""
    try:
        call()
    except PricingInputError as exc:
        return str(exc)
    return None


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, str):
        return not value.strip()
    try:
        import pandas as pd
        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


@dataclass
class _Column:
    values: np.ndarray          # float64, NaN where empty or not a number
    present: np.ndarray         # a number is there (finite or not)
    bad: dict[int, Any]         # row -> the cell that is not a number (text, TRUE/FALSE, a date)


def _numbers(series: "pd.Series") -> _Column:
    """A column as floats: empty cells are NaN and not present; other non-numbers are set aside."""
    import pandas as pd

    n = len(series)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raw = series.to_numpy(dtype=object)
        keep = ~pd.isna(series).to_numpy()
        return _Column(np.full(n, np.nan), np.zeros(n, bool), {int(i): raw[i] for i in np.flatnonzero(keep)})
    if pd.api.types.is_numeric_dtype(dtype):
        values = np.array(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)  # writable
        return _Column(values, ~np.isnan(values), {})
    raw = series.to_numpy(dtype=object)
    numeric = np.fromiter((_is_number(v) for v in raw), bool, n)
    values = np.full(n, np.nan)
    if numeric.any():
        values[numeric] = raw[numeric].astype(float)
    present = numeric & ~np.isnan(values)
    bad = {int(i): raw[i] for i in np.flatnonzero(~numeric) if not _is_blank(raw[i])}
    return _Column(values, present, bad)


def _distinct(series: "pd.Series", parse: Callable[[Any], Any], blank: Any) -> tuple[np.ndarray, dict[int, str]]:
    """Parse each distinct value of a column once: (parsed value per row, row -> message)."""
    import pandas as pd

    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    parsed: list[Any] = []
    messages: list[str | None] = []
    for u in uniques:
        if _is_blank(u):
            parsed.append(blank)
            messages.append(None)
            continue
        try:
            parsed.append(parse(u))
            messages.append(None)
        except PricingInputError as exc:
            parsed.append(blank)
            messages.append(str(exc))
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = parsed
    table[-1] = blank
    values = table[codes]  # code -1 (empty) takes the last entry
    out: dict[int, str] = {}
    bad_codes = [k for k, m in enumerate(messages) if m is not None]
    if bad_codes:
        for i in np.flatnonzero(np.isin(codes, bad_codes)):
            out[int(i)] = messages[codes[i]]  # type: ignore[assignment]
    return values, out


def _financial_years(series: "pd.Series") -> tuple[np.ndarray, dict[int, str]]:
    """Start year of the financial year (1 April) of each date, -1 where empty; row -> message."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        when = series.dt
        years = (when.year - (when.month < 4)).to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(years), -1, years).astype(np.int64), {}
    values, bad = _distinct(series, parse_when, -1)
    return values.astype(np.int64), bad


# --- the pricing ------------------------------------------------------------------------------------

class _Pricing:
    def __init__(self, frame: "pd.DataFrame", columns: dict[str, Any], rates_file: Any):
        self.frame = frame
        self.columns = columns
        self.rates_file = rates_file
        self.n = n = len(frame)
        self.error = np.full(n, None, dtype=object)
        self._nothing: np.ndarray | None = None
        self.out: dict[str, np.ndarray] = {}      # figures, each filled as its rows are priced
        self.note = np.zeros(n, bool)               # a computed CSA to double check (guidance 6.16)
        self.year_start = np.full(n, -1, np.int64)  # financial year of the date of agreement
        self.evidence_bits = np.zeros(n, np.int64)  # statuses of the published figures used
        self.gocr_used = np.full(n, -1, np.int8)    # 0 standard, 1 GOCR, -1 not priced
        self.priced = np.zeros(n, bool)

    # failures ---------------------------------------------------------------------------------------
    def fail(self, rows: Any, messages: Any) -> None:
        """Record a reason for each row that has none yet (the first reason found is the one given)."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        if rows.size == 0:
            return
        messages = np.broadcast_to(np.asarray(messages, dtype=object), rows.shape)
        fresh = np.equal(self.error[rows], None)
        self.error[rows[fresh]] = messages[fresh]

    def nothing(self) -> np.ndarray:
        """A column with no figures (NaN, which pandas shows as empty); read-only, so it can be shared."""
        if self._nothing is None:
            self._nothing = np.full(self.n, np.nan)
            self._nothing.flags.writeable = False
        return self._nothing

    def put(self, column: str, rows: np.ndarray, values: Any) -> None:
        """Figures for some rows of an output column (a whole column at once when every row has one)."""
        target = self.out.get(column)
        if target is None:
            if rows.size == self.n:  # every row: keep the result's own array, or a copy of a shared one
                fresh = (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.shape == rows.shape
                         and values.base is None and values.flags.writeable
                         and not any(values is other for other in self.out.values()))
                self.out[column] = values if fresh else np.array(np.broadcast_to(values, rows.shape), dtype=float)
                return
            target = self.out[column] = np.full(self.n, np.nan)
        target[rows] = values

    def ok(self) -> np.ndarray:
        return np.equal(self.error, None)

    def column(self, name: str) -> _Column:
        label = self.columns.get(name)
        if label is None:
            return _Column(self.nothing(), np.zeros(self.n, bool), {})
        return _numbers(self.frame[label])

    # the steps --------------------------------------------------------------------------------------
    def run(self) -> None:
        n = self.n
        nums = {name: self.column(name) for name in NUMBERS}
        self.blank = self._blank_rows()

        # Rate type and the agreed cost of capital, each distinct value read once.
        gocr = np.zeros(n, bool)
        if "rate_type" in self.columns:
            keys, bad = _distinct(self.frame[self.columns["rate_type"]], rate_key, _BPR)
            gocr = keys == _GOCR
            self._fail_map(bad)
        agreed = np.zeros(n, bool)
        if "cost_of_capital_agreed" in self.columns:
            flags, bad = _distinct(self.frame[self.columns["cost_of_capital_agreed"]],
                                   lambda v: flag("cost of capital agreed", v, False), False)
            agreed = flags.astype(bool)
            self._fail_map(bad)

        # Cells that are not numbers: the message the core gives for that cell.
        for name, col in nums.items():
            label = NUMBERS[name]
            for i, cell in col.bad.items():
                shown = "government owned contractor rate" if name == "bpr" and gocr[i] else label
                self.fail([i], _message(lambda: checks.number(shown, cell)))
        for name in REQUIRED:
            empty = np.flatnonzero(~nums[name].present & ~self.blank)
            self.fail(empty, _message(lambda: checks.number(NUMBERS[name], None)))

        # Dates to financial years (vectorised), and each distinct year looked up once.
        years = np.full(n, -1, dtype=np.int64)
        if "date_of_agreement" in self.columns:
            years, bad = _financial_years(self.frame[self.columns["date_of_agreement"]])
            self._fail_map(bad)
        dated = years >= 0
        six = np.flatnonzero(dated & (years < FOUR_STEPS_FROM.year))
        if six.size:
            for y in np.unique(years[six]):
                rows = six[years[six] == y]
                self.fail(rows, f"date of agreement in {financial_year_label(int(y))} is before 1 April 2024: the "
                                f"six-step process applies (guidance 1.23), which a portfolio does not price; use "
                                f"the six-step contract profit rate (CPR_SIX_STEP). The date is the one on which "
                                f"the price was agreed: an amendment agreed from 1 April 2024 is priced with four "
                                f"steps, so give the amendment's date")
        caps = self._incentive_caps()
        self.ia_limit, self.ia_rule = caps if caps is not None else (None, None)

        csa_given = nums["csa"].present
        capital_any = np.zeros(n, bool)
        for name in CAPITAL:
            capital_any |= nums[name].present
        both = np.flatnonzero(csa_given & capital_any)
        self.fail(both, "capital servicing adjustment is given and so are capital figures (fixed capital, working "
                        "capital, capital employed, cost of production): give the adjustment or the figures to "
                        "compute it, not both")
        plain_gocr = gocr & ~agreed
        needs_csa = ~plain_gocr
        compute = needs_csa & ~csa_given & capital_any
        self.fail(np.flatnonzero(needs_csa & ~csa_given & ~capital_any & ~self.blank),
                  "capital servicing adjustment is empty: enter it (0 for none; guidance 6.16 expects zero only "
                  "in exceptional circumstances) or the capital figures to compute it (fixed_capital, "
                  "working_capital or capital_employed, cost_of_production)")

        # Step 1 rate and the capital servicing rates: given in the row, or published for the year.
        lookups = self._lookups(years, dated)
        step1 = nums["bpr"].values.copy()
        from_table = ~nums["bpr"].present & ~self.blank
        evidence_bits = np.zeros(n, np.int64)
        for key, rows in ((_BPR, from_table & ~gocr), (_GOCR, from_table & gocr)):
            values, bits = self._published(key, rows, years, dated, lookups,
                                           "government owned contractor rate" if key == _GOCR else "baseline profit rate")
            step1[rows] = values[rows]
            evidence_bits |= bits
        # Rows given capital figures under a plain GOCR go one by one (the core decides), so they
        # need their servicing rates too.
        scalar_rows = plain_gocr & (csa_given | capital_any)
        rate_rows = compute | (scalar_rows & capital_any)
        servicing = []
        for key in CSA_RATES:
            col = nums[key]
            values = col.values.copy()
            rows = rate_rows & ~col.present
            looked, bits = self._published(key, rows, years, dated, lookups, RATE_INPUTS[key])
            values[rows] = looked[rows]
            evidence_bits |= bits
            servicing.append(values)
        self._evidence(evidence_bits, years, dated)

        # Capital figures with a piece missing fit no array call: the scalar core gives the reason.
        wc, ce = nums["working_capital"].present, nums["capital_employed"].present
        complete = nums["fixed_capital"].present & nums["cost_of_production"].present & (wc | ce)
        scalar_rows |= compute & ~complete
        compute &= complete
        self.one_by_one = scalar_rows
        scalar = np.flatnonzero(scalar_rows & self.ok())
        compute_rows = compute & self.ok() & ~scalar_rows

        csa = nums["csa"].values.copy()
        self._capital_servicing(compute_rows, nums, servicing, csa)
        self._profit_rates(gocr, agreed, plain_gocr, step1, nums, csa)
        self._prices(nums["allowable_costs"].values)
        for i in scalar:
            self._scalar_row(int(i), bool(gocr[i]), bool(agreed[i]), step1[i], nums, servicing)
        self._final_price(nums["outturn_costs"])
        self._finish()

    def _incentive_caps(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Each row's maximum incentive adjustment and the words of its rule, from its date of agreement
        and contract kind (as :func:`sscr.profit_rate.incentive_limit` gives a single cell), or None
        when the portfolio has neither column (2pp, as before)."""
        import pandas as pd

        if "date_of_agreement" not in self.columns and "contract_kind" not in self.columns:
            return None
        kinds = np.full(self.n, QDC, dtype=object)
        if "contract_kind" in self.columns:
            kinds, bad = _distinct(self.frame[self.columns["contract_kind"]], contract_kind, QDC)
            self._fail_map(bad)
        dates = (self.frame[self.columns["date_of_agreement"]].astype(object).to_numpy()
                 if "date_of_agreement" in self.columns else np.full(self.n, None, dtype=object))
        undated = incentive_limit(None, QDC)

        def cap(pair: tuple[Any, str]) -> tuple[float, str]:
            when, kind = pair
            if _is_blank(when):
                return incentive_limit(None, kind)
            try:
                return incentive_limit(when, kind)
            except PricingInputError:  # a date that is not one: its own message is already the row's
                return undated

        pairs = pd.Series([(d, k) for d, k in zip(dates, kinds)], dtype=object)
        found, _ = _distinct(pairs, cap, undated)
        limits = np.fromiter((f[0] for f in found), float, self.n)
        rules = np.array([f[1] for f in found], dtype=object)
        return limits, rules

    def _blank_rows(self) -> np.ndarray:
        """Rows with nothing in any column (a range drawn larger than its data): left alone."""
        import pandas as pd

        frame = self.frame
        if frame.shape[1] == 0:
            return np.zeros(self.n, bool)
        empty = np.array(pd.isna(frame).to_numpy(), dtype=bool)  # writable
        text = np.array([j for j, t in enumerate(frame.dtypes) if not (
            pd.api.types.is_numeric_dtype(t) or pd.api.types.is_datetime64_any_dtype(t))], dtype=np.int64)
        others = np.setdiff1d(np.arange(frame.shape[1]), text)
        candidates = np.flatnonzero(empty[:, others].all(axis=1)) if others.size else np.arange(self.n)
        for j in text:  # a cell of spaces is empty too; only rows empty elsewhere need looking at
            col = frame.iloc[:, j].to_numpy()[candidates]
            empty[candidates, j] |= np.fromiter((isinstance(v, str) and not v.strip() for v in col), bool,
                                                len(col))
        return empty.all(axis=1)

    def _fail_map(self, bad: dict[int, str]) -> None:
        for i, message in bad.items():
            self.fail([i], message)

    def _lookups(self, years: np.ndarray, dated: np.ndarray) -> dict[int, PublishedRates | str]:
        table = default_table(self.rates_file)
        found: dict[int, PublishedRates | str] = {}
        for y in np.unique(years[dated & self.ok()]):
            try:
                found[int(y)] = table.lookup(int(y))
            except PricingInputError as exc:
                found[int(y)] = str(exc)
        return found

    def _published(self, key: str, rows: np.ndarray, years: np.ndarray, dated: np.ndarray,
                   lookups: dict[int, PublishedRates | str], name: str) -> tuple[np.ndarray, np.ndarray]:
        """The published figure for each row in ``rows``, by its year; evidence bits for those rows."""
        values = np.full(self.n, np.nan)
        bits = np.zeros(self.n, np.int64)
        undated = np.flatnonzero(rows & ~dated)
        self.fail(undated, f"{name} is empty and there is no date of agreement to look it up by: give the rate, "
                           f"or the date of agreement")
        wanted = rows & dated
        for y, year in lookups.items():
            at = np.flatnonzero(wanted & (years == y))
            if at.size == 0:
                continue
            if isinstance(year, str):
                self.fail(at, year)
                continue
            try:
                values[at] = year.get(key)
            except PricingInputError as exc:
                self.fail(at, str(exc))
                continue
            status = year.evidence(key)
            if status in EVIDENCE:
                bits[at] |= 1 << EVIDENCE.index(status)
        return values, bits

    def _evidence(self, bits: np.ndarray, years: np.ndarray, dated: np.ndarray) -> None:
        self.year_start = np.where(dated, years, -1)
        self.evidence_bits = bits

    # array calls ------------------------------------------------------------------------------------
    def _call(self, rows: np.ndarray, call: Callable[[np.ndarray], Any]) -> tuple[np.ndarray, Any]:
        """Run ``call`` on the rows (indices) with the checks collecting every failure; fail those rows
        with their messages and, if any failed, run the call again on the others alone (checks raising),
        so that every figure used comes from a call whose every row passed. Returns (rows, result)."""
        if rows.size == 0:
            return rows, None
        with checks.collecting() as found, warnings.catch_warnings():
            warnings.simplefilter("ignore", CapitalServicingWarning)
            result = call(rows)
        if not found:
            return rows, result
        failed = np.zeros(rows.size, bool)
        for failure in found:
            fresh = np.flatnonzero(np.asarray(failure.mask, bool).ravel() & ~failed)
            for k in fresh:
                self.fail([rows[k]], failure.message(int(k)))
            failed[fresh] = True
        rows = rows[~failed]
        if rows.size == 0:
            return rows, None
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # as in the first call
            warnings.simplefilter("ignore", CapitalServicingWarning)
            return rows, call(rows)

    def _capital_servicing(self, compute: np.ndarray, nums: dict[str, _Column], servicing: list[np.ndarray],
                           csa: np.ndarray) -> None:
        wc, ce = nums["working_capital"].present, nums["capital_employed"].present
        fc, cp = nums["fixed_capital"].values, nums["cost_of_production"].values
        w, c = nums["working_capital"].values, nums["capital_employed"].values
        for form, given_wc, given_ce in ((wc & ~ce, True, False), (wc & ce, True, True), (~wc & ce, False, True)):
            rows = np.flatnonzero(compute & form)

            def call(r: np.ndarray, given_wc: bool = given_wc, given_ce: bool = given_ce) -> Any:
                rates = CapitalServicingRates(*(s[r] for s in servicing))
                return capital_servicing_adjustment(fc[r], w[r] if given_wc else None, cp[r], rates,
                                                    capital_employed=c[r] if given_ce else None)

            rows, result = self._call(rows, call)
            if result is None:
                continue
            csa[rows] = result.adjustment
            for column, field in CSA_FIGURES.items():
                value = result
                for part in field.split("."):
                    value = getattr(value, part)
                self.put(column, rows, value)
            self.note[rows[needs_double_check(result.adjustment)]] = True

    def _profit_rates(self, gocr: np.ndarray, agreed: np.ndarray, plain_gocr: np.ndarray, step1: np.ndarray,
                      nums: dict[str, _Column], csa: np.ndarray) -> None:
        cra, ia = nums["cra"].values, nums["ia"].values
        ready = self.ok() & ~self.blank & ~self.one_by_one
        for kind, rows, with_csa in (("standard", ready & ~gocr, True), ("GOCR", ready & gocr & agreed, True),
                                     ("GOCR", ready & plain_gocr, False)):
            idx = np.flatnonzero(rows)

            def call(r: np.ndarray, kind: str = kind, with_csa: bool = with_csa) -> Any:
                return contract_profit_rate(step1[r], cra[r], ia[r], csa[r] if with_csa else None,
                                            rate_type=kind, cost_of_capital_agreed=kind == "GOCR" and with_csa,
                                            ia_limit=None if self.ia_limit is None else self.ia_limit[r],
                                            ia_rule=None if self.ia_rule is None else self.ia_rule[r])

            idx, result = self._call(idx, call)
            if result is None:
                continue
            for column, field in STEPS.items():
                self.put(column, idx, getattr(result, field))
            self.gocr_used[idx] = kind == "GOCR"
            self.priced[idx] = True

    def _prices(self, allowable_costs: np.ndarray) -> None:
        rows = np.flatnonzero(self.priced & self.ok())
        cpr = self.out.get("contract_profit_rate", self.nothing())
        rows, result = self._call(rows, lambda r: formula_price(allowable_costs[r], cpr[r]))
        if result is not None:
            self.put("profit", rows, result.profit)
            self.put("price", rows, result.price)

    def _final_price(self, outturn: _Column) -> None:
        """Where the row gives its outturn costs, the final price adjustment of its price (regulations 16
        and 17; pounds, for the £5,000,000 and £250,000 tests; negative decreases the price)."""
        price = self.out.get("price", self.nothing())
        cpr = self.out.get("contract_profit_rate", self.nothing())
        rows = np.flatnonzero(outturn.present & self.ok() & np.isfinite(price))
        rows, result = self._call(rows, lambda r: final_price_adjustment(price[r], outturn.values[r], cpr[r]))
        if result is not None:
            self.put("final_price_adjustment", rows, result.adjustment)

    def _scalar_row(self, i: int, gocr: bool, agreed: bool, step1: float, nums: dict[str, _Column],
                    servicing: list[np.ndarray]) -> None:
        """A row whose form fits no array call, through the scalar functions a worksheet cell uses."""
        def cell(name: str) -> float | None:
            col = nums[name]
            return float(col.values[i]) if col.present[i] else None

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CapitalServicingWarning)
                result = None
                csa = cell("csa")
                if any(nums[c].present[i] for c in CAPITAL):
                    rates = CapitalServicingRates(*(float(s[i]) for s in servicing))
                    result = capital_servicing_adjustment(cell("fixed_capital"), cell("working_capital"),
                                                          cell("cost_of_production"), rates,
                                                          capital_employed=cell("capital_employed"))
                    csa = result.adjustment
                kind = "GOCR" if gocr else "standard"
                steps = contract_profit_rate(float(step1), cell("cra"), cell("ia"), csa, rate_type=kind,
                                             cost_of_capital_agreed=agreed,
                                             ia_limit=None if self.ia_limit is None else float(self.ia_limit[i]),
                                             ia_rule=None if self.ia_rule is None else str(self.ia_rule[i]))
                price = formula_price(cell("allowable_costs"), steps.contract_profit_rate)
        except PricingInputError as exc:
            self.fail([i], str(exc))
            return
        if result is not None:
            for column, field in CSA_FIGURES.items():
                value: Any = result
                for part in field.split("."):
                    value = getattr(value, part)
                self.put(column, np.array([i]), value)
            self.note[i] = bool(result.notes)
        for column, field in STEPS.items():
            self.put(column, np.array([i]), getattr(steps, field))
        self.put("profit", np.array([i]), price.profit)
        self.put("price", np.array([i]), price.price)
        self.gocr_used[i] = kind == "GOCR"
        self.priced[i] = True

    def _finish(self) -> None:
        gone = ~self.ok() | self.blank
        if gone.any():
            for values in self.out.values():
                values[gone] = np.nan
            self.note[gone] = False
            self.year_start[gone] = -1
            self.evidence_bits[gone] = 0
            self.gocr_used[gone] = -1
        self.error[self.blank] = None

    def outputs(self, first_row: int, index: Any) -> dict[str, Any]:
        """The output columns: figures as floats (empty is NaN), repeated labels as categoricals."""
        import pandas as pd

        def labels(codes: np.ndarray, names: Sequence[str]) -> Any:
            return pd.Categorical.from_codes(codes, categories=list(names))

        out: dict[str, Any] = {"file_row": np.arange(first_row, first_row + self.n, dtype=np.int64)}
        dated = self.year_start >= 0
        first = int(self.year_start[dated].min()) if dated.any() else 0
        last = int(self.year_start[dated].max()) if dated.any() else -1
        out["financial_year"] = labels(np.where(dated, self.year_start - first, -1),
                                       [financial_year_label(y) for y in range(first, last + 1)])
        used = np.flatnonzero(np.bincount(self.evidence_bits, minlength=2)[1:]) + 1  # sets of statuses seen
        code = np.full(1 << len(EVIDENCE), -1, np.int64)
        code[used] = np.arange(used.size)
        statuses = ["/".join(s for k, s in sorted(enumerate(EVIDENCE), key=lambda e: e[1]) if b & (1 << k))
                    for b in used]
        out["rates_evidence"] = labels(code[self.evidence_bits], statuses)
        out["rate_type_used"] = labels(self.gocr_used, ["standard", "GOCR"])
        for column in _FLOAT_OUTPUTS:
            out[column] = self.out.get(column, self.nothing())
        out["note"] = labels(np.where(self.note, 0, -1), [DOUBLE_CHECK_NOTE])
        out["error"] = pd.Series(self.error, index=index, dtype=object)
        return {c: out[c] for c in OUTPUTS}


