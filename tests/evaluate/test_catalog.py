"""The rule catalog loader: the real catalog loads and matches the code; bad entries are refused."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT

from mstg_pinscan.errors import RuleCatalogError
from mstg_pinscan.evaluate.catalog import load_catalog
from mstg_pinscan.models import Severity, Status
from mstg_pinscan.scan import RULES_USED

# One valid entry, copied from rules/android-nsc.toml.
TEMPLATE = '''
[[rule]]
id = "PS1002"
name = "nsc-pin-set-single-pin"
title = "Pin-set without a backup pin"
description = """The pin-set holds one usable pin. When that key is rotated or lost, every
install of the app stops connecting until users update it."""
status = "warn"
severity = "medium"
platform = "android"
affects_verdict = true
references = ["MASVS-NETWORK-2", "MSTG-NETWORK-4", "MASTG-TEST-0242"]
source = "https://developer.android.com/privacy-and-security/security-config#CertificatePinning"
remediation = """Add a backup pin: the SPKI hash of a key pair generated now and kept offline, or
of a second CA's key, so a key change does not lock users out."""
cwe = "CWE-295"
'''
DROP = object()


def rule(**changes: object) -> dict[str, object]:
    """The template rule with fields changed; a field set to ``DROP`` is removed."""
    (entry,) = tomllib.loads(TEMPLATE)["rule"]
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not DROP}


def render(*rules: dict[str, object]) -> str:
    """TOML text of ``rules`` (strings in JSON escapes, which TOML basic strings accept)."""
    blocks = []
    for entry in rules:
        lines = ["[[rule]]"]
        for key, value in entry.items():
            text = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
            lines.append(f"{key} = {text}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write(directory: Path, *rules: dict[str, object], name: str = "rules.toml") -> None:
    (directory / name).write_text(render(*rules), encoding="utf-8")


# --- the real catalog ---------------------------------------------------------------------

def test_real_catalog_loads() -> None:
    catalog = load_catalog(ROOT / "rules")
    assert len(catalog.rules) == len(catalog.by_id) >= 30
    single = catalog.rule("nsc-pin-set-single-pin")
    assert (single.id, single.status, single.severity) == ("PS1002", Status.WARN, Severity.MEDIUM)


def test_default_catalog_is_the_repository_one() -> None:
    assert set(load_catalog().by_id) == set(load_catalog(ROOT / "rules").by_id)


def test_catalog_has_every_rule_the_code_uses() -> None:
    load_catalog(ROOT / "rules").require(set(RULES_USED))


def test_code_and_catalog_name_the_same_rules() -> None:
    names = set(load_catalog(ROOT / "rules").rules)
    assert not set(RULES_USED) - names, "used by the code, missing from rules/"
    assert not names - set(RULES_USED), "in rules/, used by no check"


def test_require_names_the_missing_rule() -> None:
    with pytest.raises(RuleCatalogError, match="no-such-rule"):
        load_catalog(ROOT / "rules").require({"no-such-rule", "no-pinning"})


# --- the loader refuses bad catalogs ------------------------------------------------------

def test_template_alone_loads(tmp_path: Path) -> None:
    write(tmp_path, rule())
    catalog = load_catalog(tmp_path)
    assert list(catalog.by_id) == ["PS1002"]


BAD_CATALOGS = [
    pytest.param([rule(), rule(name="another-name")], "duplicate rule id 'PS1002'",
                 id="duplicate-id"),
    pytest.param([rule(), rule(id="PS1999")], "duplicate rule name 'nsc-pin-set-single-pin'",
                 id="duplicate-name"),
    pytest.param([rule(colour="red")], r"unknown fields \['colour'\]", id="unknown-field"),
    pytest.param([rule(remediation=DROP)], r"missing fields \['remediation'\]",
                 id="missing-field"),
    pytest.param([rule(title="  ")], "title must be a non-empty string", id="blank-title"),
    pytest.param([rule(severity=DROP)], "a warn rule needs a severity",
                 id="warn-without-severity"),
    pytest.param([rule(status="fail", severity=DROP)], "a fail rule needs a severity",
                 id="fail-without-severity"),
    pytest.param([rule(status="pass")], "a pass rule has no severity", id="pass-with-severity"),
    pytest.param([rule(status="info")], "a info rule has no severity", id="info-with-severity"),
    pytest.param([rule(severity="severe")], "severe", id="unknown-severity"),
    pytest.param([rule(references=["MASVS-NETWORK-2", "MSTG-NETWORK4"])],
                 "bad reference 'MSTG-NETWORK4'", id="bad-reference"),
    pytest.param([rule(references=["MASVS-NETWORK-2", "mastg-test-0242"])],
                 "bad reference 'mastg-test-0242'", id="lowercase-reference"),
    pytest.param([rule(references=["MASTG-TEST-0242"])], "needs a MASVS or MSTG reference",
                 id="no-masvs-or-mstg-reference"),
    pytest.param([rule(references=[])], "references must be a non-empty list",
                 id="empty-references"),
    pytest.param([rule(source="http://developer.android.com/privacy-and-security/"
                              "security-config")],
                 "source must be an https URL", id="non-https-source"),
    pytest.param([rule(id="1002")], "not of the form PS0000", id="bad-id"),
    pytest.param([rule(name="Single Pin")], "not a lowercase slug", id="bad-name"),
    pytest.param([rule(platform="windows")], "unknown platform", id="unknown-platform"),
    pytest.param([rule(affects_verdict="yes")], "affects_verdict must be true or false",
                 id="affects-verdict-not-boolean"),
    pytest.param([rule(cwe="295")], "cwe must look like CWE-295", id="bad-cwe"),
]


@pytest.mark.parametrize(("rules", "message"), BAD_CATALOGS)
def test_loader_refuses(tmp_path: Path, rules: list[dict[str, object]], message: str) -> None:
    write(tmp_path, *rules)
    with pytest.raises(RuleCatalogError, match=message):
        load_catalog(tmp_path)


def test_loader_refuses_a_duplicate_id_across_files(tmp_path: Path) -> None:
    write(tmp_path, rule(), name="a.toml")
    write(tmp_path, rule(name="another-name"), name="b.toml")
    with pytest.raises(RuleCatalogError, match="duplicate rule id 'PS1002'"):
        load_catalog(tmp_path)


def test_loader_refuses_an_unknown_top_level_table(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(render(rule()) + '\n[meta]\nowner = "x"\n')
    with pytest.raises(RuleCatalogError, match="unknown top-level keys"):
        load_catalog(tmp_path)


def test_loader_refuses_malformed_toml(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(TEMPLATE.replace('status = "warn"', "status = warn"))
    with pytest.raises(RuleCatalogError, match="cannot be read"):
        load_catalog(tmp_path)


def test_loader_refuses_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleCatalogError, match="no rule files found"):
        load_catalog(tmp_path)
