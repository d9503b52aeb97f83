"""React Native pinning libraries: what their configuration in a bundle's JavaScript or
Hermes strings says, as trust facts."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mstg_pinscan.facts.frameworks import FrameworkTrust, TrustKind, app_relative, url_host
from mstg_pinscan.facts.frameworks.hermes import HermesFile
from mstg_pinscan.facts.frameworks.javascript import (
    UNKNOWN,
    JsValue,
    Lines,
    Literal,
    before,
    enclosing,
    find_keys,
    key_before,
    string_before,
)
from mstg_pinscan.models import Location, Platform

_MAX_FOUND = 200  # trust items, URLs, pins looked at

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
_HOSTNAME = re.compile(r"(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}")
_BASE64_32 = re.compile(r"[A-Za-z0-9+/]{43}=")
_SPKI_PIN = re.compile(r"(sha256|sha1)/([A-Za-z0-9+/]{27,43}=?)")
# Last labels of bare strings taken for host names in Hermes strings ("console.log" is not).
_TLDS = frozenset(("com", "net", "org", "io", "dev", "app", "co", "example", "test", "cloud",
                   "de", "uk", "fr", "eu", "us", "in", "jp", "cn", "br", "ru", "ca", "au",
                   "it", "es", "nl", "ch", "se", "biz", "info", "me", "tech", "ai"))
_DOC_HOSTS = ("reactnative.dev", "facebook.github.io", "github.com", "fb.me", "reactjs.org",
              "react.dev", "www.w3.org", "npmjs.com", "expo.dev", "expo.fyi", "goo.gl")


# --- what the bundle configures -------------------------------------------------------------

@dataclass
class Scan:
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


def scan_javascript(data: bytes, scan: Scan) -> None:
    """Find the pinning libraries' configuration in plain JavaScript."""
    lines = Lines(data)
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


def _public_key_hashes(data: bytes, scan: Scan, lines: Lines) -> None:
    """react-native-ssl-public-key-pinning: ``{HOST: {publicKeyHashes: [...], ...}}``."""
    for key, _ in find_keys(data, b"publicKeyHashes", scan.notes):
        brace = enclosing(data, key)
        options = Literal(data, brace).value() if brace is not None else UNKNOWN
        where = f"publicKeyHashes, line {lines(key)}"
        scan.configured.add("react-native-ssl-public-key-pinning")
        if not isinstance(options, dict) or brace is None:
            scan.add(TrustKind.PINNING_LIBRARY, where, "react-native-ssl-public-key-pinning "
                     "publicKeyHashes whose object could not be read")
            continue
        host = key_before(data, brace)
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


def _ssl_pinning(data: bytes, scan: Scan, lines: Lines) -> None:
    """react-native-ssl-pinning and react-native-pinch: ``fetch(URL, {sslPinning: {...}})``,
    and react-native-ssl-pinning's ``disableAllSecurity: true``."""
    seen: set[int] = set()
    for key, _ in sorted(find_keys(data, b"disableAllSecurity", scan.notes)
                         + find_keys(data, b"sslPinning", scan.notes)):
        brace = enclosing(data, key)
        if brace is None or brace in seen:
            continue
        options = Literal(data, brace).value()
        if not isinstance(options, dict):
            continue
        seen.add(brace)
        comma = before(data, brace)
        url = (string_before(data, before(data, comma))
               if comma >= 0 and data[comma] == ord(",") else None)
        hosts = [h] if url and (h := url_host(url)) else []
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


def _pinning_options(scan: Scan, where: str, options: dict[str, JsValue],
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


def _trusty(data: bytes, scan: Scan, lines: Lines) -> None:
    """react-native-blob-util / rn-fetch-blob ``config({trusty: true})``."""
    for key, value_at in find_keys(data, b"trusty", scan.notes):
        if Literal(data, value_at).value() is True:
            scan.add(TrustKind.TRUST_ALL, f"trusty, line {lines(key)}",
                     "react-native-blob-util/rn-fetch-blob config with trusty: true: the "
                     "requests it makes accept every certificate")


# --- Hermes strings -------------------------------------------------------------------------

def scan_hermes(hermes: HermesFile, scan: Scan) -> None:
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
    url_hosts = {h for u in urls if (h := url_host(u))}
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
        host = url_host(url)
        if host and "." in host and not any(host == d or host.endswith("." + d)
                                              for d in _DOC_HOSTS):
            found.append(url)
            if len(found) >= _MAX_FOUND:
                break
    return found
