"""The JSON report validates against schemas/report.schema.json, and the schema has teeth."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, ROOT, SAMPLE_APKS
from jsonschema import Draft202012Validator

from mstg_pinscan import _cli
from mstg_pinscan.report.json import SCHEMA_VERSION

SCHEMA_PATH = ROOT / "schemas" / "report.schema.json"
APKS = sorted(SAMPLE_APKS.glob("*.apk"))
COMMITTED = sorted((ROOT / "reports").glob("*.json"))


def _load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


SCHEMA = _load_schema()
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
# The single-report form alone: its errors point at the field that is wrong, where the
# top-level oneOf only says that neither form matched.
REPORT_VALIDATOR = Draft202012Validator(
    {**{k: v for k, v in SCHEMA.items() if k != "oneOf"}, "$ref": "#/$defs/report"},
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def run_json(tmp_path: Path, *apks: Path) -> Any:
    """Scan with the command line as a user would and return the parsed JSON report."""
    out = tmp_path / "x.json"
    code = _cli.main([
        "--as-of", AS_OF.isoformat(), "--format", "json", "-o", str(out),
        *(str(apk) for apk in apks),
    ])
    assert code in (_cli.EXIT_OK, _cli.EXIT_FINDINGS), f"pinscan exited {code}"
    return json.loads(out.read_text(encoding="utf-8"))


def error_paths(document: Any) -> list[tuple[str | int, ...]]:
    return [tuple(e.absolute_path) for e in REPORT_VALIDATOR.iter_errors(document)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A report rich in content: certificates, pins, several decisions and a skipped item."""
    document = run_json(tmp_path_factory.mktemp("report"), SAMPLE_APKS / "keystores.apk")
    # The mutations below rely on these facts of the sample.
    pins = document["hosts"][1]["pins"]
    assert [p["matches_certificate"] for p in pins] == [True, False]
    assert document["certificates"] and document["analysis"]["skipped"]
    assert document["decisions"][0]["status"] == "fail"
    assert document["decisions"][-1]["status"] == "info"
    return document


# --- the schema itself ----------------------------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_schema_version_matches_the_writer() -> None:
    assert SCHEMA["$defs"]["report"]["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_every_object_is_closed_and_requires_all_its_properties() -> None:
    def objects(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if "properties" in node and node.get("type") == "object":
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    found = objects(SCHEMA)
    assert len(found) >= 12
    for node in found:
        assert node["additionalProperties"] is False, node
        assert sorted(node["required"]) == sorted(node["properties"]), node


# --- every real report validates ------------------------------------------------------------

def test_there_are_sample_apks() -> None:
    assert len(APKS) >= 10


@pytest.mark.parametrize("apk", APKS, ids=[apk.stem for apk in APKS])
def test_report_of_every_sample_apk_validates(tmp_path: Path, apk: Path) -> None:
    document = run_json(tmp_path, apk)
    assert error_paths(document) == []
    VALIDATOR.validate(document)
    assert document["app"]["file"] == apk.name


def test_report_of_several_files_validates(tmp_path: Path) -> None:
    document = run_json(tmp_path, *APKS)
    VALIDATOR.validate(document)
    assert set(document) == {"schema_version", "tool", "reports"}
    assert [r["app"]["file"] for r in document["reports"]] == [a.name for a in APKS]


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_committed_sample_report_validates(path: Path) -> None:
    VALIDATOR.validate(json.loads(path.read_text(encoding="utf-8")))


# --- the schema rejects what the writer does not write --------------------------------------

def _mutate(document: dict[str, Any], path: tuple[str | int, ...], change: Any) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    parent = mutated
    for key in path[:-1]:
        parent = parent[key]
    change(parent, path[-1])
    return mutated


def _absolute(document: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """``path`` with negative list indexes counted from the start, as jsonschema reports them."""
    absolute: list[str | int] = []
    for key in path:
        if isinstance(key, int) and key < 0:
            key += len(document)
        absolute.append(key)
        document = document[key]
    return tuple(absolute)


def _drop(parent: Any, key: str | int) -> None:
    del parent[key]


def _set(value: Any) -> Any:
    def change(parent: Any, key: str | int) -> None:
        parent[key] = value

    return change


# An extra field anywhere fails: every object is closed.
EXTRA_FIELD = [
    ("report", ()),
    ("tool", ("tool",)),
    ("app", ("app",)),
    ("verdict", ("verdict",)),
    ("host", ("hosts", 1)),
    ("pin", ("hosts", 1, "pins", 0)),
    ("certificate", ("certificates", 0)),
    ("decision", ("decisions", 0)),
    ("location", ("decisions", 0, "location")),
    ("analysis", ("analysis",)),
    ("skipped", ("analysis", "skipped", 0)),
]


@pytest.mark.parametrize("where", [p for _, p in EXTRA_FIELD], ids=[n for n, _ in EXTRA_FIELD])
def test_extra_field_fails(report: dict[str, Any], where: tuple[str | int, ...]) -> None:
    mutated = copy.deepcopy(report)
    target = mutated
    for key in where:
        target = target[key]
    target["unexpected"] = 1
    assert not VALIDATOR.is_valid(mutated)
    assert where in error_paths(mutated)


# (name, field to change, wrong value, where the error shows when not at that field)
WRONG_VALUE: list[tuple[str, tuple[str | int, ...], Any, tuple[str | int, ...] | None]] = [
    ("verdict-status", ("verdict", "status"), "ok", None),
    ("verdict-status-case", ("verdict", "status"), "PASS", None),
    ("decision-status", ("decisions", 0, "status"), "inconclusive", None),
    ("severity", ("decisions", 0, "severity"), "severe", None),
    ("pin-level", ("hosts", 1, "pins", 0, "level"), "root", None),
    ("host-level", ("hosts", 1, "level"), "public_root", None),
    ("platform", ("app", "platform"), "windows", None),
    ("protection", ("hosts", 1, "protection", 0), "pinned", None),
    ("schema-version", ("schema_version",), "2.0", None),
    ("rule-id", ("decisions", 0, "rule_id"), "PS20061", None),
    ("rule-name", ("decisions", 0, "rule_name"), "Private Key", None),
    ("reference", ("decisions", 0, "references", 0), "OWASP", None),
    ("sha256", ("app", "sha256"), "8B54" + "0" * 60, None),
    ("spki-pin", ("certificates", 0, "spki_sha256"), "not-a-pin", None),
    ("date-shape", ("analysis", "as_of"), "01.12.2026", None),
    ("date-format", ("certificates", 0, "not_after"), "2039-02-30", None),
    ("target-sdk-type", ("app", "target_sdk"), "34", None),
    ("boolean-type", ("hosts", 1, "backup_pin"), "true", None),
    ("not-nullable", ("app", "file"), None, None),
    ("negative-duration", ("analysis", "duration_s"), -1, None),
    ("info-with-severity", ("decisions", -1, "severity"), "low", None),
    ("fail-without-severity", ("decisions", 0, "severity"), None, None),
    ("pin-claims-certificate", ("hosts", 1, "pins", 1, "matches_certificate"), True,
     ("hosts", 1, "pins", 1, "certificate")),
    ("complete-but-skipped", ("analysis", "complete"), True, ("analysis", "skipped")),
]


@pytest.mark.parametrize(("where", "value", "shows"), [case[1:] for case in WRONG_VALUE],
                         ids=[case[0] for case in WRONG_VALUE])
def test_wrong_value_fails(
    report: dict[str, Any], where: tuple[str | int, ...], value: Any,
    shows: tuple[str | int, ...] | None,
) -> None:
    original = report
    for key in where:
        original = original[key]
    assert json.dumps(original) != json.dumps(value), "the mutation must change the report"
    mutated = _mutate(report, where, _set(value))
    assert not VALIDATOR.is_valid(mutated)
    assert _absolute(report, shows or where) in error_paths(mutated)


MISSING = [
    ("schema_version", ("schema_version",)),
    ("app-sha256", ("app", "sha256")),
    ("verdict-reason", ("verdict", "reason")),
    ("hosts", ("hosts",)),
    ("host-first-party", ("hosts", 0, "first_party")),
    ("pin-certificate", ("hosts", 1, "pins", 0, "certificate")),
    ("certificate-alias", ("certificates", 0, "alias")),
    ("decision-severity", ("decisions", 0, "severity")),
    ("location-element", ("decisions", 0, "location", "element")),
    ("duration", ("analysis", "duration_s")),
]


@pytest.mark.parametrize("where", [p for _, p in MISSING], ids=[n for n, _ in MISSING])
def test_missing_required_field_fails(
    report: dict[str, Any], where: tuple[str | int, ...]
) -> None:
    mutated = _mutate(report, where, _drop)
    assert not VALIDATOR.is_valid(mutated)
    assert where[:-1] in error_paths(mutated)


def test_multi_report_form_is_closed_and_needs_two_reports(report: dict[str, Any]) -> None:
    head = {"schema_version": report["schema_version"], "tool": report["tool"]}
    assert VALIDATOR.is_valid({**head, "reports": [report, report]})
    assert not VALIDATOR.is_valid({"reports": [report, report]})
    assert not VALIDATOR.is_valid({**head, "reports": [report]})
    assert not VALIDATOR.is_valid({**head, "reports": [report, report], "count": 2})
    broken = _mutate(report, ("verdict", "status"), _set("ok"))
    assert not VALIDATOR.is_valid({**head, "reports": [report, broken]})
