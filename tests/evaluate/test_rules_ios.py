"""Per-rule tests for the iOS configuration rules (PS5001-PS5031): each fires on one IPA and
not on a close one.

Every case is an IPA built on the fly (tests/iosbuild.py) and scanned as the command line
scans it. As in test_rules_android.py, every ``POSITIVE`` row must produce a decision of that
rule, for that host, with that rating and a piece of evidence; every ``NEGATIVE`` row is a
closely related IPA where the rule stays silent and, where one applies, names the rule that
fires instead (so a negative cannot pass just because the input was broken).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, PIN_A, PIN_B, decisions_named, rule_names
from iosbuild import APP_NAME, BUNDLE_ID, app_info, build_ipa, scan_ipa

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.models import HostRow, ScanResult, VerdictStatus

ATS = "NSAppTransportSecurity"
API = "api.acmebank.com"
CDN = "cdn.acmebank.com"
LEGACY = "legacy.acmebank.com"
ROOT = f"Payload/{APP_NAME}.app"
SHORT = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw=="  # 31 bytes
PLACEHOLDER = "A" * 43 + "="  # 32 zero bytes: no key hashes to it
# Not a Mach-O: the executable is kept, but its code cannot be read.
UNREADABLE = b"\x00\x01 not a Mach-O binary \x02" * 4


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


# --- building Info.plists -------------------------------------------------------------------

def identity(pin: str) -> dict[str, str]:
    return {"SPKI-SHA256-BASE64": pin}


def pinned_domain(*ca: str, leaf: tuple[str, ...] = (), subdomains: bool = False) -> dict:
    entry: dict[str, Any] = {}
    if ca:
        entry["NSPinnedCAIdentities"] = [identity(p) for p in ca]
    if leaf:
        entry["NSPinnedLeafIdentities"] = [identity(p) for p in leaf]
    if subdomains:
        entry["NSIncludesSubdomains"] = True
    return entry


def ats(*, pinned: dict[str, dict] | None = None, exceptions: dict[str, dict] | None = None,
        **keys: Any) -> dict[str, Any]:
    settings = dict(keys)
    if pinned is not None:
        settings["NSPinnedDomains"] = pinned
    if exceptions is not None:
        settings["NSExceptionDomains"] = exceptions
    return {ATS: settings}


def tsk_domain(*hashes: str, **keys: Any) -> dict[str, Any]:
    return {"TSKPublicKeyHashes": list(hashes), **keys}


def tsk(domains: dict[str, dict]) -> dict[str, Any]:
    return {"TSKConfiguration": {"TSKSwizzleNetworkDelegates": True,
                                 "TSKPinnedDomains": domains}}


TRUSTKIT = {"TrustKit": {"CFBundleIdentifier": "com.datatheorem.TrustKit"}}
PINNED_API = {API: pinned_domain(PIN_A, PIN_B)}


def ipa(*parts: dict[str, Any], **build: Any) -> dict[str, Any]:
    """A case: the app's Info.plist keys (merged from ``parts``) and build_ipa arguments."""
    keys: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(keys.get(key), dict):
                keys[key] = {**keys[key], **value}
            else:
                keys[key] = value
    return {"info": app_info(**keys), **build}


def trustkit_app(domains: dict[str, dict], *, bundled: bool = True) -> dict[str, Any]:
    return ipa(tsk(domains), frameworks=TRUSTKIT if bundled else None)


def extension(ats_keys: dict[str, Any]) -> dict[str, Any]:
    """The app pins API; its Share extension carries ``ats_keys`` as its own ATS dictionary."""
    plist = {"CFBundleIdentifier": f"{BUNDLE_ID}.share", ATS: ats_keys}
    return ipa(ats(pinned=PINNED_API), extensions={"Share": plist})


# --- evaluation -------------------------------------------------------------------------------

def evaluate(tmp_path: Path, case: dict[str, Any]) -> ScanResult:
    case = dict(case)
    return scan_ipa(build_ipa(tmp_path, case.pop("info"), **case))


def summary(result: ScanResult) -> str:
    return "; ".join(f"{d.rule_name}[{d.host}]" for d in result.decisions)


def rating(status: str, severity: str | None) -> str:
    return f"{status}/{severity}" if severity else status


def rows(result: ScanResult) -> dict[str, HostRow]:
    return {row.host: row for row in result.hosts}


def fires(rule: str, rated: str, case: dict[str, Any], host: str | None, evidence: str, *,
          id: str) -> object:
    return pytest.param(rule, rated, case, host, evidence, id=f"{rule}:{id}")


def silent(rule: str, case: dict[str, Any], instead: str | None, *, id: str) -> object:
    return pytest.param(rule, case, instead, id=f"{rule}:{id}")


POSITIVE = [
    # PS5001
    fires("ats-pinned-domain", "pass",
          ipa(ats(pinned={API: pinned_domain(PIN_A, leaf=(PIN_B,))})), API,
          "2 ca/leaf identities for api.acmebank.com", id="ca-and-leaf"),
    fires("ats-pinned-domain", "pass",
          ipa(ats(pinned={API: pinned_domain(PIN_A, PIN_B, subdomains=True)})), API,
          "2 ca identities for api.acmebank.com and subdomains", id="two-ca-with-subdomains"),
    fires("ats-pinned-domain", "pass",
          ipa(ats(pinned={API: pinned_domain(PIN_A, PIN_B, PLACEHOLDER)})), API,
          "2 ca identities", id="two-and-a-placeholder"),
    # PS5002
    fires("ats-pinned-single-identity", "warn/medium", ipa(ats(pinned={API: pinned_domain(
          PIN_A)})), API, "1 ca identity for api.acmebank.com", id="one-ca"),
    fires("ats-pinned-single-identity", "warn/medium", ipa(ats(pinned={API: pinned_domain(
          leaf=(PIN_A,))})), API, "1 leaf identity", id="one-leaf"),
    fires("ats-pinned-single-identity", "warn/medium", ipa(ats(pinned={API: pinned_domain(
          PIN_A, PIN_A)})), API, "1 ca identity", id="same-identity-twice"),
    fires("ats-pinned-single-identity", "warn/medium", ipa(ats(pinned={API: pinned_domain(
          PIN_A, PLACEHOLDER)})), API, "1 ca identity", id="second-is-a-placeholder"),
    # PS5003
    fires("ats-pinned-identity-invalid", "fail/medium", ipa(ats(pinned={API: pinned_domain(
          PIN_A, SHORT)})), API, "decodes to 31 bytes", id="31-bytes"),
    fires("ats-pinned-identity-invalid", "fail/medium", ipa(ats(pinned={API: pinned_domain(
          leaf=("not base64!",))})), API, "leaf identity 'not base64!'", id="not-base64"),
    fires("ats-pinned-identity-invalid", "fail/medium", ipa(ats(pinned={API: pinned_domain(
          PIN_A.rstrip("="), PIN_B)})), API, "is not valid base64", id="padding-missing"),
    # PS5004
    fires("ats-arbitrary-loads", "fail/high", ipa(ats(NSAllowsArbitraryLoads=True)), None,
          "NSAllowsArbitraryLoads is true", id="alone"),
    fires("ats-arbitrary-loads", "fail/high",
          ipa(ats(NSAllowsArbitraryLoads=True, NSAllowsArbitraryLoadsInWebContent=False,
                  pinned=PINNED_API)), None, "NSAllowsArbitraryLoads is true",
          id="web-content-key-set-to-no"),
    # PS5005
    fires("ats-arbitrary-loads-scoped", "warn/low",
          ipa(ats(NSAllowsArbitraryLoads=True, NSAllowsArbitraryLoadsInWebContent=True)), None,
          "NSAllowsArbitraryLoadsInWebContent (NSAllowsArbitraryLoads is then ignored",
          id="arbitrary-loads-ignored-beside-web-content"),
    fires("ats-arbitrary-loads-scoped", "warn/low",
          ipa(ats(NSAllowsArbitraryLoadsForMedia=True, NSAllowsLocalNetworking=True)), None,
          "NSAllowsArbitraryLoadsForMedia, NSAllowsLocalNetworking", id="media-and-local"),
    # PS5006
    fires("ats-exception-insecure", "warn/medium",
          ipa(ats(exceptions={LEGACY: {"NSExceptionMinimumTLSVersion": "TLSv1.0"}})), LEGACY,
          "legacy.acmebank.com: TLS down to TLSv1.0", id="tls-1.0"),
    fires("ats-exception-insecure", "warn/medium",
          ipa(ats(exceptions={LEGACY: {"NSExceptionAllowsInsecureHTTPLoads": True}})), LEGACY,
          "plain HTTP allowed", id="insecure-http"),
    fires("ats-exception-insecure", "warn/medium",
          ipa(ats(exceptions={LEGACY: {"NSExceptionRequiresForwardSecrecy": False}})), LEGACY,
          "forward secrecy not required", id="no-forward-secrecy"),
    fires("ats-exception-insecure", "warn/medium",
          ipa(ats(exceptions={LEGACY: {"NSTemporaryExceptionAllowsInsecureHTTPLoads": True}})),
          LEGACY, "plain HTTP allowed; set with legacy keys "
          "NSTemporaryExceptionAllowsInsecureHTTPLoads",
          id="legacy-temporary-key"),
    fires("ats-exception-insecure", "warn/medium",
          ipa(ats(exceptions={LEGACY: {"NSThirdPartyExceptionMinimumTLSVersion": "TLSv1.1"}})),
          LEGACY, "TLS down to TLSv1.1", id="legacy-third-party-key"),
    # PS5007
    fires("ats-certificate-transparency", "info",
          ipa(ats(pinned=PINNED_API,
                  exceptions={API: {"NSRequiresCertificateTransparency": True}})), API,
          "api.acmebank.com requires Certificate Transparency", id="ct-required"),
    # PS5008
    fires("plist-ignored-key", "warn/low", ipa(ats(NSAllowArbitraryLoads=True)), None,
          "unknown key 'NSAllowArbitraryLoads' is ignored", id="typo-in-ats"),
    fires("plist-ignored-key", "warn/low",
          ipa(ats(pinned={API: {**pinned_domain(PIN_A, PIN_B), "NSIncludeSubdomains": True}})),
          None, "unknown key 'NSIncludeSubdomains'", id="typo-in-pinned-domain"),
    fires("plist-ignored-key", "warn/low", ipa(ats(NSAllowsLocalNetworking="YES")), None,
          "NSAllowsLocalNetworking is a str, not a boolean", id="wrong-type"),
    fires("plist-ignored-key", "warn/low",
          trustkit_app({"acmebank.com": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True),
                        CDN: {"TSKExcludeSubdomainFromParentPolicy": True}}), None,
          "is not the key TrustKit reads for exclusion", id="misspelled-exclusion-key"),
    fires("plist-ignored-key", "warn/low",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate="01/12/2027")}), None,
          "TSKExpirationDate '01/12/2027' is not yyyy-MM-dd", id="bad-expiration-date"),
    fires("plist-ignored-key", "warn/low", extension({"NSAllowsArbitrayLoads": True}), None,
          "unknown key 'NSAllowsArbitrayLoads'", id="typo-in-an-extension"),
    # PS5010
    fires("trustkit-ios-enforced", "pass", trustkit_app({API: tsk_domain(PIN_A, PIN_B)}), API,
          "2 pins for api.acmebank.com", id="two-hashes-default-enforcing"),
    fires("trustkit-ios-enforced", "pass",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKEnforcePinning=True,
                                        TSKExpirationDate=day(400))}), API,
          "2 pins for api.acmebank.com", id="far-future-expiration"),
    fires("trustkit-ios-enforced", "pass",
          trustkit_app({"acmebank.co.uk": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True)}),
          "acmebank.co.uk", "2 pins", id="subdomains-of-a-registrable-domain"),
    # PS5011
    fires("trustkit-ios-report-only", "warn/medium",
          trustkit_app({API: tsk_domain(PIN_A, TSKEnforcePinning=False)}), API,
          "api.acmebank.com: TSKEnforcePinning is NO", id="one-hash-report-only"),
    fires("trustkit-ios-report-only", "warn/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKEnforcePinning=False)}), API,
          "TSKEnforcePinning is NO", id="two-hashes-report-only"),
    # PS5012
    fires("trustkit-ios-refused", "fail/medium", trustkit_app({API: tsk_domain(PIN_A)}), API,
          "1 pin(s) while enforcing (TrustKit needs 2)", id="one-hash-enforcing"),
    fires("trustkit-ios-refused", "fail/medium", trustkit_app({API: tsk_domain(PIN_A, PIN_A)}),
          API, "1 pin(s) while enforcing", id="same-hash-twice"),
    fires("trustkit-ios-refused", "fail/medium",
          trustkit_app({"co.uk": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True)}), "co.uk",
          "TSKIncludeSubdomains on the public suffix co.uk", id="public-suffix"),
    fires("trustkit-ios-refused", "fail/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, SHORT)}), API,
          "decodes to 31 bytes", id="31-byte-hash"),
    fires("trustkit-ios-refused", "fail/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, "not base64!", TSKEnforcePinning=False)}),
          API, "is not valid base64", id="bad-hash-in-report-only"),
    fires("trustkit-ios-refused", "fail/medium", trustkit_app({API: {}}), API,
          "0 pin(s) while enforcing", id="no-hashes"),
    # PS5013
    fires("trustkit-ios-expired", "fail/high",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(-1))}), API,
          f"TSKExpirationDate {day(-1)} has passed", id="expired-yesterday"),
    fires("trustkit-ios-expired", "fail/high",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(0))}), API,
          "has passed", id="expires-today"),
    # PS5014
    fires("trustkit-ios-expiring", "warn/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(19))}), API,
          f"api.acmebank.com: pins expire on {day(19)}", id="in-19-days"),
    fires("trustkit-ios-expiring", "warn/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(30))}), API,
          f"pins expire on {day(30)}", id="at-the-end-of-the-30-day-window"),
    fires("trustkit-ios-expiring", "warn/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(1))}), API,
          f"pins expire on {day(1)}", id="tomorrow"),
    # PS5015
    fires("trustkit-ios-not-bundled", "warn/low",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B)}, bundled=False), None,
          "TSKConfiguration present, no TrustKit framework or code found", id="no-framework"),
    # PS5020
    fires("ios-part-weaker", "warn/medium", extension({"NSAllowsArbitraryLoads": True}), None,
          f"extension {ROOT}/PlugIns/Share.appex allows arbitrary or insecure loads",
          id="extension-arbitrary-loads"),
    fires("ios-part-weaker", "warn/medium",
          extension({"NSExceptionDomains": {API: {"NSExceptionAllowsInsecureHTTPLoads": True}}}),
          None, "Share.appex allows arbitrary or insecure loads", id="extension-insecure-http"),
    fires("ios-part-weaker", "warn/medium",
          ipa(ats(pinned=PINNED_API),
              frameworks={"Kit": {"CFBundleIdentifier": "com.vendor.Kit",
                                  ATS: {"NSAllowsArbitraryLoads": True}}}), None,
          f"framework {ROOT}/Frameworks/Kit.framework allows", id="framework"),
    # PS5030
    fires("ios-no-pinning", "fail/medium", ipa(), None,
          "no host is pinned by NSPinnedDomains or TrustKit", id="no-ats-empty-binary"),
    fires("ios-no-pinning", "fail/medium",
          ipa(ats(exceptions={API: {"NSExceptionMinimumTLSVersion": "TLSv1.2"}})), None,
          "no host is pinned", id="exception-domain-only"),
    fires("ios-no-pinning", "fail/medium",
          trustkit_app({API: tsk_domain(PIN_A, PIN_B)}, bundled=False), None,
          "no host is pinned", id="trustkit-not-bundled"),
    fires("ios-no-pinning", "fail/medium", ipa(ats(pinned={API: pinned_domain(SHORT)})), None,
          "no host is pinned", id="only-identity-invalid"),
    # PS5031
    fires("ios-host-not-pinned", "warn/medium",
          ipa(ats(pinned=PINNED_API,
                  exceptions={CDN: {"NSExceptionMinimumTLSVersion": "TLSv1.2"}})), CDN,
          "cdn.acmebank.com is configured but pinned by neither", id="exception-beside-pin"),
    fires("ios-host-not-pinned", "warn/medium",
          ipa(ats(pinned=PINNED_API), tsk({CDN: tsk_domain(PIN_A, TSKEnforcePinning=False)}),
              frameworks=TRUSTKIT), CDN, "cdn.acmebank.com is configured",
          id="report-only-trustkit-beside-ats-pin"),
]

NEGATIVE = [
    # PS5001
    silent("ats-pinned-domain", ipa(ats(pinned={API: pinned_domain(PIN_A)})),
           "ats-pinned-single-identity", id="one-identity"),
    silent("ats-pinned-domain", ipa(ats(pinned={API: pinned_domain(PIN_A, SHORT)})),
           "ats-pinned-identity-invalid", id="second-identity-invalid"),
    # PS5002
    silent("ats-pinned-single-identity", ipa(ats(pinned=PINNED_API)), "ats-pinned-domain",
           id="two-identities"),
    silent("ats-pinned-single-identity", ipa(ats(pinned={API: pinned_domain(SHORT)})),
           "ats-pinned-identity-invalid", id="only-identity-invalid"),
    # PS5003
    silent("ats-pinned-identity-invalid", ipa(ats(pinned=PINNED_API)), "ats-pinned-domain",
           id="valid-identities"),
    # PS5004
    silent("ats-arbitrary-loads",
           ipa(ats(NSAllowsArbitraryLoads=True, NSAllowsArbitraryLoadsInWebContent=True)),
           "ats-arbitrary-loads-scoped", id="ignored-beside-web-content"),
    silent("ats-arbitrary-loads", ipa(ats(NSAllowsArbitraryLoads=False, pinned=PINNED_API)),
           "ats-pinned-domain", id="set-to-no"),
    silent("ats-arbitrary-loads", extension({"NSAllowsArbitraryLoads": True}),
           "ios-part-weaker", id="only-in-an-extension"),
    # PS5005
    silent("ats-arbitrary-loads-scoped", ipa(ats(NSAllowsArbitraryLoads=True)),
           "ats-arbitrary-loads", id="arbitrary-loads-alone"),
    silent("ats-arbitrary-loads-scoped",
           ipa(ats(NSAllowsArbitraryLoadsInWebContent=False, pinned=PINNED_API)),
           "ats-pinned-domain", id="web-content-set-to-no"),
    # PS5006
    silent("ats-exception-insecure",
           ipa(ats(exceptions={API: {"NSExceptionMinimumTLSVersion": "TLSv1.2",
                                     "NSExceptionRequiresForwardSecrecy": True,
                                     "NSRequiresCertificateTransparency": True}})),
           "ats-certificate-transparency", id="tls-1.2-with-forward-secrecy"),
    silent("ats-exception-insecure",
           ipa(ats(exceptions={API: {"NSExceptionAllowsInsecureHTTPLoads": False,
                                     "NSExceptionMinimumTLSVersion": "TLSv1.3"}})),
           "ios-no-pinning", id="http-set-to-no-and-tls-1.3"),
    # PS5007
    silent("ats-certificate-transparency",
           ipa(ats(exceptions={API: {"NSRequiresCertificateTransparency": False,
                                     "NSExceptionMinimumTLSVersion": "TLSv1.0"}})),
           "ats-exception-insecure", id="ct-set-to-no"),
    # PS5008
    silent("plist-ignored-key",
           ipa(ats(NSAllowsArbitraryLoadsInWebContent=True, pinned={API: {
               **pinned_domain(PIN_A, PIN_B), "NSIncludesSubdomains": True}})),
           "ats-pinned-domain", id="every-key-known"),
    silent("plist-ignored-key",
           trustkit_app({"acmebank.com": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True),
                         CDN: {"kSKExcludeSubdomainFromParentPolicy": True}}),
           "trustkit-ios-enforced", id="exclusion-key-as-trustkit-reads-it"),
    silent("plist-ignored-key",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(400),
                                         TSKReportUris=["https://r.acmebank.com/"],
                                         TSKDisableDefaultReportUri=True)}),
           "trustkit-ios-enforced", id="every-trustkit-key-known"),
    # PS5010
    silent("trustkit-ios-enforced", trustkit_app({API: tsk_domain(PIN_A, PIN_B)},
                                                 bundled=False),
           "trustkit-ios-not-bundled", id="framework-missing"),
    silent("trustkit-ios-enforced", trustkit_app({API: tsk_domain(PIN_A)}),
           "trustkit-ios-refused", id="one-hash"),
    silent("trustkit-ios-enforced",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKEnforcePinning=False)}),
           "trustkit-ios-report-only", id="report-only"),
    silent("trustkit-ios-enforced",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(-1))}),
           "trustkit-ios-expired", id="expired"),
    # PS5011
    silent("trustkit-ios-report-only", trustkit_app({API: tsk_domain(PIN_A, PIN_B)}),
           "trustkit-ios-enforced", id="enforcing-by-default"),
    silent("trustkit-ios-report-only",
           trustkit_app({API: tsk_domain(PIN_A, SHORT, TSKEnforcePinning=False)}),
           "trustkit-ios-refused", id="refused-first"),
    # PS5012
    silent("trustkit-ios-refused", trustkit_app({API: tsk_domain(PIN_A, PIN_B)}),
           "trustkit-ios-enforced", id="two-hashes"),
    silent("trustkit-ios-refused",
           trustkit_app({"acmebank.co.uk": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True)}),
           "trustkit-ios-enforced", id="subdomains-of-a-registrable-domain"),
    silent("trustkit-ios-refused",
           trustkit_app({API: tsk_domain(PIN_A, TSKEnforcePinning=False)}),
           "trustkit-ios-report-only", id="one-hash-report-only"),
    silent("trustkit-ios-refused",
           trustkit_app({"acmebank.com": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True),
                         CDN: {"kSKExcludeSubdomainFromParentPolicy": True}}),
           "trustkit-ios-enforced", id="excluded-subdomain-has-no-pins"),
    # PS5013
    silent("trustkit-ios-expired",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(1))}),
           "trustkit-ios-expiring", id="expires-tomorrow"),
    silent("trustkit-ios-expired",
           trustkit_app({API: tsk_domain(PIN_A, TSKExpirationDate=day(-1))}),
           "trustkit-ios-refused", id="refused-before-expired"),
    # PS5014
    silent("trustkit-ios-expiring",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(31))}),
           "trustkit-ios-enforced", id="in-31-days"),
    silent("trustkit-ios-expiring",
           trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(-1))}),
           "trustkit-ios-expired", id="already-expired"),
    # PS5015
    silent("trustkit-ios-not-bundled", trustkit_app({API: tsk_domain(PIN_A, PIN_B)}),
           "trustkit-ios-enforced", id="framework-bundled"),
    silent("trustkit-ios-not-bundled",
           ipa(tsk({API: tsk_domain(PIN_A, PIN_B)}),
               executable=b"statically linked TSKPinningValidator " * 4),
           "trustkit-ios-enforced", id="trustkit-code-in-the-executable"),
    # PS5020
    silent("ios-part-weaker", extension({"NSAllowsArbitraryLoadsInWebContent": True}),
           "ats-pinned-domain", id="extension-web-content-only"),
    silent("ios-part-weaker",
           extension({"NSAllowsArbitraryLoads": True, "NSAllowsLocalNetworking": True}),
           "ats-pinned-domain", id="extension-arbitrary-loads-ignored"),
    silent("ios-part-weaker", extension({"NSPinnedDomains": PINNED_API}), "ats-pinned-domain",
           id="extension-pins-too"),
    # PS5030
    silent("ios-no-pinning", ipa(executable=UNREADABLE), None, id="unreadable-executable"),
    silent("ios-no-pinning", ipa(ats(pinned={API: pinned_domain(PIN_A)})),
           "ats-pinned-single-identity", id="one-identity-is-still-pinning"),
    silent("ios-no-pinning", trustkit_app({API: tsk_domain(PIN_A, PIN_B)}),
           "trustkit-ios-enforced", id="trustkit"),
    # PS5031
    silent("ios-host-not-pinned",
           ipa(ats(pinned=PINNED_API,
                   exceptions={"cdn.vendor-cdn.net": {"NSExceptionMinimumTLSVersion": "TLSv1.2"}})),
           "ats-pinned-domain", id="third-party-exception"),
    silent("ios-host-not-pinned",
           ipa(ats(pinned=PINNED_API,
                   exceptions={API: {"NSRequiresCertificateTransparency": True}})),
           "ats-certificate-transparency", id="exception-for-the-pinned-host"),
    silent("ios-host-not-pinned",
           ipa(ats(exceptions={CDN: {"NSExceptionMinimumTLSVersion": "TLSv1.2"}})),
           "ios-no-pinning", id="nothing-pinned-at-all"),
]

# Read by test_catalog_coverage: every catalog rule needs a row in a POSITIVE table.
POSITIVE_RULES = sorted({case.values[0] for case in POSITIVE})


@pytest.mark.parametrize(("rule", "rated", "case", "host", "evidence"), POSITIVE)
def test_rule_fires(tmp_path: Path, catalog: Catalog, rule: str, rated: str,
                    case: dict[str, Any], host: str | None, evidence: str) -> None:
    result = evaluate(tmp_path, case)
    found = [d for d in decisions_named(result, rule) if d.host == host]
    assert found, f"no {rule} for host {host}; got {summary(result)}"
    decision = next((d for d in found if evidence in d.evidence), found[0])
    assert rating(decision.status.value, decision.severity and decision.severity.value) == rated
    assert decision.rule_id == catalog.rule(rule).id
    assert evidence in decision.evidence, decision.evidence
    assert decision.location.file.startswith(ROOT + "/")


@pytest.mark.parametrize(("rule", "case", "instead"), NEGATIVE)
def test_rule_does_not_fire(tmp_path: Path, rule: str, case: dict[str, Any],
                            instead: str | None) -> None:
    result = evaluate(tmp_path, case)
    names = rule_names(result)
    assert rule not in names, summary(result)
    if instead is not None:
        assert instead in names, summary(result)


def test_every_ios_configuration_rule_has_a_positive_and_a_negative_case(
        catalog: Catalog) -> None:
    negatives = {case.values[0] for case in NEGATIVE}
    ios_rules = {r.name for r in catalog.by_id.values() if "PS5001" <= r.id <= "PS5031"}
    assert ios_rules == set(POSITIVE_RULES) == negatives


# --- what the rules miss, or rate wrongly (suspected bugs) --------------------------------------

def test_identity_without_a_key_hash_is_invalid(tmp_path: Path) -> None:
    entry = {"NSPinnedCAIdentities": [identity(PIN_A), identity(PIN_B),
                                      {"SPKI-SHA256": PIN_A}]}
    result = evaluate(tmp_path, ipa(ats(pinned={API: entry})))
    assert [d.host for d in decisions_named(result, "ats-pinned-identity-invalid")] == [API]


def test_report_only_domain_without_hashes_is_refused(tmp_path: Path) -> None:
    result = evaluate(tmp_path, trustkit_app({API: {"TSKEnforcePinning": False}}))
    assert [d.host for d in decisions_named(result, "trustkit-ios-refused")] == [API]


def test_exception_under_a_pinned_parent_with_subdomains_is_pinned(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(
        pinned={"acmebank.com": pinned_domain(PIN_A, PIN_B, subdomains=True)},
        exceptions={API: {"NSRequiresCertificateTransparency": True}})))
    assert "ios-host-not-pinned" not in rule_names(result), summary(result)


def test_legacy_keys_with_secure_values_weaken_nothing(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(exceptions={LEGACY: {
        "NSThirdPartyExceptionMinimumTLSVersion": "TLSv1.2",
        "NSThirdPartyExceptionRequiresForwardSecrecy": True}})))
    assert "ats-exception-insecure" not in rule_names(result), summary(result)


# --- host rows ---------------------------------------------------------------------------------

def test_arbitrary_loads_alone_permits_cleartext_everywhere(tmp_path: Path) -> None:
    alone = rows(evaluate(tmp_path, ipa(ats(NSAllowsArbitraryLoads=True, pinned=PINNED_API))))
    assert alone["*"].cleartext_permitted and alone[API].cleartext_permitted
    scoped = rows(evaluate(tmp_path, ipa(ats(NSAllowsArbitraryLoads=True,
                                             NSAllowsArbitraryLoadsInWebContent=True,
                                             pinned=PINNED_API))))
    assert not scoped["*"].cleartext_permitted and not scoped[API].cleartext_permitted


def test_insecure_exception_permits_cleartext_for_its_host(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(
        pinned=PINNED_API, exceptions={LEGACY: {"NSExceptionAllowsInsecureHTTPLoads": True}})))
    table = rows(result)
    assert table[LEGACY].cleartext_permitted and not table[API].cleartext_permitted
    assert table[LEGACY].sources == (f"{ROOT}/Info.plist:/{ATS}/NSExceptionDomains/{LEGACY}",)


def test_ats_pinned_host_row(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(pinned={API: pinned_domain(
        PIN_A, leaf=(PIN_B,), subdomains=True)})))
    row = rows(result)[API]
    assert row.protection == ("ats-pinned-domains",) and row.backup_pin
    assert row.include_subdomains and row.first_party is True
    assert {p.value for p in row.pins} == {PIN_A, PIN_B}
    single = rows(evaluate(tmp_path, ipa(ats(pinned={API: pinned_domain(PIN_A)}))))[API]
    assert single.protection == ("ats-pinned-domains",) and single.backup_pin is False


def test_trustkit_with_the_framework_protects_the_host(tmp_path: Path) -> None:
    result = evaluate(tmp_path, trustkit_app({API: tsk_domain(PIN_A, PIN_B,
                                                              TSKExpirationDate=day(400))}))
    row = rows(result)[API]
    assert row.protection == ("trustkit",) and row.backup_pin
    assert row.expires == AS_OF + dt.timedelta(days=400)
    assert {p.value for p in row.pins} == {PIN_A, PIN_B}
    assert "trustkit-ios-not-bundled" not in rule_names(result)


def test_trustkit_without_the_framework_protects_nothing(tmp_path: Path) -> None:
    result = evaluate(tmp_path, trustkit_app({API: tsk_domain(PIN_A, PIN_B)}, bundled=False))
    assert rows(result)[API].protection == ()
    names = rule_names(result)
    assert "trustkit-ios-not-bundled" in names and "ios-no-pinning" in names
    assert "trustkit-ios-enforced" not in names
    assert result.verdict.status is VerdictStatus.FAIL


@pytest.mark.parametrize(("domain", "protected"), [
    pytest.param(tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(-1)), False, id="expired"),
    pytest.param(tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(10)), True, id="expiring"),
    pytest.param(tsk_domain(PIN_A, PIN_B, TSKEnforcePinning=False), False, id="report-only"),
    pytest.param(tsk_domain(PIN_A), False, id="refused"),
])
def test_trustkit_protection_follows_the_rating(tmp_path: Path, domain: dict[str, Any],
                                                protected: bool) -> None:
    row = rows(evaluate(tmp_path, trustkit_app({API: domain})))[API]
    assert (row.protection == ("trustkit",)) is protected


def test_excluded_subdomain_row_is_unprotected(tmp_path: Path) -> None:
    result = evaluate(tmp_path, trustkit_app({
        "acmebank.com": tsk_domain(PIN_A, PIN_B, TSKIncludeSubdomains=True),
        CDN: {"kSKExcludeSubdomainFromParentPolicy": True}}))
    table = rows(result)
    assert table["acmebank.com"].protection == ("trustkit",)
    assert table[CDN].protection == () and table[CDN].pins == ()


# --- verdicts ----------------------------------------------------------------------------------

def test_pinned_app_with_backups_passes(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(pinned=PINNED_API)))
    assert result.verdict.status is VerdictStatus.PASS
    assert API in result.verdict.reason and "backup pin" in result.verdict.reason
    assert "not analysed" not in result.verdict.reason
    assert result.skipped == ()


def test_pinned_app_with_trustkit_passes(tmp_path: Path) -> None:
    result = evaluate(tmp_path, trustkit_app({API: tsk_domain(PIN_A, PIN_B)}))
    assert result.verdict.status is VerdictStatus.PASS


def test_pinned_app_with_an_unreadable_executable_passes_with_a_caveat(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(pinned=PINNED_API), executable=UNREADABLE))
    assert result.verdict.status is VerdictStatus.PASS
    assert result.verdict.reason.endswith("; trust decisions in code were not analysed.")
    assert f"{ROOT}/{APP_NAME}" in {s.item for s in result.skipped}


def test_no_pinning_with_an_unreadable_executable_is_inconclusive(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(executable=UNREADABLE))
    assert "ios-no-pinning" not in rule_names(result)
    assert result.verdict.status is VerdictStatus.INCONCLUSIVE
    assert not result.complete


def test_inconclusive_reason_speaks_of_the_ios_binary(tmp_path: Path) -> None:
    reason = evaluate(tmp_path, ipa(executable=UNREADABLE)).verdict.reason
    assert "DEX" not in reason and "network security configuration" not in reason


@pytest.mark.parametrize(("case", "status", "reason"), [
    pytest.param(ipa(ats(pinned={API: pinned_domain(PIN_A)})), VerdictStatus.WARN,
                 "ATS pinned domain with one identity only", id="single-identity"),
    pytest.param(ipa(ats(NSAllowsArbitraryLoads=True, pinned=PINNED_API)), VerdictStatus.FAIL,
                 "ATS disabled: NSAllowsArbitraryLoads", id="arbitrary-loads"),
    pytest.param(ipa(ats(NSAllowsArbitraryLoads=True, NSAllowsArbitraryLoadsInWebContent=True,
                         pinned=PINNED_API)), VerdictStatus.PASS, "backup pin",
                 id="web-content-does-not-count"),
    pytest.param(ipa(ats(pinned=PINNED_API), extensions={"Share": {
        ATS: {"NSAllowsArbitraryLoads": True}}}), VerdictStatus.PASS, "backup pin",
                 id="weaker-extension-does-not-count"),
    pytest.param(ipa(), VerdictStatus.FAIL, "No pinning in ATS or TrustKit", id="no-pinning"),
    pytest.param(trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(-1))}),
                 VerdictStatus.FAIL, "TrustKit pins expired", id="trustkit-expired"),
    pytest.param(trustkit_app({API: tsk_domain(PIN_A, PIN_B, TSKExpirationDate=day(5))}),
                 VerdictStatus.WARN, "TrustKit pins expire soon", id="trustkit-expiring"),
    pytest.param(ipa(ats(pinned=PINNED_API,
                         exceptions={CDN: {"NSExceptionMinimumTLSVersion": "TLSv1.2"}})),
                 VerdictStatus.WARN, "First-party host without pinning for cdn.acmebank.com",
                 id="unpinned-first-party-host"),
])
def test_verdict(tmp_path: Path, case: dict[str, Any], status: VerdictStatus,
                 reason: str) -> None:
    verdict = evaluate(tmp_path, case).verdict
    assert verdict.status is status, verdict.reason
    assert reason in verdict.reason


def test_result_describes_the_app(tmp_path: Path) -> None:
    result = evaluate(tmp_path, ipa(ats(pinned=PINNED_API)))
    app = result.app
    assert (app.platform.value, app.id, app.version, app.min_os, app.target_sdk) == (
        "ios", BUNDLE_ID, "1.2.3", "14.0", None)
    assert result.config_files == (f"{ROOT}/Info.plist",) and result.as_of == AS_OF
