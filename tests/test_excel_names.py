"""The worksheet function names and argument order are a promise to users' workbooks: pinned here.
Also registers every function with xlwings' own Windows decorators, as Excel would see them."""

from __future__ import annotations

import inspect
import sys
import types

import pytest

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
    "PRICE": ["allowable_costs", "cpr"],
    "POCO": ["supply_chain", "money_unit"],
    "POCO_STAGES": ["supply_chain", "money_unit"],
    "CONTRACT_CRA_POT": ["components", "date_of_agreement", "contract_kind"],
    "CONTRACT_IA_POT": ["components", "date_of_agreement", "contract_kind"],
    "AGGREGATION": ["components", "date_of_agreement", "contract_kind"],
    "BPR_ROLLING": ["annual_rates"],
    "CRUV": ["volumes", "unit_rates"],
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


@pytest.fixture()
def windows_xlwings(monkeypatch):
    """xlwings' Windows UDF module, imported with stand-ins for the pywin32 modules it imports at
    the top (the decorators themselves touch none of them)."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        module = types.ModuleType(name)
        module.Dispatch = object  # type: ignore[attr-defined]
        module.CoInitialize = lambda: None  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings.udfs as xlw_udfs

    return xlw_udfs


def test_xlwings_registers_every_function_with_its_help(windows_xlwings):
    for name, fn in REGISTRY.items():
        target = inspect.unwrap(fn)

        def copy(*args, __f=target):  # a fresh function object carrying the same signature and doc
            return __f(*args)

        copy.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        copy.__name__, copy.__doc__ = name, fn.__doc__
        registered = windows_xlwings.xlfunc(category=CATEGORY)(copy)
        info = registered.__xlfunc__
        assert info["name"] == name and info["category"] == CATEGORY
        assert [a["name"] for a in info["args"]] == parameters(fn)
        for arg in info["args"]:
            windows_xlwings.xlarg(arg["name"], doc=f"help for {arg['name']}")(registered)
        assert 0 < len(info["ret"]["doc"]) <= WIZARD_LIMIT


def test_every_argument_has_help_text_for_the_wizard():
    from udfs import functions

    source = inspect.getsource(functions)
    for name in PINNED:
        assert f"def {name}(" in source
        doc = getattr(udfs, name).__doc__
        assert doc and len(doc) <= WIZARD_LIMIT and "\n" not in doc
