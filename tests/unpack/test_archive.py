"""The unpack stage refuses what is not an APK and bounds what it inflates."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack import UnpackLimits, detect_platform, open_bundle


def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_reads_an_apk_in_memory(tmp_path: Path) -> None:
    apk = _zip(tmp_path / "a.apk", {"AndroidManifest.xml": b"x", "assets/a.txt": b"hello"})
    with open_bundle(apk) as bundle:
        assert detect_platform(bundle) is Platform.ANDROID
        assert bundle.read("assets/a.txt") == b"hello"
        assert bundle.head("assets/a.txt", 2) == b"he"
        assert len(bundle.sha256) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.apk"]  # nothing extracted


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a zip archive"),
        (b"plain text, not an archive at all", "not a zip archive"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a zip archive"),
    ],
    ids=["empty", "text", "truncated-header"],
)
def test_refuses_non_zip(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.apk"
    path.write_bytes(content)
    with pytest.raises(UnpackError) as caught:
        open_bundle(path)
    assert reason in caught.value.diagnostics()
    assert str(path) in caught.value.diagnostics()


def test_refuses_truncated_zip(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.apk", {"AndroidManifest.xml": b"x" * 1000})
    cut = tmp_path / "cut.apk"
    cut.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(UnpackError):
        open_bundle(cut)


def test_refuses_zip_without_manifest_or_app(tmp_path: Path) -> None:
    path = _zip(tmp_path / "lib.zip", {"classes.txt": b"x", "Payload/notes.txt": b"x"})
    with open_bundle(path) as bundle, pytest.raises(UnpackError, match="not an APK or IPA"):
        detect_platform(bundle)


@pytest.mark.parametrize("name", ["Payload/A.app/Info.plist", "A.app/Info.plist"],
                         ids=["ipa", "zipped-app"])
def test_recognises_an_ipa_and_a_zipped_app(tmp_path: Path, name: str) -> None:
    path = _zip(tmp_path / "a.ipa", {name: b"<plist/>"})
    with open_bundle(path) as bundle:
        assert detect_platform(bundle) is Platform.IOS


def test_a_plist_deeper_down_is_no_app(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", {"Payload/A.app/PlugIns/B.appex/Info.plist": b"x"})
    with open_bundle(path) as bundle, pytest.raises(UnpackError):
        detect_platform(bundle)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnpackError, match="no such file"):
        open_bundle(tmp_path / "absent.apk")
    with pytest.raises(UnpackError, match="directory"):
        open_bundle(tmp_path)


def test_entry_count_limit(tmp_path: Path) -> None:
    entries = {f"assets/{i}": b"" for i in range(20)} | {"AndroidManifest.xml": b"x"}
    path = _zip(tmp_path / "many.apk", entries)
    with pytest.raises(UnpackError, match="entries"):
        open_bundle(path, UnpackLimits(max_entries=10))
    open_bundle(path, UnpackLimits(max_entries=21)).close()


def test_zip_bomb_ratio_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "bomb.apk", {"AndroidManifest.xml": b"x",
                                        "assets/zeros": b"\0" * (8 * 1024 * 1024)})
    with pytest.raises(UnpackError, match="compression ratio"):
        open_bundle(path)


def test_declared_entry_size_limit(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.apk", {"AndroidManifest.xml": b"x",
                                       "assets/big": bytes(range(256)) * 8192},
                method=zipfile.ZIP_STORED)
    with pytest.raises(UnpackError, match="declares"):
        open_bundle(path, UnpackLimits(max_entry_size=1024 * 1024))


def test_lying_size_header_is_caught_while_inflating(tmp_path: Path) -> None:
    """An entry whose header claims a small size but inflates to more stops at the limit."""
    payload = b"A" * (3 * 1024 * 1024)
    path = _zip(tmp_path / "liar.apk", {"AndroidManifest.xml": b"x", "assets/liar": payload})
    with open_bundle(path, UnpackLimits(max_ratio=10_000)) as bundle, pytest.raises(
        UnpackError, match="inflates past"
    ):
        bundle.read("assets/liar", max_size=1024 * 1024)


def test_total_inflated_size_limit(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 4096  # 1 MiB, incompressible enough
    path = _zip(tmp_path / "t.apk", {"AndroidManifest.xml": b"x", "a": blob, "b": blob},
                method=zipfile.ZIP_STORED)
    limits = UnpackLimits(max_total_size=3 * 1024 * 1024 // 2 * 2)
    with open_bundle(path, limits) as bundle:
        bundle.read("a")
        bundle.read("b")
    with pytest.raises(UnpackError, match="declares"):
        open_bundle(path, UnpackLimits(max_total_size=1024 * 1024))


def test_encrypted_entry_is_refused_by_name(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("AndroidManifest.xml", b"x")
        archive.writestr("assets/secret", b"y")
    data = bytearray(buffer.getvalue())
    # Set the "encrypted" flag bit in the local and central headers of the second entry.
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):
        index = data.find(signature, data.find(signature) + 1)
        offset = 6 if signature == b"PK\x03\x04" else 8
        data[index + offset] |= 0x01
    path = tmp_path / "enc.apk"
    path.write_bytes(bytes(data))
    with open_bundle(path) as bundle, pytest.raises(UnpackError, match="encrypted"):
        bundle.read("assets/secret")
