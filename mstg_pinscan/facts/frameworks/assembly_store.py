""".NET for Android and iOS packaging: XALZ (LZ4) assemblies, assembly stores (format 1 in
``assemblies/*.blob``, 2 and 3 in the ``payload`` section of .NET 9+ ELF files), the ABI.
See: https://github.com/dotnet/android/blob/main/Documentation/project-docs/AssemblyStores.md
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

_MiB = 1024 * 1024
MAX_ENTRY = 64 * _MiB  # bytes read from one bundle entry, and of one decompressed assembly
_MAX_STORE_ENTRIES = 4096
_STORE_MAGIC = b"XABA"
XALZ = b"XALZ"
# Android ABI folders in the order one is chosen: each holds the same managed code.
_ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64", "x86")


def chosen_abi(names: Sequence[str]) -> str:
    """The Android ABI folder whose assemblies are read: the first of ``_ABIS`` the bundle
    has, else the first of ``_ABIS``."""
    present = {n.split("/")[1] for n in names if n.startswith(("lib/", "assemblies/"))
               and n.count("/") == 2}
    return next((abi for abi in _ABIS if abi in present), _ABIS[0])


def read_store(data: bytes, manifest: dict[tuple[int, int], str] | None = None,
               ) -> tuple[int, list[tuple[str, bytes]]]:
    """(format version, [(assembly name, bytes)]) of an ``XABA`` assembly store.

    Version 1: a 20-byte header (magic, version, local count, global count, store id) and
    24-byte descriptors; names come from ``assemblies.manifest`` (``manifest`` maps
    (store id, index) to a name). Versions 2 and 3: a 20-byte header (magic, version with
    the ABI in bits 16-23 and bit 31 for 64-bit, entry count, index entry count, index
    size), the hash index, 28-byte descriptors, then length-prefixed names.
    Raises ValueError for a store that is not well formed.
    """
    if len(data) < 20 or data[:4] != _STORE_MAGIC:
        raise ValueError("not an assembly store (no XABA magic)")
    version_word, count, second, third = struct.unpack_from("<IIII", data, 4)
    version = version_word & 0xFF
    if count > _MAX_STORE_ENTRIES:
        raise ValueError(f"assembly store claims {count} assemblies, more than "
                         f"{_MAX_STORE_ENTRIES}")
    if version == 1:
        at, size = 20, 24
        layout = "<II"
        names = [(manifest or {}).get((third, index), f"assembly #{index}")
                 for index in range(count)]
    elif version in (2, 3):
        at, size = 20 + third, 28
        layout = "<4xII"
        names = []
        name_at = at + size * count
        for _ in range(count):
            if name_at + 4 > len(data):
                raise ValueError("assembly store names run past the store")
            length = struct.unpack_from("<I", data, name_at)[0]
            if length > 1024 or name_at + 4 + length > len(data):
                raise ValueError("assembly store name runs past the store")
            names.append(data[name_at + 4:name_at + 4 + length].decode("utf-8", "replace"))
            name_at += 4 + length
    else:
        raise ValueError(f"assembly store format version {version} is not known")
    if at + size * count > len(data):
        raise ValueError("assembly store descriptors run past the store")
    members = []
    for index in range(count):
        offset, length = struct.unpack_from(layout, data, at + size * index)
        if length == 0:
            continue  # an ignored entry: no data in this store
        if offset + length > len(data):
            raise ValueError(f"assembly {names[index]} runs past the store")
        members.append((names[index], data[offset:offset + length]))
    return version, members


def parse_manifest(text: str) -> dict[tuple[int, int], str]:
    """(store id, index) -> assembly name from a version-1 ``assemblies.manifest``, whose
    lines are ``HASH32 HASH64 STORE-ID INDEX NAME``."""
    names: dict[tuple[int, int], str] = {}
    for line in text.splitlines()[:_MAX_STORE_ENTRIES * 2]:
        fields = line.split()
        if len(fields) == 5 and fields[2].isdigit() and fields[3].isdigit():
            names[(int(fields[2]), int(fields[3]))] = fields[4]
    return names


def decompress_xalz(data: bytes) -> bytes:
    """Inflate an ``XALZ`` assembly: magic, descriptor index, uncompressed size, LZ4 block.
    Raises ValueError when the header lies or the block is damaged."""
    if len(data) < 12 or data[:4] != XALZ:
        raise ValueError("not an XALZ compressed assembly")
    size = struct.unpack_from("<I", data, 8)[0]
    if size > MAX_ENTRY:
        raise ValueError(f"XALZ assembly claims {size} bytes, more than "
                         f"{MAX_ENTRY // _MiB} MiB")
    try:
        import lz4.block  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - the pure-Python decoder below does the same
        return lz4_block(data[12:], size)
    try:
        out: bytes = lz4.block.decompress(data[12:], uncompressed_size=size)
    except lz4.block.LZ4BlockError as exc:
        raise ValueError(f"XALZ assembly is damaged: {exc}") from exc
    if len(out) != size:
        raise ValueError("XALZ assembly inflates to another size than its header says")
    return out


def lz4_block(block: bytes, size: int) -> bytes:
    """Decode one raw LZ4 block of exactly ``size`` bytes (the LZ4 block format); a slow
    fallback for when the ``lz4`` package is missing. Raises ValueError on damage.

    NOTE: bounded by ``size`` (at most 64 MiB) but pure Python: a crafted block of millions
    of tiny matches takes seconds here where the ``lz4`` package takes milliseconds.
    See: https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md
    """
    out = bytearray()
    at = 0
    while at < len(block):
        token = block[at]
        at += 1
        literals, at = _lz4_length(block, at, token >> 4)
        out += block[at:at + literals]
        at += literals
        if len(out) > size:
            break
        if at >= len(block):
            break  # the last sequence has literals only
        if at + 2 > len(block):
            raise ValueError("XALZ assembly is damaged: LZ4 offset cut off")
        distance = block[at] | block[at + 1] << 8
        at += 2
        match, at = _lz4_length(block, at, token & 15)
        match += 4
        if not 0 < distance <= len(out) or len(out) + match > size:
            raise ValueError("XALZ assembly is damaged: LZ4 match out of range")
        start = len(out) - distance
        while match > 0:  # an overlapping match repeats the bytes it just wrote
            piece = out[start:start + min(match, distance)]
            out += piece
            match -= len(piece)
            start += len(piece)
    if len(out) != size:
        raise ValueError("XALZ assembly inflates to another size than its header says")
    return bytes(out)


def _lz4_length(block: bytes, at: int, length: int) -> tuple[int, int]:
    if length == 15:
        while True:
            if at >= len(block):
                raise ValueError("XALZ assembly is damaged: LZ4 length cut off")
            extra = block[at]
            at += 1
            length += extra
            if extra != 255:
                break
    return length, at


def elf_payload(data: bytes) -> bytes | None:
    """The contents of the section called ``payload`` in a little-endian ELF file, which
    .NET 9+ uses to carry an assembly store or an assembly; None when there is none."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[5] != 1:
        return None
    wide = data[4] == 2
    if wide:
        table, entry_size, count, names_index = struct.unpack_from("<Q10xHHH", data, 0x28)
    else:
        table, entry_size, count, names_index = struct.unpack_from("<I10xHHH", data, 0x20)
    if count > 4096 or entry_size < (64 if wide else 40) or table + count * entry_size > len(
            data) or names_index >= count:
        return None
    sections = []
    for index in range(count):
        at = table + index * entry_size
        if wide:
            name, offset, size = struct.unpack_from("<I20xQQ", data, at)
        else:
            name, offset, size = struct.unpack_from("<I12xII", data, at)
        sections.append((name, offset, size))
    _, names_offset, names_size = sections[names_index]
    for name, offset, size in sections:
        end = data.find(b"\0", names_offset + name, names_offset + names_size)
        if end >= 0 and data[names_offset + name:end] == b"payload" and (
                offset + size <= len(data)):
            return data[offset:offset + size]
    return None
