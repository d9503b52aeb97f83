"""Fuzz the certificate front: facts/certs.py and facts/keystores.py, found by content.

PEM, DER, PKCS#7, PKCS#12, JKS/JCEKS and BKS; an unreadable store becomes a skipped entry,
so ``read_certificate_file`` and the embedded-certificate search raise nothing. The keystore
readers themselves raise only :class:`KeystoreFormatError`.
"""

from __future__ import annotations

import atheris
from _common import ROOT, entries, run

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.facts import keystores
    from mstg_pinscan.facts.blobs import scan_blob
    from mstg_pinscan.facts.certs import read_certificate_file

_NAME = "assets/stores/x"


def seeds() -> list[bytes]:
    """The certificates and stores of the sample apps, and their sources."""
    suffixes = (".pem", ".der", ".cer", ".crt", ".p7b", ".p12", ".bks", ".jks")
    found = list(entries(suffixes))
    for path in sorted((ROOT / "sample_apps" / "apps" / "keystores").rglob("*")):
        if path.is_file() and path.name.endswith(suffixes):
            found.append(path.read_bytes())
    return found


def test_one_input(data: bytes) -> None:
    """Read one file as the file scan does, and the keystore readers directly."""
    read_certificate_file(data, _NAME)
    scan_blob(data, "lib/arm64-v8a/libx.so", known_certificates=False)
    for reader in (keystores.read_jks, keystores.read_bks):
        try:
            reader(data)
        except keystores.KeystoreFormatError:
            pass


if __name__ == "__main__":
    run(test_one_input, seeds)
