"""Baselines: accepted decisions stop gating until their end date and stay visible, marked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SARIF_CACHE, sample_apk
from jsonschema import Draft202012Validator

from mstg_pinscan._cli import main

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
SARIF_SCHEMA = SARIF_CACHE / "sarif-2.1.0.json"
FAILING = sample_apk("expired_pins")  # fails high: expired pin-set
AS_OF = "2026-12-01"


def _scan(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "r.json"
    code = main(["--as-of", AS_OF, "--format", "json", "-o", str(out), *args])
    return code, json.loads(out.read_text())


def _write_baseline(tmp_path: Path, apk: Path = FAILING) -> Path:
    path = tmp_path / "baseline.json"
    assert main(["--as-of", AS_OF, "--format", "json", "-o", str(tmp_path / "first.json"),
                 "--write-baseline", str(path), str(apk)]) == 1
    return path


def _edit(path: Path, **changes: Any) -> None:
    document = json.loads(path.read_text())
    for entry in document["suppressions"]:
        entry.update(changes)
    path.write_text(json.dumps(document))


def test_without_a_baseline_the_failing_app_gates(tmp_path: Path) -> None:
    code, report = _scan(tmp_path, str(FAILING))
    assert code == 1
    assert all(d["suppressed"] is None for d in report["decisions"])


def test_written_baseline_lists_every_failing_and_warning_decision(tmp_path: Path) -> None:
    path = _write_baseline(tmp_path)
    document = json.loads(path.read_text())
    report = json.loads((tmp_path / "first.json").read_text())
    gating = {(d["rule_id"], d["host"]) for d in report["decisions"]
              if d["status"] in ("fail", "warn")}
    assert document["pinscan_baseline"] == 1
    assert {(s["rule_id"], s["host"]) for s in document["suppressions"]} == gating
    assert all(len(s["fingerprint"]) == 32 and s["reason"] and s["until"] is None
               for s in document["suppressions"])


def test_baselined_decisions_stop_gating_and_stay_visible(tmp_path: Path) -> None:
    path = _write_baseline(tmp_path)
    _edit(path, reason="Pins rotate in release 4.2", until="2027-01-31")
    code, report = _scan(tmp_path, "--baseline", str(path), str(FAILING))
    assert code == 0
    failing = [d for d in report["decisions"] if d["status"] == "fail"]
    assert failing, "the decisions are still reported"
    assert all(d["suppressed"] == {"reason": "Pins rotate in release 4.2",
                                   "until": "2027-01-31"} for d in failing)
    assert report["verdict"]["status"] == "fail", "the baseline does not change the verdict"
    assert not list(Draft202012Validator(
        SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(report))


def test_a_suppression_counts_again_after_its_end_date(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_baseline(tmp_path)
    _edit(path, reason="Accepted for the November release", until="2026-11-30")
    capsys.readouterr()
    code, report = _scan(tmp_path, "--baseline", str(path), str(FAILING))
    assert code == 1
    assert all(d["suppressed"] is None for d in report["decisions"])
    assert "ended on 2026-11-30" in capsys.readouterr().err
    # The end date itself still counts as accepted.
    assert _scan(tmp_path, "--as-of", "2026-11-30", "--baseline", str(path), str(FAILING))[0] == 0


def test_a_baseline_of_another_app_suppresses_nothing(tmp_path: Path) -> None:
    path = _write_baseline(tmp_path, sample_apk("user_ca"))
    code, report = _scan(tmp_path, "--baseline", str(path), str(FAILING))
    assert code == 1 and all(d["suppressed"] is None for d in report["decisions"])


def test_rewriting_keeps_the_reasons_already_given(tmp_path: Path) -> None:
    path = _write_baseline(tmp_path)
    _edit(path, reason="Agreed with the API team", until="2027-02-01")
    rewritten = tmp_path / "again.json"
    assert main(["--as-of", AS_OF, "--format", "json", "-o", str(tmp_path / "x.json"),
                 "--baseline", str(path), "--write-baseline", str(rewritten),
                 str(FAILING)]) == 0
    assert json.loads(rewritten.read_text()) == json.loads(path.read_text())


def test_html_and_text_mark_accepted_decisions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_baseline(tmp_path)
    _edit(path, reason="Tracked in SEC-1234")
    html = tmp_path / "r.html"
    capsys.readouterr()
    assert main(["--as-of", AS_OF, "--format", "html", "-o", str(html), "--baseline", str(path),
                 str(FAILING)]) == 0
    page = html.read_text()
    assert 'class="decision fail suppressed"' in page and "Tracked in SEC-1234" in page
    assert "accepted by the baseline" in capsys.readouterr().out


def test_sarif_carries_the_suppression(tmp_path: Path) -> None:
    path = _write_baseline(tmp_path)
    _edit(path, reason="Tracked in SEC-1234", until="2027-01-31")
    out = tmp_path / "r.sarif"
    assert main(["--as-of", AS_OF, "--format", "sarif", "-o", str(out), "--baseline", str(path),
                 str(FAILING)]) == 0
    log = json.loads(out.read_text())
    if SARIF_SCHEMA.exists():  # fetched by scripts/test.sh; tests/report/test_sarif.py says so
        Draft202012Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    results = log["runs"][0]["results"]
    assert results and all(
        r["suppressions"] == [{"kind": "external", "status": "accepted",
                               "justification": "Tracked in SEC-1234 (until 2027-01-31)"}]
        for r in results)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "baseline is not JSON"),
        ('{"suppressions": []}', "not a pinscan baseline"),
        ('{"pinscan_baseline": 1}', 'no "suppressions" list'),
        ('{"pinscan_baseline": 1, "suppressions": [{"fingerprint": "abc", "reason": "x"}]}',
         "suppression 1: \"fingerprint\""),
        ('{"pinscan_baseline": 1, "suppressions": [{"fingerprint": "' + "a" * 32 + '"}]}',
         "suppression 1: \"reason\" must say why"),
        ('{"pinscan_baseline": 1, "suppressions": [{"fingerprint": "' + "a" * 32
         + '", "reason": "x", "until": "next spring"}]}', "suppression 1: \"until\""),
    ],
    ids=["not-json", "no-marker", "no-list", "bad-fingerprint", "no-reason", "bad-date"],
)
def test_bad_baseline_is_one_line_exit_2(tmp_path: Path, text: str, message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text)
    out = tmp_path / "r.json"
    assert main(["--format", "json", "-o", str(out), "--baseline", str(path),
                 str(FAILING)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and message in err[0]
    assert not out.exists()


def test_missing_baseline_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--baseline", str(tmp_path / "absent.json"), str(FAILING)]) == 2
    err = capsys.readouterr().err
    assert "absent.json" in err and "cannot read baseline" in err and "Traceback" not in err
