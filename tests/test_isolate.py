"""Contained calls: results, errors, crashes, deadlines and memory limits come back as words."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from mstg_pinscan import isolate
from mstg_pinscan.errors import UnpackError

pytestmark = pytest.mark.skipif(not isolate.AVAILABLE, reason="needs fork")


def _add(a: int, b: int) -> int:
    return a + b


def _crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _hog() -> int:
    chunks = [bytearray(64 * 1024 * 1024) for _ in range(40)]  # 2.5 GiB if it could
    return len(chunks)


def _refuse() -> None:
    raise UnpackError("not a zip archive", path="app.apk")


def _bug() -> None:
    raise KeyError("surprise")


def _grandchild_sleeps(marker: str) -> None:
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    with open(marker, "w") as handle:
        handle.write(str(pid))
    time.sleep(30)


def test_a_result_comes_back() -> None:
    assert isolate.call(_add, 2, 3, limits=isolate.Limits(10, 512)) == 5


def test_a_refusal_keeps_its_file_name() -> None:
    with pytest.raises(UnpackError) as raised:
        isolate.call(_refuse, limits=isolate.Limits(10))
    assert raised.value.diagnostics() == "app.apk: not a zip archive"


def test_a_crash_is_named_by_its_signal() -> None:
    with pytest.raises(isolate.Contained, match=r"^crashed \(SIGSEGV\)$"):
        isolate.call(_crash, limits=isolate.Limits(10))


def test_a_call_past_its_deadline_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(isolate.Contained, match=r"did not finish within 0.5 s"):
        isolate.call(_sleep, 20, limits=isolate.Limits(0.5))
    assert time.monotonic() - started < 5


def test_a_deadline_also_ends_the_childs_own_children(tmp_path) -> None:
    marker = tmp_path / "grandchild"
    with pytest.raises(isolate.Contained):
        isolate.call(_grandchild_sleeps, str(marker), limits=isolate.Limits(1))
    grandchild = int(marker.read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{grandchild}/stat")
    # Killed: gone, or a zombie until whoever inherited it reaps it.
    assert not stat.exists() or stat.read_text().split(") ")[1].startswith("Z")


def test_the_memory_limit_holds() -> None:
    with pytest.raises(isolate.Contained, match=r"ran out of its 512 MiB memory limit"):
        isolate.call(_hog, limits=isolate.Limits(20, 512))


def test_a_bug_in_the_child_is_reported_with_its_traceback() -> None:
    with pytest.raises(isolate.Contained) as raised:
        isolate.call(_bug, limits=isolate.Limits(10))
    assert raised.value.reason == "failed (KeyError: 'surprise')"
    assert "Traceback" in raised.value.details


def test_run_all_runs_in_parallel_and_keeps_every_key() -> None:
    calls = [(n, _sleep, (0.5,)) for n in range(4)]
    started = time.monotonic()
    outcomes = dict(isolate.run_all(calls, isolate.Limits(10), jobs=4))
    assert outcomes == {0: None, 1: None, 2: None, 3: None}
    assert time.monotonic() - started < 1.9  # four half-second sleeps, side by side


def test_one_crash_does_not_stop_the_others() -> None:
    calls = [("a", _add, (1, 1)), ("b", _crash, ()), ("c", _add, (2, 2))]
    outcomes = dict(isolate.run_all(calls, isolate.Limits(10), jobs=1))
    assert outcomes["a"] == 2 and outcomes["c"] == 4
    assert isinstance(outcomes["b"], isolate.Contained)
