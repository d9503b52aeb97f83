"""The at-a-glance pictures: the per-host protection matrix and the expiry timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from conftest import ROOT, SAMPLE_APKS

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.models import ScanResult
from mstg_pinscan.report.html import HtmlWriter, expiry_timeline, protection_matrix
from mstg_pinscan.scan import ScanOptions, scan_file


def _scan(catalog: Catalog, name: str, as_of: str = "2026-12-01") -> ScanResult:
    return scan_file(SAMPLE_APKS / f"{name}.apk", catalog,
                     ScanOptions(as_of=date.fromisoformat(as_of)))


def test_matrix_shows_the_protections_in_use(catalog: Catalog) -> None:
    matrix = protection_matrix(_scan(catalog, "okhttp_varargs"))
    assert matrix["columns"] == ["OkHttp pins"]
    rows = {row["host"]: row for row in matrix["rows"]}  # type: ignore[attr-defined]
    assert rows["api.pinscan-demo.example"]["cells"] == [True]
    assert rows["*"]["cells"] == [False] and not rows["*"]["protected"]
    assert rows["*.cdn.pinscan-demo.example"]["backup_pin"] is False


def test_matrix_shows_framework_pins_in_one_column(catalog: Catalog) -> None:
    app = ROOT / "sample_apps" / "frameworks" / "react-native" / "out" / "rn_public_key_pins.apk"
    result = scan_file(app, catalog, ScanOptions(as_of=date(2026, 12, 1)))
    matrix = protection_matrix(result)
    assert matrix["columns"] == ["NSC pin-set", "Framework pins"]
    rows = {row["host"]: row for row in matrix["rows"]}  # type: ignore[attr-defined]
    assert rows["api.pinscan-demo.example"]["cells"] == [True, True]
    assert rows["*"]["cells"] == [False, False]


def test_matrix_without_any_protection_has_no_columns(catalog: Catalog) -> None:
    matrix = protection_matrix(_scan(catalog, "user_ca"))
    assert matrix["columns"] == []
    assert not any(row["protected"] for row in matrix["rows"])  # type: ignore[attr-defined]


def test_timeline_bars_follow_the_days_left(catalog: Catalog) -> None:
    timeline = expiry_timeline(_scan(catalog, "pinned_backup"))
    assert timeline is not None
    bars = timeline["bars"]
    assert [b["end"] for b in bars] == ["2039-01-01", "2099-12-31"]  # type: ignore[index]
    assert [b["state"] for b in bars] == ["pass", "pass"]  # type: ignore[index]
    assert bars[0]["width"] < bars[1]["width"]  # type: ignore[index]
    expired = expiry_timeline(_scan(catalog, "expired_pins"))
    assert expired is not None
    assert "fail" in {b["state"] for b in expired["bars"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("as_of", "state"), [("2038-12-15", "warn"), ("2039-02-01", "fail")])
def test_timeline_marks_what_expires_soon(catalog: Catalog, as_of: str, state: str) -> None:
    timeline = expiry_timeline(_scan(catalog, "pinned_backup", as_of))
    assert timeline is not None
    assert timeline["bars"][0]["state"] == state  # type: ignore[index]


def test_nothing_expires_no_timeline(catalog: Catalog) -> None:
    result = _scan(catalog, "okhttp_varargs")
    assert expiry_timeline(replace(result, certificates=())) is None
    page = HtmlWriter().render([replace(result, certificates=())])
    assert "Expiry timeline" not in page and 'class="matrix"' in page
