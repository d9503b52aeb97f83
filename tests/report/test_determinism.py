"""Same input, same report: only the measured duration may differ between two runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, ROOT, SAMPLE_APKS

from mstg_pinscan import _cli

APKS = sorted(SAMPLE_APKS.glob("*.apk"))
_JSON_DURATION = re.compile(r'^ *"duration_s": [0-9.e+-]+\n', re.MULTILINE)
_HTML_DURATION = re.compile(r"^<tr><th>Duration</th><td>[0-9.e+-]+ s</td></tr>\n", re.MULTILINE)


def _arguments(out: Path, apks: list[Path]) -> list[str]:
    return [
        "--as-of", AS_OF.isoformat(),
        "--format", "json", "-o", str(out / "report.json"),
        "--format", "html", "-o", str(out / "report.html"),
        *(str(apk) for apk in apks),
    ]


def _run(out: Path, apks: list[Path]) -> tuple[str, str]:
    out.mkdir()
    code = _cli.main(_arguments(out, apks))
    assert code in (_cli.EXIT_OK, _cli.EXIT_FINDINGS)
    return _read(out)


def _read(out: Path) -> tuple[str, str]:
    return ((out / "report.json").read_text(encoding="utf-8"),
            (out / "report.html").read_text(encoding="utf-8"))


def _without_duration(text: str, pattern: re.Pattern[str], expected: int) -> str:
    stripped, count = pattern.subn("", text)
    assert count == expected, f"expected {expected} duration line(s), found {count}"
    return stripped


def _durations(document: Any) -> list[float]:
    reports = document["reports"] if "reports" in document else [document]
    return [r["analysis"]["duration_s"] for r in reports]


def _assert_same(first: tuple[str, str], second: tuple[str, str], count: int) -> None:
    json_a, html_a = first
    json_b, html_b = second
    for document in (json.loads(json_a), json.loads(json_b)):
        assert all(isinstance(d, float) and d >= 0 for d in _durations(document))
    # Text, not parsed values: key order and list order are part of the contract.
    assert (_without_duration(json_a, _JSON_DURATION, count)
            == _without_duration(json_b, _JSON_DURATION, count))
    assert (_without_duration(html_a, _HTML_DURATION, count)
            == _without_duration(html_b, _HTML_DURATION, count))


@pytest.mark.parametrize("apk", APKS, ids=[apk.stem for apk in APKS])
def test_two_runs_give_the_same_reports(tmp_path: Path, apk: Path) -> None:
    first = _run(tmp_path / "first", [apk])
    # The same bytes under another directory: the report names the file, not its folder.
    copy = tmp_path / "elsewhere" / apk.name
    copy.parent.mkdir()
    shutil.copyfile(apk, copy)
    second = _run(tmp_path / "second", [copy])
    _assert_same(first, second, 1)


def test_durations_are_the_only_difference_stripped(tmp_path: Path) -> None:
    """The comparison above is not vacuous: any other change is seen."""
    json_text, html_text = _run(tmp_path / "run", [SAMPLE_APKS / "keystores.apk"])
    changed_json = json_text.replace('"as_of": "2026-12-01"', '"as_of": "2026-12-02"')
    changed_html = html_text.replace("keystores.apk", "keystores2.apk", 1)
    assert changed_json != json_text and changed_html != html_text
    with pytest.raises(AssertionError):
        _assert_same((json_text, html_text), (changed_json, html_text), 1)
    with pytest.raises(AssertionError):
        _assert_same((json_text, html_text), (json_text, changed_html), 1)


def test_separate_processes_with_different_hash_seeds_agree(tmp_path: Path) -> None:
    """Set and dict order must not leak into reports: str hashing differs per process."""
    results = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        out.mkdir()
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        completed = subprocess.run(
            [sys.executable, "-m", "mstg_pinscan", *_arguments(out, APKS)],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
        )
        assert completed.returncode in (_cli.EXIT_OK, _cli.EXIT_FINDINGS), completed.stderr
        results.append(_read(out))
    _assert_same(results[0], results[1], len(APKS))
