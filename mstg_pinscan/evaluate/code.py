"""Evaluation of the trust decisions found in DEX code, and of pins found anywhere."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.levels import LevelIndex
from mstg_pinscan.facts.blobs import PinString
from mstg_pinscan.facts.code import CodeFacts, CodeLocation, PinnerCall, TrustBypass
from mstg_pinscan.models import Decision, Location, Severity
from mstg_pinscan.pins import looks_like_placeholder

RULES_USED = {
    "okhttp-pins-enforced", "okhttp-single-pin", "okhttp-pin-malformed", "okhttp-pin-sha1",
    "okhttp-pin-wrong-length", "okhttp-pins-not-recovered", "okhttp-pinning-bypass-cve",
    "pin-string-unused", "pinning-in-native-code", "trust-all-manager", "accepted-issuers-null",
    "allow-all-hostname-verifier", "insecure-socket-factory", "webview-ssl-proceed",
    "webview-ssl-proceed-conditional", "trust-bypass-unused", "code-own-trust-store",
    "trustkit-initialised", "trustkit-not-initialised", "custom-trust-manager",
}
_BYPASS_RULES = {
    "trust-all-manager": "trust-all-manager",
    "accepted-issuers-null": "accepted-issuers-null",
    "allow-all-verifier": "allow-all-hostname-verifier",
    "insecure-socket-factory": "insecure-socket-factory",
    "webview-proceed": "webview-ssl-proceed",
    "webview-proceed-conditional": "webview-ssl-proceed-conditional",
}
_DIGEST_LENGTHS = {"sha256": 32, "sha1": 20}
_SHOWN = 5
_OKIO_BASE64 = re.compile(r"^[A-Za-z0-9+/\-_\s]*=*\s*$")


@dataclass(frozen=True)
class OkHttpPin:
    """One OkHttp pin as OkHttp reads it."""

    text: str
    algorithm: str | None
    digest: bytes | None
    problem: str | None
    crashes: bool

    @property
    def usable(self) -> bool:
        """True when the pin can match a key."""
        return self.problem is None

    @property
    def value(self) -> str:
        """The base64 digest for SHA-256 pins (comparable with NSC pins), else the text."""
        if self.algorithm == "sha256" and self.digest is not None and self.usable:
            return base64.b64encode(self.digest).decode()
        return self.text


def parse_okhttp_pin(text: str) -> OkHttpPin:
    """Read a pin the way OkHttp's CertificatePinner does.

    OkHttp throws for a pin without the sha256/ or sha1/ prefix or that is not base64 (Okio
    accepts both base64 alphabets and missing padding); a digest of the wrong size is taken
    without complaint and can never match.
    See: https://github.com/square/okhttp/blob/parent-3.14.9/okhttp/src/main/java/okhttp3/CertificatePinner.java
    """
    algorithm, slash, encoded = text.partition("/")
    if algorithm not in _DIGEST_LENGTHS or not slash:
        return OkHttpPin(text, None, None, "does not start with sha256/ or sha1/", True)
    if not _OKIO_BASE64.match(encoded):
        return OkHttpPin(text, algorithm, None, "is not base64", True)
    cleaned = "".join(encoded.split()).rstrip("=").replace("-", "+").replace("_", "/")
    try:
        digest = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except binascii.Error:
        return OkHttpPin(text, algorithm, None, "is not base64", True)
    expected = _DIGEST_LENGTHS[algorithm]
    if len(digest) != expected:
        return OkHttpPin(text, algorithm, digest,
                         f"decodes to {len(digest)} bytes, not the {expected} of {algorithm}",
                         False)
    if looks_like_placeholder(digest):
        return OkHttpPin(text, algorithm, digest, "is a repeating placeholder", False)
    return OkHttpPin(text, algorithm, digest, None, False)


def okhttp_pattern_matches(pattern: str, host: str) -> bool:
    """OkHttp's host patterns: exact, ``*.`` one extra label, ``**.`` any number of labels."""
    pattern, host = pattern.lower(), host.lower()
    if pattern.startswith("**."):
        suffix = pattern[3:]
        return host == suffix or host.endswith("." + suffix)
    if pattern.startswith("*."):
        suffix = pattern[2:]
        return host.endswith("." + suffix) and "." not in host[: -len(suffix) - 1]
    return host == pattern


def code_location(location: CodeLocation) -> Location:
    """A decision location for a place in the code."""
    method = location.method
    return Location(location.dex, f"{method.readable_class}.{method.name}{method.proto}"
                    f" @{location.offset}")


class CodeChecks:
    """Rate the code facts; read :attr:`decisions` afterwards."""

    def __init__(self, code: CodeFacts, catalog: Catalog, levels: LevelIndex) -> None:
        self.code = code
        self.catalog = catalog
        self.levels = levels
        self.decisions: list[Decision] = []

    def run(self, nsc_pins: set[str], nsc_trustkit: bool, pin_strings: Iterable[PinString]
            ) -> list[Decision]:
        """Evaluate pinners, bypasses, trust stores, TrustKit and stray pin strings."""
        for call in self.code.pinner_calls:
            self._pinner(call)
        self._okhttp_version()
        for bypass in self.code.bypasses:
            self._bypass(bypass)
        for store in self.code.trust_stores:
            files = ", ".join(store.files) or "unresolved"
            subjects = sorted({cert.subject for certs in self.levels.by_pin.values()
                               for cert in certs if cert.path.split("#")[0] in store.files})
            holding = f"; it holds {'; '.join(subjects)}" if subjects else (
                "; no readable certificate in it")
            self._add("code-own-trust-store", code_location(store.location),
                      f"KeyStore{f' ({store.store_type})' if store.store_type else ''} filled "
                      f"from {', '.join(store.sources)} ({files}) and given to a "
                      f"TrustManagerFactory{' and an SSLContext' if store.ssl_context else ''}"
                      f"{holding}")
        for init in self.code.trustkit_inits:
            self._add("trustkit-initialised", code_location(init),
                      f"TrustKit initialised in {init}")
        if nsc_trustkit and not self.code.trustkit_inits:
            self._add("trustkit-not-initialised", Location("classes.dex"),
                      "no call of TrustKit.initializeWithNetworkSecurityConfiguration in any "
                      "DEX file")
        for manager in self.code.custom_managers:
            self._add("custom-trust-manager", code_location(manager),
                      f"{manager.method.readable_class}.checkServerTrusted can refuse a chain "
                      "and inspects keys or digests")
        self._stray_pins(nsc_pins, pin_strings)
        return self.decisions

    def _add(self, name: str, location: Location, evidence: str, host: str | None = None,
             severity: Severity | None = None) -> None:
        self.decisions.append(
            self.catalog.decide(name, location, evidence, host=host, severity=severity))

    def _pinner(self, call: PinnerCall) -> None:
        where = code_location(call.location)
        host = call.pattern
        if not call.pins_known:
            known = [p for p in call.pins if p is not None]
            self._add("okhttp-pins-not-recovered", where,
                      f"{call.library} CertificatePinner.Builder.add in {call.location}: host "
                      f"{call.pattern or 'computed at run time'}, "
                      f"{len(known)} of {len(call.pins) or '?'} pin(s) recovered", host=host)
        parsed = [parse_okhttp_pin(p) for p in call.pins if p is not None]
        for pin in parsed:
            if pin.crashes:
                self._add("okhttp-pin-malformed", where,
                          f"pin {pin.text!r} for {host} {pin.problem}: OkHttp throws "
                          "IllegalArgumentException", host=host)
            elif pin.problem:
                self._add("okhttp-pin-wrong-length", where,
                          f"pin {pin.text!r} for {host} {pin.problem}", host=host)
            elif pin.algorithm == "sha1":
                self._add("okhttp-pin-sha1", where, f"pin {pin.text} for {host}", host=host)
        if not call.pins_known or any(p.crashes for p in parsed):
            return
        usable = sorted({p.value for p in parsed if p.usable})
        levels = ", ".join(f"{v} -> {self.levels.classify(v).level.value}" for v in usable)
        if len(usable) >= 2:
            self._add("okhttp-pins-enforced", where,
                      f"{len(usable)} distinct pins for {host} in {call.location}; "
                      f"levels: {levels}", host=host)
        elif usable:
            self._add("okhttp-single-pin", where,
                      f"1 usable pin for {host} in {call.location}; levels: {levels}", host=host)

    def _okhttp_version(self) -> None:
        if not self.code.pinner_calls:
            return
        for version in self.code.okhttp_versions:
            major, minor, patch = (int(part) for part in version.split("."))
            vulnerable = (major == 2 and (minor, patch) < (7, 4)) or (
                major == 3 and (minor, patch) < (1, 2)) or major < 2
            if vulnerable:
                self._add("okhttp-pinning-bypass-cve", Location("classes.dex"),
                          f"bundled OkHttp {version} (user agent string) with "
                          f"CertificatePinner in use")

    def _bypass(self, bypass: TrustBypass) -> None:
        where = code_location(bypass.location)
        name = _BYPASS_RULES[bypass.kind]
        owner = bypass.location.method.readable_class
        if bypass.app_path is None:
            users = (f"created or named only by {', '.join(bypass.used_by)}"
                     if bypass.used_by else "created or named by no class")
            self._add("trust-bypass-unused", where,
                      f"{bypass.detail} in {owner} ({bypass.kind}), {users}; no app code "
                      "reaches it")
            return
        via = (" (app code)" if len(bypass.app_path) == 1
               else f" (reached from app code: {' -> '.join(bypass.app_path)})")
        self._add(name, where, f"{bypass.detail} in {owner}{via}")

    def _stray_pins(self, nsc_pins: set[str], pin_strings: Iterable[PinString]) -> None:
        used = set(nsc_pins)
        for call in self.code.pinner_calls:
            for text in call.pins:
                if text is not None:
                    used.add(text)
                    used.add(parse_okhttp_pin(text).value)
        native: dict[str, list[str]] = {}
        stray: dict[str, set[str]] = {}
        for text, dex in self.code.pin_strings:
            stray.setdefault(text, set()).add(dex)
        for pin in pin_strings:
            if pin.file.endswith(".so"):
                native.setdefault(pin.file, []).append(pin.value)
            else:
                stray.setdefault(pin.value, set()).add(pin.file)
        by_file: dict[str, list[str]] = {}
        for text, files in sorted(stray.items()):
            if text in used or parse_okhttp_pin(text).value in used:
                continue
            for file in files:
                by_file.setdefault(file, []).append(text)
        for file, texts in sorted(by_file.items()):
            shown = ", ".join(repr(t) for t in texts[:_SHOWN])
            more = f" and {len(texts) - _SHOWN} more" if len(texts) > _SHOWN else ""
            self._add("pin-string-unused", Location(file),
                      f"{len(texts)} pin-shaped string(s) in {file} reach no pinner: "
                      f"{shown}{more}")
        for library, pins in sorted(native.items()):
            shown = ", ".join(sorted(set(pins))[:_SHOWN])
            self._add("pinning-in-native-code", Location(library),
                      f"{len(set(pins))} pin-shaped string(s) in {library}: {shown}")
