"""sscr-pricing: pricing single source contracts under the Defence Reform Act 2014 and the Single
Source Contract Regulations 2014.

This package is the calculation core: pure functions over floats and numpy arrays, with no Excel
or file-format imports. The Excel worksheet functions (``udfs``), the workbook filling and the
command line are edges around it.
"""

import importlib
from typing import Any

#: Each name this package exports and the module it comes from: imported on first use, so that an
#: edge (the add-in's Refresh, a worksheet function) loads only the parts of the core it calls.
_EXPORTS = {
    "agreed_profit_rate_change": "alternative_pricing",
    "commercial_price": "alternative_pricing",
    "cruv_price": "alternative_pricing",
    "fixed_component": "alternative_pricing",
    "BalanceSheet": "capital_servicing",
    "CapitalServicingAdjustment": "capital_servicing",
    "capital_employed_from_balance_sheets": "capital_servicing",
    "capital_servicing_adjustment": "capital_servicing",
    "capital_servicing_from_accounts": "capital_servicing",
    "cost_of_production_from_accounts": "capital_servicing",
    "Aggregation": "components",
    "Component": "components",
    "aggregate_components": "components",
    "components_from_table": "components",
    "FinalPriceAdjustment": "final_price_adjustment",
    "final_price_adjustment": "final_price_adjustment",
    "CapitalServicingWarning": "errors",
    "PricingInputError": "errors",
    "RateNotAvailableError": "errors",
    "RatesFileError": "errors",
    "SupplyChainError": "errors",
    "GuidanceVersion": "guidance",
    "guidance_in_force": "guidance",
    "guidance_versions": "guidance",
    "bpr_rolling_average": "methodology",
    "PocoAdjustment": "poco",
    "SupplyChainContract": "poco",
    "poco_adjustment": "poco",
    "supply_chain_from_table": "poco",
    "contract_price": "price",
    "formula_price": "price",
    "ContractProfitRate": "profit_rate",
    "SixStepProfitRate": "profit_rate",
    "contract_profit_rate": "profit_rate",
    "contract_profit_rate_six_step": "profit_rate",
    "uses_six_steps": "profit_rate",
    "CapitalServicingRates": "rates",
    "PublishedRates": "rates",
    "RateTable": "rates",
    "default_table": "rates",
    "rates_for": "rates",
    "round_half_up": "rounding",
}


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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
