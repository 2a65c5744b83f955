"""Build ``addin/sscr_pricing.xlam``, the Excel add-in, from the ribbon add-in template that ships with xlwings.

This is what ``xlwings quickstart sscr_pricing --addin --ribbon`` does (copy the template, name it after
the Python module it runs), plus three edits made here so the build is reproducible:

- ``customUI/customUI.xml`` is ours: a tab "SSCR pricing" with one large Refresh button. Its
  ``onAction`` is the template's ``RibbonMyAddin.RunMain``, which runs
  ``import sscr_pricing; sscr_pricing.main()``: the module named after the add-in file, found beside it.
- The config sheet ``_myaddin.conf`` is activated (renamed ``myaddin.conf``) with one setting,
  ``UDF Modules`` = ``udfs``, so the worksheet functions are imported from the installed package;
  the interpreter and the other xlwings settings come from the user's ``myaddin.conf`` file.
- Every zip entry gets the same fixed timestamp and no extra fields.

Every other part (the VBA project, styles, theme, relationships) is copied byte for byte. The VBA
in the template matches the installed xlwings version; after upgrading xlwings, run this again::

    python addin/build.py            # writes addin/sscr_pricing.xlam
    python addin/build.py --check    # exit status 1 if the committed add-in differs from a fresh build
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
ADDIN = HERE / "sscr_pricing.xlam"
#: The ribbon's RunMain imports the module named after the add-in file: sscr_pricing.py beside it.
ENTRY_MODULE = ADDIN.stem
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"

CUSTOM_UI_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONF_SHEET_PART = "xl/worksheets/sheet1.xml"
#: The template's config sheet is inactive while its name starts with "_" (PROJECT_NAME is "myaddin").
CONF_SHEET_INACTIVE, CONF_SHEET = "_myaddin.conf", "myaddin.conf"
UDF_MODULES = "udfs"
#: The template's settings rows (Interpreter, PYTHONPATH, Conda, ...) are all empty; a setting on this
#: sheet, even empty, hides the same setting in the user's myaddin.conf file. So the sheet keeps one
#: row, "UDF Modules" (shared string 1 of the template), and every other setting comes from the file.
CONF_DIMENSION_TEMPLATE, CONF_DIMENSION = b'<dimension ref="A1:B13" />', b'<dimension ref="A1:B1" />'
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
#: The shared strings stay; only one cell refers to one now ("UDF Modules"), which ``count`` says.
SHARED_COUNT_TEMPLATE, SHARED_COUNT = b'count="9" uniqueCount="9"', b'count="1" uniqueCount="9"'
CONF_ROWS = (b'<sheetData><row r="1" spans="1:2" ht="15.75"><c r="A1" s="1" t="s"><v>1</v></c>'
             b'<c r="B1" s="1" t="inlineStr"><is><t>' + UDF_MODULES.encode() + b'</t></is></c></row></sheetData>')

#: Every entry's timestamp, so two builds of the same template are identical.
TIMESTAMP = (2024, 1, 1, 0, 0, 0)

RIBBON_TAB = "SSCR pricing"
REFRESH_ACTION = "RibbonMyAddin.RunMain"
REFRESH_SCREENTIP = "Refresh the pricing figures"
REFRESH_SUPERTIP = (
    "Checks this workbook's computed figures against the sscr-pricing calculation from its inputs, the "
    "same calculation as sscr regenerate, and brings its Rates sheet up to date from the package's rate "
    "table. A cell that disagrees, such as a broken formula or a rate typed over, is flagged with a red "
    "fill and a note saying why, and left as it is. Inputs are never changed.")

CUSTOM_UI = f"""<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="sscrPricingTab" label={quoteattr(RIBBON_TAB)}>
                <group id="sscrWorkbookGroup" label="Workbook">
                    <button id="sscrRefresh" label="Refresh" size="large" onAction="{REFRESH_ACTION}"
                            imageMso="RefreshAll" screentip={quoteattr(REFRESH_SCREENTIP)}
                            supertip={quoteattr(REFRESH_SUPERTIP)} />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
""".encode("utf-8")


class BuildError(Exception):
    """The template is not the one this build knows how to edit."""


def template_path() -> Path:
    """The ribbon add-in template of the installed xlwings."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME


def _replace_once(part: str, data: bytes, old: bytes, new: bytes) -> bytes:
    if data.count(old) != 1:
        raise BuildError(f"{part} of the xlwings template does not contain {old.decode()!r} exactly once; "
                         f"this xlwings version's template is laid out differently")
    return data.replace(old, new)


def edit(name: str, data: bytes) -> bytes:
    """One part of the add-in: the template's part, or our edit of it."""
    if name == CUSTOM_UI_PART:
        return CUSTOM_UI
    if name == WORKBOOK_PART:
        return _replace_once(name, data, f'name="{CONF_SHEET_INACTIVE}"'.encode(), f'name="{CONF_SHEET}"'.encode())
    if name == SHARED_STRINGS_PART:
        return _replace_once(name, data, SHARED_COUNT_TEMPLATE, SHARED_COUNT)
    if name == CONF_SHEET_PART:
        data = _replace_once(name, data, CONF_DIMENSION_TEMPLATE, CONF_DIMENSION)
        rows = re.findall(rb"<sheetData>.*?</sheetData>", data, re.S)
        if len(rows) != 1 or b"<v>1</v>" not in rows[0]:
            raise BuildError(f"{name} of the xlwings template has no settings rows where expected")
        return _replace_once(name, data, rows[0], CONF_ROWS)
    return data


def parts(template: Path | None = None) -> list[tuple[str, bytes]]:
    """The add-in's parts, in the template's order."""
    with zipfile.ZipFile(template or template_path()) as source:
        names = source.namelist()
        for required in (CUSTOM_UI_PART, WORKBOOK_PART, CONF_SHEET_PART, SHARED_STRINGS_PART, "xl/vbaProject.bin"):
            if required not in names:
                raise BuildError(f"the xlwings template has no {required}")
        return [(name, edit(name, source.read(name))) for name in names]


def build(out: Path = ADDIN, template: Path | None = None) -> Path:
    """Write the add-in to ``out``: deflated entries, fixed timestamps, no extra fields."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts(template):
            info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # as the template: MS-DOS attributes, whatever system builds it
            info.external_attr = 0
            target.writestr(info, data)
    return out


def differences(built: Path, committed: Path) -> list[str]:
    """How ``committed`` differs from ``built``: entry names and order, timestamps, contents."""
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(committed) as b:
        if a.namelist() != b.namelist():
            return [f"entries differ: {b.namelist()} instead of {a.namelist()}"]
        found = []
        for ia, ib in zip(a.infolist(), b.infolist()):
            if (ia.date_time, ia.compress_type) != (ib.date_time, ib.compress_type):
                found.append(f"{ia.filename}: timestamp or compression differs")
            if a.read(ia) != b.read(ib):
                found.append(f"{ia.filename}: content differs")
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the sscr-pricing Excel add-in from the xlwings template.")
    parser.add_argument("--check", action="store_true",
                        help="compare the committed add-in with a fresh build instead of writing it")
    args = parser.parse_args(argv)
    try:
        if args.check:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                fresh = build(Path(tmp) / ADDIN.name)
                if not ADDIN.exists():
                    print(f"{ADDIN} is missing: run python addin/build.py", file=sys.stderr)
                    return 1
                found = differences(fresh, ADDIN)
            for line in found:
                print(line, file=sys.stderr)
            if found:
                print("the committed add-in is not a fresh build: run python addin/build.py", file=sys.stderr)
            return 1 if found else 0
        print(build())
        return 0
    except (BuildError, OSError, zipfile.BadZipFile) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
