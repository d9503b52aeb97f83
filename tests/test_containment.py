"""Each file is scanned in its own bounded process: a crash, a hang or a memory hog in one
file ends that file's scan with one line, and the other files are still reported."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import ROOT, sample_apk

from mstg_pinscan import _cli, isolate
from mstg_pinscan._cli import main
from mstg_pinscan.facts import ios as ios_facts
from mstg_pinscan.scan import scan_file

pytestmark = pytest.mark.skipif(not isolate.AVAILABLE, reason="needs fork")
IPAS = ROOT / "sample_apps" / "ios" / "ipas"


def _misbehave_on(name: str, how: str):
    def scan(path: Path, *args: object):
        if path.name == name:
            if how == "crash":
                os.kill(os.getpid(), signal.SIGSEGV)
            if how == "hang":
                time.sleep(60)
            if how == "hog":
                return [bytearray(64 * 1024 * 1024) for _ in range(64)]
        return scan_file(path, *args)
    return scan


@pytest.mark.parametrize(("how", "args", "reason"), [
    ("crash", [], "the scan crashed (SIGSEGV) and was stopped"),
    ("hang", ["--timeout", "2"], "the scan did not finish within 2 s and was stopped"),
    ("hog", ["--memory-limit", "512"],
     "the scan ran out of its 512 MiB memory limit and was stopped"),
])
def test_one_bad_file_leaves_the_others_reported(
    how: str, args: list[str], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(_cli, "scan_file", _misbehave_on("trust_all.apk", how))
    out = tmp_path / "all.json"
    files = [str(sample_apk(n)) for n in ("pinned_backup", "trust_all", "single_pin")]
    started = time.monotonic()
    code = main(["--format", "json", "-o", str(out), "--jobs", "2", *args, *files])
    assert time.monotonic() - started < 30
    assert code == 2
    reports = json.loads(out.read_text())["reports"]
    assert [r["app"]["file"] for r in reports] == ["pinned_backup.apk", "single_pin.apk"]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"pinscan: error: {files[1]}: {reason}; no report for this file"]


def test_debug_scans_in_process_and_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(_cli, "scan_file", broken)
    with pytest.raises(KeyError):
        main(["--debug", "--format", "json", "-o", "-", str(sample_apk("single_pin"))])


def test_a_bug_in_a_child_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(_cli, "scan_file", broken)
    assert main(["--format", "json", "-o", "-", str(sample_apk("single_pin"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "failed (KeyError: 'surprise')" in err[0]


def test_a_crashing_binary_leaves_the_rest_of_the_ipa_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    real = ios_facts.read_binary

    def crash_on_share(data: bytes, name: str):
        if name.endswith("Share.appex/Share"):
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(data, name)

    monkeypatch.setattr(ios_facts, "read_binary", crash_on_share)
    code = main(["--format", "json", "-o", "-", str(IPAS / "with_extension.ipa")])
    report = json.loads(capsys.readouterr().out)
    skipped = {s["item"]: s["reason"] for s in report["analysis"]["skipped"]}
    assert skipped == {"Payload/WithExt.app/PlugIns/Share.appex/Share":
                       "the Mach-O reader crashed (SIGSEGV): binary unread"}
    assert code in (0, 1) and report["analysis"]["complete"] is False
    assert report["verdict"]["status"] != "pass"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--timeout", "0", "is not a whole number of 1 or more"),
    ("--memory-limit", "100", "must be at least 256"),
])
def test_limits_are_checked(option: str, value: str, message: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([option, value, str(sample_apk("single_pin"))])
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_limits_come_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(_cli, "scan_file", _misbehave_on("single_pin.apk", "hang"))
    (tmp_path / "pinscan.toml").write_text("timeout = 1\nmemory-limit = 1024\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "json", "-o", "-", str(sample_apk("single_pin"))]) == 2
    assert "did not finish within 1 s" in capsys.readouterr().err
    (tmp_path / "pinscan.toml").write_text("timeout = 0\n")
    assert main(["--format", "json", "-o", "-", str(sample_apk("single_pin"))]) == 2
    assert "timeout must be a whole number of seconds" in capsys.readouterr().err
