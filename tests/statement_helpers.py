"""Helpers for the contract pricing statement tests: models with inputs changed, the statement's
numbers by JSON pointer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from sscr.workbooks.package import XlsxPackage
from workbook_helpers import TEMPLATE_DIR

WORKED_CASE = TEMPLATE_DIR / "cost-build-up.xlsx"
BLANK_MODEL = TEMPLATE_DIR / "contract-model.xlsx"


def model_with(source: Path, values: Mapping[str, Any], target: Path) -> Path:
    """A copy of ``source`` with the named input cells set (None clears a cell)."""
    package = XlsxPackage.open(source)
    for name, value in values.items():
        area = package.area(name)
        assert area is not None, f"{name} is not a defined name of {source.name}"
        package.write_value(area.sheet, area.ref(), value)
    package.save(target)
    return target


def numbers(node: Any, pointer: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a JSON document, with its JSON pointer (booleans are not numbers)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from numbers(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers(value, f"{pointer}/{i}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield pointer, node


def resolve(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.split("/")[1:]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node
