"""Refuse a workbook that its formulas and the sscr core could read two ways.

Regeneration reads a template's inputs by defined name and the workbook's formulas read the same
cells by the same names (:mod:`sscr.workbooks.fill`). That holds only while the names, tables and
text are as the template laid them out. :func:`check` refuses, before anything is written, a
workbook where they are not, with a message naming the cell and the rule:

- a macro-enabled workbook saved under the .xlsx extension (a ``vbaProject`` part, or the
  macro-enabled content type): Excel refuses to open it;
- a template name defined twice, or also defined for one sheet (a sheet-scoped name shadows the
  workbook's in that sheet's formulas), or no longer a reference to cells, or beyond the last row
  or column a sheet has (XFD, 1,048,576);
- a name on a range where the template has a cell, or on a range of another size than the
  template's (a row inserted into a fixed table: the core reads only the named rows);
- names that the template lays out inside or beside one another (``Line_net_7`` is the 7th cell
  of ``Line_net_col``; ``Rates_year`` is the first column of ``Rates_table``; ``Index_names`` and
  ``Index_values`` share their rows) no longer so (the core would read one cell, a formula another);
- an input cell holding a formula that the evaluator cannot evaluate, or whose cached value is not
  what it computes (the core would read a stale figure);
- the Rates sheet holding a financial year twice (MATCH takes the first, the core its table), or a
  year label with spaces around it (MATCH does not find it);
- text compared by the workbook's MATCH, SUMIFS, COUNTIFS or ``=`` (found from the template's own
  formulas) with spaces around it, or holding the wildcard characters ``*``, ``?`` or ``~``, or
  (as a criterion) starting with ``=``, ``<`` or ``>``: Excel matches such text differently from
  the text as written;
- data typed just beyond the last row (or column) of a fixed table: neither the formulas nor the
  core would count it.

Every check is derived from the template's specification (:class:`~sscr.workbooks.layout.TemplateSpec`:
its names, their places and its formulas), so a new template, or a template whose tables grow, gets
the checks without a change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from sscr import checks
from sscr.errors import PricingInputError

from .package import Area, XlsxPackage, make_ref, parse_area

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MACRO_CONTENT_TYPE = "macroEnabled"


class AmbiguousWorkbook(PricingInputError):
    """The workbook can be read two ways (by the core and by its formulas): refused."""


# --- what the specification says -------------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """The cell just beyond a fixed table: ``anchor`` is a defined name, the cell is (drow, dcol)
    from its top-left cell; ``what`` names the table for messages."""

    anchor: str
    drow: int
    dcol: int
    what: str
    size: int
    down: bool


@dataclass(frozen=True)
class Layout:
    """What the checks derive from a template's specification, once per template."""

    areas: dict[str, Area]
    contained: tuple[tuple[str, str, int, int], ...]  # (range, name inside it, row offset, column offset)
    parallel: tuple[tuple[str, ...], ...]  # ('v' or 'h', ranges that share their rows, or columns)
    edges: tuple[Edge, ...]
    matched: frozenset[str]  # inputs whose text the formulas match (MATCH, SUMIFS, COUNTIFS)
    criteria: frozenset[str]  # inputs used as criteria (SUMIFS, COUNTIFS)


def _spec_areas(spec: Any) -> dict[str, Area]:
    out = {}
    for name, text in spec.names.items():
        area = parse_area(text)
        if area is not None:
            out[name] = area
    return out


def _tables(spec: Any, areas: dict[str, Area]) -> list[Edge]:
    """The fixed tables: numbered inputs in a row or column (``Line_id_1`` ... ``Line_id_30``), and
    the template's ranges of more than one cell."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for name in spec.inputs:
        m = re.fullmatch(r"(.+)_(\d+)", name)
        if m and name in areas:
            groups.setdefault((areas[name].sheet, m.group(1)), []).append((int(m.group(2)), name))
    edges = []
    for (_sheet, prefix), members in groups.items():
        members.sort()
        if len(members) < 2 or [n for n, _ in members] != list(range(members[0][0], members[0][0] + len(members))):
            continue
        cells = [areas[name] for _n, name in members]
        dr, dc = cells[1].top - cells[0].top, cells[1].left - cells[0].left
        if (abs(dr), abs(dc)) not in ((1, 0), (0, 1)) or dr < 0 or dc < 0:
            continue
        if any((b.top - a.top, b.left - a.left) != (dr, dc) for a, b in zip(cells, cells[1:])):
            continue
        last = members[-1][1]
        edges.append(Edge(last, dr, dc, f"the table of {prefix}_{members[0][0]} to {last}", len(members), dr == 1))
    for name, area in areas.items():
        if area.rows > 1 and area.cols == 1 or area.rows > 1 and area.cols > 1:
            for c in range(area.cols):
                edges.append(Edge(name, area.rows, c, f"the range {name}", area.rows, True))
        elif area.cols > 1 and area.rows == 1:
            edges.append(Edge(name, 0, area.cols, f"the range {name}", area.cols, False))
    return edges


def beyond_cells(spec: Any) -> list[tuple[str, str]]:
    """The template's cells just beyond its fixed tables (where :func:`check` looks for data typed
    outside a table), in template coordinates."""
    areas = _spec_areas(spec)
    out = []
    for edge in _tables(spec, areas):
        a = areas[edge.anchor]
        row, col = a.top + edge.drow, a.left + edge.dcol
        if row <= MAX_ROWS and col <= MAX_COLS:
            out.append((a.sheet, make_ref(row, col)))
    return out


def _matched(spec: Any, areas: dict[str, Area]) -> tuple[set[str], set[str]]:
    """Inputs whose text the formulas compare: by MATCH, SUMIFS or COUNTIFS (named as the value
    looked up or as a criterion, or lying in a range looked in) or by = and <> with other text."""
    from .evaluate import Unsupported, parse
    direct: set[str] = set()
    criteria: set[str] = set()
    ranges: set[str] = set()

    def names(node: tuple) -> set[str]:
        return {node[1].upper()} if node[0] == "name" else set()

    def walk(node: tuple) -> None:
        if node[0] == "call":
            args = node[2]
            if node[1] == "MATCH" and len(args) >= 2:
                direct.update(names(args[0]))
                ranges.update(names(args[1]))
            elif node[1] in ("SUMIFS", "COUNTIFS"):
                pairs = args[1:] if node[1] == "SUMIFS" else args
                for k in range(0, len(pairs) - 1, 2):
                    ranges.update(names(pairs[k]))
                    criteria.update(names(pairs[k + 1]))
            for a in args:
                walk(a)
        elif node[0] == "bin":
            if node[1] in ("=", "<>"):  # text compared with text: X="agreed", A=B (not a test for empty)
                for one, other in ((node[2], node[3]), (node[3], node[2])):
                    if one[0] == "name" and (other[0] == "name" or other[0] == "const" and isinstance(
                            other[1], str) and other[1] != ""):
                        direct.update(names(one))
            walk(node[2])
            walk(node[3])
        elif node[0] in ("neg", "pos"):
            walk(node[1])

    for out in spec.outputs.values():
        try:
            walk(parse(out.formula))
        except Unsupported:
            continue
    upper = {n.upper(): n for n in spec.inputs}
    matched = {upper[n] for n in direct | criteria if n in upper}
    crit = {upper[n] for n in criteria if n in upper}
    looked_in = [areas[k] for k in spec.names if k.upper() in ranges and k in areas]
    for name in spec.inputs:
        a = areas.get(name)
        if a is not None and any(r.sheet == a.sheet and r.top <= a.top <= r.bottom and r.left <= a.left <= r.right
                                 for r in looked_in):
            matched.add(name)
    return matched, crit


_LAYOUTS: dict[int, Layout] = {}


def layout_of(spec: Any) -> Layout:
    key = id(spec)
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    areas = _spec_areas(spec)
    ranges = {n: a for n, a in areas.items() if a.rows > 1 or a.cols > 1}
    contained = []
    by_sheet: dict[str, list[tuple[str, Area]]] = {}
    for name, a in areas.items():
        by_sheet.setdefault(a.sheet, []).append((name, a))
    for rname, r in ranges.items():
        for name, a in by_sheet.get(r.sheet, ()):
            if name != rname and r.top <= a.top and a.bottom <= r.bottom and r.left <= a.left and a.right <= r.right:
                contained.append((rname, name, a.top - r.top, a.left - r.left))
    parallel: dict[tuple, list[str]] = {}
    for name, a in ranges.items():
        if a.cols == 1:
            parallel.setdefault(("v", a.sheet, a.top, a.bottom), []).append(name)
        if a.rows == 1:
            parallel.setdefault(("h", a.sheet, a.left, a.right), []).append(name)
    matched, criteria = _matched(spec, areas)
    result = Layout(areas, tuple(contained), tuple((k[0], *g) for k, g in parallel.items() if len(g) > 1),
                    tuple(_tables(spec, areas)), frozenset(matched), frozenset(criteria))
    _LAYOUTS[key] = result
    return result


# --- the checks ---------------------------------------------------------------------------------

def _where(area: Area) -> str:
    ref = make_ref(area.top, area.left) if area.rows == 1 and area.cols == 1 else (
        f"{make_ref(area.top, area.left)}:{make_ref(area.bottom, area.right)}")
    return f"{area.sheet}!{ref}"


def check(package: XlsxPackage, spec: Any, template_key: str) -> None:
    """Raise :class:`AmbiguousWorkbook` naming the cell and the rule, or return: see the module."""
    _macros(package)
    areas = _names(package, spec)
    lay = layout_of(spec)
    _shapes(spec, lay, areas)
    _input_formulas(package, spec, areas)
    _rates_years(package, areas)
    _text(package, spec, lay, areas)
    _edges(package, spec, lay, areas)


def _macros(package: XlsxPackage) -> None:
    parts = [p for p in package.part_names() if p.lower().rsplit("/", 1)[-1] in ("vbaproject.bin", "vbadata.xml")]
    types = package.part("[Content_Types].xml") if package.has_part("[Content_Types].xml") else ""
    if parts or MACRO_CONTENT_TYPE.lower() in types.lower():
        what = f"a macro project ({parts[0]})" if parts else "the macro-enabled workbook content type"
        raise AmbiguousWorkbook(
            f"the workbook holds {what}, so it is a macro-enabled workbook saved under the .xlsx extension: "
            f"Excel refuses to open it as it is. Templates hold no macros: start from a fresh template, or save "
            f"the workbook as an Excel Workbook (.xlsx) without macros")


def _names(package: XlsxPackage, spec: Any) -> dict[str, Area]:
    wanted = {n.upper(): n for n in spec.names}
    sheets = list(package.sheets)
    seen: dict[str, int] = {}
    for name, scope, _text in package.all_defined_names:
        key = name.upper()
        if key not in wanted:
            continue
        if scope is not None:
            sheet = sheets[scope] if 0 <= scope < len(sheets) else f"sheet number {scope + 1}"
            raise AmbiguousWorkbook(
                f"the defined name {name} is also defined for the sheet {sheet!r} alone: in that sheet's formulas "
                f"it means its own cells, elsewhere the workbook's, so the workbook reads two ways. Delete the "
                f"sheet's name (Formulas > Name Manager, scope {sheet})")
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            raise AmbiguousWorkbook(
                f"the defined name {wanted[key]} is defined twice in the workbook: Excel uses one definition, "
                f"a reader of the file may use the other. Delete one of them (Formulas > Name Manager)")
    areas: dict[str, Area] = {}
    for name, text in package.defined_names.items():
        if name.upper() not in wanted:
            continue
        canonical = wanted[name.upper()]
        area = parse_area(text)
        if area is None:
            if parse_area(spec.names[canonical]) is None:
                continue  # a constant, as the template has it
            raise AmbiguousWorkbook(
                f"the defined name {canonical} refers to {text}, not to cells of the workbook as the template's "
                f"{spec.names[canonical]} does: restore it (Formulas > Name Manager) or start from a fresh template")
        if area.bottom > MAX_ROWS or area.right > MAX_COLS:
            raise AmbiguousWorkbook(
                f"the defined name {canonical} refers to {text}, beyond the last row (1,048,576) or column (XFD) "
                f"a sheet has: no cell is there. Restore it (Formulas > Name Manager)")
        if area.sheet not in package.sheets:
            raise AmbiguousWorkbook(
                f"the defined name {canonical} refers to sheet {area.sheet!r}, which is not in the workbook: "
                f"restore it (Formulas > Name Manager) or start from a fresh template")
        areas[canonical] = area
    return areas


def _shapes(spec: Any, lay: Layout, areas: dict[str, Area]) -> None:
    for name, want in lay.areas.items():
        have = areas.get(name)
        if have is None:
            continue
        if (have.rows, have.cols) != (want.rows, want.cols):
            if want.rows == want.cols == 1:
                raise AmbiguousWorkbook(
                    f"the defined name {name} refers to the range {_where(have)}, where the template has one cell "
                    f"({_where(want)}): the sscr core would read its first cell, a formula the whole range. Make it "
                    f"refer to one cell again (Formulas > Name Manager)")
            raise AmbiguousWorkbook(
                f"the defined name {name} refers to {_where(have)}, {have.rows} x {have.cols} cells where the "
                f"template's is {want.rows} x {want.cols}: rows or columns were inserted into, or taken out of, a "
                f"fixed table, and the sscr core reads only the table's named cells. Take them out again, and grow "
                f"the table by making a model with more rows (`sscr new contract LARGER.xlsx --from THIS.xlsx --lines N` for the contract model, keeping what was typed)")
    for rname, name, dr, dc in lay.contained:
        r, a = areas.get(rname), areas.get(name)
        if r is None or a is None:
            continue
        if a.sheet != r.sheet or (a.top - r.top, a.left - r.left) != (dr, dc):
            raise AmbiguousWorkbook(
                f"the defined name {name} refers to {_where(a)}, but the template lays it out as the cell at row "
                f"{dr + 1}, column {dc + 1} of {rname} ({_where(r)}): the sscr core would read one cell and the "
                f"workbook's formulas another. Restore the names (Formulas > Name Manager) or start from a fresh "
                f"template")
    for kind, *group in lay.parallel:
        present = [(n, areas[n]) for n in group if n in areas]
        span = (lambda a: (a.sheet, a.top, a.bottom)) if kind == "v" else (lambda a: (a.sheet, a.left, a.right))
        for (n1, a1), (n2, a2) in zip(present, present[1:]):
            if span(a1) != span(a2):
                raise AmbiguousWorkbook(
                    f"the defined names {n1} ({_where(a1)}) and {n2} ({_where(a2)}) no longer cover the same rows "
                    f"(or columns) as the template lays them out: the formulas would pair one row's figures with "
                    f"another's. Restore the names (Formulas > Name Manager) or start from a fresh template")


def _input_formulas(package: XlsxPackage, spec: Any, areas: dict[str, Area]) -> None:
    from .evaluate import UNKNOWN, Error, Evaluator
    from .fill import same_figure
    evaluator: Evaluator | None = None
    for name in spec.inputs:
        a = areas.get(name)
        if a is None or a.rows != 1 or a.cols != 1:
            continue
        ref = make_ref(a.top, a.left)
        cell = package.read(a.sheet, ref)
        if cell.formula is None or cell.value in (None, ""):
            continue  # a formula without a value is refused as it is read
        evaluator = evaluator or Evaluator(package)
        computed = evaluator.value(a.sheet, ref)
        if computed is UNKNOWN:
            raise AmbiguousWorkbook(
                f"{name} ({a.sheet}!{ref}) holds the formula ={cell.formula}, which sscr cannot evaluate "
                f"({evaluator.reason(a.sheet, ref)}), so it cannot tell whether the value the file holds for it "
                f"({checks.fmt(cell.value)}) is what the formula gives now: type the value into the cell")
        cached: Any = cell.value
        if cell.type == "e":
            continue  # an error is refused as the input is read
        if isinstance(computed, Error) or not (computed == cached or same_figure(
                cached if not isinstance(cached, str) else cached, computed)):
            raise AmbiguousWorkbook(
                f"{name} ({a.sheet}!{ref}) holds the formula ={cell.formula}, which computes "
                f"{checks.fmt(str(computed) if isinstance(computed, Error) else computed)} from what the workbook "
                f"holds, but the file holds {checks.fmt(cached)} for it (saved before its inputs changed, or by a "
                f"program that does not calculate): open and save the workbook in Excel or LibreOffice, or type "
                f"the value")


def _rates_years(package: XlsxPackage, areas: dict[str, Area]) -> None:
    a = areas.get("Rates_year")
    if a is None:
        return
    seen: dict[str, str] = {}
    for r in range(a.rows):
        ref = make_ref(a.top + r, a.left)
        value = package.read(a.sheet, ref).value
        if value is None or value == "":
            continue
        text = str(value)
        if isinstance(value, str) and text != text.strip():
            raise AmbiguousWorkbook(
                f"{a.sheet}!{ref} holds the financial year {checks.fmt(value)} with spaces around it: the workbook's "
                f"MATCH does not find {text.strip()!r} there, the sscr core would. Remove the spaces")
        key = text.lower()
        if key in seen:
            raise AmbiguousWorkbook(
                f"the Rates sheet holds the financial year {text} twice ({seen[key]} and {a.sheet}!{ref}): the "
                f"workbook's MATCH uses the first row, the sscr core its rate table. Delete one of the rows")
        seen[key] = f"{a.sheet}!{ref}"


def _text(package: XlsxPackage, spec: Any, lay: Layout, areas: dict[str, Area]) -> None:
    for name in sorted(lay.matched):
        a = areas.get(name)
        if a is None or a.rows != 1 or a.cols != 1:
            continue
        ref = make_ref(a.top, a.left)
        value = package.read(a.sheet, ref).value
        if not isinstance(value, str) or value == "":
            continue
        where = f"{name} ({a.sheet}!{ref}) {checks.fmt(value)}"
        if value != value.strip() and value.strip():
            raise AmbiguousWorkbook(
                f"{where} has spaces around it: the workbook's formulas match text as Excel does, spaces and all "
                f"(so {value.strip()!r} would not match it), the sscr core without them. Remove the spaces")
        if any(ch in value for ch in "*?~"):
            raise AmbiguousWorkbook(
                f"{where} holds *, ? or ~, which the workbook's MATCH and SUMIFS take as wildcards (matching other "
                f"text than this): write it without them")
        if name in lay.criteria and value[:1] in "=<>":
            raise AmbiguousWorkbook(
                f"{where} starts with {value[0]}, which the workbook's SUMIFS and COUNTIFS take as a comparison, "
                f"not as text to match: write it without it")


def _content(package: XlsxPackage, sheet: str, ref: str) -> Any:
    cell = package.read(sheet, ref)
    if cell.formula is not None:
        return "=" + cell.formula
    return cell.value


def _same_content(have: Any, want: Any) -> bool:
    from .fill import normalise_formula
    if have in (None, "") or have == want:
        return True
    if isinstance(have, str) and isinstance(want, str) and have.startswith("=") and want.startswith("="):
        return normalise_formula(have) == normalise_formula(want)
    if isinstance(have, (int, float)) and isinstance(want, (int, float)):
        return float(have) == float(want)
    return False


def _edges(package: XlsxPackage, spec: Any, lay: Layout, areas: dict[str, Area]) -> None:
    named = {(a.sheet, make_ref(a.top, a.left)) for a in lay.areas.values() if a.rows == 1 and a.cols == 1}
    checked: set[tuple[str, str]] = set()
    for edge in lay.edges:
        have_anchor, want_anchor = areas.get(edge.anchor), lay.areas.get(edge.anchor)
        if have_anchor is None or want_anchor is None:
            continue
        row, col = have_anchor.top + edge.drow, have_anchor.left + edge.dcol
        spec_cell = (want_anchor.sheet, make_ref(want_anchor.top + edge.drow, want_anchor.left + edge.dcol))
        if row > MAX_ROWS or col > MAX_COLS or spec_cell in named:
            continue
        ref = make_ref(row, col)
        if (have_anchor.sheet, ref) in checked:
            continue
        checked.add((have_anchor.sheet, ref))
        have = _content(package, have_anchor.sheet, ref)
        want = spec.around.get(spec_cell)
        if _same_content(have, want):
            continue
        side = "below the last row" if edge.down else "right of the last column"
        unit = "rows" if edge.down else "columns"
        raise AmbiguousWorkbook(
            f"{have_anchor.sheet}!{ref} holds {checks.fmt(have)}, just {side} of {edge.what}: the workbook's "
            f"formulas and the sscr core read only the table's {edge.size} {unit}, so it counts for neither. Move "
            f"it into an empty row of the table, or grow the table (`sscr new contract LARGER.xlsx --from THIS.xlsx "
            f"--lines N` makes a copy with room for N cost lines, keeping what was typed)")

