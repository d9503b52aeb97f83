"""The per-host table: one row per host, saying how it is protected and by what."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date

from mstg_pinscan.evaluate.android import pin_set_state
from mstg_pinscan.evaluate.code import okhttp_pattern_matches
from mstg_pinscan.evaluate.levels import LevelIndex, strongest
from mstg_pinscan.evaluate.policy import Policy
from mstg_pinscan.models import CertificateInfo, HostPin, HostRow, PinLevel

EVERY_OTHER_HOST = "*"
URL_SOURCE = "URL in "
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_local(host: str) -> bool:
    """True for loopback and private addresses, which no attacker on the path can reach."""
    if host in _LOOPBACK_NAMES or host.endswith(".localhost") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def policy_for(policies: list[Policy], host: str) -> Policy:
    """The policy Android applies to ``host``: the most specific matching domain-config
    (an exact domain, or a parent with includeSubdomains), else base-config."""
    host = host.lower().lstrip("*.")
    best: tuple[int, int, Policy] | None = None
    for policy in policies:
        for domain in policy.domains:
            exact = domain.name == host
            if exact or (domain.include_subdomains and host.endswith("." + domain.name)):
                rank = (len(domain.name), 1 if exact else 0)
                if best is None or rank > best[:2]:
                    best = (*rank, policy)
    if best is not None:
        return best[2]
    return next(p for p in policies if p.is_base)


def android_host_rows(
    policies: list[Policy], levels: LevelIndex, as_of: date, warn_days: int,
    rejected: bool = False, extra_hosts: Iterable[str] = (), trustkit_active: bool = True,
) -> list[HostRow]:
    """One row per configured domain, ``*`` for what base-config covers, and one per
    ``extra_hosts`` (endpoints, OkHttp patterns) under the policy that applies to it.

    Rows of a file Android ``rejected`` show no protection: the platform refuses to load it.
    """
    rows = []
    for policy in policies:
        names = [(EVERY_OTHER_HOST, True)] if policy.is_base else [
            (d.name, d.include_subdomains) for d in policy.domains
        ]
        for name, include_subdomains in names:
            rows.append(_row(policy, name, include_subdomains, levels, as_of, warn_days,
                             trustkit_active))
    named = {row.host for row in rows}
    for host in sorted(set(extra_hosts) - named):
        policy = policy_for(policies, host)
        rows.append(_row(policy, host, host.startswith("*"), levels, as_of, warn_days,
                         trustkit_active))
    if rejected:
        rows = [replace(row, protection=(),
                        sources=(*row.sources, "rejected by Android: see nsc-rejected"))
                for row in rows]
    return rows


def add_code_pins(
    rows: list[HostRow], patterns: Mapping[str, list[tuple[HostPin, bool]]],
    label: str = "okhttp-pins", matches: Callable[[str, str], bool] = okhttp_pattern_matches,
) -> list[HostRow]:
    """Join pins made in code into the rows their patterns match, under ``label``.

    ``patterns`` maps a host pattern to its pins, each with whether it can match a key;
    ``matches(pattern, host)`` says which hosts a pattern covers (OkHttp's rules by default).
    """
    joined = []
    for row in rows:
        matching = [pattern for pattern in patterns
                    if row.host == pattern or (row.host != EVERY_OTHER_HOST
                                               and not row.host.startswith("*")
                                               and matches(pattern, row.host))]
        if not matching:
            joined.append(row)
            continue
        pins = [pin for pattern in matching for pin, _ in patterns[pattern]]
        usable = {pin.value for pattern in matching for pin, ok in patterns[pattern] if ok}
        protection = list(row.protection)
        if usable and label not in protection:
            protection.append(label)
        all_pins = {p.value: p for p in (*row.pins, *pins)}
        level = strongest([p.level for p in all_pins.values() if p.level is not PinLevel.UNKNOWN]
                          + ([row.level] if row.level else []))
        joined.append(replace(
            row,
            protection=tuple(protection),
            pins=tuple(all_pins.values()),
            backup_pin=row.backup_pin or len(usable) >= 2,
            level=level or (PinLevel.UNKNOWN if all_pins else None),
            sources=tuple(dict.fromkeys((*row.sources, *(p.source for p in pins)))),
        ))
    return joined


def _row(
    policy: Policy, host: str, include_subdomains: bool, levels: LevelIndex, as_of: date,
    warn_days: int, trustkit_active: bool = True,
) -> HostRow:
    protection = []
    pins: list[HostPin] = []
    expires = None
    backup = False
    sources = [str(policy.location)]
    state = pin_set_state(policy.pin_set, as_of, warn_days) if policy.pin_set else None
    bypass = any(a.override_pins and a.kind != "raw" for a in policy.all_anchors)
    if policy.pin_set is not None and state is not None:
        expires = policy.pin_set.expiration
        sources.append(str(policy.pin_set.location))
        for value in state.distinct:
            found = levels.classify(value)
            certificate = found.certificate.path if found.certificate else None
            pins.append(HostPin(value, found.level, certificate, str(policy.pin_set.location)))
        backup = len(state.real) >= 2
        if state.enforced and not bypass:
            protection.append("nsc-pin-set")
            trustkit = policy.trustkit
            if trustkit_active and trustkit and trustkit.enforce_pinning and (
                len(state.distinct) >= 2
            ):
                protection.append("trustkit")
    if policy.own_trust_store and not any(a.kind != "raw" for a in policy.all_anchors):
        protection.append("own-trust-store")
    anchor_levels = [
        levels.level_of(cert)
        for anchor in policy.all_anchors
        for cert in _anchor_certs(anchor.files, levels)
    ] if "own-trust-store" in protection else []
    level = strongest([p.level for p in pins if p.level is not PinLevel.UNKNOWN] + anchor_levels)
    if level is None and pins:
        level = PinLevel.UNKNOWN
    return HostRow(
        host=host,
        include_subdomains=include_subdomains,
        first_party=None if host == EVERY_OTHER_HOST else not is_local(host),
        protection=tuple(protection),
        pins=tuple(pins),
        expires=expires,
        backup_pin=backup,
        trust_anchors=tuple(_anchor_label(a.src, a.files, a.override_pins)
                            for a in policy.all_anchors),
        cleartext_permitted=policy.cleartext,
        level=level,
        sources=tuple(dict.fromkeys(sources)),
    )


def _anchor_certs(files: tuple[str, ...], levels: LevelIndex) -> list[CertificateInfo]:
    wanted = set(files)
    return [c for certs in levels.by_pin.values() for c in certs
            if c.path.split("#")[0] in wanted]


def _anchor_label(src: str, files: tuple[str, ...], override_pins: bool) -> str:
    label = f"{src} ({', '.join(files)})" if files else src
    return label + (" overridePins" if override_pins else "")


def merge_rows(per_config: list[list[HostRow]]) -> list[HostRow]:
    """Join the rows of configuration files selected by resource qualifiers.

    A device loads one of the files; what protects a host is what holds whichever file it
    loads, so protection is intersected. A host a file does not name falls to its ``*`` row.
    """
    tables = [{row.host: row for row in rows} for rows in per_config]
    hosts = sorted({host for table in tables for host in table},
                   key=lambda h: (h != EVERY_OTHER_HOST, h))
    merged = []
    for host in hosts:
        candidates = [table.get(host) or table.get(EVERY_OTHER_HOST) for table in tables]
        present = [row for row in candidates if row is not None]
        merged.append(_join(host, present))
    return merged


def _join(host: str, rows: list[HostRow]) -> HostRow:
    first = next(r for r in rows if r.host == host)
    if len(rows) == 1:
        return first
    return replace(
        first,
        protection=tuple(p for p in first.protection if all(p in r.protection for r in rows)),
        pins=tuple({pin.value: pin for r in reversed(rows) for pin in r.pins}.values()),
        expires=min((r.expires for r in rows if r.expires), default=None),
        backup_pin=all(r.backup_pin for r in rows),
        trust_anchors=tuple(dict.fromkeys(a for r in rows for a in r.trust_anchors)),
        cleartext_permitted=any(r.cleartext_permitted for r in rows),
        sources=tuple(dict.fromkeys(s for r in rows for s in r.sources)),
    )


def where_known(row: HostRow) -> str:
    """Where to point for a host: a URL's file, else code, else the configuration."""
    for source in row.sources:
        if source.startswith(URL_SOURCE):
            return source[len(URL_SOURCE):]
    return next((s for s in row.sources if s.startswith("classes")), row.sources[0])


def how_known(row: HostRow, configured: set[str]) -> str:
    """``configured`` for a host the app names in its configuration or pinner, else how it
    was seen contacted."""
    urls = [s[len(URL_SOURCE):] for s in row.sources if s.startswith(URL_SOURCE)]
    if urls and row.host not in configured:
        return f"contacted (URL in {', '.join(urls)})"
    return "configured"


def may_cover(unattributed: str | None) -> str:
    """What an unpinned host's decision adds when the app pins hosts that cannot be told:
    that pinning may cover it."""
    return f"; the app also has {unattributed}, which may cover it" if unattributed else ""
