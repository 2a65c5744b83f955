"""Reading a contract model for its statement: the same checks and the same computation as
``sscr regenerate`` (:func:`sscr.workbooks.fill.fill` over :class:`~sscr.workbooks.adapter.FileBook`),
with nothing written. A damaged or hostile workbook, a workbook that is not a contract model, or a
bad input is refused with the file's name and the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sscr.errors import PricingInputError
from sscr.rates import default_table
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import Flag, fill, template_of
from sscr.workbooks.layout import Template, TemplateSpec
from sscr.workbooks.package import PackageError
from sscr.workbooks.templates import TEMPLATES

#: The contractor's facts, assumptions and calculations (regulation 23(3)), per component i: the
#: name of the text input, and the element of the price it explains.
COMPONENT_TEXTS = (
    ("Basis_AC", "allowable_costs"),
    ("Basis_BPR", "baseline_profit_rate"),
    ("Basis_CRA", "cost_risk_adjustment"),
    ("Basis_IA", "incentive_adjustment"),
    ("IA_outcome", "incentive_outcome"),
    ("Basis_CSA", "capital_servicing_adjustment"),
    ("Basis_POCO", "poco_deduction"),
)
#: Text inputs for the contract as a whole.
CONTRACT_TEXTS = ("Guidance_deviations", "Other_material_information", "Contract_reference")


class StatementError(PricingInputError):
    """The statement cannot be made from this workbook: the message names the file and the reason."""


@dataclass
class ModelReading:
    """A contract model read and computed: its template, the checked inputs and every computed figure
    by defined name, the flags and notes of the fill, and the narrative text inputs present."""

    path: Path
    template: Template
    spec: TemplateSpec
    inputs: dict[str, Any]
    figures: dict[str, Any]
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    names: set[str] = field(default_factory=set)

    def value(self, name: str) -> Any:
        """An input's checked value or a computed figure, by defined name (None when neither)."""
        if name in self.figures:
            return self.figures[name]
        return self.inputs.get(name)

    def text(self, name: str) -> str | None:
        return self.texts.get(name)

    def components(self) -> list[int]:
        """The component columns of the model (1, 2, ...), named or not."""
        out, i = [], 1
        while f"Name_{i}" in self.spec.inputs:
            out.append(i)
            i += 1
        return out

    def rows(self, prefix: str, key: str = "id") -> list[int]:
        """The rows of an input table (``Line``, ``Risk``) that are filled in."""
        out, n = [], 1
        while f"{prefix}_{key}_{n}" in self.spec.inputs:
            if self.inputs.get(f"{prefix}_{key}_{n}") is not None:
                out.append(n)
            n += 1
        return out


def _is_contract_model(template: Template, spec: TemplateSpec) -> bool:
    return "Name_1" in spec.inputs and "Lines_allowable" in spec.outputs and "Contract_price" in spec.outputs


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_model(path: str | os.PathLike[str], *, rates_file: str | os.PathLike[str] | None = None) -> ModelReading:
    """Open, check and compute a contract model (nothing is written). Raises StatementError naming
    the file and the reason (a damaged workbook, not a contract model, a bad input)."""
    src = Path(path)
    if not src.is_file():
        raise StatementError(f"{src}: no such workbook")
    if src.suffix.lower() != ".xlsx":
        raise StatementError(f"{src.name} is not an .xlsx workbook: the statement reads a contract model "
                             f"(contract-model.xlsx, or the worked case cost-build-up.xlsx)")
    try:
        book = FileBook.open(src)
        key = book.template()
        template = TEMPLATES.get(key) if key else None
        if template is not None and not _is_contract_model(template, template.spec()):
            raise StatementError(
                f"{src.name} is the {key} template, not a contract model: the statement reads a contract "
                f"model (contract-model.xlsx, or the worked case cost-build-up.xlsx)")
        result = fill(book, rates=default_table(rates_file))
        names = book.names()
        template = template_of(book)  # the template the fill used (of the workbook's size)
        spec = template.spec()
        texts: dict[str, str] = {}
        wanted = [f"{k}_{i}" for k, _e in COMPONENT_TEXTS for i in range(1, 100) if f"Name_{i}" in spec.inputs]
        for name in [*wanted, *CONTRACT_TEXTS]:
            if name in result.inputs:
                value = result.inputs[name]
            elif name in names:  # a text cell the workbook has although its template does not
                value = book.get_input(name)
            else:
                continue
            text = _text(value)
            if text is not None:
                texts[name] = text
    except StatementError:
        raise
    except (PricingInputError, PackageError) as exc:
        raise StatementError(f"{src.name}: {exc}") from None
    except OSError as exc:
        raise StatementError(f"{src.name}: cannot read the workbook: {exc.strerror or exc}") from None
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    return ModelReading(src, template, spec, dict(result.inputs), dict(result.figures), list(result.flags),
                        list(result.notes), texts, digest, names)


_EPOCH = dt.date(1899, 12, 30)


def as_date(value: Any) -> dt.date | None:
    """A date of agreement as a cell holds it (a date, an Excel serial number, or ISO text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _EPOCH + dt.timedelta(days=int(value))
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        return dt.date.fromisoformat(value.strip())
    return None
