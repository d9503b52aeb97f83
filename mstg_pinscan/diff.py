"""Release diff: what changed in pinning between two builds of an app.

Both sides are JSON reports, either read from files pinscan wrote or made by scanning two
bundles, so a diff against last release's archived report needs no old APK. Compared are
the host tables (hosts gained or lost, pins added, removed or rotated, protection weakened or
strengthened) and the failing and warning decisions (new ones, fixed ones), keyed the way
baselines and SARIF fingerprints key them: rule, place in the bundle and host.

Known shortcomings: bundled certificates are compared only through the decisions they cause
(a certificate added or removed without changing a decision is not listed), and a decision
that moves to another file counts as one fixed and one new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mstg_pinscan.errors import UsageError
from mstg_pinscan.evaluate.hosts import EVERY_OTHER_HOST
from mstg_pinscan.report.json import SCHEMA_VERSION
from mstg_pinscan.report.text import terminal_safe

_VERDICT_RANK = {"pass": 0, "inconclusive": 1, "warn": 2, "fail": 3}
_GATING = ("fail", "warn")


@dataclass
class HostChange:
    """How one host's protection changed; empty lists mean no change of that kind."""

    host: str
    change: str  # "gained", "lost" or "changed"
    protection_before: list[str]
    protection_after: list[str]
    pins_added: list[str] = field(default_factory=list)
    pins_removed: list[str] = field(default_factory=list)
    weaker: bool = False
    stronger: bool = False

    @property
    def rotated(self) -> bool:
        """Pins were replaced: some removed and others added in the same release."""
        return bool(self.pins_added and self.pins_removed)


@dataclass
class ReleaseDiff:
    """Everything that changed, and whether protection got weaker."""

    old: dict[str, Any]
    new: dict[str, Any]
    hosts: list[HostChange]
    new_decisions: list[dict[str, Any]]
    fixed_decisions: list[dict[str, Any]]

    @property
    def verdict_before(self) -> str:
        return str(self.old["verdict"]["status"])

    @property
    def verdict_after(self) -> str:
        return str(self.new["verdict"]["status"])

    @property
    def weaker(self) -> bool:
        """True when the new build protects less: the CI gate."""
        return (_VERDICT_RANK[self.verdict_after] > _VERDICT_RANK[self.verdict_before]
                or any(h.weaker for h in self.hosts)
                or any(d["status"] == "fail" for d in self.new_decisions))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the diff."""
        return {
            "schema_version": SCHEMA_VERSION,
            "old": _side(self.old),
            "new": _side(self.new),
            "weaker": self.weaker,
            "hosts": [{"host": h.host, "change": h.change,
                       "protection_before": h.protection_before,
                       "protection_after": h.protection_after,
                       "pins_added": h.pins_added, "pins_removed": h.pins_removed,
                       "pins_rotated": h.rotated, "weaker": h.weaker, "stronger": h.stronger}
                      for h in self.hosts],
            "new_decisions": self.new_decisions,
            "fixed_decisions": self.fixed_decisions,
        }


def _side(report: dict[str, Any]) -> dict[str, Any]:
    app = report["app"]
    return {"file": app["file"], "id": app["id"], "version": app["version"],
            "verdict": report["verdict"]["status"]}


def compare(old: dict[str, Any], new: dict[str, Any]) -> ReleaseDiff:
    """Compare two single-app JSON reports."""
    before = {h["host"]: h for h in old["hosts"]}
    after = {h["host"]: h for h in new["hosts"]}
    changes = []
    fallback = after.get(EVERY_OTHER_HOST)  # what now applies to a host no longer listed
    for host in sorted(before.keys() | after.keys()):
        change = _host_change(host, before.get(host), after.get(host), fallback)
        if change:
            changes.append(change)
    old_keys = {_key(d): d for d in old["decisions"] if d["status"] in _GATING}
    new_keys = {_key(d): d for d in new["decisions"] if d["status"] in _GATING}
    return ReleaseDiff(
        old, new, changes,
        new_decisions=[new_keys[k] for k in sorted(new_keys.keys() - old_keys.keys())],
        fixed_decisions=[old_keys[k] for k in sorted(old_keys.keys() - new_keys.keys())],
    )


def _key(decision: dict[str, Any]) -> tuple[str, str, str, str]:
    location = decision["location"]
    return (decision["rule_id"], location["file"], location["element"] or "",
            decision["host"] or "")


def _host_change(host: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                 fallback: dict[str, Any] | None) -> HostChange | None:
    protection_before = sorted(old["protection"]) if old else []
    protection_after = sorted(new["protection"]) if new else []
    pins_before = {p["value"] for p in old["pins"]} if old else set()
    pins_after = {p["value"] for p in new["pins"]} if new else set()
    if old is None:
        assert new is not None
        # A new first-party host that nothing protects is a weakening; others are news.
        return HostChange(host, "gained", [], protection_after, sorted(pins_after), [],
                          weaker=bool(new["first_party"]) and not protection_after,
                          stronger=bool(protection_after))
    if new is None:
        # The host left the table; if the app still talks to it, the every-other-host
        # configuration now applies, so losing protection there is a weakening.
        after = sorted(fallback["protection"]) if fallback else []
        return HostChange(host, "lost", protection_before, after, [], sorted(pins_before),
                          weaker=bool(set(protection_before) - set(after)), stronger=False)
    if protection_before == protection_after and pins_before == pins_after:
        return None
    lost = set(protection_before) - set(protection_after)
    gained = set(protection_after) - set(protection_before)
    return HostChange(host, "changed", protection_before, protection_after,
                      sorted(pins_after - pins_before), sorted(pins_before - pins_after),
                      weaker=bool(lost),
                      stronger=bool(gained) and not lost)


def load_report(path: Path) -> dict[str, Any] | None:
    """A pinscan JSON report, or None when ``path`` is not JSON (then it is a bundle)."""
    try:
        with path.open("rb") as stream:
            if stream.read(1) not in (b"{", b""):
                return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"not a pinscan JSON report: {exc}", path=str(path)) from exc
    if not isinstance(data, dict) or "reports" in data:
        raise UsageError("not a single-app pinscan JSON report", path=str(path))
    if not {"app", "verdict", "hosts", "decisions"} <= data.keys():
        raise UsageError("not a pinscan JSON report (no app, verdict, hosts and decisions)",
                         path=str(path))
    version = data.get("schema_version", "")
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise UsageError(f"report format {version!r} is not {SCHEMA_VERSION}", path=str(path))
    return data


def render_text(diff: ReleaseDiff) -> str:
    """The terminal form of the diff."""
    old, new = diff.old["app"], diff.new["app"]
    lines = [f"pinscan diff: {old['file']} ({old['version'] or '?'}) -> "
             f"{new['file']} ({new['version'] or '?'})",
             f"  verdict: {diff.verdict_before.upper()} -> {diff.verdict_after.upper()}"]
    if not diff.hosts and not diff.new_decisions and not diff.fixed_decisions:
        lines.append("  no change in pinning")
    for change in diff.hosts:
        mark = " (weaker)" if change.weaker else " (stronger)" if change.stronger else ""
        before = ", ".join(change.protection_before) or "none"
        after = ", ".join(change.protection_after) or "none"
        lines.append(f"  {change.change:<7} {change.host}: {before} -> {after}{mark}")
        if change.rotated:
            lines.append(f"          pins rotated: {len(change.pins_removed)} removed, "
                         f"{len(change.pins_added)} added")
        lines += [f"          + sha256/{pin}" for pin in change.pins_added]
        lines += [f"          - sha256/{pin}" for pin in change.pins_removed]
    for title, decisions in (("new", diff.new_decisions), ("fixed", diff.fixed_decisions)):
        for d in decisions:
            where = f" [{d['host']}]" if d["host"] else ""
            lines.append(f"  {title:<7} {d['status'].upper():<4} {d['rule_id']} "
                         f"{d['title']}{where}")
    lines.append("  protection got weaker" if diff.weaker else "  protection did not get weaker")
    return "\n".join(terminal_safe(line) for line in lines) + "\n"
