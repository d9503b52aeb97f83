"""Tell which link of a certificate chain a pin or trust anchor binds to.

The public root store is Mozilla's, as packaged by certifi: a pin on one of its keys trusts
everything that CA issues, while a CA absent from it is one the app alone trusts (own PKI).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import certifi

from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.models import CertificateInfo, PinLevel

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublicRoots:
    """Pins and subjects of the public root CAs."""

    by_pin: dict[str, str]
    subjects: frozenset[str]


@functools.cache
def public_roots() -> PublicRoots:
    """Load certifi's bundle once; a damaged bundle yields an empty store, logged."""
    try:
        with open(certifi.where(), "rb") as handle:
            scan = read_certificate_file(handle.read(), "certifi")
    except OSError as exc:
        _logger.warning("public root store unavailable: %s", exc)
        return PublicRoots({}, frozenset())
    infos = scan.certificates
    return PublicRoots(
        by_pin={info.spki_sha256: info.subject for info in infos},
        subjects=frozenset(info.subject for info in infos),
    )


@dataclass(frozen=True)
class Classification:
    """The level of one pin, the certificate that told it, and why."""

    level: PinLevel
    certificate: CertificateInfo | None
    explanation: str


class LevelIndex:
    """Classify pins against the bundled certificates and the public roots."""

    def __init__(self, certificates: Iterable[CertificateInfo], roots: PublicRoots) -> None:
        self.roots = roots
        self.by_pin: dict[str, list[CertificateInfo]] = {}
        for cert in certificates:
            self.by_pin.setdefault(cert.spki_sha256, []).append(cert)

    def classify(self, pin: str) -> Classification:
        """Return the level ``pin`` binds to, or ``unknown`` with the reason."""
        matches = self.by_pin.get(pin, [])
        cert = matches[0] if matches else None
        if pin in self.roots.by_pin:
            return Classification(
                PinLevel.PUBLIC_ROOT, cert,
                f"key of the public root CA {self.roots.by_pin[pin]}",
            )
        if cert is None:
            return Classification(PinLevel.UNKNOWN, None,
                                  "matches no bundled certificate and no public root CA")
        return Classification(self.level_of(cert), cert, describe_match(cert, self.level_of(cert)))

    def level_of(self, cert: CertificateInfo) -> PinLevel:
        """The level a certificate itself sits at."""
        if cert.spki_sha256 in self.roots.by_pin:
            return PinLevel.PUBLIC_ROOT
        if not cert.is_ca:
            return PinLevel.LEAF
        if cert.self_signed:
            return PinLevel.OWN_PKI
        if cert.issuer in self.roots.subjects:
            return PinLevel.INTERMEDIATE
        # A CA whose issuer is no public root belongs to a private hierarchy.
        return PinLevel.OWN_PKI


def describe_match(cert: CertificateInfo, level: PinLevel) -> str:
    """One clause naming the matched certificate and what its level means."""
    meaning = {
        PinLevel.LEAF: "the server's own key: strongest binding, every renewal needs an update",
        PinLevel.INTERMEDIATE: "an issuing CA under a public root",
        PinLevel.OWN_PKI: "a private CA the app alone trusts",
        PinLevel.PUBLIC_ROOT: "a public root CA: trusts all it issues",
        PinLevel.UNKNOWN: "level unknown",
    }[level]
    return f"key of {cert.subject} ({cert.path}), {meaning}"


def strongest(levels: Iterable[PinLevel]) -> PinLevel | None:
    """The most specific known level among ``levels``; None when there are none."""
    order = [PinLevel.LEAF, PinLevel.INTERMEDIATE, PinLevel.OWN_PKI, PinLevel.PUBLIC_ROOT,
             PinLevel.UNKNOWN]
    present = set(levels)
    for level in order:
        if level in present:
            return level
    return None
