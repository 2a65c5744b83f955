"""A blank contract pricing model to start a real contract from: the components, their contract
profit rates, their prices, the POCO deduction, then the contract level adjustments.

The model is a list of sheets (:data:`SHEETS`). Each sheet is a :class:`ModelSheet` with a ``build``
that lays it out and a ``compute`` that returns its figures from the core, given the inputs and the
figures of the sheets before it. A further sheet (for example an allowable cost build-up feeding
the components' allowable costs) is added by appending a ModelSheet to :data:`SHEETS` (or passing
``sheets=`` to :func:`template`); its names then become part of the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from sscr.rates import RateTable

from ..layout import MONEY_2DP, PERCENT, Layout, Template, label, lookup, page_setup, section, title
from .components import component_block, compute_block

#: Component columns in the blank model.
COMPONENTS = 8


@dataclass(frozen=True)
class ModelSheet:
    """One sheet of the contract model: ``build(layout)`` lays it out; ``compute(inputs, rates,
    figures)`` returns its computed names' figures (``figures`` holds those of earlier sheets)."""

    name: str
    build: Callable[[Layout], None]
    compute: Callable[[Mapping[str, Any], RateTable, Mapping[str, Any]], dict[str, Any]]


def _build_contract(layout: Layout) -> None:
    ws = layout.wb.create_sheet("Contract")
    title(ws, "Contract pricing model",
          "Components (regulation 19G) -> contract profit rate (regulation 11; baseline profit rate guidance section 7) -> "
          "price (Act s.15) -> POCO deduction (allowable costs guidance Part I) -> contract level adjustments "
          "(alternative pricing guidance 9.11-9.26). Money in £.")
    section(ws, "A5", "Contract")
    label(ws, "B6", "Contract name or reference")
    layout.input(ws, "C6", "Contract_name", None, "text", "@", "contract name", optional=True)
    label(ws, "B7", "Financial year of agreement (the rates in force)")
    layout.input(ws, "C7", "Financial_year", "2024/25", "year", "@", "financial year of agreement")
    label(ws, "B8", "Baseline profit rate (step 1), from the Rates sheet")
    layout.output(ws, "C8", "BPR", lookup("Rates_BPR", "Financial_year"), PERCENT)
    label(ws, "D8", "Baseline profit rate guidance 3.2-3.7: the rate for the financial year of agreement", note=True)
    ws.merge_cells("C6:E6")
    rows = component_block(layout, ws, "", COMPONENTS, 10, bpr_name="BPR", poco=True, money_format=MONEY_2DP)
    ws.freeze_panes = "C12"
    page_setup(ws, f"A1:{chr(ord(rows.total_col) + 1)}{rows.last}")


def _compute_contract(inputs: Mapping[str, Any], rates: RateTable, figures: Mapping[str, Any]) -> dict[str, Any]:
    bpr = rates.lookup(inputs["Financial_year"]).baseline_profit_rate
    out = {"BPR": bpr}
    out.update(compute_block(inputs, "", COMPONENTS, bpr=bpr, poco=True))
    return out


#: The model's sheets, in pricing order. Append a ModelSheet to add one.
SHEETS: list[ModelSheet] = [ModelSheet("Contract", _build_contract, _compute_contract)]


def template(sheets: Sequence[ModelSheet] | None = None) -> Template:
    """The contract model template made of ``sheets`` (default :data:`SHEETS`)."""
    chosen = list(SHEETS if sheets is None else sheets)

    def build(layout: Layout) -> None:
        for sheet in chosen:
            sheet.build(layout)

    def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        for sheet in chosen:
            figures.update(sheet.compute(inputs, rates, figures))
        return figures

    return Template(
        key="contract_model", filename="contract-model.xlsx", title="Contract pricing model (blank)",
        description="A blank model for a real contract: components, CPR, price, POCO deduction, contract level "
                    "adjustments",
        version=1, build=build, compute=compute,
        headline=("BPR", "Total_component_price", "CRA_pot", "IA_pot", "Contract_price"))


TEMPLATE = template()
