#!/usr/bin/env python3
"""Build the .NET (Xamarin/MAUI) and Unity sample apps reproducibly.

Usage:
    python3 sample_apps/frameworks/dotnet/build.py            # every app into out/
    python3 sample_apps/frameworks/dotnet/build.py --out DIR  # into DIR instead

The assemblies are real: ``src/*.cs`` compiled by Mono's C# compiler (``mcs -deterministic
-optimize+``, Debian package ``mono-mcs``, referencing Mono's ``System.dll`` and
``System.Net.Http.dll`` from ``libmono-system-net-http4.0-cil``). Nothing is run. The
packaging around them is assembled here to match the documented formats, because the .NET
for Android SDK is not in Debian, PyPI or npm:

* ``XALZ`` compression: "XALZ", a u32 descriptor index, the u32 uncompressed size, then one
  LZ4 block (the ``lz4`` package).
* Assembly store version 1 (``assemblies/assemblies.blob`` + ``assemblies.manifest``): a
  20-byte header, 24-byte descriptors, the two hash tables (hashes left 0: pinscan does not
  read them), then the data.
* Assembly store version 3 (.NET 10) inside ``lib/arm64-v8a/libassemblies.arm64-v8a.blob.so``:
  a minimal ELF64 (no program headers, so not loadable) whose ``payload`` section holds the
  store: header, index, 28-byte descriptors, length-prefixed names, data.
* Unity IL2CPP ``global-metadata.dat``: magic 0xFAB11BAF, version 29, the string-literal
  table and data; the other tables are empty.

APKs copy ``sample_apps/apks/pinned_backup.apk``; the IPA copies
``sample_apps/ios/ipas/ats_web_content.ipa``. Nothing is signed. Zip entries are sorted and
dated 1980-01-01.

Debian packages: mono-mcs libmono-system-net-http4.0-cil. PyPI: lz4.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import lz4.block

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundles import entries_of, write_zip  # noqa: E402  (sample_apps/frameworks/bundles.py)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
BASE_APK = ROOT / "sample_apps" / "apks" / "pinned_backup.apk"
BASE_IPA = ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa"
MONO = Path("/usr/lib/mono/4.5")


def compile_cs(source: str, out: Path, references: list[str]) -> bytes:
    """Compile one C# file to a library with mcs, deterministically; return its bytes."""
    command = ["mcs", "-deterministic", "-optimize+", "-target:library", "-nostdlib-",
               f"-out:{out}", *(f"-r:{r}" for r in references), str(HERE / "src" / source)]
    subprocess.run(command, check=True, capture_output=True)
    return out.read_bytes()


def xalz(assembly: bytes, index: int) -> bytes:
    """Compress an assembly the way .NET for Android does (XALZ header + LZ4 block)."""
    block = lz4.block.compress(assembly, mode="high_compression", store_size=False)
    return b"XALZ" + struct.pack("<II", index, len(assembly)) + block


def store_v1(members: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A version-1 assembly store (store id 0, the index store) and its manifest."""
    count = len(members)
    header = b"XABA" + struct.pack("<IIII", 1, count, count, 0)
    data_at = 20 + 24 * count + 2 * 20 * count
    descriptors, hashes, data = b"", b"", b""
    manifest = ["Hash 32     Hash 64             Blob ID  Blob idx  Name"]
    for index, (name, blob) in enumerate(members):
        descriptors += struct.pack("<6I", data_at + len(data), len(blob), 0, 0, 0, 0)
        data += blob
        manifest.append(f"0x00000000  0x0000000000000000  000      {index:04d}      {name}")
    for _ in range(2):
        for index in range(count):
            hashes += struct.pack("<QIII", 0, index, index, 0)
    return header + descriptors + hashes + data, "\n".join(manifest) + "\n"


def store_v3(members: list[tuple[str, bytes]]) -> bytes:
    """A version-3 (64-bit, arm64) assembly store: header, index, descriptors, names, data."""
    count = len(members)
    names = b"".join(struct.pack("<I", len(n.encode())) + n.encode() for n, _ in members)
    index_size = 2 * count * 13
    header = b"XABA" + struct.pack("<IIII", 0x80000003 | 0x00010000, count, 2 * count,
                                   index_size)
    index = b"".join(struct.pack("<QIB", 0, i // 2, 0) for i in range(2 * count))
    data_at = 20 + index_size + 28 * count + len(names)
    descriptors, data = b"", b""
    for mapping, (_, blob) in enumerate(members):
        descriptors += struct.pack("<7I", mapping, data_at + len(data), len(blob), 0, 0, 0, 0)
        data += blob
    return header + index + descriptors + names + data


def elf_with_payload(payload: bytes) -> bytes:
    """A minimal little-endian ELF64 (aarch64) with sections null, payload, .shstrtab."""
    names = b"\0payload\0.shstrtab\0"
    payload_at = 64
    names_at = payload_at + len(payload)
    table_at = (names_at + len(names) + 7) & ~7
    ident = b"\x7fELF" + bytes((2, 1, 1, 0)) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 0xB7, 1, 0, 0, table_at, 0, 64, 0, 0,
                                 64, 3, 2)
    body = header + payload + names
    body += bytes(table_at - len(body))
    null = bytes(64)
    section = struct.pack("<IIQQQQIIQQ", 1, 1, 2, 0, payload_at, len(payload), 0, 0, 16, 0)
    strtab = struct.pack("<IIQQQQIIQQ", 9, 3, 0, 0, names_at, len(names), 0, 0, 1, 0)
    return body + null + section + strtab


def il2cpp_metadata(literals: list[str]) -> bytes:
    """A version-29 ``global-metadata.dat`` holding only string literals."""
    blob, table = b"", b""
    for text in literals:
        raw = text.encode()
        table += struct.pack("<II", len(raw), len(blob))
        blob += raw
    header_size = 0x100  # the real header has many more (offset, size) pairs; all empty
    table_at = header_size
    blob_at = table_at + len(table)
    header = struct.pack("<Ii4I", 0xFAB11BAF, 29, table_at, len(table), blob_at, len(blob))
    return header + bytes(header_size - len(header)) + table + blob



def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        net = [str(MONO / "System.dll"), str(MONO / "System.Net.Http.dll")]
        trust_all = compile_cs("TrustAll.cs", work / "App.dll", net)
        pinned = compile_cs("Pinned.cs", work / "Pinned.dll", [*net, str(MONO / "System.Core.dll")])
        safe = compile_cs("Safe.cs", work / "Safe.dll", net)
        inspecting = compile_cs("Inspecting.cs", work / "Inspecting.dll", net)
        maui = compile_cs("MauiStub.cs", work / "Microsoft.Maui.dll", [])
        engine_path = work / "UnityEngine.UnityWebRequestModule.dll"
        engine = compile_cs("UnityEngineStub.cs", engine_path, [])
        game = compile_cs("UnityGame.cs", work / "Assembly-CSharp.dll", [str(engine_path)])
        game_pinned = compile_cs("UnityPinned.cs", work / "Assembly-CSharp-pinned.dll",
                                 [str(engine_path), str(MONO / "System.dll")])
    base = entries_of(BASE_APK)
    managed = "assets/bin/Data/Managed/"
    store, manifest = store_v1([("App", xalz(trust_all, 0)), ("Microsoft.Maui", xalz(maui, 1))])
    apks = {
        "dotnet_trust_all": {"assemblies/App.dll": trust_all,
                             "assemblies/Microsoft.Maui.dll": maui},
        "dotnet_store_v1": {"assemblies/assemblies.blob": store,
                            "assemblies/assemblies.manifest": manifest.encode()},
        "dotnet_store_v3": {"lib/arm64-v8a/libassemblies.arm64-v8a.blob.so": elf_with_payload(
            store_v3([("App.dll", xalz(trust_all, 0)), ("Microsoft.Maui.dll", maui)]))},
        "dotnet_pinned": {"assemblies/App.dll": pinned},
        "dotnet_callback": {"assemblies/App.dll": inspecting},
        "dotnet_safe": {"assemblies/App.dll": safe, "assemblies/Microsoft.Maui.dll": maui},
        "unity_trust_all": {managed + "Assembly-CSharp.dll": game,
                            managed + "UnityEngine.UnityWebRequestModule.dll": engine},
        "unity_pinned": {managed + "Assembly-CSharp.dll": game_pinned,
                         managed + "UnityEngine.UnityWebRequestModule.dll": engine},
        "unity_il2cpp": {managed + "Metadata/global-metadata.dat": il2cpp_metadata(
            ["UnityEngine.Networking", "https://scores.pinscan-demo.example/api"]),
            "lib/arm64-v8a/libil2cpp.so": b"\x7fELF stand-in", "lib/arm64-v8a/libunity.so":
            b"\x7fELF stand-in"},
    }
    for name, files in apks.items():
        write_zip(out / f"{name}.apk", {**base, **files})
    ipa = entries_of(BASE_IPA)
    app = next(n.rsplit("/", 1)[0] for n in ipa if n.endswith("/Info.plist"))
    write_zip(out / "dotnet_trust_all.ipa", {**ipa, f"{app}/App.dll": trust_all,
                                             f"{app}/Microsoft.Maui.dll": maui})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if shutil.which("mcs") is None:
        print("mcs not found: apt-get install mono-mcs libmono-system-net-http4.0-cil",
              file=sys.stderr)
        return 1
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
