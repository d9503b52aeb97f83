"""The HTML report in a real browser: headless Chromium (Debian's ``chromium``, installed by
scripts/test.sh) renders it; the rendered page shows verdict, hosts and decisions, logs
nothing to the console, and makes no request beyond its own file.

Requests are read from Chromium's net log. The browser makes requests of its own (update
checks, account lookups) even with background networking disabled; those carry no page as
their network isolation key, while every request the page causes carries ``file://``.
A control page that does leak proves the check can fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import PIN_A, PIN_B, ROOT, SAMPLE_APKS, evaluate_config, nsc

from mstg_pinscan._cli import main
from mstg_pinscan.diff import compare
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.models import ScanResult
from mstg_pinscan.report.html import HtmlWriter, render_diff
from mstg_pinscan.report.json import result_to_dict
from mstg_pinscan.scan import ScanOptions, scan_file

IPAS = ROOT / "sample_apps" / "ios" / "ipas"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="needs Debian's chromium (scripts/test.sh installs it)")
_QUIET = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--no-first-run",
          "--disable-default-apps", "--disable-domain-reliability", "--no-pings",
          "--enable-logging=stderr", "--v=0"]


def _render(page: Path, tmp_path: Path) -> tuple[str, list[str], list[str]]:
    """Rendered DOM, URLs the page requested, and console lines."""
    netlog = tmp_path / "net.json"
    run = subprocess.run(
        [str(CHROMIUM), *_QUIET, f"--user-data-dir={tmp_path / 'profile'}",
         f"--log-net-log={netlog}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = [
        event["params"]["url"] for event in log["events"]
        if event["type"] == start_job and "url" in event.get("params", {})
        and "file://" in event["params"].get("network_isolation_key", "")
        and not event["params"]["url"].startswith("file:")
    ]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, requested, console


class _Text(HTMLParser):
    """Headings, table header cells and classes of the rendered DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.classes: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_heading = tag in ("h1", "h2")
        self.classes += (dict(attrs).get("class") or "").split()

    def handle_data(self, data: str) -> None:
        if self._in_heading and data.strip():
            self.headings.append(data.strip())
            self._in_heading = False


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report.html"
    assert main(["--as-of", "2026-12-01", "--format", "html", "-o", str(out), "--fail-on",
                 "never", str(SAMPLE_APKS / "okhttp_varargs.apk")]) == 0
    return out


def test_report_shows_verdict_hosts_and_decisions(report: Path, tmp_path: Path) -> None:
    dom, requested, console = _render(report, tmp_path)
    parsed = _Text()
    parsed.feed(dom)
    assert {"Hosts", "Decisions"} <= set(parsed.headings)
    assert "banner" in parsed.classes and "decision" in parsed.classes
    assert "matrix" in parsed.classes, "the per-host protection matrix is on the page"
    assert "api.pinscan-demo.example" in dom and "WARN" in dom
    assert requested == [], "the report must not reach the network"
    assert console == [], "the report must render without console messages"


def test_a_leaking_page_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "leak.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://leak.invalid/pixel.png">'
                    '<script>console.error("boom")</script></body></html>')
    _, requested, console = _render(page, tmp_path)
    assert requested == ["http://leak.invalid/pixel.png"]
    assert any("boom" in line for line in console)


# --- hostile app strings: shown as text, never run, never loaded -------------------------

_ATTACK = ('<img src="http://leak.invalid/img" onerror="console.error(1)">'
           '<script>console.error(2)</script><link rel="stylesheet" '
           'href="http://leak.invalid/css">')


def _hostile_result(catalog: Catalog) -> ScanResult:
    from xml.sax.saxutils import escape

    pins = f'<pin digest="SHA-256">{PIN_A}</pin><pin digest="SHA-256">{PIN_B}</pin>'
    host = escape(f"{_ATTACK}.example")
    return evaluate_config(catalog, nsc(
        f"<domain-config><domain>{host}</domain><pin-set>{pins}</pin-set></domain-config>"
        f"<domain-config><domain>plain.example</domain></domain-config>"))


def test_hostile_strings_in_the_report_stay_text(catalog: Catalog, tmp_path: Path) -> None:
    result = _hostile_result(catalog)
    assert any(_ATTACK in row.host for row in result.hosts), "the attack reached the report"
    page = tmp_path / "hostile.html"
    page.write_text(HtmlWriter().render([result]))
    dom, requested, console = _render(page, tmp_path)
    assert requested == [] and console == []
    assert "&lt;script&gt;console.error(2)&lt;/script&gt;" in dom, "shown as text"


def test_hostile_strings_in_the_diff_stay_text(catalog: Catalog, tmp_path: Path) -> None:
    old = result_to_dict(_hostile_result(catalog))
    new = json.loads(json.dumps(old))
    new["hosts"] = [h for h in new["hosts"] if _ATTACK not in h["host"]]
    page = tmp_path / "diff.html"
    page.write_text(render_diff(compare(old, new)))
    dom, requested, console = _render(page, tmp_path)
    assert requested == [] and console == []
    assert "&lt;img" in dom


# --- every string of a real scan, poisoned ------------------------------------------------

def _poison(value: object) -> object:
    """``value`` with the attack put in front of every string it holds, at any depth."""
    if isinstance(value, str):
        return _ATTACK + value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{
            f.name: _poison(getattr(value, f.name)) for f in dataclasses.fields(value)
            if f.init})
    if isinstance(value, tuple):
        return tuple(_poison(item) for item in value)
    if isinstance(value, list):
        return [_poison(item) for item in value]
    if isinstance(value, dict):
        return {_poison(k): _poison(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return type(value)(_poison(item) for item in value)
    return value  # numbers, dates, enums


@pytest.mark.parametrize("bundle", [SAMPLE_APKS / "trust_all.apk",
                                    SAMPLE_APKS / "keystores.apk",
                                    IPAS / "trustkit_good.ipa"])
def test_every_app_string_of_a_real_scan_stays_text(bundle: Path, catalog: Catalog,
                                                    tmp_path: Path) -> None:
    """Package name, version, hosts, class names, file names, certificate subjects, plist
    keys, reasons: every string field of a real scan carries the attack, and the page still
    runs nothing and loads nothing."""
    result = _poison(scan_file(bundle, catalog, ScanOptions(as_of=dt.date(2026, 12, 1))))
    assert isinstance(result, ScanResult)
    page = tmp_path / "poisoned.html"
    page.write_text(HtmlWriter().render([result]))
    dom, requested, console = _render(page, tmp_path)
    assert requested == [] and console == []
    shown = dom.count("&lt;script&gt;console.error(2)&lt;/script&gt;")
    assert shown >= 10, f"only {shown} poisoned strings reached the page"
    assert "<script>console.error(2)" not in dom
