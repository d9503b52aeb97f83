"""Rate the trust decisions found in cross-platform frameworks' code and configuration.

The framework readers (:mod:`mstg_pinscan.facts.frameworks`) report what they found; here
each finding becomes a rated decision, pinned hosts join the host table with the framework's
own protection label, and what could not be read or tied to a host reaches the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.code import code_location, parse_okhttp_pin
from mstg_pinscan.evaluate.hosts import EVERY_OTHER_HOST, add_code_pins
from mstg_pinscan.evaluate.levels import LevelIndex
from mstg_pinscan.facts.code import CodeFacts
from mstg_pinscan.facts.frameworks import FrameworkFacts, FrameworkTrust, TrustKind
from mstg_pinscan.facts.macho import BinaryEvidence
from mstg_pinscan.models import CertificateInfo, Decision, HostPin, HostRow, Location, Skipped

RULES_USED = {
    "framework-detected", "framework-pins", "framework-single-pin", "framework-pins-unread",
    "framework-own-trust-store", "framework-trust-all", "framework-validation-callback",
    "framework-weak-setting", "framework-platform-pins-bypassed", "framework-native-client",
}
# Protection labels of the host table that come from the platform's own configuration.
PLATFORM_PROTECTION = ("nsc-pin-set", "ats-pinned-domains", "trustkit", "okhttp-pins")
_CERT_PIN = "cert-sha256/"
_DART_SNAPSHOTS = ("libapp.so", "App.framework/App")  # where Flutter keeps the Dart code
_SESSION_HOOK = "_RCTSetCustomNSURLSessionConfigurationProvider"


@dataclass
class FrameworkOutcome:
    """What the frameworks add to an app's result."""

    decisions: list[Decision] = field(default_factory=list)
    # host -> (protection label, its pins with whether each can match a key)
    pinned: dict[str, tuple[str, list[tuple[HostPin, bool]]]] = field(default_factory=dict)
    own_store_hosts: dict[str, str] = field(default_factory=dict)  # host -> where
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def hosts(self) -> list[str]:
        """Hosts the frameworks pin or limit to the app's certificates."""
        return sorted({*self.pinned, *self.own_store_hosts})


def evaluate_frameworks(
    facts: FrameworkFacts, catalog: Catalog, levels: LevelIndex,
    certificates: tuple[CertificateInfo, ...],
) -> FrameworkOutcome:
    """Rate every framework finding; see :func:`platform_pins_bypassed` for Flutter."""
    outcome = FrameworkOutcome()
    # What a reader skipped it also lists as unread, as "ITEM: REASON": listed once.
    said = {f"{s.item}: {s.reason}" for s in facts.skipped}
    for info in facts.frameworks:
        where = Location(info.evidence[0]) if info.evidence else Location("(bundle)")
        read = "; ".join(info.read) or "nothing beyond its files"
        unread = "; ".join(info.unread)
        evidence = f"{info.name}: read {read}" + (f"; not read: {unread}" if unread else "")
        outcome.decisions.append(catalog.decide("framework-detected", where, evidence))
        outcome.skipped += [Skipped(where.file, f"{info.name}: {what}")
                            for what in info.unread if what not in said]
    for trust in facts.trust:
        _rate(trust, catalog, levels, certificates, outcome)
    outcome.skipped += facts.skipped
    return outcome


def unattributed(facts: FrameworkFacts) -> list[str]:
    """Pinning in the frameworks that cannot be tied to hosts, in words."""
    found = []
    for trust in facts.trust:
        name = trust.framework
        if trust.kind is TrustKind.PINNING_LIBRARY:
            found.append(f"a {name} pinning library whose setup cannot be read")
        elif trust.kind is TrustKind.OWN_STORE and not trust.hosts:
            found.append(f"an own trust store in {name} code")
        elif trust.kind is TrustKind.PINS and not (trust.hosts and (trust.pins
                                                                   or trust.certificates)):
            found.append(f"{name} pinning whose hosts or pins cannot be read")
        elif trust.kind is TrustKind.CALLBACK and name != "flutter":
            # Dart's badCertificateCallback only sees rejected chains: it cannot pin.
            found.append(f"a {name} certificate-validation callback")
    return list(dict.fromkeys(found))


def _rate(trust: FrameworkTrust, catalog: Catalog, levels: LevelIndex,
          certificates: tuple[CertificateInfo, ...], outcome: FrameworkOutcome) -> None:
    if trust.kind is TrustKind.TRUST_ALL:
        outcome.decisions += _per_host(catalog, "framework-trust-all", trust)
    elif trust.kind is TrustKind.CALLBACK:
        outcome.decisions += _per_host(catalog, "framework-validation-callback", trust)
    elif trust.kind is TrustKind.WEAK_SETTING:
        outcome.decisions += _per_host(catalog, "framework-weak-setting", trust)
    elif trust.kind is TrustKind.PINNING_LIBRARY:
        outcome.decisions.append(catalog.decide("framework-pins-unread", trust.location,
                                                trust.evidence))
    elif trust.kind is TrustKind.OWN_STORE:
        outcome.decisions += _per_host(catalog, "framework-own-trust-store", trust)
        for host in trust.hosts:
            outcome.own_store_hosts.setdefault(host.lower(), str(trust.location))
    else:
        _rate_pins(trust, catalog, levels, certificates, outcome)


def _rate_pins(trust: FrameworkTrust, catalog: Catalog, levels: LevelIndex,
               certificates: tuple[CertificateInfo, ...], outcome: FrameworkOutcome) -> None:
    pins = _host_pins(trust, levels, certificates)
    usable = {pin.value for pin, ok in pins if ok}
    if not usable or not trust.hosts:
        what = "no pin or certificate could be read" if not usable else (
            f"{len(usable)} pin(s) whose hosts cannot be told statically")
        outcome.decisions.append(catalog.decide("framework-pins-unread", trust.location,
                                                f"{trust.evidence} ({what})"))
        return
    rule = "framework-pins" if len(usable) >= 2 else "framework-single-pin"
    shown = ", ".join(sorted(usable)[:4]) + (" …" if len(usable) > 4 else "")
    for host in trust.hosts:
        outcome.decisions.append(catalog.decide(
            rule, trust.location, f"{trust.evidence}; {len(usable)} pin(s): {shown}",
            host=host))
        label, known = outcome.pinned.setdefault(host.lower(), (f"{trust.framework}-pins", []))
        known += [(p, ok) for p, ok in pins if p.value not in {k.value for k, _ in known}]


def _host_pins(trust: FrameworkTrust, levels: LevelIndex,
               certificates: tuple[CertificateInfo, ...]) -> list[tuple[HostPin, bool]]:
    """The decision's pins as host-table pins, with whether each can match a key.

    A certificate fingerprint or a certificate file pins that certificate; when the bundle
    holds it, it is shown as the certificate's key pin so that its level can be told.
    """
    source = str(trust.location)
    found: list[tuple[HostPin, bool]] = []

    def add_certificate(cert: CertificateInfo) -> None:
        level = levels.classify(cert.spki_sha256).level
        found.append((HostPin(cert.spki_sha256, level, cert.path, source), True))

    by_fingerprint = {c.sha256: c for c in certificates}
    for text in trust.pins:
        if text.startswith(_CERT_PIN):
            digest = text[len(_CERT_PIN):].lower()
            if digest in by_fingerprint:
                add_certificate(by_fingerprint[digest])
            else:
                level = levels.classify(text).level
                found.append((HostPin(text, level, None, source), len(digest) == 64))
            continue
        pin = parse_okhttp_pin(text)
        if pin.value is None:
            continue
        classified = levels.classify(pin.value)
        where = classified.certificate.path if classified.certificate else None
        found.append((HostPin(pin.value, classified.level, where, source), pin.usable))
    for path in trust.certificates:
        for cert in certificates:
            if cert.path == path or cert.path.startswith(path + "#"):
                add_certificate(cert)
    return found


def _per_host(catalog: Catalog, rule: str, trust: FrameworkTrust) -> list[Decision]:
    hosts = trust.hosts or (None,)
    return [catalog.decide(rule, trust.location, trust.evidence, host=host) for host in hosts]


def join_framework_hosts(rows: list[HostRow], outcome: FrameworkOutcome) -> list[HostRow]:
    """Add the frameworks' protection to the host rows they cover, and a row for each
    framework host the table lacks (first-party: the app pins it)."""
    known = {row.host for row in rows}
    rows = rows + [HostRow(host=host, include_subdomains=host.startswith("*."), first_party=True,
                           protection=(), pins=(), expires=None, backup_pin=False,
                           trust_anchors=("system",), cleartext_permitted=False, level=None,
                           sources=()) for host in outcome.hosts if host not in known]
    by_label: dict[str, dict[str, list[tuple[HostPin, bool]]]] = {}
    for pattern, (label, pins) in outcome.pinned.items():
        by_label.setdefault(label, {})[pattern] = pins
    for label, patterns in by_label.items():
        rows = add_code_pins(rows, patterns, label, _covers)
    return [_own_store(row, outcome.own_store_hosts) for row in rows]


def _covers(pattern: str, host: str) -> bool:
    """A framework host pattern: ``host``, or ``*.parent`` for every subdomain of parent."""
    pattern, host = pattern.lower(), host.lower()
    return pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:]))


def _own_store(row: HostRow, stores: Mapping[str, str]) -> HostRow:
    """``row`` with the framework's own trust store among its protections, when one covers
    it."""
    where = [stores[p] for p in stores if row.host != EVERY_OTHER_HOST and _covers(p, row.host)]
    if not where:
        return row
    protection = row.protection + (() if "own-trust-store" in row.protection
                                   else ("own-trust-store",))
    return replace(row, protection=protection,
                   sources=tuple(dict.fromkeys((*row.sources, *where))))


def platform_pins_bypassed(
    facts: FrameworkFacts, catalog: Catalog, rows: list[HostRow], where: Location,
) -> list[Decision]:
    """Flutter apps that pin only in the platform's configuration: Dart's HttpClient does not
    apply it, so their Dart traffic is unpinned."""
    if not facts.has("flutter"):
        return []
    dart_pinning = any(t.framework == "flutter" and t.kind in (TrustKind.PINS,
                                                             TrustKind.OWN_STORE)
                       for t in facts.trust)
    # A snapshot that could not be read may pin: nothing can be said of it then.
    dart_unread = any(s.item.endswith(_DART_SNAPSHOTS) for s in facts.skipped)
    # Any own trust store in the table is the platform's here: Dart code sets none.
    platform = (*PLATFORM_PROTECTION, "own-trust-store")
    platform_pinned = sorted(r.host for r in rows if any(p in platform for p in r.protection))
    if dart_pinning or dart_unread or not platform_pinned:
        return []
    names = ", ".join(platform_pinned[:4]) + (" …" if len(platform_pinned) > 4 else "")
    return [catalog.decide(
        "framework-platform-pins-bypassed", where,
        f"{names} pinned by the platform configuration only; the Dart snapshot shows no pins "
        "or own trust store, so requests made with Dart's HttpClient are not pinned")]


def react_native_client(
    facts: FrameworkFacts, code: CodeFacts | None, catalog: Catalog, where: Location,
) -> list[Decision]:
    """How React Native's OkHttp client is set up on Android, from the DEX code."""
    if not facts.has("react-native") or code is None:
        return []
    installs, factories = code.client_factory_installs, code.client_factories
    if not installs and not factories:
        return [catalog.decide(
            "framework-native-client", where,
            "no OkHttpClientFactory in the code: fetch, XMLHttpRequest and WebSocket use React "
            "Native's default OkHttp client on the platform's trust manager, so the network "
            "security configuration, pin-sets included, applies to them")]
    owners = tuple(f + "$" for f in factories)
    pinned = sorted({c.pattern or "(host computed at run time)" for c in code.pinner_calls
                     if c.location.method.readable_class in factories
                     or c.location.method.readable_class.startswith(owners)})
    where_set = ", ".join(str(i) for i in installs[:3]) or "no call site found"
    what = (f"CertificatePinner calls in them pin {', '.join(pinned[:6])} (rated as OkHttp "
            "pinning)" if pinned else "no CertificatePinner call in them: the client they "
            "build pins only what the network security configuration pins, unless it drops "
            "the platform's trust manager")
    location = code_location(installs[0]) if installs else where
    return [catalog.decide(
        "framework-native-client", location,
        f"the app installs its own OkHttpClientFactory for React Native's requests "
        f"(OkHttpClientProvider.setOkHttpClientFactory at {where_set}); factory classes: "
        f"{', '.join(factories[:4]) or 'not found in the code'}; {what}")]


def react_native_session(
    facts: FrameworkFacts, evidence: Sequence[BinaryEvidence], catalog: Catalog,
    where: Location,
) -> list[Decision]:
    """How React Native's NSURLSession is set up on iOS, from the binaries' imports.

    NOTE: the provider call is seen only when React Native is a dylib the app imports it
    from; linked in statically, it is a direct branch pinscan does not follow.
    """
    if not facts.has("react-native"):
        return []
    callers = [e.file for e in evidence if _SESSION_HOOK in e.union("hooks")]
    ats = ("App Transport Security, NSPinnedDomains included, governs that session whatever "
           "its configuration; TrustKit and challenge handlers in the binary are rated "
           "with it")
    if callers:
        return [catalog.decide(
            "framework-native-client", Location(callers[0], _SESSION_HOOK.lstrip("_")),
            f"the app sets its own NSURLSessionConfiguration for React Native's requests "
            f"(RCTSetCustomNSURLSessionConfigurationProvider, imported by "
            f"{', '.join(callers[:3])}); {ats}")]
    return [catalog.decide(
        "framework-native-client", where,
        "no custom NSURLSessionConfiguration provider imported: React Native's fetch, "
        "XMLHttpRequest and WebSocket use its own NSURLSession (a provider set in statically "
        f"linked code would not be seen); {ats}")]
