"""LibreOffice, headless, as a second spreadsheet application: recalculate workbooks fully, and
render them to PDF and PNG for the previews.

LibreOffice does not recalculate an xlsx file on loading unless told to (its default keeps the
cached values, which is what a reviewer sees on opening a regenerated workbook). :func:`recalculate`
runs it with a private user profile whose ``OOXMLRecalcMode`` is 0 ("always recalculate"), and
saves a copy whose cached values are LibreOffice's own results. Several files go through one start
of soffice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"


class LibreOfficeError(RuntimeError):
    """soffice is missing or did not produce what was asked."""


def soffice() -> str | None:
    """The soffice (or libreoffice) program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile(root: Path, recalc: bool) -> str:
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    if recalc:
        (user / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
    return (root).resolve().as_uri()


def convert(paths: Sequence[Path], out_dir: Path, target: str, *, recalc: bool, timeout: float = 300) -> list[Path]:
    """Convert ``paths`` with one soffice run; return the output files, in order."""
    program = soffice()
    if program is None:
        raise LibreOfficeError("soffice is not on PATH: install LibreOffice (Debian: apt-get install libreoffice-calc)")
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "." + target.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="sscr-lo-") as tmp:
        command = [program, f"-env:UserInstallation={_profile(Path(tmp), recalc)}", "--headless", "--norestore",
                   "--convert-to", target, "--outdir", str(out_dir), *[str(p) for p in paths]]
        env = dict(os.environ, HOME=tmp)
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    outputs = [out_dir / (Path(p).stem + suffix) for p in paths]
    missing = [o.name for o in outputs if not o.is_file()]
    if done.returncode != 0 or missing:
        raise LibreOfficeError(f"soffice failed ({done.returncode}); missing {missing}: {done.stderr.strip()[-500:]}")
    return outputs


def recalculate(paths: Sequence[Path], out_dir: Path) -> list[Path]:
    """Open each workbook, recalculate every formula, and save an xlsx copy into ``out_dir``."""
    return convert(paths, out_dir, XLSX_FILTER, recalc=True)


def to_pdf(paths: Sequence[Path], out_dir: Path, *, recalc: bool = False) -> list[Path]:
    """Render each workbook's print areas to PDF, as LibreOffice shows it on opening (cached values,
    unless ``recalc``)."""
    return convert(paths, out_dir, "pdf", recalc=recalc)


def pdf_to_png(pdf: Path, prefix: Path, *, dpi: int = 60, first: int = 1, last: int | None = None) -> list[Path]:
    """PNG images of the PDF's pages ``first``..``last``: ``<prefix>-<page>.png``."""
    program = shutil.which("pdftoppm")
    if program is None:
        raise LibreOfficeError("pdftoppm is not on PATH: install poppler-utils")
    command = [program, "-r", str(dpi), "-png", "-f", str(first)]
    if last is not None:
        command += ["-l", str(last)]
    subprocess.run(command + [str(pdf), str(prefix)], check=True, capture_output=True, timeout=120)
    pages = sorted(prefix.parent.glob(prefix.name + "-*.png"))
    if not pages:
        raise LibreOfficeError(f"pdftoppm made no pages from {pdf.name}")
    return pages


def pdf_pages(pdf: Path) -> int:
    """The number of pages of a PDF (read from its page tree, without a PDF library)."""
    import re
    data = pdf.read_bytes()
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    if not counts:
        counts = [int(m) for m in re.findall(rb"/Count\s+(\d+)", data)]
    return max(counts) if counts else 0
