#!/usr/bin/env python3
"""Benchmark pinscan's full scan of cross-platform apps, real framework artifacts included.

Target: "A full scan of an APK carrying a real 18 MB Dart snapshot takes under 2 s and
256 MiB; every framework sample app scans in under a second."

The real apps are assembled here, in a temporary directory: sample_apps/apks/pinned_backup.apk
plus the Flutter release build of the Flet client (``lib/libapp.so``, the Dart AOT snapshot,
and the engine) from the flet-desktop wheels that benchmarks/fetch_frameworks.py caches. The
sample apps are sample_apps/frameworks/*/out/*. Each app is measured in a fresh interpreter:
``scan_file(path, load_catalog(), ScanOptions(as_of=date.today()))`` (code included), one
warm-up and N timed runs (median reported), and the process's peak RSS (``ru_maxrss``).

Exit status 1 when a target is missed or an app cannot be scanned; 2 when there is nothing
to measure.

    python3 benchmarks/fetch_frameworks.py && python3 benchmarks/bench_frameworks.py
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_frameworks import cache_dir  # noqa: E402

REAL_TARGET_S = 2.0
REAL_TARGET_MIB = 256.0
SAMPLE_TARGET_S = 1.0
# (cache folder, tarball member) of the Flutter builds read as real apps.
FLET = ("flet-desktop-0.28.3", "flet-desktop-0.25.2")
FLET_TARBALL = "flet_desktop/app/flet-linux-amd64.tar.gz"
FLET_MEMBERS = {"flet/lib/libapp.so": "lib/x86_64/libapp.so",
                "flet/lib/libflutter_linux_gtk.so": "lib/x86_64/libflutter.so"}


def child(path: Path, runs: int) -> dict[str, Any]:
    """Import, warm up, time ``runs`` scans of ``path``; the numbers, printed as JSON."""
    sys.path.insert(0, str(REPOSITORY))
    from datetime import date

    from mstg_pinscan.evaluate.catalog import load_catalog
    from mstg_pinscan.scan import ScanOptions, scan_file

    catalog = load_catalog()
    options = ScanOptions(as_of=date.today())
    result = scan_file(path, catalog, options)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        scan_file(path, catalog, options)
        times.append(time.perf_counter() - started)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"median_s": statistics.median(times), "peak_mib": peak_mib,
            "frameworks": [f.name for f in result.frameworks],
            "verdict": result.verdict.status.value}


def measure(path: Path, runs: int) -> dict[str, Any]:
    """:func:`child` in a fresh interpreter; an ``error`` key when the scan fails."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--runs", str(runs)],
        capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        lines = (completed.stderr.strip() or "no output").splitlines()
        return {"error": lines[-1]}
    measured: dict[str, Any] = json.loads(completed.stdout)
    return measured


def real_apps(into: Path) -> list[Path]:
    """The Flet builds inside the sample app's APK; none when the cache lacks them."""
    base = REPOSITORY / "sample_apps" / "apks" / "pinned_backup.apk"
    apps = []
    for folder in FLET:
        tarball = cache_dir() / folder / FLET_TARBALL
        if not tarball.is_file():
            print(f"{tarball} missing: run benchmarks/fetch_frameworks.py", file=sys.stderr)
            continue
        apk = into / f"{folder}.apk"
        with tarfile.open(tarball) as tar, zipfile.ZipFile(base) as source, \
                zipfile.ZipFile(apk, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                target.writestr(item, source.read(item))
            for member, name in FLET_MEMBERS.items():
                handle = tar.extractfile(member)
                if handle is not None:
                    target.writestr(name, handle.read())
        apps.append(apk)
    return apps


def meets(row: dict[str, Any], real: bool) -> bool:
    if "error" in row:
        return False
    if real:
        return bool(row["median_s"] < REAL_TARGET_S and row["peak_mib"] < REAL_TARGET_MIB)
    return bool(row["median_s"] < SAMPLE_TARGET_S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed scans per app")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.runs)))
        return 0

    samples = sorted((REPOSITORY / "sample_apps" / "frameworks").glob("*/out/*"))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for path, real in [(p, True) for p in real_apps(Path(work))] + [
                (p, False) for p in samples]:
            row = {"app": path.name, "real": real, "mib": path.stat().st_size / 2**20,
                   **measure(path, args.runs)}
            row["meets_target"] = meets(row, real)
            rows.append(row)
            shown = (row.get("error") or f"{row['median_s']:6.3f} s {row['peak_mib']:6.1f} MiB "
                     f"{','.join(row['frameworks']):13} {row['verdict']}")
            print(f"{row['app']:32} {row['mib']:6.1f} MiB  {shown}"
                  f"{'' if row['meets_target'] else '  MISSES TARGET'}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    if not rows:
        return 2
    return 0 if all(r["meets_target"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
