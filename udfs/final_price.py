"""Worksheet functions for the final price adjustment (regulations 16 and 17 of the Single Source
Contract Regulations 2014, as amended). Names and argument order are a promise to users'
workbooks: add new functions and new trailing optional arguments, never rename or reorder.
"""

from __future__ import annotations

from typing import Any

from sscr import checks
from sscr.final_price_adjustment import (MINIMUM_ADJUSTMENT, VALUE_THRESHOLD, FinalPriceAdjustment,
                                         final_price_adjustment)

from .edge import worksheet_function

_ARGS = {
    "contract_price": "Contract price (money), above zero.",
    "outturn_costs": "Outturn costs: the actual allowable costs at completion (money), above zero.",
    "contract_profit_rate": "Contract profit rate, e.g. 10.19%.",
    "money_unit": "Optional: pounds per unit of the money given, 1000000 if in £m (for the £5,000,000 and "
                  "£250,000 tests); empty for pounds.",
    "contract_value": "Optional: value of the contract or of its firm, fixed or volume-driven components "
                      "(regulation 5); empty for the contract price.",
    "pricing_method": "Optional: the pricing method, firm, fixed or volume-driven (regulation 16(1)); empty for firm.",
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _adjustment(contract_price, outturn_costs, contract_profit_rate, money_unit, contract_value,
                pricing_method) -> FinalPriceAdjustment:
    contract_price, outturn_costs, contract_profit_rate, money_unit, contract_value, pricing_method = (
        checks.single(n, v) for n, v in (("contract price", contract_price), ("outturn costs", outturn_costs),
                                         ("contract profit rate", contract_profit_rate), ("money unit", money_unit),
                                         ("contract value", contract_value), ("pricing method", pricing_method)))
    return final_price_adjustment(contract_price, outturn_costs, contract_profit_rate,
                                  money_unit=1.0 if _blank(money_unit) else money_unit,
                                  contract_value=None if _blank(contract_value) else contract_value,
                                  method="firm" if _blank(pricing_method) else pricing_method)


def _unit_hint(r: FinalPriceAdjustment) -> str | None:
    """With money_unit left empty, an adjustment that regulation 17 gives but the pound tests of
    regulation 16 remove is said in words, not a bare 0: the figures may be in £m."""
    if r.adjustment != 0 or r.calculated_adjustment == 0 or not r.qualifying_method:
        return None
    if not r.meets_value_threshold:
        test = (f"the value {r.value_in_pounds:,.2f} is below £{VALUE_THRESHOLD:,.0f} (regulation 16(1))")
    else:
        test = (f"the adjustment {r.calculated_adjustment:,.2f} is below £{MINIMUM_ADJUSTMENT:,.0f} "
                f"(regulation 16(4))")
    return (f"0: no final price adjustment, because {test} with the figures taken as pounds; if they are in £m, "
            f"give money_unit 1000000")


@worksheet_function(args=_ARGS)
def FPA(contract_price, outturn_costs, contract_profit_rate, money_unit=None, contract_value=None,
        pricing_method=None):
    """Final price adjustment (regulations 16 and 17): the change to the contract price, negative where the price decreases, zero below the £5m and £250,000 tests."""
    r = _adjustment(contract_price, outturn_costs, contract_profit_rate, money_unit, contract_value, pricing_method)
    if _blank(money_unit):
        hint = _unit_hint(r)
        if hint is not None:
            return hint
    return r.adjustment


_LABELS = {
    "contract_price": "Contract price",
    "outturn_costs": "Outturn costs",
    "contract_profit_rate": "Contract profit rate",
    "outturn_profit": "Outturn profit",
    "outturn_profit_rate": "Outturn profit rate",
    "rate_difference": "Outturn profit rate less contract profit rate",
    "band": "Band (0 none; 1, 2, 3 decrease; -1 loss)",
    "excess_level_1": "Excess level 1 (CPR + 5pp)",
    "excess_level_2": "Excess level 2 (CPR + 10pp)",
    "excess_level_3": "Excess level 3 (CPR + 15pp)",
    "profit_band_1": "Outturn profit above excess level 1, up to level 2",
    "profit_band_2": "Outturn profit above excess level 2, up to level 3",
    "profit_band_3": "Outturn profit above excess level 3",
    "decrease_band_1": "Decrease: 25% of the profit above level 1",
    "decrease_band_2": "Decrease: 50% of the profit above level 2",
    "decrease_band_3": "Decrease: 75% of the profit above level 3",
    "loss": "Outturn costs above the contract price",
    "loss_level": "Loss level (excess at an outturn profit rate of -5%)",
    "loss_up_to_level": "Excess up to the loss level",
    "loss_above_level": "Excess above the loss level",
    "increase_up_to_level": "Increase: 25% of the excess up to the loss level",
    "increase_above_level": "Increase: 50% of the excess above the loss level",
    "calculated_adjustment": "Adjustment by regulation 17",
    "contract_value": "Contract value",
    "value_in_pounds": "Contract value in pounds",
    "meets_value_threshold": "Value of £5,000,000 or more",
    "qualifying_method": "Firm, fixed or volume-driven pricing method",
    "adjustment_in_pounds": "Adjustment in pounds",
    "meets_minimum": "Adjustment of at least £250,000",
    "adjustment": "Final price adjustment",
    "adjusted_price": "Contract price after the adjustment",
    "direction_possible": "Value below £50,000,000 (a direction may exclude the adjustment)",
}


@worksheet_function(args=_ARGS, spill=True)
def FPA_STEPS(contract_price, outturn_costs, contract_profit_rate, money_unit=None, contract_value=None,
              pricing_method=None):
    """Every figure of the final price adjustment: outturn profit and rate, excess levels, each band's share, the loss rule, the £5m and £250,000 tests, each with its paragraph."""
    r = _adjustment(contract_price, outturn_costs, contract_profit_rate, money_unit, contract_value, pricing_method)
    rows: list[list[Any]] = [["Figure", "Value", "Regulation"]]
    for name, value, citation in r.table():
        shown = value if isinstance(value, bool) else (float(value) if name != "band" else int(value))
        rows.append([_LABELS[name], shown, citation])
    rows.append(["Pricing method", r.pricing_method, "regulation 16(1)(a)(i), (b)(i)"])
    for note in r.notes:
        rows.append(["Note", note, ""])
    return rows
