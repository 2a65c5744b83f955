"""The worksheet function names and argument order are a promise to users' workbooks: pinned here,
and every name is one Excel resolves to the add-in (not a built-in, not a cell reference).
Registration through xlwings' own code is tested in test_addin.py."""

from __future__ import annotations

import inspect
import re

import pytest
from openpyxl.utils import FORMULAE
from openpyxl.utils.cell import column_index_from_string

import udfs
from udfs.edge import CATEGORY, REGISTRY, WIZARD_LIMIT

PINNED = {
    "BPR": ["date_of_agreement", "rate_type"],
    "CSA_RATES": ["date_of_agreement"],
    "RATE_EVIDENCE": ["date_of_agreement", "rate"],
    "CPR": ["bpr", "cra", "ia", "csa", "rate_type", "cost_of_capital_agreed", "date_of_agreement", "contract_kind"],
    "CPR_STEPS": ["bpr", "cra", "ia", "csa", "rate_type", "cost_of_capital_agreed", "date_of_agreement",
                  "contract_kind"],
    "CPR_SIX_STEP": ["bpr", "cra", "poco", "funding_adjustment", "ia", "csa", "date_of_agreement"],
    "CSA": ["fixed_capital", "working_capital", "cost_of_production", "rates"],
    "CSA_STEPS": ["fixed_capital", "working_capital", "cost_of_production", "rates"],
    "PRICE_FROM_CPR": ["allowable_costs", "cpr"],
    "POCO": ["supply_chain", "money_unit"],
    "POCO_STAGES": ["supply_chain", "money_unit"],
    "CONTRACT_CRA_POT": ["components", "date_of_agreement", "contract_kind"],
    "CONTRACT_IA_POT": ["components", "date_of_agreement", "contract_kind"],
    "AGGREGATION": ["components", "date_of_agreement", "contract_kind"],
    "BPR_ROLLING": ["annual_rates"],
    "CRUV": ["volumes", "unit_rates", "escalation"],
    "GUIDANCE_VERSION": ["date_of_agreement", "document"],
}


def parameters(fn):
    return list(inspect.signature(fn).parameters)


@pytest.mark.parametrize("name", PINNED)
def test_name_and_argument_order_are_pinned(name):
    assert parameters(getattr(udfs, name)) == PINNED[name]
    assert name in REGISTRY


def test_new_arguments_are_optional_and_trailing():
    for name, expected in PINNED.items():
        params = list(inspect.signature(getattr(udfs, name)).parameters.values())
        required = [p.name for p in params if p.default is inspect.Parameter.empty]
        assert params[:len(required)] == [p for p in params if p.name in required], name


def test_every_registered_function_is_exported():
    assert set(PINNED) <= set(REGISTRY) <= set(udfs.__all__)


def looks_like_a_cell_reference(name: str) -> bool:
    """``name`` read as a cell reference in A1 style (columns A..XFD, rows 1..1048576) or R1C1 style
    (R, C, RC, R2C3, R[1]C[-1], ...), where Excel reads a reference rather than a function name."""
    upper = name.upper()
    a1 = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", upper)
    if a1:
        return column_index_from_string(a1.group(1)) <= 16384 and 1 <= int(a1.group(2)) <= 1048576
    part = r"(\[-?[0-9]+\]|[0-9]*)"
    return re.fullmatch(rf"R{part}(C{part})?|C{part}", upper) is not None


@pytest.mark.parametrize("name, expected", [
    ("A1", True), ("XFD1048576", True), ("XFE1", False), ("A1048577", False), ("CSA1", True), ("CPR", False),
    ("R", True), ("C", True), ("RC", True), ("R1C1", True), ("R[1]C[-2]", True), ("R2", True), ("C3", True),
    ("RISK_EV", False), ("CRUV", False), ("A0", False),
])
def test_the_cell_reference_rule_itself(name, expected):
    assert looks_like_a_cell_reference(name) is expected


def test_no_worksheet_function_is_an_excel_built_in_or_a_cell_reference():
    """Excel resolves a built-in function (PRICE is the bond price) or a reference before an
    add-in's function of the same name, so such a function could never be called."""
    assert "PRICE" in FORMULAE and "CPR" not in FORMULAE  # openpyxl's list of Excel's function names
    for name in REGISTRY:
        assert name.upper() not in FORMULAE, f"{name} is an Excel built-in function"
        assert not looks_like_a_cell_reference(name), f"{name} reads as a cell reference"
        assert re.fullmatch(r"[A-Z][A-Z0-9_]{0,254}", name), name


def test_every_argument_has_help_text_for_the_wizard():
    from udfs import functions

    source = inspect.getsource(functions)
    for name in PINNED:
        assert f"def {name}(" in source
        doc = getattr(udfs, name).__doc__
        assert doc and len(doc) <= WIZARD_LIMIT and "\n" not in doc
