"""Pins and certificates hidden inside other files: native libraries, DEX data, assets.

Pinning in native code, cross-platform engines and scripts never shows in the configuration
or in Java calls, so every file of the bundle is searched for pin-shaped strings and for
certificates embedded in it (DER, recognised by the start of an X.509 TBSCertificate, and PEM).
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from mstg_pinscan.facts.certs import UNREADABLE, certificate_info, read_certificate_file
from mstg_pinscan.models import CertificateInfo, Skipped

_logger = logging.getLogger(__name__)

# SEQUENCE (long form) holding SEQUENCE (long form) that starts with [0] { INTEGER 0..2 }:
# the opening of every X.509 v1-v3 certificate.
_EMBEDDED_DER = re.compile(rb"\x30\x82(..)\x30\x82..\xa0\x03\x02\x01[\x00-\x02]", re.DOTALL)
_PREFIXED_PIN = re.compile(rb"(?:sha256|sha1)/[A-Za-z0-9+/]{27,43}=?")
# A bare pin is 43 base64 characters and one "=", standing alone. Searching for the "="
# first and looking back is an order of magnitude faster than a character-class scan.
_PIN_END = re.compile(rb"=(?=[^A-Za-z0-9+/=_-]|\Z)")
_PIN_BODY = re.compile(rb"[A-Za-z0-9+/]{43}\Z")
_TOKEN_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-")
_MAX_PER_FILE = 200
# DER-shaped starts that fail to parse; past this many the file is crafted or not worth it,
# and parsing every one of millions of them takes minutes.
_MAX_DER_FAILURES = 1000
_SKIP_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".ogg", ".mp3", ".mp4", ".ttf",
                  ".otf", ".arsc")


@dataclass(frozen=True)
class PinString:
    """A pin-shaped string and the bundle entry it sits in."""

    value: str
    file: str


@dataclass
class BlobScan:
    """What the search of every file found."""

    pins: list[PinString] = field(default_factory=list)
    certificates: list[CertificateInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def wants_blob_scan(name: str) -> bool:
    """True for entries worth searching (media and the resource table are not)."""
    lowered = name.lower()
    if lowered.startswith("meta-inf/") and lowered.endswith((".sf", ".mf", ".rsa", ".dsa", ".ec")):
        return False  # the APK's signature: digests of its files and the signing certificate
    return not lowered.endswith(_SKIP_SUFFIXES) and name != "AndroidManifest.xml"


def scan_blob(data: bytes, name: str, known_certificates: bool) -> BlobScan:
    """Search one file; ``known_certificates`` says the certificate reader already read it."""
    scan = BlobScan()
    is_dex = name.endswith(".dex")
    if not is_dex:
        # DEX strings are read from the string table by the code analysis instead.
        found = {m.decode() for m in _PREFIXED_PIN.findall(data)}
        if not _looks_like_text_of_other_kind(name):
            found |= set(bare_pins(data))
        scan.pins = [PinString(value, name) for value in sorted(found)[:_MAX_PER_FILE]]
    if known_certificates:
        return scan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        scan.certificates = _embedded_der(data, name, scan.skipped)
        if b"-----BEGIN" in data and not is_dex:
            pem = read_certificate_file(data, name)
            scan.certificates += [c for c in pem.certificates]
    return scan


def bare_pins(data: bytes) -> list[str]:
    """Standalone 44-character base64 strings (32 bytes) in ``data``."""
    found = []
    for match in _PIN_END.finditer(data):
        end = match.start()
        if end < 43 or (end > 43 and data[end - 44] in _TOKEN_CHARS):
            continue
        body = data[end - 43:end]
        if _PIN_BODY.match(body):
            found.append(body.decode() + "=")
    return found


def _embedded_der(data: bytes, name: str, skipped: list[Skipped]) -> list[CertificateInfo]:
    found: list[CertificateInfo] = []
    failures = 0
    for match in _EMBEDDED_DER.finditer(data):
        if len(found) >= _MAX_PER_FILE:
            break
        if failures >= _MAX_DER_FAILURES:
            skipped.append(Skipped(name, f"search for embedded certificates stopped at "
                                   f"0x{match.start():x}: {failures} certificate-shaped byte "
                                   "runs that are not certificates"))
            break
        length = int.from_bytes(match.group(1), "big") + 4
        start = match.start()
        try:
            cert = x509.load_der_x509_certificate(data[start:start + length])
            found.append(certificate_info(cert, f"{name}@0x{start:x}", "embedded-der"))
        except UNREADABLE:
            failures += 1  # DER-shaped bytes that are not a certificate
    return found


def _looks_like_text_of_other_kind(name: str) -> bool:
    # Bare 44-character base64 tokens are everywhere in source maps and lock files.
    return name.endswith((".map", ".lock"))
