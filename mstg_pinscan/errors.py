"""Errors pinscan raises, one type per pipeline stage.

The command line catches :class:`PinscanError` once and prints :meth:`diagnostics`
as a single line; every other exception is a bug.
"""

from __future__ import annotations


class PinscanError(Exception):
    """Base class: something the user must fix, said in one line."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        # Crosses process boundaries (see isolate.py) with its path intact.
        return (type(self), (self.message,), {"path": self.path})

    def diagnostics(self) -> str:
        """Return the one line shown to the user: the file, then the reason."""
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class UsageError(PinscanError):
    """The command line or a configuration value is wrong."""


class UnpackError(PinscanError):
    """The bundle is not a readable APK/IPA or breaks an unpacking limit."""


class FactError(PinscanError):
    """A parser could not read an input it cannot do without (the manifest)."""


class RuleCatalogError(PinscanError):
    """The rule catalog in ``rules/`` is malformed."""


class ReportError(PinscanError):
    """A report could not be written."""
