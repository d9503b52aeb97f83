"""Writing the framework sample apps: the base sample app's entries, with a framework's files
added, into a zip whose bytes depend on nothing but its contents (sorted names, fixed date)."""

from __future__ import annotations

import zipfile
from pathlib import Path

DATE = (1980, 1, 1, 0, 0, 0)


def entries_of(path: Path) -> dict[str, bytes]:
    """Every file entry of the zip at ``path``, by name."""
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def write_zip(path: Path, files: dict[str, bytes]) -> None:
    """``files`` into a deflated zip at ``path``, sorted by name and dated ``DATE``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
