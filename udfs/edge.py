"""The one place where worksheet calls meet the pricing core.

:func:`worksheet_function` registers a function with xlwings (name, category, argument help) and
turns any exception into a readable message in the cell: a pricing rule broken by the input shows
its message; anything else shows which function failed, never a traceback. A message is text, so
a formula that uses the cell shows #VALUE! rather than a wrong number.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np
import xlwings as xw

from sscr.errors import PricingInputError

CATEGORY = "SSCR pricing"
ERROR_PREFIX = "Error: "
#: Excel's function wizard shows at most 255 characters of a description.
WIZARD_LIMIT = 255

F = TypeVar("F", bound=Callable[..., Any])

#: Every worksheet function, by name, in the order they were defined.
REGISTRY: dict[str, Callable[..., Any]] = {}


def cell_message(exc: BaseException, function: str) -> str:
    if isinstance(exc, PricingInputError):
        return f"{ERROR_PREFIX}{exc}"
    return (f"{ERROR_PREFIX}{function} could not calculate ({type(exc).__name__}); the inputs may be of a "
            f"kind it does not expect: please report it with the inputs")


def to_excel(value: Any) -> Any:
    """numpy results as Excel takes them: floats, and arrays as lists of row lists (a column for 1-D)."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        if value.ndim == 1:
            return [[float(v)] for v in value]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def registration(*, slow: bool = False) -> dict[str, Any]:
    """The options every worksheet function is registered with: the "SSCR pricing" category of the
    function wizard, and, for a ``slow`` function, no evaluation while the wizard is open (Excel
    would otherwise recalculate it on every keystroke in the wizard's boxes)."""
    return {"category": CATEGORY, "call_in_wizard": not slow, "volatile": False}


def worksheet_function(*, args: dict[str, str], spill: bool = False, slow: bool = False,
                       arg_options: dict[str, dict[str, Any]] | None = None) -> Callable[[F], F]:
    """Expose ``fn`` to Excel. ``args`` gives the help text of every argument, in order.

    ``spill`` functions return a 2-D list (a dynamic array) and put a message in a 1x1 array.
    ``slow`` functions (a simulation, say) are not evaluated by the function wizard.
    ``arg_options`` passes xlwings conversion options per argument (for example ``ndim=2``).
    """

    def decorate(fn: F) -> F:
        doc = (fn.__doc__ or "").strip()
        if not doc or len(doc) > WIZARD_LIMIT or "\n\n" in doc:
            raise ValueError(f"{fn.__name__}: the docstring is the function wizard text: one paragraph, "
                             f"1-{WIZARD_LIMIT} characters")
        names = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
        if names != list(args):
            raise ValueError(f"{fn.__name__}: argument help {list(args)} does not match the arguments {names}")

        @functools.wraps(fn)
        def call(*a: Any, **k: Any) -> Any:
            try:
                return to_excel(fn(*a, **k))
            except Exception as exc:  # the one place exceptions become cell text
                message = cell_message(exc, fn.__name__)
                return [[message]] if spill else message

        call.__doc__ = " ".join(doc.split())
        # xlwings' documented order, @xw.func outermost: each @xw.arg applied after @xw.func(...)
        # would call xw.func again without options and reset the category and call_in_wizard.
        wrapped = call
        for name, text in reversed(args.items()):
            wrapped = xw.arg(name, doc=text, **(arg_options or {}).get(name, {}))(wrapped)
        wrapped = xw.func(**registration(slow=slow))(wrapped)
        REGISTRY[fn.__name__] = wrapped
        return wrapped  # type: ignore[return-value]

    return decorate
