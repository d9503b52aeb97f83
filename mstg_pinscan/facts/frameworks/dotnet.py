""".NET for Android and iOS (MAUI, Xamarin): assemblies and assembly stores.

.NET for Android packs the app's assemblies as ``assemblies/*.dll`` (often LZ4-compressed
with an ``XALZ`` header), in assembly stores (``assemblies/assemblies*.blob``, format
version 1) or, from .NET 9, in ELF files (``lib/ABI/libassemblies.ABI.blob.so``, format
versions 2 and 3; ``lib/ABI/lib_NAME.dll.so`` for single assemblies) whose ``payload``
section holds the store or the assembly. iOS apps ship the assemblies next to the
executable. The IL of the app's own assemblies is read for certificate-validation callbacks.
See: https://github.com/dotnet/android/blob/main/Documentation/project-docs/AssemblyStores.md
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    app_relative,
    native_libraries,
    under,
)
from mstg_pinscan.facts.frameworks.cli_metadata import (
    Assembly,
    Instruction,
    MetadataError,
    Method,
    instructions,
)
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.pins import spki_pin
from mstg_pinscan.unpack import Bundle

_ANDROID_RUNTIME = ("libmonodroid.so", "libmonosgen-2.0.so", "libxamarin-app.so")
_MiB = 1024 * 1024
_MAX_ENTRY = 64 * _MiB  # bytes read from one bundle entry, and of one decompressed assembly
_MAX_ASSEMBLIES = 300  # app assemblies analysed per bundle
_MAX_STORE_ENTRIES = 4096
_STORE_MAGIC = b"XABA"
_XALZ = b"XALZ"
# Assemblies the runtime and libraries ship: not the app's own trust decisions.
_FRAMEWORK_PREFIXES = ("System.", "Microsoft.", "Mono.", "Xamarin.", "Java.Interop",
                       "_Microsoft.", "Mono.Android")
_FRAMEWORK_NAMES = ("mscorlib", "netstandard", "System", "Mono.Android", "Java.Interop")
# Android ABI folders in the order one is chosen: each holds the same managed code.
_ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64", "x86")


class DotnetReader:
    """Recognises a .NET app by its assemblies, assembly stores or Mono runtime."""

    name = "dotnet"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = [n for n in names if n.startswith("assemblies/")
                     and n.endswith((".dll", ".blob"))][:3]
            found += [n for n in names if n.startswith("lib/")
                      and n.rsplit("/", 1)[1].startswith("libassemblies.")
                      and n.endswith(".blob.so")][:1]
            for library in _ANDROID_RUNTIME:
                found += native_libraries(names, library)[:1]
        else:
            found = [n for n in under(names, ("",), platform)
                     if n.count("/") == 2 and n.endswith(".dll")][:3]
            found += under(names, (".xamarin/",), platform)[:1]
        return tuple(found)

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        reading = FrameworkReading(FrameworkInfo(self.name, evidence))
        notes = _Notes()
        for entry, label, data in _assemblies(bundle, platform, reading, notes):
            _read_assembly(data, entry, label, self.name, reading, notes)
        reading.info = notes.info(self.name, evidence, platform)
        return reading


@dataclass
class _Notes:
    """What was read and what was not, gathered while reading, written as sentences."""

    analysed: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    framework: int = 0
    over_cap: int = 0
    methods: int = 0

    def info(self, name: str, evidence: tuple[str, ...], platform: Platform) -> FrameworkInfo:
        read = list(self.stores)
        if self.analysed:
            shown = ", ".join(sorted(self.analysed)[:8])
            more = f" and {len(self.analysed) - 8} more" if len(self.analysed) > 8 else ""
            read.append(f"IL of {len(self.analysed)} app assemblies ({shown}{more}): "
                        f"{self.methods} method bodies decoded for certificate-validation "
                        "callbacks, pinning comparisons and URLs")
        unread = list(self.unread)
        if self.framework:
            unread.append(f"{self.framework} framework assemblies (System.*, Microsoft.*, "
                          "Mono.*, Xamarin.*) not analysed: they are the runtime's, not the "
                          "app's")
        if self.over_cap:
            unread.append(f"{self.over_cap} assemblies past the limit of {_MAX_ASSEMBLIES} "
                          "not analysed")
        if not self.analysed:
            unread.append("no app assembly could be read: the .NET code is not analysed")
        else:
            unread.append("callbacks are followed only where a delegate is created (ldftn) "
                          "right before the assignment; delegates kept in fields, passed "
                          "through other methods or made by reflection are not")
        if platform is Platform.IOS and self.analysed:
            unread.append("iOS builds are AOT-compiled to native code, and Release builds "
                          "may strip the IL: stripped method bodies and the native code are "
                          "not analysed")
        return FrameworkInfo(name, evidence, read=tuple(read), unread=tuple(unread))


def _read_assembly(data: bytes, entry: str, label: str, framework: str,
                  reading: FrameworkReading, notes: _Notes) -> None:
    """Decompress (XALZ), skip framework assemblies, and analyse one assembly's IL."""
    stem = label.rsplit("/", 1)[-1].removesuffix(".dll")
    if _is_framework(label):
        notes.framework += 1
        return
    if len(notes.analysed) >= _MAX_ASSEMBLIES:
        notes.over_cap += 1
        return
    if data[:4] == _XALZ:
        try:
            data = decompress_xalz(data)
        except ValueError as exc:
            _skip(reading, notes, where(entry, label), str(exc))
            return
    methods = analyse_assembly(data, entry, label, framework, reading)
    if isinstance(methods, str):
        _skip(reading, notes, where(entry, label), methods)
        return
    notes.analysed.append(stem)
    notes.methods += methods


def _is_framework(label: str) -> bool:
    stem = label.rsplit("/", 1)[-1].removesuffix(".dll")
    return stem.startswith(_FRAMEWORK_PREFIXES) or stem in _FRAMEWORK_NAMES


def where(entry: str, label: str) -> str:
    """``entry`` for an assembly that is a bundle entry, ``entry!NAME`` for one in a store."""
    return entry if entry.rsplit("/", 1)[-1] == label else f"{entry}!{label}"


def _skip(reading: FrameworkReading, notes: _Notes, item: str, reason: str) -> None:
    reading.skipped.append(Skipped(item, reason))
    notes.unread.append(f"{item}: {reason}")


def _assemblies(bundle: Bundle, platform: Platform, reading: FrameworkReading,
                notes: _Notes) -> list[tuple[str, str, bytes]]:
    """(bundle entry, assembly name, bytes) of every assembly found, one ABI on Android."""
    names = bundle.names()
    found: list[tuple[str, str, bytes]] = []
    if platform is Platform.IOS:
        for name in names:
            inner = app_relative(name)
            if inner and inner.endswith(".dll") and (
                    "/" not in inner or inner.startswith(".xamarin/")):
                _read_entry(bundle, name, name.rsplit("/", 1)[1], found, reading, notes)
        return found
    abi = _chosen_abi(names)
    for name in names:
        if name.startswith("assemblies/") and name.endswith(".dll"):
            parts = name.split("/")
            if len(parts) == 2 or (len(parts) == 3 and parts[1] == abi):
                _read_entry(bundle, name, parts[-1], found, reading, notes)
        elif name.startswith("assemblies/") and name.endswith(".blob"):
            _read_store_entry(bundle, name, found, reading, notes, in_elf=False)
        elif name.startswith(f"lib/{abi}/") and name.count("/") == 2:
            base = name.rsplit("/", 1)[1]
            if base.startswith("libassemblies.") and base.endswith(".blob.so"):
                _read_store_entry(bundle, name, found, reading, notes, in_elf=True)
            elif base.startswith("lib_") and base.endswith(".dll.so"):
                data = _read(bundle, name, reading, notes)
                payload = elf_payload(data) if data is not None else None
                if payload is not None:
                    found.append((name, base[4:-3], payload))
                elif data is not None:
                    _skip(reading, notes, name, "no ELF 'payload' section with an assembly")
    return found


def _chosen_abi(names: Sequence[str]) -> str:
    present = {n.split("/")[1] for n in names if n.startswith(("lib/", "assemblies/"))
               and n.count("/") == 2}
    return next((abi for abi in _ABIS if abi in present), _ABIS[0])


def _read(bundle: Bundle, name: str, reading: FrameworkReading, notes: _Notes) -> bytes | None:
    if bundle.entries[name].size > _MAX_ENTRY:
        _skip(reading, notes, name, f"larger than {_MAX_ENTRY // _MiB} MiB: not read")
        return None
    try:
        return bundle.read(name, max_size=_MAX_ENTRY)
    except UnpackError as exc:
        _skip(reading, notes, name, exc.message)
        return None


def _read_entry(bundle: Bundle, name: str, label: str, found: list[tuple[str, str, bytes]],
                reading: FrameworkReading, notes: _Notes) -> None:
    if _is_framework(label):
        notes.framework += 1  # counted without inflating it
        return
    data = _read(bundle, name, reading, notes)
    if data is not None:
        found.append((name, label, data))


def _read_store_entry(bundle: Bundle, name: str, found: list[tuple[str, str, bytes]],
                      reading: FrameworkReading, notes: _Notes, *, in_elf: bool) -> None:
    data = _read(bundle, name, reading, notes)
    if data is None:
        return
    if in_elf:
        payload = elf_payload(data)
        if payload is None:
            _skip(reading, notes, name, "no ELF 'payload' section holding an assembly store")
            return
        data = payload
    manifest = {}
    if bundle.has("assemblies/assemblies.manifest"):
        raw = _read(bundle, "assemblies/assemblies.manifest", reading, notes) or b""
        manifest = parse_manifest(raw.decode("utf-8", "replace"))
    try:
        version, members = read_store(data, manifest)
    except ValueError as exc:
        _skip(reading, notes, name, str(exc))
        return
    notes.stores.append(f"assembly store {name} (format version {version}): "
                        f"{len(members)} assemblies")
    found += [(name, label, member) for label, member in members]


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
    if len(data) < 12 or data[:4] != _XALZ:
        raise ValueError("not an XALZ compressed assembly")
    size = struct.unpack_from("<I", data, 8)[0]
    if size > _MAX_ENTRY:
        raise ValueError(f"XALZ assembly claims {size} bytes, more than "
                         f"{_MAX_ENTRY // _MiB} MiB")
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


# -- the IL: validation callbacks, pinning comparisons, URLs -------------------------------

# Properties and constructors that take a certificate-validation delegate.
_SETTERS = frozenset(("set_ServerCertificateValidationCallback",  # ServicePointManager
                      "set_ServerCertificateCustomValidationCallback",  # HttpClientHandler &c.
                      "set_RemoteCertificateValidationCallback"))  # SslClientAuthenticationOptions
_TRUST_ALL_GETTER = "get_DangerousAcceptAnyServerCertificateValidator"
_CALLS = (0x28, 0x6F, 0x73)  # call, callvirt, newobj
_LDFTN = (0xFE06, 0xFE07)
_PASSED = (0x14, 0x02, 0x03, 0x04, 0x05, 0x0E, 0xFE09)  # ldnull, ldarg.*
_LOOKBACK = 12  # instructions searched back from an assignment for the delegate's ldftn
_MAX_METHODS = 300_000  # method bodies decoded per assembly
_MAX_URLS = 500
_MAX_IL_TOTAL = 32 * _MiB  # IL bytes decoded per assembly
_MAX_TRUST = 200  # trust decisions reported per assembly
# What a callback reads from the certificate decides what its constant strings are.
_SPKI_CALLS = frozenset(("ExportSubjectPublicKeyInfo",))
_CERT_CALLS = frozenset(("GetRawCertData", "GetRawCertDataString", "GetCertHash",
                         "GetCertHashString", "get_RawData"))
_KEY_CALLS = frozenset(("GetPublicKey", "GetPublicKeyString", "get_PublicKey"))
_THUMBPRINT_CALLS = frozenset(("get_Thumbprint",))
_URL = re.compile(r"https?://[^\s\"'<>{}|\\^`]+")


def analyse_assembly(data: bytes, entry: str, label: str, framework: str,
                     reading: FrameworkReading) -> int | str:
    """Add the assembly's validation callbacks, pins and URLs to ``reading``; return the
    number of method bodies decoded, or why the assembly could not be read."""
    try:
        assembly = Assembly(data)
    except (MetadataError, struct.error, IndexError) as exc:
        return f"not a readable .NET assembly: {exc}"
    found_in = where(entry, label)
    for text in assembly.user_strings():
        for url in _URL.findall(text)[:4]:
            if len(reading.urls) < _MAX_URLS * 4:
                reading.urls.append((url, found_in))
    scan = _Scan(assembly, framework, entry, label)
    handlers = {name for name, parent, _, _ in assembly.types
                if parent.rsplit(".", 1)[-1] == "CertificateHandler"}
    seen: set[tuple[str, str | None, str]] = set()
    decoded = broken = budget = 0
    bodies: set[int] = set()
    for method in assembly.methods[:_MAX_METHODS]:
        if method.rva in bodies:
            continue  # methods sharing one body (crafted files) are decoded once
        bodies.add(method.rva)
        try:
            code = assembly.body(method)
        except MetadataError:
            broken += 1
            continue
        budget += len(code)
        if budget > _MAX_IL_TOTAL:
            reading.skipped.append(Skipped(found_in, f"IL past {_MAX_IL_TOTAL // _MiB} MiB: "
                                           "the remaining method bodies are not decoded"))
            break
        if not code:
            continue
        decoded += 1
        for trust in _assignments(scan, method, instructions(code)):
            _add(reading, trust, seen)
        if method.name == "ValidateCertificate" and method.type_name in handlers:
            # Unity's UnityWebRequest calls this override for every certificate.
            what = f"{method.type_name} (a UnityWebRequest CertificateHandler)"
            _add(reading, _callback(scan, method.row | 0x06000000, what), seen)
    if broken:
        reading.skipped.append(Skipped(found_in, f"{broken} method bodies cannot be read "
                                       "(their RVA or header is damaged)"))
    return decoded


@dataclass
class _Scan:
    """One assembly being analysed, and the callbacks already classified in it."""

    assembly: Assembly
    framework: str
    entry: str
    label: str
    verdicts: dict[int, tuple[TrustKind, str, tuple[str, ...]]] = field(default_factory=dict)

    def location(self, element: str) -> Location:
        return Location(self.entry, f"{self.label}!{element}")


def _add(reading: FrameworkReading, trust: FrameworkTrust | None,
         seen: set[tuple[str, str | None, str]]) -> None:
    key = (trust.kind.value, trust.location.element, trust.evidence) if trust else None
    if trust is not None and key is not None and key not in seen and len(seen) < _MAX_TRUST:
        seen.add(key)
        reading.trust.append(trust)


def _assignments(scan: _Scan, method: Method, code: list[Instruction]) -> list[FrameworkTrust]:
    """Trust decisions made in ``method``: a validation delegate assigned or passed to
    SslStream, or .NET's own accept-anything validator fetched."""
    found: list[FrameworkTrust] = []
    for position, instruction in enumerate(code):
        if instruction.opcode not in _CALLS:
            continue
        owner, name = scan.assembly.method_name(instruction.operand)
        short = owner.rsplit(".", 1)[-1]
        if name == _TRUST_ALL_GETTER:
            found.append(FrameworkTrust(
                scan.framework, TrustKind.TRUST_ALL, scan.location(method.full_name),
                f"{method.full_name} uses {short}.DangerousAcceptAnyServerCertificateValidator,"
                " which accepts every certificate"))
            continue
        is_stream = instruction.opcode == 0x73 and short == "SslStream" and name == ".ctor"
        if name not in _SETTERS and not is_stream:
            continue
        target = next((c.operand for c in reversed(code[max(0, position - _LOOKBACK):position])
                       if c.opcode in _LDFTN), None)
        what = (f"the RemoteCertificateValidationCallback of a new SslStream in "
                f"{method.full_name}" if is_stream else
                f"{short}.{name[4:]} in {method.full_name}")
        if target is not None:
            found.append(_callback(scan, target, what))
        elif not is_stream and not _passed_on(scan.assembly, code, position):
            # NOTE: a delegate that comes from a field, a local or another method's result
            # is not followed; the assignment is still reported as a callback. A null
            # (default validation) or a parameter passed on (the caller decides) is not.
            found.append(FrameworkTrust(
                scan.framework, TrustKind.CALLBACK, scan.location(method.full_name),
                f"{what} is set to a delegate pinscan could not follow"))
    return found


def _passed_on(assembly: Assembly, code: list[Instruction], position: int) -> bool:
    """True when the value assigned is null, a parameter, or .NET's accept-anything
    validator (reported where it is fetched)."""
    if not position:
        return False
    previous = code[position - 1]
    return previous.opcode in _PASSED or (previous.opcode in _CALLS and assembly.method_name(
        previous.operand)[1] == _TRUST_ALL_GETTER)


def _callback(scan: _Scan, token: int, what: str) -> FrameworkTrust:
    """Classify the method a validation delegate points to (each method once)."""
    callback = scan.assembly.method(token)
    if callback is None:
        owner, name = scan.assembly.method_name(token)
        return FrameworkTrust(
            scan.framework, TrustKind.CALLBACK, scan.location(f"{owner}::{name}"),
            f"{what}: the callback {owner}::{name} is defined in another assembly, not read")
    if token not in scan.verdicts:
        scan.verdicts[token] = _classify(scan.assembly, callback)
    kind, verdict, pins = scan.verdicts[token]
    return FrameworkTrust(scan.framework, kind, scan.location(callback.full_name),
                          f"{what}: the callback {callback.full_name} {verdict}", pins=pins)


def _classify(assembly: Assembly, callback: Method) -> tuple[TrustKind, str, tuple[str, ...]]:
    """What a callback's body does: (kind, what it does in words, pins)."""
    try:
        code = instructions(assembly.body(callback))
    except MetadataError as exc:
        return TrustKind.CALLBACK, f"cannot be read ({exc})", ()
    if returns_true(code):
        return TrustKind.TRUST_ALL, "returns true for every certificate", ()
    calls, strings = _reads(assembly, code)
    pins, kept = pin_constants(strings, calls)
    reads = sorted(calls & (_SPKI_CALLS | _CERT_CALLS | _KEY_CALLS | _THUMBPRINT_CALLS))
    if pins:
        return (TrustKind.PINS, f"reads the certificate with {', '.join(reads)} and compares "
                f"it with {len(pins)} pinned value(s)", tuple(pins))
    if not reads:
        return TrustKind.CALLBACK, "decides without reading the certificate's key or " \
            "fingerprint", ()
    compared = f" and compares with {', '.join(kept[:4])}" if kept else ""
    return TrustKind.CALLBACK, f"decides, reads the certificate with {', '.join(reads)}" \
        f"{compared}", ()


def returns_true(code: list[Instruction]) -> bool:
    """True for a body that returns true whatever it is given: ``ldc.i4.1; ret`` after
    optional nops, or the debug-build form that goes through a local first."""
    ops = [(c.opcode, c.operand) for c in code if c.opcode != 0x00]
    if not ops or not _is_one(ops[0]):
        return False
    if len(ops) == 2:
        return ops[1][0] == 0x2A
    if len(ops) == 5:
        stored = _local(ops[1][0], ops[1][1], stores=True)
        jump_next = ops[2][0] in (0x2B, 0x38) and ops[2][1] == 0
        loaded = _local(ops[3][0], ops[3][1], stores=False)
        return stored is not None and stored == loaded and jump_next and ops[4][0] == 0x2A
    return False


def _is_one(op: tuple[int, int]) -> bool:
    return op[0] == 0x17 or (op[0] in (0x1F, 0x20) and op[1] == 1)


def _local(opcode: int, operand: int, *, stores: bool) -> int | None:
    first, short, long = (0x0A, 0x13, 0xFE0E) if stores else (0x06, 0x11, 0xFE0C)
    if first <= opcode <= first + 3:
        return opcode - first
    return operand if opcode in (short, long) else None


def _reads(assembly: Assembly, code: list[Instruction]) -> tuple[set[str], list[str]]:
    """The names a callback calls and the strings it loads, and those of the helpers of its
    own assembly it calls directly (one level, at most 16)."""
    calls: set[str] = set()
    strings: list[str] = []
    helpers: list[Method] = []
    for body in _bodies(assembly, code, helpers):
        for instruction in body:
            if instruction.opcode == 0x72 and len(strings) < 64:
                text = assembly.user_string(instruction.operand)
                if text is not None:
                    strings.append(text)
            elif instruction.opcode in _CALLS:
                calls.add(assembly.method_name(instruction.operand)[1])
                helper = assembly.method(instruction.operand)
                if body is code and helper is not None and len(helpers) < 16:
                    helpers.append(helper)
    return calls, strings


def _bodies(assembly: Assembly, code: list[Instruction],
            helpers: list[Method]) -> Iterator[list[Instruction]]:
    """The callback's body, then the bodies of the helpers found while reading it."""
    yield code
    for helper in helpers:
        try:
            yield instructions(assembly.body(helper))
        except MetadataError:
            continue


def pin_constants(strings: list[str], calls: set[str]) -> tuple[list[str], list[str]]:
    """(pins in pinscan's notation, other candidate constants) from the strings a callback
    compares, interpreted by what it reads from the certificate.

    A 32-byte digest is an SPKI pin (``sha256/``) when the callback exports the
    SubjectPublicKeyInfo, a certificate fingerprint (``cert-sha256/``) when it hashes the
    whole certificate. A hex public key compared with ``GetPublicKeyString()`` is turned
    into the SPKI pin of that key. Anything else stays evidence.
    """
    pins: list[str] = []
    kept: list[str] = []
    reads_cert = bool(calls & (_CERT_CALLS | _SPKI_CALLS | _KEY_CALLS | _THUMBPRINT_CALLS))
    if not reads_cert:
        return pins, kept
    for text in strings:
        value = text.strip().removeprefix("sha256/")
        raw = _hex(value)
        if raw is None and len(value) == 44 and value.endswith("="):
            try:
                raw = base64.b64decode(value, validate=True)
            except ValueError:
                raw = None
        if raw is None:
            continue
        pin = _pin(raw, calls, is_hex=_hex(value) is not None)
        if pin:
            pins.append(pin)
        elif len(raw) >= 16:
            kept.append(f"'{value[:24]}…'" if len(value) > 24 else f"'{value}'")
    return sorted(set(pins)), kept


def _pin(raw: bytes, calls: set[str], *, is_hex: bool) -> str | None:
    if len(raw) == 32 and calls & _SPKI_CALLS:
        return "sha256/" + base64.b64encode(raw).decode()
    if len(raw) == 32 and calls & _CERT_CALLS:
        return "cert-sha256/" + raw.hex()
    if len(raw) == 32 and not is_hex and calls & _KEY_CALLS:
        # NOTE: a base64 SHA-256 beside GetPublicKey() is taken for an SPKI pin, the usual
        # convention; a hash of the raw key bits (without the algorithm) would not match it.
        return "sha256/" + base64.b64encode(raw).decode()
    if len(raw) > 32 and is_hex and calls & _KEY_CALLS:
        spki = _spki_of_key(raw)
        return "sha256/" + spki_pin(spki) if spki else None
    return None


def _hex(value: str) -> bytes | None:
    cleaned = value.replace(":", "").replace(" ", "").replace("-", "")
    if len(cleaned) < 32 or len(cleaned) % 2 or len(cleaned) > 8192:
        return None
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        return None


_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")
_EC_CURVES = {65: "06082a8648ce3d030107", 97: "06052b81040022", 133: "06052b81040023"}


def _spki_of_key(key: bytes) -> bytes | None:
    """The SubjectPublicKeyInfo of the key bytes ``GetPublicKeyString()`` gives: an RSA
    key as a DER RSAPublicKey, an EC key as its uncompressed point (the curve told by its
    length: P-256, P-384, P-521). None when the bytes are not such a key."""
    if key[:1] == b"\x30":
        algorithm = _RSA_ALGORITHM
    elif key[:1] == b"\x04" and len(key) in _EC_CURVES:
        algorithm = _der(0x30, bytes.fromhex("06072a8648ce3d0201" + _EC_CURVES[len(key)]))
    else:
        return None
    spki = _der(0x30, algorithm + _der(0x03, b"\0" + key))
    try:
        serialization.load_der_public_key(spki)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return spki


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


READER = DotnetReader()
