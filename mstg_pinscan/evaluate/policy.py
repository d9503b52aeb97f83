"""What each part of a network security configuration means once inheritance is applied.

A nested domain-config inherits every setting it leaves unset from its parent domain-config,
then from base-config, then from the platform defaults for the app's targetSdk; in a
debuggable build the anchors of debug-overrides are added to every block.
See: https://developer.android.com/privacy-and-security/security-config#ConfigInheritance
"""

from __future__ import annotations

from dataclasses import dataclass

from mstg_pinscan.facts.manifest import ManifestFacts
from mstg_pinscan.facts.nsc import (
    NetworkSecurityConfig,
    NscCertificates,
    NscConfig,
    NscDomain,
    NscPinSet,
    TrustKitSettings,
)
from mstg_pinscan.models import Location

PLATFORM_DEFAULT = "platform default"
MANIFEST_DEFAULT = "AndroidManifest.xml"


@dataclass(frozen=True)
class Policy:
    """The effective settings for the hosts of one block (``domains`` empty for base)."""

    file: str
    location: Location
    domains: tuple[NscDomain, ...]
    pin_set: NscPinSet | None
    anchors: tuple[NscCertificates, ...]
    anchors_origin: str
    debug_anchors: tuple[NscCertificates, ...]
    cleartext: bool
    cleartext_origin: str
    trustkit: TrustKitSettings | None
    ct_enabled: bool | None
    hsts_enforced: bool | None
    declared: frozenset[str]

    @property
    def is_base(self) -> bool:
        """True for the policy of every host no domain-config names."""
        return not self.domains

    @property
    def all_anchors(self) -> tuple[NscCertificates, ...]:
        """Release anchors plus the debug-overrides anchors active in this build."""
        return self.anchors + self.debug_anchors

    @property
    def own_trust_store(self) -> bool:
        """True when only certificates bundled with the app are trusted."""
        anchors = self.all_anchors
        return bool(anchors) and all(a.kind == "raw" for a in anchors)


def default_anchors(manifest: ManifestFacts) -> tuple[NscCertificates, ...]:
    """Trust anchors of the platform default: system, plus user up to targetSdk 23."""
    where = Location(f"{PLATFORM_DEFAULT} (targetSdk {manifest.target_sdk})")
    anchors = [NscCertificates("system", False, (), where)]
    if manifest.target_sdk <= 23:
        anchors.append(NscCertificates("user", False, (), where))
    return tuple(anchors)


def default_cleartext(manifest: ManifestFacts, has_config: bool) -> bool:
    """Whether the platform default permits cleartext for this app.

    Without a configuration the manifest's usesCleartextTraffic decides (its default is
    true below targetSdk 28); with one, the manifest attribute is ignored.
    """
    if not has_config and manifest.uses_cleartext_traffic is not None:
        return manifest.uses_cleartext_traffic
    return manifest.target_sdk <= 27


def policies(config: NetworkSecurityConfig | None, manifest: ManifestFacts) -> list[Policy]:
    """Return the base policy first, then one policy per domain-config (nested included)."""
    file = config.file if config else MANIFEST_DEFAULT
    defaults = default_anchors(manifest)
    base_block = config.base if config else None
    debug_anchors: tuple[NscCertificates, ...] = ()
    if config and config.debug_overrides and manifest.debuggable:
        debug_anchors = config.debug_overrides.trust_anchors or ()

    if base_block and base_block.trust_anchors is not None:
        base_anchors, anchors_origin = base_block.trust_anchors, "base-config"
    else:
        base_anchors, anchors_origin = defaults, defaults[0].location.file
    cleartext = default_cleartext(manifest, config is not None)
    cleartext_origin = f"{PLATFORM_DEFAULT} (targetSdk {manifest.target_sdk})"
    if config is None and manifest.uses_cleartext_traffic is not None:
        cleartext_origin = "android:usesCleartextTraffic in the manifest"
    if base_block and base_block.cleartext_permitted is not None:
        cleartext, cleartext_origin = base_block.cleartext_permitted, "base-config"
    base = Policy(
        file=file,
        location=base_block.location if base_block else Location(file),
        domains=(),
        pin_set=None,
        anchors=base_anchors,
        anchors_origin=anchors_origin,
        debug_anchors=debug_anchors,
        cleartext=cleartext,
        cleartext_origin=cleartext_origin,
        trustkit=None,
        ct_enabled=base_block.ct_enabled if base_block else None,
        hsts_enforced=base_block.hsts_enforced if base_block else None,
        declared=_declared(base_block) if base_block else frozenset(),
    )
    found = [base]
    if config:
        for block in config.domain_configs:
            _descend(block, base, found)
    return found


def _descend(block: NscConfig, parent: Policy, found: list[Policy]) -> None:
    anchors, anchors_origin = parent.anchors, parent.anchors_origin
    if block.trust_anchors is not None:
        anchors, anchors_origin = block.trust_anchors, _describe(block)
    cleartext, cleartext_origin = parent.cleartext, parent.cleartext_origin
    if block.cleartext_permitted is not None:
        cleartext, cleartext_origin = block.cleartext_permitted, _describe(block)
    policy = Policy(
        file=parent.file,
        location=block.location,
        domains=block.domains,
        pin_set=block.pin_set if block.pin_set is not None else parent.pin_set,
        anchors=anchors,
        anchors_origin=anchors_origin,
        debug_anchors=parent.debug_anchors,
        cleartext=cleartext,
        cleartext_origin=cleartext_origin,
        trustkit=block.trustkit if block.trustkit is not None else parent.trustkit,
        ct_enabled=block.ct_enabled if block.ct_enabled is not None else parent.ct_enabled,
        hsts_enforced=(
            block.hsts_enforced if block.hsts_enforced is not None else parent.hsts_enforced
        ),
        declared=_declared(block),
    )
    if block.domains:
        # A domain-config without a domain covers nothing (Android rejects the file).
        found.append(policy)
    for child in block.children:
        _descend(child, policy, found)


def _declared(block: NscConfig) -> frozenset[str]:
    """Which settings a block sets itself rather than inherits."""
    settings = {
        "anchors": block.trust_anchors is not None,
        "pin_set": block.pin_set is not None,
        "cleartext": block.cleartext_permitted is not None,
        "trustkit": block.trustkit is not None,
        "ct": block.ct_enabled is not None,
        "hsts": block.hsts_enforced is not None,
    }
    return frozenset(name for name, present in settings.items() if present)


def _describe(block: NscConfig) -> str:
    names = ", ".join(d.name for d in block.domains) or "(no domain)"
    return f"domain-config for {names}"
