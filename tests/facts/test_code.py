"""What the code analysis reports for each sample app with code (sample_apps/README.md,
"Apps with code"), read through ``collect_android_facts`` as a scan does."""

from __future__ import annotations

import functools
import json
import struct
import zipfile

import pytest
from codehelpers import UIAUTOMATOR, require
from conftest import ROOT, sample_apk

from mstg_pinscan.facts.android import AndroidFacts, collect_android_facts
from mstg_pinscan.facts.code import CodeFacts, TrustBypass, analyse_code
from mstg_pinscan.unpack import open_bundle

PINS = json.loads((ROOT / "sample_apps" / "pki" / "pins.json").read_text())
INTER, BACKUP, LEAF, ROOT_PIN = (f"sha256/{PINS[k]}"
                                 for k in ("intermediate", "backup", "leaf", "root"))
SHA1_LEAF = "sha1/WTp7Kl2z9pWg+DmiYnvzlvN2qOM="
LOGIN = "https://api.pinscan-demo.example/v1/login"


@functools.cache
def facts_of(app: str) -> AndroidFacts:
    with open_bundle(sample_apk(app)) as bundle:
        return collect_android_facts(bundle)


def code_of(app: str) -> CodeFacts:
    code = facts_of(app).code
    assert code is not None, f"{app}: its classes.dex was not analysed"
    assert code.skipped == (), code.skipped
    return code


def pinners(app: str) -> list[tuple[str, str, str | None, tuple[str | None, ...], bool]]:
    """(class simple name, method, pattern, pins, pins_known) of every pinner call, sorted."""
    return sorted((c.location.method.readable_class.rsplit(".", 1)[1], c.location.method.name,
                   c.pattern, c.pins, c.pins_known) for c in code_of(app).pinner_calls)


def bypasses(app: str) -> list[tuple[str, str, str, str]]:
    """(kind, class simple name, method, detail) of every trust bypass."""
    return sorted((b.kind, b.location.method.readable_class.rsplit(".", 1)[1],
                   b.location.method.name, b.detail) for b in code_of(app).bypasses)


def _bypass(app: str, kind: str, owner: str) -> TrustBypass:
    (found,) = [b for b in code_of(app).bypasses
                if b.kind == kind and b.location.method.readable_class.endswith("." + owner)]
    return found


# --- OkHttp pinners ----------------------------------------------------------------------

def test_okhttp_varargs_two_calls_on_one_builder() -> None:
    assert pinners("okhttp_varargs") == [
        ("ApiClient", "create", "*.cdn.pinscan-demo.example", (LEAF,), True),
        ("ApiClient", "create", "api.pinscan-demo.example", (INTER, BACKUP), True),
    ]
    first, second = sorted(code_of("okhttp_varargs").pinner_calls, key=lambda c: c.location.offset)
    assert first.pattern == "api.pinscan-demo.example"
    assert first.library == second.library == "okhttp3"
    assert first.location.dex == "classes.dex" and first.location.offset < second.location.offset
    assert first.location.method.proto == "()Lokhttp3/OkHttpClient;"


def test_okhttp_constants_are_recovered_through_static_fields() -> None:
    # HOST and PRIMARY are inlined; BACKUPS is an array built in PinConfig.<clinit>, read
    # element by element (aget-object) for the first call and whole for the second.
    assert pinners("okhttp_constants") == [
        ("ApiClient", "create", "**.pinscan-demo.example", (ROOT_PIN, BACKUP), True),
        ("ApiClient", "create", "legacy.pinscan-demo.example", (BACKUP,), True),
    ]


def test_okhttp_constants_unused_pin_is_a_pin_string_not_a_pin() -> None:
    code = code_of("okhttp_constants")
    assert (LEAF, "classes.dex") in code.pin_strings
    assert all(LEAF not in call.pins for call in code.pinner_calls)


def test_okhttp_lambda_call_is_found_inside_invoke() -> None:
    assert pinners("okhttp_lambda") == [
        ("ApiClient", "create", "bad.pinscan-demo.example", ("sha256/notbase64!",), True),
        ("ApiClient", "create", "old.pinscan-demo.example", (SHA1_LEAF,), True),
        ("ApiClient$pinner$1", "invoke", "api.pinscan-demo.example", (INTER, BACKUP), True),
    ]
    (lambda_call,) = [c for c in code_of("okhttp_lambda").pinner_calls
                      if c.location.method.name == "invoke"]
    assert lambda_call.location.method.class_name == (
        "Lorg/pinscan/sample/okhttp_lambda/ApiClient$pinner$1;")
    assert lambda_call.location.method.proto == "(Ljava/lang/Object;)Ljava/lang/Object;"


def test_okhttp_lambda_pin_strings_are_whole_dex_strings() -> None:
    code = code_of("okhttp_lambda")
    used = {pin for call in code.pinner_calls for pin in call.pins}
    assert {text for text, _ in code.pin_strings} <= used


@pytest.mark.parametrize("app", ["trust_all", "webview_proceed", "own_truststore",
                                 "unused_library_trustall", "trustkit_code"])
def test_apps_without_a_pinner_report_none(app: str) -> None:
    assert code_of(app).pinner_calls == ()


# --- trust bypasses ------------------------------------------------------------------------

def test_trust_all_reports_every_bypass_and_not_the_delegating_manager() -> None:
    assert bypasses("trust_all") == [
        ("accepted-issuers-null", "TrustAllManager", "getAcceptedIssuers",
         "getAcceptedIssuers returns null"),
        ("allow-all-verifier", "AllowAllHostnames", "verify",
         "HostnameVerifier.verify returns true"),
        ("allow-all-verifier", "InsecureTls", "legacyApacheFactory",
         "SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER"),
        ("insecure-socket-factory", "InsecureTls", "insecurePlatformFactory",
         "SSLCertificateSocketFactory.getInsecure()"),
        ("trust-all-manager", "TrustAllManager", "checkServerTrusted",
         "checkServerTrusted never throws"),
    ]
    code = code_of("trust_all")
    assert not any("DelegatingTrustManager" in str(b.location) for b in code.bypasses)
    assert not any("DelegatingTrustManager" in str(m) for m in code.custom_managers)
    for bypass in code.bypasses:
        assert bypass.app_code and bypass.app_path is not None, bypass


def test_trust_all_manager_is_used_by_the_installer() -> None:
    manager = _bypass("trust_all", "trust-all-manager", "TrustAllManager")
    assert manager.used_by == ("org.pinscan.sample.trust_all.InsecureTls",)
    assert manager.app_path == ("org.pinscan.sample.trust_all.TrustAllManager",)
    verifier = _bypass("trust_all", "allow-all-verifier", "AllowAllHostnames")
    assert verifier.used_by == ("org.pinscan.sample.trust_all.InsecureTls",)


def test_webview_proceed_unconditional_and_conditional() -> None:
    assert [(kind, owner) for kind, owner, _, _ in bypasses("webview_proceed")] == [
        ("webview-proceed", "ProceedingClient"),
        ("webview-proceed-conditional", "DebugOnlyProceedingClient"),
    ]
    code = code_of("webview_proceed")
    assert not any("CancellingClient" in str(b.location) for b in code.bypasses)
    conditional = _bypass("webview_proceed", "webview-proceed-conditional",
                          "DebugOnlyProceedingClient")
    assert conditional.location.method.name == "onReceivedSslError"
    assert conditional.location.offset > 0  # the proceed() call, after the DEBUG test
    assert "behind a condition" in conditional.detail
    for bypass in code.bypasses:
        assert bypass.used_by == ("org.pinscan.sample.webview_proceed.App",)


def test_unused_library_bypasses_are_not_reached_from_app_code() -> None:
    assert [(kind, owner) for kind, owner, _, _ in bypasses("unused_library_trustall")] == [
        ("allow-all-verifier", "LaxVerifier"),
        ("trust-all-manager", "TrustEverythingManager"),
    ]
    for bypass in code_of("unused_library_trustall").bypasses:
        assert bypass.app_path is None and bypass.used_by == () and not bypass.app_code
    # getAcceptedIssuers returns an empty array there, not null.
    assert not any(b.kind == "accepted-issuers-null"
                   for b in code_of("unused_library_trustall").bypasses)


@pytest.mark.parametrize("app", ["okhttp_varargs", "okhttp_constants", "okhttp_lambda",
                                 "own_truststore", "trustkit_code"])
def test_apps_without_bypasses_report_none(app: str) -> None:
    code = code_of(app)
    assert code.bypasses == () and code.custom_managers == ()


# --- own trust stores and TrustKit -----------------------------------------------------------

def test_own_truststore_two_stores_with_their_files() -> None:
    stores = code_of("own_truststore").trust_stores
    assert [(s.location.method.name, s.store_type, s.sources, s.files, s.ssl_context)
            for s in stores] == [
        ("clientFromRawResource", None, ("resource 0x7f020000",),
         ("res/raw/pinscan_root.pem",), True),
        ("connectionFromBks", "BKS", ("asset stores/truststore.bks",),
         ("assets/stores/truststore.bks",), True),
    ]


@pytest.mark.parametrize("app", ["okhttp_varargs", "trust_all", "trustkit_code"])
def test_apps_without_an_own_store_report_none(app: str) -> None:
    # trust_all's DelegatingTrustManager initialises a TrustManagerFactory with a null
    # KeyStore (the system store): that is no own store.
    assert code_of(app).trust_stores == ()


def test_trustkit_code_one_initialisation() -> None:
    (init,) = code_of("trustkit_code").trustkit_inits
    assert init.method.class_name == "Lorg/pinscan/sample/trustkit_code/App;"
    assert init.method.name == "onCreate"
    for app in ("okhttp_varargs", "trust_all", "own_truststore"):
        assert code_of(app).trustkit_inits == ()


def test_react_native_client_factory_install_and_class() -> None:
    code = code_of("rn_okhttp_factory")
    (install,) = code.client_factory_installs
    assert install.method.class_name == "Lorg/pinscan/sample/rn_okhttp_factory/MainApplication;"
    assert install.method.name == "onCreate"
    assert code.client_factories == ("org.pinscan.sample.rn_okhttp_factory.PinnedClientFactory",)
    (call,) = code.pinner_calls
    assert call.location.method.readable_class == code.client_factories[0]


def test_apps_without_a_client_factory_report_none() -> None:
    for app in ("rn_okhttp_default", "okhttp_varargs", "trustkit_code"):
        code = code_of(app)
        assert code.client_factory_installs == () and code.client_factories == ()


# --- URLs, pin strings, versions -------------------------------------------------------------

@pytest.mark.parametrize(("app", "urls"), [
    ("okhttp_varargs", {LOGIN}),
    ("unused_library_trustall", {LOGIN}),
    ("trustkit_code", {LOGIN}),
    ("own_truststore", {"https://partner.pinscan-demo.example/"}),
    ("webview_proceed", set()),
])
def test_urls(app: str, urls: set[str]) -> None:
    code = code_of(app)
    assert {url for url, _ in code.urls} == urls
    assert all(dex == "classes.dex" for _, dex in code.urls)


@pytest.mark.parametrize(("app", "pins"), [
    ("okhttp_varargs", {INTER, BACKUP, LEAF}),
    ("okhttp_constants", {ROOT_PIN, BACKUP, LEAF}),
    ("trust_all", set()),
])
def test_pin_strings(app: str, pins: set[str]) -> None:
    assert {text for text, _ in code_of(app).pin_strings} == pins


def test_samples_name_no_okhttp_version() -> None:
    # OkHttp is referenced, not bundled: its user-agent string is not in the dex.
    assert code_of("okhttp_varargs").okhttp_versions == ()


def test_okhttp_own_classes_never_count() -> None:
    apk = require(UIAUTOMATOR)
    with open_bundle(apk) as bundle:
        facts = collect_android_facts(bundle)
    code = facts.code
    assert code is not None
    # OkHttp 3.11 is bundled, with the Builder's add method and its own sha256/ handling...
    assert "3.11.0" in code.okhttp_versions
    with zipfile.ZipFile(apk) as archive:
        assert b"Lokhttp3/CertificatePinner$Builder;" in archive.read("classes.dex")
    # ...but nothing in the app pins.
    assert code.pinner_calls == ()
    assert code.pin_strings == ()
    assert code.bypasses == () and code.trust_stores == ()


# --- DEX files that cannot be read are recorded, not fatal -------------------------------

def _dex(app: str = "trust_all") -> bytes:
    with zipfile.ZipFile(sample_apk(app)) as archive:
        return archive.read("classes.dex")


def _analyse(*files: tuple[str, bytes]) -> CodeFacts:
    return analyse_code(list(files), "org.pinscan.sample.trust_all", lambda _: ())


def test_a_file_that_is_no_dex_is_skipped_and_the_others_analysed() -> None:
    facts = _analyse(("classes.dex", b"not a dex at all"), ("classes2.dex", _dex()))
    assert [s.item for s in facts.skipped] == ["classes.dex"]
    assert "cannot be read" in facts.skipped[0].reason
    assert any(b.kind == "trust-all-manager" for b in facts.bypasses)


def test_a_dex_cut_after_its_header_is_skipped() -> None:
    facts = _analyse(("classes.dex", _dex()[:0x78]))
    assert [s.item for s in facts.skipped] == ["classes.dex"]


def test_a_dex_cut_inside_its_map_list_is_skipped() -> None:
    data = _dex()
    (map_off,) = struct.unpack_from("<I", data, 0x34)
    facts = _analyse(("classes.dex", data[:map_off + 10]))
    assert [s.item for s in facts.skipped] == ["classes.dex"]


def test_a_dex_with_a_broken_class_def_is_skipped() -> None:
    data = bytearray(_dex())
    (class_off,) = struct.unpack_from("<I", data, 0x64)
    struct.pack_into("<I", data, class_off, 0xFFFF)
    facts = _analyse(("classes.dex", bytes(data)))
    assert [s.item for s in facts.skipped] == ["classes.dex"]
