"""The contract model's Basis of price sheet: the text the contract pricing statement reads by name
(regulation 23 of the Single Source Contract Regulations 2014, as substituted by SI 2024/420): the
contractor's facts, assumptions and calculations for each element of each component, the outcome
specified for the incentive adjustment, known deviations from the statutory guidance and other
material information. Optional text inputs, empty in the templates, kept through regeneration."""

from __future__ import annotations

import openpyxl
import pytest

from sscr.workbooks.regenerate import OK, regenerate_one
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import copy_templates, named_cell, values_by_name

PER_COMPONENT = ("Basis_AC", "Basis_BPR", "Basis_CRA", "Basis_IA", "IA_outcome", "Basis_CSA", "Basis_POCO")
PER_CONTRACT = ("Guidance_deviations", "Other_material_information", "Contract_reference")
MODELS = ("contract_model", "cost_build_up")


def _components(spec) -> int:
    return sum(1 for n in spec.inputs if n.startswith("Name_") and n[5:].isdigit())


@pytest.mark.parametrize("key", MODELS)
def test_statement_inputs_are_optional_empty_text_inputs_by_name(key):
    spec = TEMPLATES[key].spec()
    count = _components(spec)
    assert count >= 3
    names = [*PER_CONTRACT, *(f"{p}_{i}" for p in PER_COMPONENT for i in range(1, count + 1))]
    for name in names:
        s = spec.inputs[name]
        assert (s.kind, s.optional, s.default, s.sheet) == ("text", True, None, "Basis of price"), name
    # one per component: no statement name beyond the components the model holds
    assert f"Basis_AC_{count + 1}" not in spec.inputs


def test_typed_text_is_kept_and_the_rows_name_their_components(tmp_path):
    folder = copy_templates(tmp_path, "contract-model.xlsx")
    wb = openpyxl.load_workbook(folder / "contract-model.xlsx")
    text = {"Contract_reference": "DEFCARS-2026-0042", "Guidance_deviations": "None known.",
            "Other_material_information": "Prices are in £, outturn.",
            "Basis_AC_2": "Labour at the 2025 recovery rate; materials from three quotations.",
            "IA_outcome_2": "Delivery of the first article by 31 March 2027", "Basis_POCO_2": "No group sub-contracts."}
    for name, value in text.items():
        named_cell(wb, name).value = value
    named_cell(wb, "Name_2").value = "Support"
    named_cell(wb, "Method_2").value = "formula"
    named_cell(wb, "AC_2").value = 1000
    named_cell(wb, "CRA_2").value = 0
    named_cell(wb, "IA_2").value = 0
    named_cell(wb, "CSA_2").value = 0
    wb.save(folder / "contract-model.xlsx")
    result = regenerate_one(folder / "contract-model.xlsx", tmp_path / "out")
    assert result.status == OK, result.message
    got = values_by_name(tmp_path / "out" / "contract-model.xlsx",
                         [*text, "Basis_component_1", "Basis_component_2", "Basis_AC_1"])
    assert {n: got[n] for n in text} == text
    assert got["Basis_component_2"] == "Support"
    assert got["Basis_component_1"] in (None, "") and got["Basis_AC_1"] is None
