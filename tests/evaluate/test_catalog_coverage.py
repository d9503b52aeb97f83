"""Every rule in the catalog has at least one positive test (and the tests name real rules).

A rule added to rules/ without a row in one of the POSITIVE tables makes this fail.
"""

from __future__ import annotations

import test_release_policy
import test_rules_android
import test_rules_binary
import test_rules_certificates
import test_rules_code
import test_rules_frameworks
import test_rules_ios
from conftest import ROOT

from mstg_pinscan.evaluate.catalog import load_catalog

TESTED = (set(test_rules_android.POSITIVE_RULES) | set(test_rules_certificates.POSITIVE_RULES)
          | set(test_rules_code.POSITIVE_RULES) | set(test_rules_ios.POSITIVE_RULES)
          | set(test_rules_binary.POSITIVE_RULES) | set(test_release_policy.POSITIVE_RULES)
          | set(test_rules_frameworks.POSITIVE_RULES))


def test_every_catalog_rule_has_a_positive_test() -> None:
    catalog = load_catalog(ROOT / "rules")
    untested = sorted(f"{rule.id} {rule.name}" for rule in catalog.by_id.values()
                      if rule.name not in TESTED)
    assert not untested, f"rules without a positive test: {untested}"


def test_every_tested_rule_is_in_the_catalog() -> None:
    catalog = load_catalog(ROOT / "rules")
    assert not TESTED - set(catalog.rules)


def test_android_and_certificate_rules_are_tested_in_their_own_file() -> None:
    catalog = load_catalog(ROOT / "rules")
    for name in test_rules_android.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith("PS1"), name
    for name in test_rules_certificates.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith(("PS2", "PS3")), name
    for name in test_rules_code.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith("PS4"), name
    for name in test_rules_ios.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith(("PS500", "PS501", "PS502", "PS503")), name
    for name in test_rules_binary.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith("PS504"), name
    for name in test_rules_frameworks.POSITIVE_RULES:
        assert catalog.rule(name).id.startswith("PS7"), name
