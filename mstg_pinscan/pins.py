"""The one pin format every platform shares: base64(SHA-256(DER SubjectPublicKeyInfo)).

Android NSC pins, iOS ATS identities, OkHttp ``sha256/`` pins and TrustKit hashes all use it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

SHA256_LEN = 32
_ALPHABET = re.compile(r"[^A-Za-z0-9+/=]")


@dataclass(frozen=True)
class DecodedPin:
    """A pin as the platform reads it: its bytes, or why it reads none."""

    text: str
    digest: bytes | None
    canonical: bool
    problem: str | None

    @property
    def valid(self) -> bool:
        """True when the pin decodes to exactly one SHA-256 digest."""
        return self.digest is not None and len(self.digest) == SHA256_LEN

    @property
    def value(self) -> str:
        """The canonical base64 form when valid, else the text as written."""
        if self.digest is not None and self.valid:
            return base64.b64encode(self.digest).decode()
        return self.text


def spki_pin(spki_der: bytes) -> str:
    """Return the pin of a DER SubjectPublicKeyInfo."""
    return base64.b64encode(hashlib.sha256(spki_der).digest()).decode()


def decode_android_pin(text: str) -> DecodedPin:
    """Decode a pin the way ``android.util.Base64.decode(…, DEFAULT)`` does.

    Android skips characters outside the alphabet and accepts missing padding, so a
    43-character pin still yields 32 bytes; a single dangling character is an error.
    See: https://android.googlesource.com/platform/frameworks/base/+/refs/heads/main/core/java/android/util/Base64.java
    """
    stripped = text.strip()
    cleaned = _ALPHABET.sub("", stripped).split("=", 1)[0]
    if len(cleaned) % 4 == 1:
        return DecodedPin(stripped, None, False, "is not valid base64 (a dangling character)")
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        digest = base64.b64decode(padded, validate=True)
    except binascii.Error:
        return DecodedPin(stripped, None, False, "is not valid base64")
    canonical = base64.b64encode(digest).decode() == stripped
    problem = None
    if len(digest) != SHA256_LEN:
        problem = f"decodes to {len(digest)} bytes, not the {SHA256_LEN} of a SHA-256 digest"
    return DecodedPin(stripped, digest, canonical, problem)


def looks_like_placeholder(digest: bytes) -> bool:
    """True for digests no real key hashes to: few distinct bytes or a short repeating run."""
    if len(set(digest)) <= 4:
        return True
    for period in range(1, 17):
        if all(digest[i] == digest[i % period] for i in range(len(digest))):
            return True
    return False


def decode_strict_pin(text: str) -> DecodedPin:
    """Decode a pin as iOS (NSData's base64 initialiser) and TrustKit do: strict base64."""
    stripped = text.strip()
    try:
        digest = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        return DecodedPin(stripped, None, False, "is not valid base64")
    problem = None
    if len(digest) != SHA256_LEN:
        problem = f"decodes to {len(digest)} bytes, not the {SHA256_LEN} of a SHA-256 digest"
    return DecodedPin(stripped, digest, True, problem)
