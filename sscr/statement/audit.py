"""The audit trail: every figure of the statement with its formula, its inputs (named cells of the
model, with their values) and the regulation or guidance paragraph that requires it.

A figure the model computes carries the model's own formula (the native Excel formula of its
defined name); an input carries its cell; a figure the sscr core writes at regeneration (the Monte
Carlo figures) says how the core computes it; a figure the statement derives (a step's
adjustment, a running total) carries its formula over the model's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .read import ModelReading

#: Citations by defined name (the first pattern that matches wins). The regulations are the Single
#: Source Contract Regulations 2014 as amended; guidance is the SSRO's statutory guidance.
CITATIONS: tuple[tuple[str, str], ...] = (
    (r"^Date_of_agreement$", "Regulation 23 (as substituted by SI 2024/420): the date of agreement fixes the guidance and rates in force"),
    (r"^Financial_year$", "Baseline profit rate guidance 3.2-3.7: the rates of the financial year of agreement"),
    (r"^(Name|Method|Is_formula)_\d+$", "Regulation 19G and alternative pricing guidance 9.1-9.10: components and "
                                       "their pricing methods"),
    (r"^(BPR|BPR_\d+)$", "Regulation 11(2), step 1; baseline profit rate guidance section 3"),
    (r"^CRA_\d+$", "Regulation 11(3), step 2; baseline profit rate guidance section 4"),
    (r"^IA_\d+$", "Regulation 11(6), step 3; baseline profit rate guidance section 5"),
    (r"^CSA_(used_|computed_)?\d+$", "Regulation 11(7), step 4; baseline profit rate guidance section 6 and Appendix B"),
    (r"^CPR_\d+$", "Regulation 11 and section 17 of the Act; baseline profit rate guidance section 7"),
    (r"^Lines_AC_\d+$", "Allowable costs guidance 3.13-3.15 (appropriate, attributable, reasonable) and 4.5"),
    (r"^Risk_AC_\d+$", "Allowable costs guidance H.1.7 and H.2.1-H.2.2: the risk contingency element"),
    (r"^AC_\d+$", "Section 20 of the Act and allowable costs guidance section 3: other allowable costs"),
    (r"^AC_total_\d+$", "Section 20 of the Act; allowable costs guidance sections 3-5"),
    (r"^POCO_(computed_|typed_)?\d+$", "Regulation 13A; allowable costs guidance Part I, Table 2 (stage 5)"),
    (r"^POCO_(stage2|stage3|initial|stage4)_\d+$", "Regulation 13A; allowable costs guidance Part I, Table 2 (stages 2-4)"),
    (r"^SC_.+$", "Regulation 13A; allowable costs guidance Part I, Table 2 and I.8: the group supply chain"),
    (r"^AC_after_\d+$", "Regulation 13A; allowable costs guidance I.4.3: allowable costs less the POCO deduction"),
    (r"^(Profit|Profit_after)_\d+$", "Section 15 of the Act: the pricing formula, profit = CPR x allowable costs"),
    (r"^(Price|Price_after)_\d+$", "Section 15 of the Act: the pricing formula, price = allowable costs + profit"),
    (r"^Alt_price_\d+$", "Regulation 19G; alternative pricing guidance: the price by an alternative method"),
    (r"^Part_.+$", "Allowable costs guidance section 5 (Parts A-I) and 3.13-3.15"),
    (r"^Lines_.+$", "Allowable costs guidance sections 3-5: the cost lines by agreement status"),
    (r"^Line_.+$", "Allowable costs guidance sections 3-5, 4.9 (recovery rates), A.4.1 and B.1.1 (escalation)"),
    (r"^Risk_.+$", "Allowable costs guidance H.1.7 and H.2: the risk register at expected value"),
    (r"^MC_.+$", "Allowable costs guidance H.1.6: Monte Carlo simulation of the risk register"),
    (r"^(Max_CRA_value|Actual_CRA_value|CRA_pot|Contract_CRA)(_\d+)?$",
     "Regulation 19G; alternative pricing guidance 9.11-9.18 (Example 6): the contract level cost risk adjustment"),
    (r"^(Max_IA_value|Actual_IA_value|IA_pot|Contract_IA)(_\d+)?$",
     "Regulation 19G; alternative pricing guidance 9.19-9.26 (Example 7): the contract level incentive adjustment"),
    (r"^(Total_component_price|Price_total|Components)$", "Regulation 19G; alternative pricing guidance 9.4"),
    (r"^(Max_price|Max_price_with_CRA|Max_price_with_IA)$", "Alternative pricing guidance 9.11-9.26"),
    (r"^Contract_price$", "Section 15 of the Act and regulation 19G; alternative pricing guidance 1.13"),
)


def citation(name: str) -> str:
    for pattern, text in CITATIONS:
        if re.match(pattern, name):
            return text
    return "Regulation 23: the contract pricing statement"


_TOKEN = re.compile(r'"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_.]*')


def names_in(formula: str, known: set[str]) -> list[str]:
    """The defined names a formula refers to, in order, each once (text in quotes is skipped)."""
    out: list[str] = []
    for m in _TOKEN.finditer(formula):
        token = m.group(0)
        if token.startswith('"'):
            continue
        if token in known and token not in out:
            out.append(token)
    return out


@dataclass
class Entry:
    """One figure's derivation."""

    id: str
    pointer: str
    label: str
    value: Any
    unit: str
    kind: str  # input | formula | core | derived
    formula: str | None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    guidance: str = ""
    sheet: str | None = None
    cell: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "pointer": self.pointer, "label": self.label, "value": self.value,
                "unit": self.unit, "kind": self.kind, "formula": self.formula, "inputs": self.inputs,
                "guidance": self.guidance, "sheet": self.sheet, "cell": self.cell}


class Trail:
    """Collects the audit trail as the statement is built: each call returns the figure's value,
    so that the statement and its trail cannot disagree."""

    def __init__(self, reading: ModelReading):
        self.reading = reading
        spec = reading.spec
        self.known = set(spec.inputs) | set(spec.outputs) | set(spec.values) | set(reading.names)
        self.entries: dict[str, Entry] = {}

    def _operand(self, name: str) -> dict[str, Any]:
        spec = self.reading.spec
        where = spec.inputs.get(name) or spec.outputs.get(name) or spec.values.get(name)
        value = self.reading.value(name)
        if where is None:  # a named range (a column of a table) or the Rates sheet
            return {"name": name, "value": None, "range": True, "sheet": None, "cell": None}
        return {"name": name, "value": _json_value(value), "range": False, "sheet": where.sheet, "cell": where.ref}

    def figure(self, name: str, pointer: str, label: str, unit: str, *, guidance: str | None = None,
               id: str | None = None) -> Any:
        """A figure of the model (an input, a formula cell or a core value) by defined name."""
        spec = self.reading.spec
        value = _json_value(self.reading.value(name))
        if name in spec.outputs:
            out = spec.outputs[name]
            formula = out.formula
            entry = Entry(id or name, pointer, label, value, unit, "formula", "=" + formula,
                          [self._operand(n) for n in names_in(formula, self.known) if n != name],
                          guidance or citation(name), out.sheet, out.ref)
        elif name in spec.values:
            v = spec.values[name]
            entry = Entry(id or name, pointer, label, value, unit, "core", _core_formula(name),
                          [self._operand(n) for n in ("MC_trials", "MC_seed") if n in spec.inputs],
                          guidance or citation(name), v.sheet, v.ref)
        elif name in spec.inputs:
            i = spec.inputs[name]
            entry = Entry(id or name, pointer, label, value, unit, "input", None, [], guidance or citation(name),
                          i.sheet, i.ref)
        else:
            raise KeyError(f"{name} is not a defined name of the {self.reading.template.key} template")
        self._add(entry)
        return value

    def derived(self, id: str, pointer: str, label: str, unit: str, value: Any, formula: str,
                operands: Sequence[str], guidance: str) -> Any:
        """A figure the statement computes from the model's figures, with its formula over their names."""
        value = _json_value(value)
        self._add(Entry(id, pointer, label, value, unit, "derived", formula,
                        [self._operand(n) for n in operands], guidance))
        return value

    def core_table(self, id: str, pointer: str, label: str, names: Sequence[str]) -> None:
        """A table of figures the sscr core writes at regeneration (the histogram), as one entry."""
        spec = self.reading.spec
        first = spec.values.get(names[0]) if names else None
        self._add(Entry(id, pointer, label, None, "table", "core", _core_formula(names[0] if names else "MC_bin_"),
                        [self._operand(n) for n in ("MC_trials", "MC_seed") if n in spec.inputs], citation("MC_"),
                        first.sheet if first else None, first.ref if first else None))

    def _add(self, entry: Entry) -> None:
        if entry.id in self.entries:
            raise ValueError(f"figure {entry.id} is in the statement twice")  # a statement defect
        self.entries[entry.id] = entry

    def as_json(self) -> list[dict[str, Any]]:
        return [e.as_json() for e in self.entries.values()]


def _core_formula(name: str) -> str:
    if name.startswith("MC_bin_") or name.startswith("MC_count_"):
        return ("histogram of the simulated totals: sscr.allowable_costs.simulate_risk(register, trials=MC_trials, "
                "seed=MC_seed, bins=20)")
    return ("sscr.allowable_costs.simulate_risk(register, trials=MC_trials, seed=MC_seed): each trial draws every "
            "risk's occurrence (probability) and impact (triangular for a three-point risk)")


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)
