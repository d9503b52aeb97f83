"""Walk the Objective-C metadata of a Mach-O slice: each class and the selectors it
implements, class methods included.

LIEF's free build gives no Objective-C view, so the walk is done here from
``__objc_classlist``: class_t -> class_ro_t (name, base methods) and the metaclass for class
methods. Method lists come in the classic form (three pointers per method) or the relative
form (three 32-bit offsets, the name through a selector reference). Pointers written with
chained fixups (LC_DYLD_CHAINED_FIXUPS) carry their target in the low 36 bits.
See: https://github.com/apple-oss-distributions/objc4/blob/main/runtime/objc-runtime-new.h
"""

from __future__ import annotations

import bisect
import logging
import re
import struct

import lief

_logger = logging.getLogger(__name__)

_RELATIVE = 0x80000000
# Objective-C class and selector names (and Swift's mangled class names) are printable ASCII.
_NAME = re.compile(rb"^[\x21-\x7e]{1,500}$")
_MAX_CLASSES = 100_000
_MAX_METHODS = 65_536
_MAX_ENTRY_SIZE = 64  # 24 bytes for the classic form, 12 for the relative one
# Classes and method entries read per slice: large apps implement about 100,000 methods;
# the bound keeps a crafted class list (say every class sharing the largest method list)
# from taking minutes. About a second at most.
MAX_METHOD_ENTRIES = 250_000


class _Memory:
    """Reads at virtual addresses: from the segments' contents when given (about four times
    faster than asking LIEF for each read), else through LIEF."""

    def __init__(self, binary: lief.MachO.Binary,
                 segments: list[tuple[int, memoryview]] | None = None) -> None:
        self.binary = binary
        self.base = binary.imagebase
        self.chained = binary.has_dyld_chained_fixups
        self.entries_left = MAX_METHOD_ENTRIES
        self.odd_lists = 0
        self.names: dict[int, str | None] = {}
        self.segments = sorted(segments, key=lambda one: one[0]) if segments else []
        self.starts = [start for start, _ in self.segments]

    def read(self, address: int, size: int) -> bytes:
        """Exactly ``size`` bytes at ``address``, or nothing."""
        data = self.read_upto(address, size)
        return data if len(data) == size else b""

    def read_upto(self, address: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``address`` (fewer at the end of a segment)."""
        if self.segments:
            index = bisect.bisect_right(self.starts, address) - 1
            if index < 0:
                return b""
            start, content = self.segments[index]
            return bytes(content[address - start:address - start + size])
        try:
            return bytes(self.binary.get_content_from_virtual_address(address, size))
        # NOTE: SystemError is LIEF asking Python for a negative-size bytes object when the
        # address lies in a segment whose content the file is too short to hold.
        except (RuntimeError, ValueError, TypeError, OverflowError, SystemError):
            return b""

    def pointer(self, address: int) -> int:
        raw = self.read(address, 8)
        return self.target(struct.unpack("<Q", raw)[0]) if raw else 0

    def target(self, value: int) -> int:
        """The address a pointer as stored in the file points to (0 for none)."""
        if self.chained or value >> 36:
            # A chained rebase keeps its target in the low 36 bits (an offset from the image
            # base, or an address); binds (bit 63) point outside the image.
            if value >> 63:
                return 0
            target = value & 0xFFFFFFFFF
            return target + self.base if target < self.base else target
        return value

    def string(self, address: int, limit: int = 512) -> str | None:
        if address in self.names:
            return self.names[address]
        raw = self.read_upto(address, limit) if address else b""
        end = raw.find(b"\x00")
        # None when not a name: encrypted, corrupt or hostile data
        name = raw[:end].decode("ascii") if end > 0 and _NAME.match(raw[:end]) else None
        self.names[address] = name  # selectors repeat from class to class
        return name


def class_methods(binary: lief.MachO.Binary) -> dict[str, set[str]]:
    """Class name -> selectors it implements (instance and class methods)."""
    return {name: set(methods) for name, methods in implementations(binary).items()}


def implementations(binary: lief.MachO.Binary,
                    unread: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Class name -> selector -> address of its implementation (0 when unknown).

    A walk cut short by a limit says so in ``unread``.
    """
    section = binary.get_section("__objc_classlist")
    if section is None:
        return {}
    memory = _Memory(binary, [(one.virtual_address, one.content) for one in binary.segments])
    found: dict[str, dict[str, int]] = {}
    seen: set[int] = set()
    count = section.size // 8
    if count > _MAX_CLASSES and unread is not None:
        unread.append(f"Objective-C classes past the first {_MAX_CLASSES} not read")
    # The whole list in one read: a crafted size may claim more than the file holds.
    table = memory.read_upto(section.virtual_address, 8 * min(count, _MAX_CLASSES))
    for (stored,) in struct.iter_unpack("<Q", table[: len(table) & ~7]):
        if memory.entries_left <= 0:
            break
        class_address = memory.target(stored)
        if not class_address or class_address in seen:
            continue  # a class list may name one class many times
        seen.add(class_address)
        memory.entries_left -= 1
        name, methods = _class(memory, class_address)
        metaclass = memory.pointer(class_address)
        if metaclass:
            methods.update(_class(memory, metaclass)[1])
        if name:
            found.setdefault(name, {}).update(methods)
    if unread is not None and memory.entries_left <= 0:
        unread.append(f"Objective-C classes and methods past the first {MAX_METHOD_ENTRIES} "
                      "not read")
    if unread is not None and memory.odd_lists:
        unread.append(f"{memory.odd_lists} Objective-C method lists with an impossible "
                      "entry size or count not read")
    return found


def _class(memory: _Memory, address: int) -> tuple[str | None, dict[str, int]]:
    data = memory.pointer(address + 32) & ~7  # class_t.data, with flag bits below 8
    if not data:
        return None, {}
    name = memory.string(memory.pointer(data + 24))
    return name, _methods(memory, memory.pointer(data + 32))


def _methods(memory: _Memory, address: int) -> dict[str, int]:
    header = memory.read(address, 8) if address else b""
    if not header:
        return {}
    flags_and_size, count = struct.unpack("<II", header)
    size = flags_and_size & 0xFFFC
    relative = bool(flags_and_size & _RELATIVE)
    if count > _MAX_METHODS or not (12 if relative else 24) <= size <= _MAX_ENTRY_SIZE:
        memory.odd_lists += 1
        return {}
    # The whole list in one read; it may run past the mapped data.
    table = memory.read_upto(address + 8, min(count, memory.entries_left) * size)
    methods: dict[str, int] = {}
    for index in range(len(table) // size):
        memory.entries_left -= 1
        entry = address + 8 + index * size
        if relative:
            name_offset, _, imp_offset = struct.unpack_from("<iii", table, index * size)
            name = memory.string(memory.pointer(entry + name_offset))
            imp = entry + 8 + imp_offset
        else:
            name_pointer, _, imp_pointer = struct.unpack_from("<QQQ", table, index * size)
            name = memory.string(memory.target(name_pointer))
            imp = memory.target(imp_pointer)
        if name:
            methods[name] = imp
    return methods
