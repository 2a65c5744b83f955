"""Rounding for display, half-up like Excel. Calculations never round; only what is shown does."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

#: Tolerances for comparing with printed figures (half a unit of the last printed digit).
PENNY = 0.005
RATE_2DP = 0.00005


def round_half_up(value: float, places: int = 2) -> float:
    """Round as Excel's ROUND does: halves away from zero, on the 15 significant digits Excel shows.

    >>> round_half_up(2.675)
    2.68
    >>> round_half_up(214.475)
    214.48
    >>> round_half_up(-0.125)
    -0.13
    """
    if value != value or value in (float("inf"), float("-inf")):
        return value  # no digits to round: the caller says what such a figure means
    # Excel works to 15 significant digits: 214.47499999999997 is 214.475 to Excel and rounds up.
    shown = Decimal(format(value, ".15g"))
    # enough digits for any double (up to 1e308) at the places asked, so a huge figure rounds too
    return float(shown.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_WIDE))


_WIDE = Context(prec=340)
