"""The rate table: packaged figures with evidence, lookup by date, label and year, user rates files."""

from __future__ import annotations

import datetime as dt

import pytest

import udfs
from sscr.errors import PricingInputError, RateNotAvailableError, RatesFileError
from sscr.rates import RATES_FILE_ENV, RateTable, default_table, parse_when, rate_rows, rates_for

HEADER = ("financial_year,applies_from,baseline_profit_rate_pct,government_owned_contractor_rate_pct,"
          "fixed_capital_servicing_rate_pct,positive_working_capital_servicing_rate_pct,"
          "negative_working_capital_servicing_rate_pct,ssro_funding_adjustment_pct,evidence,source\n")


def test_packaged_table_matches_the_published_history():
    table = RateTable.packaged()
    labels = [y.financial_year for y in table.years]
    assert labels[0] == "2014/15" and labels[-1] == "2025/26" and len(labels) == 12
    y = table.lookup("2024/25")
    assert (y.baseline_profit_rate, y.government_owned_contractor_rate) == (0.0824, 0.0)
    assert y.capital_servicing_rates.as_row() == [0.0326, 0.031, 0.0161]
    assert y.evidence("baseline_profit_rate") == "guidance"
    assert "3.6" in y.source("baseline_profit_rate")
    y = table.lookup("2015/16")
    assert y.capital_servicing_rates.as_row() == [0.0594, 0.0172, 0.0103]
    assert table.lookup(2017).ssro_funding_adjustment == 0.00025
    assert table.lookup(2016).evidence("fixed_capital_servicing_rate") == "mixed"
    assert table.lookup(2022).evidence("baseline_profit_rate") == "official"


@pytest.mark.parametrize("when, start", [
    (dt.date(2024, 4, 1), 2024), (dt.date(2024, 3, 31), 2023), (dt.datetime(2025, 1, 15, 9, 30), 2024),
    ("2024/25", 2024), ("2024-25", 2024), ("2024/2025", 2024), ("2024-05-01", 2024), ("2024-03-31", 2023),
    (2024, 2024), (2024.0, 2024), ("2024", 2024), (45383.0, 2024), (45382.0, 2023),  # 1 April / 31 March 2024 serials
])
def test_when_is_a_date_a_label_a_year_or_an_excel_serial(when, start):
    assert parse_when(when) == start


@pytest.mark.parametrize("when, words", [
    ("2024/26", "second year must follow"), ("next year", "not understood"), (None, "empty"),
    (5000.0, "neither a start year"), (True, "not a date"), (float("nan"), "not a date"),
])
def test_bad_dates_are_refused(when, words):
    with pytest.raises(PricingInputError, match=words):
        parse_when(when)


def test_missing_year_says_which_year_and_how_to_supply_it():
    with pytest.raises(RateNotAvailableError) as err:
        rates_for("2026/27")
    message = str(err.value)
    assert "2026/27" in message and RATES_FILE_ENV in message and "rates file" in message


def test_missing_figure_says_which_rate_which_year_and_how():
    with pytest.raises(RateNotAvailableError) as err:
        rates_for("2025/26").capital_servicing_rates
    message = str(err.value)
    assert "fixed capital servicing rate" in message and "2025/26" in message and RATES_FILE_ENV in message
    assert rates_for("2025/26").baseline_profit_rate == 0.0856


def test_2014_15_is_the_bpr_of_regulation_11_2_a_from_18_december_2014():
    # Single Source Contract Regulations 2014, regulation 11(2)(a): 10.70% until 31 March 2015; the
    # regulations came into force on 18 December 2014.
    for day in (dt.date(2014, 12, 18), dt.date(2015, 3, 30), dt.date(2015, 3, 31)):
        assert rates_for(day).baseline_profit_rate == 0.107
    assert rates_for(dt.date(2015, 4, 1)).baseline_profit_rate == 0.106  # 2015/16
    assert rates_for("2014/15").applies_from == dt.date(2014, 12, 18)
    with pytest.raises(RateNotAvailableError, match=r"17 December 2014 \(2014/15\) is before the Single Source Contract"):
        rates_for(dt.date(2014, 12, 17))
    with pytest.raises(RateNotAvailableError, match=r"was not published: regulation 11\(2\)\(a\) fixes only"):
        rates_for(dt.date(2015, 3, 30)).capital_servicing_rates


def test_the_30_march_2015_message_does_not_contradict_itself():
    # It once said a date of 30 March 2015 was "before" rates "from 27 March 2015".
    with pytest.raises(RateNotAvailableError) as err:
        rates_for(dt.date(2015, 3, 30)).get("fixed_capital_servicing_rate")
    assert "27 March 2015" not in str(err.value) and "before" not in str(err.value)


def test_before_the_regime():
    with pytest.raises(RateNotAvailableError, match="before the Single Source Contract Regulations 2014 came into force"):
        rates_for(dt.date(2014, 6, 1))


def test_gocr_missing_before_2021_is_an_error_not_zero():
    with pytest.raises(RateNotAvailableError, match="government owned contractor rate for 2019/20"):
        rates_for(2019).profit_rate("GOCR")


def test_user_file_adds_2026_27_and_fills_2025_26(tmp_path, monkeypatch):
    path = tmp_path / "rates.csv"
    path.write_text(HEADER + "2026/27,2026-04-01,8.90,0,3.50,3.20,1.70,,user,London Gazette notice (example)\n"
                    "2025/26,,,,3.40,3.15,1.65,,,\n")
    table = default_table(path)
    y = table.lookup(dt.date(2026, 11, 22))
    assert y.financial_year == "2026/27" and y.baseline_profit_rate == 0.089
    assert y.evidence("baseline_profit_rate") == "user"
    merged = table.lookup("2025/26")
    assert merged.baseline_profit_rate == 0.0856 and merged.evidence("baseline_profit_rate") == "official"
    assert merged.capital_servicing_rates.as_row() == [0.034, 0.0315, 0.0165]
    assert merged.evidence("fixed_capital_servicing_rate") == "user"
    # The packaged table itself is untouched.
    with pytest.raises(RateNotAvailableError):
        RateTable.packaged().lookup(2026)
    # Worksheet functions see the file named by the environment variable.
    monkeypatch.setenv(RATES_FILE_ENV, str(path))
    assert udfs.BPR(dt.datetime(2026, 11, 22)) == 0.089
    assert udfs.CSA_RATES("2025/26") == [[0.034, 0.0315, 0.0165]]
    assert udfs.RATE_EVIDENCE(2026.0, "baseline_profit_rate").startswith("user: London Gazette")


@pytest.mark.parametrize("body, words", [
    ("", "is empty"),
    ("year,bpr\n2026/27,8.9\n", "column 'year' is not known"),
    ("financial_year,evidence\n2026/27,user\n", "names no rate column"),
    ("financial_year,baseline_profit_rate_pct\n2026-27x,8.9\n", "must be written like"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,eight\n", "is not a number"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,0.089\n", "looks like a fraction"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,189\n", "from 0 up to 100"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,-1\n", "from 0 up to 100"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,8.9\n2026/27,8.8\n", "appears twice"),
    ("financial_year,applies_from,baseline_profit_rate_pct\n2026/27,2026-05-01,8.9\n", "must be 1 April 2026"),
    ("financial_year,baseline_profit_rate_pct,evidence\n2026/27,8.9,rumour\n", "evidence 'rumour'"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,8.9,extra\n", "more cells than the header"),
    ("financial_year,baseline_profit_rate_pct\n", "no rows"),
    ("financial_year,baseline_profit_rate_pct\n2026/27,nan\n", "not a finite number"),
])
def test_malformed_rates_files_are_refused_with_the_line_and_rule(tmp_path, body, words):
    path = tmp_path / "rates.csv"
    path.write_text(body)
    with pytest.raises(RatesFileError, match=words):
        default_table(path)


def test_unreadable_rates_files(tmp_path):
    with pytest.raises(RatesFileError, match="no such file"):
        default_table(tmp_path / "missing.csv")
    binary = tmp_path / "rates.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(RatesFileError, match="not UTF-8"):
        default_table(binary)


def test_rate_rows_are_per_cent_figures_with_evidence():
    rows = list(rate_rows(RateTable.packaged()))
    row = next(r for r in rows if r["financial_year"] == "2024/25")
    assert row["baseline_profit_rate_pct"] == 8.24 and row["fixed_capital_servicing_rate_pct"] == 3.26
    assert row["evidence"] == "guidance"
    assert next(r for r in rows if r["financial_year"] == "2025/26")["fixed_capital_servicing_rate_pct"] is None
