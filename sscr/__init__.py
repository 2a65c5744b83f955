"""sscr-pricing: pricing single source contracts under the Defence Reform Act 2014 and the Single
Source Contract Regulations 2014.

This package is the calculation core: pure functions over floats and numpy arrays, with no Excel
or file-format imports. The Excel worksheet functions (``udfs``), the workbook filling and the
command line are edges around it.
"""

from .alternative_pricing import (agreed_profit_rate_change, commercial_price, cruv_price,
                                  fixed_component)
from .capital_servicing import (BalanceSheet, CapitalServicingAdjustment, capital_employed_from_balance_sheets,
                                capital_servicing_adjustment, capital_servicing_from_accounts,
                                cost_of_production_from_accounts)
from .components import Aggregation, Component, aggregate_components, components_from_table
from .final_price_adjustment import FinalPriceAdjustment, final_price_adjustment
from .errors import (CapitalServicingWarning, PricingInputError, RateNotAvailableError, RatesFileError,
                     SupplyChainError)
from .guidance import GuidanceVersion, guidance_in_force, guidance_versions
from .methodology import bpr_rolling_average
from .poco import PocoAdjustment, SupplyChainContract, poco_adjustment, supply_chain_from_table
from .price import contract_price, formula_price
from .profit_rate import (ContractProfitRate, SixStepProfitRate, contract_profit_rate,
                          contract_profit_rate_six_step, uses_six_steps)
from .rates import CapitalServicingRates, PublishedRates, RateTable, default_table, rates_for
from .rounding import round_half_up

__all__ = [
    "Aggregation", "BalanceSheet", "CapitalServicingAdjustment", "CapitalServicingRates",
    "CapitalServicingWarning", "Component", "ContractProfitRate", "FinalPriceAdjustment", "GuidanceVersion", "guidance_in_force",
    "guidance_versions", "PocoAdjustment", "PricingInputError",
    "PublishedRates", "RateNotAvailableError", "RateTable", "RatesFileError", "SixStepProfitRate",
    "SupplyChainContract", "SupplyChainError", "aggregate_components", "agreed_profit_rate_change",
    "bpr_rolling_average", "capital_employed_from_balance_sheets", "capital_servicing_adjustment",
    "capital_servicing_from_accounts", "commercial_price", "components_from_table", "contract_price",
    "contract_profit_rate", "contract_profit_rate_six_step", "cost_of_production_from_accounts",
    "cruv_price", "default_table", "final_price_adjustment", "fixed_component", "formula_price", "poco_adjustment", "rates_for",
    "round_half_up", "supply_chain_from_table", "uses_six_steps",
]

__version__ = "0.1.0"
