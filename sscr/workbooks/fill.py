"""The fill: read a template's inputs by defined name, compute every figure with the sscr core, and
write or reconcile the computed cells and the Rates sheet. One implementation for every book: it
works through the :class:`~sscr.workbooks.adapter.Book` interface only (an xlsx file for
``sscr regenerate`` and the build; a live Excel book for the add-in).

Computed cells hold native Excel formulas. One workbook, one figure: each formula cell's cached
value is what that workbook's formulas compute from what it holds. Where the template is intact
that is the core's figure (the two are compared cell by cell, :func:`fill_outputs`); where it is not
(a Rates figure typed over, a formula changed by hand, and every cell computed from them) the cell
holds the workbook's figure and is flagged, the message giving both figures and the changed cells
it depends on. A computed cell typed over, and a Rates sheet figure that disagrees with the
package's rate table, are flagged (red fill and a comment) and reported, never silently corrected:
what the user put there stays. A workbook that could be read two ways (duplicate or scoped names,
data beyond a fixed table, ...) is refused before anything is written
(:mod:`sscr.workbooks.integrity`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

from sscr import checks
from sscr.errors import PricingInputError
from sscr.profit_rate import baseline_profit_rate, cost_risk_adjustment, incentive_adjustment
from sscr.dates import agreement_day
from sscr.rates import RateTable, default_table
from sscr.rules import contract_kind, rule_table
from sscr.rounding import round_half_up

from .adapter import Book
from .extents import check_tables
from .layout import (ALTERNATIVE_METHODS, BASIS_LIST, FORMULA_METHODS, MAX_SEED, RATES_COLUMNS, RATES_SHEET,
                     RATES_TABLE_NAME, STATUS_LIST, TEMPLATE_NAME, InputSpec, Template, rates_table_rows)
from .templates import TEMPLATES


class WorkbookError(PricingInputError):
    """The workbook cannot be filled: not a template, or a defined name is missing."""


@dataclass(frozen=True)
class Flag:
    """A cell left as the user made it but disagreeing with the template or the rate table, or a
    cell whose formula computes another figure than the core's. ``at`` is the cell flagged: a defined
    name and an offset inside it."""

    where: str
    message: str
    at: tuple[str, int, int] | None = field(default=None, compare=False)


@dataclass
class FillResult:
    """What the fill did: the template, every computed figure by name, the headline figures, the
    flags raised and any notes (warnings from the core)."""

    template: str
    figures: dict[str, Any]
    headline: dict[str, Any]
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: int = 0
    formulas: int = 0  # computed cells holding a native formula (the template's outputs)
    core_values: int = 0  # figures only the core computes (Monte Carlo), written as values
    inputs: dict[str, Any] = field(default_factory=dict)  # the inputs by name, as checked
    #: the number format of each headline figure's cell, as the filled template has it
    headline_formats: dict[str, str] = field(default_factory=dict)


_LABEL = re.compile(r"^\d{4}/\d{2}$")


def _flag(book: Any, result: FillResult, name: str, message: str) -> None:
    """Flag the cell ``name`` in the workbook with ``message`` and record the flag in ``result``."""
    book.flag(name, message)
    result.flags.append(Flag(name, message))


def check_input(spec: InputSpec, value: Any, rates: RateTable) -> Any:
    """The input's value checked against its rule, or PricingInputError naming the defined name,
    the value and the rule. Empty optional inputs give None."""
    name = spec.name
    if isinstance(value, str) and not value.strip():
        if value and spec.kind == "text":
            raise PricingInputError(f"{name} {checks.fmt(value)} holds only spaces: clear the cell or enter text")
        value = None
    if value is None:
        if spec.optional:
            return None
        raise PricingInputError(f"{name} is empty: enter {_rule(spec)}")
    kind = spec.kind
    if kind == "money":
        return checks.money(name, value)
    if kind == "money+":
        return checks.money(name, value, nonnegative=True)
    if kind == "positive":
        v = checks.money(name, value)
        checks.check(name, v, v > 0, "must be above zero")
        return v
    if kind == "bpr":
        return baseline_profit_rate(value, name)
    if kind == "cra":
        return cost_risk_adjustment(value, name)
    if kind == "ia":
        return incentive_adjustment(value, name)
    if kind == "ia_capped":  # the exact maximum follows the date of agreement and contract kind, in the compute
        return incentive_adjustment(value, name, limit=max(float(r.value) for r in rule_table().rules
                                                           if r.rule == "maximum_incentive_adjustment") / 100,
                                    rule="is above every maximum incentive adjustment in the regulations: 2 "
                                         "percentage points, or 10 for a qualifying defence contract agreed on or "
                                         "after 5 June 2026 (regulation 11(6) as amended)")
    if kind == "date":
        return agreement_day(value, name)
    if kind == "contract_kind":
        try:
            return contract_kind(value)
        except PricingInputError as exc:  # the cell's name first, as for every other input
            raise PricingInputError(f"{name}: {exc}") from None
    if kind == "rate":
        return checks.rate(name, value)
    if kind == "year":
        years = [y.financial_year for y in rates.years]
        if not isinstance(value, str) or not _LABEL.match(value.strip()):
            raise PricingInputError(
                f"{name} {checks.fmt(value)} is not a financial year written like \"2024/25\": choose one from the "
                f"Rates sheet ({years[0]} to {years[-1]})")
        start, end = value.strip().split("/")
        if int(end) != (int(start) + 1) % 100:
            raise PricingInputError(
                f"{name} {checks.fmt(value)} is not a financial year: the second year must follow the first, as in "
                f"\"2024/25\"; choose one from the Rates sheet ({years[0]} to {years[-1]})")
        if int(start) < 2014:
            raise PricingInputError(
                f"{name} {checks.fmt(value)} is before the Single Source Contract Regulations 2014 came into force "
                f"(18 December 2014): the first financial year is 2014/15")
        if value.strip() not in years:
            raise PricingInputError(
                f"{name} {checks.fmt(value)} is not in the rate table ({years[0]} to {years[-1]}): add the year to "
                f"your rates file (SSCR_RATES_FILE or --rates-file) from the London Gazette notice")
        return value.strip()
    if kind == "method":
        text = str(value)
        if text.lower() not in FORMULA_METHODS + ALTERNATIVE_METHODS:
            raise PricingInputError(
                f"{name} {checks.fmt(value)} is not a pricing method: use one of "
                f"{', '.join(FORMULA_METHODS + ALTERNATIVE_METHODS)} (as in the cell's drop-down list)")
        return text.lower()
    if kind == "text":
        return value
    if kind in EXTRA_KINDS:
        return EXTRA_KINDS[kind](name, value)
    raise ValueError(f"input kind {kind!r} is not known")  # a template defect, not a user error


def _listed(allowed: tuple[str, ...], what: str) -> Any:
    def check(name: str, value: Any) -> str:
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text not in allowed:
            raise PricingInputError(f"{name} {checks.fmt(value)} is not {what}: choose "
                                    f"{', '.join(allowed[:-1])} or {allowed[-1]} (as in the cell's drop-down list)")
        return text
    return check


def _cost_type(name: str, value: Any) -> str:
    from sscr.allowable_costs.catalogue import catalogue
    codes = {c.code.lower(): c.code for c in catalogue()}
    text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    if text.lower() not in codes:
        raise PricingInputError(f"{name} {checks.fmt(value)} is not a cost type code of the catalogue (allowable costs "
                                f"guidance section 5): choose one from the Cost types sheet, e.g. A.1 or C.3")
    return codes[text.lower()]


def _probability(name: str, value: Any) -> float:
    from sscr.allowable_costs.risk import probability
    return probability(name, value)


def _whole(lo: int, hi: int, what: str) -> Any:
    def check(name: str, value: Any) -> float:
        v = checks.number(name, value)
        checks.check(name, v, float(v).is_integer() and lo <= v <= hi, f"is not {what}")
        return float(v)
    return check


def _quantity(name: str, value: Any) -> float:
    v = checks.number(name, value)
    checks.check(name, v, v >= 0, "is negative: a quantity is zero or more")
    return v


def _rate_or_name(name: str, value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        try:
            float(text.replace(",", ""))
        except ValueError:
            return text
        raise PricingInputError(f"{name} {checks.fmt(value)} is a number held as text: enter it as a number (pounds "
                                f"per unit of the base), or the name of a cost recovery rate")
    v = checks.money(name, value)
    checks.check(name, v, v >= 0, "is negative: a cost recovery rate is zero or more pounds per unit of its base")
    return v


def _period(name: str, value: Any) -> Any:
    return value.strip() if isinstance(value, str) else checks.number(name, value)


#: Input kinds of the cost build-up and the risk register, by kind: the check of a value.
EXTRA_KINDS = {
    "status": _listed(STATUS_LIST, "an agreement status"),
    "basis": _listed(BASIS_LIST, "estimated or actual"),
    "cost_type": _cost_type,
    "probability": _probability,
    "quantity": _quantity,
    "trials": _whole(1, 10_000_000, "a whole number of trials from 1 to 10,000,000"),
    "seed": _whole(0, MAX_SEED, "a whole number from 0 to 2^53"),
    "rate_or_name": _rate_or_name,
    "period": _period,
    "component": lambda name, value: value,  # matched to the components' names by the template
    "index": lambda name, value: value,  # matched to the index table by the core
}


def _rule(spec: InputSpec) -> str:
    from .layout import VALIDATION
    return VALIDATION[spec.kind][1]


@functools.lru_cache(maxsize=1 << 16)  # a template's formulas, compared at every fill
def normalise_formula(text: str) -> str:
    """A formula compared as Excel means it: no '=', spaces, '$' or '_xlfn.'; names in upper case.
    Text in double quotes is kept as it is."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    parts = re.split(r'("(?:[^"]|"")*")', text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
        else:
            out.append(re.sub(r"\s+", "", part).replace("$", "").upper().replace("_XLFN.", ""))
    return "".join(out)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def excel_precision(value: float | str | None) -> float | str | None:
    """The core's figure to the 15 significant digits Excel works to, as a cell's cached value.

    A spreadsheet shows a cell's stored double rounded half-up to the format's places; a figure a
    few units in the last place below a half (the core's 2.405% for Appendix B (b) is
    0.024049999999999995) would show one digit lower than Excel shows it after recalculating (Excel
    rounds to 15 significant digits first). Stored to 15 digits, it shows as the guidance prints
    it. The change is below 1e-15 relative.
    """
    if value is None or isinstance(value, str):
        return value
    return float(format(value, ".15g"))


def display(value: Any, percent: bool) -> str:
    """A figure for messages and the summary: per cent to 2 places, money to the penny."""
    if value is None:
        return "(empty)"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if percent:
            return f"{round_half_up(float(value) * 100, 2):.2f}%"
        return f"{round_half_up(float(value), 2):,.2f}"
    return checks.fmt(value)


def template_of(book: Book) -> Template:
    key = book.template()
    if key is None:
        raise WorkbookError(f"the workbook is not an sscr template: it has no {TEMPLATE_NAME} defined name "
                            f"(templates are built by python -m sscr.workbooks.build)")
    template = TEMPLATES.get(key)
    if template is None:
        raise WorkbookError(f"the workbook's {TEMPLATE_NAME} is {key!r}, which is not a known template "
                            f"({', '.join(TEMPLATES)})")
    return template.for_names(book.names())


def fill(book: Book, *, rates: RateTable | None = None) -> FillResult:
    """Read the inputs, compute with the core, write the computed values and reconcile.

    Raises PricingInputError (naming the defined name, the value and the rule) when an input is
    bad; nothing has been written then.
    """
    table = rates if rates is not None else default_table()
    template = template_of(book)
    spec = template.spec()
    names = book.names()
    typed = sheet_rates(book.read_rates(), table) if RATES_TABLE_NAME in names else RateTable({})
    table = table.merged(typed)
    missing = [n for n in (*spec.inputs, *spec.outputs, *spec.values, RATES_TABLE_NAME) if n not in names]
    if missing:
        raise WorkbookError(f"the workbook lacks the defined name(s) {', '.join(missing[:5])}"
                            f"{' and more' if len(missing) > 5 else ''} of the {template.key} template: "
                            f"restore them (Formulas > Name Manager) or start from a fresh template"
                            + (f"; a contract model saved by an earlier version of sscr-pricing moves into the current "
                               f"layout, with every value typed in it, with `sscr new contract NEW.xlsx --from OLD.xlsx`"
                               if template.key in ("contract_model", "cost_build_up") else ""))
    check_tables(book, spec)
    if hasattr(book, "check_structure"):  # a file: refused if it could be read two ways (sscr.workbooks.integrity)
        book.check_structure(spec)
    inputs = {name: check_input(s, book.get_input(name), table) for name, s in spec.inputs.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figures = template.compute(inputs, table)
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    for name, value in figures.items():  # a spreadsheet holds no infinity: such a figure is refused, not written
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(value):
            raise PricingInputError(f"{name} comes to {checks.fmt(value)} from these inputs, beyond any number a "
                                    f"spreadsheet holds: check the units and sizes of the inputs it is computed from")
    if set(figures) != set(spec.outputs) | set(spec.values):
        extra = sorted(set(figures) - set(spec.outputs) - set(spec.values))
        lacking = sorted((set(spec.outputs) | set(spec.values)) - set(figures))
        raise RuntimeError(f"template {template.key}: compute and layout disagree (extra {extra}, lacking {lacking})")

    from sscr.rates import RATES
    for year in typed.years:  # what the summary says of the figures the analyst supplied
        given = ", ".join(f"{RATES[k][1]} {checks.fmt(f.value * 100)}%" for k, f in year.figures.items())
        notes.append(f"Rates sheet {year.financial_year}: {given} typed on the sheet where the rate table has no "
                     f"figure; used, and marked user")
    result = FillResult(template.key, {}, {}, notes=notes, inputs=inputs, formulas=len(spec.outputs))
    result.flags.extend(reconcile_rates(book, table))
    # the core's own figures (no formula computes them) first: formulas may read them
    for name, spec_value in spec.values.items():
        value = figures[name]
        value = None if value is None else float(value)
        result.figures[name] = value
        content = book.read_computed(name)
        if content.formula is not None:
            message = (f"{name} is computed by the sscr core at regeneration, but the cell holds the formula "
                       f"={content.formula}. The sscr core computes {display(value, '%' in spec_value.number_format)}. "
                       f"The formula is kept; clear the cell to clear this flag.")
            _flag(book, result, name, message)
        else:
            book.write_value(name, excel_precision(value))
            book.clear_flag(name)
            result.core_values += 1
    fill_outputs(book, spec, figures, result)
    for name in template.headline:
        result.headline[name] = result.figures[name]
        result.headline_formats[name] = (spec.outputs.get(name) or spec.values[name]).number_format
    book.finish()
    return result


#: Two figures are the same figure when they differ by less than this (relative), or this (absolute):
#: far below a penny or a hundredth of a percentage point, above the last-digit noise of summing in
#: another order.
SAME_RELATIVE = 1e-11
SAME_ABSOLUTE = 1e-9


def same_figure(core: Any, workbook: Any) -> bool:
    """Whether the core's figure and the workbook's formula result are the same figure: an empty
    core figure is the empty text the template's IF(...,"",...) gives."""
    from .evaluate import UNKNOWN, Error
    if workbook is UNKNOWN or isinstance(workbook, Error):
        return False
    if core is None:
        return workbook == ""
    if isinstance(core, bool) or isinstance(workbook, bool):
        return core is workbook
    if isinstance(core, (int, float)) and isinstance(workbook, (int, float)):
        return math.isclose(float(core), float(workbook), rel_tol=SAME_RELATIVE, abs_tol=SAME_ABSOLUTE)
    if isinstance(core, str) and isinstance(workbook, str):
        return core == workbook
    return False


def _shown(value: Any, percent: bool) -> str:
    from .evaluate import UNKNOWN, Error
    if value is UNKNOWN:
        return "(not known)"
    if isinstance(value, Error):
        return f"the error {value.code}"
    if value == "":
        return "(empty)"
    return display(value, percent)


def fill_outputs(book: Book, spec: Any, figures: Mapping[str, Any], result: FillResult) -> None:
    """Write or flag every computed cell.

    With a book that can say what its own formulas compute (``book.formulas()``: a file), each
    formula cell's cached value is what its formula computes from what the workbook holds: the
    core's figure where the two agree (:func:`same_figure`), else the workbook's, and the cell is
    flagged saying both figures and the flagged cells it depends on. A formula the evaluator cannot
    evaluate gets no cached value (the spreadsheet calculates it on opening) and a flag. A live
    Excel book calculates its formulas itself: its adapter checks Excel's results against the core.
    """
    view = book.formulas() if hasattr(book, "formulas") else None
    # cells flagged as changed by hand, by their key: the causes a differing figure is traced to
    roots: dict[tuple[str, str], str] = {}
    if view is not None:
        for flag in result.flags:
            if flag.at is not None:
                roots[view.cell(*flag.at)] = flag.where
    contents = {name: book.read_computed(name) for name in spec.outputs}
    for name, out in spec.outputs.items():
        content = contents[name]
        if view is not None and (content.formula is None or (not content.unverifiable and normalise_formula(
                content.formula) != normalise_formula(out.formula))):
            roots[view.cell(name)] = name
    for name, out in spec.outputs.items():
        value = figures[name]
        value = None if value is None else value if isinstance(value, str) else float(value)
        result.figures[name] = value
        percent = "%" in out.number_format
        content = contents[name]
        if content.formula is None:
            typed = content.value
            typed_text = display(typed, percent) if isinstance(typed, (int, float)) and not isinstance(
                typed, bool) else checks.fmt(typed)
            message = (f"{name} should hold the formula ={out.formula} but a value was typed over it: "
                       f"{typed_text}. The sscr core computes {display(value, percent)}. The typed value "
                       f"is kept; restore the formula to clear this flag.")
            _flag(book, result, name, message)
            continue
        changed = not content.unverifiable and normalise_formula(content.formula) != normalise_formula(out.formula)
        if view is None:
            if changed:
                message = (f"{name} holds the formula ={content.formula}, not the template's ={out.formula}. The "
                           f"sscr core computes {display(value, percent)}. The changed formula is kept and its value "
                           f"is not filled in; restore the template's formula to clear this flag.")
                _flag(book, result, name, message)
            else:
                book.write_computed(name, excel_precision(value))
                book.clear_flag(name)
                result.written += 1
            continue
        computed = view.value(name)
        from .evaluate import UNKNOWN
        if not changed and same_figure(value, computed):
            book.write_computed(name, excel_precision(value))
            book.clear_flag(name)
            result.written += 1
            continue
        book.write_computed(name, computed)
        if computed is UNKNOWN:
            outcome = (f"sscr cannot evaluate it ({view.reason(name)}), so its cached value is cleared and the "
                       f"spreadsheet calculates it on opening")
        else:
            outcome = f"the workbook's formulas compute {_shown(computed, percent)}, and the cell holds that figure"
        core_text = f"The sscr core computes {display(value, percent)}"
        if changed:
            message = (f"{name} holds the formula ={content.formula}, not the template's ={out.formula}: "
                       f"{outcome}. {core_text}. The changed formula is kept; restore the template's formula to "
                       f"clear this flag.")
        else:
            causes = [roots[k] for k in sorted(view.precedents(name)) if k in roots]
            because = (f" because it depends on cells changed by hand: {', '.join(causes[:4])}"
                       f"{' and more' if len(causes) > 4 else ''}" if causes else
                       " from what the workbook holds")
            message = (f"{name}: {outcome}{because}. {core_text}. Correct the cells named (or the inputs) to "
                       f"clear this flag.")
        _flag(book, result, name, message)


#: Rates sheet columns that describe the rate table in use (not figures a formula reads): kept up to
#: date with the table, so that a reviewer sees where each year's figures came from.
DESCRIPTIVE = ("evidence", "note", "source")


#: The source of a figure an analyst typed on a workbook's Rates sheet for a year or figure the rate
#: table lacks.
SHEET_SOURCE = "typed on this workbook's Rates sheet"


def sheet_rates(sheet: list[list[Any]], table: RateTable) -> RateTable:
    """The figures an analyst typed on the Rates sheet where the rate table has none: a year the
    table lacks, or a figure it does not know (2025/26's capital servicing rates). They are used,
    with evidence ``user``. A typed figure where the table has one is not taken: it is flagged."""
    from types import MappingProxyType

    from sscr.rates import RATES, Figure, PublishedRates, _LABEL, financial_year_label
    from sscr.rates import REGIME_FROM as FIRST_DAY

    held = {y.financial_year: y for y in table.years}
    columns = {key: c for c, (key, _h, _f, _n) in enumerate(RATES_COLUMNS)}
    years: dict[int, PublishedRates] = {}
    for row in sheet:
        label = str(row[0]).strip() if row and row[0] is not None else ""
        m = _LABEL.match(label)
        if not m or int(m.group(2)) % 100 != (int(m.group(1)) + 1) % 100 or int(m.group(1)) < 2014:
            continue
        start = int(m.group(1))
        label = financial_year_label(start)
        known = held.get(label)
        figures = {}
        for key, (column, _words) in RATES.items():
            c = columns[column]
            cell = row[c] if c < len(row) else None
            if isinstance(cell, bool) or not isinstance(cell, (int, float)) or not 0 <= cell < 100:
                continue
            if known is not None and known.figures.get(key) is not None and known.figures[key].value is not None:
                continue
            figures[key] = Figure(float(cell) / 100, "user", SHEET_SOURCE)
        if figures:
            years[start] = PublishedRates(label, FIRST_DAY if start == 2014 else dt.date(start, 4, 1),
                                          MappingProxyType(figures))
    return RateTable(years)


def reconcile_rates(book: Book, table: RateTable) -> list[Flag]:
    """Fill the Rates sheet from the rate table. A figure (or year) that disagrees with the table is
    flagged and kept; an empty one is filled; the evidence, note and source describe the table."""
    flags: list[Flag] = []
    sheet = book.read_rates()
    keys = [key for key, _h, _f, _n in RATES_COLUMNS]
    headings = {key: h for key, h, _f, _n in RATES_COLUMNS}
    row_of = {str(r[0]).strip(): i for i, r in enumerate(sheet) if r and r[0] is not None}
    free = [i for i, r in enumerate(sheet) if all(v is None for v in r)]
    wanted = rates_table_rows(table)
    known = {w["financial_year"] for w in wanted}
    for label, i in row_of.items():
        if label not in known:
            message = (f"Rates sheet, {label}: this year is not in the rate table, so the sscr core cannot use it; "
                       f"put its figures in a rates file (SSCR_RATES_FILE or --rates-file) rather than on the sheet. "
                       f"The row is kept.")
            book.flag(RATES_TABLE_NAME, message, i, 0)
            flags.append(Flag(f"Rates {label}", message, (RATES_TABLE_NAME, i, 0)))
        else:
            book.clear_flag(RATES_TABLE_NAME, i, 0)
    for want in wanted:
        label = want["financial_year"]
        i = row_of.get(label)
        if i is None:
            if not free:
                flags.append(Flag(f"{RATES_SHEET} sheet",
                                  f"the Rates sheet has no empty row left for {label}: the rate table holds more years "
                                  f"than the sheet's {len(sheet)} rows"))
                continue
            i = free.pop(0)
        have_row = sheet[i]
        for c, key in enumerate(keys):
            want_value, have = want.get(key), have_row[c] if c < len(have_row) else None
            if want_value is None and have is None:
                continue
            if key in DESCRIPTIVE:
                if have is None or want_value is None or not _same(have, want_value):
                    book.write_rate(i, c, want_value)
                continue
            if have is None:
                book.write_rate(i, c, want_value)
            elif want_value is not None and _same(have, want_value):
                book.clear_flag(RATES_TABLE_NAME, i, c)
            else:
                says = "has no figure" if want_value is None else f"says {checks.fmt(want_value)}"
                message = (f"Rates sheet, {label}, {headings[key]}: the sheet holds {checks.fmt(have)} but the rate table "
                           f"{says}. The workbook's formulas use the sheet's figure, the sscr core "
                           f"the rate table's; the sheet's figure is kept. Correct it, or put the figure in a rates "
                           f"file (SSCR_RATES_FILE) if it is right.")
                book.flag(RATES_TABLE_NAME, message, i, c)
                flags.append(Flag(f"Rates {label} {key}", message, (RATES_TABLE_NAME, i, c)))
    return flags


def headline_text(result: FillResult) -> str:
    """The headline figures as one line, per cent or money as the template shows them."""
    formats = result.headline_formats
    if set(formats) != set(result.headline):  # a result made without the fill: the template's own cells
        spec = TEMPLATES[result.template].spec()
        formats = {name: (spec.outputs.get(name) or spec.values[name]).number_format for name in result.headline}
    return "  ".join(f"{name}={display(v, '%' in formats[name])}" for name, v in result.headline.items())


def expected_values(template: Template, inputs: Mapping[str, Any], rates: RateTable | None = None) -> dict[str, Any]:
    """Every computed figure for ``inputs`` (checked as the fill checks them): for tests and callers."""
    table = rates if rates is not None else default_table()
    spec = template.spec()
    checked = {n: check_input(s, inputs.get(n), table) for n, s in spec.inputs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return template.compute(checked, table)
