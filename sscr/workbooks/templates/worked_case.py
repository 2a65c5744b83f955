"""The contract model pre-filled with the worked case of :mod:`sscr.allowable_costs.worked_case`:
twenty-two cost lines across Parts A-I, two cost recovery rates, two indices and five risks,
priced as one component ("Whole contract") with the prime's four profit rate steps and the POCO
deduction for its group sub-contract SC1. The workbook shows the allowable costs, the risk
contingency element (expected value, and the Monte Carlo mean, P50, P80 and P90 with a histogram)
and the price; regenerated, it gives worked_case()'s figures.
"""

from __future__ import annotations

from sscr.allowable_costs import worked_case as case
from sscr.checks import fmt
from sscr.poco import poco_adjustment

from .contract_model import basis_of_price_sheet, build_up_sheets, contract_sheet, template
from .cost_build_up import case_from_tables

COMPONENT = "Whole contract"
COMPONENTS = 3


def _notes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    poco = poco_adjustment(case.SUPPLY_CHAIN)
    sc1 = poco.contract("SC1")
    contract = (
        "Worked case (sscr.allowable_costs.worked_case): the POCO deduction is Table 2 for the group sub-contract SC1",
        f"(own allowable costs £{sc1.own_allowable_costs:,.0f}, CPR {sc1.contract_profit_rate:.3%}): profit "
        f"£{sc1.stage2_profit:,.2f} - capital servicing £{sc1.stage3_capital_servicing:,.2f} - risk premium "
        f"£{sc1.stage4_appropriate_profit:,.2f} = £{poco.deduction:,.2f} (poco.xlsx shows the stages).",
        "The price of SC1 itself is cost line L22 (type I.2, a group sub-contract: guidance 2.4 and I.2).",
    )
    build_up = (f"Worked case: every line is attributed to the one component, {COMPONENT}; the Contract sheet adds "
                f"the risk contingency element and takes away the POCO deduction of {fmt(poco.deduction)}.",)
    return contract, build_up


def _template():
    contract_notes, build_up_notes = _notes()
    poco = poco_adjustment(case.SUPPLY_CHAIN).deduction
    steps = case.PROFIT_RATE_STEPS
    filled = case_from_tables(case.COST_LINES, case.RECOVERY_RATES, case.INDICES, case.RISK_REGISTER,
                              component=COMPONENT, trials=case.SIMULATION_TRIALS, seed=case.SIMULATION_SEED,
                              notes=build_up_notes)
    defaults = [(COMPONENT, "firm", None, None, steps["cra"], steps["ia"], steps["csa"], None, poco)]
    defaults += [(None,) * 8] * (COMPONENTS - 1)
    sheets = [contract_sheet(COMPONENTS, defaults, "Worked case: build-up of allowable costs", contract_notes),
              *build_up_sheets(filled), basis_of_price_sheet(COMPONENTS)]
    return template(sheets, key="cost_build_up", filename="cost-build-up.xlsx",
                    title="Build-up of allowable costs (worked case)",
                    description="The contract model filled with a worked case: 22 cost lines, two recovery rates, "
                                "five risks; allowable costs, risk contingency element (expected value and Monte "
                                "Carlo) and the price",
                    version=1, headline=("Lines_claimed", "Lines_allowable", "Risk_EV", "MC_P80",
                                         "AC_after_1", "CPR_1", "Price_after_1"))


TEMPLATE = _template()
