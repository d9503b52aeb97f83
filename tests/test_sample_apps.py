"""The sample APKs are real, signed and reproducible from the sources in sample_apps/."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_APKS

TOOLS = ("aapt", "zipalign", "apksigner", "java", "javac")
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
TOOLCHAIN = Path(os.environ.get("PINSCAN_TOOLCHAIN_CACHE",
                                Path.home() / ".cache" / "pinscan" / "toolchain"))
DX = TOOLCHAIN / "root/usr/lib/android-sdk/build-tools/debian/lib/dx.jar"
needs_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS) or not FRAMEWORK.exists() or not DX.exists(),
    reason="Debian's aapt, zipalign, apksigner, a JDK and android-framework-res, or dx from "
    "sample_apps/fetch_toolchain.sh, are missing (scripts/test.sh installs them)",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_tools
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "sample_apps" / "build.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    committed = sorted(SAMPLE_APKS.glob("*.apk"))
    assert [p.name for p in committed] == sorted(p.name for p in tmp_path.glob("*.apk"))
    for apk in committed:
        assert _sha256(apk) == _sha256(tmp_path / apk.name), f"{apk.name} is not reproducible"


@needs_tools
@pytest.mark.parametrize("apk", sorted(p.name for p in SAMPLE_APKS.glob("*.apk")))
def test_signed_and_aligned(apk: str) -> None:
    path = SAMPLE_APKS / apk
    verify = subprocess.run(["apksigner", "verify", str(path)], capture_output=True, text=True,
                            timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    align = subprocess.run(["zipalign", "-c", "-p", "4", str(path)], capture_output=True)
    assert align.returncode == 0
