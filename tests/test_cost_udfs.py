"""The allowable costs worksheet functions, called as Excel calls them (floats, None for empty
cells, lists of row lists for ranges). Their names and argument order are pinned: renaming one
breaks users' workbooks."""

from __future__ import annotations

import inspect

import pytest

import udfs
from sscr.allowable_costs.worked_case import COST_LINES, INDICES, RECOVERY_RATES, RISK_REGISTER
from udfs.edge import ERROR_PREFIX, REGISTRY, WIZARD_LIMIT

PINNED = {
    "COST_RECOVERY_RATE": ["pool", "base"],
    "OVER_UNDER_RECOVERY": ["estimated_rate", "actual_rate", "base_quantity"],
    "ESCALATE": ["amount", "index_from", "index_to"],
    "ALLOWABLE_COSTS": ["cost_lines", "recovery_rates", "indices", "component"],
    "ALLOWABLE_COSTS_TABLE": ["cost_lines", "recovery_rates", "indices", "component"],
    "COST_LINES_TRACE": ["cost_lines", "recovery_rates", "indices", "component"],
    "COST_TYPES": [],
    "RISK_EV": ["register"],
    "RISK_EV_TABLE": ["register"],
    "RISK_SIM": ["register", "percentile", "trials", "seed"],
    "RISK_SIM_TABLE": ["register", "trials", "seed", "bins"],
    "PRICE_FROM_COSTS": ["cost_lines", "cpr", "poco_deduction", "risk_contingency", "recovery_rates", "indices",
                         "component"],
    "PRICE_FROM_COSTS_STEPS": ["cost_lines", "cpr", "poco_deduction", "risk_contingency", "recovery_rates",
                               "indices", "component"],
}
REQUIRED = {"COST_RECOVERY_RATE": 2, "OVER_UNDER_RECOVERY": 3, "ESCALATE": 3, "ALLOWABLE_COSTS": 1,
            "ALLOWABLE_COSTS_TABLE": 1, "COST_LINES_TRACE": 1, "COST_TYPES": 0, "RISK_EV": 1, "RISK_EV_TABLE": 1,
            "RISK_SIM": 2, "RISK_SIM_TABLE": 1, "PRICE_FROM_COSTS": 2, "PRICE_FROM_COSTS_STEPS": 2}
SPILL = {"ALLOWABLE_COSTS_TABLE", "COST_LINES_TRACE", "COST_TYPES", "RISK_EV_TABLE", "RISK_SIM_TABLE",
         "PRICE_FROM_COSTS_STEPS"}


@pytest.mark.parametrize("name", PINNED)
def test_name_and_argument_order_are_pinned(name):
    fn = getattr(udfs, name)
    params = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in params] == PINNED[name]
    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    assert required == PINNED[name][:REQUIRED[name]]  # optional arguments trail
    assert REGISTRY[name] is fn and name in udfs.__all__
    assert fn.__doc__ and len(fn.__doc__) <= WIZARD_LIMIT and "\n" not in fn.__doc__


# --- called as Excel calls them -------------------------------------------------------------------

def test_guidance_4_9_in_cells():
    assert udfs.COST_RECOVERY_RATE(2_500_000.0, 50_000.0) == 50.0
    lines = [["id", "description", "cost_type", "basis", "rate", "quantity", "appropriate", "attributable",
              "reasonable"], ["1", "Labour", "A", "estimated", 50.0, 1_000.0, "agreed", "agreed", "agreed"]]
    assert udfs.ALLOWABLE_COSTS(lines) == 50_000.0


def test_recovery_and_escalation_in_cells():
    assert udfs.OVER_UNDER_RECOVERY(50.0, 48.0, 1_000.0) == 2_000.0
    assert udfs.OVER_UNDER_RECOVERY(45.0, 48.0, 1_000.0) == -3_000.0
    assert udfs.ESCALATE(100_000.0, 120.0, 126.0) == pytest.approx(105_000.0)


def test_the_worked_case_in_cells():
    assert udfs.ALLOWABLE_COSTS(COST_LINES, RECOVERY_RATES, INDICES) == 1_357_956.0
    assert udfs.ALLOWABLE_COSTS(COST_LINES, RECOVERY_RATES, INDICES, None) == 1_357_956.0
    assert udfs.RISK_EV(RISK_REGISTER) == 36_500.0
    p80 = udfs.RISK_SIM(RISK_REGISTER, 0.8, 100_000.0, 2026.0)
    assert isinstance(p80, float) and p80 == udfs.RISK_SIM(RISK_REGISTER, 0.8, 100_000.0, 2026.0)
    assert udfs.RISK_SIM(RISK_REGISTER, 0.8) == udfs.RISK_SIM(RISK_REGISTER, 0.8, None, None)
    price = udfs.PRICE_FROM_COSTS(COST_LINES, 0.10652, 34_608.0, 36_500.0, RECOVERY_RATES, INDICES)
    assert price == pytest.approx(1_504_699.01, abs=0.005)
    # the register range itself as the risk contingency element: its expected value is used
    assert udfs.PRICE_FROM_COSTS(COST_LINES, 0.10652, 34_608.0, RISK_REGISTER, RECOVERY_RATES, INDICES) == price
    assert udfs.PRICE_FROM_COSTS(COST_LINES, 0.10652, 34_608.0, [[36_500.0]], RECOVERY_RATES, INDICES) == price


def test_empty_optional_ranges_arrive_as_empty_cells():
    lines = [["id", "description", "cost_type", "basis", "amount", "appropriate", "attributable", "reasonable"],
             ["1", "x", "B", "actual", 10.0, "agreed", "agreed", "agreed"]]
    assert udfs.ALLOWABLE_COSTS(lines, [[None, None], [None, None]], [[None]], "") == 10.0
    assert udfs.PRICE_FROM_COSTS(lines, 0.1, None, [[None]]) == pytest.approx(11.0)


def test_a_header_only_register_is_no_risk_contingency_element():
    assert udfs.RISK_EV([["id", "probability", "impact"], [None, None, None]]) == 0.0
    assert udfs.RISK_SIM([["id", "probability", "impact"]], 0.9, 100.0, 1.0) == 0.0


def rectangular(rows):
    return rows and all(len(r) == len(rows[0]) for r in rows) and not any(v is None for r in rows for v in r)


def test_spilled_tables_are_rectangular_with_no_empty_values():
    tables = {
        "ALLOWABLE_COSTS_TABLE": udfs.ALLOWABLE_COSTS_TABLE(COST_LINES, RECOVERY_RATES, INDICES),
        "COST_LINES_TRACE": udfs.COST_LINES_TRACE(COST_LINES, RECOVERY_RATES, INDICES),
        "COST_TYPES": udfs.COST_TYPES(),
        "RISK_EV_TABLE": udfs.RISK_EV_TABLE(RISK_REGISTER),
        "RISK_SIM_TABLE": udfs.RISK_SIM_TABLE(RISK_REGISTER, 10_000.0, 1.0, 10.0),
        "PRICE_FROM_COSTS_STEPS": udfs.PRICE_FROM_COSTS_STEPS(COST_LINES, 0.10652, 34_608.0, RISK_REGISTER,
                                                              RECOVERY_RATES, INDICES),
    }
    for name, rows in tables.items():
        assert rectangular(rows), name
        assert not str(rows[0][0]).startswith(ERROR_PREFIX), (name, rows[0][0])
    assert tables["ALLOWABLE_COSTS_TABLE"][10][:4] == ["Total", "", 1_409_656.0, 1_357_956.0]
    trace = tables["COST_LINES_TRACE"]
    assert len(trace) == 23 and trace[0][0] == "Id" and trace[11][0] == "L11"
    assert trace[11][trace[0].index("Status")] == "excluded"
    assert trace[11][trace[0].index("Flags")].startswith("not allowable (C.3.1)")
    assert [r[0] for r in tables["COST_TYPES"][1:]].count("C.3") == 1
    assert tables["RISK_EV_TABLE"][-1][-1] == 36_500.0
    assert tables["PRICE_FROM_COSTS_STEPS"][-1][1] == pytest.approx(1_504_699.01, abs=0.005)
    assert sum(r[2] for r in tables["RISK_SIM_TABLE"][10:]) == 10_000


# --- bad input: a readable message in the cell ----------------------------------------------------

LINES = [["id", "description", "cost_type", "basis", "amount", "appropriate", "attributable", "reasonable"],
         ["L1", "x", "B", "actual", 10.0, "agreed", "agreed", "agreed"]]
REGISTER = [["id", "probability", "impact"], ["R1", 0.5, 100.0]]

CASES = [
    ("COST_RECOVERY_RATE", (100.0, 0.0), "recovery base 0 is not above zero"),
    ("COST_RECOVERY_RATE", (None, 10.0), "cost pool is empty"),
    ("COST_RECOVERY_RATE", ("100", 10.0), "cost pool is text ('100'), not a number; it looks like a number"),
    ("OVER_UNDER_RECOVERY", (50.0, 48.0, -1.0), "base quantity -1 is negative"),
    ("ESCALATE", (100.0, 0.0, 110.0), "index from 0 is not above zero"),
    ("ESCALATE", (True, 100.0, 110.0), "amount is TRUE: enter a number"),
    ("ALLOWABLE_COSTS", ([["id", "colour"], ["1", "red"]],), "cost lines header 'colour' is not a known column"),
    ("ALLOWABLE_COSTS", ([LINES[0], ["L1", "x", "Q.7", "actual", 10.0, "agreed", "agreed", "agreed"]],),
     "cost line L1 (row 2) cost type 'Q.7' is not in the cost-type catalogue"),
    ("ALLOWABLE_COSTS", ([LINES[0], ["L1", "x", "B", "actual", 10.0, "agreed", "maybe", "agreed"]],),
     "cost line L1 (row 2) attributable 'maybe' is not agreed, not agreed or pending"),
    ("ALLOWABLE_COSTS", ([LINES[0], ["L1", "x", "B", "actual", -10.0, "agreed", "agreed", "agreed"]],),
     "cost line L1 (row 2) amount -10 is negative"),
    ("ALLOWABLE_COSTS", (None,), "cost lines is empty: it needs a header row"),
    ("ALLOWABLE_COSTS", (LINES, None, None, "Spares"), "component 'Spares' was asked for, but no cost line names a component"),
    ("ALLOWABLE_COSTS_TABLE", ([LINES[0], ["L1", "x", "B", "later", 10.0, "agreed", "agreed", "agreed"]],),
     "cost line L1 (row 2) basis 'later' is not estimated or actual"),
    ("COST_LINES_TRACE", ([LINES[0], ["L1", "x", "H.2", "actual", 10.0, "agreed", "agreed", "agreed"]],),
     "cost type H.2 (Risk contingency element) is not a cost line"),
    ("RISK_EV", ([["id", "probability", "impact"], ["R1", 50.0, 100.0]],),
     "risk R1 (row 2) probability 50 is outside 0..1: a probability is a fraction, so 50% is 0.5"),
    ("RISK_EV", ([["id", "minimum", "most_likely", "maximum"], ["R1", 5.0, 3.0, 9.0]],),
     "risk R1 (row 2) minimum 5 is above its most likely 3"),
    ("RISK_EV_TABLE", ([["id", "minimum", "most_likely", "maximum"], ["R1", 1.0, 9.0, 3.0]],),
     "risk R1 (row 2) most likely 9 is above its maximum 3"),
    ("RISK_SIM", (REGISTER, 80.0), "percentile 80 is outside 0..1: give it as a fraction, so P80 is 0.8 (80%)"),
    ("RISK_SIM", (REGISTER, -0.5), "percentile -0.5 is outside 0..1"),
    ("RISK_SIM", (REGISTER, None), "percentile is empty"),
    ("RISK_SIM", (REGISTER, 0.8, 1000.5), "trials 1000.5 must be a whole number from 1 to 10000000"),
    ("RISK_SIM", (REGISTER, 0.8, 1000.0, 2.5), "seed 2.5 must be a whole number"),
    ("RISK_SIM_TABLE", (REGISTER, -5.0), "trials -5 must be a whole number"),
    ("RISK_SIM_TABLE", (REGISTER, 100.0, 1.0, 0.0), "bins 0 must be a whole number from 1 to 1000"),
    ("PRICE_FROM_COSTS", (LINES, 10.0), "contract profit rate 10 is not a rate"),
    ("PRICE_FROM_COSTS", (LINES, 0.1, 50.0), "POCO deduction 50 exceeds the allowable costs it reduces (10)"),
    ("PRICE_FROM_COSTS", (LINES, 0.1, None, -5.0), "risk contingency element -5 is negative"),
    ("PRICE_FROM_COSTS_STEPS", (LINES, 0.1, None, [["id", "probability", "impact"], ["R1", 2.0, 1.0]]),
     "risk R1 (row 2) probability 2 is outside 0..1"),
]


@pytest.mark.parametrize("name, args, expected", CASES)
def test_bad_input_shows_its_specific_message_in_the_cell(name, args, expected):
    result = getattr(udfs, name)(*args)
    if name in SPILL:
        assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1
        result = result[0][0]
    assert isinstance(result, str) and result.startswith(ERROR_PREFIX), result
    assert expected in result, result
