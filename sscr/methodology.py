"""The baseline profit rate methodology of the 2015 review (Appendix 1): the rate for a year is the
simple three-year rolling average of the annual baseline profit as a percentage of cost of
production of the reference group.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import checks
from .errors import PricingInputError


def bpr_rolling_average(annual_rates: Any, window: int = 3) -> np.ndarray:
    """Rolling averages of annual baseline profit on cost of production.

    Element ``i`` of the result is the mean of annual rates ``i-window+1 .. i``; the result has
    ``len(annual_rates) - window + 1`` elements, the first for the ``window``-th year.

    Examples:
        2015 review, Appendix 1 (2006/07 to 2013/14):

        >>> from sscr import round_half_up
        >>> r = bpr_rolling_average([0.1004, 0.0956, 0.0827, 0.0929, 0.1019, 0.1099, 0.1092, 0.0988])
        >>> [round_half_up(float(x) * 100, 2) for x in r]
        [9.29, 9.04, 9.25, 10.16, 10.7, 10.6]
    """
    w = checks.positive_int("window", window, lo=1, hi=50)
    values = checks.number("annual rates", annual_rates)
    arr = np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    if arr.size < w:
        raise PricingInputError(
            f"annual rates hold {arr.size} years: a {w}-year rolling average needs at least {w} "
            f"(2015 review, Appendix 1)")
    checks.rate("annual rates", arr)
    sums = np.convolve(arr, np.ones(w), mode="valid")
    return sums / w
