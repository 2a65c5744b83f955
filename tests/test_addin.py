"""The Excel add-in, addin/sscr_pricing.xlam: its VBA project, its worksheet functions as xlwings
registers them, its ribbon, its settings, its build and its one-step install.

The add-in is read as Excel would find it (a zip of XML parts and a VBA project) with real readers:
oletools lists the VBA modules and their source, and LibreOffice opens the add-in and converts it,
with its VBA in a Basic library. The worksheet functions are registered by xlwings' own Windows
code (``xlwings.udfs.import_udfs``), with stand-ins only for the pywin32 modules and Excel.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st

import xlwings

with warnings.catch_warnings():  # oletools uses pyparsing names that pyparsing 3 deprecates
    warnings.simplefilter("ignore", DeprecationWarning)
    import olefile
    from oletools.olevba import VBA_Parser, decompress_stream

ROOT = Path(__file__).resolve().parents[1]
ADDIN_DIR = ROOT / "addin"
XLAM = ADDIN_DIR / "sscr_pricing.xlam"
REBUILD = "the add-in is not what the worksheet functions give now: run python addin/build.py and commit the add-in"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
      "ui": "http://schemas.microsoft.com/office/2006/01/customui"}
MODULES = ["ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "SSCRPricingRibbon", "xlwings_udfs", "SSCRPricingHelp"]


@pytest.fixture(scope="module")
def build_module():
    sys.path.insert(0, str(ADDIN_DIR))
    try:
        yield importlib.import_module("build")
    finally:
        sys.path.remove(str(ADDIN_DIR))
        sys.modules.pop("build", None)
        sys.modules.pop("vba_project", None)


@pytest.fixture(scope="module")
def vba_project(build_module):
    return sys.modules["vba_project"]


@pytest.fixture(scope="module")
def xlam() -> zipfile.ZipFile:
    with zipfile.ZipFile(XLAM) as zf:
        yield zf


@pytest.fixture(scope="module")
def vba_modules() -> dict[str, str]:
    """Module name -> source, as oletools reads them from the shipped add-in."""
    parser = VBA_Parser(str(XLAM))
    try:
        assert parser.detect_vba_macros(), "the add-in has no VBA project"
        return {stream.split("/")[-1]: code.replace("\r\n", "\n") for _f, stream, _name, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.fixture(scope="module")
def registration(build_module):
    """xlwings' own import_udfs run on ``udfs`` into a stand-in of the add-in workbook."""
    return build_module.registration()


def vba_arguments(fn) -> str:
    """The argument list of a function's VBA wrapper: optional Python arguments are Optional."""
    return ", ".join(("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
                     for p in inspect.signature(fn).parameters.values())


def xml(zf: zipfile.ZipFile, part: str):
    return SafeET.fromstring(zf.read(part))


def ole_streams(data: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    try:
        assert ole.parsing_issues == []
        return {"/".join(p): ole.openstream("/".join(p)).read() for p in ole.listdir()}
    finally:
        ole.close()


# --- the worksheet functions, as xlwings registers them -------------------------------------------------

def test_xlwings_import_registers_every_function_in_the_sscr_category_with_its_help(registration):
    """xlwings' import_udfs: the VBA wrapper of every function, and Application.MacroOptions with the
    category, description and argument help that Excel's function wizard shows."""
    from udfs.edge import CATEGORY, REGISTRY

    assert CATEGORY == "SSCR pricing"
    names = set(REGISTRY)
    assert set(registration.functions) == names and len(names) >= 29
    declared = re.findall(r"^Function (\w+)\((.*)\)$", registration.udf_module, re.M)
    assert {n for n, _ in declared} == names and len(declared) == len(names)
    calls = {c["Macro"]: c for c in registration.macro_options}
    assert set(calls) == {f"'sscr_pricing.xlam'!{n}" for n in names}
    for name, fn in REGISTRY.items():
        info = registration.functions[name]
        assert info["category"] == CATEGORY, f"{name} registers in {info['category']!r}"
        call = calls[f"'sscr_pricing.xlam'!{name}"]
        assert call["Category"] == CATEGORY
        assert call["Description"] == fn.__doc__[:255] and 0 < len(fn.__doc__) <= 255
        params = list(inspect.signature(fn).parameters)
        assert [a["name"] for a in info["args"]] == params
        docs = [a["doc"] for a in info["args"]]
        assert all(d and not d.startswith("Positional argument") for d in docs), name
        assert (call["ArgumentDescriptions"] or []) == [d[:255] for d in docs]
    assert sorted(declared) == sorted((name, vba_arguments(fn)) for name, fn in REGISTRY.items())
    assert vba_arguments(REGISTRY["CPR"]).startswith("bpr, cra, ia, csa, Optional rate_type")
    # In an add-in each call passes the workbook the formula is in, not the add-in.
    cpr_args = ", ".join(inspect.signature(REGISTRY["CPR"]).parameters)
    assert (f'CPR = XLPy.CallUDF("udfs", "CPR", Array({cpr_args}), '
            'ActiveWorkbook, Application.Caller)') in registration.udf_module


def test_slow_functions_are_not_evaluated_by_the_function_wizard(registration):
    slow = {name for name, info in registration.functions.items() if not info["call_in_wizard"]}
    assert {"RISK_SIM", "RISK_SIM_TABLE"} <= slow
    for name in slow:
        body = registration.udf_module.split(f"Function {name}(", 1)[1].split("End Function", 1)[0]
        assert 'If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function' in body
    assert not any(info["volatile"] for info in registration.functions.values())
    fast = registration.udf_module.split("Function CPR(", 1)[1].split("End Function", 1)[0]
    assert "CommandBars" not in fast


def test_the_shipped_wrappers_are_what_xlwings_generates_now(registration, vba_modules, build_module):
    """Fails when a worksheet function, its arguments or its help changed since the add-in was built."""
    assert vba_modules["xlwings_udfs"] == registration.udf_module.replace("\r\n", "\n"), REBUILD
    assert vba_modules["SSCRPricingHelp"] == build_module.help_module(registration.macro_options), REBUILD


def test_the_help_module_repeats_every_macro_options_call_when_the_addin_opens(vba_modules, registration):
    code = vba_modules["SSCRPricingHelp"]
    assert re.search(r"^Sub RegisterFunctions\(\)$", code, re.M)
    for call in registration.macro_options:
        name = call["Macro"].split("!")[1]
        block = code.split(f"""ThisWorkbook.Name & "'!{name}", _""", 1)[1].split("Application.MacroOptions", 1)[0]
        assert 'Category:="SSCR pricing"' in block
        assert 'Description:="' + " ".join(call["Description"].split()).replace('"', '""') + '"' in block
        for doc in call["ArgumentDescriptions"] or []:
            assert '"' + " ".join(doc.split()).replace('"', '""') + '"' in block
        assert all(len(line) < 1024 for line in block.splitlines())  # VBA's line length limit
        assert block.count(" _\n") < 25  # VBA's limit of line continuations
    this = vba_modules["ThisWorkbook"]
    sub = re.search(r"^Private Sub Workbook_Open\(\)$(.*?)^End Sub$", this, re.M | re.S)
    assert sub and re.search(r"^\s*SSCRPricingHelp\.RegisterFunctions$", sub.group(1), re.M)


# --- the VBA project ------------------------------------------------------------------------------------

def test_oletools_reads_the_products_own_project_and_modules(xlam, vba_modules):
    assert list(vba_modules) == MODULES
    streams = ole_streams(xlam.read("xl/vbaProject.bin"))
    project = streams["PROJECT"].decode("cp1252")
    assert 'Name="SSCRPricing"' in project
    assert re.findall(r"^(Document|Module|Class)=(\w+)", project, re.M) == [
        ("Document", "ThisWorkbook"), ("Document", "Sheet2"), ("Class", "Dictionary"), ("Module", "xlwings"),
        ("Module", "SSCRPricingRibbon"), ("Module", "xlwings_udfs"), ("Module", "SSCRPricingHelp")]
    assert streams["VBA/_VBA_PROJECT"][:4] == b"\xcc\x61\xff\xff"  # version-independent: Excel compiles the source
    dir_stream = bytes(decompress_stream(bytearray(streams["VBA/dir"])))
    assert b"\x04\x00\x0b\x00\x00\x00SSCRPricing" in dir_stream  # PROJECTNAME record


def test_no_trace_of_the_templates_identity_anywhere(xlam):
    """No 'myaddin': not in the project or module names, the settings sheet or file, any part or stream."""
    texts = []
    for name in xlam.namelist():
        data = xlam.read(name)
        if name == "xl/vbaProject.bin":
            for stream, raw in ole_streams(data).items():
                texts.append(raw)
                if stream.startswith("VBA/") and stream != "VBA/_VBA_PROJECT":
                    texts.append(bytes(decompress_stream(bytearray(raw))))
        else:
            texts.append(data)
    for text in texts:
        lowered = text.lower()
        assert b"myaddin" not in lowered and b"m\x00y\x00a\x00d\x00d\x00i\x00n" not in lowered
        assert b"felix" not in lowered


def test_settings_are_the_products_own(vba_modules):
    main = vba_modules["xlwings"]
    assert re.search(r'^Public Const PROJECT_NAME As String = "sscr_pricing"$', main, re.M)
    # So the settings sheet is sscr_pricing.conf and the settings file %USERPROFILE%\.sscr_pricing\sscr_pricing.conf
    assert 'Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"' in main


def test_the_xlwings_module_is_the_installed_xlwings_add_in_module(build_module, vba_modules):
    """On macOS RunPython calls the AppleScript of this exact xlwings version, so the add-in is rebuilt
    (and addin/vba/xlwings.bas taken again from the template) when xlwings is upgraded."""
    with zipfile.ZipFile(build_module.template_path()) as zf:
        parser = VBA_Parser("template.xlam", data=zf.read("xl/vbaProject.bin"))
        template = {s.split("/")[-1]: c.replace("\r\n", "\n") for _f, s, _n, c in parser.extract_macros()}
        parser.close()
    ours = vba_modules["xlwings"].splitlines()
    theirs = template["xlwings"].splitlines()
    assert len(ours) == len(theirs)
    differing = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert differing == [('Public Const PROJECT_NAME As String = "sscr_pricing"',
                          'Public Const PROJECT_NAME As String = "myaddin"')], (
        "addin/vba/xlwings.bas is not the installed xlwings template's module: take it again from "
        f"{build_module.TEMPLATE_NAME} and run python addin/build.py")
    version = re.search(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"$', vba_modules["xlwings"], re.M)
    assert version and version.group(1) == xlwings.__version__


def test_libreoffice_opens_the_addin_and_holds_every_module_in_its_basic_library(tmp_path):
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        if os.environ.get("SSCR_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("soffice is not installed (SSCR_REQUIRE_LIBREOFFICE=1)", pytrace=False)
        pytest.skip("soffice is not installed")
    profile = tmp_path / "profile"
    profile.mkdir()
    done = subprocess.run([program, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
                           "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path),
                           str(XLAM)], capture_output=True, text=True, timeout=180, env=dict(os.environ, HOME=str(tmp_path)))
    ods = tmp_path / "sscr_pricing.ods"
    assert ods.is_file(), done.stderr
    with zipfile.ZipFile(ods) as zf:
        library = sorted(n.split("/")[2][:-4] for n in zf.namelist()
                         if n.startswith("Basic/SSCRPricing/") and n.endswith(".xml") and not n.endswith("script-lb.xml"))
        ribbon = SafeET.fromstring(zf.read("Basic/SSCRPricing/SSCRPricingRibbon.xml")).text
        udfs_text = SafeET.fromstring(zf.read("Basic/SSCRPricing/xlwings_udfs.xml")).text
    assert library == sorted(MODULES)
    assert "Sub Refresh(control As IRibbonControl)" in ribbon
    assert 'RunPython "import sscr.addin; sscr.addin.refresh()"' in ribbon
    from udfs.edge import REGISTRY

    assert f"Function CPR({vba_arguments(REGISTRY['CPR'])})" in udfs_text


# --- MS-OVBA: compression and the PROJECT stream's encryption --------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.one_of(st.binary(max_size=9000),
                 st.lists(st.sampled_from([b"Sub ", b"End Sub\r\n", b"    ", b"x", b"\r\n", b"CPR", b"\x00"]),
                          max_size=3000).map(b"".join)))
def test_compression_is_undone_by_oletools(vba_project, data):
    try:
        packed = vba_project.compress(data)
    except ValueError:
        assert len(data) % 4096 and len(data) > 3000  # an incompressible last chunk is refused, never wrong
        return
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_encryption_gives_the_templates_own_protection_fields(vba_project, build_module):
    """The template's CMG, DPB and GC decrypt (MS-OVBA 2.4.3.3) and encrypt back (2.4.3.2) to the same text."""
    with zipfile.ZipFile(build_module.template_path()) as zf:
        project = ole_streams(zf.read("xl/vbaProject.bin"))["PROJECT"].decode("cp1252")
    pid = re.search(r'^ID="(\{[0-9A-F-]+\})"', project, re.M).group(1)
    expected = {"CMG": b"\x00\x00\x00\x00", "DPB": b"\x00", "GC": b"\xff"}
    for key, data in expected.items():
        text = re.search(rf'^{key}="([0-9A-F]+)"', project, re.M).group(1)
        seed, ignored, plain = vba_project.decrypt(pid, text)
        assert plain == data
        assert vba_project.encrypt(pid, plain, seed, ignored) == text


def test_the_addins_project_is_unprotected_and_visible(vba_project, xlam):
    project = ole_streams(xlam.read("xl/vbaProject.bin"))["PROJECT"].decode("cp1252")
    pid = re.search(r'^ID="(\{[0-9A-F-]+\})"', project, re.M).group(1)
    assert pid != "{318BEE36-5BE1-492A-826D-473DB19B0F30}"  # not the template's project ID
    fields = {k: vba_project.decrypt(pid, re.search(rf'^{k}="([0-9A-F]+)"', project, re.M).group(1))[2]
              for k in ("CMG", "DPB", "GC")}
    assert fields == {"CMG": struct.pack("<I", 0), "DPB": b"\x00", "GC": b"\xff"}


def test_a_module_outside_the_code_page_is_refused_by_name(vba_project):
    with pytest.raises(ValueError, match="module Odd.*not in code page 1252"):
        vba_project.Module("Odd", vba_project.STANDARD, 'Attribute VB_Name = "Odd"\n\' \u2264\n').code()


# --- the ribbon -------------------------------------------------------------------------------------------

def test_ribbon_has_a_large_refresh_button_that_runs_the_ribbon_modules_refresh(xlam, vba_modules):
    rels = xml(xlam, "_rels/.rels")
    ui_targets = [r.get("Target") for r in rels.findall("pr:Relationship", NS)
                  if r.get("Type", "").endswith("/ui/extensibility")]
    assert ui_targets == ["customUI/customUI.xml"]
    ui = xml(xlam, "customUI/customUI.xml")
    assert [t.get("label") for t in ui.findall(".//ui:tab", NS)] == ["SSCR pricing"]
    buttons = ui.findall(".//ui:button", NS)
    assert len(buttons) == 1
    button = buttons[0]
    assert (button.get("label"), button.get("size"), button.get("onAction")) == (
        "Refresh", "large", "SSCRPricingRibbon.Refresh")
    tip = (button.get("screentip") or "") + " " + (button.get("supertip") or "")
    assert "Refresh" in tip and "Rates sheet" in tip and "red" in tip
    assert len(button.get("supertip")) <= 1024  # Office's limit for a supertip
    ids = [e.get("id") for e in ui.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 3
    code = vba_modules["SSCRPricingRibbon"]
    sub = re.search(r"^Sub Refresh\(control As IRibbonControl\)$(.*?)^End Sub$", code, re.M | re.S)
    assert sub, "SSCRPricingRibbon has no Refresh(control As IRibbonControl), the ribbon's onAction"
    command = re.search(r'^\s*RunPython "([^"]+)"$', sub.group(1), re.M).group(1)
    assert command == "import sscr.addin; sscr.addin.refresh()"


def test_the_python_the_button_runs_exists_and_takes_no_arguments():
    import sscr.addin

    assert callable(sscr.addin.refresh) and not inspect.signature(sscr.addin.refresh).parameters


# --- the settings sheet ---------------------------------------------------------------------------------

def sheet_cells(zf: zipfile.ZipFile, sheet_name: str) -> dict[str, object]:
    workbook = xml(zf, "xl/workbook.xml")
    sheets = {s.get("name"): s.get(f"{{{NS['r']}}}id") for s in workbook.findall("m:sheets/m:sheet", NS)}
    rels = {r.get("Id"): r.get("Target") for r in xml(zf, "xl/_rels/workbook.xml.rels").findall("pr:Relationship", NS)}
    shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
              for si in xml(zf, "xl/sharedStrings.xml").findall("m:si", NS)]
    cells = {}
    for c in xml(zf, "xl/" + rels[sheets[sheet_name]]).iter(f"{{{NS['m']}}}c"):
        kind, v = c.get("t"), c.find("m:v", NS)
        if kind == "s":
            cells[c.get("r")] = shared[int(v.text)]
        elif kind == "inlineStr":
            cells[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
        elif v is not None:
            cells[c.get("r")] = v.text
    return cells


def test_settings_sheet_is_active_and_imports_the_worksheet_functions_from_udfs(xlam):
    names = [s.get("name") for s in xml(xlam, "xl/workbook.xml").findall("m:sheets/m:sheet", NS)]
    assert names == ["sscr_pricing.conf"]  # PROJECT_NAME & ".conf"
    # The one setting: the interpreter and the rest are left to the settings file, which a setting on
    # this sheet, even an empty one, would hide.
    assert sheet_cells(xlam, "sscr_pricing.conf") == {"A1": "UDF Modules", "B1": "udfs"}
    sst = xml(xlam, "xl/sharedStrings.xml")
    references = xlam.read("xl/worksheets/sheet1.xml").count(b't="s"')
    assert int(sst.get("count")) == references and int(sst.get("uniqueCount")) == len(sst.findall("m:si", NS))


# --- the build ------------------------------------------------------------------------------------------

def test_committed_addin_is_a_fresh_build(build_module, registration, tmp_path):
    fresh = build_module.build(tmp_path / XLAM.name, reg=registration)
    assert build_module.differences(fresh, XLAM) == [], REBUILD
    with zipfile.ZipFile(XLAM) as zf:
        assert {i.date_time for i in zf.infolist()} == {build_module.TIMESTAMP}


def test_build_is_repeatable_byte_for_byte(build_module, tmp_path):
    one = build_module.build(tmp_path / "one" / XLAM.name).read_bytes()
    two = build_module.build(tmp_path / "two" / XLAM.name).read_bytes()
    assert one == two


def test_build_leaves_udfs_as_it_found_it(build_module):
    import udfs

    before = udfs
    build_module.registration()
    import udfs as after

    assert after is before and sys.modules["udfs"] is before
    assert not hasattr(before.CPR, "__xlfunc__") or sys.platform.startswith("win")
    assert "pythoncom" not in sys.modules or sys.platform.startswith("win")


def test_build_refuses_a_template_laid_out_differently(build_module, registration, tmp_path):
    odd = tmp_path / "odd.xlam"
    with zipfile.ZipFile(build_module.template_path()) as template, zipfile.ZipFile(odd, "w") as out:
        for name in template.namelist():
            data = template.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"_myaddin.conf", b"settings")
            out.writestr(name, data)
    with pytest.raises(build_module.BuildError, match="_myaddin.conf"):
        build_module.build(tmp_path / "out.xlam", template=odd, reg=registration)


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


# --- installing in one step ----------------------------------------------------------------------------

def sscr(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(env or os.environ)
    env.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="sscr-cache-"))  # not the user's own cache
    return subprocess.run([sys.executable, "-m", "sscr.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env)


def test_sscr_addin_install_copies_the_addin_and_names_this_python(tmp_path):
    start, conf = tmp_path / "XLSTART", tmp_path / ".sscr_pricing"
    done = sscr("addin", "install", "--startup-dir", str(start), "--settings-dir", str(conf))
    assert done.returncode == 0, done.stderr
    assert (start / "sscr_pricing.xlam").read_bytes() == XLAM.read_bytes()
    settings_file = conf / "sscr_pricing.conf"
    lines = settings_file.read_text(encoding="utf-8").splitlines()
    assert set(lines) == {f'"INTERPRETER_WIN","{sys.executable}"', f'"INTERPRETER_MAC","{sys.executable}"'}
    assert "Restart Excel" in done.stdout and str(start / "sscr_pricing.xlam") in done.stdout


def test_install_keeps_what_the_user_wrote_in_the_settings_file(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "sscr_pricing.conf").write_text('"PYTHONPATH","C:\\mine"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n'
                                            '"SHOW CONSOLE","True"\n', encoding="utf-8")
    for _ in range(2):  # and installing again changes nothing more
        done = sscr("addin", "install", "--startup-dir", str(tmp_path / "s"), "--settings-dir", str(conf),
                    "--python", "C:\\sscr\\python.exe")
        assert done.returncode == 0, done.stderr
        assert (conf / "sscr_pricing.conf").read_text(encoding="utf-8").splitlines() == [
            '"PYTHONPATH","C:\\mine"', '"INTERPRETER_WIN","C:\\sscr\\python.exe"', '"SHOW CONSOLE","True"',
            '"INTERPRETER_MAC","C:\\sscr\\python.exe"']


def test_install_finds_excels_folders_on_windows_and_macos(monkeypatch, tmp_path):
    from sscr import addin

    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "me"))
    done = addin.install(platform="win32", interpreter=str(tmp_path / "python.exe"), spec_dir=tmp_path / "cache")
    assert done.addin == tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "sscr_pricing.xlam"
    assert done.settings == tmp_path / "me" / ".sscr_pricing" / "sscr_pricing.conf"
    assert done.settings.read_text(encoding="utf-8") == f'"INTERPRETER_WIN","{tmp_path / "python.exe"}"\n'
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert addin.default_settings_file("darwin") == (
        tmp_path / "home" / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "sscr_pricing.conf")
    assert addin.default_startup_dir("darwin").parts[-3:] == ("User Content.localized", "Startup.localized", "Excel")


def test_install_without_excel_says_what_to_give(tmp_path):
    done = sscr("addin", "install", env=dict(os.environ, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "c")))
    if sys.platform.startswith("win") or sys.platform == "darwin":
        pytest.skip("Excel's folders are known here")
    assert done.returncode == 2 and "--startup-dir" in done.stderr and "Traceback" not in done.stderr


def test_install_into_a_folder_it_cannot_write_says_so(tmp_path):
    start = tmp_path / "locked"
    start.mkdir()
    start.chmod(0o500)
    try:
        if os.access(start, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        done = sscr("addin", "install", "--startup-dir", str(start), "--settings-dir", str(tmp_path / "c"))
        assert done.returncode == 3 and "quit it and run this again" in done.stderr
    finally:
        start.chmod(0o700)


# --- Refresh's template layouts, kept between runs ---------------------------------------------------

def test_install_keeps_every_templates_layout_and_refresh_gets_the_same_spec(tmp_path, monkeypatch):
    from sscr.workbooks import layout, spec_cache
    from sscr.workbooks.templates import TEMPLATES
    from sscr import addin

    assert spec_cache.FOLDER is None  # off unless the add-in turns it on
    assert addin.prepare_refresh(tmp_path) == len(TEMPLATES)
    assert spec_cache.FOLDER is None  # and put back afterwards
    kept = sorted(p.name for p in tmp_path.iterdir())
    # every template, the contract models at their sizes too (the largest template is one)
    assert len(kept) == len(TEMPLATES) and all(spec_cache.code_digest() in name for name in kept)
    assert any(t.size for t in TEMPLATES.values())
    spec_cache.enable(tmp_path)
    try:
        fresh = {t.key: layout._SPECS.pop((t.key, t.version, t.size)) for t in TEMPLATES.values()}

        def laid_out(*args, **kwargs):
            raise AssertionError("laid out again although it was kept")

        monkeypatch.setattr(layout.Template, "layout", laid_out)
        for template in TEMPLATES.values():
            loaded = spec_cache.load(template.key, template.version, template.size)
            assert loaded == fresh[template.key] and loaded is not fresh[template.key]
            assert template.spec() == fresh[template.key]  # read from the kept file, not laid out
    finally:
        spec_cache.FOLDER = None


def test_a_contract_model_of_another_size_is_kept_under_its_own_name(tmp_path):
    from sscr.workbooks import layout, spec_cache
    from sscr.workbooks.templates.contract_model import ModelSize, blank_model

    small, grown = blank_model(ModelSize(lines=3, risks=2, components=2)), blank_model(ModelSize(lines=7, risks=2,
                                                                                                  components=2))
    spec_cache.enable(tmp_path)
    try:
        specs = {}
        for template in (small, grown):
            layout._SPECS.pop((template.key, template.version, template.size), None)
            specs[template.size] = template.spec()
        assert len(specs[grown.size].inputs) > len(specs[small.size].inputs)
        for template in (small, grown):
            assert spec_cache.load(template.key, template.version, template.size) == specs[template.size]
        names = sorted(p.name for p in tmp_path.iterdir())
        assert len(names) == 2 and any("-lines3-risks2-components2-" in n for n in names), names
        assert spec_cache.load(small.key, small.version) is None  # the fixed name is not a sized layout's
    finally:
        spec_cache.FOLDER = None


def test_kept_layouts_of_an_earlier_install_and_old_sizes_are_removed(tmp_path, monkeypatch):
    from sscr.workbooks import spec_cache

    spec_cache.enable(tmp_path)
    try:
        old = tmp_path / "contract_model-v2-lines50-risks20-components10-0123456789abcdef01234567.pickle"
        other = tmp_path / "contract_model-v20-lines5-0123456789abcdef01234567.pickle"  # another version's file
        old.write_bytes(b"x")
        other.write_bytes(b"x")
        for lines in range(1, spec_cache.KEPT_SIZES + 3):
            spec_cache.store("contract_model", 2, {"lines": lines}, (("lines", lines),))
            path = spec_cache._path("contract_model", 2, (("lines", lines),))
            os.utime(path, (1_000_000 + lines, 1_000_000 + lines))  # written in this order
        assert not old.exists() and other.exists()
        kept = sorted(spec_cache.load("contract_model", 2, (("lines", n),)) is not None
                      for n in range(1, spec_cache.KEPT_SIZES + 3))
        assert kept.count(True) == spec_cache.KEPT_SIZES
        newest = spec_cache.KEPT_SIZES + 2
        assert spec_cache.load("contract_model", 2, (("lines", newest),)) == {"lines": newest}
        assert spec_cache.load("contract_model", 2, (("lines", 1),)) is None  # the least recently written went
    finally:
        spec_cache.FOLDER = None


def test_a_damaged_kept_layout_is_laid_out_again(tmp_path):
    from sscr.workbooks import layout, spec_cache
    from sscr.workbooks.templates import TEMPLATES

    template = next(iter(TEMPLATES.values()))
    expected = template.spec()
    spec_cache.enable(tmp_path)
    try:
        spec_cache.store(template.key, template.version, expected)
        path = next(tmp_path.iterdir())
        path.write_bytes(b"not a spec")
        layout._SPECS.pop((template.key, template.version, template.size))
        assert template.spec() == expected
        assert spec_cache.load(template.key, template.version) == expected  # rewritten
    finally:
        spec_cache.FOLDER = None


def test_refresh_with_the_kept_layouts_imports_no_openpyxl(tmp_path):
    """What the button runs, with the layouts ``sscr addin install`` keeps, in a Python that cannot
    import openpyxl: the specs are read from the kept files and every template is filled (the file
    adapter stands for Excel's book here; the fill is the one Refresh runs)."""
    from sscr import addin
    from sscr.workbooks.templates import TEMPLATES

    addin.prepare_refresh(tmp_path / "specs")
    for template in TEMPLATES.values():
        shutil.copyfile(ROOT / "workbooks" / template.filename, tmp_path / template.filename)
    code = r'''
import importlib.abc, sys
from pathlib import Path

class Refused(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "openpyxl":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Refused())
import sscr.addin
from sscr.workbooks import spec_cache, xlwings_adapter
from sscr.workbooks.adapter import FileBook
from sscr.workbooks.fill import fill
from sscr.workbooks.templates import TEMPLATES

spec_cache.enable(Path(sys.argv[1]))
for template in TEMPLATES.values():
    result = fill(FileBook.open(Path(sys.argv[2]) / template.filename))
    assert result.flags == [] and result.written == result.formulas == len(template.spec().outputs), template.key
print(len(TEMPLATES), "filled;", "sscr.workbooks.styles" in sys.modules)
'''
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "specs"), str(tmp_path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == f"{len(TEMPLATES)} filled; False"


def test_refresh_turns_the_garbage_collector_back_on_for_a_python_that_goes_on(monkeypatch):
    import gc

    from sscr import addin
    from sscr.workbooks import spec_cache, xlwings_adapter

    seen = []
    monkeypatch.setattr(spec_cache, "FOLDER", None)
    monkeypatch.setattr(spec_cache, "enable", lambda folder=None: None)
    monkeypatch.setattr(xlwings_adapter, "refresh_caller", lambda: seen.append(gc.isenabled()))
    assert gc.isenabled()
    addin.refresh()
    assert seen == [False] and gc.isenabled()

    def fails():
        raise RuntimeError("stopped")

    monkeypatch.setattr(xlwings_adapter, "refresh_caller", fails)
    with pytest.raises(RuntimeError):
        addin.refresh()
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(xlwings_adapter, "refresh_caller", lambda: None)
        addin.refresh()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
