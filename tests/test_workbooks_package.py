"""The xlsx package changed by splicing: every part stays well-formed XML, every part has a content
type and every relationship a target, and cells are inserted in row and column order."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from defusedxml import ElementTree as SafeET

from sscr.workbooks.package import PackageError, SheetXml, XlsxPackage, parse_area, split_ref
from sscr.workbooks.regenerate import regenerate_one
from workbook_helpers import copy_templates, named_cell


def assert_sane_package(path: Path) -> None:
    """A zip whose XML parts parse, whose parts all have a content type, whose relationships resolve."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert len(names) == len(set(names))
        parts = {n: zf.read(n) for n in names}
    types = SafeET.fromstring(parts["[Content_Types].xml"])
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    defaults = {d.get("Extension").lower() for d in types.iter(ns + "Default")}
    overrides = {o.get("PartName").lstrip("/") for o in types.iter(ns + "Override")}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            SafeET.fromstring(data)  # well-formed
        if name != "[Content_Types].xml" and not name.endswith("/"):
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"{name} has no content type"
    for override in overrides:
        assert override in parts, f"content type for a missing part {override}"
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        source_dir = posixpath.dirname(posixpath.dirname(name))
        for rel in SafeET.fromstring(data):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(source_dir, target))
            assert resolved in parts, f"{name}: relationship to missing {resolved}"


def test_templates_and_flagged_regenerations_are_sane_packages(tmp_path):
    folder = copy_templates(tmp_path)
    for path in folder.glob("*.xlsx"):
        assert_sane_package(path)
    wb = openpyxl.load_workbook(folder / "aggregation.xlsx")
    named_cell(wb, "Ex6_CRA_pot").value = 3
    named_cell(wb, "Ex7_Price_1").value = "=Ex7_AC_1*2"
    wb["Rates"]["C8"] = 1.23
    wb.save(folder / "edited.xlsx")
    result = regenerate_one(folder / "edited.xlsx", tmp_path / "out")
    # the three cells changed, and the cells computed from them
    assert result.status == "flagged" and len(result.flags) > 3
    assert {"Ex6_CRA_pot", "Ex7_Price_1"} <= {f["where"] for f in result.flags}
    assert_sane_package(tmp_path / "out" / "edited.xlsx")
    # a second regeneration of the flagged copy keeps one comment per flagged cell
    again = regenerate_one(tmp_path / "out" / "edited.xlsx", tmp_path / "again")
    assert len(again.flags) == len(result.flags)
    assert_sane_package(tmp_path / "again" / "edited.xlsx")
    with zipfile.ZipFile(tmp_path / "again" / "edited.xlsx") as zf:
        comments = "".join(zf.read(n).decode() for n in zf.namelist() if "comments/" in n)
    assert comments.count("<comment ") == len(result.flags)


def _sheet(rows: str) -> SheetXml:
    return SheetXml('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f"{rows}<pageMargins/></worksheet>")


def test_cells_are_inserted_in_order():
    sheet = _sheet('<sheetData><row r="2"><c r="B2"><v>1</v></c><c r="D2"><v>2</v></c></row><row r="5"/></sheetData>')
    sheet.replace("C2", '<c r="C2"><v>9</v></c>')
    sheet.replace("A2", '<c r="A2"><v>8</v></c>')
    sheet.replace("E5", '<c r="E5"><v>7</v></c>')
    sheet.replace("A1", '<c r="A1"><v>6</v></c>')
    sheet.replace("A9", '<c r="A9"><v>5</v></c>')
    sheet.replace("A3", '<c r="A3"><v>4</v></c>')
    order = re.findall(r'<c r="([A-Z]+\d+)"', sheet.text)
    assert order == ["A1", "A2", "B2", "C2", "D2", "A3", "E5", "A9"]
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', sheet.text)]
    assert rows == sorted(rows)
    SafeET.fromstring(sheet.text)


def test_empty_sheet_data_gets_a_row():
    sheet = _sheet("<sheetData/>")
    sheet.replace("B3", '<c r="B3"><v>1</v></c>')
    assert '<sheetData><row r="3"><c r="B3"><v>1</v></c></row></sheetData>' in sheet.text


def test_values_are_written_and_read_back(tmp_path):
    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    package = XlsxPackage.open(folder / "profit-rate.xlsx")
    sheet = "Contract profit rate"
    package.write_value(sheet, "H40", "a < b & \"c\"")
    package.write_value(sheet, "H41", 1e-7)
    package.write_value(sheet, "H42", None)
    package.write_cached(sheet, "C12", "text result")
    assert package.read(sheet, "H40").value == "a < b & \"c\""
    assert package.read(sheet, "H41").value == 1e-7
    assert package.read(sheet, "C12").value == "text result"
    assert package.read(sheet, "C12").formula.startswith("INDEX(Rates_BPR")
    assert package.read(sheet, "B12").value == "baseline profit rate"  # a shared string
    with pytest.raises(PackageError, match="holds no formula"):
        package.write_cached(sheet, "B12", 1.0)
    with pytest.raises(PackageError, match="not a finite number"):
        package.write_cached(sheet, "C12", float("nan"))
    package.save(tmp_path / "written.xlsx")
    assert_sane_package(tmp_path / "written.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "written.xlsx", data_only=True)
    assert wb[sheet]["H40"].value == "a < b & \"c\""


def test_full_calc_on_load_is_added_when_missing(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "plain.xlsx")
    package = XlsxPackage.open(tmp_path / "plain.xlsx")
    text = package.part("xl/workbook.xml")
    package.set_part("xl/workbook.xml", re.sub(r"<calcPr[^>]*/>", "", text))
    package.set_full_calc_on_load()
    assert 'fullCalcOnLoad="1"' in package.part("xl/workbook.xml")
    package.save(tmp_path / "calc.xlsx")
    assert openpyxl.load_workbook(tmp_path / "calc.xlsx").calculation.fullCalcOnLoad


def test_references():
    area = parse_area("'Bob''s sheet'!$B$5:$D$9")
    assert (area.sheet, area.top, area.left, area.rows, area.cols) == ("Bob's sheet", 5, 2, 5, 3)
    assert area.ref(1, 2) == "D6"
    assert parse_area('"capital_servicing"') is None
    assert split_ref("AA10") == (10, 27)
    with pytest.raises(IndexError):
        area.ref(5, 0)


@given(st.text(alphabet=st.sampled_from(list("&<>\"'\n\r\t a\u00e9\u20ac")) | st.characters(), max_size=40))
def test_escaping_is_the_standard_librarys(text):
    """The package writer's escape and quoteattr are xml.sax.saxutils', character for character."""
    from xml.sax import saxutils

    from sscr.workbooks import package

    assert package.escape(text) == saxutils.escape(text)
    assert package.quoteattr(text) == saxutils.quoteattr(text)


def test_a_large_part_not_read_streams_into_the_output_unchanged(tmp_path, monkeypatch):
    """A part over safety.KEEP_BYTES that the work never reads is not held in memory: it is checked as
    it streams past on opening and copied from the file into the output, byte for byte."""
    from sscr.workbooks import safety

    folder = copy_templates(tmp_path, "profit-rate.xlsx")
    source = folder / "profit-rate.xlsx"
    big = ("<?xml version=\"1.0\"?><data>" + "".join(f"<v>{i}</v>" for i in range(20_000)) + "</data>").encode()
    with zipfile.ZipFile(source, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("customXml/item9.xml", big)
    monkeypatch.setattr(safety, "KEEP_BYTES", 64 * 1024)
    package = XlsxPackage.open(source)
    assert "customXml/item9.xml" not in package._parts  # not held
    sheet = "Contract profit rate"
    package.write_value(sheet, "H40", 1.5)
    package.save(tmp_path / "out.xlsx")
    package.close()
    with zipfile.ZipFile(tmp_path / "out.xlsx") as zf:
        assert zf.read("customXml/item9.xml") == big
        assert zf.testzip() is None
    assert XlsxPackage.open(tmp_path / "out.xlsx").read(sheet, "H40").value == 1.5


def test_the_sheet_index_follows_edits_and_inserts():
    """Offsets of every cell after a replacement or an insertion move with it: each cell reads back."""
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}{c}</v></c>' for c in "ACE") + "</row>"
                   for r in range(1, 40, 2))
    sheet = _sheet(f"<sheetData>{rows}</sheetData>")
    expected = {f"{c}{r}": f"{r}{c}" for r in range(1, 40, 2) for c in "ACE"}
    for i, ref in enumerate(["C3", "A1", "E39", "C21"]):
        sheet.replace(ref, f'<c r="{ref}" t="str"><v>{"x" * (i * 7 + 1)}</v></c>')
        expected[ref] = "x" * (i * 7 + 1)
    for ref in ["B3", "F39", "A2", "D40", "B1"]:
        sheet.replace(ref, f'<c r="{ref}"><v>new{ref}</v></c>')
        expected[ref] = f"new{ref}"
    for ref, value in expected.items():
        element = sheet.element(ref)
        assert element is not None and f"<v>{value}</v>" in element, (ref, element)
    assert sheet.refs_within(3, 2, 3, 3) == ["B3", "C3"]
    SafeET.fromstring(sheet.text)
