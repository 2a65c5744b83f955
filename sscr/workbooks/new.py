"""``sscr new contract OUT.xlsx``: a blank contract model with its tables sized to the contract, or
an existing model grown to larger tables with every value typed in it carried over.

::

    sscr new contract OUT.xlsx [--lines N] [--risks N] [--components N] [--supply-chain N] [--from MODEL.xlsx]
                               [--overwrite]

The model's input names keep their documented pattern at every size: a 2,000-line model has
``Line_amount_2000``. With ``--from``, the new model is the source's template (the blank model or
the worked case) at the larger of the source's sizes and those asked for; every input of the
source is copied into the input of the same name, and any other cell the user filled (a note
beside a table, say) is listed on a ``Carried over`` sheet with its sheet, cell and value, so
nothing typed is lost. A table is never shrunk below the rows the source holds. The source is
never changed, and an existing OUT is refused unless ``--overwrite`` is given.

A source laid out before its Supply chain sheet typed each component's POCO deduction in
``POCO_i``, which the Supply chain sheet now computes: the typed figure is carried into
``POCO_typed_i``, the deduction typed instead, so the grown model prices the contract as before.
"""

from __future__ import annotations

import argparse
import io
import os
import stat
from pathlib import Path
from typing import Any

from sscr.errors import PricingInputError, os_error_message

from .adapter import FileBook
from .build import build_bytes
from .fill import template_of
from .package import PackageError, XlsxPackage, split_ref, write_atomic
from .safety import file_kind
from .templates import TEMPLATES
from .templates.contract_model import ModelSize, blank_model

CARRIED_SHEET = "Carried over"
OPTIONS = (("lines", "cost lines"), ("risks", "risks"), ("components", "components"),
           ("supply_chain", "supply chain contracts"))
#: Inputs of an earlier layout that the current one computes, and the input that now holds what was typed.
SUCCESSORS = {"POCO": "POCO_typed"}
MODEL_KEYS = ("contract_model", "cost_build_up")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("new", help="a new workbook: a contract model sized to the contract",
                                   description=__doc__.split("\n\n")[0])
    kinds = parser.add_subparsers(dest="kind", metavar="KIND")
    contract = kinds.add_parser("contract", help="a contract model with tables of the sizes given",
                                description="A blank contract model, or a larger copy of one (--from).")
    contract.add_argument("out", type=Path, metavar="OUT.xlsx")
    default = ModelSize()
    for key, what in OPTIONS:
        contract.add_argument(f"--{key.replace('_', '-')}", type=int, default=None, metavar="N",
                              help=f"{what} the model holds (default {getattr(default, key)}; at most "
                                   f"{ModelSize.LIMITS[key]:,})")
    contract.add_argument("--from", dest="source", type=Path, default=None, metavar="MODEL.xlsx",
                          help="grow this model: the new one carries every value typed in it")
    contract.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    contract.set_defaults(func=run)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage()
    print("sscr new: say what to make: sscr new contract OUT.xlsx [--lines N] ...")
    return 2


def run(args: argparse.Namespace) -> int:
    asked = {key: getattr(args, key) for key, _w in OPTIONS}
    try:
        path, size, carried = new_contract(args.out, source=args.source, overwrite=args.overwrite, **asked)
    except PricingInputError as exc:
        print(f"sscr new: {exc}")
        return 2 if isinstance(exc, UsageError) else 3
    sizes = ", ".join(f"{getattr(size, k):,} {w}" for k, w in OPTIONS)
    print(f"wrote {path}: {sizes}" + (f"; {carried} other cell(s) of the source listed on the "
                                       f"{CARRIED_SHEET} sheet" if carried else ""))
    return 0


class UsageError(PricingInputError):
    """A command that cannot run as given (a size out of range, an existing output)."""


def _checked_size(asked: dict[str, int | None], floor: ModelSize | None) -> ModelSize:
    default = floor or ModelSize()
    values = {}
    for key, what in OPTIONS:
        value = asked.get(key)
        have = getattr(default, key)
        if value is None:
            values[key] = have
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ModelSize.LIMITS[key]:
            raise UsageError(f"--{key.replace('_', '-')} {value} is not a number of {what} from 1 to "
                             f"{ModelSize.LIMITS[key]:,}")
        if floor is not None and value < have:
            raise UsageError(f"--{key.replace('_', '-')} {value} is fewer than the {have:,} {what} the source model "
                             f"holds: a model is grown, never cut (rows would be lost)")
        values[key] = value
    return ModelSize(**values)


def new_contract(out: str | Path, *, source: str | Path | None = None, overwrite: bool = False,
                 lines: int | None = None, risks: int | None = None,
                 components: int | None = None, supply_chain: int | None = None) -> tuple[Path, ModelSize, int]:
    """Write a contract model of the sizes given (or grown from ``source``) to ``out``.

    Returns (the path written, the model's size, the number of the source's other filled cells
    listed on the Carried over sheet). Raises PricingInputError with a message for the user.
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"{out.name} is not an .xlsx file name: name the new model OUT.xlsx")
    if source is not None and Path(source).resolve() == out.resolve():
        raise UsageError(f"{out.name} is the source model: write the grown model to a new file")
    try:
        exists = os.stat(out)
    except FileNotFoundError:
        exists = None
    except OSError as exc:
        raise UsageError(os_error_message(exc, f"OUT {out}")) from None
    if exists is not None and not stat.S_ISREG(exists.st_mode):
        raise UsageError(f"OUT {out} is {file_kind(exists.st_mode)}, not a file: name the new model OUT.xlsx")
    if exists is not None and not overwrite:
        raise UsageError(f"{out} exists: choose another name, or add --overwrite to replace it")
    if not out.parent.is_dir():
        raise UsageError(f"OUT {out}: the folder {out.parent} does not exist (or is not a folder): create it first")
    asked = {"lines": lines, "risks": risks, "components": components, "supply_chain": supply_chain}
    if source is None:
        template = blank_model(_checked_size(asked, None))
        data = build_bytes(template)
        carried = 0
    else:
        data, template, carried = _grow(Path(source), asked)
    try:
        write_atomic(out, data)
    except OSError as exc:
        raise UsageError(os_error_message(exc, f"OUT {out}") + "; nothing was written") from None
    return out, ModelSize(**dict(template.size)), carried


def _grow(source: Path, asked: dict[str, int | None]) -> tuple[bytes, Any, int]:
    try:
        book = FileBook.open(source)
    except OSError as exc:
        raise UsageError(f"--from {os_error_message(exc, str(source))}") from None
    except PackageError as exc:
        raise UsageError(f"{source} cannot be read as a workbook: {exc}") from None
    key = book.template()
    if key not in MODEL_KEYS:
        raise UsageError(f"{source.name} is not a contract model (its template is {key!r}): only a contract model "
                         f"is grown")
    names = book.names()
    old = template_of(book)
    have = ModelSize.from_names(names)
    # a table the source does not have yet (an earlier layout) starts at the default size
    floor = ModelSize(**{k: getattr(have, k) or getattr(ModelSize(), k) for k, _w in OPTIONS})
    size = _checked_size(asked, floor)
    grown = TEMPLATES[key].sized(set(_names_of(size)))  # the same template, at the new size
    old_spec = old.spec()
    new_spec = grown.spec()
    values = {}
    for name in old_spec.inputs:
        if name in names:
            values[name] = book.get_input(name)
    for name in names:  # a figure typed where the current layout computes it: carried to its successor input
        stem, _, number = name.rpartition("_")
        if stem in SUCCESSORS and number.isdigit() and name not in old_spec.inputs:
            successor = f"{SUCCESSORS[stem]}_{number}"
            content = book.read_computed(name)
            if content.formula is None and content.value not in (None, "") and successor in new_spec.inputs:
                if values.get(successor) is None:
                    values[successor] = content.value
    lost = [n for n, v in values.items() if v is not None and n not in new_spec.inputs]
    if lost:  # cannot happen while a model only grows; refused rather than dropping a value
        raise PricingInputError(f"the grown model has no input {lost[0]}: nothing was written")
    others = _other_cells(book, old)
    layout = grown.layout()
    for name, spec in new_spec.inputs.items():
        if name in values:
            layout.wb[spec.sheet][spec.ref].value = values[name]
    if others:
        ws = layout.wb.create_sheet(CARRIED_SHEET)
        ws.append(["Sheet", "Cell", "Value", "Carried over from " + source.name + ": cells filled outside the "
                   "model's inputs, kept here as they were"])
        for sheet, ref, value in others:
            ws.append([sheet, ref, value])
        ws.column_dimensions["C"].width = 40
    data = _save(layout, grown)
    return data, grown, len(others)


def _names_of(size: ModelSize) -> list[str]:
    return [f"{ModelSize.COUNTED_BY[k]}_{getattr(size, k)}" for k, _w in OPTIONS]


def _other_cells(book: FileBook, template: Any) -> list[tuple[str, str, Any]]:
    """The cells of the source that hold something the template did not put there: not an input,
    not a cell the template lays out nor the rate table (so a user's own note or figure)."""
    from openpyxl.utils import get_column_letter
    dry = template.layout(dry=True)
    ours: dict[str, set[str]] = {}
    for title, ws in dry.wb.sheets.items():
        ours[title] = {f"{get_column_letter(c)}{r}" for (r, c), cell in ws._cells.items() if cell.value is not None}
    for spec in (*dry.inputs.values(), *dry.outputs.values(), *dry.values.values()):
        ours.setdefault(spec.sheet, set()).add(spec.ref)
    rates = book.package.area("Rates_table")
    out = []
    for sheet in book.package.sheets:
        mine = ours.get(sheet, set())
        for ref in book.package.sheet(sheet).refs():
            if ref in mine:
                continue
            if rates is not None and sheet == rates.sheet:
                row, col = split_ref(ref)
                if rates.top <= row <= rates.bottom and rates.left <= col <= rates.right:
                    continue
            cell = book.package.read(sheet, ref)
            if cell.value is None and cell.formula is None:
                continue
            out.append((sheet, ref, ("=" + cell.formula) if cell.formula else cell.value))
    out.sort(key=lambda t: (t[0], split_ref(t[1])))
    return out


def _save(layout: Any, template: Any) -> bytes:
    """The laid-out workbook, filled by the core as a build fills a template."""
    from .build import BUILD_TIME, BUILD_TIME_TEXT
    from .fill import fill
    from sscr.rates import default_table
    wb = layout.wb
    wb.properties.creator = "sscr-pricing"
    wb.properties.title = template.title
    wb.properties.created = BUILD_TIME
    wb.calculation.fullCalcOnLoad = True
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    package = XlsxPackage(buf.getvalue(), template.filename)
    try:
        fill(FileBook(package), rates=default_table())
    except PricingInputError:
        pass  # an input the source already held wrongly: the grown copy keeps it; regeneration names it
    package.set_core_times(BUILD_TIME_TEXT)
    return package.to_bytes()
