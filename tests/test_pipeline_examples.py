"""The CI examples in docs/ci run the commands these tests run, on a stand-in workspace."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, sample_apk

from mstg_pinscan._cli import main

EXAMPLES = ROOT / "docs" / "ci"
RELEASE_APK = Path("app/build/outputs/apk/release/app-release.apk")
POLICY = """[[host]]
name = "api.pinscan-demo.example"
pins = ["sha256/aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
        "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="]
"""


def _commands(example: str) -> list[list[str]]:
    document = yaml.safe_load((EXAMPLES / example).read_text())
    lines: list[str] = []
    for job in document.get("jobs", {}).values():  # GitHub Actions
        lines += [step["run"] for step in job["steps"] if "run" in step]
    for job in document.values():  # GitLab CI
        if isinstance(job, dict) and "script" in job:
            lines += job["script"]
    commands = [shlex.split(line, comments=True) for line in lines]
    return [c[1:] for c in commands if c and c[0] == "pinscan"]


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    """A repository after its release build, with last release's report archived."""
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        RELEASE_APK.parent.mkdir(parents=True)
        shutil.copy(sample_apk("pinned_backup"), RELEASE_APK)
        Path("pinning-policy.toml").write_text(POLICY)
        Path("release").mkdir()
        assert main(["--format", "json", "-o", "release/pinscan.json",
                     "--write-baseline", "pinscan-baseline.json", str(RELEASE_APK)]) == 0
        yield tmp_path
    finally:
        os.chdir(before)


@pytest.mark.parametrize("example", ["github-actions.yml", "gitlab-ci.yml"])
def test_examples_run_pinscan_and_diff(example: str) -> None:
    commands = _commands(example)
    assert [c[0] == "diff" for c in commands] == [False, True], commands
    assert "--baseline" in commands[0] and "--policy" in commands[0]


@pytest.mark.parametrize("example", ["github-actions.yml", "gitlab-ci.yml"])
def test_an_unchanged_release_passes(workspace: Path, example: str) -> None:
    for command in _commands(example):
        assert main(command) == 0, command
    sarif = json.loads(Path("pinscan.sarif").read_text()) if Path("pinscan.sarif").exists() \
        else None
    if example == "github-actions.yml":
        assert sarif is not None and sarif["version"] == "2.1.0"
        assert Path("pinscan-diff.html").exists()
    else:
        diff = json.loads(Path("pinscan-diff.json").read_text())
        assert diff["weaker"] is False
    assert json.loads(Path("pinscan.json").read_text())["verdict"]["status"] == "pass"


@pytest.mark.parametrize("example", ["github-actions.yml", "gitlab-ci.yml"])
def test_a_rotated_pin_fails_both_steps(workspace: Path, example: str) -> None:
    shutil.copy(sample_apk("single_pin"), RELEASE_APK)
    scan, diff = _commands(example)
    assert main(scan) == 1, "the policy expects the old pins"
    assert main(diff) == 1, "one pin instead of two is weaker"
    report = json.loads(Path("pinscan.json").read_text())
    assert any(d["rule_name"] == "policy-unexpected-pin" for d in report["decisions"])
