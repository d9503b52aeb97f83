"""Dart strings: the URLs, pins, fingerprints, package URIs and dart:io names found among the
strings of a Dart snapshot or of a text asset."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_logger = logging.getLogger(__name__)

MAX_FOUND = 200  # URLs, pins, names kept per kind

_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")
_SPKI_PIN = re.compile(r"(sha256|sha1)/([A-Za-z0-9+/]{27,43}=?)")
_BASE64_32 = re.compile(r"[A-Za-z0-9+/]{43}=")
_HEX_SEPARATED = re.compile(r"(?:[0-9A-Fa-f]{2}[: ]){31}[0-9A-Fa-f]{2}")
_HEX_BARE = re.compile(r"[0-9A-Fa-f]{64}")
# NOTE: SHA-1 certificate fingerprints (40 hex digits), which http_certificate_pinning and
# ssl_pinning_plugin also accept, are not reported: the pin format has no form for them.
_PACKAGE = re.compile(r"package:([a-z0-9_]{1,80})/")
_HTTP_OVERRIDES = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,80}HttpOverrides")
# dart:io names that only survive tree shaking when the app (or a package) uses them.
SET_TRUSTED = ("SecurityContext_SetTrustedCertificatesBytes", "setTrustedCertificatesBytes",
               "setTrustedCertificates")
_BAD_CERT = ("badCertificateCallback", "set:badCertificateCallback")
_BAD_CERT_PRIVATE = "_badCertificateCallback@"
ON_BAD_CERT = "onBadCertificate"
DIO_VALIDATE = "validateCertificate"
_DIO_CREATE = ("onHttpClientCreate", "createHttpClient")
# Names every Flutter app keeps unless it was built with --obfuscate.
_FRAMEWORK_NAMES = frozenset({"StatelessWidget", "StatefulWidget", "RenderObject",
                              "BuildContext", "WidgetsBinding", "MaterialApp"})
# Links the Flutter framework and the Dart SDK print in their own error messages.
_DOC_HOSTS = ("flutter.dev", "dart.dev", "pub.dev", "dartbug.com", "goo.gl", "www.w3.org")
_DOC_PREFIXES = ("https://github.com/flutter/", "https://github.com/dart-lang/")


@dataclass
class StringFacts:
    """What one list of strings (a snapshot's or a text asset's) shows."""

    urls: list[tuple[int, str]] = field(default_factory=list)  # (string index, url)
    spki: list[tuple[int, str]] = field(default_factory=list)  # (index, sha256/... pin)
    bare_spki: list[tuple[int, str]] = field(default_factory=list)
    separated_hex: list[tuple[int, str]] = field(default_factory=list)  # cert-sha256/...
    bare_hex: list[tuple[int, str]] = field(default_factory=list)
    packages: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # exact strings of interest
    overrides: set[str] = field(default_factory=set)  # HttpOverrides subclass names
    framework_names: int = 0


_EXACT = frozenset(SET_TRUSTED + _BAD_CERT + _DIO_CREATE + (
    ON_BAD_CERT, DIO_VALIDATE, "withTrustedRoots", "SecurityContext", "IOHttpClientAdapter",
    "SecurityContext_TrustBuiltinRoots"))


def scan_strings(strings: Sequence[str]) -> StringFacts:
    """Find URLs, pins, fingerprints, package URIs and the dart:io names in ``strings``."""
    facts = StringFacts()
    for index, text in enumerate(strings):
        if text in _EXACT:
            facts.names.add(text)
        elif text.startswith(_BAD_CERT_PRIVATE):
            facts.names.add("badCertificateCallback")
        if text in _FRAMEWORK_NAMES:
            facts.framework_names += 1
        if text.startswith("package:"):
            package = _PACKAGE.match(text)
            if package and len(facts.packages) < MAX_FOUND:
                facts.packages.add(package.group(1))
            continue
        if "HttpOverrides" in text:
            _note_overrides(text, facts)
        if "http" in text:
            for url in _URL.findall(text)[:MAX_FOUND]:
                if _worth_reporting(url) and len(facts.urls) < MAX_FOUND:
                    facts.urls.append((index, url))
        _find_pins(index, text, facts)
    return facts


def _note_overrides(text: str, facts: StringFacts) -> None:
    name = text.split("@", 1)[0]
    if (_HTTP_OVERRIDES.fullmatch(name) and name not in ("HttpOverrides", "_HttpOverrides")
            and not name.startswith("_HttpOverridesScope") and len(facts.overrides) < 20):
        facts.overrides.add(name)


def _find_pins(index: int, text: str, facts: StringFacts) -> None:
    if len(text) < 32 or len(facts.spki) + len(facts.bare_hex) >= MAX_FOUND:
        return
    for algorithm, value in _SPKI_PIN.findall(text):
        digest = _b64(value)
        if digest is not None and len(digest) == (32 if algorithm == "sha256" else 20):
            facts.spki.append((index, f"{algorithm}/{base64.b64encode(digest).decode()}"))
    if _BASE64_32.fullmatch(text) and (digest := _b64(text)) is not None and len(digest) == 32:
        facts.bare_spki.append((index, f"sha256/{text}"))
    for fingerprint in _HEX_SEPARATED.findall(text):
        hexa = re.sub(r"[: ]", "", fingerprint).lower()
        facts.separated_hex.append((index, f"cert-sha256/{hexa}"))
    if _HEX_BARE.fullmatch(text):
        facts.bare_hex.append((index, f"cert-sha256/{text.lower()}"))


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _worth_reporting(url: str) -> bool:
    """False for bare schemes and for links the framework prints in its own messages."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host or "." not in host:
        return False
    if url.startswith(_DOC_PREFIXES):
        return False
    return not any(host == doc or host.endswith("." + doc) for doc in _DOC_HOSTS)
