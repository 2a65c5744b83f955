"""Render the templates to PNG for the README: ``python -m sscr.workbooks.previews [--out DIR]``.

Each workbook is rendered by LibreOffice to PDF as it prints (the cached values the regeneration
wrote; each sheet's print area on A4 landscape pages), then each page to PNG with pdftoppm at 120
dpi, so a preview is a page as it prints, readable. The Rates sheet, the same in every template, is
kept once (``rates.png``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from .libreoffice import pdf_pages, pdf_to_png, to_pdf

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "workbooks" / "previews"
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "workbooks"


def render_previews(workbooks: Sequence[Path], out_dir: Path, *, dpi: int = 120) -> list[Path]:
    """PNG previews of ``workbooks`` in ``out_dir``: ``<stem>.png`` (or ``<stem>-<page>.png`` for
    templates of several pages) and ``rates.png``. Returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sscr-previews-") as tmp:
        tmp_dir = Path(tmp)
        pdfs = to_pdf(list(workbooks), tmp_dir / "pdf")
        for index, pdf in enumerate(pdfs):
            pages = pdf_pages(pdf)
            images = pdf_to_png(pdf, tmp_dir / pdf.stem, dpi=dpi)
            body, rates = images[:-1], images[-1]  # the Rates sheet is the last sheet, one page
            for stale in [*out_dir.glob(f"{pdf.stem}.png"), *out_dir.glob(f"{pdf.stem}-*.png")]:
                if stale.stem == pdf.stem or stale.stem[len(pdf.stem) + 1:].isdigit():
                    stale.unlink()  # a page the workbook no longer prints
            for n, image in enumerate(body, start=1):
                name = f"{pdf.stem}.png" if len(body) == 1 else f"{pdf.stem}-{n}.png"
                target = out_dir / name
                target.write_bytes(image.read_bytes())
                written.append(target)
            if index == 0:
                target = out_dir / "rates.png"
                target.write_bytes(rates.read_bytes())
                written.append(target)
            assert pages == len(images), (pdf.name, pages, len(images))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sscr.workbooks.previews", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dpi", type=int, default=120)
    parser.add_argument("workbooks", nargs="*", type=Path, help="default: workbooks/*.xlsx")
    args = parser.parse_args(argv)
    books = args.workbooks or sorted(DEFAULT_SOURCE.glob("*.xlsx"))
    for path in render_previews(books, args.out, dpi=args.dpi):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
