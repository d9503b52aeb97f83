"""The HTML report is self-contained and escapes everything that came from the app."""

from __future__ import annotations

import re

from conftest import PIN_A, PIN_B, evaluate_config, nsc

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.report.html import HtmlWriter

HOSTILE = '&lt;img src=x onerror="alert(1)"&gt;&lt;script&gt;alert(2)&lt;/script&gt;.example'


def _render(catalog: Catalog) -> str:
    pins = f'<pin digest="SHA-256">{PIN_A}</pin><pin digest="SHA-256">{PIN_B}</pin>'
    result = evaluate_config(
        catalog, nsc(f"<domain-config><domain>{HOSTILE}</domain><pin-set>{pins}</pin-set>"
                     "</domain-config>"))
    return HtmlWriter().render([result])


def test_app_strings_are_escaped(catalog: Catalog) -> None:
    page = _render(catalog)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "&lt;img" in page


def test_no_external_resources_and_a_strict_policy(catalog: Catalog) -> None:
    page = _render(catalog)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1) and "script-src 'none'" in policy.group(1)
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy.group(1))


def test_report_sections(catalog: Catalog) -> None:
    page = _render(catalog)
    for heading in ("Hosts", "Decisions", "Certificates in the bundle", "Scan"):
        assert f"<h2>{heading}</h2>" in page
    assert 'class="banner pass"' in page
    assert "@media print" in page
