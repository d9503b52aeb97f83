"""Hostile iOS formats, generated here: binary and XML plists and Mach-O binaries crafted to
loop, overflow, point past the end or nest without end.

Each is read twice: by the parser directly (fast, in-process: the documented error, or what
could not be read and why), and inside an IPA by the real command line under the bounds of
:mod:`harness` (10 s, 512 MiB, no traceback), asserting what the report says.
"""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from harness import Outcome, scan_bounded

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.macho import BinaryEvidence, read_binary
from mstg_pinscan.facts.objc import MAX_METHOD_ENTRIES
from mstg_pinscan.facts.plist import MAX_PLIST_SIZE, load_plist, read_ats, read_trustkit

IPAS = ROOT / "sample_apps" / "ios" / "ipas"
APP = "Payload/Pinned.app"  # ats_pinned.ipa: ATS pins, one ARM64 binary
EXTENSION_PLIST = "Payload/WithExt.app/PlugIns/Share.appex/Info.plist"  # with_extension.ipa
ATS = "NSAppTransportSecurity"
UNREADABLE = "not a readable property list"
CYCLE = "property list contains itself"


def _ipa(tmp_path: Path, sample: str, replace: dict[str, bytes]) -> Path:
    """A copy of a sample IPA with some entries' contents replaced."""
    path = tmp_path / f"hostile-{sample}"
    with zipfile.ZipFile(IPAS / sample) as source, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                # Stored: crafted data compresses past the zip layer's ratio limit.
                target.writestr(info.filename, replace[info.filename], zipfile.ZIP_STORED)
            else:
                target.writestr(info, source.read(info))
    assert set(replace) <= set(zipfile.ZipFile(path).namelist())
    return path


def _skipped_reason(outcome: Outcome, item: str) -> str:
    """Every reason the report gives for skipping ``item``, one per line."""
    assert outcome.code in (0, 1), outcome.stderr
    assert outcome.report is not None
    reasons = [s["reason"] for s in outcome.report["analysis"]["skipped"] if s["item"] == item]
    assert reasons, outcome.skipped
    return "\n".join(reasons)


# --- binary plists, written by hand ------------------------------------------------------------

def _bplist(objects: list[bytes], *, top: int = 0, offset_size: int = 4, ref_size: int = 1,
            count: int | None = None, table: int | None = None) -> bytes:
    """A binary plist of already encoded objects (their refs ``ref_size`` bytes wide), with a
    trailer that may lie about the object count and where the offset table is."""
    out = bytearray(b"bplist00")
    offsets = []
    for one in objects:
        offsets.append(len(out))
        out += one
    where = len(out)
    for offset in offsets:
        out += offset.to_bytes(offset_size, "big") if offset_size else b""
    out += b"\x00" * 6 + struct.pack(">BBQQQ", offset_size, ref_size,
                                     len(objects) if count is None else count, top,
                                     where if table is None else table)
    return bytes(out)


def _ascii(text: str) -> bytes:
    data = text.encode("ascii")
    assert len(data) < 256
    return (bytes([0x50 | len(data)]) if len(data) < 15 else bytes([0x5F, 0x10, len(data)])) + data


def _refs(refs: list[int], size: int) -> bytes:
    return b"".join(ref.to_bytes(size, "big") for ref in refs)


def _array(refs: list[int], size: int = 1) -> bytes:
    assert len(refs) < 15
    return bytes([0xA0 | len(refs)]) + _refs(refs, size)


def _dict(pairs: list[tuple[int, int]], size: int = 1) -> bytes:
    assert len(pairs) < 15
    return (bytes([0xD0 | len(pairs)]) + _refs([k for k, _ in pairs], size)
            + _refs([v for _, v in pairs], size))


def _long_int(nbytes: int = 1 << 15) -> bytes:
    """An integer object of ``nbytes`` bytes (binary plists allow up to 2**15): far more
    digits than ``str`` converts."""
    return bytes([0x10 | (nbytes.bit_length() - 1)]) + b"\x7f" + b"\xff" * (nbytes - 1)


# {"A": [itself]}
SELF_ARRAY = _bplist([_dict([(1, 2)]), _ascii("A"), _array([2])])
# {NSAppTransportSecurity: {NSExceptionDomains: [ {"x": <the array again>} ]}}
THROUGH_ANOTHER = _bplist([_dict([(1, 2)]), _ascii(ATS), _dict([(3, 4)]),
                           _ascii("NSExceptionDomains"), _array([5]), _dict([(6, 4)]),
                           _ascii("x")])
# A dictionary that is its own value.
SELF_DICT = _bplist([_dict([(1, 2)]), _ascii(ATS), _dict([(3, 2)]),
                     _ascii("NSPinnedDomains")])
PLAIN = [_dict([(1, 2)]), _ascii("A"), _ascii("B")]


def _deep_binary(levels: int) -> bytes:
    """{"A": [[[...]]]}, ``levels`` arrays deep, each referring to the next."""
    objects = [_dict([(1, 2)], 4), _ascii("A")]
    for level in range(levels):
        objects.append(_array([3 + level], 4) if level < levels - 1 else _array([], 4))
    return _bplist(objects, ref_size=4)


def _diamond(levels: int) -> bytes:
    """{"A": a0}, each a_i = [a_i+1, a_i+1]: shared, not a cycle; 2**levels paths."""
    objects = [_dict([(1, 2)]), _ascii("A")]
    for level in range(levels):
        nxt = 3 + level
        objects.append(_array([nxt, nxt]) if level < levels - 1 else _array([]))
    return _bplist(objects)


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(SELF_ARRAY, CYCLE, id="array-contains-itself"),
    pytest.param(SELF_DICT, CYCLE, id="dict-contains-itself"),
    pytest.param(THROUGH_ANOTHER, CYCLE, id="cycle-through-another-object"),
    pytest.param(_bplist(PLAIN, count=2**64 - 1), UNREADABLE, id="object-count-2**64"),
    pytest.param(_bplist(PLAIN, count=2**32), UNREADABLE, id="object-count-2**32"),
    pytest.param(_bplist(PLAIN, table=2**62), UNREADABLE, id="offset-table-past-the-end"),
    pytest.param(_bplist(PLAIN, table=2**64 - 1), UNREADABLE, id="offset-table-at-2**64"),
    pytest.param(_bplist(PLAIN, top=1000), UNREADABLE, id="top-ref-past-the-objects"),
    pytest.param(_bplist([_dict([(1, 200)]), _ascii("A")]), UNREADABLE,
                 id="ref-past-the-objects"),
    pytest.param(_bplist(PLAIN)[:-40] + (2**31).to_bytes(4, "big")
                 + _bplist(PLAIN)[-36:], UNREADABLE, id="object-offset-past-the-end"),
    pytest.param(_bplist(PLAIN, offset_size=0), UNREADABLE, id="offset-size-0"),
    pytest.param(_bplist([b"\xd1", _ascii("A"), _ascii("B")], ref_size=0),  # zero-width refs
                 UNREADABLE, id="ref-size-0"),
    pytest.param(_deep_binary(100_000), "(RecursionError)", id="nested-100000-levels"),
    pytest.param(b"bplist00" + b"\x00" * (MAX_PLIST_SIZE + 1), "larger than 1024 KiB",
                 id="larger-than-the-limit"),
])
def test_hostile_binary_plist_is_refused(data: bytes, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(FactError) as raised:
        load_plist(data, "Info.plist")
    assert message in raised.value.message
    assert raised.value.path == "Info.plist"
    assert time.monotonic() - started < 2


def test_wide_offset_and_ref_sizes_are_read_as_plistlib_reads_them() -> None:
    # 16-byte offsets and refs are not what Apple writes, but they are well-defined integers.
    data = _bplist([_dict([(1, 2)], 16), _ascii("A"), _ascii("B")], offset_size=16,
                   ref_size=16)
    assert load_plist(data, "Info.plist") == {"A": "B"}


def test_a_shared_object_is_not_a_cycle() -> None:
    started = time.monotonic()
    info = load_plist(_diamond(60), "Info.plist")
    assert len(info["A"]) == 2 and info["A"][0] is info["A"][1]
    assert time.monotonic() - started < 1  # every path is not walked: 2**60 of them


def test_integer_keys_too_long_to_print() -> None:
    # {ATS: {NSExceptionDomains: {<32 KiB integer>: {}}}, TSKConfiguration: {TSKPinnedDomains:
    #  {"a": {TSKReportUris: [<the integer>], <the integer>: true}}}}
    data = _bplist([
        _dict([(1, 2), (9, 10)]), _ascii(ATS), _dict([(3, 4)]), _ascii("NSExceptionDomains"),
        _dict([(5, 6)]), _long_int(), _dict([]), _ascii("unused"), _ascii("unused"),
        _ascii("TSKConfiguration"), _dict([(11, 12)]), _ascii("TSKPinnedDomains"),
        _dict([(13, 14)]), _ascii("a"), _dict([(15, 16), (5, 17)]), _ascii("TSKReportUris"),
        _array([5]), b"\x09"], ref_size=1)
    info = load_plist(data, "Info.plist")
    (domain,) = read_ats(info, "Info.plist").exceptions
    assert domain.name == "(a long integer)"
    trustkit = read_trustkit(info, "Info.plist")
    assert trustkit is not None
    (pinned,) = trustkit.domains
    assert pinned.report_uris == ()


# --- XML plists ------------------------------------------------------------------------------

XML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC '
            '"-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n')
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY a "lollollollollol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + ']><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>&j;</string></dict>'
    '</plist>').encode()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<plist version="1.0"><dict><key>CFBundleIdentifier</key><string>&x;</string></dict>'
    b'</plist>')
EXTERNAL_DTD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">'
    b' %p;]><plist version="1.0"><dict/></plist>')


def _deep_xml(levels: int) -> bytes:
    """TrustKit report URIs nested ``levels`` arrays deep (XML is read without recursion)."""
    inner = "<array>" * levels + "</array>" * levels
    return (f'{XML_HEAD}<plist version="1.0"><dict><key>CFBundleIdentifier</key>'
            '<string>com.example.deep</string><key>TSKConfiguration</key><dict>'
            '<key>TSKPinnedDomains</key><dict><key>a.example</key><dict>'
            f'<key>TSKReportUris</key><array>{inner}</array></dict></dict></dict></dict>'
            '</plist>').encode()


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_xml_entities_are_refused(data: bytes) -> None:
    with pytest.raises(FactError, match=UNREADABLE) as raised:
        load_plist(data, "Info.plist")
    assert "lol" not in raised.value.diagnostics()


def test_xml_nested_65000_levels_is_read_without_recursion() -> None:
    # As deep as fits in the size limit (15 bytes a level); 100,000 levels pass it.
    started = time.monotonic()
    info = load_plist(_deep_xml(65_000), "Info.plist")
    trustkit = read_trustkit(info, "Info.plist")
    assert trustkit is not None
    (domain,) = trustkit.domains
    assert domain.name == "a.example" and domain.report_uris == ()
    assert time.monotonic() - started < 5


# --- plists through the command line ------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    pytest.param(THROUGH_ANOTHER, CYCLE, id="cycle"),
    pytest.param(_deep_binary(100_000), UNREADABLE, id="nested-binary"),
    pytest.param(_bplist(PLAIN, count=2**64 - 1), UNREADABLE, id="object-count"),
    pytest.param(BILLION_LAUGHS, UNREADABLE, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, UNREADABLE, id="external-entity"),
    pytest.param(_deep_xml(100_000), "inflates past 1 MiB", id="nested-xml-too-large"),
])
def test_hostile_app_plist_ends_in_one_line(tmp_path: Path, data: bytes, reason: str) -> None:
    bundle = _ipa(tmp_path, "ats_pinned.ipa", {f"{APP}/Info.plist": data})
    outcome = scan_bounded(bundle, tmp_path)
    assert outcome.code == 2
    assert f"{APP}/Info.plist" in outcome.stderr and reason in outcome.stderr


@pytest.mark.parametrize(("data", "reason"), [
    pytest.param(SELF_ARRAY, CYCLE, id="cycle"),
    pytest.param(_bplist(PLAIN, table=2**62), UNREADABLE, id="offset-table-past-the-end"),
    pytest.param(b"bplist00" + b"\x00" * (MAX_PLIST_SIZE + 1), "inflates past 1 MiB",
                 id="too-large"),
])
def test_hostile_extension_plist_is_skipped(tmp_path: Path, data: bytes, reason: str) -> None:
    bundle = _ipa(tmp_path, "with_extension.ipa", {EXTENSION_PLIST: data})
    outcome = scan_bounded(bundle, tmp_path)
    assert reason in _skipped_reason(outcome, EXTENSION_PLIST)
    assert outcome.report is not None
    assert outcome.report["app"]["id"] is not None  # the app itself was still read


def test_deep_xml_app_plist_is_read(tmp_path: Path) -> None:
    bundle = _ipa(tmp_path, "ats_pinned.ipa", {f"{APP}/Info.plist": _deep_xml(65_000)})
    outcome = scan_bounded(bundle, tmp_path)
    assert outcome.code in (0, 1), outcome.stderr
    assert outcome.report is not None and outcome.report["app"]["id"] == "com.example.deep"


# --- Mach-O, built here -------------------------------------------------------------------------

BASE = 0x1_0000_0000
CPU_ARM64 = 0x0100000C
HANDLER = b"URLSession:didReceiveChallenge:completionHandler:\x00"


def _section(name: str, address: int, size: int, offset: int, kind: int = 0) -> bytes:
    return struct.pack("<16s16sQQIIIIIIII", name.encode(), b"__DATA", address, size, offset,
                       3, 0, 0, kind, 0, 0, 0)


def _segment(name: str, address: int, size: int, offset: int, file_size: int,
             sections: tuple[bytes, ...] = ()) -> bytes:
    return struct.pack("<II16sQQQQiiII", 0x19, 72 + 80 * len(sections), name.encode(),
                       address, size, offset, file_size, 3, 3, len(sections), 0) + b"".join(
        sections)


TEXT = _segment("__TEXT", BASE, 0x1000, 0, 0x1000)


def _macho(commands: list[bytes], body: bytes = b"", *, ncmds: int | None = None,
           sizeofcmds: int | None = None) -> bytes:
    """An ARM64 executable: header and load commands in the first 4 KiB, then ``body``."""
    joined = b"".join(commands)
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, CPU_ARM64, 0, 2,
                         len(commands) if ncmds is None else ncmds,
                         len(joined) if sizeofcmds is None else sizeofcmds, 0, 0)
    return (header + joined).ljust(0x1000, b"\x00") + body


def _objc(blob: bytes, classes: int) -> bytes:
    """A binary whose __DATA segment (at BASE + 0x1000) is ``blob``, starting with a class
    list of ``classes`` pointers."""
    data = _segment("__DATA", BASE + 0x1000, (len(blob) + 0xFFF) & ~0xFFF, 0x1000, len(blob),
                    (_section("__objc_classlist", BASE + 0x1000, 8 * classes, 0x1000),))
    return _macho([TEXT, data], blob)


def _at(offset: int) -> int:
    return BASE + 0x1000 + offset


def _class_blob(*, list_entries: list[int], methods: int = 1, count: int | None = None,
                metaclass: int = 0) -> bytearray:
    """One class ``PSHostile`` at 0x100 (ro at 0x200, name at 0x300, methods at 0x400 naming
    the challenge handler ``methods`` times), and a class list of ``list_entries``."""
    blob = bytearray(0x400 + 8 + 24 * methods + 0x100)
    for index, pointer in enumerate(list_entries):
        struct.pack_into("<Q", blob, 8 * index, pointer)
    struct.pack_into("<QQQQQ", blob, 0x100, metaclass, 0, 0, 0, _at(0x200))
    struct.pack_into("<IIIIQQQ", blob, 0x200, 0, 0, 0, 0, 0, _at(0x300), _at(0x400))
    blob[0x300:0x30A] = b"PSHostile\x00"
    names = len(blob) - 0x80
    blob[names:names + len(HANDLER)] = HANDLER
    struct.pack_into("<II", blob, 0x400, 24, methods if count is None else count)
    for index in range(methods):
        struct.pack_into("<QQQ", blob, 0x408 + 24 * index, _at(names), 0, _at(0x300))
    return blob


def _read(data: bytes) -> BinaryEvidence:
    started = time.monotonic()
    evidence = read_binary(data, f"{APP}/Pinned")
    assert time.monotonic() - started < 5
    return evidence


def _fat(arches: list[tuple[int, int]], claimed: int | None = None, tail: bytes = b"") -> bytes:
    head = struct.pack(">II", 0xCAFEBABE, len(arches) if claimed is None else claimed)
    return head + b"".join(struct.pack(">iiIII", CPU_ARM64, 0, offset, size, 12)
                           for offset, size in arches) + tail


THIN = _macho([TEXT])
UNREADABLE_BINARY = "not a readable Mach-O binary"
MACHO_REFUSED = {
    "cmdsize-0": _macho([struct.pack("<II", 0x19, 0) + b"\x00" * 64, TEXT]),
    "sizeofcmds-past-the-end": _macho([TEXT], sizeofcmds=0xFFFFFFF0),
    "fat-header-truncated": _fat([], claimed=2) + b"\x00" * 6,
    "fat-claims-2**32-architectures": _fat([(0x1000, len(THIN))], claimed=0xFFFFFFFF),
    "fat-slice-past-the-end": _fat([(0x1000_0000, 0x1000)]),
    "fat-slice-size-past-the-end": _fat([(0x1000, 0x7FFFFFFF)]).ljust(0x1000, b"\0") + THIN,
}


@pytest.mark.parametrize("name", sorted(MACHO_REFUSED))
def test_hostile_macho_is_unreadable(name: str) -> None:
    evidence = _read(MACHO_REFUSED[name])
    assert evidence.problem is not None and UNREADABLE_BINARY in evidence.problem
    assert evidence.slices == ()


@pytest.mark.parametrize(("data", "unread"), [
    pytest.param(_macho([TEXT], ncmds=0xFFFFFFFF),
                 "load commands past the first 1 of 4294967295 not read", id="ncmds-2**32"),
    pytest.param(_macho([TEXT, struct.pack("<II", 0x19, 0x100000) + b"\x00" * 64,
                         struct.pack("<II", 0x19, 72) + b"\x00" * 64], ncmds=3),
                 "load commands past the first", id="cmdsize-past-the-end"),
    pytest.param(_macho([TEXT, _segment("__DATA", BASE + 0x1000, 0x1000, 0x1000, 0x1000, (
        _section("__objc_classlist", BASE + 0x1000, 1 << 40, 0x7FFFFFFF),
        _section("__cstring", BASE + 0x1000, 2**48, 0x1000, 2)))], b"\x00" * 16),
        "segment __DATA runs past the end of the file", id="sections-past-the-end"),
])
def test_hostile_load_commands_say_what_was_not_read(data: bytes, unread: str) -> None:
    evidence = _read(data)
    assert evidence.problem is None
    (one,) = evidence.slices
    assert any(unread in reason for reason in one.unread), one.unread


def test_overlapping_segments_are_read() -> None:
    data = _macho([TEXT, _segment("__DATA", BASE, 0x2000, 0, 0x1000),
                   _segment("__DATA2", BASE + 0x800, 0x2000, 0x800, 0x800)])
    evidence = _read(data)
    assert evidence.problem is None and len(evidence.slices) == 1
    assert evidence.slices[0].implemented == {}


def test_class_list_pointing_at_one_class_is_walked_once() -> None:
    # 100,000 entries, every one the same class, whose metaclass is itself.
    blob = _class_blob(list_entries=[], methods=2, metaclass=_at(0x100))
    data = _objc(bytes(_shift(blob, 100_000 * 8)), 100_000)
    (one,) = _read(data).slices
    assert one.implemented == {"PSHostile": {HANDLER[:-1].decode()}}
    assert one.unread == []


def _shift(blob: bytearray, by: int) -> bytearray:
    """``blob`` moved ``by`` bytes later, its pointers fixed, with a class list in front
    naming its class ``by // 8`` times."""
    moved = bytearray(by) + blob
    for offset in range(by, len(moved) - 7, 8):
        (value,) = struct.unpack_from("<Q", moved, offset)
        if _at(0) <= value < _at(len(blob)):
            struct.pack_into("<Q", moved, offset, value + by)
    for index in range(by // 8):
        struct.pack_into("<Q", moved, 8 * index, _at(by + 0x100))
    return moved


@pytest.mark.parametrize("pointer", [0xDEAD_BEEF_00, 0x7FFF_FFFF_FFFF, BASE - 8, _at(0)],
                         ids=["unmapped", "far", "below-the-image", "the-class-list"])
def test_class_pointer_outside_the_file(pointer: int) -> None:
    blob = _class_blob(list_entries=[pointer, _at(0x100)])
    (one,) = _read(_objc(bytes(blob), 2)).slices
    assert set(one.implemented) == {"PSHostile"}


@pytest.mark.parametrize("count", [0xFFFFFFFF, 65_537], ids=["2**32", "past-the-limit"])
def test_method_list_with_a_huge_count(count: int) -> None:
    blob = _class_blob(list_entries=[_at(0x100)], count=count)
    (one,) = _read(_objc(bytes(blob), 1)).slices
    assert one.implemented == {"PSHostile": set()}
    assert "1 Objective-C method lists with an impossible entry size or count not read" in (
        one.unread)


def test_method_list_running_past_the_end() -> None:
    blob = _class_blob(list_entries=[_at(0x100)], count=65_536)
    (one,) = _read(_objc(bytes(blob), 1)).slices
    assert one.implemented == {"PSHostile": {HANDLER[:-1].decode()}}


def test_many_classes_sharing_the_largest_method_list_hit_the_budget() -> None:
    # 20 classes (each its own class_t and ro) share one list of 65,536 methods: 1.3 million
    # method entries to read, past the budget.
    classes = 20
    methods = 65_536
    table = 0x10000
    blob = bytearray(table + 8 + 24 * methods + 0x100)
    names = len(blob) - 0x80
    blob[names:names + len(HANDLER)] = HANDLER
    struct.pack_into("<II", blob, table, 24, methods)
    for index in range(methods):
        struct.pack_into("<QQQ", blob, table + 8 + 24 * index, _at(names), 0, _at(0x8000))
    for index in range(classes):
        cls, ro, name = 0x1000 + 64 * index, 0x4000 + 64 * index, 0x8000 + 16 * index
        struct.pack_into("<Q", blob, 8 * index, _at(cls))
        struct.pack_into("<QQQQQ", blob, cls, 0, 0, 0, 0, _at(ro))
        struct.pack_into("<IIIIQQQ", blob, ro, 0, 0, 0, 0, 0, _at(name), _at(table))
        blob[name:name + 8] = b"PSC%04d\x00" % index
    (one,) = _read(_objc(bytes(blob), classes)).slices
    assert f"Objective-C classes and methods past the first {MAX_METHOD_ENTRIES} not read" in (
        one.unread)
    assert 3 <= len(one.implemented) < classes


# --- Mach-O through the command line ------------------------------------------------------------

def test_unreadable_binary_is_reported_and_inconclusive(tmp_path: Path) -> None:
    bundle = _ipa(tmp_path, "ats_pinned.ipa",
                  {f"{APP}/Pinned": MACHO_REFUSED["fat-claims-2**32-architectures"]})
    outcome = scan_bounded(bundle, tmp_path)
    assert UNREADABLE_BINARY in _skipped_reason(outcome, f"{APP}/Pinned")
    assert outcome.report is not None


def test_binary_with_a_hostile_class_list_is_scanned(tmp_path: Path) -> None:
    blob = _class_blob(list_entries=[0xDEAD_BEEF_00, _at(0x100)], count=0xFFFFFFFF)
    bundle = _ipa(tmp_path, "ats_pinned.ipa", {f"{APP}/Pinned": _objc(bytes(blob), 2)})
    outcome = scan_bounded(bundle, tmp_path)
    reason = _skipped_reason(outcome, f"{APP}/Pinned")
    assert "impossible entry size or count" in reason


def test_truncated_binary_is_scanned(tmp_path: Path) -> None:
    with zipfile.ZipFile(IPAS / "ats_pinned.ipa") as archive:
        binary = archive.read(f"{APP}/Pinned")
    bundle = _ipa(tmp_path, "ats_pinned.ipa", {f"{APP}/Pinned": binary[:0x9000]})
    outcome = scan_bounded(bundle, tmp_path)
    assert "runs past the end of the file" in _skipped_reason(outcome, f"{APP}/Pinned")
