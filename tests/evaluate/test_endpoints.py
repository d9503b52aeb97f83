"""Endpoints: which URL hosts are real endpoints, registrable domains, and the app's own
domains."""

from __future__ import annotations

import pytest

from mstg_pinscan.evaluate.endpoints import (
    Endpoint,
    app_domains,
    endpoints,
    is_first_party,
    is_public_suffix,
    registrable_domain,
)


def hosts_of(*urls: str) -> list[str]:
    return [e.host for e in endpoints((url, "classes.dex") for url in urls)]


@pytest.mark.parametrize("url", [
    # XML namespaces and schemas
    "http://schemas.android.com/apk/res/android",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.w3.org/2000/svg",
    "https://www.w3.org/TR/xmlschema-2/",
    "http://xmlpull.org/v1/doc/features.html#process-namespaces",
    "http://ns.adobe.com/xap/1.0/",
    "https://cdn.acme-bank.com/schema/config.xsd",
    "http://www.acme-bank.com/dtd/properties.dtd",
    # licences and documentation
    "http://www.apache.org/licenses/LICENSE-2.0",
    "https://opensource.org/licenses/MIT",
    "https://www.gnu.org/licenses/gpl-3.0.html",
    "https://raw.githubusercontent.com/acme/lib/master/LICENSE",
    "https://developer.android.com/reference/android/webkit/WebView",
    "https://square.github.io/okhttp/",
    "https://github.com/square/okhttp/issues",
    "https://stackoverflow.com/questions/1",
    "https://tools.ietf.org/html/rfc7469",
    "https://acme-bank.atlassian.net/wiki/spaces/DEV",
    "https://mobile.acme-bank.com/docs/api",
    # reserved example domains
    "http://example.com/",
    "https://www.example.org/path",
    "https://api.example.com/v1",
    # loopback, unspecified and link-local addresses
    "http://localhost:8080/",
    "http://localhost",
    "http://dev.localhost/",
    "http://127.0.0.1:7912/shell",
    "http://127.8.9.10/",
    "http://0.0.0.0:8000/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:8080/",
    "http://[fe80::1]/",
    # not a host at all
    "http://server/path",
    "https://co.uk/",
    "https://github.io/",
    "http://%s/api",
    "https://..acme-bank.com/",
])
def test_noise_is_dropped(url: str) -> None:
    assert hosts_of(url) == []


@pytest.mark.parametrize(("url", "host"), [
    ("https://api.acme-bank.com/v1/login", "api.acme-bank.com"),
    ("wss://push.acme-bank.com/socket", "push.acme-bank.com"),
    ("ws://chat.acme-bank.com:8080/", "chat.acme-bank.com"),
    ("http://debugx5.qq.com", "debugx5.qq.com"),
    ("https://api.github.com/repos/acme/app", "api.github.com"),
    ("https://user.github.io/app/config.json", "user.github.io"),
    ("https://www.acme.co.uk/", "www.acme.co.uk"),
    ("https://API.Acme-Bank.COM/v1", "api.acme-bank.com"),
    ("https://api.acme-bank.com./v1", "api.acme-bank.com"),
    ("https://8.8.8.8/dns-query", "8.8.8.8"),
    ("https://user:secret@api.acme-bank.com:8443/x?y=1#z", "api.acme-bank.com"),
])
def test_real_endpoints_are_kept(url: str, host: str) -> None:
    assert hosts_of(url) == [host]


@pytest.mark.parametrize("url", ["https://license.widevine.com/getlicense/acme",
                                 "https://license.acme-bank.com/v1/check"])
def test_a_host_named_license_is_an_endpoint(url: str) -> None:
    assert hosts_of(url) == [url.split("/")[2]]


def test_endpoints_merge_sources_and_sort() -> None:
    found = endpoints([
        ("https://b.acme-bank.com/x", "classes2.dex"),
        ("https://a.acme-bank.com/", "classes.dex"),
        ("https://b.acme-bank.com/y", "resources.arsc"),
        ("https://b.acme-bank.com/z", "classes2.dex"),
        ("http://schemas.android.com/apk/res/android", "classes.dex"),
    ])
    assert found == [
        Endpoint("a.acme-bank.com", ("classes.dex",)),
        Endpoint("b.acme-bank.com", ("classes2.dex", "resources.arsc")),
    ]


# --- registrable domains ---------------------------------------------------------------------

@pytest.mark.parametrize(("host", "domain"), [
    ("api.acme-bank.com", "acme-bank.com"),
    ("acme-bank.com", "acme-bank.com"),
    ("a.b.c.acme-bank.com", "acme-bank.com"),
    ("API.Acme-Bank.COM.", "acme-bank.com"),
    ("api.example.co.uk", "example.co.uk"),
    ("www.bbc.co.uk", "bbc.co.uk"),
    ("shop.example.com.au", "example.com.au"),
    ("user.github.io", "user.github.io"),
    ("app.user.github.io", "user.github.io"),
    ("my-app.herokuapp.com", "my-app.herokuapp.com"),
    ("co.uk", None),
    ("github.io", None),
    ("com", None),
    ("10.0.0.1", None),
    ("2001:db8::1", None),
])
def test_registrable_domain(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain


@pytest.mark.parametrize(("name", "public"), [
    ("co.uk", True), ("github.io", True), ("com", True), ("com.au", True),
    ("example.co.uk", False), ("user.github.io", False), ("acme-bank.com", False),
])
def test_is_public_suffix(name: str, public: bool) -> None:
    assert is_public_suffix(name) is public


# --- the app's own domains -------------------------------------------------------------------

@pytest.mark.parametrize(("package", "domains"), [
    ("com.acmebank.mobile", {"acmebank.com"}),
    ("com.acmebank", {"acmebank.com"}),
    ("com.Acmebank.Mobile", {"acmebank.com"}),
    ("uk.co.acme.banking", {"acme.co.uk"}),
    ("au.com.acme.app", {"acme.com.au"}),
    ("io.github.someone.app", {"someone.github.io"}),
    ("com.netease.nie.yosemite", {"netease.com"}),
    # platform and Google packages say nothing about who owns the endpoints
    ("com.google.android.apps.maps", set()),
    ("com.android.chrome", set()),
    # no domain to read
    ("app", set()),
    ("uk.co", set()),
    (None, set()),
])
def test_app_domains_from_the_package_name(package: str | None, domains: set[str]) -> None:
    assert app_domains(package, ()) == domains


def test_app_domains_add_the_first_party_option() -> None:
    assert app_domains("com.acmebank.mobile", ["Partner-CDN.net", ".api.partner.io.", "", "."]
                       ) == {"acmebank.com", "partner-cdn.net", "api.partner.io"}
    assert app_domains(None, ["acme-bank.com"]) == {"acme-bank.com"}


@pytest.mark.parametrize(("host", "first"), [
    ("acme.co.uk", True),
    ("api.acme.co.uk", True),
    ("*.acme.co.uk", True),
    ("**.acme.co.uk", True),
    ("notacme.co.uk", False),
    ("acme.co.uk.evil.com", False),
    ("other.co.uk", False),
    ("cdn.partner.io", False),
])
def test_is_first_party(host: str, first: bool) -> None:
    assert is_first_party(host, {"acme.co.uk"}) is first


def test_first_party_option_can_name_a_subdomain() -> None:
    owned = app_domains(None, ["api.partner.io"])
    assert is_first_party("api.partner.io", owned)
    assert is_first_party("v2.api.partner.io", owned)
