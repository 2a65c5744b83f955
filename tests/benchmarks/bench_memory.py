"""Peak memory of regenerating a large, legal workbook: the profit-rate template with an added data
sheet of many numeric cells (1.6 million by default: under every safety cap, as a real model with a
large data sheet would be). Run from the repository root (not collected by pytest):

    python tests/benchmarks/bench_memory.py              # 1,600,000 cells
    python tests/benchmarks/bench_memory.py --cells 200000

Each regeneration runs in a fresh process; its peak resident memory (``VmHWM``; ``ru_maxrss`` where
there is no ``/proc``) is compared
with the same process's baseline (Python with sscr imported, nothing read) and with the unzipped
size of the parts the regeneration reads. Target: the growth is at most 4 times that size, over
what regenerating the template alone costs in the same run (the fixed cost of any regeneration: the
spec, the evaluation, the zip writer's buffers), so that a sheet regeneration never reads costs nothing.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbooks" / "profit-rate.xlsx"

CHILD = """
import resource, sys, time
from sscr.workbooks.regenerate import regenerate_one
import sscr.workbooks.fill, sscr.workbooks.package

def status(field):
    # the peak of this process's own memory (VmHWM), in kB. ru_maxrss is not used on Linux: it keeps
    # the peak of the process that started this one (a parent that built a large workbook) across exec
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

base = status("VmHWM")
if sys.argv[1] != "-":
    start = time.perf_counter()
    r = regenerate_one(sys.argv[1], sys.argv[2])
    took = time.perf_counter() - start
    assert r.status in ("ok", "flagged"), r.message
else:
    took = 0.0
print(base, status("VmHWM"), took)
"""


def _rows(first: int, rows: int, columns: int) -> str:
    letters = [chr(ord("A") + j) for j in range(columns)]
    out = io.StringIO()
    for r in range(first, first + rows):
        out.write(f'<row r="{r}">')
        for j, col in enumerate(letters):
            out.write(f'<c r="{col}{r}"><v>{(r * 31 + j * 7) % 100003 / 7}</v></c>')
        out.write("</row>")
    return out.getvalue()


def big_workbook(path: Path, cells: int, columns: int = 20, *, in_sheet: bool = False) -> tuple[int, int]:
    """The template with ``cells`` numbers added: in a sheet ``Data`` of their own, or (``in_sheet``)
    below the inputs on the template's own sheet, which regeneration reads and writes. Returns the
    unzipped size of every part and of the part holding the numbers."""
    rows = cells // columns
    with zipfile.ZipFile(TEMPLATE) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    if in_sheet:
        name = "xl/worksheets/sheet1.xml"
        parts[name] = parts[name].replace(b"</sheetData>", _rows(1000, rows, columns).encode() + b"</sheetData>")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for part, body in parts.items():
                out.writestr(part, body)
        return sum(len(b) for b in parts.values()), len(parts[name])
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + _rows(1, rows, columns)
             + "</sheetData></worksheet>")
    n = 1 + max(int(name.rsplit("sheet", 1)[1].split(".")[0]) for name in parts
                if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"))
    part = f"xl/worksheets/sheet{n}.xml"
    parts[part] = sheet.encode()
    wb = parts["xl/workbook.xml"].decode()
    wb = wb.replace("</sheets>", f'<sheet name="Data" sheetId="{n + 100}" r:id="rIdData"/></sheets>')
    parts["xl/workbook.xml"] = wb.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdData" Type="http://schemas.openxmlformats.org/'
                        f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                        "</Relationships>")
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    types = parts["[Content_Types].xml"].decode()
    types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
                          'officedocument.spreadsheetml.worksheet+xml"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in parts.items():
            out.writestr(name, body)
    return sum(len(b) for b in parts.values()), len(parts[part])


def measure(path: str, out: str) -> tuple[int, int, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, path, out], capture_output=True, text=True, check=True)
    base, peak, took = done.stdout.split()
    return int(base) * 1024, int(peak) * 1024, float(took)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1_600_000)
    parser.add_argument("--in-sheet", action="store_true",
                        help="put the numbers below the inputs, on the sheet regeneration reads and writes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "big.xlsx"
        unzipped, data_sheet = big_workbook(book, args.cells, in_sheet=args.in_sheet)
        # the parts regeneration needs: with the numbers on a sheet of their own, that sheet is not
        # among them; below the inputs, it is
        read = unzipped if args.in_sheet else unzipped - data_sheet
        base_only = measure("-", "-")[1]
        small_base, small_peak, small_took = measure(str(TEMPLATE), str(Path(tmp) / "small"))
        base, peak, took = measure(str(book), str(Path(tmp) / "out"))
        growth = peak - base
        fixed = small_peak - small_base
        target = 4 * read + fixed
        mb = 1024 * 1024
        print(f"workbook: {book.stat().st_size / mb:.1f} MB on disk, {unzipped / mb:.1f} MB unzipped "
              f"({args.cells:,} cells in the data sheet, {data_sheet / mb:.1f} MB), parts read {read / mb:.2f} MB")
        print("| benchmark | measured | target | baseline (same run) | ratio | verdict |")
        print("|---|---|---|---|---|---|")
        print(f"| peak memory regenerating it (growth over the process's baseline) | {growth / mb:.1f} MB "
              f"({took:.1f} s) | <= 4x the unzipped size of the parts read + the template alone "
              f"({target / mb:.1f} MB) | the template alone: "
              f"{(small_peak - small_base) / mb:.0f} MB ({small_took:.2f} s); Python with sscr imported "
              f"{base_only / mb:.0f} MB | {growth / max(read, 1):.1f}x the parts read; "
              f"{growth / unzipped:.1f}x the whole unzipped workbook | "
              f"{'met' if growth <= target else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
