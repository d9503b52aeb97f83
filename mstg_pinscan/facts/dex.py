"""A targeted DEX reader: the id tables, the class index, and the code of chosen methods only.

A full decode of every method (what androguard's ``AnalyzeAPK`` does) costs seconds and
gigabytes on a large app. pinscan only needs the few methods that call a pinning or trust
API, so it reads the tables, finds candidate methods by a byte search for the instructions
that reference an interesting method, field or type, and decodes just those.
See: https://source.android.com/docs/core/runtime/dex-format
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

NO_INDEX = 0xFFFFFFFF
_MAGIC = re.compile(rb"^dex\n0[3-4][0-9]\x00")
_HEADER_SIZE = 0x70


class DexFormatError(ValueError):
    """The data is not a DEX file, or a table or offset in it is out of range."""


@dataclass(frozen=True)
class MethodRef:
    """A method as referenced: class descriptor, name and prototype."""

    class_name: str
    name: str
    proto: str

    def __str__(self) -> str:
        return f"{self.class_name}->{self.name}{self.proto}"

    @property
    def readable_class(self) -> str:
        """``com.example.Foo$1`` instead of ``Lcom/example/Foo$1;``."""
        return descriptor_to_name(self.class_name)


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction: opcode, offset in code units, registers, literal, index."""

    offset: int
    opcode: int
    registers: tuple[int, ...]
    index: int | None = None
    literal: int | None = None


@dataclass
class ClassDef:
    """A class defined in a DEX file, with its methods' code offsets."""

    dex: DexFile
    descriptor: str
    superclass: str | None
    interfaces: tuple[str, ...]
    class_data_off: int
    static_values_off: int = 0
    _methods: list[tuple[int, int]] | None = field(default=None, repr=False)

    def methods(self) -> list[tuple[int, int]]:
        """(method index, code offset) of every method with code."""
        if self._methods is None:
            self._methods = self.dex.read_class_methods(self.class_data_off)
        return self._methods


def descriptor_to_name(descriptor: str) -> str:
    """``Lcom/example/Foo;`` -> ``com.example.Foo``."""
    if descriptor.startswith("L") and descriptor.endswith(";"):
        return descriptor[1:-1].replace("/", ".")
    return descriptor


def _u32_table(data: bytes, offset: int, count: int) -> tuple[int, ...]:
    return struct.unpack_from(f"<{count}I", data, offset) if count else ()


def _uleb128(data: bytes, pos: int) -> tuple[int, int]:
    if pos < len(data) and data[pos] < 0x80:
        return data[pos], pos + 1  # the common one-byte case, kept off the slow path
    result = shift = 0
    while True:
        if pos >= len(data):
            raise DexFormatError("truncated uleb128")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 35:
            raise DexFormatError("uleb128 longer than five bytes")


class DexFile:
    """One ``classes*.dex``: tables are read eagerly, strings and code lazily."""

    def __init__(self, data: bytes, name: str) -> None:
        if not _MAGIC.match(data[:8]) or len(data) < _HEADER_SIZE:
            raise DexFormatError("not a DEX file")
        self.data = data
        self.name = name
        header = struct.unpack_from("<12I", data, 0x38)
        (self._string_count, self._string_off, self._type_count, self._type_off,
         self._proto_count, self._proto_off, self._field_count, self._field_off,
         self._method_count, self._method_off, self._class_count, self._class_off) = header[:12]
        for count, offset, size in (
            (self._string_count, self._string_off, 4), (self._type_count, self._type_off, 4),
            (self._proto_count, self._proto_off, 12), (self._field_count, self._field_off, 8),
            (self._method_count, self._method_off, 8), (self._class_count, self._class_off, 32),
        ):
            if count and (offset < _HEADER_SIZE or offset + count * size > len(data)):
                raise DexFormatError("an id table lies outside the file")
        # An empty table may carry any offset, even one past the end of the file.
        self._string_offsets = _u32_table(data, self._string_off, self._string_count)
        self._strings: dict[int, str] = {}
        self._types = _u32_table(data, self._type_off, self._type_count)
        self._method_cache: dict[int, MethodRef] = {}
        self._type_by_name: dict[str, int] | None = None
        self._protos: dict[int, str] = {}

    def string_data_region(self) -> tuple[int, int]:
        """Start and end of the bytes that hold the string data, for text searches."""
        if not self._string_count:
            return 0, 0
        first, last = min(self._string_offsets), max(self._string_offsets)
        end = self.data.find(b"\x00", last)
        return first, len(self.data) if end < 0 else end + 1

    # --- tables ------------------------------------------------------------------------

    def string(self, index: int) -> str:
        """The string with this index (MUTF-8 decoded)."""
        cached = self._strings.get(index)
        if cached is not None:
            return cached
        if index >= self._string_count:
            raise DexFormatError(f"string index {index} out of range")
        offset = self._string_offsets[index]
        _, start = _uleb128(self.data, offset)
        end = self.data.find(b"\x00", start)
        if end < 0:
            raise DexFormatError("unterminated string")
        raw = self.data[start:end].replace(b"\xc0\x80", b"\x00")
        try:
            # MUTF-8 writes characters outside the BMP as two encoded surrogates.
            text = raw.decode("utf-8", errors="surrogatepass" if b"\xed" in raw else "replace")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
        self._strings[index] = text
        return text

    def type_name(self, index: int) -> str:
        """The descriptor of a type index."""
        if index >= self._type_count:
            raise DexFormatError(f"type index {index} out of range")
        return self.string(self._types[index])

    def type_index(self, descriptor: str) -> int | None:
        """The index of a type descriptor, or None when this file never names it."""
        for index, string_index in enumerate(self._types):
            if self._string_offsets[string_index] and self.string(string_index) == descriptor:
                return index
        return None

    def method(self, index: int) -> MethodRef:
        """The method reference with this index."""
        cached = self._method_cache.get(index)
        if cached is not None:
            return cached
        if index >= self._method_count:
            raise DexFormatError(f"method index {index} out of range")
        class_idx, proto_idx, name_idx = struct.unpack_from(
            "<HHI", self.data, self._method_off + index * 8)
        ref = MethodRef(self.type_name(class_idx), self.string(name_idx), self._proto(proto_idx))
        self._method_cache[index] = ref
        return ref

    def field_ref(self, index: int) -> tuple[str, str, str]:
        """(class descriptor, field name, field type) of a field index."""
        if index >= self._field_count:
            raise DexFormatError(f"field index {index} out of range")
        class_idx, type_idx, name_idx = struct.unpack_from(
            "<HHI", self.data, self._field_off + index * 8)
        return self.type_name(class_idx), self.string(name_idx), self.type_name(type_idx)

    def _proto(self, index: int) -> str:
        cached = self._protos.get(index)
        if cached is not None:
            return cached
        if index >= self._proto_count:
            raise DexFormatError(f"proto index {index} out of range")
        _, return_idx, params_off = struct.unpack_from(
            "<III", self.data, self._proto_off + index * 12)
        params = "".join(self.type_name(t) for t in self._type_list(params_off))
        text = f"({params}){self.type_name(return_idx)}"
        self._protos[index] = text
        return text

    def _type_list(self, offset: int) -> tuple[int, ...]:
        if offset == 0:
            return ()
        if offset + 4 > len(self.data):
            raise DexFormatError("type list outside the file")
        (size,) = struct.unpack_from("<I", self.data, offset)
        if offset + 4 + size * 2 > len(self.data):
            raise DexFormatError("type list outside the file")
        return struct.unpack_from(f"<{size}H", self.data, offset + 4)

    def type_indices(self, descriptors: set[str]) -> set[int]:
        """Indices of the types among ``descriptors`` that this file names."""
        if self._type_by_name is None:
            self._type_by_name = {self.type_name(i): i for i in range(self._type_count)}
        return {self._type_by_name[d] for d in descriptors if d in self._type_by_name}

    def methods_named(self, class_names: set[str], names: set[str]) -> list[int]:
        """Indices of method references to ``names`` on any of ``class_names``."""
        return self._members(self._method_off, self._method_count, class_names, names)

    def fields_named(self, class_names: set[str], names: set[str]) -> list[int]:
        """Indices of field references to ``names`` on any of ``class_names``."""
        return self._members(self._field_off, self._field_count, class_names, names)

    def singleton_fields(self, class_name: str) -> list[int]:
        """Indices of fields owned by ``class_name`` whose type is ``class_name`` too: the
        ``INSTANCE`` through which a singleton is used."""
        wanted = self.type_indices({class_name})
        if not wanted:
            return []
        (type_index,) = wanted
        units = self._id_units(self._field_off, self._field_count)
        return [i for i in self._owned_by(self._field_off, self._field_count, wanted)
                if units[i * 4 + 1] == type_index]

    def _members(self, table: int, count: int, class_names: set[str], names: set[str]) -> list[int]:
        wanted = self.type_indices(class_names)
        if not wanted:
            return []
        units = self._id_units(table, count)
        return [i for i in self._owned_by(table, count, wanted)
                if self.string(units[i * 4 + 2] | (units[i * 4 + 3] << 16)) in names]

    def _owned_by(self, table: int, count: int, wanted: set[int]) -> list[int]:
        # Method and field id items share a layout: a u16 class index first, 8 bytes each.
        owners = self._id_units(table, count)[0::4]
        return [i for i, owner in enumerate(owners) if owner in wanted]

    def _id_units(self, table: int, count: int) -> memoryview:
        return memoryview(self.data)[table:table + count * 8].cast("H")

    # --- classes and code --------------------------------------------------------------

    def classes(self) -> Iterator[ClassDef]:
        """Every class defined in this file."""
        for index in range(self._class_count):
            (class_idx, _, super_idx, interfaces_off, _, _, data_off, values_off) = (
                struct.unpack_from("<8I", self.data, self._class_off + index * 32))
            yield ClassDef(
                dex=self,
                descriptor=self.type_name(class_idx),
                superclass=None if super_idx == NO_INDEX else self.type_name(super_idx),
                interfaces=tuple(self.type_name(t) for t in self._type_list(interfaces_off)),
                class_data_off=data_off,
                static_values_off=values_off,
            )

    def read_class_methods(self, offset: int) -> list[tuple[int, int]]:
        """(method index, code offset) of the methods with code in a class_data_item."""
        return self.read_class_data(offset)[1]

    def read_class_data(self, offset: int) -> tuple[list[int], list[tuple[int, int]]]:
        """Static field indices, and (method index, code offset) of methods with code."""
        if offset == 0:
            return [], []
        data = self.data
        static_fields, pos = _uleb128(data, offset)
        instance_fields, pos = _uleb128(data, pos)
        direct, pos = _uleb128(data, pos)
        virtual, pos = _uleb128(data, pos)
        statics = []
        field_index = 0
        for _ in range(static_fields):
            diff, pos = _uleb128(data, pos)
            _, pos = _uleb128(data, pos)
            field_index += diff
            statics.append(field_index)
        for _ in range(instance_fields * 2):
            _, pos = _uleb128(data, pos)
        methods = []
        for count in (direct, virtual):
            method_index = 0
            for _ in range(count):
                diff, pos = _uleb128(data, pos)
                _, pos = _uleb128(data, pos)
                code_off, pos = _uleb128(data, pos)
                method_index += diff
                if code_off:
                    methods.append((method_index, code_off))
        return statics, methods

    def static_strings(self, class_def: ClassDef) -> dict[int, str]:
        """Field index -> initial value of the static String fields with one.

        javac inlines ``static final String`` constants at their uses, but a constant read
        through another class's field still starts here.
        """
        statics, _ = self.read_class_data(class_def.class_data_off)
        if not class_def.static_values_off or not statics:
            return {}
        values = _encoded_array_strings(self.data, class_def.static_values_off)
        found = {}
        for field_index, value in zip(statics, values, strict=False):
            if value is not None:
                found[field_index] = self.string(value)
        return found

    def code_units(self, code_off: int) -> tuple[int, memoryview]:
        """(register count, instruction units) of a code_item."""
        if code_off + 16 > len(self.data):
            raise DexFormatError("code item outside the file")
        registers, _, _, _, _, insns_size = struct.unpack_from("<HHHHII", self.data, code_off)
        start = code_off + 16
        if start + insns_size * 2 > len(self.data):
            raise DexFormatError("code item instructions run past the end of the file")
        return registers, memoryview(self.data)[start:start + insns_size * 2].cast("H")


def _encoded_array_strings(data: bytes, offset: int) -> list[int | None]:
    """String indices of an encoded_array's values (None for values of other types)."""
    size, pos = _uleb128(data, offset)
    values: list[int | None] = []
    for _ in range(min(size, 65_536)):
        if pos >= len(data):
            raise DexFormatError("encoded array runs past the end of the file")
        header = data[pos]
        pos += 1
        value_type, value_arg = header & 0x1F, header >> 5
        if value_type in (0x1C, 0x1D):
            break  # nested arrays and annotations never initialise a String field
        width = 0 if value_type in (0x1E, 0x1F) else value_arg + 1
        raw = int.from_bytes(data[pos:pos + width], "little")
        pos += width
        values.append(raw if value_type == 0x17 else None)
    return values


# --- instruction decoding ----------------------------------------------------------------

# Size in 16-bit code units of each opcode, from the instruction formats of the DEX spec.
_SIZES = [1] * 256
for _op, _size in {
    0x02: 2, 0x03: 3, 0x05: 2, 0x06: 3, 0x08: 2, 0x09: 3, 0x13: 2, 0x14: 3, 0x15: 2,
    0x16: 2, 0x17: 3, 0x18: 5, 0x19: 2, 0x1A: 2, 0x1B: 3, 0x1C: 2, 0x1F: 2, 0x20: 2,
    0x22: 2, 0x23: 2, 0x24: 3, 0x25: 3, 0x26: 3, 0x29: 2, 0x2A: 3, 0x2B: 3, 0x2C: 3,
    0xFA: 4, 0xFB: 4, 0xFC: 3, 0xFD: 3, 0xFE: 2, 0xFF: 2,
}.items():
    _SIZES[_op] = _size
for _op in [*range(0x2D, 0x3E), *range(0x44, 0x6E), *range(0x90, 0xB0), *range(0xD0, 0xE3)]:
    _SIZES[_op] = 2
for _op in [*range(0x6E, 0x73), *range(0x74, 0x79)]:
    _SIZES[_op] = 3

INVOKE = frozenset(range(0x6E, 0x73))
INVOKE_RANGE = frozenset(range(0x74, 0x79))
BRANCHES = frozenset([*range(0x32, 0x3E), 0x2B, 0x2C])


def decode(units: memoryview) -> Iterator[Instruction]:
    """Decode a method's instructions, skipping switch and array payloads."""
    pos, end = 0, len(units)
    while pos < end:
        unit = units[pos]
        op = unit & 0xFF
        if op == 0 and unit != 0:
            pos += _payload_size(units, pos)
            continue
        size = _SIZES[op]
        if pos + size > end:
            raise DexFormatError("instruction runs past the end of its method")
        yield _operands(units, pos, op, unit >> 8)
        pos += size


def _payload_size(units: memoryview, pos: int) -> int:
    ident = units[pos]
    if pos + 4 > len(units):
        raise DexFormatError("truncated payload")
    if ident == 0x0100:
        return units[pos + 1] * 2 + 4
    if ident == 0x0200:
        return units[pos + 1] * 4 + 2
    if ident == 0x0300:
        width = units[pos + 1]
        count = units[pos + 2] | (units[pos + 3] << 16)
        return (count * width + 1) // 2 + 4
    return 1


def _operands(units: memoryview, pos: int, op: int, high: int) -> Instruction:
    if op in INVOKE or op in (0x24, 0xFC):
        count = high >> 4
        third = units[pos + 2]
        regs = (third & 0xF, (third >> 4) & 0xF, (third >> 8) & 0xF, third >> 12, high & 0xF)
        return Instruction(pos, op, regs[:count], index=units[pos + 1])
    if op in INVOKE_RANGE or op in (0x25, 0xFD):
        first = units[pos + 2]
        return Instruction(pos, op, tuple(range(first, first + high)), index=units[pos + 1])
    if op in (0x1A, 0x1C, 0x1F, 0x22, 0xFE, 0xFF) or 0x60 <= op <= 0x6D:
        return Instruction(pos, op, (high,), index=units[pos + 1])
    if op == 0x1B:
        return Instruction(pos, op, (high,), index=units[pos + 1] | (units[pos + 2] << 16))
    if op in (0x20, 0x23) or 0x52 <= op <= 0x5F:
        return Instruction(pos, op, (high & 0xF, high >> 4), index=units[pos + 1])
    if op == 0x12:
        value = high >> 4
        return Instruction(pos, op, (high & 0xF,), literal=value - 16 if value > 7 else value)
    if op in (0x13, 0x16):
        value = units[pos + 1]
        return Instruction(pos, op, (high,), literal=value - 0x10000 if value > 0x7FFF else value)
    if op in (0x14, 0x17):
        value = units[pos + 1] | (units[pos + 2] << 16)
        return Instruction(pos, op, (high,), literal=value - (1 << 32) if value >> 31 else value)
    if op == 0x15:
        return Instruction(pos, op, (high,), literal=units[pos + 1] << 16)
    if op in (0x01, 0x04, 0x07) or 0x7B <= op <= 0x8F or 0xB0 <= op <= 0xCF or op == 0x21:
        return Instruction(pos, op, (high & 0xF, high >> 4))
    if op in (0x02, 0x05, 0x08):
        return Instruction(pos, op, (high, units[pos + 1]))
    if op in (0x03, 0x06, 0x09):
        return Instruction(pos, op, (units[pos + 1], units[pos + 2]))
    if 0x44 <= op <= 0x51 or 0x2D <= op <= 0x31 or 0x90 <= op <= 0xAF:
        second = units[pos + 1]
        return Instruction(pos, op, (high, second & 0xFF, second >> 8))
    return Instruction(pos, op, (high,))


class MethodIndex:
    """Where each method's code lies, to map a byte offset back to its method.

    The code items are walked in place (they are contiguous in the data section); the method
    and class that own one are found only when asked, by searching the class data for the
    code offset, so the class data of thousands of classes is never decoded in full.
    """

    def __init__(self, dex: DexFile, classes: dict[str, ClassDef]) -> None:
        self.dex = dex
        self.starts, self.ends = _walk_code_items(dex.data)
        # Two class_defs may share one class_data_item: sort by offset alone.
        own = sorted(((c.class_data_off, c) for c in classes.values()
                      if c.dex is dex and c.class_data_off), key=lambda item: item[0])
        self._class_data = [offset for offset, _ in own]
        self._classes = [c for _, c in own]
        self._owners: dict[int, tuple[int, ClassDef] | None] = {}

    @property
    def code_range(self) -> tuple[int, int]:
        """First and last byte of the code section ((0, 0) when there is no code)."""
        return (self.starts[0] - 16, self.ends[-1]) if self.starts else (0, 0)

    def containing(self, offset: int) -> tuple[int, int, ClassDef] | None:
        """(method index, code offset, class) of the method whose code holds ``offset``."""
        position = bisect.bisect_right(self.starts, offset) - 1
        if position < 0 or offset >= self.ends[position]:
            return None
        code_off = self.starts[position] - 16
        owner = self._owner(code_off)
        return None if owner is None else (owner[0], code_off, owner[1])

    def _owner(self, code_off: int) -> tuple[int, ClassDef] | None:
        if code_off in self._owners:
            return self._owners[code_off]
        found = None
        encoded = _encode_uleb128(code_off)
        data = self.dex.data
        start = self._class_data[0] if self._class_data else len(data)
        position = data.find(encoded, start)
        while position >= 0 and found is None:
            item = bisect.bisect_right(self._class_data, position) - 1
            if item >= 0:
                class_def = self._classes[item]
                for method_index, method_code in class_def.methods():
                    if method_code == code_off:
                        found = (method_index, class_def)
                        break
            position = data.find(encoded, position + 1)
        self._owners[code_off] = found
        return found


def _encode_uleb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _walk_code_items(data: bytes) -> tuple[list[int], list[int]]:
    """Instruction start and end offsets of every code item, from the map list."""
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    if not map_off or map_off + 4 > len(data):
        raise DexFormatError("no map list")
    (count,) = struct.unpack_from("<I", data, map_off)
    entries = data[map_off + 4:map_off + 4 + min(count, 64) * 12]
    if len(entries) % 12:
        raise DexFormatError("map list runs past the end of the file")
    first = size = 0
    for item_type, _, item_size, item_off in struct.iter_unpack("<HHII", entries):
        if item_type == 0x2001:
            first, size = item_off, item_size
    starts, ends = [], []
    pos = first
    for _ in range(size):
        pos = (pos + 3) & ~3
        if pos + 16 > len(data):
            raise DexFormatError("code items run past the end of the file")
        _, _, _, tries, _, insns = struct.unpack_from("<HHHHII", data, pos)
        start = pos + 16
        end = start + insns * 2
        starts.append(start)
        ends.append(end)
        pos = end
        if tries:
            pos = ((pos + 3) & ~3) + tries * 8
            pos = _skip_handlers(data, pos)
    return starts, ends


def _skip_handlers(data: bytes, pos: int) -> int:
    count, pos = _uleb128(data, pos)
    for _ in range(count):
        size, pos = _sleb128(data, pos)
        for _ in range(abs(size) * 2):
            _, pos = _uleb128(data, pos)
        if size <= 0:
            _, pos = _uleb128(data, pos)
    return pos


def _sleb128(data: bytes, pos: int) -> tuple[int, int]:
    start = pos
    value, pos = _uleb128(data, pos)
    bits = 7 * (pos - start)
    if value & (1 << (bits - 1)):
        value -= 1 << bits
    return value, pos


def reference_sites(
    data: bytes, opcodes: frozenset[int], index: int, start: int = 0, end: int | None = None
) -> list[int]:
    """Byte offsets where an instruction with one of ``opcodes`` may reference ``index``.

    A byte search, so it may over-match (the caller decodes to confirm) but never misses:
    every such instruction has its opcode at an even offset and the 16-bit index two bytes
    after it. The index is searched as a literal, which is far faster than a pattern.
    """
    needle = bytes([index & 0xFF, (index >> 8) & 0xFF])
    stop = len(data) if end is None else end
    found = []
    position = data.find(needle, start + 2, stop)
    while position != -1:
        site = position - 2
        if not site & 1 and data[site] in opcodes:
            found.append(site)
        position = data.find(needle, position + 1, stop)
    return found
