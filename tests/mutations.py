"""Structural mutations of a template workbook, made on the file's XML as a user's spreadsheet (or a
hostile one) would leave it: each takes the template's bytes and its specification and returns the
mutated bytes, or None when the mutation does not apply to that template.

Used by the one-workbook-one-figure tests (tests/test_one_figure.py) and their reliability corpus
(tests/reliability/test_reliability_one_figure.py), where each mutated workbook is regenerated and
then recalculated by LibreOffice.
"""

from __future__ import annotations

import html
import random
import re
from typing import Any, Callable

from sscr.workbooks.package import XlsxPackage, make_ref, parse_area, split_ref
from sscr.workbooks.layout import RATES_FIRST_ROW, RATES_SHEET

Mutation = Callable[[bytes, Any, random.Random], "bytes | None"]


def _package(data: bytes) -> XlsxPackage:
    return XlsxPackage(data, "mutated")


def _cell(pkg: XlsxPackage, name: str) -> tuple[str, str]:
    area = pkg.area(name)
    assert area is not None, name
    return area.sheet, area.ref()


def set_element(pkg: XlsxPackage, sheet: str, ref: str, inner: str, typ: str = "") -> None:
    """Replace the cell at ``ref`` with ``<c r=ref t=typ>inner</c>``, keeping its style."""
    xml = pkg.sheet(sheet)
    old = xml.element(ref) or ""
    m = re.search(r'\ss="(\d+)"', old.split(">")[0]) if old else None
    style = f' s="{m.group(1)}"' if m else ""
    t = f' t="{typ}"' if typ else ""
    xml.replace(ref, f'<c r="{ref}"{style}{t}>{inner}</c>')
    pkg._touch(sheet)


def set_names(pkg: XlsxPackage, edit: Callable[[str], str]) -> None:
    text = pkg.part("xl/workbook.xml")
    pkg.set_part("xl/workbook.xml", edit(text))


def redefine(pkg: XlsxPackage, name: str, target: str) -> None:
    set_names(pkg, lambda t: re.sub(rf'(<definedName name="{re.escape(name)}">)[^<]*(</definedName>)',
                                    lambda m: m.group(1) + html.escape(target, quote=False) + m.group(2), t))


def add_name(pkg: XlsxPackage, name: str, target: str, scope: int | None = None) -> None:
    local = "" if scope is None else f' localSheetId="{scope}"'
    element = f'<definedName name="{name}"{local}>{html.escape(target, quote=False)}</definedName>'
    set_names(pkg, lambda t: t.replace("</definedNames>", element + "</definedNames>", 1))


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _numeric_inputs(pkg: XlsxPackage, spec: Any) -> list[str]:
    out = []
    for name, s in spec.inputs.items():
        if s.kind in ("money", "money+", "positive", "quantity") and isinstance(
                pkg.read(*_cell(pkg, name)).value, (int, float)) and not isinstance(pkg.read(*_cell(pkg, name)).value, bool):
            out.append(name)
    return out


def _used_outputs(pkg: XlsxPackage, spec: Any) -> list[str]:
    """Outputs whose cached value is a number (the ones in use)."""
    return [n for n in spec.outputs if isinstance(pkg.read(*_cell(pkg, n)).value, (int, float))]


# --- the mutations ----------------------------------------------------------------------------------

def name_to_range(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """An input's name redefined to a range of two cells."""
    pkg = _package(data)
    name = rnd.choice(sorted(spec.inputs))
    area = pkg.area(name)
    redefine(pkg, name, f"{_quote(area.sheet)}!${_col(area.left)}${area.top}:${_col(area.left)}${area.top + 1}")
    return pkg.to_bytes()


def name_twice(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """An input's name defined a second time at workbook level, on another cell."""
    pkg = _package(data)
    name = rnd.choice(sorted(spec.inputs))
    area = pkg.area(name)
    add_name(pkg, name, f"{_quote(area.sheet)}!${_col(area.left + 1)}${area.top}")
    return pkg.to_bytes()


def name_scoped(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A sheet-scoped name of the same name as a template's name, on another cell."""
    pkg = _package(data)
    name = rnd.choice(sorted(spec.inputs))
    area = pkg.area(name)
    scope = list(pkg.sheets).index(area.sheet)
    add_name(pkg, name, f"{_quote(area.sheet)}!${_col(area.left + 1)}${area.top}", scope)
    return pkg.to_bytes()


def name_moved_out_of_its_range(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A cell of a named range (a Rates column, a table column) given another place than its range's."""
    pkg = _package(data)
    candidates = []
    for name in spec.inputs:
        area = pkg.area(name)
        for rname, text in spec.names.items():
            r = parse_area(text)
            if r is not None and (r.rows > 1 or r.cols > 1) and r.sheet == area.sheet and r.top <= area.top <= r.bottom \
                    and r.left <= area.left <= r.right:
                candidates.append(name)
                break
    if not candidates:
        return None
    name = rnd.choice(sorted(candidates))
    area = pkg.area(name)
    redefine(pkg, name, f"{_quote(area.sheet)}!${_col(area.left)}${area.top + 200}")
    return pkg.to_bytes()


def name_beyond_xfd(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A computed cell's name pointing beyond the last column a sheet has."""
    pkg = _package(data)
    name = rnd.choice(sorted(spec.outputs))
    area = pkg.area(name)
    redefine(pkg, name, f"{_quote(area.sheet)}!$XFE${area.top}")
    return pkg.to_bytes()


def input_formula_stale(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A number input turned into a formula whose cached value is not what it computes."""
    pkg = _package(data)
    names = _numeric_inputs(pkg, spec)
    if not names:
        return None
    name = rnd.choice(names)
    sheet, ref = _cell(pkg, name)
    value = pkg.read(sheet, ref).value
    set_element(pkg, sheet, ref, f"<f>{value!r}*2+1</f><v>{value!r}</v>")
    return pkg.to_bytes()


def input_formula_current(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A number input turned into a formula whose cached value is what it computes (kept)."""
    pkg = _package(data)
    names = _numeric_inputs(pkg, spec)
    if not names:
        return None
    name = rnd.choice(names)
    sheet, ref = _cell(pkg, name)
    value = pkg.read(sheet, ref).value
    set_element(pkg, sheet, ref, f"<f>{value!r}/2*2</f><v>{value!r}</v>")
    return pkg.to_bytes()


def _text_inputs(pkg: XlsxPackage, spec: Any, kinds: tuple[str, ...]) -> list[str]:
    return [n for n, s in spec.inputs.items() if s.kind in kinds and isinstance(pkg.read(*_cell(pkg, n)).value, str)
            and pkg.read(*_cell(pkg, n)).value]


def _with_text(pkg: XlsxPackage, name: str, text: str) -> None:
    sheet, ref = _cell(pkg, name)
    pkg.write_value(sheet, ref, text)


def year_trailing_space(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A financial year input written with a trailing space."""
    pkg = _package(data)
    names = _text_inputs(pkg, spec, ("year",))
    if not names:
        return None
    name = rnd.choice(names)
    _with_text(pkg, name, pkg.read(*_cell(pkg, name)).value + " ")
    return pkg.to_bytes()


def matched_text_trailing_space(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A component, cost type, status, index or rate name written with a trailing space: text the
    workbook's formulas match against other cells (an id or a note, matched by nothing, is not one)."""
    pkg = _package(data)
    names = _text_inputs(pkg, spec, ("component", "status", "cost_type", "index", "basis", "text", "method"))
    names = [n for n in names if spec.inputs[n].kind != "text"
             or re.fullmatch(r"(Rate_name|Index_name|SC_name|SC_parent|(\w+_)?Name)_\d+", n)]
    if not names:
        return None
    name = rnd.choice(names)
    _with_text(pkg, name, pkg.read(*_cell(pkg, name)).value + " ")
    return pkg.to_bytes()


def matched_text_case(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A component, status, cost type or method written in upper case (Excel matches it all the same)."""
    pkg = _package(data)
    names = _text_inputs(pkg, spec, ("component", "status", "cost_type", "basis", "method"))
    if not names:
        return None
    name = rnd.choice(names)
    _with_text(pkg, name, pkg.read(*_cell(pkg, name)).value.upper())
    return pkg.to_bytes()


def _rates_rows(pkg: XlsxPackage) -> list[tuple[int, Any]]:
    area = pkg.area("Rates_year")
    return [(area.top + r, pkg.read(area.sheet, make_ref(area.top + r, area.left)).value) for r in range(area.rows)]


def rates_year_twice(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A Rates row copied into the first empty row with another baseline profit rate."""
    pkg = _package(data)
    rows = _rates_rows(pkg)
    used = [r for r, v in rows if v]
    free = [r for r, v in rows if not v]
    if not free:
        return None
    src = rnd.choice(used)
    for col in range(1, 12):
        cell = pkg.read(RATES_SHEET, make_ref(src, col))
        pkg.write_value(RATES_SHEET, make_ref(free[0], col), cell.value)
    pkg.write_value(RATES_SHEET, make_ref(free[0], 3), 9.99)
    return pkg.to_bytes()


def rates_label_space(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A Rates sheet year label with a trailing space."""
    pkg = _package(data)
    row, value = rnd.choice([(r, v) for r, v in _rates_rows(pkg) if v])
    pkg.write_value(RATES_SHEET, make_ref(row, 1), str(value) + " ")
    return pkg.to_bytes()


def rates_figure_typed(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A Rates sheet figure typed over (every year's, in one column), so computed cells differ."""
    pkg = _package(data)
    col = rnd.choice([3, 4, 5, 6, 7, 8])
    for row, value in _rates_rows(pkg):
        cell = pkg.read(RATES_SHEET, make_ref(row, col))
        if value and isinstance(cell.value, (int, float)):
            pkg.write_value(RATES_SHEET, make_ref(row, col), round(cell.value * 1.5 + 0.25, 4))
    return pkg.to_bytes()


def formula_edited(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A computed cell's formula edited by hand (doubled), its old cached value left."""
    pkg = _package(data)
    names = _used_outputs(pkg, spec)
    if not names:
        return None
    name = rnd.choice(names)
    sheet, ref = _cell(pkg, name)
    cell = pkg.read(sheet, ref)
    set_element(pkg, sheet, ref, f"<f>({html.escape(cell.formula, quote=False)})*2</f><v>{cell.value!r}</v>")
    return pkg.to_bytes()


def value_typed_over(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A number typed over a computed cell."""
    pkg = _package(data)
    names = _used_outputs(pkg, spec)
    if not names:
        return None
    name = rnd.choice(names)
    sheet, ref = _cell(pkg, name)
    value = pkg.read(sheet, ref).value
    pkg.write_value(sheet, ref, float(value) * 3 + 7)
    return pkg.to_bytes()


def input_changed(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A number input changed (as a user does): the figures must still agree."""
    pkg = _package(data)
    names = _numeric_inputs(pkg, spec)
    if not names:
        return None
    name = rnd.choice(names)
    sheet, ref = _cell(pkg, name)
    value = pkg.read(sheet, ref).value
    pkg.write_value(sheet, ref, round(float(value) * rnd.choice([0.5, 1.1, 2.0, 3.7]), 2))
    return pkg.to_bytes()


def below_table(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A value typed just below (or right of) the last row of a fixed table of inputs."""
    from sscr.workbooks.integrity import layout_of
    pkg = _package(data)
    edges = [e for e in layout_of(spec).edges if e.anchor in spec.inputs]
    if not edges:
        return None
    edge = rnd.choice(edges)
    area = pkg.area(edge.anchor)
    ref = make_ref(area.top + edge.drow, area.left + edge.dcol)
    if spec.around.get((area.sheet, ref)) is not None:
        return None
    pkg.write_value(area.sheet, ref, 1234.5)
    return pkg.to_bytes()


def macro_part(data: bytes, spec: Any, rnd: random.Random) -> bytes | None:
    """A macro project added, as Excel saves a macro-enabled workbook, under the .xlsx name."""
    pkg = _package(data)
    pkg.set_part("xl/vbaProject.bin", "not really a macro project")
    ct = pkg.part("[Content_Types].xml")
    pkg.set_part("[Content_Types].xml", ct.replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'))
    return pkg.to_bytes()


def _col(index: int) -> str:
    from sscr.workbooks.package import col_letters
    return col_letters(index)


#: Every mutation class, by name: what it is expected to give (refused, flagged or agreeing).
MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "name redefined to a range": (name_to_range, "refused"),
    "name defined twice": (name_twice, "refused"),
    "name scoped to a sheet as well": (name_scoped, "refused"),
    "a range's cell named elsewhere": (name_moved_out_of_its_range, "refused"),
    "computed name beyond column XFD": (name_beyond_xfd, "refused"),
    "input formula with a stale value": (input_formula_stale, "refused"),
    "input formula with its current value": (input_formula_current, "agreeing"),
    "financial year with a trailing space": (year_trailing_space, "refused"),
    "matched text with a trailing space": (matched_text_trailing_space, "refused"),
    "matched text in upper case": (matched_text_case, "any"),
    "Rates year twice": (rates_year_twice, "refused"),
    "Rates year label with a trailing space": (rates_label_space, "refused"),
    "Rates figures typed over": (rates_figure_typed, "flagged"),
    "computed formula edited": (formula_edited, "flagged"),
    "value typed over a computed cell": (value_typed_over, "flagged"),
    "input changed": (input_changed, "agreeing"),
    "data below a fixed table": (below_table, "refused"),
    "macro project in an .xlsx": (macro_part, "refused"),
}


def cell_of(pkg: XlsxPackage, name: str) -> tuple[str, str]:
    return _cell(pkg, name)


__all__ = ["MUTATIONS", "set_element", "redefine", "add_name", "cell_of", "split_ref", "RATES_FIRST_ROW"]
