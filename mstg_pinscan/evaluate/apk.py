"""Evaluation of one APK: configuration, code and certificates joined into one result."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from mstg_pinscan.evaluate import android as android_checks
from mstg_pinscan.evaluate import certificates as certificate_checks
from mstg_pinscan.evaluate import code as code_checks
from mstg_pinscan.evaluate import frameworks
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.endpoints import (
    Endpoint,
    app_domains,
    endpoints,
    is_first_party,
    is_public_suffix,
    registrable_domain,
)
from mstg_pinscan.evaluate.hosts import (
    EVERY_OTHER_HOST,
    add_code_pins,
    android_host_rows,
    how_known,
    is_local,
    may_cover,
    merge_rows,
    where_known,
)
from mstg_pinscan.evaluate.levels import LevelIndex, public_roots
from mstg_pinscan.evaluate.policy import Policy, policies
from mstg_pinscan.evaluate.result import assemble_result, enabled
from mstg_pinscan.evaluate.verdict import decide_verdict
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.facts.code import CodeFacts
from mstg_pinscan.models import (
    AppInfo,
    Decision,
    HostPin,
    HostRow,
    Location,
    Platform,
    ScanResult,
    Skipped,
)

RULES_USED = (
    android_checks.RULES_USED
    | certificate_checks.RULES_USED
    | code_checks.RULES_USED
    | frameworks.RULES_USED
    | {"no-pinning", "host-not-pinned"}
)


@dataclass(frozen=True)
class EvaluationOptions:
    """What the evaluation needs beyond the facts."""

    as_of: date
    expiry_warn_days: int = 30
    first_party: tuple[str, ...] = ()
    disabled_rules: frozenset[str] = frozenset()


def evaluate_android(
    facts: AndroidFacts, catalog: Catalog, options: EvaluationOptions, path: Path, sha256: str
) -> ScanResult:
    """Turn an APK's facts into decisions, a host table and a verdict."""
    levels = LevelIndex(facts.certificates, public_roots())
    as_of, warn_days = options.as_of, options.expiry_warn_days
    code = facts.code
    decisions = android_checks.AndroidChecks(facts, catalog, as_of, warn_days, levels).run()
    framework = frameworks.evaluate_frameworks(facts.frameworks, catalog, levels,
                                               facts.certificates)

    patterns = _okhttp_patterns(code, levels)
    found = endpoints([*(code.urls if code else ()), *facts.resource_urls,
                       *facts.frameworks.urls])
    trustkit_active = bool(code and code.trustkit_inits)
    per_config: list[list[HostRow]] = []
    nsc_pins: dict[str, tuple[Location, str | None]] = {}
    anchor_files: set[str] = set()
    for config in facts.configs or (None,):
        config_policies = policies(config, facts.manifest)
        per_config.append(android_host_rows(
            config_policies, levels, as_of, warn_days,
            rejected=config is not None and config.rejected,
            extra_hosts=[*patterns, *(e.host for e in found), *framework.hosts],
            trustkit_active=trustkit_active,
        ))
        anchor_files.update(f for p in config_policies for a in p.all_anchors for f in a.files)
        nsc_pins.update(_declared_pins(config_policies))
    hosts = add_code_pins(merge_rows(per_config), patterns)
    hosts = frameworks.join_framework_hosts(hosts, framework)
    hosts = _first_party(hosts, facts, options, [*patterns, *framework.hosts], found)

    if code is not None:
        anchor_files.update(f for store in code.trust_stores for f in store.files)
    all_pins = dict(nsc_pins)
    for pattern, pins in patterns.items():
        for pin, _ in pins:
            all_pins.setdefault(pin.value, (Location(*pin.source.split(":", 1)), pattern))
    decisions += certificate_checks.check_certificates(
        catalog, facts.certificates, facts.private_keys, _store_problems(facts), as_of)
    decisions += certificate_checks.check_pins_against_certificates(
        catalog, levels, all_pins, facts.certificates, anchor_files)
    if code is not None:
        nsc_trustkit = any(dc.trustkit for c in facts.configs for dc in c.all_domain_configs())
        decisions += code_checks.CodeChecks(code, catalog, levels).run(
            set(nsc_pins), nsc_trustkit, facts.pin_strings)
    decisions += framework.decisions
    config_file = Location(facts.configs[0].file if facts.configs else "AndroidManifest.xml")
    decisions += frameworks.platform_pins_bypassed(facts.frameworks, catalog, hosts, config_file)
    decisions += frameworks.react_native_client(facts.frameworks, code, catalog, config_file)
    decisions += _coverage(catalog, hosts, facts)

    skipped = list(facts.skipped) + list(code.skipped if code else ()) + framework.skipped
    if facts.dex_files and code is None:
        skipped.append(Skipped(", ".join(facts.dex_files),
                               "code analysis was not run: trust decisions made in code are "
                               "not rated"))
    decisions = enabled(decisions, options.disabled_rules)
    verdict = decide_verdict(
        decisions, hosts, catalog,
        unreadable=_config_unreadable(facts),
        code_unanalysed=_code_unanalysed(facts),
        unattributed=_unattributed(facts),
    )
    manifest = facts.manifest
    app = AppInfo(file=path.name, sha256=sha256, platform=Platform.ANDROID,
                  id=manifest.package, version=manifest.version_name,
                  min_os=str(manifest.min_sdk), target_sdk=manifest.target_sdk)
    return assemble_result(app, verdict, hosts, facts.certificates, decisions, skipped, as_of,
                           (c.file for c in facts.configs), facts.frameworks.frameworks)


def _okhttp_patterns(
    code: CodeFacts | None, levels: LevelIndex
) -> dict[str, list[tuple[HostPin, bool]]]:
    """Host pattern -> its OkHttp pins (with whether each can match), from known calls."""
    patterns: dict[str, list[tuple[HostPin, bool]]] = {}
    for call in code.pinner_calls if code else ():
        if call.pattern is None:
            continue
        entry = patterns.setdefault(call.pattern.lower(), [])
        where = code_checks.code_location(call.location)
        for text in call.pins:
            if text is None:
                continue
            pin = code_checks.parse_okhttp_pin(text)
            if pin.algorithm is None:
                continue  # no hash at all: reported as malformed, nothing to show per host
            found = levels.classify(pin.value)
            certificate = found.certificate.path if found.certificate else None
            entry.append((HostPin(pin.value, found.level, certificate, str(where)), pin.usable))
    return patterns


def _declared_pins(config_policies: list[Policy]) -> dict[str, tuple[Location, str | None]]:
    pins: dict[str, tuple[Location, str | None]] = {}
    for policy in config_policies:
        if policy.pin_set is None or "pin_set" not in policy.declared:
            continue
        for pin in policy.pin_set.pins:
            if pin.decoded.valid:
                pins.setdefault(pin.decoded.value, (pin.location, policy.domains[0].name))
    return pins


def _first_party(
    hosts: list[HostRow], facts: AndroidFacts, options: EvaluationOptions,
    patterns: list[str], found: list[Endpoint],
) -> list[HostRow]:
    """Mark rows first- or third-party, and say where endpoint hosts were seen.

    ``patterns`` are the hosts and host patterns code pins (OkHttp, frameworks).
    """
    configured = {d.name for c in facts.configs for dc in c.all_domain_configs()
                  for d in dc.domains} | set(patterns)
    owned = app_domains(facts.manifest.package, options.first_party)
    for name in configured:
        domain = registrable_domain(name.lstrip("*."))
        if domain and not is_public_suffix(domain):
            owned.add(domain)
    seen = {e.host: e.sources for e in found}
    marked = []
    for row in hosts:
        if row.host == EVERY_OTHER_HOST:
            marked.append(row)
            continue
        first = not is_local(row.host.lstrip("*.")) and (
            row.host in configured or is_first_party(row.host, owned))
        sources = row.sources
        if row.host in seen:
            sources = (*(f"URL in {s}" for s in seen[row.host]), *sources)
        marked.append(replace(row, first_party=first, sources=tuple(dict.fromkeys(sources))))
    return marked


def _store_problems(facts: AndroidFacts) -> list[Skipped]:
    config_items = {v.value for v in facts.manifest.nsc_files}
    return [s for s in facts.skipped
            if s.item != "resources.arsc" and not s.item.startswith("networkSecurityConfig")
            and s.item not in config_items and ("keystore" in s.reason.lower()
                                                or "PKCS" in s.reason or "PEM" in s.reason
                                                or "certificate" in s.reason.lower())]


def _config_unreadable(facts: AndroidFacts) -> str | None:
    manifest = facts.manifest
    if manifest.nsc_reference and not facts.configs:
        return (f"The network security configuration {manifest.nsc_name} could not be "
                "resolved or read")
    return None


def _code_unanalysed(facts: AndroidFacts) -> bool:
    if facts.frameworks.unread:
        return True
    if not facts.dex_files:
        return False
    code = facts.code
    return code is None or any(s.item in facts.dex_files for s in code.skipped)


def _unattributed(facts: AndroidFacts) -> str | None:
    """Pinning that exists but cannot be tied to hosts, in words; None when there is none."""
    code = facts.code
    parts = []
    if code is not None:
        if any(c.pattern is None for c in code.pinner_calls):
            parts.append("an OkHttp pinner whose host is computed at run time")
        if code.trust_stores:
            parts.append("an own trust store built in code")
        if code.custom_managers:
            parts.append("a custom TrustManager that inspects keys")
    if any(p.file.endswith(".so") for p in facts.pin_strings):
        parts.append("pin-shaped strings in native code")
    parts += frameworks.unattributed(facts.frameworks)
    return ", ".join(parts) or None


def _coverage(catalog: Catalog, hosts: list[HostRow], facts: AndroidFacts) -> list[Decision]:
    """No-pinning and unpinned-host decisions, from the host table."""
    if any(c.rejected for c in facts.configs):
        # A rejected file is rated by nsc-rejected; coverage of what it says is moot.
        return []
    first_party = [h for h in hosts if h.first_party]
    base = next((h for h in hosts if h.host == EVERY_OTHER_HOST), None)
    protected = [h for h in first_party if h.protected]
    where = Location(facts.configs[0].file if facts.configs else "AndroidManifest.xml")
    unattributed = _unattributed(facts)
    if not protected and not (base and base.protected):
        if _code_unanalysed(facts) or _config_unreadable(facts) or unattributed:
            return []  # pinning may exist where it cannot be seen: the verdict says so
        return [catalog.decide("no-pinning", where,
                               "no host is pinned by the configuration or by code, and the "
                               "system store is trusted")]
    configured = {d.name for c in facts.configs for dc in c.all_domain_configs()
                  for d in dc.domains}
    if facts.code is not None:
        configured |= {c.pattern for c in facts.code.pinner_calls if c.pattern}
    return [
        catalog.decide("host-not-pinned", Location(*where_known(row).split(":", 1)),
                       f"{row.host} is {how_known(row, configured)} but neither pinned nor "
                       "limited to bundled anchors" + may_cover(unattributed), host=row.host)
        for row in first_party if not row.protected
    ]
