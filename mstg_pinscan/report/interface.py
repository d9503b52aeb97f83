"""The report writer interface: every format renders the same :class:`ScanResult`."""

from __future__ import annotations

import abc

from mstg_pinscan.models import ScanResult


class ReportWriter(abc.ABC):
    """Render scan results as one document of a format."""

    extension: str = ""

    @abc.abstractmethod
    def render(self, results: list[ScanResult]) -> str:
        """Return the whole document for ``results`` (one per scanned bundle)."""
