"""The exceptions and warnings the pricing core raises.

Every message names the input, the value and the rule (with the regulation or guidance
paragraph), so that the Excel edge can show it in a cell as it stands.
"""

from __future__ import annotations


class PricingInputError(ValueError):
    """An input breaks a rule of the regulations, the guidance or the input format."""


class RateNotAvailableError(PricingInputError):
    """A published rate needed for a calculation is not in the rate table."""


class SupplyChainError(PricingInputError):
    """A group supply chain table cannot be read as a tree rooted at the prime contract."""


class RatesFileError(PricingInputError):
    """A user rates file cannot be read."""


class CapitalServicingWarning(UserWarning):
    """A zero or negative capital servicing adjustment (guidance 6.16: double check it)."""
