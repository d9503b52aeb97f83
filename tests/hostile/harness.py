"""Run pinscan on a hostile bundle in a child process and hold it to the issue-6 bounds.

:func:`scan_bounded` runs the real command line, as a user would, in a scratch home,
working folder and TMPDIR, and fails the test unless the scan

- ends within :data:`SECONDS` (the child is killed at three times that);
- peaks below :data:`PEAK_MIB` of resident memory (its own and its children's);
- exits 0 or 1 with a JSON report, or 2 with exactly one line on stderr naming the file;
- prints no traceback;
- writes nothing but the report: not beside the bundle, not in the working folder,
  home or temporary folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECONDS = 10.0
PEAK_MIB = 512.0


@dataclass(frozen=True)
class Outcome:
    """What one bounded scan did."""

    code: int
    stderr: str
    report: dict[str, Any] | None
    seconds: float
    peak_mib: float

    @property
    def skipped(self) -> dict[str, str]:
        """The report's skipped items, item -> reason (empty without a report)."""
        if not self.report:
            return {}
        return {s["item"]: s["reason"] for s in self.report["analysis"]["skipped"]}


def scan_bounded(bundle: Path, tmp_path: Path, *args: str) -> Outcome:
    """Scan ``bundle`` with the command line and check the bounds; see the module text."""
    base = Path(tempfile.mkdtemp(prefix="pinscan-run-", dir=tmp_path))
    scratch = {name: base / name for name in ("cwd", "home", "tmp", "out")}
    for folder in scratch.values():
        folder.mkdir(parents=True, exist_ok=True)
    beside = _tree(bundle.parent, base)
    report_path = scratch["out"] / "report.json"
    env = {**os.environ, "HOME": str(scratch["home"]), "TMPDIR": str(scratch["tmp"]),
           "CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "mstg_pinscan", "-j", "1", "--format", "json",
               "-o", str(report_path), *args, str(bundle)]
    streams = base / "streams"  # outside the scratch folders that must stay empty
    streams.mkdir(exist_ok=True)
    started = time.monotonic()
    with (streams / "stdout").open("w") as out, (streams / "stderr").open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(streams / "peak"), *command],
            cwd=scratch["cwd"], env=env, stdout=out, stderr=err, start_new_session=True)
        code = _wait(process, 3 * SECONDS)
    stdout = (streams / "stdout").read_text(errors="replace")
    stderr = (streams / "stderr").read_text(errors="replace")
    seconds = time.monotonic() - started
    peak_mib = int((streams / "peak").read_text() or 0) / 1024 if code is not None else 0
    assert code is not None, f"{bundle.name}: still running after {3 * SECONDS:.0f} s: killed"
    assert "Traceback" not in stderr + stdout, f"{bundle.name}: traceback\n{stderr}"
    assert code in (0, 1, 2), f"{bundle.name}: exit {code}\n{stderr}"
    assert seconds < SECONDS, f"{bundle.name}: took {seconds:.1f} s"
    assert peak_mib < PEAK_MIB, f"{bundle.name}: peaked at {peak_mib:.0f} MiB"
    report = None
    if code == 2:
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, f"{bundle.name}: exit 2 with {len(lines)} lines\n{stderr}"
        assert lines[0].startswith(f"pinscan: error: {bundle}: "), lines[0]
        assert not report_path.exists()
    else:
        report = json.loads(report_path.read_text())
    written = [p for name in ("cwd", "home", "tmp") for p in _tree(scratch[name])]
    assert not written, f"{bundle.name}: wrote {written}"
    assert set(_tree(scratch["out"])) <= {report_path}
    assert _tree(bundle.parent, base) == beside, f"{bundle.name}: wrote beside the bundle"
    return Outcome(code, stderr, report, seconds, peak_mib)


# The scan is started by a small launcher rather than straight from pytest: Linux carries a
# process's peak memory across exec, so a child forked from a large pytest process would
# report pytest's peak as its own. The launcher forks from its own small image, execs the
# scan, and writes the peak of the scan and of the processes it waited for (ru_maxrss, KiB).
_MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as handle:
    handle.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def _wait(process: subprocess.Popen[bytes], limit: float) -> int | None:
    """The exit code; past ``limit`` seconds the whole process group is killed (None)."""
    try:
        return process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None


def _tree(folder: Path, leave_out: Path | None = None) -> list[Path]:
    """Every path below ``folder``, except those below ``leave_out``."""
    return sorted(p for p in folder.rglob("*")
                  if leave_out is None or not p.is_relative_to(leave_out))
