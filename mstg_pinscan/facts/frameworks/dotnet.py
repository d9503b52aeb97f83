""".NET for Android and iOS (MAUI, Xamarin): finding the app's own assemblies in the bundle
and handing their IL to :mod:`dotnet_il`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    app_relative,
    native_libraries,
    under,
)
from mstg_pinscan.facts.frameworks.assembly_store import (
    MAX_ENTRY,
    XALZ,
    chosen_abi,
    decompress_xalz,
    elf_payload,
    parse_manifest,
    read_store,
)
from mstg_pinscan.facts.frameworks.dotnet_il import analyse_assembly, where
from mstg_pinscan.models import FrameworkInfo, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_ANDROID_RUNTIME = ("libmonodroid.so", "libmonosgen-2.0.so", "libxamarin-app.so")
_MiB = 1024 * 1024
_MAX_ASSEMBLIES = 300  # app assemblies analysed per bundle
# Assemblies the runtime and libraries ship: not the app's own trust decisions.
_FRAMEWORK_PREFIXES = ("System.", "Microsoft.", "Mono.", "Xamarin.", "Java.Interop",
                       "_Microsoft.", "Mono.Android")
_FRAMEWORK_NAMES = ("mscorlib", "netstandard", "System", "Mono.Android", "Java.Interop")


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
    if data[:4] == XALZ:
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


def _skip(reading: FrameworkReading, notes: _Notes, item: str, reason: str) -> None:
    reading.skipped.append(Skipped(item, reason))
    notes.unread.append(f"{item}: {reason}")


def _assemblies(bundle: Bundle, platform: Platform, reading: FrameworkReading,
                notes: _Notes) -> list[tuple[str, str, bytes]]:
    """(bundle entry, assembly name, bytes) of every assembly found, one ABI on Android.

    Android: ``assemblies/*.dll`` (often LZ4-compressed with an ``XALZ`` header), assembly
    stores (``assemblies/assemblies*.blob``, format version 1) or, from .NET 9, ELF files
    (``lib/ABI/libassemblies.ABI.blob.so``, format versions 2 and 3;
    ``lib/ABI/lib_NAME.dll.so`` for single assemblies). iOS: the assemblies next to the
    executable.
    """
    names = bundle.names()
    found: list[tuple[str, str, bytes]] = []
    if platform is Platform.IOS:
        for name in names:
            inner = app_relative(name)
            if inner and inner.endswith(".dll") and (
                    "/" not in inner or inner.startswith(".xamarin/")):
                _read_entry(bundle, name, name.rsplit("/", 1)[1], found, reading, notes)
        return found
    abi = chosen_abi(names)
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


def _read(bundle: Bundle, name: str, reading: FrameworkReading, notes: _Notes) -> bytes | None:
    if bundle.entries[name].size > MAX_ENTRY:
        _skip(reading, notes, name, f"larger than {MAX_ENTRY // _MiB} MiB: not read")
        return None
    try:
        return bundle.read(name, max_size=MAX_ENTRY)
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


READER = DotnetReader()
