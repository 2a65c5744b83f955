"""The template workbooks, by key (the value of each workbook's ``SSCR_template`` defined name)."""

from __future__ import annotations

from ..layout import Template
from . import capital_servicing, components, contract_model, final_price, poco, profit_rate, worked_case

#: Every template, in the order of the pricing steps.
TEMPLATES: dict[str, Template] = {t.key: t for t in (
    profit_rate.TEMPLATE, capital_servicing.TEMPLATE, poco.TEMPLATE, components.TEMPLATE,
    contract_model.TEMPLATE, worked_case.TEMPLATE, final_price.TEMPLATE)}

__all__ = ["TEMPLATES", "Template"]
