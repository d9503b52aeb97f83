"""Per-rule tests for the Android rules (PS1xxx): each fires on one input and not on a close one.

Every row of ``POSITIVE`` is an input that must produce a decision of that rule, for that host,
with that rating and a piece of evidence. Every row of ``NEGATIVE`` is a closely related input
where the rule must stay silent, and, where one applies, names the rule that fires instead (so
a negative cannot pass just because the input was broken).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import (
    AS_OF,
    PIN_A,
    PIN_B,
    anchors,
    base,
    debug_overrides,
    decisions_named,
    domain,
    evaluate_config,
    info,
    make_cert,
    make_key,
    manifest_facts,
    nsc,
    pin_set,
    rule_names,
    trustkit,
)

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.facts.nsc import parse_network_security_config
from mstg_pinscan.facts.resources import ResolvedValue
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import ScanResult, Severity
from mstg_pinscan.scan import ScanOptions, evaluate_android

API = "api.example.com"
CDN = "cdn.example.com"
RAW = {"@raw/ca": "res/raw/ca.pem"}
YESTERDAY = (AS_OF - dt.timedelta(days=1)).isoformat()
TOMORROW = (AS_OF + dt.timedelta(days=1)).isoformat()
IN_10_DAYS = (AS_OF + dt.timedelta(days=10)).isoformat()
IN_60_DAYS = (AS_OF + dt.timedelta(days=60)).isoformat()
# 32 zero bytes: decodes to a SHA-256-sized value that no key hashes to.
PLACEHOLDER = "A" * 43 + "="


PINNED_API = domain(API, pin_set(PIN_A, PIN_B))
PINNED = nsc(PINNED_API)
SINGLE = nsc(domain(API, pin_set(PIN_A)))
USER_DEBUG = debug_overrides(anchors("user"))


# A self-signed own root CA, bundled where the @raw/ca anchor points.
OWN_CA = info(make_cert("Own Root CA", key=make_key("ec"), ca=True)[0], RAW["@raw/ca"])


# --- evaluation ---------------------------------------------------------------------------

def evaluate_variants(catalog: Catalog, files: dict[str, str], **options: object) -> ScanResult:
    """Evaluate one networkSecurityConfig resource that resolves to several files.

    ``files`` maps ``"qualifier:path"`` (``":path"`` for the default) to that file's XML.
    """
    parsed = []
    for key, xml in files.items():
        qualifier, name = key.split(":", 1)
        root = parse_android_xml(xml.encode(), name)
        parsed.append(parse_network_security_config(root, name, lambda src: (), qualifier))
    configs = tuple(parsed)
    manifest = dataclasses.replace(
        manifest_facts(**options),  # type: ignore[arg-type]
        nsc_files=tuple(ResolvedValue(c.qualifier, c.file) for c in configs),
    )
    facts = AndroidFacts(manifest=manifest, configs=configs, certificates=(), private_keys=(),
                         dex_files=(), skipped=())
    return evaluate_android(facts, catalog, ScanOptions(as_of=AS_OF), Path("test.apk"), "0" * 64)


def evaluate(catalog: Catalog, config: str | dict[str, str] | None,
             options: dict[str, object]) -> ScanResult:
    if isinstance(config, dict):
        return evaluate_variants(catalog, config, **options)
    return evaluate_config(catalog, config, **options)


def summary(result: ScanResult) -> str:
    return "; ".join(f"{d.rule_name}[{d.host}]" for d in result.decisions)


def rating(status: str, severity: str | None) -> str:
    return f"{status}/{severity}" if severity else status


# --- the cases ----------------------------------------------------------------------------

def fires(rule: str, rated: str, config: object, host: str | None, evidence: str, *,
          id: str, **options: object) -> object:
    return pytest.param(rule, rated, config, options, host, evidence, id=f"{rule}:{id}")


def silent(rule: str, config: object, instead: str | None, *, id: str,
           **options: object) -> object:
    return pytest.param(rule, config, options, instead, id=f"{rule}:{id}")


POSITIVE = [
    # PS1001
    fires("nsc-pin-set-enforced", "pass", PINNED, API, "2 distinct pins", id="two-pins"),
    fires("nsc-pin-set-enforced", "pass", nsc(domain(API, pin_set(PIN_A, PIN_B, PLACEHOLDER))),
          API, "2 distinct pins", id="two-real-pins-and-a-placeholder"),
    # PS1002
    fires("nsc-pin-set-single-pin", "warn/medium", SINGLE, API, "1 usable pin", id="one-pin"),
    fires("nsc-pin-set-single-pin", "warn/medium", nsc(domain(API, pin_set(PIN_A, PLACEHOLDER))),
          API, "1 usable pin", id="second-pin-is-a-placeholder"),
    # PS1003
    fires("nsc-pin-set-duplicate-pin", "warn/medium", nsc(domain(API, pin_set(PIN_A, PIN_A))),
          API, PIN_A, id="same-pin-twice"),
    fires("nsc-pin-set-duplicate-pin", "warn/medium",
          nsc(domain(API, pin_set(PIN_A, PIN_A.rstrip("=")))), API, PIN_A,
          id="same-pin-once-without-padding"),
    # PS1004
    fires("nsc-pin-set-expired", "fail/high", nsc(domain(API, pin_set(PIN_A, PIN_B,
          expiration=YESTERDAY))), API, f"expired on {YESTERDAY}", id="expired-yesterday"),
    fires("nsc-pin-set-expired", "fail/high", nsc(domain(API, pin_set(PIN_A, PIN_B,
          expiration=AS_OF.isoformat()))), API, "2 pin(s)", id="expires-today"),
    # PS1005
    fires("nsc-pin-set-expiring", "warn/medium", nsc(domain(API, pin_set(PIN_A, PIN_B,
          expiration=IN_10_DAYS))), API, "in 10 day(s)", id="expires-in-10-days"),
    fires("nsc-pin-set-expiring", "warn/medium", nsc(domain(API, pin_set(PIN_A, PIN_B,
          expiration=TOMORROW))), API, "in 1 day(s)", id="expires-tomorrow"),
    # PS1006
    fires("no-pinning", "fail/medium", nsc(base(anchors("system"))), None,
          "no host is pinned", id="system-anchors-only-no-dex"),
    fires("no-pinning", "fail/medium", None, None, "no host is pinned",
          id="no-nsc-no-dex"),
    fires("no-pinning", "fail/medium", nsc(domain(API, anchors("system"))), None,
          "no host is pinned", id="domain-config-without-pins"),
    # PS1007
    fires("host-not-pinned", "warn/medium", nsc(PINNED_API + domain(CDN, anchors("system"))),
          CDN, f"{CDN} is configured but neither pinned", id="second-host-unpinned"),
    fires("host-not-pinned", "warn/medium", nsc(PINNED_API + domain(CDN, pin_set(PIN_A,
          PIN_B, expiration=YESTERDAY))), CDN, CDN, id="second-host-pins-expired"),
    # PS1010
    fires("nsc-user-ca-trusted", "fail/high", nsc(base(anchors("system", "user")) + PINNED_API),
          None, 'src="user" trusted for every host', id="user-in-base-config"),
    fires("nsc-user-ca-trusted", "fail/high", nsc(domain(CDN, anchors("system", "user"))
                                                  + PINNED_API),
          CDN, 'src="user"', id="user-on-unpinned-host"),
    fires("nsc-user-ca-trusted", "fail/medium",
          nsc(domain(API, anchors("system", "user"), pin_set(PIN_A, PIN_B))), API,
          "pin-set still refuses", id="user-on-pinned-host-is-medium"),
    # PS1011
    fires("default-user-ca-trusted", "fail/high", PINNED, None, "targetSdk 23",
          id="target-23-no-anchors", target_sdk=23, min_sdk=23),
    fires("default-user-ca-trusted", "fail/high", None, None, "targetSdk 23",
          id="target-23-no-nsc", target_sdk=23, min_sdk=23),
    # PS1012
    fires("min-sdk-below-24", "warn/medium", PINNED, None, "minSdkVersion 23",
          id="min-sdk-23", min_sdk=23),
    fires("min-sdk-below-24", "warn/medium", PINNED, None, "pin-sets are not enforced",
          id="min-sdk-21-pinned", min_sdk=21),
    # PS1013
    fires("nsc-override-pins", "fail/high",
          nsc(base(anchors("system", override="true")) + PINNED_API), None,
          'src="system" overridePins="true"', id="system-override-in-base-config"),
    fires("nsc-override-pins", "fail/high",
          nsc(domain(API, anchors("system", override="true"), pin_set(PIN_A, PIN_B))), API,
          f"skip the pin check for {API}", id="system-override-on-pinned-host"),
    fires("nsc-override-pins", "fail/medium",
          nsc(domain(API, anchors("@raw/ca", override="true"), pin_set(PIN_A, PIN_B))), API,
          "@raw/ca", id="own-raw-override-is-medium", raw=RAW),
    # PS1014
    fires("nsc-debug-overrides-active", "fail/high", nsc(PINNED_API + USER_DEBUG), None,
          "trusting user", id="debuggable-build", debuggable=True),
    # PS1015
    fires("nsc-debug-overrides-inactive", "pass", nsc(PINNED_API + USER_DEBUG), None,
          "only to debuggable builds", id="release-build"),
    # PS1016
    fires("app-debuggable", "warn/high", PINNED, None, 'android:debuggable="true"',
          id="debuggable", debuggable=True),
    # PS1020
    fires("nsc-own-trust-store", "pass", nsc(base(anchors("@raw/ca"))), None, "res/raw/ca.pem",
          id="raw-only-base-config", raw=RAW, certificates=[OWN_CA]),
    fires("nsc-own-trust-store", "pass", nsc(base(anchors("@raw/ca"))), None, "own-pki",
          id="evidence-names-anchor-level", raw=RAW, certificates=[OWN_CA]),
    fires("nsc-own-trust-store", "pass", nsc(domain(API, anchors("@raw/ca"))), API,
          "@raw/ca", id="raw-only-domain-config", raw=RAW),
    # PS1021
    fires("nsc-bundled-anchor-added", "info", nsc(base(anchors("@raw/ca", "system"))
                                                  + PINNED_API),
          None, "alongside system", id="raw-plus-system", raw=RAW),
    # PS1030
    fires("nsc-rejected", "fail/high", nsc(domain(API, pin_set(PIN_A, PIN_B))
                                           + domain(API, pin_set(PIN_A, PIN_B))),
          None, "configured twice", id="duplicate-domain"),
    fires("nsc-rejected", "fail/high",
          nsc(domain(API, f'<pin-set><pin digest="SHA-1">{PIN_A}</pin></pin-set>')), None,
          "SHA-256", id="sha1-digest"),
    fires("nsc-rejected", "fail/high", nsc(domain(API, pin_set(PIN_A[:40] + "==", PIN_B))),
          None, "not the 32", id="pin-of-wrong-length"),
    fires("nsc-rejected", "fail/high", nsc(domain(API, pin_set(PIN_A, PIN_B,
          expiration="31/12/2030"))), None, "yyyy-MM-dd", id="bad-expiration-format"),
    fires("nsc-rejected", "fail/high", nsc(PINNED_API + f"<domain-config>{anchors('system')}"
                                           "</domain-config>"),
          None, "without any <domain>", id="domain-config-without-domain"),
    fires("nsc-rejected", "fail/high", nsc(base(anchors("@raw/missing"))), None,
          "does not resolve", id="unresolved-raw-anchor"),
    fires("nsc-rejected", "fail/high", nsc(base(pin_set(PIN_A, PIN_B))), None,
          "not allowed in <base-config>", id="pin-set-in-base-config"),
    # PS1031
    fires("nsc-ignored-markup", "warn/low",
          nsc(f'<domain-config><domain includeSubdomain="true">{API}</domain>'
              f"{pin_set(PIN_A, PIN_B)}</domain-config>"),
          None, "did you mean 'includeSubdomains'", id="misspelt-attribute"),
    fires("nsc-ignored-markup", "warn/low",
          nsc(domain(API, pin_set(PIN_A, PIN_B).replace("pin-set", "pin-sets"))), None,
          "did you mean <pin-set>", id="misspelt-element"),
    fires("nsc-ignored-markup", "warn/low", nsc(domain(API, pin_set(PIN_A, PIN_B),
          attrs=' cleartextTrafficPermitted="yes"')), None, "not true or false",
          id="boolean-not-true-or-false"),
    # PS1040
    fires("cleartext-permitted", "warn/medium",
          nsc(base(attrs=' cleartextTrafficPermitted="true"') + PINNED_API), None,
          "(base-config)", id="base-config-permits"),
    fires("cleartext-permitted", "warn/medium", PINNED, None, "platform default (targetSdk 27)",
          id="target-27-default", target_sdk=27),
    fires("cleartext-permitted", "warn/medium",
          nsc(PINNED_API + domain("legacy.example.com", attrs=' cleartextTrafficPermitted="true"')),
          "legacy.example.com", "cleartext permitted for legacy.example.com",
          id="unpinned-domain-permits"),
    fires("cleartext-permitted", "warn/medium", None, None, "cleartext permitted",
          id="no-nsc-manifest-uses-cleartext", uses_cleartext=True),
    fires("cleartext-permitted", "warn/medium", None, None, "cleartext permitted",
          id="no-nsc-target-27-default", target_sdk=27),
    # PS1041
    fires("cleartext-on-pinned-host", "warn/medium",
          nsc(domain(API, pin_set(PIN_A, PIN_B), attrs=' cleartextTrafficPermitted="true"')),
          API, "pinned but permits cleartext", id="pinned-domain-permits"),
    fires("cleartext-on-pinned-host", "warn/medium",
          nsc(base(attrs=' cleartextTrafficPermitted="true"') + PINNED_API), API,
          "(base-config)", id="pinned-domain-inherits-base-config"),
    # PS1050
    fires("certificate-transparency", "info",
          nsc(domain(API, '<certificateTransparency enabled="true"/>', pin_set(PIN_A, PIN_B))),
          API, "certificateTransparency enabled", id="enabled-on-domain"),
    fires("certificate-transparency", "info",
          nsc(base('<certificateTransparency enabled="false"/>') + PINNED_API), None,
          "certificateTransparency disabled", id="disabled-in-base-config"),
    # PS1051
    fires("hsts-setting", "info",
          nsc(domain(API, pin_set(PIN_A, PIN_B), attrs=' hstsEnforced="false"')),
          API, "hstsEnforced=false", id="disabled-on-domain"),
    # PS1060
    fires("trustkit-enforced", "pass", nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B))),
          API, "TrustKit enforces 2 pins", id="enforcing-two-pins"),
    # PS1061
    fires("trustkit-report-only", "warn/low", nsc(domain(API, trustkit(), pin_set(PIN_A, PIN_B))),
          API, "enforcePinning is false", id="enforce-pinning-default"),
    fires("trustkit-report-only", "warn/low",
          nsc(domain(API, trustkit("false"), pin_set(PIN_A, PIN_B))), API,
          "TrustKit reports only", id="enforce-pinning-false"),
    # PS1062
    fires("trustkit-too-few-pins", "fail/medium", nsc(domain(API, trustkit("true"),
          pin_set(PIN_A))), API, "throws at initialisation", id="enforcing-one-pin"),
    fires("trustkit-too-few-pins", "fail/medium", nsc(domain(API, trustkit("true"),
          pin_set(PIN_A, PIN_A))), API, "1 pin", id="enforcing-one-pin-written-twice"),
    # PS1063
    fires("trustkit-without-pins", "warn/low",
          nsc(PINNED_API + domain(CDN, trustkit("true"))), CDN, "but no pin-set",
          id="trustkit-config-without-pin-set"),
    # PS1070
    fires("platform-default-config", "info", None, None, "targetSdk 34 defaults apply",
          id="no-nsc"),
    # PS1071
    fires("nsc-qualified-variants", "info",
          {":res/xml/nsc.xml": PINNED, "v28:res/xml-v28/nsc.xml": PINNED}, None,
          "res/xml-v28/nsc.xml (v28)", id="default-and-v28"),
]

NEGATIVE = [
    # PS1001
    silent("nsc-pin-set-enforced", SINGLE, "nsc-pin-set-single-pin", id="one-pin"),
    silent("nsc-pin-set-enforced", nsc(domain(API, pin_set(PIN_A, PLACEHOLDER))),
           "pin-placeholder", id="second-pin-is-a-placeholder"),
    silent("nsc-pin-set-enforced", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY))),
           "nsc-pin-set-expired", id="two-pins-expired"),
    silent("nsc-pin-set-enforced", nsc(domain(API, pin_set(PIN_A, PIN_B)) + domain(API)),
           "nsc-rejected", id="in-a-file-android-rejects"),
    # PS1002
    silent("nsc-pin-set-single-pin", PINNED, "nsc-pin-set-enforced", id="two-pins"),
    # PS1003
    silent("nsc-pin-set-duplicate-pin", PINNED, "nsc-pin-set-enforced", id="two-distinct-pins"),
    # PS1004
    silent("nsc-pin-set-expired", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=TOMORROW))),
           "nsc-pin-set-expiring", id="expires-tomorrow"),
    silent("nsc-pin-set-expired", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY))),
           "nsc-pin-set-expiring", id="same-date-scanned-earlier",
           as_of=AS_OF - dt.timedelta(days=10)),
    # PS1005
    silent("nsc-pin-set-expiring", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=IN_60_DAYS))),
           "nsc-pin-set-enforced", id="expires-in-60-days"),
    silent("nsc-pin-set-expiring", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=IN_10_DAYS))),
           "nsc-pin-set-enforced", id="outside-a-5-day-window", warn_days=5),
    silent("nsc-pin-set-expiring", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY))),
           "nsc-pin-set-expired", id="already-expired"),
    # PS1006
    silent("no-pinning", PINNED, "nsc-pin-set-enforced", id="pinned-host"),
    silent("no-pinning", nsc(base(anchors("@raw/ca"))), "nsc-own-trust-store",
           id="own-trust-store", raw=RAW),
    silent("no-pinning", nsc(base(anchors("system"))), None, id="code-may-pin", dex=True),
    # PS1007
    silent("host-not-pinned", nsc(PINNED_API + domain(CDN, pin_set(PIN_A, PIN_B))),
           "nsc-pin-set-enforced", id="both-hosts-pinned"),
    silent("host-not-pinned", nsc(PINNED_API + domain("10.0.2.2", anchors("system"))),
           "nsc-pin-set-enforced", id="unpinned-host-is-local"),
    silent("host-not-pinned", nsc(PINNED_API + domain(CDN, anchors("@raw/ca"))),
           "nsc-own-trust-store", id="unpinned-host-uses-own-store", raw=RAW),
    silent("host-not-pinned", nsc(domain(CDN, anchors("system"))), "no-pinning",
           id="no-host-pinned-at-all"),
    # PS1010
    silent("nsc-user-ca-trusted", nsc(PINNED_API + USER_DEBUG), "nsc-debug-overrides-inactive",
           id="user-in-debug-overrides-release-build"),
    silent("nsc-user-ca-trusted", nsc(base(anchors("system")) + PINNED_API),
           "nsc-pin-set-enforced", id="system-only"),
    # PS1011
    silent("default-user-ca-trusted", PINNED, "nsc-pin-set-enforced", id="target-24",
           target_sdk=24, min_sdk=23),
    silent("default-user-ca-trusted", nsc(base(anchors("system")) + PINNED_API),
           "nsc-pin-set-enforced", id="target-23-declares-system-anchors",
           target_sdk=23, min_sdk=23),
    # PS1012
    silent("min-sdk-below-24", PINNED, "nsc-pin-set-enforced", id="min-sdk-24", min_sdk=24),
    # PS1013
    silent("nsc-override-pins", nsc(PINNED_API + debug_overrides(anchors("system",
           override="true"))), "nsc-debug-overrides-inactive",
           id="override-in-debug-overrides-release-build"),
    silent("nsc-override-pins",
           nsc(domain(API, anchors("system", override="false"), pin_set(PIN_A, PIN_B))),
           "nsc-pin-set-enforced", id="override-false"),
    # PS1014
    silent("nsc-debug-overrides-active", nsc(PINNED_API + USER_DEBUG),
           "nsc-debug-overrides-inactive", id="not-debuggable"),
    silent("nsc-debug-overrides-active", PINNED, "app-debuggable",
           id="debuggable-without-debug-overrides", debuggable=True),
    # PS1015
    silent("nsc-debug-overrides-inactive", nsc(PINNED_API + USER_DEBUG),
           "nsc-debug-overrides-active", id="debuggable", debuggable=True),
    silent("nsc-debug-overrides-inactive", PINNED, "nsc-pin-set-enforced",
           id="no-debug-overrides"),
    # PS1016
    silent("app-debuggable", PINNED, "nsc-pin-set-enforced", id="not-debuggable"),
    # PS1020
    silent("nsc-own-trust-store", nsc(base(anchors("@raw/ca", "system")) + PINNED_API),
           "nsc-bundled-anchor-added", id="raw-plus-system", raw=RAW),
    silent("nsc-own-trust-store", nsc(base(anchors("@raw/ca")) + USER_DEBUG),
           "nsc-debug-overrides-active", id="debug-overrides-add-user-ca", raw=RAW,
           debuggable=True),
    # PS1021
    silent("nsc-bundled-anchor-added", nsc(base(anchors("@raw/ca"))), "nsc-own-trust-store",
           id="raw-only", raw=RAW),
    # PS1030
    silent("nsc-rejected", nsc(PINNED_API + domain(CDN, pin_set(PIN_A, PIN_B))),
           "nsc-pin-set-enforced", id="two-distinct-domains"),
    silent("nsc-rejected", nsc(base(anchors("@raw/ca"))), "nsc-own-trust-store",
           id="raw-anchor-resolves", raw=RAW),
    silent("nsc-rejected", nsc(domain(API, pin_set(PIN_A, PIN_B, expiration="2030-12-31"))),
           "nsc-pin-set-enforced", id="good-expiration-format"),
    # PS1031
    silent("nsc-ignored-markup", PINNED, "nsc-pin-set-enforced", id="correct-spelling"),
    silent("nsc-ignored-markup", nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B))),
           "trustkit-enforced", id="trustkit-config-is-known"),
    # PS1040
    silent("cleartext-permitted", nsc(base(attrs=' cleartextTrafficPermitted="false"')
                                      + PINNED_API),
           "nsc-pin-set-enforced", id="base-config-forbids", target_sdk=27),
    silent("cleartext-permitted", PINNED, "nsc-pin-set-enforced", id="target-28-default",
           target_sdk=28),
    silent("cleartext-permitted", PINNED, "nsc-pin-set-enforced",
           id="nsc-overrides-manifest-uses-cleartext", uses_cleartext=True),
    silent("cleartext-permitted", None, "platform-default-config",
           id="no-nsc-manifest-forbids-on-target-27", target_sdk=27, uses_cleartext=False),
    silent("cleartext-permitted",
           nsc(domain(API, pin_set(PIN_A, PIN_B), attrs=' cleartextTrafficPermitted="true"')),
           "cleartext-on-pinned-host", id="pinned-host-rated-by-PS1041"),
    # PS1041
    silent("cleartext-on-pinned-host",
           nsc(domain(API, pin_set(PIN_A, PIN_B), attrs=' cleartextTrafficPermitted="false"')),
           "nsc-pin-set-enforced", id="pinned-domain-forbids", target_sdk=27),
    silent("cleartext-on-pinned-host",
           nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY),
                      attrs=' cleartextTrafficPermitted="true"')),
           "cleartext-permitted", id="pins-expired"),
    # PS1050
    silent("certificate-transparency", PINNED, "nsc-pin-set-enforced", id="not-configured"),
    # PS1051
    silent("hsts-setting", PINNED, "nsc-pin-set-enforced", id="not-configured"),
    # PS1060
    silent("trustkit-enforced", nsc(domain(API, trustkit("true"), pin_set(PIN_A))),
           "trustkit-too-few-pins", id="one-pin"),
    silent("trustkit-enforced", nsc(domain(API, trustkit("false"), pin_set(PIN_A, PIN_B))),
           "trustkit-report-only", id="report-only"),
    # PS1061
    silent("trustkit-report-only", nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B))),
           "trustkit-enforced", id="enforcing"),
    silent("trustkit-report-only", PINNED, "nsc-pin-set-enforced", id="no-trustkit-config"),
    # PS1062
    silent("trustkit-too-few-pins", nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B))),
           "trustkit-enforced", id="enforcing-two-pins"),
    silent("trustkit-too-few-pins", nsc(domain(API, trustkit("false"), pin_set(PIN_A))),
           "trustkit-report-only", id="report-only-one-pin"),
    # PS1063
    silent("trustkit-without-pins", nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B))),
           "trustkit-enforced", id="with-pin-set"),
    # PS1070
    silent("platform-default-config", PINNED, "nsc-pin-set-enforced", id="nsc-declared"),
    # PS1071
    silent("nsc-qualified-variants", {":res/xml/nsc.xml": PINNED}, "nsc-pin-set-enforced",
           id="one-file"),
]

# Read by test_catalog_coverage: every catalog rule needs a row in a POSITIVE table.
POSITIVE_RULES = sorted({case.values[0] for case in POSITIVE})


@pytest.mark.parametrize(("rule", "rated", "config", "options", "host", "evidence"), POSITIVE)
def test_rule_fires(catalog: Catalog, rule: str, rated: str, config: object,
                    options: dict[str, object], host: str | None, evidence: str) -> None:
    result = evaluate(catalog, config, options)  # type: ignore[arg-type]
    found = [d for d in decisions_named(result, rule) if d.host == host]
    assert found, f"no {rule} for host {host}; got {summary(result)}"
    decision = found[0]
    assert rating(decision.status.value, decision.severity and decision.severity.value) == rated
    assert decision.rule_id == catalog.rule(rule).id
    assert evidence in decision.evidence


@pytest.mark.parametrize(("rule", "config", "options", "instead"), NEGATIVE)
def test_rule_does_not_fire(catalog: Catalog, rule: str, config: object,
                            options: dict[str, object], instead: str | None) -> None:
    result = evaluate(catalog, config, options)  # type: ignore[arg-type]
    names = rule_names(result)
    assert rule not in names, summary(result)
    if instead is not None:
        assert instead in names, summary(result)


# --- details that a table row does not show -----------------------------------------------

def test_expired_pins_leave_the_host_unprotected(catalog: Catalog) -> None:
    config = nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY)))
    (row,) = [h for h in evaluate_config(catalog, config).hosts if h.host == API]
    assert row.protection == ()
    assert row.expires == AS_OF - dt.timedelta(days=1)


def test_nested_domain_config_inherits_the_pin_set(catalog: Catalog) -> None:
    config = nsc(domain(API, pin_set(PIN_A, PIN_B),
                        domain("legacy.api.example.com",
                               attrs=' cleartextTrafficPermitted="true"')))
    result = evaluate_config(catalog, config)
    enforced = {d.host for d in decisions_named(result, "nsc-pin-set-enforced")}
    assert enforced == {API, "legacy.api.example.com"}
    (inherited,) = [d for d in decisions_named(result, "nsc-pin-set-enforced")
                    if d.host == "legacy.api.example.com"]
    assert "inherited" in inherited.evidence
    (clear,) = decisions_named(result, "cleartext-on-pinned-host")
    assert clear.host == "legacy.api.example.com"


def test_min_sdk_evidence_without_pins_mentions_only_user_cas(catalog: Catalog) -> None:
    (decision,) = decisions_named(evaluate_config(catalog, None, min_sdk=21), "min-sdk-below-24")
    assert decision.evidence.endswith("user CAs are trusted there")
    assert "pin-sets" not in decision.evidence


def test_user_ca_on_pinned_host_keeps_fail_status(catalog: Catalog) -> None:
    config = nsc(domain(API, anchors("system", "user"), pin_set(PIN_A, PIN_B)))
    (decision,) = decisions_named(evaluate_config(catalog, config), "nsc-user-ca-trusted")
    assert decision.status.value == "fail" and decision.severity is Severity.MEDIUM


# --- suspected bugs: the correct behaviour, expected to fail until fixed -------------------

def test_user_ca_with_override_pins_on_pinned_host_is_high(catalog: Catalog) -> None:
    config = nsc(domain(API, anchors("user", override="true"), pin_set(PIN_A, PIN_B)))
    (decision,) = decisions_named(evaluate_config(catalog, config), "nsc-user-ca-trusted")
    assert decision.severity is Severity.HIGH
    assert "still refuses" not in decision.evidence


def test_unpinned_host_beside_own_store_base_config_is_reported(catalog: Catalog) -> None:
    config = nsc(base(anchors("@raw/ca")) + domain(CDN, anchors("system")))
    result = evaluate_config(catalog, config, raw=RAW)
    assert [d.host for d in decisions_named(result, "host-not-pinned")] == [CDN]


def test_trustkit_does_not_enforce_expired_pins(catalog: Catalog) -> None:
    config = nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B, expiration=YESTERDAY)))
    result = evaluate_config(catalog, config)
    assert "nsc-pin-set-expired" in rule_names(result)
    assert "trustkit-enforced" not in rule_names(result)


def test_cleartext_evidence_names_the_manifest_attribute(catalog: Catalog) -> None:
    (decision,) = decisions_named(evaluate_config(catalog, None, uses_cleartext=True),
                                  "cleartext-permitted")
    assert "usesCleartextTraffic" in decision.evidence
