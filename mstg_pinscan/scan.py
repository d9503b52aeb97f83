"""The pipeline: bundle -> unpack -> facts -> evaluation -> one :class:`ScanResult`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from mstg_pinscan import release_policy
from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.evaluate import apk, ios
from mstg_pinscan.evaluate.apk import EvaluationOptions, evaluate_android
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.ios import evaluate_ios
from mstg_pinscan.facts.android import collect_android_facts
from mstg_pinscan.facts.frameworks import collect_framework_facts
from mstg_pinscan.facts.ios import IosFacts, collect_ios_facts, ios_facts_from_plist
from mstg_pinscan.models import Platform, ScanResult
from mstg_pinscan.unpack import UnpackLimits, detect_platform, open_bundle
from mstg_pinscan.unpack.archive import sha256_of

_logger = logging.getLogger(__name__)

RULES_USED = apk.RULES_USED | ios.RULES_USED | release_policy.RULES

__all__ = ["RULES_USED", "ScanOptions", "evaluate_android", "scan_file"]


@dataclass(frozen=True)
class ScanOptions(EvaluationOptions):
    """Settings of one scan: the evaluation's, plus how the bundle is read."""

    limits: UnpackLimits = UnpackLimits()
    read_code: bool = True


def scan_file(path: Path, catalog: Catalog, options: ScanOptions) -> ScanResult:
    """Scan one bundle; raises :class:`PinscanError` subclasses for unreadable input."""
    started = time.perf_counter()
    if _is_bare_plist(path):
        facts_of_plist = ios_facts_from_plist_file(path)
        result = evaluate_ios(facts_of_plist, catalog, options, path, sha256_of(path))
        duration = round(time.perf_counter() - started, 3)
        return ScanResult(**{**result.__dict__, "duration_s": duration})
    with open_bundle(path, options.limits) as bundle:
        platform = detect_platform(bundle)
        _logger.info("reading facts from %s", path.name)
        sha256 = bundle.sha256
        try:
            if platform is Platform.IOS:
                ios_facts = collect_ios_facts(bundle)
                ios_facts = replace(ios_facts,
                                    frameworks=collect_framework_facts(bundle, platform))
            else:
                facts = collect_android_facts(bundle, read_code=options.read_code)
                facts = replace(facts, frameworks=collect_framework_facts(bundle, platform))
        except FactError as exc:
            raise FactError(exc.diagnostics(), path=str(path)) from exc
    if platform is Platform.IOS:
        result = evaluate_ios(ios_facts, catalog, options, path, sha256)
    else:
        result = evaluate_android(facts, catalog, options, path, sha256)
    duration = round(time.perf_counter() - started, 3)
    return ScanResult(**{**result.__dict__, "duration_s": duration})


def _is_bare_plist(path: Path) -> bool:
    """True for a property list file (XML or binary) given instead of a bundle."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False  # the bundle reader says what is wrong with the path
    return head.startswith(b"bplist") or (b"<plist" in head and not head.startswith(b"PK"))


def ios_facts_from_plist_file(path: Path) -> IosFacts:
    """Read a bare Info.plist, bounded like a bundle entry."""
    if path.stat().st_size > UnpackLimits().max_entry_size:
        raise UnpackError("property list larger than the entry limit", path=str(path))
    try:
        return ios_facts_from_plist(path.read_bytes(), path.name)
    except FactError as exc:
        raise FactError(exc.message, path=str(path)) from exc
