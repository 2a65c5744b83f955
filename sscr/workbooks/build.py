"""Build the template workbooks: ``python -m sscr.workbooks.build [--out workbooks] [--check]``.

Each template is laid out by code with openpyxl, then filled by the same fill that regeneration
uses (the Rates sheet from the package's rate table, each computed cell's cached value from the
core). Workbook properties, zip timestamps and the order of every part are fixed, so building twice
gives byte-identical files. ``--check`` builds in memory and reports templates whose committed file
differs, without writing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path
from typing import Sequence

from sscr.rates import RateTable

from .adapter import FileBook
from .fill import fill
from .layout import Template
from .package import XlsxPackage, write_atomic
from .templates import TEMPLATES

#: Fixed workbook timestamps (the first day of the four-step regime) for repeatable builds.
BUILD_TIME = dt.datetime(2024, 4, 1, 0, 0, 0)
BUILD_TIME_TEXT = "2024-04-01T00:00:00Z"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "workbooks"


def build_bytes(template: Template, rates: RateTable | None = None) -> bytes:
    """The template as xlsx bytes: laid out, filled from the core, with fixed timestamps."""
    layout = template.layout()
    wb = layout.wb
    wb.properties.creator = "sscr-pricing"
    wb.properties.lastModifiedBy = "sscr-pricing"
    wb.properties.title = template.title
    wb.properties.subject = template.description
    wb.properties.created = BUILD_TIME
    wb.properties.modified = BUILD_TIME
    wb.calculation.fullCalcOnLoad = True
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    package = XlsxPackage(buf.getvalue(), template.filename)
    fill(FileBook(package), rates=rates if rates is not None else RateTable.packaged())
    package.set_core_times(BUILD_TIME_TEXT)
    return package.to_bytes(fixed_times=True)


def build_all(out_dir: Path, *, check: bool = False, keys: Sequence[str] | None = None) -> list[str]:
    """Build every template into ``out_dir``; return the file names that changed (or would)."""
    changed = []
    rates = RateTable.packaged()  # never a user's rates file (SSCR_RATES_FILE)
    for key, template in TEMPLATES.items():
        if keys and key not in keys:
            continue
        data = build_bytes(template, rates)
        target = out_dir / template.filename
        if target.exists() and target.read_bytes() == data:
            continue
        changed.append(template.filename)
        if not check:
            out_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sscr.workbooks.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the templates (default: workbooks/)")
    parser.add_argument("--check", action="store_true", help="report templates that differ from a fresh build; write nothing")
    parser.add_argument("templates", nargs="*", help=f"template keys to build (default all: {', '.join(TEMPLATES)})")
    args = parser.parse_args(argv)
    changed = build_all(args.out, check=args.check, keys=args.templates or None)
    for name in changed:
        print(f"{'differs' if args.check else 'built'}: {args.out / name}")
    if not changed:
        print("templates are up to date")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
