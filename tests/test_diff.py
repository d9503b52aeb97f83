"""``pinscan diff``: what changed in pinning between two builds, and the CI gate on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, sample_apk

from mstg_pinscan._cli import main

AS_OF = "2026-12-01"
API = "api.pinscan-demo.example"


def _diff(tmp_path: Path, old: Path, new: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "diff.json"
    code = main(["diff", "--as-of", AS_OF, "--format", "json", "-o", str(out), *args,
                 str(old), str(new)])
    return code, json.loads(out.read_text())


def _hosts(diff: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["host"]: h for h in diff["hosts"]}


def test_a_rotated_pin_shows_up_and_gates(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("single_pin"))
    api = _hosts(diff)[API]
    assert api["pins_rotated"] and len(api["pins_removed"]) == 2 and len(api["pins_added"]) == 1
    assert api["protection_before"] == api["protection_after"] == ["nsc-pin-set"]
    assert [d["rule_name"] for d in diff["new_decisions"]] == ["nsc-pin-set-single-pin"]
    assert diff["old"]["verdict"] == "pass" and diff["new"]["verdict"] == "warn"
    assert diff["weaker"] and code == 1


def test_the_same_build_has_no_changes(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("pinned_backup"))
    assert diff["hosts"] == [] and diff["new_decisions"] == diff["fixed_decisions"] == []
    assert not diff["weaker"] and code == 0


def test_a_stronger_release_passes_and_lists_what_it_fixed(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, sample_apk("single_pin"), sample_apk("pinned_backup"))
    assert [d["rule_name"] for d in diff["fixed_decisions"]] == ["nsc-pin-set-single-pin"]
    assert _hosts(diff)[API]["pins_rotated"]
    assert not diff["weaker"] and code == 0


def test_losing_protection_is_weaker(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("user_ca"))
    changes = _hosts(diff)
    assert any(h["weaker"] for h in changes.values())
    assert code == 1


def test_a_new_bypass_is_a_new_failing_decision(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("trust_all"))
    assert any(d["status"] == "fail" for d in diff["new_decisions"]) and code == 1


def test_reports_and_bundles_give_the_same_diff(tmp_path: Path) -> None:
    old_json = tmp_path / "old.json"
    assert main(["--as-of", AS_OF, "--format", "json", "-o", str(old_json),
                 "--fail-on", "never", str(sample_apk("pinned_backup"))]) == 0
    _, from_report = _diff(tmp_path, old_json, sample_apk("single_pin"))
    _, from_bundle = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("single_pin"))
    assert from_report == from_bundle


def test_text_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "diff.html"
    code = main(["diff", "--as-of", AS_OF, "--format", "text", "--format", "html",
                 "-o", "-", "-o", str(page),
                 str(sample_apk("pinned_backup")), str(sample_apk("single_pin"))])
    text = capsys.readouterr().out
    assert code == 1
    assert "pins rotated: 2 removed, 1 added" in text and "protection got weaker" in text
    html = page.read_text()
    assert "Content-Security-Policy" in html and "WEAKER" in html and API in html
    assert "sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=" in html


def test_committed_reports_can_be_compared(tmp_path: Path) -> None:
    code, diff = _diff(tmp_path, ROOT / "reports" / "pinned_backup.json",
                       ROOT / "reports" / "okhttp_varargs.json")
    changes = _hosts(diff)
    assert changes["*.cdn.pinscan-demo.example"]["change"] == "gained"
    assert changes[API]["protection_after"] == ["okhttp-pins"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a pinscan JSON report"),
        ('{"reports": []}', "not a single-app pinscan JSON report"),
        ('{"schema_version": "1.1"}', "no app, verdict, hosts and decisions"),
        ('{"schema_version": "9.0", "app": {}, "verdict": {}, "hosts": [], "decisions": []}',
         "report format '9.0'"),
        ("PK\x03\x04 not really a zip", "not a zip"),
    ],
    ids=["broken-json", "multi-report", "foreign-json", "future-format", "broken-zip"],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, text: str, message: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "old.json"
    bad.write_text(text)
    out = tmp_path / "diff.json"
    assert main(["diff", "--format", "json", "-o", str(out), str(bad),
                 str(sample_apk("single_pin"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and message in err[0], err
    assert not out.exists()


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    apk = str(sample_apk("single_pin"))
    assert main(["diff", "--format", "json", "-o", "a", "-o", "b", apk, apk]) == 2
    assert main(["diff", "--format", "json", "--format", "text", apk, apk]) == 2
    assert main(["diff", str(tmp_path / "absent.apk"), apk]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_two_builds_of_one_app_with_a_rotated_backup_pin(tmp_path: Path) -> None:
    # pinned_rotated is pinned_backup 1.1: the same package, its spare backup key replaced.
    code, diff = _diff(tmp_path, sample_apk("pinned_backup"), sample_apk("pinned_rotated"))
    assert (diff["old"]["id"], diff["old"]["version"]) == (
        "org.pinscan.sample.pinned_backup", "1.0")
    assert (diff["new"]["id"], diff["new"]["version"]) == (
        "org.pinscan.sample.pinned_backup", "1.1")
    assert [h["host"] for h in diff["hosts"]] == [API]
    api = diff["hosts"][0]
    assert api["pins_rotated"] and api["pins_removed"] == [
        "rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="]
    assert api["pins_added"] == ["7gLlcsJaWDW4dtaUcmkr623C4y84c5xw10U5505hCKA="]
    assert not api["weaker"] and not diff["weaker"] and code == 0, \
        "a rotation that keeps a backup pin is a change, not a weakening"
