"""The security team's policy: required pinning, approved pins, expiry windows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, sample_apk
from jsonschema import Draft202012Validator

from mstg_pinscan._cli import main
from mstg_pinscan.release_policy import RULES

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
# The two pins pinned_backup (NSC) and okhttp_varargs (OkHttp) carry for the API host.
PIN_A = "sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U="
PIN_B = "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="
API = "api.pinscan-demo.example"


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def _scan(tmp_path: Path, policy: Path, apk: str, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "r.json"
    code = main(["--as-of", "2026-12-01", "--format", "json", "-o", str(out),
                 "--policy", str(policy), *args, str(sample_apk(apk))])
    report = json.loads(out.read_text())
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    return code, report


def _policy_decisions(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for decision in report["decisions"]:
        if decision["rule_name"].startswith("policy-"):
            found.setdefault(decision["rule_name"], []).append(decision)
    return found


APPROVED = f'[[host]]\nname = "{API}"\npins = ["{PIN_A}", "{PIN_B}"]\n'


@pytest.mark.parametrize("apk", ["pinned_backup", "okhttp_varargs"])
def test_approved_pins_pass(tmp_path: Path, apk: str) -> None:
    code, report = _scan(tmp_path, _policy(tmp_path, APPROVED), apk)
    decisions = _policy_decisions(report)
    assert set(decisions) == {"policy-host-pinned"}
    assert decisions["policy-host-pinned"][0]["host"] == API
    assert code == 0


def test_a_rotated_pin_fails_the_policy_that_expects_the_old_one(tmp_path: Path) -> None:
    # single_pin pins the same host to another key: what a rotation between builds looks like.
    code, report = _scan(tmp_path, _policy(tmp_path, APPROVED), "single_pin")
    decisions = _policy_decisions(report)
    assert {"policy-unexpected-pin", "policy-approved-pin-missing"} <= set(decisions)
    assert code == 1
    plain = tmp_path / "plain.json"
    main(["--as-of", "2026-12-01", "--format", "json", "-o", str(plain),
          str(sample_apk("single_pin"))])
    assert report["verdict"] == json.loads(plain.read_text())["verdict"], \
        "policy decisions leave the verdict"


def test_one_added_pin_is_unexpected_but_approved_ones_remain(tmp_path: Path) -> None:
    policy = _policy(tmp_path, f'[[host]]\nname = "{API}"\npins = ["{PIN_A}"]\n')
    code, report = _scan(tmp_path, policy, "pinned_backup")
    decisions = _policy_decisions(report)
    assert "policy-unexpected-pin" in decisions
    assert PIN_B in decisions["policy-unexpected-pin"][0]["evidence"]
    assert "policy-approved-pin-missing" not in decisions
    assert code == 1


def test_a_required_host_without_pinning_fails(tmp_path: Path) -> None:
    policy = _policy(tmp_path, f'[[host]]\nname = "{API}"\n')
    code, report = _scan(tmp_path, policy, "user_ca")
    assert set(_policy_decisions(report)) == {"policy-host-not-pinned"}
    assert code == 1


def test_subdomains_and_okhttp_wildcards_cover_hosts(tmp_path: Path) -> None:
    policy = _policy(tmp_path, '[[host]]\nname = "v2.api.pinscan-demo.example"\n'
                               '[[host]]\nname = "img.cdn.pinscan-demo.example"\n'
                               '[[host]]\nname = "cdn.pinscan-demo.example"\n')
    _, nsc = _scan(tmp_path, policy, "pinned_backup")
    assert {d["host"] for d in _policy_decisions(nsc)["policy-host-pinned"]} == {
        "v2.api.pinscan-demo.example"}
    _, okhttp = _scan(tmp_path, policy, "okhttp_varargs")
    decisions = _policy_decisions(okhttp)
    assert {d["host"] for d in decisions["policy-host-pinned"]} == {
        "img.cdn.pinscan-demo.example"}
    # OkHttp's "*." matches exactly one more label: the bare name is not covered.
    assert {d["host"] for d in decisions["policy-host-not-pinned"]} >= {
        "cdn.pinscan-demo.example"}


def test_expiry_window(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "min-days-before-expiry = 365\n")
    code, report = _scan(tmp_path, policy, "pinned_backup")
    assert _policy_decisions(report) == {} and code == 0
    # Pins expire 2099-12-31 and the bundled CA 2039-01-01: judged from later days.
    _, report = _scan(tmp_path, policy, "pinned_backup", "--as-of", "2038-06-01")
    assert set(_policy_decisions(report)) == {"policy-certificate-expiry-too-soon"}
    code, report = _scan(tmp_path, policy, "pinned_backup", "--as-of", "2099-06-01")
    assert "policy-pin-expiry-too-soon" in _policy_decisions(report)


def test_disabled_policy_rules_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "pinscan.toml").write_text('disable = ["policy-unexpected-pin", "PS6004"]\n')
    code, report = _scan(tmp_path, _policy(tmp_path, APPROVED), "single_pin",
                         "--config", str(tmp_path / "pinscan.toml"))
    assert set(_policy_decisions(report)) == {"policy-host-pinned"}


def test_policy_decisions_can_be_baselined(tmp_path: Path) -> None:
    policy = _policy(tmp_path, APPROVED)
    baseline = tmp_path / "baseline.json"
    assert main(["--as-of", "2026-12-01", "--format", "json", "-o", str(tmp_path / "a.json"),
                 "--policy", str(policy), "--write-baseline", str(baseline),
                 "--fail-on", "high", str(sample_apk("single_pin"))]) == 1
    code, _ = _scan(tmp_path, policy, "single_pin", "--baseline", str(baseline))
    assert code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min-days-before-expiry = \n", "policy is not TOML"),
        ("hosts = []\n", "unknown policy keys ['hosts']"),
        ("min-days-before-expiry = -1\n", "whole number of days"),
        ("", "policy asks for nothing"),
        ('[[host]]\npins = []\n', "host 1: \"name\""),
        (f'[[host]]\nname = "{API}"\npins = []\n', "non-empty list"),
        (f'[[host]]\nname = "{API}"\npins = ["sha256/abc"]\n', "not a sha256/ pin of 32 bytes"),
        (f'[[host]]\nname = "{API}"\npin = ["{PIN_A}"]\n', "unknown keys ['pin']"),
    ],
    ids=["bad-toml", "unknown-key", "negative-days", "empty", "no-name", "empty-pins",
         "short-pin", "typo"],
)
def test_bad_policy_is_one_line_exit_2(tmp_path: Path, text: str, message: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    policy = _policy(tmp_path, text)
    out = tmp_path / "r.json"
    assert main(["--format", "json", "-o", str(out), "--policy", str(policy),
                 str(sample_apk("user_ca"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(policy) in err[0] and message in err[0], err
    assert not out.exists()


# --- every policy rule: where it fires, and a near miss where it does not --------------------

SHORT_WINDOW = "min-days-before-expiry = 365\n"
OTHER_HOST = '[[host]]\nname = "elsewhere.pinscan-demo.example"\n'
POSITIVE = [
    ("policy-host-pinned", "pinned_backup", APPROVED, "2026-12-01"),
    ("policy-host-not-pinned", "user_ca", APPROVED, "2026-12-01"),
    ("policy-unexpected-pin", "single_pin", APPROVED, "2026-12-01"),
    ("policy-approved-pin-missing", "single_pin", APPROVED, "2026-12-01"),
    ("policy-pin-expiry-too-soon", "pinned_backup", SHORT_WINDOW, "2099-06-01"),
    ("policy-certificate-expiry-too-soon", "pinned_backup", SHORT_WINDOW, "2038-06-01"),
]
NEGATIVE = [
    ("policy-host-pinned", "pinned_backup", OTHER_HOST, "2026-12-01"),
    ("policy-host-not-pinned", "okhttp_varargs", APPROVED, "2026-12-01"),
    ("policy-unexpected-pin", "okhttp_varargs", APPROVED, "2026-12-01"),
    ("policy-approved-pin-missing", "pinned_backup", APPROVED, "2026-12-01"),
    ("policy-pin-expiry-too-soon", "pinned_backup", SHORT_WINDOW, "2026-12-01"),
    ("policy-certificate-expiry-too-soon", "pinned_backup", SHORT_WINDOW, "2037-06-01"),
]
POSITIVE_RULES = sorted({case[0] for case in POSITIVE})


@pytest.mark.parametrize(("rule", "apk", "text", "as_of"), POSITIVE)
def test_rule_fires(tmp_path: Path, rule: str, apk: str, text: str, as_of: str) -> None:
    _, report = _scan(tmp_path, _policy(tmp_path, text), apk, "--as-of", as_of)
    assert rule in _policy_decisions(report)


@pytest.mark.parametrize(("rule", "apk", "text", "as_of"), NEGATIVE)
def test_rule_stays_silent(tmp_path: Path, rule: str, apk: str, text: str, as_of: str) -> None:
    _, report = _scan(tmp_path, _policy(tmp_path, text), apk, "--as-of", as_of)
    assert rule not in _policy_decisions(report)


def test_every_policy_rule_has_both_cases() -> None:
    assert set(POSITIVE_RULES) == {case[0] for case in NEGATIVE} == RULES


def test_the_next_build_with_a_rotated_pin_fails_until_a_baseline_accepts_it(
        tmp_path: Path) -> None:
    # pinned_rotated is pinned_backup 1.1 with its spare backup key replaced.
    policy = _policy(tmp_path, APPROVED)
    assert _scan(tmp_path, policy, "pinned_backup")[0] == 0
    code, report = _scan(tmp_path, policy, "pinned_rotated")
    decisions = _policy_decisions(report)
    assert "7gLlcsJaWDW4dtaUcmkr623C4y84c5xw10U5505hCKA=" in \
        decisions["policy-unexpected-pin"][0]["evidence"]
    assert "policy-approved-pin-missing" not in decisions, "the CA pin is still approved"
    assert code == 1
    baseline = tmp_path / "baseline.json"
    main(["--as-of", "2026-12-01", "--format", "json", "-o", str(tmp_path / "b.json"),
          "--policy", str(policy), "--write-baseline", str(baseline),
          str(sample_apk("pinned_rotated"))])
    document = json.loads(baseline.read_text())
    for entry in document["suppressions"]:
        entry.update(reason="Rotation approved in SEC-77; policy update pending",
                     until="2026-12-31")
    baseline.write_text(json.dumps(document))
    assert _scan(tmp_path, policy, "pinned_rotated", "--baseline", str(baseline))[0] == 0
    assert _scan(tmp_path, policy, "pinned_rotated", "--baseline", str(baseline),
                 "--as-of", "2027-01-01")[0] == 1, "counts again after the end date"
