"""The Cordova and Capacitor readers: plugin trust modes, config.xml, capacitor.config.json."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, framework_artifact

from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    collect_framework_facts,
    cordova,
)
from mstg_pinscan.models import Location, Platform
from mstg_pinscan.unpack import Bundle

SAMPLES = ROOT / "sample_apps" / "frameworks" / "cordova"
OUT = SAMPLES / "out"
PKI = ROOT / "sample_apps" / "pki"
BASE_APK = ROOT / "sample_apps" / "apks" / "pinned_backup.apk"
BASE_IPA = ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa"
APP = "Payload/WebContent.app/"
CORDOVA_JS = b"// cordova.js\n"
FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")
LEAF_SHA256 = hashlib.sha256((PKI / "leaf.der").read_bytes()).hexdigest()


def read_bundle(path: Path) -> FrameworkReading:
    platform = Platform.IOS if path.suffix == ".ipa" else Platform.ANDROID
    with Bundle(path) as bundle:
        for reader in (cordova.CORDOVA, cordova.CAPACITOR):
            evidence = reader.detect(bundle.names(), platform)
            if evidence:
                return reader.read(bundle, evidence, platform)
    raise AssertionError(f"{path.name} is recognised as neither Cordova nor Capacitor")


def make_app(tmp_path: Path, files: dict[str, bytes], ios: bool = False,
             stored: bool = False) -> Path:
    """The base sample app plus ``files`` (under the app folder on iOS)."""
    path = tmp_path / ("app.ipa" if ios else "app.apk")
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(BASE_IPA if ios else BASE_APK) as base, \
            zipfile.ZipFile(path, "w", method) as out:
        for name in base.namelist():
            if not name.endswith("/"):
                out.writestr(name, base.read(name))
        for entry, data in files.items():
            out.writestr((APP if ios else "") + entry, data)
    return path


def cordova_app(tmp_path: Path, script: str | bytes, ios: bool = False, stored: bool = False,
                **files: bytes) -> FrameworkReading:
    """A Cordova app whose ``www/js/app.js`` is ``script``; ``files`` are named with ``/``
    written as ``__`` and ``.`` as ``_DOT_``."""
    root = "www/" if ios else "assets/www/"
    extra = {name.replace("__", "/").replace("_DOT_", "."): data for name, data in files.items()}
    data = script.encode() if isinstance(script, str) else script
    return read_bundle(make_app(tmp_path, {root + "cordova.js": CORDOVA_JS,
                                           root + "js/app.js": data, **extra},
                                     ios=ios, stored=stored))


def capacitor_app(tmp_path: Path, config: object, ios: bool = False,
                  **files: bytes) -> FrameworkReading:
    data = config if isinstance(config, bytes) else json.dumps(config).encode()
    extra = {name.replace("__", "/").replace("_DOT_", "."): data for name, data in files.items()}
    where = "capacitor.config.json" if ios else "assets/capacitor.config.json"
    root = "public/" if ios else "assets/public/"
    return read_bundle(make_app(tmp_path, {where: data, root + "index.html": b"<html></html>",
                                           **extra}, ios=ios))


def kinds(reading: FrameworkReading) -> list[TrustKind]:
    return [t.kind for t in reading.trust]


def only(reading: FrameworkReading, kind: TrustKind) -> FrameworkTrust:
    found = [t for t in reading.trust if t.kind is kind]
    assert len(found) == 1, reading.trust
    return found[0]


def compile_config(tmp_path: Path, xml: bytes) -> bytes:
    """config.xml compiled to binary XML by Debian's aapt, as in a Cordova APK."""
    if shutil.which("aapt") is None or not FRAMEWORK_RES.is_file():
        pytest.skip("needs aapt and android-framework-res")
    work = tmp_path / "aapt"
    (work / "res" / "xml").mkdir(parents=True)
    (work / "res" / "xml" / "config.xml").write_bytes(xml)
    (work / "AndroidManifest.xml").write_text(
        '<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="a.b"/>')
    subprocess.run(["aapt", "package", "-f", "-M", str(work / "AndroidManifest.xml"), "-S",
                    str(work / "res"), "-I", str(FRAMEWORK_RES), "-F", str(work / "o.ap_")],
                   check=True, capture_output=True)
    with zipfile.ZipFile(work / "o.ap_") as out:
        return out.read("res/xml/config.xml")


# --- sample apps ------------------------------------------------------------------------------


def test_samples_are_reproducible(tmp_path: Path) -> None:
    if shutil.which("aapt") is None or not FRAMEWORK_RES.is_file():
        pytest.skip("needs aapt and android-framework-res")
    subprocess.run(["python3", str(SAMPLES / "build.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for built in sorted(OUT.iterdir()):
        assert (tmp_path / built.name).read_bytes() == built.read_bytes(), built.name


def test_pinned_sample() -> None:
    reading = read_bundle(OUT / "cordova_pinned.apk")
    pins = only(reading, TrustKind.PINS)
    assert pins.framework == "cordova"
    assert pins.location.file == "assets/www/js/app.js" and pins.location.element == "line 3"
    assert pins.certificates == ("assets/www/certificates/pinscan_issuing_ca.cer",
                                 "assets/www/certificates/pinscan_leaf.cer")
    assert pins.hosts == ("api.pinscan-demo.example",)
    assert "1 other file(s) in www/certificates that the plugin ignores" in pins.evidence
    assert kinds(reading) == [TrustKind.PINS]
    assert ("https://api.pinscan-demo.example/v1/account", "assets/www/js/app.js") in reading.urls
    assert any("native plugins declared: CordovaHttpPlugin" in r for r in reading.info.read)


def test_nocheck_sample_minified_ionic_style() -> None:
    reading = read_bundle(OUT / "cordova_nocheck.apk")
    trust_all = only(reading, TrustKind.TRUST_ALL)
    assert trust_all.evidence.startswith('this.http.setServerTrustMode("nocheck")')
    assert trust_all.hosts == ("login.pinscan-demo.example",)
    assert TrustKind.PINS not in kinds(reading)


def test_legacy_open_sample() -> None:
    reading = read_bundle(OUT / "cordova_legacy_open.apk")
    weak = sorted(t.location.element or "" for t in reading.trust
                  if t.kind is TrustKind.WEAK_SETTING)
    assert weak == ["access[@origin='*']", "allow-navigation[@href='http://*/*']",
                    "preference[@name='AndroidInsecureFileModeEnabled']",
                    "preference[@name='scheme']"]
    callback = only(reading, TrustKind.CALLBACK)
    assert "trust mode set from a variable" in callback.evidence
    assert "setServerTrustMode(trustMode)" in callback.evidence
    assert not {TrustKind.TRUST_ALL, TrustKind.PINS} & set(kinds(reading))
    assert any("'legacy' mode trusts the system's CA" in r for r in reading.info.read)


def test_capacitor_cleartext_sample() -> None:
    reading = read_bundle(OUT / "capacitor_cleartext.apk")
    assert reading.info.name == "capacitor"
    assert sorted(t.location.element or "" for t in reading.trust) == [
        "android.allowMixedContent", "server.cleartext", "server.url"]
    assert set(kinds(reading)) == {TrustKind.WEAK_SETTING}
    url = next(t for t in reading.trust if t.location.element == "server.url")
    assert url.hosts == ("dev.pinscan-demo.example",)
    assert ("http://dev.pinscan-demo.example:8100", "assets/capacitor.config.json") in reading.urls


def test_capacitor_clean_sample() -> None:
    reading = read_bundle(OUT / "capacitor_clean.apk")
    assert reading.trust == []
    assert any("CapacitorHttp.enabled" in r for r in reading.info.read)
    assert ("https://api.pinscan-demo.example/v1/status", "assets/public/js/app.js") in (
        reading.urls)


def test_capacitor_plugins_sample() -> None:
    reading = read_bundle(OUT / "capacitor_plugins.apk")
    pins = only(reading, TrustKind.PINS)
    assert pins.location.element == "plugins.SSLPinning"
    assert pins.certificates == ("assets/public/certificates/pinscan_leaf.cer",)
    assert "not in the bundle: certificates/pinscan_missing.cer" in pins.evidence
    assert "bypassed for https://cdn.pinscan-demo.example" in pins.evidence
    skip = only(reading, TrustKind.TRUST_ALL)
    assert skip.location.file == "assets/capacitor.plugins.json"
    assert "@jcesarmobile/ssl-skip" in skip.evidence
    assert TrustKind.PINNING_LIBRARY not in kinds(reading)  # its configuration was read


def test_cordova_ipa_sample() -> None:
    reading = read_bundle(OUT / "cordova_ios.ipa")
    pins = only(reading, TrustKind.PINS)
    assert pins.certificates == (APP + "www/certificates/pinscan_leaf.cer",)
    checker = only(reading, TrustKind.PINNING_LIBRARY)
    assert checker.hosts == ("api.pinscan-demo.example",)
    assert checker.pins == (f"cert-sha256/{LEAF_SHA256}",)
    assert not {TrustKind.TRUST_ALL, TrustKind.WEAK_SETTING} & set(kinds(reading))


def test_samples_through_collect() -> None:
    with Bundle(OUT / "capacitor_cleartext.apk") as bundle:
        facts = collect_framework_facts(bundle, Platform.ANDROID)
    assert [f.name for f in facts.frameworks] == ["capacitor"]
    with Bundle(OUT / "cordova_pinned.apk") as bundle:
        facts = collect_framework_facts(bundle, Platform.ANDROID)
    assert [f.name for f in facts.frameworks] == ["cordova"]
    assert [t.kind for t in facts.trust] == [TrustKind.PINS]


# --- advanced-http calls ----------------------------------------------------------------------


@pytest.mark.parametrize("script, kind", [
    ("cordova.plugin.http.setServerTrustMode('nocheck', ok, err);", TrustKind.TRUST_ALL),
    ('window.cordova.plugin.http.setServerTrustMode("nocheck")', TrustKind.TRUST_ALL),
    ("HTTP.setServerTrustMode(`nocheck`).then(f)", TrustKind.TRUST_ALL),
    ("cordova . plugin . http . setServerTrustMode (\n  'nocheck' ,ok)", TrustKind.TRUST_ALL),
    ("cordova.plugin.http.setSSLCertMode('nocheck', ok, err)", TrustKind.TRUST_ALL),
    ("cordovaHTTP.acceptAllCerts(true, ok, err)", TrustKind.TRUST_ALL),
    ("e.acceptAllCerts(!0,function(){},function(){})", TrustKind.TRUST_ALL),
    ("cordova.plugins.certificates.trustUnsecureCerts(true)", TrustKind.TRUST_ALL),
    ("cordovaHTTP.enableSSLPinning(true, ok, err)", TrustKind.PINS),
    ("x ? h.setServerTrustMode('pinned') : h.setServerTrustMode(m)", TrustKind.PINS),
    ("http.setServerTrustMode(mode, ok, err)", TrustKind.CALLBACK),
    ("http.setServerTrustMode(`${prefix}check`)", TrustKind.CALLBACK),
    ("cordova.plugins.certificates.trustUnsecureCerts(flag)", TrustKind.CALLBACK),
])
def test_trust_calls(tmp_path: Path, script: str, kind: TrustKind) -> None:
    reading = cordova_app(tmp_path, script)
    assert kind in kinds(reading), reading.trust


@pytest.mark.parametrize("script", [
    "cordova.plugin.http.setServerTrustMode('default', ok, err)",
    "cordova.plugin.http.setServerTrustMode('legacy', ok, err)",
    "cordova.plugin.http.setServerTrustMode('bogus', ok, err)",
    "cordovaHTTP.acceptAllCerts(false, ok, err)",
    "cordovaHTTP.enableSSLPinning(!1, ok, err)",
    "cordova.plugins.certificates.trustUnsecureCerts(false)",
    # definitions, as the plugin and its wrappers write them, are not calls
    "function setServerTrustMode(mode, success, failure) { return exec(mode); }",
    "class H { setServerTrustMode(mode) { return cordova(this, 'x', {}, arguments); } }",
    "H.prototype.setServerTrustMode = function (mode) { return cordova(this, mode); };",
    "var s = 'setServerTrustMode'; // setServerTrustMode is documented elsewhere",
    "cordova.plugin.http.setServerTrustMode('nocheck'",  # cut off: never closes
])
def test_no_trust_item(tmp_path: Path, script: str) -> None:
    assert cordova_app(tmp_path, script).trust == []


def test_modes_in_read(tmp_path: Path) -> None:
    reading = cordova_app(tmp_path, "h.setServerTrustMode('default');h.setServerTrustMode('xx')")
    assert any("'default' mode trusts the system's CA certificates" in r
               for r in reading.info.read)
    assert any("not a trust mode of cordova-plugin-advanced-http" in r for r in reading.info.read)


def test_pinned_without_certificates(tmp_path: Path) -> None:
    pins = only(cordova_app(tmp_path, "cordova.plugin.http.setServerTrustMode('pinned')"),
                TrustKind.PINS)
    assert pins.certificates == ()
    assert "every TLS request made through the plugin fails" in pins.evidence


def test_pinned_certificate_folder_rules(tmp_path: Path) -> None:
    leaf = (PKI / "leaf.der").read_bytes()
    reading = cordova_app(
        tmp_path, "cordova.plugin.http.setServerTrustMode('pinned')",
        assets__www__certificates__good_DOT_cer=leaf,
        assets__www__certificates__broken_DOT_cer=b"not a certificate",
        assets__www__certificates__nested__deep_DOT_cer=leaf,
        assets__www__certificates__leaf_DOT_pem=(PKI / "leaf.pem").read_bytes())
    pins = only(reading, TrustKind.PINS)
    # One .cer that CertificateFactory rejects makes Android's switch to pinned mode fail.
    assert pins.certificates == ()
    assert "the switch fails on Android" in pins.evidence
    assert "broken.cer holds no readable certificate" in pins.evidence
    assert "1 other file(s)" in pins.evidence  # leaf.pem; the nested file is not listed
    assert any(s.item == "assets/www/certificates/broken.cer" for s in reading.skipped)
    ios = cordova_app(tmp_path, "cordova.plugin.http.setServerTrustMode('pinned')", ios=True,
                      www__certificates__good_DOT_cer=leaf,
                      www__certificates__nested__deep_DOT_cer=leaf)
    assert only(ios, TrustKind.PINS).certificates == (APP + "www/certificates/good.cer",)


def test_ios_pem_cer_is_noted(tmp_path: Path) -> None:
    reading = cordova_app(tmp_path, "cordova.plugin.http.setServerTrustMode('pinned')",
                          ios=True, www__certificates__leaf_DOT_cer=(PKI / "leaf.pem").read_bytes())
    pins = only(reading, TrustKind.PINS)
    assert pins.certificates == (APP + "www/certificates/leaf.cer",)
    assert "is PEM: iOS pins the file's bytes as DER" in pins.evidence


def test_request_hosts_only_from_plugin_calls(tmp_path: Path) -> None:
    script = ("cordova.plugin.http.setServerTrustMode('nocheck');"
              "cordova.plugin.http.post('https://a.pinscan-demo.example/x', {}, {});"
              "$.get('https://b.pinscan-demo.example/y');")
    trust_all = only(cordova_app(tmp_path, script), TrustKind.TRUST_ALL)
    assert trust_all.hosts == ("a.pinscan-demo.example",)


def test_certificate_checker(tmp_path: Path) -> None:
    fingerprint = ":".join(LEAF_SHA256[i:i + 2] for i in range(0, 64, 2)).upper()
    script = (f'var fp = "{fingerprint}";\n'
              "window.plugins.sslCertificateChecker.check(ok, err, "
              "'https://c.pinscan-demo.example', fp);")
    checker = only(cordova_app(tmp_path, script), TrustKind.PINNING_LIBRARY)
    assert checker.pins == (f"cert-sha256/{LEAF_SHA256}",)
    assert checker.hosts == ("c.pinscan-demo.example",)
    assert checker.location.element == "line 2"


def test_checker_installed_without_call(tmp_path: Path) -> None:
    plugins = b'module.exports = [{"pluginId": "cordova-plugin-sslcertificatechecker"}];'
    reading = cordova_app(tmp_path, "console.log(1)", assets__www__cordova_plugins_DOT_js=plugins)
    checker = only(reading, TrustKind.PINNING_LIBRARY)
    assert checker.location.file == "assets/www/cordova_plugins.js"
    assert cordova_app(tmp_path, "console.log(1)").trust == []


# --- config.xml -------------------------------------------------------------------------------


def config_xml(*body: str) -> bytes:
    return ('<?xml version="1.0"?><widget xmlns="http://www.w3.org/ns/widgets" id="a.b">'
            + "".join(body) + "</widget>").encode()


@pytest.mark.parametrize("element, expected", [
    ('<access origin="*"/>', "access[@origin='*']"),
    ('<access origin="http://old.pinscan-demo.example"/>',
     "access[@origin='http://old.pinscan-demo.example']"),
    ('<allow-navigation href="*"/>', "allow-navigation[@href='*']"),
    ('<allow-navigation href="http://*/*"/>', "allow-navigation[@href='http://*/*']"),
    ('<allow-navigation href="*://*/*"/>', "allow-navigation[@href='*://*/*']"),
    ('<preference name="androidinsecurefilemodeenabled" value="TRUE"/>',
     "preference[@name='androidinsecurefilemodeenabled']"),
    ('<preference name="Scheme" value="http"/>', "preference[@name='Scheme']"),
    ('<content src="http://start.pinscan-demo.example/"/>',
     "content[@src='http://start.pinscan-demo.example/']"),
])
def test_config_weak_settings(tmp_path: Path, element: str, expected: str) -> None:
    reading = cordova_app(tmp_path, "", res__xml__config_DOT_xml=config_xml(element))
    weak = only(reading, TrustKind.WEAK_SETTING)
    assert weak.location == Location("res/xml/config.xml", expected)


@pytest.mark.parametrize("element", [
    '<access origin="https://api.pinscan-demo.example"/>',
    '<allow-navigation href="https://*/*"/>',
    '<allow-intent href="http://*/*"/>',
    '<preference name="AndroidInsecureFileModeEnabled" value="false"/>',
    '<preference name="scheme" value="https"/>',
    '<content src="index.html"/>',
    '<content src="https://start.pinscan-demo.example/"/>',
])
def test_config_not_weak(tmp_path: Path, element: str) -> None:
    reading = cordova_app(tmp_path, "", res__xml__config_DOT_xml=config_xml(element))
    assert reading.trust == []


def test_compiled_config_xml(tmp_path: Path) -> None:
    compiled = compile_config(tmp_path, config_xml(
        '<access origin="*"/><feature name="CordovaHttpPlugin"/>'))
    reading = cordova_app(tmp_path, "", res__xml__config_DOT_xml=compiled)
    assert only(reading, TrustKind.WEAK_SETTING).location.element == "access[@origin='*']"
    assert any("CordovaHttpPlugin" in r for r in reading.info.read)


def test_ios_scheme_preference_is_not_android(tmp_path: Path) -> None:
    reading = cordova_app(tmp_path, "", ios=True, config_DOT_xml=config_xml(
        '<preference name="scheme" value="http"/>'))
    assert reading.trust == []


# --- capacitor.config.json --------------------------------------------------------------------


@pytest.mark.parametrize("config, element", [
    ({"server": {"cleartext": True}}, "server.cleartext"),
    ({"server": {"url": "http://10.0.2.2:8100"}}, "server.url"),
    ({"server": {"androidScheme": "http"}}, "server.androidScheme"),
    ({"android": {"allowMixedContent": True}}, "android.allowMixedContent"),
])
def test_capacitor_weak(tmp_path: Path, config: dict[str, object], element: str) -> None:
    weak = only(capacitor_app(tmp_path, config), TrustKind.WEAK_SETTING)
    assert weak.location.element == element


@pytest.mark.parametrize("config", [
    {"server": {"cleartext": False, "url": "https://live.pinscan-demo.example"}},
    {"server": {"androidScheme": "https", "cleartext": "true"}},  # a string is not true
    {"android": {"allowMixedContent": False}},
    {"server": [], "android": "x", "plugins": 3},
])
def test_capacitor_not_weak(tmp_path: Path, config: dict[str, object]) -> None:
    assert capacitor_app(tmp_path, config).trust == []


def test_capacitor_ios(tmp_path: Path) -> None:
    config = {"server": {"cleartext": True, "androidScheme": "http"},
              "android": {"allowMixedContent": True}, "packageClassList": ["SslSkipPlugin"]}
    reading = capacitor_app(tmp_path, config, ios=True)
    # server.cleartext, androidScheme and allowMixedContent are Android settings.
    assert [t.location.element for t in reading.trust] == ["@jcesarmobile/ssl-skip"]
    assert only(reading, TrustKind.TRUST_ALL).location.file == APP + "capacitor.config.json"


def test_capacitor_default_access_is_not_weak(tmp_path: Path) -> None:
    """Capacitor writes <access origin="*"> for its Cordova plugins by default."""
    reading = capacitor_app(tmp_path, {}, res__xml__config_DOT_xml=config_xml(
        '<access origin="*"/><allow-navigation href="http://*/*"/>'))
    assert only(reading, TrustKind.WEAK_SETTING).location.element == (
        "allow-navigation[@href='http://*/*']")
    assert any("Capacitor's default" in r for r in reading.info.read)


def test_ssl_pinning_plugin(tmp_path: Path) -> None:
    config = {"plugins": {"SSLPinning": {"certs": ["certs/leaf.cer"]}}}
    pins = only(capacitor_app(tmp_path, config, assets__certs__leaf_DOT_cer=b"x"),
                TrustKind.PINS)
    assert pins.certificates == ("assets/certs/leaf.cer",)
    listed = b'[{"pkg": "@capgo/capacitor-ssl-pinning", "classpath": "a.SSLPinningPlugin"}]'
    reading = capacitor_app(tmp_path, {}, assets__capacitor_DOT_plugins_DOT_json=listed)
    assert only(reading, TrustKind.PINNING_LIBRARY).location.file == (
        "assets/capacitor.plugins.json")
    assert capacitor_app(tmp_path, {"plugins": {"SSLPinning": "x"}}).trust == []


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b'{"server": {"cleartext": tru',
    b"[" * 200_000 + b"]" * 200_000,
    b"\xff\xfe\x00garbage",
    b"[1, 2, 3]",
])
def test_malformed_capacitor_config(tmp_path: Path, data: bytes) -> None:
    reading = capacitor_app(tmp_path, data)
    assert reading.trust == []
    assert any(s.item == "assets/capacitor.config.json" for s in reading.skipped)
    assert any("capacitor.config.json" in u for u in reading.info.unread)


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><widget><access origin="&c;"/>'
    b'<access origin="*"/></widget>',
    b"\x03\x00\x08\x00" + bytes(range(256)) * 4,
    b"<widget><access origin='*'",
    b"",
])
def test_malformed_config_xml(tmp_path: Path, data: bytes) -> None:
    reading = cordova_app(tmp_path, "", res__xml__config_DOT_xml=data)
    # The entity is never expanded; a tree that does not parse is skipped.
    assert all("aaaaaaaaaa" not in t.evidence for t in reading.trust)
    assert reading.skipped or [t.location.element for t in reading.trust] == [
        "access[@origin='*']"]


def test_huge_script_is_skipped(tmp_path: Path) -> None:
    big = b"cordova.plugin.http.setServerTrustMode('nocheck');" + b" " * (17 * 1024 * 1024)
    path = make_app(tmp_path, {"assets/www/cordova.js": CORDOVA_JS,
                               "assets/www/vendor.js": big,
                               "assets/www/js/app.js": b"h.setServerTrustMode('nocheck')"},
                    stored=True)
    reading = read_bundle(path)
    assert any(s.item == "assets/www/vendor.js" and "16 MiB" in s.reason
               for s in reading.skipped)
    assert [t.location.file for t in reading.trust] == ["assets/www/js/app.js"]


def test_many_scripts_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cordova, "_MAX_SCRIPTS", 5)
    files = {f"assets/www/js/m{i:02}.js": b"var x = 1;" for i in range(20)}
    reading = read_bundle(make_app(tmp_path, {"assets/www/cordova.js": CORDOVA_JS, **files}))
    assert any("more script(s) not searched" in u for u in reading.info.unread)
    assert any("5 of 21 script(s)" in r for r in reading.info.read)


def test_dense_calls_stay_fast(tmp_path: Path) -> None:
    script = ("h.setServerTrustMode(" + "(" * 3000 + "\n") * 2000
    script += "a.sslCertificateChecker.check(a,b,'https://x', 'AB:CD');\n" * 2000
    start = time.monotonic()
    reading = cordova_app(tmp_path, script, stored=True)
    assert time.monotonic() - start < 20
    assert len(reading.trust) <= 300


def test_garbage_scripts(tmp_path: Path) -> None:
    source = (SAMPLES / "src" / "cordova_legacy_open" / "www" / "js" / "app.js").read_bytes()
    rng = random.Random(7)
    for round_ in range(30):
        data = bytearray(source)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[:rng.randint(0, len(data))])
        (tmp_path / str(round_)).mkdir()
        reading = cordova_app(tmp_path / str(round_), cut)
        assert all(isinstance(t, FrameworkTrust) for t in reading.trust)


# --- real artifacts ---------------------------------------------------------------------------


def readme_code(package: str) -> str:
    text = framework_artifact(package, "package/README.md").read_text()
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.S))


def test_real_plugin_and_wrappers_are_not_calls(tmp_path: Path) -> None:
    """The plugin's own JavaScript, Ionic's wrappers, cordova.js and Capacitor's bridge define
    the trust calls and must not be read as making them."""
    http = framework_artifact("cordova-plugin-advanced-http-3.3.1", "package/www/helpers.js")
    files = {f"assets/www/plugins/cordova-plugin-advanced-http/www/{p.name}": p.read_bytes()
             for p in sorted(http.parent.glob("*.js"))}
    for package, member in [
            ("@ionic-native__http-5.36.0", "package/ngx/index.js"),
            ("@ionic-native__http-5.36.0", "package/index.js"),
            ("@awesome-cordova-plugins__http-9.2.0", "package/index.js"),
            ("cordova-plugin-certificates-0.6.4", "package/www/certificate.js"),
            ("cordova-plugin-sslcertificatechecker-6.0.0", "package/www/SSLCertificateChecker.js"),
            ("@capacitor__android-8.5.2", "package/capacitor/src/main/assets/native-bridge.js")]:
        files[f"assets/www/vendor/{package}/{Path(member).name}"] = (
            framework_artifact(package, member).read_bytes())
    files["assets/www/cordova.js"] = framework_artifact(
        "cordova-android-15.1.0", "package/templates/project/assets/www/cordova.js").read_bytes()
    reading = read_bundle(make_app(tmp_path, files))
    assert reading.trust == []
    assert any(f"{len(files)} of {len(files)} script(s)" in r for r in reading.info.read)


def test_real_readme_examples(tmp_path: Path) -> None:
    """The plugins' documented usage, taken as an app's code."""
    reading = cordova_app(
        tmp_path, readme_code("cordova-plugin-advanced-http-3.3.1"),
        assets__www__js__certs_DOT_js=readme_code("cordova-plugin-certificates-0.6.4").encode(),
        assets__www__js__check_DOT_js=readme_code(
            "cordova-plugin-sslcertificatechecker-6.0.0").encode())
    by_file: dict[str, list[TrustKind]] = {}
    for item in reading.trust:
        by_file.setdefault(item.location.file.rsplit("/", 1)[1], []).append(item.kind)
    assert sorted(by_file["app.js"], key=str) == sorted([TrustKind.PINS, TrustKind.TRUST_ALL],
                                                        key=str)
    assert by_file["certs.js"] == [TrustKind.TRUST_ALL]
    assert set(by_file["check.js"]) == {TrustKind.PINNING_LIBRARY}
    checker = next(t for t in reading.trust if t.kind is TrustKind.PINNING_LIBRARY)
    assert checker.hosts == ("build.phonegap.com",)
    assert checker.pins[0].startswith("cert-sha256/c62d9339")
    assert any("'default' mode" in r for r in reading.info.read)


def test_real_ios_template(tmp_path: Path) -> None:
    config = framework_artifact("cordova-ios-8.1.1", "package/templates/project/App/config.xml")
    script = framework_artifact("cordova-ios-8.1.1", "package/templates/project/www/cordova.js")
    path = make_app(tmp_path, {"config.xml": config.read_bytes(),
                               "www/cordova.js": script.read_bytes()}, ios=True)
    reading = read_bundle(path)
    # The template allows every origin; nothing else in it concerns TLS.
    assert [t.location.element for t in reading.trust] == ["access[@origin='*']"]
    assert any("CDVWebViewEngine" in r for r in reading.info.read)


def test_real_android_template(tmp_path: Path) -> None:
    config = framework_artifact("cordova-android-15.1.0",
                                "package/templates/project/res/xml/config.xml")
    script = framework_artifact("cordova-android-15.1.0",
                                "package/templates/project/assets/www/cordova.js")
    path = make_app(tmp_path, {"res/xml/config.xml": compile_config(tmp_path, config.read_bytes()),
                               "assets/www/cordova.js": script.read_bytes()})
    reading = read_bundle(path)
    assert reading.trust == []
    assert any("res/xml/config.xml: access" in r for r in reading.info.read)


def test_real_ssl_skip_plugin(tmp_path: Path) -> None:
    """capacitor.plugins.json as ``cap sync`` writes it for the real @jcesarmobile/ssl-skip."""
    package = json.loads(framework_artifact("@jcesarmobile__ssl-skip-0.9.0",
                                            "package/package.json").read_text())
    java = framework_artifact(
        "@jcesarmobile__ssl-skip-0.9.0",
        "package/android/src/main/java/com/jcesarmobile/sslskip/SslSkipPlugin.java").read_text()
    classpath = (re.search(r"^package ([\w.]+);", java, re.M).group(1)  # type: ignore[union-attr]
                 + "." + re.search(r"class (\w+)", java).group(1))  # type: ignore[union-attr]
    listed = json.dumps([{"pkg": package["name"], "classpath": classpath}]).encode()
    reading = capacitor_app(tmp_path, {}, assets__capacitor_DOT_plugins_DOT_json=listed)
    assert only(reading, TrustKind.TRUST_ALL).location.element == "@jcesarmobile/ssl-skip"
