"""The IL of a .NET assembly: certificate-validation callbacks, the pins they compare and
URLs, for the .NET (MAUI, Xamarin) and Unity readers."""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from mstg_pinscan.facts.frameworks import FrameworkReading, FrameworkTrust, TrustKind
from mstg_pinscan.facts.frameworks.cli_metadata import (
    Assembly,
    Instruction,
    MetadataError,
    Method,
    instructions,
)
from mstg_pinscan.models import Location, Skipped
from mstg_pinscan.pins import spki_pin

_MiB = 1024 * 1024


def where(entry: str, label: str) -> str:
    """``entry`` for an assembly that is a bundle entry, ``entry!NAME`` for one in a store."""
    return entry if entry.rsplit("/", 1)[-1] == label else f"{entry}!{label}"


# Properties and constructors that take a certificate-validation delegate.
_SETTERS = frozenset(("set_ServerCertificateValidationCallback",  # ServicePointManager
                      "set_ServerCertificateCustomValidationCallback",  # HttpClientHandler &c.
                      "set_RemoteCertificateValidationCallback"))  # SslClientAuthenticationOptions
_TRUST_ALL_GETTER = "get_DangerousAcceptAnyServerCertificateValidator"
_CALLS = (0x28, 0x6F, 0x73)  # call, callvirt, newobj
_LDFTN = (0xFE06, 0xFE07)
_PASSED = (0x14, 0x02, 0x03, 0x04, 0x05, 0x0E, 0xFE09)  # ldnull, ldarg.*
_LOOKBACK = 12  # instructions searched back from an assignment for the delegate's ldftn
_MAX_METHODS = 300_000  # method bodies decoded per assembly
_MAX_URLS = 500
_MAX_IL_TOTAL = 32 * _MiB  # IL bytes decoded per assembly
_MAX_TRUST = 200  # trust decisions reported per assembly
# What a callback reads from the certificate decides what its constant strings are.
_SPKI_CALLS = frozenset(("ExportSubjectPublicKeyInfo",))
_CERT_CALLS = frozenset(("GetRawCertData", "GetRawCertDataString", "GetCertHash",
                         "GetCertHashString", "get_RawData"))
_KEY_CALLS = frozenset(("GetPublicKey", "GetPublicKeyString", "get_PublicKey"))
_THUMBPRINT_CALLS = frozenset(("get_Thumbprint",))
_URL = re.compile(r"https?://[^\s\"'<>{}|\\^`]+")


def analyse_assembly(data: bytes, entry: str, label: str, framework: str,
                     reading: FrameworkReading) -> int | str:
    """Add the assembly's validation callbacks, pins and URLs to ``reading``; return the
    number of method bodies decoded, or why the assembly could not be read."""
    try:
        assembly = Assembly(data)
    except (MetadataError, struct.error, IndexError) as exc:
        return f"not a readable .NET assembly: {exc}"
    found_in = where(entry, label)
    for text in assembly.user_strings():
        for url in _URL.findall(text)[:4]:
            if len(reading.urls) < _MAX_URLS * 4:
                reading.urls.append((url, found_in))
    scan = _Scan(assembly, framework, entry, label)
    handlers = {name for name, parent, _, _ in assembly.types
                if parent.rsplit(".", 1)[-1] == "CertificateHandler"}
    seen: set[tuple[str, str | None, str]] = set()
    decoded = broken = budget = 0
    bodies: set[int] = set()
    for method in assembly.methods[:_MAX_METHODS]:
        if method.rva in bodies:
            continue  # methods sharing one body (crafted files) are decoded once
        bodies.add(method.rva)
        try:
            code = assembly.body(method)
        except MetadataError:
            broken += 1
            continue
        budget += len(code)
        if budget > _MAX_IL_TOTAL:
            reading.skipped.append(Skipped(found_in, f"IL past {_MAX_IL_TOTAL // _MiB} MiB: "
                                           "the remaining method bodies are not decoded"))
            break
        if not code:
            continue
        decoded += 1
        for trust in _assignments(scan, method, instructions(code)):
            _add(reading, trust, seen)
        if method.name == "ValidateCertificate" and method.type_name in handlers:
            # Unity's UnityWebRequest calls this override for every certificate.
            what = f"{method.type_name} (a UnityWebRequest CertificateHandler)"
            _add(reading, _callback(scan, method.row | 0x06000000, what), seen)
    if broken:
        reading.skipped.append(Skipped(found_in, f"{broken} method bodies cannot be read "
                                       "(their RVA or header is damaged)"))
    return decoded


@dataclass
class _Scan:
    """One assembly being analysed, and the callbacks already classified in it."""

    assembly: Assembly
    framework: str
    entry: str
    label: str
    verdicts: dict[int, tuple[TrustKind, str, tuple[str, ...]]] = field(default_factory=dict)

    def location(self, element: str) -> Location:
        return Location(self.entry, f"{self.label}!{element}")


def _add(reading: FrameworkReading, trust: FrameworkTrust | None,
         seen: set[tuple[str, str | None, str]]) -> None:
    key = (trust.kind.value, trust.location.element, trust.evidence) if trust else None
    if trust is not None and key is not None and key not in seen and len(seen) < _MAX_TRUST:
        seen.add(key)
        reading.trust.append(trust)


def _assignments(scan: _Scan, method: Method, code: list[Instruction]) -> list[FrameworkTrust]:
    """Trust decisions made in ``method``: a validation delegate assigned or passed to
    SslStream, or .NET's own accept-anything validator fetched."""
    found: list[FrameworkTrust] = []
    for position, instruction in enumerate(code):
        if instruction.opcode not in _CALLS:
            continue
        owner, name = scan.assembly.method_name(instruction.operand)
        short = owner.rsplit(".", 1)[-1]
        if name == _TRUST_ALL_GETTER:
            found.append(FrameworkTrust(
                scan.framework, TrustKind.TRUST_ALL, scan.location(method.full_name),
                f"{method.full_name} uses {short}.DangerousAcceptAnyServerCertificateValidator,"
                " which accepts every certificate"))
            continue
        is_stream = instruction.opcode == 0x73 and short == "SslStream" and name == ".ctor"
        if name not in _SETTERS and not is_stream:
            continue
        target = next((c.operand for c in reversed(code[max(0, position - _LOOKBACK):position])
                       if c.opcode in _LDFTN), None)
        what = (f"the RemoteCertificateValidationCallback of a new SslStream in "
                f"{method.full_name}" if is_stream else
                f"{short}.{name[4:]} in {method.full_name}")
        if target is not None:
            found.append(_callback(scan, target, what))
        elif not is_stream and not _passed_on(scan.assembly, code, position):
            # NOTE: a delegate that comes from a field, a local or another method's result
            # is not followed; the assignment is still reported as a callback. A null
            # (default validation) or a parameter passed on (the caller decides) is not.
            found.append(FrameworkTrust(
                scan.framework, TrustKind.CALLBACK, scan.location(method.full_name),
                f"{what} is set to a delegate pinscan could not follow"))
    return found


def _passed_on(assembly: Assembly, code: list[Instruction], position: int) -> bool:
    """True when the value assigned is null, a parameter, or .NET's accept-anything
    validator (reported where it is fetched)."""
    if not position:
        return False
    previous = code[position - 1]
    return previous.opcode in _PASSED or (previous.opcode in _CALLS and assembly.method_name(
        previous.operand)[1] == _TRUST_ALL_GETTER)


def _callback(scan: _Scan, token: int, what: str) -> FrameworkTrust:
    """Classify the method a validation delegate points to (each method once)."""
    callback = scan.assembly.method(token)
    if callback is None:
        owner, name = scan.assembly.method_name(token)
        return FrameworkTrust(
            scan.framework, TrustKind.CALLBACK, scan.location(f"{owner}::{name}"),
            f"{what}: the callback {owner}::{name} is defined in another assembly, not read")
    if token not in scan.verdicts:
        scan.verdicts[token] = _classify(scan.assembly, callback)
    kind, verdict, pins = scan.verdicts[token]
    return FrameworkTrust(scan.framework, kind, scan.location(callback.full_name),
                          f"{what}: the callback {callback.full_name} {verdict}", pins=pins)


def _classify(assembly: Assembly, callback: Method) -> tuple[TrustKind, str, tuple[str, ...]]:
    """What a callback's body does: (kind, what it does in words, pins)."""
    try:
        code = instructions(assembly.body(callback))
    except MetadataError as exc:
        return TrustKind.CALLBACK, f"cannot be read ({exc})", ()
    if returns_true(code):
        return TrustKind.TRUST_ALL, "returns true for every certificate", ()
    calls, strings = _reads(assembly, code)
    pins, kept = pin_constants(strings, calls)
    reads = sorted(calls & (_SPKI_CALLS | _CERT_CALLS | _KEY_CALLS | _THUMBPRINT_CALLS))
    if pins:
        return (TrustKind.PINS, f"reads the certificate with {', '.join(reads)} and compares "
                f"it with {len(pins)} pinned value(s)", tuple(pins))
    if not reads:
        return TrustKind.CALLBACK, "decides without reading the certificate's key or " \
            "fingerprint", ()
    compared = f" and compares with {', '.join(kept[:4])}" if kept else ""
    return TrustKind.CALLBACK, f"decides, reads the certificate with {', '.join(reads)}" \
        f"{compared}", ()


def returns_true(code: list[Instruction]) -> bool:
    """True for a body that returns true whatever it is given: ``ldc.i4.1; ret`` after
    optional nops, or the debug-build form that goes through a local first."""
    ops = [(c.opcode, c.operand) for c in code if c.opcode != 0x00]
    if not ops or not _is_one(ops[0]):
        return False
    if len(ops) == 2:
        return ops[1][0] == 0x2A
    if len(ops) == 5:
        stored = _local(ops[1][0], ops[1][1], stores=True)
        jump_next = ops[2][0] in (0x2B, 0x38) and ops[2][1] == 0
        loaded = _local(ops[3][0], ops[3][1], stores=False)
        return stored is not None and stored == loaded and jump_next and ops[4][0] == 0x2A
    return False


def _is_one(op: tuple[int, int]) -> bool:
    return op[0] == 0x17 or (op[0] in (0x1F, 0x20) and op[1] == 1)


def _local(opcode: int, operand: int, *, stores: bool) -> int | None:
    first, short, long = (0x0A, 0x13, 0xFE0E) if stores else (0x06, 0x11, 0xFE0C)
    if first <= opcode <= first + 3:
        return opcode - first
    return operand if opcode in (short, long) else None


def _reads(assembly: Assembly, code: list[Instruction]) -> tuple[set[str], list[str]]:
    """The names a callback calls and the strings it loads, and those of the helpers of its
    own assembly it calls directly (one level, at most 16)."""
    calls: set[str] = set()
    strings: list[str] = []
    helpers: list[Method] = []
    for body in _bodies(assembly, code, helpers):
        for instruction in body:
            if instruction.opcode == 0x72 and len(strings) < 64:
                text = assembly.user_string(instruction.operand)
                if text is not None:
                    strings.append(text)
            elif instruction.opcode in _CALLS:
                calls.add(assembly.method_name(instruction.operand)[1])
                helper = assembly.method(instruction.operand)
                if body is code and helper is not None and len(helpers) < 16:
                    helpers.append(helper)
    return calls, strings


def _bodies(assembly: Assembly, code: list[Instruction],
            helpers: list[Method]) -> Iterator[list[Instruction]]:
    """The callback's body, then the bodies of the helpers found while reading it."""
    yield code
    for helper in helpers:
        try:
            yield instructions(assembly.body(helper))
        except MetadataError:
            continue


def pin_constants(strings: list[str], calls: set[str]) -> tuple[list[str], list[str]]:
    """(pins in pinscan's notation, other candidate constants) from the strings a callback
    compares, interpreted by what it reads from the certificate.

    A 32-byte digest is an SPKI pin (``sha256/``) when the callback exports the
    SubjectPublicKeyInfo, a certificate fingerprint (``cert-sha256/``) when it hashes the
    whole certificate. A hex public key compared with ``GetPublicKeyString()`` is turned
    into the SPKI pin of that key. Anything else stays evidence.
    """
    pins: list[str] = []
    kept: list[str] = []
    reads_cert = bool(calls & (_CERT_CALLS | _SPKI_CALLS | _KEY_CALLS | _THUMBPRINT_CALLS))
    if not reads_cert:
        return pins, kept
    for text in strings:
        value = text.strip().removeprefix("sha256/")
        raw = _hex(value)
        if raw is None and len(value) == 44 and value.endswith("="):
            try:
                raw = base64.b64decode(value, validate=True)
            except ValueError:
                raw = None
        if raw is None:
            continue
        pin = _pin(raw, calls, is_hex=_hex(value) is not None)
        if pin:
            pins.append(pin)
        elif len(raw) >= 16:
            kept.append(f"'{value[:24]}…'" if len(value) > 24 else f"'{value}'")
    return sorted(set(pins)), kept


def _pin(raw: bytes, calls: set[str], *, is_hex: bool) -> str | None:
    if len(raw) == 32 and calls & _SPKI_CALLS:
        return "sha256/" + base64.b64encode(raw).decode()
    if len(raw) == 32 and calls & _CERT_CALLS:
        return "cert-sha256/" + raw.hex()
    if len(raw) == 32 and not is_hex and calls & _KEY_CALLS:
        # NOTE: a base64 SHA-256 beside GetPublicKey() is taken for an SPKI pin, the usual
        # convention; a hash of the raw key bits (without the algorithm) would not match it.
        return "sha256/" + base64.b64encode(raw).decode()
    if len(raw) > 32 and is_hex and calls & _KEY_CALLS:
        spki = _spki_of_key(raw)
        return "sha256/" + spki_pin(spki) if spki else None
    return None


def _hex(value: str) -> bytes | None:
    cleaned = value.replace(":", "").replace(" ", "").replace("-", "")
    if len(cleaned) < 32 or len(cleaned) % 2 or len(cleaned) > 8192:
        return None
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        return None


_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")
_EC_CURVES = {65: "06082a8648ce3d030107", 97: "06052b81040022", 133: "06052b81040023"}


def _spki_of_key(key: bytes) -> bytes | None:
    """The SubjectPublicKeyInfo of the key bytes ``GetPublicKeyString()`` gives: an RSA
    key as a DER RSAPublicKey, an EC key as its uncompressed point (the curve told by its
    length: P-256, P-384, P-521). None when the bytes are not such a key."""
    if key[:1] == b"\x30":
        algorithm = _RSA_ALGORITHM
    elif key[:1] == b"\x04" and len(key) in _EC_CURVES:
        algorithm = _der(0x30, bytes.fromhex("06072a8648ce3d0201" + _EC_CURVES[len(key)]))
    else:
        return None
    spki = _der(0x30, algorithm + _der(0x03, b"\0" + key))
    try:
        serialization.load_der_public_key(spki)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return spki


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content
