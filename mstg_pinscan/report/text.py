"""The terminal summary: the verdict, the host table and the decisions that need action."""

from __future__ import annotations

import re
from pathlib import Path

from mstg_pinscan.models import ScanResult, Status
from mstg_pinscan.report.interface import ReportWriter

_MAX_ACTIONS = 12
# Characters an app could use to steer the reviewer's terminal: C0 and C1 controls (escape
# sequences, carriage returns, forged line breaks) and the bidirectional overrides that
# reorder what is shown. Each is shown as its escape instead.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(line: str) -> str:
    """``line`` with every control or reordering character written as an escape."""
    return _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], line)


def summarise(result: ScanResult) -> str:
    """Return a short, plain-text summary of one scan."""
    app = result.app
    levels = (f"minSdk {app.min_os}, targetSdk {app.target_sdk}" if app.platform.value ==
              "android" else f"iOS {app.min_os or '?'} and later")
    lines = [
        f"{app.file}  {app.id or '?'} {app.version or ''}  ({levels})",
        f"  MSTG-NETWORK-4: {result.verdict.status.value.upper()}  {result.verdict.reason}",
    ]
    for framework in result.frameworks:
        unread = f"; not read: {'; '.join(framework.unread)}" if framework.unread else ""
        lines.append(f"  built with {framework.name}{unread}")
    if result.hosts:
        lines.append("  hosts:")
        width = max(len(h.host) for h in result.hosts)
        for host in result.hosts:
            protection = ", ".join(host.protection) or "none"
            details = []
            if host.pins:
                details.append(f"{len(host.pins)} pin{'s' if len(host.pins) > 1 else ''}")
            if host.level:
                details.append(f"level {host.level.value}")
            if host.expires:
                details.append(f"expires {host.expires}")
            if host.cleartext_permitted:
                details.append("cleartext allowed")
            suffix = f"  ({'; '.join(details)})" if details else ""
            lines.append(f"    {host.host:<{width}}  {protection}{suffix}")
    actions = [d for d in result.decisions if d.status in (Status.FAIL, Status.WARN)]
    counts = {s: sum(1 for d in result.decisions if d.status is s) for s in Status}
    suppressed = sum(1 for d in actions if d.suppression)
    lines.append(
        "  decisions: " + ", ".join(f"{counts[s]} {s.value}" for s in Status)
        + (f" ({suppressed} accepted by the baseline)" if suppressed else "")
    )
    for decision in actions[:_MAX_ACTIONS]:
        severity = decision.severity.value if decision.severity else ""
        where = f" [{decision.host}]" if decision.host else ""
        accepted = " (baseline: accepted)" if decision.suppression else ""
        lines.append(f"    {decision.status.value.upper():<4} {severity:<8} {decision.rule_id} "
                     f"{decision.title}{where}{accepted}")
    if len(actions) > _MAX_ACTIONS:
        lines.append(f"    … {len(actions) - _MAX_ACTIONS} more in the full report")
    if result.skipped:
        lines.append(f"  not analysed: {len(result.skipped)} item(s), see the report")
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


class TextWriter(ReportWriter):
    """Summaries of every scan, one after another."""

    extension = "txt"

    def render(self, results: list[ScanResult]) -> str:
        text = "\n".join(summarise(r) for r in results)
        if len(results) > 1:
            text += "\n" + summary_table(results)
        return text


def summary_table(results: list[ScanResult]) -> str:
    """One line per scanned bundle: verdict, gating decisions and pinned first-party hosts."""
    names = [Path(r.app.file).name for r in results]
    width = max(len("file"), *(len(n) for n in names))
    lines = [f"{'file':<{width}}  {'verdict':<12}  fail  warn  pinned hosts"]
    for name, result in zip(names, results, strict=True):
        fails = sum(1 for d in result.decisions if d.status is Status.FAIL)
        warns = sum(1 for d in result.decisions if d.status is Status.WARN)
        first_party = [h for h in result.hosts if h.first_party]
        pinned = sum(1 for h in first_party if h.protected)
        lines.append(f"{name:<{width}}  {result.verdict.status.value.upper():<12}  "
                     f"{fails:>4}  {warns:>4}  {pinned}/{len(first_party)}")
    return "\n".join(terminal_safe(line) for line in lines) + "\n"
