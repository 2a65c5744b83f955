"""Build ``addin/sscr_pricing.xlam``, the Excel add-in, from the VBA source in ``addin/vba/``.

The add-in is an Office Open XML package (the parts of xlwings' ribbon add-in template: styles,
theme, the settings sheet) with our own:

- VBA project ``SSCRPricing`` (``xl/vbaProject.bin``, written by :mod:`vba_project`): xlwings'
  ``xlwings`` module for this xlwings version, with ``PROJECT_NAME = "sscr_pricing"`` (settings sheet
  ``sscr_pricing.conf``, settings file ``%USERPROFILE%\\.sscr_pricing\\sscr_pricing.conf``);
  ``SSCRPricingRibbon``, whose ``Refresh`` the ribbon button runs; ``xlwings_udfs``, the worksheet
  function wrappers exactly as xlwings' own import of ``udfs`` writes them; ``SSCRPricingHelp``, which
  sets each function's category, description and argument help (the ``Application.MacroOptions``
  calls that import makes) every time the add-in opens; and ``ThisWorkbook``, which calls it.
- Ribbon ``customUI/customUI.xml``: an "SSCR pricing" tab with one large Refresh button.
- Settings sheet ``sscr_pricing.conf`` with one setting, ``UDF Modules`` = ``udfs``.

The wrappers are what xlwings would generate now: the build runs xlwings' ``import_udfs`` (its
Windows module, with stand-ins for the pywin32 modules it imports and for the Excel workbook it
writes into), so the add-in must be rebuilt whenever a worksheet function, its arguments or its help
change, and after upgrading xlwings::

    python addin/build.py            # writes addin/sscr_pricing.xlam
    python addin/build.py --check    # exit status 1 if the committed add-in differs from a fresh build

The build is repeatable byte for byte: fixed timestamps, no extra fields, a deterministic VBA project.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import re
import sys
import types
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import vba_project  # noqa: E402

ADDIN = HERE / "sscr_pricing.xlam"
VBA_DIR = HERE / "vba"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"

#: The VBA project's name, and its ID (fixed, so that builds repeat; our own, not the template's).
PROJECT_NAME = "SSCRPricing"
PROJECT_ID = uuid.UUID("915cfc69-813c-4998-8643-f37e65616651")
#: xlwings' PROJECT_NAME in the VBA: names the settings sheet and the settings file.
SETTINGS_NAME = "sscr_pricing"
CONF_SHEET = f"{SETTINGS_NAME}.conf"
#: The workbook's VBA code name in workbook.xml (the template's is replaced).
WORKBOOK_CODENAME = "{CC7EB5EE-AC1A-49DC-AC4C-A919F7F18BD2}"

UDF_MODULES = "udfs"
UDF_VBA_MODULE = "xlwings_udfs"  # the name xlwings' import writes and replaces
HELP_MODULE = "SSCRPricingHelp"
RIBBON_MODULE = "SSCRPricingRibbon"
#: (module name, kind) of the committed sources in addin/vba/, in the project's order.
SOURCE_MODULES = (("ThisWorkbook", vba_project.DOCUMENT), ("Sheet2", vba_project.DOCUMENT),
                  ("Dictionary", vba_project.CLASS), ("xlwings", vba_project.STANDARD),
                  (RIBBON_MODULE, vba_project.STANDARD))

CUSTOM_UI_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONF_SHEET_PART = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"
VBA_PART = "xl/vbaProject.bin"
CORE_PART = "docProps/core.xml"
CONF_SHEET_INACTIVE = "_myaddin.conf"
#: The template's settings rows are all empty; a setting on this sheet, even empty, hides the same
#: setting in the user's settings file. So the sheet keeps one row, "UDF Modules" (shared string 1).
CONF_DIMENSION_TEMPLATE, CONF_DIMENSION = b'<dimension ref="A1:B13" />', b'<dimension ref="A1:B1" />'
SHARED_COUNT_TEMPLATE, SHARED_COUNT = b'count="9" uniqueCount="9"', b'count="1" uniqueCount="9"'
CONF_ROWS = (b'<sheetData><row r="1" spans="1:2" ht="15.75"><c r="A1" s="1" t="s"><v>1</v></c>'
             b'<c r="B1" s="1" t="inlineStr"><is><t>' + UDF_MODULES.encode() + b'</t></is></c></row></sheetData>')

#: Every entry's timestamp, so two builds are identical.
TIMESTAMP = (2024, 1, 1, 0, 0, 0)

RIBBON_TAB = "SSCR pricing"
REFRESH_ACTION = f"{RIBBON_MODULE}.Refresh"
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

CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
        b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>SSCR pricing</dc:title>'
        b'<dc:creator>sscr-pricing</dc:creator><dc:description>Single source contract pricing worksheet '
        b'functions and Refresh</dc:description><dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z'
        b'</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
        b'</cp:coreProperties>')


class BuildError(Exception):
    """The template or a source is not what this build knows how to use."""


def template_path() -> Path:
    """The ribbon add-in template of the installed xlwings."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME


# --- xlwings' own registration code, run without Excel -------------------------------------------------

WINDOWS_MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")


class ComError(Exception):
    """pywintypes.com_error, as Excel's COM interface raises it."""


@contextlib.contextmanager
def windows_xlwings() -> Iterator[types.ModuleType]:
    """xlwings' Windows module ``xlwings.udfs`` (its decorators, its VBA generator and
    ``import_udfs``), imported with stand-ins for the pywin32 modules it imports at the top, and
    ``udfs`` imported afresh under its decorators, as the Python that Excel starts on Windows would.
    Everything is put back afterwards."""
    import xlwings

    saved = {name: sys.modules.get(name) for name in (*WINDOWS_MODULES, "xlwings.udfs")}
    saved_udfs = {n: m for n, m in sys.modules.items() if n == UDF_MODULES or n.startswith(UDF_MODULES + ".")}
    saved_attrs = {name: getattr(xlwings, name, None) for name in ("func", "arg", "ret", "udfs")}
    try:
        for name in WINDOWS_MODULES:
            module = types.ModuleType(name)
            module.Dispatch = object  # type: ignore[attr-defined]
            module.CoInitialize = lambda: None  # type: ignore[attr-defined]
            module.com_error = ComError  # type: ignore[attr-defined]
            sys.modules[name] = module
        sys.modules.pop("xlwings.udfs", None)
        xlw_udfs = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = xlw_udfs.xlfunc, xlw_udfs.xlarg, xlw_udfs.xlret
        for name in saved_udfs:
            del sys.modules[name]
        yield xlw_udfs
    finally:
        for name in [n for n in sys.modules if n == UDF_MODULES or n.startswith(UDF_MODULES + ".")]:
            del sys.modules[name]
        sys.modules.update(saved_udfs)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for name, value in saved_attrs.items():
            if value is None:
                if hasattr(xlwings, name):
                    delattr(xlwings, name)
            else:
                setattr(xlwings, name, value)


@dataclass
class StandInWorkbook:
    """The parts of Excel's Workbook object that ``import_udfs`` uses: ``Name``, the VBA project's
    components (it removes and imports a module file) and ``Application.MacroOptions``."""

    Name: str = ADDIN.name
    imported: dict[str, str] = field(default_factory=dict)
    macro_options: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        book = self

        class Components:
            def __call__(self, name: str) -> str:
                if name not in book.imported:
                    raise ComError(f"no component {name}")
                return name

            def Remove(self, name: str) -> None:  # noqa: N802 (Excel's name)
                del book.imported[name]

            def Import(self, path: str) -> None:  # noqa: N802
                text = Path(path).read_text(encoding="cp1252")
                name = re.match(r'Attribute VB_Name = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
                book.imported[name] = text

        class Application:
            Version = "16.0"

            def MacroOptions(self, macro: str, **options: Any) -> None:  # noqa: N802
                book.macro_options.append({"Macro": macro, **options})

        self.VBProject = types.SimpleNamespace(VBComponents=Components())
        self.Application = Application()


@dataclass(frozen=True)
class Registration:
    """What xlwings' import of the worksheet functions does to the add-in."""

    udf_module: str  # the xlwings_udfs module's text
    macro_options: tuple[dict[str, Any], ...]  # each function's Application.MacroOptions call
    functions: dict[str, dict[str, Any]]  # each function's xlwings registration (__xlfunc__)


def registration() -> Registration:
    """Run xlwings' ``import_udfs`` on ``udfs`` into a stand-in of the add-in workbook."""
    book = StandInWorkbook()
    with windows_xlwings() as xlw_udfs:
        # Import the module as import_udfs would, without the embedded-code lookup (a Windows Excel
        # call, and the add-in embeds no code), then let import_udfs do the rest.
        module = xlw_udfs.get_udf_module(UDF_MODULES, None)
        with contextlib.redirect_stdout(io.StringIO()):
            xlw_udfs.import_udfs(UDF_MODULES, book)
        functions = {getattr(module, n).__xlfunc__["name"]: getattr(module, n).__xlfunc__
                     for n in dir(module) if hasattr(getattr(module, n), "__xlfunc__")}
        xlw_udfs.udf_modules.pop(UDF_MODULES, None)
    if list(book.imported) != [UDF_VBA_MODULE]:
        raise BuildError(f"xlwings imported {list(book.imported)} instead of one {UDF_VBA_MODULE} module")
    return Registration(book.imported[UDF_VBA_MODULE], tuple(book.macro_options), functions)


def _vba_string(text: Any) -> str:
    return '"' + " ".join(str(text).split()).replace('"', '""') + '"'


def help_module(macro_options: tuple[dict[str, Any], ...]) -> str:
    """VBA that repeats import_udfs' ``Application.MacroOptions`` calls when the add-in opens."""
    lines = [f'Attribute VB_Name = "{HELP_MODULE}"',
             "' Each worksheet function's category, description and argument help in Excel's function wizard,",
             "' as xlwings' import of the functions sets them. Built from the functions by addin/build.py.",
             "Option Explicit", "", "Sub RegisterFunctions()", "    On Error Resume Next"]
    for call in macro_options:
        macro = call["Macro"]
        prefix = f"'{ADDIN.name}'!"
        if not macro.startswith(prefix):
            raise BuildError(f"MacroOptions for {macro}: expected a function of {ADDIN.name}")
        parts = [f"""Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!{macro[len(prefix):]}\""""]
        parts.append(f"Description:={_vba_string(call['Description'])}")
        parts.append(f"Category:={_vba_string(call['Category'])}")
        args = call.get("ArgumentDescriptions")
        if args:
            parts.append("ArgumentDescriptions:=Array(" + ", _\n            ".join(_vba_string(a) for a in args) + ")")
        lines.append("    " + ", _\n        ".join(parts))
    lines += ["End Sub", ""]
    return "\n".join(lines)


def source(name: str) -> str:
    path = VBA_DIR / (name + (".bas" if name in (RIBBON_MODULE, "xlwings") else ".cls"))
    text = path.read_text(encoding="utf-8")
    if not text.startswith(f'Attribute VB_Name = "{name}"'):
        raise BuildError(f"{path.name} does not start with Attribute VB_Name = \"{name}\"")
    return text


def project(reg: Registration | None = None, template: Path | None = None) -> vba_project.Project:
    """The add-in's VBA project: the committed sources, the generated wrappers and help."""
    import olefile
    from oletools.olevba import decompress_stream

    reg = reg or registration()
    with zipfile.ZipFile(template or template_path()) as zf:
        ole = olefile.OleFileIO(io.BytesIO(zf.read(VBA_PART)))
        try:
            template_dir = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
        finally:
            ole.close()
    # The one reference the code needs, the Office library (IRibbonControl), as the template's project
    # has it (the template's other one, MSForms, names a file in its author's temporary folder).
    groups = vba_project.reference_groups(vba_project.reference_records(template_dir))
    if "Office" not in groups:
        raise BuildError("the template's VBA project has no reference to the Office library")
    references = groups["Office"]
    modules = [vba_project.Module(name, kind, source(name)) for name, kind in SOURCE_MODULES]
    modules.append(vba_project.Module(UDF_VBA_MODULE, vba_project.STANDARD, reg.udf_module))
    modules.append(vba_project.Module(HELP_MODULE, vba_project.STANDARD, help_module(reg.macro_options)))
    return vba_project.Project(PROJECT_NAME, PROJECT_ID, tuple(modules), references)


def _replace_once(part: str, data: bytes, old: bytes, new: bytes) -> bytes:
    if data.count(old) != 1:
        raise BuildError(f"{part} of the xlwings template does not contain {old.decode()!r} exactly once; "
                         f"this xlwings version's template is laid out differently")
    return data.replace(old, new)


def edit(name: str, data: bytes, vba: bytes) -> bytes:
    """One part of the add-in: the template's part, or ours."""
    if name == CUSTOM_UI_PART:
        return CUSTOM_UI
    if name == VBA_PART:
        return vba
    if name == CORE_PART:
        return CORE
    if name == WORKBOOK_PART:
        data = _replace_once(name, data, f'name="{CONF_SHEET_INACTIVE}"'.encode(), f'name="{CONF_SHEET}"'.encode())
        data = re.sub(rb'(<fileVersion [^>]*codeName=")\{[0-9A-F-]+\}"', rb'\g<1>' + WORKBOOK_CODENAME.encode() + b'"',
                      data)
        # The folder the template was last saved in.
        return re.sub(rb"<mc:AlternateContent [^>]*><mc:Choice Requires=\"x15\"><x15ac:absPath .*?</mc:AlternateContent>",
                      b"", data, flags=re.S)
    if name == SHARED_STRINGS_PART:
        return _replace_once(name, data, SHARED_COUNT_TEMPLATE, SHARED_COUNT)
    if name == CONF_SHEET_PART:
        data = _replace_once(name, data, CONF_DIMENSION_TEMPLATE, CONF_DIMENSION)
        rows = re.findall(rb"<sheetData>.*?</sheetData>", data, re.S)
        if len(rows) != 1 or b"<v>1</v>" not in rows[0]:
            raise BuildError(f"{name} of the xlwings template has no settings rows where expected")
        return _replace_once(name, data, rows[0], CONF_ROWS)
    return data


def parts(template: Path | None = None, reg: Registration | None = None) -> list[tuple[str, bytes]]:
    """The add-in's parts, in the template's order."""
    template = template or template_path()
    vba = project(reg, template).to_bytes()
    with zipfile.ZipFile(template) as source_zip:
        names = source_zip.namelist()
        for required in (CUSTOM_UI_PART, WORKBOOK_PART, CONF_SHEET_PART, SHARED_STRINGS_PART, VBA_PART, CORE_PART):
            if required not in names:
                raise BuildError(f"the xlwings template has no {required}")
        return [(name, edit(name, source_zip.read(name), vba)) for name in names]


def build(out: Path = ADDIN, template: Path | None = None, reg: Registration | None = None) -> Path:
    """Write the add-in to ``out``: deflated entries, fixed timestamps, no extra fields."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts(template, reg):
            info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # MS-DOS attributes, whatever system builds it
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
    parser = argparse.ArgumentParser(description="Build the sscr-pricing Excel add-in.")
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
    except (BuildError, OSError, ValueError, zipfile.BadZipFile) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
