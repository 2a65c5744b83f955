"""Bad inputs to the worksheet functions, as Excel passes them: each gives its specific message in
the cell (the input, the value, the rule), never a traceback and never a number."""

from __future__ import annotations

import datetime as dt

import pytest

import udfs

NAN, INF = float("nan"), float("inf")
CHAIN = [["name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa"],
         ["PC", None, 200.0, 0.08, 0.0, 0.0, 0.015]]
COMPONENTS = [["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"],
              ["C1", "formula", 50.0, 0.08, 0.25, 0.0, 0.0173, None]]

CASES = [
    # CPR: types
    ("CPR", ("8.24%", 0.0, 0.0, 0.01), "baseline profit rate is text ('8.24%'), not a number; it looks like a number"),
    ("CPR", ("eight", 0.0, 0.0, 0.01), "baseline profit rate is text ('eight'), not a number"),
    ("CPR", (None, 0.0, 0.0, 0.01), "baseline profit rate is empty"),
    ("CPR", (0.0824, None, 0.0, 0.01), "cost risk adjustment is empty"),
    ("CPR", (0.0824, 0.0, None, 0.01), "incentive adjustment is empty"),
    ("CPR", (0.0824, 0.0, 0.0, None), "capital servicing adjustment is empty"),
    ("CPR", (True, 0.0, 0.0, 0.01), "baseline profit rate is TRUE: enter a number"),
    ("CPR", (NAN, 0.0, 0.0, 0.01), "baseline profit rate is NaN: enter a finite number"),
    ("CPR", (0.0824, INF, 0.0, 0.01), "cost risk adjustment is infinity"),
    ("CPR", (0.0824, 0.0, 0.0, -INF), "capital servicing adjustment is -infinity"),
    ("CPR", ("", 0.0, 0.0, 0.01), "baseline profit rate is empty"),
    ("CPR", ([[0.08]], 0.0, 0.0, 0.01), None),  # a range is priced element by element, spilled as a range
    # CPR: unit slips and ranges
    ("CPR", (8.24, 0.0, 0.0, 0.01), "baseline profit rate 8.24 is not a rate: rates are fractions"),
    ("CPR", (0.0824, 5.0, 0.0, 0.01), "did you mean 0.05 (5% of the BPR)"),
    ("CPR", (0.0824, 0.3, 0.0, 0.01), "cost risk adjustment 0.3 is outside -25%..+25% of the baseline profit rate (regulation 11(3)"),
    ("CPR", (0.0824, -0.26, 0.0, 0.01), "cost risk adjustment -0.26 is outside"),
    ("CPR", (0.0824, 30.0, 0.0, 0.01), "cost risk adjustment 30 is not a rate"),
    ("CPR", (0.0824, 0.0, 2.0, 0.01), "incentive adjustment 2 is not a rate"),
    ("CPR", (0.0824, 0.0, 0.025, 0.01), "incentive adjustment 0.025 is outside 0..2 percentage points (regulation 11(6)"),
    ("CPR", (0.0824, 0.0, -0.01, 0.01), "incentive adjustment -0.01 is outside 0..2 percentage points"),
    ("CPR", (-0.01, 0.0, 0.0, 0.01), "baseline profit rate -0.01 is negative"),
    ("CPR", (0.0824, 0.0, 0.0, 3.01), "capital servicing adjustment 3.01 is not a rate"),
    ("CPR", (0.0824, 0.0, 0.0, 0.01, "premium"), "rate type 'premium' is not known"),
    ("CPR", (0.0, 0.0, 0.0, 0.01, "GOCR"), "is given with the government owned contractor rate"),
    ("CPR", (0.0, 0.0, 0.0, 0.01, "GOCR", "perhaps"), "cost of capital agreed 'perhaps' is not a yes/no value"),
    ("CPR_STEPS", (0.0824, 0.5, 0.0, 0.01), "cost risk adjustment 0.5 is outside"),
    ("CPR_SIX_STEP", (0.0831, 0.0, -0.001, 0.0, 0.0, 0.01), "POCO adjustment -0.001 is negative"),
    ("CPR_SIX_STEP", (0.0831, 0.0, 0.0, -0.0005, 0.0, 0.01), "SSRO funding adjustment -0.0005 is negative"),
    # Rates lookups
    ("BPR", ("2026/27",), "no rates for 2026/27 are in the rate table"),
    ("BPR", (dt.datetime(2013, 5, 1),), "before the Single Source Contract Regulations 2014 came into force"),
    ("BPR", ("someday",), "date of agreement 'someday' is not understood"),
    ("BPR", (None,), "date of agreement is empty"),
    ("BPR", (2019.0, "GOCR"), "government owned contractor rate for 2019/20 is not in the rate table"),
    ("BPR", (123.0,), "neither a start year"),
    ("CSA_RATES", ("2025/26",), "fixed capital servicing rate for 2025/26 is not in the rate table"),
    ("RATE_EVIDENCE", (2024.0, "bonus"), "rate 'bonus' is not one of"),
    # CSA
    ("CSA", (3e6, 1e6, 0.0, [[0.0326, 0.031, 0.0161]]), "cost of production 0 must be above zero"),
    ("CSA", (3e6, 1e6, -6e6, [[0.0326, 0.031, 0.0161]]), "cost of production -6000000 must be above zero"),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, 0.031]]), "capital servicing rates hold 2 values: give exactly three"),
    ("CSA", (3e6, 1e6, 6e6, [[3.26, 3.1, 1.61]]), "fixed capital servicing rate 3.26 is not a rate"),
    ("CSA", (3e6, 1e6, 6e6, [[-0.0326, 0.031, 0.0161]]), "fixed capital servicing rate -0.0326 is negative"),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, None, 0.0161]]), "positive working capital servicing rate is empty"),
    ("CSA", ("3m", 1e6, 6e6, [[0.0326, 0.031, 0.0161]]), "fixed capital is text ('3m')"),
    ("CSA", (3e6, None, 6e6, [[0.0326, 0.031, 0.0161]]), "working capital is empty"),
    ("CSA", (3e20, 1e6, 6e6, [[0.0326, 0.031, 0.0161]]), "fixed capital 3e+20 is beyond"),
    ("CSA", (3e6, 1e6, 6e6, "2025/26"), "fixed capital servicing rate for 2025/26"),
    ("CSA_STEPS", (3e6, 1e6, NAN, 2024.0), "cost of production is NaN"),
    # PRICE_FROM_CPR
    ("PRICE_FROM_CPR", (-100.0, 0.1), "allowable costs -100 is negative: it must be zero or more"),
    ("PRICE_FROM_CPR", (100.0, 10.0), "contract profit rate 10 is not a rate"),
    ("PRICE_FROM_CPR", (None, 0.1), "allowable costs is empty"),
    ("PRICE_FROM_CPR", (1e14, 0.1), "allowable costs 1e+14 is beyond"),
    # POCO
    ("POCO", (None,), "supply chain is empty"),
    ("POCO", (5.0,), "supply chain is 5"),
    ("POCO", ([["name", "parent"]],), "supply chain has no own_allowable_costs column"),
    ("POCO", (CHAIN[:1],), "supply chain has a header row but no data rows"),
    ("POCO", (CHAIN + [["SC1", "PC", 50.0, 0.08, 0.0, 0.0, 0.02, 9.0]],), "row 3 has values beyond the header"),
    ("POCO", (CHAIN + [["SC1", "PC", "fifty", 0.08, 0.0, 0.0, 0.02]],), "contract SC1 own allowable costs is text"),
    ("POCO", (CHAIN + [["SC1", "PC", 50.0, 0.08, 0.0, 0.0, 0.02]], -1.0), "money unit -1 must be above zero"),
    ("POCO_STAGES", ([["name", "parent", "name"]],), "names column name twice"),
    # Components
    ("CONTRACT_CRA_POT", (COMPONENTS,), "components number 1: the aggregation of components needs"),
    ("CONTRACT_IA_POT", (COMPONENTS + [["C2", "commercial", None, None, None, None, None, None]],), "component C2 price is empty"),
    ("CONTRACT_CRA_POT", (COMPONENTS + [["C2", "formula", 10.0, 0.08, 0.26, 0.0, 0.01, None]],), "cost risk adjustment"),
    # Others
    ("BPR_ROLLING", ([[0.1], [0.09]],), "annual rates hold 2 years: a 3-year rolling average needs at least 3"),
    ("BPR_ROLLING", ([[10.04], [9.56], [8.27]],), "annual rates at row 1 10.04 is not a rate"),
    ("CRUV", ([[1.0], ["two"]], [[1.0], [2.0]]), "volumes at row 2,1 is text ('two'), not a number"),
]


def test_the_table_is_large():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, args, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gives_its_message_in_the_cell(name, args, expected):
    result = getattr(udfs, name)(*args)
    if expected is None:
        assert result == [[pytest.approx(0.09)]]
        return
    cell = result[0][0] if isinstance(result, list) else result
    assert isinstance(cell, str), f"{name}{args} returned {result!r}, not a message"
    assert cell.startswith("Error: ")
    assert expected in cell, cell
    assert "Traceback" not in cell and "File \"" not in cell


def test_an_unexpected_failure_is_a_message_too(monkeypatch):
    import udfs.functions as functions

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(functions, "formula_price", broken)
    assert udfs.PRICE_FROM_CPR(1.0, 0.1) == ("Error: PRICE_FROM_CPR could not calculate (ZeroDivisionError); the inputs may be of a "
                                     "kind it does not expect: please report it with the inputs")
