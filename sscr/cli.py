"""The ``sscr`` command line. Each sub-command lives with the edge it drives and registers itself
here; a user never sees a traceback, only a message and a non-zero exit status."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .errors import PricingInputError

#: Sub-command modules: each has ``add_parser(subparsers)`` and sets ``func`` on its parser.
SUBCOMMANDS = ("sscr.workbooks.cli", "sscr.portfolio_cli", "sscr.statement.cli")

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="sscr", description="Single source contract pricing.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
