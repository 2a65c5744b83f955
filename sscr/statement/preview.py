"""The statement's preview image: the first page of the worked case's PDF, as
``workbooks/previews/statement-1.png`` (``python -m sscr.statement.preview``). Headless Chromium
prints the PDF; pdftoppm renders the page."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from .build import build_statement
from .read import read_model
from .render import html, pdf

ROOT = Path(__file__).resolve().parents[2]


def first_page_png(model: Path, target: Path, *, dpi: int = 75) -> Path:
    """The first page of ``model``'s statement as a PNG at ``target``."""
    document = pdf(html(build_statement(read_model(model))))
    with tempfile.TemporaryDirectory(prefix="sscr-preview-") as tmp:
        source = Path(tmp) / "statement.pdf"
        source.write_bytes(document)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(source),
                        str(Path(tmp) / "page")], check=True, capture_output=True, timeout=120)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "page.png", target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sscr.statement.preview", description=__doc__)
    parser.add_argument("--model", type=Path, default=ROOT / "workbooks" / "cost-build-up.xlsx")
    parser.add_argument("--out", type=Path, default=ROOT / "workbooks" / "previews" / "statement-1.png")
    args = parser.parse_args(argv)
    print(first_page_png(args.model, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
