"""Build minimal IPAs (or zipped .app bundles) for the iOS tests, and scan them.

An IPA is a zip archive holding ``Payload/NAME.app/``; only its top-level ``Info.plist``
describes the app. Extensions live under ``PlugIns/X.appex/`` and frameworks under
``Frameworks/Y.framework/``, each with an Info.plist of its own.
"""

from __future__ import annotations

import itertools
import plistlib
import zipfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from conftest import ROOT

from mstg_pinscan.evaluate.catalog import Catalog, load_catalog
from mstg_pinscan.models import ScanResult
from mstg_pinscan.scan import ScanOptions, scan_file

AS_OF = date(2026, 12, 1)
BUNDLE_ID = "com.acmebank.app"
APP_NAME = "Acme"
EXECUTABLE_BLOB = b"\xcf\xfa\xed\xfe" + b"\x00" * 60 + b"fake Mach-O body"

_counter = itertools.count()
_catalog: Catalog | None = None


def plist_bytes(info: Mapping[str, Any], *, xml: bool = False) -> bytes:
    """``info`` as a binary plist (the default), or as XML."""
    fmt = plistlib.FMT_XML if xml else plistlib.FMT_BINARY
    return plistlib.dumps(dict(info), fmt=fmt)


def app_info(**keys: Any) -> dict[str, Any]:
    """A plausible app Info.plist: identifiers, plus ``keys`` (which may override them)."""
    return {
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleName": APP_NAME,
        "CFBundleShortVersionString": "1.2.3",
        "CFBundleVersion": "45",
        "MinimumOSVersion": "14.0",
        **keys,
    }


def build_ipa(
    directory: Path,
    info: Mapping[str, Any] | bytes | None,
    *,
    name: str = APP_NAME,
    xml: bool = False,
    files: Mapping[str, bytes] | None = None,
    executable: bytes | None = EXECUTABLE_BLOB,
    extensions: Mapping[str, Mapping[str, Any]] | None = None,
    frameworks: Mapping[str, Mapping[str, Any] | None] | None = None,
    zipped_app: bool = False,
    filename: str | None = None,
) -> Path:
    """Write an IPA into ``directory`` and return its path.

    ``info`` is the app's Info.plist as a dictionary (written binary unless ``xml``), as raw
    bytes (written as they are), or None (no Info.plist at all). ``files`` maps paths
    relative to the .app to their bytes. ``executable`` is written under the name
    ``info["CFBundleExecutable"]`` (default: the app's name, which is then added to the plist).
    ``extensions`` maps an extension's name to its Info.plist, ``frameworks`` a framework's
    name to its Info.plist (None: the framework has no plist, just a binary).
    ``zipped_app`` puts ``NAME.app/`` at the root of the archive instead of under Payload/.
    """
    root = f"{name}.app" if zipped_app else f"Payload/{name}.app"
    entries: dict[str, bytes] = {}
    if isinstance(info, Mapping):
        info = dict(info)
        if executable is not None:
            info.setdefault("CFBundleExecutable", name)
        entries[f"{root}/Info.plist"] = plist_bytes(info, xml=xml)
        if executable is not None:
            entries[f"{root}/{info['CFBundleExecutable']}"] = executable
    elif isinstance(info, bytes):
        entries[f"{root}/Info.plist"] = info
    for extension, plist in (extensions or {}).items():
        entries[f"{root}/PlugIns/{extension}.appex/Info.plist"] = plist_bytes(plist, xml=xml)
    for framework, plist in (frameworks or {}).items():
        folder = f"{root}/Frameworks/{framework}.framework"
        entries[f"{folder}/{framework}"] = EXECUTABLE_BLOB
        if plist is not None:
            entries[f"{folder}/Info.plist"] = plist_bytes(plist, xml=xml)
    for relative, data in (files or {}).items():
        entries[f"{root}/{relative}"] = data
    path = directory / (filename or f"app{next(_counter)}.ipa")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    return path


def catalog() -> Catalog:
    """The rule catalog, loaded once."""
    global _catalog
    if _catalog is None:
        _catalog = load_catalog(ROOT / "rules")
    return _catalog


def scan_ipa(path: Path, *, as_of: date = AS_OF, **options: Any) -> ScanResult:
    """Scan ``path`` as the command line does, on the test date."""
    return scan_file(path, catalog(), ScanOptions(as_of=as_of, **options))


def scan_info(directory: Path, info: Mapping[str, Any], **build: Any) -> ScanResult:
    """Build an IPA from ``info`` (and the other :func:`build_ipa` arguments) and scan it."""
    return scan_ipa(build_ipa(directory, info, **build))
