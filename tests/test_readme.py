"""The README's rule table is the catalog as it is (scripts/rule_table.py --write)."""

from __future__ import annotations

import sys

from conftest import ROOT

from mstg_pinscan.evaluate.catalog import Catalog

sys.path.insert(0, str(ROOT / "scripts"))
from rule_table import END, START, rule_table  # noqa: E402


def test_readme_rule_table_is_current(catalog: Catalog) -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == rule_table(catalog), "run: python3 scripts/rule_table.py --write"
