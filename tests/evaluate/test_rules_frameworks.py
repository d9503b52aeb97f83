"""Per-rule tests for the cross-platform framework rules (PS7xxx).

The inputs are framework facts written by hand, as a framework reader would report them,
evaluated as if an APK (or an IPA) had produced them; the readers have their own tests in
tests/frameworks/. Every negative names what happens instead, so that it cannot pass just
because its input was broken.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import (
    PIN_A,
    PIN_B,
    decisions_named,
    domain,
    evaluate_config,
    info,
    make_cert,
    nsc,
    pin_set,
    rule_names,
)

from mstg_pinscan.evaluate import frameworks
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.code import CodeFacts, CodeLocation, PinnerCall
from mstg_pinscan.facts.dex import MethodRef
from mstg_pinscan.facts.frameworks import FrameworkFacts, FrameworkTrust, TrustKind
from mstg_pinscan.facts.macho import BinaryEvidence, SliceEvidence
from mstg_pinscan.models import (
    FrameworkInfo,
    Location,
    ScanResult,
    Severity,
    Skipped,
    Status,
    VerdictStatus,
)

HOST = "api.pinscan-demo.example"
SNAPSHOT = "lib/arm64-v8a/libapp.so"
BUNDLE_JS = "assets/index.android.bundle"
PINNED_NSC = nsc(domain(HOST, pin_set(PIN_A, PIN_B)))


def framework(name: str, *trust: FrameworkTrust, unread: tuple[str, ...] = ()) -> FrameworkFacts:
    evidence = {"flutter": SNAPSHOT, "react-native": BUNDLE_JS}.get(name, "assemblies/App.dll")
    return FrameworkFacts(
        frameworks=(FrameworkInfo(name, (evidence,), read=("its strings",), unread=unread),),
        trust=trust)


def trust(kind: TrustKind, name: str = "react-native", *, hosts: tuple[str, ...] = (HOST,),
          pins: tuple[str, ...] = (), certificates: tuple[str, ...] = ()) -> FrameworkTrust:
    return FrameworkTrust(name, kind, Location(BUNDLE_JS, "offset 0x10"), f"{kind.value} seen",
                          hosts=hosts, pins=pins, certificates=certificates)


def evaluate(catalog: Catalog, facts: FrameworkFacts, nsc_xml: str | None = None,
             **kwargs: object) -> ScanResult:
    return evaluate_config(catalog, nsc_xml, frameworks=facts, **kwargs)  # type: ignore[arg-type]


def row(result: ScanResult, host: str = HOST):  # type: ignore[no-untyped-def]
    return next(r for r in result.hosts if r.host == host)


TWO_PINS = (f"sha256/{PIN_A}", f"sha256/{PIN_B}")

# rule -> facts that make it fire (with the NSC, if any)
POSITIVE: dict[str, tuple[FrameworkFacts, str | None]] = {
    "framework-detected": (framework("flutter"), None),
    "framework-pins": (framework("react-native", trust(TrustKind.PINS, pins=TWO_PINS)), None),
    "framework-single-pin": (
        framework("react-native", trust(TrustKind.PINS, pins=TWO_PINS[:1])), None),
    "framework-pins-unread": (
        framework("react-native", trust(TrustKind.PINNING_LIBRARY, hosts=())), None),
    "framework-own-trust-store": (
        framework("flutter", trust(TrustKind.OWN_STORE, "flutter",
                                   certificates=("assets/flutter_assets/ca.pem",))), None),
    "framework-trust-all": (framework("dotnet", trust(TrustKind.TRUST_ALL, "dotnet")), None),
    "framework-validation-callback": (
        framework("flutter", trust(TrustKind.CALLBACK, "flutter", hosts=())), None),
    "framework-weak-setting": (
        framework("cordova", trust(TrustKind.WEAK_SETTING, "cordova", hosts=())), None),
    "framework-platform-pins-bypassed": (framework("flutter"), PINNED_NSC),
}
# Rated from the DEX code with the framework: tested below (test_native_client_*).
POSITIVE_RULES = sorted([*POSITIVE, "framework-native-client"])


@pytest.mark.parametrize("rule", sorted(POSITIVE))
def test_rule_fires(catalog: Catalog, rule: str) -> None:
    facts, nsc_xml = POSITIVE[rule]
    result = evaluate(catalog, facts, nsc_xml)
    found = decisions_named(result, rule)
    assert found, rule_names(result)
    expected = catalog.rule(rule)
    assert all(d.status is expected.status and d.severity is expected.severity for d in found)


def test_framework_pins_protect_their_host_with_the_framework_label(catalog: Catalog) -> None:
    facts, _ = POSITIVE["framework-pins"]
    result = evaluate(catalog, facts)
    pinned = row(result)
    assert pinned.protection == ("react-native-pins",)
    assert pinned.backup_pin and pinned.first_party
    assert {p.value for p in pinned.pins} == {PIN_A, PIN_B}
    assert result.verdict.status is VerdictStatus.PASS, result.verdict
    assert "no-pinning" not in rule_names(result)


def test_a_certificate_fingerprint_pin_is_shown_as_the_bundled_certificate_key(
    catalog: Catalog,
) -> None:
    cert, _ = make_cert("Pinned Leaf")
    bundled = info(cert, "assets/certs/leaf.cer")
    pins = (f"cert-sha256/{bundled.sha256}", f"sha256/{PIN_B}")
    result = evaluate(catalog, framework("flutter", trust(TrustKind.PINS, "flutter", pins=pins)),
                      certificates=[bundled])
    by_value = {p.value: p for p in row(result).pins}
    assert by_value[bundled.spki_sha256].certificate == "assets/certs/leaf.cer"
    assert decisions_named(result, "framework-pins")


def test_pinned_certificate_files_become_pins(catalog: Catalog) -> None:
    first, _ = make_cert("First")
    second, _ = make_cert("Second")
    files = (info(first, "assets/www/certificates/a.cer"),
             info(second, "assets/www/certificates/b.cer"))
    facts = framework("cordova", trust(TrustKind.PINS, "cordova",
                                       certificates=tuple(f.path for f in files)))
    result = evaluate(catalog, facts, certificates=files)
    assert row(result).protection == ("cordova-pins",)
    assert {p.certificate for p in row(result).pins} == {f.path for f in files}


# --- negatives --------------------------------------------------------------------------------

def test_pins_without_hosts_are_unread_and_keep_the_verdict_open(catalog: Catalog) -> None:
    facts = framework("react-native", trust(TrustKind.PINS, hosts=(), pins=TWO_PINS))
    result = evaluate(catalog, facts)
    assert not decisions_named(result, "framework-pins")
    assert decisions_named(result, "framework-pins-unread")
    assert "no-pinning" not in rule_names(result)  # pinning may exist: no confident failure
    assert result.verdict.status is VerdictStatus.INCONCLUSIVE
    assert "react-native pinning whose hosts or pins cannot be read" in result.verdict.reason


@pytest.mark.parametrize("pinned", [True, False], ids=["pins-without-hosts", "no-pins"])
def test_an_unpinned_host_is_told_pinning_without_hosts_may_cover_it(
    catalog: Catalog, pinned: bool,
) -> None:
    # The NSC pins HOST; the framework contacts another host and (or not) pins unknown hosts.
    url = ("https://pay.pinscan-demo.example/v1", "assemblies/App.dll")
    found = (trust(TrustKind.PINS, "dotnet", hosts=(), pins=TWO_PINS),) if pinned else ()
    facts = FrameworkFacts(framework("dotnet").frameworks, trust=found, urls=(url,))
    (decision,) = decisions_named(evaluate(catalog, facts, PINNED_NSC), "host-not-pinned")
    assert decision.host == "pay.pinscan-demo.example"
    said = "the app also has dotnet pinning whose hosts or pins cannot be read, which may cover it"
    assert (said in decision.evidence) is pinned


def test_a_plain_app_without_frameworks_fails_for_no_pinning(catalog: Catalog) -> None:
    # The control for the test above: the same app without the framework's pins.
    result = evaluate(catalog, FrameworkFacts())
    assert "no-pinning" in rule_names(result)
    assert not [d for d in result.decisions if d.rule_id.startswith("PS7")]


def test_a_badcertificatecallback_is_not_counted_as_pinning(catalog: Catalog) -> None:
    # Dart only asks the callback about chains the platform rejected: it cannot pin.
    facts, _ = POSITIVE["framework-validation-callback"]
    result = evaluate(catalog, facts)
    assert "no-pinning" in rule_names(result)
    assert result.verdict.status is VerdictStatus.FAIL


def test_a_dotnet_validation_callback_may_pin_so_no_pinning_is_withheld(
    catalog: Catalog,
) -> None:
    facts = framework("dotnet", trust(TrustKind.CALLBACK, "dotnet", hosts=()))
    result = evaluate(catalog, facts)
    assert decisions_named(result, "framework-validation-callback")
    assert "no-pinning" not in rule_names(result)


def test_trust_all_fails_the_app_even_when_the_platform_pins(catalog: Catalog) -> None:
    facts, _ = POSITIVE["framework-trust-all"]
    result = evaluate(catalog, facts, PINNED_NSC)
    (decision,) = decisions_named(result, "framework-trust-all")
    assert decision.severity is Severity.CRITICAL and decision.host == HOST
    assert result.verdict.status is VerdictStatus.FAIL


def test_dart_pinning_means_platform_pins_are_not_bypassed(catalog: Catalog) -> None:
    facts = framework("flutter", trust(TrustKind.PINS, "flutter", pins=TWO_PINS))
    result = evaluate(catalog, facts, PINNED_NSC)
    assert "framework-platform-pins-bypassed" not in rule_names(result)
    assert set(row(result).protection) == {"nsc-pin-set", "flutter-pins"}


def test_an_unread_dart_snapshot_is_not_said_to_bypass_platform_pins(catalog: Catalog) -> None:
    # The control is POSITIVE["framework-platform-pins-bypassed"]: the same app, snapshot read.
    unread = replace(framework("flutter"), skipped=(Skipped(SNAPSHOT, "no Dart snapshot"),))
    result = evaluate(catalog, unread, PINNED_NSC)
    assert not decisions_named(result, "framework-platform-pins-bypassed")
    assert not result.complete


def test_platform_pins_of_other_frameworks_are_not_bypassed(catalog: Catalog) -> None:
    # React Native's fetch goes through OkHttp, which applies the configuration.
    result = evaluate(catalog, framework("react-native"), PINNED_NSC)
    assert "framework-platform-pins-bypassed" not in rule_names(result)
    assert result.verdict.status is VerdictStatus.PASS


def test_a_flutter_app_without_platform_pins_is_not_told_they_are_bypassed(
    catalog: Catalog,
) -> None:
    result = evaluate(catalog, framework("flutter"))
    assert "framework-platform-pins-bypassed" not in rule_names(result)
    assert "no-pinning" in rule_names(result)


def test_what_a_reader_could_not_read_is_skipped_and_caveats_the_verdict(
    catalog: Catalog,
) -> None:
    facts = framework("react-native", unread=("the Hermes functions are not decompiled",))
    result = evaluate(catalog, facts, PINNED_NSC)
    assert not result.complete
    assert any("Hermes functions" in s.reason and s.item == BUNDLE_JS for s in result.skipped)
    assert result.verdict.status is VerdictStatus.PASS
    assert "not analysed" in result.verdict.reason
    (detected,) = decisions_named(result, "framework-detected")
    assert "not read: the Hermes functions" in detected.evidence
    assert detected.status is Status.INFO


def test_a_file_the_reader_skipped_is_listed_once(catalog: Catalog) -> None:
    skipped = Skipped(SNAPSHOT, "holds no Dart snapshot")
    once = FrameworkFacts(framework("flutter", unread=(f"{SNAPSHOT}: holds no Dart snapshot",
                                                       "the assets are not read")).frameworks,
                          skipped=(skipped,))
    reasons = [s.reason for s in evaluate(catalog, once).skipped]
    assert reasons == ["flutter: the assets are not read", "holds no Dart snapshot"]


def test_an_unread_framework_withholds_no_pinning(catalog: Catalog) -> None:
    facts = framework("dotnet", unread=("the assemblies are not analysed",))
    result = evaluate(catalog, facts)
    assert "no-pinning" not in rule_names(result)
    assert result.verdict.status is VerdictStatus.INCONCLUSIVE


def test_the_result_lists_the_frameworks(catalog: Catalog) -> None:
    facts, _ = POSITIVE["framework-detected"]
    result = evaluate(catalog, facts)
    assert [f.name for f in result.frameworks] == ["flutter"]
    assert evaluate(catalog, FrameworkFacts()).frameworks == ()


# --- React Native's OkHttp client (framework-native-client) -----------------------------------

APP_CLASS = "Lorg/pinscan/demo/MainApplication;"
FACTORY = "org.pinscan.demo.PinnedFactory"


def at(class_descriptor: str, method: str) -> CodeLocation:
    return CodeLocation("classes.dex", MethodRef(class_descriptor, method, "()V"), 8)


def pinner(class_descriptor: str, host: str | None) -> PinnerCall:
    return PinnerCall(at(class_descriptor, "createNewNetworkModuleClient"), "okhttp3", host,
                      TWO_PINS, True)


def native_client(catalog: Catalog, code: CodeFacts, name: str = "react-native") -> list[str]:
    result = evaluate_config(catalog, PINNED_NSC, frameworks=framework(name), code=code)
    found = decisions_named(result, "framework-native-client")
    assert all(d.status is Status.INFO for d in found)
    return [d.evidence for d in found]


def test_native_client_names_the_factory_and_its_pins(catalog: Catalog) -> None:
    code = CodeFacts(client_factory_installs=(at(APP_CLASS, "onCreate"),),
                     client_factories=(FACTORY,),
                     pinner_calls=(pinner("Lorg/pinscan/demo/PinnedFactory$1;", HOST),
                                   pinner("Lorg/pinscan/demo/Other;", "other.example")))
    (evidence,) = native_client(catalog, code)
    assert "setOkHttpClientFactory at org.pinscan.demo.MainApplication.onCreate" in evidence
    assert f"factory classes: {FACTORY}" in evidence
    assert f"pin {HOST} (rated as OkHttp pinning)" in evidence  # not other.example's pins


def test_native_client_factory_without_a_pinner_is_said(catalog: Catalog) -> None:
    code = CodeFacts(client_factory_installs=(at(APP_CLASS, "onCreate"),),
                     client_factories=(FACTORY,))
    (evidence,) = native_client(catalog, code)
    assert "no CertificatePinner call in them" in evidence


def test_native_client_default_means_the_nsc_applies(catalog: Catalog) -> None:
    (evidence,) = native_client(catalog, CodeFacts())
    assert "default OkHttp client" in evidence and "pin-sets included, applies" in evidence


@pytest.mark.parametrize("name", ["flutter", "cordova"])
def test_native_client_is_only_said_of_react_native(catalog: Catalog, name: str) -> None:
    code = CodeFacts(client_factory_installs=(at(APP_CLASS, "onCreate"),))
    assert native_client(catalog, code, name) == []


def test_native_client_needs_the_code(catalog: Catalog) -> None:
    result = evaluate(catalog, framework("react-native"), PINNED_NSC)
    assert not decisions_named(result, "framework-native-client")


def session_evidence(catalog: Catalog, hooks: set[str], name: str = "react-native") -> list[str]:
    binary = BinaryEvidence("Payload/App.app/App", (SliceEvidence("ARM64", False, hooks=hooks),))
    found = frameworks.react_native_session(framework(name), (binary,), catalog,
                                            Location("Payload/App.app/Info.plist"))
    assert all(d.rule_name == "framework-native-client" and d.status is Status.INFO
               for d in found)
    return [d.evidence for d in found]


def test_native_client_on_ios_names_the_session_provider(catalog: Catalog) -> None:
    (evidence,) = session_evidence(catalog, {"_RCTSetCustomNSURLSessionConfigurationProvider"})
    assert "sets its own NSURLSessionConfiguration" in evidence
    assert "imported by Payload/App.app/App" in evidence


def test_native_client_on_ios_without_a_provider(catalog: Catalog) -> None:
    (evidence,) = session_evidence(catalog, set())
    assert evidence.startswith("no custom NSURLSessionConfiguration provider imported")


def test_native_client_on_ios_is_only_said_of_react_native(catalog: Catalog) -> None:
    assert session_evidence(catalog, {"_RCTSetCustomNSURLSessionConfigurationProvider"},
                            "flutter") == []
