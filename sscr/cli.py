"""The ``sscr`` command line. Each sub-command lives with the edge it drives and registers itself
here; a user never sees a traceback, only a message and a non-zero exit status."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from typing import Any, Callable, Sequence

from .errors import PricingInputError

#: Sub-command modules: each has ``add_parser(subparsers)`` and sets ``func`` on its parser.
SUBCOMMANDS = ("sscr.workbooks.cli", "sscr.portfolio_cli", "sscr.statement.cli", "sscr.addin_cli", "sscr.rates_cli",
               "sscr.workbooks.new")

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


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) received: the command stops as it does for Ctrl-C, tidily."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


#: "raised": a signal has already stopped the command (a second one while it tidies up is
#: ignored); "done": the command's work is over, so a signal has nothing left to stop.
_signals = {"raised": False, "done": False}


def _stop(signum: int, frame: Any) -> None:
    if _signals["raised"] or _signals["done"]:
        return
    _signals["raised"] = True
    raise Stopped(signum)


def _quiet_unraisable(unraisable: Any) -> None:
    """An error Python can only report (a half-written zip closed as it is collected after a full
    disk or a Ctrl-C): the command has already said what went wrong, so no traceback follows it."""


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
    handlers = {}
    _signals.update(raised=False, done=False)
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                handlers[name] = signal.signal(getattr(signal, name), _stop)
    unraisable, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    try:
        return func(args)
    except PricingInputError as exc:
        print(f"sscr {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        from .workbooks.safety import remove_temporary_files
        remove_temporary_files()
        signum = getattr(exc, "signum", signal.SIGINT)
        what = "interrupted (Ctrl-C)" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        print(f"sscr {args.command}: {what}; nothing was left half-written (exit status {128 + signum})",
              file=sys.stderr)
        return 128 + signum
    except OSError as exc:  # the operating system refused a file: name it, the reason and the rule
        from .errors import os_error_message
        print(f"sscr {args.command}: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # the last line of defence: a message, never a traceback
        print(f"sscr {args.command}: failed unexpectedly ({type(exc).__name__}: {exc}); please report this "
              f"with the command you ran", file=sys.stderr)
        return EXIT_FAILED
    finally:
        _signals["done"] = True
        for name, handler in handlers.items():
            # as a command, only the exit is left: a late signal cannot turn a finished run into a
            # killed one (Python's own shutdown would restore the default, which kills the process)
            signal.signal(getattr(signal, name), signal.SIG_IGN if _as_command else handler)
        gc.collect()  # a half-written zip left by a failed write is closed now, under the quiet hook
        sys.unraisablehook = unraisable


_as_command = False


def command() -> None:
    """The ``sscr`` command: :func:`main`, then exit with its status."""
    global _as_command
    _as_command = True
    sys.exit(main())


if __name__ == "__main__":
    command()
