"""Bad rows of a portfolio for ``sscr price``. Each case: an id, the row's cells (over a good row),
and words the row's error must contain: the input, the value, the rule. The good row is priced."""

from __future__ import annotations

COLUMNS = ["name", "allowable_costs", "date_of_agreement", "bpr", "cra", "ia", "csa", "fixed_capital", "working_capital",
           "cost_of_production", "fixed_capital_servicing_rate", "positive_working_capital_servicing_rate",
           "negative_working_capital_servicing_rate"]
GOOD = {"name": "good", "allowable_costs": "1000", "date_of_agreement": "2024/25", "bpr": "", "cra": "0.1", "ia": "0.01",
        "csa": "0.02", "fixed_capital": "", "working_capital": "", "cost_of_production": "",
        "fixed_capital_servicing_rate": "", "positive_working_capital_servicing_rate": "",
        "negative_working_capital_servicing_rate": ""}
RATES_GIVEN = {"fixed_capital_servicing_rate": "0.0326", "positive_working_capital_servicing_rate": "0.031",
               "negative_working_capital_servicing_rate": "0.0161"}
SLIP = "is not a rate: rates are fractions"
CS = {"csa": "", "fixed_capital": "3000000", "working_capital": "1000000", "cost_of_production": "6000000"}

PORTFOLIO_CASES = [
    ("cra-as-percent", {"cra": "5"}, ["cost risk adjustment 5", "did you mean 0.05 (5% of the BPR)"]),
    ("cra-25", {"cra": "25"}, ["cost risk adjustment 25", "did you mean 0.25"]),
    ("cra-out-of-range", {"cra": "0.3"}, ["cost risk adjustment 0.3", "outside -25%..+25%", "regulation 11(3)"]),
    ("cra-percent-text-out-of-range", {"cra": "-30%"}, ["cost risk adjustment -0.3", "outside -25%..+25%"]),
    ("cra-text", {"cra": "five"}, ["cost risk adjustment is text ('five')", "not a number"]),
    ("cra-empty", {"cra": ""}, ["cost risk adjustment is empty"]),
    ("ia-as-percent", {"ia": "1"}, ["incentive adjustment 1", SLIP, "did you mean 0.01"]),
    ("ia-out-of-range", {"ia": "0.03"}, ["incentive adjustment 0.03", "outside 0..2 percentage points"]),
    ("ia-negative", {"ia": "-0.01"}, ["incentive adjustment -0.01", "outside 0..2 percentage points"]),
    ("csa-as-percent", {"csa": "3.01"}, ["capital servicing adjustment 3.01", SLIP, "did you mean 0.0301"]),
    ("csa-text", {"csa": "3 pp"}, ["capital servicing adjustment is text ('3 pp')"]),
    ("costs-negative", {"allowable_costs": "-5"}, ["allowable costs -5", "is negative"]),
    ("costs-huge", {"allowable_costs": "1e15"}, ["allowable costs 1e+15", "is beyond", "check the units"]),
    ("costs-nan", {"allowable_costs": "nan"}, ["allowable costs is text ('nan')"]),
    ("costs-infinity", {"allowable_costs": "inf"}, ["allowable costs is infinity", "finite number"]),
    ("costs-empty", {"allowable_costs": ""}, ["allowable costs is empty"]),
    ("costs-formula", {"allowable_costs": "=1+1"}, ["allowable costs is text ('=1+1')"]),
    ("costs-words", {"allowable_costs": "a million"}, ["allowable costs is text ('a million')"]),
    ("year-unknown", {"date_of_agreement": "2031/32"}, ["no rates for 2031/32", "rate table"]),
    ("year-not-consecutive", {"date_of_agreement": "2024/26"}, ["'2024/26'", "second year must follow the first"]),
    ("year-words", {"date_of_agreement": "someday"}, ["date of agreement 'someday'", "not understood"]),
    ("year-before-regime", {"date_of_agreement": "2010/11"}, ["date of agreement in 2010/11", "six-step process applies"]),
    ("year-empty", {"date_of_agreement": ""}, ["baseline profit rate is empty", "no date of agreement"]),
    ("capital-zero-cost-of-production", {**CS, "cost_of_production": "0"}, ["cost of production 0", "must be above zero"]),
    ("capital-negative-cost-of-production", {**CS, "cost_of_production": "-6000000"}, ["cost of production -6000000", "must be above zero"]),
    ("capital-text", {**CS, "fixed_capital": "3m"}, ["fixed capital is text ('3m')"]),
    ("bpr-as-percent", {"date_of_agreement": "", "bpr": "8.24"}, ["baseline profit rate 8.24", SLIP, "did you mean 0.0824"]),
    ("bpr-negative", {"date_of_agreement": "", "bpr": "-0.01"}, ["baseline profit rate -0.01", "is negative"]),
    ("bpr-text", {"date_of_agreement": "", "bpr": "eight"}, ["baseline profit rate is text ('eight')"]),
    ("csa-rate-as-percent", {**CS, **RATES_GIVEN, "fixed_capital_servicing_rate": "3.26"}, ["fixed capital servicing rate 3.26", SLIP, "did you mean 0.0326"]),
    ("csa-rate-negative", {**CS, **RATES_GIVEN, "negative_working_capital_servicing_rate": "-0.0161"}, ["negative working capital servicing rate -0.0161", "is negative"]),
    ("csa-rate-text", {**CS, **RATES_GIVEN, "positive_working_capital_servicing_rate": "three"}, ["positive working capital servicing rate is text ('three')"]),
    ("capital-cost-of-production-tiny", {**CS, "cost_of_production": "1e-320"}, ["cost of production", "too small"]),
]
