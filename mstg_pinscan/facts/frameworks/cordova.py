"""Cordova and Capacitor: web assets, their configuration and their native HTTP plugins.

A Cordova or Capacitor app is a web app in a WebView; requests that must not go through the
WebView go through a native HTTP plugin that the JavaScript configures. What is read:

* ``cordova-plugin-advanced-http`` (``cordova.plugin.http``, Ionic Native ``HTTP``):
  ``setServerTrustMode(MODE, ok, err)`` (``setSSLCertMode`` before 3.0, ``enableSSLPinning``
  and ``acceptAllCerts`` before 2.0). ``nocheck`` installs a trust manager and hostname
  verifier that accept everything (Android ``CordovaServerTrust``) or an AFNetworking policy
  with ``allowInvalidCertificates`` (iOS). ``pinned`` trusts only the ``.cer`` files in
  ``www/certificates`` of the Android assets or of the iOS app bundle: on Android they become
  the only trust anchors, on iOS AFNetworking pins their DER bytes. ``default`` and
  ``legacy`` use the system's CAs.
  See: https://github.com/silkimen/cordova-plugin-advanced-http#setservertrustmode
* ``cordova-plugin-certificates``: ``trustUnsecureCerts(true)`` lets the WebView accept
  untrusted certificates. ``cordova-plugin-sslcertificatechecker``: ``check(ok, err, URL,
  SHA-256 FINGERPRINT(S))`` compares the server certificate on demand.
* Cordova ``config.xml``: ``<access origin>``, ``<allow-navigation href>``, the preferences
  ``AndroidInsecureFileModeEnabled`` and ``scheme`` (read by cordova-android's
  ``ConfigXmlParser``), and the ``<feature>`` elements that declare native plugins.
* ``capacitor.config.json``: ``server.cleartext``, ``server.url``, ``server.androidScheme``,
  ``android.allowMixedContent`` (keys of @capacitor/cli's ``CapacitorConfig``),
  ``plugins.CapacitorHttp`` and ``plugins.SSLPinning`` (@capgo/capacitor-ssl-pinning);
  ``capacitor.plugins.json`` (Android) or ``packageClassList`` (iOS) name the native plugins.

NOTE: the scripts are searched as text for the call shapes above, not parsed: a trust mode
held in a variable is reported as unresolved (CALLBACK), and the hosts a mode applies to are
those of literal URLs passed to the plugin's request methods. Requests the WebView makes
itself follow the platform's configuration; cordova-android's ``SystemWebViewClient`` also
proceeds past certificate errors when the app is debuggable, which the manifest tells.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    app_relative,
    under,
)
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)

_MiB = 1024 * 1024
_MAX_SCRIPT = 16 * _MiB  # one script larger than this is skipped, not searched
_MAX_SCRIPTS_TOTAL = 64 * _MiB  # bytes of scripts read from one app
_MAX_SCRIPTS = 3000  # script files read from one app
_MAX_CONFIG = 4 * _MiB  # config.xml, capacitor.config.json, capacitor.plugins.json
_MAX_CERT = 1 * _MiB
_MAX_CERTS = 64
_MAX_FOUND = 300  # trust items kept
_MAX_URLS = 1000
_MAX_CALLS = 200  # calls looked at in one script
_MAX_ELEMENTS = 20_000  # config.xml elements looked at
_MAX_ARGS = 4096  # characters an argument list may span
_MAX_ARG_SCAN = 1 * _MiB  # characters of argument lists looked through in one script
_BACK = 160  # characters looked back for a call's receiver
_BACK_ASSIGN = 64 * 1024  # characters looked back for a name's assignment

_SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".html", ".htm")
_CERT_FOLDER = "www/certificates/"  # fixed in the plugin's native code on both platforms

_TRUST_CALL = re.compile(
    r"\b(setServerTrustMode|setSSLCertMode|enableSSLPinning|acceptAllCerts"
    r"|trustUnsecureCerts)\s*\(")
_CHECKER_CALL = re.compile(r"\bsslCertificateChecker\s*\.\s*check\s*\(")
_REQUEST_CALL = re.compile(
    r"\.\s*(get|post|put|patch|delete|head|options|sendRequest|uploadFile|downloadFile)"
    r"\s*\(\s*['\"`](https?://[^'\"`\s\\]{1,300})['\"`]")
_URL = re.compile(r"\b(?:https?|wss?)://[A-Za-z0-9.\-]{1,253}(?::[0-9]{1,5})?"
                  r"(?:/[A-Za-z0-9._~%!$&*+,;=:@/?\-]{0,300})?")
_FINGERPRINT = re.compile(r"\b(?:[0-9A-Fa-f]{2}[ :]?){31}[0-9A-Fa-f]{2}\b")
_PLUGIN_ID = re.compile(r"[\"']?pluginId[\"']?\s*:\s*[\"']([^\"'\n]{1,200})[\"']")
_IDENTIFIER = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_SPACE = frozenset(" \t\r\n")

# Native plugin names (config.xml <feature>, cordova_plugins.js ids, Capacitor packages).
_PLUGINS = {
    "CordovaHttpPlugin": "cordova-plugin-advanced-http",
    "cordova-plugin-advanced-http": "cordova-plugin-advanced-http",
    "SSLCertificateChecker": "cordova-plugin-sslcertificatechecker",
    "cordova-plugin-sslcertificatechecker": "cordova-plugin-sslcertificatechecker",
    "CertificatesPlugin": "cordova-plugin-certificates",
    "CDVCertificate": "cordova-plugin-certificates",
    "cordova-plugin-certificates": "cordova-plugin-certificates",
    "@jcesarmobile/ssl-skip": "@jcesarmobile/ssl-skip",
    "SslSkipPlugin": "@jcesarmobile/ssl-skip",
    "@capgo/capacitor-ssl-pinning": "@capgo/capacitor-ssl-pinning",
    "SSLPinningPlugin": "@capgo/capacitor-ssl-pinning",
}
_MODES = {
    "default": "the system's CA certificates",
    "legacy": "the system's CA certificates without user-installed ones (Android)",
}


@dataclass
class _Reading:
    """What one reader collects before it becomes a :class:`FrameworkReading`."""

    framework: str
    platform: Platform
    names: list[str]
    trust: list[FrameworkTrust] = field(default_factory=list)
    urls: dict[tuple[str, str], None] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    plugins: dict[str, str] = field(default_factory=dict)  # plugin -> where it was seen
    request_hosts: dict[str, None] = field(default_factory=dict)
    scripts_read: int = 0

    def add(self, kind: TrustKind, location: Location, evidence: str,
            hosts: Sequence[str] = (), pins: Sequence[str] = (),
            certificates: Sequence[str] = ()) -> None:
        if len(self.trust) < _MAX_FOUND:
            self.trust.append(FrameworkTrust(
                self.framework, kind, location, evidence, tuple(dict.fromkeys(hosts)),
                tuple(dict.fromkeys(pins)), tuple(dict.fromkeys(certificates))))

    def url(self, url: str, where: str) -> None:
        if len(self.urls) < _MAX_URLS:
            self.urls[(url, where)] = None

    def plugin(self, name: str, where: str) -> None:
        known = _PLUGINS.get(name)
        if known:
            self.plugins.setdefault(known, where)

    def entry(self, inner: str) -> str:
        """The bundle entry of an app-relative path (``assets/...`` on Android)."""
        if self.platform is Platform.ANDROID:
            return inner
        for name in self.names:
            if app_relative(name) is not None:
                return name.split("/", 2)[0] + "/" + name.split("/", 2)[1] + "/" + inner
        return inner

    def finish(self, evidence: tuple[str, ...]) -> FrameworkReading:
        return FrameworkReading(
            FrameworkInfo(self.framework, evidence, read=tuple(self.read),
                          unread=tuple(self.unread)),
            trust=self.trust, urls=list(self.urls), skipped=self.skipped)


# --- reading entries -------------------------------------------------------------------------


def _read_entry(bundle: Bundle, name: str, limit: int, reading: _Reading) -> bytes | None:
    """The entry's bytes, or None (with a Skipped and an unread line) when it cannot be read."""
    size = bundle.entries[name].size if name in bundle.entries else 0
    if size > limit:
        reason = (f"{size // _MiB} MiB, larger than the {limit // _MiB} MiB pinscan reads "
                  "from one file: not searched")
        reading.skipped.append(Skipped(name, reason))
        reading.unread.append(f"{name}: {reason}")
        return None
    try:
        return bundle.read(name, max_size=limit)
    except UnpackError as exc:
        reading.skipped.append(Skipped(name, exc.message))
        reading.unread.append(f"{name}: not read ({exc.message})")
        return None


def _web_roots(framework: str, platform: Platform) -> tuple[str, ...]:
    # Cordova copies the web app to www/, Capacitor to public/ (config.android.webDir).
    folder = "www/" if framework == "cordova" else "public/"
    return ("assets/" + folder,) if platform is Platform.ANDROID else (folder,)


# --- JavaScript ----------------------------------------------------------------------------


def _split_args(text: str, start: int) -> tuple[list[str], int] | None:
    """The top-level arguments of a call whose ``(`` ends just before ``start``, and the index
    after its ``)``; None when the list does not close within :data:`_MAX_ARGS` characters."""
    args: list[str] = []
    depth = 0
    quote = ""
    begin = start
    end = min(len(text), start + _MAX_ARGS)
    i = start
    while i < end:
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                if char != ")":
                    return None
                last = text[begin:i].strip()
                if last or args:
                    args.append(last)
                return args, i + 1
            depth -= 1
        elif char == "," and depth == 0:
            args.append(text[begin:i].strip())
            begin = i + 1
        i += 1
    return None


def _literal(arg: str) -> str | bool | None:
    """A string or boolean literal's value (minified ``!0``/``!1`` included), else None."""
    arg = arg.strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "'\"`":
        body = arg[1:-1]
        if arg[0] == "`" and "${" in body:
            return None
        if arg[0] not in body and "\\" not in body:
            return body
        return None
    return {"true": True, "!0": True, "false": False, "!1": False}.get(arg)


def _receiver(text: str, start: int) -> str:
    """The dotted name before a method call at ``start``: ``cordova.plugin.http``."""
    low = max(0, start - _BACK)
    parts: list[str] = []
    i = start
    while True:
        # Each step takes `.NAME` off the end: white space may surround the dot only.
        while i > low and text[i - 1] in _SPACE:
            i -= 1
        if i == low or text[i - 1] != ".":
            break
        i -= 1
        while i > low and text[i - 1] in _SPACE:
            i -= 1
        end = i
        while i > low and text[i - 1] in _IDENTIFIER:
            i -= 1
        if i == end:
            break
        parts.append(text[i:end])
    return ".".join(reversed(parts))


def _is_definition(text: str, start: int, end: int) -> bool:
    """True for ``function NAME(...) {`` and method definitions ``NAME(...) {``."""
    before = text[max(0, start - 24):start].rstrip()
    if before.endswith("function") or before.endswith("function*"):
        return True
    # A call is never followed by a block; a definition always is.
    return text[end:end + 64].lstrip().startswith("{")


class _Lines:
    """Line numbers of increasing offsets in one text, counted once, not from the start
    each time (a script may hold thousands of calls)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, index: int) -> int:
        if index < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, index)
        self.offset = index
        return self.line


def _calls(pattern: re.Pattern[str], name: str, text: str,
           reading: _Reading) -> list[tuple[re.Match[str], list[str], int]]:
    """Calls that ``pattern`` finds in one script (definitions left out): the match, the
    arguments and the line. Looking for the arguments' end costs up to :data:`_MAX_ARGS`
    characters a call, so a script's calls share a budget of :data:`_MAX_ARG_SCAN`."""
    found: list[tuple[re.Match[str], list[str], int]] = []
    lines = _Lines(text)
    budget = _MAX_ARG_SCAN
    for match in pattern.finditer(text):
        if len(found) >= _MAX_CALLS or budget <= 0:
            reading.unread.append(f"{name}: only the first {len(found)} plugin calls were read")
            break
        parsed = _split_args(text, match.end())
        budget -= (parsed[1] - match.end()) if parsed else _MAX_ARGS
        if parsed is None or _is_definition(text, match.start(), parsed[1]):
            continue
        found.append((match, parsed[0], lines.at(match.start())))
    return found


def _scan_script(name: str, text: str, reading: _Reading) -> list[tuple[str, str, str, str]]:
    """Find the plugin calls in one script: (call, argument, receiver, element) each."""
    calls: list[tuple[str, str, str, str]] = []
    for match, args, line in _calls(_TRUST_CALL, name, text, reading):
        calls.append((match.group(1), args[0] if args else "",
                      _receiver(text, match.start()), f"line {line}"))
    for match, args, line in _calls(_CHECKER_CALL, name, text, reading):
        _checker_call(name, text, match.start(), line, args, reading)
    for match in _REQUEST_CALL.finditer(text):
        receiver = _receiver(text, match.start() + 1).lower()
        if receiver.endswith("http") or receiver.endswith("cordovahttp"):
            host = urlsplit(match.group(2)).hostname
            if host and len(reading.request_hosts) < _MAX_FOUND:
                reading.request_hosts[host] = None
    for match in _PLUGIN_ID.finditer(text[:_MAX_CONFIG]):
        reading.plugin(match.group(1), name)
    for match in _URL.finditer(text):
        reading.url(match.group(0), name)
    return calls


def _assigned(text: str, before: int, arg: str) -> str:
    """The text assigned to ``arg`` when it is a plain name (``var fingerprint = "..."``),
    up to the end of the statement; ``arg`` itself otherwise.

    NOTE: the last assignment in the :data:`_BACK_ASSIGN` characters before the call is
    taken; one further back, in a branch not taken, or in another script is not followed.
    """
    if not arg or len(arg) > 64 or not all(c in _IDENTIFIER for c in arg) or arg[0].isdigit():
        return arg
    low = max(0, before - _BACK_ASSIGN)
    pattern = re.compile(rf"(?<![\w$.]){re.escape(arg)}\s*=(?!=)\s*")
    matches = list(pattern.finditer(text, low, before))
    if not matches:
        return arg
    match = matches[-1]
    value = text[match.end():match.end() + _MAX_ARGS]
    return value.split(";", 1)[0].split("\n", 1)[0].strip() or arg


def _checker_call(name: str, text: str, start: int, line: int, args: list[str],
                  reading: _Reading) -> None:
    """``sslCertificateChecker.check(ok, err, URL, FINGERPRINT(S))``: a check on demand."""
    where = Location(name, f"line {line}")
    args = [_assigned(text, start, arg) for arg in args[:5]]
    server = _literal(args[2]) if len(args) > 2 else None
    hosts: tuple[str, ...] = ()
    if isinstance(server, str):
        host = urlsplit(server).hostname
        hosts = (host,) if host else ()
    pins = []
    for arg in args[3:5]:
        for found in _FINGERPRINT.finditer(arg[:4096]):
            digest = re.sub(r"[ :]", "", found.group(0)).lower()
            pins.append(f"cert-sha256/{digest}")
    fingerprints = f"{len(pins)} literal SHA-256 fingerprint(s)" if pins else (
        "fingerprints held in a variable")
    reading.add(TrustKind.PINNING_LIBRARY, where,
                f"cordova-plugin-sslcertificatechecker check() of "
                f"{server if isinstance(server, str) else 'a URL held in a variable'} "
                f"against {fingerprints}: a separate connection compares the certificate; "
                "whether the app then refuses to talk to the server is decided in its "
                "callbacks, which pinscan does not follow", hosts=hosts, pins=pins)
    reading.plugin("cordova-plugin-sslcertificatechecker", name)


def _scan_scripts(bundle: Bundle, reading: _Reading) -> list[tuple[str, str, str, str, str]]:
    """Read the web assets' scripts within the bounds; every plugin call, with its file."""
    roots = _web_roots(reading.framework, reading.platform)
    scripts = [n for n in under(reading.names, roots, reading.platform)
               if n.lower().endswith(_SCRIPT_SUFFIXES)]
    if not scripts:
        reading.unread.append("no scripts among the web assets (" + ", ".join(roots) + "): "
                              "the app may load its code from a server")
        return []
    # The app's own code before the plugins' JavaScript and the cordova.js runtime.
    scripts.sort(key=lambda n: ("/plugins/" in n, n.endswith("cordova.js"), n))
    found: list[tuple[str, str, str, str, str]] = []
    total = 0
    for index, name in enumerate(scripts):
        if index >= _MAX_SCRIPTS or total >= _MAX_SCRIPTS_TOTAL:
            left = len(scripts) - index
            reason = (f"{left} more script(s) not searched: pinscan reads at most "
                      f"{_MAX_SCRIPTS} scripts and {_MAX_SCRIPTS_TOTAL // _MiB} MiB per app")
            reading.skipped.append(Skipped(name, reason))
            reading.unread.append(reason)
            break
        data = _read_entry(bundle, name, _MAX_SCRIPT, reading)
        if data is None:
            continue
        total += len(data)
        reading.scripts_read += 1
        text = data.decode("utf-8", "replace")
        found += [(name, *call) for call in _scan_script(name, text, reading)]
    reading.read.append(f"{reading.scripts_read} of {len(scripts)} script(s) in the web assets "
                        "searched for native HTTP plugin calls")
    return found


# --- the advanced-http trust modes ------------------------------------------------------------


def _bundled_certificates(bundle: Bundle,
                          reading: _Reading) -> tuple[list[str], list[str], bool]:
    """The ``.cer`` files the plugin loads in pinned mode, notes on the folder, and whether
    one of them is not a certificate."""
    folder = "assets/" + _CERT_FOLDER if reading.platform is Platform.ANDROID else _CERT_FOLDER
    inside = [n for n in under(reading.names, (folder,), reading.platform)]
    direct = [n for n in inside if "/" not in n.rsplit(_CERT_FOLDER, 1)[1]]
    # Android lists the folder and keeps names ending in ".cer"; iOS asks the bundle for
    # resources of type "cer" in it. NOTE: iOS matches the extension case-insensitively on
    # a case-insensitive file system only; both are taken as exact ".cer" here.
    certs = [n for n in direct if n.endswith(".cer")]
    notes: list[str] = []
    others = [n for n in direct if not n.endswith(".cer")]
    if others:
        notes.append(f"{len(others)} other file(s) in www/certificates that the plugin "
                     "ignores (only .cer files are loaded)")
    if reading.framework == "capacitor":
        public = "assets/public/certificates/" if reading.platform is Platform.ANDROID else (
            "public/certificates/")
        if under(reading.names, (public,), reading.platform) and not certs:
            notes.append("certificates under public/certificates are not loaded: the plugin's "
                         "native code reads www/certificates only")
    kept: list[str] = []
    broken = False
    for name in certs[:_MAX_CERTS]:
        data = _read_entry(bundle, name, _MAX_CERT, reading)
        if data is None:
            continue
        scan = read_certificate_file(data, name)
        if not scan.certificates:
            notes.append(f"{name} holds no readable certificate")
            reading.skipped.append(Skipped(name, "not a certificate"))
            broken = True
            continue
        if b"-----BEGIN" in data and reading.platform is Platform.IOS:
            notes.append(f"{name} is PEM: iOS pins the file's bytes as DER, so it cannot "
                         "match a server certificate")
        kept.append(name)
    if len(certs) > _MAX_CERTS:
        reading.unread.append(f"only {_MAX_CERTS} of {len(certs)} .cer files were read")
    return kept, notes, broken


def _trust_calls(bundle: Bundle, calls: list[tuple[str, str, str, str, str]],
                 reading: _Reading) -> None:
    """Turn the advanced-http and certificates-plugin calls into trust items."""
    hosts = tuple(reading.request_hosts)
    requested = (f" (the app requests {', '.join(hosts[:4])}" + (" …" if len(hosts) > 4 else "")
                 + ")" if hosts else "")
    scope = "for requests made through the plugin" + requested
    certificates: tuple[list[str], list[str], bool] | None = None
    for name, method, arg, receiver, element in calls:
        where = Location(name, element)
        shown = f"{receiver + '.' if receiver else ''}{method}({' '.join(arg.split())[:80]})"
        value = _literal(arg)
        if method == "trustUnsecureCerts":
            if value is True:
                reading.add(TrustKind.TRUST_ALL, where,
                            f"{shown}: cordova-plugin-certificates makes the WebView accept "
                            "untrusted certificates")
            elif value is None:
                reading.add(TrustKind.CALLBACK, where,
                            f"{shown}: whether the WebView accepts untrusted certificates is "
                            "set from a variable")
            continue
        if method in ("enableSSLPinning", "acceptAllCerts"):
            # NOTE: the 1.x API is mapped to the modes that replaced it. Its oldest releases
            # (cordovaHTTP) loaded .cer files from the root of the assets or bundle, not from
            # www/certificates; only www/certificates is looked at here.
            mode = {("acceptAllCerts", True): "nocheck", ("enableSSLPinning", True): "pinned"}
            value = mode.get((method, value), "default") if isinstance(value, bool) else value
        if not isinstance(value, str):
            reading.add(TrustKind.CALLBACK, where,
                        f"{shown}: cordova-plugin-advanced-http trust mode set from a variable "
                        f"{scope}; which mode it is cannot be told statically", hosts=hosts)
        elif value == "nocheck":
            reading.add(TrustKind.TRUST_ALL, where,
                        f"{shown}: cordova-plugin-advanced-http 'nocheck' mode accepts every "
                        f"certificate and host name {scope}", hosts=hosts)
        elif value == "pinned":
            if certificates is None:
                certificates = _bundled_certificates(bundle, reading)
            files, notes, broken = certificates
            if broken and reading.platform is Platform.ANDROID:
                # CordovaServerTrust loads every .cer file before it switches: one that
                # CertificateFactory rejects makes the call fail, and the mode stays.
                files = []
                notes = ["the switch fails on Android, so the previous mode (the system's "
                         "CAs unless set otherwise) stays in use", *notes]
            what = (f"trusts only the {len(files)} certificate(s) in www/certificates "
                    "(Android: as the only trust anchors; iOS: by their exact bytes) "
                    + scope if files else "finds no usable .cer file in www/certificates: "
                    "every TLS request made through the plugin fails" + requested)
            reading.add(TrustKind.PINS, where,
                        f"{shown}: cordova-plugin-advanced-http 'pinned' mode {what}"
                        + ("; " + "; ".join(notes) if notes else ""),
                        hosts=hosts, certificates=files)
        elif value in _MODES:
            reading.read.append(f"{name}:{element}: {shown}: cordova-plugin-advanced-http "
                                f"'{value}' mode trusts {_MODES[value]}")
        else:
            reading.read.append(f"{name}:{element}: {shown}: not a trust mode of "
                                "cordova-plugin-advanced-http, which rejects it")


# --- config.xml -------------------------------------------------------------------------------


def _config_xml_names(reading: _Reading) -> list[str]:
    if reading.platform is Platform.ANDROID:
        return [n for n in reading.names if n == "res/xml/config.xml"]
    return [n for n in reading.names if app_relative(n) == "config.xml"]


def _read_config_xml(bundle: Bundle, reading: _Reading) -> None:
    """``<access>``, ``<allow-navigation>``, TLS-related preferences and ``<feature>``s."""
    names = _config_xml_names(reading)
    if not names:
        if reading.framework == "cordova":
            reading.unread.append("no config.xml in the app")
        return
    name = names[0]
    data = _read_entry(bundle, name, _MAX_CONFIG, reading)
    if data is None:
        return
    try:
        root = parse_android_xml(data, name)
    except FactError as exc:
        reading.skipped.append(Skipped(name, exc.message))
        reading.unread.append(f"{name}: not read ({exc.message})")
        return
    features: list[str] = []
    for index, element in enumerate(root.iter()):
        if index >= _MAX_ELEMENTS:
            reading.unread.append(f"{name}: only the first {_MAX_ELEMENTS} elements were read")
            break
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        if tag == "access":
            _access(name, element.get("origin") or "", reading)
        elif tag == "allow-navigation":
            _navigation(name, element.get("href") or "", reading)
        elif tag == "preference":
            _preference(name, element.get("name") or "", element.get("value") or "", reading)
        elif tag == "content":
            _content(name, element.get("src") or "", reading)
        elif tag == "feature" and element.get("name"):
            features.append(element.get("name") or "")
            reading.plugin(element.get("name") or "", name)
    reading.read.append(f"{name}: access, allow-navigation and preference elements")
    if features:
        reading.read.append(f"{name}: native plugins declared: "
                            + ", ".join(sorted(set(features))[:40]))


def _access(name: str, origin: str, reading: _Reading) -> None:
    where = Location(name, f"access[@origin='{origin[:200]}']")
    if origin.strip() == "*" and reading.framework == "capacitor":
        # Capacitor writes this element unless cordova.accessOrigins says otherwise; only
        # the few Cordova plugins that honour the allow list read it, not the WebView.
        reading.read.append(f"{name}: <access origin=\"*\">, Capacitor's default for its "
                            "Cordova plugins")
    elif origin.strip() == "*":
        reading.add(TrustKind.WEAK_SETTING, where,
                    "<access origin=\"*\">: Cordova's allow list lets requests reach every "
                    "origin, cleartext http:// included")
    elif origin.lower().startswith("http://"):
        host = urlsplit(origin).hostname or ""
        reading.add(TrustKind.WEAK_SETTING, where,
                    f"<access origin=\"{origin}\">: cleartext http:// requests are allowed",
                    hosts=(host,) if host and "*" not in host else ())
        reading.url(origin, name)
    elif origin.lower().startswith("https://"):
        reading.url(origin, name)


def _content(name: str, src: str, reading: _Reading) -> None:
    """``<content src>``: the start page, in the bundle or on a server."""
    if src.lower().startswith("http://"):
        host = urlsplit(src).hostname
        reading.add(TrustKind.WEAK_SETTING, Location(name, f"content[@src='{src[:200]}']"),
                    f"<content src=\"{src[:200]}\">: the app's start page is loaded over "
                    "cleartext http://", hosts=(host,) if host else ())
        reading.url(src, name)
    elif src.lower().startswith("https://"):
        reading.read.append(f"{name}: the start page is loaded from {src[:200]}")
        reading.url(src, name)


def _navigation(name: str, href: str, reading: _Reading) -> None:
    where = Location(name, f"allow-navigation[@href='{href[:200]}']")
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if href.strip() == "*" or scheme in ("http", "*"):
        reading.add(TrustKind.WEAK_SETTING, where,
                    f"<allow-navigation href=\"{href}\">: the WebView may navigate to "
                    "cleartext http:// pages" + ("" if scheme == "http" else
                                                  " (any origin, any scheme)"))
    if scheme in ("http", "https") and "*" not in href:
        reading.url(href, name)


def _preference(name: str, key: str, value: str, reading: _Reading) -> None:
    # CordovaPreferences looks names up case-insensitively.
    where = Location(name, f"preference[@name='{key[:100]}']")
    lowered, val = key.lower(), value.strip().lower()
    if lowered == "androidinsecurefilemodeenabled" and val == "true":
        reading.add(TrustKind.WEAK_SETTING, where,
                    "AndroidInsecureFileModeEnabled=true: the app is served from "
                    "file:///android_asset/www/ instead of a secure https://localhost origin")
    elif lowered == "scheme" and val == "http" and reading.platform is Platform.ANDROID:
        reading.add(TrustKind.WEAK_SETTING, where,
                    "scheme=http: the app is served from http://localhost, not a secure "
                    "context, so the WebView does not block cleartext http:// requests as "
                    "mixed content")
    elif lowered in ("hostname", "scheme"):
        reading.read.append(f"{name}: preference {key}={value[:100]}")


# --- Capacitor --------------------------------------------------------------------------------


def _capacitor_config(bundle: Bundle, evidence: tuple[str, ...], reading: _Reading) -> None:
    """``capacitor.config.json``: server and android settings, plugin configuration."""
    name = evidence[0]
    data = _read_entry(bundle, name, _MAX_CONFIG, reading)
    if data is None:
        return
    config = _json(name, data, reading)
    if not isinstance(config, dict):
        if config is not None:
            reading.skipped.append(Skipped(name, "not a JSON object"))
            reading.unread.append(f"{name}: not a JSON object: not read")
        return
    server, android = _object(config.get("server")), _object(config.get("android"))
    plugins = _object(config.get("plugins"))
    if server.get("cleartext") is True and reading.platform is Platform.ANDROID:
        reading.add(TrustKind.WEAK_SETTING, Location(name, "server.cleartext"),
                    "server.cleartext: true allows cleartext http:// traffic in the WebView "
                    "(meant for live-reload servers, not production)")
    url = server.get("url")
    if isinstance(url, str) and url:
        reading.url(url, name)
        host = urlsplit(url).hostname if url.lower().startswith(("http:", "https:")) else None
        if url.lower().startswith("http://"):
            reading.add(TrustKind.WEAK_SETTING, Location(name, "server.url"),
                        f"server.url {url[:200]}: the WebView loads the app over cleartext "
                        "http://", hosts=(host,) if host else ())
        else:
            reading.read.append(f"{name}: server.url {url[:200]}: the app's content is loaded "
                                "from a server, not from the bundle")
    scheme = server.get("androidScheme")
    if isinstance(scheme, str) and scheme.lower() == "http" and (
            reading.platform is Platform.ANDROID):
        reading.add(TrustKind.WEAK_SETTING, Location(name, "server.androidScheme"),
                    "server.androidScheme: \"http\": the app is served from http://localhost, "
                    "not a secure context, so cleartext http:// requests are not blocked as "
                    "mixed content")
    if android.get("allowMixedContent") is True and reading.platform is Platform.ANDROID:
        reading.add(TrustKind.WEAK_SETTING, Location(name, "android.allowMixedContent"),
                    "android.allowMixedContent: true lets https pages load http:// content "
                    "(MIXED_CONTENT_ALWAYS_ALLOW)")
    for entry in _strings(server.get("allowNavigation"), _MAX_URLS):
        if entry.lower().startswith(("http://", "https://")):
            reading.url(entry, name)
    _capacitor_plugins(name, plugins, reading)
    classes = config.get("packageClassList")
    if isinstance(classes, list):
        for cls in classes[:500]:
            if isinstance(cls, str):
                reading.plugin(cls, name)
        reading.read.append(f"{name}: packageClassList names {len(classes)} native plugin(s)")
    reading.read.append(f"{name}: server, android and plugins settings")


def _object(value: object) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a hostile config may hold any type)."""
    return value if isinstance(value, dict) else {}


def _strings(value: object, limit: int) -> list[str]:
    """The strings of a JSON list, at most ``limit`` of them."""
    return [v for v in value[:limit] if isinstance(v, str)] if isinstance(value, list) else []


def _json(name: str, data: bytes, reading: _Reading) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        reason = f"malformed JSON ({type(exc).__name__})"
        reading.skipped.append(Skipped(name, reason))
        reading.unread.append(f"{name}: {reason}: not read")
        return None


def _capacitor_plugins(name: str, plugins: dict[str, Any], reading: _Reading) -> None:
    http = plugins.get("CapacitorHttp")
    if isinstance(http, dict) and http.get("enabled") is True:
        reading.read.append(f"{name}: plugins.CapacitorHttp.enabled: fetch and XMLHttpRequest "
                            "go through the native HTTP client, under the platform's trust "
                            "configuration (network security config, ATS)")
    pinning = plugins.get("SSLPinning")
    if isinstance(pinning, dict):
        _ssl_pinning(name, pinning, reading)
    elif pinning is not None:
        reading.unread.append(f"{name}: plugins.SSLPinning is not an object: not read")


def _ssl_pinning(name: str, block: dict[str, Any], reading: _Reading) -> None:
    """``plugins.SSLPinning`` of @capgo/capacitor-ssl-pinning: ``certs`` (paths relative to
    the app's root) and ``excludedDomains`` (URLs that bypass pinning).

    NOTE: the keys follow the plugin's published documentation (``SSLPinningConfigurationState``);
    its npm package could not be fetched here to check where the native code looks the files
    up, so both the path as given and the same path under the web assets are tried.
    See: https://capgo.app/docs/plugins/ssl-pinning/
    """
    reading.plugin("@capgo/capacitor-ssl-pinning", name)
    certs = _strings(block.get("certs"), _MAX_CERTS)
    excluded = _strings(block.get("excludedDomains"), 100)
    found: list[str] = []
    missing: list[str] = []
    names = set(reading.names)
    for cert in certs:
        path = cert.lstrip("./")
        candidates = [reading.entry(("assets/" if reading.platform is Platform.ANDROID else "")
                                    + prefix + path) for prefix in ("", "public/")]
        hit = next((c for c in candidates if c in names), None)
        if hit:
            found.append(hit)
        else:
            missing.append(cert)
    evidence = (f"@capgo/capacitor-ssl-pinning pins CapacitorHttp requests to {len(found)} "
                "bundled certificate(s)")
    if missing:
        evidence += f"; not in the bundle: {', '.join(missing[:4])}"
    if not certs:
        evidence += "; plugins.SSLPinning lists no certificate"
    if excluded:
        evidence += f"; pinning is bypassed for {', '.join(excluded[:4])}"
        for url in excluded:
            reading.url(url, name)
    reading.add(TrustKind.PINS, Location(name, "plugins.SSLPinning"), evidence,
                certificates=found)


def _capacitor_plugin_list(bundle: Bundle, reading: _Reading) -> None:
    """``assets/capacitor.plugins.json``: ``[{"pkg": ..., "classpath": ...}]``."""
    name = "assets/capacitor.plugins.json"
    if reading.platform is not Platform.ANDROID or name not in bundle.entries:
        return
    data = _read_entry(bundle, name, _MAX_CONFIG, reading)
    listed = _json(name, data, reading) if data is not None else None
    if not isinstance(listed, list):
        if data is not None and listed is not None:
            reading.unread.append(f"{name}: not a JSON list: not read")
        return
    packages = [p.get("pkg") for p in listed[:500] if isinstance(p, dict)]
    for package in packages:
        if isinstance(package, str):
            reading.plugin(package, name)
    reading.read.append(f"{name}: {len(packages)} native plugin(s)")


def _plugin_findings(reading: _Reading, calls: list[tuple[str, str, str, str, str]]) -> None:
    """Plugins that act once installed, and installed ones whose set-up was not seen."""
    if "@jcesarmobile/ssl-skip" in reading.plugins:
        where = reading.plugins["@jcesarmobile/ssl-skip"]
        reading.add(TrustKind.TRUST_ALL, Location(where, "@jcesarmobile/ssl-skip"),
                    "@jcesarmobile/ssl-skip is installed: once loaded it accepts every "
                    "certificate and host name (HttpsURLConnection defaults on Android, the "
                    "WebView's challenges on iOS); it is meant for development only")
    pinning = "@capgo/capacitor-ssl-pinning"
    if pinning in reading.plugins and not any(
            t.location.element == "plugins.SSLPinning" for t in reading.trust):
        reading.add(TrustKind.PINNING_LIBRARY, Location(reading.plugins[pinning], pinning),
                    f"{pinning} is installed but capacitor.config.json has no "
                    "plugins.SSLPinning block that pinscan could read")
    checker = "cordova-plugin-sslcertificatechecker"
    if checker in reading.plugins and not any(
            t.evidence.startswith(checker) for t in reading.trust):
        reading.add(TrustKind.PINNING_LIBRARY, Location(reading.plugins[checker], checker),
                    f"{checker} is installed; no check() call with readable arguments was "
                    "found in the scripts searched")
    http = "cordova-plugin-advanced-http"
    if http in reading.plugins:
        methods = {c[1] for c in calls} - {"trustUnsecureCerts"}
        reading.read.append(
            f"{http} is installed (seen in {reading.plugins[http]})"
            + ("" if methods else "; no trust-mode call was found in the scripts searched, "
               "so it uses the system's CA certificates ('default')"))
    if reading.plugins:
        reading.read.append("native plugins that matter to TLS: "
                            + ", ".join(sorted(reading.plugins)))


# --- readers ----------------------------------------------------------------------------------


def _read(framework: str, bundle: Bundle, evidence: tuple[str, ...],
          platform: Platform) -> FrameworkReading:
    reading = _Reading(framework, platform, bundle.names())
    if framework == "capacitor":
        _capacitor_config(bundle, evidence, reading)
        _capacitor_plugin_list(bundle, reading)
    _read_config_xml(bundle, reading)
    calls = _scan_scripts(bundle, reading)
    _trust_calls(bundle, calls, reading)
    _plugin_findings(reading, calls)
    reading.unread.append("calls whose receiver or mode is built at run time, and requests the "
                          "WebView itself makes, are not followed")
    _logger.debug("%s: %s: %d trust item(s)", bundle.path.name, framework, len(reading.trust))
    return reading.finish(evidence)


class CordovaReader:
    """Recognises a Cordova app by ``cordova.js`` among its web assets."""

    name = "cordova"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = [n for n in names if n in ("assets/www/cordova.js", "res/xml/config.xml")]
        else:
            found = under(names, ("www/cordova.js",), platform)
        return tuple(found) if any(n.endswith("cordova.js") for n in found) else ()

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        """Read config.xml and the scripts under ``www/``; see the module's docstring."""
        return _read(self.name, bundle, evidence, platform)


class CapacitorReader:
    """Recognises a Capacitor app by ``capacitor.config.json``."""

    name = "capacitor"

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        if platform is Platform.ANDROID:
            found = [n for n in names if n == "assets/capacitor.config.json"]
        else:
            found = [n for n in names if app_relative(n) == "capacitor.config.json"]
        return tuple(found)

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        """Read capacitor.config.json, the plugin list, config.xml and the scripts under
        ``public/``; see the module's docstring."""
        return _read(self.name, bundle, evidence, platform)


CORDOVA = CordovaReader()
CAPACITOR = CapacitorReader()
