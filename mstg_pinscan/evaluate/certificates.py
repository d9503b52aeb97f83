"""Checks on bundled certificates and keys, and the cross-checks between pins and them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.levels import LevelIndex
from mstg_pinscan.models import (
    CertificateInfo,
    Decision,
    Location,
    PinLevel,
    PrivateKeyInfo,
    Skipped,
)

RULES_USED = {
    "bundled-certificate", "certificate-expired", "certificate-weak-key",
    "certificate-weak-signature", "certificate-self-signed-leaf", "private-key-bundled",
    "keystore-unreadable", "pin-matches-certificate", "pin-matches-nothing",
    "certificate-unused", "pin-public-root-ca",
}
_WEAK_HASHES = {"sha1", "md5", "md2", "md4"}


def check_certificates(
    catalog: Catalog,
    certificates: Iterable[CertificateInfo],
    private_keys: Iterable[PrivateKeyInfo],
    unreadable: Iterable[Skipped],
    as_of: date,
) -> list[Decision]:
    """Rate every bundled certificate, private key and unreadable store."""
    decisions = []
    for cert in certificates:
        where = Location(cert.path)
        decisions.append(catalog.decide(
            "bundled-certificate", where,
            f"{cert.subject} issued by {cert.issuer}; {cert.key}; valid to {cert.not_after}; "
            f"{'CA' if cert.is_ca else 'end-entity'}"
            f"{', self-signed' if cert.self_signed else ''}; pin {cert.spki_sha256}",
        ))
        if cert.not_after < as_of:
            decisions.append(catalog.decide(
                "certificate-expired", where, f"{cert.subject} expired on {cert.not_after}"))
        if _weak_key(cert):
            decisions.append(catalog.decide(
                "certificate-weak-key", where, f"{cert.subject} has a {cert.key} key"))
        if (cert.signature_hash or "").lower() in _WEAK_HASHES and not cert.self_signed:
            decisions.append(catalog.decide(
                "certificate-weak-signature", where,
                f"{cert.subject} is signed with {cert.signature_hash}"))
        if cert.self_signed and not cert.is_ca:
            decisions.append(catalog.decide(
                "certificate-self-signed-leaf", where,
                f"{cert.subject} is self-signed and not a CA"))
    for key in private_keys:
        decisions.append(catalog.decide(
            "private-key-bundled", Location(key.path),
            f"{key.key} readable from a {key.container.upper()} file"))
    for item in unreadable:
        decisions.append(catalog.decide("keystore-unreadable", Location(item.item), item.reason))
    return decisions


def check_pins_against_certificates(
    catalog: Catalog,
    levels: LevelIndex,
    pins: dict[str, tuple[Location, str | None]],
    certificates: Iterable[CertificateInfo],
    anchor_files: set[str],
) -> list[Decision]:
    """Match each pin to the bundled and public root certificates, and find unused ones.

    ``pins`` maps a pin value to where it first appears and the host it protects.
    """
    decisions = []
    for pin, (where, host) in sorted(pins.items()):
        found = levels.classify(pin)
        if found.level is PinLevel.PUBLIC_ROOT:
            decisions.append(catalog.decide(
                "pin-public-root-ca", where, f"pin {pin} is the {found.explanation}", host=host))
        elif found.certificate is not None:
            decisions.append(catalog.decide(
                "pin-matches-certificate", where,
                f"pin {pin} is the {found.explanation} ({found.level.value})", host=host))
        else:
            decisions.append(catalog.decide(
                "pin-matches-nothing", where, f"pin {pin} {found.explanation}", host=host))
    for cert in certificates:
        if cert.spki_sha256 in pins or cert.path.split("#")[0] in anchor_files:
            continue
        decisions.append(catalog.decide(
            "certificate-unused", Location(cert.path),
            f"{cert.subject} (pin {cert.spki_sha256}) is referred to by no pin or trust anchor"))
    return decisions


def _weak_key(cert: CertificateInfo) -> bool:
    if cert.key.startswith(("RSA", "DSA")):
        return cert.key_bits < 2048
    if cert.key.startswith("EC"):
        return cert.key_bits < 224
    return False
