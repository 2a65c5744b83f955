"""Shared helpers for the workbook tests: fixture templates copied to a temporary folder, cells by
defined name, and a figure as a spreadsheet shows it under its number format."""

from __future__ import annotations

import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import range_boundaries

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = ROOT / "workbooks"


def copy_templates(tmp_path: Path, *names: str) -> Path:
    """Copy the committed templates (all, or those named) into ``tmp_path/in`` and return it."""
    target = tmp_path / "in"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(TEMPLATE_DIR.glob("*.xlsx")):
        if not names or path.name in names:
            shutil.copy2(path, target / path.name)
    return target


def named_cell(wb: openpyxl.Workbook, name: str) -> Any:
    """The openpyxl cell a workbook-level defined name refers to."""
    sheet, ref = next(wb.defined_names[name].destinations)
    return wb[sheet][ref.replace("$", "")]


def values_by_name(path: Path, names: list[str]) -> dict[str, Any]:
    """Cached values (what a reader without calculation sees) of defined names."""
    wb = openpyxl.load_workbook(path, data_only=True)
    return {n: named_cell(wb, n).value for n in names}


def shown(value: Any, number_format: str) -> str:
    """``value`` as a spreadsheet shows it under the subset of number formats the templates use:
    sections pos;neg;zero, per cent, decimals, thousands separators, quoted text, £. Rounding is
    half-up on the double's shortest decimal text, as LibreOffice and Excel display it."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    sections = number_format.split(";")
    v = Decimal(repr(float(value)))
    if v == 0 and len(sections) >= 3:
        section, sign = sections[2], ""
    elif v < 0 and len(sections) >= 2:
        section, sign, v = sections[1], "", -v
    else:
        section, sign = sections[0], "-" if v < 0 else ""
        v = abs(v)
    if section.startswith('"') and section.endswith('"'):
        return section[1:-1]
    if section == "General":
        return sign + format(v.normalize(), "f")
    percent = "%" in section
    if percent:
        v *= 100
    m = re.search(r"0(?:\.(0+#*))?", section)
    places = len(m.group(1).rstrip("#")) if m and m.group(1) else 0
    q = v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:,.{places}f}" if "," in section else f"{q:.{places}f}"
    prefix = section[:section.index("#") if "#" in section else section.index("0")].replace('"', "")
    lead = "-" if section.startswith("-") else ""
    prefix = prefix.lstrip("-")
    return sign + lead + prefix + text + ("%" if percent else "")


def matches_printed(displayed: str, printed: str) -> bool:
    """The shown text is the printed figure at least to the printed precision: "12.80%" shows the
    printed "12.8%"; "2.80" the printed "2.8"; "£3,000,000" the printed "£3,000,000"."""
    def parts(text: str) -> tuple[Decimal, int, bool]:
        pct = text.endswith("%")
        core = text.replace("£", "").replace(",", "").replace("%", "").strip()
        places = len(core.split(".")[1]) if "." in core else 0
        return Decimal(core), places, pct

    if printed == "-" or displayed == "-":
        return printed == displayed
    d, d_places, d_pct = parts(displayed)
    p, p_places, p_pct = parts(printed)
    return d == p and d_places >= p_places and d_pct == p_pct


def dependents(template, changed: str) -> set[str]:
    """Computed names whose formulas depend on ``changed``, directly, through other computed names,
    or through a named column of cells (Line_allowable_col, Risk_EV_col, ...)."""
    spec = template.spec()
    cells = {(s.sheet, s.ref): n for n, s in {**spec.inputs, **spec.outputs, **spec.values}.items()}
    wb = openpyxl.load_workbook(TEMPLATE_DIR / template.filename)
    named = set(cells.values())

    def refs(formula: str) -> set[str]:
        found = set()
        for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r'"[^"]*"', "", formula)):
            found.add(ident)
            if ident in wb.defined_names and ident not in named:
                for sheet, rng in wb.defined_names[ident].destinations:
                    c1, r1, c2, r2 = range_boundaries(rng.replace("$", ""))
                    for (s, ref), n in cells.items():
                        col, row = range_boundaries(ref)[:2]
                        if s == sheet and c1 <= col <= c2 and r1 <= row <= r2:
                            found.add(n)
        return found

    graph = {n: refs(o.formula) for n, o in spec.outputs.items()}
    found, frontier = set(), {changed}
    while frontier:
        new = {n for n, r in graph.items() if r & frontier} - found
        found |= new
        frontier = new
    return found
