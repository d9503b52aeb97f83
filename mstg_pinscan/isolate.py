"""Run what can crash or run away in a forked child, with a time and a memory limit.

A crafted bundle can make a native parser (LIEF) crash the process, or make any parser
loop or allocate without end. pinscan therefore scans each bundle, and reads each Mach-O
binary, in a child process: the child sets its own memory limit (``RLIMIT_DATA``: heap and
anonymous mappings), the parent kills it at its deadline, and a crash, a kill or an
exhausted limit comes back as :class:`Contained` with a reason in plain words, so the scan
of everything else goes on.

The child is made with ``fork``: it starts with the parent's modules and inputs and sends
back only its pickled result. Where ``fork`` does not exist (Windows), calls run in the
process itself, unbounded; :data:`AVAILABLE` says which.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mstg_pinscan.errors import PinscanError

AVAILABLE = hasattr(os, "fork")
_MiB = 1024 * 1024
_T = TypeVar("_T")
_K = TypeVar("_K")
# True in a child: its own children stay in its process group, so that killing the group at
# the deadline also ends the processes it started.
_in_child = False


@dataclass(frozen=True)
class Limits:
    """Bounds for one child: wall-clock seconds and MiB of memory (None: no bound)."""

    seconds: float | None = None
    memory_mib: int | None = None


class Contained(Exception):
    """The child crashed, was killed at its deadline or ran out of memory."""

    def __init__(self, reason: str, details: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass
class _Child(Generic[_K]):
    key: _K
    pid: int
    fd: int
    deadline: float | None
    limits: Limits
    chunks: list[bytes]


def call(function: Callable[..., _T], *args: Any, limits: Limits) -> _T:
    """``function(*args)`` in a child; its exceptions are raised here as they were there.

    Raises :class:`Contained` when the child does not come back with a result.
    """
    if not AVAILABLE:
        return function(*args)
    for _key, outcome in run_all([(None, function, args)], limits, jobs=1):
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    raise AssertionError("run_all yields once per call")


def run_all(calls: Iterable[tuple[_K, Callable[..., Any], tuple[Any, ...]]], limits: Limits,
            jobs: int) -> Iterator[tuple[_K, Any]]:
    """Run each ``(key, function, args)`` in a child, at most ``jobs`` at once.

    Yields ``(key, result)`` as children finish; the result is the function's return value,
    the exception it raised, or a :class:`Contained`.
    """
    pending = list(calls)
    pending.reverse()
    running: list[_Child[_K]] = []
    try:
        while pending or running:
            while pending and len(running) < max(jobs, 1):
                key, function, args = pending.pop()
                running.append(_start(key, function, args, limits))
            yield from _collect(running)
    finally:
        for child in running:  # the consumer stopped early: leave no child behind
            _kill(child)


def _start(key: _K, function: Callable[..., Any], args: tuple[Any, ...],
           limits: Limits) -> _Child[_K]:
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()  # else the child's first write would repeat what the parent buffered
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        os.close(read_fd)
        _child_main(write_fd, function, args, limits)
    os.close(write_fd)
    if not _in_child:
        try:  # also here, so that the group exists whichever process runs first
            os.setpgid(pid, pid)
        except OSError:
            pass
    deadline = time.monotonic() + limits.seconds if limits.seconds else None
    return _Child(key, pid, read_fd, deadline, limits, [])


def _child_main(fd: int, function: Callable[..., Any], args: tuple[Any, ...],
                limits: Limits) -> None:
    global _in_child
    status = 0
    try:
        if not _in_child:
            os.setpgid(0, 0)
            _in_child = True
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        faulthandler.disable()  # a crash is reported once, by the parent, in one line
        if limits.memory_mib:
            size = limits.memory_mib * _MiB
            _, hard = resource.getrlimit(resource.RLIMIT_DATA)
            if hard != resource.RLIM_INFINITY:
                size = min(size, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (size, hard))
        try:
            payload: tuple[str, Any] = ("ok", function(*args))
        except MemoryError:
            payload = ("memory", None)
        except PinscanError as exc:
            payload = ("raise", exc)
        except Exception as exc:  # a bug or a parser's surprise: the parent words it
            payload = ("bug", (f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", None))
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        status = 70
    finally:
        os._exit(status)


def _collect(running: list[_Child[_K]]) -> Iterator[tuple[_K, Any]]:
    """Wait for output or a deadline; yield the children that have finished."""
    now = time.monotonic()
    deadlines = [c.deadline for c in running if c.deadline is not None]
    wait = max(0.0, min(deadlines) - now) if deadlines else None
    ready, _, _ = select.select([c.fd for c in running], [], [], wait)
    for child in list(running):
        if child.fd in ready:
            chunk = os.read(child.fd, 1 << 20)
            if chunk:
                child.chunks.append(chunk)
                continue
            running.remove(child)
            yield child.key, _finish(child)
        elif child.deadline is not None and time.monotonic() >= child.deadline:
            running.remove(child)
            _kill(child)
            yield child.key, Contained(f"did not finish within {child.limits.seconds:g} s")


def _finish(child: _Child[Any]) -> Any:
    os.close(child.fd)
    _, status = os.waitpid(child.pid, 0)
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return Contained(f"crashed ({name})")
    try:
        kind, value = pickle.loads(b"".join(child.chunks))
    except Exception:
        return Contained(f"ended without a result (exit status {os.WEXITSTATUS(status)})")
    if kind == "ok":
        return value
    if kind == "raise":
        return value
    if kind == "memory":
        return Contained(f"ran out of its {child.limits.memory_mib} MiB memory limit")
    summary, details = value
    return Contained(f"failed ({summary})", details)


def _kill(child: _Child[Any]) -> None:
    try:
        if _in_child:
            os.kill(child.pid, signal.SIGKILL)
        else:
            os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(child.pid, 0)
    os.close(child.fd)
