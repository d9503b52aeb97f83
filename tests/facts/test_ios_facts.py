"""collect_ios_facts on IPAs built on the fly: the app and its parts, the executables, the
certificates found by content, and what is ignored (the signature) or refused."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from conftest import PIN_A, PIN_B, make_cert, pin_of
from cryptography.hazmat.primitives import serialization
from iosbuild import APP_NAME, BUNDLE_ID, app_info, build_ipa, plist_bytes

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.ios import IosFacts, app_root, collect_ios_facts
from mstg_pinscan.unpack import open_bundle

ROOT = f"Payload/{APP_NAME}.app"
ATS = "NSAppTransportSecurity"
BINARY = b"\xca\xfe\xba\xbe not really a Mach-O, but the app's executable"
PINNED = {ATS: {"NSPinnedDomains": {"api.acmebank.com": {"NSPinnedCAIdentities": [
    {"SPKI-SHA256-BASE64": PIN_A}, {"SPKI-SHA256-BASE64": PIN_B}]}}}}


def collect(path: Path) -> IosFacts:
    with open_bundle(path) as bundle:
        return collect_ios_facts(bundle)


def _der(subject: str, **kwargs: object) -> tuple[bytes, str]:
    cert, _ = make_cert(subject, **kwargs)  # type: ignore[arg-type]
    return cert.public_bytes(serialization.Encoding.DER), pin_of(cert)


def test_app_part_from_a_binary_plist(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(**PINNED), executable=None))
    app = facts.app
    assert (app.kind, app.root, app.plist) == ("app", ROOT, f"{ROOT}/Info.plist")
    assert (app.bundle_id, app.version, app.minimum_os) == (BUNDLE_ID, "1.2.3", "14.0")
    assert app.ats.present and [p.name for p in app.ats.pinned] == ["api.acmebank.com"]
    assert app.trustkit is None and app.executable is None
    assert facts.parts == () and facts.binaries == {} and facts.skipped == ()
    assert facts.trustkit_bundled is False


def test_app_part_from_an_xml_plist(tmp_path: Path) -> None:
    path = build_ipa(tmp_path, app_info(**PINNED), xml=True)
    with zipfile.ZipFile(path) as archive:
        assert archive.read(f"{ROOT}/Info.plist").startswith(b"<?xml")
    assert collect(path).app.ats.pinned[0].name == "api.acmebank.com"


def test_version_falls_back_to_the_bundle_version(tmp_path: Path) -> None:
    info = app_info()
    del info["CFBundleShortVersionString"]
    assert collect(build_ipa(tmp_path, info)).app.version == "45"


def test_nested_parts_have_their_own_settings(tmp_path: Path) -> None:
    extension = {"CFBundleIdentifier": f"{BUNDLE_ID}.share", "CFBundleShortVersionString": "2",
                 ATS: {"NSAllowsArbitraryLoads": True}}
    framework = {"CFBundleIdentifier": "com.vendor.Kit", "CFBundleExecutable": "Kit"}
    watch = plist_bytes({"CFBundleIdentifier": f"{BUNDLE_ID}.watch"})
    facts = collect(build_ipa(
        tmp_path, app_info(), extensions={"Share": extension}, frameworks={"Kit": framework},
        executable=None, files={"Watch/Acme Watch.app/Info.plist": watch,
               "en.lproj/Info.plist": plist_bytes({"CFBundleName": "Acme"})}))
    parts = {p.root: p for p in facts.parts}
    assert set(parts) == {f"{ROOT}/PlugIns/Share.appex", f"{ROOT}/Frameworks/Kit.framework",
                          f"{ROOT}/Watch/Acme Watch.app"}  # the .lproj plist is no part
    share = parts[f"{ROOT}/PlugIns/Share.appex"]
    assert share.kind == "extension" and share.bundle_id == f"{BUNDLE_ID}.share"
    assert share.ats.arbitrary_loads_effective
    assert share.plist == f"{ROOT}/PlugIns/Share.appex/Info.plist"
    kit = parts[f"{ROOT}/Frameworks/Kit.framework"]
    assert kit.kind == "framework" and kit.executable == f"{ROOT}/Frameworks/Kit.framework/Kit"
    assert parts[f"{ROOT}/Watch/Acme Watch.app"].kind == "watch app"
    # The app's own settings are not the extension's.
    assert not facts.app.ats.arbitrary_loads
    # Every executable a plist names is kept for the binary reader.
    assert set(facts.binaries) == {f"{ROOT}/Frameworks/Kit.framework/Kit"}


def test_unreadable_nested_plist_is_skipped_not_fatal(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(),
                              files={"PlugIns/Bad.appex/Info.plist": b"garbage"}))
    assert facts.parts == ()
    assert [s.item for s in facts.skipped] == [f"{ROOT}/PlugIns/Bad.appex/Info.plist"]
    assert "not a readable property list" in facts.skipped[0].reason


def test_executable_named_by_the_plist_is_kept(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(CFBundleExecutable="AcmeBank"),
                              executable=BINARY, files={"Other": b"another file"}))
    assert facts.app.executable == f"{ROOT}/AcmeBank"
    assert facts.binaries == {f"{ROOT}/AcmeBank": BINARY}


def test_executable_that_is_missing_is_skipped(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(CFBundleExecutable="Gone"), executable=None))
    assert facts.app.executable is None and facts.binaries == {}
    assert [(s.item, s.reason) for s in facts.skipped] == [
        (f"{ROOT}/Gone", "CFBundleExecutable names no file in the bundle")]


def test_certificates_are_found_by_content(tmp_path: Path) -> None:
    der, pin = _der("api.acmebank.com")
    pem_cert, _ = make_cert("Acme Root", ca=True)
    pem = pem_cert.public_bytes(serialization.Encoding.PEM)
    facts = collect(build_ipa(tmp_path, app_info(), files={
        "assets/logo.dat": der, "certs/root.crt": pem, "notes.txt": b"no certificate here"}))
    found = {c.path: c for c in facts.certificates}
    assert set(found) == {f"{ROOT}/assets/logo.dat", f"{ROOT}/certs/root.crt"}
    assert found[f"{ROOT}/assets/logo.dat"].spki_sha256 == pin
    assert found[f"{ROOT}/certs/root.crt"].is_ca


def test_pin_strings_are_collected(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(), files={
        "config.json": f'{{"pins": ["{PIN_A}"]}}'.encode()}))
    assert [(p.value, p.file) for p in facts.pin_strings] == [(PIN_A, f"{ROOT}/config.json")]


def test_signature_and_provisioning_profile_are_ignored(tmp_path: Path) -> None:
    der, _ = _der("Apple Worldwide Developer Relations", not_after=dt.date(2025, 1, 1))
    profile = b"0\x80\x06\x09*\x86H\x86\xf7\r\x01\x07\x02" + der + b"<plist/>"
    facts = collect(build_ipa(tmp_path, app_info(), files={
        "embedded.mobileprovision": profile, "_CodeSignature/CodeResources": der,
        "_CodeSignature/CodeSignature": b"<data>" + PIN_A.encode() + b"</data>"}))
    assert facts.certificates == () and facts.pin_strings == ()


def test_signature_of_a_nested_part_is_ignored(tmp_path: Path) -> None:
    der, _ = _der("Apple Worldwide Developer Relations", not_after=dt.date(2025, 1, 1))
    profile = b"0\x80\x06\x09*\x86H\x86\xf7\r\x01\x07\x02" + der + b"<plist/>"
    extension = "PlugIns/Share.appex"
    facts = collect(build_ipa(
        tmp_path, app_info(), extensions={"Share": {"CFBundleIdentifier": f"{BUNDLE_ID}.s"}},
        files={f"{extension}/embedded.mobileprovision": profile,
               f"{extension}/_CodeSignature/CodeResources": der}))
    assert facts.certificates == ()


@pytest.mark.parametrize(("files", "bundled"), [
    pytest.param({"Frameworks/TrustKit.framework/TrustKit": BINARY}, True, id="framework"),
    pytest.param({"Frameworks/TrustKit.framework/Info.plist": plist_bytes({})}, True,
                 id="framework-plist-only"),
    pytest.param({"Frameworks/Alamofire.framework/Alamofire": BINARY}, False,
                 id="other-framework"),
    pytest.param({}, False, id="no-framework"),
])
def test_trustkit_detected_by_its_framework(tmp_path: Path, files: dict[str, bytes],
                                            bundled: bool) -> None:
    tsk = {"TSKConfiguration": {"TSKPinnedDomains": {}}}
    facts = collect(build_ipa(tmp_path, app_info(**tsk), files=files))
    assert facts.trustkit_bundled is bundled
    assert facts.app.trustkit is not None


def test_trustkit_detected_in_the_executable(tmp_path: Path) -> None:
    facts = collect(build_ipa(tmp_path, app_info(), executable=BINARY + b" TSKPinningValidator"))
    assert facts.trustkit_bundled is True


def test_missing_top_level_plist_is_a_fact_error(tmp_path: Path) -> None:
    path = build_ipa(tmp_path, None, files={"Acme": BINARY})
    with pytest.raises(FactError, match="not an IPA"):
        collect(path)


@pytest.mark.parametrize("plist", [
    pytest.param(b"garbage", id="garbage"),
    pytest.param(plist_bytes({"a": 1})[:20], id="truncated"),
    pytest.param(b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "x">]><plist><dict/></plist>',
                 id="entity"),
    pytest.param(b'<plist version="1.0"><array/></plist>', id="array"),
])
def test_unreadable_top_level_plist_is_a_fact_error(tmp_path: Path, plist: bytes) -> None:
    path = build_ipa(tmp_path, plist)
    with pytest.raises(FactError) as raised:
        collect(path)
    assert str(path) in raised.value.diagnostics()
    assert "Info.plist" in raised.value.diagnostics()


def test_zipped_app(tmp_path: Path) -> None:
    path = build_ipa(tmp_path, app_info(**PINNED), zipped_app=True, executable=BINARY,
                     extensions={"Share": {"CFBundleIdentifier": f"{BUNDLE_ID}.share"}},
                     filename="Acme.app.zip")
    facts = collect(path)
    assert facts.app.root == f"{APP_NAME}.app"
    assert facts.app.executable == f"{APP_NAME}.app/{APP_NAME}"
    assert [p.root for p in facts.parts] == [f"{APP_NAME}.app/PlugIns/Share.appex"]
    assert facts.app.ats.pinned[0].name == "api.acmebank.com"


def test_app_root_is_the_top_level_app(tmp_path: Path) -> None:
    path = build_ipa(tmp_path, app_info(), extensions={"Share": {}})
    with open_bundle(path) as bundle:
        assert app_root(bundle) == ROOT
