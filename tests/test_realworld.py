"""Configurations from public apps (../shared/realworld, beside the checkout, read in place
and never copied): pinscan must say what an expert reviewer would.

The files are read where they are; without that folder these tests are skipped, and say so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import evaluate_config

from mstg_pinscan._cli import main
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.certs import read_certificate_file

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
NSC = REALWORLD / "nsc"
PLIST = REALWORLD / "plist"
needs_realworld = pytest.mark.skipif(not REALWORLD.is_dir(),
                                     reason=f"{REALWORLD} is not beside the checkout")


def _nsc(project: str) -> str:
    return next((NSC / project).rglob("network_security_config.xml")).read_text()


def _rules(result: object) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for decision in result.decisions:  # type: ignore[attr-defined]
        found.setdefault(decision.rule_name, []).append(decision)
    return found


@needs_realworld
def test_threema_trusts_user_cas_beside_its_pins(catalog: Catalog) -> None:
    result = evaluate_config(catalog, _nsc("threema-ch__threema-android"), min_sdk=24)
    rules = _rules(result)
    assert result.verdict.status.value == "fail"
    (user_ca,) = rules["nsc-user-ca-trusted"]
    assert user_ca.severity.value == "high" and user_ca.host is None  # base-config: all hosts
    pinned = {d.host for d in rules["nsc-pin-set-enforced"]}
    assert pinned == {"threema.ch", "sfu.threema.ch", "test.threema.ch"}
    rows = {h.host: h for h in result.hosts}
    assert len(rows["threema.ch"].pins) == 8 and rows["threema.ch"].backup_pin


@needs_realworld
def test_protonmail(catalog: Catalog) -> None:
    result = evaluate_config(catalog, _nsc("ProtonMail__proton-mail-android"), min_sdk=24)
    rules = _rules(result)
    assert [d.host for d in rules["nsc-pin-set-enforced"]] == ["api.protonmail.ch"]
    # enforcePinning on <domain-config> is no NSC attribute: Android ignores it.
    assert any("enforcePinning" in d.evidence for d in rules["nsc-ignored-markup"])
    # TrustKit configured for localhost without pins, and cleartext allowed in base-config.
    assert [d.host for d in rules["trustkit-without-pins"]] == ["localhost"]
    assert "cleartext-on-pinned-host" in rules
    rows = {h.host: h for h in result.hosts}
    assert rows["localhost"].first_party is False


@needs_realworld
def test_httptoolkit_dud_pins_are_placeholders(catalog: Catalog) -> None:
    raw = NSC / "httptoolkit__android-ssl-pinning-demo" / "app/src/main/res/raw"
    certificates = [c for f in sorted(raw.iterdir())
                    for c in read_certificate_file(f.read_bytes(),
                                                   f"res/raw/{f.name}").certificates]
    result = evaluate_config(
        catalog, _nsc("httptoolkit__android-ssl-pinning-demo"), min_sdk=24,
        certificates=certificates, raw={"@raw/testserver_root": "res/raw/testserver_root.pem"})
    rules = _rules(result)
    # "ABCDEF…" is no key digest: it is flagged, and the hosts count one real pin each.
    assert {d.host for d in rules["pin-placeholder"]} == {
        "rsa2048--untrusted-root.testserver.host", "rsa4096--untrusted-root.testserver.host"}
    assert {d.host for d in rules["nsc-pin-set-single-pin"]} == {
        "rsa2048--untrusted-root.testserver.host", "rsa4096--untrusted-root.testserver.host"}
    rows = {h.host: h for h in result.hosts}
    assert rows["rsa4096--untrusted-root.testserver.host"].protection == (
        "nsc-pin-set", "own-trust-store")
    assert rows["rsa2048--untrusted-root.testserver.host"].level.value == "own-pki"
    assert "certificate-transparency" in rules


@needs_realworld
def test_duckduckgo_debug_overrides_stay_in_debug(catalog: Catalog) -> None:
    rules = _rules(evaluate_config(catalog, _nsc("duckduckgo__Android"), min_sdk=24))
    assert "nsc-debug-overrides-inactive" in rules and "nsc-user-ca-trusted" not in rules


@needs_realworld
def test_wikipedia_adds_bundled_roots_to_the_system_store(catalog: Catalog) -> None:
    result = evaluate_config(catalog, _nsc("wikimedia__apps-android-wikipedia"), min_sdk=24,
                             raw={"@raw/isrg_root_x1": "res/raw/isrg_root_x1.pem",
                                  "@raw/isrg_root_x2": "res/raw/isrg_root_x2.pem"})
    rules = _rules(result)
    assert "nsc-bundled-anchor-added" in rules and "nsc-own-trust-store" not in rules
    assert result.verdict.status.value == "fail"  # no pinning, no code in this test


def _scan_plist(path: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    out = tmp_path / "r.json"
    main(["--as-of", "2026-12-01", "--format", "json", "-o", str(out), "--fail-on", "never",
          str(path)])
    return json.loads(out.read_text())


@needs_realworld
def test_ios_pinning_demo(tmp_path: Path) -> None:
    report = _scan_plist(PLIST / "httptoolkit__ios-ssl-pinning-demo/ios-pinning-demo/Info.plist",
                         tmp_path)
    rows = {h["host"]: h for h in report["hosts"]}
    pinned = rows["sha256.badssl.com"]
    assert pinned["protection"] == ["ats-pinned-domains"] and not pinned["backup_pin"]
    assert pinned["pins"][0]["level"] == "public-root"
    names = {d["rule_name"] for d in report["decisions"]}
    assert {"ats-pinned-single-identity", "pin-public-root-ca"} <= names


@needs_realworld
def test_signal_exceptions(tmp_path: Path) -> None:
    report = _scan_plist(PLIST / "signalapp__Signal-iOS/Signal/Signal-Info.plist", tmp_path)
    weak = {d["host"]: d["evidence"] for d in report["decisions"]
            if d["rule_name"] == "ats-exception-insecure"}
    assert "plain HTTP allowed" in weak["signal.org"]
    assert "forward secrecy not required" in weak["amazonaws.com"]
    # Signal pins in code; with only its Info.plist nothing can say it does not.
    assert report["verdict"]["status"] == "inconclusive"


@needs_realworld
@pytest.mark.parametrize("project", ["OWASP__iGoat-Swift", "prateek147__DVIA-v2"])
def test_deliberately_vulnerable_apps_disable_ats(project: str, tmp_path: Path) -> None:
    plist = next((PLIST / project).rglob("Info.plist"))
    report = _scan_plist(plist, tmp_path)
    assert report["verdict"]["status"] == "fail"
    assert any(d["rule_name"] == "ats-arbitrary-loads" for d in report["decisions"])
