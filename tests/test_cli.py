"""The command line contract of DESIGN.md: outputs, formats, exit codes, one-line errors."""

from __future__ import annotations

import json
import plistlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import sample_apk

from mstg_pinscan import __version__
from mstg_pinscan._cli import main

AS_OF = ["--as-of", "2026-12-01"]


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mstg_pinscan", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_default_writes_html_and_json_and_prints_a_summary(tmp_path: Path) -> None:
    done = _run(*AS_OF, str(sample_apk("pinned_backup")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "MSTG-NETWORK-4: PASS" in done.stdout
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "pinned_backup.html", "pinned_backup.json"]
    assert done.stderr == ""


def test_output_dir_and_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*AS_OF, "--output-dir", str(tmp_path / "out"),
                 str(sample_apk("pinned_backup")), str(sample_apk("user_ca"))])
    assert code == 1  # user_ca fails at high severity
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["pinned_backup.html", "pinned_backup.json", "user_ca.html", "user_ca.json"]
    out = capsys.readouterr().out
    assert "pinned_backup.apk" in out and "user_ca.apk" in out


@pytest.mark.parametrize(
    ("app", "fail_on", "code"),
    [
        ("pinned_backup", "high", 0),
        ("user_ca", "high", 1),
        ("user_ca", "critical", 0),
        ("user_ca", "never", 0),
        ("single_pin", "high", 0),
        ("single_pin", "medium", 1),
        ("trustkit", "low", 1),
    ],
)
def test_fail_on_gates_the_exit_code(tmp_path: Path, app: str, fail_on: str, code: int) -> None:
    args = [*AS_OF, "--fail-on", fail_on, "--format", "json", "-o", str(tmp_path / "r.json")]
    assert main([*args, str(sample_apk(app))]) == code


def test_json_to_standard_output_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*AS_OF, "--format", "json", "-o", "-", str(sample_apk("single_pin"))]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"]["status"] == "warn"
    assert report["analysis"]["as_of"] == "2026-12-01"


def test_repeated_formats_pair_with_outputs(tmp_path: Path) -> None:
    sarif, html = tmp_path / "a.sarif", tmp_path / "a.html"
    code = main([*AS_OF, "--format", "sarif", "-o", str(sarif), "--format", "html", "-o",
                 str(html), str(sample_apk("user_ca"))])
    assert code == 1
    log = json.loads(sarif.read_text())
    assert log["version"] == "2.1.0"
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"PS1010"}
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.sarif"]


def test_format_without_output_goes_to_output_dir(tmp_path: Path) -> None:
    main([*AS_OF, "--format", "sarif", "--output-dir", str(tmp_path), str(sample_apk("user_ca"))])
    assert [p.name for p in tmp_path.iterdir()] == ["user_ca.sarif"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.json"], "-o needs a --format"),
        (["--format", "json", "-o", "a", "-o", "b"], "more -o paths"),
        (["--format", "json", "-o", "-", "--format", "sarif", "-o", "-"], "only one report"),
    ],
)
def test_usage_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, str(sample_apk("user_ca"))]) == 2
    assert message in capsys.readouterr().err


def test_bad_date_is_a_usage_error() -> None:
    done = _run("--as-of", "yesterday", str(sample_apk("user_ca")))
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a zip", "not a zip archive"), (b"", "not a zip archive")],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, content: bytes, reason: str) -> None:
    bad = tmp_path / "bad.apk"
    bad.write_bytes(content)
    done = _run(str(bad), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and reason in lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "reports").exists()


def test_missing_file_and_good_file_together(tmp_path: Path) -> None:
    done = _run(*AS_OF, str(tmp_path / "nope.apk"), str(sample_apk("pinned_backup")),
                cwd=tmp_path)
    assert done.returncode == 2  # the bad one decides the exit code
    assert "nope.apk: no such file" in done.stderr
    assert (tmp_path / "reports" / "pinned_backup.json").exists()  # the good one is reported


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = _run("--format", "json", "-o", str(blocker / "r.json"), str(sample_apk("user_ca")))
    assert done.returncode == 2 and "cannot write report" in done.stderr
    assert "Traceback" not in done.stderr


def test_broken_rule_catalog_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[[rule]]\nid = 'PS9999'\n")
    done = _run("--rules", str(tmp_path), str(sample_apk("user_ca")))
    assert done.returncode == 2 and "missing fields" in done.stderr


def test_version_and_help() -> None:
    assert _run("--version").stdout.strip() == f"pinscan {__version__}"
    helped = _run("--help").stdout
    expected = ("--fail-on", "--format", "--output-dir", "--as-of", "exit codes", "MSTG-NETWORK-4")
    for text in expected:
        assert text in helped


def _apk(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    path = tmp_path / "crafted.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ({"classes.dex": b"dex\n035"}, "neither AndroidManifest.xml nor"),
        ({"AndroidManifest.xml": b"\x03\x00\x08\x00" + b"\xee" * 200}, "AndroidManifest.xml:"),
        ({"AndroidManifest.xml": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "b">]>'
                                 b"<manifest>&a;"}, "AndroidManifest.xml: not well-formed"),
        ({"AndroidManifest.xml": b"x", "assets/bomb": b"\0" * (16 * 1024 * 1024)},
         "compression ratio"),
    ],
    ids=["no-manifest", "garbage-axml", "hostile-xml", "zip-bomb"],
)
def test_malformed_apk_one_line_exit_2(tmp_path: Path, entries: dict[str, bytes],
                                       reason: str) -> None:
    apk = _apk(tmp_path, entries)
    done = _run(str(apk), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pinscan: error: {apk}:"), done.stderr
    assert reason in lines[0]
    assert not (tmp_path / "reports").exists()


def test_first_party_option_claims_a_domain(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    apk = str(sample_apk("own_truststore"))
    main([*AS_OF, "--format", "json", "-o", str(out), apk])
    rows = {h["host"]: h for h in json.loads(out.read_text())["hosts"]}
    assert rows["partner.pinscan-demo.example"]["first_party"] is False
    main([*AS_OF, "--first-party", "pinscan-demo.example", "--format", "json", "-o", str(out),
          apk])
    rows = {h["host"]: h for h in json.loads(out.read_text())["hosts"]}
    assert rows["partner.pinscan-demo.example"]["first_party"] is True


@pytest.mark.parametrize(
    ("plist", "reason"),
    [
        (b"not a plist at all", "Info.plist: not a readable property list"),
        (b"bplist00" + b"\xff" * 40, "Info.plist: not a readable property list"),
        (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaa">]><plist><dict>'
         b"<key>k</key><string>&a;</string></dict></plist>",
         "Info.plist: not a readable property list"),
        (b'<?xml version="1.0"?><plist><array/></plist>', "not a dictionary"),
    ],
    ids=["garbage", "truncated-binary", "entity", "array"],
)
def test_malformed_ipa_one_line_exit_2(tmp_path: Path, plist: bytes, reason: str) -> None:
    ipa = tmp_path / "crafted.ipa"
    with zipfile.ZipFile(ipa, "w") as archive:
        archive.writestr("Payload/A.app/Info.plist", plist)
    done = _run(str(ipa), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pinscan: error: {ipa}:"), done.stderr
    assert reason in lines[0]
    assert not (tmp_path / "reports").exists()


def test_malformed_mach_o_is_reported_not_fatal(tmp_path: Path) -> None:
    ipa = tmp_path / "crafted.ipa"
    info = {"CFBundleIdentifier": "org.example.a", "CFBundleExecutable": "A"}
    with zipfile.ZipFile(ipa, "w") as archive:
        archive.writestr("Payload/A.app/Info.plist", plistlib.dumps(info))
        archive.writestr("Payload/A.app/A", b"\xcf\xfa\xed\xfe" + b"\xff" * 12)
    out = tmp_path / "r.json"
    assert main([*AS_OF, "--format", "json", "-o", str(out), "--fail-on", "never",
                 str(ipa)]) == 0
    report = json.loads(out.read_text())
    assert report["verdict"]["status"] == "inconclusive"
    assert any(s["item"] == "Payload/A.app/A" for s in report["analysis"]["skipped"])


def test_a_bare_info_plist_is_rated_from_its_settings(tmp_path: Path) -> None:
    plist = tmp_path / "Info.plist"
    plist.write_bytes(plistlib.dumps({"NSAppTransportSecurity": {"NSPinnedDomains": {
        "api.example.com": {"NSPinnedCAIdentities": [
            {"SPKI-SHA256-BASE64": "aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U="},
            {"SPKI-SHA256-BASE64": "rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng="}]}}}},
        fmt=plistlib.FMT_BINARY))
    out = tmp_path / "r.json"
    assert main([*AS_OF, "--format", "json", "-o", str(out), str(plist)]) == 0
    report = json.loads(out.read_text())
    assert report["app"]["platform"] == "ios"
    assert report["verdict"]["status"] == "pass"
    assert "not analysed" in report["verdict"]["reason"]  # no binary came with it


def test_a_bare_plist_without_pinning_is_inconclusive(tmp_path: Path) -> None:
    plist = tmp_path / "Info.plist"
    plist.write_bytes(plistlib.dumps({"CFBundleIdentifier": "org.example.a"}))
    out = tmp_path / "r.json"
    main([*AS_OF, "--format", "json", "-o", str(out), "--fail-on", "never", str(plist)])
    assert json.loads(out.read_text())["verdict"]["status"] == "inconclusive"


def test_a_zipped_framework_and_a_missing_executable(tmp_path: Path) -> None:
    bundle = tmp_path / "Net.framework.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("Net.framework/Info.plist", plistlib.dumps(
            {"CFBundleIdentifier": "org.example.net", "CFBundleExecutable": "Net"}))
    out = tmp_path / "r.json"
    main([*AS_OF, "--format", "json", "-o", str(out), "--fail-on", "never", str(bundle)])
    report = json.loads(out.read_text())
    assert report["app"]["id"] == "org.example.net"
    # The executable it names is not there: nothing can be said about pinning in code.
    assert report["verdict"]["status"] == "inconclusive"
    assert any(s["item"] == "Net.framework/Net" for s in report["analysis"]["skipped"])
