"""Cordova and Capacitor configuration: config.xml, capacitor.config.json, the plugin list.

What is read:

* Cordova ``config.xml``: ``<access origin>``, ``<allow-navigation href>``, the preferences
  ``AndroidInsecureFileModeEnabled`` and ``scheme`` (read by cordova-android's
  ``ConfigXmlParser``), and the ``<feature>`` elements that declare native plugins.
* ``capacitor.config.json``: ``server.cleartext``, ``server.url``, ``server.androidScheme``,
  ``android.allowMixedContent`` (keys of @capacitor/cli's ``CapacitorConfig``),
  ``plugins.CapacitorHttp`` and ``plugins.SSLPinning`` (@capgo/capacitor-ssl-pinning);
  ``capacitor.plugins.json`` (Android) or ``packageClassList`` (iOS) name the native plugins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.facts.frameworks import (
    FrameworkReading,
    FrameworkTrust,
    TrustKind,
    app_relative,
    url_host,
)
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

MiB = 1024 * 1024
MAX_CONFIG = 4 * MiB  # config.xml, capacitor.config.json, capacitor.plugins.json
MAX_CERTS = 64
MAX_FOUND = 300  # trust items kept
_MAX_URLS = 1000
_MAX_ELEMENTS = 20_000  # config.xml elements looked at

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


@dataclass
class Reading:
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
        if len(self.trust) < MAX_FOUND:
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


def read_entry(bundle: Bundle, name: str, limit: int, reading: Reading) -> bytes | None:
    """The entry's bytes, or None (with a Skipped and an unread line) when it cannot be read."""
    size = bundle.entries[name].size if name in bundle.entries else 0
    if size > limit:
        reason = (f"{size // MiB} MiB, larger than the {limit // MiB} MiB pinscan reads "
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


# --- config.xml -------------------------------------------------------------------------------


def _config_xml_names(reading: Reading) -> list[str]:
    if reading.platform is Platform.ANDROID:
        return [n for n in reading.names if n == "res/xml/config.xml"]
    return [n for n in reading.names if app_relative(n) == "config.xml"]


def read_config_xml(bundle: Bundle, reading: Reading) -> None:
    """``<access>``, ``<allow-navigation>``, TLS-related preferences and ``<feature>``s."""
    names = _config_xml_names(reading)
    if not names:
        if reading.framework == "cordova":
            reading.unread.append("no config.xml in the app")
        return
    name = names[0]
    data = read_entry(bundle, name, MAX_CONFIG, reading)
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


def _access(name: str, origin: str, reading: Reading) -> None:
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
        host = url_host(origin) or ""
        reading.add(TrustKind.WEAK_SETTING, where,
                    f"<access origin=\"{origin}\">: cleartext http:// requests are allowed",
                    hosts=(host,) if host and "*" not in host else ())
        reading.url(origin, name)
    elif origin.lower().startswith("https://"):
        reading.url(origin, name)


def _content(name: str, src: str, reading: Reading) -> None:
    """``<content src>``: the start page, in the bundle or on a server."""
    if src.lower().startswith("http://"):
        host = url_host(src)
        reading.add(TrustKind.WEAK_SETTING, Location(name, f"content[@src='{src[:200]}']"),
                    f"<content src=\"{src[:200]}\">: the app's start page is loaded over "
                    "cleartext http://", hosts=(host,) if host else ())
        reading.url(src, name)
    elif src.lower().startswith("https://"):
        reading.read.append(f"{name}: the start page is loaded from {src[:200]}")
        reading.url(src, name)


def _navigation(name: str, href: str, reading: Reading) -> None:
    where = Location(name, f"allow-navigation[@href='{href[:200]}']")
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    if href.strip() == "*" or scheme in ("http", "*"):
        reading.add(TrustKind.WEAK_SETTING, where,
                    f"<allow-navigation href=\"{href}\">: the WebView may navigate to "
                    "cleartext http:// pages" + ("" if scheme == "http" else
                                                  " (any origin, any scheme)"))
    if scheme in ("http", "https") and "*" not in href:
        reading.url(href, name)


def _preference(name: str, key: str, value: str, reading: Reading) -> None:
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


def capacitor_config(bundle: Bundle, evidence: tuple[str, ...], reading: Reading) -> None:
    """``capacitor.config.json``: server and android settings, plugin configuration."""
    name = evidence[0]
    data = read_entry(bundle, name, MAX_CONFIG, reading)
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
        host = url_host(url) if url.lower().startswith(("http:", "https:")) else None
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


def _json(name: str, data: bytes, reading: Reading) -> object:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        reason = f"malformed JSON ({type(exc).__name__})"
        reading.skipped.append(Skipped(name, reason))
        reading.unread.append(f"{name}: {reason}: not read")
        return None


def _capacitor_plugins(name: str, plugins: dict[str, Any], reading: Reading) -> None:
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


def _ssl_pinning(name: str, block: dict[str, Any], reading: Reading) -> None:
    """``plugins.SSLPinning`` of @capgo/capacitor-ssl-pinning: ``certs`` (paths relative to
    the app's root) and ``excludedDomains`` (URLs that bypass pinning).

    NOTE: the keys follow the plugin's published documentation (``SSLPinningConfigurationState``);
    its npm package could not be fetched here to check where the native code looks the files
    up, so both the path as given and the same path under the web assets are tried.
    See: https://capgo.app/docs/plugins/ssl-pinning/
    """
    reading.plugin("@capgo/capacitor-ssl-pinning", name)
    certs = _strings(block.get("certs"), MAX_CERTS)
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


def capacitor_plugin_list(bundle: Bundle, reading: Reading) -> None:
    """``assets/capacitor.plugins.json``: ``[{"pkg": ..., "classpath": ...}]``."""
    name = "assets/capacitor.plugins.json"
    if reading.platform is not Platform.ANDROID or name not in bundle.entries:
        return
    data = read_entry(bundle, name, MAX_CONFIG, reading)
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


def plugin_findings(reading: Reading, calls: list[tuple[str, str, str, str, str]]) -> None:
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
