"""Dart AOT snapshot (``libapp.so``, ``App.framework/App``): locate it by ELF or Mach-O symbols
or its magic, and read its header (Dart version, build mode) and the strings in its data.
See: https://github.com/dart-lang/sdk/blob/main/runtime/vm/snapshot.h
"""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass, field

_logger = logging.getLogger(__name__)

MAX_STRINGS = 500_000
_MAX_STRING = 64 * 1024
_MAX_SYMBOLS = 200_000
_MAX_SECTIONS = 4096

_MAGIC = 0xDCDCF5F5
_KINDS = {0: "full", 1: "full-core", 2: "full-jit", 3: "full-aot"}
_ISOLATE_DATA = "_kDartIsolateSnapshotData"
_VM_DATA = "_kDartVmSnapshotData"

_RUN = re.compile(rb"[\x20-\x7e]{4,}")
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"


@dataclass(frozen=True)
class SnapshotHeader:
    """The header Dart writes at the start of every snapshot."""

    length: int
    kind: str
    version: str
    features: tuple[str, ...]

    @property
    def product(self) -> bool:
        """True for a release (product) build; profile builds lack the feature."""
        return "product" in self.features


@dataclass
class Snapshot:
    """A Dart AOT snapshot's header and the strings of its isolate data."""

    entry: str
    header: SnapshotHeader | None
    strings: list[str]
    located_by: str
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    pem: list[bytes] = field(default_factory=list)  # PEM certificates written in the code


class _Malformed(Exception):
    """A structure of the binary points outside it or is not what it claims."""


# --- locating the snapshot in ELF and Mach-O -------------------------------------------------

def locate_isolate_data(data: bytes) -> tuple[int, int, str] | None:
    """(start, end, how) of the isolate snapshot data in a ``libapp.so`` or ``App`` binary.

    Uses the dynamic symbols when the binary is ELF or Mach-O and has them; otherwise looks
    for the snapshot magic. Returns None when neither finds a snapshot.
    """
    symbols: dict[str, tuple[int, int]] = {}
    try:
        if data[:4] == b"\x7fELF":
            symbols = _elf_symbols(data)
        elif data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
            symbols = _macho_symbols(data)
    except (_Malformed, struct.error, IndexError, ValueError, OverflowError):
        symbols = {}
    for name in (_ISOLATE_DATA, _ISOLATE_DATA[1:], "_" + _ISOLATE_DATA):
        if name in symbols:
            start, size = symbols[name]
            if 0 <= start < len(data) and size > 0:
                return start, min(start + size, len(data)), "its dynamic symbols"
    return _scan_for_magic(data)


def _scan_for_magic(data: bytes) -> tuple[int, int, str] | None:
    """The last valid snapshot header: Dart lays out the VM data before the isolate data."""
    found: list[int] = []
    at = data.find(b"\xf5\xf5\xdc\xdc")
    while at >= 0 and len(found) < 16:
        if parse_header(data, at) is not None:
            found.append(at)
        at = data.find(b"\xf5\xf5\xdc\xdc", at + 4)
    if not found:
        return None
    # NOTE: without symbols the end of the isolate data is unknown; the scan runs to the end
    # of what was read, so machine code after it may add a few garbage strings.
    return found[-1], len(data), "the snapshot magic (no dynamic symbols)"


def _elf_symbols(data: bytes) -> dict[str, tuple[int, int]]:
    """Defined dynamic symbols of a little-endian ELF: name -> (file offset, size)."""
    if data[5] != 1:
        raise _Malformed("big-endian ELF")
    wide = data[4] == 2
    if wide:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        entsize, count = struct.unpack_from("<HH", data, 0x3A)
        layout, sym_layout, sym_size = "<IIQQQQIIQQ", "<IBBHQQ", 24
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        entsize, count = struct.unpack_from("<HH", data, 0x2E)
        layout, sym_layout, sym_size = "<IIIIIIIIII", "<IIIBBH", 16
    if count > _MAX_SECTIONS or entsize < struct.calcsize(layout):
        raise _Malformed("section table")
    sections = [struct.unpack_from(layout, data, shoff + i * entsize) for i in range(count)]
    symbols: dict[str, tuple[int, int]] = {}
    for section in sections:
        if section[1] != 11:  # SHT_DYNSYM
            continue
        offset, size, link = section[4], section[5], section[6]
        if link >= len(sections):
            raise _Malformed("symbol string table")
        strings = sections[link]
        for index in range(1, min(size // sym_size, _MAX_SYMBOLS)):
            fields = struct.unpack_from(sym_layout, data, offset + index * sym_size)
            if wide:
                name_at, _info, _other, shndx, value, sym_len = fields
            else:
                name_at, value, sym_len, _info, _other, shndx = fields
            if not 0 < shndx < len(sections):
                continue
            home = sections[shndx]
            name = _c_string(data, strings[4] + name_at)
            symbols[name] = (home[4] + value - home[3], sym_len)
    return symbols


def _macho_symbols(data: bytes) -> dict[str, tuple[int, int]]:
    """Defined symbols of a Mach-O (the arm64 slice of a fat file): name -> (offset, size).

    Mach-O symbols carry no size; a symbol runs to the next symbol or its section's end.
    """
    base = 0
    if data[:4] == b"\xca\xfe\xba\xbe":
        count, = struct.unpack_from(">I", data, 4)
        slices = [struct.unpack_from(">iiIII", data, 8 + i * 20) for i in range(min(count, 16))]
        chosen = next((s for s in slices if s[0] == 0x0100000C), slices[0] if slices else None)
        if chosen is None:
            raise _Malformed("empty fat file")
        base = chosen[2]
    magic = data[base:base + 4]
    wide = magic == b"\xcf\xfa\xed\xfe"
    if not wide and magic != b"\xce\xfa\xed\xfe":
        raise _Malformed("not a Mach-O slice")
    ncmds, = struct.unpack_from("<I", data, base + 16)
    at = base + (32 if wide else 28)
    sections: list[tuple[int, int, int]] = []  # (address, size, file offset)
    symtab: tuple[int, int, int, int] | None = None
    for _ in range(min(ncmds, 1024)):
        cmd, size = struct.unpack_from("<II", data, at)
        if size < 8:
            raise _Malformed("load command size")
        if cmd in (0x19, 0x1):  # LC_SEGMENT_64, LC_SEGMENT
            nsects, = struct.unpack_from("<I", data, at + (64 if wide else 48))
            first = at + (72 if wide else 56)
            for i in range(min(nsects, 256)):
                if wide:
                    addr, length, offset = struct.unpack_from("<QQI", data, first + i * 80 + 32)
                else:
                    addr, length, offset = struct.unpack_from("<III", data, first + i * 68 + 32)
                sections.append((addr, length, offset))
        elif cmd == 0x2:  # LC_SYMTAB
            symtab = struct.unpack_from("<IIII", data, at + 8)
        at += size
    if symtab is None:
        return {}
    symoff, nsyms, stroff, _strsize = symtab
    entry = 16 if wide else 12
    defined: list[tuple[int, str, int]] = []  # (address, name, section number)
    for i in range(min(nsyms, _MAX_SYMBOLS)):
        if wide:
            strx, kind, sect, _desc, value = struct.unpack_from("<IBBHQ", data,
                                                                base + symoff + i * entry)
        else:
            strx, kind, sect, _desc, value = struct.unpack_from("<IBBHI", data,
                                                                base + symoff + i * entry)
        if kind & 0x0E == 0x0E and 0 < sect <= len(sections):  # N_SECT
            defined.append((value, _c_string(data, base + stroff + strx), sect))
    defined.sort()
    symbols: dict[str, tuple[int, int]] = {}
    for index, (value, name, sect) in enumerate(defined):
        addr, length, offset = sections[sect - 1]
        end = addr + length
        if index + 1 < len(defined) and defined[index + 1][2] == sect:
            end = min(end, defined[index + 1][0])
        symbols[name] = (base + offset + value - addr, max(end - value, 0))
    return symbols


def _c_string(data: bytes, at: int) -> str:
    if not 0 <= at < len(data):
        raise _Malformed("name outside the file")
    end = data.find(b"\0", at, at + 256)
    return data[at:end if end >= 0 else at + 256].decode("latin-1")


# --- the snapshot header and its strings -----------------------------------------------------

def parse_header(data: bytes, at: int) -> SnapshotHeader | None:
    """Read a snapshot header: magic, length, kind, 32-character version hash, features.

    Returns None when the bytes at ``at`` are not a snapshot header.
    """
    if at < 0 or len(data) < at + 52:
        return None
    magic, length, kind = struct.unpack_from("<Iqq", data, at)
    version = data[at + 20:at + 52]
    if magic != _MAGIC or kind not in _KINDS or not re.fullmatch(rb"[0-9a-f]{32}", version):
        return None
    end = data.find(b"\0", at + 52, at + 52 + 1024)
    features = data[at + 52:end if end >= 0 else at + 52].decode("latin-1")
    return SnapshotHeader(length, _KINDS[kind], version.decode(), tuple(features.split()))


def extract_strings(data: bytes, start: int, end: int,
                    limit: int = MAX_STRINGS) -> tuple[list[str], bool]:
    """Printable ASCII runs of ``data[start:end]``, cut at each Dart string's own length.

    Returns the strings in file order and whether ``limit`` cut the list short.
    """
    # NOTE: this is a bounded scan for printable runs, not a walk of Dart's object graph.
    # A one-byte string in the read-only data is a header (tags, hash) with its length as a
    # Smi (twice the length) just before the characters, in 8 bytes, or 4 with compressed
    # pointers: that length trims the run where the next object's header would add stray
    # characters. On 32-bit targets a hash field may sit in between; when no length fits,
    # the whole run is kept and may end in a stray character or two. Strings of 3
    # characters or fewer, characters outside ASCII (Latin-1 and two-byte strings) and
    # strings the compiler encoded elsewhere are missed.
    found: list[str] = []
    for match in _RUN.finditer(data, start, end):
        if len(found) >= limit:
            return found, True
        at, size = match.start(), min(match.end() - match.start(), _MAX_STRING)
        size = _declared_length(data, at, size)
        found.append(data[at:at + size].decode("ascii"))
    return found, False


def _declared_length(data: bytes, at: int, run: int) -> int:
    for width in (8, 4):
        if at >= width:
            smi = int.from_bytes(data[at - width:at], "little")
            if smi & 1 == 0 and 4 <= smi >> 1 <= run:
                return smi >> 1
    return run


def read_snapshot(data: bytes, entry: str) -> Snapshot | None:
    """The header and strings of the AOT snapshot in one binary; None without a snapshot."""
    located = locate_isolate_data(data)
    if located is None:
        return None
    start, end, how = located
    header = parse_header(data, start)
    notes = []
    if header is None:
        notes.append("the isolate snapshot data do not start with a Dart snapshot header")
    strings, truncated = extract_strings(data, start, end)
    return Snapshot(entry, header, strings, how, truncated, notes, _pem_blocks(data, start, end))


def _pem_blocks(data: bytes, start: int, end: int) -> list[bytes]:
    """PEM certificates stored as string literals (multi-line, so no single printable run)."""
    blocks: list[bytes] = []
    at = data.find(_PEM_BEGIN, start, end)
    while at >= 0 and len(blocks) < 50:
        stop = data.find(_PEM_END, at, min(at + 16 * 1024, end))
        if stop < 0:
            at = data.find(_PEM_BEGIN, at + len(_PEM_BEGIN), end)
            continue
        blocks.append(data[at:stop + len(_PEM_END)] + b"\n")
        at = data.find(_PEM_BEGIN, stop, end)
    return blocks
