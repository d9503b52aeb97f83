"""Cordova and Capacitor: the native HTTP plugin calls in the web assets, and the readers.

The apps' configuration (config.xml, capacitor.config.json) is read in
:mod:`mstg_pinscan.facts.frameworks.webapp_config`.

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

NOTE: the scripts are searched as text for the call shapes above, not parsed: a trust mode
held in a variable is reported as unresolved (CALLBACK), and the hosts a mode applies to are
those of literal URLs passed to the plugin's request methods. Requests the WebView makes
itself follow the platform's configuration; cordova-android's ``SystemWebViewClient`` also
proceeds past certificate errors when the app is debuggable, which the manifest tells.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    TrustKind,
    app_relative,
    under,
    url_host,
)
from mstg_pinscan.facts.frameworks.webapp_config import (
    MAX_CERTS,
    MAX_CONFIG,
    MAX_FOUND,
    MiB,
    Reading,
    capacitor_config,
    capacitor_plugin_list,
    plugin_findings,
    read_config_xml,
    read_entry,
)
from mstg_pinscan.models import Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)

_MAX_SCRIPT = 16 * MiB  # one script larger than this is skipped, not searched
_MAX_SCRIPTS_TOTAL = 64 * MiB  # bytes of scripts read from one app
_MAX_SCRIPTS = 3000  # script files read from one app
_MAX_CERT = 1 * MiB
_MAX_CALLS = 200  # calls looked at in one script
_MAX_ARGS = 4096  # characters an argument list may span
_MAX_ARG_SCAN = 1 * MiB  # characters of argument lists looked through in one script
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

_MODES = {
    "default": "the system's CA certificates",
    "legacy": "the system's CA certificates without user-installed ones (Android)",
}


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
           reading: Reading) -> list[tuple[re.Match[str], list[str], int]]:
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


def _scan_script(name: str, text: str, reading: Reading) -> list[tuple[str, str, str, str]]:
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
            host = url_host(match.group(2))
            if host and len(reading.request_hosts) < MAX_FOUND:
                reading.request_hosts[host] = None
    for match in _PLUGIN_ID.finditer(text[:MAX_CONFIG]):
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
                  reading: Reading) -> None:
    """``sslCertificateChecker.check(ok, err, URL, FINGERPRINT(S))``: a check on demand."""
    where = Location(name, f"line {line}")
    args = [_assigned(text, start, arg) for arg in args[:5]]
    server = _literal(args[2]) if len(args) > 2 else None
    hosts: tuple[str, ...] = ()
    if isinstance(server, str):
        host = url_host(server)
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


def _scan_scripts(bundle: Bundle, reading: Reading) -> list[tuple[str, str, str, str, str]]:
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
                      f"{_MAX_SCRIPTS} scripts and {_MAX_SCRIPTS_TOTAL // MiB} MiB per app")
            reading.skipped.append(Skipped(name, reason))
            reading.unread.append(reason)
            break
        data = read_entry(bundle, name, _MAX_SCRIPT, reading)
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
                          reading: Reading) -> tuple[list[str], list[str], bool]:
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
    for name in certs[:MAX_CERTS]:
        data = read_entry(bundle, name, _MAX_CERT, reading)
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
    if len(certs) > MAX_CERTS:
        reading.unread.append(f"only {MAX_CERTS} of {len(certs)} .cer files were read")
    return kept, notes, broken


def _trust_calls(bundle: Bundle, calls: list[tuple[str, str, str, str, str]],
                 reading: Reading) -> None:
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


# --- readers ----------------------------------------------------------------------------------


def _read(framework: str, bundle: Bundle, evidence: tuple[str, ...],
          platform: Platform) -> FrameworkReading:
    reading = Reading(framework, platform, bundle.names())
    if framework == "capacitor":
        capacitor_config(bundle, evidence, reading)
        capacitor_plugin_list(bundle, reading)
    read_config_xml(bundle, reading)
    calls = _scan_scripts(bundle, reading)
    _trust_calls(bundle, calls, reading)
    plugin_findings(reading, calls)
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
