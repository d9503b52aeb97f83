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

import bisect
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
# Instructions scanned for calls per slice, over all handler classes' methods (about 0.3 s).
_MAX_SCANNED = 1_000_000
# Fat binaries hold two or three slices; a header may claim billions.
_MAX_SLICES = 4
# Thin (both byte orders, 32 and 64 bits) and fat magics: LIEF is only given these.
_MAGICS = {bytes.fromhex(m) for m in ("feedface", "cefaedfe", "feedfacf", "cffaedfe",
                                      "cafebabe", "bebafeca", "cafebabf", "bfbafeca")}
CLASSES = ("AFSecurityPolicy", "AFHTTPSessionManager", "TSKPinningValidator", "TrustKit",
           "TSKTrustKitConfig")
SWIFT_TYPES = ("ServerTrustManager", "PinnedCertificatesTrustEvaluator",
               "PublicKeysTrustEvaluator", "DisabledTrustEvaluator", "DisabledEvaluator",
               "RevocationTrustEvaluator", "DefaultTrustEvaluator")
STRINGS = ("kCFStreamSSLValidatesCertificateChain", "kCFStreamSSLAllowsAnyRoot",
           "kCFStreamSSLAllowsExpiredCertificates")
# TLS stacks beside the URL Loading System, which ATS pinning does not cover.
# Functions through which a cross-platform framework lets the app choose its HTTP client,
# seen when the binary imports them from the framework's dylib. NOTE: when the framework is
# linked into the app statically, the call is a direct branch and is not seen.
FRAMEWORK_HOOKS = ("_RCTSetCustomNSURLSessionConfigurationProvider",)
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
    hooks: set[str] = field(default_factory=set)  # FRAMEWORK_HOOKS the slice imports
    implemented: dict[str, set[str]] = field(default_factory=dict)
    # "Class selector" -> imported functions the method body calls (ARM64 slices only).
    calls: dict[str, set[str]] = field(default_factory=dict)
    # What a limit kept from being read in this slice, said for the report.
    unread: list[str] = field(default_factory=list)


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
    """Read every slice of a (fat) Mach-O binary; unreadable input gives ``problem``.

    LIEF is native code that a crafted binary may crash: the scan calls this in a contained
    child process (see facts/ios.py and isolate.py), never directly.
    """
    if len(data) < 28 or data[:4] not in _MAGICS:
        return BinaryEvidence(file, (), "not a readable Mach-O binary (too short, or no "
                              "Mach-O magic)")
    try:
        fat = lief.MachO.parse(data)
    except (RuntimeError, ValueError, TypeError, MemoryError) as exc:
        # LIEF raises MemoryError (std::bad_alloc) for some input it cannot size.
        return BinaryEvidence(file, (), f"not a readable Mach-O binary ({type(exc).__name__})")
    if fat is None or fat.size == 0:
        return BinaryEvidence(file, (), "not a readable Mach-O binary")
    slices = []
    for index in range(min(fat.size, _MAX_SLICES)):
        binary = fat.at(index)
        # A header that claims load commands of which none could be read is not a binary.
        if binary is not None and (len(binary.commands) or not binary.header.nb_cmds):
            slices.append(_slice(binary))
    if not slices:
        return BinaryEvidence(file, (), "not a readable Mach-O binary (no readable load "
                              "command)")
    if fat.size > _MAX_SLICES:
        slices[-1].unread.append(f"slices past the first {_MAX_SLICES} not read")
    return BinaryEvidence(file, tuple(slices))


def _slice(binary: lief.MachO.Binary) -> SliceEvidence:
    # TODO: the calls of a method are read on ARM64 slices only (direct BL/B to a stub); an
    # x86_64-only binary falls back to the imports of the binary as a whole.
    encryption = binary.encryption_info if binary.has_encryption_info else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # LIEF warns on unknown CPU types
        cpu = str(binary.header.cpu_type).split(".")[-1]
    evidence = SliceEvidence(cpu=cpu, encrypted=bool(encryption and encryption.crypt_id != 0))
    commands, claimed = len(binary.commands), binary.header.nb_cmds
    if commands < claimed:
        evidence.unread.append(f"load commands past the first {commands} of {claimed} not read")
    for segment in binary.segments:
        if len(segment.content) < segment.file_size:
            evidence.unread.append(f"segment {_text(segment.name)} runs past the end of the file")
    imported = {_text(s.name) for s in binary.imported_symbols}
    evidence.imports = {s for s in (*SECURITY_SYMBOLS, *OTHER_TLS) if s in imported}
    names = _strings(binary, "__objc_methname") | _strings(binary, "__objc_classname")
    cstrings = set()
    for section in binary.sections:
        if section.type == lief.MachO.Section.TYPE.CSTRING_LITERALS:
            cstrings |= _split(bytes(section.content))
    symbols = {_text(s.name) for s in binary.symbols}
    evidence.hooks = {h for h in FRAMEWORK_HOOKS if h in imported}
    evidence.selectors = {s for s in SELECTORS if s in names or s in cstrings}
    evidence.classes = {c for c in CLASSES if c in names or f"_OBJC_CLASS_$_{c}" in symbols}
    text = cstrings | names
    evidence.swift_types = {t for t in SWIFT_TYPES
                            if t in text or any(t in symbol for symbol in symbols)}
    evidence.strings = {s for s in STRINGS if s in text or f"_{s}" in imported}
    if not evidence.encrypted:
        # Encrypted metadata reads as noise: only a clear binary's classes are walked.
        methods = implementations(binary, evidence.unread)
        evidence.implemented = {name: set(found) & set(SELECTORS)
                                for name, found in methods.items()}
        evidence.selectors |= {s for found in evidence.implemented.values() for s in found}
        evidence.classes |= {c for c in CLASSES if c in evidence.implemented}
        if cpu == "ARM64":
            evidence.calls = _calls(binary, methods, evidence.unread)
    return evidence


def _calls(binary: lief.MachO.Binary, methods: dict[str, dict[str, int]],
           unread: list[str]) -> dict[str, set[str]]:
    """Imported functions each method of a class with a challenge handler calls directly."""
    stubs = _stub_targets(binary)
    function_starts = binary.function_starts
    starts = sorted(binary.imagebase + offset for offset in function_starts.functions) if (
        function_starts is not None) else []
    found: dict[str, set[str]] = {}
    left = _MAX_SCANNED
    for name, selectors in methods.items():
        if not set(selectors) & _HANDLERS:
            continue
        for selector, imp in selectors.items():
            if not imp:
                continue
            if left <= 0:
                unread.append(f"calls past the first {_MAX_SCANNED} instructions not read")
                return found
            found[f"{name} {selector}"], scanned = _called(binary, imp, starts, stubs)
            left -= max(scanned, 1)
    return found


def _stub_targets(binary: lief.MachO.Binary) -> dict[int, str]:
    """Address of each __stubs entry -> the imported symbol it jumps to."""
    section = binary.get_section("__stubs")
    command = binary.dynamic_symbol_command
    if section is None or command is None or not section.reserved2:
        return {}
    symbols = list(command.indirect_symbols)
    targets = {}
    # A crafted section size may claim 2**60 stubs: only those with a symbol are read.
    count = min(section.size // section.reserved2, len(symbols) - section.reserved1)
    for index in range(max(count, 0)):
        address = section.virtual_address + index * section.reserved2
        targets[address] = _text(symbols[section.reserved1 + index].name)
    return targets


def _called(binary: lief.MachO.Binary, start: int, starts: list[int],
            stubs: dict[int, str]) -> tuple[set[str], int]:
    """Targets of the BL and B instructions from ``start`` to the next function start, and
    how many instructions were scanned."""
    following = bisect.bisect_right(starts, start)
    end = start + 4 * _MAX_INSTRUCTIONS
    if following < len(starts):
        end = min(starts[following], end)
    try:
        code = bytes(binary.get_content_from_virtual_address(start, end - start))
    # NOTE: SystemError is LIEF's negative-size bytes for an address past a short segment.
    except (RuntimeError, ValueError, TypeError, OverflowError, SystemError):
        return set(), 0
    called = set()
    for index, (word,) in enumerate(struct.iter_unpack("<I", code[: len(code) & ~3])):
        if word & 0x7C000000 == 0x14000000:  # B or BL imm26
            delta = (word & 0x03FFFFFF) << 2
            if delta & 0x08000000:
                delta -= 1 << 28
            target = stubs.get(start + 4 * index + delta)
            if target:
                called.add(target)
    return called, len(code) // 4


def _strings(binary: lief.MachO.Binary, section_name: str) -> set[str]:
    found: set[str] = set()
    for section in binary.sections:
        if section.name == section_name and section.type == (
            lief.MachO.Section.TYPE.CSTRING_LITERALS
        ):
            found |= _split(bytes(section.content))
    return found


def _text(name: str | bytes) -> str:
    """A name from LIEF, which gives bytes for a name that is not UTF-8."""
    return name if isinstance(name, str) else name.decode("utf-8", "replace")


def _split(content: bytes) -> set[str]:
    return {part.decode("utf-8", "replace") for part in content.split(b"\x00") if part}
