#!/usr/bin/env python3
"""Fetch real cross-platform framework artifacts from PyPI and npm packages.

Framework readers are checked against artifacts that nobody on the team built: Dart
snapshots, JavaScript and Hermes bundles, .NET assemblies and web-app plugins that ship
inside public packages. ``benchmarks/frameworks/*.toml`` names them, one file per framework:

    [[package]]
    registry = "pypi"          # or "npm"
    name = "some-package"
    version = "1.2.3"
    members = ["*/libapp.so"]  # fnmatch patterns of the archive members to keep
    note = "what the members are"
    platform = "macosx_12_0_arm64"   # optional: the wheel of another platform (PyPI)

The kept members go into a cache outside the repository, under their path in the archive:

    ~/.cache/pinscan/frameworks/NAME-VERSION[-PLATFORM]/MEMBER   (or $PINSCAN_FRAMEWORK_CACHE)

Running it again downloads nothing for a package already in the cache. A package that cannot
be fetched is reported and skipped; the tests that need it say they were skipped.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fetch_apks import REPOSITORY, download, members

DEFAULT_CACHE = Path.home() / ".cache" / "pinscan" / "frameworks"
TABLES = Path(__file__).resolve().parent / "frameworks"


@dataclass(frozen=True)
class Package:
    """A registry package and the members of it that the tests read."""

    registry: str
    name: str
    version: str
    members: tuple[str, ...]
    note: str
    platform: str = ""

    @property
    def requirement(self) -> str:
        return f"{self.name}@{self.version}" if self.registry == "npm" else (
            f"{self.name}=={self.version}")

    @property
    def folder(self) -> str:
        folder = f"{self.name.replace('/', '__')}-{self.version}"
        return f"{folder}-{self.platform}" if self.platform else folder


def cache_dir() -> Path:
    """The cache folder: $PINSCAN_FRAMEWORK_CACHE or ~/.cache/pinscan/frameworks."""
    configured = os.environ.get("PINSCAN_FRAMEWORK_CACHE")
    return Path(configured).expanduser().resolve() if configured else DEFAULT_CACHE


def packages() -> list[Package]:
    found = []
    for table in sorted(TABLES.glob("*.toml")):
        for entry in tomllib.loads(table.read_text(encoding="utf-8")).get("package", []):
            found.append(Package(entry["registry"], entry["name"], entry["version"],
                                 tuple(entry["members"]), entry.get("note", ""),
                                 entry.get("platform", "")))
    return found


def fetch(package: Package, cache: Path) -> None:
    target = cache / package.folder
    if (target / ".complete").is_file():
        print(f"{package.requirement}: cached, nothing to download")
        return
    with tempfile.TemporaryDirectory(prefix="pinscan-fetch-") as temporary:
        folder = Path(temporary)
        print(f"{package.requirement}: downloading ...", flush=True)
        error = download(package, folder)  # type: ignore[arg-type]
        archives = sorted(p for p in folder.iterdir() if p.is_file())
        if error or not archives:
            print(f"{package.requirement}: download failed ({error or 'no file'}); skipped")
            return
        partial = Path(tempfile.mkdtemp(dir=cache, prefix=f".{package.folder}."))
        kept = 0
        for archive in archives:
            for name, open_member in members(archive):
                if ".." in name.split("/") or name.startswith("/"):
                    continue
                if not any(fnmatch.fnmatch(name, pattern) for pattern in package.members):
                    continue
                out = partial / name
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("wb") as handle, open_member() as stream:
                    shutil.copyfileobj(stream, handle, 1 << 20)
                kept += 1
        (partial / ".complete").write_text(f"{kept} members\n")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
        print(f"  {kept} member(s) -> {target}")


def main() -> int:
    cache = cache_dir()
    if cache == REPOSITORY or REPOSITORY in cache.parents:
        print(f"fetch_frameworks: the cache {cache} is inside the repository; choose a folder "
              "outside it (PINSCAN_FRAMEWORK_CACHE)", file=sys.stderr)
        return 2
    cache.mkdir(parents=True, exist_ok=True)
    for package in packages():
        fetch(package, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
