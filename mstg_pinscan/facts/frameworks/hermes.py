"""Hermes bytecode: the header, version and string table of a React Native bundle, or its
printable runs when the layout is not one pinscan knows.
See: https://github.com/facebook/hermes/blob/main/include/hermes/BCGen/HBC/BytecodeFileFormat.h
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

_MiB = 1024 * 1024
_MAX_STRINGS = 500_000  # Hermes string table entries read
_MAX_SCANNED = 200_000  # printable runs kept by the fallback scan
_MAX_STRING = 256 * 1024  # bytes kept of one Hermes string
_MAX_STRING_BYTES = 128 * _MiB  # bytes decoded from one string table: entries may overlap

HERMES_MAGIC = 0x1F1903C103BC1FC6
HERMES_DELTA_MAGIC = HERMES_MAGIC ^ 0xFFFF_FFFF_FFFF_FFFF
_HEADER_SIZE = 128
# Size of one small function header per bytecode version; everything the string table needs
# (the counts after the 20-byte source hash, and the order of the sections) is the same.
# Tested with the hermesc of hermes-engine 0.11.0 (v84), hermes-engine-cli 0.12.0 (v89),
# hermes-compiler 0.14.0 (v96) and hermes-compiler 260318099.0.6 (v99, Hermes 1.0, whose
# function headers lost a word). NOTE: v85-v88 and v90-v95 are taken to share v84-v96's
# layout without a compiler to check them; v97 and v98 are not known and are scanned.
_FUNCTION_HEADER = {**{v: 16 for v in range(84, 97)}, 99: 12}
_KNOWN_VERSIONS = "84-96, 99"

_PRINTABLE = re.compile(rb"[\x20-\x7e]{6,4096}")


@dataclass
class HermesFile:
    """What the string table of a Hermes bytecode file holds."""

    version: int
    strings: list[str]
    parsed: bool  # the string table was read; False: printable runs were scanned instead
    notes: list[str] = field(default_factory=list)


def is_hermes(data: bytes) -> bool:
    """True when ``data`` starts with Hermes bytecode's magic number."""
    return len(data) >= 8 and struct.unpack_from("<Q", data)[0] == HERMES_MAGIC


def read_hermes(data: bytes) -> HermesFile:
    """Read the string table of Hermes bytecode; never raises.

    The layout after the 128-byte header is: function headers, string kinds, identifier
    hashes, the small string table (4 bytes each: isUTF16:1, offset:23, length:8), the
    overflow table (offset, length: u32 each) for entries whose length is 255, then the
    string storage; every section starts on a 4-byte boundary. Versions whose layout is not
    known, and files whose tables do not fit, fall back to a scan of printable runs.
    """
    if len(data) < _HEADER_SIZE:
        return _scanned(data, 0, "the Hermes header is cut short")
    magic, version = struct.unpack_from("<QI", data)
    if magic == HERMES_DELTA_MAGIC:
        return _scanned(data, version, "the Hermes bytecode is in delta form")
    header = _FUNCTION_HEADER.get(version)
    if header is None:
        return _scanned(data, version, f"Hermes bytecode v{version} is not a version whose "
                        f"layout pinscan knows ({_KNOWN_VERSIONS})")
    (_, _, functions, kinds, identifiers, count, overflow,
     storage_size) = struct.unpack_from("<8I", data, 32)
    at = _HEADER_SIZE
    for size in (functions * header, kinds * 4, identifiers * 4):
        at = _align(at) + size
    table = _align(at)
    overflow_at = _align(table + count * 4)
    storage = _align(overflow_at + overflow * 8)
    if storage + storage_size > len(data):
        return _scanned(data, version, "the Hermes string table points past the end of the "
                        f"file ({storage + storage_size} > {len(data)} bytes)")
    notes = []
    declared = struct.unpack_from("<I", data, 32)[0]
    if declared > len(data):
        notes.append(f"the Hermes file is cut short ({len(data)} of the {declared} bytes its "
                     "header declares); its string table was read")
    if count > _MAX_STRINGS:
        notes.append(f"only the first {_MAX_STRINGS} of {count} Hermes strings were read")
    strings, bad = _table_strings(data, table, min(count, _MAX_STRINGS), overflow_at,
                                  overflow, storage, storage_size)
    if bad:
        notes.append(f"{bad} Hermes string table entries point outside the string storage "
                     f"or past {_MAX_STRING_BYTES // _MiB} MiB of strings in all: not read")
    return HermesFile(version, strings, True, notes)


def _align(at: int) -> int:
    return (at + 3) & ~3


def _table_strings(data: bytes, table: int, count: int, overflow_at: int, overflow: int,
                   storage: int, storage_size: int) -> tuple[list[str], int]:
    strings: list[str] = []
    bad = 0
    budget = _MAX_STRING_BYTES
    for (entry,) in struct.iter_unpack("<I", data[table:table + count * 4]):
        utf16, offset, length = entry & 1, (entry >> 1) & 0x7F_FFFF, entry >> 24
        if length == 0xFF:
            if offset >= overflow:
                bad += 1
                continue
            offset, length = struct.unpack_from("<II", data, overflow_at + offset * 8)
        size = length * 2 if utf16 else length
        if offset + size > storage_size:
            bad += 1
            continue
        if budget <= 0:
            bad += 1
            break
        size = min(size, _MAX_STRING, budget)
        budget -= size
        raw = data[storage + offset:storage + offset + size]
        # Hermes stores ASCII strings as bytes and every other string as UTF-16.
        strings.append(raw.decode("utf-16-le", "replace") if utf16 else raw.decode("latin-1"))
    return strings, bad


def _scanned(data: bytes, version: int, why: str) -> HermesFile:
    strings = [m.group().decode("ascii") for _, m in zip(range(_MAX_SCANNED),
                                                         _PRINTABLE.finditer(data), strict=False)]
    return HermesFile(version, strings, False,
                      [f"{why}: only printable strings were scanned, not the string table"])

