"""End to end: each sample APK gets the verdict and findings it was built to show, and the
committed reports in reports/ are what pinscan writes today.

Regenerate the reports on purpose with: PINSCAN_REGENERATE=1 pytest tests/test_sample_reports.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_APKS

from mstg_pinscan._cli import main

REPORTS = ROOT / "reports"
AS_OF = "2026-12-01"

# app -> (verdict, the failing and warning rules it must show, and nothing else)
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "pinned_backup": ("pass", set()),
    "pinned_rotated": ("pass", set()),
    "expired_pins": ("fail", {"nsc-pin-set-expired", "no-pinning"}),
    "single_pin": ("warn", {"nsc-pin-set-single-pin"}),
    "user_ca": ("fail", {"nsc-user-ca-trusted", "no-pinning"}),
    "override_pins": ("fail", {"nsc-override-pins", "no-pinning"}),
    "debug_overrides": ("fail", {"nsc-debug-overrides-active", "app-debuggable",
                                 "no-pinning"}),
    "legacy_target23": ("fail", {"default-user-ca-trusted", "min-sdk-below-24",
                                 "cleartext-permitted", "no-pinning"}),
    "raw_anchor": ("pass", set()),
    "cleartext": ("warn", {"cleartext-permitted", "cleartext-on-pinned-host"}),
    "nested_domain": ("warn", {"cleartext-on-pinned-host"}),
    "trustkit": ("fail", {"trustkit-too-few-pins", "nsc-pin-set-single-pin",
                          "trustkit-report-only"}),
    # weak.crt is self-signed, so its SHA-1 signature is never checked: only its key is weak.
    "keystores": ("pass", {"private-key-bundled", "certificate-expired", "certificate-weak-key",
                           "certificate-self-signed-leaf"}),
    "malformed_nsc": ("fail", {"nsc-rejected", "nsc-ignored-markup"}),
    "min_sdk_21": ("warn", {"min-sdk-below-24"}),
    "qualified_nsc": ("fail", {"nsc-user-ca-trusted", "no-pinning"}),
    # Apps with code (javac + dx against Debian's OkHttp, which they reference, not bundle).
    "okhttp_varargs": ("warn", {"okhttp-single-pin"}),
    "okhttp_constants": ("warn", {"okhttp-single-pin"}),
    "okhttp_lambda": ("fail", {"okhttp-pin-malformed", "okhttp-single-pin", "okhttp-pin-sha1",
                               "host-not-pinned"}),
    "trust_all": ("fail", {"trust-all-manager", "accepted-issuers-null",
                           "allow-all-hostname-verifier", "insecure-socket-factory",
                           "no-pinning"}),
    "webview_proceed": ("fail", {"webview-ssl-proceed", "webview-ssl-proceed-conditional",
                                 "no-pinning"}),
    "own_truststore": ("inconclusive", set()),
    "unused_library_trustall": ("pass", {"trust-bypass-unused"}),
    "trustkit_code": ("warn", {"min-sdk-below-24"}),
    # React Native with code: fetch's OkHttp client from a pinned factory, or the default.
    "rn_okhttp_factory": ("pass", set()),
    "rn_okhttp_default": ("pass", set()),
}


def test_every_sample_app_has_an_expectation() -> None:
    assert {p.stem for p in SAMPLE_APKS.glob("*.apk")} == set(EXPECTED)


def _normalise_json(text: str) -> dict[str, object]:
    report = json.loads(text)
    report["analysis"]["duration_s"] = 0
    return report


def _normalise_html(text: str) -> str:
    return re.sub(r"<tr><th>Duration</th><td>[^<]*</td></tr>", "", text)


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_sample_app(app: str, tmp_path: Path) -> None:
    main(["--as-of", AS_OF, "--output-dir", str(tmp_path), "--fail-on", "never",
          str(SAMPLE_APKS / f"{app}.apk")])
    report = json.loads((tmp_path / f"{app}.json").read_text())
    verdict, rules = EXPECTED[app]
    assert report["verdict"]["status"] == verdict, report["verdict"]
    shown = {d["rule_name"] for d in report["decisions"] if d["status"] in ("fail", "warn")}
    assert shown == rules

    check_committed_reports(tmp_path, app)


def check_committed_reports(fresh_dir: Path, app: str, reports: Path = REPORTS) -> None:
    """The committed reports/<app>.{json,html} equal the fresh ones but for the duration;
    with PINSCAN_REGENERATE set, changed ones are rewritten first."""
    for suffix, normalise in ((".json", _normalise_json), (".html", _normalise_html)):
        fresh = (fresh_dir / f"{app}{suffix}").read_text()
        committed = reports / f"{app}{suffix}"
        if os.environ.get("PINSCAN_REGENERATE") and (
            not committed.exists() or normalise(committed.read_text()) != normalise(fresh)
        ):
            committed.write_text(fresh)
        assert committed.exists(), f"missing {committed}; regenerate with PINSCAN_REGENERATE=1"
        assert normalise(committed.read_text()) == normalise(fresh), (
            f"{committed} is stale; regenerate with PINSCAN_REGENERATE=1")


def test_pin_levels_and_matches() -> None:
    report = json.loads((REPORTS / "single_pin.json").read_text())
    (host,) = [h for h in report["hosts"] if h["host"] == "api.pinscan-demo.example"]
    (pin,) = host["pins"]
    assert pin["level"] == "leaf" and pin["certificate"] == "assets/certs/server.der"
    report = json.loads((REPORTS / "pinned_backup.json").read_text())
    (host,) = [h for h in report["hosts"] if h["host"] == "api.pinscan-demo.example"]
    levels = {p["level"] for p in host["pins"]}
    assert levels == {"own-pki", "unknown"} and host["backup_pin"] is True
    assert host["protection"] == ["nsc-pin-set"]


def test_nested_domain_inherits_pins() -> None:
    report = json.loads((REPORTS / "nested_domain.json").read_text())
    rows = {h["host"]: h for h in report["hosts"]}
    parent = rows["pinscan-demo.example"]
    legacy = rows["legacy.pinscan-demo.example"]
    partner = rows["partner.pinscan-demo.example"]
    assert [p["value"] for p in legacy["pins"]] == [p["value"] for p in parent["pins"]]
    assert legacy["cleartext_permitted"] and not parent["cleartext_permitted"]
    assert partner["protection"] == ["nsc-pin-set", "own-trust-store"]
    assert partner["level"] == "own-pki"
