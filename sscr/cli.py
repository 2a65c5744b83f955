"""The ``sscr`` command line. Each sub-command lives with the edge it drives and registers itself
here; a user never sees a traceback, only a message and a non-zero exit status."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .errors import PricingInputError

#: Sub-command modules: each has ``add_parser(subparsers)`` and sets ``func`` on its parser.
SUBCOMMANDS = ("sscr.workbooks.cli", "sscr.portfolio_cli", "sscr.statement.cli", "sscr.addin_cli", "sscr.rates_cli")

EXAMPLES = """examples:
  sscr rates show 2026/27                the rates for contracts agreed in 2026/27, or what is missing
  sscr rates template 2026/27 --out my-rates.csv
                                         a rates file to fill from the London Gazette notice
  sscr rates check my-rates.csv          validate it and see what it adds or changes
  sscr regenerate workbooks/ --out build/regenerated --rates-file my-rates.csv
  sscr price portfolio.csv --out priced.csv --rates-file my-rates.csv
  sscr statement workbooks/cost-build-up.xlsx --out build/statement
                                         the contract pricing statement: HTML, PDF and JSON

'sscr COMMAND --help' describes each command."""

#: What the install of the worksheet functions alone (for xlwings Lite) leaves out.
WORKBOOKS_EXTRA = "pip install 'sscr-pricing[workbooks]'"

#: Third-party modules a sub-command could not import, by module name.
_MISSING: dict[str, str] = {}

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from . import __version__

    parser = argparse.ArgumentParser(prog="sscr", description="Single source contract pricing.", epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sscr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            if exc.name and not exc.name.startswith("sscr"):  # a package of the "workbooks" extra
                _MISSING[exc.name.split(".")[0]] = name
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    known = {choice for action in parser._subparsers._group_actions for choice in action.choices} \
        if parser._subparsers else set()
    if _MISSING and words and not words[0].startswith("-") and words[0] not in known:
        print(f"sscr {words[0]}: this command needs {', '.join(sorted(_MISSING))}, which this install of "
              f"sscr-pricing leaves out: {WORKBOOKS_EXTRA}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return func(args)
    except PricingInputError as exc:
        print(f"sscr {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"sscr {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a traceback
        print(f"sscr {args.command}: failed unexpectedly ({type(exc).__name__}: {exc}); please report this "
              f"with the command you ran", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
