"""The rule catalog: load ``rules/*.toml``, validate it, and turn rules into decisions."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mstg_pinscan.errors import RuleCatalogError
from mstg_pinscan.models import Decision, Location, Severity, Status

_logger = logging.getLogger(__name__)

_REQUIRED = {
    "id", "name", "title", "description", "status", "platform", "affects_verdict",
    "references", "source", "remediation",
}
_OPTIONAL = {"severity", "cwe"}
_ID = re.compile(r"^PS\d{4}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REFERENCE = re.compile(r"^(MASVS-[A-Z]+-\d+|MSTG-[A-Z]+-\d+|MASTG-TEST-\d{4}|MASWE-\d{4})$")
_PLATFORMS = {"android", "ios", "any"}


@dataclass(frozen=True)
class Rule:
    """One check's metadata: what it means, how it is rated, how to fix it."""

    id: str
    name: str
    title: str
    description: str
    status: Status
    severity: Severity | None
    platform: str
    affects_verdict: bool
    references: tuple[str, ...]
    source: str
    remediation: str
    cwe: str | None


class Catalog:
    """All rules by name; :meth:`decide` is how checks produce decisions."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = {rule.name: rule for rule in rules}
        self.by_id = {rule.id: rule for rule in rules}

    def rule(self, name: str) -> Rule:
        """Return the rule called ``name``; raises :class:`RuleCatalogError` if unknown."""
        try:
            return self.rules[name]
        except KeyError:
            raise RuleCatalogError(f"no rule named {name!r} in the catalog") from None

    def decide(
        self,
        name: str,
        location: Location,
        evidence: str,
        *,
        host: str | None = None,
        severity: Severity | None = None,
    ) -> Decision:
        """Build a decision from rule ``name``; ``severity`` may lower or raise the default."""
        rule = self.rule(name)
        return Decision(
            rule_id=rule.id,
            rule_name=rule.name,
            status=rule.status,
            severity=severity or rule.severity,
            title=rule.title,
            location=location,
            evidence=evidence,
            remediation=rule.remediation,
            references=rule.references,
            host=host,
        )

    def require(self, names: set[str]) -> None:
        """Raise :class:`RuleCatalogError` unless every name a check uses is in the catalog."""
        missing = sorted(names - set(self.rules))
        if missing:
            raise RuleCatalogError(f"checks use rules missing from the catalog: {missing}")


def default_rules_dir() -> Path:
    """The catalog installed with the package, or ``rules/`` of a source checkout."""
    installed = resources.files("mstg_pinscan").joinpath("_rules")
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "rules"


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and validate every ``*.toml`` in ``directory``.

    Raises :class:`RuleCatalogError` for unreadable files, unknown or missing fields,
    bad values, and duplicate ids or names.
    """
    directory = directory or default_rules_dir()
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise RuleCatalogError("no rule files found", path=str(directory))
    rules: list[Rule] = []
    for file in files:
        try:
            document = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RuleCatalogError(f"cannot be read: {exc}", path=str(file)) from exc
        unknown_tables = set(document) - {"rule"}
        if unknown_tables:
            raise RuleCatalogError(f"unknown top-level keys {sorted(unknown_tables)}",
                                   path=str(file))
        for index, entry in enumerate(document.get("rule", []), start=1):
            rules.append(_rule(entry, f"{file.name} rule #{index}"))
    _check_unique(rules)
    return Catalog(rules)


def _rule(entry: dict[str, object], where: str) -> Rule:
    keys = set(entry)
    if keys - _REQUIRED - _OPTIONAL:
        raise RuleCatalogError(f"{where}: unknown fields {sorted(keys - _REQUIRED - _OPTIONAL)}")
    if _REQUIRED - keys:
        raise RuleCatalogError(f"{where}: missing fields {sorted(_REQUIRED - keys)}")
    text = {k: v for k, v in entry.items() if isinstance(v, str)}
    for key in _REQUIRED - {"references", "affects_verdict"}:
        if not text.get(key, "").strip():
            raise RuleCatalogError(f"{where}: {key} must be a non-empty string")
    if not _ID.match(text["id"]):
        raise RuleCatalogError(f"{where}: id {text['id']!r} is not of the form PS0000")
    if not _NAME.match(text["name"]):
        raise RuleCatalogError(f"{where}: name {text['name']!r} is not a lowercase slug")
    try:
        status = Status(text["status"])
        severity = Severity(text["severity"]) if "severity" in text else None
    except ValueError as exc:
        raise RuleCatalogError(f"{where} ({text['id']}): {exc}") from exc
    if status in (Status.WARN, Status.FAIL) and severity is None:
        raise RuleCatalogError(f"{where} ({text['id']}): a {status.value} rule needs a severity")
    if status in (Status.PASS, Status.INFO) and severity is not None:
        raise RuleCatalogError(f"{where} ({text['id']}): a {status.value} rule has no severity")
    if text["platform"] not in _PLATFORMS:
        raise RuleCatalogError(f"{where} ({text['id']}): unknown platform {text['platform']!r}")
    references = entry["references"]
    if not isinstance(references, list) or not references:
        raise RuleCatalogError(f"{where} ({text['id']}): references must be a non-empty list")
    for reference in references:
        if not isinstance(reference, str) or not _REFERENCE.match(reference):
            raise RuleCatalogError(f"{where} ({text['id']}): bad reference {reference!r}")
    if not any(str(r).startswith("MSTG-") or str(r).startswith("MASVS-") for r in references):
        raise RuleCatalogError(f"{where} ({text['id']}): needs a MASVS or MSTG reference")
    if not isinstance(entry["affects_verdict"], bool):
        raise RuleCatalogError(f"{where} ({text['id']}): affects_verdict must be true or false")
    if "cwe" in entry and not re.match(r"^CWE-\d+$", str(entry["cwe"])):
        raise RuleCatalogError(f"{where} ({text['id']}): cwe must look like CWE-295")
    if not text["source"].startswith("https://"):
        raise RuleCatalogError(f"{where} ({text['id']}): source must be an https URL")
    return Rule(
        id=text["id"],
        name=text["name"],
        title=text["title"].strip(),
        description=" ".join(text["description"].split()),
        status=status,
        severity=severity,
        platform=text["platform"],
        affects_verdict=bool(entry["affects_verdict"]),
        references=tuple(str(r) for r in references),
        source=text["source"],
        remediation=" ".join(text["remediation"].split()),
        cwe=text.get("cwe"),
    )


def _check_unique(rules: list[Rule]) -> None:
    for attribute in ("id", "name"):
        seen: set[str] = set()
        for rule in rules:
            value = getattr(rule, attribute)
            if value in seen:
                raise RuleCatalogError(f"duplicate rule {attribute} {value!r}")
            seen.add(value)
