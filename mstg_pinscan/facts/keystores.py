"""Read the certificates out of Java keystores (JKS, JCEKS) and BouncyCastle BKS files.

Both formats store certificates in the clear; the store password only seeds an integrity
check over the whole file, so the certificates can be read without it. Key entries are
reported as present (a shipped private key is a finding) without being decrypted.
See: https://github.com/openjdk/jdk/blob/master/src/java.base/share/classes/sun/security/provider/JavaKeyStore.java
and BouncyCastle's ``BcKeyStoreSpi``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

JKS_MAGIC = b"\xfe\xed\xfe\xed"
JCEKS_MAGIC = b"\xce\xce\xce\xce"
_MAX_ENTRIES = 4096


class KeystoreFormatError(ValueError):
    """The data is not a keystore of the expected format, or is truncated."""


@dataclass(frozen=True)
class KeystoreEntry:
    """A certificate (DER) or a key entry found in a keystore."""

    alias: str
    certificate: bytes | None
    private_key: bool = False
    key_algorithm: str | None = None


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise KeystoreFormatError("truncated keystore")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def utf(self) -> str:
        (length,) = struct.unpack(">H", self.take(2))
        # Java's modified UTF-8; plain UTF-8 decoding is right for every ordinary alias.
        return self.take(length).decode("utf-8", errors="replace")

    def blob(self) -> bytes:
        return self.take(self.u32())


def is_bks(data: bytes) -> bool:
    """True when ``data`` starts like a BKS store: version 1 or 2 and a short salt."""
    if len(data) < 12:
        return False
    version, salt_len = struct.unpack(">II", data[:8])
    return version in (1, 2) and 8 <= salt_len <= 64


def read_jks(data: bytes) -> list[KeystoreEntry]:
    """Return the entries of a JKS or JCEKS store; raises :class:`KeystoreFormatError`."""
    reader = _Reader(data)
    magic = reader.take(4)
    if magic not in (JKS_MAGIC, JCEKS_MAGIC):
        raise KeystoreFormatError("not a JKS or JCEKS keystore")
    version = reader.u32()
    if version not in (1, 2):
        raise KeystoreFormatError(f"unsupported JKS version {version}")
    count = reader.u32()
    if count > _MAX_ENTRIES:
        raise KeystoreFormatError(f"implausible entry count {count}")
    entries = []
    for _ in range(count):
        tag = reader.u32()
        alias = reader.utf()
        reader.take(8)  # creation time
        if tag == 1:
            reader.blob()  # EncryptedPrivateKeyInfo: needs the key password
            chain = [_jks_cert(reader, version) for _ in range(_count(reader))]
            entries.append(KeystoreEntry(alias, chain[0] if chain else None, private_key=True))
            entries.extend(KeystoreEntry(alias, cert) for cert in chain[1:])
        elif tag == 2:
            entries.append(KeystoreEntry(alias, _jks_cert(reader, version)))
        else:
            # JCEKS secret keys are serialized Java objects of unknown length: stop here.
            break
    return entries


def _jks_cert(reader: _Reader, version: int) -> bytes:
    if version == 2:
        cert_type = reader.utf()
        if cert_type != "X.509":
            raise KeystoreFormatError(f"unsupported certificate type {cert_type!r}")
    return reader.blob()


def _count(reader: _Reader) -> int:
    count = reader.u32()
    if count > _MAX_ENTRIES:
        raise KeystoreFormatError(f"implausible count {count}")
    return count


def read_bks(data: bytes) -> list[KeystoreEntry]:
    """Return the entries of a BKS store; raises :class:`KeystoreFormatError`."""
    reader = _Reader(data)
    version = reader.u32()
    if version not in (1, 2):
        raise KeystoreFormatError(f"unsupported BKS version {version}")
    reader.blob()  # salt
    reader.u32()  # iteration count
    entries: list[KeystoreEntry] = []
    for _ in range(_MAX_ENTRIES):
        entry_type = reader.u8()
        if entry_type == 0:
            return entries
        alias = reader.utf()
        reader.take(8)  # date
        chain = [_bks_cert(reader) for _ in range(_count(reader))]
        if entry_type == 1:
            entries.append(KeystoreEntry(alias, _bks_cert(reader)))
        elif entry_type == 2:
            key_type = reader.u8()
            reader.utf()  # encoding format
            algorithm = reader.utf()
            reader.blob()  # encoded key, stored unencrypted
            entries.append(
                KeystoreEntry(
                    alias, chain[0] if chain else None,
                    private_key=key_type == 0, key_algorithm=algorithm,
                )
            )
            entries.extend(KeystoreEntry(alias, cert) for cert in chain[1:])
        elif entry_type in (3, 4):
            reader.blob()  # secret or sealed (encrypted) key
            sealed_private = entry_type == 4
            entries.append(KeystoreEntry(alias, chain[0] if chain else None, sealed_private))
            entries.extend(KeystoreEntry(alias, cert) for cert in chain[1:])
        else:
            raise KeystoreFormatError(f"unknown BKS entry type {entry_type}")
    raise KeystoreFormatError("too many BKS entries")


def _bks_cert(reader: _Reader) -> bytes:
    cert_type = reader.utf()
    if cert_type != "X.509":
        raise KeystoreFormatError(f"unsupported certificate type {cert_type!r}")
    return reader.blob()
