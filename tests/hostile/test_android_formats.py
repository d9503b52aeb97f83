"""Hostile Android formats, generated here: XML with entities, broken compiled XML and
resource tables, DEX files with lying offsets, garbage and enormous keystores.

Each input is tried twice: against its parser in process (the documented error, or a
skipped entry with its reason), and inside an APK through the real command line under the
bounds of :mod:`harness`, where the report must say what could not be read.
"""

from __future__ import annotations

import base64
import http.server
import json
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import make_cert, sample_apk
from cryptography.hazmat.primitives import serialization
from harness import Outcome, scan_bounded

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.facts.code import analyse_code
from mstg_pinscan.facts.dex import INVOKE, INVOKE_RANGE, DexFile, decode
from mstg_pinscan.facts.keystores import KeystoreFormatError, read_jks
from mstg_pinscan.facts.manifest import parse_manifest
from mstg_pinscan.facts.nsc import parse_network_security_config
from mstg_pinscan.facts.resources import ResourceTable
from mstg_pinscan.facts.xml import parse_android_xml

NSC = "res/xml/network_security_config.xml"
MANIFEST = "AndroidManifest.xml"
_MiB = 1024 * 1024


# --- building blocks ---------------------------------------------------------------------------

def _entry(app: str, name: str) -> bytes:
    with zipfile.ZipFile(sample_apk(app)) as archive:
        return archive.read(name)


def _apk(tmp_path: Path, app: str, entries: dict[str, bytes], *, stored: bool = False) -> Path:
    """A copy of a sample APK with ``entries`` replaced or added (unsigned: not needed)."""
    path = tmp_path / f"{app}-hostile.apk"
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(sample_apk(app)) as source, zipfile.ZipFile(path, "w", method) as out:
        for info in source.infolist():
            if info.filename not in entries:
                out.writestr(info.filename, source.read(info))
        for name, data in entries.items():
            out.writestr(name, data)
    return path


def _patched(data: bytes, offset: int, value: int, fmt: str = "<I") -> bytes:
    patched = bytearray(data)
    struct.pack_into(fmt, patched, offset, value)
    return bytes(patched)


def _chunks(data: bytes, start: int) -> Iterator[tuple[int, int]]:
    """(type, offset) of the chunks of compiled XML or a resource table, packages entered."""
    position = start
    while position + 8 <= len(data):
        kind, header, size = struct.unpack_from("<HHI", data, position)
        yield kind, position
        position += header if kind == 0x0200 else size


def _first_chunk(data: bytes, kind: int, start: int = 8) -> int:
    return next(offset for found, offset in _chunks(data, start) if found == kind)


def _pem(count: int = 1) -> bytes:
    cert, _ = make_cert("hostile.example")
    return cert.public_bytes(serialization.Encoding.PEM) * count


def _der() -> bytes:
    cert, _ = make_cert("hostile.example")
    return cert.public_bytes(serialization.Encoding.DER)


def _skipped(outcome: Outcome, item: str, *words: str) -> str:
    assert outcome.code in (0, 1), outcome.stderr
    assert item in outcome.skipped, f"{item} not in {outcome.skipped}"
    reason = outcome.skipped[item]
    for word in words:
        assert word in reason, reason
    return reason


def _verdict(outcome: Outcome) -> str:
    assert outcome.report is not None
    return str(outcome.report["verdict"]["status"])


# --- plain-text XML: entities ------------------------------------------------------------------

def _laughs(levels: int = 9) -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1))
    return (f'<?xml version="1.0"?><!DOCTYPE network-security-config [<!ENTITY l0 "lol">'
            f"{entities}]><network-security-config><domain-config><domain>&l{levels};"
            "</domain></domain-config></network-security-config>").encode()


def _external(url: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE network-security-config [<!ENTITY x SYSTEM '
            f'"{url}">]><network-security-config><domain-config><domain>&x;</domain>'
            '<domain>x.example</domain></domain-config></network-security-config>').encode()


def test_billion_laughs_is_refused_by_the_xml_reader() -> None:
    started = time.monotonic()
    with pytest.raises(FactError, match="not well-formed XML: .*amplification") as caught:
        parse_android_xml(_laughs(), NSC)
    assert caught.value.path == NSC
    assert time.monotonic() - started < 1


def test_billion_laughs_in_an_apk_is_skipped_and_the_scan_is_inconclusive(
    tmp_path: Path,
) -> None:
    outcome = scan_bounded(_apk(tmp_path, "pinned_backup", {NSC: _laughs()}), tmp_path)
    _skipped(outcome, NSC, "not well-formed XML", "amplification")
    assert _verdict(outcome) == "inconclusive"
    assert "lollol" not in json.dumps(outcome.report)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"fetched.example")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on localhost that records every request it gets."""
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/nsc.dtd", _Recorder.requests
    server.shutdown()
    server.server_close()


def _nsc_domains(data: bytes) -> list[str]:
    root = parse_android_xml(data, NSC)
    config = parse_network_security_config(root, NSC, lambda ref: ())
    return [d.name for c in config.all_domain_configs() for d in c.domains]


def test_external_entities_are_not_read_or_fetched(local_server: tuple[str, list[str]]) -> None:
    url, requests = local_server
    passwd = Path("/etc/passwd").read_text().split(":")[0]  # "root" on any Linux
    assert _nsc_domains(_external("file:///etc/passwd")) == ["", "x.example"]
    assert _nsc_domains(_external(url)) == ["", "x.example"]
    assert passwd not in "".join(_nsc_domains(_external("file:///etc/passwd")))
    time.sleep(0.2)
    assert requests == []


def test_external_entities_in_an_apk_are_not_read_or_fetched(
    tmp_path: Path, local_server: tuple[str, list[str]],
) -> None:
    url, requests = local_server
    for source in ("file:///etc/passwd", url):
        outcome = scan_bounded(_apk(tmp_path, "pinned_backup", {NSC: _external(source)}),
                               tmp_path)
        assert outcome.code in (0, 1), outcome.stderr
        text = json.dumps(outcome.report)
        assert "root:x:0" not in text and "/bin/" not in text and "fetched.example" not in text
        # The entity stays unexpanded: the domain is empty, which Android refuses.
        assert "<domain> without a host name" in text
    time.sleep(0.2)
    assert requests == []


# --- compiled XML: the manifest ----------------------------------------------------------------

def _manifest() -> bytes:
    return _entry("pinned_backup", MANIFEST)


def _start_tag(data: bytes) -> int:
    return _first_chunk(data, 0x0102)


MANIFESTS = {
    # The string pool claims two billion strings: androguard reads only what fits.
    "string count huge": (lambda m: _patched(m, 16, 0x7FFFFFFF), None),
    "string pool past the end": (lambda m: _patched(m, 12, 0x7FFFFFF0), "malformed binary XML"),
    "file size past the end": (lambda m: _patched(m, 4, 0x7FFFFFF0), "malformed binary XML"),
    "strings start past the end": (lambda m: _patched(m, 28, 0x7FFFFFF0), "malformed binary"),
    "element chunk past the end": (lambda m: _patched(m, _start_tag(m) + 4, 0x7FFFFFF0),
                                   "malformed binary XML"),
    "attribute count huge": (lambda m: _patched(m, _start_tag(m) + 28, 0xFFFF, "<H"),
                             "malformed binary XML"),
    # The <manifest> element's name points outside the string pool: it is dropped.
    "name index out of range": (lambda m: _patched(m, _start_tag(m) + 20, 0xFFFFFFF0),
                                "not <manifest>"),
}


@pytest.mark.parametrize(("make", "error"), MANIFESTS.values(), ids=MANIFESTS.keys())
def test_a_broken_manifest_is_read_or_refused_with_a_fact_error(
    make: Callable[[bytes], bytes], error: str | None,
) -> None:
    resources = ResourceTable.lazy(_entry("pinned_backup", "resources.arsc"))
    if error is None:
        assert parse_manifest(make(_manifest()), resources).package
        return
    with pytest.raises(FactError, match=error) as caught:
        parse_manifest(make(_manifest()), resources)
    assert caught.value.path == MANIFEST


@pytest.mark.parametrize("case", ["string pool past the end", "name index out of range"])
def test_a_broken_manifest_in_an_apk_ends_in_exit_2(tmp_path: Path, case: str) -> None:
    make, error = MANIFESTS[case]
    outcome = scan_bounded(_apk(tmp_path, "pinned_backup", {MANIFEST: make(_manifest())}),
                           tmp_path)
    assert outcome.code == 2
    assert f"{MANIFEST}: " in outcome.stderr and error in outcome.stderr


def test_a_manifest_with_a_huge_string_count_is_still_read(tmp_path: Path) -> None:
    make, _ = MANIFESTS["string count huge"]
    outcome = scan_bounded(_apk(tmp_path, "pinned_backup", {MANIFEST: make(_manifest())}),
                           tmp_path)
    assert outcome.code in (0, 1) and outcome.report is not None
    assert outcome.report["app"]["id"] == "org.pinscan.sample.pinned_backup"


# --- compiled XML: resources.arsc --------------------------------------------------------------

def _table() -> bytes:
    return _entry("pinned_backup", "resources.arsc")


TABLES = {
    "package chunk past the end": lambda t: _patched(t, _first_chunk(t, 0x0200, 12) + 4,
                                                     0x7FFFFFF0),
    "string pool past the end": lambda t: _patched(t, 16, 0x7FFFFFF0),
    "type entry count huge": lambda t: _patched(t, _first_chunk(t, 0x0201, 12) + 12,
                                                0x7FFFFFFF),
    "type entries past the end": lambda t: _patched(t, _first_chunk(t, 0x0201, 12) + 16,
                                                    0x7FFFFFF0),
    "table size past the end": lambda t: _patched(t, 4, 0x7FFFFFF0),
}


@pytest.mark.parametrize("make", TABLES.values(), ids=TABLES.keys())
def test_a_broken_resource_table_resolves_nothing_and_says_why(
    make: Callable[[bytes], bytes],
) -> None:
    table = ResourceTable.lazy(make(_table()))
    assert table.resolve("@7F020000") == ()
    assert table.name("@7F020000") is None
    assert not table.available
    assert table.error and table.error.startswith("malformed resources.arsc (")


def test_resource_indices_out_of_range_resolve_nothing() -> None:
    table = ResourceTable.lazy(_table())
    assert table.resolve("@7F02FFFF") == ()
    assert table.resolve("@7FFF0000") == ()
    assert table.resolve("@00000000") == ()
    assert table.resolve_bool("@7F7F7F7F") is None
    assert table.error is None


@pytest.mark.parametrize("case", ["package chunk past the end", "type entry count huge"])
def test_a_broken_resource_table_in_an_apk_is_skipped(tmp_path: Path, case: str) -> None:
    apk = _apk(tmp_path, "pinned_backup", {"resources.arsc": TABLES[case](_table())})
    outcome = scan_bounded(apk, tmp_path)
    _skipped(outcome, "resources.arsc", "malformed resources.arsc",
             "resource references cannot be resolved")
    _skipped(outcome, "networkSecurityConfig @7F020000", "does not resolve")
    assert _verdict(outcome) == "inconclusive"


# --- DEX ---------------------------------------------------------------------------------------

def _dex() -> bytes:
    return _entry("trust_all", "classes.dex")


def _code_offsets(data: bytes) -> list[int]:
    dex = DexFile(data, "classes.dex")
    return [offset for c in dex.classes() for _, offset in c.methods()]


def _invokes_out_of_range(data: bytes) -> bytes:
    dex, patched = DexFile(data, "classes.dex"), bytearray(data)
    for offset in _code_offsets(data):
        for ins in decode(dex.code_units(offset)[1]):
            if ins.opcode in INVOKE or ins.opcode in INVOKE_RANGE:
                struct.pack_into("<H", patched, offset + 16 + ins.offset * 2 + 2, 0xFFFF)
    return bytes(patched)


def _class_data_overflow(data: bytes) -> bytes:
    dex, patched = DexFile(data, "classes.dex"), bytearray(data)
    last = max(c.class_data_off for c in dex.classes())
    patched[last:last + 6] = b"\xff" * 6  # a uleb128 that never ends
    return bytes(patched)


DEXES = {
    "string_ids past the end": (lambda d: _patched(d, 0x3C, len(d) - 4),
                                "classes.dex", "DEX file cannot be read: an id table lies"),
    "string count huge": (lambda d: _patched(d, 0x38, 0x7FFFFFFF),
                          "classes.dex", "an id table lies outside the file"),
    "method count huge": (lambda d: _patched(d, 0x58, 0x7FFFFFFF),
                          "classes.dex", "an id table lies outside the file"),
    "method index out of range": (_invokes_out_of_range,
                                  "classes*.dex", "method index 65535 out of range"),
    "class_data uleb128 overflow": (_class_data_overflow,
                                    "classes*.dex", "uleb128 longer than five bytes"),
    "insns_size huge": (lambda d: _patched(d, _code_offsets(d)[-1] + 12, 0x7FFFFFFF),
                        "classes*.dex", "instructions run past the end of the file"),
    "tries_size huge": (lambda d: _patched(d, _code_offsets(d)[0] + 6, 0xFFFF, "<H"),
                        "classes.dex", "DEX code cannot be analysed: truncated uleb128"),
}


@pytest.mark.parametrize(("make", "item", "reason"), DEXES.values(), ids=DEXES.keys())
def test_a_broken_dex_is_skipped_with_its_reason(
    make: Callable[[bytes], bytes], item: str, reason: str,
) -> None:
    started = time.monotonic()
    facts = analyse_code([("classes.dex", make(_dex()))], "org.pinscan.sample.trust_all",
                         lambda resource_id: ())
    assert time.monotonic() - started < 2
    assert [(s.item, reason in s.reason) for s in facts.skipped] == [(item, True)]


@pytest.mark.parametrize("case", ["string_ids past the end", "method index out of range"])
def test_a_broken_dex_in_an_apk_is_skipped(tmp_path: Path, case: str) -> None:
    make, item, reason = DEXES[case]
    outcome = scan_bounded(_apk(tmp_path, "trust_all", {"classes.dex": make(_dex())}), tmp_path)
    _skipped(outcome, item, reason)
    assert outcome.report is not None and outcome.report["analysis"]["complete"] is False


# --- certificates and keystores -----------------------------------------------------------------

def _jks(count: int, entries: bytes = b"") -> bytes:
    return b"\xfe\xed\xfe\xed" + struct.pack(">II", 2, count) + entries


def _jks_certificate(length: int, der: bytes) -> bytes:
    return (struct.pack(">IH", 2, 2) + b"ca" + b"\0" * 8 + struct.pack(">H", 5) + b"X.509"
            + struct.pack(">I", length) + der)


def _nested(depth: int) -> bytes:
    inner = b"\x05\x00"
    for _ in range(depth):
        inner = b"\x30\x84" + struct.pack(">I", len(inner)) + inner
    return inner


def _pkcs12_junk() -> bytes:
    body = b"\x02\x01\x03" + bytes(range(256)) * 4
    return b"\x30\x82" + struct.pack(">H", len(body)) + body


STORES = {
    "JKS claiming 2^31 entries": (_jks(2**31), "JKS keystore cannot be read: implausible entry"),
    "JKS certificate past the end": (_jks(1, _jks_certificate(0x7FFFFFFF, _der())),
                                     "JKS keystore cannot be read: truncated keystore"),
    "PKCS#12 of junk": (_pkcs12_junk(), "PKCS#12 store cannot be parsed"),
}


@pytest.mark.parametrize(("data", "reason"), STORES.values(), ids=STORES.keys())
def test_a_broken_store_is_skipped_with_its_reason(data: bytes, reason: str) -> None:
    scan = read_certificate_file(data, "assets/store")
    assert not scan.certificates
    assert [s.item for s in scan.skipped] == ["assets/store"]
    assert reason in scan.skipped[0].reason


def test_the_jks_reader_refuses_an_implausible_count_before_reading() -> None:
    with pytest.raises(KeystoreFormatError, match="implausible entry count 2147483648"):
        read_jks(_jks(2**31))


def test_deeply_nested_asn1_is_not_a_certificate() -> None:
    for data in (_nested(20_000), b"\x30\x82\xff\xff" + b"\x30\x80" * 30_000):
        started = time.monotonic()
        scan = read_certificate_file(data, "assets/deep.der")
        assert time.monotonic() - started < 1
        assert not scan.certificates and not scan.private_keys


def test_many_megabytes_of_pem_blocks_stop_at_the_limit() -> None:
    data = _pem(12_000)  # about 12 MiB, the same certificate again and again
    started = time.monotonic()
    scan = read_certificate_file(data, "assets/many.pem")
    assert time.monotonic() - started < 5
    assert len(scan.certificates) == 1000  # the per-file limit
    assert scan.certificates[-1].path == "assets/many.pem#1000"


@pytest.mark.parametrize("case", STORES.keys())
def test_a_broken_store_in_an_apk_is_skipped(tmp_path: Path, case: str) -> None:
    data, reason = STORES[case]
    outcome = scan_bounded(_apk(tmp_path, "pinned_backup", {"assets/evil": data}), tmp_path)
    _skipped(outcome, "assets/evil", reason)


def test_enormous_certificate_files_in_an_apk_stay_within_bounds(tmp_path: Path) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n" * 400_000  # 13 MiB, no END line
    junk = b"\x30\x82\xff\xf0\x30\x82\x00\x00\xa0\x03\x02\x01\x02" * (4 * _MiB // 13)
    entries = {"assets/open.pem": pem, "assets/deep.der": _nested(20_000),
               "assets/many.pem": _pem(8_000), "lib/arm64-v8a/libjunk.so": junk}
    # Stored, not deflated: text this regular would trip the zip-bomb ratio check first.
    outcome = scan_bounded(_apk(tmp_path, "pinned_backup", entries, stored=True), tmp_path)
    assert outcome.code in (0, 1), outcome.stderr
    _skipped(outcome, "lib/arm64-v8a/libjunk.so", "search for embedded certificates stopped")
    assert outcome.report is not None
    paths = [c["path"] for c in outcome.report["certificates"]]
    assert not [p for p in paths if p.startswith(("assets/open.pem", "assets/deep.der"))]
    assert any(p.startswith("assets/many.pem#") for p in paths)


def test_a_pem_body_that_is_not_base64_is_skipped() -> None:
    block = b"-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"\0" * 64)[:-3] + b"!!!\n"
    scan = read_certificate_file(block + b"-----END CERTIFICATE-----\n", "res/raw/x.pem")
    assert [s.item for s in scan.skipped] == ["res/raw/x.pem"]
    assert "PEM CERTIFICATE block cannot be parsed" in scan.skipped[0].reason
