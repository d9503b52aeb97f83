"""Unpack stage: a read-only, bounded view of an APK or IPA zip archive.

Nothing is extracted to disk. Entries are inflated into memory on demand, in chunks, and
reading stops as soon as an entry inflates past its limit, whatever the zip headers claim.
"""

from __future__ import annotations

import hashlib
import logging
import struct
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
# A central directory larger than this is refused before it is parsed: 65,536 entries with
# names of 1 KiB would fit. Parsing a crafted directory of millions of entries costs memory
# and time before any count could be checked.
_MAX_DIRECTORY = 64 * _MiB
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = 30
# Android's zip reader (libziparchive) inflates only these; the installer fails on others.
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
# What zipfile raises for an entry it cannot read: bad headers and CRCs, broken deflate
# streams, names that are not UTF-8 in the local header, cut-off data.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError,
                ValueError, struct.error, RuntimeError)


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
        _check_end_record(path, self.limits)
        self._zip = _open_zip(path)
        try:
            self.entries = self._index_entries()
        except UnpackError:
            self._zip.close()
            raise

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
        if info.compress_type not in _METHODS:
            raise UnpackError(
                f"entry {name!r} uses compression method {info.compress_type}; Android reads "
                "only stored and deflated entries", path=str(self.path))
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
        except _READ_ERRORS as exc:
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
        if info.flag_bits & 0x1 or info.compress_type not in _METHODS:
            return b""
        try:
            with self._zip.open(info) as handle:
                return handle.read(size)
        except _READ_ERRORS:
            return b""

    def _index_entries(self) -> dict[str, Entry]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_entries:
            raise UnpackError(
                f"archive has {len(infos)} entries, more than the limit of "
                f"{self.limits.max_entries}",
                path=str(self.path),
            )
        self._check_layout(infos)
        entries: dict[str, Entry] = {}
        declared_total = 0
        for info in infos:
            if info.filename in entries:
                # Since the fix for CVE-2013-4787 ("Master Key"), Android's zip reader refuses
                # an archive that names an entry twice ("Duplicate entries in archive"), so
                # the package does not install and no copy is read; before it, signature
                # checks read one copy and the runtime the other. Either way the copy
                # pinscan would read proves nothing.
                raise UnpackError(
                    f"entry {info.filename!r} appears twice; Android refuses such an archive "
                    "(duplicate entries, CVE-2013-4787), so no copy is the one it reads",
                    path=str(self.path))
            if not info.filename or info.filename.endswith("/"):
                continue  # a folder, or a nameless entry nothing can refer to
            self._check_declared(info)
            declared_total += info.file_size
            entries[info.filename] = Entry(
                info.filename, info.file_size, info.compress_size, info.compress_type
            )
        if declared_total > self.limits.max_total_size:
            raise UnpackError(
                f"archive declares {declared_total // _MiB} MiB of content, more than the "
                f"limit of {self.limits.max_total_size // _MiB} MiB",
                path=str(self.path),
            )
        archive_size = self.path.stat().st_size
        if declared_total > _RATIO_FLOOR and declared_total > archive_size * self.limits.max_ratio:
            raise UnpackError(
                f"archive of {archive_size // 1024} KiB declares {declared_total // _MiB} MiB "
                f"of content, more than {self.limits.max_ratio} times its size (zip bomb?)",
                path=str(self.path),
            )
        return entries

    def _check_layout(self, infos: list[zipfile.ZipInfo]) -> None:
        """Refuse entries whose data overlap each other or the central directory.

        Overlapping entries are how a small archive inflates to terabytes (the same
        compressed bytes read again under many names); a real APK or IPA never has them.
        The check is a lower bound: an entry's data runs at least from its local header for
        30 bytes plus its compressed size.
        """
        directory = self._zip.start_dir
        ordered = sorted(infos, key=lambda info: info.header_offset)
        for index, info in enumerate(ordered):
            following = ordered[index + 1] if index + 1 < len(ordered) else None
            end = info.header_offset + _LOCAL_HEADER + info.compress_size
            limit = following.header_offset if following is not None else directory
            if end > limit:
                other = f"entry {following.filename!r}" if following else "the central directory"
                raise UnpackError(
                    f"entry {info.filename!r} overlaps {other} (overlapping entries: a zip "
                    "bomb or a tampered archive)", path=str(self.path))

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


def _check_end_record(path: Path, limits: UnpackLimits) -> None:
    """Refuse a central directory that declares too many entries or bytes, before zipfile
    parses it. A file without an end record is left to zipfile to refuse."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            tail_size = min(size, 22 + 65_535 + 20 + 56)
            handle.seek(size - tail_size)
            tail = handle.read(tail_size)
    except OSError as exc:
        raise UnpackError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from exc
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return
    count, directory_size = struct.unpack_from("<10xHI", tail, at)
    locator = at - 20
    if locator >= 0 and tail[locator:locator + 4] == _EOCD64_LOCATOR:
        count, directory_size = _zip64_counts(path, tail, locator, count, directory_size)
    if count > limits.max_entries:
        raise UnpackError(f"archive declares {count} entries, more than the limit of "
                          f"{limits.max_entries}", path=str(path))
    if directory_size > _MAX_DIRECTORY:
        raise UnpackError(f"central directory of {directory_size // _MiB} MiB is larger than "
                          f"the limit of {_MAX_DIRECTORY // _MiB} MiB", path=str(path))


def _zip64_counts(path: Path, tail: bytes, locator: int, count: int,
                  directory_size: int) -> tuple[int, int]:
    """The entry count and directory size of the ZIP64 end record the locator points to."""
    (record_offset,) = struct.unpack_from("<8xQ", tail, locator)
    try:
        with path.open("rb") as handle:
            handle.seek(record_offset)
            record = handle.read(56)
    except (OSError, OverflowError, ValueError):
        return count, directory_size
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return count, directory_size
    return struct.unpack_from("<32xQQ", record)


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnpackError(f"not a zip archive ({exc})", path=str(path)) from exc
    except (OSError, ValueError, EOFError, NotImplementedError, struct.error) as exc:
        # zipfile refuses archives it cannot handle (a "version needed to extract" it does
        # not know, multi-disk archives) with these rather than BadZipFile.
        raise UnpackError(f"cannot be opened as a zip archive: {exc}", path=str(path)) from exc
