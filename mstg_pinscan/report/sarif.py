"""SARIF 2.1.0 output for code-scanning services, one run per scanned bundle.

Rule descriptors come from the catalog (opaque stable ids, readable names, the rule's
description, remediation and references as help); results carry the file inside the bundle
as their location and a fingerprint that survives a rebuild, so a finding keeps its identity
across releases.
See: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import json
from typing import Any

from mstg_pinscan import __version__
from mstg_pinscan.baseline import fingerprint
from mstg_pinscan.evaluate.catalog import Catalog, Rule
from mstg_pinscan.models import Decision, ScanResult, Severity, Status
from mstg_pinscan.report.interface import ReportWriter

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_INFORMATION_URI = "https://mas.owasp.org/MASVS/controls/MASVS-NETWORK-2/"
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
}
_MAX_LOCATIONS = 10  # what code-scanning services accept per result


def sarif_level(status: Status, severity: Severity | None) -> str:
    """Map a rating to a SARIF level: the one place severity meets SARIF."""
    if status is Status.FAIL:
        return "error" if severity in (Severity.CRITICAL, Severity.HIGH) else "warning"
    if status is Status.WARN:
        return "warning" if severity is not Severity.LOW else "note"
    return "none"


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _descriptor(rule: Rule) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["security", *rule.references],
                                  "precision": "high"}
    if rule.severity is not None:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    if rule.cwe:
        properties["tags"].append(f"external/cwe/{rule.cwe.lower()}")
    references = ", ".join(rule.references)
    return {
        "id": rule.id,
        "name": _pascal(rule.name),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": f"{rule.remediation} References: {references}. Source: {rule.source}",
            "markdown": f"{rule.remediation}\n\nReferences: {references}\n\n"
                        f"Source: [{rule.source}]({rule.source})",
        },
        "helpUri": rule.source,
        "defaultConfiguration": {"level": sarif_level(rule.status, rule.severity)},
        "properties": properties,
    }


def _result(result: ScanResult, decision: Decision, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": decision.location.file}},
    }
    if decision.location.element:
        location["logicalLocations"] = [{"fullyQualifiedName": decision.location.element}]
    message = f"{decision.title}: {decision.evidence}"
    if decision.host:
        message += f" (host {decision.host})"
    sarif: dict[str, Any] = {
        "ruleId": decision.rule_id,
        "ruleIndex": rule_index,
        "level": sarif_level(decision.status, decision.severity),
        "message": {"text": message},
        "locations": [location][:_MAX_LOCATIONS],
        "partialFingerprints": {"pinscanDecision/v1": fingerprint(result, decision)},
    }
    if decision.suppression:
        justification = decision.suppression.reason
        if decision.suppression.until:
            justification += f" (until {decision.suppression.until.isoformat()})"
        sarif["suppressions"] = [{"kind": "external", "status": "accepted",
                                  "justification": justification}]
    return sarif


class SarifWriter(ReportWriter):
    """A SARIF log with one run per bundle; failing and warning decisions are results."""

    extension = "sarif"

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog

    def render(self, results: list[ScanResult]) -> str:
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
               "runs": [self._run(result) for result in results]}
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"

    def _run(self, result: ScanResult) -> dict[str, Any]:
        reported = [d for d in result.decisions if d.status in (Status.FAIL, Status.WARN)]
        rule_ids = sorted({d.rule_id for d in reported})
        rules = [self._descriptor(rule_id, reported) for rule_id in rule_ids]
        return {
            "tool": {"driver": {
                "name": "pinscan", "version": __version__, "semanticVersion": __version__,
                "informationUri": _INFORMATION_URI, "rules": rules,
            }},
            "artifacts": [{"location": {"uri": result.app.file},
                           "hashes": {"sha-256": result.app.sha256}}],
            "results": [_result(result, d, rule_ids.index(d.rule_id)) for d in reported],
            "properties": {"verdict": result.verdict.status.value,
                           "verdictReason": result.verdict.reason,
                           "frameworks": [f.name for f in result.frameworks]},
        }

    def _descriptor(self, rule_id: str, reported: list[Decision]) -> dict[str, Any]:
        if self.catalog is not None and rule_id in self.catalog.by_id:
            return _descriptor(self.catalog.by_id[rule_id])
        # Without the catalog, describe the rule from one of its decisions.
        decision = next(d for d in reported if d.rule_id == rule_id)
        return {"id": rule_id, "name": _pascal(decision.rule_name),
                "shortDescription": {"text": decision.title},
                "fullDescription": {"text": decision.title},
                "help": {"text": decision.remediation}}
