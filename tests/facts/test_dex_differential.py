"""Differential test: the targeted code analysis against a full androguard walk.

pinscan finds call sites by a byte search and decodes only the candidate methods. Here
androguard decodes every method of every class instead, and the two must find the same
OkHttp ``CertificatePinner$Builder.add`` call sites, and the same trust-all managers, in every
sample app with code and in the real APKs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from codehelpers import ALL_CODE_APKS, CHECK_SERVER_PREFIX, Oracle, dex_entries, oracle, require

from mstg_pinscan.facts.code import CodeFacts, analyse_code

LIBRARY_PREFIXES = ("Lokhttp3/", "Lcom/squareup/okhttp/", "Lokio/")
TRUST_MANAGER_ROOTS = {"Ljavax/net/ssl/X509TrustManager;",
                       "Ljavax/net/ssl/X509ExtendedTrustManager;"}
# Classes whose methods cannot turn a trust decision into a refusal: logging and building
# strings (what a "log and accept" trust manager calls).
LOGGING_AND_STRINGS = {
    "Landroid/util/Log;", "Ljava/lang/StringBuilder;", "Ljava/io/PrintStream;",
    "Ljava/lang/Object;", "Ljava/lang/String;", "Ljava/util/Arrays;",
    "Lkotlin/jvm/internal/Intrinsics;",
}

Site = tuple[str, str, str, int]  # dex, caller class, caller name + proto, offset


_ANALYSED: dict[Path, CodeFacts] = {}


def analysed(apk: Path) -> CodeFacts:
    if apk not in _ANALYSED:
        _ANALYSED[apk] = analyse_code(dex_entries(apk), None, lambda _: ())
    return _ANALYSED[apk]


def oracle_pinner_sites(walk: Oracle) -> set[Site]:
    found = set()
    for site in walk.interesting:
        caller = walk.methods[site.caller]
        if caller.class_name.startswith(LIBRARY_PREFIXES):
            continue  # OkHttp's own code is not the app pinning
        if walk.classes[caller.class_name].dex != caller.dex:
            continue  # a later definition of a class the class loader never uses
        found.add((site.dex, caller.class_name, caller.name + caller.proto, site.offset))
    return found


def implements_trust_manager(walk: Oracle, descriptor: str) -> bool:
    """True when the class implements X509TrustManager directly, through a superclass or
    interface defined in the APK, or through X509ExtendedTrustManager."""
    seen: set[str] = set()
    stack = [descriptor]
    while stack:
        current = walk.classes.get(stack.pop())
        if current is None or current.descriptor in seen:
            continue
        seen.add(current.descriptor)
        for parent in (current.superclass, *current.interfaces):
            if parent in TRUST_MANAGER_ROOTS:
                return True
            if parent:
                stack.append(parent)
    return False


def oracle_trust_all(walk: Oracle) -> set[str]:
    return {
        descriptor for descriptor, found in walk.classes.items()
        if implements_trust_manager(walk, descriptor) and any(
            not throws and callees <= LOGGING_AND_STRINGS
            for _, throws, callees in found.check_server)
    }


@pytest.mark.parametrize("apk", ALL_CODE_APKS)
def test_pinner_call_sites_equal_a_full_walk(apk: Path) -> None:
    walk = oracle(require(apk))
    facts = analysed(apk)
    reported = {(c.location.dex, c.location.method.class_name,
                 c.location.method.name + c.location.method.proto, c.location.offset)
                for c in facts.pinner_calls}
    assert len(reported) == len(facts.pinner_calls), "a call site reported twice"
    expected = oracle_pinner_sites(walk)
    assert reported == expected, (
        f"only pinscan: {sorted(reported - expected)}; only androguard: "
        f"{sorted(expected - reported)}")
    assert not facts.skipped


@pytest.mark.parametrize("apk", ALL_CODE_APKS)
def test_trust_all_managers_equal_a_full_walk(apk: Path) -> None:
    walk = oracle(require(apk))
    facts = analysed(apk)
    reported = {b.location.method.class_name for b in facts.bypasses
                if b.kind == "trust-all-manager"}
    assert all(b.location.method.name == "checkServerTrusted"
               and b.location.method.proto.startswith(CHECK_SERVER_PREFIX)
               for b in facts.bypasses if b.kind == "trust-all-manager")
    expected = oracle_trust_all(walk)
    assert reported == expected, (
        f"only pinscan: {sorted(reported - expected)}; only androguard: "
        f"{sorted(expected - reported)}")


def test_the_walk_sees_what_the_samples_contain() -> None:
    # The oracle itself is checked against sample_apps/README.md, so that an empty oracle
    # cannot make the comparisons pass.
    from conftest import sample_apk

    lambda_sites = oracle_pinner_sites(oracle(sample_apk("okhttp_lambda")))
    assert {(cls.rsplit("/", 1)[1], method.split("(")[0]) for _, cls, method, _ in lambda_sites
            } == {("ApiClient$pinner$1;", "invoke"), ("ApiClient;", "create")}
    assert len(lambda_sites) == 3
    assert len(oracle_pinner_sites(oracle(sample_apk("okhttp_varargs")))) == 2
    assert oracle_trust_all(oracle(sample_apk("trust_all"))) == {
        "Lorg/pinscan/sample/trust_all/TrustAllManager;"}
    walk = oracle(sample_apk("trust_all"))
    assert implements_trust_manager(walk, "Lorg/pinscan/sample/trust_all/DelegatingTrustManager;")
    assert oracle_trust_all(oracle(sample_apk("unused_library_trustall"))) == {
        "Lcom/example/thirdparty/net/TrustEverythingManager;"}


def test_the_walk_sees_the_real_trust_all_managers() -> None:
    from codehelpers import YOSEMITE

    walk = oracle(require(YOSEMITE))
    assert oracle_trust_all(walk) == {"Lcom/rabbitmq/client/NullTrustManager;",
                                      "Lcom/rabbitmq/client/TrustEverythingTrustManager;"}
