"""Evaluation of an IPA: App Transport Security, TrustKit, certificates, hosts and verdict."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from mstg_pinscan.evaluate import certificates as certificate_checks
from mstg_pinscan.evaluate import frameworks
from mstg_pinscan.evaluate.apk import EvaluationOptions
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.endpoints import (
    app_domains,
    endpoints,
    is_first_party,
    is_public_suffix,
    registrable_domain,
)
from mstg_pinscan.evaluate.hosts import (
    EVERY_OTHER_HOST,
    how_known,
    is_local,
    may_cover,
    where_known,
)
from mstg_pinscan.evaluate.levels import LevelIndex, public_roots, strongest
from mstg_pinscan.evaluate.result import assemble_result, enabled
from mstg_pinscan.evaluate.verdict import decide_verdict
from mstg_pinscan.facts.code import URL_PATTERN
from mstg_pinscan.facts.frameworks import TrustKind
from mstg_pinscan.facts.ios import IosFacts, IosPart
from mstg_pinscan.facts.macho import SECURITY_SYMBOLS, BinaryEvidence
from mstg_pinscan.facts.plist import ExceptionDomain, PinnedDomain, TrustKitDomain
from mstg_pinscan.models import (
    AppInfo,
    Decision,
    HostPin,
    HostRow,
    Location,
    PinLevel,
    Platform,
    ScanResult,
    Severity,
    Skipped,
)
from mstg_pinscan.pins import looks_like_placeholder

RULES_USED = {
    "ats-pinned-domain", "ats-pinned-single-identity", "ats-pinned-identity-invalid",
    "ats-arbitrary-loads", "ats-arbitrary-loads-scoped", "ats-exception-insecure",
    "ats-certificate-transparency", "plist-ignored-key", "trustkit-ios-enforced",
    "trustkit-ios-report-only", "trustkit-ios-refused", "trustkit-ios-expired",
    "trustkit-ios-expiring", "trustkit-ios-not-bundled", "ios-part-weaker", "ios-no-pinning",
    "ios-host-not-pinned", "ios-binary-encrypted", "ios-trust-not-evaluated",
    "ios-allows-any-https-certificate", "afnetworking-invalid-certificates",
    "alamofire-disabled-evaluator", "ios-pinning-in-binary", "ats-pinning-other-tls",
    "cfstream-validation-setting",
} | frameworks.RULES_USED
_CHALLENGES = {"URLSession:didReceiveChallenge:completionHandler:",
               "URLSession:task:didReceiveChallenge:completionHandler:",
               "connection:willSendRequestForAuthenticationChallenge:",
               "connection:didReceiveAuthenticationChallenge:"}
_PINNING_TYPES = {"PinnedCertificatesTrustEvaluator", "PublicKeysTrustEvaluator"}
_EVALUATE = {"_SecTrustEvaluateWithError", "_SecTrustEvaluate", "_SecTrustEvaluateAsyncWithError"}
_KEY_INSPECTION = {"_SecCertificateCopyKey", "_SecTrustCopyKey", "_SecTrustCopyPublicKey",
                   "_SecCertificateCopyData", "_SecKeyCopyExternalRepresentation", "_CC_SHA256"}
_OLD_TLS = {"TLSv1.0", "TLSv1.1"}


@dataclass
class _HostState:
    """What the configuration says about one host, gathered before the row is made."""

    pins: list[HostPin] = field(default_factory=list)
    protection: list[str] = field(default_factory=list)
    expires: date | None = None
    backup: bool = False
    sources: list[str] = field(default_factory=list)


class IosChecks:
    """Rate one part's ATS and TrustKit settings; read :attr:`decisions` afterwards."""

    def __init__(self, catalog: Catalog, levels: LevelIndex, as_of: date, warn_days: int,
                 trustkit_bundled: bool) -> None:
        self.catalog = catalog
        self.levels = levels
        self.as_of = as_of
        self.warn_days = warn_days
        self.trustkit_bundled = trustkit_bundled
        self.decisions: list[Decision] = []

    def _add(self, name: str, location: Location, evidence: str, host: str | None = None,
             severity: Severity | None = None) -> None:
        self.decisions.append(
            self.catalog.decide(name, location, evidence, host=host, severity=severity))

    def part(self, part: IosPart) -> None:
        """Rate ``part``; the main app's pins and hosts count, the others' weaknesses warn."""
        ats = part.ats
        main = part.kind == "app"
        where = Location(part.plist, "/NSAppTransportSecurity")
        for problem in ats.problems + (part.trustkit.problems if part.trustkit else ()):
            self._add("plist-ignored-key", problem.location, problem.message)
        if not main and (ats.arbitrary_loads_effective or any(
                e.insecure_http for e in ats.exceptions)):
            self._add("ios-part-weaker", where,
                      f"{part.kind} {part.root} allows arbitrary or insecure loads in its own "
                      "Info.plist")
        if ats.arbitrary_loads_effective and main:
            self._add("ats-arbitrary-loads", where, "NSAllowsArbitraryLoads is true")
        scoped = [k for k, on in (("NSAllowsArbitraryLoadsInWebContent", ats.arbitrary_web),
                                  ("NSAllowsArbitraryLoadsForMedia", ats.arbitrary_media),
                                  ("NSAllowsLocalNetworking", ats.local_networking)) if on]
        if scoped and main:
            ignored = " (NSAllowsArbitraryLoads is then ignored on iOS 10+)" if (
                ats.arbitrary_loads) else ""
            self._add("ats-arbitrary-loads-scoped", where, f"{', '.join(scoped)}{ignored}")
        for exception in ats.exceptions if main else ():
            self._exception(exception)
        for pinned in ats.pinned if main else ():
            self._pinned(pinned)
        if part.trustkit and main:
            if not self.trustkit_bundled:
                self._add("trustkit-ios-not-bundled", Location(part.plist, "/TSKConfiguration"),
                          "TSKConfiguration present, no TrustKit framework or code found")
            for domain in part.trustkit.domains:
                self._trustkit(domain)

    def _exception(self, exception: ExceptionDomain) -> None:
        weak = []
        if exception.insecure_http:
            weak.append("plain HTTP allowed")
        if exception.minimum_tls in _OLD_TLS:
            weak.append(f"TLS down to {exception.minimum_tls}")
        if exception.forward_secrecy is False:
            weak.append("forward secrecy not required")
        if weak and exception.legacy_keys:
            weak.append(f"set with legacy keys {', '.join(exception.legacy_keys)}")
        if weak:
            self._add("ats-exception-insecure", exception.location,
                      f"{exception.name}: {'; '.join(weak)}", host=exception.name)
        if exception.requires_ct:
            self._add("ats-certificate-transparency", exception.location,
                      f"{exception.name} requires Certificate Transparency", host=exception.name)

    def _pinned(self, pinned: PinnedDomain) -> None:
        invalid = [i for i in pinned.identities if not i.pin.valid]
        for identity in invalid:
            self._add("ats-pinned-identity-invalid", identity.location,
                      f"{identity.kind} identity {identity.pin.text!r} for {pinned.name} "
                      f"{identity.pin.problem}", host=pinned.name)
        usable = _usable({i.pin.value for i in pinned.identities if i.pin.valid
                          and i.pin.digest is not None and not looks_like_placeholder(
                              i.pin.digest)})
        kinds = sorted({i.kind for i in pinned.identities})
        levels = self._levels(usable)
        if len(usable) >= 2:
            self._add("ats-pinned-domain", pinned.location,
                      f"{len(usable)} {'/'.join(kinds)} identities for {pinned.name}"
                      f"{' and subdomains' if pinned.include_subdomains else ''}; {levels}",
                      host=pinned.name)
        elif usable:
            self._add("ats-pinned-single-identity", pinned.location,
                      f"1 {'/'.join(kinds)} identity for {pinned.name}; {levels}",
                      host=pinned.name)

    def _trustkit(self, domain: TrustKitDomain) -> None:
        if domain.excluded:
            return  # excluded from its parent's policy: TrustKit ignores its other keys
        usable = _usable({h.value for h in domain.hashes if h.valid})
        bad = [h for h in domain.hashes if not h.valid]
        refused = []
        if bad:
            refused.append(f"hash {bad[0].text!r} {bad[0].problem}")
        needed = 2 if domain.enforce else 1  # TrustKit's own minimums at launch
        if len(usable) < needed:
            mode = "while enforcing" if domain.enforce else "in report-only mode"
            refused.append(f"{len(usable)} pin(s) {mode} (TrustKit needs {needed})")
        if domain.include_subdomains and is_public_suffix(domain.name):
            refused.append(f"TSKIncludeSubdomains on the public suffix {domain.name}")
        if refused:
            self._add("trustkit-ios-refused", domain.location,
                      f"{domain.name}: {'; '.join(refused)}", host=domain.name)
            return
        if domain.expiration and self.as_of >= domain.expiration:
            self._add("trustkit-ios-expired", domain.location,
                      f"{domain.name}: TSKExpirationDate {domain.expiration} has passed",
                      host=domain.name)
            return
        if domain.expiration and domain.expiration - self.as_of <= timedelta(self.warn_days):
            self._add("trustkit-ios-expiring", domain.location,
                      f"{domain.name}: pins expire on {domain.expiration}", host=domain.name)
        if not domain.enforce:
            self._add("trustkit-ios-report-only", domain.location,
                      f"{domain.name}: TSKEnforcePinning is NO", host=domain.name)
        elif len(usable) >= 2 and self.trustkit_bundled:
            self._add("trustkit-ios-enforced", domain.location,
                      f"{len(usable)} pins for {domain.name}; {self._levels(usable)}",
                      host=domain.name)

    def _levels(self, pins: list[str]) -> str:
        return "levels: " + ", ".join(f"{p} -> {self.levels.classify(p).level.value}"
                                      for p in pins)


def check_binary(catalog: Catalog, evidence: BinaryEvidence, ats_pinned: bool) -> list[Decision]:
    """Rate what one binary's names show; see facts.macho for what they can and cannot say."""
    where = Location(evidence.file)
    decisions = []

    def add(name: str, text: str) -> None:
        decisions.append(catalog.decide(name, where, text))

    imports = evidence.union("imports")
    selectors = evidence.union("selectors")
    classes = evidence.union("classes")
    swift = evidence.union("swift_types")
    cpus = ", ".join(s.cpu for s in evidence.slices)
    if evidence.encrypted:
        add("ios-binary-encrypted", f"cryptid 1 in {cpus}; only imports are readable")
    evaluates = imports & _EVALUATE
    handlers = selectors & _CHALLENGES
    per_class = _handler_class_calls(evidence)
    if per_class and "credentialForTrust:" in selectors:
        # The methods' own calls are known: judge each class that handles challenges.
        for owner, calls in sorted(per_class.items()):
            if not calls & _EVALUATE:
                add("ios-trust-not-evaluated",
                    f"{owner} handles server-trust challenges, and none of its methods calls "
                    "a SecTrustEvaluate function; the binary uses credentialForTrust:")
    elif handlers and "credentialForTrust:" in selectors and not evaluates and (
            not evidence.encrypted):
        owners = sorted({name for one in evidence.slices
                         for name, found in one.implemented.items() if found & handlers})
        where_implemented = f" implemented by {', '.join(owners)}" if owners else ""
        add("ios-trust-not-evaluated",
            f"challenge handler ({', '.join(sorted(handlers))}){where_implemented} and "
            "credentialForTrust:, but no SecTrustEvaluate import")
    if "setAllowsAnyHTTPSCertificate:forHost:" in selectors:
        add("ios-allows-any-https-certificate", "selector setAllowsAnyHTTPSCertificate:forHost:")
    relaxing = sorted(selectors & {"setAllowInvalidCertificates:", "setValidatesDomainName:"})
    if "AFSecurityPolicy" in classes and relaxing:
        add("afnetworking-invalid-certificates", f"AFSecurityPolicy with {', '.join(relaxing)}")
    disabled = swift & {"DisabledTrustEvaluator", "DisabledEvaluator"}
    if disabled:
        add("alamofire-disabled-evaluator", f"Alamofire type {', '.join(sorted(disabled))}")
    pinning = sorted((swift & _PINNING_TYPES) | (classes & {"TSKPinningValidator", "TrustKit"}))
    af_pinning = {"policyWithPinningMode:", "policyWithPinningMode:withPinnedCertificates:"}
    if "AFSecurityPolicy" in classes and selectors & af_pinning:
        pinning.append("AFSecurityPolicy pinning mode")
    if {"_SecTrustCopyKey", "_SecTrustCopyPublicKey"} & imports and evaluates:
        pinning.append("key extraction after trust evaluation (SecTrustCopyKey)")
    pinning += [f"{owner} evaluates the trust and inspects the certificates' keys"
                for owner, calls in sorted(per_class.items())
                if calls & _EVALUATE and calls & _KEY_INSPECTION]
    if pinning:
        add("ios-pinning-in-binary", f"{'; '.join(pinning)} in {evidence.file}")
    other = sorted(imports - set(SECURITY_SYMBOLS))
    if ats_pinned and other:
        add("ats-pinning-other-tls", f"imports {', '.join(other)}")
    weak_streams = evidence.union("strings")
    if weak_streams:
        add("cfstream-validation-setting", f"names {', '.join(sorted(weak_streams))}")
    return decisions


def binary_pinning(evidence: BinaryEvidence) -> bool:
    """True when the binary shows pinning machinery whose hosts cannot be told."""
    swift = evidence.union("swift_types")
    classes = evidence.union("classes")
    imports = evidence.union("imports")
    handler_pins = any(calls & _EVALUATE and calls & _KEY_INSPECTION
                       for calls in _handler_class_calls(evidence).values())
    return bool(swift & _PINNING_TYPES or classes & {"TSKPinningValidator"} or handler_pins or (
        {"_SecTrustCopyKey", "_SecTrustCopyPublicKey"} & imports
        and imports & {"_SecTrustEvaluateWithError", "_SecTrustEvaluate"}))


def _handler_class_calls(evidence: BinaryEvidence) -> dict[str, set[str]]:
    """Class -> everything its methods call, for the classes that handle challenges."""
    per_class: dict[str, set[str]] = {}
    for one in evidence.slices:
        for key, calls in one.calls.items():
            owner = key.split(" ", 1)[0]
            per_class.setdefault(owner, set()).update(calls)
    return per_class


def _usable(values: set[str]) -> list[str]:
    return sorted(values)


def evaluate_ios(facts: IosFacts, catalog: Catalog, options: EvaluationOptions, path: Path,
                 sha256: str) -> ScanResult:
    """Turn an IPA's facts into decisions, a host table and a verdict."""
    as_of, warn_days = options.as_of, options.expiry_warn_days
    levels = LevelIndex(facts.certificates, public_roots())
    checks = IosChecks(catalog, levels, as_of, warn_days, facts.trustkit_bundled)
    for part in (facts.app, *facts.parts):
        checks.part(part)
    decisions = checks.decisions
    framework = frameworks.evaluate_frameworks(facts.frameworks, catalog, levels,
                                               facts.certificates)
    hosts = _host_rows(facts, levels, as_of, _owned_domains(facts, options))
    hosts = frameworks.join_framework_hosts(hosts, framework)
    pins: dict[str, tuple[Location, str | None]] = {
        row_pin.value: (Location(*row_pin.source.split(":", 1)), row.host)
        for row in hosts for row_pin in row.pins}
    decisions += certificate_checks.check_certificates(
        catalog, facts.certificates, facts.private_keys,
        [s for s in facts.skipped if "PKCS" in s.reason or "keystore" in s.reason.lower()],
        as_of)
    decisions += certificate_checks.check_pins_against_certificates(
        catalog, levels, pins, facts.certificates, set())
    ats_pinned = bool(facts.app.ats.pinned)
    for evidence in facts.evidence:
        decisions += check_binary(catalog, evidence, ats_pinned)
    decisions += framework.decisions
    ats_where = Location(facts.app.plist, "/NSAppTransportSecurity")
    decisions += frameworks.platform_pins_bypassed(facts.frameworks, catalog, hosts, ats_where)
    decisions += frameworks.react_native_session(facts.frameworks, facts.evidence, catalog,
                                                 ats_where)
    decisions += _coverage(catalog, hosts, facts)
    skipped = list(facts.skipped) + framework.skipped
    unread = _unread_binaries(facts)
    if unread:
        skipped.append(Skipped(", ".join(unread), "encrypted, unreadable or missing: trust "
                               "decisions in this binary cannot be read"))
    decisions = enabled(decisions, options.disabled_rules)
    verdict = decide_verdict(decisions, hosts, catalog,
                             code_unanalysed=bool(unread or facts.frameworks.unread),
                             unattributed=_unattributed(facts))
    app = facts.app
    info = AppInfo(file=path.name, sha256=sha256, platform=Platform.IOS, id=app.bundle_id,
                   version=app.version, min_os=app.minimum_os, target_sdk=None)
    return assemble_result(info, verdict, hosts, facts.certificates, decisions, skipped, as_of,
                           (app.plist,), facts.frameworks.frameworks)


def _owned_domains(facts: IosFacts, options: EvaluationOptions) -> set[str]:
    """The app's own domains: from --first-party, the bundle id, and the hosts it pins."""
    owned = app_domains(facts.app.bundle_id, options.first_party)
    pinned = [d.name for d in facts.app.ats.pinned] + [
        d.name for d in (facts.app.trustkit.domains if facts.app.trustkit else ())] + [
        h.lstrip("*.") for t in facts.frameworks.trust for h in t.hosts
        if t.kind in (TrustKind.PINS, TrustKind.OWN_STORE)]
    for name in pinned:
        domain = registrable_domain(name)
        if domain and not is_public_suffix(domain):
            owned.add(domain)
    return owned


def _host_rows(facts: IosFacts, levels: LevelIndex, as_of: date,
               owned: set[str]) -> list[HostRow]:
    app = facts.app
    ats = app.ats
    states: dict[str, tuple[bool, _HostState]] = {}

    def state(name: str, include_subdomains: bool) -> _HostState:
        if name not in states:
            states[name] = (include_subdomains, _HostState())
        return states[name][1]

    for pinned in ats.pinned:
        current = state(pinned.name, pinned.include_subdomains)
        usable = {i.pin.value for i in pinned.identities if i.pin.valid}
        for identity in pinned.identities:
            if identity.pin.valid:
                found = levels.classify(identity.pin.value)
                current.pins.append(HostPin(identity.pin.value, found.level,
                                            found.certificate.path if found.certificate else None,
                                            str(identity.location)))
        if usable:
            current.protection.append("ats-pinned-domains")
        current.sources.append(str(pinned.location))
        current.backup = current.backup or len(usable) >= 2
    for domain in app.trustkit.domains if app.trustkit else ():
        current = state(domain.name, domain.include_subdomains)
        usable = {h.value for h in domain.hashes if h.valid}
        for value in sorted(usable):
            found = levels.classify(value)
            current.pins.append(HostPin(value, found.level,
                                        found.certificate.path if found.certificate else None,
                                        str(domain.location)))
        enforced = (domain.enforce and len(usable) >= 2 and not any(
            not h.valid for h in domain.hashes) and not (
            domain.include_subdomains and is_public_suffix(domain.name)) and not (
            domain.expiration and as_of >= domain.expiration) and facts.trustkit_bundled)
        if enforced:
            current.protection.append("trustkit")
        current.expires = domain.expiration or current.expires
        current.backup = current.backup or len(usable) >= 2
        current.sources.append(str(domain.location))
    for exception in ats.exceptions:
        state(exception.name, exception.include_subdomains).sources.append(
            str(exception.location))
    for endpoint in endpoints([*_binary_urls(facts), *facts.frameworks.urls]):
        state(endpoint.host, False).sources.extend(f"URL in {s}" for s in endpoint.sources)
    rows = [HostRow(
        host=EVERY_OTHER_HOST, include_subdomains=True, first_party=None, protection=(),
        pins=(), expires=None, backup_pin=False, trust_anchors=("system",),
        cleartext_permitted=ats.arbitrary_loads_effective, level=None,
        sources=(app.plist,))]
    insecure = {e.name for e in ats.exceptions if e.insecure_http}
    for name in sorted(states):
        include, current = states[name]
        pins = {p.value: p for p in current.pins}
        level = strongest(p.level for p in pins.values() if p.level is not PinLevel.UNKNOWN)
        rows.append(HostRow(
            host=name, include_subdomains=include,
            first_party=not is_local(name) and is_first_party(name, owned),
            protection=tuple(dict.fromkeys(current.protection)), pins=tuple(pins.values()),
            expires=current.expires, backup_pin=current.backup, trust_anchors=("system",),
            cleartext_permitted=name in insecure or ats.arbitrary_loads_effective,
            level=level or (PinLevel.UNKNOWN if pins else None),
            sources=tuple(dict.fromkeys(current.sources)),
        ))
    excluded = {d.name for d in (app.trustkit.domains if app.trustkit else ()) if d.excluded}
    return _inherit_from_parents(rows, excluded)


def _inherit_from_parents(rows: list[HostRow], excluded: set[str]) -> list[HostRow]:
    """A host under a pinned parent with NSIncludesSubdomains (or TSKIncludeSubdomains) is
    pinned by it: give its row the parent's protection and pins. A TrustKit domain marked
    kSKExcludeSubdomainFromParentPolicy stays out of its parent's policy."""
    parents = [r for r in rows if r.protected and r.include_subdomains
               and r.host != EVERY_OTHER_HOST]
    joined = []
    for row in rows:
        parent = max((p for p in parents if row.host.endswith("." + p.host)),
                     key=lambda p: len(p.host), default=None)
        if parent is None or row.protected or row.host in excluded:
            joined.append(row)
            continue
        joined.append(replace(
            row, protection=parent.protection, pins=parent.pins, expires=parent.expires,
            backup_pin=parent.backup_pin, level=parent.level,
            sources=(*row.sources, f"pinned through {parent.host} and its subdomains")))
    return joined


def _binary_urls(facts: IosFacts) -> list[tuple[str, str]]:
    """URLs in the executables' bytes (string literals of ObjC, Swift and C alike)."""
    return [(match.decode("ascii", "replace"), name)
            for name, data in sorted(facts.binaries.items())
            for match in URL_PATTERN.findall(data)]


def _unread_binaries(facts: IosFacts) -> list[str]:
    """Executables whose code could not be read: encrypted, or not parsed at all."""
    read = {e.file for e in facts.evidence if not e.encrypted}
    unread = [name for name in facts.binaries if name not in read]
    return sorted([*unread, *facts.missing_executables])


def _unattributed(facts: IosFacts) -> str | None:
    parts = []
    if any(p.file in facts.binaries for p in facts.pin_strings):
        parts.append("pin-shaped strings in its binary")
    if any(binary_pinning(e) for e in facts.evidence):
        parts.append("pinning code in its binary")
    parts += frameworks.unattributed(facts.frameworks)
    return ", ".join(parts) or None


def _coverage(catalog: Catalog, hosts: list[HostRow], facts: IosFacts) -> list[Decision]:
    first_party = [h for h in hosts if h.first_party]
    protected = [h for h in first_party if h.protected]
    where = Location(facts.app.plist, "/NSAppTransportSecurity")
    unattributed = _unattributed(facts)
    if not protected:
        if _unread_binaries(facts) or unattributed or facts.frameworks.unread:
            return []  # the binary may pin; the verdict says what could not be seen
        return [catalog.decide("ios-no-pinning", where,
                               "no host is pinned by NSPinnedDomains or TrustKit")]
    ats = facts.app.ats
    configured = {e.name for e in ats.exceptions} | {p.name for p in ats.pinned} | {
        d.name for d in (facts.app.trustkit.domains if facts.app.trustkit else ())}
    return [catalog.decide("ios-host-not-pinned", Location(*where_known(h).split(":", 1)),
                           f"{h.host} is {how_known(h, configured)} but pinned by neither "
                           "NSPinnedDomains nor TrustKit" + may_cover(unattributed), host=h.host)
            for h in first_party if not h.protected]
