"""The pipeline: bundle -> unpack -> facts -> evaluation -> one :class:`ScanResult`."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from mstg_pinscan.errors import FactError
from mstg_pinscan.evaluate import apk, ios
from mstg_pinscan.evaluate.apk import EvaluationOptions, evaluate_android
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.ios import evaluate_ios
from mstg_pinscan.facts.android import collect_android_facts
from mstg_pinscan.facts.ios import collect_ios_facts
from mstg_pinscan.models import Platform, ScanResult
from mstg_pinscan.unpack import UnpackLimits, detect_platform, open_bundle

_logger = logging.getLogger(__name__)

RULES_USED = apk.RULES_USED | ios.RULES_USED

__all__ = ["RULES_USED", "ScanOptions", "evaluate_android", "scan_file"]


@dataclass(frozen=True)
class ScanOptions(EvaluationOptions):
    """Settings of one scan: the evaluation's, plus how the bundle is read."""

    limits: UnpackLimits = UnpackLimits()
    read_code: bool = True


def scan_file(path: Path, catalog: Catalog, options: ScanOptions) -> ScanResult:
    """Scan one bundle; raises :class:`PinscanError` subclasses for unreadable input."""
    started = time.perf_counter()
    with open_bundle(path, options.limits) as bundle:
        platform = detect_platform(bundle)
        _logger.info("reading facts from %s", path.name)
        sha256 = bundle.sha256
        try:
            if platform is Platform.IOS:
                ios_facts = collect_ios_facts(bundle)
            else:
                facts = collect_android_facts(bundle, read_code=options.read_code)
        except FactError as exc:
            raise FactError(exc.diagnostics(), path=str(path)) from exc
    if platform is Platform.IOS:
        result = evaluate_ios(ios_facts, catalog, options, path, sha256)
    else:
        result = evaluate_android(facts, catalog, options, path, sha256)
    duration = round(time.perf_counter() - started, 3)
    return ScanResult(**{**result.__dict__, "duration_s": duration})
