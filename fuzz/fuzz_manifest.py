"""Fuzz the compiled AndroidManifest.xml front: facts/xml.py and facts/manifest.py.

The manifest is the one input pinscan cannot do without, so a bad one must end in
:class:`FactError` (exit 2 with one line), never in another exception.
"""

from __future__ import annotations

import zipfile

import atheris
from _common import SAMPLE_APKS, entries, run

with atheris.instrument_imports(include=["mstg_pinscan", "androguard"]):
    from mstg_pinscan.errors import FactError
    from mstg_pinscan.facts.manifest import parse_manifest
    from mstg_pinscan.facts.resources import ResourceTable

# A real resource table, so that references in the manifest resolve as in a scan.
with zipfile.ZipFile(SAMPLE_APKS / "qualified_nsc.apk") as _apk:
    _RESOURCES = ResourceTable.lazy(_apk.read("resources.arsc"))


def seeds() -> list[bytes]:
    """Every distinct manifest of the sample apps."""
    return list(entries(("AndroidManifest.xml",)))


def test_one_input(data: bytes) -> None:
    """Read one manifest as collect_android_facts does."""
    try:
        parse_manifest(data, _RESOURCES)
    except FactError:
        pass


if __name__ == "__main__":
    run(test_one_input, seeds)
