"""Inputs the Android fuzz targets (fuzz/fuzz_dex.py, fuzz/fuzz_certs.py) found, rebuilt
in code. Each once escaped its parser as an exception other than the documented one."""

from __future__ import annotations

import base64
import struct
import time
import zipfile
from collections.abc import Callable

import pytest
from conftest import make_cert, sample_apk
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from mstg_pinscan.facts.blobs import scan_blob
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.facts.code import analyse_code
from mstg_pinscan.facts.dex import DexFile

CN_OID = bytes.fromhex("0603550403")  # 2.5.4.3, commonName


def _dex(app: str = "trust_all") -> bytes:
    with zipfile.ZipFile(sample_apk(app)) as archive:
        return archive.read("classes.dex")


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _jks(*certificates: bytes) -> bytes:
    """A JKS store of trusted-certificate entries (no integrity digest: it is not read)."""
    out = b"\xfe\xed\xfe\xed" + struct.pack(">II", 2, len(certificates))
    for index, der in enumerate(certificates):
        alias = f"ca{index}".encode()
        out += struct.pack(">IH", 2, len(alias)) + alias + b"\0" * 8
        out += struct.pack(">H", 5) + b"X.509" + struct.pack(">I", len(der)) + der
    return out


# --- DEX ---------------------------------------------------------------------------------------

def test_an_empty_id_table_may_point_past_the_end() -> None:
    """struct.error: an empty string table whose offset lay past the end was unpacked."""
    data = bytearray(_dex())
    struct.pack_into("<II", data, 0x38, 0, 0xFFFF0000)  # string_ids: size 0, far offset
    struct.pack_into("<II", data, 0x40, 0, 0xFFFF0000)  # type_ids likewise
    dex = DexFile(bytes(data), "classes.dex")
    assert dex.string_data_region() == (0, 0)
    facts = analyse_code([("classes.dex", bytes(data))], "org.example", lambda _: ())
    assert facts.skipped and "classes.dex" in facts.skipped[0].item


def test_a_string_with_a_surrogate_and_a_bad_byte_still_decodes() -> None:
    """UnicodeDecodeError: an 0xED byte chose the surrogatepass decoder, which then failed
    on another invalid byte, so the whole DEX file was skipped."""
    data = bytearray(_dex())
    (string_off,) = struct.unpack_from("<I", data, 0x3C)
    dex = DexFile(bytes(data), "classes.dex")
    index = next(i for i in range(50) if len(dex.string(i)) >= 3)
    (start,) = struct.unpack_from("<I", data, string_off + index * 4)
    data[start + 1:start + 3] = b"\xed\xff"  # after the one-byte uleb128 length
    text = DexFile(bytes(data), "classes.dex").string(index)
    assert "\ufffd" in text


def test_two_classes_may_share_one_class_data_item() -> None:
    """TypeError: the method index sorted (offset, ClassDef) pairs, and equal offsets made
    it compare two ClassDefs."""
    data = bytearray(_dex())
    (count, class_off) = struct.unpack_from("<II", data, 0x60)
    offsets = [struct.unpack_from("<I", data, class_off + i * 32 + 24)[0] for i in range(count)]
    first, second = [i for i, offset in enumerate(offsets) if offset][:2]
    struct.pack_into("<I", data, class_off + second * 32 + 24, offsets[first])
    facts = analyse_code([("classes.dex", bytes(data))], "org.pinscan.sample.trust_all",
                         lambda _: ())
    assert not facts.skipped
    assert facts.bypasses


# --- certificates ------------------------------------------------------------------------------

def _cert_der() -> bytes:
    return _der(make_cert("fuzz.example")[0])


def _broken_key(der: bytes) -> bytes:
    # The RSA key inside the SPKI bit string is a SEQUENCE; make it a SET.
    cert = x509.load_der_x509_certificate(der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    key_start = der.index(spki) + spki.index(b"\x03\x82") + 5
    assert der[key_start] == 0x30
    return der[:key_start] + b"\x31" + der[key_start + 1:]


def _unknown_name_tag(der: bytes) -> bytes:
    # The issuer's commonName as an INTEGER: cryptography looks the tag up and fails.
    at = der.index(CN_OID) + len(CN_OID)
    return der[:at] + b"\x02" + der[at + 1:]


def _duplicate_extension() -> bytes:
    cert, key = make_cert("fuzz.example")
    builder = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
               .public_key(cert.public_key()).serial_number(1)
               .not_valid_before(cert.not_valid_before_utc)
               .not_valid_after(cert.not_valid_after_utc)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier(b"\1" * 20), critical=False))
    der = _der(builder.sign(key, hashes.SHA256()))  # type: ignore[arg-type]
    # Rename the subjectKeyIdentifier (2.5.29.14) to basicConstraints (2.5.29.19).
    return der.replace(bytes.fromhex("0603551d0e"), bytes.fromhex("0603551d13"))


def _bad_version(der: bytes) -> bytes:
    at = der.index(b"\xa0\x03\x02\x01\x02")
    return der[:at + 4] + b"\x42" + der[at + 5:]  # version 66


BROKEN = {
    "public key": lambda: _broken_key(_cert_der()),
    "name tag": lambda: _unknown_name_tag(_cert_der()),
    "duplicate extension": _duplicate_extension,
    "version": lambda: _bad_version(_cert_der()),
}


@pytest.mark.parametrize("make", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_certificate_in_a_keystore_is_skipped(make: Callable[[], bytes]) -> None:
    """ValueError, KeyError, DuplicateExtension, InvalidVersion escaped certificate_info or
    the loader (cryptography parses lazily)."""
    good = _cert_der()
    scan = read_certificate_file(_jks(make(), good), "assets/store.jks")
    assert [c.path for c in scan.certificates] == ["assets/store.jks#2"]
    assert [s.item for s in scan.skipped] == ["assets/store.jks#1"]
    assert "cannot be parsed" in scan.skipped[0].reason


@pytest.mark.parametrize("make", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_certificate_alone_or_embedded_is_not_a_crash(
    make: Callable[[], bytes],
) -> None:
    der = make()
    scan = read_certificate_file(der, "assets/ca.der")
    assert not scan.certificates
    blob = scan_blob(b"\0" * 16 + der + b"\0" * 16, "lib/arm64-v8a/libx.so", False)
    assert not blob.certificates


def test_a_broken_certificate_in_a_pem_block_is_skipped() -> None:
    """The PEM path caught ValueError only; a KeyError from the name escaped."""
    der = _unknown_name_tag(_cert_der())
    block = x509.load_der_x509_certificate(_cert_der()).public_bytes(
        serialization.Encoding.PEM)
    body = base64.encodebytes(der)
    bad = b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"
    scan = read_certificate_file(bad + block, "res/raw/ca.pem")
    assert [s.item for s in scan.skipped] == ["res/raw/ca.pem#1"]
    assert [c.path for c in scan.certificates] == ["res/raw/ca.pem#2"]


def test_many_unterminated_pem_blocks_take_linear_time() -> None:
    """Found while fixing the above: BEGIN lines without END took quadratic time (half a
    megabyte of them ran for 50 s)."""
    data = b"-----BEGIN CERTIFICATE-----\nMIIB\n" * 500_000  # 16 MiB
    started = time.monotonic()
    scan = read_certificate_file(data, "assets/many.pem")
    assert time.monotonic() - started < 3
    assert not scan.certificates and not scan.skipped


def test_a_search_through_certificate_shaped_junk_gives_up_and_says_so() -> None:
    """Every DER-shaped start was parsed: 64 MiB of them took over ten seconds."""
    junk = b"\x30\x82\xff\xf0\x30\x82\x00\x00\xa0\x03\x02\x01\x02" * 200_000
    started = time.monotonic()
    blob = scan_blob(junk, "lib/arm64-v8a/libjunk.so", known_certificates=False)
    assert time.monotonic() - started < 3
    assert [s.item for s in blob.skipped] == ["lib/arm64-v8a/libjunk.so"]
    assert "stopped" in blob.skipped[0].reason
