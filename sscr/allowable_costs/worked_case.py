"""A worked case of the build-up of allowable costs, as data a workbook can lay out, priced through
the core: twenty-two cost lines across Parts A-I and the general types, two cost recovery rates,
two escalation indices, five risks, a group sub-contract with its POCO deduction, and the four
steps of the contract profit rate.

Every table is a list of rows with a header row, as a worksheet range arrives. The figures, which
the tests check by hand arithmetic:

- cost recovery rates: Labour £4,800,000 / 80,000 hours = £60 an hour; Site overheads
  £1,350,000 / 45,000 hours = £30 an hour (4.9).
- allowable costs from the cost lines: £1,357,956.00 agreed of £1,409,656.00 claimed; £13,000
  pending, £14,500 not agreed and £24,200 excluded as not allowable (A.2.4, C.3.1, C.4.1, E.3.1).
- risk contingency element at expected value: £36,500.00 (H.1.7), reported separately (H.2.2).
- POCO deduction for the group sub-contract SC1 (own costs £400,000, CPR 10.064%): £40,256 profit
  - £4,000 capital servicing - £1,648 risk premium (400,000 x 8.24% x (10% - 5%)) = £34,608.00
  (Table 2).
- allowable costs for the price: 1,357,956 + 36,500 - 34,608 = £1,359,848.00.
- contract profit rate: 8.24% + 5% x 8.24% + 0.5pp + 1.5pp = 10.652%.
- price: 1,359,848 x 1.10652 = £1,504,699.01.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..poco import PocoAdjustment, poco_adjustment
from ..profit_rate import ContractProfitRate, contract_profit_rate
from .cost_lines import AllowableCosts, allowable_costs
from .price import ComponentPrice, component_price
from .recovery_rates import recovery_rates_from_table
from .risk import RiskContingencyElement, RiskSimulation, risk_contingency_element, simulate_risk

RECOVERY_RATES = [
    ["name", "cost_pool", "recovery_base", "pool_scope", "base_scope", "basis"],
    ["Labour", 4_800_000.0, 80_000.0, "Engineering business unit", "Engineering business unit", "estimated"],
    ["Site overheads", 1_350_000.0, 45_000.0, "Site A", "Site A", "estimated"],
]

INDICES = [
    ["index", "period", "value"],
    ["Labour cost index", 2025, 120.0],
    ["Labour cost index", 2026, 124.8],
    ["Materials price index", 2025, 200.0],
    ["Materials price index", 2026, 210.0],
]

#: The group sub-contract SC1 and the prime (PC) for the POCO deduction (Table 2). The prime's own
#: allowable costs are the agreed cost lines other than SC1's price, plus the risk contingency element.
SUPPLY_CHAIN = [
    ["name", "parent", "own_allowable_costs", "bpr", "cra", "ia", "csa"],
    ["PC", None, 954_200.0, 0.0824, 0.05, 0.005, 0.015],
    ["SC1", "PC", 400_000.0, 0.0824, 0.10, 0.0, 0.01],
]

#: The prime contract's four steps: BPR 8.24%, CRA +5% of the BPR, IA 0.5pp, CSA 1.5pp.
PROFIT_RATE_STEPS = {"bpr": 0.0824, "cra": 0.05, "ia": 0.005, "csa": 0.015}

_H = ["id", "description", "cost_type", "basis", "amount", "rate", "quantity", "credit", "index", "base_period",
      "price_period", "appropriate", "attributable", "reasonable", "evidence"]
_A, _N, _P = "agreed", "not agreed", "pending"

COST_LINES = [
    _H,
    ["L01", "Design engineering labour", "A", "estimated", None, "Labour", 2_000.0, None,
     "Labour cost index", 2025, 2026, _A, _A, _A, "Labour hours from the work breakdown; rate per agreed QMAC"],
    ["L02", "Manufacturing labour", "A", "estimated", None, "Labour", 3_500.0, None,
     "Labour cost index", 2025, 2026, _A, _A, _A, "Routing times x build quantity"],
    ["L03", "Site overheads on direct labour hours", "4.8", "estimated", None, "Site overheads", 5_500.0, None,
     None, None, None, _A, _A, _A, "Overhead pool and base agreed for Site A"],
    ["L04", "Benefits in kind, part of normal remuneration", "A.1", "estimated", 18_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Payroll benefits policy"],
    ["L05", "Defined contribution pension, employer contributions", "A.2", "estimated", 26_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Scheme reconciled to the statutory accounts"],
    ["L06", "Defined benefit deficit repair contributions", "A.2.4", "estimated", 15_000.0, None, None, None,
     None, None, None, _A, _P, _P, "Scheme actuary's schedule"],
    ["L07", "Raw materials, net of supplier volume rebate", "B", "estimated", 150_000.0, None, None, 7_500.0,
     "Materials price index", 2025, 2026, _A, _A, _A, "Supplier quotes (2025 prices); rebate agreement"],
    ["L08", "Bought-in components", "B", "actual", 95_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Purchase orders and invoices"],
    ["L09", "Allowance for material price inflation", "B.1", "estimated", 4_000.0, None, None, None,
     None, None, None, _A, _A, _P, "Contractor's own forecast"],
    ["L10", "Bid costs for this contract", "C.2", "actual", 22_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Timesheets booked to the bid"],
    ["L11", "Customer hospitality", "C.3", "actual", 3_200.0, None, None, None,
     None, None, None, _A, _A, _A, "Expense claims"],
    ["L12", "Export marketing campaign", "C.1", "estimated", 12_000.0, None, None, None,
     None, None, None, _N, _P, _P, "No evidence yet of a lower rate to the contract (C.1.3)"],
    ["L13", "Charitable donation", "C.4.1", "actual", 1_000.0, None, None, None,
     None, None, None, _N, _N, _N, "Donation receipt"],
    ["L14", "Applied research in the contract's domain", "D.2", "estimated", 30_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Research plan; contract requirement 4.2 needs it"],
    ["L15", "Development written off as incurred", "D.3", "estimated", 40_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Development plan"],
    ["L16", "Rework allowance", "E.2", "estimated", 9_000.0, None, None, None,
     None, None, None, _A, _A, _P, "Quality data for similar builds under review"],
    ["L17", "Damages paid for late delivery on another contract", "E.3", "actual", 5_000.0, None, None, None,
     None, None, None, _N, _N, _N, "Settlement letter"],
    ["L18", "Transit insurance required by the contract", "E.5", "estimated", 6_500.0, None, None, None,
     None, None, None, _A, _A, _A, "Broker quote; contract condition 12"],
    ["L19", "Depreciation of the test rig", "G.1", "estimated", 14_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Fixed asset register; rig not funded by the MOD"],
    ["L20", "Overdraft interest", "G.2", "actual", 2_500.0, None, None, None,
     None, None, None, _A, _N, _P, "Bank statements"],
    ["L21", "Qualifying a second supplier to mitigate supply risk", "H.3", "estimated", 8_000.0, None, None, None,
     None, None, None, _A, _A, _A, "Risk mitigation plan, risk R2"],
    ["L22", "Price of group sub-contract SC1 (avionics)", "I.2", "estimated", 440_256.0, None, None, None,
     None, None, None, _A, _A, _A, "SC1 priced by the pricing formula: 400,000 x 1.10064"],
]

RISK_REGISTER = [
    ["id", "description", "probability", "impact", "minimum", "most_likely", "maximum"],
    ["R1", "Qualification test failure needing a redesign", 0.2, 50_000.0, None, None, None],
    ["R2", "Supplier price rise on castings", 0.5, None, 5_000.0, 8_000.0, 17_000.0],
    ["R3", "Integration effort (uncertain amount, certain to occur)", None, None, 10_000.0, 15_000.0, 26_000.0],
    ["R4", "Certification delay", 0.1, 30_000.0, None, None, None],
    ["R5", "Shortage of skilled labour", 0.25, None, 2_000.0, 6_000.0, 10_000.0],
]

SIMULATION_TRIALS = 100_000
SIMULATION_SEED = 2026


@dataclass(frozen=True)
class WorkedCase:
    build_up: AllowableCosts
    risk: RiskContingencyElement
    simulation: RiskSimulation
    poco: PocoAdjustment
    profit_rate: ContractProfitRate
    price: ComponentPrice


def worked_case() -> WorkedCase:
    """The worked case priced through the core: build-up, risk, POCO, profit rate and price.

    Examples:
        >>> case = worked_case()
        >>> case.build_up.allowable, case.risk.expected_value, case.poco.deduction
        (1357956.0, 36500.0, 34608.0)
        >>> round(case.price.allowable_costs, 2), round(case.price.price, 2)
        (1359848.0, 1504699.01)
    """
    build_up = allowable_costs(COST_LINES, recovery_rates=recovery_rates_from_table(RECOVERY_RATES),
                               indices=INDICES)
    risk = risk_contingency_element(RISK_REGISTER)
    simulation = simulate_risk(RISK_REGISTER, trials=SIMULATION_TRIALS, seed=SIMULATION_SEED)
    poco = poco_adjustment(SUPPLY_CHAIN)
    cpr = contract_profit_rate(**PROFIT_RATE_STEPS)
    price = component_price(build_up, cpr.contract_profit_rate, poco_deduction=poco.deduction,
                            risk_contingency=risk, component="Whole contract")
    return WorkedCase(build_up, risk, simulation, poco, cpr, price)
