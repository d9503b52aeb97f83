"""Assemble a scan's result in the one deterministic order every report relies on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mstg_pinscan.models import (
    AppInfo,
    CertificateInfo,
    Decision,
    FrameworkInfo,
    HostRow,
    ScanResult,
    Skipped,
    Verdict,
)


def assemble_result(
    app: AppInfo,
    verdict: Verdict,
    hosts: Iterable[HostRow],
    certificates: Iterable[CertificateInfo],
    decisions: Iterable[Decision],
    skipped: Iterable[Skipped],
    as_of: date,
    config_files: Iterable[str],
    frameworks: Iterable[FrameworkInfo] = (),
) -> ScanResult:
    """A result with decisions most severe first and skipped items deduplicated and sorted."""
    return ScanResult(
        app=app,
        verdict=verdict,
        hosts=tuple(hosts),
        certificates=tuple(certificates),
        decisions=tuple(sorted(decisions, key=Decision.sort_key)),
        skipped=tuple(sorted(set(skipped), key=lambda s: (s.item, s.reason))),
        as_of=as_of,
        config_files=tuple(config_files),
        frameworks=tuple(frameworks),
    )


def enabled(decisions: Iterable[Decision], disabled: frozenset[str]) -> list[Decision]:
    """The decisions whose rule (by id or name) the user has not disabled."""
    return [d for d in decisions if d.rule_id not in disabled and d.rule_name not in disabled]
