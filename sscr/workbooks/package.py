"""An xlsx file as a zip of XML parts, changed in place: only the cells that change are rewritten.

Loading a workbook with openpyxl and saving it again drops what openpyxl does not model (images,
some charts, form controls, custom XML, ...). Regeneration must keep everything a user added, so
this module never re-serialises a part it did not need to change: it splices new ``<c>`` elements
into the sheet XML text and leaves every other byte of the package as it was. The parts it may
touch are the worksheets whose cells change, ``styles.xml`` (a red fill for flagged cells),
``workbook.xml`` (``fullCalcOnLoad``), and the comments, VML drawing, relationships and content
types needed to put a comment on a flagged cell.

Reading uses a parser that refuses entity expansion (defusedxml); writing escapes every value.
"""

from __future__ import annotations

import functools
import html
import io
import os
import posixpath
import re
import socket
import tempfile
import zipfile
import zlib
from array import array
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

import numpy as np
from defusedxml import ElementTree as SafeET

from . import safety

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

#: Author of the comments regeneration puts on flagged cells (and removes when the cell is fixed).
FLAG_AUTHOR = "sscr regenerate"
#: How the note that Refresh in Excel puts on a flagged cell begins (its author is the user).
REFRESH_NOTE_PREFIX = "SSCR pricing:"
#: The fill of a flagged cell.
FLAG_FILL = ('<fill><patternFill patternType="solid"><fgColor rgb="FFFF7C80"/>'
             '<bgColor indexed="64"/></patternFill></fill>')
#: Fixed timestamp for new zip entries, so that a build is byte-for-byte repeatable.
FIXED_ZIP_TIME = (2024, 4, 1, 0, 0, 0)

MAX_SIZE = safety.MAX_FILE_BYTES


def escape(data: str) -> str:
    """``xml.sax.saxutils.escape``: ``&``, ``<`` and ``>`` as entities. Written out here because
    importing xml.sax.saxutils imports urllib.request (and http.client, email and ssl with it), a
    tenth of what the add-in's Refresh would otherwise import."""
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    """``xml.sax.saxutils.quoteattr``: an attribute value escaped and quoted, as :func:`escape`."""
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in data:
        return '"%s"' % data.replace('"', "&quot;") if "'" in data else "'%s'" % data
    return '"%s"' % data


class PackageError(ValueError):
    """The file is not an xlsx package this module can read."""


# --- cell references ----------------------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_ref(ref: str) -> tuple[int, int]:
    """'B5' -> (row 5, column 2)."""
    m = _REF.match(ref.upper())
    if not m:
        raise PackageError(f"{ref!r} is not a cell reference")
    return int(m.group(2)), col_index(m.group(1))


def make_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


@dataclass(frozen=True)
class Area:
    """A rectangular range on one sheet, 1-based inclusive."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int

    @property
    def rows(self) -> int:
        return self.bottom - self.top + 1

    @property
    def cols(self) -> int:
        return self.right - self.left + 1

    def ref(self, row: int = 0, col: int = 0) -> str:
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise IndexError(f"offset ({row}, {col}) is outside a {self.rows} x {self.cols} range")
        return make_ref(self.top + row, self.left + col)


_AREA = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]{1,3}\$?\d+)(?::(\$?[A-Z]{1,3}\$?\d+))?$")


def parse_area(text: str) -> Area | None:
    """``'Sheet name'!$B$5`` or ``Sheet!$B$5:$D$9`` as an Area; None for anything else."""
    m = _AREA.match(text.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    r1, c1 = split_ref(m.group(3).replace("$", ""))
    r2, c2 = split_ref(m.group(4).replace("$", "")) if m.group(4) else (r1, c1)
    return Area(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


@functools.lru_cache(maxsize=200_000)
def _parse_area_cached(text: str) -> Area | None:
    return parse_area(text)


# --- one cell as the sheet XML holds it -----------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """What a cell holds: its formula text (without '='), its value (the cached value of a formula),
    its style index and its XML type attribute."""

    ref: str
    formula: str | None
    value: Any
    style: int
    type: str
    shared_formula: bool = False
    array_formula: bool = False  # an array formula (or a data table): what-if machinery, not one value


_ATTR = re.compile(r'([\w:.-]+)\s*=\s*("[^"]*"|\'[^\']*\')')
_F = re.compile(r"<(?:\w+:)?f\b([^>]*?)(/?)>(?:(.*?)</(?:\w+:)?f>)?", re.S)
_V = re.compile(r"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_T = re.compile(r"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_RPH = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


def attrs(tag: str) -> dict[str, str]:
    return {k: html.unescape(v[1:-1]) for k, v in _ATTR.findall(tag)}


def _text(xml: str) -> str:
    return html.unescape("".join(t or "" for t in _T.findall(_RPH.sub("", xml))))


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2 ** 53 and "." not in text and "E" not in text.upper() else value


def format_number(value: float) -> str:
    """A float as Excel writes it: the shortest text that reads back as the same double."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


#: Characters XML 1.0 cannot hold (controls other than tab, line feed, carriage return; lone surrogates;
#: U+FFFE, U+FFFF). Excel writes them as ``_xHHHH_``, and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def xml_text(text: str) -> str:
    """Text for an XML element, as Excel writes it: markup escaped, and characters XML cannot hold
    written ``_xHHHH_`` (a stray control character would make the workbook unreadable)."""
    text = _OOXML_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    return escape(_NOT_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text))


def ooxml_unescape(text: str) -> str:
    """The text an ``_xHHHH_``-escaped string stands for (the reverse of :func:`xml_text`)."""
    if "_x" not in text:
        return text
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


# --- sheet XML ------------------------------------------------------------------------------------

_CELL_START = re.compile(r"<(\w+:)?c\b([^>]*?)(/?)>", re.S)
_ROW_START = re.compile(r"<(\w+:)?row\b([^>]*?)(/?)>", re.S)

# The same, on the bytes of a part: the index is built and kept on the part's bytes, never on text.
_CELL_START_B = re.compile(rb"<(\w+:)?c\b([^>]*?)(/?)>", re.S)
_ROW_START_B = re.compile(rb"<(\w+:)?row\b([^>]*?)(/?)>", re.S)
_ATTR_B = re.compile(rb'([\w:.-]+)\s*=\s*("[^"]*"|\'[^\']*\')')
#: A cell start and its reference in one match: the tag's attributes up to r, then r's letters and row.
_CELL_REF_B = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?<=[\s\"'])r\s*=\s*(?:\"\$?([A-Za-z]{1,3})\$?(\d{1,9})\"|"
                         rb"'\$?([A-Za-z]{1,3})\$?(\d{1,9})')")
_CLOSES_CELL_B = re.compile(rb"</(?:\w+:)?c>")
_SHARED_F_B = re.compile(rb"<(?:\w+:)?f\b([^>]*)>([^<]+)</(?:\w+:)?f>")

#: A cell's key in the index: its row times COL_SPAN plus its column (columns run to XFD, 16,384).
_COL_BITS = 15


def _key(row: int, col: int) -> int:
    return (row << _COL_BITS) | col


def _battrs(tag: bytes) -> dict[str, str]:
    return {k.decode("utf-8", "replace"): html.unescape(v[1:-1].decode("utf-8", "replace"))
            for k, v in _ATTR_B.findall(tag)}


class SheetXml:
    """One worksheet part, held as its bytes, with its cells indexed by reference.

    The index holds, for every cell, two machine integers (its row and column as one key, and the
    offset of its ``<c`` in the bytes), in two arrays sorted by key: about 16 bytes a cell, however
    many cells the sheet has, instead of a Python object per cell. A cell's element is found when it
    is asked for, by binary search and the end of its tag.

    Edits replace whole ``<c>`` elements; cells that do not exist yet are inserted into their row
    (made if needed) in column order. Everything else in the part stays as it was, byte for byte.
    Replacements are kept aside and spliced in one pass when the bytes are next needed (one splice
    per cell would copy the whole sheet each time); the offsets of the cells after a splice are
    moved by arithmetic on the arrays, not found again by reading the sheet.
    """

    def __init__(self, text: str | bytes):
        self._buf: bytes = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        self._pending: dict[int, bytes] = {}
        self._shared_masters: dict[str, tuple[int, int, str]] | None = None
        self._index()

    # the part's bytes and text
    @property
    def data(self) -> bytes:
        """The part's bytes, with every edit spliced in."""
        self._flush()
        return self._buf

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    @text.setter
    def text(self, value: str) -> None:
        self._pending = {}
        self._buf = value.encode("utf-8")
        self._index()

    # the index
    def _index(self) -> None:
        keys = array("q")
        starts = array("q")
        for m in _CELL_REF_B.finditer(self._buf):
            letters, digits = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
            row = int(digits)
            col = col_index(letters.decode().upper())
            keys.append(_key(row, col))
            starts.append(m.start())
        k = np.frombuffer(keys, dtype=np.int64) if len(keys) else np.zeros(0, dtype=np.int64)
        s = np.frombuffer(starts, dtype=np.int64) if len(starts) else np.zeros(0, dtype=np.int64)
        if len(k) > 1 and not bool(np.all(k[1:] > k[:-1])):
            order = np.argsort(k, kind="stable")
            k, s = k[order], s[order]
            # a reference held twice: the later cell is the one read (as a spreadsheet application does)
            last = np.ones(len(k), dtype=bool)
            last[:-1] = k[1:] != k[:-1]
            k, s = k[last], s[last]
        self._keys = np.array(k, dtype=np.int64)
        self._starts = np.array(s, dtype=np.int64)
        self._shared_masters = None

    def _find(self, ref: str) -> int | None:
        """The position in the index of ``ref``, or None."""
        try:
            row, col = split_ref(ref)
        except PackageError:
            return None
        key = _key(row, col)
        i = int(self._keys.searchsorted(key))
        if i < len(self._keys) and int(self._keys[i]) == key:
            return i
        return None

    def _span(self, start: int) -> tuple[int, int]:
        """The byte span of the ``<c>`` element starting at ``start``."""
        m = _CELL_START_B.match(self._buf, start)
        if m is None:
            raise PackageError(f"the cell at byte {start} of the worksheet cannot be read")
        if m.group(3) == b"/":
            return start, m.end()
        close = b"</" + (m.group(1) or b"") + b"c>"
        end = self._buf.find(close, m.end())
        if end < 0:
            ref = _battrs(m.group(2)).get("r", "?")
            raise PackageError(f"cell {ref} has no closing tag")
        return start, end + len(close)

    def _flush(self) -> None:
        if not self._pending:
            return
        items = sorted(self._pending.items())  # by position in the index
        spans = [self._span(int(self._starts[i])) for i, _ in items]
        order = sorted(range(len(items)), key=lambda j: spans[j][0])
        pieces, pos = [], 0
        rep_starts, deltas = [], []
        for j in order:
            start, end = spans[j]
            element = items[j][1]
            pieces.append(self._buf[pos:start])
            pieces.append(element)
            pos = end
            rep_starts.append(start)
            deltas.append(len(element) - (end - start))
        pieces.append(self._buf[pos:])
        self._pending = {}
        self._buf = b"".join(pieces)
        del pieces
        # every cell after a replaced one moves by the growth of the replacements before it
        rep = np.array(rep_starts, dtype=np.int64)
        cum = np.concatenate(([0], np.cumsum(np.array(deltas, dtype=np.int64))))
        self._starts = self._starts + cum[np.searchsorted(rep, self._starts, side="left")]
        self._shared_masters = None

    def _splice(self, pos: int, element: bytes, cut: int = 0) -> None:
        """Put ``element`` at byte ``pos`` (in place of ``cut`` bytes there), moving the offsets after it."""
        self._flush()
        self._buf = self._buf[:pos] + element + self._buf[pos + cut:]
        delta = len(element) - cut
        if delta:
            self._starts[self._starts >= pos + cut] += delta
        self._shared_masters = None

    # cells
    def element(self, ref: str) -> str | None:
        i = self._find(ref)
        if i is None:
            return None
        pending = self._pending.get(i)
        if pending is not None:
            return pending.decode("utf-8")
        start, end = self._span(int(self._starts[i]))
        return self._buf[start:end].decode("utf-8")

    def __contains__(self, ref: str) -> bool:
        return self._find(ref) is not None

    def refs(self) -> list[str]:
        """The references of every cell the sheet holds, in the order the sheet holds them."""
        order = self._starts.argsort(kind="stable")
        return [make_ref(int(k) >> _COL_BITS, int(k) & ((1 << _COL_BITS) - 1)) for k in self._keys[order]]

    def refs_within(self, top: int, left: int, bottom: int | None, right: int) -> list[str]:
        """The references of the cells the sheet holds in rows ``top``..``bottom`` (None: to the
        end) and columns ``left``..``right``, by row and column; found on the index alone."""
        lo = int(self._keys.searchsorted(_key(top, 0)))
        hi = len(self._keys) if bottom is None else int(self._keys.searchsorted(_key(bottom + 1, 0)))
        keys = self._keys[lo:hi]
        cols = keys & ((1 << _COL_BITS) - 1)
        keys = keys[np.logical_and(cols >= left, cols <= right)]
        return [make_ref(int(k) >> _COL_BITS, int(k) & ((1 << _COL_BITS) - 1)) for k in keys]

    def count(self) -> int:
        """How many cells the sheet holds."""
        return len(self._keys)

    def replace(self, ref: str, element: str) -> None:
        """Put ``element`` (a whole ``<c>``) at ``ref``, replacing the cell or inserting it."""
        i = self._find(ref)
        if i is not None:
            self._pending[i] = element.encode("utf-8")
            self._shared_masters = None
        else:
            self._insert(ref.upper(), element.encode("utf-8"))

    def _rows(self):
        """Each row element: (match, its row number)."""
        for m in _ROW_START_B.finditer(self._buf):
            r = _battrs(m.group(2)).get("r", "0")
            yield m, int(r) if r.strip().isdigit() else 0

    def _insert(self, ref: str, element: bytes) -> None:
        self._flush()
        row, col = split_ref(ref)
        target = after = None
        for m, r in self._rows():
            if r == row and target is None:
                target = m
                break
            if r > row and after is None:
                after = m
        if target is not None:
            prefix = target.group(1) or b""
            if target.group(3) == b"/":  # <row .../> becomes <row ...>cell</row>
                opening = target.group(0)[:-2].rstrip() + b">"
                pos = target.start()
                self._splice(pos, opening + element + b"</" + prefix + b"row>", cut=target.end() - target.start())
                self._add(row, col, pos + len(opening))
                return
            close = self._buf.find(b"</" + prefix + b"row>", target.end())
            pos = close
            inside = np.nonzero((self._starts >= target.end()) & (self._starts < close))[0]
            for i in inside[np.argsort(self._starts[inside], kind="stable")]:
                if int(self._keys[i]) & ((1 << _COL_BITS) - 1) > col:
                    pos = int(self._starts[i])
                    break
            self._splice(pos, element)
            self._add(row, col, pos)
            return
        new_row = b'<row r="' + str(row).encode() + b'">'
        if after is not None:
            pos = after.start()
        else:
            m = re.search(rb"<(\w+:)?sheetData\s*/>", self._buf)
            if m:
                self._splice(m.start(), b"<sheetData>" + new_row + element + b"</row></sheetData>",
                             cut=m.end() - m.start())
                self._add(row, col, m.start() + len(b"<sheetData>") + len(new_row))
                return
            m = re.search(rb"</(\w+:)?sheetData>", self._buf)
            if not m:
                raise PackageError("the worksheet has no sheetData")
            pos = m.start()
        self._splice(pos, new_row + element + b"</row>")
        self._add(row, col, pos + len(new_row))

    def _add(self, row: int, col: int, start: int) -> None:
        key = _key(row, col)
        i = int(self._keys.searchsorted(key))
        self._keys = np.insert(self._keys, i, key)
        self._starts = np.insert(self._starts, i, start)
        # positions in the index after i moved by one: pending edits are flushed before an insert
        assert not self._pending

    def insert_before_first(self, element: str, names: Iterable[str]) -> None:
        """Insert a worksheet child element before the first of ``names`` present, else at the end."""
        positions = [m.start() for n in names for m in [re.search(rb"<(\w+:)?" + n.encode() + rb"\b", self.data)] if m]
        pos = min(positions) if positions else self.data.rfind(b"</")
        self._splice(pos, element.encode("utf-8"))

    # shared formulas
    def shared_formula(self, ref: str) -> tuple[str, str] | None:
        """The first cell of the shared formula ``ref`` belongs to, and that cell's formula text
        (unescaped); None when ``ref`` is not part of one or the file does not hold its first cell."""
        element = self.element(ref) or ""
        m = re.search(r'<(?:\w+:)?f\b[^>]*\bsi="(\d+)"', element)
        if not m:
            return None
        if self._shared_masters is None:
            self._shared_masters = self._find_shared_masters()
        found = self._shared_masters.get(m.group(1))
        if found is None:
            return None
        return make_ref(found[0], found[1]), found[2]

    def _find_shared_masters(self) -> dict[str, tuple[int, int, str]]:
        """si -> (row, column, formula) of each shared formula's first cell (the one holding its text)."""
        buf = self.data
        masters: dict[str, tuple[int, int, str]] = {}
        for fm in _SHARED_F_B.finditer(buf):
            fa = fm.group(1)
            si = re.search(rb'\bsi="(\d+)"', fa)
            if not si or not re.search(rb'\bt="shared"', fa):
                continue
            key = si.group(1).decode()
            if key in masters:
                continue
            # the cell holding it: the cell element the formula is inside (a few tags back at most)
            start = fm.start()
            for _ in range(16):
                start = buf.rfind(b"<", 0, start)
                if start < 0 or _CLOSES_CELL_B.match(buf, start) or _ROW_START_B.match(buf, start):
                    break
                cm = _CELL_REF_B.match(buf, start)
                if cm is not None:
                    letters, digits = (cm.group(1), cm.group(2)) if cm.group(1) is not None else (cm.group(3), cm.group(4))
                    masters[key] = (int(digits), col_index(letters.decode().upper()),
                                    html.unescape(fm.group(2).decode("utf-8")))
                    break
        return masters


# --- the package --------------------------------------------------------------------------------

#: Worksheet children that come after legacyDrawing (ECMA-376 CT_Worksheet order).
_AFTER_LEGACY_DRAWING = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                         "webPublishItems", "tableParts", "extLst")
#: Workbook children that come after calcPr.
_AFTER_CALCPR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes",
                 "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


class XlsxPackage:
    """An xlsx file, part by part, changed by splicing.

    Parts up to :data:`safety.KEEP_BYTES` are held in memory; a larger one (a sheet of many cells) is
    checked as it streams past when the file is opened, inflated again only when it is read, and
    otherwise copied from the source into the output as it streams. Opened with :meth:`open`, the
    source is the file itself, kept open (not read into memory) until :meth:`close`.
    """

    def __init__(self, data: "bytes | BinaryIO", origin: str = "workbook"):
        self.origin = origin
        # size caps, zip bombs, truncation, encryption, DOCTYPEs: refused before anything is parsed
        self._zip, self._infos, self._parts = safety.open_package(data, origin, PackageError)
        self._source = data
        self._names = {i.filename for i in self._infos}
        self._sheets_xml: dict[str, SheetXml] = {}
        self._dirty: set[str] = set()
        self._cache: dict[Any, Any] = {}
        self._shared: list[str] | None = None
        #: the memory the sheets read so far take (see safety.MAX_WORKBOOK_MEMORY)
        self._memory = 0
        if "xl/workbook.xml" not in self._names:
            self.close()
            raise PackageError(f"{origin} is not an xlsx workbook (it has no xl/workbook.xml)")
        self._read_workbook()

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "XlsxPackage":
        p = Path(path)
        if os.name == "nt":  # an open file cannot be replaced there: read it whole (a regeneration in place)
            return cls(safety.read_workbook_file(p, PackageError), p.name)
        fh = safety.open_workbook_file(p, PackageError)
        try:
            return cls(fh, p.name)
        except BaseException:
            fh.close()
            raise

    def close(self) -> None:
        """Let go of the source file (the package can no longer be saved)."""
        self._zip.close()
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "XlsxPackage":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # parts
    def _bytes(self, name: str) -> bytes:
        """The bytes of part ``name``, inflated from the source if they are not held."""
        sheet = self._sheets_xml.get(name)
        if sheet is not None:
            return sheet.data
        body = self._parts.get(name)
        if body is None:
            if name not in self._names:
                raise KeyError(name)
            info = next(i for i in self._infos if i.filename == name)
            try:
                body = safety.inflate_part(self._zip, info, self.origin, PackageError)
            except ValueError as exc:
                if isinstance(exc, PackageError):
                    raise
                raise PackageError(f"{self.origin} cannot be read again (part {name}): {exc}") from None
            self._parts[name] = body
        return body

    def part(self, name: str) -> str:
        return self._bytes(name).decode("utf-8")

    def has_part(self, name: str) -> bool:
        return name in self._names

    def set_part(self, name: str, text: str) -> None:
        sheet = self._sheets_xml.get(name)
        if sheet is not None:
            sheet.text = text
        else:
            self._parts[name] = text.encode("utf-8")
        self._dirty.add(name)
        self._cache.clear()  # styles or relationships may have changed
        if name not in self._names:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            self._infos.append(info)
            self._names.add(name)

    def part_names(self) -> list[str]:
        return [i.filename for i in self._infos]

    # workbook structure
    def _read_workbook(self) -> None:
        wb = self.part("xl/workbook.xml")
        rels = self._rels("xl/workbook.xml")
        self.sheets: dict[str, str] = {}
        for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*?)/?>", wb):
            a = attrs(m.group(1))
            rid = next((v for k, v in a.items() if k.endswith(":id")), None)
            target = rels.get(rid or "")
            if target and "name" in a:
                self.sheets[a["name"]] = target[1]
        self.defined_names: dict[str, str] = {}
        #: every definedName element as written: (name, index of the sheet it is scoped to or None, text)
        self.all_defined_names: list[tuple[str, int | None, str]] = []
        for m in re.finditer(r"<(?:\w+:)?definedName\b([^>]*?)>(.*?)</(?:\w+:)?definedName>", wb, re.S):
            a = attrs(m.group(1))
            if "name" not in a:
                continue
            local = a.get("localSheetId")
            scope = int(local) if local is not None and local.strip().isdigit() else None
            self.all_defined_names.append((a["name"], scope if local is not None else None, html.unescape(m.group(2))))
            if local is not None:
                continue
            self.defined_names[a["name"]] = html.unescape(m.group(2))

    def _rels_name(self, part: str) -> str:
        return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part name) for ``part``."""
        key = ("rels", part)
        if key not in self._cache:
            self._cache[key] = self._read_rels(part)
        return self._cache[key]

    def _read_rels(self, part: str) -> dict[str, tuple[str, str]]:
        name = self._rels_name(part)
        if name not in self._names:
            return {}
        out = {}
        for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*?)/?>", self.part(name)):
            a = attrs(m.group(1))
            if a.get("TargetMode") == "External":
                continue
            target = a.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(part), target))
            out[a.get("Id", "")] = (a.get("Type", ""), resolved)
        return out

    def area(self, name: str) -> Area | None:
        """The range a workbook-level defined name refers to, or None (constant, formula, missing)."""
        text = self.defined_names.get(name)
        if text is None:
            return None
        return _parse_area_cached(text)

    def constant(self, name: str) -> str | None:
        """A defined name holding a text constant (``="capital_servicing"``), else None."""
        text = self.defined_names.get(name)
        if text is None:
            return None
        text = text.strip()
        if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
            return text[1:-1].replace('""', '"')
        return None

    def sheet(self, sheet_name: str) -> SheetXml:
        part = self.sheets.get(sheet_name)
        if part is None:
            raise PackageError(f"{self.origin} has no sheet named {sheet_name!r}")
        sheet = self._sheets_xml.get(part)
        if sheet is None:
            if part not in self._names:
                raise PackageError(f"{self.origin}: the sheet {sheet_name!r} names a part, {part}, that the file "
                                   f"does not hold; the workbook is damaged")
            size = next(i.file_size for i in self._infos if i.filename == part) if part not in self._parts \
                else len(self._parts[part])
            limit = safety.MAX_WORKBOOK_MEMORY
            if self._memory + safety.sheet_memory(size, 0) > limit:  # refused before it is inflated
                raise PackageError(safety.memory_refusal(self.origin, sheet_name, size, None, self._memory, limit))
            data = self._bytes(part)
            cells = data.count(b"<c ") + data.count(b":c ")
            need = safety.sheet_memory(len(data), cells)
            if self._memory + need > limit:
                self._parts.pop(part, None)
                raise PackageError(safety.memory_refusal(self.origin, sheet_name, len(data), cells, self._memory,
                                                         limit))
            self._memory += need
            # the sheet now holds the part's bytes: the package keeps no second copy of them
            sheet = self._sheets_xml[part] = SheetXml(data)
            del data
            self._parts.pop(part, None)
        return sheet

    def _touch(self, sheet_name: str) -> None:
        self._dirty.add(self.sheets[sheet_name])

    # strings
    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            rels = self._rels("xl/workbook.xml")
            part = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
            if part and part in self._names:
                root = SafeET.fromstring(self._bytes(part))
                for si in root.findall(f"{{{NS_MAIN}}}si"):
                    texts = [t.text or "" for t in si.iter(f"{{{NS_MAIN}}}t")
                             if not _inside_phonetic(si, t)]
                    self._shared.append("".join(texts))
        return self._shared

    # cells
    def read(self, sheet_name: str, ref: str) -> Cell:
        element = self.sheet(sheet_name).element(ref)
        if element is None:
            return Cell(ref, None, None, 0, "")
        m = _CELL_START.match(element)
        a = attrs(m.group(2)) if m else {}
        typ = a.get("t", "n")
        style = int(a.get("s", "0") or 0)
        body = element[m.end():] if m and m.group(3) != "/" else ""
        formula, shared, array = None, False, False
        fm = _F.search(body)
        if fm:
            fa = attrs(fm.group(1))
            formula = html.unescape(fm.group(3) or "")
            shared = fa.get("t") == "shared" and not formula
            array = fa.get("t") in ("array", "dataTable")
        vm = _V.search(body)
        raw = html.unescape(vm.group(1)) if vm and vm.group(1) is not None else None
        value: Any
        if typ == "inlineStr":
            value = ooxml_unescape(_text(body))
        elif raw is None:
            value = None
        elif typ == "s":
            strings = self.shared_strings
            value = ooxml_unescape(strings[int(raw)]) if raw.isdigit() and int(raw) < len(strings) else None
        elif typ == "str":
            value = ooxml_unescape(raw)
        elif typ == "e":
            value = raw
        elif typ == "b":
            value = raw.strip() in ("1", "true")
        else:
            try:
                value = _number(raw)
            except ValueError:
                value = raw
        return Cell(ref, formula, value, style, typ, shared, array)

    def write_cached(self, sheet_name: str, ref: str, value: Any) -> None:
        """Set the cached value of the formula in ``ref``, keeping its formula and style."""
        self._replace_cached(sheet_name, ref, lambda prefix: _value_xml(value, prefix))

    def clear_cached(self, sheet_name: str, ref: str) -> None:
        """Remove the cached value of the formula in ``ref`` (keeping its formula and style): a
        reader of cached values then sees no figure, and a spreadsheet calculates it on opening."""
        self._replace_cached(sheet_name, ref, lambda prefix: ("", None))

    def _replace_cached(self, sheet_name: str, ref: str, cached) -> None:
        """Rewrite the formula cell ``ref`` with the value XML and type ``cached(prefix)`` gives."""
        sheet = self.sheet(sheet_name)
        element = sheet.element(ref)
        if element is None:
            raise PackageError(f"{sheet_name}!{ref} holds no formula")
        m = _CELL_START.match(element)
        assert m is not None
        prefix = m.group(1) or ""
        a = attrs(m.group(2))
        fm = _F.search(element, m.end())
        if not fm:
            raise PackageError(f"{sheet_name}!{ref} holds no formula")
        v_xml, typ = cached(prefix)
        a.pop("t", None)
        if typ:
            a["t"] = typ
        a.pop("vm", None)
        new = f"<{prefix}c{_attr_text(a)}>{fm.group(0)}{v_xml}</{prefix}c>"
        if new != element:
            sheet.replace(ref, new)
            self._touch(sheet_name)

    def write_value(self, sheet_name: str, ref: str, value: Any, style: int | None = None) -> None:
        """Put a constant in ``ref`` (number, text or empty), keeping the cell's style."""
        sheet = self.sheet(sheet_name)
        element = sheet.element(ref)
        prefix, a = "", {"r": ref}
        if element is not None:
            m = _CELL_START.match(element)
            assert m is not None
            prefix = m.group(1) or ""
            a = attrs(m.group(2))
        if style is not None:
            a["s"] = str(style)
        a.pop("t", None)
        a.pop("vm", None)
        if value is None or value == "":
            new = f"<{prefix}c{_attr_text(a)}/>"
        elif isinstance(value, str):
            a["t"] = "inlineStr"
            new = (f'<{prefix}c{_attr_text(a)}><{prefix}is><{prefix}t xml:space="preserve">{xml_text(value)}'
                   f"</{prefix}t></{prefix}is></{prefix}c>")
        else:
            v_xml, typ = _value_xml(value, prefix)
            if typ:
                a["t"] = typ
            new = f"<{prefix}c{_attr_text(a)}>{v_xml}</{prefix}c>"
        if new != element:
            sheet.replace(ref, new)
            self._touch(sheet_name)

    def set_style(self, sheet_name: str, ref: str, style: int) -> None:
        sheet = self.sheet(sheet_name)
        element = sheet.element(ref)
        if element is None:
            self.write_value(sheet_name, ref, None, style)
            return
        m = _CELL_START.match(element)
        assert m is not None
        a = attrs(m.group(2))
        if a.get("s", "0") == str(style):
            return
        a["s"] = str(style)
        start = f"<{m.group(1) or ''}c{_attr_text(a)}{'/' if m.group(3) else ''}>"
        sheet.replace(ref, start + element[m.end():])
        self._touch(sheet_name)

    # workbook settings
    def set_full_calc_on_load(self) -> None:
        """Ask Excel (and LibreOffice, when set to) to recalculate every formula on opening."""
        wb = self.part("xl/workbook.xml")
        m = re.search(r"<(\w+:)?calcPr\b([^>]*?)/?>", wb)
        if m:
            a = attrs(m.group(2))
            if a.get("fullCalcOnLoad") in ("1", "true"):
                return
            a["fullCalcOnLoad"] = "1"
            new = f"<{m.group(1) or ''}calcPr{_attr_text(a)}/>"
            if not m.group(0).endswith("/>"):  # <calcPr ...></calcPr>
                close = wb.find("</", m.end())
                end = wb.find(">", close) + 1
                wb = wb[:m.start()] + new + wb[end:]
            else:
                wb = wb[:m.start()] + new + wb[m.end():]
        else:
            prefix = re.match(r"[\s\S]*?<(\w+:)?workbook\b", wb)
            p = (prefix.group(1) or "") if prefix else ""
            element = f'<{p}calcPr calcId="191029" fullCalcOnLoad="1"/>'
            positions = [mm.start() for n in _AFTER_CALCPR for mm in [re.search(rf"<(\w+:)?{n}\b", wb)] if mm]
            pos = min(positions) if positions else wb.rfind("</")
            wb = wb[:pos] + element + wb[pos:]
        self.set_part("xl/workbook.xml", wb)

    def set_core_times(self, when: str) -> None:
        """Fix the created and modified times of docProps/core.xml (a repeatable build)."""
        name = "docProps/core.xml"
        if name not in self._names:
            return
        text = self.part(name)
        for tag in ("created", "modified"):
            text = re.sub(rf"(<dcterms:{tag}\b[^>]*>)[^<]*(</dcterms:{tag}>)", rf"\g<1>{when}\g<2>", text)
        self.set_part(name, text)

    # styles: flagging
    def _styles(self) -> str:
        return self.part("xl/styles.xml")

    def _xfs(self, styles: str) -> tuple[re.Match[str], list[str]]:
        m = re.search(r"<(\w+:)?cellXfs\b[^>]*>(.*?)</(\w+:)?cellXfs>", styles, re.S)
        if not m:
            raise PackageError(f"{self.origin} styles have no cellXfs")
        xfs = re.findall(r"<(?:\w+:)?xf\b[^>]*?/>|<(?:\w+:)?xf\b[^>]*?>.*?</(?:\w+:)?xf>", m.group(2), re.S)
        return m, xfs

    def _flag_fill_id(self, create: bool) -> int | None:
        if not create and "flag_fill" in self._cache:
            return self._cache["flag_fill"]
        found = self._find_flag_fill(create)
        self._cache["flag_fill"] = found
        return found

    def _find_flag_fill(self, create: bool) -> int | None:
        styles = self._styles()
        m = re.search(r"<(\w+:)?fills\b[^>]*>(.*?)</(\w+:)?fills>", styles, re.S)
        if not m:
            raise PackageError(f"{self.origin} styles have no fills")
        fills = re.findall(r"<(?:\w+:)?fill\b[^>]*?/>|<(?:\w+:)?fill\b[^>]*?>.*?</(?:\w+:)?fill>", m.group(2), re.S)
        for i, fill in enumerate(fills):
            if _is_flag_fill(fill):
                return i
        if not create:
            return None
        prefix = m.group(1) or ""
        ours = re.sub(r"<(/?)", rf"<\g<1>{prefix}", FLAG_FILL) if prefix else FLAG_FILL
        opening = re.sub(r'count="\d+"', f'count="{len(fills) + 1}"', styles[m.start():m.start(2)])
        styles = styles[:m.start()] + opening + m.group(2) + ours + styles[m.end(2):]
        self.set_part("xl/styles.xml", styles)
        return len(fills)

    @staticmethod
    def _with_fill(xf: str, fill_id: int) -> str:
        m = re.match(r"<(\w+:)?xf\b([^>]*?)(/?)>", xf, re.S)
        assert m is not None
        a = attrs(m.group(2))
        a["fillId"] = str(fill_id)
        a["applyFill"] = "1"
        return f"<{m.group(1) or ''}xf{_attr_text(a)}{m.group(3)}>" + xf[m.end():]

    def flagged_style(self, style: int) -> int:
        """The cellXfs index of ``style`` with the flag fill (added once to styles.xml)."""
        fill = self._flag_fill_id(create=True)
        assert fill is not None
        styles = self._styles()
        m, xfs = self._xfs(styles)
        base = xfs[style] if style < len(xfs) else xfs[0]
        flagged = self._with_fill(base, fill)
        key = _xf_key(flagged)
        for i, xf in enumerate(xfs):
            if _xf_key(xf) == key and _xf_fill(xf) == str(fill):
                return i
        opening = re.sub(r'count="\d+"', f'count="{len(xfs) + 1}"', styles[m.start():m.start(2)])
        styles = styles[:m.start()] + opening + m.group(2) + flagged + styles[m.end(2):]
        self.set_part("xl/styles.xml", styles)
        return len(xfs)

    def unflagged_style(self, style: int) -> int | None:
        """The style a flagged cell had before it was flagged; None when ``style`` is not a flag.

        That is the style equal to it in all but the fill, preferring the fill of its named cell
        style (the template's input or computed style). Comparison is by attributes, so a workbook
        saved again by Excel, LibreOffice or openpyxl (which renumber and rewrite styles) still
        gets its cells back.
        """
        fill = self._flag_fill_id(create=False)
        if fill is None:
            return None
        styles = self._styles()
        _m, xfs = self._xfs(styles)
        if style >= len(xfs) or _xf_fill(xfs[style]) != str(fill):
            return None
        key = _xf_key(xfs[style])
        candidates = [i for i, xf in enumerate(xfs) if i != style and _xf_key(xf) == key
                      and _xf_fill(xf) != str(fill)]
        named = _named_style_fill(styles, xfs[style])
        preferred = [i for i in candidates if _xf_fill(xfs[i]) == named]
        if preferred or candidates:
            return (preferred or candidates)[0]
        # No unflagged twin left: make one with the named style's fill (or none).
        m, _ = self._xfs(styles)
        restored = self._with_fill(xfs[style], int(named or 0))
        opening = re.sub(r'count="\d+"', f'count="{len(xfs) + 1}"', styles[m.start():m.start(2)])
        styles = styles[:m.start()] + opening + m.group(2) + restored + styles[m.end(2):]
        self.set_part("xl/styles.xml", styles)
        return len(xfs)

    # comments on flagged cells
    def _sheet_rel(self, sheet_part: str, rel_type: str) -> tuple[str, str] | None:
        for rid, (typ, target) in self._rels(sheet_part).items():
            if typ == rel_type:
                return rid, target
        return None

    def _add_rel(self, source: str, rel_type: str, target_part: str) -> str:
        name = self._rels_name(source)
        text = self.part(name) if name in self._names else (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{NS_PKG_REL}"></Relationships>')
        ids = set(re.findall(r'Id="([^"]+)"', text))
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = "/" + target_part
        element = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'
        if re.search(r"<Relationships\b[^>]*/>", text):
            text = re.sub(r"<Relationships\b([^>]*)/>", rf"<Relationships\1>{element}</Relationships>", text)
        else:
            pos = text.rfind("</")
            text = text[:pos] + element + text[pos:]
        self.set_part(name, text)
        return rid

    def _content_type(self, *, default: tuple[str, str] | None = None, override: tuple[str, str] | None = None) -> None:
        name = "[Content_Types].xml"
        text = self.part(name)
        if default and not re.search(rf'<Default\b[^>]*Extension="{default[0]}"', text, re.I):
            element = f'<Default Extension="{default[0]}" ContentType="{default[1]}"/>'
        elif override and f'PartName="/{override[0]}"' not in text:
            element = f'<Override PartName="/{override[0]}" ContentType="{override[1]}"/>'
        else:
            return
        pos = text.rfind("</")
        self.set_part(name, text[:pos] + element + text[pos:])

    def _new_part_name(self, pattern: str) -> str:
        n = 1
        while pattern.format(n) in self._names:
            n += 1
        return pattern.format(n)

    def _comment_parts(self, sheet_name: str, create: bool) -> tuple[str, str] | None:
        sheet_part = self.sheets[sheet_name]
        comments = self._sheet_rel(sheet_part, REL_COMMENTS)
        vml = self._sheet_rel(sheet_part, REL_VML)
        if comments and vml:
            return comments[1], vml[1]
        if not create:
            return None
        if comments is None:
            part = self._new_part_name("xl/comments/comment{}.xml")
            self.set_part(part, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                f'<comments xmlns="{NS_MAIN}"><authors></authors><commentList></commentList></comments>')
            self._add_rel(sheet_part, REL_COMMENTS, part)
            self._content_type(override=(part, CT_COMMENTS))
            comments = ("", part)
        if vml is None:
            part = self._new_part_name("xl/drawings/commentsDrawing{}.vml")
            used = {b for name in sorted(self._names) if name.lower().endswith(".vml") for b in _vml_blocks(self.part(name))}
            block = next(n for n in range(1, len(used) + 2) if n not in used)
            self.set_part(part, _VML_HEAD.replace('data="1"', f'data="{block}"') + "</xml>")
            rid = self._add_rel(sheet_part, REL_VML, part)
            self._content_type(default=("vml", CT_VML))
            sheet = self.sheet(sheet_name)
            sheet.insert_before_first(f'<legacyDrawing xmlns:r="{NS_REL}" r:id="{rid}"/>', _AFTER_LEGACY_DRAWING)
            self._touch(sheet_name)
            vml = ("", part)
        return comments[1], vml[1]

    def add_comment(self, sheet_name: str, ref: str, message: str) -> None:
        """Put ``message`` in a comment on ``ref``, by FLAG_AUTHOR. A comment someone else wrote on
        that cell is kept as it is (the fill and the summary still carry the flag)."""
        comments_part, vml_part = self._comment_parts(sheet_name, create=True)  # type: ignore[misc]
        text = self.part(comments_part)
        existing = _comment_span(text, ref)
        authors = re.findall(r"<(?:\w+:)?author\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?author>)", text, re.S)
        names = [html.unescape(a or "") for a in authors]
        if existing is not None:
            if _comment_author(text, existing) != FLAG_AUTHOR:
                return
            text = text[:existing[0]] + text[existing[1]:]
        if FLAG_AUTHOR in names:
            author_id = names.index(FLAG_AUTHOR)
        else:
            author_id = len(names)
            element = f"<author>{escape(FLAG_AUTHOR)}</author>"
            if re.search(r"<(\w+:)?authors\s*/>", text):
                text = re.sub(r"<(\w+:)?authors\s*/>", f"<authors>{element}</authors>", text, count=1)
            else:
                close = re.search(r"</(\w+:)?authors>", text)
                assert close is not None
                text = text[:close.start()] + element + text[close.start():]
        comment = (f'<comment ref="{ref}" authorId="{author_id}"><text><r><rPr><b/><sz val="9"/></rPr>'
                   f'<t xml:space="preserve">{escape(FLAG_AUTHOR)}:\n</t></r><r><rPr><sz val="9"/></rPr>'
                   f'<t xml:space="preserve">{xml_text(message)}</t></r></text></comment>')
        if re.search(r"<(\w+:)?commentList\s*/>", text):
            text = re.sub(r"<(\w+:)?commentList\s*/>", f"<commentList>{comment}</commentList>", text, count=1)
        else:
            close = re.search(r"</(\w+:)?commentList>", text)
            assert close is not None
            text = text[:close.start()] + comment + text[close.start():]
        self.set_part(comments_part, text)
        vml = self.part(vml_part)
        vml = _remove_vml_shape(vml, ref)
        if "_x0000_t202" not in vml:
            head_end = vml.find(">", vml.find("<xml")) + 1
            vml = vml[:head_end] + _VML_SHAPETYPE + vml[head_end:]
        shape_id = _free_shape_id(vml)
        row, col = split_ref(ref)
        pos = vml.rfind("</xml>")
        vml = vml[:pos] + _vml_shape(shape_id, row - 1, col - 1) + vml[pos:]
        self.set_part(vml_part, vml)

    def remove_comment(self, sheet_name: str, ref: str) -> bool:
        """Remove the flag comment on ``ref``, if there is one: written by regeneration (FLAG_AUTHOR),
        or by Refresh in Excel (author the user's name, text starting REFRESH_NOTE_PREFIX). Others'
        comments stay."""
        parts = self._comment_parts(sheet_name, create=False)
        if parts is None:
            return False
        comments_part, vml_part = parts
        text = self.part(comments_part)
        span = _comment_span(text, ref)
        if span is None:
            return False
        ours = (_comment_author(text, span) == FLAG_AUTHOR
                or _text(text[span[0]:span[1]]).lstrip().startswith(REFRESH_NOTE_PREFIX))
        if not ours:
            return False
        self.set_part(comments_part, text[:span[0]] + text[span[1]:])
        self.set_part(vml_part, _remove_vml_shape(self.part(vml_part), ref))
        return True

    def comment(self, sheet_name: str, ref: str) -> str | None:
        parts = self._comment_parts(sheet_name, create=False)
        if parts is None:
            return None
        text = self.part(parts[0])
        span = _comment_span(text, ref)
        return None if span is None else _text(text[span[0]:span[1]])

    # saving
    def to_bytes(self, *, fixed_times: bool = False) -> bytes:
        buf = io.BytesIO()
        self.write_to(buf, fixed_times=fixed_times)
        return buf.getvalue()

    def write_to(self, fh: BinaryIO, *, fixed_times: bool = False) -> None:
        """Write the package as an xlsx file to ``fh`` (seekable). A part not held in memory is
        copied from the source as it streams, 64 kB at a time."""
        with zipfile.ZipFile(fh, "w") as zf:
            for info in self._infos:
                new = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME if fixed_times else info.date_time)
                new.compress_type = info.compress_type
                new.external_attr = info.external_attr
                new.create_system = 0 if fixed_times else info.create_system
                name = info.filename
                if name in self._sheets_xml or name in self._parts:
                    zf.writestr(new, self._bytes(name))
                    continue
                # as writestr would, from the stream: the same sizes, so the same header and bytes
                new.file_size = info.file_size
                with self._zip.open(info) as src, zf.open(new, "w") as dst:
                    while True:
                        try:
                            chunk = src.read(64 * 1024)
                        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                            raise PackageError(f"{self.origin} cannot be read again (part {name}: {why}); it "
                                               f"changed while it was being regenerated, or its disk is "
                                               f"failing") from None
                        if not chunk:
                            break
                        dst.write(chunk)

    def save(self, path: str | os.PathLike[str], *, fixed_times: bool = False) -> None:
        """Write atomically: a temporary file in the same folder, flushed to disk, then renamed."""
        write_atomic(Path(path), lambda fh: self.write_to(fh, fixed_times=fixed_times))


#: Temporary files are named ``.<name>.<host>~<pid>.<random>.tmp`` beside the file they become:
#: hidden, not ending in .xlsx (so never taken for a workbook), and traceable to their writer.
TEMP_SUFFIX = ".tmp"


def _temp_prefix(path: Path) -> str:
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"
    return f".{path.name}.{host}~{os.getpid()}."


def clean_stale_temps(path: Path) -> list[Path]:
    """Remove temporary files a writer of ``path`` on this machine left when it was killed (its
    process no longer runs). Temporary files of running writers, or of other machines sharing the
    folder, are left alone. Returns what was removed."""
    host = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"
    removed = []
    try:
        candidates = list(path.parent.glob(glob_escape(f".{path.name}.{host}~") + "*" + TEMP_SUFFIX))
    except OSError:
        return removed
    for tmp in candidates:
        m = re.fullmatch(re.escape(f".{path.name}.{host}~") + r"(\d+)\..*" + re.escape(TEMP_SUFFIX), tmp.name)
        if not m or _running(int(m.group(1))):
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def write_atomic(path: Path, data: "bytes | Callable[[BinaryIO], None]") -> None:
    """Write ``data`` (bytes, or a function writing them to the open file) to ``path`` so that a
    reader (or a crash) sees the old file or the whole new one:
    a temporary file in the same folder, flushed and synced to disk, renamed over ``path``, and the
    folder synced so that the rename itself survives a power cut."""
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
    safety.WRITING.add(tmp)
    try:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    finally:
        safety.WRITING.discard(tmp)
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _inside_phonetic(si: Any, t: Any) -> bool:
    for rph in si.iter(f"{{{NS_MAIN}}}rPh"):
        if any(x is t for x in rph.iter()):
            return True
    return False


def _is_flag_fill(fill: str) -> bool:
    m = re.search(r"<(?:\w+:)?fgColor\b([^>]*?)/?>", fill)
    return (m is not None and attrs(m.group(1)).get("rgb", "").upper() == "FFFF7C80"
            and re.search(r'patternType\s*=\s*["\']solid', fill) is not None)


def _xf_fill(xf: str) -> str:
    m = re.match(r"<(?:\w+:)?xf\b([^>]*)", xf)
    return attrs(m.group(1)).get("fillId", "0") if m else "0"


def _xf_key(xf: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """An xf compared by meaning, fill aside: attributes in any order, children without spacing."""
    m = re.match(r"<(?:\w+:)?xf\b([^>]*?)(/?)>", xf, re.S)
    assert m is not None
    a = {k: v for k, v in attrs(m.group(1)).items() if k not in ("fillId", "applyFill")}
    inner = xf[m.end():]
    inner = re.sub(r"\s*/>", "/>", re.sub(r">\s+<", "><", inner)).strip()
    inner = re.sub(r"<(\w+)((?:\s+[\w:]+=\"[^\"]*\")+)", lambda mm: "<" + mm.group(1) + "".join(
        sorted(re.findall(r'\s+[\w:]+="[^"]*"', mm.group(2)))), inner)
    return tuple(sorted(a.items())), inner


def _named_style_fill(styles: str, xf: str) -> str | None:
    m = re.match(r"<(?:\w+:)?xf\b([^>]*)", xf)
    xf_id = int(attrs(m.group(1)).get("xfId", "0")) if m else 0
    sm = re.search(r"<(?:\w+:)?cellStyleXfs\b[^>]*>(.*?)</(?:\w+:)?cellStyleXfs>", styles, re.S)
    if not sm:
        return None
    named = re.findall(r"<(?:\w+:)?xf\b[^>]*?/>|<(?:\w+:)?xf\b[^>]*?>.*?</(?:\w+:)?xf>", sm.group(1), re.S)
    return _xf_fill(named[xf_id]) if xf_id < len(named) else None


def _attr_text(a: dict[str, str]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in a.items())


def _value_xml(value: Any, prefix: str) -> tuple[str, str]:
    """The ``<v>`` of a cached formula result, and the cell type attribute it needs."""
    if value is None:
        return f"<{prefix}v></{prefix}v>", "str"
    if isinstance(value, bool):
        return f"<{prefix}v>{int(value)}</{prefix}v>", "b"
    if isinstance(value, str):
        return f"<{prefix}v>{xml_text(value)}</{prefix}v>", "str"
    code = getattr(value, "code", None)
    if isinstance(code, str) and code.startswith("#"):  # an Excel error value (sscr.workbooks.evaluate.Error)
        return f"<{prefix}v>{escape(code)}</{prefix}v>", "e"
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise PackageError(f"cannot write {value!r} into a cell: not a finite number")
    return f"<{prefix}v>{format_number(number)}</{prefix}v>", ""


def _comment_span(text: str, ref: str) -> tuple[int, int] | None:
    for m in re.finditer(r"<(\w+:)?comment\b([^>]*?)(/?)>", text):
        if attrs(m.group(2)).get("ref", "").upper() == ref.upper():
            if m.group(3):
                return m.start(), m.end()
            end = text.find(f"</{m.group(1) or ''}comment>", m.end())
            return m.start(), end + len(f"</{m.group(1) or ''}comment>")
    return None


def _comment_author(text: str, span: tuple[int, int]) -> str | None:
    m = re.match(r"<(?:\w+:)?comment\b([^>]*)", text[span[0]:span[1]])
    author_id = int(attrs(m.group(1)).get("authorId", "-1")) if m else -1
    authors = re.findall(r"<(?:\w+:)?author\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?author>)", text, re.S)
    return html.unescape(authors[author_id] or "") if 0 <= author_id < len(authors) else None


_VML_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
                  'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                  '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel">'
             '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>' + _VML_SHAPETYPE)


def _vml_blocks(vml: str) -> list[int]:
    """The blocks of 1024 shape ids a VML drawing declares (``<o:idmap data="1,2">``)."""
    m = re.search(r'<o:idmap\b[^>]*\bdata="([^"]*)"', vml)
    if not m:
        return []
    return [int(b) for b in re.findall(r"\d+", m.group(1))]


def _free_shape_id(vml: str) -> int:
    """A shape id inside the drawing's own block (as Excel and XlsxWriter number them: block N
    holds N*1024 to N*1024+1023), so that comments on two sheets never share an id."""
    ids = {int(i) for i in re.findall(r'id="_x0000_s(\d+)"', vml)}
    for block in _vml_blocks(vml) or [1]:
        inside = [i for i in ids if i // 1024 == block]
        candidate = max(inside) + 1 if inside else block * 1024 + 1
        if candidate // 1024 == block:
            return candidate
        free = next((i for i in range(block * 1024 + 1, block * 1024 + 1024) if i not in ids), None)
        if free is not None:
            return free
    raise PackageError("the sheet's comment drawing has no free shape id left in its block: too many comments")


def _vml_shape(shape_id: int, row0: int, col0: int) -> str:
    anchor = f"{col0 + 1}, 15, {max(row0 - 1, 0)}, 10, {col0 + 4}, 15, {row0 + 4}, 4"
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" alt="{FLAG_AUTHOR}" '
            'style="position:absolute;margin-left:80pt;margin-top:2pt;width:220pt;height:70pt;z-index:1;'
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row0}</x:Row><x:Column>{col0}</x:Column></x:ClientData></v:shape>")


def _remove_vml_shape(vml: str, ref: str) -> str:
    row, col = split_ref(ref)
    for m in re.finditer(r"<v:shape\b[^>]*>.*?</v:shape>", vml, re.S):
        shape = m.group(0)
        if (f'alt="{FLAG_AUTHOR}"' in shape and f"<x:Row>{row - 1}</x:Row>" in shape
                and f"<x:Column>{col - 1}</x:Column>" in shape):
            return vml[:m.start()] + vml[m.end():]
    return vml
