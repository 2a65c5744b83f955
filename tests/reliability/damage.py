"""Damaged and hostile workbooks, made from a good one: each maker takes the good workbook's bytes
and a target path and writes (or makes) the damaged file there. ``DAMAGE`` lists them with words
the refusal must contain."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path
from typing import Callable

ZEROS = b"\0" * (1024 * 1024)


def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The package with each part passed through ``change`` (None drops the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = change(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
    return out.getvalue()


def _part(data: bytes, name: str, edit: Callable[[str], str]) -> bytes:
    return _rezip(data, lambda n, b: edit(b.decode("utf-8")).encode("utf-8") if n == name else b)


def _first_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))[0]


def truncated_half(data: bytes, path: Path) -> None:
    path.write_bytes(data[: len(data) // 2])


def truncated_tail(data: bytes, path: Path) -> None:
    path.write_bytes(data[:-10])


def truncated_head(data: bytes, path: Path) -> None:
    path.write_bytes(data[:200])


def version_field_damaged(data: bytes, path: Path) -> None:
    """The zip directory's "version needed to extract" corrupted to 8.4: Python's zipfile refuses it
    with NotImplementedError rather than BadZipFile (found by the random-damage property test)."""
    damaged = bytearray(data)
    at = damaged.index(b"PK\x01\x02")
    damaged[at + 6:at + 8] = struct.pack("<H", 84)
    path.write_bytes(bytes(damaged))


def not_a_zip(data: bytes, path: Path) -> None:
    path.write_text("name,value\nCRA,0.25\n", encoding="utf-8")


def html_saved_as_xlsx(data: bytes, path: Path) -> None:
    path.write_text("<html><body><table><tr><td>=1+1</td></tr></table></body></html>", encoding="utf-8")


def encrypted(data: bytes, path: Path) -> None:
    """What Excel writes for a password-protected workbook: an OLE compound file."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + bytes(range(256)) * 8)


def empty(data: bytes, path: Path) -> None:
    path.write_bytes(b"")


def folder(data: bytes, path: Path) -> None:
    path.mkdir()


def bit_flips(data: bytes, path: Path) -> None:
    """Bytes changed inside the compressed data of the first sheet (a bad copy or disk)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(_first_sheet(data))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    body = bytearray(data)
    for k in range(start + 20, start + min(info.compress_size, 400), 37):
        body[k] ^= 0x5A
    path.write_bytes(bytes(body))


def zip_member_encrypted(data: bytes, path: Path) -> None:
    """The zip's own (legacy) encryption flag on every part."""
    body = bytearray(data)
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        for m in re.finditer(re.escape(sig), bytes(body)):
            at = m.start() + (6 if sig == b"PK\x03\x04" else 8)
            flags = struct.unpack_from("<H", body, at)[0]
            struct.pack_into("<H", body, at, flags | 1)
    path.write_bytes(bytes(body))


def unknown_compression(data: bytes, path: Path) -> None:
    """Parts compressed with a method this reader does not have (99: AES)."""
    body = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        for m in re.finditer(re.escape(sig), bytes(body)):
            struct.pack_into("<H", body, m.start() + off, 99)
    path.write_bytes(bytes(body))


def _bomb(path: Path, megabytes: int, parts: int = 1, prefix: bytes | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for p in range(parts):
            with zf.open(f"xl/worksheets/sheet{p + 1}.xml", "w", force_zip64=True) as fh:
                if prefix:
                    fh.write(prefix)
                for _ in range(megabytes):
                    fh.write(ZEROS)


def bomb_total(data: bytes, path: Path) -> None:
    """300 MB of zeros in one part: over the expanded-size cap, by the declared sizes."""
    _bomb(path, 300)


def bomb_ratio(data: bytes, path: Path) -> None:
    """20 MB of zeros: under the size cap, but expanding a thousand times."""
    _bomb(path, 20)


def bomb_many_parts(data: bytes, path: Path) -> None:
    """Ten parts of 4 MB of zeros."""
    _bomb(path, 4, parts=10)


def bomb_lying_header(data: bytes, path: Path) -> None:
    """20 MB of zeros whose zip directory declares 1,000 bytes (and a ratio that passes)."""
    _bomb(path, 20)
    body = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for sig, size_at in ((b"PK\x01\x02", 24),):
        for m in re.finditer(re.escape(sig), bytes(body)):
            n = struct.unpack_from("<H", body, m.start() + 28)[0]
            if bytes(body[m.start() + 46:m.start() + 46 + n]) == name:
                # zip64: the sizes are in the extra field; put small real sizes in the record instead
                struct.pack_into("<I", body, m.start() + 20, 1000)  # compressed size
                struct.pack_into("<I", body, m.start() + size_at, 1000)  # uncompressed size
                extra_len = struct.unpack_from("<H", body, m.start() + 30)[0]
                extra_at = m.start() + 46 + n
                body[extra_at:extra_at + extra_len] = b"\0" * extra_len  # an unknown (empty) extra block
    path.write_bytes(bytes(body))


def too_many_parts(data: bytes, path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(10_001):
            zf.writestr(f"x/{i}", b"")


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + ']>\n')


def with_shared_strings(data: bytes, prolog: str = "", text: str = "2024/25") -> bytes:
    """The workbook with Financial_year_1 held as a shared string (as Excel writes text), the
    shared strings part starting with ``prolog``."""
    from sscr.workbooks.package import XlsxPackage
    package = XlsxPackage(data, "workbook")
    package.set_part("xl/sharedStrings.xml", prolog + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                     f'2006/main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>')
    package._add_rel("xl/workbook.xml", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                     "sharedStrings", "xl/sharedStrings.xml")
    package._content_type(override=("xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument."
                                    "spreadsheetml.sharedStrings+xml"))
    area = package.area("Financial_year_1")
    style = package.read(area.sheet, area.ref()).style
    package.sheet(area.sheet).replace(area.ref(), f'<c r="{area.ref()}" s="{style}" t="s"><v>0</v></c>')
    package._touch(area.sheet)
    return package.to_bytes()


def billion_laughs(data: bytes, path: Path) -> None:
    """Entity expansion in the shared strings (the one part read with an XML parser)."""
    path.write_bytes(with_shared_strings(data, LAUGHS, "&lol9;"))


def billion_laughs_in_content_types(data: bytes, path: Path) -> None:
    def edit(text: str) -> str:
        return LAUGHS + re.sub(r"^<\?xml[^>]*\?>\s*", "", text).replace("<Default ", "<!-- &lol9; --><Default ", 1)
    path.write_bytes(_part(data, "[Content_Types].xml", edit))


def billion_laughs_in_sheet(data: bytes, path: Path) -> None:
    def edit(text: str) -> str:
        return LAUGHS + re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    path.write_bytes(_part(data, _first_sheet(data), edit))


def external_entity(data: bytes, path: Path) -> None:
    """An external entity in workbook.xml that would read a local file."""
    def edit(text: str) -> str:
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
        return ('<?xml version="1.0"?>\n<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                + text.replace("<definedNames>", "<definedNames><definedName name=\"x\">&xxe;</definedName>", 1))
    path.write_bytes(_part(data, "xl/workbook.xml", edit))


def external_dtd(data: bytes, path: Path) -> None:
    def edit(text: str) -> str:
        return '<!doctype x SYSTEM "http://example.invalid/x.dtd">' + text
    path.write_bytes(_part(data, "xl/styles.xml", edit))


def utf16_workbook_part(data: bytes, path: Path) -> None:
    path.write_bytes(_rezip(data, lambda n, b: b.decode("utf-8").encode("utf-16") if n == "xl/workbook.xml" else b))


def not_utf8(data: bytes, path: Path) -> None:
    path.write_bytes(_rezip(data, lambda n, b: b.replace(b"<sheetData>", b"<sheetData>\xff\xfe", 1)
                            if n == _first_sheet(data) else b))


def no_workbook_part(data: bytes, path: Path) -> None:
    path.write_bytes(_rezip(data, lambda n, b: None if n == "xl/workbook.xml" else b))


def unclosed_cell(data: bytes, path: Path) -> None:
    def edit(text: str) -> str:
        return re.sub(r"</c>(?![\s\S]*</c>)", "", text)
    path.write_bytes(_part(data, _first_sheet(data), edit))


def _drop_name(name: str) -> Callable[[bytes, Path], None]:
    def make(data: bytes, path: Path) -> None:
        path.write_bytes(_part(data, "xl/workbook.xml",
                               lambda t: re.sub(rf'<definedName name="{name}"[^>]*>[^<]*</definedName>', "", t)))
    make.__name__ = f"missing_name_{name}"
    return make


def name_to_missing_sheet(data: bytes, path: Path) -> None:
    path.write_bytes(_part(data, "xl/workbook.xml", lambda t: re.sub(
        r'(<definedName name="CRA_1"[^>]*>)[^<]*(</definedName>)', r"\1'Gone'!$C$9\2", t)))


def not_a_template(data: bytes, path: Path) -> None:
    path.write_bytes(_part(data, "xl/workbook.xml",
                           lambda t: re.sub(r'<definedName name="SSCR_template"[^>]*>[^<]*</definedName>', "", t)))


def unknown_template(data: bytes, path: Path) -> None:
    path.write_bytes(_part(data, "xl/workbook.xml", lambda t: re.sub(
        r'(<definedName name="SSCR_template"[^>]*>)[^<]*(</definedName>)', r'\1"tax_return"\2', t)))


#: (maker, words the refusal must contain). The good workbook is profit-rate.xlsx.
DAMAGE = [
    (truncated_half, ["truncated or damaged"]),
    (truncated_tail, ["truncated or damaged"]),
    (truncated_head, ["truncated or damaged"]),
    (version_field_damaged, ["truncated or damaged", "zip file version 8.4"]),
    (not_a_zip, ["not an xlsx file (not a zip package)"]),
    (html_saved_as_xlsx, ["not an xlsx file (not a zip package)"]),
    (encrypted, ["encrypted or legacy .xls"]),
    (empty, ["is empty (0 bytes)"]),
    (folder, ["is a folder, not a workbook file"]),
    (bit_flips, ["truncated or damaged"]),
    (zip_member_encrypted, ["encrypted"]),
    (unknown_compression, ["compression"]),
    (bomb_total, ["expands to", "more than the 256 MB", "zip bomb"]),
    (bomb_ratio, ["expands", "times", "zip bomb"]),
    (bomb_many_parts, ["expands", "zip bomb"]),
    (bomb_lying_header, ["damaged"]),
    (too_many_parts, ["10,002 parts", "more than the 10,000"]),
    (billion_laughs, ["xl/sharedStrings.xml", "document type declaration"]),
    (billion_laughs_in_sheet, ["document type declaration"]),
    (billion_laughs_in_content_types, ["[Content_Types].xml", "document type declaration"]),
    (external_entity, ["xl/workbook.xml", "document type declaration"]),
    (external_dtd, ["xl/styles.xml", "document type declaration"]),
    (utf16_workbook_part, ["xl/workbook.xml", "UTF-16"]),
    (not_utf8, ["is not UTF-8 text"]),
    (no_workbook_part, ["has no xl/workbook.xml"]),
    (unclosed_cell, ["has no closing tag"]),
    (_drop_name("CRA_1"), ["lacks the defined name(s) CRA_1", "Name Manager"]),
    (_drop_name("CPR_2"), ["lacks the defined name(s) CPR_2"]),
    (_drop_name("Rates_table"), ["lacks the defined name(s) Rates_table"]),
    (name_to_missing_sheet, ["CRA_1", "refers to sheet 'Gone'"]),
    (not_a_template, ["not an sscr template", "SSCR_template"]),
    (unknown_template, ["'tax_return'", "not a known template"]),
]
