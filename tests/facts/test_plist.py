"""Property lists: read safely (XML and binary), and ATS and TrustKit read as iOS and TrustKit
read them, with what they ignore or refuse recorded as problems."""

from __future__ import annotations

import datetime as dt
import plistlib
import struct
from typing import Any

import pytest
from conftest import PIN_A, PIN_B

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.plist import (
    TSK_EXCLUDE,
    AtsSettings,
    TrustKitSettings,
    load_plist,
    read_ats,
    read_trustkit,
)

FILE = "Payload/Acme.app/Info.plist"
ATS = "NSAppTransportSecurity"
XML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC '
            '"-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n')
SHORT = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw=="  # 31 bytes
INFO = {"CFBundleIdentifier": "com.acmebank.app", "Count": 3, "Flag": True,
        "List": ["a", "b"], "Nested": {"When": dt.datetime(2026, 1, 2, 3, 4, 5)},
        "Blob": b"\x00\x01"}


def _ats(settings: dict[str, Any]) -> AtsSettings:
    return read_ats({ATS: settings}, FILE)


def _tsk(domains: dict[str, Any], **global_keys: Any) -> TrustKitSettings:
    settings = read_trustkit({"TSKConfiguration": {"TSKPinnedDomains": domains,
                                                   **global_keys}}, FILE)
    assert settings is not None
    return settings


def _messages(problems: tuple[Any, ...]) -> list[str]:
    return [p.message for p in problems]


def _binary_plist(objects: list[tuple[Any, ...]]) -> bytes:
    """A binary plist written by hand, for what plistlib refuses to write (non-string keys).

    ``objects`` are ("dict", [(key ref, value ref), ...]), ("str", text), ("int", 0..255) or
    ("true",); object 0 is the top.
    """
    out = bytearray(b"bplist00")
    offsets = []
    for kind, *args in objects:
        offsets.append(len(out))
        if kind == "str":
            text = args[0].encode("ascii")
            marker = bytes([0x50 | len(text)]) if len(text) < 15 else bytes([0x5F, 0x10,
                                                                             len(text)])
            out += marker + text
        elif kind == "int":
            out += bytes([0x10, args[0]])
        elif kind == "true":
            out += b"\x09"
        else:
            pairs = args[0]
            out += bytes([0xD0 | len(pairs)]) + bytes(k for k, _ in pairs) + bytes(
                v for _, v in pairs)
    table = len(out)
    out += bytes(offsets) + b"\x00" * 6 + struct.pack(">BBQQQ", 1, 1, len(objects), 0, table)
    return bytes(out)


# --- load_plist ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [plistlib.FMT_XML, plistlib.FMT_BINARY], ids=["xml", "binary"])
def test_load_plist_reads_xml_and_binary(fmt: plistlib.PlistFormat) -> None:
    assert load_plist(plistlib.dumps(INFO, fmt=fmt), FILE) == INFO


def test_load_plist_reads_a_hand_written_xml_plist() -> None:
    text = (f'{XML_HEAD}<plist version="1.0"><dict><key>{ATS}</key><dict>'
            '<key>NSAllowsArbitraryLoads</key><true/></dict></dict></plist>')
    assert load_plist(text.encode(), FILE) == {ATS: {"NSAllowsArbitraryLoads": True}}


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY a "lol">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    '<plist version="1.0"><dict><key>k</key><string>&d;</string></dict></plist>')
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<plist version="1.0"><dict><key>k</key><string>&x;</string></dict></plist>')
PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    '<plist version="1.0"><dict/></plist>')
_BINARY = plistlib.dumps({"CFBundleIdentifier": "com.acmebank.app", "List": [1, 2, 3],
                          "Text": "x" * 40}, fmt=plistlib.FMT_BINARY)


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(plistlib.dumps(["a"]), "is a list, not a dictionary", id="xml-array"),
    pytest.param(plistlib.dumps("text", fmt=plistlib.FMT_BINARY), "is a str, not a dictionary",
                 id="binary-string"),
    pytest.param(b"\x00\x01 garbage \xff", "not a readable property list", id="garbage"),
    pytest.param(b"", "not a readable property list", id="empty"),
    pytest.param(_BINARY[: len(_BINARY) // 2], "not a readable property list",
                 id="truncated-binary"),
    pytest.param(_BINARY[:-10], "not a readable property list", id="binary-without-trailer"),
    pytest.param(b"bplist00" + b"\xff" * 40, "not a readable property list",
                 id="binary-header-only"),
    pytest.param(BILLION_LAUGHS.encode(), "not a readable property list",
                 id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY.encode(), "not a readable property list",
                 id="external-entity"),
    pytest.param(PARAMETER_ENTITY.encode(), "not a readable property list",
                 id="external-parameter-entity"),
    pytest.param(b'<?xml version="1.0"?><plist version="1.0"><dict><key>k</key>',
                 "not a readable property list", id="unclosed-xml"),
    pytest.param(b'<plist version="1.0"><dict><key>k</key><string>&x;</string></dict></plist>',
                 "not a readable property list", id="undefined-entity"),
    pytest.param(b'<plist version="1.0"><dict><key>k</key><integer>ten</integer></dict></plist>',
                 "not a readable property list", id="bad-integer"),
    pytest.param(b'<plist version="1.0"><dict><string>no key</string></dict></plist>',
                 "not a readable property list", id="value-without-key"),
])
def test_load_plist_refuses_with_a_fact_error(data: bytes, message: str) -> None:
    with pytest.raises(FactError) as raised:
        load_plist(data, FILE)
    assert message in raised.value.message
    assert raised.value.path == FILE


def test_load_plist_refuses_a_malformed_xml_date() -> None:
    data = b'<plist version="1.0"><dict><key>k</key><date>soon</date></dict></plist>'
    with pytest.raises(FactError):
        load_plist(data, FILE)


def test_entities_are_never_expanded() -> None:
    # Whatever the refusal says, no entity text reaches the result.
    for text in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        with pytest.raises(FactError) as raised:
            load_plist(text.encode(), FILE)
        assert "lol" not in raised.value.diagnostics()
        assert "root:" not in raised.value.diagnostics()


def test_load_plist_refuses_every_truncation_of_a_binary_plist() -> None:
    for end in range(len(_BINARY) - 1):
        with pytest.raises(FactError):
            load_plist(_BINARY[:end], FILE)


# --- read_ats: global keys ----------------------------------------------------------------------

def test_no_ats_dictionary_means_the_defaults() -> None:
    settings = read_ats({"CFBundleIdentifier": "x"}, FILE)
    assert settings == AtsSettings()
    assert settings.present is False and not settings.arbitrary_loads_effective


def test_every_global_key_is_read() -> None:
    settings = _ats({"NSAllowsArbitraryLoads": True, "NSAllowsArbitraryLoadsForMedia": True,
                     "NSAllowsArbitraryLoadsInWebContent": True,
                     "NSAllowsLocalNetworking": True})
    assert settings.present
    assert (settings.arbitrary_loads, settings.arbitrary_media, settings.arbitrary_web,
            settings.local_networking) == (True, True, True, True)
    assert settings.problems == ()


@pytest.mark.parametrize("finer", ["NSAllowsArbitraryLoadsForMedia",
                                   "NSAllowsArbitraryLoadsInWebContent",
                                   "NSAllowsLocalNetworking"])
def test_arbitrary_loads_is_ignored_beside_a_finer_key(finer: str) -> None:
    assert _ats({"NSAllowsArbitraryLoads": True}).arbitrary_loads_effective
    settings = _ats({"NSAllowsArbitraryLoads": True, finer: True})
    assert settings.arbitrary_loads and not settings.arbitrary_loads_effective
    # A finer key set to NO does not switch NSAllowsArbitraryLoads off.
    assert _ats({"NSAllowsArbitraryLoads": True, finer: False}).arbitrary_loads_effective


def test_unknown_global_key_and_wrong_type_are_problems() -> None:
    settings = _ats({"NSAllowArbitraryLoads": True, "NSAllowsLocalNetworking": "YES"})
    assert settings.arbitrary_loads is False and settings.local_networking is False
    messages = _messages(settings.problems)
    assert "unknown key 'NSAllowArbitraryLoads' is ignored" in messages
    assert "NSAllowsLocalNetworking is a str, not a boolean" in messages
    where = {str(p.location) for p in settings.problems}
    assert f"{FILE}:/{ATS}/NSAllowArbitraryLoads" in where
    assert all(not p.refused for p in settings.problems)


def test_ats_that_is_not_a_dictionary_is_refused() -> None:
    settings = read_ats({ATS: ["NSAllowsArbitraryLoads"]}, FILE)
    assert settings.present and settings.exceptions == () and settings.pinned == ()
    (problem,) = settings.problems
    assert problem.refused and "not a dictionary" in problem.message


# --- read_ats: exception domains ----------------------------------------------------------------

def test_exception_domain_reads_every_key() -> None:
    settings = _ats({"NSExceptionDomains": {"Legacy.Example.COM.": {
        "NSIncludesSubdomains": True, "NSExceptionAllowsInsecureHTTPLoads": True,
        "NSExceptionMinimumTLSVersion": "TLSv1.0", "NSExceptionRequiresForwardSecrecy": False,
        "NSRequiresCertificateTransparency": True}}})
    (domain,) = settings.exceptions
    assert domain.name == "legacy.example.com"  # lower case, no trailing dot
    assert domain.include_subdomains and domain.insecure_http and domain.requires_ct
    assert domain.minimum_tls == "TLSv1.0" and domain.forward_secrecy is False
    assert domain.legacy_keys == ()
    assert str(domain.location) == f"{FILE}:/{ATS}/NSExceptionDomains/legacy.example.com"
    assert settings.problems == ()


def test_exception_domain_defaults() -> None:
    (domain,) = _ats({"NSExceptionDomains": {"a.example.com": {}}}).exceptions
    assert (domain.include_subdomains, domain.insecure_http, domain.minimum_tls,
            domain.forward_secrecy, domain.requires_ct) == (False, False, None, None, False)


@pytest.mark.parametrize("prefix", ["NSTemporaryException", "NSThirdPartyException"])
def test_legacy_exception_keys_are_folded_in(prefix: str) -> None:
    keys = {f"{prefix}AllowsInsecureHTTPLoads": True, f"{prefix}MinimumTLSVersion": "TLSv1.1",
            f"{prefix}RequiresForwardSecrecy": False}
    settings = _ats({"NSExceptionDomains": {"old.example.com": keys}})
    (domain,) = settings.exceptions
    assert domain.insecure_http and domain.minimum_tls == "TLSv1.1"
    assert domain.forward_secrecy is False
    assert set(domain.legacy_keys) == set(keys)
    assert settings.problems == ()


def test_current_key_wins_over_its_legacy_variant() -> None:
    (domain,) = _ats({"NSExceptionDomains": {"a.example.com": {
        "NSExceptionMinimumTLSVersion": "TLSv1.2",
        "NSTemporaryExceptionMinimumTLSVersion": "TLSv1.0"}}}).exceptions
    assert domain.minimum_tls == "TLSv1.2"


def test_exception_problems() -> None:
    settings = _ats({"NSExceptionDomains": {
        "a.example.com": {"NSIncludeSubdomains": True, "NSIncludesSubdomains": "YES"},
        "b.example.com": "not a dictionary"}})
    (domain,) = settings.exceptions
    assert domain.name == "a.example.com" and domain.include_subdomains is False
    messages = _messages(settings.problems)
    assert "unknown key 'NSIncludeSubdomains' is ignored" in messages
    assert "NSIncludesSubdomains is a str, not a boolean" in messages
    assert "settings of b.example.com are not a dictionary" in messages
    refused = [p for p in settings.problems if p.refused]
    assert [p.message for p in refused] == ["settings of b.example.com are not a dictionary"]


def test_exception_domains_that_are_not_a_dictionary_are_refused() -> None:
    settings = _ats({"NSExceptionDomains": ["a.example.com"]})
    assert settings.exceptions == ()
    assert _messages(settings.problems) == ["NSExceptionDomains is not a dictionary"]


def test_exception_values_of_the_wrong_type_are_problems() -> None:
    settings = _ats({"NSExceptionDomains": {"a.example.com": {
        "NSExceptionAllowsInsecureHTTPLoads": "YES", "NSExceptionMinimumTLSVersion": 1.2,
        "NSExceptionRequiresForwardSecrecy": "NO"}}})
    assert len(settings.problems) == 3, settings.problems


def test_non_string_key_in_a_binary_plist_is_no_crash() -> None:
    data = _binary_plist([
        ("dict", [(1, 2)]), ("str", ATS), ("dict", [(3, 4)]), ("str", "NSExceptionDomains"),
        ("dict", [(5, 6)]), ("str", "a.example.com"), ("dict", [(7, 8)]), ("int", 1),
        ("true",)])
    info = load_plist(data, FILE)
    assert info == {ATS: {"NSExceptionDomains": {"a.example.com": {1: True}}}}
    (domain,) = read_ats(info, FILE).exceptions
    assert domain.name == "a.example.com"


# --- read_ats: pinned domains -------------------------------------------------------------------

def test_pinned_domain_ca_and_leaf_identities() -> None:
    settings = _ats({"NSPinnedDomains": {"API.example.com": {
        "NSIncludesSubdomains": True,
        "NSPinnedCAIdentities": [{"SPKI-SHA256-BASE64": PIN_A}],
        "NSPinnedLeafIdentities": [{"SPKI-SHA256-BASE64": PIN_B}]}}})
    (pinned,) = settings.pinned
    assert pinned.name == "api.example.com" and pinned.include_subdomains
    assert [(i.kind, i.pin.value, i.pin.valid) for i in pinned.identities] == [
        ("ca", PIN_A, True), ("leaf", PIN_B, True)]
    assert str(pinned.identities[1].location) == (
        f"{FILE}:/{ATS}/NSPinnedDomains/api.example.com/NSPinnedLeafIdentities/0")
    assert settings.problems == ()


@pytest.mark.parametrize(("text", "problem"), [
    pytest.param(SHORT, "decodes to 31 bytes", id="31-bytes"),
    pytest.param("not base64!", "is not valid base64", id="not-base64"),
    pytest.param(PIN_A.rstrip("="), "is not valid base64", id="no-padding-is-strict"),
])
def test_pinned_identity_that_is_not_a_key_hash(text: str, problem: str) -> None:
    settings = _ats({"NSPinnedDomains": {"api.example.com": {
        "NSPinnedCAIdentities": [{"SPKI-SHA256-BASE64": text}]}}})
    (identity,) = settings.pinned[0].identities
    assert not identity.pin.valid and problem in (identity.pin.problem or "")
    (recorded,) = settings.problems
    assert recorded.refused and problem in recorded.message


def test_pinned_domain_problems() -> None:
    settings = _ats({"NSPinnedDomains": {
        "a.example.com": {"NSPinnedCAIdentities": {"SPKI-SHA256-BASE64": PIN_A}},
        "b.example.com": {"NSPinnedLeafIdentities": [{"SPKI-SHA256": PIN_A}, "text"]},
        "c.example.com": {"NSPinnedCAIdentity": [{"SPKI-SHA256-BASE64": PIN_A}]}}})
    messages = _messages(settings.problems)
    assert "NSPinnedCAIdentities is not an array" in messages
    assert "unknown key 'NSPinnedCAIdentity' is ignored" in messages
    for name in ("a", "c"):
        assert f"pinned domain {name}.example.com has no identity" in messages
    # Entries without a key hash stay identities that no key can match (rated PS5003).
    a, b, c = settings.pinned
    assert a.identities == () and c.identities == ()
    assert [i.pin.problem for i in b.identities] == [
        "is missing: no SPKI-SHA256-BASE64"] * 2
    assert not any(i.pin.valid for i in b.identities)


# --- read_trustkit -----------------------------------------------------------------------------

def test_no_trustkit_configuration() -> None:
    assert read_trustkit({}, FILE) is None


def test_trustkit_reads_every_domain_key() -> None:
    settings = _tsk({"API.Example.com": {
        "TSKPublicKeyHashes": [PIN_A, PIN_B], "TSKEnforcePinning": False,
        "TSKIncludeSubdomains": True, "TSKExpirationDate": "2027-06-30",
        "TSKReportUris": ["https://report.example.com/pins"],
        "TSKDisableDefaultReportUri": True, "TSKPublicKeyAlgorithms": ["TSKAlgorithmRsa2048"]}},
        TSKSwizzleNetworkDelegates=True)
    assert settings.swizzle is True and settings.problems == ()
    (domain,) = settings.domains
    assert domain.name == "api.example.com"
    assert [h.value for h in domain.hashes] == [PIN_A, PIN_B]
    assert domain.enforce is False and domain.include_subdomains is True
    assert domain.expiration == dt.date(2027, 6, 30) and domain.expiration_text == "2027-06-30"
    assert domain.report_uris == ("https://report.example.com/pins",)
    assert domain.excluded is False
    assert str(domain.location) == f"{FILE}:/TSKConfiguration/TSKPinnedDomains/api.example.com"


def test_trustkit_defaults() -> None:
    settings = _tsk({"api.example.com": {"TSKPublicKeyHashes": [PIN_A, PIN_B]}})
    (domain,) = settings.domains
    assert settings.swizzle is False
    assert domain.enforce is True  # TSKEnforcePinning defaults to YES
    assert (domain.include_subdomains, domain.expiration, domain.expiration_text,
            domain.report_uris, domain.excluded) == (False, None, None, (), False)


def test_trustkit_exclusion_key_as_trustkit_spells_it() -> None:
    assert TSK_EXCLUDE == "kSKExcludeSubdomainFromParentPolicy"
    settings = _tsk({"example.com": {"TSKPublicKeyHashes": [PIN_A, PIN_B],
                                     "TSKIncludeSubdomains": True},
                     "open.example.com": {TSK_EXCLUDE: True}})
    assert settings.problems == ()
    assert [d.excluded for d in settings.domains] == [False, True]


def test_trustkit_misspelled_exclusion_key_is_reported() -> None:
    settings = _tsk({"open.example.com": {"TSKExcludeSubdomainFromParentPolicy": True}})
    (domain,) = settings.domains
    assert domain.excluded is False
    (problem,) = settings.problems
    assert "'TSKExcludeSubdomainFromParentPolicy' is not the key TrustKit reads" in (
        problem.message)
    assert TSK_EXCLUDE in problem.message and not problem.refused
    assert problem.location.element == (
        "/TSKConfiguration/TSKPinnedDomains/open.example.com/TSKExcludeSubdomainFromParentPolicy")


@pytest.mark.parametrize("text", ["2027/06/30", "30-06-2027", "soon", "2027-02-30"])
def test_trustkit_bad_expiration_date(text: str) -> None:
    settings = _tsk({"api.example.com": {"TSKPublicKeyHashes": [PIN_A, PIN_B],
                                         "TSKExpirationDate": text}})
    (domain,) = settings.domains
    assert domain.expiration is None and domain.expiration_text == text
    (problem,) = settings.problems
    # TrustKit drops a date it cannot read; it does not refuse the configuration.
    assert not problem.refused
    assert problem.message == f"TSKExpirationDate {text!r} is not yyyy-MM-dd"


def test_trustkit_bad_hashes_decode_as_invalid() -> None:
    settings = _tsk({"api.example.com": {"TSKPublicKeyHashes": [PIN_A, SHORT, 42]}})
    hashes = settings.domains[0].hashes
    assert [h.valid for h in hashes] == [True, False, False]
    assert "31 bytes" in (hashes[1].problem or "") and "0 bytes" in (hashes[2].problem or "")


def test_trustkit_problems() -> None:
    settings = _tsk({"api.example.com": {"TSKPublicKeyHashes": [PIN_A, PIN_B],
                                         "TSKEnforcePining": False,
                                         "TSKEnforcePinning": "NO"}},
                    TSKSwizzleNetworkDelegate=True)
    messages = _messages(settings.problems)
    assert "unknown key 'TSKSwizzleNetworkDelegate' is ignored" in messages
    assert "unknown key 'TSKEnforcePining' is ignored" in messages
    assert "TSKEnforcePinning is a str, not a boolean" in messages
    assert settings.domains[0].enforce is True


def test_trustkit_configuration_that_is_not_a_dictionary() -> None:
    settings = read_trustkit({"TSKConfiguration": "on"}, FILE)
    assert settings is not None and settings.domains == ()
    (problem,) = settings.problems
    assert problem.refused and "TSKConfiguration is not a dictionary" in problem.message
