"""Resolve resource references through resources.arsc, as the platform does.

Release builds shrink and rename resource files (``res/xml/network_security_config.xml``
may ship as ``res/Xq.xml``), so a reference is only ever resolved through the table,
never by guessing a path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from androguard.core.axml import ARSCParser

from mstg_pinscan.facts import xml as _xml  # noqa: F401 - silences androguard's logging

_logger = logging.getLogger(__name__)

_HEX_REF = re.compile(r"^@(?:android:)?([0-9A-Fa-f]{8})$")
_NAMED_REF = re.compile(r"^@(?:([\w.]+):)?([a-z-]+)/([\w.]+)$")


@dataclass(frozen=True)
class ResolvedValue:
    """One value a resource takes in one configuration (qualifier ``""`` is the default)."""

    qualifier: str
    value: str


class ResourceTable:
    """Lookups in an app's resources.arsc; an app without one resolves nothing."""

    def __init__(self, parser: ARSCParser | None, data: bytes | None = None) -> None:
        self._parsed = parser
        self._data = data
        self.error: str | None = None

    @classmethod
    def from_bytes(cls, data: bytes | None) -> ResourceTable:
        """Parse resources.arsc now; raises ``ValueError`` when it is malformed."""
        table = cls.lazy(data)
        if data is not None and table._parser is None:
            raise ValueError(table.error)
        return table

    @classmethod
    def lazy(cls, data: bytes | None) -> ResourceTable:
        """A table parsed on first lookup: most scans never need it, and a large table
        costs a tenth of a second and a dozen megabytes. A malformed one sets ``error``."""
        return cls(None, data)

    @property
    def _parser(self) -> ARSCParser | None:
        if self._parsed is None and self._data is not None:
            data, self._data = self._data, None
            try:
                parser = ARSCParser(data)
                packages = parser.get_packages_names()
            except Exception as exc:
                # androguard raises many exception types on a malformed table.
                self.error = f"malformed resources.arsc ({type(exc).__name__})"
                return None
            if not packages:
                # androguard stops without an error at a chunk that runs past the table.
                self.error = "malformed resources.arsc (no package could be read)"
            else:
                self._parsed = parser
        return self._parsed

    @property
    def available(self) -> bool:
        """True when a resource table was read."""
        return self._parser is not None

    def resource_id(self, reference: str) -> int | None:
        """Return the numeric id of ``@7F020000`` or ``@type/name``, or None."""
        hex_match = _HEX_REF.match(reference)
        if hex_match:
            return int(hex_match.group(1), 16)
        named = _NAMED_REF.match(reference)
        if not named or self._parser is None:
            return None
        package, rtype, key = named.groups()
        for name in [package] if package else self._parser.get_packages_names():
            res_id = self._parser.get_res_id_by_key(name, rtype, key)
            if res_id is not None:
                return int(res_id)
        return None

    def name(self, reference: str) -> str | None:
        """Return the ``@type/name`` form of a reference, or None when unknown."""
        res_id = self.resource_id(reference)
        if res_id is None or self._parser is None:
            return None
        try:
            full = self._parser.get_resource_xml_name(res_id)
        except Exception:
            return None
        if not full:
            return None
        return "@" + full.split(":", 1)[-1] if ":" in full else full

    def resolve(self, reference: str) -> tuple[ResolvedValue, ...]:
        """Return every configuration's value of a reference (files resolve to paths)."""
        res_id = self.resource_id(reference)
        if res_id is None or self._parser is None:
            return ()
        try:
            configs = self._parser.get_resolved_res_configs(res_id)
        except Exception as exc:
            _logger.warning("cannot resolve resource %s: %s", reference, exc)
            return ()
        values = {
            ResolvedValue(config.get_qualifier(), str(value))
            for config, value in configs
            if value is not None
        }
        return tuple(sorted(values, key=lambda v: (v.qualifier, v.value)))

    def resolve_bool(self, value: str | None) -> bool | None:
        """Return a boolean attribute's value, following a ``@bool/…`` reference."""
        if value is None:
            return None
        if value in ("true", "false"):
            return value == "true"
        resolved = {v.value.lower() for v in self.resolve(value)}
        if resolved == {"true"}:
            return True
        if resolved == {"false"}:
            return False
        return None
