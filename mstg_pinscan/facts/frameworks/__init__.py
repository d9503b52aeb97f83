"""Cross-platform frameworks: which one built the app, and the trust decisions in its code.

Flutter, React Native, .NET (MAUI, Xamarin), Cordova, Capacitor and Unity apps do their
networking in the framework's own code: a Dart snapshot, a JavaScript or Hermes bundle, .NET
assemblies, web assets. Each framework has one reader here. A reader first recognises its
framework from the bundle's file names (:meth:`FrameworkReader.detect`), then reads what it
can (:meth:`FrameworkReader.read`) and says, in :class:`~mstg_pinscan.models.FrameworkInfo`,
what it read and what it could not.

What a reader finds is a :class:`FrameworkTrust`: pins, an own trust store, a callback that
accepts every certificate, a setting that weakens TLS. The evaluation
(:mod:`mstg_pinscan.evaluate.frameworks`) rates them; readers only report them.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from mstg_pinscan.errors import UnpackError
from mstg_pinscan.models import FrameworkInfo, Location, Platform, Skipped
from mstg_pinscan.unpack import Bundle

_logger = logging.getLogger(__name__)


class TrustKind(enum.Enum):
    """What a trust decision found in a framework's code or configuration does."""

    PINS = "pins"  # compares the server's key or certificate with pins
    OWN_STORE = "own-store"  # trusts only certificates the app ships
    TRUST_ALL = "trust-all"  # accepts every certificate
    CALLBACK = "callback"  # a validation callback whose logic cannot be read statically
    WEAK_SETTING = "weak-setting"  # a setting that weakens TLS or allows cleartext
    PINNING_LIBRARY = "pinning-library"  # a pinning library is present; its setup is unread


@dataclass(frozen=True)
class FrameworkTrust:
    """One trust decision in a framework's code or configuration, where it was found.

    ``pins`` are written ``sha256/BASE64`` (or ``sha1/BASE64``) for public-key pins and
    ``cert-sha256/HEX`` for a certificate's SHA-256 fingerprint; ``certificates`` names the
    bundle's certificate files the decision pins to or trusts. ``hosts`` is empty when the
    hosts it applies to cannot be told statically.
    """

    framework: str
    kind: TrustKind
    location: Location
    evidence: str
    hosts: tuple[str, ...] = ()
    pins: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()


@dataclass
class FrameworkReading:
    """What one reader found in a bundle."""

    info: FrameworkInfo
    trust: list[FrameworkTrust] = field(default_factory=list)
    urls: list[tuple[str, str]] = field(default_factory=list)  # (url, where it was found)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class FrameworkFacts:
    """Every framework recognised in a bundle and what their readers found."""

    frameworks: tuple[FrameworkInfo, ...] = ()
    trust: tuple[FrameworkTrust, ...] = ()
    urls: tuple[tuple[str, str], ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def has(self, name: str) -> bool:
        """True when the framework called ``name`` (``flutter``, ``dotnet`` ...) built the app."""
        return any(f.name == name for f in self.frameworks)

    @property
    def unread(self) -> tuple[str, ...]:
        """What of the frameworks' code or configuration could not be read, in words."""
        return tuple(f"{f.name}: {what}" for f in self.frameworks for what in f.unread)


class FrameworkReader(Protocol):
    """Recognises one framework and reads its trust decisions."""

    name: str

    def detect(self, names: Sequence[str], platform: Platform) -> tuple[str, ...]:
        """The bundle entries that show the framework built the app; empty when it did not."""
        ...

    def read(self, bundle: Bundle, evidence: tuple[str, ...],
             platform: Platform) -> FrameworkReading:
        """Read the framework's code and configuration. Malformed input is recorded in the
        reading's ``skipped`` and ``info.unread``, never raised."""
        ...


def readers() -> tuple[FrameworkReader, ...]:
    """One reader per framework, in the order reports list them."""
    from mstg_pinscan.facts.frameworks import cordova, dotnet, flutter, reactnative, unity

    return (flutter.READER, reactnative.READER, dotnet.READER, cordova.CORDOVA,
            cordova.CAPACITOR, unity.READER)


def collect_framework_facts(bundle: Bundle, platform: Platform) -> FrameworkFacts:
    """Recognise every framework in ``bundle`` and read what each can."""
    names = bundle.names()
    infos: list[FrameworkInfo] = []
    trust: list[FrameworkTrust] = []
    urls: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    for reader in readers():
        evidence = reader.detect(names, platform)
        if not evidence:
            continue
        _logger.info("%s: built with %s", bundle.path.name, reader.name)
        try:
            reading = reader.read(bundle, evidence, platform)
        except UnpackError as exc:
            # An entry the reader needed could not be inflated (limits, method, damage).
            reading = FrameworkReading(
                FrameworkInfo(reader.name, evidence, unread=(exc.message,)),
                skipped=[Skipped(evidence[0], exc.message)])
        except Exception as exc:
            # NOTE: a reader must turn malformed input into `unread`, never raise; should one
            # still fail, the scan goes on without it and says so (--debug shows where).
            _logger.debug("%s reader failed", reader.name, exc_info=True)
            reason = f"the {reader.name} reader failed ({type(exc).__name__}): not analysed"
            reading = FrameworkReading(FrameworkInfo(reader.name, evidence, unread=(reason,)),
                                       skipped=[Skipped(evidence[0], reason)])
        infos.append(reading.info)
        trust += reading.trust
        urls += reading.urls
        skipped += reading.skipped
    return FrameworkFacts(
        frameworks=tuple(infos),
        trust=tuple(sorted(trust, key=lambda t: (t.framework, t.location, t.kind.value,
                                                 t.evidence))),
        urls=tuple(sorted(set(urls))),
        skipped=tuple(skipped),
    )


def under(names: Sequence[str], prefixes: Sequence[str], platform: Platform) -> list[str]:
    """Entries whose path, below the app's root on iOS (``Payload/NAME.app/``), starts with
    one of ``prefixes``."""
    found = []
    for name in names:
        inner = app_relative(name) if platform is Platform.IOS else name
        if inner is not None and inner.startswith(tuple(prefixes)):
            found.append(name)
    return found


def app_relative(name: str) -> str | None:
    """``Payload/NAME.app/REST`` -> ``REST``; None for entries outside an app folder."""
    parts = name.split("/", 2)
    if len(parts) == 3 and parts[0] == "Payload" and parts[1].endswith(".app"):
        return parts[2]
    return None


def native_libraries(names: Sequence[str], library: str) -> list[str]:
    """``lib/ABI/LIBRARY`` entries of an APK, one per ABI."""
    return [n for n in names if n.startswith("lib/") and n.count("/") == 2
            and n.rsplit("/", 1)[1] == library]


def url_host(url: str) -> str | None:
    """The host of ``url``; None when it has none or cannot be parsed (``https://[x``)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
