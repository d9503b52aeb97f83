"""SARIF 2.1.0 output for code-scanning services, one run per scanned bundle."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mstg_pinscan import __version__
from mstg_pinscan.models import Decision, ScanResult, Severity, Status
from mstg_pinscan.report.interface import ReportWriter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
}


def sarif_level(decision: Decision) -> str:
    """Map a decision to a SARIF level: the one place severity meets SARIF."""
    if decision.status is Status.FAIL:
        return "error" if decision.severity in (Severity.CRITICAL, Severity.HIGH) else "warning"
    if decision.status is Status.WARN:
        return "warning" if decision.severity is not Severity.LOW else "note"
    return "none"


def _fingerprint(result: ScanResult, decision: Decision) -> str:
    identity = "|".join([result.app.id or result.app.file, decision.rule_id,
                         decision.location.file, decision.location.element or "",
                         decision.host or ""])
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def _rule_descriptor(decision: Decision) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["security", *decision.references]}
    if decision.severity is not None:
        properties["security-severity"] = _SECURITY_SEVERITY[decision.severity]
    return {
        "id": decision.rule_id,
        "name": decision.rule_name,
        "shortDescription": {"text": decision.title},
        "help": {"text": decision.remediation},
        "properties": properties,
    }


def _run(result: ScanResult) -> dict[str, Any]:
    reported = [d for d in result.decisions if d.status in (Status.FAIL, Status.WARN)]
    rule_ids = sorted({d.rule_id for d in reported})
    first = {d.rule_id: d for d in reversed(reported)}
    rules = [_rule_descriptor(first[rule_id]) for rule_id in rule_ids]
    results = [
        {
            "ruleId": d.rule_id,
            "ruleIndex": rule_ids.index(d.rule_id),
            "level": sarif_level(d),
            "message": {"text": f"{d.title}: {d.evidence}"},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": d.location.file}},
                **({"logicalLocations": [{"fullyQualifiedName": d.location.element}]}
                   if d.location.element else {}),
            }],
            "partialFingerprints": {"pinscanDecision/v1": _fingerprint(result, d)},
        }
        for d in reported
    ]
    return {
        "tool": {"driver": {
            "name": "pinscan", "version": __version__, "rules": rules,
            "informationUri": "https://mas.owasp.org/MASVS/controls/MASVS-NETWORK-2/",
        }},
        "artifacts": [{"location": {"uri": result.app.file}}],
        "results": results,
        "properties": {"verdict": result.verdict.status.value,
                       "verdictReason": result.verdict.reason},
    }


class SarifWriter(ReportWriter):
    """A SARIF log with one run per bundle."""

    extension = "sarif"

    def render(self, results: list[ScanResult]) -> str:
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [_run(r) for r in results]}
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
