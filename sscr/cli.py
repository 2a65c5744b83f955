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


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) received: the command stops as it does for Ctrl-C, tidily."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


def _quiet_unraisable(unraisable: Any) -> None:
    """An error Python can only report (a half-written zip closed as it is collected after a full
    disk or a Ctrl-C): the command has already said what went wrong, so no traceback follows it."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    handlers = {}
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
    except Exception as exc:  # the last line of defence: a message, never a traceback
        print(f"sscr {args.command}: failed unexpectedly ({type(exc).__name__}: {exc}); please report this "
              f"with the command you ran", file=sys.stderr)
        return EXIT_FAILED
    finally:
        gc.collect()  # a half-written zip left by a failed write is closed now, under the quiet hook
        sys.unraisablehook = unraisable
        for name, handler in handlers.items():
            # as a command, only the exit is left: a late signal cannot turn a finished run into a
            # killed one (Python's own shutdown would restore the default, which kills the process)
            signal.signal(getattr(signal, name), signal.SIG_IGN if _as_command else handler)


_as_command = False


def command() -> None:
    """The ``sscr`` command: :func:`main`, then exit with its status."""
    global _as_command
    _as_command = True
    sys.exit(main())


if __name__ == "__main__":
    command()
