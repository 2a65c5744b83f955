"""Every sheet of every template workbook prints as a pricing analyst files it: on A4 landscape,
every column of its print area on a page and nothing clipped at a page's edge, print titles and the
sheet's name on every page, the guidance citation of every block on the page, and an empty
component column of the contract model blank rather than rows of £0.00.

Checked from the real files in ``workbooks/``: the page setup of each sheet with openpyxl, and the
PDF LibreOffice prints of each workbook (page sizes with pdfinfo, every word's box with
``pdftotext -bbox``, the drawn pages with pdftoppm): each word lies inside the page's margins and is
drawn whole (ink under its last letter, so a text cut off at a cell or page edge fails), the strip of
each page's right margin is white, and every text the print areas hold appears in the PDF.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from sscr.workbooks.layout import CITE_FONT
from sscr.workbooks.libreoffice import soffice, to_pdf

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = sorted((ROOT / "workbooks").glob("*.xlsx"))
A4_LANDSCAPE = (841.89, 595.28)  # points
DPI = 100

needs_tools = pytest.mark.skipif(
    not os.environ.get("SSCR_REQUIRE_LIBREOFFICE") and not (soffice() and shutil.which("pdftoppm")
                                                            and shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="LibreOffice and poppler-utils are not installed")


def _area(ws) -> tuple[int, int, int, int]:
    return range_boundaries(str(ws.print_area).split(",")[0].split("!")[-1].replace("$", ""))


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_every_sheet_is_set_up_for_a4_landscape_with_print_titles(path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        where = f"{path.name} {ws.title}"
        assert ws.print_area, f"{where}: no print area"
        assert ws.page_setup.orientation == "landscape", where
        assert str(ws.page_setup.paperSize) == "9", where  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) >= 1, where
        # as many pages down as it needs; a short sheet with a chart on one page, so that no break cuts the chart
        assert int(ws.page_setup.fitToHeight) == (1 if ws._charts and int(ws.page_setup.fitToWidth) == 1 else 0), where
        assert ws.print_title_rows, f"{where}: no print titles"
        assert ws.oddHeader.left.text == "&A" and "&P" in ws.oddFooter.right.text, where
        if int(ws.page_setup.fitToWidth) > 1:
            assert ws.print_title_cols, f"{where}: several pages across repeat the row labels"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_every_citation_of_a_block_is_inside_the_print_area(path):
    wb = load_workbook(path)
    seen = 0
    for ws in wb.worksheets:
        first_col, first_row, last_col, last_row = _area(ws)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.font is not None and cell.font.i and \
                        cell.font.sz == CITE_FONT.sz and cell.font.color is not None and \
                        cell.font.color.rgb == CITE_FONT.color.rgb:
                    if ws.title == "Rates" and cell.column > last_col:
                        continue  # the guidance versions beside the rates are for the formulas, not the print
                    seen += 1
                    assert first_col <= cell.column <= last_col and first_row <= cell.row <= last_row, \
                        f"{path.name} {ws.title}!{cell.coordinate}: citation outside the print area {ws.print_area}"
    assert seen


# --- LibreOffice's print ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _pdfs(tmp: str) -> dict[str, Path]:
    return {p.stem: p for p in to_pdf(WORKBOOKS, Path(tmp))}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    return _pdfs(str(tmp_path_factory.mktemp("print")))


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes, in points from the top left."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), unescape(text)) for a, b, c, d, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)])
    return pages


def images(pdf: Path, out: Path) -> list:
    from PIL import Image
    prefix = out / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(prefix)], check=True, capture_output=True)
    return [Image.open(p).convert("L") for p in sorted(out.glob(pdf.stem + "-*.pgm"))]


def _sheets(path: Path):
    return load_workbook(path).worksheets


@needs_tools
@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_every_page_prints_on_a4_landscape_and_the_page_count_is_what_the_sheets_hold(path, pdfs):
    sizes = page_sizes(pdfs[path.stem])
    assert sizes and all(abs(w - A4_LANDSCAPE[0]) < 1 and abs(h - A4_LANDSCAPE[1]) < 1 for w, h in sizes), sizes
    low = high = 0
    for ws in _sheets(path):
        _, first_row, _, last_row = _area(ws)
        across = int(ws.page_setup.fitToWidth)
        low += across
        high += across * max(1, -(-(last_row - first_row + 1) // 25))  # at least 25 rows to a page
    assert low <= len(sizes) <= high, (len(sizes), low, high)


@needs_tools
@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_no_text_runs_off_a_page_or_is_cut_at_a_cell_edge(path, pdfs, tmp_path):
    pdf = pdfs[path.stem]
    ws0 = _sheets(path)[0]
    margin = float(ws0.page_margins.right) * 72
    pages = images(pdf, tmp_path)
    boxes = words(pdf)
    assert len(pages) == len(boxes)
    scale = DPI / 72
    problems = []
    for n, (image, page_words) in enumerate(zip(pages, boxes), start=1):
        width, height = image.size
        # the right margin strip holds nothing
        strip = image.crop((int((A4_LANDSCAPE[0] - margin + 2) * scale), 0, width, height))
        if strip.getextrema()[0] < 200:
            problems.append(f"page {n}: something is drawn in the right margin")
        for x0, y0, x1, y1, text in page_words:
            if x1 > A4_LANDSCAPE[0] - margin + 1 or x0 < margin - 1:
                problems.append(f"page {n}: {text!r} runs past the margin (x {x0:.0f}..{x1:.0f} pt)")
                continue
            if set(text) == {"#"}:
                problems.append(f"page {n}: a figure too wide for its column prints as {text}")
                continue
            # drawn whole: ink in the right part of the word (a text cut at a cell or page edge has none)
            word = text.rstrip(".,;:'\"()*-")
            if len(word) < 3:  # too narrow to tell
                continue
            right = x0 + (x1 - x0) * len(word) / len(text)
            left = right - 0.45 * (right - x0)
            box = (int(left * scale), int(y0 * scale), max(int(left * scale) + 2, int(right * scale) + 1),
                   max(int(y0 * scale) + 2, int(y1 * scale)))
            if image.crop(box).getextrema()[0] > 200:
                problems.append(f"page {n}: {text!r} is cut off (nothing drawn at x {left:.0f}..{right:.0f} pt)")
    assert not problems, "\n".join(problems[:30])


@needs_tools
@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_every_text_and_citation_of_the_print_areas_is_printed(path, pdfs):
    printed = set()
    for page in words(pdfs[path.stem]):
        printed.update(w[4] for w in page)
    missing = []
    for ws in _sheets(path):
        first_col, first_row, last_col, last_row = _area(ws)
        for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col):
            for cell in row:
                if isinstance(cell.value, str) and not cell.value.startswith("=") and \
                        cell.number_format in ("General", "@"):
                    for word in re.split(r"[\s-]+", cell.value):
                        if not word:
                            continue
                        if word not in printed and not any(word in p for p in printed):
                            missing.append(f"{ws.title}!{cell.coordinate}: {word!r}")
    assert not missing, "\n".join(missing[:30])


FIGURE = re.compile(r"^-?£?[\d,]+(\.\d+)?%?$")


def component_figures(pdf: Path) -> dict[int, list[str]]:
    """The figures printed in each component's column (below its "Component N" heading, within the
    width of a component column), over every page."""
    found: dict[int, list[str]] = {}
    for page in words(pdf):
        heads = []
        for (x0, y0, x1, y1, text), nxt in zip(page, page[1:] + [(0, 0, 0, 0, "")]):
            if text == "Component" and nxt[4].isdigit() and abs(nxt[1] - y0) < 1:
                heads.append(((x0 + nxt[2]) / 2, y1, int(nxt[4])))
        columns = [h[0] for h in heads if h[2]]
        pitch = min((b - a for a, b in zip(columns, columns[1:])), default=80.0)  # a component column's width
        for k, (centre, top, number) in enumerate(heads):
            if number == 0:
                continue
            left = centre - pitch / 2
            right = centre + pitch / 2
            found.setdefault(number, []).extend(
                w[4] for w in page if left <= (w[0] + w[2]) / 2 <= right and w[1] > top and FIGURE.match(w[4]))
    return found


@needs_tools
def test_an_empty_component_column_prints_no_figures(pdfs):
    """The blank contract model: ten components with no names print no figures in their columns (on
    the Contract, Capital servicing and Supply chain sheets); the contract's own figures print theirs."""
    figures = component_figures(pdfs["contract-model"])
    assert set(figures) == set(range(1, 11))
    assert all(not found for found in figures.values()), {k: v[:5] for k, v in figures.items() if v}
    assert any(w[4] == "£0.00" for page in words(pdfs["contract-model"]) for w in page)  # the totals print


@needs_tools
def test_a_named_component_prints_its_figures_zeros_included(tmp_path):
    """A component given a name prints its figures, £0.00 included; only the components left empty are blank."""
    from sscr.workbooks.regenerate import regenerate_one

    source = ROOT / "workbooks" / "contract-model.xlsx"
    wb = load_workbook(source)
    for name, value in (("Name_2", "Radar"), ("Method_2", "formula"), ("AC_2", 0.0), ("CRA_2", 0.0), ("IA_2", 0.0), ("CSA_2", 0.0)):
        sheet, ref = wb.defined_names[name].attr_text.split("!")
        wb[sheet.strip("'")][ref.replace("$", "")] = value
    typed = tmp_path / "typed.xlsx"
    wb.save(typed)
    result = regenerate_one(typed, tmp_path / "out")
    assert result.output, result.message
    figures = component_figures(to_pdf([Path(result.output)], tmp_path / "pdf")[0])
    assert "£0.00" in figures[2] and len(figures[2]) >= 10
    assert all(not figures[k] for k in figures if k != 2), {k: v[:5] for k, v in figures.items() if v and k != 2}



@needs_tools
@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_the_committed_previews_are_the_printed_pages_at_a_readable_resolution(path, pdfs):
    """workbooks/previews holds one PNG per printed page (the Rates sheet once, as rates.png), each an
    A4 landscape page at 110 dpi or more (python -m sscr.workbooks.previews)."""
    from PIL import Image

    previews = ROOT / "workbooks" / "previews"
    pages = len(page_sizes(pdfs[path.stem])) - 1  # the Rates sheet's page is rates.png
    shown = sorted(previews.glob(f"{path.stem}-*.png")) or sorted(previews.glob(f"{path.stem}.png"))
    assert len(shown) == pages, f"{len(shown)} previews of {path.name}, which prints {pages} pages and the Rates sheet"
    for png in [*shown, previews / "rates.png"]:
        width, height = Image.open(png).size
        assert width >= 11.69 * 110 and abs(width / height - 841.89 / 595.28) < 0.01, (png.name, width, height)
