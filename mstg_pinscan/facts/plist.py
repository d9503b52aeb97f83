"""Read property lists (XML or binary) from an app, safely, and the two settings in them that
decide trust: App Transport Security and TrustKit.
See: https://developer.apple.com/documentation/bundleresources/information-property-list/nsapptransportsecurity
"""

from __future__ import annotations

import datetime as dt
import plistlib
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mstg_pinscan.errors import FactError
from mstg_pinscan.models import Location
from mstg_pinscan.pins import DecodedPin, decode_strict_pin

_ATS_GLOBAL = {
    "NSAllowsArbitraryLoads", "NSAllowsArbitraryLoadsForMedia",
    "NSAllowsArbitraryLoadsInWebContent", "NSAllowsLocalNetworking", "NSExceptionDomains",
    "NSPinnedDomains",
}
_ATS_EXCEPTION = {
    "NSIncludesSubdomains", "NSExceptionAllowsInsecureHTTPLoads", "NSExceptionMinimumTLSVersion",
    "NSExceptionRequiresForwardSecrecy", "NSRequiresCertificateTransparency",
    "NSThirdPartyExceptionAllowsInsecureHTTPLoads", "NSThirdPartyExceptionMinimumTLSVersion",
    "NSThirdPartyExceptionRequiresForwardSecrecy",
    "NSTemporaryExceptionAllowsInsecureHTTPLoads", "NSTemporaryExceptionMinimumTLSVersion",
    "NSTemporaryExceptionRequiresForwardSecrecy",
}
_ATS_PINNED = {"NSIncludesSubdomains", "NSPinnedCAIdentities", "NSPinnedLeafIdentities"}
_TSK_GLOBAL = {"TSKSwizzleNetworkDelegates", "TSKPinnedDomains",
               "TSKIgnorePinningForUserDefinedTrustAnchors"}
_TSK_DOMAIN = {
    "TSKPublicKeyHashes", "TSKEnforcePinning", "TSKIncludeSubdomains", "TSKExpirationDate",
    "TSKReportUris", "TSKDisableDefaultReportUri", "TSKPublicKeyAlgorithms",
    "kSKExcludeSubdomainFromParentPolicy",
}
# The exclusion key is read under this exact spelling (TrustKit's kTSKExcludeSubdomain...
# constant holds the string "kSKExcludeSubdomainFromParentPolicy").
TSK_EXCLUDE = "kSKExcludeSubdomainFromParentPolicy"


# Info.plists are kilobytes; this bound keeps a crafted one from taking seconds or a lot of
# memory in plistlib (about 0.7 s and 11 MB per MiB of the worst binary plist).
MAX_PLIST_SIZE = 1024 * 1024


def load_plist(data: bytes, name: str) -> dict[str, Any]:
    """Parse an XML or binary plist whose top level is a dictionary.

    Raises :class:`FactError` naming ``name`` for anything else: a plist larger than
    :data:`MAX_PLIST_SIZE`, one that contains itself (which CoreFoundation refuses too), or
    unreadable bytes. plistlib refuses XML entity declarations, so entity expansion cannot
    happen.
    """
    if len(data) > MAX_PLIST_SIZE:
        raise FactError(f"property list larger than {MAX_PLIST_SIZE // 1024} KiB", path=name)
    try:
        value = plistlib.loads(data)
    # NOTE: plistlib documents none of these; LookupError is an XML declaration naming an
    # unknown encoding, RecursionError a binary plist nested deeper than the stack.
    except (plistlib.InvalidFileException, xml.parsers.expat.ExpatError, ValueError,
            TypeError, KeyError, IndexError, OverflowError, RecursionError, LookupError,
            UnicodeDecodeError, AttributeError) as exc:
        raise FactError(f"not a readable property list ({type(exc).__name__})", path=name) from exc
    if not isinstance(value, dict):
        raise FactError(f"property list is a {type(value).__name__}, not a dictionary", path=name)
    if _contains_itself(value):
        raise FactError("property list contains itself (a reference cycle)", path=name)
    return value


def _contains_itself(top: dict[str, Any]) -> bool:
    """True when an array or dictionary contains itself, directly or through others.

    plistlib builds such a cycle from a binary plist whose objects refer back to an object
    still being read. The walk keeps its own stack: XML plists nest as deep as they like.
    """
    finished: set[int] = set()
    on_path = {id(top)}
    stack: list[tuple[object, Iterator[object]]] = [(top, iter(top.values()))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if not isinstance(child, (list, dict)) or id(child) in finished:
                continue
            if id(child) in on_path:
                return True
            on_path.add(id(child))
            stack.append((child, iter(child.values() if isinstance(child, dict) else child)))
            break
        else:
            stack.pop()
            on_path.discard(id(node))
            finished.add(id(node))
    return False


def _text(key: object) -> str:
    """A dictionary key as text: binary plists allow keys that are not strings, even
    integers too long for ``str``."""
    if isinstance(key, str):
        return key
    if isinstance(key, int) and key.bit_length() > 64:
        return "(a long integer)"
    return str(key)


@dataclass(frozen=True)
class PlistProblem:
    """Something in a plist that the system ignores or refuses."""

    message: str
    location: Location
    refused: bool


@dataclass(frozen=True)
class ExceptionDomain:
    """An ``NSExceptionDomains`` entry, with legacy key variants folded in."""

    name: str
    include_subdomains: bool
    insecure_http: bool
    minimum_tls: str | None
    forward_secrecy: bool | None
    requires_ct: bool
    legacy_keys: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class PinnedIdentity:
    """One ``SPKI-SHA256-BASE64`` identity of ``NSPinnedDomains``."""

    kind: str
    pin: DecodedPin
    location: Location


@dataclass(frozen=True)
class PinnedDomain:
    """An ``NSPinnedDomains`` entry."""

    name: str
    include_subdomains: bool
    identities: tuple[PinnedIdentity, ...]
    location: Location


@dataclass(frozen=True)
class AtsSettings:
    """``NSAppTransportSecurity``; the global keys default to false."""

    arbitrary_loads: bool = False
    arbitrary_media: bool = False
    arbitrary_web: bool = False
    local_networking: bool = False
    exceptions: tuple[ExceptionDomain, ...] = ()
    pinned: tuple[PinnedDomain, ...] = ()
    problems: tuple[PlistProblem, ...] = ()
    present: bool = False

    @property
    def arbitrary_loads_effective(self) -> bool:
        """NSAllowsArbitraryLoads, which iOS 10+ ignores when a finer global key is set."""
        return self.arbitrary_loads and not (
            self.arbitrary_media or self.arbitrary_web or self.local_networking)


@dataclass(frozen=True)
class TrustKitDomain:
    """A ``TSKPinnedDomains`` entry as TrustKit reads it."""

    name: str
    hashes: tuple[DecodedPin, ...]
    enforce: bool
    include_subdomains: bool
    expiration: dt.date | None
    expiration_text: str | None
    report_uris: tuple[str, ...]
    excluded: bool
    location: Location


@dataclass(frozen=True)
class TrustKitSettings:
    """``TSKConfiguration``."""

    swizzle: bool
    domains: tuple[TrustKitDomain, ...]
    problems: tuple[PlistProblem, ...] = field(default=())


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[PlistProblem] = []

    def loc(self, *path: str) -> Location:
        return Location(self.file, "/" + "/".join(path))

    def problem(self, message: str, refused: bool, *path: str) -> None:
        self.problems.append(PlistProblem(message, self.loc(*path), refused))

    def boolean(self, table: dict[str, Any], key: str, default: bool, *path: str) -> bool:
        value = table.get(key, default)
        if isinstance(value, bool):
            return value
        self.problem(f"{key} is a {type(value).__name__}, not a boolean", False, *path, key)
        return default

    def unknown_keys(self, table: dict[str, Any], known: set[str], *path: str) -> None:
        for key in sorted(k for k in table if isinstance(k, str) and k not in known):
            self.problem(f"unknown key {key!r} is ignored", False, *path, key)


def read_ats(info: dict[str, Any], file: str) -> AtsSettings:
    """Read ``NSAppTransportSecurity`` from an Info.plist dictionary."""
    ats = info.get("NSAppTransportSecurity")
    reader = _Reader(file)
    if ats is None:
        return AtsSettings()
    if not isinstance(ats, dict):
        reader.problem("NSAppTransportSecurity is not a dictionary", True,
                       "NSAppTransportSecurity")
        return AtsSettings(problems=tuple(reader.problems), present=True)
    root = "NSAppTransportSecurity"
    reader.unknown_keys(ats, _ATS_GLOBAL, root)
    exceptions = _exceptions(reader, ats.get("NSExceptionDomains", {}), root)
    pinned = _pinned(reader, ats.get("NSPinnedDomains", {}), root)
    return AtsSettings(
        arbitrary_loads=reader.boolean(ats, "NSAllowsArbitraryLoads", False, root),
        arbitrary_media=reader.boolean(ats, "NSAllowsArbitraryLoadsForMedia", False, root),
        arbitrary_web=reader.boolean(ats, "NSAllowsArbitraryLoadsInWebContent", False, root),
        local_networking=reader.boolean(ats, "NSAllowsLocalNetworking", False, root),
        exceptions=exceptions,
        pinned=pinned,
        problems=tuple(reader.problems),
        present=True,
    )


def _domains(reader: _Reader, value: object, *path: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        reader.problem(f"{path[-1]} is not a dictionary", True, *path)
        return []
    found = []
    for name, settings in sorted(value.items(), key=lambda item: _text(item[0])):
        if not isinstance(settings, dict):
            reader.problem(f"settings of {_text(name)} are not a dictionary", True, *path,
                           _text(name))
            continue
        found.append((_text(name).lower().rstrip("."), settings))
    return found


def _exceptions(reader: _Reader, value: object, root: str) -> tuple[ExceptionDomain, ...]:
    found = []
    for name, settings in _domains(reader, value, root, "NSExceptionDomains"):
        path = (root, "NSExceptionDomains", name)
        reader.unknown_keys(settings, _ATS_EXCEPTION, *path)
        legacy = tuple(k for k in map(_text, settings) if "Temporary" in k or "ThirdParty" in k)

        def any_of(suffix: str, kind: type, settings: dict[str, Any] = settings,
                   path: tuple[str, ...] = path) -> object:
            for prefix in ("NSException", "NSTemporaryException", "NSThirdPartyException"):
                key = prefix + suffix
                if key in settings:
                    if not isinstance(settings[key], kind):
                        reader.problem(f"{key} is a {type(settings[key]).__name__}, not a "
                                       f"{kind.__name__}", False, *path, key)
                        return None
                    return settings[key]
            return None

        insecure = any_of("AllowsInsecureHTTPLoads", bool)
        minimum = any_of("MinimumTLSVersion", str)
        secrecy = any_of("RequiresForwardSecrecy", bool)
        found.append(ExceptionDomain(
            name=name,
            include_subdomains=reader.boolean(settings, "NSIncludesSubdomains", False, *path),
            insecure_http=insecure is True,
            minimum_tls=minimum if isinstance(minimum, str) else None,
            forward_secrecy=secrecy if isinstance(secrecy, bool) else None,
            requires_ct=reader.boolean(settings, "NSRequiresCertificateTransparency", False,
                                       *path),
            legacy_keys=legacy,
            location=reader.loc(*path),
        ))
    return tuple(found)


def _pinned(reader: _Reader, value: object, root: str) -> tuple[PinnedDomain, ...]:
    found = []
    for name, settings in _domains(reader, value, root, "NSPinnedDomains"):
        path = (root, "NSPinnedDomains", name)
        reader.unknown_keys(settings, _ATS_PINNED, *path)
        identities = []
        for key, kind in (("NSPinnedCAIdentities", "ca"), ("NSPinnedLeafIdentities", "leaf")):
            entries = settings.get(key, [])
            if not isinstance(entries, list):
                reader.problem(f"{key} is not an array", True, *path, key)
                continue
            for index, entry in enumerate(entries):
                where = (*path, key, str(index))
                text = entry.get("SPKI-SHA256-BASE64") if isinstance(entry, dict) else None
                if not isinstance(text, str):
                    missing = DecodedPin("", None, False, "is missing: no SPKI-SHA256-BASE64")
                    identities.append(PinnedIdentity(kind, missing, reader.loc(*where)))
                    continue
                pin = decode_strict_pin(text)
                if pin.problem:
                    reader.problem(f"SPKI-SHA256-BASE64 {text!r} {pin.problem}", True, *where)
                identities.append(PinnedIdentity(kind, pin, reader.loc(*where)))
        if not identities:
            reader.problem(f"pinned domain {name} has no identity", True, *path)
        found.append(PinnedDomain(
            name, reader.boolean(settings, "NSIncludesSubdomains", False, *path),
            tuple(identities), reader.loc(*path)))
    return tuple(found)


def read_trustkit(info: dict[str, Any], file: str) -> TrustKitSettings | None:
    """Read ``TSKConfiguration``, the way TrustKit's configuration parser does."""
    config = info.get("TSKConfiguration")
    if config is None:
        return None
    reader = _Reader(file)
    root = "TSKConfiguration"
    if not isinstance(config, dict):
        reader.problem("TSKConfiguration is not a dictionary", True, root)
        return TrustKitSettings(False, (), tuple(reader.problems))
    reader.unknown_keys(config, _TSK_GLOBAL, root)
    domains = []
    for name, settings in _domains(reader, config.get("TSKPinnedDomains", {}), root,
                                   "TSKPinnedDomains"):
        path = (root, "TSKPinnedDomains", name)
        for key in settings:
            if key not in _TSK_DOMAIN and "ExcludeSubdomain" in _text(key):
                reader.problem(f"{key!r} is not the key TrustKit reads for exclusion; it "
                               f"reads {TSK_EXCLUDE!r}", False, *path, _text(key))
        reader.unknown_keys({k: v for k, v in settings.items()
                             if "ExcludeSubdomain" not in _text(k)}, _TSK_DOMAIN, *path)
        hashes_value = settings.get("TSKPublicKeyHashes", [])
        hashes = tuple(decode_strict_pin(h) if isinstance(h, str) else decode_strict_pin("")
                       for h in (hashes_value if isinstance(hashes_value, list) else []))
        expiration_text = settings.get("TSKExpirationDate")
        expiration = None
        if isinstance(expiration_text, str):
            try:
                expiration = dt.date.fromisoformat(expiration_text)
            except ValueError:
                reader.problem(f"TSKExpirationDate {expiration_text!r} is not yyyy-MM-dd", False,
                               *path, "TSKExpirationDate")
        uris = settings.get("TSKReportUris", [])
        domains.append(TrustKitDomain(
            name=name,
            hashes=hashes,
            enforce=reader.boolean(settings, "TSKEnforcePinning", True, *path),
            include_subdomains=reader.boolean(settings, "TSKIncludeSubdomains", False, *path),
            expiration=expiration,
            expiration_text=expiration_text if isinstance(expiration_text, str) else None,
            report_uris=tuple(u for u in uris if isinstance(u, str)) if isinstance(
                uris, list) else (),
            excluded=reader.boolean(settings, TSK_EXCLUDE, False, *path),
            location=reader.loc(*path),
        ))
    return TrustKitSettings(
        swizzle=reader.boolean(config, "TSKSwizzleNetworkDelegates", False, root),
        domains=tuple(domains),
        problems=tuple(reader.problems),
    )
