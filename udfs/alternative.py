"""Worksheet functions for the alternative pricing methods (regulations 19A-19F; alternative pricing
guidance v1.2): commercial pricing from observed prices, agreed changes to the contract profit
rate, the previously agreed price split at conversion, and the novation and open market checks.
CRUV is in :mod:`udfs.functions`. Names and argument order are a promise to users' workbooks: add
new functions and new trailing optional arguments, never rename or reorder.
"""

from __future__ import annotations

from typing import Any

from sscr import checks
from sscr.alternative_pricing import (agreed_profit_rate_change, commercial_price_from_observations,
                                      novation_conditions, open_market_test, previously_agreed_price)
from sscr.errors import PricingInputError
from sscr.tables import cell_text

from .edge import worksheet_function

_TABLE = {"ndim": 2}
_OBSERVED = "Observed prices of the relevant contracts, a row or column (regulation 19A(5))."
_WEIGHTS = "Optional: a weight for each observed price (more for recent, closer supplies, guidance 3.19); empty for equal."
_ADJUST = ("Optional: Table 2 adjustments, two columns: factor (volume, specification, other terms of supply, economic "
           "conditions, technology, performance) and amount.")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _flat(value: Any) -> list[Any]:
    """A row or column range (or one cell) as a flat list, empty cells left out."""
    if not isinstance(value, list):
        return [] if _blank(value) else [value]
    rows = value if all(isinstance(r, list) for r in value) else [value]
    if len(rows) > 1 and any(len(r) > 1 for r in rows):
        raise PricingInputError("observed prices must be a single row or a single column")
    return [v for r in rows for v in r if not _blank(v)]


def _adjustments(value: Any) -> dict[str, Any] | None:
    """Two columns, factor and amount, with or without a header row."""
    if _blank(value) or (isinstance(value, list) and all(_blank(v) for r in value for v in (r if isinstance(r, list) else [r]))):
        return None
    if not isinstance(value, list):
        raise PricingInputError(f"adjustments {checks.fmt(value)} is one value: give a range of two columns, factor and "
                                f"amount (Table 2; guidance 3.20-3.21)")
    rows = value if all(isinstance(r, list) for r in value) else [value]
    out: dict[str, Any] = {}
    for k, row in enumerate(rows):
        if all(_blank(v) for v in row):
            continue
        if len(row) != 2:
            raise PricingInputError(f"adjustments row {k + 1} has {len(row)} cells: give two, factor and amount")
        factor, amount = row
        if k == 0 and cell_text(factor).lower() == "factor" and cell_text(amount).lower() == "amount":
            continue
        name = cell_text(factor)
        if name in out:
            raise PricingInputError(f"adjustment factor {checks.fmt(name)} is given twice: adjust for each Table 2 "
                                    f"factor once (guidance 3.20)")
        out[name] = amount
    return out or None


def _observed(observed_prices, weights, adjustments):
    prices = _flat(observed_prices)
    w = None if _blank(weights) or (isinstance(weights, list) and not _flat(weights)) else _flat(weights)
    return commercial_price_from_observations(prices, w, _adjustments(adjustments))


_COMMERCIAL_ARGS = {"observed_prices": _OBSERVED, "weights": _WEIGHTS, "adjustments": _ADJUST}
_COMMERCIAL_OPTIONS = {"observed_prices": _TABLE, "weights": _TABLE, "adjustments": _TABLE}


@worksheet_function(args=_COMMERCIAL_ARGS, arg_options=_COMMERCIAL_OPTIONS)
def COMMERCIAL_PRICE(observed_prices, weights=None, adjustments=None):
    """Commercial price (regulation 19A): the weighted average of the observed prices (19A(5); guidance 3.18-3.19) plus or minus the Table 2 adjustments (3.20-3.21)."""
    return _observed(observed_prices, weights, adjustments).price


@worksheet_function(args=_COMMERCIAL_ARGS, spill=True, arg_options=_COMMERCIAL_OPTIONS)
def COMMERCIAL_PRICE_STEPS(observed_prices, weights=None, adjustments=None):
    """Commercial pricing step by step: each observed price and weight, the range, the weighted observed price, each Table 2 adjustment and the price."""
    r = _observed(observed_prices, weights, adjustments)
    rows: list[list[Any]] = [["Figure", "Value", "Guidance"]]
    for k, (price, weight) in enumerate(zip(r.observed_prices, r.weights), start=1):
        rows.append([f"Observed price {k} (weight {checks.fmt(weight)})", price, "regulation 19A(5); 3.18"])
    rows += [["Lowest observed price", r.lowest, "3.18"], ["Highest observed price", r.highest, "3.18"],
             ["Weighted observed price", r.observed_price, "3.19"]]
    for factor, amount in r.adjustments:
        rows.append([f"Adjustment: {factor}", amount, "regulation 19A(6)(b); Table 2; 3.20-3.21"])
    rows += [["Total adjustments", r.total_adjustment, "3.20"], ["Commercial price", r.price, "regulation 19A(6)"]]
    for note in r.notes:
        rows.append(["Note", note, ""])
    return rows


_CHANGE_ARGS = {
    "allowable_costs": "Allowable costs of the contract or component (money), zero or more.",
    "agreed_cpr": "Contract profit rate agreed, e.g. 10.19%.",
    "corrected_cpr": "Optional: the rate as it would have been without the error (guidance 8.4).",
    "added_incentive": "Optional: incentive adjustment added, percentage points, e.g. 0.5% (guidance 8.5).",
    "existing_incentive": "Optional: incentive adjustment already in the rate; empty for 0.",
}


@worksheet_function(args=_CHANGE_ARGS)
def CPR_CHANGE(allowable_costs, agreed_cpr, corrected_cpr=None, added_incentive=None, existing_incentive=None):
    """Agreed change to the contract profit rate (regulation 19F): the change to the price, allowable costs x (new rate - agreed rate), for an error corrected (8.4) or an incentive added (8.5)."""
    return agreed_profit_rate_change(allowable_costs, agreed_cpr,
                                     corrected_cpr=None if _blank(corrected_cpr) else corrected_cpr,
                                     added_incentive=None if _blank(added_incentive) else added_incentive,
                                     existing_incentive=0.0 if _blank(existing_incentive) else existing_incentive
                                     ).price_change


@worksheet_function(args={"provided_price": "Price agreed before conversion for work provided before it (5.12(a)).",
                          "unprovided_agreed_price": "Optional: price agreed before conversion for work not yet "
                                                     "provided (5.12(b)).",
                          "unprovided_redetermined_price": "Optional: that part's price re-determined at conversion, "
                                                           "at the parties' election (5.12(b)(ii)); empty keeps the "
                                                           "agreed price."}, spill=True)
def PREVIOUSLY_AGREED_PRICE(provided_price, unprovided_agreed_price=None, unprovided_redetermined_price=None):
    """Previously agreed price method (regulation 19C): the provided and the agreed but unprovided work as components, at the agreed or the re-determined price (5.12, 5.16-5.17)."""
    r = previously_agreed_price(provided_price,
                                None if _blank(unprovided_agreed_price) else unprovided_agreed_price,
                                unprovided_redetermined_price=None if _blank(unprovided_redetermined_price)
                                else unprovided_redetermined_price)
    rows: list[list[Any]] = [["Component", "Method", "Price"], [r.provided.name, r.provided.method, r.provided.price]]
    if r.unprovided is not None:
        rows.append([r.unprovided.name, r.unprovided.method, r.unprovided.price])
    rows.append(["Total", r.election, r.total])
    return rows


_YES = "TRUE if the condition holds."


@worksheet_function(args={"replaced": "6.4(a): contract B has replaced contract A. " + _YES,
                          "same_purpose": "6.4(b): B ensures the performance of A's obligations. " + _YES,
                          "a_was_qdc": "6.4(c): contract A was a qualifying defence contract. " + _YES,
                          "common_party": "6.4(d): a party to A is a party to B. " + _YES,
                          "new_party": "6.4(e): a party to B was not a party to A. " + _YES,
                          "identical": "6.4(f): B is identical to A in all material respects save the parties. " + _YES})
def NOVATION_CHECK(replaced, same_purpose, a_was_qdc, common_party, new_party, identical):
    """Whether the novated contract price method may be used (regulation 19D; guidance 6.4): each unmet condition named with its paragraph."""
    return novation_conditions(replaced, same_purpose, a_was_qdc, common_party, new_party, identical).message()


@worksheet_function(args={"buyers": "Number of buyers who accept the observed price, a whole number.",
                          "sellers": "Number of sellers who accept it, a whole number."})
def OPEN_MARKET_CHECK(buyers, sellers):
    """Whether an observed price is an open market price (guidance 3.15-3.16): accepted by more than one buyer or more than one seller."""
    return open_market_test(buyers, sellers).message()
