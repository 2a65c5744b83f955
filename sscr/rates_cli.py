"""``sscr rates``: the rate table, a rates file ready to fill, and a check of one before it is used.

- ``sscr rates show [YEAR]``: every financial year, or one year's figures, each with its evidence
  and source;
- ``sscr rates template [YEAR] [--out FILE]``: a rates file (the columns of the packaged table) with
  a row for the year, its missing figures to be filled from the London Gazette notice;
- ``sscr rates check FILE``: reads a rates file as pricing would, and says what it would add, fill or
  change in the packaged table.

An edge: it prints and writes files; the rates themselves are :mod:`sscr.rates`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cli import EXIT_OK, EXIT_USAGE
from .rates import (COLUMNS, RATES, RATES_FILE_ENV, REGIME_FROM, FIRST_YEAR, RateTable, default_table,
                    financial_year_label, financial_year_of, parse_when, read_rates_file)

EXAMPLES = """examples:
  sscr rates show                        every financial year, its figures and their evidence
  sscr rates show 2025/26                one year: each figure with its evidence and source
  sscr rates template 2026/27 --out my-rates.csv
                                         a rates file for 2026/27, ready to fill from the Gazette
  sscr rates check my-rates.csv          what the file adds, fills or changes; then use it with
                                         SSCR_RATES_FILE=my-rates.csv or --rates-file my-rates.csv
"""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rates", help="show the published rates, write a rates file to fill, check one",
        description="The published single source rates the package holds, by financial year (from 1 April), "
                    "each figure with its evidence (guidance, official, mixed, user) and source; and your own "
                    f"rates file, named in {RATES_FILE_ENV} or passed as --rates-file, for a year or figure the "
                    "package does not hold.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="rates_command", metavar="ACTION")
    show = actions.add_parser("show", help="the table, or one year's figures with evidence and source",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    show.add_argument("year", nargs="?", metavar="YEAR",
                      help="a financial year such as 2025/26, its start year, or a date of agreement")
    show.add_argument("--rates-file", metavar="CSV", dest="rates_file",
                      help=f"your own rates file, laid over the packaged table (as {RATES_FILE_ENV})")
    show.set_defaults(func=run_show)
    template = actions.add_parser("template", help="write a rates file ready to fill",
                                  epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    template.add_argument("year", nargs="?", metavar="YEAR",
                          help="the financial year to fill (default: the year containing today)")
    template.add_argument("--out", metavar="FILE", help="where to write it (default: print it)")
    template.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    template.set_defaults(func=run_template)
    check = actions.add_parser("check", help="validate a rates file and show what it would change",
                               epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("file", metavar="FILE", help="the rates file (CSV)")
    check.set_defaults(func=run_check)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def percent(value: float | None) -> str:
    """A rate fraction as the per cent figure it was published as: 0.0824 -> '8.24%'; None -> 'not known'."""
    if value is None:
        return "not known"
    points = Decimal(repr(value)) * 100
    exact = points.normalize()
    shown = points.quantize(Decimal("0.01")) if exact.as_tuple().exponent >= -2 else exact
    return f"{shown:f}%"


def run_show(args: argparse.Namespace) -> int:
    table = default_table(args.rates_file)
    out = sys.stdout
    if args.year is None:
        names = ["BPR", "GOCR", "fixed", "positive working", "negative working", "funding adj."]
        rows = [["year", "applies from", *names, "evidence"]]
        for year in table.years:
            figures = [percent(year.figures[k].value if k in year.figures else None) for k in RATES]
            statuses = sorted({f.evidence for f in year.figures.values() if f.value is not None})
            rows.append([year.financial_year, year.applies_from.isoformat(),
                         *["-" if f == "not known" else f for f in figures], "/".join(statuses)])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip(), file=out)
        print(f"\n'-': not known to the package. mixed: the capital servicing rates and funding adjustment are "
              f"from a third-party copy of the guidance, not checked against the London Gazette. Add a year or "
              f"a figure with 'sscr rates template YEAR'.", file=out)
        return EXIT_OK
    year = table.lookup(args.year)
    print(f"{year.financial_year} (contracts agreed from {year.applies_from.day} "
          f"{year.applies_from.strftime('%B')} {year.applies_from.year})", file=out)
    missing = []
    for key, (_, words) in RATES.items():
        figure = year.figures.get(key)
        if figure is None or figure.value is None:
            if key == "ssro_funding_adjustment" and year.start_year >= 2024:
                print(f"  {words}: does not exist from 1 April 2024", file=out)
                continue
            if key == "ssro_funding_adjustment" and year.start_year < 2017:
                print(f"  {words}: zero until 31 March 2017 (regulation 11 as made)", file=out)
                continue
            missing.append(words)
            print(f"  {words}: not known", file=out)
            continue
        print(f"  {words}: {percent(figure.value)}  [{figure.evidence}] {figure.source}", file=out)
    if missing:
        print(f"\nNot known: {', '.join(missing)}. Supply them with 'sscr rates template {year.financial_year}'.",
              file=out)
    return EXIT_OK


def _year_to_fill(year: Any) -> int:
    if year is None:
        return financial_year_of(dt.date.today())
    return parse_when(year)


def template_text(start: int, table: RateTable | None = None) -> tuple[str, list[str]]:
    """A rates file with a row for the financial year starting ``start``: the figures the package
    does not hold are left empty to fill. Returns (CSV text, the names of the figures to fill)."""
    table = table or RateTable.packaged()
    label = financial_year_label(start)
    held = {y.start_year: y for y in table.years}.get(start)
    row = {c: "" for c in COLUMNS}
    row["financial_year"] = label
    row["applies_from"] = (REGIME_FROM if start == FIRST_YEAR else dt.date(start, 4, 1)).isoformat()
    row["evidence"] = "user"
    to_fill = []
    for key, (column, words) in RATES.items():
        if key == "ssro_funding_adjustment" and start >= 2024:
            continue  # removed from 1 April 2024: nothing to fill
        if key == "ssro_funding_adjustment" and start < 2017:
            continue  # zero until 31 March 2017
        figure = held.figures.get(key) if held is not None else None
        if figure is None or figure.value is None:
            to_fill.append(f"{words} ({column})")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue(), to_fill


def _output_refusal(path: Path, overwrite: bool) -> str | None:
    """Why ``--out path`` cannot be written, before anything is: it exists (without --overwrite), is
    not a regular file, or its folder is missing; None when it can be tried."""
    import stat

    from .errors import os_error_message
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        return os_error_message(exc, f"--out {path}")
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            from .workbooks.safety import file_kind
            return f"--out {path} is {file_kind(st.st_mode)}, not a file: name a CSV file to write"
        if not overwrite:
            return f"{path} exists; choose another --out or add --overwrite"
    if not path.parent.is_dir():
        return f"--out {path}: the folder {path.parent} does not exist (or is not a folder): create it first"
    return None


def run_template(args: argparse.Namespace) -> int:
    start = _year_to_fill(args.year)
    label = financial_year_label(start)
    text, to_fill = template_text(start)
    if args.out:
        path = Path(args.out)
        refused = _output_refusal(path, args.overwrite)
        if refused:
            print(f"sscr rates template: {refused}", file=sys.stderr)
            return EXIT_USAGE
        from .workbooks.package import write_atomic
        try:
            write_atomic(path, text.encode("utf-8"))
        except OSError as exc:
            from .errors import os_error_message
            print(f"sscr rates template: {os_error_message(exc, f'--out {path}')}; nothing was written",
                  file=sys.stderr)
            return EXIT_USAGE
        where = str(path)
    else:
        sys.stdout.write(text)
        where = "the file"
    if to_fill:
        print(f"Fill in {where}, as per cent figures (8.24 for 8.24%), for {label}: {'; '.join(to_fill)}. "
              f"Put the London Gazette notice (title, date, notice number) in source. Figures the package holds "
              f"are left empty and stay as published. Then: sscr rates check {args.out or 'FILE'}, and use it "
              f"with {RATES_FILE_ENV} or --rates-file.", file=sys.stderr)
    else:
        print(f"The package holds every figure for {label}; a figure you enter in {where} replaces the "
              f"published one.", file=sys.stderr)
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    theirs = read_rates_file(path)  # a bad file raises, with its line and rule, to the command line
    packaged = RateTable.packaged()
    mine = {y.start_year: y for y in packaged.years}
    changes = 0
    print(f"{path.name} is a valid rates file. Against the packaged table it would:")
    for year in theirs.years:
        base = mine.get(year.start_year)
        given = [(k, f) for k, f in year.figures.items() if f.value is not None]
        if base is None:
            print(f"  add {year.financial_year}: " + ", ".join(f"{RATES[k][1]} {percent(f.value)}" for k, f in given)
                  if given else f"  add {year.financial_year} with no figures yet: fill them in before using the file")
            changes += 1
            continue
        for key, figure in given:
            old = base.figures.get(key)
            if old is None or old.value is None:
                print(f"  fill {year.financial_year} {RATES[key][1]}: {percent(figure.value)}")
            elif abs(old.value - figure.value) > 1e-12:
                print(f"  change {year.financial_year} {RATES[key][1]}: {percent(old.value)} ({old.evidence}) "
                      f"-> {percent(figure.value)} ({figure.evidence}); check this: the package's figure is "
                      f"{old.evidence}: {old.source}")
            else:
                print(f"  keep {year.financial_year} {RATES[key][1]}: {percent(figure.value)} (the same as the package)")
                continue
            changes += 1
    if not changes:
        print("  change nothing")
    print(f"Use it with {RATES_FILE_ENV}={path} or --rates-file {path}.")
    return EXIT_OK
