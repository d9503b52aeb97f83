"""Flutter: the Dart AOT snapshot (``libapp.so``, ``App.framework/App``) and its assets.

A release Flutter app carries its Dart code compiled ahead of time. The compiled code is not
decompiled here: pinscan reads the snapshot's header (Dart version, build mode) and the
strings stored in its data (library URIs, names the compiler kept, literals such as URLs,
pins and fingerprints), and the certificate files among the app's ``flutter_assets``.
See: https://github.com/dart-lang/sdk/blob/main/runtime/vm/snapshot.h
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.certs import read_certificate_file
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

_logger = logging.getLogger(__name__)

_MiB = 1024 * 1024
# libapp.so of a large app runs to tens of MiB; its snapshot data come first (.rodata), its
# machine code after, so the first 64 MiB hold the strings even of a bigger file.
_MAX_SNAPSHOT = 64 * _MiB
_MAX_STRINGS = 500_000
_MAX_STRING = 64 * 1024
_MAX_SYMBOLS = 200_000
_MAX_SECTIONS = 4096
_MAX_ASSETS = 5000
_MAX_ASSET = 2 * _MiB
_MAX_ASSET_TOTAL = 64 * _MiB  # bytes of flutter_assets read in all
_MAX_FOUND = 200  # URLs, pins, names kept per kind
# NOTE: the snapshot does not tie a pin to a host; a URL stored within this many strings of
# a pin is reported as its host, which is a guess the evidence sentence says is one.
_NEAR = 16  # strings either side of a pin searched for the URL it may belong to
_ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64", "x86")

_MAGIC = 0xDCDCF5F5
_KINDS = {0: "full", 1: "full-core", 2: "full-jit", 3: "full-aot"}
_ISOLATE_DATA = "_kDartIsolateSnapshotData"
_VM_DATA = "_kDartVmSnapshotData"

_RUN = re.compile(rb"[\x20-\x7e]{4,}")
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_PEM_END = b"-----END CERTIFICATE-----"
_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")
_SPKI_PIN = re.compile(r"(sha256|sha1)/([A-Za-z0-9+/]{27,43}=?)")
_BASE64_32 = re.compile(r"[A-Za-z0-9+/]{43}=")
_HEX_SEPARATED = re.compile(r"(?:[0-9A-Fa-f]{2}[: ]){31}[0-9A-Fa-f]{2}")
_HEX_BARE = re.compile(r"[0-9A-Fa-f]{64}")
# NOTE: SHA-1 certificate fingerprints (40 hex digits), which http_certificate_pinning and
# ssl_pinning_plugin also accept, are not reported: the pin format has no form for them.
_PACKAGE = re.compile(r"package:([a-z0-9_]{1,80})/")
_HTTP_OVERRIDES = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,80}HttpOverrides")

# Well-known pub packages that pin, with what their pins are and where they are checked.
_PINNING_PACKAGES = {
    "http_certificate_pinning": (
        "fingerprints", "checks SHA-1/SHA-256 fingerprints of the whole certificate on a "
        "separate native connection before the request (HttpCertificatePinning.check, "
        "CertificatePinningInterceptor, SecureHttpClient)"),
    "ssl_pinning_plugin": (
        "fingerprints", "checks SHA-1/SHA-256 fingerprints of the whole certificate on a "
        "separate native connection (SslPinningPlugin.check)"),
    "public_key_pinning": (
        "fingerprints", "a copy of http_certificate_pinning: certificate fingerprints "
        "checked on a separate native connection"),
    "flutter_certificate_pinning": ("either", "pins certificates or public keys for Dio"),
    "http_security_pinning": ("spki", "pins SPKI SHA-256 hashes in an HttpClient"),
    "secure_pinning": ("spki", "pins SPKI hashes (or whole-certificate hashes) through "
                       "dart:io's badCertificateCallback"),
    "spki_hash_pinning": ("spki", "pins SPKI SHA-256 hashes in an HttpClient"),
    "flutter_ssl_pinning_client": ("either", "pins certificates or SPKI hashes"),
}
# dart:io names that only survive tree shaking when the app (or a package) uses them.
_SET_TRUSTED = ("SecurityContext_SetTrustedCertificatesBytes", "setTrustedCertificatesBytes",
                "setTrustedCertificates")
_BAD_CERT = ("badCertificateCallback", "set:badCertificateCallback")
_BAD_CERT_PRIVATE = "_badCertificateCallback@"
_ON_BAD_CERT = "onBadCertificate"
_DIO_VALIDATE = "validateCertificate"
_DIO_CREATE = ("onHttpClientCreate", "createHttpClient")
# Names every Flutter app keeps unless it was built with --obfuscate.
_FRAMEWORK_NAMES = frozenset({"StatelessWidget", "StatefulWidget", "RenderObject",
                              "BuildContext", "WidgetsBinding", "MaterialApp"})
# NOTE: no pub package known to install an accept-everything callback is listed: TRUST_ALL
# rests only on an HttpOverrides subclass whose own name says it accepts every certificate.
_TRUST_ALL_WORDS = ("trustall", "acceptall", "allowall", "insecure", "unsafe", "ignorecert",
                    "ignoressl", "bypassssl", "badcert", "nocert", "disablessl", "sslbypass")
# Links the Flutter framework and the Dart SDK print in their own error messages.
_DOC_HOSTS = ("flutter.dev", "dart.dev", "pub.dev", "dartbug.com", "goo.gl", "www.w3.org")
_DOC_PREFIXES = ("https://github.com/flutter/", "https://github.com/dart-lang/")
_CERT_EXTENSIONS = (".pem", ".crt", ".cer", ".der", ".p12", ".pfx", ".bks", ".jks", ".key")
_TEXT_EXTENSIONS = (".json", ".yaml", ".yml", ".env", ".txt", ".conf", ".cfg", ".properties",
                    ".xml", ".toml", ".ini")
_IGNORED_ASSETS = ("AssetManifest.json", "AssetManifest.bin", "AssetManifest.bin.json",
                   "FontManifest.json", "NOTICES", "NOTICES.Z", "version.json",
                   "NativeAssetsManifest.json")

_PLATFORM_NOTES = {
    Platform.ANDROID: (
        "Dart's HttpClient (dart:io, used by package:http and Dio by default) runs its own TLS "
        "(BoringSSL): it does not follow the Network Security Configuration (its pins, trust "
        "anchors, user-CA and cleartext settings) and ignores the system proxy unless the app "
        "sets findProxy; it trusts the system CA store only, never user-installed CAs; native "
        "plugins and WebViews still follow the Network Security Configuration"),
    Platform.IOS: (
        "Dart's HttpClient (dart:io, used by package:http and Dio by default) runs its own TLS "
        "and checks the chain with the system trust store, not through URLSession: ATS "
        "settings (NSPinnedDomains, exceptions) do not apply to it and it ignores the system "
        "proxy unless the app sets findProxy; native plugins and WebViews still follow ATS"),
}


@dataclass(frozen=True)
class SnapshotHeader:
    """The header Dart writes at the start of every snapshot."""

    length: int
    kind: str
    version: str
    features: tuple[str, ...]

    @property
    def product(self) -> bool:
        """True for a release (product) build; profile builds lack the feature."""
        return "product" in self.features


@dataclass
class Snapshot:
    """A Dart AOT snapshot's header and the strings of its isolate data."""

    entry: str
    header: SnapshotHeader | None
    strings: list[str]
    located_by: str
    truncated: bool = False
    notes: list[str] = field(default_factory=list)
    pem: list[bytes] = field(default_factory=list)  # PEM certificates written in the code


class _Malformed(Exception):
    """A structure of the binary points outside it or is not what it claims."""


# --- locating the snapshot in ELF and Mach-O -------------------------------------------------

def locate_isolate_data(data: bytes) -> tuple[int, int, str] | None:
    """(start, end, how) of the isolate snapshot data in a ``libapp.so`` or ``App`` binary.

    Uses the dynamic symbols when the binary is ELF or Mach-O and has them; otherwise looks
    for the snapshot magic. Returns None when neither finds a snapshot.
    """
    symbols: dict[str, tuple[int, int]] = {}
    try:
        if data[:4] == b"\x7fELF":
            symbols = _elf_symbols(data)
        elif data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
            symbols = _macho_symbols(data)
    except (_Malformed, struct.error, IndexError, ValueError, OverflowError):
        symbols = {}
    for name in (_ISOLATE_DATA, _ISOLATE_DATA[1:], "_" + _ISOLATE_DATA):
        if name in symbols:
            start, size = symbols[name]
            if 0 <= start < len(data) and size > 0:
                return start, min(start + size, len(data)), "its dynamic symbols"
    return _scan_for_magic(data)


def _scan_for_magic(data: bytes) -> tuple[int, int, str] | None:
    """The last valid snapshot header: Dart lays out the VM data before the isolate data."""
    found: list[int] = []
    at = data.find(b"\xf5\xf5\xdc\xdc")
    while at >= 0 and len(found) < 16:
        if parse_header(data, at) is not None:
            found.append(at)
        at = data.find(b"\xf5\xf5\xdc\xdc", at + 4)
    if not found:
        return None
    # NOTE: without symbols the end of the isolate data is unknown; the scan runs to the end
    # of what was read, so machine code after it may add a few garbage strings.
    return found[-1], len(data), "the snapshot magic (no dynamic symbols)"


def _elf_symbols(data: bytes) -> dict[str, tuple[int, int]]:
    """Defined dynamic symbols of a little-endian ELF: name -> (file offset, size)."""
    if data[5] != 1:
        raise _Malformed("big-endian ELF")
    wide = data[4] == 2
    if wide:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        entsize, count = struct.unpack_from("<HH", data, 0x3A)
        layout, sym_layout, sym_size = "<IIQQQQIIQQ", "<IBBHQQ", 24
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        entsize, count = struct.unpack_from("<HH", data, 0x2E)
        layout, sym_layout, sym_size = "<IIIIIIIIII", "<IIIBBH", 16
    if count > _MAX_SECTIONS or entsize < struct.calcsize(layout):
        raise _Malformed("section table")
    sections = [struct.unpack_from(layout, data, shoff + i * entsize) for i in range(count)]
    symbols: dict[str, tuple[int, int]] = {}
    for section in sections:
        if section[1] != 11:  # SHT_DYNSYM
            continue
        offset, size, link = section[4], section[5], section[6]
        if link >= len(sections):
            raise _Malformed("symbol string table")
        strings = sections[link]
        for index in range(1, min(size // sym_size, _MAX_SYMBOLS)):
            fields = struct.unpack_from(sym_layout, data, offset + index * sym_size)
            if wide:
                name_at, _info, _other, shndx, value, sym_len = fields
            else:
                name_at, value, sym_len, _info, _other, shndx = fields
            if not 0 < shndx < len(sections):
                continue
            home = sections[shndx]
            name = _c_string(data, strings[4] + name_at)
            symbols[name] = (home[4] + value - home[3], sym_len)
    return symbols


def _macho_symbols(data: bytes) -> dict[str, tuple[int, int]]:
    """Defined symbols of a Mach-O (the arm64 slice of a fat file): name -> (offset, size).

    Mach-O symbols carry no size; a symbol runs to the next symbol or its section's end.
    """
    base = 0
    if data[:4] == b"\xca\xfe\xba\xbe":
        count, = struct.unpack_from(">I", data, 4)
        slices = [struct.unpack_from(">iiIII", data, 8 + i * 20) for i in range(min(count, 16))]
        chosen = next((s for s in slices if s[0] == 0x0100000C), slices[0] if slices else None)
        if chosen is None:
            raise _Malformed("empty fat file")
        base = chosen[2]
    magic = data[base:base + 4]
    wide = magic == b"\xcf\xfa\xed\xfe"
    if not wide and magic != b"\xce\xfa\xed\xfe":
        raise _Malformed("not a Mach-O slice")
    ncmds, = struct.unpack_from("<I", data, base + 16)
    at = base + (32 if wide else 28)
    sections: list[tuple[int, int, int]] = []  # (address, size, file offset)
    symtab: tuple[int, int, int, int] | None = None
    for _ in range(min(ncmds, 1024)):
        cmd, size = struct.unpack_from("<II", data, at)
        if size < 8:
            raise _Malformed("load command size")
        if cmd in (0x19, 0x1):  # LC_SEGMENT_64, LC_SEGMENT
            nsects, = struct.unpack_from("<I", data, at + (64 if wide else 48))
            first = at + (72 if wide else 56)
            for i in range(min(nsects, 256)):
                if wide:
                    addr, length, offset = struct.unpack_from("<QQI", data, first + i * 80 + 32)
                else:
                    addr, length, offset = struct.unpack_from("<III", data, first + i * 68 + 32)
                sections.append((addr, length, offset))
        elif cmd == 0x2:  # LC_SYMTAB
            symtab = struct.unpack_from("<IIII", data, at + 8)
        at += size
    if symtab is None:
        return {}
    symoff, nsyms, stroff, _strsize = symtab
    entry = 16 if wide else 12
    defined: list[tuple[int, str, int]] = []  # (address, name, section number)
    for i in range(min(nsyms, _MAX_SYMBOLS)):
        if wide:
            strx, kind, sect, _desc, value = struct.unpack_from("<IBBHQ", data,
                                                                base + symoff + i * entry)
        else:
            strx, kind, sect, _desc, value = struct.unpack_from("<IBBHI", data,
                                                                base + symoff + i * entry)
        if kind & 0x0E == 0x0E and 0 < sect <= len(sections):  # N_SECT
            defined.append((value, _c_string(data, base + stroff + strx), sect))
    defined.sort()
    symbols: dict[str, tuple[int, int]] = {}
    for index, (value, name, sect) in enumerate(defined):
        addr, length, offset = sections[sect - 1]
        end = addr + length
        if index + 1 < len(defined) and defined[index + 1][2] == sect:
            end = min(end, defined[index + 1][0])
        symbols[name] = (base + offset + value - addr, max(end - value, 0))
    return symbols


def _c_string(data: bytes, at: int) -> str:
    if not 0 <= at < len(data):
        raise _Malformed("name outside the file")
    end = data.find(b"\0", at, at + 256)
    return data[at:end if end >= 0 else at + 256].decode("latin-1")


# --- the snapshot header and its strings -----------------------------------------------------

def parse_header(data: bytes, at: int) -> SnapshotHeader | None:
    """Read a snapshot header: magic, length, kind, 32-character version hash, features.

    Returns None when the bytes at ``at`` are not a snapshot header.
    """
    if at < 0 or len(data) < at + 52:
        return None
    magic, length, kind = struct.unpack_from("<Iqq", data, at)
    version = data[at + 20:at + 52]
    if magic != _MAGIC or kind not in _KINDS or not re.fullmatch(rb"[0-9a-f]{32}", version):
        return None
    end = data.find(b"\0", at + 52, at + 52 + 1024)
    features = data[at + 52:end if end >= 0 else at + 52].decode("latin-1")
    return SnapshotHeader(length, _KINDS[kind], version.decode(), tuple(features.split()))


def extract_strings(data: bytes, start: int, end: int,
                    limit: int = _MAX_STRINGS) -> tuple[list[str], bool]:
    """Printable ASCII runs of ``data[start:end]``, cut at each Dart string's own length.

    Returns the strings in file order and whether ``limit`` cut the list short.
    """
    # NOTE: this is a bounded scan for printable runs, not a walk of Dart's object graph.
    # A one-byte string in the read-only data is a header (tags, hash) with its length as a
    # Smi (twice the length) just before the characters, in 8 bytes, or 4 with compressed
    # pointers: that length trims the run where the next object's header would add stray
    # characters. On 32-bit targets a hash field may sit in between; when no length fits,
    # the whole run is kept and may end in a stray character or two. Strings of 3
    # characters or fewer, characters outside ASCII (Latin-1 and two-byte strings) and
    # strings the compiler encoded elsewhere are missed.
    found: list[str] = []
    for match in _RUN.finditer(data, start, end):
        if len(found) >= limit:
            return found, True
        at, size = match.start(), min(match.end() - match.start(), _MAX_STRING)
        size = _declared_length(data, at, size)
        found.append(data[at:at + size].decode("ascii"))
    return found, False


def _declared_length(data: bytes, at: int, run: int) -> int:
    for width in (8, 4):
        if at >= width:
            smi = int.from_bytes(data[at - width:at], "little")
            if smi & 1 == 0 and 4 <= smi >> 1 <= run:
                return smi >> 1
    return run


def read_snapshot(data: bytes, entry: str) -> Snapshot | None:
    """The header and strings of the AOT snapshot in one binary; None without a snapshot."""
    located = locate_isolate_data(data)
    if located is None:
        return None
    start, end, how = located
    header = parse_header(data, start)
    notes = []
    if header is None:
        notes.append("the isolate snapshot data do not start with a Dart snapshot header")
    strings, truncated = extract_strings(data, start, end)
    return Snapshot(entry, header, strings, how, truncated, notes, _pem_blocks(data, start, end))


def _pem_blocks(data: bytes, start: int, end: int) -> list[bytes]:
    """PEM certificates stored as string literals (multi-line, so no single printable run)."""
    blocks: list[bytes] = []
    at = data.find(_PEM_BEGIN, start, end)
    while at >= 0 and len(blocks) < 50:
        stop = data.find(_PEM_END, at, min(at + 16 * 1024, end))
        if stop < 0:
            at = data.find(_PEM_BEGIN, at + len(_PEM_BEGIN), end)
            continue
        blocks.append(data[at:stop + len(_PEM_END)] + b"\n")
        at = data.find(_PEM_BEGIN, stop, end)
    return blocks


# --- what the strings say --------------------------------------------------------------------

@dataclass
class _StringFacts:
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


_EXACT = frozenset(_SET_TRUSTED + _BAD_CERT + _DIO_CREATE + (
    _ON_BAD_CERT, _DIO_VALIDATE, "withTrustedRoots", "SecurityContext", "IOHttpClientAdapter",
    "SecurityContext_TrustBuiltinRoots"))


def scan_strings(strings: Sequence[str]) -> _StringFacts:
    """Find URLs, pins, fingerprints, package URIs and the dart:io names in ``strings``."""
    facts = _StringFacts()
    for index, text in enumerate(strings):
        if text in _EXACT:
            facts.names.add(text)
        elif text.startswith(_BAD_CERT_PRIVATE):
            facts.names.add("badCertificateCallback")
        if text in _FRAMEWORK_NAMES:
            facts.framework_names += 1
        if text.startswith("package:"):
            package = _PACKAGE.match(text)
            if package and len(facts.packages) < _MAX_FOUND:
                facts.packages.add(package.group(1))
            continue
        if "HttpOverrides" in text:
            _note_overrides(text, facts)
        if "http" in text:
            for url in _URL.findall(text)[:_MAX_FOUND]:
                if _worth_reporting(url) and len(facts.urls) < _MAX_FOUND:
                    facts.urls.append((index, url))
        _find_pins(index, text, facts)
    return facts


def _note_overrides(text: str, facts: _StringFacts) -> None:
    name = text.split("@", 1)[0]
    if (_HTTP_OVERRIDES.fullmatch(name) and name not in ("HttpOverrides", "_HttpOverrides")
            and not name.startswith("_HttpOverridesScope") and len(facts.overrides) < 20):
        facts.overrides.add(name)


def _find_pins(index: int, text: str, facts: _StringFacts) -> None:
    if len(text) < 32 or len(facts.spki) + len(facts.bare_hex) >= _MAX_FOUND:
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


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


# --- flutter_assets --------------------------------------------------------------------------

@dataclass
class _Assets:
    """Certificates and text files among the app's ``flutter_assets``."""

    certificates: list[str] = field(default_factory=list)  # entries that hold certificates
    declared: list[str] = field(default_factory=list)  # certificate-like names in the manifest
    text: dict[str, list[str]] = field(default_factory=dict)  # entry -> its strings
    skipped: list[Skipped] = field(default_factory=list)
    count: int = 0


def _asset_prefix(platform: Platform) -> str:
    return ("assets/flutter_assets/" if platform is Platform.ANDROID
            else "Frameworks/App.framework/flutter_assets/")


def read_assets(bundle: Bundle, platform: Platform) -> _Assets:
    """Read certificate files and small text files in ``flutter_assets``."""
    assets = _Assets()
    prefix = _asset_prefix(platform)
    entries = under(bundle.names(), (prefix,), platform)
    assets.count = len(entries)
    budget = _MAX_ASSET_TOTAL
    for name in entries[:_MAX_ASSETS]:
        inner = _inner(name, platform)[len(prefix):]
        lower = inner.lower()
        if inner in ("AssetManifest.json", "AssetManifest.bin"):
            assets.declared += _manifest_certificates(bundle, name)
        size = bundle.entries[name].size
        if inner in _IGNORED_ASSETS or size > _MAX_ASSET or not (
                lower.endswith(_CERT_EXTENSIONS + _TEXT_EXTENSIONS)
                or "." not in lower.rsplit("/", 1)[-1]):
            continue
        if size > budget:
            assets.skipped.append(Skipped(name, f"not read: {_MAX_ASSET_TOTAL // _MiB} MiB of "
                                          "flutter_assets were read already"))
            continue
        budget -= size
        if lower.endswith(_CERT_EXTENSIONS):
            _read_certificate_asset(bundle, name, assets)
        elif lower.endswith(_TEXT_EXTENSIONS) or "." not in lower.rsplit("/", 1)[-1]:
            data = _read(bundle, name, _MAX_ASSET, assets.skipped)
            if data is not None:
                assets.text[name] = extract_strings(data, 0, len(data), 20_000)[0]
    if len(entries) > _MAX_ASSETS:
        assets.skipped.append(Skipped(prefix, f"{len(entries)} assets; only the first "
                                      f"{_MAX_ASSETS} were looked at"))
    return assets


def _read_certificate_asset(bundle: Bundle, name: str, assets: _Assets) -> None:
    data = _read(bundle, name, _MAX_ASSET, assets.skipped)
    if data is None:
        return
    scan = read_certificate_file(data, name)
    assets.skipped += scan.skipped
    if scan.certificates:
        assets.certificates.append(name)
    elif not scan.skipped:
        assets.skipped.append(Skipped(name, "named like a certificate file but holds no "
                                      "certificate pinscan can read"))


def _manifest_certificates(bundle: Bundle, name: str) -> list[str]:
    """Certificate-like asset names the asset manifest declares.

    ``AssetManifest.json`` is a JSON object keyed by asset name; ``AssetManifest.bin`` is
    the same map in Flutter's StandardMessageCodec, whose string keys are stored as UTF-8
    bytes, so a printable-run scan finds them.
    """
    data = _read(bundle, name, 4 * _MiB, [])
    if data is None:
        return []
    keys: list[str] = []
    if name.endswith(".json"):
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):
            return []
        keys = [k for k in parsed if isinstance(k, str)] if isinstance(parsed, dict) else []
    else:
        keys = extract_strings(data, 0, len(data), 50_000)[0]
    return sorted({k for k in keys if k.lower().endswith(_CERT_EXTENSIONS)})[:_MAX_FOUND]


def _read(bundle: Bundle, name: str, limit: int, skipped: list[Skipped]) -> bytes | None:
    try:
        return bundle.read(name, max_size=limit)
    except UnpackError as exc:
        skipped.append(Skipped(name, exc.message))
        return None


def _inner(name: str, platform: Platform) -> str:
    return (app_relative(name) or name) if platform is Platform.IOS else name


def embedded_certificates(snapshot: Snapshot) -> list[str]:
    """``subject (SHA-256 fingerprint)`` of each readable PEM certificate in the snapshot."""
    found = []
    for index, block in enumerate(snapshot.pem):
        scan = read_certificate_file(block, f"{snapshot.entry}#pem{index + 1}")
        found += [f"{c.subject} (cert-sha256/{c.sha256})" for c in scan.certificates]
    return found


# --- the reader ------------------------------------------------------------------------------

class FlutterReader:
    """Recognises a Flutter app by its engine, its compiled Dart code or its asset folder."""

    name = "flutter"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = (native_libraries(names, "libflutter.so") + native_libraries(names, "libapp.so")
                     + [n for n in names if n.startswith("assets/flutter_assets/")][:1])
        else:
            found = under(names, ("Frameworks/Flutter.framework/Flutter",
                                  "Frameworks/App.framework/App"), platform)
            found += under(names, ("Frameworks/App.framework/flutter_assets/",), platform)[:1]
        return tuple(found)

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        reading = FrameworkReading(FrameworkInfo(self.name, evidence))
        read: list[str] = []
        unread: list[str] = []
        snapshot = self._snapshot(bundle, platform, reading.skipped, unread)
        assets = read_assets(bundle, platform)
        reading.skipped += assets.skipped
        facts = scan_strings(snapshot.strings) if snapshot else _StringFacts()
        if snapshot is not None:
            read += _describe_snapshot(snapshot, facts, unread)
            reading.urls += [(url, snapshot.entry) for _, url in facts.urls]
            reading.trust += _snapshot_trust(snapshot, facts, assets)
        for name, strings in sorted(assets.text.items()):
            text_facts = scan_strings(strings)
            reading.urls += [(url, name) for _, url in text_facts.urls]
            reading.trust += _pins(name, "asset", text_facts, facts.packages)
        read.append(f"{assets.count} file(s) in flutter_assets, {len(assets.certificates)} "
                    f"holding certificates, {len(assets.text)} small text file(s) searched")
        if assets.declared and snapshot is None:
            read.append("certificate assets the manifest declares: " + ", ".join(assets.declared))
        if assets.certificates and not any(t.kind is TrustKind.OWN_STORE for t in reading.trust):
            read.append("certificate files in flutter_assets that no SecurityContext call in "
                        "the snapshot's strings is seen to load: " + ", ".join(
                            assets.certificates[:20]))
        if snapshot is not None and snapshot.pem and not any(
                t.kind is TrustKind.OWN_STORE for t in reading.trust):
            read.append("PEM certificates written in the Dart code, no SecurityContext call "
                        "seen to load them: " + "; ".join(embedded_certificates(snapshot)[:20]))
        read.append(_PLATFORM_NOTES[platform])
        reading.info = FrameworkInfo(self.name, evidence, tuple(read), tuple(unread))
        return reading

    def _snapshot(self, bundle: Bundle, platform: Platform, skipped: list[Skipped],
                  unread: list[str]) -> Snapshot | None:
        """Read the first snapshot that parses: arm64-v8a first on Android."""
        candidates = _snapshot_entries(bundle.names(), platform)
        if not candidates:
            unread.append("no compiled Dart code (libapp.so or App.framework/App) in the "
                          "bundle: it may ship in a split APK, a deferred component or be "
                          "downloaded, so the app's Dart code was not read")
            return None
        for entry in candidates:
            size = bundle.entries[entry].size
            try:
                data = (bundle.read(entry, max_size=_MAX_SNAPSHOT) if size <= _MAX_SNAPSHOT
                        else bundle.head(entry, _MAX_SNAPSHOT))
            except UnpackError as exc:
                skipped.append(Skipped(entry, exc.message))
                continue
            snapshot = read_snapshot(data, entry)
            if snapshot is None:
                skipped.append(Skipped(entry, "holds no Dart snapshot pinscan can find "
                                       "(no snapshot symbols or header)"))
                continue
            if size > _MAX_SNAPSHOT:
                snapshot.notes.append(f"only the first {_MAX_SNAPSHOT // _MiB} MiB of "
                                      f"{entry} were read")
            return snapshot
        unread.append("the compiled Dart code could not be read (" + ", ".join(candidates)
                      + "): its strings, pins and TLS settings are unknown")
        return None


def _snapshot_entries(names: Sequence[str], platform: Platform) -> list[str]:
    if platform is Platform.IOS:
        return [n for n in names if app_relative(n) == "Frameworks/App.framework/App"][:2]
    libraries = native_libraries(names, "libapp.so")
    rank = {abi: i for i, abi in enumerate(_ABIS)}
    return sorted(libraries, key=lambda n: (rank.get(n.split("/")[1], len(_ABIS)), n))[:4]


def _describe_snapshot(snapshot: Snapshot, facts: _StringFacts, unread: list[str]) -> list[str]:
    """The read lines for one snapshot, adding what it could not show to ``unread``."""
    header = snapshot.header
    if header is None:
        described = "a Dart snapshot without a readable header"
    else:
        mode = "product (release) build" if header.product else "not a product build"
        described = (f"Dart {header.kind} snapshot, version {header.version}, {mode}, "
                     f"features: {' '.join(header.features[:12])}")
    read = [f"{snapshot.entry}: {described} (found by {snapshot.located_by}); "
            f"{len(snapshot.strings)} strings, {len(facts.packages)} package(s), "
            f"{len(facts.urls)} URL(s)"]
    kept = sorted(facts.names)
    if kept:
        read.append("TLS-related dart:io and Dio names kept in the snapshot: " + ", ".join(kept))
    unread.append("the Dart code is compiled to machine code and not decompiled: what its "
                  "callbacks return, which requests use which pins or SecurityContext, and "
                  "argument values such as withTrustedRoots cannot be read")
    if not facts.packages or facts.framework_names == 0:
        unread.append("the Dart snapshot looks obfuscated (--obfuscate: no package URIs or no "
                      "Flutter class names such as StatelessWidget): library and function "
                      "names could not be read, so pinning packages and Dart-level callbacks "
                      "may be missed")
    if snapshot.truncated:
        unread.append(f"only the first {_MAX_STRINGS} strings of {snapshot.entry} were read")
    unread.extend(snapshot.notes)
    return read


def _snapshot_trust(snapshot: Snapshot, facts: _StringFacts,
                    assets: _Assets) -> list[FrameworkTrust]:
    trust = _pins(snapshot.entry, "Dart snapshot", facts, facts.packages)
    if not any(t.kind is TrustKind.PINS for t in trust):
        for package in sorted(facts.packages):
            if package in _PINNING_PACKAGES or "pinning" in package:
                what = _PINNING_PACKAGES.get(package, ("", "a pinning package"))[1]
                trust.append(FrameworkTrust(
                    "flutter", TrustKind.PINNING_LIBRARY,
                    Location(snapshot.entry, f"package:{package}"),
                    f"the Dart code includes package:{package} ({what}), but no pins or "
                    "fingerprints were found among the snapshot's strings: they may be built "
                    "at run time, obfuscated, or downloaded"))
    trust += _own_store(snapshot, facts, assets)
    trust += _callbacks(snapshot, facts)
    return trust


def _pins(entry: str, where: str, facts: _StringFacts,
          packages: set[str]) -> list[FrameworkTrust]:
    """One PINS item for the pins and fingerprints of one snapshot or asset."""
    pinning = sorted(p for p in packages if p in _PINNING_PACKAGES or "pinning" in p)
    found = facts.spki + facts.separated_hex
    if pinning:  # bare hashes count only where a pinning package is there to use them
        found += facts.bare_spki + facts.bare_hex
    if not found:
        return []
    pins = tuple(sorted({pin for _, pin in found}))
    near = {facts_host for index, _ in found for at, url in facts.urls
            if abs(at - index) <= _NEAR and (facts_host := _host(url))}
    spki = sum(1 for p in pins if p.startswith("sha"))
    counts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in (
        (spki, "SPKI pin"), (len(pins) - spki, "certificate SHA-256 fingerprint")) if n]
    evidence = f"{' and '.join(counts)} stored as strings in the {where}"
    if pinning:
        evidence += "; pinning package(s): " + "; ".join(
            f"package:{p} ({_PINNING_PACKAGES.get(p, ('', 'a pinning package'))[1]})"
            for p in pinning)
    evidence += ("; which requests check them is in compiled code pinscan does not read"
                 + ("; the hosts are those of URLs stored next to them, not a proven binding"
                    if near else ""))
    return [FrameworkTrust("flutter", TrustKind.PINS, Location(entry, "pins"), evidence,
                           hosts=tuple(sorted(near))[:20], pins=pins[:_MAX_FOUND])]


def _own_store(snapshot: Snapshot, facts: _StringFacts,
               assets: _Assets) -> list[FrameworkTrust]:
    seen = [n for n in _SET_TRUSTED if n in facts.names]
    if not seen:
        return []
    embedded = embedded_certificates(snapshot)
    evidence = (f"the Dart code sets a SecurityContext's trusted certificates ({', '.join(seen)} "
                "kept in the snapshot)")
    if assets.certificates:
        evidence += "; certificate assets: " + ", ".join(assets.certificates)
    if embedded:
        evidence += "; PEM certificates written in the Dart code: " + "; ".join(embedded)
    if not assets.certificates and not embedded:
        evidence += ("; no certificate file among flutter_assets, so the certificates come "
                     "from strings, another file or the network")
    if "withTrustedRoots" in facts.names:
        evidence += ("; withTrustedRoots is passed somewhere but its value is in compiled code, "
                     "so whether the system roots are dropped cannot be confirmed")
    else:
        evidence += ("; withTrustedRoots is never named, so SecurityContext() defaults to no "
                     "system roots, unless the certificates are added to "
                     "SecurityContext.defaultContext, which keeps them: compiled code does "
                     "not show which")
    return [FrameworkTrust("flutter", TrustKind.OWN_STORE,
                           Location(snapshot.entry, "SecurityContext.setTrustedCertificatesBytes"),
                           evidence, certificates=tuple(assets.certificates[:_MAX_FOUND]))]


def _callbacks(snapshot: Snapshot, facts: _StringFacts) -> list[FrameworkTrust]:
    trust: list[FrameworkTrust] = []
    packages = sorted(p for p in facts.packages if p in _PINNING_PACKAGES or "pinning" in p)
    by_package = (f"; pinning package(s) that may install it: {', '.join(packages)}"
                  if packages else "")
    if "badCertificateCallback" in facts.names or "set:badCertificateCallback" in facts.names:
        overrides = sorted(facts.overrides)
        telling = [o for o in overrides if any(w in o.lower() for w in _TRUST_ALL_WORDS)]
        kind = TrustKind.TRUST_ALL if telling else TrustKind.CALLBACK
        evidence = ("the Dart code sets HttpClient.badCertificateCallback, which dart:io calls "
                    "only for certificates the platform rejected, so it can only weaken trust")
        if telling:
            evidence += (f"; HttpOverrides subclass {', '.join(telling)} is named for "
                         "accepting every certificate (the callback's body is compiled code: "
                         "the name is the evidence)")
        else:
            evidence += "; whether it returns true is in compiled code pinscan does not read"
        if not telling and overrides:
            evidence += (f"; HttpOverrides subclass(es) {', '.join(overrides)} (the widely "
                         "copied MyHttpOverrides snippet accepts every certificate, but "
                         "the name alone does not prove it)")
        trust.append(FrameworkTrust("flutter", kind, Location(
            snapshot.entry, "HttpClient.badCertificateCallback"), evidence + by_package))
    if _ON_BAD_CERT in facts.names:
        trust.append(FrameworkTrust("flutter", TrustKind.CALLBACK, Location(
            snapshot.entry, "SecureSocket onBadCertificate"),
            "the Dart code passes onBadCertificate to a SecureSocket/RawSecureSocket, a "
            "callback for certificates the platform rejected; what it returns is in compiled "
            "code pinscan does not read" + by_package))
    if _DIO_VALIDATE in facts.names:
        trust.append(FrameworkTrust("flutter", TrustKind.CALLBACK, Location(
            snapshot.entry, "IOHttpClientAdapter.validateCertificate"),
            "Dio's IOHttpClientAdapter.validateCertificate is set: a check of the server's "
            "certificate after the handshake, often used to pin; its logic is compiled code "
            "pinscan does not read" + by_package))
    return trust


READER = FlutterReader()
