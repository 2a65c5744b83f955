"""Contract profit rate: the four steps, the government owned contractor rate, the six steps."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

import udfs
from sscr.errors import PricingInputError
from sscr.profit_rate import contract_profit_rate, contract_profit_rate_six_step, uses_six_steps


def test_running_totals_add_up():
    r = contract_profit_rate(0.0824, 0.1, 0.015, 0.02)
    assert r.after_step_1 == 0.0824
    assert r.after_step_2 == pytest.approx(0.0824 * 1.1, abs=1e-15)
    assert r.after_step_3 == pytest.approx(r.after_step_2 + 0.015, abs=1e-15)
    assert r.contract_profit_rate == pytest.approx(r.after_step_3 + 0.02, abs=1e-15)
    assert [row[0] for row in r.table()] == ["Step 1", "Step 2", "Step 3", "Step 4", ""]


def test_cra_limits_are_inclusive_and_relative_to_the_bpr():
    assert contract_profit_rate(0.0824, 0.25, 0, 0).after_step_2 == pytest.approx(0.103)
    assert contract_profit_rate(0.0824, -0.25, 0, 0).after_step_2 == pytest.approx(0.0618)
    with pytest.raises(PricingInputError, match="outside -25%..\\+25% of the baseline profit rate"):
        contract_profit_rate(0.0824, 0.2501, 0, 0)


def test_gocr_step_4_brings_the_rate_to_zero():
    r = contract_profit_rate(0.0, 0.0, 0.01, None, rate_type="GOCR")
    assert r.after_step_3 == 0.01 and r.capital_servicing_adjustment == -0.01 and r.contract_profit_rate == 0
    assert r.rate_type == "GOCR"
    assert udfs.CPR(0.0, 0.0, 0.01, None, "GOCR") == 0.0


def test_gocr_with_agreed_cost_of_capital_keeps_the_csa():
    r = contract_profit_rate(0.0, 0.0, 0.0, 0.015, rate_type="GOCR", cost_of_capital_agreed=True)
    assert r.contract_profit_rate == 0.015
    assert udfs.CPR(0.0, 0.0, 0.0, 0.015, "gocr", True) == 0.015


def test_gocr_with_a_csa_but_no_agreement_is_refused():
    with pytest.raises(PricingInputError, match="6.19"):
        contract_profit_rate(0.0, 0.0, 0.0, 0.015, rate_type="GOCR")
    assert udfs.CPR(0.0, 0.0, 0.0, 0.015, "GOCR").startswith("Error: capital servicing adjustment 0.015")


def test_standard_rate_needs_a_csa():
    with pytest.raises(PricingInputError, match="capital servicing adjustment is empty"):
        contract_profit_rate(0.0824, 0, 0, None)


def test_arrays_go_through_the_same_function():
    bpr = np.full(3, 0.0824)
    r = contract_profit_rate(bpr, np.array([-0.25, 0.0, 0.25]), np.array([0.01, 0, 0]), np.array([0.0301, 0, 0.025]))
    assert r.contract_profit_rate == pytest.approx([0.1019, 0.0824, 0.128])
    with pytest.raises(PricingInputError, match="cost risk adjustment at row 2 0.3"):
        contract_profit_rate(bpr, np.array([0.0, 0.3, 0.0]), 0.0, 0.0)


def test_six_steps():
    # 2021/22: BPR 8.31%, funding adjustment 0.057%; CRA +10% of BPR, POCO 0.5pp, IA 1pp, CSA 1.2pp
    r = contract_profit_rate_six_step(0.0831, 0.10, 0.005, 0.00057, 0.01, 0.012, date_of_agreement=dt.date(2021, 6, 1))
    assert r.after_step_2 == pytest.approx(0.09141)
    assert r.after_step_3 == pytest.approx(0.08641)
    assert r.after_step_4 == pytest.approx(0.08584)
    assert r.after_step_5 == pytest.approx(0.09584)
    assert r.contract_profit_rate == pytest.approx(0.10784)
    assert len(r.table()) == 7
    assert udfs.CPR_SIX_STEP(0.0831, 0.10, 0.005, 0.00057, 0.01, 0.012) == pytest.approx(0.10784)


def test_six_steps_refuses_dates_from_1_april_2024_and_funding_before_2017():
    with pytest.raises(PricingInputError, match="four-step process applies"):
        contract_profit_rate_six_step(0.0824, 0, 0, 0, 0, 0.01, date_of_agreement="2024-04-01")
    with pytest.raises(PricingInputError, match="before 1 April 2017"):
        contract_profit_rate_six_step(0.0895, 0, 0, 0.00025, 0, 0.01, date_of_agreement="2017-03-31")
    r = contract_profit_rate_six_step(0.0746, 0, 0, 0.00025, 0, 0.01, date_of_agreement="2017-04-01")
    assert r.contract_profit_rate == pytest.approx(0.0746 - 0.00025 + 0.01)


def test_which_process_applies():
    assert uses_six_steps(dt.date(2024, 3, 31)) and not uses_six_steps(dt.date(2024, 4, 1))


def test_no_warnings_from_a_plain_call():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        contract_profit_rate(0.0824, 0, 0, 0.01)
