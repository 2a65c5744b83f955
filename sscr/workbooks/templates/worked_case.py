"""The contract model pre-filled with the worked case of :mod:`sscr.allowable_costs.worked_case`:
twenty-two cost lines across Parts A-I, two cost recovery rates, two indices and five risks,
priced as one component ("Whole contract") with the prime's four profit rate steps, its capital
servicing adjustment computed on the Capital servicing sheet from its capital figures (Appendix B:
fixed and working capital £1,000,000 each, cost of production £4,240,000, giving the 1.5pp of
the case), and the POCO deduction computed on the Supply chain sheet from its group sub-contract
SC1 (Table 2). The workbook shows the allowable costs, the risk
contingency element (expected value, and the Monte Carlo mean, P50, P80 and P90 with a histogram)
and the price; regenerated, it gives worked_case()'s figures.
"""

from __future__ import annotations

from sscr.allowable_costs import worked_case as case
from sscr.checks import fmt
from sscr.poco import poco_adjustment

from .contract_model import ModelSize, model_sheets, template
from .cost_build_up import case_from_tables

COMPONENT = "Whole contract"
COMPONENTS = 3
#: Appendix B capital figures of the component: with the 2024/25 capital servicing rates they give
#: the case's capital servicing adjustment of 1.5pp (baseline profit rate guidance 6.9-6.17).
CAPITAL = {"Fixed_capital": 1_000_000.0, "Working_capital": 1_000_000.0, "Cost_of_production": 4_240_000.0}


def supply_chain_rows() -> list[dict[str, object]]:
    """The case's group sub-contracts (every contract of its supply chain but the prime), as rows of
    the Supply chain sheet serving the one component."""
    head, *rows = case.SUPPLY_CHAIN
    prime = next(row[head.index("name")] for row in rows if row[head.index("parent")] is None)
    out = []
    for row in rows:
        r = dict(zip(head, row))
        if r["parent"] is None:
            continue
        out.append({"name": r["name"], "component": COMPONENT,
                    "parent": None if r["parent"] == prime else r["parent"], "own_costs": r["own_allowable_costs"],
                    "BPR": r["bpr"], "CRA": r["cra"], "IA": r["ia"], "CSA": r["csa"]})
    return out


def _notes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    poco = poco_adjustment(case.SUPPLY_CHAIN)
    sc1 = poco.contract("SC1")
    contract = (
        "Worked case (sscr.allowable_costs.worked_case): the POCO deduction is Table 2 for the group sub-contract SC1",
        f"(own allowable costs £{sc1.own_allowable_costs:,.0f}, CPR {sc1.contract_profit_rate:.3%}): profit "
        f"£{sc1.stage2_profit:,.2f} - capital servicing £{sc1.stage3_capital_servicing:,.2f} - risk premium "
        f"£{sc1.stage4_appropriate_profit:,.2f} = £{poco.deduction:,.2f} (the Supply chain sheet shows the stages).",
        "The price of SC1 itself is cost line L22 (type I.2, a group sub-contract: guidance 2.4 and I.2).",
    )
    build_up = (f"Worked case: every line is attributed to the one component, {COMPONENT}; the Contract sheet adds "
                f"the risk contingency element and takes away the POCO deduction of {fmt(poco.deduction)}.",)
    return contract, build_up


_SIZED: dict[ModelSize, object] = {}


def _template(size: ModelSize = ModelSize(components=COMPONENTS)):
    if size in _SIZED:
        return _SIZED[size]
    contract_notes, build_up_notes = _notes()
    steps = case.PROFIT_RATE_STEPS
    filled = case_from_tables(case.COST_LINES, case.RECOVERY_RATES, case.INDICES, case.RISK_REGISTER,
                              component=COMPONENT, trials=case.SIMULATION_TRIALS, seed=case.SIMULATION_SEED,
                              notes=build_up_notes)
    defaults = [(COMPONENT, "firm", None, None, steps["cra"], steps["ia"], None, None)]
    defaults += [(None,) * 8] * (size.components - 1)
    sheets = model_sheets(size, filled, defaults, "Worked case: build-up of allowable costs", contract_notes,
                          capital={1: CAPITAL}, supply_chain=supply_chain_rows())
    _SIZED[size] = template(sheets, size=size, sized=lambda names: _template(ModelSize.from_names(names)), key="cost_build_up", filename="cost-build-up.xlsx",
                    title="Build-up of allowable costs (worked case)",
                    description="The contract model filled with a worked case: 22 cost lines, two recovery rates, "
                                "five risks; allowable costs, risk contingency element (expected value and Monte "
                                "Carlo) and the price",
                    version=1, headline=("Lines_claimed", "Lines_allowable", "Risk_EV", "MC_P80",
                                         "AC_after_1", "CPR_1", "Price_after_1"))
    return _SIZED[size]


TEMPLATE = _template()
