"""Inputs the framework fuzz target (fuzz/fuzz_frameworks.py) crashed on, rebuilt in code,
each with what the reader now does instead."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mstg_pinscan.facts.frameworks import TrustKind, url_host

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "frameworks"))
from test_cordova import cordova_app  # noqa: E402


@pytest.mark.parametrize("url", ["https://[api.pinscan-demo.example/v1", "http://[::1/x"])
def test_a_url_with_a_broken_ipv6_literal_has_no_host(url: str) -> None:
    # Was: ValueError("Invalid IPv6 URL") from urlsplit, out of the Cordova script search.
    assert url_host(url) is None


def test_a_broken_request_url_does_not_lose_the_rest_of_the_script(tmp_path: Path) -> None:
    script = ("cordova.plugin.http.get('https://[api.pinscan-demo.example/v1', {}, {}, ok);\n"
              "cordova.plugin.http.setServerTrustMode('nocheck', ok, err);\n")
    reading = cordova_app(tmp_path, script)
    assert [t.kind for t in reading.trust] == [TrustKind.TRUST_ALL]
    assert not reading.skipped


def test_a_well_formed_request_url_gives_its_host(tmp_path: Path) -> None:
    # The control: the same script with the URL mended names the host the mode applies to.
    script = ("cordova.plugin.http.get('https://api.pinscan-demo.example/v1', {}, {}, ok);\n"
              "cordova.plugin.http.setServerTrustMode('nocheck', ok, err);\n")
    (trust,) = cordova_app(tmp_path, script).trust
    assert trust.kind is TrustKind.TRUST_ALL
    assert trust.hosts == ("api.pinscan-demo.example",)
