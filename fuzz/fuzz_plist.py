"""Fuzz the Info.plist front: plistlib (XML and binary), then ATS and TrustKit reading and the
iOS evaluation of what was read, as pinscan does for a bare Info.plist or an IPA's plist.

The only error the front documents for bad input is :class:`FactError`.
"""

from __future__ import annotations

import datetime as dt
import plistlib
from collections.abc import Iterator
from pathlib import Path

import atheris
from _common import ROOT, SAMPLE_IPAS, entries, run

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.errors import FactError
    from mstg_pinscan.evaluate.catalog import load_catalog
    from mstg_pinscan.evaluate.ios import evaluate_ios
    from mstg_pinscan.facts.ios import ios_facts_from_plist
    from mstg_pinscan.scan import ScanOptions

_CATALOG = load_catalog(ROOT / "rules")
_OPTIONS = ScanOptions(as_of=dt.date(2026, 12, 1))
_PIN = "r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E="


def seeds() -> Iterator[bytes]:
    """The sample IPAs' Info.plists, and ATS and TrustKit settings in both formats."""
    bundles = sorted((SAMPLE_IPAS / "ipas").glob("*.ipa"))
    yield from entries(("Info.plist",), bundles)
    ats = {"NSAllowsArbitraryLoads": True,
           "NSExceptionDomains": {"a.example": {"NSIncludesSubdomains": True,
                                                "NSTemporaryExceptionMinimumTLSVersion": "1.0",
                                                "NSExceptionAllowsInsecureHTTPLoads": True}},
           "NSPinnedDomains": {"b.example": {"NSPinnedCAIdentities": [
               {"SPKI-SHA256-BASE64": _PIN}], "NSPinnedLeafIdentities": [{}]}}}
    trustkit = {"TSKSwizzleNetworkDelegates": True, "TSKPinnedDomains": {"c.example": {
        "TSKPublicKeyHashes": [_PIN, "bad"], "TSKExpirationDate": "2027-01-01",
        "TSKReportUris": ["https://r.example"], "kTSKExcludeSubdomainFromParentPolicy": 1}}}
    info = {"CFBundleIdentifier": "com.example.app", "CFBundleExecutable": "App",
            "NSAppTransportSecurity": ats, "TSKConfiguration": trustkit,
            "Other": [1, 2.5, b"\x00", dt.datetime(2020, 1, 1), {"k": False}]}
    for fmt in (plistlib.FMT_BINARY, plistlib.FMT_XML):
        yield plistlib.dumps(info, fmt=fmt)


def test_one_input(data: bytes) -> None:
    """Read the data as an Info.plist and evaluate it."""
    try:
        facts = ios_facts_from_plist(data, "Info.plist")
    except FactError:
        return
    evaluate_ios(facts, _CATALOG, _OPTIONS, Path("Info.plist"), "0" * 64)


if __name__ == "__main__":
    run(test_one_input, seeds)
