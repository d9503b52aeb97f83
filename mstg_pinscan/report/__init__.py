"""Reports stage: writers for text, JSON, HTML and SARIF, all fed from one result."""

from __future__ import annotations

import enum

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.report.html import HtmlWriter
from mstg_pinscan.report.interface import ReportWriter
from mstg_pinscan.report.json import JsonWriter
from mstg_pinscan.report.sarif import SarifWriter
from mstg_pinscan.report.text import TextWriter


class Format(enum.Enum):
    """The formats the command line offers."""

    TEXT = "text"
    JSON = "json"
    HTML = "html"
    SARIF = "sarif"


_WRITERS: dict[Format, type[ReportWriter]] = {
    Format.TEXT: TextWriter,
    Format.JSON: JsonWriter,
    Format.HTML: HtmlWriter,
    Format.SARIF: SarifWriter,
}


def writer_for(fmt: Format, catalog: Catalog | None = None) -> ReportWriter:
    """Return a writer for ``fmt``; SARIF describes its rules from ``catalog``."""
    if fmt is Format.SARIF:
        return SarifWriter(catalog)
    return _WRITERS[fmt]()
