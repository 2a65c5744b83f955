"""Worksheet functions for Excel, through xlwings: ``=CPR(...)``, ``=CSA(...)``, ``=POCO(...)`` and the rest.

Import this module in the xlwings add-in settings (UDF Modules: ``udfs``). Each function is also an
ordinary Python callable taking arguments as Excel passes them.
"""

from .edge import REGISTRY
from .functions import (AGGREGATION, BPR, BPR_ROLLING, CONTRACT_CRA_POT, CONTRACT_IA_POT, CPR, CPR_SIX_STEP,
                        CPR_STEPS, CRUV, CSA, CSA_RATES, CSA_STEPS, POCO, POCO_STAGES, PRICE, RATE_EVIDENCE)

__all__ = ["AGGREGATION", "BPR", "BPR_ROLLING", "CONTRACT_CRA_POT", "CONTRACT_IA_POT", "CPR", "CPR_SIX_STEP",
           "CPR_STEPS", "CRUV", "CSA", "CSA_RATES", "CSA_STEPS", "POCO", "POCO_STAGES", "PRICE", "RATE_EVIDENCE",
           "REGISTRY"]
