#!/usr/bin/env python3
"""Benchmark pinscan's full scan (DEX code included) against androguard's AnalyzeAPK.

Target: "A full scan of a 16 MB-dex APK at least 30 times faster than androguard's
AnalyzeAPK and under 150 MB peak memory; time grows linearly with dex size."

For each APK (the fetch_apks.py cache and the make_big_apk.py APKs in its ``built/``
folder, or the paths given), each measurement runs in a fresh interpreter so that one's
imports and caches do not help another:

* pinscan: ``scan_file(path, load_catalog(), ScanOptions(as_of=date.today()))`` with
  ``read_code=True`` (the default: the code is read), one warm-up and ``--runs`` timed runs
  (median reported);
* androguard: ``androguard.misc.AnalyzeAPK(path)`` once (it is slow), loguru silenced,
  with a time-out of ``--timeout`` seconds;

each with the child's peak resident set size (``ru_maxrss``, interpreter and imports
included). MB here is 10**6 bytes, for DEX sizes and memory alike.

The target is checked on every APK with 16 MB of DEX, to the nearest MB: the ratio
AnalyzeAPK time / pinscan time must be 30 or more and pinscan's peak under 150 MB. Then the
linearity check: pinscan's time per MB of DEX on the built 4, 8 and 16 MB APKs, a straight
line fitted through them, and a flag when the largest APK's time per MB is more than 1.5
times the smallest's.

Exit status 1 when the target fails on an APK (or pinscan cannot scan it), 0 otherwise;
2 when there is nothing to measure.

    python3 benchmarks/fetch_apks.py && python3 benchmarks/make_big_apk.py --install
    python3 benchmarks/bench_dex.py [--json out.json] [--skip-androguard] [APK ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch_apks import SOURCES, cache_dir  # noqa: E402

MB = 1_000_000
TARGET_DEX_MB = 16
TARGET_RATIO = 30.0
TARGET_PEAK_MB = 150.0
LINEARITY_LIMIT = 1.5
BUILT = re.compile(r"debian-java-(\d+)mb-dex\.apk$")
KINDS = ("pinscan", "androguard")
_DEX = re.compile(r"classes\d*\.dex$")


# --- the child: one measurement of one APK in a fresh interpreter ------------------------

def child(kind: str, path: Path, runs: int) -> dict[str, Any]:
    started = time.perf_counter()
    if kind == "pinscan":
        sys.path.insert(0, str(REPOSITORY))
        import mstg_pinscan
        from mstg_pinscan.evaluate.catalog import load_catalog
        from mstg_pinscan.scan import ScanOptions, scan_file

        catalog = load_catalog()
        options = ScanOptions(as_of=date.today(), read_code=True)  # the default: a full scan
        import_s = time.perf_counter() - started
        module = mstg_pinscan.__file__

        def work() -> object:
            return scan_file(path, catalog, options)
    else:
        from androguard.misc import AnalyzeAPK
        from loguru import logger

        logger.disable("androguard")
        import_s = time.perf_counter() - started
        module = AnalyzeAPK.__module__

        def work() -> object:
            return AnalyzeAPK(str(path))
    after_import = _peak_rss_mb()
    result: dict[str, Any] = {"kind": kind, "module": module, "import_s": import_s,
                              "rss_after_import_mb": after_import}
    if kind == "pinscan":
        result["warmup_s"] = _timed(work)
        times = [_timed(work) for _ in range(runs)]
    else:
        times = [_timed(work)]  # one run: AnalyzeAPK takes seconds to minutes
    result.update(times_s=times, median_s=statistics.median(times), peak_rss_mb=_peak_rss_mb())
    return result


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak * 1024 / MB


# --- the parent ---------------------------------------------------------------------------

def measure(kind: str, path: Path, runs: int, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--runs", str(runs), str(path)]
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False,
                                   cwd=REPOSITORY, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"kind": kind, "error": f"timed out after {timeout:.0f} s", "timeout_s": timeout}
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or [f"exit status {completed.returncode}"]
        return {"kind": kind, "error": lines[-1]}
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def dex_bytes(path: Path) -> int:
    """The uncompressed size of the APK's classes*.dex files."""
    try:
        with zipfile.ZipFile(path) as apk:
            return sum(i.file_size for i in apk.infolist() if _DEX.fullmatch(i.filename))
    except (OSError, zipfile.BadZipFile):
        return 0


def is_target(row: dict[str, Any]) -> bool:
    return round(row["dex_bytes"] / MB) >= TARGET_DEX_MB


def benchmark(apks: list[Path], runs: int, timeout: float,
              skip_androguard: bool) -> list[dict[str, Any]]:
    rows = []
    for apk in apks:
        row: dict[str, Any] = {"apk": apk.name, "path": str(apk),
                               "size_bytes": apk.stat().st_size, "dex_bytes": dex_bytes(apk)}
        for kind in KINDS:
            if kind == "androguard" and skip_androguard:
                continue
            print(f"measuring {apk.name}: {kind} ...", file=sys.stderr, flush=True)
            row[kind] = measure(kind, apk, runs, timeout)
        ps, ag = row["pinscan"], row.get("androguard")
        if ag and "error" not in ps and "error" not in ag:
            row["time_ratio"] = ag["median_s"] / ps["median_s"]
            row["memory_ratio"] = ag["peak_rss_mb"] / ps["peak_rss_mb"]
        elif ag and "timeout_s" in ag and "error" not in ps:
            # AnalyzeAPK did not finish: the ratio is at least this much.
            row["time_ratio_at_least"] = ag["timeout_s"] / ps["median_s"]
        if is_target(row):
            row["target"] = check_target(row)
        rows.append(row)
    return rows


def check_target(row: dict[str, Any]) -> dict[str, Any]:
    """met: True, False, or None when the time ratio could not be measured."""
    ps = row["pinscan"]
    if "error" in ps:
        return {"met": False, "why": [f"pinscan failed: {ps['error']}"]}
    why = []
    memory_ok = ps["peak_rss_mb"] < TARGET_PEAK_MB
    if not memory_ok:
        why.append(f"peak {ps['peak_rss_mb']:.0f} MB >= {TARGET_PEAK_MB:.0f} MB")
    ratio = row.get("time_ratio", row.get("time_ratio_at_least"))
    if ratio is None:
        why.append("time ratio not measured")
        return {"met": None if memory_ok else False, "why": why}
    if "time_ratio_at_least" in row:
        why.append(f"AnalyzeAPK timed out: the ratio is at least {ratio:.1f}")
        if ratio < TARGET_RATIO:  # a longer time-out might have shown it
            return {"met": None if memory_ok else False, "why": why}
    if ratio < TARGET_RATIO:
        why.append(f"only {ratio:.1f} times faster than AnalyzeAPK (< {TARGET_RATIO:.0f})")
    return {"met": memory_ok and ratio >= TARGET_RATIO, "why": why}


def linearity(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """pinscan's time per DEX MB on the built APKs, a least-squares line, and the flag."""
    points = sorted((row["dex_bytes"] / MB, row["pinscan"]["median_s"], row["apk"])
                    for row in rows if BUILT.search(row["apk"]) and "error" not in row["pinscan"])
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    total = sum((y - mean_y) ** 2 for y in ys)
    per_mb = [y / x for x, y in zip(xs, ys, strict=True)]
    growth = per_mb[-1] / per_mb[0]
    return {
        "points": [{"apk": name, "dex_mb": x, "pinscan_s": y, "s_per_dex_mb": y / x}
                   for x, y, name in points],
        "slope_s_per_mb": slope,
        "intercept_s": intercept,
        "r_squared": 1 - residual / total if total else 1.0,
        "per_mb_largest_to_smallest": growth,
        "flagged": growth > LINEARITY_LIMIT,
    }


COLUMNS = (
    ("APK", "<"), ("dex MB", ">"), ("pinscan s", ">"), ("pinscan peak MB", ">"),
    ("AnalyzeAPK s", ">"), ("AnalyzeAPK peak MB", ">"), ("time ratio", ">"),
    ("memory ratio", ">"), ("target", "<"),
)


def table(rows: list[dict[str, Any]]) -> str:
    def cell(measured: dict[str, Any] | None, key: str, form: str) -> str:
        if measured is None:
            return "-"
        return "error" if "error" in measured else format(measured[key], form)

    cells = [[name for name, _ in COLUMNS]]
    for row in rows:
        ps, ag = row["pinscan"], row.get("androguard")
        target = row.get("target")
        verdict = "-" if target is None else {True: "met", False: "MISSED", None: "?"}[
            target["met"]]
        cells.append([
            short(row["apk"]), f"{row['dex_bytes'] / MB:.2f}",
            cell(ps, "median_s", ".3f"), cell(ps, "peak_rss_mb", ".0f"),
            cell(ag, "median_s", ".1f"), cell(ag, "peak_rss_mb", ".0f"),
            ratio_text(row),
            f"{row['memory_ratio']:.1f}" if "memory_ratio" in row else "-",
            verdict,
        ])
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(cells):
        aligned = zip(line, COLUMNS, widths, strict=True)
        lines.append("  ".join(f"{text:{align}{width}}" for text, (_, align), width in aligned)
                     .rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def ratio_text(row: dict[str, Any]) -> str:
    if "time_ratio" in row:
        return f"{row['time_ratio']:.1f}"
    if "time_ratio_at_least" in row:
        return f">{row['time_ratio_at_least']:.0f}"
    return "-"


def short(name: str) -> str:
    """The member's own name where the cache's name says the package twice."""
    for source in SOURCES:
        member = name.removeprefix(f"{source.name}-{source.version}-")
        if member != name and member.startswith(source.name):
            return member
    return name


def linearity_text(fit: dict[str, Any] | None) -> str:
    if fit is None:
        return "linearity: fewer than two built APKs measured (benchmarks/make_big_apk.py)"
    lines = ["linearity (pinscan on the built APKs):"]
    for point in fit["points"]:
        lines.append(f"  {point['apk']:<26} {point['dex_mb']:6.2f} MB  {point['pinscan_s']:.3f} s"
                     f"  {point['s_per_dex_mb'] * 1000:.1f} ms/MB")
    lines.append(f"  fit: {fit['intercept_s']:.3f} s + {fit['slope_s_per_mb'] * 1000:.1f} ms/MB"
                 f" x dex MB, R^2 = {fit['r_squared']:.4f}")
    state = "FLAGGED: more than" if fit["flagged"] else "within"
    lines.append(f"  time per MB, largest / smallest: {fit['per_mb_largest_to_smallest']:.2f}"
                 f" ({state} {LINEARITY_LIMIT}x)")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        completed = subprocess.run(["git", *args], capture_output=True, text=True,
                                   check=False, cwd=REPOSITORY)
        return completed.stdout.rstrip() if completed.returncode == 0 else None

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "pinscan_commit": git("rev-parse", "HEAD"),
        "pinscan_changed_files": (git("status", "--porcelain", "--", "mstg_pinscan") or "")
        .splitlines(),
    }


def default_apks() -> list[Path]:
    cache = cache_dir()
    return sorted(cache.glob("*.apk")) + sorted(
        (cache / "built").glob("*.apk"), key=lambda p: dex_bytes(p))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apks", nargs="*", type=Path,
                        help="APKs to measure (default: the fetch_apks.py cache and its built/)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed pinscan runs after one warm-up (default 3)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds for one child process (default 600)")
    parser.add_argument("--skip-androguard", action="store_true",
                        help="measure pinscan only (the time ratio is then not checked)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.runs < 1:
        print("bench_dex: --runs must be at least 1", file=sys.stderr)
        return 2
    if args.child:
        print(json.dumps(child(args.child, args.apks[0], args.runs)))
        return 0
    apks = args.apks or default_apks()
    if not apks:
        print(f"bench_dex: no APK in {cache_dir()}; run benchmarks/fetch_apks.py and "
              "benchmarks/make_big_apk.py first", file=sys.stderr)
        return 2
    missing = [str(apk) for apk in apks if not apk.is_file()]
    if missing:
        print(f"bench_dex: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = benchmark(apks, args.runs, args.timeout, args.skip_androguard)
    fit = linearity(rows)
    print(table(rows))
    print(f"\npinscan: scan_file, median of {args.runs} after one warm-up; AnalyzeAPK: one "
          "run; each in a fresh process; peak = the process's peak RSS; MB = 10^6 bytes;\n"
          "ratios = AnalyzeAPK / pinscan")
    for row in rows:
        for kind in KINDS:
            if "error" in row.get(kind, {}):
                print(f"{row['apk']}: {kind} failed: {row[kind]['error']}")
    print()
    print(linearity_text(fit))
    if args.json:
        document = {"environment": environment(), "runs": args.runs,
                    "target": {"dex_mb": TARGET_DEX_MB, "min_time_ratio": TARGET_RATIO,
                               "max_peak_mb": TARGET_PEAK_MB,
                               "linearity_limit": LINEARITY_LIMIT},
                    "results": rows, "linearity": fit}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    checked = [row for row in rows if "target" in row]
    print()
    if not checked:
        print(f"no APK with {TARGET_DEX_MB} MB of DEX measured: the target was not checked")
        return 0
    for row in checked:
        met, why = row["target"]["met"], "; ".join(row["target"]["why"])
        state = {True: "met", False: "MISSED", None: "not fully checked"}[met]
        print(f"target {state} on {row['apk']}" + (f": {why}" if why else ""))
    return 1 if any(row["target"]["met"] is False for row in checked) else 0


if __name__ == "__main__":
    sys.exit(main())
