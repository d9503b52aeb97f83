"""Unity: the engine, and its managed code as Mono assemblies or IL2CPP metadata.

A Mono build ships the game's scripts as IL in ``Data/Managed/*.dll``
(``assets/bin/Data/Managed/`` on Android): they are read like any .NET assembly, including
``CertificateHandler`` subclasses whose ``ValidateCertificate`` decides for UnityWebRequest.
An IL2CPP build compiles the scripts to native code and keeps only
``global-metadata.dat``: its string literals are read for URLs, the code is not.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.frameworks import FrameworkReading, native_libraries, under
from mstg_pinscan.facts.frameworks.dotnet_il import analyse_assembly
from mstg_pinscan.models import FrameworkInfo, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_MiB = 1024 * 1024
_MAX_ENTRY = 64 * _MiB
_MAX_ASSEMBLIES = 200
_MAX_LITERALS = 500_000
_MAX_URLS = 2000
_IL2CPP_MAGIC = 0xFAB11BAF
# Versions whose header starts with the string-literal table, then the literal data, then
# the identifier strings (Unity 5.3 to Unity 2022/2023); later ones use another layout.
_IL2CPP_VERSIONS = range(16, 32)
# The engine's and the runtime's assemblies, not the game's own code.
_ENGINE_PREFIXES = ("UnityEngine", "Unity.", "System", "Mono.", "mscorlib", "netstandard",
                    "Microsoft.")
_URL = re.compile(r"https?://[^\s\"'<>{}|\\^`]+")


class UnityReader:
    """Recognises a Unity app by its engine library or its managed-code folder."""

    name = "unity"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = native_libraries(names, "libunity.so")[:1]
            found += native_libraries(names, "libil2cpp.so")[:1]
            found += [n for n in names if n.startswith("assets/bin/Data/Managed/")][:1]
        else:
            found = under(names, ("Frameworks/UnityFramework.framework/UnityFramework",
                                  "Data/Managed/"), platform)[:2]
        return tuple(found)

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        reading = FrameworkReading(FrameworkInfo(self.name, evidence))
        prefix = "assets/bin/Data/Managed/" if platform is Platform.ANDROID else "Data/Managed/"
        managed = under(bundle.names(), (prefix,), platform)
        read: list[str] = []
        unread: list[str] = []
        _read_mono(bundle, [n for n in managed if n.endswith(".dll")], reading, read, unread)
        metadata = [n for n in managed if n.endswith("Metadata/global-metadata.dat")][:1]
        for name in metadata:
            _read_il2cpp(bundle, name, reading, read, unread)
        if not managed or not (metadata or any(n.endswith(".dll") for n in managed)):
            unread.append("no managed code (Data/Managed) found: the game's scripts are "
                          "not analysed")
        reading.info = FrameworkInfo(self.name, evidence, read=tuple(read),
                                     unread=tuple(unread))
        return reading


def _read_mono(bundle: Bundle, dlls: list[str], reading: FrameworkReading, read: list[str],
               unread: list[str]) -> None:
    """Analyse the game's own assemblies (Assembly-CSharp and other non-engine ones)."""
    analysed: list[str] = []
    engine = methods = 0
    for name in dlls:
        stem = name.rsplit("/", 1)[1].removesuffix(".dll")
        if stem.startswith(_ENGINE_PREFIXES):
            engine += 1
            continue
        if len(analysed) >= _MAX_ASSEMBLIES or bundle.entries[name].size > _MAX_ENTRY:
            reading.skipped.append(Skipped(name, "past the assembly count or size limit"))
            unread.append(f"{name}: past the assembly count or size limit, not analysed")
            continue
        try:
            data = bundle.read(name, max_size=_MAX_ENTRY)
        except UnpackError as exc:
            reading.skipped.append(Skipped(name, exc.message))
            unread.append(f"{name}: {exc.message}")
            continue
        outcome = analyse_assembly(data, name, name.rsplit("/", 1)[1], "unity", reading)
        if isinstance(outcome, str):
            reading.skipped.append(Skipped(name, outcome))
            unread.append(f"{name}: {outcome}")
            continue
        analysed.append(stem)
        methods += outcome
    if analysed:
        read.append(f"IL of {len(analysed)} game assemblies ({', '.join(sorted(analysed)[:8])})"
                    f": {methods} method bodies decoded for CertificateHandler overrides, "
                    "validation callbacks, pins and URLs")
        unread.append("callbacks are followed only where a delegate is created right "
                      "before the assignment; CertificateHandler subclasses are read by "
                      "their ValidateCertificate override")
    if engine:
        unread.append(f"{engine} engine and runtime assemblies (UnityEngine*, Unity.*, "
                      "System*, Mono.*) not analysed: they are Unity's, not the game's")


def _read_il2cpp(bundle: Bundle, name: str, reading: FrameworkReading, read: list[str],
                 unread: list[str]) -> None:
    """Read the string literals of an IL2CPP ``global-metadata.dat`` for URLs."""
    unread.append("IL2CPP build: the game's code is native (libil2cpp.so) and is not "
                  "analysed; CertificateHandler subclasses and validation callbacks in it "
                  "cannot be read")
    if bundle.entries[name].size > _MAX_ENTRY:
        reading.skipped.append(Skipped(name, "larger than 64 MiB: not read"))
        return
    try:
        version, literals = il2cpp_literals(bundle.read(name, max_size=_MAX_ENTRY))
    except UnpackError as exc:
        reading.skipped.append(Skipped(name, exc.message))
        unread.append(f"{name}: {exc.message}")
        return
    except ValueError as exc:
        reading.skipped.append(Skipped(name, str(exc)))
        unread.append(f"{name}: {exc}")
        return
    urls = 0
    for text in literals:
        for url in _URL.findall(text)[:4]:
            if urls < _MAX_URLS:
                reading.urls.append((url, name))
                urls += 1
    read.append(f"IL2CPP metadata {name} (version {version}): {len(literals)} string "
                "literals read for URLs")


def il2cpp_literals(data: bytes) -> tuple[int, list[str]]:
    """(metadata version, string literals) of a ``global-metadata.dat``.

    The header starts with the magic 0xFAB11BAF, the version, then (offset, size) of the
    string-literal table (8-byte entries: length, index into the literal data) and
    (offset, size) of the literal data. Raises ValueError when the file is not such
    metadata or its tables lie outside it.
    """
    if len(data) < 24:
        raise ValueError("not IL2CPP metadata: shorter than its header")
    magic, version, table, table_size, blob, blob_size = struct.unpack_from("<Ii4I", data)
    if magic != _IL2CPP_MAGIC:
        raise ValueError("not IL2CPP metadata (magic 0xFAB11BAF missing)")
    if version not in _IL2CPP_VERSIONS:
        raise ValueError(f"IL2CPP metadata version {version} is not read")
    if table + table_size > len(data) or blob + blob_size > len(data):
        raise ValueError("IL2CPP string-literal tables lie outside the file")
    literals = []
    for at in range(table, table + min(table_size, _MAX_LITERALS * 8) - 7, 8):
        length, index = struct.unpack_from("<II", data, at)
        if index + length > blob_size:
            continue
        length = min(length, 4096)  # a URL is short; a crafted length must not cost memory
        literals.append(data[blob + index:blob + index + length].decode("utf-8", "replace"))
    return version, literals


READER = UnityReader()
