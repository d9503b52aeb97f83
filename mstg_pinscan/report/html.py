"""The HTML report: one self-contained, printable file rendered from a jinja2 template."""

from __future__ import annotations

import base64
import functools
import hashlib
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
            apps.append({"result": result, "groups": [g for g in groups if g[1]]})
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
