"""The NSC parser reads what Android reads, and records what Android skips or refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PIN_A, PIN_B, nsc

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.nsc import NetworkSecurityConfig, parse_network_security_config
from mstg_pinscan.facts.xml import parse_android_xml


def _parse(body: str, raw: dict[str, str] | None = None) -> NetworkSecurityConfig:
    root = parse_android_xml(nsc(body).encode(), "nsc.xml")
    return parse_network_security_config(
        root, "nsc.xml", lambda src: ((raw or {})[src],) if src in (raw or {}) else ()
    )


def _pins(p: str = PIN_A, q: str = PIN_B) -> str:
    return f'<pin digest="SHA-256">{p}</pin><pin digest="SHA-256">{q}</pin>'


def test_full_configuration() -> None:
    config = _parse(
        '<base-config cleartextTrafficPermitted="false"><trust-anchors>'
        '<certificates src="system"/></trust-anchors></base-config>'
        '<domain-config hstsEnforced="true"><domain includeSubdomains="true">Example.COM</domain>'
        f'<pin-set expiration="2030-06-01">{_pins()}</pin-set>'
        '<certificateTransparency enabled="true"/>'
        '<trustkit-config enforcePinning="true"><report-uri>https://r.example/</report-uri>'
        '</trustkit-config>'
        '<domain-config cleartextTrafficPermitted="true"><domain>old.example.com</domain>'
        '</domain-config></domain-config>'
        '<debug-overrides><trust-anchors><certificates src="user"/></trust-anchors>'
        '</debug-overrides>'
    )
    assert config.problems == ()
    assert config.base is not None and config.base.cleartext_permitted is False
    outer, inner = config.all_domain_configs()
    assert outer.domains[0].name == "example.com" and outer.domains[0].include_subdomains
    assert outer.hsts_enforced is True and outer.ct_enabled is True
    assert outer.pin_set is not None and outer.pin_set.expiration == dt.date(2030, 6, 1)
    assert [p.decoded.value for p in outer.pin_set.pins] == [PIN_A, PIN_B]
    assert outer.trustkit is not None and outer.trustkit.report_uris == ("https://r.example/",)
    assert inner.domains[0].name == "old.example.com" and inner.cleartext_permitted is True
    # overridePins defaults to true inside debug-overrides, false elsewhere.
    assert config.debug_overrides is not None
    assert config.debug_overrides.trust_anchors[0].override_pins is True  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<base-config/><base-config/>", "more than one <base-config>"),
        ("<debug-overrides/><debug-overrides/>", "more than one <debug-overrides>"),
        ("<domain-config><pin-set/></domain-config>", "without any <domain>"),
        ("<domain-config><domain>a.com</domain></domain-config>"
         "<domain-config><domain>A.com</domain></domain-config>", "configured twice"),
        ('<domain-config><domain>a.com</domain><pin-set><pin digest="SHA-1">x</pin>'
         "</pin-set></domain-config>", "accepts only SHA-256"),
        ('<domain-config><domain>a.com</domain><pin-set><pin digest="SHA-256">AAAA</pin>'
         "</pin-set></domain-config>", "decodes to 3 bytes"),
        ('<domain-config><domain>a.com</domain><pin-set expiration="1/2/2030">'
         f"{_pins()}</pin-set></domain-config>", "is not yyyy-MM-dd"),
        ("<base-config><domain>a.com</domain></base-config>", "not allowed in <base-config>"),
        ("<base-config><trust-anchors><certificates/></trust-anchors></base-config>",
         "without a src"),
        ('<base-config><trust-anchors><certificates src="@raw/none"/></trust-anchors>'
         "</base-config>", "does not resolve"),
        ('<base-config><trust-anchors><certificates src="files"/></trust-anchors>'
         "</base-config>", "is not system, user"),
        ("<domain-config><domain>a.com</domain><trust-anchors/><trust-anchors/>"
         "</domain-config>", "more than one <trust-anchors>"),
    ],
    ids=["two-base", "two-debug", "no-domain", "duplicate-domain", "sha1", "short-pin",
         "bad-date", "domain-in-base", "no-src", "unresolved-raw", "bad-src", "two-anchors"],
)
def test_android_refuses(body: str, message: str) -> None:
    config = _parse(body)
    assert config.rejected
    assert any(message in p.message for p in config.problems if p.fatal), config.problems


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<domain-config><domain>a.com</domain><pin-sets/></domain-config>",
         "did you mean <pin-set>?"),
        ('<domain-config><domain includeSubdomain="true">a.com</domain></domain-config>',
         "did you mean 'includeSubdomains'?"),
        ('<domain-config enforcePinning="true"><domain>a.com</domain></domain-config>',
         "unknown attribute 'enforcePinning'"),
        ("<domain-config><domain>a.com</domain><pin-set><pin digest=\"SHA-256\">"
         + PIN_A.rstrip("=") + "</pin></pin-set></domain-config>", "not canonical base64"),
        ('<domain-config><domain>a.com</domain><pin-set expiration="2030-13-01">'
         f"{_pins()}</pin-set></domain-config>", "rolls it over to 2031-01-01"),
        ("<domain-config><domain>*.a.com</domain></domain-config>", "no wildcards"),
    ],
    ids=["element-typo", "attribute-typo", "unknown-attribute", "unpadded-pin",
         "rolled-date", "wildcard"],
)
def test_android_ignores_but_reports(body: str, message: str) -> None:
    config = _parse(body)
    assert not config.rejected, config.problems
    assert any(message in p.message for p in config.problems), config.problems


def test_unpadded_pin_reads_as_32_bytes_like_android() -> None:
    body = ('<domain-config><domain>a.com</domain><pin-set><pin digest="SHA-256">'
            f"{PIN_A.rstrip('=')}</pin></pin-set></domain-config>")
    pin = _parse(body).all_domain_configs()[0].pin_set.pins[0]  # type: ignore[union-attr]
    assert pin.decoded.valid and pin.decoded.value == PIN_A


def test_entities_are_not_expanded() -> None:
    hostile = (b'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY a "aaaaaaaaaa">'
               b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
               b"<network-security-config><domain-config><domain>&b;</domain>"
               b"</domain-config></network-security-config>")
    try:
        root = parse_android_xml(hostile, "nsc.xml")
    except FactError:
        return  # refusing the document is as good as not expanding it
    assert "aaaaaaaaaa" not in (root.findtext(".//domain") or "")


def test_external_entities_are_not_loaded(tmp_path) -> None:  # noqa: ANN001
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    hostile = (f'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY x SYSTEM "file://{secret}">]>'
               "<network-security-config><domain-config><domain>&x;</domain>"
               "</domain-config></network-security-config>").encode()
    try:
        root = parse_android_xml(hostile, "nsc.xml")
    except FactError:
        return
    assert "TOPSECRET" not in (root.findtext(".//domain") or "")
