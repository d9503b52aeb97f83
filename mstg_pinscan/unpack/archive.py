"""Unpack stage: a read-only, bounded view of an APK or IPA zip archive.

Nothing is extracted to disk. Entries are inflated into memory on demand, in chunks, and
reading stops as soon as an entry inflates past its limit, whatever the zip headers claim.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from mstg_pinscan.errors import UnpackError

_logger = logging.getLogger(__name__)

_MiB = 1024 * 1024
_CHUNK = 256 * 1024
# Entries smaller than this are exempt from the ratio check: tiny files of zeros or repeated
# text compress extremely well and are harmless.
_RATIO_FLOOR = 1 * _MiB


@dataclass(frozen=True)
class UnpackLimits:
    """Bounds that keep a hostile archive from exhausting memory or time."""

    max_entries: int = 65_536
    max_entry_size: int = 512 * _MiB
    max_total_size: int = 4096 * _MiB
    max_ratio: int = 200


@dataclass(frozen=True)
class Entry:
    """One file of the archive as its central directory describes it."""

    name: str
    size: int
    compressed_size: int
    method: int


class Bundle:
    """An opened archive: list entries, read them with limits, never write anything."""

    def __init__(self, path: Path, limits: UnpackLimits | None = None) -> None:
        self.path = path
        self.limits = limits or UnpackLimits()
        self._inflated_total = 0
        self.sha256 = sha256_of(path)
        self._zip = _open_zip(path)
        self.entries = self._index_entries()

    def close(self) -> None:
        """Release the archive's file handle."""
        self._zip.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        """Return the entry names in archive order (directories excluded)."""
        return list(self.entries)

    def has(self, name: str) -> bool:
        """Return True when the archive holds an entry of that exact name."""
        return name in self.entries

    def read(self, name: str, max_size: int | None = None) -> bytes:
        """Inflate one entry into memory.

        Raises :class:`UnpackError` when the entry is missing, is encrypted or uses an
        unsupported compression method, or inflates past ``max_size`` or the archive limits.
        """
        entry = self.entries.get(name)
        if entry is None:
            raise UnpackError(f"no entry named {name!r}", path=str(self.path))
        limit = min(max_size or self.limits.max_entry_size, self.limits.max_entry_size)
        info = self._zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise UnpackError(f"entry {name!r} is encrypted", path=str(self.path))
        chunks: list[bytes] = []
        total = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise UnpackError(
                            f"entry {name!r} inflates past {limit // _MiB} MiB",
                            path=str(self.path),
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as exc:
            raise UnpackError(f"entry {name!r} cannot be read: {exc}", path=str(self.path)) from exc
        self._inflated_total += total
        if self._inflated_total > self.limits.max_total_size:
            raise UnpackError(
                f"archive inflates past {self.limits.max_total_size // _MiB} MiB in total",
                path=str(self.path),
            )
        return b"".join(chunks)

    def head(self, name: str, size: int = 64) -> bytes:
        """Return the first ``size`` bytes of an entry, inflating no more than needed."""
        info = self._zip.getinfo(name)
        if info.flag_bits & 0x1:
            return b""
        try:
            with self._zip.open(info) as handle:
                return handle.read(size)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError):
            return b""

    def _index_entries(self) -> dict[str, Entry]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_entries:
            raise UnpackError(
                f"archive has {len(infos)} entries, more than the limit of "
                f"{self.limits.max_entries}",
                path=str(self.path),
            )
        entries: dict[str, Entry] = {}
        declared_total = 0
        for info in infos:
            if info.is_dir():
                continue
            self._check_declared(info)
            declared_total += info.file_size
            # NOTE: zipfile keeps the last of duplicate names; which copy Android reads is a
            # separate question that the hostile-input work answers.
            entries[info.filename] = Entry(
                info.filename, info.file_size, info.compress_size, info.compress_type
            )
        if declared_total > self.limits.max_total_size:
            raise UnpackError(
                f"archive declares {declared_total // _MiB} MiB of content, more than the "
                f"limit of {self.limits.max_total_size // _MiB} MiB",
                path=str(self.path),
            )
        return entries

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > self.limits.max_entry_size:
            raise UnpackError(
                f"entry {info.filename!r} declares {info.file_size // _MiB} MiB, more than "
                f"the limit of {self.limits.max_entry_size // _MiB} MiB",
                path=str(self.path),
            )
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > self.limits.max_ratio:
                raise UnpackError(
                    f"entry {info.filename!r} has a compression ratio of {ratio:.0f}:1, "
                    f"above the limit of {self.limits.max_ratio}:1 (zip bomb?)",
                    path=str(self.path),
                )


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, in chunks; raises :class:`UnpackError` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_MiB):
                digest.update(chunk)
    except FileNotFoundError as exc:
        raise UnpackError("no such file", path=str(path)) from exc
    except IsADirectoryError as exc:
        raise UnpackError("is a directory, not an APK or IPA file", path=str(path)) from exc
    except OSError as exc:
        raise UnpackError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from exc
    return digest.hexdigest()


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnpackError(f"not a zip archive ({exc})", path=str(path)) from exc
    except (OSError, ValueError, EOFError) as exc:
        raise UnpackError(f"cannot be opened as a zip archive: {exc}", path=str(path)) from exc
