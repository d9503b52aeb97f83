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
import struct
import warnings
from dataclasses import dataclass, field

import lief

from mstg_pinscan.facts.objc import implementations

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
_HANDLERS = {"URLSession:didReceiveChallenge:completionHandler:",
             "URLSession:task:didReceiveChallenge:completionHandler:",
             "connection:willSendRequestForAuthenticationChallenge:",
             "connection:didReceiveAuthenticationChallenge:"}
_MAX_INSTRUCTIONS = 16_384
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
    # "Class selector" -> imported functions the method body calls (ARM64 slices only).
    calls: dict[str, set[str]] = field(default_factory=dict)


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
    # TODO: the calls of a method are read on ARM64 slices only (direct BL/B to a stub); an
    # x86_64-only binary falls back to the imports of the binary as a whole.
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
        methods = implementations(binary)
        evidence.implemented = {name: set(found) & set(SELECTORS)
                                for name, found in methods.items()}
        evidence.selectors |= {s for found in evidence.implemented.values() for s in found}
        evidence.classes |= {c for c in CLASSES if c in evidence.implemented}
        if cpu == "ARM64":
            evidence.calls = _calls(binary, methods)
    return evidence


def _calls(binary: lief.MachO.Binary, methods: dict[str, dict[str, int]]) -> dict[str, set[str]]:
    """Imported functions each method of a class with a challenge handler calls directly."""
    stubs = _stub_targets(binary)
    function_starts = binary.function_starts
    starts = sorted(binary.imagebase + offset for offset in function_starts.functions) if (
        function_starts is not None) else []
    found = {}
    for name, selectors in methods.items():
        if not set(selectors) & _HANDLERS:
            continue
        for selector, imp in selectors.items():
            if imp:
                found[f"{name} {selector}"] = _called(binary, imp, starts, stubs)
    return found


def _stub_targets(binary: lief.MachO.Binary) -> dict[int, str]:
    """Address of each __stubs entry -> the imported symbol it jumps to."""
    section = binary.get_section("__stubs")
    command = binary.dynamic_symbol_command
    if section is None or command is None or not section.reserved2:
        return {}
    symbols = list(command.indirect_symbols)
    targets = {}
    for index in range(section.size // section.reserved2):
        position = section.reserved1 + index
        if position < len(symbols):
            name = symbols[position].name
            address = section.virtual_address + index * section.reserved2
            targets[address] = name if isinstance(name, str) else name.decode("ascii", "replace")
    return targets


def _called(binary: lief.MachO.Binary, start: int, starts: list[int],
            stubs: dict[int, str]) -> set[str]:
    """Targets of the BL and B instructions from ``start`` to the next function start."""
    following = [s for s in starts if s > start]
    end = min(following[0] if following else start + 4 * _MAX_INSTRUCTIONS,
              start + 4 * _MAX_INSTRUCTIONS)
    try:
        code = bytes(binary.get_content_from_virtual_address(start, end - start))
    except (RuntimeError, ValueError, TypeError):
        return set()
    called = set()
    for offset in range(0, len(code) - 3, 4):
        (word,) = struct.unpack_from("<I", code, offset)
        if word & 0x7C000000 == 0x14000000:  # B or BL imm26
            delta = (word & 0x03FFFFFF) << 2
            if delta & 0x08000000:
                delta -= 1 << 28
            target = stubs.get(start + offset + delta)
            if target:
                called.add(target)
    return called


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
