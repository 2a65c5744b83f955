"""Worksheet functions for Excel, through xlwings: ``=CPR(...)``, ``=CSA(...)``, ``=POCO(...)`` and the rest.

Import this module in the xlwings add-in settings (UDF Modules: ``udfs``). Each function is also an
ordinary Python callable taking arguments as Excel passes them.
"""

from .costs import (ALLOWABLE_COSTS, ALLOWABLE_COSTS_TABLE, COST_LINES_TRACE, COST_RECOVERY_RATE, COST_TYPES, ESCALATE,
                    OVER_UNDER_RECOVERY, PRICE_FROM_COSTS, PRICE_FROM_COSTS_STEPS, RISK_EV, RISK_EV_TABLE, RISK_SIM,
                    RISK_SIM_TABLE)
from .alternative import (COMMERCIAL_PRICE, COMMERCIAL_PRICE_STEPS, CPR_CHANGE, NOVATION_CHECK, OPEN_MARKET_CHECK,
                          PREVIOUSLY_AGREED_PRICE)
from .edge import REGISTRY
from .final_price import FPA, FPA_STEPS
from .functions import (AGGREGATION, BPR, BPR_ROLLING, CONTRACT_CRA_POT, CONTRACT_IA_POT, CPR, CPR_SIX_STEP,
                        CPR_STEPS, CRUV, CSA, CSA_RATES, CSA_STEPS, POCO, POCO_STAGES, PRICE_FROM_CPR, RATE_EVIDENCE)
from .functions import GUIDANCE_VERSION

__all__ = ["ALLOWABLE_COSTS", "ALLOWABLE_COSTS_TABLE", "COST_LINES_TRACE", "COST_RECOVERY_RATE", "COST_TYPES",
           "ESCALATE", "OVER_UNDER_RECOVERY", "PRICE_FROM_COSTS", "PRICE_FROM_COSTS_STEPS", "RISK_EV", "RISK_EV_TABLE",
           "RISK_SIM", "RISK_SIM_TABLE", "FPA", "FPA_STEPS", "COMMERCIAL_PRICE", "COMMERCIAL_PRICE_STEPS", "CPR_CHANGE",
           "PREVIOUSLY_AGREED_PRICE", "NOVATION_CHECK", "OPEN_MARKET_CHECK",
           "AGGREGATION", "BPR", "BPR_ROLLING", "CONTRACT_CRA_POT", "CONTRACT_IA_POT", "CPR", "CPR_SIX_STEP",
           "CPR_STEPS", "CRUV", "CSA", "CSA_RATES", "CSA_STEPS", "POCO", "POCO_STAGES", "PRICE_FROM_CPR", "RATE_EVIDENCE",
           "GUIDANCE_VERSION", "REGISTRY"]
