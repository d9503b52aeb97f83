"""The React Native reader: JavaScript and Hermes bundles and the pinning libraries they set up."""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from conftest import PIN_A, PIN_B, ROOT, apk_plus, framework_artifact, load_builder, read_framework

from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    TrustKind,
    collect_framework_facts,
    reactnative,
)
from mstg_pinscan.facts.frameworks.hermes import HERMES_MAGIC, HermesFile, read_hermes
from mstg_pinscan.facts.frameworks.reactnative_pinning import Scan, scan_hermes, scan_javascript
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack import Bundle

SAMPLES = ROOT / "sample_apps" / "frameworks" / "react-native"
OUT = SAMPLES / "out"
INDEX = "assets/index.android.bundle"
LEAF_PIN = "sha256/r5gSG+2svWdFKY+tnmW0ph3JBeCI7EKWjAP68STiq7k="
BACKUP_PIN = f"sha256/{PIN_B}"
HOST = "api.pinscan-demo.example"

BUILD = load_builder(SAMPLES / "build.py", "rn_samples")


def read_bundle(path: Path) -> FrameworkReading:
    return read_framework(reactnative.READER, path)


def make_apk(tmp_path: Path, files: dict[str, bytes], name: str = "app.apk") -> Path:
    return apk_plus(tmp_path, files, name)


def read_js(tmp_path: Path, source: str, **files: bytes) -> FrameworkReading:
    extra = {name.replace("__", "/").replace("_DOT_", "."): data for name, data in files.items()}
    return read_bundle(make_apk(tmp_path, {INDEX: source.encode(), **extra}))


def sample_hermes() -> bytes:
    with zipfile.ZipFile(OUT / "rn_public_key_pins_hermes.apk") as apk:
        return apk.read(INDEX)


def kinds(reading: FrameworkReading) -> list[TrustKind]:
    return sorted((t.kind for t in reading.trust), key=lambda k: k.value)


# --- sample apps ------------------------------------------------------------------------------

@pytest.mark.parametrize(("sample", "expected", "header"), [
    ("rn_public_key_pins.apk", [TrustKind.PINS], "JavaScript bundle"),
    ("rn_public_key_pins_hermes.apk", [TrustKind.PINS], "Hermes bytecode v96"),
    ("rn_cert_assets.apk", [TrustKind.PINS, TrustKind.PINS], "JavaScript bundle"),
    ("rn_disable_security.apk", [TrustKind.TRUST_ALL], "JavaScript bundle"),
    ("rn_plain.apk", [], "JavaScript bundle"),
    ("rn_hermes_cert.ipa", [TrustKind.PINS], "Hermes bytecode v99"),
])
def test_sample_kinds(sample: str, expected: list[TrustKind], header: str) -> None:
    reading = read_bundle(OUT / sample)
    assert kinds(reading) == expected
    assert not reading.skipped
    assert header in reading.info.read[0]


def test_public_key_pins_in_javascript() -> None:
    reading = read_bundle(OUT / "rn_public_key_pins.apk")
    (pins,) = reading.trust
    assert pins.hosts == (HOST, f"*.{HOST}")
    assert pins.pins == (LEAF_PIN, BACKUP_PIN)
    assert pins.location.file == INDEX and pins.location.element.startswith("publicKeyHashes")
    assert "initializeSslPinning" in pins.evidence
    assert (f"https://{HOST}/v1/profile", INDEX) in reading.urls
    assert any("SslPublicKeyPinning" in line for line in reading.info.read)
    assert not reading.info.unread


def test_public_key_pins_in_hermes() -> None:
    reading = read_bundle(OUT / "rn_public_key_pins_hermes.apk")
    (pins,) = reading.trust
    assert pins.pins == (LEAF_PIN, BACKUP_PIN)
    # One host-like key among the strings: taken; includeSubdomains's value is not readable.
    assert pins.hosts == (HOST,)
    assert pins.location.element == "string table"
    assert any("not decompiled" in line for line in reading.info.unread)
    assert (f"https://{HOST}/v1/profile", INDEX) in reading.urls


def test_certificate_assets_and_public_key_option() -> None:
    reading = read_bundle(OUT / "rn_cert_assets.apk")
    by_host = {t.hosts: t for t in reading.trust}
    cert = by_host[("cert.pinscan-demo.example",)]
    assert cert.certificates == ("assets/pinscan_leaf.cer",)
    assert not cert.pins and "certificate pinning" in cert.evidence
    keys = by_host[("keys.pinscan-demo.example",)]
    assert keys.pins == (f"sha256/{PIN_A}", BACKUP_PIN)
    assert "public-key pinning" in keys.evidence


def test_disable_all_security_is_trust_all() -> None:
    (trust_all,) = read_bundle(OUT / "rn_disable_security.apk").trust
    assert trust_all.kind is TrustKind.TRUST_ALL
    assert trust_all.hosts == ("insecure.pinscan-demo.example",)
    assert "disableAllSecurity: true" in trust_all.evidence


def test_plain_app_has_urls_and_nothing_else() -> None:
    reading = read_bundle(OUT / "rn_plain.apk")
    assert not reading.trust
    urls = {url for url, _ in reading.urls}
    assert urls == {"https://plain.pinscan-demo.example/v1",
                    "wss://live.pinscan-demo.example/feed"}


def test_ios_hermes_bundle_pins_root_certificates() -> None:
    reading = read_bundle(OUT / "rn_hermes_cert.ipa")
    (pins,) = reading.trust
    assert pins.certificates == ("Payload/WebContent.app/pinscan_leaf.cer",)
    assert pins.location.file == "Payload/WebContent.app/main.jsbundle"
    assert not pins.hosts


def test_collect_framework_facts_on_a_sample() -> None:
    with Bundle(OUT / "rn_public_key_pins.apk") as bundle:
        facts = collect_framework_facts(bundle, Platform.ANDROID)
    assert facts.has("react-native")
    assert [t.kind for t in facts.trust if t.framework == "react-native"] == [TrustKind.PINS]


def test_samples_rebuild_identically(tmp_path: Path) -> None:
    for version in BUILD.COMPILERS:
        if BUILD.cached_hermesc(version) is None:  # never fetched at test time
            pytest.skip(f"no hermesc {version}: run benchmarks/fetch_frameworks.py")
    BUILD.build(tmp_path)
    for sample in sorted(OUT.iterdir()):
        assert (tmp_path / sample.name).read_bytes() == sample.read_bytes(), sample.name


# --- plain JavaScript: positives and negatives -----------------------------------------------

def test_minified_pins_with_expiration_and_no_subdomains(tmp_path: Path) -> None:
    source = ('(0,n.initializeSslPinning)({"' + HOST + '":{publicKeyHashes:["' + PIN_A
              + '","' + PIN_B + '"],expirationDate:"2030-01-01"}});')
    (pins,) = read_js(tmp_path, source).trust
    assert pins.hosts == (HOST,)
    assert "2030-01-01" in pins.evidence


def test_pins_given_in_a_variable_are_found_by_their_key(tmp_path: Path) -> None:
    source = ('var c={"' + HOST + '":{includeSubdomains:!1,publicKeyHashes:[\'' + PIN_A
              + '\']}};o.initializeSslPinning(c);')
    (pins,) = read_js(tmp_path, source).trust
    assert pins.kind is TrustKind.PINS and pins.hosts == (HOST,)
    assert pins.pins == (f"sha256/{PIN_A}",)


def test_hashes_that_are_not_literals_are_a_library_not_pins(tmp_path: Path) -> None:
    source = 'initializeSslPinning({"a.example":{publicKeyHashes:h.concat(k)}});'
    (library,) = read_js(tmp_path, source).trust
    assert library.kind is TrustKind.PINNING_LIBRARY


def test_library_without_configuration_is_named(tmp_path: Path) -> None:
    (library,) = read_js(tmp_path, "var P=NativeModules.CertPinner;").trust
    assert library.kind is TrustKind.PINNING_LIBRARY
    assert "react-native-cert-pinner" in library.evidence


def test_key_mentioned_in_text_is_not_configuration(tmp_path: Path) -> None:
    reading = read_js(tmp_path, 'var s="publicKeyHashes and sslPinning are option names";')
    assert not reading.trust


def test_disable_all_security_false_still_pins(tmp_path: Path) -> None:
    source = ("t.fetch('https://x.pinscan-demo.example/',{disableAllSecurity:!1,"
              "sslPinning:{certs:['pinscan_leaf']}});")
    reading = read_js(tmp_path, source, assets__pinscan_leaf_DOT_cer=b"0")
    assert kinds(reading) == [TrustKind.PINS]
    assert reading.trust[0].certificates == ("assets/pinscan_leaf.cer",)


def test_missing_certificate_asset_is_said(tmp_path: Path) -> None:
    source = "t.fetch(u,{sslPinning:{certs:['gone']}});"
    (pins,) = read_js(tmp_path, source).trust
    assert pins.kind is TrustKind.PINS and not pins.certificates and not pins.hosts
    assert "gone.cer" in pins.evidence and "not a literal" in pins.evidence


def test_pinch_certificate(tmp_path: Path) -> None:
    source = ("pinch.fetch('https://pinch.pinscan-demo.example/a',{method:'GET',"
              "sslPinning:{cert:'pinscan_leaf'}});var m=NativeModules.RNPinch;")
    reading = read_js(tmp_path, source, assets__pinscan_leaf_DOT_cer=b"0")
    (pins,) = reading.trust
    assert pins.evidence.startswith("react-native-pinch")
    assert pins.certificates == ("assets/pinscan_leaf.cer",)
    assert pins.hosts == ("pinch.pinscan-demo.example",)


def test_blob_util_trusty(tmp_path: Path) -> None:
    trusting = read_js(tmp_path, "RNFetchBlob.config({trusty:!0}).fetch('GET',u);")
    assert kinds(trusting) == [TrustKind.TRUST_ALL]
    (tmp_path / "b").mkdir()
    checked = read_js(tmp_path / "b", "RNFetchBlob.config({trusty:false}).fetch('GET',u);")
    assert not checked.trust
    (tmp_path / "c").mkdir()
    unrelated = read_js(tmp_path / "c", "x.config({trusty:!0});")
    assert not unrelated.trust


def test_templates_comments_and_methods_do_not_derail_the_literal(tmp_path: Path) -> None:
    source = ("t.fetch(`https://t.pinscan-demo.example/${id}`,{/* c } */ headers:{a:`}${"
              "b+1}`},get x(){return {}},...rest,[k]:1,sslPinning:{certs:['leaf']}});")
    (pins,) = read_js(tmp_path, source).trust
    assert pins.kind is TrustKind.PINS
    assert "leaf" in pins.evidence


def test_ios_plain_javascript_pins_every_root_certificate(tmp_path: Path) -> None:
    path = tmp_path / "app.ipa"
    with zipfile.ZipFile(ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa") as base, \
            zipfile.ZipFile(path, "w") as out:
        for info in base.infolist():
            out.writestr(info.filename, base.read(info))
        out.writestr("Payload/WebContent.app/main.jsbundle",
                     "RNSslPinning;f('https://i.pinscan-demo.example/',{pkPinning:!0,"
                     f"sslPinning:{{certs:['sha256/{PIN_A}']}}}});")
        out.writestr("Payload/WebContent.app/a.cer", b"0")
        out.writestr("Payload/WebContent.app/b.cer", b"0")
        out.writestr("Payload/WebContent.app/sub/c.cer", b"0")
    (pins,) = read_bundle(path).trust
    assert pins.certificates == ("Payload/WebContent.app/a.cer", "Payload/WebContent.app/b.cer")
    assert not pins.pins  # RNSslPinning.m does not use the names on iOS
    assert "every .cer file" in pins.evidence


def test_other_bundle_names(tmp_path: Path) -> None:
    names = ["assets/other.bundle", "assets/index.android.bundle", "assets/x/y.bundle"]
    assert reactnative.bundle_entries(names, Platform.ANDROID) == names[1::-1]
    ios = ["Payload/A.app/main.jsbundle", "Payload/A.app/Res.bundle/x.jsbundle"]
    assert reactnative.bundle_entries(ios, Platform.IOS) == ios[:1]


def test_no_bundle_is_said(tmp_path: Path) -> None:
    path = make_apk(tmp_path, {"lib/arm64-v8a/libhermes.so": b"\x7fELF"})
    reading = read_bundle(path)
    assert not reading.trust
    assert any("no JavaScript or Hermes bundle" in line for line in reading.info.unread)


# --- Hermes bytecode ---------------------------------------------------------------------------

def test_hermes_string_table_of_the_sample() -> None:
    hermes = read_hermes(sample_hermes())
    assert hermes.parsed and hermes.version == 96 and not hermes.notes
    assert {"initializeSslPinning", "publicKeyHashes", HOST, LEAF_PIN[7:], PIN_B} <= set(
        hermes.strings)


def test_hermes_library_without_pins_and_disable_option(tmp_path: Path) -> None:
    data = bytearray(sample_hermes())
    hermes = read_hermes(bytes(data))
    hermes.strings = [s for s in hermes.strings if s not in (LEAF_PIN[7:], PIN_B)] + [
        "disableAllSecurity"]
    scan = Scan(INDEX, Platform.ANDROID, frozenset())
    scan_hermes(hermes, scan)
    assert sorted(t.kind.value for t in scan.trust) == ["pinning-library", "weak-setting"]
    clean = read_hermes(bytes(data))
    clean.strings = ["fetch", "https://plain.pinscan-demo.example/"]
    scan = Scan(INDEX, Platform.ANDROID, frozenset())
    scan_hermes(clean, scan)
    assert not scan.trust and scan.urls == ["https://plain.pinscan-demo.example/"]


def test_hermes_two_hosts_leave_hosts_empty() -> None:
    hermes = HermesFile(96, ["initializeSslPinning", "a.pinscan-demo.example",
                             "b.pinscan-demo.example", PIN_A], True)
    scan = Scan(INDEX, Platform.ANDROID, frozenset())
    scan_hermes(hermes, scan)
    (pins,) = scan.trust
    assert not pins.hosts and "a.pinscan-demo.example" in pins.evidence


def test_hermes_bare_hashes_need_a_pinning_library() -> None:
    hermes = HermesFile(96, ["fetch", PIN_A, "pinscan_leaf"], True)
    scan = Scan(INDEX, Platform.ANDROID, frozenset({"assets/pinscan_leaf.cer"}))
    scan_hermes(hermes, scan)
    assert not scan.trust
    hermes.strings.append(f"sha256/{PIN_B}")
    scan = Scan(INDEX, Platform.ANDROID, frozenset({"assets/pinscan_leaf.cer"}))
    scan_hermes(hermes, scan)
    (pins,) = scan.trust
    assert pins.pins == (f"sha256/{PIN_B}",) and not pins.certificates


def _patched(data: bytes, offset: int, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, offset, value)
    return bytes(out)


@pytest.mark.parametrize(("change", "note"), [
    (lambda d: d[:100], "cut short"),
    (lambda d: _patched(d, 8, 97), "v97 is not a version"),
    (lambda d: _patched(d, 52, 0xFFFF_FFFF), "past the end"),  # stringCount
    (lambda d: _patched(d, 60, 0x7FFF_FFFF), "past the end"),  # stringStorageSize
    (lambda d: _patched(d, 40, 0x1000_0000), "past the end"),  # functionCount
    (lambda d: bytes(b ^ 0xFF for b in d[:8]) + d[8:], "delta form"),
])
def test_hostile_hermes_headers_fall_back_to_a_scan(change: object, note: str) -> None:
    hermes = read_hermes(change(sample_hermes()))  # type: ignore[operator]
    assert not hermes.parsed
    assert note in hermes.notes[0]


def _hbc(entries: list[int], overflow: list[tuple[int, int]], storage: bytes,
         version: int = 99) -> bytes:
    """A Hermes file with no functions: header, string table, overflow table, storage."""
    header = bytearray(128)
    struct.pack_into("<QI", header, 0, HERMES_MAGIC, version)
    body = (b"".join(struct.pack("<I", e) for e in entries)
            + b"".join(struct.pack("<II", o, n) for o, n in overflow) + storage)
    struct.pack_into("<8I", header, 32, 128 + len(body), 0, 0, 0, 0, len(entries),
                     len(overflow), len(storage))
    return bytes(header) + body


def test_handmade_hermes_file_with_overflow_and_utf16() -> None:
    storage = b"sha256/" + PIN_A.encode() + "é".encode("utf-16-le")
    entries = [(0 << 1) | (0xFF << 24), (1 << 1) | 1 | (0xFF << 24)]
    hermes = read_hermes(_hbc(entries, [(0, 51), (51, 1)], storage))
    assert hermes.parsed and hermes.strings == [f"sha256/{PIN_A}", "é"]


def test_overlapping_huge_strings_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mstg_pinscan.facts.frameworks.hermes._MAX_STRING_BYTES",
                        1_000_000)
    storage = b"x" * 300_000
    entries = [0xFF << 24] * 10_000  # every entry is the whole storage
    hermes = read_hermes(_hbc(entries, [(0, len(storage))], storage))
    assert hermes.parsed
    assert sum(map(len, hermes.strings)) <= 1_000_000
    assert "past 0 MiB of strings" in hermes.notes[0]


def test_cut_hermes_file_still_gives_its_strings() -> None:
    data = sample_hermes()
    hermes = read_hermes(data[:len(data) * 3 // 4])
    assert hermes.parsed and "cut short" in hermes.notes[0]
    assert "initializeSslPinning" in hermes.strings


def test_string_entries_pointing_outside_storage_are_counted() -> None:
    data = bytearray(sample_hermes())
    functions, kinds_, identifiers = struct.unpack_from("<III", data, 40)
    table = 128
    for size in (functions * 16, kinds_ * 4, identifiers * 4):
        table = ((table + 3) & ~3) + size
    struct.pack_into("<I", data, table, (0x7F_FFFF << 1) | (10 << 24))  # offset far away
    struct.pack_into("<I", data, table + 4, (0x7F_FFFF << 1) | (0xFF << 24))  # bad overflow
    hermes = read_hermes(bytes(data))
    assert hermes.parsed
    assert "2 Hermes string table entries" in hermes.notes[0]


def test_truncated_hermes_in_an_apk_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    reading = read_bundle(make_apk(tmp_path, {INDEX: sample_hermes()[:300]}))
    assert reading.skipped and "printable strings" in reading.skipped[0].reason
    assert any("past the end" in line for line in reading.info.unread)


def test_garbage_bundles_never_raise(tmp_path: Path) -> None:
    rng = random.Random(7)
    seeds = [sample_hermes(), (OUT / "rn_plain.apk").read_bytes()]
    for round_ in range(60):
        base = bytearray(seeds[round_ % 2])
        for _ in range(rng.randint(1, 40)):
            base[rng.randrange(len(base))] = rng.randrange(256)
        data = bytes(base[:rng.randint(0, len(base))])
        hermes = read_hermes(data)
        assert isinstance(hermes.strings, list)
        scan = Scan(INDEX, Platform.ANDROID, frozenset())
        scan_javascript(data, scan)
        scan_hermes(hermes, scan)
    for text in ("{", "initializeSslPinning({", "publicKeyHashes:[", "sslPinning:{certs:[`${",
                 "a:{publicKeyHashes:['" + "x" * 70000, "'" * 5000 + "sslPinning:"):
        scan = Scan(INDEX, Platform.ANDROID, frozenset())
        scan_javascript(text.encode(), scan)


def test_a_50_mb_minified_line_is_read_in_bounded_time(tmp_path: Path) -> None:
    chunk = (b"a.b(function(e,t){return{sslPinning:e,publicKeyHashes:t,x:'{[(',y:`${")
    filler = chunk * (50 * 1024 * 1024 // len(chunk))
    source = filler + (b';(0,n.initializeSslPinning)({"' + HOST.encode()
                       + b'":{publicKeyHashes:["' + PIN_A.encode() + b'"]}});')
    # Stored, not deflated: such repetitive text deflates past the archive's ratio limit.
    path = tmp_path / "big.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        out.writestr(INDEX, source)
    started = time.monotonic()
    reading = read_bundle(path)
    assert time.monotonic() - started < 60
    assert not reading.skipped
    assert len(reading.trust) <= 200
    assert any("only the first 200 uses of publicKeyHashes" in line
               for line in reading.info.unread)


def test_an_oversized_bundle_is_read_in_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    monkeypatch.setattr(reactnative, "_MAX_BUNDLE", 1024)
    reading = read_bundle(OUT / "rn_public_key_pins.apk")
    assert any("only the first" in line for line in reading.info.unread)


# --- real artifacts: the libraries' published JavaScript, the real hermesc --------------------

_COMPILERS = [("hermes-engine-0.11.0", "package/linux64-bin/hermesc", 84),
              ("hermes-compiler-0.14.0", "package/hermesc/linux64-bin/hermesc", 96),
              ("hermes-compiler-260318099.0.6", "package/hermesc/linux64-bin/hermesc", 99)]


def _library_source() -> bytes:
    base = "react-native-ssl-public-key-pinning-1.2.6"
    return b"\n".join(framework_artifact(base, f"package/lib/commonjs/{name}").read_bytes()
                      for name in ("index.js", "NativeSslPublicKeyPinning.js"))


def test_real_library_javascript_is_a_library_without_pins(tmp_path: Path) -> None:
    reading = read_js(tmp_path, _library_source().decode())
    assert kinds(reading) == [TrustKind.PINNING_LIBRARY]
    assert "react-native-ssl-public-key-pinning" in reading.trust[0].evidence
    ssl_pinning = framework_artifact("react-native-ssl-pinning-1.6.0", "package/index.js")
    (tmp_path / "b").mkdir()
    reading = read_js(tmp_path / "b", ssl_pinning.read_text())
    assert kinds(reading) == [TrustKind.PINNING_LIBRARY]
    assert any("RNSslPinning" in line for line in reading.info.read)


def test_real_example_app_javascript(tmp_path: Path) -> None:
    app = framework_artifact("react-native-cert-pinner-0.4.1", "package/example/src/App.js")
    library = framework_artifact("react-native-cert-pinner-0.4.1", "package/index.js")
    reading = read_js(tmp_path, library.read_text() + "\n" + app.read_text())
    assert ("https://demo-server.approovr.io/hello", INDEX) in reading.urls
    assert kinds(reading) == [TrustKind.PINNING_LIBRARY]


@pytest.mark.parametrize(("package", "member", "version"), _COMPILERS)
def test_real_hermesc_output(tmp_path: Path, package: str, member: str, version: int) -> None:
    compiler = tmp_path / "hermesc"
    shutil.copy(framework_artifact(package, member), compiler)
    os.chmod(compiler, 0o755)
    source = tmp_path / "index.js"
    config = ('\nexports.initializeSslPinning({"' + HOST + '":{includeSubdomains:true,'
              'publicKeyHashes:["' + PIN_A + '","' + PIN_B + '"]}});\n'
              'var long = "' + "overflow " * 40 + '", wide = "h\\u00e9llo \\u4e16\\u754c";\n')
    source.write_bytes(_library_source() + config.encode())
    subprocess.run([str(compiler), "-emit-binary", "-O", "-out", "index.hbc", "index.js"],
                   check=True, cwd=tmp_path, capture_output=True)
    hermes = read_hermes((tmp_path / "index.hbc").read_bytes())
    assert hermes.parsed and hermes.version == version and not hermes.notes
    strings = set(hermes.strings)
    assert {"SslPublicKeyPinning", "pinning-error", HOST, PIN_A, PIN_B} <= strings
    assert "overflow " * 40 in strings and "h\u00e9llo \u4e16\u754c" in strings
    reading = read_bundle(make_apk(tmp_path, {INDEX: (tmp_path / "index.hbc").read_bytes()}))
    (pins,) = reading.trust
    assert set(pins.pins) == {f"sha256/{PIN_A}", f"sha256/{PIN_B}"}
    assert pins.hosts == (HOST,)
    assert f"Hermes bytecode v{version}" in reading.info.read[0]


def test_a_bundle_that_is_neither_hermes_nor_text_is_not_read(tmp_path: Path) -> None:
    reading = read_bundle(make_apk(tmp_path, {INDEX: b"\x7fELF" + bytes(60)}))
    assert not reading.trust and not reading.info.read
    assert [s.reason for s in reading.skipped] == ["neither Hermes bytecode nor JavaScript text"]
    assert any("not read" in note for note in reading.info.unread)


def test_a_bundle_of_text_without_pinning_is_read(tmp_path: Path) -> None:
    reading = read_js(tmp_path, "fetch('https://api.pinscan-demo.example/v1');")
    assert not reading.skipped and reading.info.read and not reading.trust
