"""Certificates and keystores found by content, parsed with cryptography and our readers.

The stores under sample_apps/pki/ were made with keytool and openssl by
sample_apps/make_fixtures.py, so these tests check our readers against the real tools.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, make_cert, sample_apk
from cryptography.hazmat.primitives import serialization

from mstg_pinscan.facts import keystores
from mstg_pinscan.facts.android import collect_android_facts
from mstg_pinscan.facts.certs import read_certificate_file
from mstg_pinscan.unpack import open_bundle

PKI = ROOT / "sample_apps" / "pki"
PINS = json.loads((PKI / "pins.json").read_text())


def _read(name: str):  # noqa: ANN202
    return read_certificate_file((PKI / name).read_bytes(), name)


@pytest.mark.parametrize(
    ("name", "container", "pins"),
    [
        ("root_ca.pem", "pem", ["root"]),
        ("root_ca.der", "der", ["root"]),
        ("chain.pem", "pem", ["leaf", "intermediate", "root"]),
        ("stores/truststore.jks", "jks", ["root"]),
        ("stores/truststore.bks", "bks", ["root", "intermediate"]),
        ("stores/chain.p7b", "pkcs7", ["root", "intermediate"]),
        ("stores/chain.p7c.pem", "pkcs7", ["root", "intermediate"]),
        ("stores/client.p12", "pkcs12", ["leaf", "intermediate", "root"]),
    ],
)
def test_certificates_and_pins(name: str, container: str, pins: list[str]) -> None:
    scan = _read(name)
    assert scan.skipped == []
    assert {c.container for c in scan.certificates} == {container}
    assert sorted(c.spki_sha256 for c in scan.certificates) == sorted(PINS[p] for p in pins)


def test_certificate_details() -> None:
    (root,) = _read("root_ca.pem").certificates
    assert "CN=Pinscan Demo Root CA" in root.subject
    assert root.is_ca and root.self_signed
    assert root.key == "RSA 2048" and root.signature_hash == "sha256"
    (leaf,) = _read("leaf.pem").certificates
    assert not leaf.is_ca and not leaf.self_signed


def test_weak_and_expired() -> None:
    (weak,) = _read("weak.pem").certificates
    assert weak.key == "RSA 1024" and weak.signature_hash == "sha1"
    (expired,) = _read("expired.der").certificates
    assert expired.not_after.year == 2020


def test_private_keys_are_found() -> None:
    assert [k.container for k in _read("stores/client.p12").private_keys] == ["pkcs12"]
    assert [k.key for k in _read("leaf.key.pem").private_keys] == ["RSA 2048"]


def test_password_protected_pkcs12_is_skipped_with_a_reason() -> None:
    scan = _read("stores/locked.p12")
    assert scan.certificates == [] and "password" in scan.skipped[0].reason


@pytest.mark.parametrize(
    "data",
    [keystores.JKS_MAGIC + b"\x00\x00\x00\x02\x00\x00\x00\x05", keystores.JKS_MAGIC + b"\xff"],
    ids=["jks-truncated", "jks-bad-version"],
)
def test_damaged_keystores_are_skipped(data: bytes) -> None:
    scan = read_certificate_file(data, "bad.jks")
    assert scan.certificates == [] and scan.skipped


def test_truncated_jks_from_keytool() -> None:
    data = (PKI / "stores" / "truststore.jks").read_bytes()
    scan = read_certificate_file(data[: len(data) // 2], "half.jks")
    assert scan.certificates == [] and "truncated" in scan.skipped[0].reason


def test_garbage_pem_is_skipped() -> None:
    scan = read_certificate_file(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                 "x.pem")
    assert scan.certificates == [] and "cannot be parsed" in scan.skipped[0].reason


def test_non_certificate_der_is_ignored() -> None:
    assert read_certificate_file(b"\x30\x82\x00\x02\x05\x00", "blob").certificates == []


def test_ec_certificate() -> None:
    from conftest import make_key

    cert, _ = make_cert("ec.example", key=make_key("ec"))
    scan = read_certificate_file(cert.public_bytes(serialization.Encoding.PEM), "ec.pem")
    assert scan.certificates[0].key == "EC secp256r1"


def test_found_by_content_anywhere_in_the_apk() -> None:
    with open_bundle(sample_apk("keystores")) as bundle:
        facts = collect_android_facts(bundle)
    paths = {c.path.split("#")[0] for c in facts.certificates}
    assert "assets/data/blob.bin" in paths  # a DER certificate under a misleading name
    assert {"assets/stores/truststore.jks", "assets/stores/truststore.bks",
            "assets/stores/chain.p7b", "assets/weak/weak.crt"} <= paths
    assert not any(p.startswith("META-INF/") for p in paths)  # the signing cert is not TLS
    keys = {k.path.split("#")[0] for k in facts.private_keys}
    assert {"assets/stores/client.p12", "assets/keys/client_key.pem"} <= keys
    assert any("locked.p12" in s.item for s in facts.skipped)
