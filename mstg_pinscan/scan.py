"""The pipeline: bundle -> unpack -> facts -> evaluation -> one :class:`ScanResult`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from mstg_pinscan.errors import FactError
from mstg_pinscan.evaluate import android as android_checks
from mstg_pinscan.evaluate import certificates as certificate_checks
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.hosts import android_host_rows, merge_rows
from mstg_pinscan.evaluate.levels import LevelIndex, public_roots
from mstg_pinscan.evaluate.policy import policies
from mstg_pinscan.evaluate.verdict import decide_verdict
from mstg_pinscan.facts.android import AndroidFacts, collect_android_facts
from mstg_pinscan.models import (
    AppInfo,
    Decision,
    HostRow,
    Location,
    Platform,
    ScanResult,
    Skipped,
)
from mstg_pinscan.unpack import UnpackLimits, detect_platform, open_bundle

_logger = logging.getLogger(__name__)

RULES_USED = (
    android_checks.RULES_USED
    | certificate_checks.RULES_USED
    | {"no-pinning", "host-not-pinned"}
)


@dataclass(frozen=True)
class ScanOptions:
    """Settings of one scan."""

    as_of: date
    expiry_warn_days: int = 30
    limits: UnpackLimits = UnpackLimits()


def scan_file(path: Path, catalog: Catalog, options: ScanOptions) -> ScanResult:
    """Scan one bundle; raises :class:`PinscanError` subclasses for unreadable input."""
    started = time.perf_counter()
    with open_bundle(path, options.limits) as bundle:
        detect_platform(bundle)
        _logger.info("reading facts from %s", path.name)
        try:
            facts = collect_android_facts(bundle)
        except FactError as exc:
            raise FactError(exc.diagnostics(), path=str(path)) from exc
        sha256 = bundle.sha256
    result = evaluate_android(facts, catalog, options, path, sha256)
    duration = round(time.perf_counter() - started, 3)
    return ScanResult(**{**result.__dict__, "duration_s": duration})


def evaluate_android(
    facts: AndroidFacts, catalog: Catalog, options: ScanOptions, path: Path, sha256: str
) -> ScanResult:
    """Turn an APK's facts into decisions, a host table and a verdict."""
    levels = LevelIndex(facts.certificates, public_roots())
    as_of, warn_days = options.as_of, options.expiry_warn_days
    decisions = android_checks.AndroidChecks(facts, catalog, as_of, warn_days, levels).run()

    per_config = []
    pins: dict[str, tuple[Location, str | None]] = {}
    anchor_files: set[str] = set()
    for config in facts.configs or (None,):
        config_policies = policies(config, facts.manifest)
        rejected = config is not None and config.rejected
        per_config.append(
            android_host_rows(config_policies, levels, as_of, warn_days, rejected=rejected)
        )
        for policy in config_policies:
            anchor_files.update(f for a in policy.all_anchors for f in a.files)
            if policy.pin_set is None or "pin_set" not in policy.declared:
                continue
            for pin in policy.pin_set.pins:
                if pin.decoded.valid:
                    pins.setdefault(pin.decoded.value, (pin.location, policy.domains[0].name))
    hosts = merge_rows(per_config)

    unreadable = [s for s in facts.skipped if s.item in ("resources.arsc",)
                  or s.item.startswith("networkSecurityConfig")
                  or any(s.item == v.value for v in facts.manifest.nsc_files)]
    store_problems = [s for s in facts.skipped if s not in unreadable]
    decisions += certificate_checks.check_certificates(
        catalog, facts.certificates, facts.private_keys, store_problems, as_of)
    decisions += certificate_checks.check_pins_against_certificates(
        catalog, levels, pins, facts.certificates, anchor_files)
    decisions += _coverage(catalog, hosts, facts)

    skipped = list(facts.skipped)
    if facts.dex_files:
        skipped.append(Skipped(
            ", ".join(facts.dex_files),
            "code analysis (OkHttp pins, TrustManagers, WebView handlers) is not part of "
            "this version: trust decisions made in code are not rated",
        ))
    config_unreadable = _config_unreadable(facts)
    verdict = decide_verdict(
        decisions, hosts, catalog,
        unreadable=config_unreadable, code_unanalysed=bool(facts.dex_files),
    )
    manifest = facts.manifest
    app = AppInfo(
        file=path.name,
        sha256=sha256,
        platform=Platform.ANDROID,
        id=manifest.package,
        version=manifest.version_name,
        min_os=str(manifest.min_sdk),
        target_sdk=manifest.target_sdk,
    )
    return ScanResult(
        app=app,
        verdict=verdict,
        hosts=tuple(hosts),
        certificates=facts.certificates,
        decisions=tuple(sorted(decisions, key=Decision.sort_key)),
        skipped=tuple(sorted(skipped, key=lambda s: (s.item, s.reason))),
        as_of=as_of,
        config_files=tuple(c.file for c in facts.configs),
    )


def _config_unreadable(facts: AndroidFacts) -> str | None:
    manifest = facts.manifest
    if manifest.nsc_reference and not facts.configs:
        return (f"The network security configuration {manifest.nsc_name} could not be "
                "resolved or read")
    return None


def _coverage(catalog: Catalog, hosts: list[HostRow], facts: AndroidFacts) -> list[Decision]:
    """No-pinning and unpinned-host decisions, from the host table."""
    first_party = [h for h in hosts if h.first_party]
    base = next((h for h in hosts if h.host == "*"), None)
    protected = [h for h in first_party if h.protected]
    if any(c.rejected for c in facts.configs):
        # A rejected file is rated by nsc-rejected; coverage of what it says is moot.
        return []
    where = Location(facts.configs[0].file if facts.configs else "AndroidManifest.xml")
    if not protected and not (base and base.protected):
        if facts.dex_files or _config_unreadable(facts):
            return []  # code may pin: the verdict says inconclusive instead
        return [catalog.decide("no-pinning", where,
                               "no pin-set is enforced for any host and the system store is "
                               "trusted")]
    return [
        catalog.decide("host-not-pinned", Location(*row.sources[0].split(":", 1)),
                       f"{row.host} is configured but neither pinned nor limited to bundled "
                       "anchors", host=row.host)
        for row in first_party if not row.protected
    ]
