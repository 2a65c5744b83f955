"""Dependencies point inward: the calculation core imports neither xlwings nor openpyxl."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import sscr

EDGES = {"sscr.cli", "sscr.portfolio_cli", "sscr.rates_cli", "sscr.__main__", "sscr.addin", "sscr.addin_cli"}


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(sscr.__path__, "sscr."):
        if info.name in EDGES or info.name.startswith(("sscr.workbooks", "sscr.statement")):  # edges: files
            continue
        names.append(info.name)
    return names


def test_core_imports_no_excel_or_file_format_library():
    modules = core_modules()
    assert "sscr.profit_rate" in modules and "sscr.poco" in modules
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "bad = [m for m in ('xlwings', 'openpyxl') if m in sys.modules]\n"
            "print(','.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"the core imported {out.stdout.strip()}"


def test_core_source_does_not_mention_the_edges():
    root = Path(sscr.__file__).parent
    for name in core_modules():
        path = root.joinpath(*name.split(".")[1:])
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        text = path.read_text()
        for edge in ("import xlwings", "import openpyxl", "from xlwings", "from openpyxl", "import udfs", "from udfs"):
            assert edge not in text, f"{name} has '{edge}'"
