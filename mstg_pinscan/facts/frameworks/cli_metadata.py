"""ECMA-335 (.NET) assemblies: PE/COFF, CLI metadata tables, user strings and IL bodies.

A bounded reader of exactly what the .NET and Unity readers need: type and method names,
member references, the ``#US`` string heap and method bodies. It never runs app code and
raises only :class:`MetadataError` on malformed input; every count, offset and size comes
from the file, so each is checked against the bytes really there before use.
See: ECMA-335 6th edition, Partition II sections 22-25 (tables, streams, PE file format).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

# A table that claims more rows than this is refused: real assemblies stay far below it,
# and the tables are read row by row on demand, so this only bounds the per-type lists.
_MAX_ROWS = 400_000
_MAX_NAME = 1024  # bytes of one #Strings entry
_MAX_USER_STRINGS = 200_000
_MAX_IL = 1 << 20  # bytes of one method body

# Table numbers (II.22) and the coded indexes that point into them (II.24.2.6).
_MODULE, _TYPEREF, _TYPEDEF, _FIELDPTR, _FIELD, _METHODPTR, _METHODDEF = 0, 1, 2, 3, 4, 5, 6
_PARAMPTR, _PARAM, _INTERFACEIMPL, _MEMBERREF = 7, 8, 9, 10
_MODULEREF, _TYPESPEC, _ASSEMBLYREF = 0x1A, 0x1B, 0x23
_RESOLUTION_SCOPE = (2, (_MODULE, _MODULEREF, _ASSEMBLYREF, _TYPEREF))
_TYPEDEF_OR_REF = (2, (_TYPEDEF, _TYPEREF, _TYPESPEC))
_MEMBERREF_PARENT = (3, (_TYPEDEF, _TYPEREF, _MODULEREF, _METHODDEF, _TYPESPEC))

# Column kinds: "2"/"4" fixed, "s" string, "g" guid, "b" blob, int a table, tuple a coded index.
_Column = str | int | tuple[int, tuple[int, ...]]
_SCHEMAS: dict[int, tuple[_Column, ...]] = {
    _MODULE: ("2", "s", "g", "g", "g"),
    _TYPEREF: (_RESOLUTION_SCOPE, "s", "s"),
    _TYPEDEF: ("4", "s", "s", _TYPEDEF_OR_REF, _FIELD, _METHODDEF),
    _FIELDPTR: (_FIELD,),
    _FIELD: ("2", "s", "b"),
    _METHODPTR: (_METHODDEF,),
    _METHODDEF: ("4", "2", "2", "s", "b", _PARAM),
    _PARAMPTR: (_PARAM,),
    _PARAM: ("2", "2", "s"),
    _INTERFACEIMPL: (_TYPEDEF, _TYPEDEF_OR_REF),
    _MEMBERREF: (_MEMBERREF_PARENT, "s", "b"),
}


class MetadataError(Exception):
    """The bytes are not a readable ECMA-335 assembly; the message says where it broke."""


@dataclass(frozen=True)
class Method:
    """One MethodDef row: its declaring type, name and body RVA (0 when it has no body)."""

    row: int
    type_name: str
    name: str
    rva: int

    @property
    def full_name(self) -> str:
        return f"{self.type_name}::{self.name}"


@dataclass(frozen=True)
class Instruction:
    """One IL instruction: its offset in the body, opcode (0xFEnn for two-byte ones) and
    operand (a metadata token, a constant or a branch delta; 0 when it has none)."""

    offset: int
    opcode: int
    operand: int


class Assembly:
    """A parsed assembly: metadata tables read on demand, bounded at every step."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._sections = _pe_sections(data)
        cli = self._at_rva(_cli_directory(data), 16)
        metadata_rva, metadata_size = struct.unpack_from("<II", cli, 8)
        root = self._at_rva(metadata_rva, metadata_size)
        self.runtime_version, streams = _metadata_streams(root)
        tables = streams.get("#~") or streams.get("#-")
        if tables is None:
            raise MetadataError("the metadata has no #~ table stream")
        self._strings = streams.get("#Strings", b"")
        self._us = streams.get("#US", b"")
        self._blob = streams.get("#Blob", b"")
        self._read_table_header(tables)
        self.types = self._read_types()
        self.methods = self._read_methods()

    # -- PE and heaps --------------------------------------------------------------------

    def _at_rva(self, rva: int, size: int) -> bytes:
        offset = self.rva_offset(rva)
        if offset is None or size < 0 or offset + size > len(self.data):
            raise MetadataError(f"RVA 0x{rva:x} (+{size}) lies outside the file")
        return self.data[offset:offset + size]

    def rva_offset(self, rva: int) -> int | None:
        """The file offset of ``rva``, or None when no section maps it."""
        for virtual_address, virtual_size, raw_size, raw_offset in self._sections:
            if virtual_address <= rva < virtual_address + max(virtual_size, raw_size):
                return rva - virtual_address + raw_offset
        return None

    def string(self, index: int) -> str:
        """A ``#Strings`` entry: UTF-8 up to its NUL, cut at 1 KiB; '' when out of range."""
        if not 0 <= index < len(self._strings):
            return ""
        end = self._strings.find(b"\0", index, index + _MAX_NAME)
        raw = self._strings[index:end if end >= 0 else index + _MAX_NAME]
        return raw.decode("utf-8", "replace")

    def user_string(self, token: int) -> str | None:
        """The ``#US`` literal an ``ldstr`` token names, or None when it is out of range."""
        parsed = _user_string_at(self._us, token & 0xFFFFFF)
        return parsed[0] if parsed else None

    def user_strings(self) -> Iterator[str]:
        """Every ``#US`` literal in heap order (at most 200,000)."""
        offset, count = 1, 0
        while offset < len(self._us) and count < _MAX_USER_STRINGS:
            parsed = _user_string_at(self._us, offset)
            if parsed is None:
                return
            text, offset = parsed
            count += 1
            if text:
                yield text

    # -- tables --------------------------------------------------------------------------

    def _read_table_header(self, stream: bytes) -> None:
        if len(stream) < 24:
            raise MetadataError("the #~ stream is shorter than its header")
        heap_sizes = stream[6]
        valid = int.from_bytes(stream[8:16], "little")
        offset = 24
        self.rows = [0] * 64
        for table in range(64):
            if valid >> table & 1:
                if offset + 4 > len(stream):
                    raise MetadataError("the #~ row counts run past the stream")
                self.rows[table] = struct.unpack_from("<I", stream, offset)[0]
                offset += 4
        # NOTE: an uncompressed #- stream (edit-and-continue, some obfuscators) may order
        # methods through the MethodPtr table; rows are read in their physical order here.
        if heap_sizes & 0x40:  # #- streams written by edit-and-continue carry 4 extra bytes
            offset += 4
        self._wide = {"s": heap_sizes & 1, "g": heap_sizes & 2, "b": heap_sizes & 4}
        self._table_at: dict[int, tuple[int, tuple[tuple[int, int], ...], int]] = {}
        for table in range(64):
            if not self.rows[table]:
                continue
            schema = _SCHEMAS.get(table)
            if schema is None:
                break  # later tables are not needed, and their sizes are not computed here
            if self.rows[table] > _MAX_ROWS:
                raise MetadataError(f"table 0x{table:02x} claims {self.rows[table]} rows")
            columns = self._columns(schema)
            width = sum(size for _, size in columns)
            if offset + width * self.rows[table] > len(stream):
                raise MetadataError(f"table 0x{table:02x} runs past the #~ stream")
            self._table_at[table] = (offset, columns, width)
            offset += width * self.rows[table]
        self._tables = stream

    def _columns(self, schema: tuple[_Column, ...]) -> tuple[tuple[int, int], ...]:
        """(offset in row, size) of each column, with index sizes per II.24.2.6."""
        columns, at = [], 0
        for kind in schema:
            if isinstance(kind, str):
                size = int(kind) if kind in ("2", "4") else (4 if self._wide[kind] else 2)
            elif isinstance(kind, int):
                size = 2 if self.rows[kind] < 1 << 16 else 4
            else:
                bits, targets = kind
                most = max(self.rows[t] if t < 64 else 0 for t in targets)
                size = 2 if most < 1 << (16 - bits) else 4
            columns.append((at, size))
            at += size
        return tuple(columns)

    def row(self, table: int, index: int) -> tuple[int, ...] | None:
        """The 1-based row ``index`` of ``table`` as column values; None when absent."""
        layout = self._table_at.get(table)
        if layout is None or not 1 <= index <= self.rows[table]:
            return None
        start, columns, width = layout
        base = start + (index - 1) * width
        return tuple(int.from_bytes(self._tables[base + at:base + at + size], "little")
                     for at, size in columns)

    def _read_types(self) -> list[tuple[str, str, int, int]]:
        """(full name, base type name, first method row, flags) of each TypeDef."""
        types = []
        for index in range(1, self.rows[_TYPEDEF] + 1):
            row = self.row(_TYPEDEF, index)
            if row is None:
                break
            flags, name, namespace, extends, _, method_list = row
            types.append((_join(self.string(namespace), self.string(name)),
                          self.type_name(_TYPEDEF_OR_REF, extends), method_list, flags))
        return types

    def _read_methods(self) -> list[Method]:
        methods: list[Method] = []
        count = self.rows[_METHODDEF]
        for position, (type_name, _, first, _) in enumerate(self.types):
            last = self.types[position + 1][2] if position + 1 < len(self.types) else count + 1
            for index in range(max(first, len(methods) + 1), min(last, count + 1)):
                row = self.row(_METHODDEF, index)
                if row is None:
                    break
                methods.append(Method(index, type_name, self.string(row[3]), row[0]))
        return methods

    def type_name(self, coded: tuple[int, tuple[int, ...]], value: int) -> str:
        """The namespace-qualified name a coded index points to ('' for TypeSpec and others)."""
        bits, targets = coded
        tag, index = value & ((1 << bits) - 1), value >> bits
        if tag >= len(targets):
            return ""
        table = targets[tag]
        row = self.row(table, index) if table in (_TYPEDEF, _TYPEREF) else None
        if row is None:
            return ""
        name, namespace = (row[1], row[2])
        return _join(self.string(namespace), self.string(name))

    def method_name(self, token: int) -> tuple[str, str]:
        """(declaring type, method name) a call/ldftn token names; ('', '') when unknown."""
        table, index = token >> 24, token & 0xFFFFFF
        if table == _METHODDEF and 1 <= index <= len(self.methods):
            method = self.methods[index - 1]
            return method.type_name, method.name
        if table == _MEMBERREF:
            row = self.row(_MEMBERREF, index)
            if row is not None:
                return self.type_name(_MEMBERREF_PARENT, row[0]), self.string(row[1])
        return "", ""

    def method(self, token: int) -> Method | None:
        """The MethodDef a token names, when it is defined in this assembly."""
        index = token & 0xFFFFFF
        if token >> 24 == _METHODDEF and 1 <= index <= len(self.methods):
            return self.methods[index - 1]
        return None

    def field_name(self, token: int) -> str:
        """The name of the Field a token names ('' for MemberRefs and others)."""
        row = self.row(_FIELD, token & 0xFFFFFF) if token >> 24 == _FIELD else None
        if row is None:
            return self.method_name(token)[1] if token >> 24 == _MEMBERREF else ""
        return self.string(row[1])

    def member_names(self) -> Iterator[tuple[str, str]]:
        """(type, name) of every MemberRef row: the outside methods the code calls."""
        for index in range(1, self.rows[_MEMBERREF] + 1):
            yield self.method_name(_MEMBERREF << 24 | index)

    # -- IL ------------------------------------------------------------------------------

    def body(self, method: Method) -> bytes:
        """The IL bytes of ``method`` (II.25.4); b'' when it has no body."""
        if not method.rva:
            return b""
        start = self.rva_offset(method.rva)
        if start is None or start >= len(self.data):
            raise MetadataError(f"{method.full_name}: body RVA lies outside the file")
        first = self.data[start]
        if first & 3 == 2:  # tiny header: size in the upper six bits
            size, header = first >> 2, 1
        elif first & 3 == 3:
            if start + 12 > len(self.data):
                raise MetadataError(f"{method.full_name}: fat header cut off")
            flags_size, _, size = struct.unpack_from("<HHI", self.data, start)
            header = (flags_size >> 12) * 4
        else:
            raise MetadataError(f"{method.full_name}: unknown body header 0x{first:02x}")
        if size > _MAX_IL or start + header + size > len(self.data):
            raise MetadataError(f"{method.full_name}: body of {size} bytes runs past the file")
        return self.data[start + header:start + header + size]


def instructions(code: bytes) -> list[Instruction]:
    """Decode IL into instructions; stops at the first unknown opcode or cut-off operand."""
    decoded: list[Instruction] = []
    at = 0
    while at < len(code):
        start, opcode = at, code[at]
        at += 1
        if opcode == 0xFE:
            if at >= len(code):
                break
            opcode = 0xFE00 | code[at]
            at += 1
        size = operand_size(opcode)
        if size is None or at + size > len(code):
            break
        operand = int.from_bytes(code[at:at + size], "little") if size else 0
        if opcode == 0x45:  # switch: a count, then that many 4-byte targets
            size += 4 * operand
            if at + size > len(code):
                break
        at += size
        decoded.append(Instruction(start, opcode, operand))
    return decoded


def operand_size(opcode: int) -> int | None:
    """Operand bytes of an opcode (III.1.2, opcode table); None for undefined opcodes."""
    if opcode >= 0xFE00:
        low = opcode & 0xFF
        if low in (0x06, 0x07, 0x15, 0x16, 0x1C):  # ldftn ldvirtftn initobj constrained sizeof
            return 4
        if 0x09 <= low <= 0x0E:  # ldarg ldarga starg ldloc ldloca stloc
            return 2
        if low in (0x12, 0x19):  # unaligned. no.
            return 1
        return 0 if low <= 0x1E and low not in (0x08, 0x10, 0x1B) else None
    if opcode in _UNDEFINED:
        return None
    if 0x0E <= opcode <= 0x13 or opcode in (0x1F, 0xDE) or 0x2B <= opcode <= 0x37:
        return 1
    if opcode in (0x21, 0x23):  # ldc.i8 ldc.r8
        return 8
    if opcode in _TOKEN_OR_INT32 or 0x38 <= opcode <= 0x45:
        return 4
    return 0


_UNDEFINED = frozenset((0x24, 0x77, 0x78, *range(0xA6, 0xB3), *range(0xBB, 0xC2), 0xC4, 0xC5,
                        *range(0xC7, 0xD0), *range(0xE1, 0xFE), 0xFF))
_TOKEN_OR_INT32 = frozenset((0x20, 0x22, 0x27, 0x28, 0x29, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x74,
                             0x75, 0x79, *range(0x7B, 0x82), 0x8C, 0x8D, 0x8F, 0xA3, 0xA4, 0xA5,
                             0xC2, 0xC6, 0xD0, 0xDD))


def _user_string_at(heap: bytes, offset: int) -> tuple[str, int] | None:
    """(text, next offset) of the ``#US`` blob at ``offset`` (II.24.2.4): a compressed
    length, UTF-16LE text and one trailing flag byte."""
    if not 0 < offset < len(heap):
        return None
    first = heap[offset]
    if first & 0x80 == 0:
        length, at = first, offset + 1
    elif first & 0xC0 == 0x80 and offset + 2 <= len(heap):
        length, at = (first & 0x3F) << 8 | heap[offset + 1], offset + 2
    elif first & 0xE0 == 0xC0 and offset + 4 <= len(heap):
        length = (first & 0x1F) << 24 | int.from_bytes(heap[offset + 1:offset + 4], "big")
        at = offset + 4
    else:
        return None
    if at + length > len(heap):
        return None
    text = heap[at:at + (length & ~1)].decode("utf-16-le", "replace")
    return text, at + length


def _join(namespace: str, name: str) -> str:
    return f"{namespace}.{name}" if namespace else name


def _pe_sections(data: bytes) -> list[tuple[int, int, int, int]]:
    """(virtual address, virtual size, raw size, raw offset) of each PE section."""
    if len(data) < 0x40 or data[:2] != b"MZ":
        raise MetadataError("not a PE file (no MZ header)")
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if pe + 24 > len(data) or data[pe:pe + 4] != b"PE\0\0":
        raise MetadataError("not a PE file (no PE signature)")
    count, optional_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from(
        "<H", data, pe + 20)[0]
    table = pe + 24 + optional_size
    if count > 96 or table + 40 * count > len(data):
        raise MetadataError("the PE section table runs past the file")
    sections = []
    for index in range(count):
        virtual_size, virtual_address, raw_size, raw_offset = struct.unpack_from(
            "<IIII", data, table + 40 * index + 8)
        sections.append((virtual_address, virtual_size, min(raw_size, virtual_size or raw_size),
                         raw_offset))
    return sections


def _cli_directory(data: bytes) -> int:
    """The RVA of the CLI header: data directory 14 of the PE optional header (II.25.2.3)."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    optional = pe + 24
    if optional + 2 > len(data):
        raise MetadataError("the PE optional header is cut off")
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + {0x10B: 96, 0x20B: 112}.get(magic, -optional - 1)
    if directories < optional or directories + 15 * 8 > len(data):
        raise MetadataError("no CLI header: not a .NET assembly")
    rva, size = struct.unpack_from("<II", data, directories + 14 * 8)
    if not rva or size < 72:
        raise MetadataError("no CLI header: not a .NET assembly")
    return int(rva)


def _metadata_streams(root: bytes) -> tuple[str, dict[str, bytes]]:
    """The runtime version and the named streams of a metadata root (II.24.2.1-2)."""
    if len(root) < 20 or root[:4] != b"BSJB":
        raise MetadataError("no metadata root (BSJB signature missing)")
    length = struct.unpack_from("<I", root, 12)[0]
    if length > 256 or 16 + length + 4 > len(root):
        raise MetadataError("the metadata version string runs past the root")
    version = root[16:16 + length].split(b"\0", 1)[0].decode("ascii", "replace")
    at = 16 + length
    count = struct.unpack_from("<H", root, at + 2)[0]
    at += 4
    streams: dict[str, bytes] = {}
    for _ in range(min(count, 16)):
        if at + 8 > len(root):
            raise MetadataError("a metadata stream header runs past the root")
        offset, size = struct.unpack_from("<II", root, at)
        end = root.find(b"\0", at + 8, at + 8 + 32)
        if end < 0:
            raise MetadataError("a metadata stream name is not terminated")
        name = root[at + 8:end].decode("ascii", "replace")
        at = (end + 4) & ~3
        if offset + size > len(root):
            raise MetadataError(f"metadata stream {name} runs past the metadata")
        streams.setdefault(name, root[offset:offset + size])
    return version, streams
