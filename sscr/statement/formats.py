"""How the statement shows a figure: money to the penny, rates as per cent to two places, rounded
half-up like Excel (:func:`sscr.rounding.round_half_up`). The JSON keeps the unrounded figures."""

from __future__ import annotations

from typing import Any

from sscr.rounding import round_half_up


def money(value: Any) -> str:
    """£1,504,699.01; a negative amount as -£12.00; None as a dash.

    >>> money(1504699.00896), money(-12), money(None)
    ('£1,504,699.01', '-£12.00', '–')
    """
    if value is None:
        return "–"
    v = round_half_up(float(value), 2)
    return f"-£{-v:,.2f}" if v < 0 else f"£{v:,.2f}"


def money_short(value: Any) -> str:
    """£1.36m, £62.9k or £950 for chart labels.

    >>> money_short(1359848), money_short(62949.73), money_short(950)
    ('£1.36m', '£62.9k', '£950')
    """
    v = float(value)
    a = abs(v)
    if a >= 1e6:
        return f"£{round_half_up(v / 1e6, 2):,.2f}m"
    if a >= 1e4:
        return f"£{round_half_up(v / 1e3, 1):,.1f}k"
    return f"£{round_half_up(v, 0):,.0f}"


def rate(value: Any, *, signed: bool = False) -> str:
    """A rate as per cent to two places: 10.65%, or +0.41% with ``signed``.

    >>> rate(0.10652), rate(0.00412, signed=True), rate(-0.0206, signed=True)
    ('10.65%', '+0.41%', '-2.06%')
    """
    if value is None:
        return "–"
    v = round_half_up(float(value) * 100, 2)
    return f"{v:+.2f}%" if signed else f"{v:.2f}%"


def show(value: Any, unit: str) -> str:
    """A figure as the statement shows it, by its unit.

    >>> show(0.05, "fraction_of_bpr"), show(0.2, "fraction"), show(5.0, "count"), show(4 / 3, "ratio")
    ('+5.00% of the BPR', '20.00%', '5', '1.3333')
    """
    if value is None:
        return "–"
    if unit == "money":
        return money(value)
    if unit == "rate":
        return rate(value)
    if unit == "fraction_of_bpr":
        return rate(value, signed=True) + " of the BPR"
    if unit == "fraction":
        return rate(value)
    if unit == "count":
        return f"{int(value):,}"
    if unit == "ratio":
        return f"{round_half_up(float(value), 4):,.4f}"
    return str(value)
