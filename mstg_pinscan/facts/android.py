"""Collect every fact of an APK: manifest, network security configurations, certificates."""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass

from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.facts.certs import CertificateScan, might_hold_certificates, read_certificate_file
from mstg_pinscan.facts.manifest import MANIFEST, ManifestFacts, parse_manifest
from mstg_pinscan.facts.nsc import NetworkSecurityConfig, parse_network_security_config
from mstg_pinscan.facts.resources import ResourceTable
from mstg_pinscan.facts.xml import parse_android_xml
from mstg_pinscan.models import CertificateInfo, PrivateKeyInfo, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)

_DEX = re.compile(r"^classes\d*\.dex$")
_NOT_CERTIFICATES = (
    ".png", ".jpg", ".jpeg", ".webp", ".gif", ".9.png", ".ogg", ".mp3", ".mp4", ".ttf",
    ".otf", ".dex", ".so", ".arsc", ".kotlin_module", ".kotlin_builtins", ".version",
)
_MAX_CERT_FILE = 16 * 1024 * 1024


@dataclass(frozen=True)
class AndroidFacts:
    """Everything the evaluation of an APK needs."""

    manifest: ManifestFacts
    configs: tuple[NetworkSecurityConfig, ...]
    certificates: tuple[CertificateInfo, ...]
    private_keys: tuple[PrivateKeyInfo, ...]
    dex_files: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def collect_android_facts(bundle: Bundle) -> AndroidFacts:
    """Read an APK's facts; raises :class:`FactError` only for an unreadable manifest."""
    skipped: list[Skipped] = []
    resources = _resource_table(bundle, skipped)
    manifest = parse_manifest(_read(bundle, MANIFEST), resources)
    configs = _network_security_configs(bundle, manifest, resources, skipped)
    scan = _certificates(bundle, skipped)
    dex_files = tuple(name for name in bundle.names() if _DEX.match(name))
    return AndroidFacts(
        manifest=manifest,
        configs=configs,
        certificates=tuple(sorted(scan.certificates, key=lambda c: (c.path, c.sha256))),
        private_keys=tuple(sorted(scan.private_keys, key=lambda k: k.path)),
        dex_files=dex_files,
        skipped=tuple(skipped + scan.skipped),
    )


def _read(bundle: Bundle, name: str) -> bytes:
    try:
        return bundle.read(name)
    except UnpackError as exc:
        raise FactError(exc.message, path=str(bundle.path)) from exc


def _resource_table(bundle: Bundle, skipped: list[Skipped]) -> ResourceTable:
    if not bundle.has("resources.arsc"):
        skipped.append(Skipped("resources.arsc", "missing: resource references cannot be "
                               "resolved"))
        return ResourceTable(None)
    try:
        return ResourceTable.from_bytes(bundle.read("resources.arsc"))
    except (ValueError, UnpackError) as exc:
        reason = exc.message if isinstance(exc, UnpackError) else str(exc)
        skipped.append(Skipped("resources.arsc", f"{reason}: resource references cannot be "
                               "resolved"))
        return ResourceTable(None)


def _network_security_configs(
    bundle: Bundle, manifest: ManifestFacts, resources: ResourceTable, skipped: list[Skipped]
) -> tuple[NetworkSecurityConfig, ...]:
    if not manifest.nsc_reference:
        return ()
    if not manifest.nsc_files:
        skipped.append(Skipped(f"networkSecurityConfig {manifest.nsc_reference}",
                               "the resource does not resolve to a file through "
                               "resources.arsc"))
        return ()

    def resolve_raw(reference: str) -> tuple[str, ...]:
        files = {v.value for v in resources.resolve(reference) if bundle.has(v.value)}
        return tuple(sorted(files))

    configs = []
    for resolved in manifest.nsc_files:
        name = resolved.value
        if not bundle.has(name):
            skipped.append(Skipped(name, "network security configuration named by "
                                   "resources.arsc is missing from the bundle"))
            continue
        try:
            root = parse_android_xml(bundle.read(name), name)
        except (FactError, UnpackError) as exc:
            skipped.append(Skipped(name, exc.message))
            continue
        configs.append(parse_network_security_config(
            root, name, resolve_raw, resolved.qualifier,
            lambda ref: resources.name(ref) or ref,
        ))
    return tuple(configs)


def _certificates(bundle: Bundle, skipped: list[Skipped]) -> CertificateScan:
    scan = CertificateScan()
    for entry in bundle.entries.values():
        if not _may_be_certificate(entry.name) or entry.size == 0:
            continue
        head = bundle.head(entry.name)
        if not might_hold_certificates(head):
            continue
        if entry.size > _MAX_CERT_FILE:
            if b"-----BEGIN" in head or not head.isascii():
                skipped.append(Skipped(entry.name, "larger than 16 MiB: not searched for "
                                       "certificates"))
            continue
        try:
            data = bundle.read(entry.name)
        except UnpackError as exc:
            skipped.append(Skipped(entry.name, exc.message))
            continue
        scan.extend(read_certificate_file(data, entry.name))
    return scan


def _may_be_certificate(name: str) -> bool:
    # TODO: native libraries and DEX files can embed certificates and pins too; searching
    # them is part of the code analysis, so until then such certificates go unreported.
    lowered = name.lower()
    if name in (MANIFEST, "resources.arsc") or lowered.endswith(_NOT_CERTIFICATES):
        return False
    if lowered.startswith("meta-inf/"):
        # The APK's own signing certificate lives here; it says nothing about TLS trust.
        extension = posixpath.splitext(lowered)[1]
        return extension not in (".rsa", ".dsa", ".ec", ".sf", ".mf")
    return True
