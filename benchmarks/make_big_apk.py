#!/usr/bin/env python3
"""Build large multidex APKs from Debian's Java libraries, for the DEX benchmark.

No real app of a chosen DEX size is at hand, so this makes some: the jars of Debian packages
(``/usr/share/java``) are turned into DEX files with Debian 11's ``dx`` and packed into
APKs of about 4, 8 and 16 MB of DEX (``--sizes``). The APKs go into a folder of the APK
cache, outside the repository:

    ~/.cache/pinscan/apks/built/      (or $PINSCAN_APK_CACHE/built/)

Each jar is dexed on its own (``java -jar dx.jar --dex --multi-dex --min-sdk-version=26
--output=DIR JAR``), and the result is cached, so a second run only packs. An APK takes the
shortest prefix of the ``JARS`` table whose DEX files reach its size, so the smaller APKs'
code is part of the larger ones'. Its ``classes*.dex`` are those of its jars, in the table's
order; the rest of the APK (manifest, resource table, network security configuration) is
copied from ``sample_apps/apks/pinned_backup.apk``. The APK is not signed: pinscan and
androguard do not need it.

Why --min-sdk-version=26: most of these libraries are Java 8 code with lambdas and default
interface methods, which dx rejects below API 26 (24 for default methods). Class files newer
than Java 8 (major version above 52, ``module-info``, ``META-INF/versions/``) are left out
before dx sees them; a jar that dx still rejects is skipped and reported.

    python3 benchmarks/make_big_apk.py [--install] [--sizes 4 8 16] [--force]

``--install`` installs the missing Debian packages with apt-get (as root). dx comes from
``sample_apps/fetch_toolchain.sh``, which this script runs when dx.jar is missing. A summary
(which jars went into which APK, DEX sizes, package versions) is written next to the APKs as
``built.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
sys.path.insert(0, str(HERE))

from fetch_apks import cache_dir  # noqa: E402

JAVA_DIR = Path("/usr/share/java")
TEMPLATE = REPOSITORY / "sample_apps" / "apks" / "pinned_backup.apk"
TOOLCHAIN = Path(os.environ.get("PINSCAN_TOOLCHAIN_CACHE",
                                Path.home() / ".cache" / "pinscan" / "toolchain"))
DX_JAR = TOOLCHAIN / "root/usr/lib/android-sdk/build-tools/debian/lib/dx.jar"
MIN_SDK = 26
MAX_CLASS_MAJOR = 52  # Java 8: what dx reads
DEFAULT_SIZES = (4, 8, 16)
MB = 1_000_000
# A fixed time stamp for every entry, so that the same jars give the same APK.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Jar:
    package: str  # the Debian package that ships it
    name: str  # its name in /usr/share/java

    @property
    def path(self) -> Path:
        return JAVA_DIR / self.name


# In the order the APKs take them: the 4 MB APK has the first few, the 8 MB one more, and so
# on. The approximate DEX size of each (dx, API 26) is in the comment.
JARS = (
    Jar("libguava-java", "guava.jar"),  # 2.5 MB
    Jar("libcommons-collections4-java", "commons-collections4.jar"),  # 0.7 MB
    Jar("libcommons-lang3-java", "commons-lang3.jar"),  # 0.6 MB
    Jar("libgoogle-gson-java", "gson.jar"),  # 0.2 MB
    Jar("libcommons-math3-java", "commons-math3.jar"),  # 2.1 MB
    Jar("libxerces2-java", "xercesImpl.jar"),  # 1.5 MB
    Jar("libjoda-time-java", "joda-time.jar"),  # 0.5 MB
    Jar("libbcprov-java", "bcprov.jar"),  # 4.3 MB
    Jar("libicu4j-java", "icu4j.jar"),  # 2.9 MB
    Jar("libbcpkix-java", "bcpkix.jar"),  # 0.7 MB
    Jar("libbcutil-java", "bcutil.jar"),  # 0.5 MB
    Jar("libhttpclient-java", "httpclient.jar"),  # 0.5 MB
    Jar("libhttpcore-java", "httpcore.jar"),  # 0.3 MB
    Jar("libjackson2-core-java", "jackson-core.jar"),  # 0.5 MB
    Jar("libcommons-compress-java", "commons-compress.jar"),  # 0.6 MB
    Jar("libcommons-io-java", "commons-io.jar"),  # 0.3 MB
)


def built_dir() -> Path:
    return cache_dir() / "built"


def apk_name(size_mb: int) -> str:
    return f"debian-java-{size_mb}mb-dex.apk"


# --- the tools ---------------------------------------------------------------------------

def install_missing(install: bool) -> None:
    missing = sorted({jar.package for jar in JARS if not jar.path.is_file()})
    if not missing:
        return
    if not install:
        print(f"make_big_apk: not installed: {' '.join(missing)}; the APKs are built without "
              "them (--install, as root, installs them with apt-get)", file=sys.stderr)
        return
    command = ["apt-get", "install", "-y", "-qq", *missing]
    if os.geteuid() != 0:
        command.insert(0, "sudo")
    print(f"installing {' '.join(missing)} ...", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    completed = subprocess.run(command, env=environment, check=False, capture_output=True,
                               text=True)
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"make_big_apk: apt-get install failed ({last}); run 'apt-get update' first?",
              file=sys.stderr)


def find_dx() -> Path | None:
    if not DX_JAR.is_file():
        print("dx.jar missing: running sample_apps/fetch_toolchain.sh ...", flush=True)
        subprocess.run(["bash", str(REPOSITORY / "sample_apps" / "fetch_toolchain.sh")],
                       check=False, stdout=subprocess.DEVNULL)
    return DX_JAR if DX_JAR.is_file() else None


# --- one jar -> DEX files (cached) ------------------------------------------------------

def dex_jar(jar: Jar, dx: Path, work: Path) -> list[Path] | None:
    """The jar's classes*.dex, made once and kept under ``work``; None when dx fails."""
    digest = hashlib.sha256(jar.path.read_bytes()).hexdigest()[:16]
    out = work / f"{jar.path.stem}-{digest}-api{MIN_SDK}"
    if (out / "ok").is_file():
        return _dex_files(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="pinscan-jar-") as temporary:
        filtered = Path(temporary) / jar.name
        kept, dropped = filter_classes(jar.path, filtered)
        if not kept:
            print(f"  {jar.name}: no Java 8 class file ({dropped} newer ones); skipped")
            return None
        print(f"  {jar.name}: dx on {kept} classes"
              + (f" ({dropped} newer than Java 8 left out)" if dropped else "") + " ...",
              flush=True)
        completed = subprocess.run(
            ["java", "-Xmx3g", "-jar", str(dx), "--dex", "--multi-dex",
             f"--min-sdk-version={MIN_SDK}", f"--output={out}", str(filtered)],
            capture_output=True, text=True, check=False,
        )
    files = _dex_files(out)
    if completed.returncode != 0 or not files:
        errors = [line for line in completed.stderr.splitlines()
                  if "ERROR" in line or "error" in line.lower()]
        reason = (errors or completed.stderr.strip().splitlines() or ["no DEX written"])[0]
        print(f"  {jar.name}: dx failed ({reason[:160]}); skipped")
        shutil.rmtree(out)
        return None
    (out / "ok").write_text(f"{jar.path.resolve()}\n", encoding="utf-8")
    return files


def _dex_files(folder: Path) -> list[Path]:
    def order(path: Path) -> int:
        number = path.stem.removeprefix("classes")
        return int(number) if number else 1

    return sorted(folder.glob("classes*.dex"), key=order)


def filter_classes(source: Path, target: Path) -> tuple[int, int]:
    """Copy the jar's Java 8 (or older) class files; (kept, dropped) counts."""
    kept = dropped = 0
    with zipfile.ZipFile(source) as jar, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for info in jar.infolist():
            name = info.filename
            if not name.endswith(".class"):
                continue
            data = jar.read(info)
            newer = (name.startswith("META-INF/") or name.endswith("module-info.class")
                     or len(data) < 8 or data[:4] != b"\xca\xfe\xba\xbe"
                     or struct.unpack(">H", data[6:8])[0] > MAX_CLASS_MAJOR)
            if newer:
                dropped += 1
                continue
            out.writestr(name, data)
            kept += 1
    return kept, dropped


# --- DEX files -> APK ---------------------------------------------------------------------

def pack(target: Path, dex_files: list[Path]) -> None:
    """Template's manifest and resources, then the DEX files as classes.dex, classes2.dex..."""
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        with zipfile.ZipFile(TEMPLATE) as template, \
                zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as apk:
            for info in template.infolist():
                if info.filename.startswith("META-INF/") or info.filename.endswith(".dex"):
                    continue  # the signature would not match; the template has no code
                entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
                entry.compress_type = info.compress_type
                apk.writestr(entry, template.read(info))
            for number, dex in enumerate(dex_files, start=1):
                entry = zipfile.ZipInfo("classes.dex" if number == 1 else f"classes{number}.dex",
                                        ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                apk.writestr(entry, dex.read_bytes())
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def package_version(package: str) -> str:
    completed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                               capture_output=True, text=True, check=False)
    return completed.stdout.strip() if completed.returncode == 0 else "?"


def build(sizes: list[int], force: bool, install: bool) -> int:
    folder = built_dir()
    if folder == REPOSITORY or REPOSITORY in folder.parents:
        print(f"make_big_apk: {folder} is inside the repository; set PINSCAN_APK_CACHE to a "
              "folder outside it", file=sys.stderr)
        return 2
    targets = {size: folder / apk_name(size) for size in sizes}
    if not force and all(path.is_file() for path in targets.values()):
        print("make_big_apk: every APK is built already (--force builds them again)")
        return show(folder, targets)
    install_missing(install)
    dx = find_dx()
    if dx is None or shutil.which("java") is None:
        print("make_big_apk: dx.jar or java not found", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / "dex"
    print(f"dexing the jars (cached in {work}) ...", flush=True)
    dexed: list[tuple[Jar, list[Path], int]] = []
    for jar in JARS:
        if not jar.path.is_file():
            continue
        files = dex_jar(jar, dx, work)
        if files:
            dexed.append((jar, files, sum(f.stat().st_size for f in files)))
    record = _read_record(folder)
    for size, target in targets.items():
        if target.is_file() and not force:
            continue
        chosen, total = [], 0
        for jar, files, dex_bytes in dexed:
            if total >= size * MB:
                break
            chosen.append((jar, files, dex_bytes))
            total += dex_bytes
        if total < size * MB:
            print(f"{target.name}: the jars give only {total / MB:.1f} MB of DEX; not built")
            continue
        dex_files = [path for _, files, _ in chosen for path in files]
        pack(target, dex_files)
        record[target.name] = {
            "dex_bytes": total,
            "dex_files": len(dex_files),
            "apk_bytes": target.stat().st_size,
            "min_sdk_version": MIN_SDK,
            "template": TEMPLATE.name,
            "jars": [{"jar": jar.path.resolve().name, "package": jar.package,
                      "version": package_version(jar.package), "dex_bytes": dex_bytes}
                     for jar, _, dex_bytes in chosen],
        }
        print(f"{target.name}: {len(chosen)} jars, {len(dex_files)} DEX files, "
              f"{total / MB:.2f} MB of DEX")
    (folder / "built.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return show(folder, targets)


def _read_record(folder: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((folder / "built.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def show(folder: Path, targets: dict[int, Path]) -> int:
    record = _read_record(folder)
    built = [path for path in targets.values() if path.is_file()]
    print(f"\n{folder}: {len(built)} of {len(targets)} APK(s)")
    for path in built:
        about = record.get(path.name, {})
        jars = ", ".join(j["jar"] for j in about.get("jars", []))
        dex_mb = about.get("dex_bytes", 0) / MB
        print(f"  {path.name}: {path.stat().st_size / MB:.1f} MB, {dex_mb:.2f} MB of DEX "
              f"in {about.get('dex_files', '?')} files; {jars}")
    return 0 if len(built) == len(targets) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        metavar="MB", help="DEX sizes to build, in MB (default: 4 8 16)")
    parser.add_argument("--force", action="store_true", help="build the APKs again")
    parser.add_argument("--install", action="store_true",
                        help="apt-get install the Debian packages that are missing")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.sizes):
        parser.error("--sizes must be positive")
    return build(sorted(set(args.sizes)), args.force, args.install)


if __name__ == "__main__":
    sys.exit(main())
