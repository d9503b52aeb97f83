"""SARIF: valid against the official 2.1.0 schema, accepted by GitHub code scanning's rules
(Microsoft's SARIF Multitool, fetched by scripts/test.sh), stable fingerprints, rule
descriptors from the catalog."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_APKS, SARIF_CACHE
from jsonschema import Draft202012Validator

from mstg_pinscan._cli import main

SCHEMA = SARIF_CACHE / "sarif-2.1.0.json"
MULTITOOL = SARIF_CACHE / "Sarif.Multitool"
BUNDLES = sorted([*SAMPLE_APKS.glob("*.apk"), *(ROOT / "sample_apps/ios/ipas").glob("*.ipa")])
needs_schema = pytest.mark.skipif(not SCHEMA.exists(),
                                  reason="run scripts/fetch_sarif_multitool.sh (the official "
                                  "SARIF schema comes with the Multitool)")


def _sarif(tmp_path: Path, *bundles: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path / "out.sarif"
    main(["--as-of", "2026-12-01", "--format", "sarif", "-o", str(out), "--fail-on", "never",
          *map(str, bundles)])
    return out, json.loads(out.read_text())


@needs_schema
@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.stem for b in BUNDLES])
def test_valid_against_the_official_schema(tmp_path: Path, bundle: Path) -> None:
    _, log = _sarif(tmp_path, bundle)
    Draft202012Validator(json.loads(SCHEMA.read_text())).validate(log)


@pytest.mark.skipif(not MULTITOOL.exists(),
                    reason="run scripts/fetch_sarif_multitool.sh")
def test_accepted_by_github_code_scanning_rules(tmp_path: Path) -> None:
    # One log with several runs, APK and IPA, failing, warning and passing apps.
    picked = [SAMPLE_APKS / "trust_all.apk", SAMPLE_APKS / "malformed_nsc.apk",
              SAMPLE_APKS / "okhttp_lambda.apk", ROOT / "sample_apps/ios/ipas/trust_any.ipa",
              ROOT / "sample_apps/ios/ipas/trustkit_bad.ipa"]
    path, _ = _sarif(tmp_path, *picked)
    done = subprocess.run([str(MULTITOOL), "validate", "--rule-kind", "Gh;Sarif",
                           "-o", str(tmp_path / "validation.sarif"), str(path)],
                          capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if ": error " in line]
    assert done.returncode == 0 and not errors, "\n".join(errors) or done.stderr


def test_rules_come_from_the_catalog(tmp_path: Path) -> None:
    _, log = _sarif(tmp_path, SAMPLE_APKS / "trust_all.apk")
    (run,) = log["runs"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    trust_all = rules["PS4010"]
    assert trust_all["name"] == "TrustAllManager"
    assert trust_all["properties"]["security-severity"] == "9.5"
    assert "external/cwe/cwe-295" in trust_all["properties"]["tags"]
    assert trust_all["helpUri"].startswith("https://")
    assert trust_all["fullDescription"]["text"] and "MASTG-TEST-0282" in trust_all["help"]["text"]
    for result in run["results"]:
        assert len(result["locations"]) <= 10
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_fingerprints_survive_a_rebuild(tmp_path: Path) -> None:
    """Two builds of one app (here: the same APK under two names) give the same fingerprints,
    so a baseline or a code-scanning alert keeps its identity across releases."""
    copy = tmp_path / "renamed.apk"
    shutil.copy(SAMPLE_APKS / "trust_all.apk", copy)
    _, first = _sarif(tmp_path, SAMPLE_APKS / "trust_all.apk")
    _, second = _sarif(tmp_path, copy)
    prints = [[r["partialFingerprints"]["pinscanDecision/v1"] for r in log["runs"][0]["results"]]
              for log in (first, second)]
    assert prints[0] == prints[1] and len(set(prints[0])) == len(prints[0])
