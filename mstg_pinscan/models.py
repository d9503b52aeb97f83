"""Plain values shared by every stage: ratings, locations, decisions, hosts and the scan result."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class Status(enum.Enum):
    """How one decision is rated."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    INFO = "info"


class Severity(enum.Enum):
    """How much a failing or warning decision matters; ordered by :attr:`rank`."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Return 4 for critical down to 1 for low."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1}[self.value]


class Platform(enum.Enum):
    """The platform a bundle targets."""

    ANDROID = "android"
    IOS = "ios"


class PinLevel(enum.Enum):
    """Which link of the certificate chain a pin or trust anchor binds to (MSTG-NETWORK-4)."""

    LEAF = "leaf"
    INTERMEDIATE = "intermediate"
    PUBLIC_ROOT = "public-root"
    OWN_PKI = "own-pki"
    UNKNOWN = "unknown"


class VerdictStatus(enum.Enum):
    """The app's MSTG-NETWORK-4 verdict."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, order=True)
class Location:
    """Where a fact was found: an entry of the bundle and, inside it, an element path."""

    file: str
    element: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.element}" if self.element else self.file


@dataclass(frozen=True)
class Skipped:
    """Something pinscan could not analyse, and why: never a silent drop."""

    item: str
    reason: str


@dataclass(frozen=True)
class Suppression:
    """A baseline entry that accepts a decision for now: why, and until when."""

    reason: str
    until: date | None = None


@dataclass(frozen=True)
class Decision:
    """One rated pinning or trust-store decision, built from a catalog rule."""

    rule_id: str
    rule_name: str
    status: Status
    severity: Severity | None
    title: str
    location: Location
    evidence: str
    remediation: str
    references: tuple[str, ...]
    host: str | None = None
    suppression: Suppression | None = None

    def sort_key(self) -> tuple[int, int, str, str, str, str]:
        """Most severe first, then by rule, location and host for stable output."""
        status_order = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2, Status.INFO: 3}
        severity_rank = self.severity.rank if self.severity else 0
        return (
            status_order[self.status],
            -severity_rank,
            self.rule_id,
            str(self.location),
            self.host or "",
            self.evidence,
        )


@dataclass(frozen=True)
class CertificateInfo:
    """One certificate found in the bundle, parsed with ``cryptography``."""

    path: str
    container: str
    subject: str
    issuer: str
    serial: str
    not_before: date
    not_after: date
    self_signed: bool
    is_ca: bool
    key: str
    key_bits: int
    signature_hash: str | None
    spki_sha256: str
    sha256: str
    alias: str | None = None


@dataclass(frozen=True)
class PrivateKeyInfo:
    """A private key shipped in the bundle."""

    path: str
    container: str
    key: str


@dataclass(frozen=True)
class HostPin:
    """One pin that applies to a host, with the chain level it binds to."""

    value: str
    level: PinLevel
    certificate: str | None
    source: str

    @property
    def matches_certificate(self) -> bool:
        """True when a bundled certificate carries this public key."""
        return self.certificate is not None


@dataclass(frozen=True)
class HostRow:
    """How one host the app configures or contacts is protected."""

    host: str
    include_subdomains: bool
    first_party: bool | None
    protection: tuple[str, ...]
    pins: tuple[HostPin, ...]
    expires: date | None
    backup_pin: bool
    trust_anchors: tuple[str, ...]
    cleartext_permitted: bool
    level: PinLevel | None
    sources: tuple[str, ...]

    @property
    def protected(self) -> bool:
        """True when enforced pinning or an app-own trust store covers the host."""
        return bool(self.protection)


@dataclass(frozen=True)
class Verdict:
    """The app's MSTG-NETWORK-4 verdict with a reason a reviewer can quote."""

    status: VerdictStatus
    reason: str


@dataclass(frozen=True)
class AppInfo:
    """What identifies the scanned bundle."""

    file: str
    sha256: str
    platform: Platform
    id: str | None
    version: str | None
    min_os: str | None
    target_sdk: int | None


@dataclass(frozen=True)
class FrameworkInfo:
    """A cross-platform framework that built the app, and how much of it pinscan read.

    Its networking, and so its trust decisions, live in the framework's own code (a Dart
    snapshot, a JavaScript bundle, .NET assemblies, web assets), which the platform's
    configuration may not govern.
    """

    name: str
    evidence: tuple[str, ...]
    read: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found; every report writer is fed from this."""

    app: AppInfo
    verdict: Verdict
    hosts: tuple[HostRow, ...]
    certificates: tuple[CertificateInfo, ...]
    decisions: tuple[Decision, ...]
    skipped: tuple[Skipped, ...]
    as_of: date
    duration_s: float = 0.0
    config_files: tuple[str, ...] = field(default=())
    frameworks: tuple[FrameworkInfo, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """True when nothing had to be skipped."""
        return not self.skipped
