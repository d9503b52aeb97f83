"""Print the README's rule table from the catalog (README.md holds it between markers).

Usage: python3 scripts/rule_table.py [--write]   (--write replaces the table in README.md)
"""

from __future__ import annotations

import sys
from pathlib import Path

from mstg_pinscan.evaluate.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- rule table: start -->", "<!-- rule table: end -->"


def rule_table(catalog: Catalog) -> str:
    """The markdown table of every rule, ordered by id."""
    lines = ["| id | name | status | severity | title | MSTG / MASTG |",
             "|---|---|---|---|---|---|"]
    for rule in sorted(catalog.rules.values(), key=lambda r: r.id):
        severity = rule.severity.value if rule.severity else ""
        refs = ", ".join(r for r in rule.references if r.startswith(("MSTG", "MASTG")))
        lines.append(f"| {rule.id} | `{rule.name}` | {rule.status.value} | {severity} | "
                     f"{rule.title} | {refs} |")
    return "\n".join(lines)


def main() -> int:
    table = rule_table(load_catalog(ROOT / "rules"))
    if "--write" not in sys.argv[1:]:
        print(table)
        return 0
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    readme.write_text(f"{head}{START}\n{table}\n{END}{tail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
