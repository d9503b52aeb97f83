"""One pass over a bundle's files: certificates found by content, pins and embedded
certificates anywhere. Shared by the APK and IPA readers, which say which files are which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.facts.blobs import BlobScan, scan_blob
from mstg_pinscan.facts.certs import CertificateScan, might_hold_certificates, read_certificate_file
from mstg_pinscan.models import Skipped
from mstg_pinscan.unpack import Bundle

_MiB = 1024 * 1024
_MAX_CERT_FILE = 16 * _MiB
_MAX_BLOB = 64 * _MiB
_AXML = b"\x03\x00\x08\x00"


@dataclass
class FileScan:
    """What the pass found, and the bytes of the files it was asked to keep."""

    certificates: CertificateScan = field(default_factory=CertificateScan)
    blobs: BlobScan = field(default_factory=BlobScan)
    kept: dict[str, bytes] = field(default_factory=dict)


def scan_files(
    bundle: Bundle,
    skipped: list[Skipped],
    *,
    may_be_certificate: Callable[[str], bool],
    wants_search: Callable[[str], bool] | None,
    keep: Callable[[str], bool] = lambda name: False,
) -> FileScan:
    """Inflate each entry at most once: certificate and keystore files by content, every file
    ``wants_search`` accepts for pin strings and embedded certificates (none when it is
    None), and the bytes of the files ``keep`` names for later readers."""
    found = FileScan()
    for entry in bundle.entries.values():
        if entry.size == 0:
            continue
        as_certificate = may_be_certificate(entry.name)
        as_blob = wants_search is not None and wants_search(entry.name)
        if as_certificate and not as_blob:
            # Peek before inflating a file only the certificate reader wants.
            as_certificate = might_hold_certificates(bundle.head(entry.name))
        kept = keep(entry.name)
        if not (as_certificate or as_blob or kept):
            continue
        if entry.size > _MAX_BLOB or (not as_blob and not kept and entry.size > _MAX_CERT_FILE):
            skipped.append(Skipped(entry.name, f"{entry.size // _MiB} MiB: too large to "
                                   "search for pins and certificates"))
            continue
        try:
            data = bundle.read(entry.name)
        except UnpackError as exc:
            skipped.append(Skipped(entry.name, exc.message))
            continue
        if kept:
            found.kept[entry.name] = data
        as_certificate = as_certificate and might_hold_certificates(data[:64])
        if as_certificate:
            found.certificates.extend(read_certificate_file(data, entry.name))
        if as_blob and not data.startswith(_AXML):  # compiled XML holds resource strings
            one = scan_blob(data, entry.name, known_certificates=as_certificate)
            found.blobs.pins += one.pins
            found.blobs.certificates += one.certificates
            skipped.extend(one.skipped)
    return found
