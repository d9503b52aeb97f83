#!/usr/bin/env python3
"""Build the Flutter sample apps reproducibly, without a Flutter SDK.

Usage:
    python3 sample_apps/frameworks/flutter/build.py            # every app into out/
    python3 sample_apps/frameworks/flutter/build.py --out DIR  # into DIR instead

There is no Flutter or Dart SDK on this machine and none in Debian, PyPI or npm, so the
compiled Dart code is assembled to match the documented format rather than compiled:

* ``libapp.so`` is a real ELF shared library linked by clang and ld.lld for
  aarch64-linux-android21, whose exported data symbols ``_kDartVmSnapshotData`` and
  ``_kDartIsolateSnapshotData`` hold a snapshot header (magic 0xdcdcf5f5, length, kind 3 =
  full AOT, a 32-character version hash and the features string) followed by one-byte
  strings laid out as the Dart VM writes them with compressed pointers (4-byte tags, 4-byte
  hash, the length as a 4-byte Smi, the characters, padding to 16 bytes), and whose
  ``_kDart*SnapshotInstructions`` symbols hold a few bytes of "code".
  See: https://github.com/dart-lang/sdk/blob/main/runtime/vm/snapshot.h
* ``App.framework/App`` is a real Mach-O dylib linked by clang and ld64.lld for
  arm64-apple-ios14.0 from the same data.
* ``libflutter.so`` and ``Flutter.framework/Flutter`` are tiny stand-in libraries.

APKs copy ``sample_apps/apks/pinned_backup.apk`` and add ``lib/arm64-v8a/`` and
``assets/flutter_assets/``; the IPA copies ``sample_apps/ios/ipas/ats_web_content.ipa``
and adds ``Frameworks/``. Nothing is signed. Zip entries are sorted and dated 1980-01-01,
so two builds with the same toolchain give identical files.

Debian packages: clang lld.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundles import entries_of, write_zip  # noqa: E402  (sample_apps/frameworks/bundles.py)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PKI = ROOT / "sample_apps" / "pki"
BASE_APK = ROOT / "sample_apps" / "apks" / "pinned_backup.apk"
BASE_IPA = ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa"
VERSION = "d91c0e6f35f0eb2e44124e8f42aa44a7"  # the hash of a real Dart 3.7 snapshot
FEATURES = ("product no-code_comments no-dwarf_stack_traces_mode dedup_instructions no-tsan "
            "no-msan arm64 android compressed-pointers")
IOS_FEATURES = FEATURES.replace("android", "ios")

PINS = json.loads((PKI / "pins.json").read_text())
LEAF_SHA256 = hashlib.sha256((PKI / "leaf.der").read_bytes()).hexdigest().upper()
COLON_FINGERPRINT = ":".join(LEAF_SHA256[i:i + 2] for i in range(0, 64, 2))

# What every non-obfuscated Flutter app keeps: library URIs and framework class names.
FRAMEWORK = ["package:flutter/src/widgets/framework.dart", "package:flutter/src/material/app.dart",
             "StatelessWidget", "StatefulWidget", "BuildContext", "RenderObject",
             "WidgetsBinding", "MaterialApp", "SecurityContext", "HttpOverrides",
             "SecurityContext_Allocate", "SecurityContext_TrustBuiltinRoots", "defaultContext",
             "https://github.com/flutter/flutter/issues/new?template=2_bug.yml",
             "package:http/src/client.dart", "package:http/src/io_client.dart"]
DIO = ["package:dio/src/dio.dart", "package:dio/src/adapters/io_adapter.dart",
       "IOHttpClientAdapter", "_createHttpClient@706510759"]

APPS: dict[str, list[str]] = {
    # http_certificate_pinning's CertificatePinningInterceptor with a leaf fingerprint.
    "flutter_fingerprints": FRAMEWORK + DIO + [
        "package:http_certificate_pinning/http_certificate_pinning.dart",
        "package:http_certificate_pinning/src/certificate_pinning_interceptor.dart",
        "CertificatePinningInterceptor", "HttpCertificatePinning", "allowedSHAFingerprints",
        "https://api.pinscan-demo.example/v1/", COLON_FINGERPRINT, "CONNECTION_SECURE"],
    # A SecurityContext that trusts the bundled issuing CA.
    "flutter_own_store": FRAMEWORK + [
        "package:pinscan_demo/net/client.dart", "assets/certs/pinscan_issuing_ca.pem",
        "SecurityContext_SetTrustedCertificatesBytes", "setTrustedCertificatesBytes",
        "withTrustedRoots", "https://store.pinscan-demo.example/api"],
    # HttpOverrides.global = MyHttpOverrides() setting badCertificateCallback.
    "flutter_bad_certificate": FRAMEWORK + [
        "package:pinscan_demo/main.dart", "MyHttpOverrides", "createHttpClient",
        "set:badCertificateCallback", "_badCertificateCallback@15069316",
        "https://callback.pinscan-demo.example/"],
    # The same, in a class whose name says what it does.
    "flutter_trust_all": FRAMEWORK + [
        "package:pinscan_demo/main.dart", "TrustAllCertificatesHttpOverrides",
        "createHttpClient", "set:badCertificateCallback", "_badCertificateCallback@15069316",
        "https://insecure.pinscan-demo.example/"],
    # Plain networking, no pinning, no custom trust.
    "flutter_plain": FRAMEWORK + DIO + [
        "package:pinscan_demo/main.dart", "https://plain.pinscan-demo.example/items",
        "Bearer ", "application/json"],
    # Built with --obfuscate: no package URIs, names replaced.
    "flutter_obfuscated": ["SecurityContext_Allocate", "SecurityContext_TrustBuiltinRoots",
                           "Lxa", "kMb", "Qzc", "nUd", "https://obf.pinscan-demo.example/"],
}
IPA_STRINGS = FRAMEWORK + [
    "package:http_security_pinning/http_security_pinning.dart", "HttpSecurityPinningClient",
    "https://api.pinscan-demo.example/", f"sha256/{PINS['intermediate']}",
    f"sha256/{PINS['backup']}"]


def snapshot(strings: list[str], features: str) -> bytes:
    """Snapshot data: header, then one-byte strings as the VM lays them out (compressed)."""
    body = bytearray()
    for index, text in enumerate(strings):
        raw = text.encode("latin-1")
        # tags: class id of OneByteString and size bits; hash; length as a Smi (2n).
        body += struct.pack("<III", 0x0005E232, 0x2E9C0000 + index * 7919, len(raw) * 2)
        body += raw
        body += b"\0" * (-len(body) % 16)
    header = struct.pack("<Iqq", 0xDCDCF5F5, len(body) + 64, 3) + VERSION.encode()
    header += features.encode() + b"\0"
    header += b"\0" * (-len(header) % 16)
    return bytes(header + body)


def c_source(isolate: bytes, features: str) -> str:
    def array(name: str, data: bytes, section: str) -> str:
        values = ",".join(str(b) for b in data)
        return (f'__attribute__((visibility("default"), aligned(64), section("{section}")))\n'
                f"const unsigned char {name}[{len(data)}] = {{{values}}};\n")

    vm = snapshot(["Null", "bool", "double", "String"], features)
    code = bytes(range(32))
    return (array("_kDartVmSnapshotData", vm, ".rodata")
            + array("_kDartIsolateSnapshotData", isolate, ".rodata")
            + array("_kDartVmSnapshotInstructions", code, ".text")
            + array("_kDartIsolateSnapshotInstructions", code, ".text"))


def compile_library(source: str, target: str, out: Path, work: Path) -> None:
    c_file = work / (out.name + ".c")
    c_file.write_text(source)
    if target == "android":
        flags = ["--target=aarch64-linux-android21", "-shared", "-Wl,--build-id=none",
                 "-Wl,-z,norelro"]
    else:
        flags = ["--target=arm64-apple-ios14.0", "-dynamiclib",
                 "-Wl,-install_name,@rpath/App.framework/App"]
        source = source.replace('section(".rodata")', 'section("__TEXT,__const")')
        source = source.replace('section(".text")', 'section("__TEXT,__text")')
        c_file.write_text(source)
    subprocess.run(["clang", "-O0", "-nostdlib", "-fuse-ld=lld", *flags, "-o", str(out),
                    str(c_file)], check=True)



def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pinscan-flutter-") as temporary:
        work = Path(temporary)
        stand_in = work / "libflutter.so"
        compile_library('__attribute__((visibility("default"))) const char '
                        'kFlutterEngineStandIn[] = "pinscan stand-in for libflutter.so";\n',
                        "android", stand_in, work)
        for name, strings in APPS.items():
            library = work / f"{name}.so"
            compile_library(c_source(snapshot(strings, FEATURES), FEATURES), "android",
                            library, work)
            files = entries_of(BASE_APK)
            files["lib/arm64-v8a/libapp.so"] = library.read_bytes()
            files["lib/arm64-v8a/libflutter.so"] = stand_in.read_bytes()
            files.update(_assets(name))
            write_zip(out / f"{name}.apk", files)
        _build_ipa(out, work)


def _assets(name: str) -> dict[str, bytes]:
    prefix = "assets/flutter_assets/"
    manifest: dict[str, list[dict[str, str]]] = {"fonts/MaterialIcons-Regular.otf": []}
    files = {prefix + "version.json": b'{"app_name":"pinscan_demo","version":"1.0.0"}'}
    if name == "flutter_own_store":
        files[prefix + "assets/certs/pinscan_issuing_ca.pem"] = (
            PKI / "issuing_ca.pem").read_bytes()
        manifest["assets/certs/pinscan_issuing_ca.pem"] = [
            {"asset": "assets/certs/pinscan_issuing_ca.pem"}]
    if name == "flutter_plain":
        # A certificate shipped as an asset but never given to a SecurityContext.
        files[prefix + "assets/certs/unused_root.pem"] = (PKI / "root_ca.pem").read_bytes()
        files[prefix + "assets/config.json"] = b'{"api": "https://config.pinscan-demo.example/"}'
    files[prefix + "AssetManifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def _build_ipa(out: Path, work: Path) -> None:
    app_binary = work / "App"
    compile_library(c_source(snapshot(IPA_STRINGS, IOS_FEATURES), IOS_FEATURES), "ios",
                    app_binary, work)
    engine = work / "Flutter"
    compile_library('__attribute__((visibility("default"))) const char '
                    'kFlutterEngineStandIn[] = "pinscan stand-in for Flutter.framework";\n',
                    "ios", engine, work)
    files = entries_of(BASE_IPA)
    app = next(n.rsplit("/", 1)[0] for n in files if n.endswith("/Info.plist"))
    frameworks = f"{app}/Frameworks/"
    files[frameworks + "App.framework/App"] = app_binary.read_bytes()
    files[frameworks + "Flutter.framework/Flutter"] = engine.read_bytes()
    files[frameworks + "App.framework/flutter_assets/AssetManifest.json"] = b"{}"
    files[frameworks + "App.framework/flutter_assets/pinning.json"] = json.dumps(
        {"host": "https://backup.pinscan-demo.example/",
         "pins": [f"sha256/{PINS['leaf']}"]}).encode()
    write_zip(out / "flutter_spki.ipa", files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if shutil.which("clang") is None:
        print("build.py: clang and lld are needed (apt-get install clang lld)", file=sys.stderr)
        return 2
    build(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
