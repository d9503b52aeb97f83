"""The targeted DEX reader, with androguard (a full decoder) as the oracle.

Every method with code in every DEX file of the sample apps with code and of the real APKs
is decoded by both; the instruction offsets, opcodes and invoked method indices must agree.
The unit tests below check the reader's error handling, the offset -> method map, and the
byte search for call sites.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from codehelpers import (
    ALL_CODE_APKS,
    CODE_APPS,
    INVOKE_OPS,
    REAL_APKS,
    dex_entries,
    oracle,
    require,
)
from conftest import sample_apk

from mstg_pinscan.facts.dex import (
    INVOKE,
    INVOKE_RANGE,
    DexFile,
    DexFormatError,
    MethodIndex,
    decode,
    reference_sites,
)

SAMPLE_DEX = [pytest.param(name, id=name) for name in CODE_APPS]


def _dex(app: str = "trust_all") -> bytes:
    with zipfile.ZipFile(sample_apk(app)) as archive:
        return archive.read("classes.dex")


def _index(dex: DexFile) -> MethodIndex:
    return MethodIndex(dex, {c.descriptor: c for c in dex.classes()})


def _patched(data: bytes, offset: int, value: int, fmt: str = "<I") -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, offset, value)
    return bytes(patched)


# --- the decoder against androguard ----------------------------------------------------

@pytest.mark.parametrize("apk", ALL_CODE_APKS)
def test_decode_matches_androguard_for_every_method(apk: Path) -> None:
    walk = oracle(require(apk))
    assert walk.methods and walk.instruction_count > 0
    shown = "\n".join(walk.decode_mismatches[:10])
    assert not walk.decode_mismatches, (
        f"{len(walk.decode_mismatches)} of {len(walk.methods)} methods decode differently:\n"
        f"{shown}")


@pytest.mark.parametrize("apk", ALL_CODE_APKS)
def test_class_data_lists_the_same_methods_as_androguard(apk: Path) -> None:
    walk = oracle(require(apk))
    for name, data in dex_entries(apk):
        dex = DexFile(data, name)
        mine = {(dex.method(index).class_name, dex.method(index).name, dex.method(index).proto,
                 code_off)
                for class_def in dex.classes() for index, code_off in class_def.methods()}
        theirs = {(m.class_name, m.name, m.proto, m.code_off) for m in walk.methods
                  if m.dex == name}
        assert mine == theirs, name
        # The code items the method index walks are exactly the methods' code.
        starts = set(_index(dex).starts)
        assert {m.code_off + 16 for m in walk.methods if m.dex == name} <= starts


def test_decode_reads_operands_and_skips_payloads() -> None:
    # const/4 v1, #-2; const-string v0, string@3; invoke-virtual {v2, v0, v1}, meth@4;
    # invoke-static/range {v3 .. v5}, meth@0x102; return-void; then a packed-switch payload
    # with one target (6 units), which is data and must be skipped.
    units = memoryview(struct.pack(
        "<16H", 0xE112, 0x001A, 0x0003, 0x306E, 0x0004, 0x0102, 0x0377, 0x0102, 0x0003,
        0x000E, 0x0100, 0x0001, 0x0000, 0x0000, 0x0010, 0x0000)).cast("H")
    found = list(decode(units))
    assert [(i.offset, i.opcode) for i in found] == [
        (0, 0x12), (1, 0x1A), (3, 0x6E), (6, 0x77), (9, 0x0E)]
    const, string, virtual, static_range, _ = found
    assert const.registers == (1,) and const.literal == -2
    assert string.registers == (0,) and string.index == 3
    assert virtual.registers == (2, 0, 1) and virtual.index == 4
    assert static_range.registers == (3, 4, 5) and static_range.index == 0x102


def test_decode_refuses_an_instruction_cut_short() -> None:
    units = memoryview(struct.pack("<2H", 0x106E, 0x0004)).cast("H")  # invoke needs 3 units
    with pytest.raises(DexFormatError):
        list(decode(units))


# --- malformed files ---------------------------------------------------------------------

def test_bad_magic_is_refused() -> None:
    data = _dex()
    for bad in (b"dey\n035\x00", b"dex\n135\x00", b"PK\x03\x04\x00\x00\x00\x00"):
        with pytest.raises(DexFormatError):
            DexFile(bad + data[8:], "classes.dex")
    with pytest.raises(DexFormatError):
        DexFile(b"", "classes.dex")


@pytest.mark.parametrize("length", [0, 8, 0x40, 0x6F])
def test_file_shorter_than_the_magic_or_header_is_refused(length: int) -> None:
    with pytest.raises(DexFormatError):
        DexFile(_dex()[:length], "classes.dex")


@pytest.mark.parametrize("length", [0x70, 0x80, 0x87])
def test_file_cut_just_after_the_header_is_refused(length: int) -> None:
    with pytest.raises(DexFormatError):
        DexFile(_dex()[:length], "classes.dex")


def test_truncated_file_whose_tables_lie_outside_is_refused() -> None:
    data = _dex()
    (class_off,) = struct.unpack_from("<I", data, 0x64)
    with pytest.raises(DexFormatError, match="outside"):
        DexFile(data[:class_off + 16], "classes.dex")  # half of the first class_def


@pytest.mark.parametrize(("field", "table"), [
    (0x3C, "string_ids"), (0x44, "type_ids"), (0x4C, "proto_ids"), (0x54, "field_ids"),
    (0x5C, "method_ids"), (0x64, "class_defs"),
])
def test_table_out_of_range_is_refused(field: int, table: str) -> None:
    data = _dex()
    for offset in (len(data) - 4, 0xFFFFFFF0, 0x10):
        with pytest.raises(DexFormatError):
            DexFile(_patched(data, field, offset), "classes.dex")


def test_indices_out_of_range_are_refused() -> None:
    dex = DexFile(_dex(), "classes.dex")
    for read in (dex.string, dex.type_name, dex.method, dex.field_ref):
        with pytest.raises(DexFormatError, match="out of range"):
            read(0xFFFF)
    with pytest.raises(DexFormatError):
        dex.code_units(len(dex.data) - 8)


def test_class_def_naming_a_missing_type_is_refused() -> None:
    data = _dex()
    (class_off,) = struct.unpack_from("<I", data, 0x64)
    dex = DexFile(_patched(data, class_off, 0xFFFF), "classes.dex")
    with pytest.raises(DexFormatError):
        list(dex.classes())


def test_code_item_running_past_the_end_is_refused() -> None:
    data = _dex()
    dex = DexFile(data, "classes.dex")
    code_off = next(off for c in dex.classes() for _, off in c.methods())
    broken = DexFile(_patched(data, code_off + 12, 0x7FFFFFFF), "classes.dex")
    with pytest.raises(DexFormatError):
        broken.code_units(code_off)


def test_missing_map_list_is_refused() -> None:
    dex = DexFile(_patched(_dex(), 0x34, 0), "classes.dex")
    with pytest.raises(DexFormatError, match="map"):
        _index(dex)


def test_map_list_cut_short_is_refused() -> None:
    data = _dex()
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    dex = DexFile(data[:map_off + 10], "classes.dex")
    with pytest.raises(DexFormatError):
        _index(dex)


# --- MethodIndex ---------------------------------------------------------------------------

@pytest.mark.parametrize("app", SAMPLE_DEX)
def test_method_index_maps_every_code_offset_to_its_method(app: str) -> None:
    dex = DexFile(_dex(app), "classes.dex")
    index = _index(dex)
    methods = [(m, off, c) for c in dex.classes() for m, off in c.methods()]
    assert methods
    for method_index, code_off, class_def in methods:
        size = dex.code_units(code_off)[1].nbytes
        for offset in (code_off + 16, (code_off + 16 + size // 2) & ~1, code_off + 14 + size):
            found = index.containing(offset)
            assert found is not None, (dex.method(method_index), offset)
            assert found[:2] == (method_index, code_off)
            assert found[2].descriptor == class_def.descriptor
        # The code item's own header (registers, sizes) is not code, nor what follows it.
        assert index.containing(code_off) is None
        assert index.containing(code_off + 16 + size) is None


@pytest.mark.parametrize("app", SAMPLE_DEX)
def test_method_index_maps_the_header_and_tables_to_none(app: str) -> None:
    dex = DexFile(_dex(app), "classes.dex")
    index = _index(dex)
    start, end = index.code_range
    assert 0x70 <= start < end <= len(dex.data)
    for offset in (0, 0x08, 0x38, 0x6E, start - 2, len(dex.data) - 2):
        assert index.containing(offset) is None, offset


@pytest.mark.parametrize("apk", [pytest.param(p, id=p.stem) for p in REAL_APKS])
def test_method_index_on_a_real_apk(apk: Path) -> None:
    walk = oracle(require(apk))
    for name, data in dex_entries(apk):
        dex = DexFile(data, name)
        index = _index(dex)
        methods = [m for m in walk.methods if m.dex == name]
        for method in methods[::max(1, len(methods) // 1500)]:
            found = index.containing(method.code_off + 16)
            assert found is not None, method
            ref = dex.method(found[0])
            assert (ref.class_name, ref.name, ref.proto, found[1]) == (
                method.class_name, method.name, method.proto, method.code_off)
        assert index.containing(0x40) is None


# --- reference_sites -----------------------------------------------------------------------

def _real_sites(apk: Path, name: str) -> dict[int, set[int]]:
    walk = oracle(apk)
    sites: dict[int, set[int]] = {}
    for position, method_index in zip(walk.invoke_bytes[name], walk.invoke_indices[name],
                                      strict=True):
        sites.setdefault(method_index, set()).add(position)
    return sites


def _check_sites(data: bytes, name: str, sites: dict[int, set[int]], indices: list[int],
                 bounds: tuple[int, int] | None) -> None:
    opcodes = INVOKE | INVOKE_RANGE
    for method_index in indices:
        if bounds is None:
            found = set(reference_sites(data, opcodes, method_index))
        else:
            found = set(reference_sites(data, opcodes, method_index, *bounds))
        missed = sites[method_index] - found
        assert not missed, f"{name}: method {method_index} invoked at {sorted(missed)}, missed"
        # Over-matching is allowed, but every candidate is at an even offset with an invoke
        # opcode and the index two bytes on.
        for site in found:
            assert site % 2 == 0 and data[site] in opcodes
            assert data[site + 2] | data[site + 3] << 8 == method_index


@pytest.mark.parametrize("app", SAMPLE_DEX)
def test_reference_sites_find_every_invoke_of_every_method(app: str) -> None:
    apk = sample_apk(app)
    ((name, data),) = dex_entries(apk)
    sites = _real_sites(apk, name)
    assert sites
    _check_sites(data, name, sites, sorted(sites), None)
    _check_sites(data, name, sites, sorted(sites), _index(DexFile(data, name)).code_range)


@pytest.mark.parametrize("apk", [pytest.param(p, id=p.stem) for p in REAL_APKS])
def test_reference_sites_on_a_real_apk(apk: Path) -> None:
    require(apk)
    for name, data in dex_entries(apk):
        sites = _real_sites(apk, name)
        bounds = _index(DexFile(data, name)).code_range
        by_use = sorted(sites, key=lambda i: (-len(sites[i]), i))
        # A full search (4 ms each on 8 MB) for the most used methods and a spread of the rest.
        chosen = sorted({*by_use[:200], *by_use[200::max(1, len(by_use) // 300)]})
        _check_sites(data, name, sites, chosen, bounds)
        # For every other site, a local argument first: a search can only lose a site to a
        # candidate that starts one to three bytes before it and overlaps it. Where there is
        # such a candidate, the full search for that method must still see the site.
        for position, method_index in zip(oracle(apk).invoke_bytes[name],
                                          oracle(apk).invoke_indices[name], strict=True):
            hidden_by = [s for s in (position - 3, position - 2, position - 1)
                         if data[s] in INVOKE_OPS
                         and data[s + 2] | data[s + 3] << 8 == method_index]
            if hidden_by:
                _check_sites(data, name, sites, [method_index], bounds)


def test_reference_sites_see_candidates_that_overlap() -> None:
    # invoke-virtual {v14, v6} meth@5 ends in the unit 0x006e; invoke-static {} meth@0x71
    # follows: a false candidate at byte 4 overlaps the real site at byte 6.
    data = bytes.fromhex("6e20 0500 6e00 7100 7100 0e00".replace(" ", ""))
    assert 6 in reference_sites(data, INVOKE | INVOKE_RANGE, 0x71)
    # const-string v110 ends in 0x6e; invoke-virtual {v0, v2} meth@0x2020 follows.
    data = bytes.fromhex("1a6e 0000 6e20 2020 2100 0e00".replace(" ", ""))
    assert reference_sites(data, INVOKE | INVOKE_RANGE, 0x2020) == [4]


def test_reference_sites_respect_bounds_and_skip_odd_offsets() -> None:
    # nop; invoke-virtual {v0}, meth@5 at byte 2; a look-alike at odd byte 9;
    # invoke-virtual {v0}, meth@5 at byte 14.
    data = bytes.fromhex("0000" "6e10 0500 0000" "006e 1005 0000" "6e10 0500 0000"
                         .replace(" ", ""))
    opcodes = INVOKE | INVOKE_RANGE
    assert reference_sites(data, opcodes, 5) == [2, 14]
    assert reference_sites(data, opcodes, 5, 0, 12) == [2]
    assert reference_sites(data, opcodes, 5, 4, len(data)) == [14]
    assert reference_sites(data, opcodes, 6) == []
