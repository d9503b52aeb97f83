"""The JSON report: stable, versioned, described by ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from mstg_pinscan import __version__
from mstg_pinscan.models import CertificateInfo, Decision, HostRow, ScanResult
from mstg_pinscan.report.interface import ReportWriter

SCHEMA_VERSION = "1.2"
TOOL_NAME = "pinscan"


def result_to_dict(result: ScanResult) -> dict[str, Any]:
    """Return the JSON-ready form of one scan; key order and list order are stable."""
    app = result.app
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "app": {
            "file": app.file,
            "sha256": app.sha256,
            "platform": app.platform.value,
            "id": app.id,
            "version": app.version,
            "min_os": app.min_os,
            "target_sdk": app.target_sdk,
            "frameworks": [
                {"name": f.name, "evidence": list(f.evidence), "read": list(f.read),
                 "unread": list(f.unread)}
                for f in result.frameworks
            ],
        },
        "verdict": {
            "standard": "MSTG-NETWORK-4",
            "status": result.verdict.status.value,
            "reason": result.verdict.reason,
        },
        "hosts": [_host(h) for h in result.hosts],
        "certificates": [_certificate(c) for c in result.certificates],
        "decisions": [_decision(d) for d in result.decisions],
        "analysis": {
            "complete": result.complete,
            "as_of": result.as_of.isoformat(),
            "config_files": list(result.config_files),
            "skipped": [{"item": s.item, "reason": s.reason} for s in result.skipped],
            "duration_s": result.duration_s,
        },
    }


def _host(row: HostRow) -> dict[str, Any]:
    return {
        "host": row.host,
        "include_subdomains": row.include_subdomains,
        "first_party": row.first_party,
        "protection": list(row.protection),
        "level": row.level.value if row.level else None,
        "pins": [
            {
                "value": pin.value,
                "level": pin.level.value,
                "matches_certificate": pin.matches_certificate,
                "certificate": pin.certificate,
            }
            for pin in row.pins
        ],
        "expires": row.expires.isoformat() if row.expires else None,
        "backup_pin": row.backup_pin,
        "trust_anchors": list(row.trust_anchors),
        "cleartext_permitted": row.cleartext_permitted,
        "sources": list(row.sources),
    }


def _certificate(cert: CertificateInfo) -> dict[str, Any]:
    return {
        "path": cert.path,
        "container": cert.container,
        "alias": cert.alias,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "serial": cert.serial,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "self_signed": cert.self_signed,
        "is_ca": cert.is_ca,
        "key": cert.key,
        "signature_hash": cert.signature_hash,
        "spki_sha256": cert.spki_sha256,
        "sha256": cert.sha256,
    }


def _decision(decision: Decision) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule_id": decision.rule_id,
        "rule_name": decision.rule_name,
        "status": decision.status.value,
        "severity": decision.severity.value if decision.severity else None,
        "title": decision.title,
        "host": decision.host,
        "location": {"file": decision.location.file, "element": decision.location.element},
        "evidence": decision.evidence,
        "remediation": decision.remediation,
        "references": list(decision.references),
        "suppressed": None,
    }
    if decision.suppression:
        until = decision.suppression.until
        entry["suppressed"] = {"reason": decision.suppression.reason,
                               "until": until.isoformat() if until else None}
    return entry


class JsonWriter(ReportWriter):
    """One scan as an object; several scans as ``{"reports": [...]}``."""

    extension = "json"

    def render(self, results: list[ScanResult]) -> str:
        documents = [result_to_dict(r) for r in results]
        payload: Any = documents[0]
        if len(documents) > 1:
            payload = {
                "schema_version": SCHEMA_VERSION,
                "tool": {"name": TOOL_NAME, "version": __version__},
                "reports": documents,
            }
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
