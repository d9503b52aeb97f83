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
        raise UnpackError(
            "an iOS bundle; this version of pinscan analyses Android APKs only",
            path=str(bundle.path),
        )
    raise UnpackError(
        "zip archive without AndroidManifest.xml: not an APK", path=str(bundle.path)
    )


def _is_app_plist(name: str) -> bool:
    parts = name.split("/")
    return len(parts) == 3 and parts[0] == "Payload" and parts[1].endswith(".app") and (
        parts[2] == "Info.plist"
    )
