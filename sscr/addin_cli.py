"""``sscr addin install``: the Excel add-in in one step."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .addin import InstallError, install

DESCRIPTION = """Install the SSCR pricing Excel add-in for this user: copy sscr_pricing.xlam into
Excel's startup folder and write the add-in's settings file, naming this Python (the one running
this command) as the one Excel starts. Quit Excel first; start it again afterwards."""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("addin", help="install the Excel add-in", description=DESCRIPTION)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    inst = actions.add_parser("install", help="install the add-in and write its settings", description=DESCRIPTION)
    inst.add_argument("--startup-dir", type=Path, metavar="DIR",
                      help="Excel's startup folder (default: the user's XLSTART folder on Windows, "
                           "Excel's Startup folder on macOS)")
    inst.add_argument("--settings-dir", type=Path, metavar="DIR",
                      help="folder of the settings file sscr_pricing.conf (default: %%USERPROFILE%%\\.sscr_pricing "
                           "on Windows, ~/Library/Containers/com.microsoft.Excel/Data on macOS)")
    inst.add_argument("--python", metavar="PATH", help="the Python Excel starts (default: this one)")
    inst.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        done = install(args.startup_dir, args.settings_dir, args.python)
    except InstallError as exc:
        print(f"sscr addin install: {exc}", file=sys.stderr)
        return 2 if "--startup-dir" in str(exc) else 3
    print(done.message())
    return 0
