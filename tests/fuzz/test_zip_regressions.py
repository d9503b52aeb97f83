"""Inputs the zip-layer fuzz target (fuzz/fuzz_zip.py) found, rebuilt in code."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.unpack import detect_platform, open_bundle


def test_an_unknown_extract_version_is_an_unpack_error(tmp_path: Path) -> None:
    """zipfile raised NotImplementedError ("zip file version 23.6") from the constructor."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"x")
    data = bytearray(buffer.getvalue())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 6, 236)  # version needed to extract: 23.6
    path = tmp_path / "version.apk"
    path.write_bytes(bytes(data))
    with pytest.raises(UnpackError, match="cannot be opened as a zip archive: zip file version"):
        open_bundle(path)


def test_an_archive_without_entries_is_opened_and_then_refused(tmp_path: Path) -> None:
    """The overlap check failed on an archive with no entries at all."""
    path = tmp_path / "empty.apk"
    with zipfile.ZipFile(path, "w"):
        pass
    with open_bundle(path) as bundle, pytest.raises(UnpackError, match="neither"):
        detect_platform(bundle)


def test_a_nameless_entry_is_left_out(tmp_path: Path) -> None:
    """ZipInfo.is_dir() raised IndexError on an entry with an empty name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"x")
        archive.writestr("X", b"nameless")
    data = bytearray(buffer.getvalue())
    # The second central record's one-byte name becomes a one-byte extra field: the name is
    # empty and the directory's layout is unchanged.
    central = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<HH", data, central + 28, 0, 1)  # name length 0, extra length 1
    path = tmp_path / "nameless.apk"
    path.write_bytes(bytes(data))
    with open_bundle(path) as bundle:
        assert bundle.names() == ["AndroidManifest.xml"]


def test_a_local_name_that_is_not_utf8_makes_the_entry_unreadable(tmp_path: Path) -> None:
    """zipfile raised UnicodeDecodeError opening an entry flagged UTF-8 whose local header
    name is not."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"x")
        archive.writestr("assets/\u00e9.pem", b"data")
    data = bytearray(buffer.getvalue())
    local = data.find("assets/\u00e9".encode())
    data[local + 7] = 0xE2  # the first byte of "é" becomes an unfinished three-byte sequence
    path = tmp_path / "name.apk"
    path.write_bytes(bytes(data))
    with open_bundle(path) as bundle:
        assert bundle.head("assets/\u00e9.pem") == b""
        with pytest.raises(UnpackError, match="cannot be read"):
            bundle.read("assets/\u00e9.pem")
