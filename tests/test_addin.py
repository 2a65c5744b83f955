"""The Excel add-in file, addin/sscr_pricing.xlam: its ribbon, its VBA, its settings, its build.

The add-in is xlwings' ribbon add-in template with our ribbon and settings (addin/build.py). These
tests open it as Excel would find it: a zip of XML parts and a VBA project, which is read with
oletools, and check that each piece names the right Python entry point.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import sys
import types
import warnings
import zipfile
from pathlib import Path

import pytest
import xlwings
from defusedxml import ElementTree as SafeET

with warnings.catch_warnings():  # oletools uses pyparsing names that pyparsing 3 deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

ROOT = Path(__file__).resolve().parents[1]
ADDIN_DIR = ROOT / "addin"
XLAM = ADDIN_DIR / "sscr_pricing.xlam"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
      "ui": "http://schemas.microsoft.com/office/2006/01/customui"}


@pytest.fixture(scope="module")
def build_module():
    sys.path.insert(0, str(ADDIN_DIR))
    try:
        yield importlib.import_module("build")
    finally:
        sys.path.remove(str(ADDIN_DIR))
        sys.modules.pop("build", None)


@pytest.fixture(scope="module")
def xlam() -> zipfile.ZipFile:
    with zipfile.ZipFile(XLAM) as zf:
        yield zf


@pytest.fixture(scope="module")
def vba_modules() -> dict[str, str]:
    parser = VBA_Parser(str(XLAM))
    try:
        assert parser.detect_vba_macros(), "the add-in has no VBA project"
        return {Path(name).stem: code.replace("\r\n", "\n")
                for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def xml(zf: zipfile.ZipFile, part: str):
    return SafeET.fromstring(zf.read(part))


# --- the ribbon ----------------------------------------------------------------------------------

def test_ribbon_has_a_large_refresh_button_that_runs_the_addin_module(xlam):
    rels = xml(xlam, "_rels/.rels")
    ui_targets = [r.get("Target") for r in rels.findall("pr:Relationship", NS)
                  if r.get("Type", "").endswith("/ui/extensibility")]
    assert ui_targets == ["customUI/customUI.xml"]
    ui = xml(xlam, "customUI/customUI.xml")
    tabs = ui.findall(".//ui:tab", NS)
    assert [t.get("label") for t in tabs] == ["SSCR pricing"]
    buttons = ui.findall(".//ui:button", NS)
    assert len(buttons) == 1
    button = buttons[0]
    assert button.get("label") == "Refresh"
    assert button.get("size") == "large"
    assert button.get("onAction") == "RibbonMyAddin.RunMain"
    tip = (button.get("screentip") or "") + " " + (button.get("supertip") or "")
    assert "Refresh" in tip and "Rates sheet" in tip and "red" in tip
    assert len(button.get("supertip")) <= 1024  # Office's limit for a supertip


def test_ribbon_ids_are_unique_and_not_the_templates(xlam):
    ui = xml(xlam, "customUI/customUI.xml")
    ids = [e.get("id") for e in ui.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 3
    assert not {"myaddinTab", "myGroup", "myButton"} & set(ids)


# --- the VBA behind the button ---------------------------------------------------------------------

def vba_module_stem(workbook_name: str) -> str:
    """RunMain's ``Left(ThisWorkbook.Name, InStrRev(ThisWorkbook.Name, ".") - 1)``."""
    return workbook_name[:workbook_name.rfind(".")]


def test_run_main_imports_the_module_named_after_the_addin_and_calls_main(vba_modules):
    code = vba_modules["RibbonMyAddin"]
    sub = re.search(r"^Sub RunMain\(control As IRibbonControl\)$(.*?)^End Sub$", code, re.M | re.S)
    assert sub, "RibbonMyAddin has no RunMain(control As IRibbonControl), the ribbon's onAction"
    body = [" ".join(line.split()) for line in sub.group(1).strip().splitlines()]
    assert body == [
        'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))',
        'RunPython "import " & mymodule & ";" & mymodule & ".main()"',
    ]
    stem = vba_module_stem(XLAM.name)
    assert stem == "sscr_pricing"
    command = "import " + stem + ";" + stem + ".main()"
    assert command == "import sscr_pricing;sscr_pricing.main()"


def test_the_module_runmain_imports_sits_beside_the_addin_and_defines_main(vba_modules, build_module):
    stem = vba_module_stem(XLAM.name)
    assert build_module.ENTRY_MODULE == stem
    module = ADDIN_DIR / f"{stem}.py"
    assert module.is_file(), f"RunMain imports {stem}: {module.name} must be beside {XLAM.name}"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    mains = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    assert len(mains) == 1
    args = mains[0].args
    assert not args.args and not args.posonlyargs and not args.kwonlyargs and not args.vararg


def test_vba_is_xlwings_runpython_for_the_installed_xlwings(vba_modules):
    """The config sheet's name comes from PROJECT_NAME; on macOS RunPython calls the AppleScript of
    this exact xlwings version, so the add-in must be rebuilt when xlwings is upgraded."""
    main = vba_modules["xlwings"]
    assert re.search(r'^Public Const PROJECT_NAME As String = "myaddin"$', main, re.M)
    version = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"$', main, re.M)
    assert version and version.group(1) == xlwings.__version__, (
        f"the add-in's VBA is xlwings {version and version.group(1)}, the installed xlwings is "
        f"{xlwings.__version__}: run python addin/build.py")
    assert re.search(r"^Public Function RunPython\(PythonCommand As String\)", main, re.M)
    assert re.search(r"^Sub ImportPythonUDFsToAddin\(\)", main, re.M)


# --- the settings sheet ------------------------------------------------------------------------------

def sheet_cells(zf: zipfile.ZipFile, sheet_name: str) -> dict[str, object]:
    """Cell values of a sheet, by reference: shared strings, inline strings, booleans, numbers."""
    workbook = xml(zf, "xl/workbook.xml")
    sheets = {s.get("name"): s.get(f"{{{NS['r']}}}id") for s in workbook.findall("m:sheets/m:sheet", NS)}
    rels = {r.get("Id"): r.get("Target") for r in xml(zf, "xl/_rels/workbook.xml.rels").findall("pr:Relationship", NS)}
    shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
              for si in xml(zf, "xl/sharedStrings.xml").findall("m:si", NS)]
    sheet = xml(zf, "xl/" + rels[sheets[sheet_name]])
    cells = {}
    for c in sheet.iter(f"{{{NS['m']}}}c"):
        kind, v = c.get("t"), c.find("m:v", NS)
        if kind == "s":
            cells[c.get("r")] = shared[int(v.text)]
        elif kind == "inlineStr":
            cells[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
        elif kind == "b":
            cells[c.get("r")] = v.text == "1"
        elif v is not None:
            cells[c.get("r")] = float(v.text)
    return cells


def addin_config(zf: zipfile.ZipFile) -> dict[str, object]:
    """The settings xlwings' GetConfigFromSheet reads: column A from A1 down to the first empty cell
    (``Range("A1").End(xlDown)``), upper-cased, with the value beside each."""
    cells = sheet_cells(zf, "myaddin.conf")
    config, row = {}, 1
    while f"A{row}" in cells and cells[f"A{row}"] != "":
        config[str(cells[f"A{row}"]).upper()] = cells.get(f"B{row}", "")
        row += 1
    return config


def test_config_sheet_is_active_and_imports_the_worksheet_functions_from_udfs(xlam):
    names = [s.get("name") for s in xml(xlam, "xl/workbook.xml").findall("m:sheets/m:sheet", NS)]
    assert names == ["myaddin.conf"]  # PROJECT_NAME & ".conf"; "_myaddin.conf" is ignored by xlwings
    # The one setting: every other one (interpreter, conda, PYTHONPATH, ...) is left to the user's
    # myaddin.conf file, which a setting on this sheet, even an empty one, would hide.
    assert addin_config(xlam) == {"UDF MODULES": "udfs"}
    assert sheet_cells(xlam, "myaddin.conf") == {"A1": "UDF Modules", "B1": "udfs"}
    sst = xml(xlam, "xl/sharedStrings.xml")
    references = xlam.read("xl/worksheets/sheet1.xml").count(b't="s"')
    assert int(sst.get("count")) == references and int(sst.get("uniqueCount")) == len(sst.findall("m:si", NS))


@pytest.fixture()
def windows_xlwings(monkeypatch):
    """xlwings' Windows UDF decorators and VBA generator, imported with stand-ins for the pywin32
    modules it imports at the top (the code used here touches none of them); ``udfs`` is imported
    afresh under them, as the Windows Python would, and the original modules are put back after."""
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        module = types.ModuleType(name)
        module.Dispatch = object  # type: ignore[attr-defined]
        module.CoInitialize = lambda: None  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)
    if "xlwings.udfs" in sys.modules:
        monkeypatch.delitem(sys.modules, "xlwings.udfs")
    else:  # imported here for the first time (it is Windows-only): removed again afterwards
        monkeypatch.setitem(sys.modules, "xlwings.udfs", None)
        monkeypatch.delitem(sys.modules, "xlwings.udfs")
    monkeypatch.setattr(xlwings, "udfs", None, raising=False)
    import xlwings.udfs as xlw_udfs

    monkeypatch.setattr(xlwings, "func", xlw_udfs.xlfunc)
    monkeypatch.setattr(xlwings, "arg", xlw_udfs.xlarg)
    monkeypatch.setattr(xlwings, "ret", xlw_udfs.xlret)
    for name in [n for n in sys.modules if n == "udfs" or n.startswith("udfs.")]:
        monkeypatch.delitem(sys.modules, name)
    yield xlw_udfs
    for name in [n for n in sys.modules if n == "udfs" or n.startswith("udfs.")]:
        del sys.modules[name]  # monkeypatch puts the originals back


def test_importing_the_udf_module_gives_excel_every_worksheet_function(xlam, windows_xlwings):
    """What the Import Functions button does with the add-in's UDF Modules setting
    (ImportPythonUDFsToAddin -> xlwings.import_udfs -> generate_vba_wrapper)."""
    from udfs.edge import REGISTRY as original_registry

    module_name = addin_config(xlam)["UDF MODULES"]
    udfs = importlib.import_module(module_name)
    out = io.StringIO()
    windows_xlwings.generate_vba_wrapper(module_name, udfs, out, types.SimpleNamespace(Name=XLAM.name))
    vba = out.getvalue()
    declared = re.findall(r"^Function (\w+)\((.*)\)$", vba, re.M)
    assert {name for name, _ in declared} == set(original_registry) == set(udfs.REGISTRY)
    assert len(declared) == len(original_registry) >= 16
    assert ("CPR", "bpr, cra, ia, csa, Optional rate_type, Optional cost_of_capital_agreed, "
                   "Optional date_of_agreement, Optional contract_kind") in declared
    # In an add-in, each call passes the workbook the formula is in, not the add-in.
    assert 'CPR = XLPy.CallUDF("udfs", "CPR", Array(bpr, cra, ia, csa, rate_type, cost_of_capital_agreed, ' \
           'date_of_agreement, contract_kind), ' \
           'ActiveWorkbook, Application.Caller)' in vba


# --- the build ---------------------------------------------------------------------------------------

def test_committed_addin_is_a_fresh_build_of_the_installed_template(build_module, tmp_path):
    fresh = build_module.build(tmp_path / XLAM.name)
    assert build_module.differences(fresh, XLAM) == [], "run python addin/build.py and commit the add-in"
    with zipfile.ZipFile(XLAM) as zf:
        assert {i.date_time for i in zf.infolist()} == {build_module.TIMESTAMP}


def test_build_is_repeatable_byte_for_byte(build_module, tmp_path):
    one = build_module.build(tmp_path / "one" / XLAM.name).read_bytes()
    two = build_module.build(tmp_path / "two" / XLAM.name).read_bytes()
    assert one == two


def test_build_changes_only_the_ribbon_and_the_settings_sheet(build_module):
    edited = {"customUI/customUI.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"}
    with zipfile.ZipFile(build_module.template_path()) as template, zipfile.ZipFile(XLAM) as addin:
        assert addin.namelist() == template.namelist()
        for name in template.namelist():
            same = addin.read(name) == template.read(name)
            assert same == (name not in edited), name
        workbook_t, workbook_a = template.read("xl/workbook.xml"), addin.read("xl/workbook.xml")
        assert workbook_a == workbook_t.replace(b'name="_myaddin.conf"', b'name="myaddin.conf"')


def test_build_refuses_a_template_laid_out_differently(build_module, tmp_path):
    odd = tmp_path / "odd.xlam"
    with zipfile.ZipFile(build_module.template_path()) as template, zipfile.ZipFile(odd, "w") as out:
        for name in template.namelist():
            data = template.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"_myaddin.conf", b"settings")
            out.writestr(name, data)
    with pytest.raises(build_module.BuildError, match="_myaddin.conf"):
        build_module.build(tmp_path / "out.xlam", template=odd)


def test_build_check_command_reports_a_stale_addin(build_module, tmp_path, monkeypatch, capsys):
    stale = tmp_path / XLAM.name
    with zipfile.ZipFile(XLAM) as src, zipfile.ZipFile(stale, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "customUI/customUI.xml":
                data = data.replace(b'label="Refresh"', b'label="Run"')
            out.writestr(info, data)
    monkeypatch.setattr(build_module, "ADDIN", stale)
    assert build_module.main(["--check"]) == 1
    assert "customUI/customUI.xml: content differs" in capsys.readouterr().err
    monkeypatch.setattr(build_module, "ADDIN", XLAM)
    assert build_module.main(["--check"]) == 0
