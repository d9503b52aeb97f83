"""Fuzz the Network Security Configuration front: facts/xml.py and facts/nsc.py.

Plain-text and compiled files both go through ``parse_android_xml``; an unreadable file is
a :class:`FactError` (the caller records it as skipped), and the NSC parser itself records
problems and never raises.
"""

from __future__ import annotations

import atheris
from _common import ROOT, entries, run

with atheris.instrument_imports(include=["mstg_pinscan", "androguard"]):
    from mstg_pinscan.errors import FactError
    from mstg_pinscan.facts.nsc import parse_network_security_config
    from mstg_pinscan.facts.xml import parse_android_xml

_NAME = "res/xml/network_security_config.xml"


def seeds() -> list[bytes]:
    """The compiled configurations of the sample apps and their plain-text sources."""
    found = list(entries(("network_security_config.xml",)))
    for path in sorted((ROOT / "sample_apps" / "apps").glob("*/res/xml*/*.xml")):
        found.append(path.read_bytes())
    return found


def _resolve_raw(reference: str) -> tuple[str, ...]:
    return ("res/raw/ca.pem",) if reference.startswith("@raw/") else ()


def test_one_input(data: bytes) -> None:
    """Read one configuration as collect_android_facts does."""
    try:
        root = parse_android_xml(data, _NAME)
    except FactError:
        return
    parse_network_security_config(root, _NAME, _resolve_raw, "", lambda ref: ref)


if __name__ == "__main__":
    run(test_one_input, seeds)
