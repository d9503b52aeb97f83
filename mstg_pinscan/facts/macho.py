"""Evidence from an iOS Mach-O binary, every slice of a fat binary, read with LIEF.

It works from what names a binary carries: imported Security symbols, the Objective-C
classes and the selectors each implements (walked from ``__objc_classlist``, see
facts.objc), selector and class names in the string sections (chosen by section type, since
linkers merge ``__objc_methname`` into ``__cstring``), C strings and symbol names (Swift type
names), and ``LC_ENCRYPTION_INFO``. An App Store binary is
FairPlay-encrypted: its text and Objective-C data are unreadable while its imports stay
readable, so what it does not show is never taken as absent.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import lief

from mstg_pinscan.facts.objc import class_methods

_logger = logging.getLogger(__name__)
lief.logging.disable()

SECURITY_SYMBOLS = (
    "_SecTrustEvaluateWithError", "_SecTrustEvaluate", "_SecTrustEvaluateAsyncWithError",
    "_SecTrustSetAnchorCertificates", "_SecTrustSetAnchorCertificatesOnly", "_SecTrustCopyKey",
    "_SecTrustCopyPublicKey", "_SecCertificateCopyData", "_SecPolicyCreateSSL",
    "_SecTrustSetPolicies", "_SecTrustCopyCertificateChain", "_SecTrustGetCertificateAtIndex",
)
EVALUATES_TRUST = ("_SecTrustEvaluateWithError", "_SecTrustEvaluate",
                   "_SecTrustEvaluateAsyncWithError")
SELECTORS = (
    "URLSession:didReceiveChallenge:completionHandler:",
    "URLSession:task:didReceiveChallenge:completionHandler:",
    "connection:willSendRequestForAuthenticationChallenge:",
    "connection:didReceiveAuthenticationChallenge:",
    "credentialForTrust:", "setAllowsAnyHTTPSCertificate:forHost:",
    "allowsAnyHTTPSCertificateForHost:", "policyWithPinningMode:",
    "policyWithPinningMode:withPinnedCertificates:", "setAllowInvalidCertificates:",
    "setValidatesDomainName:", "serverTrust",
)
CLASSES = ("AFSecurityPolicy", "AFHTTPSessionManager", "TSKPinningValidator", "TrustKit",
           "TSKTrustKitConfig")
SWIFT_TYPES = ("ServerTrustManager", "PinnedCertificatesTrustEvaluator",
               "PublicKeysTrustEvaluator", "DisabledTrustEvaluator", "DisabledEvaluator",
               "RevocationTrustEvaluator", "DefaultTrustEvaluator")
STRINGS = ("kCFStreamSSLValidatesCertificateChain", "kCFStreamSSLAllowsAnyRoot",
           "kCFStreamSSLAllowsExpiredCertificates")
# TLS stacks beside the URL Loading System, which ATS pinning does not cover.
OTHER_TLS = ("_nw_connection_create", "_sec_protocol_options_set_verify_block",
             "_SSLHandshake", "_SSL_CTX_new", "_mbedtls_ssl_setup",
             "_CFStreamCreatePairWithSocketToHost")


@dataclass
class SliceEvidence:
    """What one architecture slice shows."""

    cpu: str
    encrypted: bool
    imports: set[str] = field(default_factory=set)
    selectors: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    swift_types: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    implemented: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BinaryEvidence:
    """What a binary shows across its slices; ``problem`` when it cannot be read."""

    file: str
    slices: tuple[SliceEvidence, ...]
    problem: str | None = None

    @property
    def encrypted(self) -> bool:
        """True when any slice is FairPlay-encrypted (cryptid 1)."""
        return any(s.encrypted for s in self.slices)

    def union(self, name: str) -> set[str]:
        """The union of one kind of evidence over all slices."""
        found: set[str] = set()
        for one in self.slices:
            found |= getattr(one, name)
        return found


def read_binary(data: bytes, file: str) -> BinaryEvidence:
    """Read every slice of a (fat) Mach-O binary; unreadable input gives ``problem``."""
    # TODO: LIEF is native code and can crash the process on crafted input; running it in a
    # separate, bounded process is part of the hostile-input work.
    try:
        fat = lief.MachO.parse(data)
    except (RuntimeError, ValueError, TypeError) as exc:
        return BinaryEvidence(file, (), f"not a readable Mach-O binary ({type(exc).__name__})")
    if fat is None or fat.size == 0:
        return BinaryEvidence(file, (), "not a readable Mach-O binary")
    slices = []
    for index in range(fat.size):
        binary = fat.at(index)
        if binary is not None:
            slices.append(_slice(binary))
    return BinaryEvidence(file, tuple(slices))


def _slice(binary: lief.MachO.Binary) -> SliceEvidence:
    # TODO: which functions a method calls is not read (no disassembly), so whether the class
    # that implements a challenge handler evaluates the trust is judged from the binary's
    # imports as a whole: one class that evaluates hides another that does not.
    encryption = binary.encryption_info if binary.has_encryption_info else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # LIEF warns on unknown CPU types
        cpu = str(binary.header.cpu_type).split(".")[-1]
    evidence = SliceEvidence(cpu=cpu, encrypted=bool(encryption and encryption.crypt_id != 0))
    imported = {s.name for s in binary.imported_symbols}
    evidence.imports = {s for s in (*SECURITY_SYMBOLS, *OTHER_TLS) if s in imported}
    names = _strings(binary, "__objc_methname") | _strings(binary, "__objc_classname")
    cstrings = set()
    for section in binary.sections:
        if section.type == lief.MachO.Section.TYPE.CSTRING_LITERALS:
            cstrings |= _split(bytes(section.content))
    symbols = {s.name for s in binary.symbols}
    evidence.selectors = {s for s in SELECTORS if s in names or s in cstrings}
    evidence.classes = {c for c in CLASSES if c in names or f"_OBJC_CLASS_$_{c}" in symbols}
    text = cstrings | names
    evidence.swift_types = {t for t in SWIFT_TYPES
                            if t in text or any(t in symbol for symbol in symbols)}
    evidence.strings = {s for s in STRINGS if s in text or f"_{s}" in imported}
    if not evidence.encrypted:
        # Encrypted metadata reads as noise: only a clear binary's classes are walked.
        evidence.implemented = {name: selectors & set(SELECTORS)
                                for name, selectors in class_methods(binary).items()}
        evidence.selectors |= {s for found in evidence.implemented.values() for s in found}
        evidence.classes |= {c for c in CLASSES if c in evidence.implemented}
    return evidence


def _strings(binary: lief.MachO.Binary, section_name: str) -> set[str]:
    found: set[str] = set()
    for section in binary.sections:
        if section.name == section_name and section.type == (
            lief.MachO.Section.TYPE.CSTRING_LITERALS
        ):
            found |= _split(bytes(section.content))
    return found


def _split(content: bytes) -> set[str]:
    return {part.decode("utf-8", "replace") for part in content.split(b"\x00") if part}
