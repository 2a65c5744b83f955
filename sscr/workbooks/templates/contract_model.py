"""A blank contract pricing model to start a real contract from: the components, their allowable
costs built up from cost lines and a risk register, their contract profit rates, their prices, the
POCO deduction, then the contract level adjustments.

The model is a list of sheets (:data:`SHEETS`). Each sheet is a :class:`ModelSheet` with a ``build``
that lays it out and a ``compute`` that returns its figures from the core, given the inputs and the
figures of the sheets before it. A further sheet (for example an allowable cost build-up feeding
the components' allowable costs) is added by appending a ModelSheet to :data:`SHEETS` (or passing
``sheets=`` to :func:`template`); its names then become part of the template.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from sscr.components import method_kind
from sscr.rates import RateTable

from sscr.dates import long_date
from sscr.errors import PricingInputError
from sscr.guidance import packaged_guidance
from sscr.profit_rate import incentive_adjustment, incentive_limit
from sscr.rates import financial_year_label, financial_year_of, rate_rows
from sscr.rules import incentive_cap, packaged_rules

from ..layout import (DATE, GUIDANCE_DOCUMENTS, MONEY_2DP, PERCENT, TEXT, Layout, Template, guidance_formula, label,
                      lookup, page_setup, section, title)
from ..package import col_letters as get_column_letter
from .basis import BASIS_SHEET, basis_sheet, compute_basis
from .components import component_block, compute_block
from .model_capital import CAPITAL_SHEET, capital_sheet, compute_capital
from .model_six import SIX_SHEET, check_six, compute_six, funding_in_force, six_sheet, steps_in_force
from .supply_chain import SUPPLY_CHAIN, SUPPLY_SHEET, compute_supply_chain, supply_chain_sheet
from .cost_build_up import (BLANK, BUILD_UP_SHEET, GROW, RISK_SHEET, TYPES_SHEET, Case, build_up_sheet,
                            component_build_up, compute_build_up, compute_risk, cost_types_sheet, risk_sheet)

#: Component columns in the blank model.
COMPONENTS = 10


@dataclass(frozen=True)
class ModelSize:
    """How many rows each of the model's tables holds: cost lines, risks, components and supply chain
    contracts. A workbook's size is read from its defined names (``Line_id_2000`` is
    the 2,000th cost line), so every size keeps the documented names."""

    lines: int = 50
    risks: int = 20
    components: int = COMPONENTS
    supply_chain: int = SUPPLY_CHAIN

    #: The largest size of each table ``sscr new`` makes.
    LIMITS = {"lines": 20_000, "risks": 2_000, "components": 60, "supply_chain": 500}
    #: The defined name whose number counts each table's rows.
    COUNTED_BY = {"lines": "Line_id", "risks": "Risk_id", "components": "Name", "supply_chain": "SC_name"}

    def pairs(self) -> tuple[tuple[str, int], ...]:
        return tuple((k, getattr(self, k)) for k in self.COUNTED_BY)

    @classmethod
    def from_names(cls, names: set[str] | Sequence[str]) -> "ModelSize":
        """The size a workbook's defined names show (a table with no names has no rows)."""
        most = dict.fromkeys(cls.COUNTED_BY, 0)
        pattern = re.compile(r"^(" + "|".join(cls.COUNTED_BY.values()) + r")_(\d+)$")
        key_of = {v: k for k, v in cls.COUNTED_BY.items()}
        for name in names:
            m = pattern.match(name)
            if m:
                key = key_of[m.group(1)]
                most[key] = max(most[key], int(m.group(2)))
        return cls(**most)


@dataclass(frozen=True)
class ModelSheet:
    """One sheet of the contract model: ``build(layout)`` lays it out; ``compute(inputs, rates,
    figures)`` returns its computed names' figures (``figures`` holds those of earlier sheets)."""

    name: str
    build: Callable[[Layout], None]
    compute: Callable[[Mapping[str, Any], RateTable, Mapping[str, Any]], dict[str, Any]]


def contract_sheet(count: int = COMPONENTS, defaults: Sequence[tuple[Any, ...]] | None = None,
                   contract_name: str | None = None, notes: Sequence[str] = (), *,
                   size: ModelSize | None = None) -> ModelSheet:
    """The Contract sheet: ``count`` component columns whose allowable costs come from the Cost
    build-up and Risk register sheets (plus any entered directly), the POCO deduction, the prices
    and the contract level adjustments. ``defaults`` as for :func:`.components.component_block`."""

    size = size or ModelSize(components=count)

    def build(layout: Layout) -> None:
        ws = layout.wb.create_sheet("Contract")
        title(ws, "Contract pricing model",
              "Components (regulation 19G) -> allowable costs: cost build-up and risk register (allowable costs "
              "guidance sections 3-5, H.2) -> CPR (regulation 11) -> price (Act s.15) -> POCO deduction (Part I) -> "
              "contract level adjustments (alternative pricing guidance 9.11-9.26). Money in £.")
        section(ws, "A5", "Contract")
        label(ws, "B6", "Contract name or reference")
        layout.input(ws, "C6", "Contract_name", contract_name, "text", "@", "contract name", optional=True)
        label(ws, "B7", "Financial year of agreement (the rates in force)")
        layout.input(ws, "C7", "Financial_year", "2024/25", "year", "@", "financial year of agreement")
        label(ws, "B8", "Baseline profit rate (step 1), from the Rates sheet")
        layout.output(ws, "C8", "BPR", lookup("Rates_BPR", "Financial_year"), PERCENT)
        layout.output(ws, "D8", "BPR_evidence", "INDEX(Rates_evidence,MATCH(Financial_year,Rates_year,0))", TEXT)
        label(ws, "E8", "Evidence of the rate (user: typed on the Rates sheet or from your rates file); guidance "
                        "3.2-3.7: the rate for the financial year of agreement", note=True)
        ws.merge_cells("C6:E6")
        # The date and kind of contract decide the maximum incentive adjustment (sscr.rules).
        label(ws, "G6", "Date of agreement")
        layout.input(ws, "I6", "Date_of_agreement", None, "date", DATE, "date of agreement", optional=True)
        label(ws, "G7", "Contract kind: QDC or QSC")
        layout.input(ws, "I7", "Contract_kind", "QDC", "contract_kind", TEXT, "contract kind")
        label(ws, "G8", "Maximum incentive adjustment")
        layout.output(ws, "I8", "IA_cap", ia_cap_formula("Date_of_agreement", "Contract_kind"), PERCENT)
        label(ws, "J8", "Regulation 11(6); 10pp for a QDC agreed on or after 5 June 2026 (Single Source Contract "
                        "(Amendment) Regulations 2026); 2pp with no date", note=True)
        label(ws, "B9", "Guidance in force at the date of agreement: allowable costs, baseline profit rate, "
                        "alternative pricing (Rates sheet, Guidance versions)", note=True)
        for col, key in zip("GHI", GUIDANCE_DOCUMENTS):
            layout.output(ws, f"{col}9", f"Guidance_{key}", guidance_formula(key, "Date_of_agreement"), TEXT)
        rows = component_block(layout, ws, "", count, 10, list(defaults) if defaults else None, bpr_name="BPR",
                               poco=True, money_format=MONEY_2DP, build_up=True, capital=True, ia_cap_name="IA_cap",
                               shares=True, six_steps=True)
        for k, note in enumerate(notes, start=1):
            label(ws, f"B{rows.last + k}", note, note=True)
        ws.freeze_panes = "C12"
        for col in range(3, 4 + count):  # the component columns and the total: room for £ millions to the penny
            ws.column_dimensions[get_column_letter(col)].width = 15
        how = get_column_letter(4 + count)
        page_setup(ws, f"A1:{how}{rows.last + len(notes)}")
        # up to eight component columns a page wide; more continue on further pages, labels repeated
        ws.page_setup.fitToWidth = max(1, math.ceil((count + 2) / 10))
        ws.page_setup.fitToHeight = 1
        ws.print_title_cols = "A:B"
        layout.table(ws, "components", rows.names, rows.last, 3, 2 + count, count,
                     f"{GROW} --components N", check_to=rows.last)

    def compute(inputs: Mapping[str, Any], rates: RateTable, figures: Mapping[str, Any]) -> dict[str, Any]:
        year = rates.lookup(inputs["Financial_year"])
        bpr = year.baseline_profit_rate
        day = inputs.get("Date_of_agreement")
        kind = inputs.get("Contract_kind")
        if day is not None and financial_year_of(day) != year.start_year:
            raise PricingInputError(
                f"Date_of_agreement {long_date(day)} falls in {financial_year_label(financial_year_of(day))}, not in "
                f"Financial_year {year.financial_year}: the rates in force are those of the financial year containing "
                f"the date of agreement (Act s.19); make the two agree")
        out: dict[str, Any] = {"BPR": bpr, "BPR_evidence": next(
            r["evidence"] for r in rate_rows(rates) if r["financial_year"] == year.financial_year)}
        out["IA_cap"] = incentive_cap(day, kind).limit
        limit, rule = incentive_limit(day, kind)
        for i in range(1, count + 1):  # each IA cell against the maximum in force, by its own name
            if inputs.get(f"IA_{i}") is not None:
                incentive_adjustment(inputs[f"IA_{i}"], f"IA_{i}", limit=limit, rule=rule)
        for key, document in GUIDANCE_DOCUMENTS.items():
            out[f"Guidance_{key}"] = guidance_shown(day, document)
        formula = {i: inputs.get(f"Name_{i}") is not None and inputs.get(f"Method_{i}") is not None
                   and method_kind(inputs[f"Method_{i}"], f"Method_{i}") == "formula" for i in range(1, count + 1)}
        capital, computed = compute_capital(inputs, rates, count, formula)
        out.update(capital)
        supply, deductions = compute_supply_chain(inputs, count, max(size.supply_chain, 1), formula)
        out.update(supply)
        inputs = {**inputs, **{f"POCO_{i}": deduction for i, deduction in deductions.items()}}
        steps = steps_in_force(inputs)  # six for a price agreed before 1 April 2024 (the Six steps sheet)
        check_six(inputs, count, steps, deductions)
        funding = funding_in_force(inputs, rates, steps)
        six = ({"funding": funding, "poco_rates": {i: inputs.get(f"POCO_rate_{i}") for i in range(1, count + 1)}}
               if steps == 6 else None)
        out.update(compute_block(inputs, "", count, bpr=bpr, poco=True,
                                 build_up=component_build_up(inputs, count, lines=size.lines, risks=size.risks),
                                 capital=computed, date_of_agreement=day, contract_kind=kind, six=six))
        out.update(compute_six(inputs, count, steps, funding, (six or {}).get("results", {})))
        return out

    return ModelSheet("Contract", build, compute)


EXCEL_EPOCH = dt.date(1899, 12, 30)


def ia_cap_formula(date_name: str, kind_name: str) -> str:
    """Formula text for the maximum incentive adjustment, from the packaged rules table: 2pp with no
    date; otherwise the rule in force for the contract kind at the date (sscr.rules)."""
    table = packaged_rules()

    def by_date(kind: str) -> str:
        rows = sorted((r for r in table.rules if r.rule == "maximum_incentive_adjustment" and r.contract_kind in (kind, "")),
                      key=lambda r: r.applies_from)
        expr = f"{float(rows[0].value) / 100:g}"
        for r in rows[1:]:
            d = r.applies_from
            serial = (d - EXCEL_EPOCH).days  # the date as Excel holds it (46178 is 5 June 2026)
            expr = f"IF({date_name}>={serial},{float(r.value) / 100:g},{expr})"
        return expr

    return f'IF({date_name}="",0.02,IF({kind_name}="QSC",{by_date("QSC")},{by_date("QDC")}))'


def guidance_shown(day: Any, document: str) -> str | None:
    """The version the Contract sheet's guidance cell shows: as :func:`.layout.guidance_formula`
    (empty with no date)."""
    if day is None:
        return None
    versions = packaged_guidance().versions(document)
    if day < versions[0].applies_from:
        return "none"
    return [v for v in versions if v.applies_from <= day][-1].version


def build_up_sheets(case: Case = BLANK, size: ModelSize | None = None) -> list[ModelSheet]:
    """The Cost build-up, Risk register and Cost types sheets, filled with ``case``."""
    size = size or ModelSize()
    return [ModelSheet(BUILD_UP_SHEET, lambda layout: build_up_sheet(layout, case, size.lines),
                       lambda inputs, rates, figures: compute_build_up(inputs, size.lines)),
            ModelSheet(RISK_SHEET, lambda layout: risk_sheet(layout, case, size.risks),
                       lambda inputs, rates, figures: compute_risk(inputs, size.risks)),
            ModelSheet(TYPES_SHEET, cost_types_sheet, lambda inputs, rates, figures: {})]


def basis_of_price_sheet(count: int = COMPONENTS) -> ModelSheet:
    """The Basis of price sheet for ``count`` components (:mod:`.basis`)."""
    return ModelSheet(BASIS_SHEET, lambda layout: basis_sheet(layout, count),
                      lambda inputs, rates, figures: compute_basis(inputs, count))


def capital_servicing_sheet(count: int, defaults: Mapping[int, Mapping[str, float]] | None = None) -> ModelSheet:
    """The Capital servicing sheet (:mod:`.model_capital`); its figures come with the Contract sheet's."""
    return ModelSheet(CAPITAL_SHEET, lambda layout: capital_sheet(layout, count, defaults),
                      lambda inputs, rates, figures: {})


def supply_chain_model_sheet(size: ModelSize, case: Sequence[Mapping[str, Any]] = ()) -> ModelSheet:
    """The Supply chain sheet (:mod:`.supply_chain`); its figures come with the Contract sheet's."""
    # at least one row: a workbook laid out before the sheet has none, and is moved with sscr new --from
    return ModelSheet(SUPPLY_SHEET, lambda layout: supply_chain_sheet(layout, size.components, max(size.supply_chain, 1),
                                                                      case),
                      lambda inputs, rates, figures: {})


def six_steps_sheet(count: int) -> ModelSheet:
    """The Six steps sheet (:mod:`.model_six`); its figures come with the Contract sheet's."""
    return ModelSheet(SIX_SHEET, lambda layout: six_sheet(layout, count), lambda inputs, rates, figures: {})


def model_sheets(size: ModelSize, case: Case = BLANK, defaults: Sequence[tuple[Any, ...]] | None = None,
                 contract_name: str | None = None, notes: Sequence[str] = (),
                 capital: Mapping[int, Mapping[str, float]] | None = None,
                 supply_chain: Sequence[Mapping[str, Any]] = ()) -> list[ModelSheet]:
    """The model's sheets for ``size``, filled with ``case``, the component ``defaults``, their
    ``capital`` figures and the ``supply_chain`` rows."""
    return [contract_sheet(size.components, defaults, contract_name, notes, size=size),
            capital_servicing_sheet(size.components, capital),
            supply_chain_model_sheet(size, supply_chain), six_steps_sheet(size.components),
            *build_up_sheets(case, size), basis_of_price_sheet(size.components)]


#: The model's sheets, in pricing order. Append a ModelSheet to add one.
SHEETS: list[ModelSheet] = model_sheets(ModelSize())

HEADLINE = ("BPR", "Lines_allowable", "Risk_EV", "Total_component_price", "CRA_pot", "IA_pot", "Contract_price")


def template(sheets: Sequence[ModelSheet] | None = None, *, key: str = "contract_model",
             filename: str = "contract-model.xlsx", title: str = "Contract pricing model (blank)",
             description: str = "A blank model for a real contract: cost build-up and risk register, components, "
                                "CPR, price, POCO deduction, contract level adjustments",
             version: int = 2, headline: Sequence[str] = HEADLINE, size: ModelSize | None = None,
             sized: Callable[[set[str]], Template] | None = None) -> Template:
    """The contract model template made of ``sheets`` (default :data:`SHEETS`); ``size`` the sizes
    of its tables and ``sized`` the template of another size, for a workbook's defined names."""
    chosen = list(SHEETS if sheets is None else sheets)

    def build(layout: Layout) -> None:
        for sheet in chosen:
            sheet.build(layout)

    def compute(inputs: Mapping[str, Any], rates: RateTable) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        for sheet in chosen:
            figures.update(sheet.compute(inputs, rates, figures))
        return figures

    return Template(key=key, filename=filename, title=title, description=description, version=version, build=build,
                    compute=compute, headline=tuple(headline), sized=sized, size=size.pairs() if size else ())


_BLANK: dict[ModelSize, Template] = {}


def blank_model(size: ModelSize | None = None) -> Template:
    """The blank contract model with its tables of ``size`` (default :class:`ModelSize`)."""
    size = size or ModelSize()
    if size not in _BLANK:
        _BLANK[size] = template(model_sheets(size), size=size,
                                sized=lambda names: blank_model(ModelSize.from_names(names)))
    return _BLANK[size]


TEMPLATE = blank_model()
