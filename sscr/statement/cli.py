"""``sscr statement MODEL.xlsx --out DIR [--format html,pdf,json,csv]``: the contract pricing
statement of a contract model, written into DIR as <model>.html, <model>.pdf, <model>.json (and
<model>-<table>.csv with csv). The model goes through the same checks as ``sscr regenerate``; a
refused workbook is named with the reason and nothing is written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "statement", help="write the contract pricing statement (regulation 23) of a contract model",
        description="Write the contract pricing statement (regulation 23) of a contract model as HTML, PDF, JSON "
                    "and CSV tables, with an audit trail for every figure. The model is checked and computed as "
                    "sscr regenerate does; it is never changed.")
    p.add_argument("model", metavar="MODEL.xlsx", help="a contract model (contract-model.xlsx or the worked case)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the statement's files (created if need be)")
    p.add_argument("--format", default=None, metavar="FORMATS",
                   help="comma-separated: html, pdf, json, csv (default html,pdf,json)")
    p.add_argument("--rates-file", default=None, metavar="CSV", help="your rates laid over the packaged ones")
    p.add_argument("--guidance-file", default=None, metavar="CSV",
                   help="later guidance versions laid over the packaged ones (as SSCR_GUIDANCE_FILE)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .build import build_statement
    from .read import StatementError, read_model
    from .render import RenderError, parse_formats, render, write

    try:
        formats = parse_formats(args.format)
    except RenderError as exc:
        print(f"sscr statement: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        reading = read_model(args.model, rates_file=args.rates_file)
        statement = build_statement(reading, guidance_file=args.guidance_file)
        files = render(statement, Path(args.model).stem, formats)
    except (StatementError, RenderError) as exc:
        print(f"sscr statement: {exc}; nothing was written", file=sys.stderr)
        return EXIT_FAILED
    try:
        written = write(files, args.out)
    except OSError as exc:
        print(f"sscr statement: cannot write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    price = statement["price"]
    from .formats import money
    print(f"{Path(args.model).name}: contract pricing statement, {len(statement['components'])} component(s), "
          f"price {money(price)}")
    for path in written:
        print(f"  {path}")
    for missing in statement["completeness"]["missing"]:
        print(f"  NOT READY TO FILE  missing {missing}")
    for flag in statement["flags"]:
        print(f"  FLAG  {flag['message']}")
    return EXIT_OK
