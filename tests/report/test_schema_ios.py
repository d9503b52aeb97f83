"""JSON reports of IPAs validate against schemas/report.schema.json, like the APKs' do."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import PIN_A, PIN_B, ROOT, make_cert, pin_of
from cryptography.hazmat.primitives import serialization
from iosbuild import AS_OF, app_info, build_ipa, scan_ipa
from jsonschema import Draft202012Validator

from mstg_pinscan.models import ScanResult
from mstg_pinscan.report.json import JsonWriter

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
ATS = "NSAppTransportSecurity"
API = "api.acmebank.com"
UNREADABLE = b"\x00\x01 not a Mach-O binary \x02" * 4

_CA, _CA_KEY = make_cert("Acme Issuing CA", ca=True)
_LEAF, _ = make_cert(API, issuer=(_CA, _CA_KEY), not_after=dt.date(2026, 6, 1))


def _identities(*pins: str) -> dict[str, Any]:
    return {"NSPinnedCAIdentities": [{"SPKI-SHA256-BASE64": p} for p in pins]}


def _trustkit(**keys: Any) -> dict[str, Any]:
    return {"TSKConfiguration": {"TSKPinnedDomains": {API: {
        "TSKPublicKeyHashes": [PIN_A, PIN_B], **keys}}}}


TRUSTKIT = {"TrustKit": {"CFBundleIdentifier": "com.datatheorem.TrustKit"}}

IPAS: dict[str, dict[str, Any]] = {
    "ats-pinned-with-certificates": {
        "info": app_info(**{ATS: {"NSPinnedDomains": {API: _identities(pin_of(_CA), PIN_B)}}}),
        "files": {"certs/ca.der": _CA.public_bytes(serialization.Encoding.DER),
                  "certs/leaf.pem": _LEAF.public_bytes(serialization.Encoding.PEM)},
    },
    "arbitrary-loads-no-pinning": {
        "info": app_info(**{ATS: {"NSAllowsArbitraryLoads": True, "NSExceptionDomains": {
            "legacy.acmebank.com": {"NSTemporaryExceptionAllowsInsecureHTTPLoads": True,
                                    "NSRequiresCertificateTransparency": True}}}}),
    },
    "trustkit-expiring-with-extension": {
        "info": app_info(**_trustkit(TSKExpirationDate=(AS_OF + dt.timedelta(10)).isoformat(),
                                     TSKIncludeSubdomains=True)),
        "frameworks": TRUSTKIT,
        "extensions": {"Share": {ATS: {"NSAllowsArbitraryLoads": True, "NSAllowArbitrary": 1}}},
    },
    "trustkit-refused-not-bundled": {
        "info": app_info(**{"TSKConfiguration": {"TSKPinnedDomains": {
            "co.uk": {"TSKPublicKeyHashes": [PIN_A], "TSKIncludeSubdomains": True},
            API: {"TSKExcludeSubdomainFromParentPolicy": True}}}}),
    },
    "invalid-identity-and-unreadable-executable": {
        "info": app_info(**{ATS: {"NSPinnedDomains": {API: _identities(PIN_A, "bad!")}}}),
        "executable": UNREADABLE,
    },
    "no-pinning-unreadable-executable": {"info": app_info(), "executable": UNREADABLE},
    "zipped-app-xml-plist": {
        "info": app_info(**{ATS: {"NSPinnedDomains": {API: _identities(PIN_A, PIN_B)},
                                  "NSAllowsArbitraryLoadsInWebContent": True}}),
        "xml": True, "zipped_app": True, "filename": "Acme.app.zip",
    },
}


def _scan(tmp_path: Path, case: dict[str, Any]) -> ScanResult:
    case = dict(case)
    return scan_ipa(build_ipa(tmp_path, case.pop("info"), **case))


def _errors(document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


@pytest.mark.parametrize("name", sorted(IPAS))
def test_report_of_an_ipa_validates(tmp_path: Path, name: str) -> None:
    result = _scan(tmp_path, IPAS[name])
    document = json.loads(JsonWriter().render([result]))
    assert _errors(document) == []
    assert document["app"]["platform"] == "ios"
    assert document["analysis"]["complete"] is (not result.skipped)


def test_representative_ipas_cover_the_report(tmp_path: Path) -> None:
    # The cases above are only representative if together they fill every part of a report.
    results = [_scan(tmp_path, case) for case in IPAS.values()]
    statuses = {r.verdict.status.value for r in results}
    assert statuses == {"pass", "warn", "fail", "inconclusive"}
    assert any(r.certificates for r in results) and any(r.skipped for r in results)
    protections = {p for r in results for h in r.hosts for p in h.protection}
    assert protections == {"ats-pinned-domains", "trustkit"}
    assert any(pin.certificate for r in results for h in r.hosts for pin in h.pins)


def test_report_of_several_ipas_validates(tmp_path: Path) -> None:
    results = [_scan(tmp_path, IPAS[name]) for name in sorted(IPAS)]
    document = json.loads(JsonWriter().render(results))
    assert _errors(document) == []
    assert len(document["reports"]) == len(IPAS)
