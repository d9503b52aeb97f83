"""Collect every fact of an APK: manifest, network security configurations, certificates."""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass

from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.facts.blobs import PinString, wants_blob_scan
from mstg_pinscan.facts.code import URL_PATTERN, CodeFacts, analyse_code
from mstg_pinscan.facts.files import scan_files
from mstg_pinscan.facts.frameworks import FrameworkFacts
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


@dataclass(frozen=True)
class AndroidFacts:
    """Everything the evaluation of an APK needs."""

    manifest: ManifestFacts
    configs: tuple[NetworkSecurityConfig, ...]
    certificates: tuple[CertificateInfo, ...]
    private_keys: tuple[PrivateKeyInfo, ...]
    dex_files: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    code: CodeFacts | None = None
    pin_strings: tuple[PinString, ...] = ()
    resource_urls: tuple[tuple[str, str], ...] = ()
    frameworks: FrameworkFacts = FrameworkFacts()


def collect_android_facts(bundle: Bundle, read_code: bool = True) -> AndroidFacts:
    """Read an APK's facts; raises :class:`FactError` only for an unreadable manifest.

    ``read_code`` False makes a configuration-only scan: the DEX files are not read, and
    only certificate files (not every file) are searched.
    """
    skipped: list[Skipped] = []
    resources = _resource_table(bundle, skipped)
    manifest = parse_manifest(_read(bundle, MANIFEST), resources)
    configs = _network_security_configs(bundle, manifest, resources, skipped)
    files = scan_files(bundle, skipped, may_be_certificate=_may_be_certificate,
                       wants_search=wants_blob_scan if read_code else None,
                       keep=lambda name: read_code and bool(_DEX.match(name)))
    scan, blobs, dex_data = files.certificates, files.blobs, files.kept
    dex_files = tuple(sorted((n for n in bundle.names() if _DEX.match(n)), key=_dex_order))
    code = None
    if read_code and dex_files:
        loaded = [(name, dex_data[name]) for name in dex_files if name in dex_data]
        code = _code(bundle, loaded, manifest, resources)
    certificates = scan.certificates + blobs.certificates
    if resources.error:
        skipped.append(Skipped("resources.arsc", f"{resources.error}: resource references "
                               "cannot be resolved"))
    return AndroidFacts(
        manifest=manifest,
        configs=configs,
        certificates=tuple(sorted(certificates, key=lambda c: (c.path, c.sha256))),
        private_keys=tuple(sorted(scan.private_keys, key=lambda k: k.path)),
        dex_files=dex_files,
        skipped=tuple(skipped + scan.skipped),
        code=code,
        pin_strings=tuple(sorted(set(blobs.pins), key=lambda p: (p.file, p.value))),
        resource_urls=_resource_urls(bundle),
    )


def _dex_order(name: str) -> int:
    # classes.dex, classes2.dex, classes3.dex ... in the order the class loader reads them.
    digits = name[len("classes"):-len(".dex")]
    return int(digits) if digits else 1


def _code(
    bundle: Bundle, loaded: list[tuple[str, bytes]], manifest: ManifestFacts,
    resources: ResourceTable,
) -> CodeFacts:
    def resolve(resource_id: int) -> tuple[str, ...]:
        values = resources.resolve(f"@{resource_id & 0xFFFFFFFF:08X}")
        return tuple(sorted({v.value for v in values if bundle.has(v.value)}))

    return analyse_code(loaded, manifest.package, resolve)


def _resource_urls(bundle: Bundle) -> tuple[tuple[str, str], ...]:
    """URLs in resources.arsc (string resources), in UTF-8 or UTF-16 pools."""
    if not bundle.has("resources.arsc"):
        return ()
    try:
        data = bundle.read("resources.arsc")
    except UnpackError:
        return ()
    texts = [data, data.decode("utf-16-le", errors="ignore").encode("ascii", errors="ignore")]
    urls = {m.decode("ascii", "replace") for text in texts for m in URL_PATTERN.findall(text)}
    return tuple(sorted((url, "resources.arsc") for url in urls))


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
        return ResourceTable.lazy(bundle.read("resources.arsc"))
    except UnpackError as exc:
        skipped.append(Skipped("resources.arsc", f"{exc.message}: resource references cannot "
                               "be resolved"))
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


def _may_be_certificate(name: str) -> bool:
    # Native libraries and DEX files are searched for embedded certificates by facts.blobs.
    lowered = name.lower()
    if name in (MANIFEST, "resources.arsc") or lowered.endswith(_NOT_CERTIFICATES):
        return False
    if lowered.startswith("meta-inf/"):
        # The APK's own signing certificate lives here; it says nothing about TLS trust.
        extension = posixpath.splitext(lowered)[1]
        return extension not in (".rsa", ".dsa", ".ec", ".sf", ".mf")
    return True
