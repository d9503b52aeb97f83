"""End to end: each framework sample app gets the verdict and findings it was built to show,
and the committed reports in reports/frameworks/ are what pinscan writes today.

The apps are the ones sample_apps/frameworks/*/build.py writes: a plain sample app (whose
network security configuration pins api.pinscan-demo.example) plus one framework's files.
Regenerate the reports on purpose with:
PINSCAN_REGENERATE=1 pytest tests/frameworks/test_framework_reports.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT
from test_sample_reports import check_committed_reports

from mstg_pinscan._cli import main

SAMPLES = ROOT / "sample_apps" / "frameworks"
REPORTS = ROOT / "reports" / "frameworks"
AS_OF = "2026-12-01"
BYPASSED = "framework-platform-pins-bypassed"

# built file -> (framework, verdict, the failing and warning rules it must show, and nothing else)
EXPECTED: dict[str, tuple[str, str, set[str]]] = {
    "flutter_plain.apk": ("flutter", "warn", {BYPASSED, "host-not-pinned"}),
    "flutter_obfuscated.apk": ("flutter", "warn", {BYPASSED, "host-not-pinned"}),
    "flutter_fingerprints.apk": ("flutter", "warn", {"framework-single-pin"}),
    "flutter_own_store.apk": ("flutter", "warn", {"host-not-pinned"}),
    "flutter_bad_certificate.apk": ("flutter", "warn", {
        BYPASSED, "framework-validation-callback", "host-not-pinned"}),
    "flutter_trust_all.apk": ("flutter", "fail", {
        BYPASSED, "framework-trust-all", "host-not-pinned"}),
    "flutter_spki.ipa": ("flutter", "warn", {
        "ats-arbitrary-loads-scoped", "framework-single-pin"}),
    "rn_plain.apk": ("react-native", "warn", {"host-not-pinned"}),
    "rn_public_key_pins.apk": ("react-native", "pass", set()),
    "rn_public_key_pins_hermes.apk": ("react-native", "pass", set()),
    "rn_cert_assets.apk": ("react-native", "warn", {"framework-single-pin"}),
    "rn_disable_security.apk": ("react-native", "fail", {
        "framework-trust-all", "host-not-pinned"}),
    "rn_hermes_cert.ipa": ("react-native", "inconclusive", {"ats-arbitrary-loads-scoped"}),
    "dotnet_trust_all.apk": ("dotnet", "fail", {"framework-trust-all"}),
    "dotnet_store_v1.apk": ("dotnet", "fail", {"framework-trust-all"}),
    "dotnet_store_v3.apk": ("dotnet", "fail", {"framework-trust-all"}),
    "dotnet_trust_all.ipa": ("dotnet", "fail", {
        "ats-arbitrary-loads-scoped", "framework-trust-all"}),
    "dotnet_pinned.apk": ("dotnet", "warn", {"host-not-pinned"}),
    "dotnet_callback.apk": ("dotnet", "warn", {"framework-validation-callback"}),
    "dotnet_safe.apk": ("dotnet", "warn", {"host-not-pinned"}),
    "unity_trust_all.apk": ("unity", "fail", {"framework-trust-all", "host-not-pinned"}),
    "unity_pinned.apk": ("unity", "pass", set()),
    "unity_il2cpp.apk": ("unity", "warn", {"host-not-pinned"}),
    "cordova_pinned.apk": ("cordova", "pass", set()),
    "cordova_nocheck.apk": ("cordova", "fail", {"framework-trust-all", "host-not-pinned"}),
    "cordova_legacy_open.apk": ("cordova", "warn", {
        "framework-validation-callback", "framework-weak-setting", "host-not-pinned"}),
    "cordova_ios.ipa": ("cordova", "inconclusive", {"ats-arbitrary-loads-scoped"}),
    "capacitor_clean.apk": ("capacitor", "pass", set()),
    "capacitor_cleartext.apk": ("capacitor", "warn", {
        "framework-weak-setting", "host-not-pinned"}),
    "capacitor_plugins.apk": ("capacitor", "fail", {"framework-trust-all", "host-not-pinned"}),
}


def built() -> dict[str, Path]:
    return {p.name: p for p in SAMPLES.glob("*/out/*")}


def report_name(app: str) -> str:
    """reports/frameworks/ names: the APK's stem, the IPA's stem with ``_ipa``."""
    stem, suffix = app.rsplit(".", 1)
    return stem if suffix == "apk" else f"{stem}_ipa"


def test_every_framework_sample_has_an_expectation() -> None:
    assert set(built()) == set(EXPECTED)


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_framework_sample_app(app: str, tmp_path: Path) -> None:
    path = built()[app]
    main(["--as-of", AS_OF, "--output-dir", str(tmp_path), "--fail-on", "never", str(path)])
    name = report_name(app)
    for suffix in (".json", ".html"):
        (tmp_path / f"{path.stem}{suffix}").rename(tmp_path / f"{name}{suffix}")
    report = json.loads((tmp_path / f"{name}.json").read_text())
    framework, verdict, rules = EXPECTED[app]
    assert [f["name"] for f in report["app"]["frameworks"]] == [framework]
    assert report["verdict"]["status"] == verdict, report["verdict"]
    shown = {d["rule_name"] for d in report["decisions"] if d["status"] in ("fail", "warn")}
    assert shown == rules
    check_committed_reports(tmp_path, name, REPORTS)
