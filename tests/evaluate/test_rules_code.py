"""Per-rule tests for the code rules (PS4xxx): each fires on one input and not on a close one.

The inputs are code facts written by hand (pinner calls, trust bypasses, trust stores...),
evaluated as if one classes.dex had produced them; no APK is needed. As in
test_rules_android.py, every ``NEGATIVE`` row names, where one applies, the rule that fires
instead, so a negative cannot pass just because its input was broken.
"""

from __future__ import annotations

import base64

import pytest
from codehelpers import evaluate_code
from conftest import (
    NSC_FILE,
    PIN_A,
    PIN_B,
    decisions_named,
    domain,
    nsc,
    pin_set,
    rule_names,
    trustkit,
)

from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.evaluate.code import okhttp_pattern_matches, parse_okhttp_pin
from mstg_pinscan.facts.blobs import PinString
from mstg_pinscan.facts.code import (
    CodeFacts,
    CodeLocation,
    CodeTrustStore,
    PinnerCall,
    TrustBypass,
)
from mstg_pinscan.facts.dex import MethodRef
from mstg_pinscan.facts.nsc import NetworkSecurityConfig, parse_network_security_config
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import HostRow, ScanResult

API = "api.acme-bank.com"
PIN_C = "2/W98XF9WGnNbg8vMJAJQTPd1QcKpIrpZWTlWDwLJAA="
SHA1 = "sha1/" + base64.b64encode(bytes(range(1, 21))).decode()
SHORT = "sha256/" + base64.b64encode(bytes(range(1, 32))).decode()  # 31 bytes
PLACEHOLDER = "sha256/" + "A" * 43 + "="
APP = "Lorg/example/app/"


def sha(pin: str) -> str:
    return f"sha256/{pin}"


# --- building code facts --------------------------------------------------------------------

def at(cls: str = "Net", method: str = "create", proto: str = "()Lokhttp3/OkHttpClient;",
       offset: int = 12) -> CodeLocation:
    return CodeLocation("classes.dex", MethodRef(f"{APP}{cls};", method, proto), offset)


def pinner(pattern: str | None, *pins: str | None, known: bool | None = None,
           library: str = "okhttp3") -> PinnerCall:
    if known is None:
        known = pattern is not None and bool(pins) and None not in pins
    return PinnerCall(at(), library, pattern, pins, known)


CHECK = "([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V"
WHERE = {
    "trust-all-manager": ("TrustAll", "checkServerTrusted", CHECK),
    "accepted-issuers-null": ("TrustAll", "getAcceptedIssuers",
                              "()[Ljava/security/cert/X509Certificate;"),
    "allow-all-verifier": ("AllowAll", "verify", "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z"),
    "insecure-socket-factory": ("Insecure", "factory", "()Ljavax/net/ssl/SSLSocketFactory;"),
    "webview-proceed": ("Client", "onReceivedSslError", "(Landroid/webkit/WebView;"
                        "Landroid/webkit/SslErrorHandler;Landroid/net/http/SslError;)V"),
}
WHERE["webview-proceed-conditional"] = WHERE["webview-proceed"]
REACHED = ("org.example.app.TrustAll",)


def bypass(kind: str, *, app_path: tuple[str, ...] | None = REACHED, used_by: tuple[str, ...] = (),
           detail: str = "the detail") -> TrustBypass:
    cls, method, proto = WHERE[kind]
    return TrustBypass(kind, at(cls, method, proto, 0), detail, app_path is not None, used_by,
                       app_path)


STORE = CodeTrustStore(at("Stores", "client", "()V", 40), "BKS", ("asset stores/ca.bks",),
                       ("assets/stores/ca.bks",), True)
TRUSTKIT_INIT = at("App", "onCreate", "()V", 3)


def code(**facts: object) -> CodeFacts:
    return CodeFacts(**facts)  # type: ignore[arg-type]


def config(xml: str) -> NetworkSecurityConfig:
    root = parse_android_xml(xml.encode(), NSC_FILE)
    return parse_network_security_config(root, NSC_FILE, lambda src: ())


TRUSTKIT_NSC = (config(nsc(domain(API, trustkit("true"), pin_set(PIN_A, PIN_B)))),)
TWO_PINS = pinner(API, sha(PIN_A), sha(PIN_B))


# --- evaluation -------------------------------------------------------------------------------

def evaluate(catalog: Catalog, case: dict[str, object]) -> ScanResult:
    return evaluate_code(catalog, **case)  # type: ignore[arg-type]


def summary(result: ScanResult) -> str:
    return "; ".join(f"{d.rule_name}[{d.host}]" for d in result.decisions)


def rating(status: str, severity: str | None) -> str:
    return f"{status}/{severity}" if severity else status


def fires(rule: str, rated: str, case: dict[str, object], host: str | None, evidence: str, *,
          id: str) -> object:
    return pytest.param(rule, rated, case, host, evidence, id=f"{rule}:{id}")


def silent(rule: str, case: dict[str, object], instead: str | None, *, id: str) -> object:
    return pytest.param(rule, case, instead, id=f"{rule}:{id}")


def with_code(**facts: object) -> dict[str, object]:
    return {"code": code(**facts)}


POSITIVE = [
    # PS4001
    fires("okhttp-pins-enforced", "pass", with_code(pinner_calls=(TWO_PINS,)), API,
          "2 distinct pins", id="two-sha256-pins"),
    fires("okhttp-pins-enforced", "pass",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), sha(PIN_B), PLACEHOLDER),)), API,
          "2 distinct pins", id="two-pins-and-a-placeholder"),
    fires("okhttp-pins-enforced", "pass",
          with_code(pinner_calls=(pinner(f"*.{API}", sha(PIN_A), sha(PIN_B),
                                         library="okhttp2"),)),
          f"*.{API}", "2 distinct pins", id="okhttp2-wildcard"),
    # PS4002
    fires("okhttp-single-pin", "warn/medium", with_code(pinner_calls=(pinner(API, sha(PIN_A)),)),
          API, "1 usable pin", id="one-pin"),
    fires("okhttp-single-pin", "warn/medium",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), sha(PIN_A.rstrip("="))),)), API,
          "1 usable pin", id="same-pin-twice"),
    fires("okhttp-single-pin", "warn/medium",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), SHORT),)), API, "1 usable pin",
          id="second-pin-of-31-bytes"),
    # PS4003
    fires("okhttp-pin-malformed", "fail/medium",
          with_code(pinner_calls=(pinner(API, "sha256/notbase64!", sha(PIN_A)),)), API,
          "is not base64", id="not-base64"),
    fires("okhttp-pin-malformed", "fail/medium",
          with_code(pinner_calls=(pinner(API, PIN_A, PIN_B),)), API,
          "does not start with sha256/", id="no-prefix"),
    fires("okhttp-pin-malformed", "fail/medium",
          with_code(pinner_calls=(pinner(API, "SHA256/" + PIN_A),)), API,
          "does not start with sha256/", id="prefix-in-capitals"),
    # PS4004
    fires("okhttp-pin-sha1", "warn/low", with_code(pinner_calls=(pinner(API, SHA1),)), API,
          SHA1, id="sha1-pin"),
    fires("okhttp-pin-sha1", "warn/low",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), SHA1),)), API, SHA1,
          id="sha1-beside-sha256"),
    # PS4005
    fires("okhttp-pin-wrong-length", "warn/medium",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), SHORT),)), API,
          "decodes to 31 bytes", id="31-bytes"),
    fires("okhttp-pin-wrong-length", "warn/medium",
          with_code(pinner_calls=(pinner(API, "sha1/" + PIN_A),)), API,
          "not the 20 of sha1", id="sha256-digest-under-sha1"),
    fires("okhttp-pin-wrong-length", "warn/medium",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), PLACEHOLDER),)), API,
          "placeholder", id="placeholder"),
    # PS4006
    fires("okhttp-pins-not-recovered", "info",
          with_code(pinner_calls=(pinner(None, sha(PIN_A), sha(PIN_B)),)), None,
          "computed at run time", id="host-unknown"),
    fires("okhttp-pins-not-recovered", "info",
          with_code(pinner_calls=(pinner(API, sha(PIN_A), None),)), API,
          "1 of 2 pin(s) recovered", id="one-pin-unknown"),
    fires("okhttp-pins-not-recovered", "info",
          with_code(pinner_calls=(pinner(API),)), API, "0 of ? pin(s)",
          id="pins-array-unknown"),
    # PS4007
    fires("okhttp-pinning-bypass-cve", "fail/high",
          with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("3.1.1",)), None,
          "OkHttp 3.1.1", id="okhttp-3.1.1"),
    fires("okhttp-pinning-bypass-cve", "fail/high",
          with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("2.7.3",)), None,
          "OkHttp 2.7.3", id="okhttp-2.7.3"),
    fires("okhttp-pinning-bypass-cve", "fail/high",
          with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("3.0.0",)), None,
          "OkHttp 3.0.0", id="okhttp-3.0.0"),
    # PS4008
    fires("pin-string-unused", "info",
          with_code(pinner_calls=(TWO_PINS,), pin_strings=((sha(PIN_C), "classes.dex"),)),
          None, sha(PIN_C), id="dex-string"),
    fires("pin-string-unused", "info",
          {"code": code(pinner_calls=(TWO_PINS,)),
           "pin_strings": (PinString(PIN_C, "assets/config.json"),)},
          None, "assets/config.json", id="bare-pin-in-an-asset"),
    # PS4009
    fires("pinning-in-native-code", "info",
          {"code": code(), "pin_strings": (PinString(PIN_C, "lib/arm64-v8a/libnet.so"),)},
          None, "lib/arm64-v8a/libnet.so", id="pin-in-so"),
    # PS4010
    fires("trust-all-manager", "fail/critical",
          with_code(bypasses=(bypass("trust-all-manager"),)), None, "(app code)",
          id="app-code"),
    fires("trust-all-manager", "fail/critical",
          with_code(bypasses=(bypass("trust-all-manager", app_path=(
              "org.example.app.Net", "com.lib.Factory", "com.lib.TrustAll")),)), None,
          "reached from app code: org.example.app.Net -> com.lib.Factory", id="via-library"),
    # PS4011
    fires("accepted-issuers-null", "warn/low",
          with_code(bypasses=(bypass("accepted-issuers-null"),)), None, "the detail",
          id="app-code"),
    # PS4012
    fires("allow-all-hostname-verifier", "fail/high",
          with_code(bypasses=(bypass("allow-all-verifier",
                                     detail="HostnameVerifier.verify returns true"),)),
          None, "verify returns true", id="verifier-class"),
    fires("allow-all-hostname-verifier", "fail/high",
          with_code(bypasses=(bypass("allow-all-verifier",
                                     detail="SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER"),)),
          None, "ALLOW_ALL_HOSTNAME_VERIFIER", id="apache-field"),
    # PS4013
    fires("insecure-socket-factory", "fail/high",
          with_code(bypasses=(bypass("insecure-socket-factory"),)), None, "(app code)",
          id="get-insecure"),
    # PS4014
    fires("webview-ssl-proceed", "fail/high",
          with_code(bypasses=(bypass("webview-proceed"),)), None, "(app code)",
          id="unconditional"),
    # PS4015
    fires("webview-ssl-proceed-conditional", "warn/medium",
          with_code(bypasses=(bypass("webview-proceed-conditional"),)), None, "(app code)",
          id="behind-a-condition"),
    # PS4016
    fires("trust-bypass-unused", "warn/low",
          with_code(bypasses=(bypass("trust-all-manager", app_path=None),)), None,
          "created or named by no class", id="trust-all-nobody-uses"),
    fires("trust-bypass-unused", "warn/low",
          with_code(bypasses=(bypass("allow-all-verifier", app_path=None,
                                     used_by=("com.lib.Other",)),)), None,
          "created or named only by com.lib.Other", id="verifier-used-by-library-only"),
    fires("trust-bypass-unused", "warn/low",
          with_code(bypasses=(bypass("webview-proceed", app_path=None),)), None,
          "no app code reaches it", id="webview-client-nobody-uses"),
    # PS4020
    fires("code-own-trust-store", "pass", with_code(trust_stores=(STORE,)), None,
          "assets/stores/ca.bks", id="bks-from-assets"),
    # PS4021
    fires("trustkit-initialised", "info", with_code(trustkit_inits=(TRUSTKIT_INIT,)), None,
          "org.example.app.App.onCreate", id="in-on-create"),
    # PS4022
    fires("trustkit-not-initialised", "warn/low", {"code": code(), "configs": TRUSTKIT_NSC},
          None, "no call of TrustKit.initializeWithNetworkSecurityConfiguration",
          id="nsc-trustkit-config"),
    # PS4023
    fires("custom-trust-manager", "info",
          with_code(custom_managers=(at("Pinning", "checkServerTrusted", CHECK, 0),)), None,
          "org.example.app.Pinning.checkServerTrusted", id="inspects-keys"),
]

NEGATIVE = [
    # PS4001
    silent("okhttp-pins-enforced", with_code(pinner_calls=(pinner(API, sha(PIN_A)),)),
           "okhttp-single-pin", id="one-pin"),
    silent("okhttp-pins-enforced",
           with_code(pinner_calls=(pinner(API, sha(PIN_A), "sha256/notbase64!"),)),
           "okhttp-pin-malformed", id="second-pin-crashes-the-builder"),
    silent("okhttp-pins-enforced",
           with_code(pinner_calls=(pinner(API, sha(PIN_A), None),)),
           "okhttp-pins-not-recovered", id="second-pin-unknown"),
    # PS4002
    silent("okhttp-single-pin", with_code(pinner_calls=(TWO_PINS,)), "okhttp-pins-enforced",
           id="two-pins"),
    silent("okhttp-single-pin", with_code(pinner_calls=(pinner(API, "sha256/notbase64!"),)),
           "okhttp-pin-malformed", id="only-pin-malformed"),
    # PS4003
    silent("okhttp-pin-malformed", with_code(pinner_calls=(TWO_PINS,)), "okhttp-pins-enforced",
           id="valid-pins"),
    silent("okhttp-pin-malformed",
           with_code(pinner_calls=(pinner(API, sha(PIN_A.replace("+", "-").replace("/", "_")),
                                          sha(PIN_B.rstrip("="))),)),
           "okhttp-pins-enforced", id="url-safe-and-unpadded"),
    silent("okhttp-pin-malformed", with_code(pinner_calls=(pinner(API, sha(PIN_A), SHORT),)),
           "okhttp-pin-wrong-length", id="31-bytes-is-no-crash"),
    # PS4004
    silent("okhttp-pin-sha1", with_code(pinner_calls=(TWO_PINS,)), "okhttp-pins-enforced",
           id="sha256-only"),
    # PS4005
    silent("okhttp-pin-wrong-length", with_code(pinner_calls=(TWO_PINS,)),
           "okhttp-pins-enforced", id="32-bytes"),
    silent("okhttp-pin-wrong-length", with_code(pinner_calls=(pinner(API, SHA1),)),
           "okhttp-pin-sha1", id="20-byte-sha1"),
    # PS4006
    silent("okhttp-pins-not-recovered", with_code(pinner_calls=(TWO_PINS,)),
           "okhttp-pins-enforced", id="all-constants"),
    # PS4007
    silent("okhttp-pinning-bypass-cve",
           with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("3.1.2",)),
           "okhttp-pins-enforced", id="okhttp-3.1.2"),
    silent("okhttp-pinning-bypass-cve",
           with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("2.7.4",)),
           "okhttp-pins-enforced", id="okhttp-2.7.4"),
    silent("okhttp-pinning-bypass-cve",
           with_code(pinner_calls=(TWO_PINS,), okhttp_versions=("3.11.0",)),
           "okhttp-pins-enforced", id="okhttp-3.11.0"),
    silent("okhttp-pinning-bypass-cve", with_code(okhttp_versions=("3.1.1",)), "no-pinning",
           id="old-okhttp-that-never-pins"),
    # PS4008
    silent("pin-string-unused",
           with_code(pinner_calls=(TWO_PINS,), pin_strings=((sha(PIN_A), "classes.dex"),
                                                            (sha(PIN_B), "classes.dex"))),
           "okhttp-pins-enforced", id="pin-strings-reach-the-pinner"),
    silent("pin-string-unused",
           {"code": code(pinner_calls=(TWO_PINS,)),
            "pin_strings": (PinString(PIN_A, "assets/config.json"),)},
           "okhttp-pins-enforced", id="bare-form-of-a-used-pin"),
    silent("pin-string-unused",
           {"code": code(), "pin_strings": (PinString(PIN_C, "lib/x86/libnet.so"),)},
           "pinning-in-native-code", id="native-library-rated-by-PS4009"),
    # PS4009
    silent("pinning-in-native-code",
           {"code": code(pinner_calls=(TWO_PINS,)),
            "pin_strings": (PinString(PIN_C, "assets/pins.txt"),)},
           "pin-string-unused", id="pin-in-an-asset"),
    # PS4010
    silent("trust-all-manager", with_code(bypasses=(bypass("trust-all-manager", app_path=None),)),
           "trust-bypass-unused", id="unreached"),
    silent("trust-all-manager", with_code(bypasses=(bypass("accepted-issuers-null"),)),
           "accepted-issuers-null", id="only-accepted-issuers-null"),
    # PS4011
    silent("accepted-issuers-null",
           with_code(bypasses=(bypass("accepted-issuers-null", app_path=None),)),
           "trust-bypass-unused", id="unreached"),
    # PS4012
    silent("allow-all-hostname-verifier",
           with_code(bypasses=(bypass("allow-all-verifier", app_path=None),)),
           "trust-bypass-unused", id="unreached"),
    # PS4013
    silent("insecure-socket-factory",
           with_code(bypasses=(bypass("insecure-socket-factory", app_path=None),)),
           "trust-bypass-unused", id="unreached"),
    # PS4014
    silent("webview-ssl-proceed", with_code(bypasses=(bypass("webview-proceed-conditional"),)),
           "webview-ssl-proceed-conditional", id="conditional"),
    silent("webview-ssl-proceed",
           with_code(bypasses=(bypass("webview-proceed", app_path=None),)),
           "trust-bypass-unused", id="unreached"),
    # PS4015
    silent("webview-ssl-proceed-conditional", with_code(bypasses=(bypass("webview-proceed"),)),
           "webview-ssl-proceed", id="unconditional"),
    # PS4016
    silent("trust-bypass-unused", with_code(bypasses=(bypass("trust-all-manager"),)),
           "trust-all-manager", id="reached"),
    # PS4020
    silent("code-own-trust-store", with_code(), "no-pinning", id="no-store"),
    # PS4021
    silent("trustkit-initialised", {"code": code(), "configs": TRUSTKIT_NSC},
           "trustkit-not-initialised", id="not-called"),
    # PS4022
    silent("trustkit-not-initialised",
           {"code": code(trustkit_inits=(TRUSTKIT_INIT,)), "configs": TRUSTKIT_NSC},
           "trustkit-initialised", id="called"),
    silent("trustkit-not-initialised",
           {"code": code(), "configs": (config(nsc(domain(API, pin_set(PIN_A, PIN_B)))),)},
           "nsc-pin-set-enforced", id="no-trustkit-config"),
    # PS4023
    silent("custom-trust-manager", with_code(), "no-pinning", id="no-custom-manager"),
    silent("custom-trust-manager", with_code(bypasses=(bypass("trust-all-manager"),)),
           "trust-all-manager", id="trust-all-is-no-custom-pinning"),
]

# Read by test_catalog_coverage: every catalog rule needs a row in a POSITIVE table.
POSITIVE_RULES = sorted({case.values[0] for case in POSITIVE})


@pytest.mark.parametrize(("rule", "rated", "case", "host", "evidence"), POSITIVE)
def test_rule_fires(catalog: Catalog, rule: str, rated: str, case: dict[str, object],
                    host: str | None, evidence: str) -> None:
    result = evaluate(catalog, case)
    found = [d for d in decisions_named(result, rule) if d.host == host]
    assert found, f"no {rule} for host {host}; got {summary(result)}"
    decision = found[0]
    assert rating(decision.status.value, decision.severity and decision.severity.value) == rated
    assert decision.rule_id == catalog.rule(rule).id
    assert evidence in decision.evidence, decision.evidence


@pytest.mark.parametrize(("rule", "case", "instead"), NEGATIVE)
def test_rule_does_not_fire(catalog: Catalog, rule: str, case: dict[str, object],
                            instead: str | None) -> None:
    result = evaluate(catalog, case)
    names = rule_names(result)
    assert rule not in names, summary(result)
    if instead is not None:
        assert instead in names, summary(result)


def test_every_code_rule_has_a_negative_case(catalog: Catalog) -> None:
    negatives = {case.values[0] for case in NEGATIVE}
    code_rules = {r.name for r in catalog.by_id.values() if r.id.startswith("PS4")}
    assert code_rules == set(POSITIVE_RULES) == negatives


def test_code_rule_locations_point_at_the_code(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(pinner_calls=(TWO_PINS,)))
    (decision,) = decisions_named(result, "okhttp-pins-enforced")
    assert decision.location.file == "classes.dex"
    assert "org.example.app.Net.create()Lokhttp3/OkHttpClient; @12" in str(decision.location)


# --- how OkHttp reads a pin ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "algorithm", "length", "crashes", "problem"), [
    pytest.param(sha(PIN_A), "sha256", 32, False, None, id="sha256"),
    pytest.param(SHA1, "sha1", 20, False, None, id="sha1"),
    pytest.param(PIN_A, None, None, True, "does not start with", id="no-prefix"),
    pytest.param("sha512/" + PIN_A, None, None, True, "does not start with",
                 id="unknown-algorithm"),
    pytest.param("sha256/notbase64!", "sha256", None, True, "not base64", id="bad-character"),
    pytest.param("sha256/" + PIN_A[:41], "sha256", None, True, "not base64",
                 id="one-dangling-character"),
    pytest.param("sha256/" + PIN_A[:20] + "=" + PIN_A[20:], "sha256", None, True,
                 "not base64", id="padding-inside"),
    pytest.param(SHORT, "sha256", 31, False, "31 bytes", id="31-bytes-never-matches"),
    pytest.param("sha1/" + PIN_A, "sha1", 32, False, "not the 20", id="32-bytes-under-sha1"),
    pytest.param(PLACEHOLDER, "sha256", 32, False, "placeholder", id="zero-placeholder"),
    pytest.param(sha(PIN_A.replace("+", "-").replace("/", "_")), "sha256", 32, False, None,
                 id="url-safe-alphabet"),
    pytest.param(sha(PIN_A.rstrip("=")), "sha256", 32, False, None, id="missing-padding"),
])
def test_parse_okhttp_pin(text: str, algorithm: str | None, length: int | None, crashes: bool,
                          problem: str | None) -> None:
    pin = parse_okhttp_pin(text)
    assert pin.algorithm == algorithm
    assert (len(pin.digest) if pin.digest is not None else None) == length
    assert pin.crashes is crashes
    if problem is None:
        assert pin.problem is None and pin.usable
    else:
        assert pin.problem is not None and problem in pin.problem and not pin.usable


def test_parsed_pins_compare_with_nsc_pins() -> None:
    # Every spelling OkHttp accepts for one key gives the NSC form of that key.
    for text in (sha(PIN_A), sha(PIN_A.rstrip("=")),
                 sha(PIN_A.replace("+", "-").replace("/", "_"))):
        assert parse_okhttp_pin(text).value == PIN_A
    assert parse_okhttp_pin(SHA1).value == SHA1


def test_empty_hash_is_accepted_by_okhttp_and_never_matches() -> None:
    pin = parse_okhttp_pin("sha256/")
    assert pin.algorithm == "sha256" and not pin.crashes
    assert pin.problem is not None and "0 bytes" in pin.problem


@pytest.mark.parametrize(("pattern", "host", "matches"), [
    ("example.com", "example.com", True),
    ("example.com", "a.example.com", False),
    ("API.Example.com", "api.example.COM", True),
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "a.b.example.com", False),
    ("*.example.com", "aexample.com", False),
    ("**.example.com", "example.com", True),
    ("**.example.com", "a.example.com", True),
    ("**.example.com", "a.b.example.com", True),
    ("**.example.com", "badexample.com", False),
    ("**.example.com", "example.com.evil.net", False),
])
def test_okhttp_pattern_matches(pattern: str, host: str, matches: bool) -> None:
    assert okhttp_pattern_matches(pattern, host) is matches


# --- host rows joined with OkHttp pins ----------------------------------------------------------

def _rows(result: ScanResult) -> dict[str, HostRow]:
    return {row.host: row for row in result.hosts}


def _urls(*urls: str) -> tuple[tuple[str, str], ...]:
    return tuple((url, "classes.dex") for url in urls)


URLS = _urls("https://api.acme-bank.com/v1/login", "https://acme-bank.com/",
             "https://a.b.acme-bank.com/x")


def test_single_wildcard_pattern_protects_one_extra_label(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(
        pinner_calls=(pinner("*.acme-bank.com", sha(PIN_A), sha(PIN_B)),), urls=URLS))
    rows = _rows(result)
    assert rows["api.acme-bank.com"].protection == ("okhttp-pins",)
    assert rows["api.acme-bank.com"].backup_pin is True
    assert {p.value for p in rows["api.acme-bank.com"].pins} == {PIN_A, PIN_B}
    assert rows["acme-bank.com"].protection == ()
    assert rows["a.b.acme-bank.com"].protection == ()
    # The apex and the deeper host are the app's own (the pinned pattern's domain) and
    # contacted, so each is reported as unpinned.
    unpinned = {d.host for d in decisions_named(result, "host-not-pinned")}
    assert unpinned == {"acme-bank.com", "a.b.acme-bank.com"}
    assert "URL in classes.dex" in rows["acme-bank.com"].sources


def test_double_wildcard_pattern_protects_every_depth(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(
        pinner_calls=(pinner("**.acme-bank.com", sha(PIN_A), sha(PIN_B)),), urls=URLS))
    rows = _rows(result)
    for host in ("api.acme-bank.com", "acme-bank.com", "a.b.acme-bank.com"):
        assert rows[host].protection == ("okhttp-pins",), host
    assert "host-not-pinned" not in rule_names(result)


def test_unusable_pins_give_no_protection(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(
        pinner_calls=(pinner(API, SHORT, PLACEHOLDER),), urls=_urls(f"https://{API}/")))
    row = _rows(result)[API]
    assert row.protection == () and len(row.pins) == 2
    # No host is protected at all, so the app is rated as not pinning.
    assert "no-pinning" in rule_names(result)


def test_pins_of_two_matching_patterns_are_joined(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(
        pinner_calls=(pinner(API, sha(PIN_A)), pinner("*.acme-bank.com", sha(PIN_B))),
        urls=_urls(f"https://{API}/")))
    row = _rows(result)[API]
    assert row.protection == ("okhttp-pins",)
    assert {p.value for p in row.pins} == {PIN_A, PIN_B} and row.backup_pin is True


# --- first party -------------------------------------------------------------------------------

def test_first_party_by_the_pinned_registrable_domain(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(
        pinner_calls=(TWO_PINS,),
        urls=_urls("https://cdn.acme-bank.com/a.js", "https://www.googleapis.com/x")))
    rows = _rows(result)
    assert rows[API].first_party is True
    assert rows["cdn.acme-bank.com"].first_party is True
    assert rows["www.googleapis.com"].first_party is False
    assert [d.host for d in decisions_named(result, "host-not-pinned")] == ["cdn.acme-bank.com"]


def test_first_party_by_package_name(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(urls=_urls("https://api.acmebank.com/v1",
                                                    "https://api.acme-bank.com/")),
                           package="com.acmebank.mobile")
    rows = _rows(result)
    assert rows["api.acmebank.com"].first_party is True
    assert rows["api.acme-bank.com"].first_party is False


def test_first_party_by_package_name_under_a_multi_label_suffix(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(urls=_urls("https://api.acme.co.uk/",
                                                    "https://www.other.co.uk/")),
                           package="uk.co.acme.banking")
    rows = _rows(result)
    assert rows["api.acme.co.uk"].first_party is True
    assert rows["www.other.co.uk"].first_party is False


def test_first_party_by_option(catalog: Catalog) -> None:
    urls = _urls("https://cdn.partner-cdn.net/a", "https://api.tracker.io/")
    without = _rows(evaluate_code(catalog, code(urls=urls)))
    assert without["cdn.partner-cdn.net"].first_party is False
    rows = _rows(evaluate_code(catalog, code(urls=urls), first_party=("partner-cdn.net",)))
    assert rows["cdn.partner-cdn.net"].first_party is True
    assert rows["api.tracker.io"].first_party is False


def test_unpinned_third_party_host_is_no_finding(catalog: Catalog) -> None:
    result = evaluate_code(catalog, code(pinner_calls=(TWO_PINS,),
                                         urls=_urls("https://www.googleapis.com/x")))
    assert "host-not-pinned" not in rule_names(result)
    assert "okhttp-pins-enforced" in rule_names(result)


# --- the CVE rule, version by version ------------------------------------------------------------

@pytest.mark.parametrize(("version", "vulnerable"), [
    ("2.7.3", True), ("2.7.4", False), ("2.7.5", False), ("3.0.1", True), ("3.1.1", True),
    ("3.1.2", False), ("3.14.9", False), ("4.12.0", False), ("1.6.0", True),
])
def test_okhttp_cve_by_version(catalog: Catalog, version: str, vulnerable: bool) -> None:
    result = evaluate_code(catalog, code(pinner_calls=(TWO_PINS,), okhttp_versions=(version,)))
    assert ("okhttp-pinning-bypass-cve" in rule_names(result)) is vulnerable
