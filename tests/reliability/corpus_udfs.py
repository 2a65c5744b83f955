"""Bad inputs to the worksheet functions, as Excel passes them (floats, None for an empty cell,
lists of row lists for a range, datetimes for dates). Each case: the function, its arguments, and
words its cell message must contain: the input's name, the value as the message shows it, and the
rule broken. Cases already in tests/test_excel_bad_inputs.py are not repeated here."""

from __future__ import annotations

import datetime as dt

NAN, INF = float("nan"), float("inf")
H = ["name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa"]
PC = ["PC", None, 200.0, 0.08, 0.0, 0.0, 0.015]
SC = ["SC1", "PC", 50.0, 0.08, 0.0, 0.0, 0.02]
CH = ["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"]
C1 = ["C1", "formula", 50.0, 0.08, 0.0, 0.0, 0.01, None]
C2 = ["C2", "commercial", None, None, None, None, None, 40.0]
RATES = [[0.0326, 0.031, 0.0161]]
SLIP = "is not a rate: rates are fractions"


def chain(*rows):
    return [H, PC, *rows]


def sc(**changes):
    row = dict(zip(H, SC))
    row.update(changes)
    return [row[h] for h in H]


def comps(*rows):
    return [CH, *rows]


def comp(**changes):
    row = dict(zip(CH, C1))
    row.update(changes)
    return [row[h] for h in CH]


CASES = [
    # --- CPR: the four steps, every argument, every kind of bad value -----------------------------
    ("CPR", (0.0824, "5%", 0.0, 0.01), ["cost risk adjustment", "'5%'", "not a number", "stored as text"]),
    ("CPR", (0.0824, 0.0, "1pp", 0.01), ["incentive adjustment", "'1pp'", "not a number"]),
    ("CPR", (0.0824, 0.0, 0.0, "3.01%"), ["capital servicing adjustment", "'3.01%'", "not a number"]),
    ("CPR", ("  ", 0.0, 0.0, 0.01), ["baseline profit rate", "empty"]),
    ("CPR", (0.0824, NAN, 0.0, 0.01), ["cost risk adjustment", "NaN", "finite number"]),
    ("CPR", (0.0824, 0.0, NAN, 0.01), ["incentive adjustment", "NaN", "finite number"]),
    ("CPR", (0.0824, 0.0, 0.0, NAN), ["capital servicing adjustment", "NaN", "finite number"]),
    ("CPR", (INF, 0.0, 0.0, 0.01), ["baseline profit rate", "infinity", "finite number"]),
    ("CPR", (-INF, 0.0, 0.0, 0.01), ["baseline profit rate", "-infinity", "finite number"]),
    ("CPR", (0.0824, 0.0, INF, 0.01), ["incentive adjustment", "infinity", "finite number"]),
    ("CPR", (1e308, 0.0, 0.0, 0.01), ["baseline profit rate", "1e+308", SLIP]),
    ("CPR", (-1e308, 0.0, 0.0, 0.01), ["baseline profit rate", "-1e+308", SLIP]),
    ("CPR", (0.0824, 1e308, 0.0, 0.01), ["cost risk adjustment", "1e+308", "is not a rate"]),
    ("CPR", (0.0824, 0.0, 0.0, 1e300), ["capital servicing adjustment", "1e+300", SLIP]),
    ("CPR", (0.0824, 25.0, 0.0, 0.01), ["cost risk adjustment 25", "did you mean 0.25 (25% of the BPR)"]),
    ("CPR", (0.0824, -25.0, 0.0, 0.01), ["cost risk adjustment -25", "did you mean -0.25"]),
    ("CPR", (0.0824, -5.0, 0.0, 0.01), ["cost risk adjustment -5", "did you mean -0.05"]),
    ("CPR", (0.0824, 0.2500001, 0.0, 0.01), ["cost risk adjustment 0.2500001", "outside -25%..+25%", "regulation 11(3)"]),
    ("CPR", (0.0824, -0.2500001, 0.0, 0.01), ["cost risk adjustment -0.2500001", "outside -25%..+25%"]),
    ("CPR", (0.0824, 0.0, 1.0, 0.01), ["incentive adjustment 1", SLIP, "did you mean 0.01 (1%)"]),
    ("CPR", (0.0824, 0.0, 0.0201, 0.01), ["incentive adjustment 0.0201", "outside 0..2 percentage points", "regulation 11(6)"]),
    ("CPR", (0.0824, 0.0, -0.0001, 0.01), ["incentive adjustment -0.0001", "outside 0..2 percentage points"]),
    ("CPR", (8.24, 0.0, 0.0, 0.0301), ["baseline profit rate 8.24", SLIP, "did you mean 0.0824 (8.24%)"]),
    ("CPR", (0.0824, 0.0, 0.0, 3.01), ["capital servicing adjustment 3.01", SLIP, "did you mean 0.0301"]),
    ("CPR", (0.0824, 0.0, 0.0, -3.01), ["capital servicing adjustment -3.01", SLIP, "did you mean -0.0301"]),
    ("CPR", (1.0, 0.0, 0.0, 0.01), ["baseline profit rate 1", SLIP]),
    ("CPR", (-0.0824, 0.0, 0.0, 0.01), ["baseline profit rate -0.0824", "is negative"]),
    ("CPR", (False, 0.0, 0.0, 0.01), ["baseline profit rate", "FALSE", "not a true/false value"]),
    ("CPR", (0.0824, 0.0, True, 0.01), ["incentive adjustment", "TRUE", "not a true/false value"]),
    ("CPR", (dt.datetime(2024, 1, 1), 0.0, 0.0, 0.01), ["baseline profit rate", "datetime", "not a number"]),
    ("CPR", ([[0.08, "x"]], 0.0, 0.0, 0.01), ["baseline profit rate", "not a number"]),
    ("CPR", ([[0.08, None]], 0.0, 0.0, 0.01), ["baseline profit rate at row 1,2", "is empty", "every cell of the range"]),
    ("CPR", ([[0.08, 8.0]], 0.0, 0.0, 0.01), ["baseline profit rate at row 1,2 8", SLIP]),
    ("CPR", ([[0.08], [0.08]], [[0.1], [0.3]], 0.0, 0.01), ["cost risk adjustment at row 2,1 0.3", "outside -25%..+25%"]),
    ("CPR", (0.0824, 0.0, 0.0, 0.01, 5.0), ["rate type", "5", "not known"]),
    ("CPR", (0.0824, 0.0, 0.0, 0.01, "bonus"), ["rate type 'bonus'", "not known", "GOCR"]),
    ("CPR", (0.0, 0.0, 0.0, 0.01, "GOCR", 7.0), ["cost of capital agreed", "7", "yes/no"]),
    ("CPR_STEPS", (8.31, 0.0, 0.0, 0.01), ["baseline profit rate 8.31", SLIP, "did you mean 0.0831"]),
    ("CPR_STEPS", (0.0824, 0.0, 0.0, "x"), ["capital servicing adjustment", "'x'", "not a number"]),
    ("CPR_STEPS", (None, None, None, None), ["baseline profit rate is empty"]),
    ("CPR_SIX_STEP", (0.0831, 5.0, 0.0, 0.0, 0.0, 0.01), ["cost risk adjustment 5", "did you mean 0.05"]),
    ("CPR_SIX_STEP", (0.0831, 0.0, 0.0, 0.0, 3.0, 0.01), ["incentive adjustment 3", SLIP]),
    ("CPR_SIX_STEP", (0.0831, 0.0, 2.0, 0.0, 0.0, 0.01), ["POCO adjustment 2", SLIP]),
    ("CPR_SIX_STEP", (0.0831, 0.0, 0.0, 4.0, 0.0, 0.01), ["SSRO funding adjustment 4", SLIP]),
    ("CPR_SIX_STEP", (0.0831, 0.0, NAN, 0.0, 0.0, 0.01), ["POCO adjustment is NaN"]),
    # --- rates look-ups: unknown years and dates ------------------------------------------------
    ("BPR", ("2031/32",), ["no rates for 2031/32", "rate table", "rates file"]),
    ("BPR", ("2024/26",), ["'2024/26'", "not a financial year", "second year must follow the first"]),
    ("BPR", ("24/25",), ["date of agreement '24/25'", "not understood"]),
    ("BPR", (1900.0,), ["date of agreement", "1900/01", "before the Single Source Contract Regulations 2014"]),
    ("BPR", (3000.0,), ["date of agreement 3000", "neither a start year"]),
    ("BPR", (-5.0,), ["date of agreement -5", "neither a start year"]),
    ("BPR", (1e9,), ["date of agreement 1000000000", "neither a start year"]),
    ("BPR", (NAN,), ["date of agreement NaN", "not a date or a year"]),
    ("BPR", (INF,), ["date of agreement infinity", "not a date or a year"]),
    ("BPR", (True,), ["date of agreement True", "not a date"]),
    ("BPR", ("",), ["date of agreement ''", "not understood", "financial year such as"]),
    ("BPR", (dt.datetime(2031, 5, 1),), ["no rates for 2031/32", "rate table"]),
    ("BPR", (dt.datetime(2010, 5, 1),), ["2010/11", "before the Single Source Contract Regulations 2014"]),
    ("BPR", (2024.0, "bonus"), ["rate type 'bonus'", "not known"]),
    ("CSA_RATES", (None,), ["date of agreement is empty"]),
    ("CSA_RATES", ("2010/11",), ["2010/11", "before the Single Source Contract Regulations 2014"]),
    ("CSA_RATES", ("2031/32",), ["no rates for 2031/32"]),
    ("RATE_EVIDENCE", (None, "bpr"), ["date of agreement is empty"]),
    ("RATE_EVIDENCE", (2024.0, None), ["rate None", "is not one of", "baseline_profit_rate"]),
    ("RATE_EVIDENCE", (2024.0, 8.24), ["rate 8.24", "is not one of"]),
    # --- CSA: balance sheet figures and the three rates -----------------------------------------
    ("CSA", (NAN, 1e6, 6e6, RATES), ["fixed capital is NaN", "finite number"]),
    ("CSA", (3e6, INF, 6e6, RATES), ["working capital is infinity", "finite number"]),
    ("CSA", (3e6, 1e6, -INF, RATES), ["cost of production is -infinity"]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, 0.031, 0.0161, 0.01]]), ["capital servicing rates hold 4 values", "exactly three"]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, 0.031, 3.0]]), ["negative working capital servicing rate 3", SLIP, "did you mean 0.03"]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, 3.1, 0.0161]]), ["positive working capital servicing rate 3.1", SLIP]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, 0.031, -0.0161]]), ["negative working capital servicing rate -0.0161", "is negative"]),
    ("CSA", (3e6, 1e6, 6e6, [["3.26%", 0.031, 0.0161]]), ["fixed capital servicing rate", "'3.26%'", "not a number"]),
    ("CSA", (3e6, 1e6, 6e6, [[NAN, 0.031, 0.0161]]), ["fixed capital servicing rate is NaN"]),
    ("CSA", (3e6, 1e6, 6e6, "2031/32"), ["no rates for 2031/32"]),
    ("CSA", (3e6, 1e6, 6e6, None), ["date of agreement is empty"]),
    ("CSA", (3e6, 1e6, 1e14, RATES), ["cost of production 1e+14", "is beyond", "check the units"]),
    ("CSA", (3e6, -1e14, 6e6, RATES), ["working capital -1e+14", "is beyond"]),
    ("CSA", (3e6, 1e6, "6m", RATES), ["cost of production", "'6m'", "not a number"]),
    ("CSA", (True, 1e6, 6e6, RATES), ["fixed capital is TRUE"]),
    ("CSA", (3e6, 1e6, None, RATES), ["cost of production is empty"]),
    ("CSA_STEPS", (3e6, 1e6, 6e6, [[0.0326, 0.031]]), ["capital servicing rates hold 2 values"]),
    ("CSA_STEPS", (3e6, 1e6, 0.0, RATES), ["cost of production 0", "must be above zero"]),
    # --- PRICE_FROM_CPR ---------------------------------------------------------------------------------
    ("PRICE_FROM_CPR", (100.0, -1.5), ["contract profit rate -1.5", SLIP, "did you mean -0.015"]),
    ("PRICE_FROM_CPR", (100.0, 10.19), ["contract profit rate 10.19", SLIP, "did you mean 0.1019"]),
    ("PRICE_FROM_CPR", (100.0, "10%"), ["contract profit rate", "'10%'", "stored as text"]),
    ("PRICE_FROM_CPR", ("£100", 0.1), ["allowable costs", "'£100'", "not a number"]),
    ("PRICE_FROM_CPR", (INF, 0.1), ["allowable costs is infinity"]),
    ("PRICE_FROM_CPR", (NAN, 0.1), ["allowable costs is NaN", "finite number"]),
    ("PRICE_FROM_CPR", (100.0, NAN), ["contract profit rate is NaN"]),
    ("PRICE_FROM_CPR", (100.0, None), ["contract profit rate is empty"]),
    ("PRICE_FROM_CPR", (100.0, True), ["contract profit rate is TRUE"]),
    ("PRICE_FROM_CPR", (-1e14, 0.1), ["allowable costs -1e+14", "is beyond"]),
    ("PRICE_FROM_CPR", ([[1.0, NAN]], 0.1), ["allowable costs at row 1,2 is NaN"]),
    ("PRICE_FROM_CPR", ([[1.0], [-2.0]], 0.1), ["allowable costs at row 2,1 -2", "is negative"]),
    # --- POCO: broken supply chains -------------------------------------------------------------
    ("POCO", (chain(SC, sc(own_allowable_costs=20.0)),), ["supply chain name 'SC1'", "appears twice"]),
    ("POCO", (chain(sc(parent="XX")),), ["contract 'SC1'", "parent 'XX'", "not a contract in the table"]),
    ("POCO", ([H, ["A", "B", 1.0, 0.08, 0, 0, 0.01], ["B", "A", 1.0, 0.08, 0, 0, 0.01]],), ["supply chain has no prime contract", "exactly one row must have an empty parent"]),
    ("POCO", (chain(sc(name="P2", parent=None)),), ["supply chain has 2 rows with an empty parent", "PC, P2"]),
    ("POCO", (chain(sc(parent="SC1")),), ["contract 'SC1' is its own parent"]),
    ("POCO", (chain(SC, sc(name="SC2", parent="SC3"), sc(name="SC3", parent="SC2")),), ["supply chain has a cycle", "SC2 -> SC3 -> SC2"]),
    ("POCO", (chain(SC, sc(name="SC2", parent="SC3"), sc(name="SC3", parent="SC4"), sc(name="SC4", parent="SC2")),), ["supply chain has a cycle", "SC2", "SC3", "SC4"]),
    ("POCO", (chain(sc(name=None)),), ["supply chain row 3 name is empty"]),
    ("POCO", (chain(sc(bpr=8.0)),), ["contract SC1", "baseline profit rate 8", SLIP]),
    ("POCO", (chain(sc(cra=5.0)),), ["contract SC1", "cost risk adjustment 5", "did you mean 0.05"]),
    ("POCO", (chain(sc(ia=0.03)),), ["contract SC1", "incentive adjustment 0.03", "outside 0..2 percentage points"]),
    ("POCO", (chain(sc(csa=2.0)),), ["contract SC1", "capital servicing adjustment 2", SLIP]),
    ("POCO", (chain(sc(own_allowable_costs=-50.0)),), ["contract SC1 own allowable costs -50", "is negative"]),
    ("POCO", (chain(sc(own_allowable_costs=NAN)),), ["contract SC1 own allowable costs is NaN"]),
    ("POCO", (chain(sc(own_allowable_costs="fifty")),), ["contract SC1 own allowable costs is text", "'fifty'"]),
    ("POCO", (chain(SC), "x"), ["money unit", "'x'", "not a number"]),
    ("POCO", (chain(SC), 0.0), ["money unit 0", "must be above zero"]),
    ("POCO", ([H[:-1], PC[:-1]],), ["supply chain has no csa column"]),
    ("POCO", (chain(SC), [[1.0, 1e6]]), ["money unit is a range of 2 cells", "give one value"]),
    ("POCO_STAGES", (chain(sc(parent="XX")),), ["contract 'SC1'", "parent 'XX'"]),
    ("POCO_STAGES", ([H, ["A", "B", 1.0, 0.08, 0, 0, 0.01], ["B", "A", 1.0, 0.08, 0, 0, 0.01]],), ["no prime contract"]),
    # --- components -----------------------------------------------------------------------------
    ("CONTRACT_CRA_POT", (None,), ["components is empty"]),
    ("CONTRACT_CRA_POT", ([["name", "method"]],), ["components has a header row but no data rows"]),
    ("CONTRACT_CRA_POT", (comps(C1),), ["components number 1", "more than one component", "regulation 19G"]),
    ("CONTRACT_CRA_POT", (comps(C1, comp(name="C2", method="guess")),), ["'guess'"]),
    ("CONTRACT_CRA_POT", (comps(C1, comp(name="C2", bpr=8.0)),), ["baseline profit rate at row 2 8", SLIP]),
    ("CONTRACT_CRA_POT", (comps(C1, comp(name="C2", cra=5.0)),), ["cost risk adjustment at row 2 5", "did you mean 0.05"]),
    ("CONTRACT_CRA_POT", (comps(C1, comp(name="C2", allowable_costs=-50.0)),), ["allowable costs at row 2 -50", "negative"]),
    ("CONTRACT_CRA_POT", (comps(C1, C1),), ["component name 'C1' appears twice"]),
    ("CONTRACT_IA_POT", (comps(C1, comp(name="C2", ia=2.0)),), ["incentive adjustment at row 2 2", SLIP]),
    ("CONTRACT_IA_POT", (comps(C1, comp(name="C2", csa=NAN)),), ["component C2 csa is NaN", "finite number"]),
    ("AGGREGATION", (comps(C1, comp(name="C2", allowable_costs=NAN)),), ["component C2 allowable_costs is NaN", "finite number"]),
    ("AGGREGATION", (comps(C1, comp(name="C2", method="commercial", price=-5.0, allowable_costs=None, bpr=None, cra=None, ia=None, csa=None)),), ["price -5", "negative"]),
    ("AGGREGATION", (comps(C1, comp(name="C2", method="commercial", price=None, allowable_costs=None, bpr=None, cra=None, ia=None, csa=None)),), ["component C2 price is empty"]),
    # --- methodology and alternative pricing ------------------------------------------------------
    ("BPR_ROLLING", ([[0.1], [None], [0.08]],), ["annual rates at row 2 is empty", "every cell of the range"]),
    ("BPR_ROLLING", ([[0.1], [INF], [0.08]],), ["annual rates at row 2 is infinity"]),
    ("BPR_ROLLING", ([[0.1, 0.2], [0.1, 0.2]],), ["annual rates must be a single row or a single column"]),
    ("BPR_ROLLING", ([["x"], [0.1], [0.08]],), ["annual rates at row 1 is text", "'x'", "not a number"]),
    ("BPR_ROLLING", ([[0.1], [9.5], [0.08]],), ["annual rates at row 2 9.5", SLIP]),
    ("CRUV", ([[1.0], [2.0]], [[1.0]]), ["volumes hold 2 values and unit rates 1", "one competed unit rate for each volume"]),
    ("CRUV", ([[-1.0]], [[1.0]]), ["volumes at row 1 -1 is negative"]),
    ("CRUV", ([[1.0]], [[-1.0]]), ["unit rates at row 1 -1 is negative"]),
    ("CRUV", ([[NAN]], [[1.0]]), ["volumes at row 1,1 is NaN"]),
    ("CRUV", (None, [[1.0]]), ["volumes is empty"]),
    ("RISK_SIM", ([["id", "probability", "impact"], ["R1", 0.5, 100.0]], [[0.5, 0.8]]), ["percentile is a range of 2 cells"]),
    ("RISK_SIM", ([["id", "probability", "impact"], ["R1", 0.5, 100.0]], 80.0), ["percentile 80 is outside 0..1", "P80 is 0.8"]),
    ("RISK_EV", ([["id", "probability", "impact"], ["R1", 50.0, 100.0]],), ["probability", "50", "outside 0..1"]),
    ("RISK_EV", ([["id", "probability", "impact"], ["R1", 0.5, -100.0]],), ["impact", "-100", "is negative"]),
]


#: Booleans, number-like text, empty cells and other values inside ranges: each refused with its
#: position, as the same value in a single cell is (numpy would read TRUE as 1 and "1_000" as 1000).
CH_ROW = ["name", "method", "allowable_costs", "bpr", "cra", "ia", "csa", "price"]
C2_COMMERCIAL = ["C2", "commercial", None, None, None, None, None, 40.0]
TEXT_IN_A_CELL = "not a number"
RANGE_CASES = [
    ("CPR", ([[0.08, True]], 0.0, 0.0, 0.01), ["baseline profit rate at row 1,2", "TRUE", "not a true/false value"]),
    ("CPR", ([[0.08, False]], 0.0, 0.0, 0.01), ["baseline profit rate at row 1,2", "FALSE", "not a true/false value"]),
    ("CPR", ([[0.08], ["1_000"]], 0.0, 0.0, 0.01), ["baseline profit rate at row 2,1", "'1_000'", TEXT_IN_A_CELL, "stored as text"]),
    ("CPR", ([[0.08, "0.08"]], 0.0, 0.0, 0.01), ["baseline profit rate at row 1,2", "'0.08'", "stored as text"]),
    ("CPR", (0.0824, [[0.1, "1e-1"]], 0.0, 0.01), ["cost risk adjustment at row 1,2", "'1e-1'", TEXT_IN_A_CELL]),
    ("CPR", (0.0824, [[0.1, "10%"]], 0.0, 0.01), ["cost risk adjustment at row 1,2", "'10%'", "stored as text"]),
    ("CPR", (0.0824, 0.0, [[False]], 0.01), ["incentive adjustment at row 1,1", "FALSE"]),
    ("CPR", (0.0824, 0.0, 0.0, [[0.01, " "]]), ["capital servicing adjustment at row 1,2", "is empty"]),
    ("CPR", (0.0824, 0.0, 0.0, [[0.01, "0.01\x00"]]), ["capital servicing adjustment at row 1,2", TEXT_IN_A_CELL]),
    ("CPR", (0.0824, 0.0, 0.0, [[0.01, "0.01\r\n"]]), ["capital servicing adjustment at row 1,2", "stored as text"]),
    ("CPR", (0.0824, 0.0, 0.0, [[0.01, dt.datetime(2024, 5, 1)]]), ["capital servicing adjustment at row 1,2", "datetime", TEXT_IN_A_CELL]),
    ("CPR_STEPS", ([[0.08], [True]], 0.0, 0.0, 0.01), ["baseline profit rate at row 2,1", "TRUE"]),
    ("CSA", ([[3e6, True]], 1e6, 6e6, "2024/25"), ["fixed capital at row 1,2", "TRUE"]),
    ("CSA", (3e6, [["1,000,000"]], 6e6, "2024/25"), ["working capital at row 1,1", "'1,000,000'", "stored as text"]),
    ("CSA", (3e6, 1e6, [[6e6, "=A1"]], "2024/25"), ["cost of production at row 1,2", "'=A1'", TEXT_IN_A_CELL]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, True, 0.0161]]), ["positive working capital servicing rate", "TRUE"]),
    ("CSA", (3e6, 1e6, 6e6, [[0.0326, "3.1%", 0.0161]]), ["positive working capital servicing rate", "'3.1%'", "stored as text"]),
    ("CSA_STEPS", (3e6, 1e6, 6e6, [[0.0326, 0.031, "1_6"]]), ["negative working capital servicing rate", "'1_6'"]),
    ("CRUV", ([[1.0], [True]], [[1.0], [2.0]]), ["volumes at row 2,1", "TRUE"]),
    ("CRUV", ([[1.0], ["1_000"]], [[1.0], [2.0]]), ["volumes at row 2,1", "'1_000'", "stored as text"]),
    ("CRUV", ([[1.0], [2.0]], [[1.0], [None]]), ["unit rates at row 2,1", "is empty", "every cell of the range"]),
    ("CRUV", ([[1.0], [2.0]], [["£1"], [2.0]]), ["unit rates at row 1,1", "'£1'", TEXT_IN_A_CELL]),
    ("BPR_ROLLING", ([[0.1], [True], [0.08]],), ["annual rates at row 2", "TRUE"]),
    ("BPR_ROLLING", ([[0.1, "0.1", 0.08]],), ["annual rates at row 2", "'0.1'", "stored as text"]),
    ("COST_RECOVERY_RATE", ([[2500000.0, True]], 50000.0), ["cost pool at row 1,2", "TRUE"]),
    ("COST_RECOVERY_RATE", (2500000.0, [["50_000"]]), ["at row 1,1", "'50_000'", "stored as text"]),
    ("OVER_UNDER_RECOVERY", ([[50.0, "48"]], 48.0, 1000.0), ["estimated rate at row 1,2", "'48'", "stored as text"]),
    ("ESCALATE", ([[100000.0], [False]], 120.0, 126.0), ["amount at row 2,1", "FALSE"]),
    ("ESCALATE", ([[100000.0], ["1_000"]], 120.0, 126.0), ["amount at row 2,1", "'1_000'"]),
    ("POCO", ([H, ["PC", None, True, 0.08, 0.0, 0.0, 0.015]],), ["PC own allowable costs", "TRUE"]),
    ("POCO", ([H, ["PC", None, "200", 0.08, 0.0, 0.0, 0.015]],), ["PC own allowable costs", "'200'", "stored as text"]),
    ("AGGREGATION", ([CH_ROW, ["C1", "formula", "50", 0.08, 0.0, 0.0, 0.01, None], C2_COMMERCIAL],), ["component C1 allowable_costs", "'50'", "stored as text"]),
    ("AGGREGATION", ([CH_ROW, ["C1", "formula", 50.0, 0.08, True, 0.0, 0.01, None], C2_COMMERCIAL],), ["component C1 cra", "TRUE"]),
    ("CONTRACT_CRA_POT", ([CH_ROW, ["C1", "formula", 50.0, 0.08, 0.0, "0", 0.01, None], C2_COMMERCIAL],), ["component C1 ia", "'0'", "stored as text"]),
]

#: Date text: text after the date, control characters, line endings, other scripts' digits.
DATE_TEXT_CASES = [
    ("BPR", ("2024-04-01abc",), ["date of agreement '2024-04-01abc'", "text after the date"]),
    ("BPR", ("2023-04-01 to 2025-03-31",), ["'2023-04-01 to 2025-03-31'", "text after the date", "one date"]),
    ("BPR", ("2024-04-01\x00",), ["date of agreement", "text after the date"]),
    ("BPR", ("2024-04-01\x08",), ["date of agreement", "text after the date"]),
    ("BPR", ("2024-04-01;2025-04-01",), ["text after the date"]),
    ("BPR", ("2024-02-30",), ["'2024-02-30'", "not a date on the calendar"]),
    ("BPR", ("\u0662\u0660\u0662\u0664-05-01",), ["date of agreement", "not understood"]),
    ("BPR", ("2024\x0825",), ["date of agreement", "not understood"]),
    ("CSA_RATES", ("2024-05-01 and 2025-05-01",), ["text after the date"]),
    ("RATE_EVIDENCE", ("2024-05-01x", "baseline_profit_rate"), ["'2024-05-01x'", "text after the date"]),
    ("CPR", (0.0824, 0.0, 0.0, 0.01, None, None, "2026-06-05 (signed)"), ["'2026-06-05 (signed)'", "text after the date"]),
]

CASES = CASES + RANGE_CASES + DATE_TEXT_CASES
