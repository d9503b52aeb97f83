"""The Flutter reader: Dart AOT snapshot header and strings, flutter_assets certificates."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import PIN_A, PIN_B, ROOT, apk_plus, framework_artifact, load_builder, read_framework
from iosbuild import build_ipa

from mstg_pinscan._cli import main
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    TrustKind,
    collect_framework_facts,
    flutter,
)
from mstg_pinscan.facts.frameworks.dart_snapshot import (
    extract_strings,
    locate_isolate_data,
    parse_header,
    read_snapshot,
)
from mstg_pinscan.facts.frameworks.dart_strings import scan_strings
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack import Bundle

SAMPLES = ROOT / "sample_apps" / "frameworks" / "flutter"
OUT = SAMPLES / "out"
PKI = ROOT / "sample_apps" / "pki"
LIBAPP = "lib/arm64-v8a/libapp.so"
LEAF_SHA256 = hashlib.sha256((PKI / "leaf.der").read_bytes()).hexdigest()

BUILD = load_builder(SAMPLES / "build.py", "flutter_samples")


def read_bundle(path: Path) -> FrameworkReading:
    return read_framework(flutter.READER, path)


def make_apk(tmp_path: Path, files: dict[str, bytes], name: str = "app.apk") -> Path:
    return apk_plus(tmp_path, files, name)


def snapshot_apk(tmp_path: Path, strings: list[str], **assets: bytes) -> Path:
    """An APK whose libapp.so is bare snapshot data (no ELF): found by its magic."""
    files = {LIBAPP: BUILD.snapshot(BUILD.FRAMEWORK + strings, BUILD.FEATURES)}
    files.update({f"assets/flutter_assets/{k.replace('__', '/')}": v for k, v in assets.items()})
    return make_apk(tmp_path, files)


def kinds(reading: FrameworkReading) -> list[TrustKind]:
    return sorted((t.kind for t in reading.trust), key=lambda k: k.value)


# --- sample apps ------------------------------------------------------------------------------

@pytest.mark.parametrize(("sample", "expected"), [
    ("flutter_fingerprints.apk", [TrustKind.PINS]),
    ("flutter_own_store.apk", [TrustKind.OWN_STORE]),
    ("flutter_bad_certificate.apk", [TrustKind.CALLBACK]),
    ("flutter_trust_all.apk", [TrustKind.TRUST_ALL]),
    ("flutter_plain.apk", []),
    ("flutter_obfuscated.apk", []),
    ("flutter_spki.ipa", [TrustKind.PINS, TrustKind.PINS]),
])
def test_sample_kinds(sample: str, expected: list[TrustKind]) -> None:
    reading = read_bundle(OUT / sample)
    assert kinds(reading) == expected
    assert not reading.skipped
    header = reading.info.read[0]
    assert "full-aot snapshot, version d91c0e6f35f0eb2e44124e8f42aa44a7" in header
    assert "product (release) build" in header
    assert "its dynamic symbols" in header


def test_fingerprint_pins_and_host() -> None:
    reading = read_bundle(OUT / "flutter_fingerprints.apk")
    (pins,) = reading.trust
    assert pins.pins == (f"cert-sha256/{LEAF_SHA256}",)
    assert pins.hosts == ("api.pinscan-demo.example",)
    assert pins.location.file == LIBAPP
    assert "package:http_certificate_pinning" in pins.evidence
    assert "separate native connection" in pins.evidence
    assert ("https://api.pinscan-demo.example/v1/", LIBAPP) in reading.urls


def test_spki_pins_in_ios_snapshot_and_asset() -> None:
    reading = read_bundle(OUT / "flutter_spki.ipa")
    by_file = {t.location.file.rsplit("/", 1)[-1]: t for t in reading.trust}
    assert set(by_file["App"].pins) == {f"sha256/{PIN_A}", f"sha256/{PIN_B}"}
    assert by_file["pinning.json"].hosts == ("backup.pinscan-demo.example",)
    assert "ATS" in reading.info.read[-1]


def test_own_store_names_the_certificate_asset() -> None:
    reading = read_bundle(OUT / "flutter_own_store.apk")
    (store,) = reading.trust
    assert store.certificates == ("assets/flutter_assets/assets/certs/pinscan_issuing_ca.pem",)
    assert "cannot be confirmed" in store.evidence


def test_unused_certificate_asset_is_no_own_store() -> None:
    reading = read_bundle(OUT / "flutter_plain.apk")
    assert not reading.trust
    assert any("unused_root.pem" in line for line in reading.info.read)
    assert ("https://config.pinscan-demo.example/",
            "assets/flutter_assets/assets/config.json") in reading.urls
    # The framework's own issue links are not endpoints of the app.
    assert not any("github.com/flutter" in url for url, _ in reading.urls)


def test_callback_is_not_trust_all_without_a_telling_name() -> None:
    (callback,) = read_bundle(OUT / "flutter_bad_certificate.apk").trust
    assert callback.kind is TrustKind.CALLBACK
    assert "MyHttpOverrides" in callback.evidence
    (trust_all,) = read_bundle(OUT / "flutter_trust_all.apk").trust
    assert "TrustAllCertificatesHttpOverrides" in trust_all.evidence


def test_samples_rebuild_identically(tmp_path: Path) -> None:
    if shutil.which("clang") is None:
        pytest.skip("needs clang and lld, which scripts/test.sh installs")
    BUILD.build(tmp_path)
    for sample in sorted(OUT.iterdir()):
        assert (tmp_path / sample.name).read_bytes() == sample.read_bytes(), sample.name


def test_obfuscated_build_says_names_are_unread() -> None:
    reading = read_bundle(OUT / "flutter_obfuscated.apk")
    assert any("obfuscated" in line for line in reading.info.unread)
    plain = read_bundle(OUT / "flutter_plain.apk")
    assert not any("obfuscated" in line for line in plain.info.unread)


def test_collect_framework_facts_reports_flutter() -> None:
    with Bundle(OUT / "flutter_fingerprints.apk") as bundle:
        facts = collect_framework_facts(bundle, Platform.ANDROID)
    assert facts.has("flutter")
    assert [t.kind for t in facts.trust if t.framework == "flutter"] == [TrustKind.PINS]


# --- findings from generated snapshots --------------------------------------------------------

def test_pinning_library_without_pins(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(tmp_path, [
        "package:ssl_pinning_plugin/ssl_pinning_plugin.dart", "SslPinningPlugin"]))
    assert kinds(reading) == [TrustKind.PINNING_LIBRARY]
    assert "the snapshot magic" in reading.info.read[0]


def test_no_pinning_library_without_the_package(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(tmp_path, ["package:dio/src/dio.dart"]))
    assert kinds(reading) == []


def test_bare_hashes_count_only_next_to_a_pinning_package(tmp_path: Path) -> None:
    bare = [PIN_A, LEAF_SHA256.upper()]
    alone = read_bundle(snapshot_apk(tmp_path, bare))
    assert kinds(alone) == []
    (tmp_path / "with").mkdir()
    together = read_bundle(snapshot_apk(tmp_path / "with", bare + [
        "package:http_certificate_pinning/http_certificate_pinning.dart"]))
    (pins,) = together.trust
    assert set(pins.pins) == {f"sha256/{PIN_A}", f"cert-sha256/{LEAF_SHA256}"}


def test_sha1_spki_pin_and_spaced_fingerprint(tmp_path: Path) -> None:
    spaced = " ".join(LEAF_SHA256[i:i + 2] for i in range(0, 64, 2))
    reading = read_bundle(snapshot_apk(tmp_path, [
        "sha1/" + "A" * 26 + "E=", spaced]))
    (pins,) = reading.trust
    assert set(pins.pins) == {"sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAE=", f"cert-sha256/{LEAF_SHA256}"}
    assert pins.hosts == ()


def test_bad_sha256_pin_is_no_pin(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(tmp_path, ["sha256/" + "A" * 40 + "==="]))
    assert kinds(reading) == []


def test_own_store_without_assets_or_withtrustedroots(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(tmp_path, [
        "SecurityContext_SetTrustedCertificatesBytes"]))
    (store,) = reading.trust
    assert store.kind is TrustKind.OWN_STORE and store.certificates == ()
    assert "defaults to no system roots" in store.evidence


def test_dart_sdk_names_alone_are_no_own_store(tmp_path: Path) -> None:
    # Every app that uses HTTPS keeps these: SecurityContext.defaultContext trusts the roots.
    reading = read_bundle(snapshot_apk(tmp_path, ["SecurityContext", "withTrustedRoots"]))
    assert kinds(reading) == []


@pytest.mark.parametrize(("name", "element"), [
    ("onBadCertificate", "SecureSocket onBadCertificate"),
    ("validateCertificate", "IOHttpClientAdapter.validateCertificate"),
    ("badCertificateCallback", "HttpClient.badCertificateCallback"),
])
def test_other_callbacks(tmp_path: Path, name: str, element: str) -> None:
    (callback,) = read_bundle(snapshot_apk(tmp_path, [name])).trust
    assert callback.kind is TrustKind.CALLBACK and callback.location.element == element


def test_sdk_bad_certificate_internals_are_no_callback(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(tmp_path, [
        "registerBadCertificateCallback", "_onBadCertificateWrapper@15069316",
        "SecureSocket_RegisterBadCertificateCallback"]))
    assert kinds(reading) == []


def test_manifest_certificate_names_without_snapshot(tmp_path: Path) -> None:
    reading = read_bundle(make_apk(tmp_path, {
        "lib/arm64-v8a/libflutter.so": b"\x7fELF",
        "assets/flutter_assets/AssetManifest.json": b'{"certs/api.pem": [], "a.png": []}'}))
    assert any("certs/api.pem" in line for line in reading.info.read)
    assert any("no compiled Dart code" in line for line in reading.info.unread)


def test_a_base_apk_without_its_dart_code_claims_nothing_about_it(tmp_path: Path) -> None:
    # An App Bundle install: libapp.so is in the ABI split, the base has the assets only.
    apk = make_apk(tmp_path, {"assets/flutter_assets/AssetManifest.json": b"{}"})
    code = main(["--as-of", "2026-12-01", "--format", "json", "-o", str(tmp_path / "r.json"),
                 str(apk)])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and not report["analysis"]["complete"]
    skipped = {s["item"]: s["reason"] for s in report["analysis"]["skipped"]}
    assert skipped["libapp.so"].startswith("not in the bundle: the compiled Dart code may ship")
    # Its platform pins are not said to be bypassed: the Dart code was not there to read.
    assert "framework-platform-pins-bypassed" not in {d["rule_name"] for d in report["decisions"]}


# --- hostile input ----------------------------------------------------------------------------

def _sample_library() -> bytes:
    with zipfile.ZipFile(OUT / "flutter_fingerprints.apk") as apk:
        return apk.read(LIBAPP)


@pytest.mark.parametrize("cut", [0, 3, 20, 64, 0x300, 0x440, 0x460, 0x800, 0x1a90])
def test_truncated_library(tmp_path: Path, cut: int) -> None:
    reading = read_bundle(make_apk(tmp_path, {LIBAPP: _sample_library()[:cut]}))
    assert isinstance(reading.info.unread, tuple)


def test_garbage_libraries_never_raise(tmp_path: Path) -> None:
    rng = random.Random(7)
    library = bytearray(_sample_library())
    for round_ in range(40):
        broken = bytearray(library)
        for _ in range(rng.randint(1, 30)):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        data = bytes(broken)
        read_snapshot(data, LIBAPP)
        locate_isolate_data(data)
        if round_ % 10 == 0:
            (tmp_path / str(round_)).mkdir()
            read_bundle(make_apk(tmp_path / str(round_), {LIBAPP: data}))


@pytest.mark.parametrize("data", [
    b"\x7fELF\x02\x01" + b"\xff" * 200,  # section table far outside the file
    b"\x7fELF\x01\x01" + b"\x00" * 40 + b"\xff\xff" * 8,  # 32-bit, huge counts
    b"\xcf\xfa\xed\xfe" + b"\xff" * 60,  # Mach-O with 4 billion load commands
    b"\xca\xfe\xba\xbe\x00\x00\x00\x10" + b"\x01\x00\x00\x0c" + b"\xff" * 300,  # fat, bad slice
    b"\xf5\xf5\xdc\xdc" + b"\x00" * 16 + b"z" * 32,  # magic, version not hex
    random.Random(3).randbytes(4096),
])
def test_malformed_binaries(data: bytes) -> None:
    assert read_snapshot(data, LIBAPP) is None


def test_garbage_library_is_skipped(tmp_path: Path) -> None:
    reading = read_bundle(make_apk(tmp_path, {LIBAPP: b"\x7fELF\x02\x01" + b"\xff" * 200}))
    assert [s.item for s in reading.skipped] == [LIBAPP]
    assert any("could not be read" in line for line in reading.info.unread)


def test_other_abi_is_read_when_preferred_one_is_broken(tmp_path: Path) -> None:
    reading = read_bundle(make_apk(tmp_path, {
        LIBAPP: b"garbage", "lib/x86_64/libapp.so": _sample_library()}))
    assert kinds(reading) == [TrustKind.PINS]
    assert reading.trust[0].location.file == "lib/x86_64/libapp.so"


def test_string_count_and_length_are_bounded() -> None:
    many = b"\0".join(b"abcd" for _ in range(1000))
    strings, truncated = extract_strings(many, 0, len(many), limit=100)
    assert len(strings) == 100 and truncated
    huge = b"A" * (1 << 20)
    strings, truncated = extract_strings(huge, 0, len(huge))
    assert len(strings) == 1 and len(strings[0]) == 64 * 1024 and not truncated


def test_smi_length_trims_the_next_header() -> None:
    data = BUILD.snapshot(["https://flet.dev", "abcdefgh"], BUILD.FEATURES)
    strings, _ = extract_strings(data, 0, len(data))
    assert "https://flet.dev" in strings and "abcdefgh" in strings


def test_broken_assets_are_skipped(tmp_path: Path) -> None:
    reading = read_bundle(snapshot_apk(
        tmp_path, [], **{
            "certs__broken.pem": b"-----BEGIN CERTIFICATE-----\nnot base64!\n"
                                 b"-----END CERTIFICATE-----\n",
            "certs__zero.der": b"\x30\x82\xff\xff" + b"\x00" * 10,
            "AssetManifest.json": b"{not json",
            "AssetManifest.bin": bytes(range(256)) * 4,
            "config.json": b"\xff\xfe" * 100}))
    skipped = {s.item for s in reading.skipped}
    assert "assets/flutter_assets/certs/broken.pem" in skipped
    assert "assets/flutter_assets/certs/zero.der" in skipped
    assert kinds(reading) == []


def test_parse_header() -> None:
    header = parse_header(BUILD.snapshot([], "product arm64 android"), 0)
    assert header is not None and header.kind == "full-aot" and header.product
    debug = parse_header(BUILD.snapshot([], "no-product arm64"), 0)
    assert debug is not None and not debug.product
    assert parse_header(b"\xf5\xf5\xdc\xdc" + struct.pack("<qq", 0, 9) + b"0" * 32, 0) \
        is None


# --- real Flutter builds (benchmarks/frameworks/flutter.toml) ----------------------------------

@pytest.mark.parametrize(("package", "version"), [
    ("flet-desktop-0.28.3", "d91c0e6f35f0eb2e44124e8f42aa44a7"),
    ("flet-desktop-0.25.2", "80a49c7111088100a233b2ae788e1f48"),
])
def test_real_flet_client(tmp_path: Path, package: str, version: str) -> None:
    tarball = framework_artifact(package, "flet_desktop/app/flet-linux-amd64.tar.gz")
    files: dict[str, bytes] = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            if member.isfile() and (member.name.endswith("lib/libapp.so")
                                    or "/flutter_assets/" in member.name):
                handle = archive.extractfile(member)
                assert handle is not None
                inner = member.name.split("/flutter_assets/", 1)[-1]
                target = ("lib/x86_64/libapp.so" if member.name.endswith("libapp.so")
                          else f"assets/flutter_assets/{inner}")
                files[target] = handle.read()
    library = files["lib/x86_64/libapp.so"]
    snapshot = read_snapshot(library, "libapp.so")
    assert snapshot is not None and snapshot.header is not None
    assert snapshot.header.version == version and snapshot.header.kind == "full-aot"
    assert snapshot.header.product and "x64" in snapshot.header.features
    assert snapshot.located_by == "its dynamic symbols"
    assert len(snapshot.strings) > 50_000
    facts = scan_strings(snapshot.strings)
    assert {"flet", "flutter", "dio", "http"} <= facts.packages
    assert "package:flet_client" not in facts.packages

    reading = read_bundle(make_apk(tmp_path, files))
    assert ("https://flet.dev", "lib/x86_64/libapp.so") in reading.urls
    # Flet uses dart:io and Dio without pinning, an own store or a callback.
    assert kinds(reading) == []
    assert not any("obfuscated" in line for line in reading.info.unread)
    assert any("not decompiled" in line for line in reading.info.unread)


def test_real_flet_macos_client_in_an_ipa(tmp_path: Path) -> None:
    # The macOS build's App.framework/App is a universal Mach-O (x86_64 + arm64) with the
    # Dart snapshot in each slice, as App.framework/App is in an iOS app.
    tarball = framework_artifact("flet-desktop-0.28.3-macosx_12_0_arm64",
                                 "flet_desktop/app/flet-macos.tar.gz")
    with tarfile.open(tarball) as archive:
        handle = archive.extractfile(
            "Flet.app/Contents/Frameworks/App.framework/Versions/A/App")
        assert handle is not None
        binary = handle.read()
    assert binary[:4] == bytes.fromhex("cafebabe")  # fat
    snapshot = read_snapshot(binary, "App")
    assert snapshot is not None and snapshot.header is not None
    assert snapshot.header.version == "d91c0e6f35f0eb2e44124e8f42aa44a7"
    assert {"arm64", "macos"} <= set(snapshot.header.features)

    ipa = build_ipa(tmp_path, {"CFBundleIdentifier": "org.example.flet"}, files={
        "Frameworks/App.framework/App": binary,
        "Frameworks/Flutter.framework/Flutter": b"\xcf\xfa\xed\xfe"})
    code = main(["--as-of", "2026-12-01", "--format", "json", "-o",
                 str(tmp_path / "r.json"), str(ipa)])
    assert code in (0, 1)
    report = json.loads((tmp_path / "r.json").read_text())
    (flutter,) = report["app"]["frameworks"]
    assert flutter["name"] == "flutter"
    assert any("full-aot snapshot" in line and "arm64" in line for line in flutter["read"])
    assert "flet.dev" in {h["host"] for h in report["hosts"]}
    assert not [d for d in report["decisions"] if d["rule_id"].startswith("PS70")
                and d["rule_name"] != "framework-detected"]


def test_own_store_with_pem_written_in_the_code(tmp_path: Path) -> None:
    pem = (PKI / "issuing_ca.pem").read_text()
    der_sha256 = hashlib.sha256((PKI / "issuing_ca.der").read_bytes()).hexdigest()
    reading = read_bundle(snapshot_apk(tmp_path, [
        "SecurityContext_SetTrustedCertificatesBytes", pem]))
    (store,) = reading.trust
    assert f"cert-sha256/{der_sha256}" in store.evidence
    assert "from strings, another file" not in store.evidence


def test_pem_in_the_code_without_security_context(tmp_path: Path) -> None:
    pem = (PKI / "issuing_ca.pem").read_text()
    reading = read_bundle(snapshot_apk(tmp_path, [pem, "-----BEGIN CERTIFICATE-----\nAAAA"]))
    assert kinds(reading) == []
    assert any("PEM certificates written in the Dart code" in line
               for line in reading.info.read)


def test_fat_mach_o_arm64_slice() -> None:
    with zipfile.ZipFile(OUT / "flutter_spki.ipa") as ipa:
        thin = ipa.read(next(n for n in ipa.namelist() if n.endswith("App.framework/App")))
    # A universal binary: an x86_64 slice of garbage first, the arm64 slice second.
    fat = struct.pack(">II", 0xCAFEBABE, 2)
    fat += struct.pack(">iiIII", 0x01000007, 3, 4096, 64, 12)
    fat += struct.pack(">iiIII", 0x0100000C, 0, 8192, len(thin), 14)
    fat = fat.ljust(4096, b"\0") + b"\xff" * 64
    fat = fat.ljust(8192, b"\0") + thin
    snapshot = read_snapshot(fat, "App")
    assert snapshot is not None and snapshot.located_by == "its dynamic symbols"
    assert f"sha256/{PIN_A}" in snapshot.strings
