"""Evaluation of an APK's manifest and network security configurations into decisions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.levels import LevelIndex
from mstg_pinscan.evaluate.policy import Policy, policies
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.facts.nsc import NetworkSecurityConfig, NscCertificates, NscPinSet
from mstg_pinscan.models import Decision, Location, Severity, Status
from mstg_pinscan.pins import looks_like_placeholder

_logger = logging.getLogger(__name__)

RULES_USED = {
    "nsc-pin-set-enforced", "nsc-pin-set-single-pin", "nsc-pin-set-duplicate-pin",
    "nsc-pin-set-expired", "nsc-pin-set-expiring", "nsc-user-ca-trusted",
    "default-user-ca-trusted", "min-sdk-below-24", "nsc-override-pins",
    "nsc-debug-overrides-active", "nsc-debug-overrides-inactive", "app-debuggable",
    "nsc-own-trust-store", "nsc-bundled-anchor-added", "nsc-rejected", "nsc-ignored-markup",
    "cleartext-permitted", "cleartext-on-pinned-host", "certificate-transparency",
    "trustkit-enforced", "trustkit-report-only", "trustkit-too-few-pins",
    "trustkit-without-pins", "platform-default-config", "pin-placeholder",
    "nsc-qualified-variants", "hsts-setting",
}


@dataclass(frozen=True)
class PinSetState:
    """A pin-set reduced to what the platform enforces on the scan date."""

    distinct: tuple[str, ...]
    real: tuple[str, ...]
    duplicates: tuple[str, ...]
    placeholders: tuple[str, ...]
    expired: bool
    expiring: bool

    @property
    def enforced(self) -> bool:
        """True when Android checks these pins (unexpired, at least one valid pin)."""
        return bool(self.distinct) and not self.expired


def pin_set_state(pin_set: NscPinSet, as_of: date, warn_days: int) -> PinSetState:
    """Summarise a pin-set: distinct valid pins, placeholders, expiry as of ``as_of``."""
    values = [p.decoded.value for p in pin_set.pins if p.decoded.valid]
    distinct = tuple(dict.fromkeys(values))
    duplicates = tuple(sorted({v for v in values if values.count(v) > 1}))
    placeholders = tuple(
        p.decoded.value for p in pin_set.pins
        if p.decoded.valid and p.decoded.digest and looks_like_placeholder(p.decoded.digest)
    )
    real = tuple(v for v in distinct if v not in placeholders)
    expiration = pin_set.expiration
    # Android compares against midnight at the start of the expiration day.
    expired = expiration is not None and as_of >= expiration
    expiring = (
        expiration is not None and not expired and expiration - as_of <= timedelta(warn_days)
    )
    return PinSetState(distinct, real, duplicates, tuple(dict.fromkeys(placeholders)),
                       expired, expiring)


def scope_of(policy: Policy) -> str:
    """The hosts a policy covers, in words."""
    if policy.is_base:
        return "every host no domain-config names"
    return ", ".join(d.name + (" and subdomains" if d.include_subdomains else "")
                     for d in policy.domains)


class AndroidChecks:
    """Run every Android configuration check; read :attr:`decisions` afterwards."""

    def __init__(
        self, facts: AndroidFacts, catalog: Catalog, as_of: date, warn_days: int,
        levels: LevelIndex,
    ) -> None:
        self.facts = facts
        self.catalog = catalog
        self.as_of = as_of
        self.warn_days = warn_days
        self.levels = levels
        self.decisions: list[Decision] = []

    def run(self) -> list[Decision]:
        """Evaluate the manifest, then every configuration file and its policies."""
        self._manifest()
        for config in self.facts.configs or (None,):
            if config is not None:
                self._structure(config)
                self._debug_overrides(config)
            for policy in policies(config, self.facts.manifest):
                self._anchors(policy)
                self._pins(policy)
                self._cleartext(policy)
                self._trustkit(policy)
                self._transparency(policy)
        rejected = {c.file for c in self.facts.configs if c.rejected}
        # Android throws on a rejected file: nothing in it protects anything, whatever it says.
        self.decisions = [
            d for d in self.decisions
            if not (d.status is Status.PASS and d.location.file in rejected)
        ]
        return self.decisions

    def _add(
        self,
        name: str,
        location: Location,
        evidence: str,
        host: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        decision = self.catalog.decide(name, location, evidence, host=host, severity=severity)
        self.decisions.append(decision)

    def _manifest(self) -> None:
        manifest = self.facts.manifest
        where = Location("AndroidManifest.xml", "/manifest/application")
        if manifest.debuggable:
            self._add("app-debuggable", where, 'android:debuggable="true" on <application>')
        if not manifest.nsc_reference:
            self._add("platform-default-config", where,
                      f"no android:networkSecurityConfig; targetSdk {manifest.target_sdk} "
                      "defaults apply")
        if len(manifest.nsc_files) > 1:
            variants = ", ".join(f"{v.value} ({v.qualifier or 'default'})"
                                 for v in manifest.nsc_files)
            self._add("nsc-qualified-variants", where,
                      f"{manifest.nsc_name} resolves to {len(manifest.nsc_files)} files: "
                      f"{variants}")
        if manifest.min_sdk < 24:
            pinned = any(
                dc.pin_set for config in self.facts.configs for dc in config.all_domain_configs()
            )
            consequence = ("its pin-sets are not enforced and user CAs are trusted there"
                           if pinned else "user CAs are trusted there")
            if any(dc.trustkit for c in self.facts.configs for dc in c.all_domain_configs()):
                consequence += (" (TrustKit-Android pins there only where the code uses "
                                "its socket factory)")
            levels = "23" if manifest.min_sdk == 23 else f"{manifest.min_sdk}-23"
            self._add("min-sdk-below-24", Location("AndroidManifest.xml", "/manifest/uses-sdk"),
                      f"minSdkVersion {manifest.min_sdk}: devices on API {levels} ignore the "
                      f"network security configuration; {consequence}")

    def _structure(self, config: NetworkSecurityConfig) -> None:
        for problem in config.problems:
            if problem.fatal:
                self._add("nsc-rejected", problem.location, problem.message)
            else:
                self._add("nsc-ignored-markup", problem.location, problem.message)

    def _debug_overrides(self, config: NetworkSecurityConfig) -> None:
        debug = config.debug_overrides
        if debug is None:
            return
        if not debug.trust_anchors:
            return  # debug-overrides without anchors change nothing, debuggable or not
        anchors = ", ".join(a.src for a in debug.trust_anchors)
        if self.facts.manifest.debuggable:
            self._add("nsc-debug-overrides-active", debug.location,
                      f"debug-overrides trusting {anchors} apply to every connection: the app "
                      "is debuggable")
        else:
            self._add("nsc-debug-overrides-inactive", debug.location,
                      f"debug-overrides trusting {anchors} apply only to debuggable builds")

    def _anchors(self, policy: Policy) -> None:
        scope = scope_of(policy)
        host = None if policy.is_base else policy.domains[0].name
        target = self.facts.manifest.target_sdk
        if policy.is_base and "anchors" not in policy.declared and target <= 23:
            self._add("default-user-ca-trusted", policy.location,
                      f"targetSdk {target}: the platform default trusts user CAs for {scope}")
        if "anchors" not in policy.declared:
            return
        state = self._state(policy)
        pinned = state is not None and state.enforced
        for anchor in policy.anchors:
            if anchor.kind == "user":
                # Pins still stand in the way of a user CA, unless that anchor overrides them.
                guarded = pinned and not anchor.override_pins
                note = "; its pin-set still refuses chains without a pinned key" if guarded else ""
                self._add("nsc-user-ca-trusted", anchor.location,
                          f'src="user" trusted for {scope}{note}', host=host,
                          severity=Severity.MEDIUM if guarded else None)
            if anchor.override_pins:
                self._add("nsc-override-pins", anchor.location,
                          f'<certificates src="{anchor.src}" overridePins="true"> lets chains '
                          f"ending in {anchor.src} skip the pin check for {scope}", host=host,
                          severity=Severity.MEDIUM if anchor.kind == "raw" else None)
        raw = [a for a in policy.anchors if a.kind == "raw"]
        if raw and policy.own_trust_store:
            files = ", ".join(f for a in raw for f in a.files) or "unresolved"
            self._add("nsc-own-trust-store", policy.location,
                      f"only bundled anchors ({', '.join(a.src for a in raw)} -> {files}) are "
                      f"trusted for {scope}; {self._anchor_levels(raw)}", host=host)
        elif raw:
            others = sorted({a.src for a in policy.anchors if a.kind != "raw"})
            self._add("nsc-bundled-anchor-added", policy.location,
                      f"{', '.join(a.src for a in raw)} trusted alongside {', '.join(others)} "
                      f"for {scope}; {self._anchor_levels(raw)}", host=host)

    def _anchor_levels(self, anchors: list[NscCertificates]) -> str:
        files = {f for anchor in anchors for f in anchor.files}
        described = [
            f"{cert.subject}: {self.levels.level_of(cert).value}"
            for cert in self.facts.certificates
            if cert.path.split("#")[0] in files
        ]
        return "anchors: " + ("; ".join(described) if described else "no readable certificate")

    def _state(self, policy: Policy) -> PinSetState | None:
        if policy.pin_set is None:
            return None
        return pin_set_state(policy.pin_set, self.as_of, self.warn_days)

    def _pins(self, policy: Policy) -> None:
        pin_set = policy.pin_set
        state = self._state(policy)
        if pin_set is None or state is None or policy.is_base:
            return
        scope = scope_of(policy)
        host = policy.domains[0].name
        where = pin_set.location
        declared = "pin_set" in policy.declared
        inherited = "" if declared else " (inherited from the enclosing domain-config)"
        if state.expired:
            self._add("nsc-pin-set-expired", where,
                      f"pin-set for {scope} expired on {pin_set.expiration}; Android has "
                      f"ignored its {len(state.distinct)} pin(s) since{inherited}", host=host)
            return
        if not state.distinct:
            return  # every pin is malformed: reported as a rejected configuration
        for placeholder in state.placeholders if declared else ():
            self._add("pin-placeholder", where,
                      f"pin {placeholder} for {scope} is a repeating pattern, not a key digest",
                      host=host)
        if state.duplicates and declared:
            self._add("nsc-pin-set-duplicate-pin", where,
                      f"pin {', '.join(state.duplicates)} appears more than once in the pin-set "
                      f"for {scope}", host=host)
        if len(state.real) >= 2:
            expiry = f", expires {pin_set.expiration}" if pin_set.expiration else ", no expiry"
            self._add("nsc-pin-set-enforced", where,
                      f"{len(state.real)} distinct pins for {scope}{expiry}{inherited}; "
                      f"{self._pin_levels(state.real)}", host=host)
        else:
            self._add("nsc-pin-set-single-pin", where,
                      f"{len(state.real)} usable pin for {scope}{inherited}; "
                      f"{self._pin_levels(state.distinct)}", host=host)
        if state.expiring and pin_set.expiration:
            days = (pin_set.expiration - self.as_of).days
            self._add("nsc-pin-set-expiring", where,
                      f"pin-set for {scope} expires on {pin_set.expiration}, in {days} day(s)",
                      host=host)

    def _pin_levels(self, pins: tuple[str, ...]) -> str:
        parts = []
        for pin in pins:
            parts.append(f"{pin} -> {self.levels.classify(pin).level.value}")
        return "levels: " + ", ".join(parts)

    def _cleartext(self, policy: Policy) -> None:
        if not policy.cleartext:
            return
        scope = scope_of(policy)
        if policy.is_base:
            self._add("cleartext-permitted", policy.location,
                      f"cleartext permitted for {scope} ({policy.cleartext_origin})")
            return
        host = policy.domains[0].name
        state = self._state(policy)
        if state is not None and state.enforced and policy.declared & {"cleartext", "pin_set"}:
            self._add("cleartext-on-pinned-host", policy.location,
                      f"{scope} is pinned but permits cleartext ({policy.cleartext_origin})",
                      host=host)
        elif "cleartext" in policy.declared:
            self._add("cleartext-permitted", policy.location,
                      f"cleartext permitted for {scope} ({policy.cleartext_origin})", host=host)

    def _trustkit(self, policy: Policy) -> None:
        trustkit = policy.trustkit
        if trustkit is None or policy.is_base or "trustkit" not in policy.declared:
            return
        scope = scope_of(policy)
        host = policy.domains[0].name
        state = self._state(policy)
        if state is None or not state.distinct:
            self._add("trustkit-without-pins", trustkit.location,
                      f"<trustkit-config> for {scope} but no pin-set", host=host)
        elif state.expired:
            return  # TrustKit stops checking expired pins too; nsc-pin-set-expired says it
        elif not trustkit.enforce_pinning:
            self._add("trustkit-report-only", trustkit.location,
                      f"enforcePinning is false for {scope}: TrustKit reports only", host=host)
        elif len(state.distinct) < 2:
            self._add("trustkit-too-few-pins", trustkit.location,
                      f"enforcePinning with {len(state.distinct)} pin for {scope}: TrustKit "
                      "throws at initialisation", host=host)
        else:
            self._add("trustkit-enforced", trustkit.location,
                      f"TrustKit enforces {len(state.distinct)} pins for {scope}", host=host)

    def _transparency(self, policy: Policy) -> None:
        if policy.hsts_enforced is not None and "hsts" in policy.declared:
            state = "true" if policy.hsts_enforced else "false"
            self._add("hsts-setting", policy.location,
                      f"hstsEnforced={state} for {scope_of(policy)}",
                      host=None if policy.is_base else policy.domains[0].name)
        if policy.ct_enabled is None or "ct" not in policy.declared:
            return
        scope = scope_of(policy)
        state = "enabled" if policy.ct_enabled else "disabled"
        self._add("certificate-transparency", policy.location,
                  f"certificateTransparency {state} for {scope}",
                  host=None if policy.is_base else policy.domains[0].name)
