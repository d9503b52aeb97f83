"""App strings cannot steer the reviewer's terminal or forge lines of the summary or diff."""

from __future__ import annotations

import dataclasses
import json

from conftest import PIN_A, PIN_B, evaluate_config, nsc

from mstg_pinscan.diff import compare, render_text
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.report.json import result_to_dict
from mstg_pinscan.report.sarif import SarifWriter
from mstg_pinscan.report.text import summarise, terminal_safe

FORGED = "evil.example\n  MSTG-NETWORK-4: PASS  everything is pinned"


def _result(catalog: Catalog, domain: str = FORGED):
    pins = f'<pin digest="SHA-256">{PIN_A}</pin><pin digest="SHA-256">{PIN_B}</pin>'
    result = evaluate_config(catalog, nsc(
        f"<base-config cleartextTrafficPermitted='true'/><domain-config><domain>{domain}"
        f"</domain><pin-set>{pins}</pin-set></domain-config>"))
    app = dataclasses.replace(result.app, id="com.\x1b[2J\x1b]0;pwned\x07evil",
                              version="1.0\r\u202egnp.exe")
    return dataclasses.replace(result, app=app)


def test_control_and_reordering_characters_are_shown_as_escapes() -> None:
    assert terminal_safe("a\x1b[31mb\rc\nd\u202ee\x9bf") == "a\\x1b[31mb\\rc\\nd\\u202ee\\x9bf"
    assert terminal_safe("plain text: pinned (2 pins)") == "plain text: pinned (2 pins)"


def test_the_summary_cannot_be_forged(catalog: Catalog) -> None:
    text = summarise(_result(catalog))
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    verdict_lines = [line for line in text.splitlines() if "MSTG-NETWORK-4:" in line]
    assert len(verdict_lines) == 1 and not verdict_lines[0].startswith("  MSTG-NETWORK-4: PASS")
    assert "com.\\x1b[2J\\x1b]0;pwned\\x07evil" in text


def test_the_diff_cannot_be_forged(catalog: Catalog) -> None:
    old = result_to_dict(_result(catalog, "good.example"))
    new = result_to_dict(_result(catalog))
    text = render_text(compare(old, new))
    assert "\x1b" not in text and "\r" not in text
    assert not any(line.startswith("  MSTG-NETWORK-4") for line in text.splitlines())


def test_sarif_carries_app_strings_as_plain_text_only(catalog: Catalog) -> None:
    """Result messages are plain text (viewers render ``markdown`` fields): app strings go
    into ``text`` as data, never into markdown where a link or image could be injected."""
    html = '<img src=x onerror="alert(1)">.example'
    result = _result(catalog, html.replace("<", "&lt;").replace(">", "&gt;"))
    document = json.loads(SarifWriter(catalog).render([result]))
    messages = [r["message"] for r in document["runs"][0]["results"]]
    assert all(set(message) == {"text"} for message in messages)
    assert any(html.lower() in message["text"] for message in messages)
