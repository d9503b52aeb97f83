"""Settings from pinscan.toml or [tool.pinscan] in pyproject.toml; the command line wins."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import sample_apk

from mstg_pinscan._cli import main
from mstg_pinscan.config import load_config
from mstg_pinscan.errors import UsageError


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def _report(workdir: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = workdir / "r.json"
    code = main(["--as-of", "2026-12-01", "--format", "json", "-o", str(out), *args])
    return code, json.loads(out.read_text())


def test_pinscan_toml_sets_fail_on_and_the_command_line_wins(workdir: Path) -> None:
    (workdir / "pinscan.toml").write_text('fail-on = "medium"\n')
    assert _report(workdir, str(sample_apk("single_pin")))[0] == 1  # medium warning gates
    assert _report(workdir, "--fail-on", "high", str(sample_apk("single_pin")))[0] == 0


def test_pyproject_table(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.pinscan]\nfirst-party = ["pinscan-demo.example"]\n'
        "expiry-warn-days = 36500\n")
    code, report = _report(workdir, "--fail-on", "never", str(sample_apk("own_truststore")))
    rows = {h["host"]: h for h in report["hosts"]}
    assert rows["partner.pinscan-demo.example"]["first_party"] is True
    _, report = _report(workdir, str(sample_apk("pinned_backup")))
    assert any(d["rule_name"] == "nsc-pin-set-expiring" for d in report["decisions"])


def test_pyproject_without_a_table_is_no_configuration(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(None, workdir).path is None


def test_disabled_rules_leave_the_report_and_the_verdict(workdir: Path) -> None:
    (workdir / "pinscan.toml").write_text('disable = ["nsc-pin-set-single-pin", "PS3002"]\n')
    code, report = _report(workdir, "--fail-on", "low", str(sample_apk("single_pin")))
    names = {d["rule_name"] for d in report["decisions"]}
    assert "nsc-pin-set-single-pin" not in names
    assert report["verdict"]["status"] == "pass" and code == 0


def test_explicit_config_file(workdir: Path) -> None:
    settings = workdir / "ci.toml"
    settings.write_text('[tool.pinscan]\nfail-on = "never"\n')
    assert _report(workdir, "--config", str(settings), str(sample_apk("user_ca")))[0] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail_on = "sometimes"\n', "fail-on must be one of"),
        ("colour = true\n", "unknown configuration keys ['colour']"),
        ("expiry-warn-days = -3\n", "whole number of days"),
        ('first-party = "example.com"\n', "first-party must be a list of strings"),
        ('disable = ["no-such-rule"]\n', "catalog does not have: ['no-such-rule']"),
        ("fail-on = \n", "cannot be read"),
    ],
    ids=["bad-level", "unknown-key", "negative-days", "not-a-list", "unknown-rule", "bad-toml"],
)
def test_bad_configuration_is_one_line_exit_2(workdir: Path, text: str, message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "pinscan.toml").write_text(text)
    assert main([str(sample_apk("user_ca"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pinscan.toml" in err[0] and message in err[0]
    assert not (workdir / "reports").exists()


def test_load_config_rejects_a_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        load_config(tmp_path / "absent.toml", tmp_path)
