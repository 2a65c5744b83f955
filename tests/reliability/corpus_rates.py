"""Malformed rates files. Each case: an id, the file's text (or bytes), and words the message must
contain: the file, the line or column, the value and the rule."""

from __future__ import annotations

CS = ("financial_year,fixed_capital_servicing_rate_pct,positive_working_capital_servicing_rate_pct,"
      "negative_working_capital_servicing_rate_pct,baseline_profit_rate_pct\n")
BPR = "financial_year,baseline_profit_rate_pct\n"
FRACTION = "looks like a fraction; the file holds per cent figures"

RATES_CASES = [
    ("fixed-as-fraction", CS + "2026/27,0.0326,3.1,1.6,8.5\n", ["line 2", "fixed_capital_servicing_rate_pct", "'0.0326'", FRACTION, "did you mean 3.26"]),
    ("positive-as-fraction", CS + "2026/27,3.26,0.031,1.6,8.5\n", ["positive_working_capital_servicing_rate_pct", "'0.031'", FRACTION]),
    ("bpr-as-fraction", CS + "2026/27,3.26,3.1,1.6,0.085\n", ["baseline_profit_rate_pct", "'0.085'", FRACTION, "did you mean 8.5"]),
    ("gocr-as-fraction", "financial_year,government_owned_contractor_rate_pct\n2026/27,0.00038\n", ["government_owned_contractor_rate_pct", "'0.00038'", FRACTION, "did you mean 0.038"]),
    ("funding-as-fraction", "financial_year,ssro_funding_adjustment_pct\n2026/27,0.00025\n", ["ssro_funding_adjustment_pct", "'0.00025'", FRACTION]),
    ("over-100", CS + "2026/27,326,3.1,1.6,8.5\n", ["'326'", "must be a per cent figure from 0 up to 100"]),
    ("exactly-100", BPR + "2026/27,100\n", ["'100'", "from 0 up to 100"]),
    ("negative", CS + "2026/27,-3.26,3.1,1.6,8.5\n", ["'-3.26'", "from 0 up to 100"]),
    ("nan", CS + "2026/27,nan,3.1,1.6,8.5\n", ["fixed_capital_servicing_rate_pct", "'nan'", "not a finite number"]),
    ("inf", CS + "2026/27,3.26,inf,1.6,8.5\n", ["positive_working_capital_servicing_rate_pct", "'inf'", "not a finite number"]),
    ("minus-infinity", BPR + "2026/27,-Infinity\n", ["'-Infinity'", "not a finite number"]),
    ("huge-exponent", BPR + "2026/27,1e400\n", ["'1e400'", "not a number written plainly"]),
    ("text", CS + "2026/27,three,3.1,1.6,8.5\n", ["'three'", "is not a number", "per cent figures"]),
    ("formula", CS + "2026/27,=1+2,3.1,1.6,8.5\n", ["'=1+2'", "is not a number"]),
    ("decimal-comma", BPR + "2026/27,\"8,5\"\n", ["'8,5'", "is not a number"]),
    ("duplicate-year", CS + "2026/27,3.26,3.1,1.6,8.5\n2026/27,3.26,3.1,1.6,8.5\n", ["line 3", "financial_year 2026/27 appears twice"]),
    ("years-not-consecutive", CS + "2026/28,3.26,3.1,1.6,8.5\n", ["line 2", "'2026/28'", "must be written like \"2026/27\""]),
    ("year-as-number", CS + "2026,3.26,3.1,1.6,8.5\n", ["'2026'", "must be written like"]),
    ("year-empty", BPR + ",8.5\n", ["financial_year ''", "must be written like"]),
    ("year-before-regime", CS + "2010/11,3.26,3.1,1.6,8.5\n", ["financial_year 2010/11", "before 2014/15, the first year of the regulations"]),
    ("year-far-future", BPR + "2300/01,8\n", ["financial_year 2300/01", "is outside"]),
    ("more-cells-than-header", CS + "2026/27,3.26,3.1,1.6,8.5,9\n", ["line 2 has more cells than the header"]),
    ("unknown-column", "year,bpr\n2026/27,8.5\n", ["column 'year' is not known", "financial_year"]),
    ("misspelt-column", "financial_year,baseline_profit_rate\n2026/27,8.5\n", ["column 'baseline_profit_rate' is not known"]),
    ("no-year-column", "baseline_profit_rate_pct\n8.5\n", ["the header has no financial_year column"]),
    ("no-rate-column", "financial_year,evidence\n2026/27,user\n", ["the header names no rate column"]),
    ("column-twice", "financial_year,baseline_profit_rate_pct,baseline_profit_rate_pct\n2026/27,8,8\n", ["a column is named twice"]),
    ("semicolons", "financial_year;baseline_profit_rate_pct\n2026/27;8,5\n", ["column 'financial_year;baseline_profit_rate_pct' is not known"]),
    ("empty-file", "", ["is empty", "header row starting financial_year"]),
    ("header-only", CS, ["has a header but no rows of rates"]),
    ("binary", b"\x00\x01\x02PK\x03\x04", ["is not known"]),
    ("latin-1", "financial_year,baseline_profit_rate_pct,source\n2026/27,8.5,caf\xe9\n".encode("latin-1"), ["is not UTF-8 text", "save it as CSV (UTF-8)"]),
    ("applies-not-1-april", "financial_year,applies_from,baseline_profit_rate_pct\n2026/27,2026-05-01,8.5\n", ["applies_from 2026-05-01", "must be 1 April 2026"]),
    ("applies-not-a-date", "financial_year,applies_from,baseline_profit_rate_pct\n2026/27,tomorrow,8.5\n", ["applies_from 'tomorrow'", "not a date like 2026-04-01"]),
    ("unknown-evidence", "financial_year,baseline_profit_rate_pct,evidence\n2026/27,8.5,rumour\n", ["evidence 'rumour'", "must be one of"]),
    ("unclosed-quote", "financial_year,baseline_profit_rate_pct\n\"2026/27,8.5\n", ["financial_year '2026/27,8.5'", "must be written like"]),
    ("over-1-mb", "financial_year,baseline_profit_rate_pct\n" + "#" * 1_100_000 + "\n", ["is over 1 MB"]),
    # figures Decimal reads but a rates file never means: underscores, exponents, other scripts' digits
    ("underscore", BPR + "2026/27,9_1\n", ["line 2", "baseline_profit_rate_pct", "'9_1'", "not a number written plainly"]),
    ("underscore-decimals", CS + "2026/27,3.2_6,3.1,1.6,8.5\n", ["fixed_capital_servicing_rate_pct", "'3.2_6'", "written plainly"]),
    ("exponent", BPR + "2026/27,8.5e0\n", ["'8.5e0'", "written plainly"]),
    ("arabic-indic-digits", BPR + "2026/27,\u0668.\u0665\n", ["baseline_profit_rate_pct", "written plainly"]),
    ("fullwidth-digits", BPR + "2026/27,\uff18.5\n", ["baseline_profit_rate_pct", "written plainly"]),
    ("space-inside", BPR + "2026/27,8 .5\n", ["'8 .5'", "written plainly"]),
    ("nul-in-figure", BPR + "2026/27,8.5\x00\n", ["baseline_profit_rate_pct", "written plainly"]),
    ("backspace-in-figure", BPR + "2026/27,8\x08.5\n", ["baseline_profit_rate_pct", "written plainly"]),
    # encodings
    ("utf-16-le", ("\ufeff" + BPR + "2026/27,8.5\n").encode("utf-16-le"), ["is UTF-16 text", "save it as CSV (UTF-8)"]),
    ("utf-16-be", ("\ufeff" + BPR + "2026/27,8.5\n").encode("utf-16-be"), ["is UTF-16 text", "save it as CSV (UTF-8)"]),
    ("cp1252-pound", "financial_year,baseline_profit_rate_pct,source\n2026/27,8.5,\xa3 notice\n".encode("cp1252"), ["is not UTF-8 text"]),
    # line endings: a figure still bad whatever ends the line
    ("crlf-underscore", (BPR + "2026/27,9_1\n").replace("\n", "\r\n"), ["line 2", "'9_1'", "written plainly"]),
    ("cr-only", BPR.replace("\n", "\r") + "2026/27,9_1\r", ["'9_1'"]),
]
