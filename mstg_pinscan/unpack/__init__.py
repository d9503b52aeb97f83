"""Unpack stage: open a bundle read-only and tell which platform it targets."""

from __future__ import annotations

from pathlib import Path

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack.archive import Bundle, Entry, UnpackLimits

__all__ = ["Bundle", "Entry", "UnpackLimits", "detect_platform", "open_bundle"]


def open_bundle(path: Path, limits: UnpackLimits | None = None) -> Bundle:
    """Open ``path`` as a bounded archive; raises :class:`UnpackError` when it is not one."""
    return Bundle(path, limits)


def detect_platform(bundle: Bundle) -> Platform:
    """Return the bundle's platform, or raise :class:`UnpackError` for anything else."""
    if bundle.has("AndroidManifest.xml"):
        return Platform.ANDROID
    if any(_is_app_plist(name) for name in bundle.names()):
        return Platform.IOS
    raise UnpackError(
        "zip archive with neither AndroidManifest.xml nor Payload/NAME.app/Info.plist: not an "
        "APK or IPA", path=str(bundle.path)
    )


def _is_app_plist(name: str) -> bool:
    """``Payload/NAME.app/Info.plist`` (an IPA), or the Info.plist of a zipped ``.app``,
    ``.framework`` or ``.appex``."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "Payload":
        return parts[1].endswith(".app") and parts[2] == "Info.plist"
    return len(parts) == 2 and parts[0].endswith((".app", ".framework", ".appex")) and (
        parts[1] == "Info.plist")
