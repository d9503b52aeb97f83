"""The app's MSTG-NETWORK-4 verdict: its status, and a reason that is one quotable sentence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import (
    AS_OF,
    PIN_A,
    PIN_B,
    anchors,
    base,
    domain,
    evaluate_config,
    info,
    make_cert,
    make_key,
    manifest_facts,
    nsc,
    pin_set,
)

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.models import ScanResult, VerdictStatus
from mstg_pinscan.scan import ScanOptions, evaluate_android

API = "api.example.com"
CDN = "cdn.example.com"
RAW = {"@raw/ca": "res/raw/ca.pem"}
YESTERDAY = (AS_OF - dt.timedelta(days=1)).isoformat()
OWN_CA = info(make_cert("Own Root CA", key=make_key("ec"), ca=True)[0], "res/raw/ca.pem")


PINNED_API = domain(API, pin_set(PIN_A, PIN_B))
PINNED_CDN = domain(CDN, pin_set(PIN_B, PIN_A))
OWN_STORE = nsc(base(anchors("@raw/ca")))


def assert_one_sentence(reason: str) -> None:
    """One line ending in a full stop, with no sentence boundary before it.

    (No capital is required: titles may start with markup such as ``overridePins``.)
    """
    assert reason and reason == reason.strip() and "\n" not in reason, repr(reason)
    assert reason.endswith("."), reason
    assert not re.search(r"[.!?]\s+\S", reason), reason


def verdict_of(catalog: Catalog, config: str | None, **options: object) -> ScanResult:
    return evaluate_config(catalog, config, **options)  # type: ignore[arg-type]


# (config, options, status, what the reason must say)
CASES = [
    pytest.param(nsc(PINNED_API + PINNED_CDN), {}, "pass",
                 f"Every configured first-party host ({API}, {CDN}) is pinned with a backup pin",
                 id="pass-pinned-hosts-with-backups"),
    pytest.param(OWN_STORE, {"raw": RAW, "certificates": [OWN_CA]}, "pass",
                 "trusts only its own certificate store for every host",
                 id="pass-own-trust-store-via-raw-anchor"),
    pytest.param(nsc(PINNED_API + '<debug-overrides>' + anchors("user") + '</debug-overrides>'),
                 {}, "pass", f"({API}) is pinned with a backup pin",
                 id="pass-debug-overrides-in-release-build"),
    pytest.param(nsc(domain(API, pin_set(PIN_A))), {}, "warn",
                 f"Pin-set without a backup pin for {API}: 1 usable pin",
                 id="warn-single-pin"),
    pytest.param(nsc(PINNED_API), {"min_sdk": 23}, "warn",
                 "Network Security Configuration ignored below API 24: minSdkVersion 23",
                 id="warn-min-sdk-23"),
    pytest.param(nsc(base(anchors("system", "user")) + PINNED_API), {}, "fail",
                 'User-installed CAs trusted in release: src="user" trusted',
                 id="fail-user-ca-in-base-config"),
    pytest.param(nsc(PINNED_API + domain(CDN, pin_set(PIN_A, PIN_B, expiration=YESTERDAY))),
                 {}, "fail", f"Pin-set expired: Android ignores its pins for {CDN}",
                 id="fail-expired-pins"),
    pytest.param(nsc(PINNED_API + domain(CDN, anchors("system", override="true"),
                                         pin_set(PIN_A, PIN_B))),
                 {}, "fail", f"overridePins lets CA-signed certificates bypass the pins for {CDN}",
                 id="fail-override-pins-in-domain-config"),
    pytest.param(nsc(base(anchors("system"))), {"dex": True}, "inconclusive",
                 "pinning in code", id="inconclusive-no-pinning-but-code-may-pin"),
    pytest.param(None, {"dex": True}, "inconclusive", "not analysed",
                 id="inconclusive-no-nsc-but-code-may-pin"),
    pytest.param(nsc(base(anchors("system"))), {}, "fail",
                 "No pinning and no app-own trust store: no host is pinned",
                 id="fail-no-pinning-without-dex"),
    pytest.param(None, {}, "fail", "No pinning and no app-own trust store",
                 id="fail-no-nsc-without-dex"),
]


@pytest.mark.parametrize(("config", "options", "status", "says"), CASES)
def test_verdict(catalog: Catalog, config: str | None, options: dict[str, object],
                 status: str, says: str) -> None:
    verdict = verdict_of(catalog, config, **options).verdict
    assert verdict.status.value == status, verdict.reason
    assert says in verdict.reason
    assert_one_sentence(verdict.reason)


def test_override_pins_in_debug_overrides_does_not_fail_a_release(catalog: Catalog) -> None:
    debug = "<debug-overrides>" + anchors("system", override="true") + "</debug-overrides>"
    assert verdict_of(catalog, nsc(PINNED_API + debug)).verdict.status is VerdictStatus.PASS
    release = nsc(PINNED_API + domain(CDN, anchors("system", override="true"),
                                      pin_set(PIN_A, PIN_B)))
    assert verdict_of(catalog, release).verdict.status is VerdictStatus.FAIL


def test_debug_overrides_fail_a_debuggable_build(catalog: Catalog) -> None:
    # Active debug-overrides also bypass every pin, so no-pinning fails as well.
    config = nsc(PINNED_API + "<debug-overrides>" + anchors("user") + "</debug-overrides>")
    verdict = verdict_of(catalog, config, debuggable=True).verdict
    assert verdict.status is VerdictStatus.FAIL
    assert verdict.reason.startswith("debug-overrides active in a debuggable build: ")


def test_no_pinning_decision_is_withheld_when_code_may_pin(catalog: Catalog) -> None:
    config = nsc(base(anchors("system")))
    with_code = verdict_of(catalog, config, dex=True)
    without_code = verdict_of(catalog, config)
    assert "no-pinning" not in [d.rule_name for d in with_code.decisions]
    assert "no-pinning" in [d.rule_name for d in without_code.decisions]
    assert any("code analysis" in s.reason for s in with_code.skipped)


def test_a_failure_outranks_code_that_may_pin(catalog: Catalog) -> None:
    config = nsc(base(anchors("system", "user")))
    verdict = verdict_of(catalog, config, dex=True).verdict
    assert verdict.status is VerdictStatus.FAIL
    assert verdict.reason.startswith("User-installed CAs trusted in release")


def test_unresolved_nsc_is_inconclusive(catalog: Catalog) -> None:
    # The manifest names a configuration but no file was read: nothing is known about pins.
    manifest = dataclasses.replace(manifest_facts(), nsc_files=())
    facts = AndroidFacts(manifest, (), (), (), (), ())
    result = evaluate_android(facts, catalog, ScanOptions(as_of=AS_OF), Path("t.apk"), "0" * 64)
    assert result.verdict.status is VerdictStatus.INCONCLUSIVE
    assert "could not be resolved or read" in result.verdict.reason
    assert_one_sentence(result.verdict.reason)


# --- suspected bugs: the correct behaviour, expected to fail until fixed -------------------

def test_reason_with_several_failures_is_one_sentence(catalog: Catalog) -> None:
    # Expired pins on the only pinned host: nsc-pin-set-expired and no-pinning both fail.
    config = nsc(domain(API, pin_set(PIN_A, PIN_B, expiration=YESTERDAY)))
    verdict = verdict_of(catalog, config).verdict
    assert verdict.status is VerdictStatus.FAIL
    assert_one_sentence(verdict.reason)


def test_pass_reason_with_code_is_one_sentence(catalog: Catalog) -> None:
    verdict = verdict_of(catalog, nsc(PINNED_API), dex=True).verdict
    assert verdict.status is VerdictStatus.PASS
    assert_one_sentence(verdict.reason)


def test_pass_reason_does_not_claim_pins_for_an_own_store_host(catalog: Catalog) -> None:
    config = nsc(domain(API, anchors("@raw/ca")))
    verdict = verdict_of(catalog, config, raw=RAW, certificates=[OWN_CA]).verdict
    assert verdict.status is VerdictStatus.PASS
    assert "backup pin" not in verdict.reason


def test_own_store_base_config_does_not_cover_an_unpinned_domain(catalog: Catalog) -> None:
    config = nsc(base(anchors("@raw/ca")) + domain(CDN, anchors("system")))
    verdict = verdict_of(catalog, config, raw=RAW, certificates=[OWN_CA]).verdict
    assert verdict.status is not VerdictStatus.PASS
    assert CDN in verdict.reason
