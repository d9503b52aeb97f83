"""Settings a team writes once: ``[tool.pinscan]`` in pyproject.toml, or a pinscan.toml.

Command-line options win over the file; the file wins over the defaults.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mstg_pinscan.errors import UsageError

_KEYS = {"fail-on", "first-party", "expiry-warn-days", "disable", "output-dir", "timeout",
         "memory-limit"}
_FAIL_ON = {"critical", "high", "medium", "low", "never"}


@dataclass(frozen=True)
class FileConfig:
    """What a configuration file sets; None where it sets nothing."""

    path: Path | None = None
    fail_on: str | None = None
    first_party: tuple[str, ...] = ()
    expiry_warn_days: int | None = None
    disable: tuple[str, ...] = ()
    output_dir: Path | None = None
    timeout: int | None = None
    memory_limit: int | None = None


def load_config(explicit: Path | None, directory: Path) -> FileConfig:
    """Read ``explicit``, else ``pinscan.toml``, else ``pyproject.toml``'s ``[tool.pinscan]``
    in ``directory``; no file is no configuration. Raises :class:`UsageError` naming the file
    for unreadable TOML, unknown keys and wrong values."""
    if explicit is not None:
        return _read(explicit, required=True)
    own = directory / "pinscan.toml"
    if own.is_file():
        return _read(own, required=True)
    project = directory / "pyproject.toml"
    if project.is_file():
        return _read(project, required=False)
    return FileConfig()


def _read(path: Path, required: bool) -> FileConfig:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"configuration cannot be read: {exc}", path=str(path)) from exc
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("pinscan")
        if table is None:
            return FileConfig()
    else:
        table = document.get("tool", {}).get("pinscan", document)
    if not isinstance(table, dict):
        raise UsageError("[tool.pinscan] is not a table", path=str(path))
    return _parse(table, path)


def _parse(table: dict[str, Any], path: Path) -> FileConfig:
    normalised = {str(key).replace("_", "-"): value for key, value in table.items()}
    unknown = sorted(set(normalised) - _KEYS)
    if unknown:
        raise UsageError(f"unknown configuration keys {unknown}; known: {sorted(_KEYS)}",
                         path=str(path))
    fail_on = normalised.get("fail-on")
    if fail_on is not None and fail_on not in _FAIL_ON:
        raise UsageError(f"fail-on must be one of {sorted(_FAIL_ON)}", path=str(path))
    days = _whole(normalised, "expiry-warn-days", "a whole number of days", 0, path)
    output_dir = normalised.get("output-dir")
    if output_dir is not None and not isinstance(output_dir, str):
        raise UsageError("output-dir must be a path", path=str(path))
    return FileConfig(
        path=path,
        fail_on=fail_on,
        first_party=_strings(normalised, "first-party", path),
        expiry_warn_days=days,
        disable=_strings(normalised, "disable", path),
        output_dir=(path.parent / output_dir) if output_dir else None,
        timeout=_whole(normalised, "timeout", "a whole number of seconds, at least 1", 1, path),
        memory_limit=_whole(normalised, "memory-limit", "a whole number of MiB, at least 256",
                            256, path),
    )


def _whole(table: dict[str, Any], key: str, meaning: str, least: int, path: Path) -> int | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < least):
        raise UsageError(f"{key} must be {meaning}", path=str(path))
    return value


def _strings(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"{key} must be a list of strings", path=str(path))
    return tuple(value)
