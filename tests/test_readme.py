"""The README's rule table lists the catalog as it is."""

from __future__ import annotations

from conftest import ROOT

from mstg_pinscan.evaluate.catalog import Catalog


def test_readme_lists_every_rule(catalog: Catalog) -> None:
    readme = (ROOT / "README.md").read_text()
    for rule in catalog.rules.values():
        assert f"| {rule.id} | `{rule.name}` | {rule.status.value} |" in readme, rule.id
