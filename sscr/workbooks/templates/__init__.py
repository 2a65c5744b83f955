"""The template workbooks, by key (the value of each workbook's ``SSCR_template`` defined name).

Each template's module is imported when its template is first asked for: the add-in's Refresh of a
contract model imports the contract model's code, not every template's."""

from __future__ import annotations

import importlib
from typing import Iterator, Mapping

from ..layout import Template

#: Every template's key and the module that defines it (as ``TEMPLATE``), in the order of the pricing steps.
MODULES: dict[str, str] = {
    "profit_rate": "profit_rate",
    "capital_servicing": "capital_servicing",
    "poco": "poco",
    "aggregation": "components",
    "contract_model": "contract_model",
    "cost_build_up": "worked_case",
    "final_price_adjustment": "final_price",
}


class _Templates(Mapping[str, Template]):
    """The templates by key, each module imported on first use."""

    def __getitem__(self, key: str) -> Template:
        module = MODULES[key]  # KeyError for a key that is not a template's
        template = importlib.import_module(f"{__name__}.{module}").TEMPLATE
        if template.key != key:  # a defect of this table, not of a workbook
            raise RuntimeError(f"{__name__}.{module} defines the template {template.key!r}, not {key!r}")
        return template

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)

    def __contains__(self, key: object) -> bool:
        return key in MODULES

    def __repr__(self) -> str:
        return f"<templates {', '.join(MODULES)}>"


#: Every template, in the order of the pricing steps.
TEMPLATES: Mapping[str, Template] = _Templates()

__all__ = ["MODULES", "TEMPLATES", "Template"]
