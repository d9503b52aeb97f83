"""Collect the facts of an IPA (or a zipped .app): its parts, their Info.plists, App Transport
Security, TrustKit, and the certificates and pins in every file.

Only the top-level ``Payload/NAME.app/Info.plist`` describes the app; extensions, watch apps
and frameworks carry their own plists and are reported as parts of their own.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from mstg_pinscan import isolate
from mstg_pinscan.errors import FactError, UnpackError
from mstg_pinscan.facts.blobs import PinString, wants_blob_scan
from mstg_pinscan.facts.files import scan_files
from mstg_pinscan.facts.frameworks import FrameworkFacts
from mstg_pinscan.facts.macho import BinaryEvidence, read_binary
from mstg_pinscan.facts.plist import (
    MAX_PLIST_SIZE,
    AtsSettings,
    TrustKitSettings,
    load_plist,
    read_ats,
    read_trustkit,
)
from mstg_pinscan.models import CertificateInfo, PrivateKeyInfo, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)

_APP = re.compile(r"^(?:Payload/[^/]+\.app|[^/]+\.(?:app|framework|appex))/Info\.plist$")
_PART_KINDS = {".appex": "extension", ".framework": "framework", ".app": "watch app"}
_NOT_CERTIFICATES = (".png", ".jpg", ".jpeg", ".gif", ".car", ".nib", ".storyboardc",
                     ".strings", ".ttf", ".otf", ".mp3", ".mp4", ".caf", ".wav", ".m4a")
# Apple's signature and provisioning profile: they hold Apple's and the developer's signing
# certificates, which say nothing about TLS trust.
_SIGNATURE = ("_CodeSignature/", "embedded.mobileprovision", "SC_Info/")
# Real apps nest tens of extensions and frameworks; these bounds keep a crafted bundle with
# thousands of them (or with large plists in each) within the time a scan may take.
_MAX_PARTS = 1_000
_PART_PLISTS_BUDGET = 4 * 1024 * 1024


@dataclass(frozen=True)
class IosPart:
    """The app itself, or an extension, framework or watch app inside it."""

    kind: str
    root: str
    plist: str
    bundle_id: str | None
    version: str | None
    minimum_os: str | None
    executable: str | None
    ats: AtsSettings
    trustkit: TrustKitSettings | None


@dataclass(frozen=True)
class IosFacts:
    """Everything the evaluation of an IPA needs."""

    app: IosPart
    parts: tuple[IosPart, ...]
    certificates: tuple[CertificateInfo, ...]
    private_keys: tuple[PrivateKeyInfo, ...]
    pin_strings: tuple[PinString, ...]
    binaries: dict[str, bytes]
    evidence: tuple[BinaryEvidence, ...]
    trustkit_bundled: bool
    skipped: tuple[Skipped, ...]
    missing_executables: tuple[str, ...] = ()
    frameworks: FrameworkFacts = FrameworkFacts()


def app_root(bundle: Bundle) -> str | None:
    """``Payload/NAME.app`` (or ``NAME.app``, ``NAME.framework``, ``NAME.appex`` zipped on
    their own), or None."""
    roots = sorted({m.group(0)[: -len("/Info.plist")]
                    for m in (_APP.match(name) for name in bundle.names()) if m})
    return roots[0] if roots else None


def collect_ios_facts(bundle: Bundle) -> IosFacts:
    """Read an IPA's facts; raises :class:`FactError` when the app's Info.plist is unreadable."""
    root = app_root(bundle)
    if root is None:
        raise FactError("no Payload/NAME.app/Info.plist: not an IPA", path=str(bundle.path))
    skipped: list[Skipped] = []
    app = _part(bundle, root, "app", required=True, skipped=skipped)
    assert app is not None
    parts = []
    budget = _PART_PLISTS_BUDGET
    for index, (part_root, kind) in enumerate(_nested_parts(bundle, root)):
        plist_name = f"{part_root}/Info.plist"
        size = bundle.entries[plist_name].size
        if index >= _MAX_PARTS or size > budget:
            skipped.append(Skipped(plist_name, f"not read: past the first {_MAX_PARTS} nested "
                                   f"parts or {_PART_PLISTS_BUDGET >> 20} MiB of their "
                                   "Info.plists"))
            continue
        budget -= size
        part = _part(bundle, part_root, kind, required=False, skipped=skipped)
        if part is not None:
            parts.append(part)
    executables = {p.executable for p in (app, *parts) if p.executable}
    files = scan_files(
        bundle, skipped,
        may_be_certificate=lambda name: _may_be_certificate(name, executables),
        wants_search=lambda name: wants_blob_scan(name) and not any(
            marker in name for marker in _SIGNATURE),
        keep=lambda name: name in executables,
    )
    certificates = files.certificates.certificates + files.blobs.certificates
    evidence = []
    for name in sorted(files.kept):
        found = _read_binary_contained(files.kept[name], name)
        if found.problem:
            skipped.append(Skipped(name, found.problem))
        else:
            evidence.append(found)
            skipped += [Skipped(name, f"{one.cpu} slice: {reason}")
                        for one in found.slices for reason in one.unread]
    trustkit = any(name.split("/")[-2:-1] == ["TrustKit.framework"]
                   for name in bundle.names()) or any(
        b"TSKPinningValidator" in data or b"initSharedInstanceWithConfiguration" in data
        for data in files.kept.values())
    missing = tuple(f"{p.root} (CFBundleExecutable)" for p in (app, *parts)
                    if p.executable is None and p.kind in ("app", "extension"))
    return IosFacts(
        missing_executables=missing,
        app=app,
        parts=tuple(parts),
        certificates=tuple(sorted(certificates, key=lambda c: (c.path, c.sha256))),
        private_keys=tuple(sorted(files.certificates.private_keys, key=lambda k: k.path)),
        pin_strings=tuple(sorted(set(files.blobs.pins), key=lambda p: (p.file, p.value))),
        binaries=files.kept,
        evidence=tuple(evidence),
        trustkit_bundled=trustkit,
        skipped=tuple(skipped + files.certificates.skipped),
    )


def _nested_parts(bundle: Bundle, root: str) -> list[tuple[str, str]]:
    found = set()
    for name in bundle.names():
        if not name.startswith(root + "/") or not name.endswith("/Info.plist"):
            continue
        part_root = name[: -len("/Info.plist")]
        if part_root == root or part_root.endswith(".lproj"):
            continue
        extension = posixpath.splitext(part_root)[1]
        if extension in _PART_KINDS:
            found.add((part_root, _PART_KINDS[extension]))
    return sorted(found)


def _part(bundle: Bundle, root: str, kind: str, required: bool,
          skipped: list[Skipped]) -> IosPart | None:
    plist_name = f"{root}/Info.plist"
    try:
        info = load_plist(bundle.read(plist_name, max_size=MAX_PLIST_SIZE), plist_name)
    except (FactError, UnpackError) as exc:
        if required:
            raise FactError(exc.diagnostics(), path=str(bundle.path)) from exc
        skipped.append(Skipped(plist_name, exc.message))
        return None
    executable = info.get("CFBundleExecutable")
    executable_path = f"{root}/{executable}" if isinstance(executable, str) else None
    if executable_path and not bundle.has(executable_path):
        skipped.append(Skipped(executable_path, "CFBundleExecutable names no file in the bundle"))
        executable_path = None
    return part_from_plist(info, root, plist_name, kind, executable_path)


def part_from_plist(info: dict[str, Any], root: str, plist_name: str, kind: str,
                    executable_path: str | None) -> IosPart:
    """An :class:`IosPart` from a parsed Info.plist."""

    def text(key: str) -> str | None:
        value = info.get(key)
        return value if isinstance(value, str) else None

    return IosPart(
        kind=kind,
        root=root,
        plist=plist_name,
        bundle_id=text("CFBundleIdentifier"),
        version=text("CFBundleShortVersionString") or text("CFBundleVersion"),
        minimum_os=text("MinimumOSVersion"),
        executable=executable_path,
        ats=read_ats(info, plist_name),
        trustkit=read_trustkit(info, plist_name),
    )


def _may_be_certificate(name: str, executables: set[str]) -> bool:
    lowered = name.lower()
    if name in executables or lowered.endswith(_NOT_CERTIFICATES):
        return False
    return not any(marker in name for marker in _SIGNATURE) and not lowered.endswith(
        "info.plist")


def ios_facts_from_plist(data: bytes, name: str) -> IosFacts:
    """Facts of a bare Info.plist (no bundle): its ATS and TrustKit settings only; the
    binary it would describe is missing, which the verdict says."""
    info = load_plist(data, name)
    app = part_from_plist(info, "", name, "app", None)
    return IosFacts(app=app, parts=(), certificates=(), private_keys=(), pin_strings=(),
                    binaries={}, evidence=(), trustkit_bundled=False,
                    skipped=(Skipped(name, "a bare Info.plist: no binary, frameworks or "
                                     "certificates to read"),),
                    missing_executables=("(no bundle)",))


# LIEF is native code: a crafted binary can crash or hang it. Each binary is read in its own
# child process (memory bounded by the limit the bundle's scan runs under), so one bad binary
# leaves the others and the rest of the bundle readable.
BINARY_SECONDS = 120


def _read_binary_contained(data: bytes, name: str) -> BinaryEvidence:
    try:
        return isolate.call(read_binary, data, name, limits=isolate.Limits(BINARY_SECONDS))
    except isolate.Contained as exc:
        return BinaryEvidence(name, (), f"the Mach-O reader {exc.reason}: binary unread")
