"""Checks that keep a damaged or hostile file from hanging, exhausting memory or being half-read.

An xlsx workbook is a zip of XML parts. Before anything is parsed, :func:`read_workbook_file`
and :func:`read_parts` refuse, each with a reason a user can act on:

- a path that is a folder, an empty file, a file larger than :data:`MAX_FILE_BYTES`;
- an OLE compound file (an encrypted xlsx or a legacy .xls: both start ``D0 CF 11 E0``);
- a file that is not a zip, or is a truncated or damaged one;
- a zip bomb: more than :data:`MAX_MEMBERS` parts, a total expanded size above
  :data:`MAX_EXPANDED_BYTES`, or a part expanding more than :data:`MAX_RATIO` times. The sizes the
  zip's central directory declares are checked first, and the bytes are counted again while each
  part is inflated, since a crafted header can lie;
- a part with a document type declaration (``<!DOCTYPE`` or ``<!ENTITY``): entity expansion
  ("billion laughs") and external entities need one, and no spreadsheet application writes one;
- an XML part that is not UTF-8 text.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from sscr.rates import file_kind

#: A workbook file on disk larger than this is refused before it is read.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: The parts of one workbook may expand to this much in total.
MAX_EXPANDED_BYTES = 256 * 1024 * 1024
#: A part larger than RATIO_FLOOR_BYTES may expand at most this many times its compressed size.
#: Sheet XML written by Excel, LibreOffice or openpyxl expands 5 to 50 times; bombs, thousands.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
#: Memory a regeneration may take for the sheets it reads, in one workbook. A sheet read costs about
#: MEMORY_PER_SHEET_BYTE bytes for each byte of its XML and MEMORY_PER_CELL for each cell it holds
#: (its bytes, the index of its cells, and the copy made when the edits are spliced in), as
#: ``tests/benchmarks/bench_memory.py`` measures (1.5 and 21; rounded up here). Parts that are not
#: read (a sheet of data the model does not use, pictures) cost nothing: they stream from the file.
MAX_WORKBOOK_MEMORY = 1024 * 1024 * 1024
MEMORY_PER_SHEET_BYTE = 2
MEMORY_PER_CELL = 24


def sheet_memory(size: int, cells: int) -> int:
    """The memory reading and rewriting a sheet of ``size`` bytes holding ``cells`` cells takes."""
    return MEMORY_PER_SHEET_BYTE * size + MEMORY_PER_CELL * cells


def memory_refusal(origin: str, sheet: str, size: int, cells: int | None, used: int, limit: int) -> str:
    """The message refusing a workbook whose sheets would take more than ``limit`` bytes of memory."""
    held = f"{cells:,} cells in {_mb(size)} of XML" if cells is not None else f"{_mb(size)} of XML"
    need = sheet_memory(size, cells or 0) + used
    others = f" (with the {_mb(used)} of the sheets read before it)" if used >= 1024 * 1024 else ""
    return (f"the sheet {sheet!r} of {origin} holds {held}; reading it takes about {_mb(need)} of memory{others}, "
            f"more than the {_mb(limit)} one workbook may use ({MEMORY_PER_SHEET_BYTE} bytes for each byte of "
            f"sheet XML and {MEMORY_PER_CELL} for each cell): move data the model does not use to a workbook of "
            f"its own")


#: Parts in one package: a workbook has tens; hundreds with many sheets and pictures.
MAX_MEMBERS = 10_000
#: The first bytes of an OLE compound file: an encrypted (password-protected) xlsx, or a .xls.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Parts whose text is XML (checked for a document type declaration and for UTF-8).
XML_SUFFIXES = (".xml", ".rels", ".vml")

_CHUNK = 64 * 1024
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


class UnsafePackageError(ValueError):
    """The file is not a workbook that can be read safely. Raised as the reader's PackageError
    subclass by :mod:`sscr.workbooks.package`; kept separate here so this module stands alone."""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a file (it is missing, a folder, a FIFO, a device, a socket,
    a symbolic link to nothing), or None for a regular file. Reading a FIFO blocks until someone
    writes to it, so nothing but a regular file is ever opened."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        if os.path.islink(p):
            return f"is a symbolic link to {os.readlink(p)}, which does not exist"
        return "does not exist"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    return f"is {file_kind(mode)}, not a file" if stat.S_ISDIR(mode) else f"is {file_kind(mode)}, not a regular file"


def read_regular(path: str | os.PathLike[str], limit: int, origin: str, error: type[Exception]) -> bytes:
    """Up to ``limit + 1`` bytes of the regular file at ``path``; anything else (a FIFO, a device, a
    socket) is refused unopened, or opened without blocking and refused, so no read can hang."""
    with open_regular(path, origin, error) as fh:
        try:
            return fh.read(limit + 1)
        except OSError as exc:
            raise error(f"{origin} cannot be read: {exc.strerror or exc}") from None


def open_regular(path: str | os.PathLike[str], origin: str, error: type[Exception]) -> BinaryIO:
    """The regular file at ``path``, open for reading (binary); anything else refused as by
    :func:`read_regular`, without blocking."""
    why = not_regular(path)
    if why is not None:
        raise error(f"{origin} {why}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise error(f"{origin} cannot be read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{origin} is {file_kind(mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_workbook_file(path: str | os.PathLike[str], error: type[Exception] = UnsafePackageError) -> BinaryIO:
    """The workbook at ``path`` open for reading, after the checks of :func:`read_workbook_file`
    that need no byte of it read."""
    p = Path(path)
    name = p.name
    if p.is_dir():
        raise error(f"{name} is a folder, not a workbook file")
    fh = open_regular(p, name, error)
    try:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise error(f"{name} is {_mb(size)}, larger than the {_mb(MAX_FILE_BYTES)} a workbook may be")
    except BaseException:
        fh.close()
        raise
    return fh


def read_workbook_file(path: str | os.PathLike[str], error: type[Exception] = UnsafePackageError) -> bytes:
    """The bytes of the workbook at ``path``, or ``error`` saying why it cannot be a workbook."""
    p = Path(path)
    name = p.name
    if p.is_dir():
        raise error(f"{name} is a folder, not a workbook file")
    try:
        size = p.stat().st_size
    except OSError:
        size = 0  # read_regular names what is wrong
    if size > MAX_FILE_BYTES:
        raise error(f"{name} is {_mb(size)}, larger than the {_mb(MAX_FILE_BYTES)} a workbook may be")
    data = read_regular(p, MAX_FILE_BYTES, name, error)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise error(f"{name} is larger than the {_mb(MAX_FILE_BYTES)} a workbook may be")
    return data


def check_container(data: bytes, origin: str, error: type[Exception] = UnsafePackageError,
                    size: int | None = None) -> None:
    """Refuse bytes that are plainly not an xlsx package, with the reason. ``data`` may be only the
    first bytes of the file, with ``size`` its whole size."""
    size = len(data) if size is None else size
    if not size:
        raise error(f"{origin} is empty (0 bytes): it is not a workbook; it may not have finished copying")
    if data.startswith(OLE_MAGIC):
        raise error(f"{origin} is encrypted or legacy .xls (an OLE compound file, not an xlsx package): remove the "
                    f"password, or save it as an Excel Workbook (.xlsx), in Excel")
    if size > MAX_FILE_BYTES:
        raise error(f"{origin} is larger than the {_mb(MAX_FILE_BYTES)} a workbook may be")
    if not data.startswith(b"PK"):
        raise error(f"{origin} is not an xlsx file (not a zip package): save it as an Excel Workbook (.xlsx)")


def _open_members(data: "bytes | BinaryIO", origin: str, error: type[Exception], max_expanded: int
                  ) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The open zip and its entries, after the checks that need no part inflated: the container,
    the zip directory, the number of parts, the declared expanded size, each part's compression
    ratio and encryption. ``data`` is the file's bytes, or the file open for reading."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        check_container(bytes(data[:8]), origin, error, size=len(data))
        source: Any = BytesIO(data)
    else:
        try:
            size = os.fstat(data.fileno()).st_size
            data.seek(0)
            head = data.read(8)
            data.seek(0)
        except OSError as exc:
            raise error(f"{origin} cannot be read: {exc.strerror or exc}") from None
        check_container(head, origin, error, size=size)
        source = data
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise error(f"{origin} is truncated or damaged (its zip directory cannot be read): "
                    f"copy it again from where it came from") from None
    except (OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: zipfile's word for a damaged version or compression field.
        raise error(f"{origin} is truncated or damaged ({exc})") from None
    try:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise error(f"{origin} holds {len(infos):,} parts, more than the {MAX_MEMBERS:,} a workbook may have")
        declared = sum(i.file_size for i in infos)
        if declared > max_expanded:
            raise error(f"{origin} expands to {_mb(declared)}, more than the {_mb(max_expanded)} a workbook "
                        f"may (a zip bomb, or not a workbook)")
        for info in infos:
            _check_ratio(info.filename, info.file_size, info.compress_size, origin, error)
        for info in infos:
            if info.flag_bits & 0x1:
                raise error(f"{origin} is encrypted (part {info.filename} needs a password): remove the password "
                            f"in Excel")
    except BaseException:
        zf.close()
        raise
    return zf, infos


def read_parts(data: bytes, origin: str, error: type[Exception] = UnsafePackageError
               ) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    """The zip entries of ``data`` and each part's bytes, checked as the module docstring says."""
    zf, infos = _open_members(data, origin, error, MAX_EXPANDED_BYTES)
    with zf:
        parts: dict[str, bytes] = {}
        total = 0
        for info in infos:
            body, total = _inflate(zf, info, total, origin, error)
            if info.filename.lower().endswith(XML_SUFFIXES):
                _check_xml(info.filename, body, origin, error)
            parts[info.filename] = body
    return infos, parts


#: Parts up to this size are kept in memory when a package is opened. Larger ones (a sheet of many
#: cells) are checked as they stream past, and inflated again only if they are read or changed: a
#: sheet the work never looks at costs no memory, and is copied into the output as it streams.
KEEP_BYTES = 1024 * 1024


def open_package(data: "bytes | BinaryIO", origin: str, error: type[Exception] = UnsafePackageError
                 ) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo], dict[str, bytes]]:
    """The open zip, its entries, and the bytes of every part up to :data:`KEEP_BYTES`: every part
    checked as :func:`read_parts` checks it (caps, ratio, DOCTYPE, UTF-8), the large ones while they
    stream, without being kept. The zip stays open for :func:`inflate_part`; the caller closes it."""
    zf, infos = _open_members(data, origin, error, MAX_EXPANDED_BYTES)
    try:
        parts: dict[str, bytes] = {}
        total = 0
        for info in infos:
            xml = info.filename.lower().endswith(XML_SUFFIXES)
            if info.file_size <= KEEP_BYTES:
                body, total = _inflate(zf, info, total, origin, error)
                if xml:
                    _check_xml(info.filename, body, origin, error)
                parts[info.filename] = body
            else:
                total = _stream_check(zf, info, total, origin, error, xml)
    except BaseException:
        zf.close()
        raise
    return zf, infos, parts


def inflate_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, origin: str,
                 error: type[Exception] = UnsafePackageError) -> bytes:
    """The bytes of one part of a package :func:`open_package` opened (and checked)."""
    body, _ = _inflate(zf, info, 0, origin, error)
    return body


def _stream_check(zf: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, origin: str,
                  error: type[Exception], xml: bool) -> int:
    """Check one part as :func:`_check_xml` would, 64 kB at a time, keeping nothing."""
    import codecs

    tail = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf16 = False
    seen = 0

    def look(chunk: bytes) -> None:
        nonlocal tail, utf16, seen
        if not xml:
            return
        if not seen and chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
            utf16 = True
        window = tail + chunk
        if utf16:
            # a large UTF-16 part: only customXml items may be, and only its declaration matters here
            if not tail and _DOCTYPE.search(window.decode("utf-16", "ignore").encode()):
                _doctype(info.filename, origin, error)
        elif _DOCTYPE.search(window):
            _doctype(info.filename, origin, error)
        if not utf16:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise error(f"{origin}: part {info.filename} is not UTF-8 text (byte {seen + exc.start}); the "
                            f"workbook is damaged") from None
        tail = chunk[-32:]
        seen += len(chunk)

    _, total = _inflate(zf, info, total, origin, error, keep=False, look=look)
    if xml and not utf16:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise error(f"{origin}: part {info.filename} is not UTF-8 text (byte {seen + exc.start}); the "
                        f"workbook is damaged") from None
    if xml and utf16 and (info.filename.startswith("xl/") or info.filename == "[Content_Types].xml"
                          or info.filename.startswith("_rels/")):
        raise error(f"{origin}: part {info.filename} is UTF-16 text, which the workbook's own parts never are; save "
                    f"the workbook again in Excel")
    return total


def _doctype(name: str, origin: str, error: type[Exception]) -> None:
    raise error(f"{origin}: part {name} holds a document type declaration (<!DOCTYPE or <!ENTITY), which no "
                f"spreadsheet application writes and which can hide entity expansion; the workbook is refused")


def scan_package(data: bytes, origin: str, error: type[Exception] = UnsafePackageError, *,
                 max_expanded: int = 4 * 1024 * 1024 * 1024) -> None:
    """Check a package as :func:`read_parts` does, streaming each part instead of keeping it: for a
    large workbook (a portfolio) that another reader then opens. The expanded-size cap is larger;
    the ratio cap and the DOCTYPE refusal are the same."""
    zf, infos = _open_members(data, origin, error, max_expanded)
    with zf:
        total = 0
        for info in infos:
            xml = info.filename.lower().endswith(XML_SUFFIXES)
            tail = b""

            def look(chunk: bytes) -> None:
                nonlocal tail
                if xml:
                    window = tail + chunk
                    if _DOCTYPE.search(window) or (window[:2] in (b"\xff\xfe", b"\xfe\xff") and not tail and
                                                   _DOCTYPE.search(window.decode("utf-16", "ignore").encode())):
                        raise error(f"{origin}: part {info.filename} holds a document type declaration (<!DOCTYPE "
                                    f"or <!ENTITY), which no spreadsheet application writes and which can hide "
                                    f"entity expansion; the workbook is refused")
                    tail = chunk[-32:]

            _, total = _inflate(zf, info, total, origin, error, keep=False, look=look, cap=max_expanded)


def _check_ratio(name: str, size: int, compressed: int, origin: str, error: type[Exception]) -> None:
    if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(compressed, 1):
        raise error(f"{origin}: part {name} expands {size / max(compressed, 1):,.0f} times, more than the "
                    f"{MAX_RATIO} times a workbook part may (a zip bomb)")


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, origin: str,
             error: type[Exception], *, keep: bool = True, look: Any = None,
             cap: int = MAX_EXPANDED_BYTES) -> tuple[bytes, int]:
    """One part's bytes (kept, or only looked at), counted chunk by chunk against the caps whatever
    its header says."""
    out = bytearray()
    size = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                if keep:
                    out += chunk
                if look is not None:
                    look(chunk)
                size += len(chunk)
                total += len(chunk)
                if total > cap:
                    raise error(f"{origin} expands to more than the {_mb(cap)} a workbook may "
                                f"(a zip bomb, or not a workbook)")
                if size > info.file_size:
                    raise error(f"{origin}: part {info.filename} holds more than its declared "
                                f"{info.file_size:,} bytes (a damaged or crafted file)")
                _check_ratio(info.filename, size, info.compress_size, origin, error)
    except zipfile.BadZipFile as exc:
        raise error(f"{origin} is truncated or damaged (part {info.filename}: {exc})") from None
    except (zlib.error, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, error):
            raise
        raise error(f"{origin} is truncated or damaged (part {info.filename} cannot be decompressed: "
                    f"{exc})") from None
    except NotImplementedError as exc:
        raise error(f"{origin}: part {info.filename} uses a compression this reader does not support ({exc}); "
                    f"save the workbook again in Excel") from None
    except RuntimeError as exc:  # zipfile's "File ... is encrypted, password required"
        raise error(f"{origin} is encrypted ({exc}): remove the password in Excel") from None
    return bytes(out), total


def _check_xml(name: str, body: bytes, origin: str, error: type[Exception]) -> None:
    text = body
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: customXml items may be; workbook parts are not
        try:
            text = body.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{origin}: part {name} is not readable text; the workbook is damaged") from None
    if _DOCTYPE.search(text):
        raise error(f"{origin}: part {name} holds a document type declaration (<!DOCTYPE or <!ENTITY), which no "
                    f"spreadsheet application writes and which can hide entity expansion; the workbook is refused")
    if text is body:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{origin}: part {name} is not UTF-8 text (byte {exc.start}); the workbook is "
                        f"damaged") from None
    elif name.startswith("xl/") or name == "[Content_Types].xml" or name.startswith("_rels/"):
        raise error(f"{origin}: part {name} is UTF-16 text, which the workbook's own parts never are; save the "
                    f"workbook again in Excel")


#: First characters that make a spreadsheet application read a CSV cell (or typed text) as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text: str) -> str:
    """Text for a CSV cell that a spreadsheet application opens as the same text, never a formula:
    text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe, which Excel
    and LibreOffice read as "this is text" (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# --- temporary files being written, removed when the process is told to stop --------------------

#: Temporary files this process is writing now. A handler for SIGTERM removes them before the
#: process ends, so that a stopped run leaves neither half a file nor a stray temporary one.
WRITING: set[str] = set()


def remove_temporary_files() -> None:
    for name in list(WRITING):
        try:
            os.unlink(name)
        except OSError:
            pass
        WRITING.discard(name)
