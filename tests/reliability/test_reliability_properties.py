"""Generated inputs, good and bad, through the worksheet functions and through regeneration.

A worksheet function gives either a finite figure equal to the core's arithmetic (only when every
input keeps its rule) or a message, never an unexpected failure. A regenerated workbook either
succeeds with figures equal to the core's, written into the file, or fails with a message naming
an input, and leaves no file.
"""

from __future__ import annotations

import datetime as dt
import os
import inspect
import math
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume, given, settings, strategies as st

import udfs
from sscr import checks
from sscr.profit_rate import CSA_SLIP
from sscr.rates import default_table, rates_for
from sscr.workbooks.fill import excel_precision, expected_values
from sscr.workbooks.package import XlsxPackage
from sscr.workbooks.regenerate import FAILED, regenerate_one

from cells import BY_KEY, template_path, write_inputs
from workbook_helpers import named_cell

UNEXPECTED = "could not calculate"
#: The core's bounds allow for floating point error of 1e-12 (sscr.checks.rate).
TOL = 1e-12
EXAMPLES = int(os.environ.get("SSCR_PROPERTY_EXAMPLES", "150"))

# --- what a cell may hold --------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
anything_numeric = st.floats(allow_nan=True, allow_infinity=True)
formula_like = st.sampled_from(["=1+1", "+1", "-1", "@A1", "=cmd|'/c calc'!A1", "8.24%", "5%", "", "  ", "£1,000"])
cell = st.one_of(st.none(), anything_numeric, st.floats(-2, 2), st.text(max_size=12), formula_like, st.booleans(),
                 st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)), st.integers(-10**6, 10**6))
rate_like = st.one_of(st.floats(-0.3, 0.3), st.floats(-30, 30), cell)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# --- worksheet functions ---------------------------------------------------------------------------

@pytest.mark.reliability("property: worksheet functions")
def test_cpr_is_the_core_arithmetic_or_a_message(tally):
    seen = []

    @settings(max_examples=400, deadline=None, database=None)
    @given(rate_like, rate_like, rate_like, rate_like)
    def run(bpr, cra, ia, csa):
        seen.append(1)
        result = udfs.CPR(bpr, cra, ia, csa)
        valid = (all(is_number(v) for v in (bpr, cra, ia, csa)) and -TOL <= bpr < 1 and -0.25 - TOL <= cra <= 0.25 + TOL
                 and -TOL <= ia <= 0.02 + TOL and abs(csa) < CSA_SLIP)
        if isinstance(result, str):
            assert result.startswith("Error: ") and UNEXPECTED not in result, result
            assert not valid, f"valid inputs refused: {result}"
        else:
            assert valid, f"CPR{(bpr, cra, ia, csa)} gave {result!r}: a figure from a bad input"
            assert math.isfinite(result)
            assert result == pytest.approx(bpr + bpr * cra + ia + csa, abs=1e-15)

    run()
    tally(cases=len(seen))


@pytest.mark.reliability("property: worksheet functions")
def test_price_is_the_core_arithmetic_or_a_message(tally):
    seen = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.one_of(st.floats(-10, 1e14), cell), rate_like)
    def run(ac, cpr):
        seen.append(1)
        result = udfs.PRICE_FROM_CPR(ac, cpr)
        valid = is_number(ac) and is_number(cpr) and 0 <= ac <= 1e13 and abs(cpr) < 1
        if isinstance(result, str):
            assert result.startswith("Error: ") and UNEXPECTED not in result, result
            assert not valid, result
        else:
            assert valid, f"PRICE_FROM_CPR{(ac, cpr)} gave {result!r}"
            assert result == pytest.approx(ac * (1 + cpr), rel=1e-15, abs=1e-9)

    run()
    tally(cases=len(seen))


@pytest.mark.reliability("property: worksheet functions")
def test_every_worksheet_function_gives_a_figure_or_a_message(tally):
    """Every function with generated arguments (scalars and small ranges): finite figures or a
    message; never an unexpected failure, NaN or infinity."""
    from udfs.edge import REGISTRY
    names = sorted(REGISTRY)
    seen = []
    table = st.lists(st.lists(st.one_of(cell, st.sampled_from(["name", "parent", "PC", "formula"])),
                              min_size=1, max_size=8), min_size=1, max_size=4)
    arg = st.one_of(cell, table)

    def counts(name):  # (required, all) arguments of a worksheet function
        inner = inspect.unwrap(REGISTRY[name])
        return inner.__code__.co_argcount - len(inner.__defaults__ or ()), inner.__code__.co_argcount

    # as many arguments as each function takes, from its required ones to all of its optional ones
    calls = st.sampled_from(names).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(arg, min_size=counts(n)[0], max_size=counts(n)[1])))

    @settings(max_examples=int(os.environ.get("SSCR_FUZZ_EXAMPLES", 600)), deadline=None, database=None)
    @given(calls)
    def run(call):
        name, args = call
        fn = REGISTRY[name]
        seen.append(name)
        result = fn(*args)
        values = [v for row in result for v in row] if isinstance(result, list) else [result]
        messages = [v for v in values if isinstance(v, str) and v.startswith("Error: ")]
        for m in messages:
            assert UNEXPECTED not in m, f"{name}{tuple(args)!r}: {m}"
        for v in values:
            if isinstance(v, float):
                assert math.isfinite(v), f"{name}{tuple(args)!r} gave {v}"

    run()
    tally(cases=len(seen))


# --- regeneration ----------------------------------------------------------------------------------

YEARS = [y.financial_year for y in default_table().years]
year = st.one_of(st.sampled_from(YEARS), st.sampled_from(["2031/32", "2024/26", "24/25", "2013/14"]), cell)
money = st.one_of(st.floats(-1e7, 1e7), st.floats(-1e15, 1e15), cell)


def values_for(key):
    """A strategy of input values for some of the template's inputs (the rest keep the template's)."""
    spec = BY_KEY[key].spec()
    by_kind = {"year": year, "cra": rate_like, "ia": rate_like, "rate": rate_like, "bpr": rate_like,
               "money": money, "money+": money, "positive": money, "text": cell,
               "method": st.one_of(st.sampled_from(["formula", "commercial", "firm", "guess"]), cell)}
    names = sorted(spec.inputs)
    return st.dictionaries(st.sampled_from(names), st.deferred(lambda: st.none()), max_size=4).flatmap(
        lambda chosen: st.fixed_dictionaries({n: by_kind.get(spec.inputs[n].kind, cell) for n in chosen}))


def writable(values):
    """What an xlsx cell can hold: no NaN or infinity (a spreadsheet has none), dates as serials."""
    out = {}
    for name, v in values.items():
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        if isinstance(v, dt.datetime):
            v = (v - dt.datetime(1899, 12, 30)).days
        out[name] = v
    return out


#: Inputs on a row of a table (a component, a cost line) are named by the row, as the user named it;
#: derived figures by their guidance name.
ROW_WORDS = ("component ", "cost line ", "capital employed", "CP:CE ratio", "capital servicing adjustment",
             "rates file", "contract level cost risk adjustment", "contract level incentive adjustment")


def check_regeneration(key, values, source, root):
    template = BY_KEY[key]
    result = regenerate_one(source, root / "out")
    out = root / "out" / source.name
    if result.status == FAILED:
        assert result.message and "Traceback" not in result.message and "unexpectedly" not in result.message
        # the input by its defined name, or by the name the user gave the row it is on
        named = [n for n in [*template.spec().inputs, *ROW_WORDS] if n in result.message]
        assert named, f"{result.message!r} names no input"
        assert not out.exists()
        return "failed"
    # succeeded: every figure is the core's, in the result and in the file's cached values
    inputs = {}
    wb_in = openpyxl.load_workbook(source, data_only=True)
    for name in template.spec().inputs:
        inputs[name] = named_cell(wb_in, name).value
    expected = expected_values(template, inputs)
    for name, value in result.headline.items():
        assert value == expected[name] or (value is None and expected[name] is None), name
    wb_out = openpyxl.load_workbook(out, data_only=True)
    for name, value in expected.items():
        got = named_cell(wb_out, name).value
        if value is None:
            continue
        if isinstance(value, str):  # a text figure (the BPR's evidence, a guidance version)
            assert got == value, (name, got, value)
            continue
        assert got == excel_precision(float(value)), (name, got, value)
    if key == "profit_rate":  # and, independently of the fill, the regulation's arithmetic
        for i in (1, 2):
            bpr = rates_for(str(inputs[f"Financial_year_{i}"]).strip()).baseline_profit_rate
            cpr = bpr + bpr * inputs[f"CRA_{i}"] + inputs[f"IA_{i}"] + inputs[f"CSA_{i}"]
            assert result.headline[f"CPR_{i}"] == pytest.approx(cpr, abs=1e-15)
    return "ok"


@pytest.mark.reliability("property: regeneration")
@pytest.mark.parametrize("key", ["profit_rate", "capital_servicing", "poco", "aggregation", "contract_model"])
def test_regeneration_gives_the_core_figures_or_names_the_input(tally, key):
    """Generated values written with the package writer (text as text) into a copy of the template."""
    seen = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(values_for(key))
    def run(values):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            package = XlsxPackage.open(template_path(key))
            write_inputs(package, writable(values))
            source = root / "gen.xlsx"
            package.save(source)
            seen.append(check_regeneration(key, values, source, root))

    run()
    tally(cases=len(seen))


@pytest.mark.reliability("property: regeneration")
def test_regeneration_of_workbooks_saved_by_openpyxl(tally):
    """The same with the values typed in by openpyxl (shared strings, openpyxl's own XML)."""
    seen = []

    @settings(max_examples=60, deadline=None, database=None)
    @given(values_for("profit_rate"))
    def run(values):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        assume(not any(isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v) for v in values.values()))
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            wb = openpyxl.load_workbook(template_path("profit_rate"))
            for name, v in writable(values).items():
                c = named_cell(wb, name)
                c.value = v
                if isinstance(v, str):
                    c.data_type = "s"  # typed text stays text, as in a spreadsheet with a leading '
            source = root / "gen.xlsx"
            wb.save(source)
            seen.append(check_regeneration("profit_rate", values, source, root))

    run()
    tally(cases=len(seen))
