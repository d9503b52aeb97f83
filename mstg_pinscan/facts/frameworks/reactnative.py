"""React Native: the JavaScript or Hermes bundle and the pinning libraries it configures.

A React Native app's networking code is in one bundle: plain (usually minified) JavaScript,
or Hermes bytecode compiled from it. The pinning libraries keep their configuration there:

* ``react-native-ssl-public-key-pinning``: ``initializeSslPinning({HOST: {includeSubdomains,
  publicKeyHashes: [BASE64 SPKI SHA-256, ...], expirationDate}})``; its native module
  (``SslPublicKeyPinning``) installs an ``OkHttpClientFactory`` with a ``CertificatePinner``
  on Android and TrustKit on iOS.
* ``react-native-ssl-pinning``: ``fetch(URL, {sslPinning: {certs: [NAME, ...]}, pkPinning,
  disableAllSecurity})``; its native module ``RNSslPinning`` trusts only ``assets/NAME.cer``
  on Android (or, with ``pkPinning``, passes the names to OkHttp's ``CertificatePinner`` as
  ``sha256/`` pins) and, on iOS, pins AFNetworking to every ``.cer`` file at the app's root.
  ``disableAllSecurity: true`` accepts every certificate.
* ``react-native-pinch``: ``pinch.fetch(URL, {sslPinning: {cert: NAME}})`` (``RNPinch``).
* ``react-native-cert-pinner``: pins generated into native code from ``pinset.json``
  (``CertPinner``); the JavaScript holds none.
* ``react-native-blob-util`` / ``rn-fetch-blob``: ``config({trusty: true})`` trusts every
  certificate.

In plain JavaScript the object literals are parsed; in Hermes bytecode only the string table
is read, so which strings belong together is inferred.
See: https://github.com/facebook/hermes/blob/main/include/hermes/BCGen/HBC/BytecodeFileFormat.h
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    app_relative,
    native_libraries,
    under,
)
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_MiB = 1024 * 1024
_MAX_BUNDLE = 64 * _MiB  # bytes read from one bundle; the rest is reported unread
_MAX_BUNDLES = 4
_MAX_STRINGS = 500_000  # Hermes string table entries read
_MAX_SCANNED = 200_000  # printable runs kept by the fallback scan
_MAX_STRING = 256 * 1024  # bytes kept of one Hermes string
_MAX_STRING_BYTES = 128 * _MiB  # bytes decoded from one string table: entries may overlap
_MAX_FOUND = 200  # trust items, URLs, occurrences of one key looked at
_MAX_LITERAL = 64 * 1024  # characters one object literal may span
_MAX_DEPTH = 16
_BACK = 8 * 1024  # how far back the enclosing object of a key is looked for

_ANDROID_LIBRARIES = ("libreactnativejni.so", "libreactnative.so", "libhermes.so",
                      "libjsc.so")
_ANDROID_BUNDLE = "assets/index.android.bundle"
_IOS_BUNDLE = "main.jsbundle"

HERMES_MAGIC = 0x1F1903C103BC1FC6
_HERMES_DELTA_MAGIC = HERMES_MAGIC ^ 0xFFFF_FFFF_FFFF_FFFF
_RAM_BUNDLE_MAGIC = 0xFB0BD1E5
_HEADER_SIZE = 128
# Size of one small function header per bytecode version; everything the string table needs
# (the counts after the 20-byte source hash, and the order of the sections) is the same.
# Tested with the hermesc of hermes-engine 0.11.0 (v84), hermes-engine-cli 0.12.0 (v89),
# hermes-compiler 0.14.0 (v96) and hermes-compiler 260318099.0.6 (v99, Hermes 1.0, whose
# function headers lost a word). NOTE: v85-v88 and v90-v95 are taken to share v84-v96's
# layout without a compiler to check them; v97 and v98 are not known and are scanned.
_FUNCTION_HEADER = {**{v: 16 for v in range(84, 97)}, 99: 12}
_KNOWN_VERSIONS = "84-96, 99"

_LIBRARIES = {
    # library: markers that show it in the bundle (JS identifiers or Hermes strings)
    "react-native-ssl-public-key-pinning": ("initializeSslPinning", "SslPublicKeyPinning"),
    "react-native-ssl-pinning": ("RNSslPinning",),
    "react-native-pinch": ("RNPinch",),
    "react-native-cert-pinner": ("CertPinner",),
}
_NATIVE_MODULES = ("SslPublicKeyPinning", "RNSslPinning", "RNPinch", "CertPinner",
                   "RNFetchBlob", "ReactNativeBlobUtil")
_BLOB_MODULES = ("RNFetchBlob", "ReactNativeBlobUtil")

_URL = re.compile(rb"(?:https?|wss?)://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]{1,2048}")
_PRINTABLE = re.compile(rb"[\x20-\x7e]{6,4096}")
_HOSTNAME = re.compile(r"(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")
_BASE64_32 = re.compile(r"[A-Za-z0-9+/]{43}=")
_SPKI_PIN = re.compile(r"(sha256|sha1)/([A-Za-z0-9+/]{27,43}=?)")
_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_SPACE = frozenset(b" \t\r\n\v\f")
# Last labels of bare strings taken for host names in Hermes strings ("console.log" is not).
_TLDS = frozenset(("com", "net", "org", "io", "dev", "app", "co", "example", "test", "cloud",
                   "de", "uk", "fr", "eu", "us", "in", "jp", "cn", "br", "ru", "ca", "au",
                   "it", "es", "nl", "ch", "se", "biz", "info", "me", "tech", "ai"))
_DOC_HOSTS = ("reactnative.dev", "facebook.github.io", "github.com", "fb.me", "reactjs.org",
              "react.dev", "www.w3.org", "npmjs.com", "expo.dev", "expo.fyi", "goo.gl")


class _Unknown:
    """A JavaScript value the literal reader does not evaluate (a call, a variable...)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()
JsValue = str | float | bool | None | list["JsValue"] | dict[str, "JsValue"] | _Unknown


# --- the bundle --------------------------------------------------------------------------------

@dataclass
class HermesFile:
    """What the string table of a Hermes bytecode file holds."""

    version: int
    strings: list[str]
    parsed: bool  # the string table was read; False: printable runs were scanned instead
    notes: list[str] = field(default_factory=list)


def bundle_entries(names: Sequence[str], platform: Platform) -> list[str]:
    """The JavaScript/Hermes bundles of an app: the default name first, then other
    ``*.bundle``/``*.jsbundle`` files in ``assets/`` (Android) or the app's root (iOS)."""
    found = []
    for name in names:
        if platform is Platform.ANDROID:
            if name.startswith("assets/") and name.count("/") == 1 and name.endswith(
                    (".bundle", ".jsbundle")):
                found.append(name)
        else:
            inner = app_relative(name)
            if inner is not None and "/" not in inner and inner.endswith(".jsbundle"):
                found.append(name)
    default = _ANDROID_BUNDLE if platform is Platform.ANDROID else _IOS_BUNDLE
    found.sort(key=lambda n: (not n.endswith("/" + default) and n != default, n))
    return found


def is_hermes(data: bytes) -> bool:
    """True when ``data`` starts with Hermes bytecode's magic number."""
    return len(data) >= 8 and struct.unpack_from("<Q", data)[0] == HERMES_MAGIC


def read_hermes(data: bytes) -> HermesFile:
    """Read the string table of Hermes bytecode; never raises.

    The layout after the 128-byte header is: function headers, string kinds, identifier
    hashes, the small string table (4 bytes each: isUTF16:1, offset:23, length:8), the
    overflow table (offset, length: u32 each) for entries whose length is 255, then the
    string storage; every section starts on a 4-byte boundary. Versions whose layout is not
    known, and files whose tables do not fit, fall back to a scan of printable runs.
    """
    if len(data) < _HEADER_SIZE:
        return _scanned(data, 0, "the Hermes header is cut short")
    magic, version = struct.unpack_from("<QI", data)
    if magic == _HERMES_DELTA_MAGIC:
        return _scanned(data, version, "the Hermes bytecode is in delta form")
    header = _FUNCTION_HEADER.get(version)
    if header is None:
        return _scanned(data, version, f"Hermes bytecode v{version} is not a version whose "
                        f"layout pinscan knows ({_KNOWN_VERSIONS})")
    (_, _, functions, kinds, identifiers, count, overflow,
     storage_size) = struct.unpack_from("<8I", data, 32)
    at = _HEADER_SIZE
    for size in (functions * header, kinds * 4, identifiers * 4):
        at = _align(at) + size
    table = _align(at)
    overflow_at = _align(table + count * 4)
    storage = _align(overflow_at + overflow * 8)
    if storage + storage_size > len(data):
        return _scanned(data, version, "the Hermes string table points past the end of the "
                        f"file ({storage + storage_size} > {len(data)} bytes)")
    notes = []
    declared = struct.unpack_from("<I", data, 32)[0]
    if declared > len(data):
        notes.append(f"the Hermes file is cut short ({len(data)} of the {declared} bytes its "
                     "header declares); its string table was read")
    if count > _MAX_STRINGS:
        notes.append(f"only the first {_MAX_STRINGS} of {count} Hermes strings were read")
    strings, bad = _table_strings(data, table, min(count, _MAX_STRINGS), overflow_at,
                                  overflow, storage, storage_size)
    if bad:
        notes.append(f"{bad} Hermes string table entries point outside the string storage "
                     f"or past {_MAX_STRING_BYTES // _MiB} MiB of strings in all: not read")
    return HermesFile(version, strings, True, notes)


def _align(at: int) -> int:
    return (at + 3) & ~3


def _table_strings(data: bytes, table: int, count: int, overflow_at: int, overflow: int,
                   storage: int, storage_size: int) -> tuple[list[str], int]:
    strings: list[str] = []
    bad = 0
    budget = _MAX_STRING_BYTES
    for (entry,) in struct.iter_unpack("<I", data[table:table + count * 4]):
        utf16, offset, length = entry & 1, (entry >> 1) & 0x7F_FFFF, entry >> 24
        if length == 0xFF:
            if offset >= overflow:
                bad += 1
                continue
            offset, length = struct.unpack_from("<II", data, overflow_at + offset * 8)
        size = length * 2 if utf16 else length
        if offset + size > storage_size:
            bad += 1
            continue
        if budget <= 0:
            bad += 1
            break
        size = min(size, _MAX_STRING, budget)
        budget -= size
        raw = data[storage + offset:storage + offset + size]
        # Hermes stores ASCII strings as bytes and every other string as UTF-16.
        strings.append(raw.decode("utf-16-le", "replace") if utf16 else raw.decode("latin-1"))
    return strings, bad


def _scanned(data: bytes, version: int, why: str) -> HermesFile:
    strings = [m.group().decode("ascii") for _, m in zip(range(_MAX_SCANNED),
                                                         _PRINTABLE.finditer(data), strict=False)]
    return HermesFile(version, strings, False,
                      [f"{why}: only printable strings were scanned, not the string table"])


# --- plain JavaScript: object literals --------------------------------------------------------

class _Literal:
    """Reads a JavaScript literal (object, array, string, number, true/false/!0/!1) at a
    position of a minified bundle; anything else becomes ``UNKNOWN`` and is skipped to the
    next ``,`` ``}`` or ``]`` at its depth. Bounded by ``_MAX_LITERAL`` and ``_MAX_DEPTH``."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data = data
        self.at = at
        self.end = min(len(data), at + _MAX_LITERAL)

    def value(self, depth: int = 0) -> JsValue:
        self._space()
        if self.at >= self.end or depth > _MAX_DEPTH:
            return UNKNOWN
        char = self.data[self.at]
        if char == ord("{"):
            return self._object(depth)
        if char == ord("["):
            return self._array(depth)
        if char in b"'\"`":
            text = self.string()
            return text if text is not None else UNKNOWN
        for word, meaning in ((b"!0", True), (b"!1", False), (b"true", True),
                              (b"false", False), (b"null", None), (b"void 0", None)):
            if self.data.startswith(word, self.at) and not self._ident_at(self.at + len(word)):
                self.at += len(word)
                return meaning
        return self._skip()

    def string(self) -> str | None:
        """The quoted string at the position, which is stepped over; None for a template
        literal with ``${...}`` (not a constant) or a string that does not end."""
        quote = self.data[self.at]
        out = bytearray()
        at = self.at + 1
        constant = True
        while at < self.end:
            char = self.data[at]
            if char == quote:
                self.at = at + 1
                return _unescape(bytes(out)) if constant else None
            if char == ord("\\") and at + 1 < self.end:
                out += self.data[at:at + 2]
                at += 2
                continue
            if quote == ord("`") and self.data.startswith(b"${", at):
                # NOTE: a substitution is skipped by counting braces, so a "}" inside a
                # string within it ends it early; the literal is then read as unknown.
                constant = False
                at = self._substitution(at + 2)
                continue
            out.append(char)
            at += 1
        self.at = self.end
        return None

    def _substitution(self, at: int) -> int:
        depth = 1
        while at < self.end and depth:
            depth += {ord("{"): 1, ord("}"): -1}.get(self.data[at], 0)
            at += 1
        return at

    def _object(self, depth: int) -> JsValue:
        self.at += 1
        found: dict[str, JsValue] = {}
        while self.at < self.end:
            self._space()
            if self._take(b"}"):
                return found
            if self.data.startswith(b"...", self.at):
                self.at += 3
                self._skip()
            else:
                key = self._key()
                self._space()
                # Anything but "key: value" (shorthand {a}, methods, get/set/async) is
                # stepped over, its body unread.
                value = self.value(depth + 1) if self._take(b":") else self._skip()
                if key is not None and len(found) < _MAX_FOUND:
                    found[key] = value
            self._space()
            if not self._take(b",") and not self.data.startswith(b"}", self.at):
                return UNKNOWN
        return UNKNOWN

    def _array(self, depth: int) -> JsValue:
        self.at += 1
        items: list[JsValue] = []
        while self.at < self.end:
            self._space()
            if self._take(b"]"):
                return items
            item = self.value(depth + 1)
            if len(items) < _MAX_FOUND:
                items.append(item)
            self._space()
            if not self._take(b",") and not self.data.startswith(b"]", self.at):
                return UNKNOWN
        return UNKNOWN

    def _key(self) -> str | None:
        if self.at < self.end and self.data[self.at] in b"'\"":
            return self.string()
        start = self.at
        while self.at < self.end and self.data[self.at] in _IDENT:
            self.at += 1
        if self.at == start:
            self._skip(stop=b",}:")  # [computed] keys and the like
            return None
        return self.data[start:self.at].decode("ascii")

    def _skip(self, stop: bytes = b",}]") -> _Unknown:
        """Skip an expression: to the first ``stop`` character outside brackets/strings."""
        depth = 0
        while self.at < self.end:
            char = self.data[self.at]
            if char in b"'\"`":
                self.string()
                continue
            if char in b"([{":
                depth += 1
            elif char in b")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and char in stop:
                break
            self.at += 1
        return UNKNOWN

    def _space(self) -> None:
        while self.at < self.end:
            if self.data[self.at] in _SPACE:
                self.at += 1
            elif self.data.startswith(b"/*", self.at):
                close = self.data.find(b"*/", self.at + 2, self.end)
                self.at = self.end if close < 0 else close + 2
            elif self.data.startswith(b"//", self.at):
                close = self.data.find(b"\n", self.at, self.end)
                self.at = self.end if close < 0 else close + 1
            else:
                return

    def _take(self, token: bytes) -> bool:
        if self.data.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def _ident_at(self, at: int) -> bool:
        return at < len(self.data) and self.data[at] in _IDENT


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if "\\" not in text:
        return text
    try:
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return text


def _keys(data: bytes, key: bytes, notes: list[str]) -> list[tuple[int, int]]:
    """Positions where ``key`` is used as an object key: (start of the key, after its ``:``),
    at most ``_MAX_FOUND`` of them (said in ``notes``). Plain substring search: linear."""
    found: list[tuple[int, int]] = []
    at = 0
    while (at := data.find(key, at)) >= 0:
        start, after = at, at + len(key)
        at = after
        if (start > 0 and data[start - 1] in _IDENT) or (
                after < len(data) and data[after] in _IDENT):
            continue
        if start > 0 and data[start - 1] in b"'\"":
            if after >= len(data) or data[after] != data[start - 1]:
                continue
            start, after = start - 1, after + 1
        while after < len(data) and data[after] in _SPACE:
            after += 1
        if after < len(data) and data[after] == ord(":"):
            if len(found) == _MAX_FOUND:
                notes.append(f"only the first {_MAX_FOUND} uses of {key.decode()} were read")
                break
            found.append((start, after + 1))
    return found


def _enclosing(data: bytes, at: int) -> int | None:
    """The ``{`` that opens the object around position ``at``, looking back ``_BACK`` bytes.

    Quoted strings and ``/* */`` comments met on the way are stepped over whole. NOTE: a
    string holding its own (escaped) quote, or a regular expression literal holding a
    bracket, can still mislead it; the object found is then read forward, which fails
    rather than misreads in most such cases.
    """
    depth = 0
    low = max(0, at - _BACK)
    index = at - 1
    while index >= low:
        char = data[index]
        if char in b"'\"`":
            index = data.rfind(data[index:index + 1], low, index)
            if index < 0:
                return None
        elif char == ord("/") and index > low and data[index - 1] == ord("*"):
            index = data.rfind(b"/*", low, index - 1)
            if index < 0:
                return None
        elif char in b")]}":
            depth += 1
        elif char in b"([{":
            if depth == 0:
                return index if char == ord("{") else None
            depth -= 1
        index -= 1
    return None


def _before(data: bytes, at: int) -> int:
    """The index of the last non-space character before ``at`` (-1 if none)."""
    at -= 1
    while at >= 0 and data[at] in _SPACE:
        at -= 1
    return at


def _string_before(data: bytes, end: int) -> str | None:
    """The string literal that ends at ``data[end]`` (its closing quote), if any."""
    if end < 0 or data[end] not in b"'\"`":
        return None
    start = data.rfind(data[end:end + 1], max(0, end - 2048), end)
    if start < 0:
        return None
    return _unescape(data[start + 1:end])


def _key_before(data: bytes, brace: int) -> str | None:
    """For ``KEY:{`` the KEY (a string or an identifier) that names the object at ``brace``."""
    colon = _before(data, brace)
    if colon < 0 or data[colon] != ord(":"):
        return None
    end = _before(data, colon)
    quoted = _string_before(data, end)
    if quoted is not None:
        return quoted
    start = end
    while start >= 0 and data[start] in _IDENT:
        start -= 1
    return data[start + 1:end + 1].decode("ascii") or None


class _Lines:
    """Line numbers of positions, counted forward from the last one asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at, self.line = 0, 1

    def __call__(self, at: int) -> int:
        if at < self.at:
            self.at, self.line = 0, 1
        self.line += self.data.count(b"\n", self.at, at)
        self.at = at
        return self.line


# --- what the bundle configures -------------------------------------------------------------

@dataclass
class _Scan:
    """What one bundle shows."""

    entry: str
    platform: Platform
    names: frozenset[str]  # every entry of the app, to map certificate names to files
    trust: list[FrameworkTrust] = field(default_factory=list)
    libraries: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    urls: list[str] = field(default_factory=list)
    configured: set[str] = field(default_factory=set)  # libraries whose set-up was read
    notes: list[str] = field(default_factory=list)  # what was not read

    def add(self, kind: TrustKind, element: str, evidence: str, hosts: Sequence[str] = (),
            pins: Sequence[str] = (), certificates: Sequence[str] = ()) -> None:
        if len(self.trust) < _MAX_FOUND:
            self.trust.append(FrameworkTrust(
                "react-native", kind, Location(self.entry, element), evidence,
                tuple(dict.fromkeys(hosts)), tuple(dict.fromkeys(pins)),
                tuple(dict.fromkeys(certificates))))

    def __post_init__(self) -> None:
        # Where the libraries look certificates up: assets/ on Android (getResourceAsStream
        # "assets/NAME.cer"), the app's root on iOS (the main bundle).
        self.files: dict[str, str] = {}
        for name in self.names:
            inner = (name[len("assets/"):] if name.startswith("assets/")
                     else None) if self.platform is Platform.ANDROID else app_relative(name)
            if inner and "/" not in inner:
                self.files[inner] = name

    def certificate(self, name: str) -> str | None:
        """The bundle entry of react-native-ssl-pinning's/pinch's certificate ``name``."""
        return self.files.get(f"{name}.cer") or self.files.get(name)

    def root_certificates(self) -> list[str]:
        """``.cer`` files at the iOS app's root: what AFNetworking's ``certificatesInBundle``
        loads for react-native-ssl-pinning."""
        return sorted(path for inner, path in self.files.items()
                      if inner.lower().endswith(".cer"))[:_MAX_FOUND]


def scan_javascript(data: bytes, scan: _Scan) -> None:
    """Find the pinning libraries' configuration in plain JavaScript."""
    lines = _Lines(data)
    for library, markers in _LIBRARIES.items():
        if any(marker.encode() in data for marker in markers):
            scan.libraries.add(library)
    scan.modules |= {m for m in _NATIVE_MODULES if m.encode() in data}
    _public_key_hashes(data, scan, lines)
    _ssl_pinning(data, scan, lines)
    if scan.modules & set(_BLOB_MODULES):
        _trusty(data, scan, lines)
    scan.urls += _urls(data)
    for library in sorted(scan.libraries - scan.configured):
        scan.add(TrustKind.PINNING_LIBRARY, library, f"{library} is in the bundle but no "
                 "configuration of it is written as literals there (it may be built at run "
                 "time, or, for react-native-cert-pinner, be in generated native code)")


def _public_key_hashes(data: bytes, scan: _Scan, lines: _Lines) -> None:
    """react-native-ssl-public-key-pinning: ``{HOST: {publicKeyHashes: [...], ...}}``."""
    for key, _ in _keys(data, b"publicKeyHashes", scan.notes):
        brace = _enclosing(data, key)
        options = _Literal(data, brace).value() if brace is not None else UNKNOWN
        where = f"publicKeyHashes, line {lines(key)}"
        scan.configured.add("react-native-ssl-public-key-pinning")
        if not isinstance(options, dict) or brace is None:
            scan.add(TrustKind.PINNING_LIBRARY, where, "react-native-ssl-public-key-pinning "
                     "publicKeyHashes whose object could not be read")
            continue
        host = _key_before(data, brace)
        hashes = options.get("publicKeyHashes")
        pins = [f"sha256/{h}" for h in (hashes if isinstance(hashes, list) else [])
                if isinstance(h, str) and _is_sha256_b64(h)]
        if not pins:
            scan.add(TrustKind.PINNING_LIBRARY, where, "react-native-ssl-public-key-pinning "
                     "publicKeyHashes that are not written as literal hashes")
            continue
        if host is None or not _HOSTNAME.fullmatch(host.lower()):
            scan.add(TrustKind.PINS, where, "react-native-ssl-public-key-pinning pins whose "
                     "domain is not written as an object key", pins=pins)
            continue
        subdomains = options.get("includeSubdomains") is True
        hosts = [host, f"*.{host}"] if subdomains else [host]
        evidence = (f"initializeSslPinning: {len(pins)} SPKI SHA-256 pin(s) for {host}"
                    + (" and its subdomains" if subdomains else ""))
        if isinstance(hashes, list) and len(pins) < len(hashes):
            evidence += f"; {len(hashes) - len(pins)} value(s) are not base64 SHA-256 hashes"
        expiration = options.get("expirationDate")
        if isinstance(expiration, str):
            evidence += f"; pins expire on {expiration} (pinning is off after that)"
        scan.add(TrustKind.PINS, where, evidence, hosts=hosts, pins=pins)


def _ssl_pinning(data: bytes, scan: _Scan, lines: _Lines) -> None:
    """react-native-ssl-pinning and react-native-pinch: ``fetch(URL, {sslPinning: {...}})``,
    and react-native-ssl-pinning's ``disableAllSecurity: true``."""
    seen: set[int] = set()
    for key, _ in sorted(_keys(data, b"disableAllSecurity", scan.notes)
                         + _keys(data, b"sslPinning", scan.notes)):
        brace = _enclosing(data, key)
        if brace is None or brace in seen:
            continue
        options = _Literal(data, brace).value()
        if not isinstance(options, dict):
            continue
        seen.add(brace)
        comma = _before(data, brace)
        url = (_string_before(data, _before(data, comma))
               if comma >= 0 and data[comma] == ord(",") else None)
        hosts = [h] if url and (h := _host(url)) else []
        where = f"fetch options, line {lines(brace)}"
        target = f" for {url}" if url else " (the URL is not a literal)"
        if options.get("disableAllSecurity") is True:
            scan.configured.add("react-native-ssl-pinning")
            scan.add(TrustKind.TRUST_ALL, where, "react-native-ssl-pinning fetch with "
                     f"disableAllSecurity: true{target}: every certificate is accepted",
                     hosts=hosts)
            continue
        pinning = options.get("sslPinning")
        if isinstance(pinning, dict):
            _pinning_options(scan, where, options, pinning, hosts, target)


def _pinning_options(scan: _Scan, where: str, options: dict[str, JsValue],
                     pinning: dict[str, JsValue], hosts: list[str], target: str) -> None:
    if "cert" in pinning and "certs" not in pinning:
        library, names = "react-native-pinch", [pinning["cert"]]
    else:
        certs = pinning.get("certs")
        library, names = "react-native-ssl-pinning", certs if isinstance(certs, list) else []
    scan.configured.add(library)
    public_key = options.get("pkPinning") is True
    pins = [p for n in names if isinstance(n, str) for p in _pin_strings(n)]
    named = [n for n in names if isinstance(n, str) and not _pin_strings(n)]
    found = [path for n in named if (path := scan.certificate(n))]
    missing = [n for n in named if not scan.certificate(n)]
    how = "public-key pinning" if public_key else "certificate pinning"
    evidence = f"{library} fetch{target}: {how}"
    if scan.platform is Platform.IOS and library == "react-native-ssl-pinning":
        # RNSslPinning.m ignores the names: AFNetworking's certificatesInBundle pins every
        # .cer file at the app's root.
        found, pins, named, missing = scan.root_certificates(), [], [], []
        evidence += " to every .cer file at the app's root (on iOS the certs option is not used)"
    if pins:
        evidence += f" with {len(pins)} pin(s)"
    if named:
        evidence += " to certificate(s) " + ", ".join(named[:10])
    if missing:
        evidence += "; not in the bundle: " + ", ".join(f"{n}.cer" for n in missing[:10])
    if not pins and not found and not named:
        why = ("the app has no .cer file at its root" if scan.platform is Platform.IOS
               and library == "react-native-ssl-pinning" else "no certificate names read")
        scan.add(TrustKind.PINNING_LIBRARY, where, f"{evidence}; {why}", hosts=hosts)
        return
    scan.add(TrustKind.PINS, where, evidence, hosts=hosts, pins=pins, certificates=found)


def _trusty(data: bytes, scan: _Scan, lines: _Lines) -> None:
    """react-native-blob-util / rn-fetch-blob ``config({trusty: true})``."""
    for key, value_at in _keys(data, b"trusty", scan.notes):
        if _Literal(data, value_at).value() is True:
            scan.add(TrustKind.TRUST_ALL, f"trusty, line {lines(key)}",
                     "react-native-blob-util/rn-fetch-blob config with trusty: true: the "
                     "requests it makes accept every certificate")


# --- Hermes strings -------------------------------------------------------------------------

def scan_hermes(hermes: HermesFile, scan: _Scan) -> None:
    """Find pinning libraries, pins, certificate names and hosts among Hermes strings.

    NOTE: without decompiling function bodies, which host a pin belongs to and the values of
    options (includeSubdomains, pkPinning, disableAllSecurity) cannot be told; a host is
    named only when the strings hold exactly one host-like key.
    """
    strings = set(hermes.strings)
    for library, markers in _LIBRARIES.items():
        if strings.intersection(markers):
            scan.libraries.add(library)
    scan.modules |= strings.intersection(_NATIVE_MODULES)
    pinned_by = sorted(scan.libraries & {"react-native-ssl-public-key-pinning",
                                         "react-native-ssl-pinning", "react-native-pinch"})
    pins: list[str] = []
    certificates: list[str] = []
    for text in hermes.strings:
        if "://" in text and len(scan.urls) < _MAX_FOUND:
            scan.urls += _urls(text.encode("utf-8", "replace"))
        if len(pins) >= _MAX_FOUND or len(text) > 4096:
            continue
        # A bare base64 SHA-256 or a certificate's name is taken for a pin only next to a
        # pinning library; "sha256/..." says what it is by itself.
        found = _pin_strings(text)
        if found and (pinned_by or not _is_sha256_b64(text)):
            pins += found
        if pinned_by and len(text) < 128 and (path := scan.certificate(text)) and (
                path.lower().endswith((".cer", ".crt", ".der", ".pem"))):
            certificates.append(path)
    if scan.platform is Platform.IOS and "react-native-ssl-pinning" in scan.libraries:
        certificates += scan.root_certificates()  # RNSslPinning.m pins every root .cer
    certificates = list(dict.fromkeys(certificates))
    hosts = _bare_hosts(hermes.strings, scan.urls)
    where = "string table" if hermes.parsed else "printable strings"
    if pins or certificates:
        evidence = (f"{len(pins)} pin(s) and {len(certificates)} certificate name(s) among the "
                    f"Hermes strings, with {', '.join(sorted(pinned_by)) or 'no known library'}")
        if len(hosts) == 1:
            evidence += f"; the only host-like key is {hosts[0]}"
        elif hosts:
            evidence += "; host-like keys: " + ", ".join(hosts[:5]) + " (which pins which is "
            evidence += "in the bytecode)"
        scan.add(TrustKind.PINS, where, evidence, hosts=hosts if len(hosts) == 1 else (),
                 pins=pins[:_MAX_FOUND], certificates=certificates[:_MAX_FOUND])
    for library in sorted(scan.libraries):
        if library not in pinned_by or not (pins or certificates):
            scan.add(TrustKind.PINNING_LIBRARY, where, f"{library} is in the Hermes bundle; "
                     "its configuration is in bytecode and not read")
    if "disableAllSecurity" in strings:
        scan.add(TrustKind.WEAK_SETTING, where, "the react-native-ssl-pinning option "
                 "disableAllSecurity is named in the Hermes bundle; when set to true it "
                 "accepts every certificate (its value is in bytecode and not read)")
    if "trusty" in strings and scan.modules & set(_BLOB_MODULES):
        scan.add(TrustKind.WEAK_SETTING, where, "the react-native-blob-util option trusty is "
                 "named in the Hermes bundle; when true it accepts every certificate (its "
                 "value is in bytecode and not read)")


def _bare_hosts(strings: Sequence[str], urls: Sequence[str]) -> list[str]:
    """Strings that are host names on their own (object keys such as pinned domains)."""
    url_hosts = {h for u in urls if (h := _host(u))}
    found = []
    for text in strings:
        if 4 <= len(text) <= 253 and "." in text and _HOSTNAME.fullmatch(text.lower()) and (
                text.rsplit(".", 1)[1].lower() in _TLDS or text in url_hosts):
            found.append(text)
            if len(found) >= _MAX_FOUND:
                break
    return sorted(set(found))


# --- small helpers --------------------------------------------------------------------------

def _is_sha256_b64(text: str) -> bool:
    if not _BASE64_32.fullmatch(text):
        return False
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _pin_strings(text: str) -> list[str]:
    """``sha256/``/``sha1/`` pins in ``text``, or ``text`` itself as a bare SHA-256 hash."""
    if len(text) < 28 or len(text) > 4096:
        return []
    if _is_sha256_b64(text):
        return [f"sha256/{text}"]
    pins = []
    for algorithm, value in _SPKI_PIN.findall(text)[:_MAX_FOUND]:
        try:
            digest = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(digest) == (32 if algorithm == "sha256" else 20):
            pins.append(f"{algorithm}/{base64.b64encode(digest).decode()}")
    return pins


def _urls(data: bytes) -> list[str]:
    found: list[str] = []
    for match in _URL.finditer(data):
        url = match.group().decode("ascii").rstrip("'),;.\\")
        host = _host(url)
        if host and "." in host and not any(host == d or host.endswith("." + d)
                                              for d in _DOC_HOSTS):
            found.append(url)
            if len(found) >= _MAX_FOUND:
                break
    return found


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


# --- the reader -----------------------------------------------------------------------------

class ReactNativeReader:
    """Recognises a React Native app by its bundle or its native runtime."""

    name = "react-native"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = [n for n in names if n == _ANDROID_BUNDLE]
            for library in _ANDROID_LIBRARIES:
                found += native_libraries(names, library)[:1]
        else:
            found = under(names, (_IOS_BUNDLE, "Frameworks/hermes.framework/hermes",
                                  "Frameworks/React.framework/React"), platform)
        return tuple(found)

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        reading = FrameworkReading(FrameworkInfo(self.name, evidence))
        read: list[str] = []
        unread: list[str] = []
        names = bundle.names()
        entries = bundle_entries(names, platform)
        if not entries:
            unread.append("no JavaScript or Hermes bundle in the app (it may be downloaded, "
                          "e.g. by CodePush, or named by the native code): not analysed")
        if len(entries) > _MAX_BUNDLES:
            unread.append(f"only {_MAX_BUNDLES} of {len(entries)} bundles were read")
        all_names = frozenset(names)
        for entry in entries[:_MAX_BUNDLES]:
            data = _read(bundle, entry, reading.skipped, unread)
            if data is None:
                continue
            scan = _Scan(entry, platform, all_names)
            if is_hermes(data) or data[:8] == struct.pack("<Q", _HERMES_DELTA_MAGIC):
                hermes = read_hermes(data)
                version = f"v{hermes.version}" if hermes.version else "of unknown version"
                read.append(f"{entry}: Hermes bytecode {version}, {len(hermes.strings)} "
                            "strings" + ("" if hermes.parsed else " (printable runs)"))
                unread.append(f"{entry}: Hermes function bodies are not decompiled; which "
                              "pins go with which host and the values of options are "
                              "inferred from the string table only")
                unread += [f"{entry}: {note}" for note in hermes.notes]
                if not hermes.parsed:
                    reading.skipped.append(Skipped(entry, hermes.notes[0]))
                scan_hermes(hermes, scan)
            else:
                ram = (len(data) >= 4
                       and struct.unpack_from("<I", data)[0] == _RAM_BUNDLE_MAGIC)
                if not ram and b"\x00" in data[:4096]:
                    # JavaScript source never holds a NUL byte; this is some other format.
                    why = "neither Hermes bytecode nor JavaScript text"
                    reading.skipped.append(Skipped(entry, why))
                    unread.append(f"{entry}: not read ({why})")
                    continue
                kind = "RAM bundle" if ram else "JavaScript bundle"
                read.append(f"{entry}: {kind}, {max(1, len(data) // 1024)} KiB")
                scan_javascript(data, scan)
            _describe(scan, read)
            unread += [f"{entry}: {note}" for note in scan.notes]
            reading.trust += scan.trust
            reading.urls += [(url, entry) for url in dict.fromkeys(scan.urls)]
        reading.info = FrameworkInfo(self.name, evidence, tuple(read), tuple(unread))
        return reading


def _describe(scan: _Scan, read: list[str]) -> None:
    if scan.libraries:
        read.append(f"{scan.entry}: pinning libraries: " + ", ".join(sorted(scan.libraries)))
    if scan.modules:
        read.append(f"{scan.entry}: native modules named: " + ", ".join(sorted(scan.modules))
                    + " (their native OkHttp/NSURLSession set-up is read with the app's own "
                    "code, not here)")
    if "react-native-cert-pinner" in scan.libraries:
        read.append("react-native-cert-pinner keeps its pins in generated native code "
                    "(GeneratedCertificatePinner on Android), not in the bundle")


def _read(bundle: Bundle, entry: str, skipped: list[Skipped],
          unread: list[str]) -> bytes | None:
    """The bundle's bytes, at most ``_MAX_BUNDLE`` of them."""
    size = bundle.entries[entry].size
    try:
        if size > _MAX_BUNDLE:
            unread.append(f"{entry}: only the first {_MAX_BUNDLE // _MiB} MiB of "
                          f"{size // _MiB} MiB were read")
            return bundle.head(entry, _MAX_BUNDLE)
        return bundle.read(entry, max_size=_MAX_BUNDLE)
    except UnpackError as exc:
        skipped.append(Skipped(entry, exc.message))
        unread.append(f"{entry}: not read ({exc.message})")
        return None


READER = ReactNativeReader()
