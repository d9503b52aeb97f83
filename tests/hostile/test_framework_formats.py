"""Hostile framework files, generated here: assemblies and assembly stores that lie about
their sizes, Hermes bundles with string tables past the end, JavaScript and JSON nested
beyond any parser's stack, ELF and PE headers pointing outside the file, IL2CPP metadata
with tables outside it.

Each goes into a copy of a sample APK and through the real command line under the bounds of
:mod:`harness`: the framework is still named, the file is reported as skipped with its
reason, and the analysis is marked incomplete.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from conftest import apk_plus
from harness import scan_bounded

_ELF_LIES = (b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
             + struct.pack("<HHIQQQIHHHHHH", 3, 0xB7, 1, 0, 0, 0xFFFF_FFFF_FFFF, 0, 64, 56, 0,
                           64, 0xFFFF, 0xFFFE) + bytes(200))
_PE_LIES = (b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\0\0"
            + struct.pack("<HHIIIHH", 0x14C, 0xFFFF, 0, 0, 0, 0xE0, 0x2102) + bytes(0xE0)
            + b".text\0\0\0" + struct.pack("<IIIIIIHHI", 0xFFFF_FFFF, 0x2000, 0xFFFF_FFFF,
                                           0x200, 0, 0, 0, 0, 0) + bytes(1000))
_HERMES_LIES = (struct.pack("<QI", 0x1F1903C103BC1FC6, 96) + bytes(20)
                + struct.pack("<I", 0xFFFF_FFFF) * 24 + bytes(1000))
_XALZ_4GIB = (b"XALZ" + struct.pack("<II", 0, 0xFFFF_FFF0)
              + bytes([0x1F]) + b"A" + struct.pack("<H", 1) + b"\xff" * 4000 + b"\x00")
_XABA_HUGE = b"XABA" + struct.pack("<IIII", 1, 0xFFFF_FFFF, 0xFFFF_FFFF, 0) + bytes(100)
_IL2CPP_LIES = (struct.pack("<Ii4I", 0xFAB11BAF, 29, 0x100, 0xFFFF_FFF0, 0x100, 0xFFFF_FFF0)
                + bytes(300))
_MONO = {"lib/arm64-v8a/libmonodroid.so": b"\x7fELF"}

# case -> (files added to pinned_backup.apk, framework, item skipped, words of the reason)
CASES: dict[str, tuple[dict[str, bytes], str, str, str]] = {
    "XALZ assembly claiming 4 GiB": (
        {"assemblies/App.dll": _XALZ_4GIB, **_MONO}, "dotnet", "assemblies/App.dll",
        "claims 4294967280 bytes"),
    "assembly store claiming 4 billion assemblies": (
        {"assemblies/assemblies.blob": _XABA_HUGE, **_MONO}, "dotnet",
        "assemblies/assemblies.blob", "claims 4294967295 assemblies"),
    "assembly store ELF with its section table past the end": (
        {"lib/arm64-v8a/libassemblies.arm64-v8a.blob.so": _ELF_LIES, **_MONO}, "dotnet",
        "lib/arm64-v8a/libassemblies.arm64-v8a.blob.so", "no ELF 'payload' section"),
    "assembly with its PE sections past the end": (
        {"assemblies/App.dll": _PE_LIES, **_MONO}, "dotnet", "assemblies/App.dll",
        "not a readable .NET assembly"),
    "Dart snapshot ELF with its section table past the end": (
        {"lib/arm64-v8a/libapp.so": _ELF_LIES, "lib/arm64-v8a/libflutter.so": b"\x7fELF"},
        "flutter", "lib/arm64-v8a/libapp.so", "holds no Dart snapshot"),
    "Hermes bundle with its string table past the end": (
        {"assets/index.android.bundle": _HERMES_LIES}, "react-native",
        "assets/index.android.bundle", "points past the end of the file"),
    "capacitor.config.json nested 100,000 deep": (
        {"assets/capacitor.config.json": b'{"server":' + b"[" * 100_000 + b"]" * 100_000
         + b"}", "assets/public/index.html": b"<html></html>"}, "capacitor",
        "assets/capacitor.config.json", "malformed JSON"),
    "IL2CPP metadata with its tables outside the file": (
        {"assets/bin/Data/Managed/Metadata/global-metadata.dat": _IL2CPP_LIES,
         "lib/arm64-v8a/libunity.so": b"\x7fELF", "lib/arm64-v8a/libil2cpp.so": b"\x7fELF"},
        "unity", "assets/bin/Data/Managed/Metadata/global-metadata.dat", "outside the file"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_framework_file_is_skipped_with_its_reason(tmp_path: Path, case: str) -> None:
    files, framework, item, reason = CASES[case]
    outcome = scan_bounded(apk_plus(tmp_path, files, "hostile-framework.apk"), tmp_path)
    assert outcome.code in (0, 1) and outcome.report is not None, outcome.stderr
    assert [f["name"] for f in outcome.report["app"]["frameworks"]] == [framework]
    reasons = [s["reason"] for s in outcome.report["analysis"]["skipped"] if s["item"] == item]
    assert any(reason in said for said in reasons), outcome.report["analysis"]["skipped"]
    assert not outcome.report["analysis"]["complete"]


def test_javascript_nested_200000_deep_is_read_within_the_bounds(tmp_path: Path) -> None:
    bundle = b"initializeSslPinning(" + b"{a:[" * 200_000 + b"1"
    outcome = scan_bounded(apk_plus(tmp_path, {"assets/index.android.bundle": bundle}), tmp_path)
    assert outcome.code in (0, 1) and outcome.report is not None, outcome.stderr
    (found,) = outcome.report["app"]["frameworks"]
    assert found["name"] == "react-native"
    # Nothing in it is a pinning configuration pinscan can read: the library is named only.
    assert any("react-native-ssl-public-key-pinning" in line for line in found["read"])
