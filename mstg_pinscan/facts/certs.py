"""Facts about certificates and private keys bundled anywhere in the app, found by content.

Files are recognised by what they hold, not by their names: PEM blocks, DER certificates,
PKCS#7 bundles, PKCS#12 stores without a password, JKS/JCEKS and BKS keystores.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import SignatureAlgorithmOID

from mstg_pinscan.facts import keystores
from mstg_pinscan.models import CertificateInfo, PrivateKeyInfo, Skipped
from mstg_pinscan.pins import spki_pin

_logger = logging.getLogger(__name__)

_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n")
_MAX_CERTS_PER_FILE = 1000
_PKCS7_OID = bytes.fromhex("06092a864886f70d010702")
# What cryptography raises for a certificate whose fields cannot be decoded. It parses
# lazily: a certificate that loads may still fail when its key, names or dates are read.
# NOTE: a name attribute with an unknown ASN.1 string tag raises KeyError from
# cryptography's own name decoding, so KeyError is one of them. A repeated extension
# makes the certificate invalid (RFC 5280 4.2), as it is to Android.
UNREADABLE = (ValueError, TypeError, KeyError, UnsupportedAlgorithm, x509.InvalidVersion,
              x509.DuplicateExtension, x509.UnsupportedGeneralNameType)


@dataclass
class CertificateScan:
    """What was found in one or more files."""

    certificates: list[CertificateInfo] = field(default_factory=list)
    private_keys: list[PrivateKeyInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def extend(self, other: CertificateScan) -> None:
        """Add everything ``other`` found."""
        self.certificates.extend(other.certificates)
        self.private_keys.extend(other.private_keys)
        self.skipped.extend(other.skipped)


def might_hold_certificates(head: bytes) -> bool:
    """Cheap test on a file's first bytes: could it be a certificate or keystore?"""
    return (
        head.startswith((b"\x30\x82", b"\x30\x81", keystores.JKS_MAGIC, keystores.JCEKS_MAGIC))
        or keystores.is_bks(head)
        or b"-----BEGIN" in head
        or _looks_textual(head)
    )


def read_certificate_file(data: bytes, path: str) -> CertificateScan:
    """Parse every certificate and key in one file; unreadable stores become ``skipped``."""
    with warnings.catch_warnings():
        # Real-world certificates break RFC 5280 in small ways (negative serials) that
        # cryptography only warns about; the report already shows them as they are.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _read_certificate_file(data, path)


def _read_certificate_file(data: bytes, path: str) -> CertificateScan:
    scan = CertificateScan()
    if b"-----BEGIN" in data:
        _read_pem(data, path, scan)
    elif data.startswith((keystores.JKS_MAGIC, keystores.JCEKS_MAGIC)):
        _read_keystore(data, path, "jks", scan)
    elif data.startswith((b"\x30\x82", b"\x30\x81")):
        _read_der(data, path, scan)
    elif keystores.is_bks(data):
        _read_keystore(data, path, "bks", scan)
    return scan


def certificate_info(
    cert: x509.Certificate, path: str, container: str, alias: str | None = None
) -> CertificateInfo:
    """Describe one certificate the way reports show it.

    Raises one of :data:`UNREADABLE` when a field of the certificate cannot be decoded.
    """
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key, bits = describe_key(cert.public_key())
    try:
        hash_algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    with warnings.catch_warnings():
        # Names that break the X.520 length limits still print; cryptography only warns.
        warnings.simplefilter("ignore", UserWarning)
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    return CertificateInfo(
        path=path,
        container=container,
        subject=subject,
        issuer=issuer,
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc.date(),
        not_after=cert.not_valid_after_utc.date(),
        self_signed=_self_signed(cert),
        is_ca=_is_ca(cert),
        key=key,
        key_bits=bits,
        signature_hash=hash_algorithm.name if hash_algorithm else None,
        spki_sha256=spki_pin(spki),
        sha256=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        alias=alias,
    )


def describe_key(key: object) -> tuple[str, int]:
    """Return a short description (``RSA 2048``, ``EC secp256r1``) and the key size."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return f"RSA {key.key_size}", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return f"DSA {key.key_size}", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448", 456
    return type(key).__name__, 0


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(label, whole block) of the first PEM blocks in ``data``, in linear time.

    A block ends at its END line, which must come before the next BEGIN line; searching
    the rest of the file for it instead takes quadratic time on a file of BEGIN lines.
    """
    blocks: list[tuple[str, bytes]] = []
    match = _PEM_BEGIN.search(data)
    while match is not None and len(blocks) < _MAX_CERTS_PER_FILE:
        following = _PEM_BEGIN.search(data, match.end())
        limit = following.start() if following else len(data)
        end_line = b"-----END " + match.group(1) + b"-----"
        end = data.find(end_line, match.end(), limit)
        if end >= 0:
            blocks.append((match.group(1).decode(), data[match.start():end + len(end_line)]))
        match = following
    return blocks


def _read_pem(data: bytes, path: str, scan: CertificateScan) -> None:
    blocks = _pem_blocks(data)
    for index, (kind, block) in enumerate(blocks, start=1):
        name = f"{path}#{index}" if len(blocks) > 1 else path
        try:
            if kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                block = block.replace(kind.encode(), b"CERTIFICATE")
                cert = x509.load_pem_x509_certificate(block)
                scan.certificates.append(certificate_info(cert, name, "pem"))
            elif kind == "PKCS7":
                certs = pkcs7.load_pem_pkcs7_certificates(block)[:_MAX_CERTS_PER_FILE]
                for sub, cert in enumerate(certs, start=1):
                    _add_certificate(scan, cert, f"{name}#{sub}", "pkcs7")
            elif kind.endswith("PRIVATE KEY"):
                scan.private_keys.append(_pem_private_key(block, name, kind))
        except UNREADABLE as exc:
            scan.skipped.append(Skipped(name, f"PEM {kind} block cannot be parsed: {exc}"))


def _pem_private_key(block: bytes, name: str, kind: str) -> PrivateKeyInfo:
    if kind == "ENCRYPTED PRIVATE KEY":
        return PrivateKeyInfo(name, "pem", "encrypted private key")
    try:
        # Only the key's type and size are reported: skip the costly RSA consistency check,
        # which a bundle full of large keys would otherwise turn into minutes.
        key = serialization.load_pem_private_key(
            block, password=None, unsafe_skip_rsa_key_validation=True
        )
    except TypeError:
        # Legacy OpenSSL encryption (Proc-Type header): present but protected.
        return PrivateKeyInfo(name, "pem", "encrypted private key")
    return PrivateKeyInfo(name, "pem", describe_key(key)[0])


def _read_der(data: bytes, path: str, scan: CertificateScan) -> None:
    try:
        cert = x509.load_der_x509_certificate(data)
    except UNREADABLE:
        pass
    else:
        _add_certificate(scan, cert, path, "der")
        return
    if _PKCS7_OID in data[:32]:
        try:
            certs = pkcs7.load_der_pkcs7_certificates(data)
        except UNREADABLE as exc:
            scan.skipped.append(Skipped(path, f"PKCS#7 bundle cannot be parsed: {exc}"))
            return
        for index, cert in enumerate(certs[:_MAX_CERTS_PER_FILE], start=1):
            _add_certificate(scan, cert, f"{path}#{index}", "pkcs7")
        return
    _read_pkcs12(data, path, scan)


def _read_pkcs12(data: bytes, path: str, scan: CertificateScan) -> None:
    # A PKCS#12 is SEQUENCE { INTEGER 3, ... }; anything else DER-shaped is not ours.
    if b"\x02\x01\x03" not in data[:8]:
        return
    problem = ""
    for password in (None, b""):
        try:
            store = pkcs12.load_pkcs12(data, password)
        except UnsupportedAlgorithm as exc:
            scan.skipped.append(Skipped(path, f"PKCS#12 store uses an unsupported cipher: {exc}"))
            return
        except UNREADABLE as exc:
            problem = str(exc)
            continue
        if store.key is not None:
            scan.private_keys.append(PrivateKeyInfo(path, "pkcs12", describe_key(store.key)[0]))
        certs = ([store.cert] if store.cert else []) + list(store.additional_certs)
        for index, item in enumerate(certs[:_MAX_CERTS_PER_FILE], start=1):
            alias = item.friendly_name.decode(errors="replace") if item.friendly_name else None
            _add_certificate(scan, item.certificate, f"{path}#{index}", "pkcs12", alias)
        return
    if "deserialize" in problem:
        # NOTE: cryptography says "Could not deserialize" for a malformed store and
        # "Invalid password or PKCS12 data" for one it could not decrypt.
        scan.skipped.append(Skipped(path, f"PKCS#12 store cannot be parsed: {problem}"))
        return
    scan.skipped.append(
        Skipped(path, "PKCS#12 store is password-protected: its certificates and keys "
                "were not read")
    )


def _read_keystore(data: bytes, path: str, container: str, scan: CertificateScan) -> None:
    reader = keystores.read_bks if container == "bks" else keystores.read_jks
    try:
        entries = reader(data)
    except keystores.KeystoreFormatError as exc:
        if container == "bks":
            return  # BKS detection is a heuristic; a non-keystore is simply not one.
        scan.skipped.append(Skipped(path, f"{container.upper()} keystore cannot be read: {exc}"))
        return
    for index, entry in enumerate(entries[:_MAX_CERTS_PER_FILE], start=1):
        name = f"{path}#{index}"
        if entry.private_key:
            scan.private_keys.append(
                PrivateKeyInfo(name, container, entry.key_algorithm or "private key entry")
            )
        if entry.certificate is None:
            continue
        try:
            cert = x509.load_der_x509_certificate(entry.certificate)
        except UNREADABLE as exc:
            scan.skipped.append(Skipped(name, f"certificate in keystore cannot be parsed: {exc}"))
            continue
        _add_certificate(scan, cert, name, container, entry.alias)


def _add_certificate(
    scan: CertificateScan, cert: x509.Certificate, name: str, container: str,
    alias: str | None = None,
) -> None:
    try:
        scan.certificates.append(certificate_info(cert, name, container, alias))
    except UNREADABLE as exc:
        scan.skipped.append(Skipped(name, f"certificate cannot be parsed: {exc}"))


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, UnsupportedAlgorithm):
        # X.509 verification refuses legacy signatures (SHA-1, MD5): check them directly.
        return _verify_legacy_signature(cert)
    except (TypeError, InvalidSignature):
        return False
    return True


_LEGACY_HASHES: dict[x509.ObjectIdentifier, type[hashes.SHA1] | type[hashes.MD5]] = {
    SignatureAlgorithmOID.RSA_WITH_SHA1: hashes.SHA1,
    SignatureAlgorithmOID.RSA_WITH_MD5: hashes.MD5,
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: hashes.SHA1,
}


def _verify_legacy_signature(cert: x509.Certificate) -> bool:
    hash_type = _LEGACY_HASHES.get(cert.signature_algorithm_oid)
    key = cert.public_key()
    try:
        if hash_type is None:
            return _key_identifiers_agree(cert)
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       hash_type())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hash_type()))
        else:
            return _key_identifiers_agree(cert)
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return False
    return True


def _key_identifiers_agree(cert: x509.Certificate) -> bool:
    try:
        subject_id = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        authority_id = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except (x509.ExtensionNotFound, ValueError):
        return True
    key_id = authority_id.value.key_identifier
    return key_id is None or key_id == subject_id.value.digest


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        # A v1 certificate (no extensions) that signs itself acts as a root.
        return cert.version == x509.Version.v1 and cert.subject == cert.issuer
    except ValueError:
        return False
    return bool(constraints.value.ca)


def _looks_textual(head: bytes) -> bool:
    if not head:
        return False
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return printable / len(head) > 0.95
