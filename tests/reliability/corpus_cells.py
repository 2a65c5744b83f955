"""Bad values in the input cells of the template workbooks. Each case: the template, the values
written into its named input cells (None clears a cell; text is written as text), and words the
failure message must contain: the defined name, the value as the message shows it, the rule."""

from __future__ import annotations



class Raw(str):
    """Cell XML written as it stands: what a damaged file or another program may hold."""


ERROR_NUM = Raw('<c t="e"><v>#NUM!</v></c>')
ERROR_REF = Raw('<c t="e"><v>#REF!</v></c>')
INF_TEXT = Raw("<c><v>1e309</v></c>")
NAN_TEXT = Raw("<c><v>NaN</v></c>")
MINUS_INF_TEXT = Raw("<c><v>-Infinity</v></c>")
FORMULA_NO_VALUE = Raw("<c><f>Sheet9!A1</f></c>")
SLIP = "is not a rate: rates are fractions"
MONEY_LIMIT = "is beyond +/-10,000,000,000,000"
FORMULA_COMPONENT = {"Name_1": "Radar", "Method_1": "formula", "AC_1": 100.0, "CRA_1": 0.1, "IA_1": 0.0, "CSA_1": 0.01}


def component(**changes):
    return {**FORMULA_COMPONENT, **changes}


CELL_CASES = [
    # --- profit rate: every input, text, blanks, unit slips, ranges, years ---------------------
    ("profit_rate", {"CRA_1": 5.0}, ["CRA_1 5", "outside -25%..+25%", "did you mean 0.05 (5% of the BPR)"]),
    ("profit_rate", {"CRA_1": 25.0}, ["CRA_1 25", "did you mean 0.25"]),
    ("profit_rate", {"CRA_1": -10.0}, ["CRA_1 -10", "did you mean -0.1"]),
    ("profit_rate", {"CRA_1": 0.3}, ["CRA_1 0.3", "outside -25%..+25%", "regulation 11(3)"]),
    ("profit_rate", {"CRA_2": -0.26}, ["CRA_2 -0.26", "outside -25%..+25%"]),
    ("profit_rate", {"CRA_1": "5%"}, ["CRA_1", "'5%'", "not a number", "stored as text"]),
    ("profit_rate", {"CRA_1": "minus five"}, ["CRA_1", "'minus five'", "not a number"]),
    ("profit_rate", {"CRA_1": None}, ["CRA_1 is empty", "-25% to +25%"]),
    ("profit_rate", {"CRA_1": "   "}, ["CRA_1 is empty"]),
    ("profit_rate", {"CRA_1": True}, ["CRA_1 is TRUE", "not a true/false value"]),
    ("profit_rate", {"CRA_1": 1e308}, ["CRA_1 1e+308", "is not a rate"]),
    ("profit_rate", {"IA_1": 1.0}, ["IA_1 1", SLIP, "did you mean 0.01 (1%)"]),
    ("profit_rate", {"IA_1": 2.0}, ["IA_1 2", SLIP, "did you mean 0.02"]),
    ("profit_rate", {"IA_1": 0.03}, ["IA_1 0.03", "outside 0..2 percentage points", "regulation 11(6)"]),
    ("profit_rate", {"IA_2": -0.01}, ["IA_2 -0.01", "outside 0..2 percentage points"]),
    ("profit_rate", {"IA_1": None}, ["IA_1 is empty"]),
    ("profit_rate", {"IA_1": "1pp"}, ["IA_1", "'1pp'", "not a number"]),
    ("profit_rate", {"CSA_1": 3.01}, ["CSA_1 3.01", SLIP, "did you mean 0.0301 (3.01%)"]),
    ("profit_rate", {"CSA_2": -2.5}, ["CSA_2 -2.5", SLIP, "did you mean -0.025"]),
    ("profit_rate", {"CSA_1": "=1+1"}, ["CSA_1", "'=1+1'", "not a number"]),
    ("profit_rate", {"CSA_1": "3.01%"}, ["CSA_1", "'3.01%'", "stored as text"]),
    ("profit_rate", {"CSA_1": None}, ["CSA_1 is empty"]),
    ("profit_rate", {"CSA_1": -1e300}, ["CSA_1 -1e+300", SLIP]),
    ("profit_rate", {"Financial_year_1": "2031/32"}, ["Financial_year_1 '2031/32'", "not in the rate table", "rates file"]),
    ("profit_rate", {"Financial_year_1": "2013/14"}, ["Financial_year_1 '2013/14'", "before the Single Source Contract Regulations 2014 came into force"]),
    ("profit_rate", {"Financial_year_1": 2024.0}, ["Financial_year_1 2024", "not a financial year written like \"2024/25\""]),
    ("profit_rate", {"Financial_year_1": "2024/26"}, ["Financial_year_1 '2024/26'", "second year must follow the first"]),
    ("profit_rate", {"Financial_year_2": "24/25"}, ["Financial_year_2 '24/25'", "not a financial year written like"]),
    ("profit_rate", {"Financial_year_2": None}, ["Financial_year_2 is empty"]),
    ("profit_rate", {"Financial_year_1": "=cmd|'/c calc'!A1"}, ["Financial_year_1", "=cmd|", "not a financial year"]),
    ("profit_rate", {"Financial_year_1": "+2024/25"}, ["Financial_year_1 '+2024/25'", "not a financial year"]),
    ("profit_rate", {"Financial_year_1": "@2024/25"}, ["Financial_year_1 '@2024/25'", "not a financial year"]),
    ("profit_rate", {"Financial_year_1": 45000.0}, ["Financial_year_1 45000", "not a financial year"]),
    # --- capital servicing: money inputs ---------------------------------------------------------
    ("capital_servicing", {"Fixed_capital_a": "3m"}, ["Fixed_capital_a", "'3m'", "not a number"]),
    ("capital_servicing", {"Fixed_capital_a": "£3,000,000"}, ["Fixed_capital_a", "'£3,000,000'", "not a number"]),
    ("capital_servicing", {"Working_capital_b": "1,500,000"}, ["Working_capital_b", "'1,500,000'", "stored as text"]),
    ("capital_servicing", {"Fixed_capital_a": None}, ["Fixed_capital_a is empty"]),
    ("capital_servicing", {"Cost_of_production_a": 0.0}, ["Cost_of_production_a 0", "must be above zero"]),
    ("capital_servicing", {"Cost_of_production_b": -6e6}, ["Cost_of_production_b -6000000", "must be above zero"]),
    ("capital_servicing", {"Cost_of_production_c": None}, ["Cost_of_production_c is empty"]),
    ("capital_servicing", {"Fixed_capital_a": 1e14}, ["Fixed_capital_a 1e+14", MONEY_LIMIT, "check the units"]),
    ("capital_servicing", {"Working_capital_d": -1e14}, ["Working_capital_d -1e+14", MONEY_LIMIT]),
    ("capital_servicing", {"Fixed_capital_b": 1e308}, ["Fixed_capital_b 1e+308", MONEY_LIMIT]),
    ("capital_servicing", {"Cost_of_production_d": 1e300}, ["Cost_of_production_d 1e+300", MONEY_LIMIT]),
    ("capital_servicing", {"Fixed_capital_a": -1e6, "Working_capital_a": 1e6}, ["capital employed 0 is zero", "CP:CE ratio"]),
    ("capital_servicing", {"Fixed_capital_c": False}, ["Fixed_capital_c is FALSE"]),
    ("capital_servicing", {"Financial_year_c": "2031/32"}, ["Financial_year_c '2031/32'", "not in the rate table"]),
    ("capital_servicing", {"Financial_year_d": "next year"}, ["Financial_year_d 'next year'", "not a financial year"]),
    ("capital_servicing", {"Financial_year_a": "2025/26"}, ["fixed capital servicing rate for 2025/26", "not in the rate table"]),
    # --- POCO: supply chain inputs -------------------------------------------------------------
    ("poco", {"BPR_PC": 8.0}, ["BPR_PC 8", SLIP, "did you mean 0.08"]),
    ("poco", {"BPR_SC1": -0.08}, ["BPR_SC1 -0.08", "is negative"]),
    ("poco", {"BPR_SC2": None}, ["BPR_SC2 is empty"]),
    ("poco", {"CRA_SC1": 25.0}, ["CRA_SC1 25", "did you mean 0.25"]),
    ("poco", {"CRA_SC2": 0.5}, ["CRA_SC2 0.5", "outside -25%..+25%"]),
    ("poco", {"IA_PC": 0.05}, ["IA_PC 0.05", "outside 0..2 percentage points"]),
    ("poco", {"IA_SC1": 1.5}, ["IA_SC1 1.5", SLIP]),
    ("poco", {"CSA_SC2": 1.0}, ["CSA_SC2 1", SLIP]),
    ("poco", {"CSA_PC": "1.5%"}, ["CSA_PC", "'1.5%'", "stored as text"]),
    ("poco", {"Own_costs_SC1": -5.0}, ["Own_costs_SC1 -5", "is negative"]),
    ("poco", {"Own_costs_PC": "two hundred"}, ["Own_costs_PC", "'two hundred'", "not a number"]),
    ("poco", {"Own_costs_SC2": None}, ["Own_costs_SC2 is empty"]),
    ("poco", {"Own_costs_PC": 1e15}, ["Own_costs_PC 1e+15", MONEY_LIMIT]),
    ("poco", {"Money_unit": 0.0}, ["Money_unit 0", "must be above zero"]),
    ("poco", {"Money_unit": -1e6}, ["Money_unit -1000000", "must be above zero"]),
    ("poco", {"Money_unit": "£m"}, ["Money_unit", "'£m'", "not a number"]),
    ("poco", {"Money_unit": None}, ["Money_unit is empty"]),
    # --- aggregation of components --------------------------------------------------------------
    ("aggregation", {"Ex6_Method_1": "guess"}, ["Ex6_Method_1 'guess'", "not a pricing method", "drop-down"]),
    ("aggregation", {"Ex6_Method_3": 5.0}, ["Ex6_Method_3 5", "not a pricing method"]),
    ("aggregation", {"Ex6_Name_1": None}, ["Ex6_Name_1 is empty", "name the component"]),
    ("aggregation", {"Ex6_Name_1": "   "}, ["Ex6_Name_1 '   '", "holds only spaces"]),
    ("aggregation", {"Ex6_Contract_CRA": -1.0}, ["Ex6_Contract_CRA -1", "is negative"]),
    ("aggregation", {"Ex6_Contract_IA": None}, ["Ex6_Contract_IA is empty"]),
    ("aggregation", {"Ex6_AC_1": "fifty"}, ["Ex6_AC_1", "'fifty'", "not a number"]),
    ("aggregation", {"Ex6_AC_3": -100.0}, ["Ex6_AC_3 -100", "is negative"]),
    ("aggregation", {"Ex6_CRA_1": 25.0}, ["Ex6_CRA_1 25", "did you mean 0.25"]),
    ("aggregation", {"Ex6_CRA_3": -0.3}, ["Ex6_CRA_3 -0.3", "outside -25%..+25%"]),
    ("aggregation", {"Ex7_IA_1": 1.5}, ["Ex7_IA_1 1.5", SLIP]),
    ("aggregation", {"Ex7_IA_3": 0.021}, ["Ex7_IA_3 0.021", "outside 0..2 percentage points"]),
    ("aggregation", {"Ex7_CSA_1": 1.8}, ["Ex7_CSA_1 1.8", SLIP, "did you mean 0.018"]),
    ("aggregation", {"Ex7_BPR_3": 8.0}, ["Ex7_BPR_3 8", SLIP]),
    ("aggregation", {"Ex7_Alt_price_2": -25.0}, ["Ex7_Alt_price_2 -25", "is negative"]),
    ("aggregation", {"Ex7_Alt_price_2": ERROR_NUM}, ["Ex7_Alt_price_2 holds the error #NUM!", "correct the cell"]),
    # --- values no spreadsheet writes, as a damaged or crafted file may hold them -----------------
    ("profit_rate", {"CRA_1": INF_TEXT}, ["CRA_1 is infinity", "finite number"]),
    ("profit_rate", {"IA_1": NAN_TEXT}, ["IA_1 is NaN", "finite number"]),
    ("profit_rate", {"CSA_1": MINUS_INF_TEXT}, ["CSA_1 is -infinity", "finite number"]),
    ("capital_servicing", {"Fixed_capital_a": NAN_TEXT}, ["Fixed_capital_a is NaN"]),
    ("capital_servicing", {"Cost_of_production_a": INF_TEXT}, ["Cost_of_production_a is infinity"]),
    ("poco", {"Own_costs_PC": ERROR_REF}, ["Own_costs_PC holds the error #REF!"]),
    ("poco", {"BPR_PC": ERROR_NUM}, ["BPR_PC holds the error #NUM!"]),
    ("profit_rate", {"CSA_2": FORMULA_NO_VALUE}, ["CSA_2 holds the formula =Sheet9!A1", "no value"]),
    # --- contract model ---------------------------------------------------------------------------
    ("contract_model", {"Financial_year": None}, ["Financial_year is empty", "financial year"]),
    ("contract_model", {"Financial_year": "2031/32"}, ["Financial_year '2031/32'", "not in the rate table"]),
    ("contract_model", component(CRA_1=0.3), ["CRA_1 0.3", "outside -25%..+25%"]),
    ("contract_model", component(CRA_1=5.0), ["CRA_1 5", "did you mean 0.05"]),
    ("contract_model", component(IA_1=2.0), ["IA_1 2", SLIP]),
    ("contract_model", component(CSA_1=1.5), ["CSA_1 1.5", SLIP]),
    ("contract_model", component(AC_1=-1.0), ["AC_1 -1", "is negative"]),
    ("contract_model", component(AC_1=1e14), ["AC_1 1e+14", MONEY_LIMIT]),
    ("contract_model", component(AC_1="100k"), ["AC_1", "'100k'", "not a number"]),
    ("contract_model", component(Method_1="formula-ish"), ["Method_1 'formula-ish'", "not a pricing method"]),
    ("contract_model", component(POCO_typed_1=-3.0), ["POCO_typed_1 -3", "is negative"]),
    ("contract_model", component(Name_1=None), ["Name_1 is empty", "name the component"]),
    ("contract_model", {"AC_1": 10.0}, ["AC_1 10", "is given but Name_1 is empty"]),
    ("contract_model", {"Contract_CRA": -5.0}, ["Contract_CRA -5", "is negative"]),
    ("contract_model", {"Contract_IA": "x"}, ["Contract_IA", "'x'", "not a number"]),
]
