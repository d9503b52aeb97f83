"""Run every fuzz target for a bounded time and say how many inputs each survived.

    python fuzz/run.py [--seconds 30] [--runs N] [--only dex,plist] [--work DIR] [--jobs 2]

Each target starts from seeds made from the sample apps, keeps its growing corpus in the
work folder (outside the repository: ``$PINSCAN_FUZZ_CACHE`` or ``~/.cache/pinscan/fuzz``)
so that later runs go on from it, and writes any crashing input there as ``crash-*``.
The exit code is 1 when a target found a crash, else 0. A crash becomes a regression test
in ``tests/fuzz/`` before it is fixed.

With ``--runs`` each target stops after that many inputs, from a fixed random seed and an
empty corpus, so that a CI run explores the same inputs every time (``--seconds`` then only
caps the time); without it each target runs for ``--seconds`` and goes on from the corpus of
earlier runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_RUNS = re.compile(r"^stat::number_of_executed_units: *(\d+)", re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="time per target")
    parser.add_argument("--runs", type=int, default=0,
                        help="inputs per target, from a fixed seed and the seed corpus only")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--jobs", type=int, default=2, help="targets run at once")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get(
        "PINSCAN_FUZZ_CACHE", Path.home() / ".cache" / "pinscan" / "fuzz")))
    args = parser.parse_args()
    targets = sorted(HERE.glob("fuzz_*.py"))
    if args.only:
        wanted = set(args.only.split(","))
        targets = [t for t in targets if t.stem.removeprefix("fuzz_") in wanted]
    pending = list(targets)
    running: list[tuple[Path, subprocess.Popen[str], float]] = []
    failed = False
    print(f"{'target':<12} {'runs':>10} {'seconds':>8}  result")
    while pending or running:
        while pending and len(running) < args.jobs:
            target = pending.pop(0)
            running.append((target, _start(target, args.work, args.seconds, args.runs),
                            time.monotonic()))
        for item in list(running):
            target, process, started = item
            if process.poll() is None:
                continue
            running.remove(item)
            failed |= _summarise(target, process.returncode, args.work,
                                 time.monotonic() - started)
        time.sleep(0.2)
    return 1 if failed else 0


def _start(target: Path, work: Path, seconds: int, runs: int) -> subprocess.Popen[str]:
    name = target.stem.removeprefix("fuzz_")
    corpus = work / name / ("seeds" if runs else "corpus")
    if runs:
        shutil.rmtree(corpus, ignore_errors=True)
    env = {**os.environ, "PINSCAN_FUZZ_SCRATCH": str(_scratch(work, name)),
           **({"PYTHONHASHSEED": "0"} if runs else {})}
    seeding = subprocess.run([sys.executable, str(target), "--write-seeds", str(corpus)],
                             env=env, capture_output=True, text=True)
    if seeding.returncode:
        sys.exit(f"{target.name}: writing seeds failed\n{seeding.stderr}")
    repeatable = [f"-runs={runs}", "-seed=1"] if runs else []
    artifacts = work / name
    log = (artifacts / "last-run.log").open("w")  # a file: a pipe would fill and block
    return subprocess.Popen(
        [sys.executable, str(target), str(corpus), *repeatable, f"-max_total_time={seconds}",
         "-timeout=10", "-rss_limit_mb=2048", "-max_len=1048576",
         f"-artifact_prefix={artifacts}/", "-print_final_stats=1"],
        stdout=log, stderr=subprocess.STDOUT, text=True,
        env=env,
    )


def _scratch(work: Path, name: str) -> Path:
    """Where a target writes the files it scans: in memory where Linux offers it."""
    shm = Path("/dev/shm")
    return (shm if shm.is_dir() else work) / f"pinscan-fuzz-{name}-{os.getpid()}"


def _summarise(target: Path, code: int, work: Path, elapsed: float) -> bool:
    name = target.stem.removeprefix("fuzz_")
    shutil.rmtree(_scratch(work, name), ignore_errors=True)
    output = (work / name / "last-run.log").read_text(errors="replace")
    runs = _RUNS.findall(output)
    count = runs[-1] if runs else "?"
    result = "ok" if code == 0 else f"FAILED (exit {code}; log {work / name / 'last-run.log'})"
    print(f"{name:<12} {count:>10} {elapsed:>8.0f}  {result}", flush=True)
    return code != 0


if __name__ == "__main__":
    sys.exit(main())
