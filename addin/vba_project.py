"""Write a VBA project (``vbaProject.bin``) from VBA source text, as [MS-OVBA] lays it out.

The project is a compound file ([MS-CFB], written by ``pycfb``) holding:

- ``VBA/dir``: the project's information, references and module records (2.3.4.2), compressed;
- ``VBA/<module>``: each module's source, compressed (2.3.4.3), with no performance cache;
- ``VBA/_VBA_PROJECT``: the version-independent header (2.3.4.1, version 0xFFFF). With it the host
  application ignores any compiled code and compiles the modules from their source, so the project
  works in every Excel version and bitness;
- ``PROJECT`` (2.3.1): the module list, the project's name and its (absent) protection, the last
  three encrypted as [MS-OVBA] 2.4.3 prescribes; ``PROJECTwm`` (2.3.3): the module names.

Everything is written deterministically: the same sources give the same bytes.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

#: The code page of module source and of the PROJECT stream (Windows Western European).
CODEPAGE, ENCODING = 1252, "cp1252"

# --- compression (MS-OVBA 2.4.1) --------------------------------------------------------------------

CHUNK = 4096


def _copy_token_help(position: int) -> tuple[int, int]:
    """(bit count of the offset, maximum length) at ``position`` bytes into a chunk (2.4.1.3.19.1)."""
    bits = max((position - 1).bit_length(), 4)
    return bits, (0xFFFF >> bits) + 3


def _compress_chunk(data: bytes) -> bytes:
    out = bytearray()
    n = len(data)
    pos = 0
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= n:
                _bits, max_len = _copy_token_help(pos)
                limit = min(max_len, n - pos)
                for start in reversed(heads.get(data[pos:pos + 3], ())):
                    length = 3
                    while length < limit and data[start + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - start
                        if length == limit:
                            break
            if best_len >= 3:
                bits, _max = _copy_token_help(pos)
                out += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                flags |= 1 << bit
                advance = best_len
            else:
                out.append(data[pos])
                advance = 1
            for p in range(pos, min(pos + advance, n - 2)):
                heads.setdefault(data[p:p + 3], []).append(p)
            pos += advance
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """MS-OVBA compression of ``data``: a signature byte, then chunks of up to 4,096 bytes."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        piece = data[start:start + CHUNK]
        body = _compress_chunk(piece)
        if len(body) > CHUNK:
            if len(piece) != CHUNK:  # a raw chunk holds exactly 4,096 bytes
                raise ValueError("the last chunk of the data does not compress; it cannot be stored raw")
            out += struct.pack("<H", 0x3000 | (CHUNK - 1)) + piece
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


# --- data encryption of the PROJECT stream's protection fields (MS-OVBA 2.4.3) -------------------------

def encrypt(project_id: str, data: bytes, seed: int, ignored: bytes) -> str:
    """The hexadecimal text of ``data`` encrypted with the project key of ``project_id`` (2.4.3.2)."""
    project_key = sum(project_id.encode(ENCODING)) & 0xFF
    if len(ignored) != (seed & 6) >> 1:
        raise ValueError("the seed decides how many ignored bytes there are")
    version_enc = seed ^ 2
    key_enc = seed ^ project_key
    out = bytearray([seed, version_enc, key_enc])
    unencrypted1, encrypted1, encrypted2 = project_key, key_enc, version_enc
    for byte in ignored + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return out.hex().upper()


def decrypt(project_id: str, text: str) -> tuple[int, bytes, bytes]:
    """(seed, ignored bytes, data) of an encrypted field; the inverse of :func:`encrypt`."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if version_enc ^ seed != 2:
        raise ValueError("not MS-OVBA data encryption version 2")
    project_key = key_enc ^ seed
    if project_key != sum(project_id.encode(ENCODING)) & 0xFF:
        raise ValueError("the project key is not the project ID's")
    unencrypted1, encrypted1, encrypted2 = project_key, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    n_ignored = (seed & 6) >> 1
    length = struct.unpack_from("<I", plain, n_ignored)[0]
    data = bytes(plain[n_ignored + 4:])
    if len(data) != length:
        raise ValueError("the data length does not match")
    return seed, bytes(plain[:n_ignored]), data


# --- the project ------------------------------------------------------------------------------------

#: Module kinds: a standard module (.bas), a class module (.cls), a document module (a workbook's
#: or a sheet's code, .cls with VB_Base of the host's document).
STANDARD, CLASS, DOCUMENT = "Module", "Class", "Document"


@dataclass(frozen=True)
class Module:
    name: str
    kind: str
    source: str  # the module's text as the VBA editor exports it, ``Attribute`` lines included
    docstring: str = ""

    def code(self) -> bytes:
        text = self.source.replace("\r\n", "\n").replace("\n", "\r\n")
        try:
            return text.encode(ENCODING)
        except UnicodeEncodeError as exc:
            raise ValueError(f"module {self.name}: {text[exc.start:exc.end]!r} is not in code page {CODEPAGE}, "
                             f"at {text[max(0, exc.start - 40):exc.start]!r}") from None


def _record(rid: int, data: bytes = b"") -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _text_records(rid: int, unicode_rid: int, text: str) -> bytes:
    return _record(rid, text.encode(ENCODING)) + _record(unicode_rid, text.encode("utf-16-le"))


@dataclass(frozen=True)
class Project:
    name: str
    project_id: uuid.UUID
    modules: tuple[Module, ...]
    #: The REFERENCE records of the dir stream (2.3.4.2.2), bytes as Excel writes them.
    references: bytes
    lcid: int = 0x0409
    #: MS-OVBA 2.3.4.2.1.11: the version written by the VBA editor that saved the project last.
    version: tuple[int, int] = (0x61EEF783, 0x0003)
    #: Seeds of the three encrypted PROJECT fields (any values; fixed so that builds repeat).
    seeds: tuple[int, int, int] = (0x17, 0x25, 0x31)

    def dir_stream(self) -> bytes:
        """The decompressed dir stream (2.3.4.2)."""
        out = bytearray()
        out += _record(0x0001, struct.pack("<I", 1))  # SysKind: 32-bit Windows, as Excel writes
        out += _record(0x0002, struct.pack("<I", self.lcid))
        out += _record(0x0014, struct.pack("<I", self.lcid))
        out += _record(0x0003, struct.pack("<H", CODEPAGE))
        out += _record(0x0004, self.name.encode(ENCODING))
        out += _text_records(0x0005, 0x0040, "")  # docstring
        out += _text_records(0x0006, 0x003D, "")  # help file
        out += _record(0x0007, struct.pack("<I", 0))  # help context
        out += _record(0x0008, struct.pack("<I", 0))  # lib flags
        out += struct.pack("<HIIH", 0x0009, 4, *self.version)  # PROJECTVERSION: Reserved is 4, 6 bytes follow
        out += _text_records(0x000C, 0x003C, "")  # constants
        out += self.references
        out += _record(0x000F, struct.pack("<H", len(self.modules)))
        out += _record(0x0013, struct.pack("<H", 0xFFFF))  # project cookie
        for module in self.modules:
            out += _text_records(0x0019, 0x0047, module.name)
            out += _text_records(0x001A, 0x0032, module.name)  # the stream is named after the module
            out += _text_records(0x001C, 0x0048, module.docstring)
            out += _record(0x0031, struct.pack("<I", 0))  # source offset: no performance cache
            out += _record(0x001E, struct.pack("<I", 0))  # help context
            out += _record(0x002C, struct.pack("<H", 0xFFFF))  # module cookie
            out += _record(0x0021 if module.kind == STANDARD else 0x0022)
            out += _record(0x002B)  # module terminator
        out += _record(0x0010) + struct.pack("<I", 0)  # terminator, reserved
        return bytes(out)

    def project_stream(self) -> bytes:
        """The PROJECT stream (2.3.1): text in the project's code page."""
        pid = "{" + str(self.project_id).upper() + "}"
        lines = [f'ID="{pid}"']
        for module in self.modules:
            lines.append(f"Document={module.name}/&H00000000" if module.kind == DOCUMENT
                         else f"{module.kind}={module.name}")
        # Not protected, no password, visible (2.3.1.15-17).
        fields = {"CMG": struct.pack("<I", 0), "DPB": b"\x00", "GC": b"\xff"}
        encrypted = {key: encrypt(pid, value, seed, bytes((seed & 6) >> 1))
                     for (key, value), seed in zip(fields.items(), self.seeds)}
        lines += [f'Name="{self.name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
                  *(f'{key}="{value}"' for key, value in encrypted.items()),
                  "", "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
                  "", "[Workspace]"]
        lines += [f"{module.name}=0, 0, 0, 0, C" for module in self.modules]
        return ("\r\n".join(lines) + "\r\n").encode(ENCODING)

    def project_wm_stream(self) -> bytes:
        """The PROJECTwm stream (2.3.3): each module's name in the code page and in UTF-16."""
        out = bytearray()
        for module in self.modules:
            out += module.name.encode(ENCODING) + b"\x00" + module.name.encode("utf-16-le") + b"\x00\x00"
        return bytes(out + b"\x00\x00")

    def streams(self) -> list[tuple[str, bytes | None]]:
        """Every storage (None) and stream of the compound file, by path."""
        names = [m.name for m in self.modules]
        if len({n.upper() for n in names}) != len(names):
            raise ValueError(f"module names repeat: {names}")
        out: list[tuple[str, bytes | None]] = [
            ("PROJECT", self.project_stream()),
            ("PROJECTwm", self.project_wm_stream()),
            ("VBA", None),
            ("VBA/_VBA_PROJECT", VERSION_INDEPENDENT_VBA_PROJECT),
            ("VBA/dir", compress(self.dir_stream())),
        ]
        out += [(f"VBA/{m.name}", compress(m.code())) for m in self.modules]
        return out

    def to_bytes(self) -> bytes:
        """The compound file: ``vbaProject.bin``."""
        from pycfb.cfbutility import CFBWriter

        paths, data = zip(*self.streams())
        return bytes(CFBWriter(list(paths), list(data), uuid.UUID(int=0)).data)


#: 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (compile from source), Reserved2 0x00, Reserved3 (as Excel).
VERSION_INDEPENDENT_VBA_PROJECT = b"\xcc\x61\xff\xff\x00\x01\x00"


def reference_records(dir_stream: bytes) -> bytes:
    """The REFERENCE records of a decompressed dir stream: from the first record after
    PROJECTCONSTANTS to PROJECTMODULES."""
    out = bytearray()
    pos = 0
    inside = False
    while pos < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, pos)
        length = 6 + (6 if rid == 0x0009 else size)
        if rid == 0x000F:
            break
        if inside:
            out += dir_stream[pos:pos + length]
        if rid == 0x003C:
            inside = True
        pos += length
    return bytes(out)


def reference_groups(references: bytes) -> dict[str, bytes]:
    """REFERENCE records by the reference's name: each group starts with its REFERENCENAME record."""
    groups: dict[str, bytearray] = {}
    current = None
    pos = 0
    while pos < len(references):
        rid, size = struct.unpack_from("<HI", references, pos)
        record = references[pos:pos + 6 + size]
        if rid == 0x0016:
            current = record[6:].decode(ENCODING)
            groups[current] = bytearray()
        if current is None:
            raise ValueError("a reference record before any REFERENCENAME")
        groups[current] += record
        pos += 6 + size
    return {name: bytes(data) for name, data in groups.items()}
