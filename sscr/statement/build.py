"""The contract pricing statement of regulation 23 as data: one JSON-ready document built from a
contract model read by :func:`sscr.statement.read.read_model`, with the audit trail of every figure.

The document's fields follow regulation 23(3) (as substituted by SI 2024/420) and the order of the
contract pricing statement: the contract and the statutory guidance in force at its date of
agreement (with any deviation recorded), then each component (its pricing method; for the pricing
formula the allowable costs, the contract profit rate and the regulation 11 calculation, step by
step, with the factor determined at each step and the contractor's facts, assumptions and
calculations; for an alternative method its particulars), the allowable costs by Part of the
guidance, the risk contingency element (reported separately, H.2.2), the POCO deduction, the
contract level adjustments, the price and any other information material to the pricing.
Its schema is ``schema/statement-v1.json`` beside this module.
"""

from __future__ import annotations

import math
from typing import Any

import sscr
from sscr.allowable_costs.catalogue import PARTS
from sscr.components import method_kind
from sscr.profit_rate import contract_profit_rate, uses_six_steps

from .audit import Trail, citation
from .read import COMPONENT_TEXTS, ModelReading, StatementError, as_date

SCHEMA_ID = "sscr-contract-pricing-statement"
SCHEMA_VERSION = "1.1"

#: The guidance documents whose version in force at the date of agreement the statement reports.
GUIDANCE_DOCUMENTS = ("allowable costs", "baseline profit rate", "alternative pricing")

STATUSES = (("claimed", "claimed"), ("agreed", "agreed"), ("pending", "pending"), ("not_agreed", "not agreed"),
            ("excluded", "excluded"))


def _entry(g: Any, basis: str, start: Any = None, end: Any = None) -> dict[str, Any]:
    return {"document": g.document, "version": str(g.version), "applies_from": g.applies_from.isoformat(),
            "title": g.title, "source": g.source, "evidence": g.evidence, "note": g.note or None, "basis": basis,
            "in_force_from": start.isoformat() if start else None, "in_force_to": end.isoformat() if end else None}


def _guidance(date_of_agreement: Any, guidance_file: Any = None, financial_year: Any = None,
              ) -> tuple[list[dict[str, Any]], str | None]:
    """The version of each statutory guidance document in force at the date of agreement
    (regulation 23(3)(a), as substituted by SI 2024/420).

    With no date of agreement the version in force cannot be known, and the statement is not ready to
    file: it lists instead every version that was in force for some part of the financial year of
    agreement (the year that gives the model its rates), each with the days of the year it covers,
    so that the analyst sees which versions the date will choose between."""
    from sscr.guidance import guidance_in_force, guidance_versions
    if date_of_agreement is None:
        return _guidance_in_year(financial_year, guidance_file)
    out, notes = [], []
    for document in GUIDANCE_DOCUMENTS:
        dated = [v for v in guidance_versions(document, guidance_file=guidance_file)]
        if dated and all(v.applies_from > date_of_agreement for v in dated):
            first = min(dated, key=lambda v: v.applies_from)
            notes.append(f"no {document} guidance was in force at the date of agreement: its first version "
                         f"({first.title} version {first.version}) applies from {first.applies_from.isoformat()}")
            continue
        g = guidance_in_force(date_of_agreement, document, guidance_file=guidance_file)
        out.append(_entry(g, "date of agreement"))
    return out, "; ".join(notes) or None


NO_DATE = ("the model records no date of agreement (Date_of_agreement on the Contract sheet), so the version of "
           "the statutory guidance in force at agreement, which regulation 23(3)(a) requires the statement to "
           "give, cannot be determined: this statement is not ready to file")


def _guidance_in_year(financial_year: Any, guidance_file: Any) -> tuple[list[dict[str, Any]], str]:
    """Every version in force for part of the financial year of agreement, with the days it covers."""
    import datetime as dt

    from sscr.guidance import guidance_in_force, guidance_versions
    from sscr.rates import parse_when
    try:
        start_year = parse_when(financial_year)
    except Exception:  # noqa: BLE001 - the fill has checked it; without a year there is nothing to list
        return [], NO_DATE + "; enter the date of agreement"
    first, last = dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)
    out = []
    for document in GUIDANCE_DOCUMENTS:
        versions = sorted(guidance_versions(document, guidance_file=guidance_file), key=lambda v: v.applies_from)
        for k, v in enumerate(versions):
            until = versions[k + 1].applies_from - dt.timedelta(days=1) if k + 1 < len(versions) else None
            if v.applies_from > last or (until is not None and until < first):
                continue
            end = min(until, last) if until is not None else last
            in_force = guidance_in_force(end, document, guidance_file=guidance_file)  # its note, if any
            out.append(_entry(in_force if in_force.version == v.version else v, "financial year of agreement",
                              max(v.applies_from, first), end))
    label = f"{start_year}/{(start_year + 1) % 100:02d}"
    return out, (f"{NO_DATE}. Listed instead: every version in force for some part of the financial year of "
                 f"agreement, {label}, with the days it covers; enter the date of agreement to state the one in force")


def build_statement(reading: ModelReading, *, guidance_file: Any = None) -> dict[str, Any]:
    """The statement of the model ``reading``: a dict that validates against the schema.
    ``guidance_file`` adds later guidance versions (as ``SSCR_GUIDANCE_FILE``; :mod:`sscr.guidance`)."""
    trail = Trail(reading)
    r = reading
    date = as_date(r.inputs.get("Date_of_agreement"))
    guidance, guidance_note = _guidance(date, guidance_file, r.inputs.get("Financial_year"))
    missing = [] if date is not None else [
        "Date_of_agreement: the date of agreement, which fixes the statutory guidance in force (regulation 23(3)(a))"]

    contract: dict[str, Any] = {
        "name": r.inputs.get("Contract_name"),
        "reference": r.text("Contract_reference"),
        "kind": _text_or_none(r.inputs.get("Contract_kind")),
        "date_of_agreement": date.isoformat() if date else None,
        "financial_year": r.inputs.get("Financial_year"),
        "currency": "GBP",
        "baseline_profit_rate": trail.figure("BPR", "/contract/baseline_profit_rate",
                                             "Baseline profit rate in force (step 1)", "rate"),
        "components": 0,
    }
    components = []
    for i in r.components():
        if r.inputs.get(f"Name_{i}") is None:
            continue
        components.append(_component(r, trail, i, len(components)))
    contract["components"] = int(trail.figure("Components", "/contract/components",
                                              "Components in the contract", "count"))

    statement: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "title": "Contract pricing statement",
        "regulation": "Regulation 23 of the Single Source Contract Regulations 2014 (as substituted by SI 2024/420)",
        "source": {"file": r.path.name, "template": r.template.key, "template_version": r.template.version,
                   "sha256": r.sha256, "sscr_version": sscr.__version__},
        "contract": contract,
        "guidance": guidance,
        "guidance_note": guidance_note,
        "completeness": {"ready_to_file": not missing, "missing": missing},
        "deviations_from_guidance": r.text("Guidance_deviations"),
        "components": components,
        "allowable_costs_by_part": _by_part(r, trail),
        "cost_lines": _cost_lines(r, trail),
        "risk_contingency": _risk(r, trail, components),
        "poco": _poco(r, trail, components),
        "contract_level": _contract_level(r, trail),
        "price": trail.figure("Contract_price", "/price", "Contract price", "money"),
        "other_material_information": r.text("Other_material_information"),
        "flags": [{"where": f.where, "message": f.message} for f in r.flags],
        "notes": list(r.notes),
    }
    statement["audit_trail"] = trail.as_json()
    return statement


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _component(r: ModelReading, trail: Trail, i: int, index: int) -> dict[str, Any]:
    p = f"/components/{index}"
    name = str(r.inputs[f"Name_{i}"])
    method = str(r.inputs.get(f"Method_{i}"))
    kind = method_kind(method, f"Method_{i}")
    texts = {element: r.text(f"{key}_{i}") for key, element in COMPONENT_TEXTS}
    out: dict[str, Any] = {"number": i, "name": name, "pricing_method": method,
                           "method_kind": "pricing formula" if kind == "formula" else "alternative pricing method"}
    trail.figure(f"Name_{i}", f"{p}/name", f"Component {i}: name", "text")
    trail.figure(f"Method_{i}", f"{p}/pricing_method", f"{name}: pricing method", "text")
    if kind != "formula":
        out.update({
            "allowable_costs": None, "allowable_costs_build_up": None, "contract_profit_rate": None, "steps": [],
            "profit": None, "price_before_poco": None,
            "price": trail.figure(f"Price_after_{i}", f"{p}/price", f"{name}: price ({method})", "money"),
            "alternative": {"method": kind, "particulars": texts["allowable_costs"],
                            "price": trail.figure(f"Alt_price_{i}", f"{p}/alternative/price",
                                                  f"{name}: price by the {method} method", "money"),
                            "guidance": "Regulation 23(3); alternative pricing guidance: the particulars of the "
                                        "alternative pricing method"},
            "facts_and_assumptions": texts,
        })
        return out
    build_up = {
        "cost_lines": trail.figure(f"Lines_AC_{i}", f"{p}/allowable_costs_build_up/cost_lines",
                                   f"{name}: agreed cost lines", "money"),
        "risk_contingency_element": trail.figure(f"Risk_AC_{i}", f"{p}/allowable_costs_build_up/risk_contingency_element",
                                                 f"{name}: risk contingency element (expected value)", "money"),
        "other": trail.figure(f"AC_{i}", f"{p}/allowable_costs_build_up/other",
                              f"{name}: other allowable costs entered directly", "money"),
        "before_poco": trail.figure(f"AC_total_{i}", f"{p}/allowable_costs_build_up/before_poco",
                                    f"{name}: allowable costs before the POCO deduction", "money"),
        "poco_deduction": trail.figure(f"POCO_{i}", f"{p}/allowable_costs_build_up/poco_deduction",
                                       f"{name}: POCO deduction", "money"),
    }
    ac = trail.figure(f"AC_after_{i}", f"{p}/allowable_costs", f"{name}: allowable costs", "money")
    bpr, cra, ia = r.value(f"BPR_{i}"), r.inputs.get(f"CRA_{i}"), r.inputs.get(f"IA_{i}")
    csa_name = f"CSA_used_{i}" if f"CSA_used_{i}" in r.spec.outputs else f"CSA_{i}"
    csa = r.value(csa_name)
    date = as_date(r.inputs.get("Date_of_agreement"))
    six = "CPR_steps" in r.spec.outputs and r.value("CPR_steps") == 6
    if not six and date is not None and uses_six_steps(date):  # a model laid out without the Six steps sheet
        raise StatementError(
            f"{r.path.name}: the date of agreement {date.isoformat()} is before 1 April 2024, so the contract "
            f"profit rate has six steps (regulation 11 as made), which this model does not lay out: move it into the "
            f"current layout with sscr new contract NEW.xlsx --from {r.path.name}")
    computation = _appendix_b(r, trail, i, name, f"{p}/steps/{5 if six else 3}/computation")
    s = f"{p}/steps"
    if six:
        steps, step_rows = _six_steps(r, trail, i, name, texts, csa_name, csa, computation, s)
    else:
        steps = contract_profit_rate(bpr, cra, ia, csa, date_of_agreement=date,
                                     contract_kind=r.inputs.get("Contract_kind"))
    step_rows = step_rows if six else [
        {"step": 1, "name": "Baseline profit rate", "regulation": "11(2)",
         "factor": trail.figure(f"BPR_{i}", f"{s}/0/factor", f"{name}: step 1, baseline profit rate", "rate"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step1_adjustment_{i}", f"{s}/0/adjustment", f"{name}: step 1 adjustment",
                                     "rate", steps.baseline_profit_rate, f"=BPR_{i}", [f"BPR_{i}"],
                                     citation(f"BPR_{i}")),
         "running_total": trail.derived(f"After_step_1_{i}", f"{s}/0/running_total", f"{name}: after step 1",
                                        "rate", steps.after_step_1, f"=BPR_{i}", [f"BPR_{i}"],
                                        "Baseline profit rate guidance 7.1-7.2: the running total after step 1"),
         "basis": texts["baseline_profit_rate"]},
        {"step": 2, "name": "Cost risk adjustment", "regulation": "11(3)",
         "factor": trail.figure(f"CRA_{i}", f"{s}/1/factor", f"{name}: step 2, cost risk adjustment (fraction of the "
                                                            f"BPR)", "fraction_of_bpr"),
         "factor_unit": "fraction_of_bpr",
         "adjustment": trail.derived(f"Step2_adjustment_{i}", f"{s}/1/adjustment",
                                     f"{name}: step 2 adjustment (percentage points)", "rate", steps.cra_points,
                                     f"=BPR_{i}*CRA_{i}", [f"BPR_{i}", f"CRA_{i}"],
                                     "Regulation 11(3); baseline profit rate guidance 4.1: the CRA is a percentage "
                                     "of the BPR"),
         "running_total": trail.derived(f"After_step_2_{i}", f"{s}/1/running_total", f"{name}: after step 2",
                                        "rate", steps.after_step_2, f"=BPR_{i}+BPR_{i}*CRA_{i}",
                                        [f"BPR_{i}", f"CRA_{i}"], "Baseline profit rate guidance 7.1-7.2"),
         "basis": texts["cost_risk_adjustment"]},
        {"step": 3, "name": "Incentive adjustment", "regulation": "11(6)",
         "factor": trail.figure(f"IA_{i}", f"{s}/2/factor", f"{name}: step 3, incentive adjustment", "rate"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step3_adjustment_{i}", f"{s}/2/adjustment", f"{name}: step 3 adjustment",
                                     "rate", steps.incentive_adjustment, f"=IA_{i}", [f"IA_{i}"], citation(f"IA_{i}")),
         "running_total": trail.derived(f"After_step_3_{i}", f"{s}/2/running_total", f"{name}: after step 3",
                                        "rate", steps.after_step_3, f"=BPR_{i}+BPR_{i}*CRA_{i}+IA_{i}",
                                        [f"BPR_{i}", f"CRA_{i}", f"IA_{i}"], "Baseline profit rate guidance 7.1-7.2"),
         "basis": texts["incentive_adjustment"],
         "outcome": texts["incentive_outcome"]},
        {"step": 4, "name": "Capital servicing adjustment", "regulation": "11(7)",
         "factor": trail.figure(csa_name, f"{s}/3/factor", f"{name}: step 4, capital servicing adjustment", "rate",
                                guidance=citation(f"CSA_{i}")),
         "factor_unit": "rate",
         "factor_source": (f"computed on the Capital servicing sheet from {computation['source']} (Appendix B)"
                           if computation else f"typed on the Contract sheet (CSA_{i})"),
         "adjustment": trail.derived(f"Step4_adjustment_{i}", f"{s}/3/adjustment", f"{name}: step 4 adjustment",
                                     "rate", steps.capital_servicing_adjustment, f"={csa_name}", [csa_name],
                                     citation(f"CSA_{i}")),
         "running_total": trail.derived(f"After_step_4_{i}", f"{s}/3/running_total",
                                        f"{name}: after step 4 (the contract profit rate)", "rate",
                                        steps.contract_profit_rate, f"=BPR_{i}+BPR_{i}*CRA_{i}+IA_{i}+{csa_name}",
                                        [f"BPR_{i}", f"CRA_{i}", f"IA_{i}", csa_name],
                                        "Baseline profit rate guidance 7.1-7.2"),
         "basis": texts["capital_servicing_adjustment"],
         "computation": computation},
    ]
    cpr = trail.figure(f"CPR_{i}", f"{p}/contract_profit_rate", f"{name}: contract profit rate", "rate")
    if not math.isclose(cpr, steps.contract_profit_rate, rel_tol=0, abs_tol=1e-12):
        raise StatementError(f"{r.path.name}: the {'six' if six else 'four'} steps give {steps.contract_profit_rate!r} for component {i} "
                             f"but the model computes CPR_{i} {cpr!r}: the statement cannot state steps that do not "
                             f"add up to the model's contract profit rate")
    out.update({
        "allowable_costs": ac,
        "allowable_costs_build_up": build_up,
        "contract_profit_rate": cpr,
        "steps": step_rows,
        "profit": trail.figure(f"Profit_after_{i}", f"{p}/profit", f"{name}: profit", "money"),
        "price_before_poco": trail.figure(f"Price_{i}", f"{p}/price_before_poco",
                                          f"{name}: price before the POCO deduction", "money"),
        "price": trail.figure(f"Price_after_{i}", f"{p}/price", f"{name}: price", "money"),
        "alternative": None,
        "facts_and_assumptions": texts,
    })
    return out


def _six_steps(r: ModelReading, trail: Trail, i: int, name: str, texts: dict[str, Any], csa_name: str, csa: Any,
               computation: Any, s: str) -> tuple[Any, list[dict[str, Any]]]:
    """The six steps of a price agreed before 1 April 2024 (Act s.17(2) and regulation 11 as made;
    baseline profit rate guidance v8, 1.23), from the model's Six steps sheet: BPR, CRA, the POCO
    adjustment and the SSRO funding adjustment deducted, IA, CSA, with the sheet's running totals."""
    from sscr.profit_rate import contract_profit_rate_six_step
    poco = r.value(f"POCO_rate_{i}")
    funding = r.value("Funding_adjustment")
    steps = contract_profit_rate_six_step(r.value(f"BPR_{i}"), r.inputs.get(f"CRA_{i}"), poco or 0.0, funding,
                                          r.inputs.get(f"IA_{i}"), csa)
    as_made = "Act s.17(2) and regulation 11 as made (before SI 2024/420); baseline profit rate guidance v8, 1.23"

    def total(k: int, label: str) -> Any:
        key = f"Six_after_{k}_{i}" if k < 6 else f"Six_CPR_{i}"
        return trail.figure(key, f"{s}/{k - 1}/running_total", f"{name}: after step {k} of six{label}", "rate",
                            guidance=as_made)

    rows = [
        {"step": 1, "name": "Baseline profit rate", "regulation": "11(2)",
         "factor": trail.figure(f"BPR_{i}", f"{s}/0/factor", f"{name}: step 1, baseline profit rate", "rate"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step1_adjustment_{i}", f"{s}/0/adjustment", f"{name}: step 1 adjustment",
                                     "rate", steps.baseline_profit_rate, f"=BPR_{i}", [f"BPR_{i}"], citation(f"BPR_{i}")),
         "running_total": total(1, ""), "basis": texts["baseline_profit_rate"]},
        {"step": 2, "name": "Cost risk adjustment", "regulation": "11(3)",
         "factor": trail.figure(f"CRA_{i}", f"{s}/1/factor", f"{name}: step 2, cost risk adjustment (fraction of the "
                                                            f"BPR)", "fraction_of_bpr"),
         "factor_unit": "fraction_of_bpr",
         "adjustment": trail.derived(f"Step2_adjustment_{i}", f"{s}/1/adjustment",
                                     f"{name}: step 2 adjustment (percentage points)", "rate", steps.cra_points,
                                     f"=BPR_{i}*CRA_{i}", [f"BPR_{i}", f"CRA_{i}"],
                                     "Regulation 11(3); baseline profit rate guidance 4.1: the CRA is a percentage "
                                     "of the BPR"),
         "running_total": total(2, ""), "basis": texts["cost_risk_adjustment"]},
        {"step": 3, "name": "POCO adjustment", "regulation": "11(4) as made",
         "factor": trail.figure(f"POCO_rate_{i}", f"{s}/2/factor", f"{name}: step 3, POCO adjustment (deducted)", "rate",
                                guidance="Regulation 11(4) as made: the POCO adjustment, so that profit is not earned "
                                         "twice on the same cost of production"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step3_adjustment_{i}", f"{s}/2/adjustment", f"{name}: step 3 adjustment",
                                     "rate", -steps.poco_adjustment, f"=-IF(ISNUMBER(POCO_rate_{i}),POCO_rate_{i},0)", [f"POCO_rate_{i}"],
                                     "Regulation 11(4) as made: the POCO adjustment is deducted"),
         "running_total": total(3, ""), "basis": texts["poco_deduction"]},
        {"step": 4, "name": "SSRO funding adjustment", "regulation": "11(5) as made",
         "factor": trail.figure("Funding_adjustment", f"{s}/3/factor", f"{name}: step 4, SSRO funding adjustment "
                                "(deducted)", "rate", id=f"Funding_adjustment_for_{i}",
                                guidance="Act s.17(2) step 4 as made: the SSRO funding adjustment published for the "
                                         "financial year, deducted from 1 April 2017 (zero before); removed from 1 "
                                         "April 2024"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step4_adjustment_{i}", f"{s}/3/adjustment", f"{name}: step 4 adjustment",
                                     "rate", -steps.ssro_funding_adjustment, "=-Funding_adjustment",
                                     ["Funding_adjustment"], "Act s.17(2) step 4 as made: deducted"),
         "running_total": total(4, ""), "basis": None},
        {"step": 5, "name": "Incentive adjustment", "regulation": "11(6)",
         "factor": trail.figure(f"IA_{i}", f"{s}/4/factor", f"{name}: step 5, incentive adjustment", "rate"),
         "factor_unit": "rate",
         "adjustment": trail.derived(f"Step5_adjustment_{i}", f"{s}/4/adjustment", f"{name}: step 5 adjustment",
                                     "rate", steps.incentive_adjustment, f"=IA_{i}", [f"IA_{i}"], citation(f"IA_{i}")),
         "running_total": total(5, ""), "basis": texts["incentive_adjustment"], "outcome": texts["incentive_outcome"]},
        {"step": 6, "name": "Capital servicing adjustment", "regulation": "11(7)",
         "factor": trail.figure(csa_name, f"{s}/5/factor", f"{name}: step 6, capital servicing adjustment", "rate",
                                guidance=citation(f"CSA_{i}")),
         "factor_unit": "rate",
         "factor_source": (f"computed on the Capital servicing sheet from {computation['source']} (Appendix B)"
                           if computation else f"typed on the Contract sheet (CSA_{i})"),
         "adjustment": trail.derived(f"Step6_adjustment_{i}", f"{s}/5/adjustment", f"{name}: step 6 adjustment",
                                     "rate", steps.capital_servicing_adjustment, f"={csa_name}", [csa_name],
                                     citation(f"CSA_{i}")),
         "running_total": total(6, " (the contract profit rate)"), "basis": texts["capital_servicing_adjustment"],
         "computation": computation},
    ]
    return steps, rows


#: The Appendix B computation on the contract model's Capital servicing sheet, per component i: the
#: statement's field, the sheet's name, what it is and its unit (baseline profit rate guidance v8,
#: 6.9-6.17 and Appendix B computations 1-5).
APPENDIX_B_FIGURES = (
    ("fixed_capital", "Cap_fixed", "(a) fixed capital used", "money"),
    ("working_capital", "Cap_working", "(b) working capital used (may be negative)", "money"),
    ("capital_employed", "Cap_CE", "(c) capital employed, a + b", "money"),
    ("cost_of_production", "Cap_CP", "(d) cost of production used", "money"),
    ("cp_ce_ratio", "Cap_CP_CE", "(e) CP:CE ratio, d / c (computation 1)", "ratio"),
    ("fixed_proportion", "Cap_fixed_prop", "(f) fixed capital proportion, a / c (computation 2)", "ratio"),
    ("positive_working_proportion", "Cap_positive_prop", "(g) positive working capital proportion, b / c", "ratio"),
    ("negative_working_proportion", "Cap_negative_prop", "(h) negative working capital proportion, b / c", "ratio"),
    ("fixed_allowance", "Cap_fixed_allowance", "fixed capital allowance, f x fixed rate (computation 3)", "rate"),
    ("positive_working_allowance", "Cap_positive_allowance", "positive working capital allowance, g x positive rate",
     "rate"),
    ("negative_working_allowance", "Cap_negative_allowance", "negative working capital allowance, h x negative rate",
     "rate"),
    ("allowance", "Cap_allowance", "(x) capital servicing allowance", "rate"),
    ("adjustment", "CSA_computed", "capital servicing adjustment, x / e (computation 4)", "rate"),
    ("fixed_element", "Cap_fixed_element", "fixed capital element, fixed rate x a / d (computation 5)", "rate"),
    ("positive_working_element", "Cap_positive_element", "positive working capital element, positive rate x b / d",
     "rate"),
    ("negative_working_element", "Cap_negative_element", "negative working capital element, negative rate x b / d",
     "rate"),
    ("elements_total", "Cap_elements", "sum of the elements (computation 5), equal to computation 4", "rate"),
)
APPENDIX_B_RATES = (("fixed", "CSA_rate_fixed", "fixed capital servicing rate"),
                    ("positive_working", "CSA_rate_positive", "positive working capital servicing rate"),
                    ("negative_working", "CSA_rate_negative", "negative working capital servicing rate"))
APPENDIX_B_GUIDANCE = ("Regulation 11(7), step 4; baseline profit rate guidance v8, 6.9-6.17 and Appendix B "
                       "computations 1-5, with the capital servicing rates of the financial year of agreement (6.4)")
ACCOUNTS_GUIDANCE = ("Baseline profit rate guidance v8, 6.26-6.38: capital employed as total assets less the "
                     "liabilities that bear no interest, averaged over the opening and closing positions (6.27-6.28, "
                     "6.33), cost of production as revenue less profit, annualised (6.35-6.36), figures net of the "
                     "exclusions of 6.30 and 6.37")


def _appendix_b(r: ModelReading, trail: Trail, i: int, name: str, pointer: str) -> dict[str, Any] | None:
    """Step 4's Appendix B computation for component ``i``, from the model's Capital servicing sheet,
    when the model computed the CSA there (its ``Cap_on_i`` is 1); None when the CSA is typed."""
    if f"Cap_on_{i}" not in r.spec.outputs or r.value(f"Cap_on_{i}") != 1:
        return None
    accounts = r.inputs.get(f"Opening_assets_{i}") is not None

    def fig(key: str, field: str, label: str, unit: str, *, guidance: str = APPENDIX_B_GUIDANCE,
            where: str = "") -> Any:
        return trail.figure(key, f"{pointer}/{where}{field}", f"{name}: {label}", unit, guidance=guidance)

    out: dict[str, Any] = {
        "source": "balance sheets" if accounts else "capital figures",
        "financial_year": r.inputs.get("Financial_year"),
        "rates": {field: trail.figure(key, f"{pointer}/rates/{field}", f"{name}: {label}, {r.inputs.get('Financial_year')}",
                                      "rate", guidance="Baseline profit rate guidance v8, 6.4: the capital servicing "
                                                       "rates of the financial year of agreement (the Rates sheet)",
                                      id=f"{key}_for_{i}")
                  for field, key, label in APPENDIX_B_RATES},
    }
    if accounts:
        acc: dict[str, Any] = {}
        for when in ("opening", "closing"):
            w = when.capitalize()
            acc[when] = {
                k: fig(f"{w}_{k}_{i}", k, f"{when} balance sheet, {k.replace('_', ' ')}", "money",
                       guidance=ACCOUNTS_GUIDANCE, where=f"accounts/{when}/")
                for k in ("assets", "liabilities", "interest_bearing", "fixed_capital")}
            acc[when]["capital_employed"] = fig(f"{w}_CE_{i}", "capital_employed", f"{when} capital employed", "money",
                                                guidance=ACCOUNTS_GUIDANCE, where=f"accounts/{when}/")
        acc["operating_revenue"] = fig(f"Operating_revenue_{i}", "operating_revenue", "operating revenue", "money",
                                       guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        acc["operating_profit"] = fig(f"Operating_profit_{i}", "operating_profit", "operating profit", "money",
                                      guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        acc["months"] = fig(f"Accounts_months_{i}", "months", "months the income statement covers", "count",
                            guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        acc["capital_employed"] = fig(f"Accounts_CE_{i}", "capital_employed", "capital employed, average of the "
                                      "positions", "money", guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        acc["fixed_capital"] = fig(f"Accounts_fixed_{i}", "fixed_capital", "fixed capital, average of the positions",
                                   "money", guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        acc["cost_of_production"] = fig(f"Accounts_CP_{i}", "cost_of_production", "annual cost of production from "
                                        "the accounts", "money", guidance=ACCOUNTS_GUIDANCE, where="accounts/")
        out["inputs"] = None
        out["accounts"] = acc
    else:
        out["inputs"] = {field: fig(f"{key}_{i}", field, label, "money", where="inputs/")
                         for field, key, label in (("fixed_capital", "Fixed_capital", "fixed capital (input)"),
                                                   ("working_capital", "Working_capital", "working capital (input)"),
                                                   ("cost_of_production", "Cost_of_production",
                                                    "annual cost of production (input)"))}
        out["accounts"] = None
    for field, key, label, unit in APPENDIX_B_FIGURES:
        out[field] = fig(f"{key}_{i}", field, label, unit)
    out["guidance"] = APPENDIX_B_GUIDANCE
    return out


def _by_part(r: ModelReading, trail: Trail) -> dict[str, Any]:
    excluded: dict[str, list[dict[str, Any]]] = {}
    for n in r.rows("Line"):
        if r.figures.get(f"Line_status_{n}") == "excluded":
            part = r.figures.get(f"Line_part_{n}")
            excluded.setdefault(part, []).append({
                "line": _text_or_none(_whole(r.inputs.get(f"Line_id_{n}"))),
                "paragraph": r.figures.get(f"Line_paragraph_{n}")})
    parts = []
    for k, (letter, heading) in enumerate(PARTS.items()):
        key = letter or "General"
        row: dict[str, Any] = {"part": key, "heading": heading}
        for field, label in STATUSES:
            row[field] = trail.figure(f"Part_{key}_{field}", f"/allowable_costs_by_part/parts/{k}/{field}",
                                      f"Part {key}: {label}", "money")
        row["lines"] = int(trail.figure(f"Part_{key}_lines", f"/allowable_costs_by_part/parts/{k}/lines",
                                        f"Part {key}: cost lines", "count"))
        row["excluded_by"] = excluded.get(key, [])
        parts.append(row)
    totals = {}
    for field, label in STATUSES:
        name = {"agreed": "Lines_allowable"}.get(field, f"Lines_{field}")
        totals[field] = trail.figure(name, f"/allowable_costs_by_part/totals/{field}", f"All Parts: {label}", "money")
    totals["gap"] = trail.figure("Lines_gap", "/allowable_costs_by_part/totals/gap",
                                 "Gap between claimed and agreed", "money")
    return {"parts": parts, "totals": totals}


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cost_lines(r: ModelReading, trail: Trail) -> list[dict[str, Any]]:
    out = []
    for k, n in enumerate(r.rows("Line")):
        line = _text_or_none(_whole(r.inputs.get(f"Line_id_{n}")))
        out.append({
            "row": n,
            "id": _text_or_none(_whole(r.inputs.get(f"Line_id_{n}"))),
            "description": _text_or_none(r.inputs.get(f"Line_description_{n}")),
            "component": _text_or_none(r.inputs.get(f"Line_component_{n}")),
            "cost_type": _text_or_none(r.inputs.get(f"Line_type_{n}")),
            "part": r.figures.get(f"Line_part_{n}"),
            "treatment": r.figures.get(f"Line_treatment_{n}"),
            "paragraph": r.figures.get(f"Line_paragraph_{n}"),
            "status": r.figures.get(f"Line_status_{n}"),
            "claimed": trail.figure(f"Line_net_{n}", f"/cost_lines/{k}/claimed",
                                    f"Cost line {line}: claimed (net of credits)", "money"),
            "allowable": trail.figure(f"Line_allowable_{n}", f"/cost_lines/{k}/allowable",
                                      f"Cost line {line}: allowable", "money"),
            "evidence": _text_or_none(r.inputs.get(f"Line_evidence_{n}")),
        })
    return out


def _risk(r: ModelReading, trail: Trail, components: list[dict[str, Any]]) -> dict[str, Any]:
    risks = []
    for k, n in enumerate(r.rows("Risk")):
        risk = _text_or_none(_whole(r.inputs.get(f"Risk_id_{n}")))
        q = f"/risk_contingency/risks/{k}"
        risks.append({
            "row": n,
            "id": _text_or_none(_whole(r.inputs.get(f"Risk_id_{n}"))),
            "description": _text_or_none(r.inputs.get(f"Risk_description_{n}")),
            "component": _text_or_none(r.inputs.get(f"Risk_component_{n}")),
            "probability": trail.figure(f"Risk_p_{n}", f"{q}/probability", f"Risk {risk}: probability",
                                        "fraction"),
            "mean_impact": trail.figure(f"Risk_mean_{n}", f"{q}/mean_impact", f"Risk {risk}: mean impact", "money"),
            "expected_value": trail.figure(f"Risk_ev_{n}", f"{q}/expected_value", f"Risk {risk}: expected value",
                                           "money"),
        })
    sim = "/risk_contingency/simulation"
    histogram = []
    b = 1
    while f"MC_count_{b}" in r.spec.values:
        if r.figures.get(f"MC_count_{b}") is not None:
            histogram.append({"from": r.figures[f"MC_bin_from_{b}"], "to": r.figures[f"MC_bin_to_{b}"],
                              "trials": int(r.figures[f"MC_count_{b}"])})
        b += 1
    out = {
        "expected_value": trail.figure("Risk_EV", "/risk_contingency/expected_value",
                                       "Risk contingency element at expected value", "money"),
        "reported_separately": "Allowable costs guidance H.2.2: the risk contingency element within the allowable "
                               "costs is reported separately",
        "risks": risks,
        "simulation": {
            "trials": int(trail.figure("MC_trials", f"{sim}/trials", "Monte Carlo trials", "count")),
            "seed": int(trail.figure("MC_seed", f"{sim}/seed", "Monte Carlo seed", "count")),
            "mean": trail.figure("MC_mean", f"{sim}/mean", "Simulated mean of the risks", "money"),
            "standard_error": trail.figure("MC_standard_error", f"{sim}/standard_error",
                                           "Standard error of the simulated mean", "money"),
            "p50": trail.figure("MC_P50", f"{sim}/p50", "P50 of the simulated total", "money"),
            "p80": trail.figure("MC_P80", f"{sim}/p80", "P80 of the simulated total", "money"),
            "p90": trail.figure("MC_P90", f"{sim}/p90", "P90 of the simulated total", "money"),
            "histogram": histogram,
        },
    }
    trail.core_table("MC_histogram", f"{sim}/histogram", "Histogram of the simulated total",
                     [f"MC_{k}_{b}" for b in range(1, len(histogram) + 1) for k in ("bin_from", "bin_to", "count")])
    return out


#: The POCO deduction by Table 2 stage, per component i, from the model's Supply chain sheet
#: (regulation 13A; allowable costs guidance Part I, Table 2 and I.7): field, name, what it is, unit.
POCO_STAGES = (
    ("contracts", "POCO_contracts", "Stage 1: group sub-contracts listed", "count"),
    ("in_scope", "POCO_in_scope", "Stage 1: of which in scope (price at least £250,000 and including profit, I.8.1)",
     "count"),
    ("stage2", "POCO_stage2", "Stage 2: profit of the in-scope sub-contracts at their full contract profit rate",
     "money"),
    ("stage3", "POCO_stage3", "Stage 3: less their capital servicing amounts (I.4.6(a))", "money"),
    ("initial", "POCO_initial", "Initial POCO adjustment: stage 2 less stage 3", "money"),
    ("stage4", "POCO_stage4", "Stage 4: less the appropriate sub-contractor profit (I.4.5)", "money"),
    ("deduction", "POCO_computed", "Stage 5: the POCO deduction from the allowable costs", "money"),
)
#: Each group sub-contract's figures on the Supply chain sheet, row k.
POCO_ROW_FIGURES = (
    ("own_costs", "SC_own_costs", "own allowable costs", "money"),
    ("contract_profit_rate", "SC_CPR", "contract profit rate (stage 1)", "rate"),
    ("total_costs", "SC_total_costs", "total allowable costs", "money"),
    ("price", "SC_price", "price", "money"),
    ("in_scope", "SC_in_scope", "in scope (1 = yes)", "count"),
    ("stage2", "SC_stage2", "stage 2: profit at full CPR", "money"),
    ("stage3", "SC_stage3", "stage 3: capital servicing amount excluded", "money"),
    ("stage4", "SC_stage4", "stage 4: appropriate sub-contractor profit", "money"),
    ("deduction", "SC_deduction", "POCO: stage 2 - 3 - 4", "money"),
)
POCO_GUIDANCE = "Regulation 13A; allowable costs guidance Part I, Table 2 stages 1-5 and I.7"


def _poco_stages(r: ModelReading, trail: Trail, c: dict[str, Any], q: str) -> tuple[Any, Any, Any]:
    """A component's Table 2 stages and its sub-contracts from the Supply chain sheet, and where its
    deduction comes from; (None, None, None) for a model without the sheet."""
    i, name = c["number"], c["name"]
    if f"POCO_computed_{i}" not in r.spec.outputs:
        return None, None, None
    source = r.value(f"POCO_source_{i}") or None
    if source == "typed":
        return [], [], "typed"
    stages = [{"stage": label, "field": field,
               "amount": trail.figure(f"{key}_{i}", f"{q}/stages/{k}/amount", f"{name}: {label}", unit,
                                      guidance=POCO_GUIDANCE)}
              for k, (field, key, label, unit) in enumerate(POCO_STAGES)]
    rows = []
    n = 1
    while f"SC_name_{n}" in r.spec.inputs:
        if r.inputs.get(f"SC_name_{n}") is not None and str(r.inputs.get(f"SC_component_{n}")) == name:
            k = len(rows)
            sub = _text_or_none(r.inputs.get(f"SC_name_{n}"))
            row: dict[str, Any] = {"row": n, "name": sub, "parent": _text_or_none(r.inputs.get(f"SC_parent_{n}"))}
            for field, key, label, unit in POCO_ROW_FIGURES:
                row[field] = trail.figure(f"{key}_{n}", f"{q}/sub_contracts/{k}/{field}", f"Sub-contract {sub}: {label}",
                                          unit, guidance=POCO_GUIDANCE)
            rows.append(row)
        n += 1
    return stages, rows, source


def _poco(r: ModelReading, trail: Trail, components: list[dict[str, Any]]) -> dict[str, Any]:
    formula = [c for c in components if c["allowable_costs_build_up"]]
    by = []
    for k, c in enumerate(formula):
        stages, rows, source = _poco_stages(r, trail, c, f"/poco/by_component/{k}")
        by.append({"name": c["name"], "source": source, "stages": stages, "sub_contracts": rows,
                   "basis": c["facts_and_assumptions"]["poco_deduction"]})
    names = [f"POCO_{c['number']}" for c in formula]
    total = math.fsum(c["allowable_costs_build_up"]["poco_deduction"] or 0.0 for c in formula)
    return {"deduction": trail.derived("POCO_total", "/poco/deduction", "POCO deduction, all components", "money",
                                       total, "=" + ("+".join(names) or "0"), names, citation("POCO_1")),
            "by_component": by, "guidance": "Regulation 13A; allowable costs guidance Part I, Table 2"}


def _used(r: ModelReading, name: str) -> str:
    """``name_used`` where the model computes the adjustment used from an amount or a percentage."""
    return f"{name}_used" if f"{name}_used" in r.spec.outputs else name


def _contract_level(r: ModelReading, trail: Trail) -> dict[str, Any]:
    c = "/contract_level"
    return {
        "total_component_price": trail.figure("Total_component_price", f"{c}/total_component_price",
                                              "Total component price", "money"),
        "cra_pot": trail.figure("CRA_pot", f"{c}/cra_pot", "Maximum contract level CRA pot", "money"),
        "ia_pot": trail.figure("IA_pot", f"{c}/ia_pot", "Maximum contract level IA pot", "money"),
        # the amounts used: typed as amounts, or as percentages of the total component price (9.16, 9.24)
        "contract_cra": trail.figure(_used(r, "Contract_CRA"), f"{c}/contract_cra", "Contract level CRA agreed", "money",
                                     guidance=citation("Contract_CRA")),
        "contract_ia": trail.figure(_used(r, "Contract_IA"), f"{c}/contract_ia", "Contract level IA agreed", "money",
                                    guidance=citation("Contract_IA")),
        "max_price": trail.figure("Max_price", f"{c}/max_price", "Maximum price with both pots", "money"),
    }


def schema() -> dict[str, Any]:
    """The JSON schema of the statement (``schema/statement-v1.json``, JSON Schema 2020-12)."""
    import json
    from importlib import resources
    return json.loads(resources.files("sscr.statement").joinpath("schema", "statement-v1.json").read_text("utf-8"))
