"""Flutter: recognise the app, read the certificates among its ``flutter_assets`` and turn the
strings of its Dart AOT snapshot into trust facts; the compiled Dart code is not decompiled.
See: https://github.com/dart-lang/sdk/blob/main/runtime/vm/snapshot.h
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    app_relative,
    native_libraries,
    under,
    url_host,
)
from mstg_pinscan.facts.frameworks.dart_snapshot import (
    MAX_STRINGS,
    Snapshot,
    extract_strings,
    read_snapshot,
)
from mstg_pinscan.facts.frameworks.dart_strings import (
    DIO_VALIDATE,
    MAX_FOUND,
    ON_BAD_CERT,
    SET_TRUSTED,
    StringFacts,
    scan_strings,
)
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)

_MiB = 1024 * 1024
# libapp.so of a large app runs to tens of MiB; its snapshot data come first (.rodata), its
# machine code after, so the first 64 MiB hold the strings even of a bigger file.
_MAX_SNAPSHOT = 64 * _MiB
_MAX_ASSETS = 5000
_MAX_ASSET = 2 * _MiB
_MAX_ASSET_TOTAL = 64 * _MiB  # bytes of flutter_assets read in all
# NOTE: the snapshot does not tie a pin to a host; a URL stored within this many strings of
# a pin is reported as its host, which is a guess the evidence sentence says is one.
_NEAR = 16  # strings either side of a pin searched for the URL it may belong to
_ABIS = ("arm64-v8a", "armeabi-v7a", "x86_64", "x86")

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
# NOTE: no pub package known to install an accept-everything callback is listed: TRUST_ALL
# rests only on an HttpOverrides subclass whose own name says it accepts every certificate.
_TRUST_ALL_WORDS = ("trustall", "acceptall", "allowall", "insecure", "unsafe", "ignorecert",
                    "ignoressl", "bypassssl", "badcert", "nocert", "disablessl", "sslbypass")
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
    return sorted({k for k in keys if k.lower().endswith(_CERT_EXTENSIONS)})[:MAX_FOUND]


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
        facts = scan_strings(snapshot.strings) if snapshot else StringFacts()
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
            missing = "libapp.so" if platform is Platform.ANDROID else "App.framework/App"
            skipped.append(Skipped(missing, "not in the bundle: the compiled Dart code may ship "
                                   "in a split APK, a deferred component or be downloaded"))
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


def _describe_snapshot(snapshot: Snapshot, facts: StringFacts, unread: list[str]) -> list[str]:
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
        unread.append(f"only the first {MAX_STRINGS} strings of {snapshot.entry} were read")
    unread.extend(snapshot.notes)
    return read


def _snapshot_trust(snapshot: Snapshot, facts: StringFacts,
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


def _pins(entry: str, where: str, facts: StringFacts,
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
            if abs(at - index) <= _NEAR and (facts_host := url_host(url))}
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
                           hosts=tuple(sorted(near))[:20], pins=pins[:MAX_FOUND])]


def _own_store(snapshot: Snapshot, facts: StringFacts,
               assets: _Assets) -> list[FrameworkTrust]:
    seen = [n for n in SET_TRUSTED if n in facts.names]
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
                           evidence, certificates=tuple(assets.certificates[:MAX_FOUND]))]


def _callbacks(snapshot: Snapshot, facts: StringFacts) -> list[FrameworkTrust]:
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
    if ON_BAD_CERT in facts.names:
        trust.append(FrameworkTrust("flutter", TrustKind.CALLBACK, Location(
            snapshot.entry, "SecureSocket onBadCertificate"),
            "the Dart code passes onBadCertificate to a SecureSocket/RawSecureSocket, a "
            "callback for certificates the platform rejected; what it returns is in compiled "
            "code pinscan does not read" + by_package))
    if DIO_VALIDATE in facts.names:
        trust.append(FrameworkTrust("flutter", TrustKind.CALLBACK, Location(
            snapshot.entry, "IOHttpClientAdapter.validateCertificate"),
            "Dio's IOHttpClientAdapter.validateCertificate is set: a check of the server's "
            "certificate after the handshake, often used to pin; its logic is compiled code "
            "pinscan does not read" + by_package))
    return trust


READER = FlutterReader()
