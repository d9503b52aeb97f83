"""Per-rule tests for what an iOS binary shows (PS5040-PS5047), on evidence built by hand.

facts/macho.py turns a Mach-O into SliceEvidence; these tests feed check_binary that evidence
directly, so each rule is shown firing on one set of names and staying silent on a close one.
"""

from __future__ import annotations

import pytest

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.ios import binary_pinning, check_binary
from mstg_pinscan.facts.macho import BinaryEvidence, SliceEvidence

HANDLER = "URLSession:didReceiveChallenge:completionHandler:"


def evidence(*, encrypted: bool = False, imports: set[str] | None = None,
             selectors: set[str] | None = None, classes: set[str] | None = None,
             swift: set[str] | None = None, strings: set[str] | None = None,
             calls: dict[str, set[str]] | None = None) -> BinaryEvidence:
    one = SliceEvidence("ARM64", encrypted, imports or set(), selectors or set(),
                        classes or set(), swift or set(), strings or set(),
                        calls=calls or {})
    return BinaryEvidence("Payload/A.app/A", (one,))


def names(catalog: Catalog, found: BinaryEvidence, ats_pinned: bool = False) -> set[str]:
    return {d.rule_name for d in check_binary(catalog, found, ats_pinned)}


POSITIVE = [
    pytest.param("ios-binary-encrypted", evidence(encrypted=True), False, id="cryptid-1"),
    pytest.param("ios-trust-not-evaluated",
                 evidence(selectors={HANDLER, "credentialForTrust:"}), False,
                 id="handler-without-evaluation"),
    pytest.param("ios-trust-not-evaluated",
                 evidence(selectors={HANDLER, "credentialForTrust:"},
                          imports={"_SecTrustEvaluateWithError"},
                          calls={f"Good {HANDLER}": {"_SecTrustEvaluateWithError"},
                                 f"Lax {HANDLER}": {"_objc_msgSend"}}), False,
                 id="one-class-evaluates-another-does-not"),
    pytest.param("ios-allows-any-https-certificate",
                 evidence(selectors={"setAllowsAnyHTTPSCertificate:forHost:"}), False,
                 id="private-api"),
    pytest.param("afnetworking-invalid-certificates",
                 evidence(classes={"AFSecurityPolicy"},
                          selectors={"setAllowInvalidCertificates:"}), False, id="afnetworking"),
    pytest.param("alamofire-disabled-evaluator", evidence(swift={"DisabledTrustEvaluator"}),
                 False, id="alamofire-5"),
    pytest.param("alamofire-disabled-evaluator", evidence(swift={"DisabledEvaluator"}),
                 False, id="alamofire-4"),
    pytest.param("ios-pinning-in-binary", evidence(swift={"PublicKeysTrustEvaluator"}), False,
                 id="alamofire-pinning"),
    pytest.param("ios-pinning-in-binary",
                 evidence(imports={"_SecTrustCopyKey", "_SecTrustEvaluateWithError"}), False,
                 id="manual-key-pinning"),
    pytest.param("ats-pinning-other-tls", evidence(imports={"_nw_connection_create"}), True,
                 id="network-framework"),
    pytest.param("cfstream-validation-setting",
                 evidence(strings={"kCFStreamSSLValidatesCertificateChain"}), False,
                 id="cfstream"),
]
NEGATIVE = [
    pytest.param("ios-binary-encrypted", evidence(), False, id="cryptid-0"),
    pytest.param("ios-trust-not-evaluated",
                 evidence(selectors={HANDLER, "credentialForTrust:"},
                          imports={"_SecTrustEvaluateWithError"}), False, id="evaluates"),
    pytest.param("ios-trust-not-evaluated",
                 evidence(encrypted=True, selectors={HANDLER, "credentialForTrust:"}), False,
                 id="encrypted-names-prove-nothing"),
    pytest.param("ios-trust-not-evaluated",
                 evidence(selectors={HANDLER, "credentialForTrust:"},
                          calls={f"Good {HANDLER}": {"_objc_msgSend"},
                                 "Good validate:": {"_SecTrustEvaluateWithError"}}), False,
                 id="evaluated-in-a-helper-method-of-the-class"),
    pytest.param("ios-allows-any-https-certificate", evidence(selectors={HANDLER}), False,
                 id="no-private-api"),
    pytest.param("afnetworking-invalid-certificates",
                 evidence(classes={"AFSecurityPolicy"}, selectors={"policyWithPinningMode:"}),
                 False, id="pinning-mode-only"),
    pytest.param("alamofire-disabled-evaluator",
                 evidence(swift={"PinnedCertificatesTrustEvaluator"}), False, id="pinning-only"),
    pytest.param("ios-pinning-in-binary", evidence(imports={"_SecTrustCopyKey"}), False,
                 id="key-copied-without-evaluation"),
    pytest.param("ats-pinning-other-tls", evidence(imports={"_nw_connection_create"}), False,
                 id="no-ats-pins-to-miss"),
    pytest.param("cfstream-validation-setting", evidence(), False, id="no-stream-keys"),
]
POSITIVE_RULES = sorted({case.values[0] for case in POSITIVE})


@pytest.mark.parametrize(("rule", "found", "ats_pinned"), POSITIVE)
def test_rule_fires(catalog: Catalog, rule: str, found: BinaryEvidence, ats_pinned: bool) -> None:
    decisions = [d for d in check_binary(catalog, found, ats_pinned) if d.rule_name == rule]
    assert len(decisions) == 1
    assert decisions[0].location.file == "Payload/A.app/A"
    assert decisions[0].rule_id.startswith("PS504")


@pytest.mark.parametrize(("rule", "found", "ats_pinned"), NEGATIVE)
def test_rule_stays_silent(catalog: Catalog, rule: str, found: BinaryEvidence,
                           ats_pinned: bool) -> None:
    assert rule not in names(catalog, found, ats_pinned)


def test_binary_pinning_counts_for_the_verdict() -> None:
    assert binary_pinning(evidence(swift={"PinnedCertificatesTrustEvaluator"}))
    assert binary_pinning(evidence(classes={"TSKPinningValidator"}))
    assert not binary_pinning(evidence(swift={"DisabledTrustEvaluator"}))


def test_the_class_that_does_not_evaluate_is_named(catalog: Catalog) -> None:
    found = evidence(selectors={HANDLER, "credentialForTrust:"},
                     calls={f"Good {HANDLER}": {"_SecTrustEvaluateWithError"},
                            f"Lax {HANDLER}": {"_objc_msgSend"}})
    (decision,) = [d for d in check_binary(catalog, found, False)
                   if d.rule_name == "ios-trust-not-evaluated"]
    assert decision.evidence.startswith("Lax handles server-trust challenges")
