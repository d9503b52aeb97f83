"""The security team's policy: hosts that must be pinned, the pins each may carry, and how
many days before expiry pins and certificates must be renewed.

A policy file is TOML::

    min-days-before-expiry = 60

    [[host]]
    name = "api.example.com"
    pins = ["sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
            "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="]

Every listed host must be pinned (or limited to the app's own trust store); ``pins``, when
given, are the only pins it may carry, so a rotation fails the build until the policy records
it. Violations are decisions of the ``policy-*`` rules: they gate the exit code, and they
leave the MSTG verdict alone, which rates the app and not the team's contract.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mstg_pinscan.errors import UsageError
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.code import okhttp_pattern_matches
from mstg_pinscan.evaluate.hosts import EVERY_OTHER_HOST, URL_SOURCE
from mstg_pinscan.evaluate.result import enabled
from mstg_pinscan.models import Decision, HostRow, Location, ScanResult
from mstg_pinscan.pins import decode_strict_pin

RULES = {"policy-host-pinned", "policy-host-not-pinned", "policy-unexpected-pin",
         "policy-approved-pin-missing", "policy-pin-expiry-too-soon",
         "policy-certificate-expiry-too-soon"}
_KEYS = {"min-days-before-expiry", "host"}
_HOST_KEYS = {"name", "pins"}


@dataclass(frozen=True)
class HostRule:
    """One host the policy requires pinned, with the pins it may carry (None: any)."""

    name: str
    pins: frozenset[str] | None


@dataclass(frozen=True)
class ReleasePolicy:
    """A parsed policy file."""

    path: Path
    hosts: tuple[HostRule, ...]
    min_days: int | None

    def apply(self, results: Iterable[ScanResult], catalog: Catalog,
              disabled: frozenset[str] = frozenset()) -> list[ScanResult]:
        """Add the policy's decisions to every result, leaving out disabled rules."""
        catalog.require(RULES)
        applied = []
        for result in results:
            added = enabled(self.decisions(result, catalog), disabled)
            decisions = sorted((*result.decisions, *added), key=Decision.sort_key)
            applied.append(replace(result, decisions=tuple(decisions)))
        return applied

    def decisions(self, result: ScanResult, catalog: Catalog) -> list[Decision]:
        """The policy's decisions about one scanned bundle."""
        decisions = []
        for rule in self.hosts:
            decisions += _host_decisions(rule, result, catalog, self.path)
        if self.min_days is not None:
            decisions += _expiry_decisions(result, catalog, self.min_days)
        return decisions


def covering_rows(hosts: Iterable[HostRow], name: str) -> list[HostRow]:
    """The host-table rows that apply to ``name``: exact hosts, parents with subdomains
    included, and OkHttp wildcard patterns; the every-other-host row when none does."""
    name = name.lower()
    rows = list(hosts)
    matching = [
        row for row in rows if row.host != EVERY_OTHER_HOST and (
            row.host == name
            or (row.include_subdomains and name.endswith("." + row.host.lstrip("*.")))
            or (row.host.startswith("*") and okhttp_pattern_matches(row.host, name)))
    ]
    if matching:
        return matching
    return [row for row in rows if row.host == EVERY_OTHER_HOST]


def _host_decisions(rule: HostRule, result: ScanResult, catalog: Catalog,
                    path: Path) -> list[Decision]:
    rows = covering_rows(result.hosts, rule.name)
    where = _location(rows, path)
    protection = sorted({p for row in rows for p in row.protection})
    if not protection:
        return [catalog.decide("policy-host-not-pinned", where,
                               f"{path.name} requires {rule.name} to be pinned; the app applies "
                               "no pin and no own trust store to it", host=rule.name)]
    decisions = [catalog.decide("policy-host-pinned", where,
                                f"{rule.name} is protected by {', '.join(protection)}",
                                host=rule.name)]
    if rule.pins is None:
        return decisions
    carried = {pin.value for row in rows for pin in row.pins}
    unexpected = sorted(carried - rule.pins)
    if unexpected:
        decisions.append(catalog.decide(
            "policy-unexpected-pin", where,
            f"pins not in {path.name}: {', '.join('sha256/' + p for p in unexpected)}",
            host=rule.name))
    if carried and not carried & rule.pins:
        decisions.append(catalog.decide(
            "policy-approved-pin-missing", where,
            f"none of the {len(rule.pins)} pin(s) {path.name} approves for {rule.name} is "
            f"among the app's {len(carried)} pin(s)", host=rule.name))
    return decisions


def _expiry_decisions(result: ScanResult, catalog: Catalog, min_days: int) -> list[Decision]:
    decisions = []
    for row in result.hosts:
        if row.expires is None or not row.pins:
            continue
        left = (row.expires - result.as_of).days
        if left < min_days:
            decisions.append(catalog.decide(
                "policy-pin-expiry-too-soon", _location([row], None),
                f"pins for {row.host} expire on {row.expires.isoformat()}, {left} day(s) after "
                f"{result.as_of.isoformat()}; the policy asks for at least {min_days}",
                host=row.host))
    for cert in result.certificates:
        left = (cert.not_after - result.as_of).days
        if left < min_days:
            decisions.append(catalog.decide(
                "policy-certificate-expiry-too-soon", Location(cert.path, cert.alias),
                f"{cert.subject} expires on {cert.not_after.isoformat()}, {left} day(s) after "
                f"{result.as_of.isoformat()}; the policy asks for at least {min_days}"))
    return decisions


def _location(rows: list[HostRow], path: Path | None) -> Location:
    """The bundle file that configures the rows, else the policy file."""
    for row in rows:
        for source in row.sources:
            if not source.startswith(URL_SOURCE):
                file, _, element = source.partition(":")
                return Location(file, element or None)
    return Location(str(path) if path else "", None)


def load_policy(path: Path) -> ReleasePolicy:
    """Read a policy file; any defect is a usage error naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read policy: {exc.strerror or exc}", path=str(path)) from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"policy is not TOML: {exc}", path=str(path)) from exc
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise UsageError(f"unknown policy keys {unknown}", path=str(path))
    min_days = data.get("min-days-before-expiry")
    if min_days is not None and (type(min_days) is not int or min_days < 0):
        raise UsageError("min-days-before-expiry must be a whole number of days",
                         path=str(path))
    entries = data.get("host", [])
    if not isinstance(entries, list):
        raise UsageError("host must be an array of tables ([[host]])", path=str(path))
    hosts = tuple(_host(entry, number, path) for number, entry in enumerate(entries, 1))
    if not hosts and min_days is None:
        raise UsageError("policy asks for nothing: no [[host]] and no min-days-before-expiry",
                         path=str(path))
    return ReleasePolicy(path, hosts, min_days)


def _host(entry: Any, number: int, path: Path) -> HostRule:
    def fail(reason: str) -> UsageError:
        return UsageError(f"host {number}: {reason}", path=str(path))

    if not isinstance(entry, dict):
        raise fail("is not a table")
    unknown = sorted(set(entry) - _HOST_KEYS)
    if unknown:
        raise fail(f"unknown keys {unknown}")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip(".").strip():
        raise fail("\"name\" must be a host name")
    pins = entry.get("pins")
    if pins is None:
        return HostRule(name.lower().strip("."), None)
    if not isinstance(pins, list) or not pins:
        raise fail("\"pins\" must be a non-empty list of sha256/BASE64 pins")
    return HostRule(name.lower().strip("."), frozenset(_pin(p, number, path) for p in pins))


def _pin(text: Any, number: int, path: Path) -> str:
    """A pin's base64 SHA-256 digest, the form the host table carries."""
    pin = decode_strict_pin(text.removeprefix("sha256/") if isinstance(text, str) else "")
    if not pin.valid:
        raise UsageError(f"host {number}: {text!r} is not a sha256/ pin of 32 bytes in base64",
                         path=str(path))
    return pin.value
