"""The HTML report: one self-contained, printable file rendered from a jinja2 template."""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import date
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mstg_pinscan import __version__
from mstg_pinscan.models import ScanResult, Status
from mstg_pinscan.report.interface import ReportWriter

if TYPE_CHECKING:
    from mstg_pinscan.diff import ReleaseDiff

_STATUS_ORDER = (Status.FAIL, Status.WARN, Status.PASS, Status.INFO)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("mstg_pinscan", "report/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment


@functools.cache
def _style() -> tuple[str, str]:
    """The stylesheet and its CSP hash: the page allows exactly this style and nothing else."""
    loader = _environment().loader
    assert loader is not None
    css, _, _ = loader.get_source(_environment(), "report.css")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return css, f"sha256-{digest}"


class HtmlWriter(ReportWriter):
    """Every scanned bundle on one page; app-supplied strings are always escaped."""

    extension = "html"

    def render(self, results: list[ScanResult]) -> str:
        template = _environment().get_template("report.html.j2")
        apps = []
        for result in results:
            groups = [
                (status, [d for d in result.decisions if d.status is status])
                for status in _STATUS_ORDER
            ]
            apps.append({"result": result, "groups": [g for g in groups if g[1]],
                         "matrix": protection_matrix(result),
                         "timeline": expiry_timeline(result)})
        css, style_hash = _style()
        return template.render(
            apps=apps, version=__version__, style=Markup(css), style_hash=style_hash
        )


def render_diff(diff: ReleaseDiff) -> str:
    """The release diff as one self-contained page, with the report's stylesheet."""
    css, style_hash = _style()
    return _environment().get_template("diff.html.j2").render(
        diff=diff, old=diff.old, new=diff.new, version=__version__, style=Markup(css),
        style_hash=style_hash)


# The protections a host can have, in the order the matrix shows them.
MATRIX_COLUMNS = (
    ("nsc-pin-set", "NSC pin-set"), ("okhttp-pins", "OkHttp pins"),
    ("ats-pinned-domains", "ATS pinned"), ("trustkit", "TrustKit"),
    ("own-trust-store", "own trust store"), ("framework-pins", "Framework pins"),
)


def _matrix_key(protection: str) -> str:
    """The matrix column of a protection label: every framework's own pins (flutter-pins,
    react-native-pins, ...) share one column."""
    known = {key for key, _ in MATRIX_COLUMNS}
    return protection if protection in known or not protection.endswith("-pins") else (
        "framework-pins")


def protection_matrix(result: ScanResult) -> dict[str, object]:
    """Hosts by protection kind, plus backup pin and cleartext: the page's at-a-glance grid.

    Only the columns some host of this app uses are shown, so an Android app carries no
    empty ATS column and the reverse.
    """
    used = {_matrix_key(p) for row in result.hosts for p in row.protection}
    columns = [(key, label) for key, label in MATRIX_COLUMNS if key in used]
    rows = [{"host": row.host, "first_party": row.first_party,
             "cells": [key in {_matrix_key(p) for p in row.protection} for key, _ in columns],
             "protected": row.protected, "backup_pin": row.backup_pin if row.pins else None,
             "cleartext": row.cleartext_permitted}
            for row in result.hosts]
    return {"columns": [label for _, label in columns], "rows": rows}


_TIMELINE_WIDTH, _LABEL_WIDTH, _ROW_HEIGHT = 760, 300, 22


def expiry_timeline(result: ScanResult, warn_days: int = 30) -> dict[str, object] | None:
    """Pin-set expirations and certificate end dates on one time axis from the scan date.

    Returns the SVG geometry (bars drawn as SVG attributes, which the page's CSP allows,
    not as inline styles, which it does not), or None when nothing expires.

    Known shortcoming: bars turn amber within ``warn_days`` of the scan date, and the HTML
    writer passes the default 30 days, not ``--expiry-warn-days``, which the result does not
    carry; the decisions themselves use the configured window.
    """
    items = [(f"pins {row.host}", row.expires) for row in result.hosts
             if row.expires and row.pins]
    items += [(f"cert {cert.subject}", cert.not_after) for cert in result.certificates]
    if not items:
        return None
    start = result.as_of
    span = max(365, *((end - start).days for _, end in items)) or 1
    plot = _TIMELINE_WIDTH - _LABEL_WIDTH - 90
    bars = []
    for index, (label, end) in enumerate(sorted(items, key=lambda item: item[1])):
        left = (end - start).days
        state = "fail" if left < 0 else "warn" if left <= warn_days else "pass"
        bars.append({"label": label if len(label) <= 44 else label[:43] + "…",
                     "title": label, "end": end.isoformat(), "days": left, "state": state,
                     "y": 24 + index * _ROW_HEIGHT,
                     "width": max(2, round(plot * max(left, 0) / span))})
    return {"bars": bars, "label_width": _LABEL_WIDTH, "width": _TIMELINE_WIDTH,
            "height": 34 + len(bars) * _ROW_HEIGHT, "plot": plot,
            "start": start.isoformat(),
            "axis_end": date.fromordinal(start.toordinal() + span).isoformat()}
