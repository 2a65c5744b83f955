"""The build-up of allowable costs (allowable costs guidance v7.3, sections 3-5 and Parts A-I), so a
price can be traced from each cost line to the final figure.

- ``catalogue``       the cost types of section 5 (A.1 ... I.8) and what the guidance says of each
- ``recovery_rates``  cost recovery rates: pool / base, and over- or under-recovery (4.4, 4.9-4.12)
- ``escalation``      escalation by a named index (A.4.1, B.1.1)
- ``cost_lines``      cost lines, their agreement on AAR (section 3) and totals by status and Part
- ``risk``            the risk contingency element from a risk register: expected value (H.1.7)
                      and Monte Carlo simulation (H.1.6), reported separately (H.2)
- ``price``           allowable costs + risk contingency - POCO deduction into the price formula (1.4)
- ``worked_case``     a worked case of about twenty lines, two rates and five risks, priced
"""

from .catalogue import CostType, catalogue, cost_type
from .cost_lines import (AllowableCosts, CostLine, CostLineResult, StatusTotals, allowable_costs, attributed_once,
                         cost_lines_from_table)
from .escalation import Escalation, IndexSeries, escalate, index_series_from_table
from .price import ComponentPrice, ComponentPrices, component_price, component_prices
from .recovery_rates import (CostRecoveryRate, Recovery, cost_recovery_rate, over_under_recovery,
                             recovery_rates_from_table)
from .risk import (Risk, RiskContingencyElement, RiskResult, RiskSimulation, risk_contingency_element,
                   risks_from_table, simulate_risk)

__all__ = [
    "AllowableCosts", "ComponentPrice", "ComponentPrices", "CostLine", "CostLineResult", "CostRecoveryRate",
    "CostType", "Escalation", "IndexSeries", "Recovery", "Risk", "RiskContingencyElement", "RiskResult",
    "RiskSimulation", "StatusTotals", "allowable_costs", "attributed_once", "catalogue", "component_price",
    "component_prices", "cost_lines_from_table", "cost_recovery_rate", "cost_type", "escalate",
    "index_series_from_table", "over_under_recovery", "recovery_rates_from_table", "risk_contingency_element",
    "risks_from_table", "simulate_risk",
]
