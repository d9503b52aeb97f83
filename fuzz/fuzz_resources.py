"""Fuzz the resources.arsc front: facts/resources.py, parsing and resolving references.

A malformed table must set ``ResourceTable.error`` (reported as skipped) and resolve
nothing; no lookup may raise.
"""

from __future__ import annotations

import atheris
from _common import entries, run

with atheris.instrument_imports(include=["mstg_pinscan", "androguard"]):
    from mstg_pinscan.facts.resources import ResourceTable

# The ids the sample apps refer to (xml, raw, bool) and names looked up the same way.
_REFERENCES = ("@7F010000", "@7F020000", "@7F030000", "@7F040000", "@7F0F0000",
               "@android:01010000", "@xml/network_security_config", "@raw/pinscan_root",
               "@bool/debuggable")


def seeds() -> list[bytes]:
    """Every distinct resources.arsc of the sample apps."""
    return list(entries(("resources.arsc",)))


def test_one_input(data: bytes) -> None:
    """Parse one table and resolve references in it as the manifest and NSC readers do."""
    table = ResourceTable.lazy(data)
    if not table.available:
        assert table.error, "a table that is not available must say why"
        return
    for reference in _REFERENCES:
        table.resolve(reference)
        table.name(reference)
        table.resolve_bool(reference)


if __name__ == "__main__":
    run(test_one_input, seeds)
