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

import struct
from collections.abc import Sequence

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    app_relative,
    native_libraries,
    under,
)
from mstg_pinscan.facts.frameworks.hermes import HERMES_DELTA_MAGIC, is_hermes, read_hermes
from mstg_pinscan.facts.frameworks.reactnative_pinning import Scan, scan_hermes, scan_javascript
from mstg_pinscan.models import FrameworkInfo, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_MiB = 1024 * 1024
_MAX_BUNDLE = 64 * _MiB  # bytes read from one bundle; the rest is reported unread
_MAX_BUNDLES = 4

_ANDROID_LIBRARIES = ("libreactnativejni.so", "libreactnative.so", "libhermes.so",
                      "libjsc.so")
_ANDROID_BUNDLE = "assets/index.android.bundle"
_IOS_BUNDLE = "main.jsbundle"
_RAM_BUNDLE_MAGIC = 0xFB0BD1E5


# --- the bundle --------------------------------------------------------------------------------

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
            scan = Scan(entry, platform, all_names)
            if is_hermes(data) or data[:8] == struct.pack("<Q", HERMES_DELTA_MAGIC):
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


def _describe(scan: Scan, read: list[str]) -> None:
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
