"""Facts from a Network Security Configuration file, read the way Android's parser reads it.

The parser mirrors ``android.security.net.config.XmlConfigSource``: elements it does not know
are skipped (which is how TrustKit's ``<trustkit-config>`` coexists with it), while a
structural error makes the platform refuse the whole file. Both kinds are recorded as
problems instead of stopping the scan.
See: https://developer.android.com/privacy-and-security/security-config
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from lxml import etree

from mstg_pinscan.models import Location
from mstg_pinscan.pins import DecodedPin, decode_android_pin

_logger = logging.getLogger(__name__)

_CHILDREN = {
    "network-security-config": {"base-config", "domain-config", "debug-overrides"},
    "base-config": {"trust-anchors", "certificateTransparency"},
    "domain-config": {
        "domain",
        "trust-anchors",
        "pin-set",
        "domain-config",
        "certificateTransparency",
        "trustkit-config",
    },
    "debug-overrides": {"trust-anchors"},
    "trust-anchors": {"certificates"},
    "pin-set": {"pin"},
    "trustkit-config": {"report-uri"},
}
_ATTRIBUTES = {
    "base-config": {"cleartextTrafficPermitted", "hstsEnforced"},
    "domain-config": {"cleartextTrafficPermitted", "hstsEnforced"},
    "debug-overrides": set(),
    "domain": {"includeSubdomains"},
    "trust-anchors": set(),
    "certificates": {"src", "overridePins"},
    "pin-set": {"expiration"},
    "pin": {"digest"},
    "certificateTransparency": {"enabled"},
    "trustkit-config": {"enforcePinning", "disableDefaultReportUri"},
    "report-uri": set(),
}
_KNOWN_ELEMENTS = set(_CHILDREN) | {c for kids in _CHILDREN.values() for c in kids}
_EXPIRATION = re.compile(r"^(\d{1,4})-(\d{1,2})-(\d{1,2})$")

# Resolves an ``@raw/…`` reference to the bundle entries it can point to.
RawResolver = Callable[[str], tuple[str, ...]]
# Names a compiled reference (``@7F030000``) as written in the source (``@raw/ca``).
ReferenceNamer = Callable[[str], str]


@dataclass(frozen=True)
class NscProblem:
    """A structural problem; ``fatal`` when Android refuses to load the whole file."""

    message: str
    location: Location
    fatal: bool


@dataclass(frozen=True)
class NscDomain:
    """A ``<domain>`` entry."""

    name: str
    include_subdomains: bool
    location: Location


@dataclass(frozen=True)
class NscPin:
    """A ``<pin>`` as written, with how Android decodes it."""

    digest_algorithm: str
    decoded: DecodedPin
    location: Location


@dataclass(frozen=True)
class NscPinSet:
    """A ``<pin-set>``; Android ignores its pins from the start of ``expiration``."""

    pins: tuple[NscPin, ...]
    expiration: date | None
    expiration_text: str | None
    location: Location


@dataclass(frozen=True)
class NscCertificates:
    """A ``<certificates>`` trust anchor; ``files`` are the bundle entries of an @raw source."""

    src: str
    override_pins: bool
    files: tuple[str, ...]
    location: Location

    @property
    def kind(self) -> str:
        """``system``, ``user`` or ``raw``."""
        return self.src if self.src in ("system", "user") else "raw"


@dataclass(frozen=True)
class TrustKitSettings:
    """TrustKit-Android's ``<trustkit-config>``; ``enforcePinning`` defaults to false."""

    enforce_pinning: bool
    disable_default_report_uri: bool
    report_uris: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class NscConfig:
    """A base-config, domain-config or debug-overrides block, with nested domain-configs."""

    kind: str
    location: Location
    domains: tuple[NscDomain, ...] = ()
    cleartext_permitted: bool | None = None
    hsts_enforced: bool | None = None
    trust_anchors: tuple[NscCertificates, ...] | None = None
    pin_set: NscPinSet | None = None
    ct_enabled: bool | None = None
    trustkit: TrustKitSettings | None = None
    children: tuple[NscConfig, ...] = ()


@dataclass(frozen=True)
class NetworkSecurityConfig:
    """One parsed configuration file."""

    file: str
    qualifier: str
    base: NscConfig | None
    domain_configs: tuple[NscConfig, ...]
    debug_overrides: NscConfig | None
    problems: tuple[NscProblem, ...] = field(default=())

    @property
    def rejected(self) -> bool:
        """True when Android would refuse to load this file."""
        return any(p.fatal for p in self.problems)

    def all_domain_configs(self) -> list[NscConfig]:
        """Every domain-config, nested ones included, parents before children."""
        found: list[NscConfig] = []
        stack = list(reversed(self.domain_configs))
        while stack:
            config = stack.pop()
            found.append(config)
            stack.extend(reversed(config.children))
        return found


def parse_network_security_config(
    root: etree._Element,
    file: str,
    resolve_raw: RawResolver,
    qualifier: str = "",
    name_reference: ReferenceNamer | None = None,
) -> NetworkSecurityConfig:
    """Read a configuration from its root element; problems are recorded, never raised."""
    parser = _Parser(root, file, resolve_raw, name_reference or (lambda ref: ref))
    return parser.parse(qualifier)


class _Parser:
    def __init__(
        self, root: etree._Element, file: str, resolve_raw: RawResolver,
        name_reference: ReferenceNamer,
    ) -> None:
        self.root = root
        self.file = file
        self.resolve_raw = resolve_raw
        self.name_reference = name_reference
        self.problems: list[NscProblem] = []
        self.seen_domains: dict[str, Location] = {}
        self.tree = root.getroottree()

    def parse(self, qualifier: str) -> NetworkSecurityConfig:
        if self.root.tag != "network-security-config":
            self._problem(self.root, f"root element is <{self.root.tag}>", fatal=True)
            return self._result(qualifier, None, (), None)
        base = debug = None
        domain_configs = []
        for child in self._elements(self.root):
            if child.tag == "base-config":
                if base is not None:
                    self._problem(child, "more than one <base-config>", fatal=True)
                base = self._config(child, "base")
            elif child.tag == "domain-config":
                domain_configs.append(self._config(child, "domain"))
            elif child.tag == "debug-overrides":
                if debug is not None:
                    self._problem(child, "more than one <debug-overrides>", fatal=True)
                debug = self._config(child, "debug")
        return self._result(qualifier, base, tuple(domain_configs), debug)

    def _result(
        self,
        qualifier: str,
        base: NscConfig | None,
        domain_configs: tuple[NscConfig, ...],
        debug: NscConfig | None,
    ) -> NetworkSecurityConfig:
        return NetworkSecurityConfig(
            self.file, qualifier, base, domain_configs, debug, tuple(self.problems)
        )

    def _config(self, element: etree._Element, kind: str) -> NscConfig:
        self._check_attributes(element)
        domains: list[NscDomain] = []
        anchors: tuple[NscCertificates, ...] | None = None
        pin_set = trustkit = None
        ct_enabled = None
        children = []
        for child in self._elements(element):
            tag = child.tag
            if tag == "domain":
                domains.append(self._domain(child))
            elif tag == "trust-anchors":
                if anchors is not None:
                    self._problem(child, "more than one <trust-anchors> in one block", True)
                anchors = self._trust_anchors(child, debug=kind == "debug")
            elif tag == "pin-set":
                if pin_set is not None:
                    self._problem(child, "more than one <pin-set> in one block", True)
                pin_set = self._pin_set(child)
            elif tag == "domain-config":
                children.append(self._config(child, "domain"))
            elif tag == "certificateTransparency":
                self._check_attributes(child)
                ct_enabled = self._bool(child, "enabled")
            elif tag == "trustkit-config":
                trustkit = self._trustkit(child)
        if kind == "domain" and not domains:
            self._problem(element, "<domain-config> without any <domain>", fatal=True)
        return NscConfig(
            kind=kind,
            location=self._loc(element),
            domains=tuple(domains),
            cleartext_permitted=self._bool(element, "cleartextTrafficPermitted"),
            hsts_enforced=self._bool(element, "hstsEnforced"),
            trust_anchors=anchors,
            pin_set=pin_set,
            ct_enabled=ct_enabled,
            trustkit=trustkit,
            children=tuple(children),
        )

    def _domain(self, element: etree._Element) -> NscDomain:
        self._check_attributes(element)
        name = (element.text or "").strip().lower()
        location = self._loc(element)
        if not name:
            self._problem(element, "<domain> without a host name", fatal=True)
        elif name in self.seen_domains:
            first = self.seen_domains[name]
            self._problem(element, f"domain {name} is configured twice (first at "
                          f"{first.element})", fatal=True)
        else:
            self.seen_domains[name] = location
        if "*" in name or "/" in name or ":" in name:
            self._problem(element, f"domain {name!r} is not a plain host name: NSC has no "
                          "wildcards, use includeSubdomains", fatal=False)
        include = self._bool(element, "includeSubdomains") is True
        return NscDomain(name, include, location)

    def _trust_anchors(self, element: etree._Element, debug: bool) -> tuple[NscCertificates, ...]:
        anchors = []
        for child in self._elements(element):
            if child.tag != "certificates":
                continue
            self._check_attributes(child)
            src = (child.get("src") or "").strip()
            # In <debug-overrides>, overridePins defaults to true.
            override = self._bool(child, "overridePins")
            override_pins = debug if override is None else override
            files: tuple[str, ...] = ()
            if not src:
                self._problem(child, "<certificates> without a src attribute", fatal=True)
            elif src not in ("system", "user"):
                if not src.startswith("@"):
                    self._problem(child, f"certificates src {src!r} is not system, user or "
                                  "a @raw resource", fatal=True)
                else:
                    files = self.resolve_raw(src)
                    src = self.name_reference(src)
                    if not files:
                        self._problem(child, f"certificates src {src} does not resolve to "
                                      "a file in the bundle", fatal=True)
            anchors.append(NscCertificates(src, override_pins, files, self._loc(child)))
        return tuple(anchors)

    def _pin_set(self, element: etree._Element) -> NscPinSet:
        self._check_attributes(element)
        expiration_text = element.get("expiration")
        expiration = self._expiration(element, expiration_text) if expiration_text else None
        pins = []
        for child in self._elements(element):
            if child.tag != "pin":
                continue
            self._check_attributes(child)
            algorithm = (child.get("digest") or "").strip()
            decoded = decode_android_pin(child.text or "")
            if not algorithm:
                self._problem(child, "<pin> without a digest attribute", fatal=True)
            elif algorithm.upper() != "SHA-256":
                self._problem(child, f"pin digest {algorithm!r} is not supported; Android "
                              "accepts only SHA-256", fatal=True)
            elif decoded.problem:
                self._problem(child, f"pin {decoded.text!r} {decoded.problem}", fatal=True)
            elif not decoded.canonical:
                self._problem(child, f"pin {decoded.text!r} is not canonical base64; Android "
                              f"reads it as {decoded.value}", fatal=False)
            pins.append(NscPin(algorithm, decoded, self._loc(child)))
        if not pins:
            self._problem(element, "<pin-set> without any <pin>", fatal=False)
        return NscPinSet(tuple(pins), expiration, expiration_text, self._loc(element))

    def _expiration(self, element: etree._Element, text: str) -> date | None:
        match = _EXPIRATION.match(text.strip())
        if not match:
            self._problem(element, f"expiration {text!r} is not yyyy-MM-dd", fatal=True)
            return None
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
        # SimpleDateFormat is lenient: month 13 or day 32 roll over into the next unit.
        rolled = _roll_over(year, month, day)
        self._problem(element, f"expiration {text!r} is not a calendar date; Android "
                      f"rolls it over to {rolled.isoformat() if rolled else 'nothing'}",
                      fatal=rolled is None)
        return rolled

    def _trustkit(self, element: etree._Element) -> TrustKitSettings:
        self._check_attributes(element)
        uris = tuple(
            (child.text or "").strip()
            for child in self._elements(element)
            if child.tag == "report-uri"
        )
        return TrustKitSettings(
            enforce_pinning=self._bool(element, "enforcePinning") is True,
            disable_default_report_uri=self._bool(element, "disableDefaultReportUri") is True,
            report_uris=uris,
            location=self._loc(element),
        )

    def _elements(self, parent: etree._Element) -> list[etree._Element]:
        allowed = _CHILDREN.get(parent.tag, set())
        found = []
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in allowed:
                self._unknown_element(parent, child)
                continue
            found.append(child)
        return found

    def _unknown_element(self, parent: etree._Element, child: etree._Element) -> None:
        tag = child.tag
        if tag == "domain" or tag == "pin-set":
            # Android throws for these outside a domain-config.
            self._problem(child, f"<{tag}> is not allowed in <{parent.tag}>", fatal=True)
            return
        if tag == "domain-config" and parent.tag != "network-security-config":
            self._problem(child, f"<domain-config> cannot nest in <{parent.tag}>", fatal=True)
            return
        hint = _closest(tag, _KNOWN_ELEMENTS)
        where = f"in <{parent.tag}>"
        message = f"unknown element <{tag}> {where} is ignored by Android"
        if hint:
            message += f" (did you mean <{hint}>?)"
        self._problem(child, message, fatal=False)

    def _check_attributes(self, element: etree._Element) -> None:
        known = _ATTRIBUTES.get(element.tag, set())
        for raw_name in element.attrib:
            name = etree.QName(raw_name).localname
            if name in known:
                continue
            hint = _closest(name, known)
            message = f"unknown attribute {name!r} on <{element.tag}> is ignored"
            if hint:
                message += f" (did you mean {hint!r}?)"
            self._problem(element, message, fatal=False)

    def _bool(self, element: etree._Element, name: str) -> bool | None:
        value = element.get(name)
        if value is None:
            return None
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        self._problem(element, f"{name}={value!r} is not true or false", fatal=False)
        return lowered in ("1", "yes")

    def _problem(self, element: etree._Element, message: str, fatal: bool) -> None:
        self.problems.append(NscProblem(message, self._loc(element), fatal))

    def _loc(self, element: etree._Element) -> Location:
        return Location(self.file, self.tree.getpath(element))


def _closest(name: str, candidates: set[str]) -> str | None:
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return matches[0] if matches else None


def _roll_over(year: int, month: int, day: int) -> date | None:
    try:
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        return date(year, month, 1) + timedelta(days=day - 1)
    except (ValueError, OverflowError):
        return None
