"""Many apps in one call: folders, parallel processes, progress, one table, combined JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, sample_apk

from mstg_pinscan._cli import main

AS_OF = "2026-12-01"
APKS = ["pinned_backup", "single_pin", "trust_all", "user_ca"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    apps = tmp_path / "apps"
    (apps / "nested").mkdir(parents=True)
    for name in APKS[:3]:
        shutil.copy(sample_apk(name), apps / f"{name}.apk")
    shutil.copy(sample_apk(APKS[3]), apps / "nested" / f"{APKS[3]}.APK")
    shutil.copy(ROOT / "sample_apps" / "ios" / "ipas" / "ats_pinned.ipa", apps)
    (apps / "notes.txt").write_text("not a bundle")
    return apps


def _combined(tmp_path: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    out = tmp_path / "all.json"
    code = main(["--as-of", AS_OF, "--format", "json", "-o", str(out), *args])
    document = json.loads(out.read_text())
    for report in document["reports"]:
        report["analysis"].pop("duration_s")
    return code, document["reports"]


def test_a_folder_is_scanned_in_path_order(tmp_path: Path, folder: Path) -> None:
    code, reports = _combined(tmp_path, "--jobs", "3", str(folder))
    assert [Path(r["app"]["file"]).name for r in reports] == [
        "ats_pinned.ipa", "user_ca.APK", "pinned_backup.apk", "single_pin.apk",
        "trust_all.apk"]  # apps/nested/ sorts before apps/pinned_backup.apk
    assert code == 1


def test_parallel_and_serial_scans_agree(tmp_path: Path, folder: Path) -> None:
    _, parallel = _combined(tmp_path, "--jobs", "4", str(folder))
    _, serial = _combined(tmp_path, "--jobs", "1", str(folder))
    assert parallel == serial


def test_one_summary_table(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--as-of", AS_OF, "--format", "text", "-o", "-", str(folder)]) == 1
    out = capsys.readouterr().out
    table = out[out.index("file "):].splitlines()
    assert table[0].split() == ["file", "verdict", "fail", "warn", "pinned", "hosts"]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert rows["pinned_backup.apk"][0] == "PASS" and rows["trust_all.apk"][0] == "FAIL"
    assert len(rows) == 5


def test_one_file_has_no_table(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--as-of", AS_OF, "--format", "text", "-o", "-", str(sample_apk("single_pin"))])
    assert "pinned hosts" not in capsys.readouterr().out


def test_a_bad_file_among_good_ones(tmp_path: Path, folder: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "broken.apk").write_bytes(b"PK\x03\x04 truncated")
    code, reports = _combined(tmp_path, "--jobs", "2", str(folder))
    assert code == 2 and len(reports) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.apk" in err[0] and "Traceback" not in err[0]


def test_progress_only_on_a_terminal(folder: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--as-of", AS_OF, "--format", "text", "-o", "-", "--jobs", "1", str(folder)]
    monkeypatch.setenv("CI", "")
    main(args)
    assert capsys.readouterr().err == "", "no progress bar in a pipe or a CI log"
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    main(args)
    assert "5/5" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    main(args)
    assert capsys.readouterr().err == ""


def test_an_empty_folder_is_a_usage_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["--format", "json", "-o", "-", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "empty" in err[0] and "no .apk or .ipa" in err[0]


@pytest.mark.parametrize("jobs", ["0", "-1", "many"])
def test_jobs_must_be_positive(jobs: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--jobs", jobs, str(sample_apk("single_pin"))])
    assert exited.value.code == 2
    assert "whole number of 1 or more" in capsys.readouterr().err
