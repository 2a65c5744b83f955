"""Writing test values into a template's named input cells, through the package writer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from sscr.workbooks.package import XlsxPackage
from sscr.workbooks.templates import TEMPLATES
from workbook_helpers import TEMPLATE_DIR

BY_KEY = {t.key: t for t in TEMPLATES.values()}


def template_path(key: str) -> Path:
    """The committed template (read fresh at test time, never a committed copy)."""
    return TEMPLATE_DIR / BY_KEY[key].filename


def write_inputs(package: XlsxPackage, values: Mapping[str, Any]) -> None:
    """Put each value in its named cell: numbers, text (as text), None to clear, or raw cell XML
    (a ``Raw`` string from the corpus) spliced in with the cell's reference and style."""
    for name, value in values.items():
        area = package.area(name)
        assert area is not None, name
        ref = area.ref()
        if type(value).__name__ == "Raw":
            sheet = package.sheet(area.sheet)
            style = package.read(area.sheet, ref).style
            element = re.sub(r"^<c\b", f'<c r="{ref}" s="{style}"', str(value))
            sheet.replace(ref, element)
            package._touch(area.sheet)
        else:
            package.write_value(area.sheet, ref, value)


def workbook_with(key: str, values: Mapping[str, Any], target: Path) -> Path:
    package = XlsxPackage.open(template_path(key))
    write_inputs(package, values)
    package.save(target)
    return target
