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


class _Memory:
    def __init__(self, binary: lief.MachO.Binary) -> None:
        self.binary = binary
        self.base = binary.imagebase
        self.chained = binary.has_dyld_chained_fixups

    def read(self, address: int, size: int) -> bytes:
        """Exactly ``size`` bytes at ``address``, or nothing."""
        data = self.read_upto(address, size)
        return data if len(data) == size else b""

    def read_upto(self, address: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``address`` (fewer at the end of a section)."""
        try:
            return bytes(self.binary.get_content_from_virtual_address(address, size))
        except (RuntimeError, ValueError, TypeError):
            return b""

    def pointer(self, address: int) -> int:
        raw = self.read(address, 8)
        if not raw:
            return 0
        value = struct.unpack("<Q", raw)[0]
        if self.chained or value >> 36:
            # A chained rebase keeps its target in the low 36 bits (an offset from the image
            # base, or an address); binds (bit 63) point outside the image.
            if value >> 63:
                return 0
            target = value & 0xFFFFFFFFF
            return target + self.base if target < self.base else target
        return value

    def string(self, address: int, limit: int = 512) -> str | None:
        raw = self.read_upto(address, limit) if address else b""
        end = raw.find(b"\x00")
        if end <= 0 or not _NAME.match(raw[:end]):
            return None  # not a name: encrypted, corrupt or hostile data
        return raw[:end].decode("ascii")


def class_methods(binary: lief.MachO.Binary) -> dict[str, set[str]]:
    """Class name -> selectors it implements (instance and class methods)."""
    return {name: set(methods) for name, methods in implementations(binary).items()}


def implementations(binary: lief.MachO.Binary) -> dict[str, dict[str, int]]:
    """Class name -> selector -> address of its implementation (0 when unknown)."""
    section = binary.get_section("__objc_classlist")
    if section is None:
        return {}
    memory = _Memory(binary)
    found: dict[str, dict[str, int]] = {}
    count = min(section.size // 8, _MAX_CLASSES)
    for index in range(count):
        class_address = memory.pointer(section.virtual_address + index * 8)
        if not class_address:
            continue
        name, methods = _class(memory, class_address)
        metaclass = memory.pointer(class_address)
        if metaclass:
            methods.update(_class(memory, metaclass)[1])
        if name:
            found.setdefault(name, {}).update(methods)
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
    methods: dict[str, int] = {}
    if not size or count > _MAX_METHODS:
        return methods
    for index in range(count):
        entry = address + 8 + index * size
        if flags_and_size & _RELATIVE:
            raw = memory.read(entry, 12)
            if not raw:
                break
            name_offset, _, imp_offset = struct.unpack("<iii", raw)
            name = memory.string(memory.pointer(entry + name_offset))
            imp = entry + 8 + imp_offset
        else:
            name = memory.string(memory.pointer(entry))
            imp = memory.pointer(entry + 16)
        if name:
            methods[name] = imp
    return methods
