#!/usr/bin/env python3
"""Benchmark pinscan's manifest-and-config scan against androguard's APK parser.

Target: "A manifest-and-config scan of a 25 MB APK takes well under a second."

For each APK (the cache of fetch_apks.py, or the paths given), each measurement runs in a
fresh interpreter so that one's imports and caches do not help another:

* pinscan: import time of ``mstg_pinscan.scan`` and the catalog loader; then
  ``scan_file(path, load_catalog(), ScanOptions(as_of=date.today(), read_code=False))``
  (the configuration-only scan: manifest, resources, network security configuration and
  certificate files; bench_dex.py measures the full scan with the code), one warm-up and
  N timed runs (median reported); peak RSS of the process (``ru_maxrss``).
* androguard: ``androguard.core.apk.APK(path)`` the same way (logging silenced), and in a
  separate process ``APK(path).get_android_resources()``, which also parses resources.arsc
  (APK() alone does so only when the manifest needs a resource string).

Exit status 1 when the median pinscan scan of any APK of 20 MiB or more takes 1.0 s or more,
or when pinscan cannot scan one of the APKs; 2 when there is nothing to measure.

    python3 benchmarks/fetch_apks.py && python3 benchmarks/bench_scan.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_apks import cache_dir  # noqa: E402

_MiB = 1024 * 1024
TARGET_S = 1.0
LARGE_APK = 20 * _MiB
KINDS = ("pinscan", "androguard", "androguard+arsc")


# --- the child: one kind of measurement of one APK in a fresh interpreter -------------------

def child(kind: str, path: Path, runs: int) -> dict[str, Any]:
    """Import, warm up, time ``runs`` calls; return the numbers (printed as JSON)."""
    started = time.perf_counter()
    setup: dict[str, float] = {}
    if kind == "pinscan":
        sys.path.insert(0, str(REPOSITORY))
        from mstg_pinscan.evaluate.catalog import load_catalog
        from mstg_pinscan.scan import ScanOptions, scan_file

        import_s = time.perf_counter() - started
        loaded = time.perf_counter()
        catalog = load_catalog()
        options = ScanOptions(as_of=date.today(), read_code=False)
        setup["catalog_s"] = time.perf_counter() - loaded

        def work() -> object:
            return scan_file(path, catalog, options)
    else:
        from androguard.core.apk import APK
        from loguru import logger

        logger.disable("androguard")
        import_s = time.perf_counter() - started

        if kind == "androguard":
            def work() -> object:
                return APK(str(path))
        else:
            def work() -> object:
                return APK(str(path)).get_android_resources()
    rss_after_import = _peak_rss_mib()
    warmup_s = _timed(work)
    times = [_timed(work) for _ in range(runs)]
    return {
        "kind": kind,
        "import_s": import_s,
        **setup,
        "warmup_s": warmup_s,
        "times_s": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "rss_after_import_mib": rss_after_import,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / _MiB if sys.platform == "darwin" else peak / 1024


# --- the parent: one child per APK and kind, then the table ---------------------------------

def measure(kind: str, path: Path, runs: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--runs", str(runs), str(path)],
        capture_output=True, text=True, check=False, cwd=REPOSITORY,
    )
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or ["no output"]
        return {"kind": kind, "error": lines[-1]}
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def benchmark(apks: list[Path], runs: int) -> list[dict[str, Any]]:
    rows = []
    for apk in apks:
        print(f"measuring {apk.name} ...", file=sys.stderr, flush=True)
        row: dict[str, Any] = {"apk": apk.name, "path": str(apk), "size_bytes": apk.stat().st_size}
        for kind in KINDS:
            row[kind] = measure(kind, apk, runs)
        pinscan, androguard = row["pinscan"], row["androguard"]
        if "error" not in pinscan and "error" not in androguard:
            row["ratio_pinscan_to_androguard"] = pinscan["median_s"] / androguard["median_s"]
        row["meets_target"] = _meets_target(row)
        rows.append(row)
    return rows


def _meets_target(row: dict[str, Any]) -> bool | None:
    """None when the APK is below the size the target speaks of."""
    if row["size_bytes"] < LARGE_APK:
        return None
    pinscan = row["pinscan"]
    return "error" not in pinscan and pinscan["median_s"] < TARGET_S


COLUMNS = (
    ("APK", "<"), ("MiB", ">"), ("ps import s", ">"), ("ps scan s", ">"), ("ps peak MiB", ">"),
    ("ag import s", ">"), ("ag APK() s", ">"), ("ag +arsc s", ">"), ("ag peak MiB", ">"),
    ("ps/ag", ">"),
)


def table(rows: list[dict[str, Any]]) -> str:
    def seconds(m: dict[str, Any], key: str = "median_s") -> str:
        return "error" if "error" in m else f"{m[key]:.3f}"

    def mib(m: dict[str, Any]) -> str:
        return "error" if "error" in m else f"{m['peak_rss_mib']:.0f}"

    cells = [[name for name, _ in COLUMNS]]
    for row in rows:
        ps, ag, arsc = row["pinscan"], row["androguard"], row["androguard+arsc"]
        ratio = row.get("ratio_pinscan_to_androguard")
        cells.append([
            row["apk"], f"{row['size_bytes'] / _MiB:.1f}",
            seconds(ps, "import_s"), seconds(ps), mib(ps),
            seconds(ag, "import_s"), seconds(ag), seconds(arsc), mib(ag),
            f"{ratio:.2f}" if ratio is not None else "-",
        ])
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(cells):
        aligned = zip(line, COLUMNS, widths, strict=True)
        lines.append("  ".join(f"{cell:{align}{width}}" for cell, (_, align), width in aligned)
                     .rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apks", nargs="*", type=Path,
                        help="APKs to measure (default: every APK in the fetch_apks.py cache)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after one warm-up")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.runs < 1:
        print("bench_scan: --runs must be at least 1", file=sys.stderr)
        return 2
    if args.child:
        print(json.dumps(child(args.child, args.apks[0], args.runs)))
        return 0
    apks = args.apks or sorted(cache_dir().glob("*.apk"))
    if not apks:
        print(f"bench_scan: no APK in {cache_dir()}; run benchmarks/fetch_apks.py first",
              file=sys.stderr)
        return 2
    missing = [str(apk) for apk in apks if not apk.is_file()]
    if missing:
        print(f"bench_scan: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = benchmark(apks, args.runs)
    print(table(rows))
    print(f"\nmedian of {args.runs} runs after one warm-up, each tool in a fresh process; "
          "ps = pinscan scan_file, ag = androguard; ps/ag = time ratio")
    for row in rows:
        for kind in KINDS:
            if "error" in row[kind]:
                print(f"{row['apk']}: {kind} failed: {row[kind]['error']}")
    slow = [row["apk"] for row in rows if row["meets_target"] is False]
    large = [row["apk"] for row in rows if row["meets_target"] is not None]
    if args.json:
        document = {"environment": environment(), "runs": args.runs, "target_s": TARGET_S,
                    "large_apk_bytes": LARGE_APK, "results": rows}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    failed = [row["apk"] for row in rows if "error" in row["pinscan"]]
    if slow:
        print(f"target missed: pinscan took {TARGET_S} s or more on {', '.join(slow)}")
    if failed:
        print(f"pinscan could not scan {', '.join(failed)}")
    if slow or failed:
        return 1
    if large:
        print(f"target met: pinscan under {TARGET_S} s on {', '.join(large)}")
    else:
        print("no APK of 20 MiB or more measured: the target was not checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
