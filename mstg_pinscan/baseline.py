"""Baselines: decisions a team has accepted for now, by fingerprint, with a reason and an
optional end date after which they count again.

A suppressed decision is not hidden: it stays in every report, marked with its reason, and
only stops gating the exit code. The verdict is the app's honest rating and ignores the
baseline.

The file is JSON so that it round-trips exactly and diffs well in review::

    {"pinscan_baseline": 1,
     "suppressions": [{"fingerprint": "…", "rule_id": "PS0101", "host": "api.example.com",
                       "location": "res/xml/network_security_config.xml",
                       "title": "…", "reason": "Pins rotate in 4.2", "until": "2027-03-01"}]}

``rule_id``, ``host``, ``location`` and ``title`` are there for the reader; only the
fingerprint matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from mstg_pinscan.errors import UsageError
from mstg_pinscan.models import Decision, ScanResult, Status, Suppression

FORMAT_VERSION = 1


def fingerprint(result: ScanResult, decision: Decision) -> str:
    """Identity of a finding across releases: app, rule, place in the bundle and host, but
    not the evidence text, which may name versions or dates."""
    identity = "|".join([result.app.id or result.app.file, decision.rule_id,
                         decision.location.file, decision.location.element or "",
                         decision.host or ""])
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    """One accepted decision."""

    fingerprint: str
    reason: str
    until: date | None


@dataclass(frozen=True)
class Baseline:
    """The accepted decisions of one baseline file."""

    path: Path
    entries: dict[str, Entry]

    def apply(self, results: Iterable[ScanResult], as_of: date) -> tuple[list[ScanResult],
                                                                          list[str]]:
        """Mark the decisions this baseline accepts on ``as_of``.

        Returns the marked results and one notice per entry that has ended, so that the
        user learns why a decision gates again.
        """
        marked, notices, ended = [], [], set()
        for result in results:
            decisions = []
            for decision in result.decisions:
                entry = self.entries.get(fingerprint(result, decision))
                if entry and entry.until is not None and entry.until < as_of:
                    ended.add(entry.fingerprint)
                    entry = None
                if entry:
                    decision = replace(decision,
                                       suppression=Suppression(entry.reason, entry.until))
                decisions.append(decision)
            marked.append(replace(result, decisions=tuple(decisions)))
        for key in sorted(ended):
            entry = self.entries[key]
            notices.append(f"{self.path}: suppression {key} ended on {entry.until} "
                           f"({entry.reason}); the decision counts again")
        return marked, notices


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; any defect is a usage error naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read baseline: {exc.strerror or exc}", path=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"baseline is not JSON: {exc}", path=str(path)) from exc
    if not isinstance(data, dict) or data.get("pinscan_baseline") != FORMAT_VERSION:
        raise UsageError(f"not a pinscan baseline (expected \"pinscan_baseline\": "
                         f"{FORMAT_VERSION})", path=str(path))
    suppressions = data.get("suppressions")
    if not isinstance(suppressions, list):
        raise UsageError("baseline has no \"suppressions\" list", path=str(path))
    entries: dict[str, Entry] = {}
    for number, item in enumerate(suppressions, 1):
        entry = _entry(item, number, path)
        entries[entry.fingerprint] = entry
    return Baseline(path, entries)


def _entry(item: Any, number: int, path: Path) -> Entry:
    def fail(reason: str) -> UsageError:
        return UsageError(f"suppression {number}: {reason}", path=str(path))

    if not isinstance(item, dict):
        raise fail("is not an object")
    key = item.get("fingerprint")
    if not isinstance(key, str) or len(key) != 32 or not _is_hex(key):
        raise fail("\"fingerprint\" must be the 32 hex digits pinscan writes")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise fail("\"reason\" must say why the decision is accepted")
    until = item.get("until")
    if until is not None:
        try:
            until = date.fromisoformat(until) if isinstance(until, str) else None
        except ValueError:
            until = None
        if until is None:
            raise fail("\"until\" must be a date of the form YYYY-MM-DD, or null")
    return Entry(key, reason.strip(), until)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def baseline_text(results: Iterable[ScanResult], as_of: date) -> str:
    """A baseline that accepts every failing and warning decision of ``results``.

    A decision an active baseline already accepts keeps its reason and end date; any other
    gets a placeholder reason to be replaced by the real one in review, and no end date.
    """
    suppressions = []
    for result in results:
        for decision in result.decisions:
            if decision.status not in (Status.FAIL, Status.WARN):
                continue
            suppressions.append({
                "fingerprint": fingerprint(result, decision),
                "rule_id": decision.rule_id,
                "host": decision.host,
                "location": str(decision.location),
                "title": decision.title,
                "reason": f"Present in {Path(result.app.file).name} when the baseline was "
                          f"written on {as_of.isoformat()}",
                "until": None,
            })
            if decision.suppression:  # already accepted: keep what the team wrote
                until = decision.suppression.until
                suppressions[-1]["reason"] = decision.suppression.reason
                suppressions[-1]["until"] = until.isoformat() if until else None
    unique = {s["fingerprint"]: s for s in suppressions}
    document = {"pinscan_baseline": FORMAT_VERSION,
                "suppressions": sorted(unique.values(),
                                       key=lambda s: (s["rule_id"], s["location"],
                                                      s["host"] or ""))}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
