"""Hostile archives, generated here: bombs, traversal names, duplicates, odd methods, cuts.

Each is scanned by the real command line under the bounds of :mod:`harness` (10 s, 512 MiB,
no traceback, nothing written but the report). A refused archive gets exit 2 and one line
with the reason; an archive pinscan can read around gets a report that names what it
skipped.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import make_cert, sample_apk
from cryptography.hazmat.primitives import serialization
from harness import scan_bounded

_MiB = 1024 * 1024
BASE = "pinned_backup"


def _apk_with(tmp_path: Path, name: str, extra: dict[str, bytes],
              method: int = zipfile.ZIP_DEFLATED) -> Path:
    """The base sample APK with ``extra`` entries appended."""
    path = tmp_path / name
    shutil.copy(sample_apk(BASE), path)
    with zipfile.ZipFile(path, "a", method) as archive:
        for entry, data in extra.items():
            archive.writestr(entry, data)
    return path


def _pem() -> bytes:
    certificate, _ = make_cert("hostile.example")
    return certificate.public_bytes(serialization.Encoding.PEM)


def _refused(outcome, *words: str) -> None:
    assert outcome.code == 2, outcome.stderr
    for word in words:
        assert word in outcome.stderr, outcome.stderr


# --- bombs -----------------------------------------------------------------------------------

def test_a_single_entry_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    bomb = _apk_with(tmp_path, "flat.apk", {"assets/zeros": b"\0" * (200 * _MiB)})
    _refused(scan_bounded(bomb, tmp_path), "compression ratio", "zip bomb")


def test_many_small_bombs_are_refused_by_the_archive_ratio(tmp_path: Path) -> None:
    # Each entry stays under the 1 MiB floor of the per-entry check; together they inflate
    # a few hundred KiB to 400 MiB.
    entries = {f"assets/z{i}": b"\0" * (_MiB - 1) for i in range(400)}
    bomb = _apk_with(tmp_path, "many.apk", entries)
    _refused(scan_bounded(bomb, tmp_path), "more than 200 times its size", "zip bomb")


def test_a_nested_bomb_is_never_opened(tmp_path: Path) -> None:
    """Zips inside the APK are data to pinscan, not archives to open: the nested bomb
    (each level ten copies of the one below) is scanned as a few KiB of bytes."""
    level = _zip_bytes({"zeros": b"\0" * (10 * _MiB)})
    for _ in range(3):
        level = _zip_bytes({f"{i}.zip": level for i in range(10)})
    bomb = _apk_with(tmp_path, "nested.apk", {"assets/nested.zip": level})
    outcome = scan_bounded(bomb, tmp_path)
    assert outcome.code == 0 and outcome.report["verdict"]["status"] == "pass"


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    """The overlap bomb: one compressed run of zeros named by a thousand central-directory
    entries, so that 10 KiB would inflate to 10 GiB."""
    bomb = tmp_path / "overlap.apk"
    bomb.write_bytes(_overlapping_zip(copies=1000, size=10 * _MiB))
    _refused(scan_bounded(bomb, tmp_path), "overlaps", "zip bomb")


def test_a_lying_size_is_caught_while_inflating(tmp_path: Path) -> None:
    """An entry that declares 1 KiB but inflates to 50 MiB is cut off and skipped."""
    path = _apk_with(tmp_path, "liar.apk", {"assets/liar.pem": b"\0" * (50 * _MiB)})
    _patch_sizes(path, "assets/liar.pem", 1024)
    outcome = scan_bounded(path, tmp_path)
    assert outcome.code in (0, 1)
    assert "assets/liar.pem" in outcome.skipped
    assert "cannot be read" in outcome.skipped["assets/liar.pem"]


# --- counts and directory size ---------------------------------------------------------------

def test_a_zip64_count_of_billions_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "zip64.apk"
    path.write_bytes(_zip64_claiming(entries=4_000_000_000))
    _refused(scan_bounded(path, tmp_path), "declares 4000000000 entries")


def test_more_entries_than_the_limit_are_refused(tmp_path: Path) -> None:
    path = _apk_with(tmp_path, "crowd.apk", {f"a/{i}": b"" for i in range(70_000)},
                     method=zipfile.ZIP_STORED)
    _refused(scan_bounded(path, tmp_path), "more than the limit of 65536")


def test_an_enormous_central_directory_is_refused(tmp_path: Path) -> None:
    path = _apk_with(tmp_path, "directory.apk", {})
    _patch_end_record(path, directory_size=512 * _MiB)
    _refused(scan_bounded(path, tmp_path), "central directory of 512 MiB")


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "../../../../tmp/pinscan-escaped.pem", "/etc/pinscan-escaped.pem",
    "assets/../../pinscan-escaped.pem", "C:\\Windows\\pinscan-escaped.pem",
    "assets/\x1b[31mred\x1b[0m.pem",
])
def test_escaping_entry_names_are_read_in_memory_and_written_nowhere(
    name: str, tmp_path: Path,
) -> None:
    path = _apk_with(tmp_path, "escape.apk", {name: _pem()})
    outcome = scan_bounded(path, tmp_path)
    assert outcome.code in (0, 1)
    files = {c["path"] for c in outcome.report["certificates"]}
    assert name in files, "read, under its own name, and not extracted"
    assert not Path("/tmp/pinscan-escaped.pem").exists()
    assert not Path("/etc/pinscan-escaped.pem").exists()


def test_a_duplicated_manifest_is_refused_as_android_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "twice.apk"
    shutil.copy(sample_apk(BASE), path)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("AndroidManifest.xml", b"a second manifest")
    _refused(scan_bounded(path, tmp_path), "'AndroidManifest.xml' appears twice",
             "CVE-2013-4787")


# --- methods, encryption, truncation ---------------------------------------------------------

def test_a_certificate_in_a_plain_entry_is_read(tmp_path: Path) -> None:
    """The control for the two below: the same entry, stored plainly, is read."""
    outcome = scan_bounded(_apk_with(tmp_path, "plain.apk", {"assets/extra.pem": _pem()}),
                           tmp_path)
    assert "assets/extra.pem" in {c["path"] for c in outcome.report["certificates"]}
    assert outcome.skipped == {}


@pytest.mark.parametrize(("method", "number"), [(zipfile.ZIP_BZIP2, 12),
                                                (zipfile.ZIP_LZMA, 14)])
def test_a_method_android_cannot_read_is_skipped(method: int, number: int,
                                                 tmp_path: Path) -> None:
    path = _apk_with(tmp_path, "method.apk", {"assets/extra.pem": _pem()}, method=method)
    outcome = scan_bounded(path, tmp_path)
    assert outcome.skipped["assets/extra.pem"].endswith(
        f"uses compression method {number}; Android reads only stored and deflated entries")
    assert "assets/extra.pem" not in {c["path"] for c in outcome.report["certificates"]}


def test_an_encrypted_entry_is_skipped(tmp_path: Path) -> None:
    path = _apk_with(tmp_path, "encrypted.apk", {"assets/extra.pem": _pem()})
    _set_flag(path, "assets/extra.pem", 0x1)
    outcome = scan_bounded(path, tmp_path)
    assert outcome.skipped["assets/extra.pem"].endswith("is encrypted")


def test_an_encrypted_manifest_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "manifest.apk"
    shutil.copy(sample_apk(BASE), path)
    _set_flag(path, "AndroidManifest.xml", 0x1)
    _refused(scan_bounded(path, tmp_path), "AndroidManifest.xml", "encrypted")


@pytest.mark.parametrize("keep", [0.5, 0.99, 10])
def test_a_truncated_archive_is_refused(keep: float, tmp_path: Path) -> None:
    data = sample_apk(BASE).read_bytes()
    path = tmp_path / "cut.apk"
    path.write_bytes(data[:int(len(data) * keep)] if keep < 1 else data[:-int(keep)])
    _refused(scan_bounded(path, tmp_path), "not a zip archive")


# --- builders --------------------------------------------------------------------------------

def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _overlapping_zip(copies: int, size: int) -> bytes:
    """One local entry; ``copies`` central-directory records all pointing at it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(b"\0" * size) + compressor.flush()
    crc = zlib.crc32(b"\0" * size)
    name = b"AndroidManifest.xml"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size,
                        len(name), 0) + name + data
    directory = b""
    for index in range(copies):
        entry = name if index == 0 else f"assets/{index}".encode()
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                                 len(data), size, len(entry), 0, 0, 0, 0, 0, 0) + entry
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, copies, copies, len(directory),
                      len(local), 0)
    return local + directory + end


def _zip64_claiming(entries: int) -> bytes:
    """An empty archive whose ZIP64 end record claims ``entries`` entries."""
    record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, entries, entries, 0, 0)
    locator = struct.pack("<IIQI", 0x07064B50, 0, 0, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                      0xFFFFFFFF, 0)
    return record + locator + end


def _end_record_at(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


def _patch_end_record(path: Path, *, directory_size: int) -> None:
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, _end_record_at(bytes(data)) + 12, directory_size)
    path.write_bytes(bytes(data))


def _central_record(data: bytes, name: str) -> int:
    at = data.find(b"PK\x01\x02")
    encoded = name.encode()
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == encoded:
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"no central record for {name}")


def _patch_sizes(path: Path, name: str, size: int) -> None:
    """Make the local and central records of ``name`` declare ``size`` inflated bytes."""
    data = bytearray(path.read_bytes())
    central = _central_record(bytes(data), name)
    struct.pack_into("<I", data, central + 24, size)
    local = struct.unpack_from("<I", data, central + 42)[0]
    struct.pack_into("<I", data, local + 22, size)
    path.write_bytes(bytes(data))


def _set_flag(path: Path, name: str, flag: int) -> None:
    data = bytearray(path.read_bytes())
    central = _central_record(bytes(data), name)
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0]
                     | flag)
    local = struct.unpack_from("<I", data, central + 42)[0]
    struct.pack_into("<H", data, local + 6, struct.unpack_from("<H", data, local + 6)[0] | flag)
    path.write_bytes(bytes(data))
