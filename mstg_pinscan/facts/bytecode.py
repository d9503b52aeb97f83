"""Register tracking within one method: enough to recover constant arguments of a call.

The tracker walks the instructions in order and keeps, per register, the constant it holds:
a string, an integer, an array being filled, an object of a known type, or the result of a
call. It ignores control flow, which is right for the straight-line code that configures a
pinner or a trust store, and says "unknown" rather than guess elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mstg_pinscan.facts.dex import INVOKE, INVOKE_RANGE, DexFile, Instruction, MethodRef, decode

# Opcodes whose first register is written (so what it held before is gone).
_WRITES_FIRST = frozenset([
    *range(0x0A, 0x0E), *range(0x12, 0x1E), 0x1F, 0x20, 0x21, 0x22, 0x23,
    *range(0x2D, 0x32), *range(0x44, 0x4B), *range(0x52, 0x59), *range(0x60, 0x67),
    *range(0x7B, 0x90), *range(0x90, 0xB0), *range(0xB0, 0xD0), *range(0xD0, 0xE3), 0xFE, 0xFF,
])
_MOVES = frozenset([0x01, 0x02, 0x03, 0x07, 0x08, 0x09])
_MAX_ARRAY = 4096


@dataclass
class Array:
    """An array the method builds; ``items`` are the tracked values of its elements."""

    items: list[object]


@dataclass(frozen=True)
class NewObject:
    """An object created with new-instance, by type descriptor."""

    type_name: str


@dataclass(frozen=True)
class Static:
    """A static field read the tracker could not resolve."""

    class_name: str
    name: str


@dataclass
class Tracked:
    """An object whose history matters (a KeyStore being filled, an input stream)."""

    kind: str
    detail: object = None
    sources: list[object] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    """One invoke instruction with the tracked values of its arguments."""

    instruction: Instruction
    callee: MethodRef
    args: tuple[object, ...]


# Decides what an invoke returns, given the call; None means unknown.
ResultModel = Callable[[Call], object]
# Resolves a static field read to a tracked value, or None.
StaticResolver = Callable[[DexFile, int], object]


def track(
    dex: DexFile,
    code_off: int,
    on_call: ResultModel | None = None,
    resolve_static: StaticResolver | None = None,
    on_static_put: Callable[[DexFile, int, object], None] | None = None,
) -> list[Call]:
    """Walk one method; return every call with its tracked arguments."""
    _, units = dex.code_units(code_off)
    registers: dict[int, object] = {}
    result: object = None
    calls = []
    for ins in decode(units):
        op = ins.opcode
        if op in INVOKE or op in INVOKE_RANGE:
            args = tuple(registers.get(r) for r in ins.registers)
            call = Call(ins, dex.method(ins.index or 0), args)
            calls.append(call)
            result = on_call(call) if on_call else None
            continue
        if op in (0x24, 0x25):  # filled-new-array
            result = Array([registers.get(r) for r in ins.registers])
            continue
        value = _effect(dex, ins, registers, result, resolve_static)
        if op in _WRITES_FIRST or op in _MOVES:
            if value is None:
                registers.pop(ins.registers[0], None)
            else:
                registers[ins.registers[0]] = value
        elif op == 0x4D:  # aput-object vAA, vBB[vCC]
            _store(registers, ins)
        elif op == 0x69 and on_static_put is not None:  # sput-object
            on_static_put(dex, ins.index or 0, registers.get(ins.registers[0]))
    return calls


def _effect(
    dex: DexFile, ins: Instruction, registers: dict[int, object], result: object,
    resolve_static: StaticResolver | None,
) -> object:
    op = ins.opcode
    if op in (0x1A, 0x1B):
        return dex.string(ins.index or 0)
    if ins.literal is not None:
        return ins.literal
    if op in _MOVES:
        return registers.get(ins.registers[1])
    if op in (0x0A, 0x0C):
        return result
    if op == 0x1F:  # check-cast keeps the value
        return registers.get(ins.registers[0])
    if op == 0x22:
        return NewObject(dex.type_name(ins.index or 0))
    if op == 0x23:  # new-array vA, vB(size)
        size = registers.get(ins.registers[1])
        count = size if isinstance(size, int) and 0 <= size <= _MAX_ARRAY else 0
        return Array([None] * count)
    if op == 0x62:  # sget-object
        resolved = resolve_static(dex, ins.index or 0) if resolve_static else None
        if resolved is not None:
            return resolved
        owner, name, _ = dex.field_ref(ins.index or 0)
        return Static(owner, name)
    if op == 0x46:  # aget-object vAA, vBB[vCC]
        array, index = registers.get(ins.registers[1]), registers.get(ins.registers[2])
        if isinstance(array, Array) and isinstance(index, int) and 0 <= index < len(array.items):
            return array.items[index]
    return None


def _store(registers: dict[int, object], ins: Instruction) -> None:
    value, array, index = (registers.get(r) for r in ins.registers)
    if isinstance(array, Array) and isinstance(index, int) and 0 <= index < _MAX_ARRAY:
        if index >= len(array.items):
            array.items.extend([None] * (index + 1 - len(array.items)))
        array.items[index] = value
