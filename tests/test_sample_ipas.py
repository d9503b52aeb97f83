"""End to end on the sample IPAs built with clang and ld64.lld: each gets the verdict and
findings it was built to show, the committed reports are current, and the build reproduces.

Regenerate the reports on purpose with: PINSCAN_REGENERATE=1 pytest tests/test_sample_ipas.py
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_sample_reports import check_committed_reports

from mstg_pinscan._cli import main

IPAS = ROOT / "sample_apps" / "ios" / "ipas"
REPORTS = ROOT / "reports"
AS_OF = "2026-12-01"

# app -> (verdict, the failing and warning rules it must show, and nothing else)
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "ats_pinned": ("pass", set()),
    "zipped_app": ("pass", set()),
    "ats_single_identity": ("warn", {"ats-pinned-single-identity"}),
    "ats_arbitrary_loads": ("fail", {"ats-arbitrary-loads", "ats-exception-insecure",
                                     "ios-no-pinning"}),
    "ats_web_content": ("fail", {"ats-arbitrary-loads-scoped", "ios-no-pinning"}),
    # Its names are encrypted: ATS pins are read, and the binary is reported as unreadable.
    "encrypted": ("pass", set()),
    "trust_any": ("fail", {"ios-trust-not-evaluated", "ios-allows-any-https-certificate",
                           "afnetworking-invalid-certificates", "ios-no-pinning"}),
    "trustkit_good": ("pass", set()),
    "trustkit_bad": ("fail", {"trustkit-ios-refused", "trustkit-ios-expired",
                              "trustkit-ios-report-only", "trustkit-ios-not-bundled",
                              "plist-ignored-key", "ios-no-pinning"}),
    # The share extension allows arbitrary loads and contacts share.pinscan-demo.example,
    # a first-party host that nothing pins.
    "with_extension": ("warn", {"ios-part-weaker", "ios-host-not-pinned"}),
    "alamofire_sim": ("fail", {"alamofire-disabled-evaluator"}),
    "xml_plist": ("fail", {"ios-no-pinning"}),
    # React Native on a dylib: the app sets the NSURLSession configuration; ATS still pins.
    "rn_session": ("pass", set()),
}


def _bundles() -> dict[str, Path]:
    return {p.name.rsplit(".", 1)[0]: p for p in IPAS.iterdir() if p.suffix in (".ipa", ".zip")}


def test_every_sample_ipa_has_an_expectation() -> None:
    assert set(_bundles()) == set(EXPECTED)


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_sample_ipa(app: str, tmp_path: Path) -> None:
    bundle = _bundles()[app]
    main(["--as-of", AS_OF, "--output-dir", str(tmp_path), "--fail-on", "never", str(bundle)])
    report = json.loads((tmp_path / f"{app}.json").read_text())
    verdict, rules = EXPECTED[app]
    assert report["verdict"]["status"] == verdict, report["verdict"]
    assert report["app"]["platform"] == "ios"
    shown = {d["rule_name"] for d in report["decisions"] if d["status"] in ("fail", "warn")}
    assert shown == rules
    check_committed_reports(tmp_path, app)


def test_pinned_domain_details() -> None:
    report = json.loads((REPORTS / "ats_pinned.json").read_text())
    (row,) = [h for h in report["hosts"] if h["host"] == "api.pinscan-demo.example"]
    assert row["protection"] == ["ats-pinned-domains"] and row["backup_pin"]
    assert row["include_subdomains"] and row["level"] == "own-pki"
    matched = [p for p in row["pins"] if p["matches_certificate"]]
    assert matched and matched[0]["certificate"].endswith("issuing_ca.der")


def test_encrypted_binary_is_named_unreadable() -> None:
    report = json.loads((REPORTS / "encrypted.json").read_text())
    assert any(d["rule_name"] == "ios-binary-encrypted" for d in report["decisions"])
    assert any("encrypted" in s["reason"] for s in report["analysis"]["skipped"])
    assert "not analysed" in report["verdict"]["reason"]


def _missing_tools() -> bool:
    linker = shutil.which("ld64.lld") or shutil.which("ld64.lld-14")
    return shutil.which("clang") is None or linker is None


@pytest.mark.skipif(_missing_tools(),
                    reason="clang and lld are not installed (scripts/test.sh installs them)")
def test_ipa_build_is_byte_identical(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "sample_apps" / "ios" / "build.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    for name, path in sorted(_bundles().items()):
        rebuilt = tmp_path / path.name
        assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == hashlib.sha256(
            path.read_bytes()).hexdigest(), f"{name} is not reproducible"
