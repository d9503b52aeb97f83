"""Per-rule tests for certificates, keys and pin cross-checks (PS2xxx, PS3xxx).

Certificates are made on the fly with the conftest factories; the public root is a real one
from certifi. ``POSITIVE`` rows must produce the rule with that rating, host and evidence;
``NEGATIVE`` rows are close inputs where it must not fire (and, where one applies, the rule
that fires instead).
"""

from __future__ import annotations

import base64
import datetime as dt
import warnings

import certifi
import pytest
from conftest import (
    AS_OF,
    PIN_A,
    PIN_B,
    ROOT,
    decisions_named,
    evaluate_config,
    info,
    make_cert,
    make_key,
    nsc,
    pin_of,
    rule_names,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.models import CertificateInfo, PrivateKeyInfo, ScanResult, Skipped

API = "api.example.com"
YESTERDAY = AS_OF - dt.timedelta(days=1)
TOMORROW = AS_OF + dt.timedelta(days=1)
NSC_FILE = "res/xml/network_security_config.xml"


# --- certificates -------------------------------------------------------------------------

def public_root(common_name: str = "ISRG Root X1") -> x509.Certificate:
    """A root CA of the public (Mozilla) store, as certifi ships it."""
    with open(certifi.where(), "rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some roots carry serials RFC 5280 disallows
        roots = x509.load_pem_x509_certificates(handle.read())
    for root in roots:
        names = root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if names and names[0].value == common_name:
            return root
    raise AssertionError(f"{common_name} is not in certifi's bundle")


_SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")
_SHA1_WITH_RSA = bytes.fromhex("06092a864886f70d010105")


def resigned_with_sha1(cert: x509.Certificate, issuer_key: object) -> x509.Certificate:
    """``cert`` with a sha1WithRSAEncryption signature (cryptography refuses to sign SHA-1).

    Both algorithm identifiers are swapped for the SHA-1 one (same DER length) and the TBS
    is signed again with PKCS#1 v1.5 / SHA-1, so every length in the DER stays the same.
    """
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    new_tbs = tbs.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA)
    signature = issuer_key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())  # type: ignore
    assert len(signature) == len(cert.signature)
    head, tail = der.split(tbs)
    tail = tail.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA).replace(cert.signature, signature)
    return x509.load_der_x509_certificate(head + new_tbs + tail)


ISRG = public_root()
OWN_ROOT, OWN_ROOT_KEY = make_cert("Own Root CA", ca=True)
LEAF, _ = make_cert(API, key=make_key("ec"), issuer=(OWN_ROOT, OWN_ROOT_KEY))
# A CA whose issuer is a public root's name: the issuing-intermediate level.
PUBLIC_INTERMEDIATE, _ = make_cert("Example Issuing CA", key=make_key("ec"), ca=True,
                                   issuer=(ISRG, make_key("ec")))
SELF_SIGNED_LEAF, _ = make_cert("device.example.com", key=make_key("ec"))
EXPIRED_YESTERDAY, _ = make_cert("old.example.com", key=make_key("ec"),
                                 issuer=(OWN_ROOT, OWN_ROOT_KEY), not_after=YESTERDAY)
EXPIRES_TOMORROW, _ = make_cert("old.example.com", key=make_key("ec"),
                                issuer=(OWN_ROOT, OWN_ROOT_KEY), not_after=TOMORROW)
RSA_1024, _ = make_cert("rsa1024.example.com", key=make_key(size=1024),
                        issuer=(OWN_ROOT, OWN_ROOT_KEY))
RSA_2048, _ = make_cert("rsa2048.example.com", key=make_key(size=2048),
                        issuer=(OWN_ROOT, OWN_ROOT_KEY))
DSA_1024, _ = make_cert("dsa1024.example.com", key=dsa.generate_private_key(1024),
                        issuer=(OWN_ROOT, OWN_ROOT_KEY))
EC_P192, _ = make_cert("p192.example.com", key=ec.generate_private_key(ec.SECP192R1()),
                       issuer=(OWN_ROOT, OWN_ROOT_KEY))
EC_P256, _ = make_cert("p256.example.com", key=make_key("ec"), issuer=(OWN_ROOT, OWN_ROOT_KEY))
SHA1_LEAF = resigned_with_sha1(make_cert("sha1.example.com", issuer=(OWN_ROOT, OWN_ROOT_KEY))[0],
                               OWN_ROOT_KEY)
SHA1_ROOT = resigned_with_sha1(OWN_ROOT, OWN_ROOT_KEY)

CLIENT_KEY_PEM = make_key("ec").private_bytes(  # type: ignore[attr-defined]
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption())


def pinned(*pins: str, host: str = API) -> str:
    body = "".join(f'<pin digest="SHA-256">{pin}</pin>' for pin in pins)
    return nsc(f'<domain-config><domain includeSubdomains="true">{host}</domain>'
               f"<pin-set>{body}</pin-set></domain-config>")


PINNED = pinned(PIN_A, PIN_B)
# Digest-sized values no key hashes to: 32 zero bytes, and 00 01 02 03 repeated.
ZEROS = base64.b64encode(bytes(32)).decode()
REPEATING = base64.b64encode(bytes(range(4)) * 8).decode()
OWN_STORE = nsc('<base-config><trust-anchors><certificates src="@raw/ca"/></trust-anchors>'
                "</base-config>")


def certs(*pairs: tuple[x509.Certificate, str]) -> list[CertificateInfo]:
    return [info(cert, path) for cert, path in pairs]


def private_keys_in(data: bytes, path: str) -> list[PrivateKeyInfo]:
    return read_certificate_file(data, path).private_keys


def skipped_in(path: str, name: str) -> list[Skipped]:
    return read_certificate_file((ROOT / "sample_apps" / "pki" / path).read_bytes(),
                                 name).skipped


# --- the cases ----------------------------------------------------------------------------

def fires(rule: str, rated: str, config: str | None, host: str | None, evidence: str, *,
          id: str, where: str | None = None, **options: object) -> object:
    return pytest.param(rule, rated, config, options, host, where, evidence,
                        id=f"{rule}:{id}")


def silent(rule: str, config: str | None, instead: str | None, *, id: str,
           **options: object) -> object:
    return pytest.param(rule, config, options, instead, id=f"{rule}:{id}")


POSITIVE = [
    # PS2001
    fires("bundled-certificate", "info", PINNED, None, pin_of(LEAF), id="leaf",
          where="assets/server.pem", certificates=certs((LEAF, "assets/server.pem"))),
    fires("bundled-certificate", "info", PINNED, None, "CA, self-signed", id="own-root",
          where="res/raw/ca.pem", certificates=certs((OWN_ROOT, "res/raw/ca.pem"))),
    # PS2002
    fires("certificate-expired", "warn/medium", PINNED, None, f"expired on {YESTERDAY}",
          id="expired-yesterday", where="assets/old.pem",
          certificates=certs((EXPIRED_YESTERDAY, "assets/old.pem"))),
    fires("certificate-expired", "warn/medium", PINNED, None, f"expired on {TOMORROW}",
          id="expires-tomorrow-scanned-later", where="assets/old.pem",
          certificates=certs((EXPIRES_TOMORROW, "assets/old.pem")),
          as_of=AS_OF + dt.timedelta(days=2)),
    # PS2003
    fires("certificate-weak-key", "warn/medium", PINNED, None, "RSA 1024", id="rsa-1024",
          where="assets/weak.pem", certificates=certs((RSA_1024, "assets/weak.pem"))),
    fires("certificate-weak-key", "warn/medium", PINNED, None, "DSA 1024", id="dsa-1024",
          where="assets/dsa.pem", certificates=certs((DSA_1024, "assets/dsa.pem"))),
    fires("certificate-weak-key", "warn/medium", PINNED, None, "secp192r1", id="ec-p192",
          where="assets/p192.pem", certificates=certs((EC_P192, "assets/p192.pem"))),
    # PS2004
    fires("certificate-weak-signature", "warn/low", PINNED, None, "signed with sha1",
          id="sha1-signed-by-own-ca", where="assets/sha1.pem",
          certificates=certs((SHA1_LEAF, "assets/sha1.pem"))),
    # PS2005
    fires("certificate-self-signed-leaf", "warn/low", PINNED, None, "self-signed and not a CA",
          id="self-signed-end-entity", where="assets/device.pem",
          certificates=certs((SELF_SIGNED_LEAF, "assets/device.pem"))),
    # PS2006
    fires("private-key-bundled", "fail/high", PINNED, None, "readable from a PEM file",
          id="pem-pkcs8-key", where="assets/client_key.pem",
          private_keys=private_keys_in(CLIENT_KEY_PEM, "assets/client_key.pem")),
    fires("private-key-bundled", "fail/high", PINNED, None, "PKCS12",
          id="pkcs12-without-password", where="assets/client.p12",
          private_keys=[PrivateKeyInfo("assets/client.p12", "pkcs12", "RSA 2048")]),
    # PS2007
    fires("keystore-unreadable", "info", PINNED, None, "password-protected",
          id="locked-pkcs12", where="assets/locked.p12",
          skipped=skipped_in("stores/locked.p12", "assets/locked.p12")),
    # PS3001
    fires("pin-matches-certificate", "info", pinned(pin_of(LEAF), PIN_B), API, "(leaf)",
          id="leaf-pin", where=f"{NSC_FILE}:/network-security-config/domain-config/pin-set/pin[1]",
          certificates=certs((LEAF, "assets/server.pem"))),
    fires("pin-matches-certificate", "info", pinned(PIN_B, pin_of(OWN_ROOT)), API, "(own-pki)",
          id="own-root-pin", certificates=certs((OWN_ROOT, "assets/root.pem"))),
    fires("pin-matches-certificate", "info", pinned(pin_of(PUBLIC_INTERMEDIATE), PIN_B), API,
          "(intermediate)", id="intermediate-under-public-root",
          certificates=certs((PUBLIC_INTERMEDIATE, "assets/issuing.pem"))),
    # PS3002
    fires("pin-matches-nothing", "info", PINNED, API,
          f"pin {PIN_A} matches no bundled certificate", id="nothing-bundled"),
    fires("pin-matches-nothing", "info", PINNED, API, f"pin {PIN_B} matches no",
          id="backup-pin-beside-other-certs", certificates=certs((LEAF, "assets/server.pem"))),
    # PS3003
    fires("certificate-unused", "info", PINNED, None, "referred to by no pin or trust anchor",
          id="neither-pinned-nor-anchor", where="assets/server.pem",
          certificates=certs((LEAF, "assets/server.pem"))),
    # PS3004
    fires("pin-public-root-ca", "warn/low", pinned(pin_of(ISRG), PIN_B), API, "ISRG Root X1",
          id="isrg-root-x1"),
    fires("pin-public-root-ca", "warn/low", pinned(PIN_B, pin_of(ISRG)), API, "public root CA",
          id="public-root-also-bundled", certificates=certs((ISRG, "assets/isrg.pem"))),
    # PS3005
    fires("pin-placeholder", "warn/medium", pinned(PIN_A, PIN_B, ZEROS), API,
          "repeating pattern", id="all-zero-bytes"),
    fires("pin-placeholder", "warn/medium", pinned(PIN_A, PIN_B, REPEATING), API, REPEATING,
          id="repeating-four-bytes"),
]

NEGATIVE = [
    # PS2001
    silent("bundled-certificate", PINNED, "private-key-bundled", id="only-a-private-key",
           private_keys=private_keys_in(CLIENT_KEY_PEM, "assets/client_key.pem")),
    # PS2002
    silent("certificate-expired", PINNED, "bundled-certificate", id="expires-tomorrow",
           certificates=certs((EXPIRES_TOMORROW, "assets/old.pem"))),
    silent("certificate-expired", PINNED, "bundled-certificate", id="expired-cert-scanned-earlier",
           certificates=certs((EXPIRED_YESTERDAY, "assets/old.pem")),
           as_of=AS_OF - dt.timedelta(days=2)),
    # PS2003
    silent("certificate-weak-key", PINNED, "bundled-certificate", id="rsa-2048",
           certificates=certs((RSA_2048, "assets/ok.pem"))),
    silent("certificate-weak-key", PINNED, "bundled-certificate", id="ec-p256",
           certificates=certs((EC_P256, "assets/ok.pem"))),
    # PS2004
    silent("certificate-weak-signature", PINNED, "bundled-certificate", id="sha256-signed",
           certificates=certs((LEAF, "assets/server.pem"))),
    # PS2005
    silent("certificate-self-signed-leaf", PINNED, "bundled-certificate", id="self-signed-ca",
           certificates=certs((OWN_ROOT, "assets/root.pem"))),
    silent("certificate-self-signed-leaf", PINNED, "bundled-certificate", id="leaf-issued-by-ca",
           certificates=certs((LEAF, "assets/server.pem"))),
    # PS2006
    silent("private-key-bundled", PINNED, "bundled-certificate", id="certificate-only",
           certificates=certs((LEAF, "assets/server.pem"))),
    # PS2007
    silent("keystore-unreadable", PINNED, "nsc-pin-set-enforced", id="missing-resource-table",
           skipped=[Skipped("resources.arsc", "missing: resource references cannot be resolved")]),
    silent("keystore-unreadable", PINNED, "nsc-pin-set-enforced", id="nsc-file-unreadable",
           skipped=[Skipped(NSC_FILE, "not well-formed XML")]),
    # PS3001
    silent("pin-matches-certificate", PINNED, "pin-matches-nothing", id="pin-of-nothing-bundled",
           certificates=certs((LEAF, "assets/server.pem"))),
    silent("pin-matches-certificate", pinned(pin_of(ISRG), PIN_B), "pin-public-root-ca",
           id="bundled-public-root", certificates=certs((ISRG, "assets/isrg.pem"))),
    # PS3002
    silent("pin-matches-nothing", pinned(pin_of(LEAF), pin_of(OWN_ROOT)),
           "pin-matches-certificate", id="both-pins-bundled",
           certificates=certs((LEAF, "assets/server.pem"), (OWN_ROOT, "assets/root.pem"))),
    # PS3003
    silent("certificate-unused", pinned(pin_of(LEAF), PIN_B), "pin-matches-certificate",
           id="pinned", certificates=certs((LEAF, "assets/server.pem"))),
    silent("certificate-unused", OWN_STORE, "nsc-own-trust-store", id="trust-anchor-file",
           raw={"@raw/ca": "res/raw/ca.pem"}, certificates=certs((OWN_ROOT, "res/raw/ca.pem"))),
    # PS3004
    silent("pin-public-root-ca", pinned(pin_of(OWN_ROOT), PIN_B), "pin-matches-certificate",
           id="own-root-ca", certificates=certs((OWN_ROOT, "assets/root.pem"))),
    silent("pin-public-root-ca", pinned(pin_of(PUBLIC_INTERMEDIATE), PIN_B),
           "pin-matches-certificate", id="intermediate-under-public-root",
           certificates=certs((PUBLIC_INTERMEDIATE, "assets/issuing.pem"))),
    # PS3005
    silent("pin-placeholder", PINNED, "nsc-pin-set-enforced", id="two-real-pins"),
]

# Read by test_catalog_coverage: every catalog rule needs a row in a POSITIVE table.
POSITIVE_RULES = sorted({case.values[0] for case in POSITIVE})


def summary(result: ScanResult) -> str:
    return "; ".join(f"{d.rule_name}[{d.host}]@{d.location}" for d in result.decisions)


@pytest.mark.parametrize(
    ("rule", "rated", "config", "options", "host", "where", "evidence"), POSITIVE)
def test_rule_fires(catalog: Catalog, rule: str, rated: str, config: str | None,
                    options: dict[str, object], host: str | None, where: str | None,
                    evidence: str) -> None:
    result = evaluate_config(catalog, config, **options)  # type: ignore[arg-type]
    found = [d for d in decisions_named(result, rule)
             if d.host == host and evidence in d.evidence]
    assert found, f"no {rule} for {host} with {evidence!r}; got {summary(result)}"
    decision = found[0]
    severity = decision.severity.value if decision.severity else None
    assert (f"{decision.status.value}/{severity}" if severity else decision.status.value) == rated
    assert decision.rule_id == catalog.rule(rule).id
    if where is not None:
        assert str(decision.location) == where


@pytest.mark.parametrize(("rule", "config", "options", "instead"), NEGATIVE)
def test_rule_does_not_fire(catalog: Catalog, rule: str, config: str | None,
                            options: dict[str, object], instead: str | None) -> None:
    result = evaluate_config(catalog, config, **options)  # type: ignore[arg-type]
    names = rule_names(result)
    assert rule not in names, summary(result)
    if instead is not None:
        assert instead in names, summary(result)


# --- details that a table row does not show -----------------------------------------------

def test_public_root_pin_is_rated_once_per_pin(catalog: Catalog) -> None:
    result = evaluate_config(catalog, pinned(pin_of(ISRG), PIN_B))
    (decision,) = decisions_named(result, "pin-public-root-ca")
    assert decision.location.element is not None and decision.location.element.endswith("pin[1]")
    assert "pin-matches-nothing" in rule_names(result)  # the backup pin


def test_host_row_tells_the_pin_levels(catalog: Catalog) -> None:
    result = evaluate_config(catalog, pinned(pin_of(LEAF), pin_of(ISRG)),
                             certificates=certs((LEAF, "assets/server.pem")))
    (row,) = [h for h in result.hosts if h.host == API]
    levels = {pin.value: (pin.level.value, pin.matches_certificate) for pin in row.pins}
    assert levels == {pin_of(LEAF): ("leaf", True), pin_of(ISRG): ("public-root", False)}
    assert row.level is not None and row.level.value == "leaf"


def test_every_certificate_gets_its_own_bundled_certificate_decision(catalog: Catalog) -> None:
    result = evaluate_config(catalog, PINNED, certificates=certs(
        (LEAF, "assets/server.pem"), (OWN_ROOT, "res/raw/ca.pem")))
    locations = sorted(d.location.file for d in decisions_named(result, "bundled-certificate"))
    assert locations == ["assets/server.pem", "res/raw/ca.pem"]


# --- suspected bugs: the correct behaviour, expected to fail until fixed -------------------

def test_sha1_self_signed_root_has_no_weak_signature_finding(catalog: Catalog) -> None:
    result = evaluate_config(catalog, PINNED, certificates=certs((SHA1_ROOT, "assets/root.pem")))
    assert "certificate-weak-signature" not in rule_names(result)


def test_sha1_self_signed_leaf_is_reported(catalog: Catalog) -> None:
    (weak,) = read_certificate_file((ROOT / "sample_apps" / "pki" / "weak.pem").read_bytes(),
                                    "assets/weak.pem").certificates
    result = evaluate_config(catalog, PINNED, certificates=[weak])
    assert "certificate-self-signed-leaf" in rule_names(result)
