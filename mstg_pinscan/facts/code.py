"""Facts from an APK's DEX code: pinners, trust bypasses, own trust stores, TrustKit, URLs.

Every analysis starts from the id tables (which methods, fields and types a file refers to),
finds the candidate methods by a byte search, and decodes only those.
"""

from __future__ import annotations

import logging
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mstg_pinscan.facts.bytecode import Array, Call, NewObject, Static, Tracked, track
from mstg_pinscan.facts.dex import (
    BRANCHES,
    INVOKE,
    INVOKE_RANGE,
    ClassDef,
    DexFile,
    DexFormatError,
    Instruction,
    MethodIndex,
    MethodRef,
    decode,
    descriptor_to_name,
    reference_sites,
)
from mstg_pinscan.models import Skipped

_logger = logging.getLogger(__name__)

PINNER_BUILDERS = {
    "Lokhttp3/CertificatePinner$Builder;": "okhttp3",
    "Lcom/squareup/okhttp/CertificatePinner$Builder;": "okhttp2",
}
_LIBRARY_PREFIXES = ("Lokhttp3/", "Lcom/squareup/okhttp/", "Lokio/")
_TRUST_MANAGER = "Ljavax/net/ssl/X509TrustManager;"
_TRUST_MANAGER_BASES = {_TRUST_MANAGER, "Ljavax/net/ssl/X509ExtendedTrustManager;"}
_VERIFIERS = {"Ljavax/net/ssl/HostnameVerifier;",
              "Lorg/apache/http/conn/ssl/X509HostnameVerifier;"}
_WEBVIEW_CLIENT = "Landroid/webkit/WebViewClient;"
# React Native's networking (fetch, XMLHttpRequest, WebSocket) gets its OkHttpClient here.
_RN_CLIENT_PROVIDER = "Lcom/facebook/react/modules/network/OkHttpClientProvider;"
_RN_CLIENT_FACTORY = "Lcom/facebook/react/modules/network/OkHttpClientFactory;"
_SSL_ERROR = ("(Landroid/webkit/WebView;Landroid/webkit/SslErrorHandler;"
              "Landroid/net/http/SslError;)V")
_CHECK_SERVER = "([Ljava/security/cert/X509Certificate;Ljava/lang/String;"
# Calls that cannot turn a trust decision into a refusal: logging and string building.
_HARMLESS_CALLS = ("Landroid/util/Log;", "Ljava/lang/StringBuilder;", "Ljava/io/PrintStream;",
                   "Ljava/lang/Object;", "Ljava/lang/String;", "Ljava/util/Arrays;",
                   "Lkotlin/jvm/internal/Intrinsics;")
# What hand-written pinning inside checkServerTrusted calls to look at the keys.
_KEY_INSPECTION = {"Ljava/security/MessageDigest;", "Lokio/ByteString;", "Landroid/util/Base64;"}
_KEY_METHODS = {"getPublicKey", "getEncoded", "getSubjectX500Principal"}
_INSECURE_VERIFIER_TYPES = {
    "Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;": "AllowAllHostnameVerifier",
    "Lorg/apache/http/conn/ssl/NoopHostnameVerifier;": "NoopHostnameVerifier",
}
_INSECURE_FIELDS = {
    ("Lorg/apache/http/conn/ssl/SSLSocketFactory;", "ALLOW_ALL_HOSTNAME_VERIFIER"):
        "SSLSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER",
    ("Lorg/apache/http/conn/ssl/NoopHostnameVerifier;", "INSTANCE"):
        "NoopHostnameVerifier.INSTANCE",
}
URL_PATTERN = _URL = re.compile(
    rb"(?:https?|wss?)://[A-Za-z0-9._~%-]+(?::\d{1,5})?(?:[/?#][\x21-\x7e]*)?")
# The whole token after the prefix, so a malformed pin is reported as written.
_PIN_STRING = re.compile(rb"(?:sha256|sha1)/[^\x00-\x20\"'<>\\]{8,80}")
# What a malformed DEX file raises from the readers: all mean "cannot be read".
_BROKEN = (DexFormatError, ValueError, IndexError, struct.error)
# A dex string of exactly 44 characters (uleb128 length 0x2c) that is base64 of 32 bytes.
_BARE_PIN = re.compile(rb"\x2c([A-Za-z0-9+/]{43}=)\x00")
_OKHTTP_VERSION = re.compile(rb"okhttp/(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class CodeLocation:
    """A place in the code: dex file, class, method and instruction offset (code units)."""

    dex: str
    method: MethodRef
    offset: int

    def __str__(self) -> str:
        return f"{self.method.readable_class}.{self.method.name} (+{self.offset})"


@dataclass(frozen=True)
class PinnerCall:
    """A ``CertificatePinner.Builder.add`` call site with what could be recovered."""

    location: CodeLocation
    library: str
    pattern: str | None
    pins: tuple[str | None, ...]
    pins_known: bool


@dataclass(frozen=True)
class TrustBypass:
    """Code that accepts what it should refuse, where it is, and who uses it."""

    kind: str
    location: CodeLocation
    detail: str
    app_code: bool
    used_by: tuple[str, ...]
    app_path: tuple[str, ...] | None


@dataclass(frozen=True)
class CodeTrustStore:
    """A KeyStore filled from the app's own files and given to a TrustManagerFactory."""

    location: CodeLocation
    store_type: str | None
    sources: tuple[str, ...]
    files: tuple[str, ...]
    ssl_context: bool


@dataclass(frozen=True)
class CodeFacts:
    """Everything read from the DEX files."""

    pinner_calls: tuple[PinnerCall, ...] = ()
    bypasses: tuple[TrustBypass, ...] = ()
    trust_stores: tuple[CodeTrustStore, ...] = ()
    trustkit_inits: tuple[CodeLocation, ...] = ()
    custom_managers: tuple[CodeLocation, ...] = ()
    urls: tuple[tuple[str, str], ...] = ()
    pin_strings: tuple[tuple[str, str], ...] = ()
    okhttp_versions: tuple[str, ...] = ()
    # React Native: where OkHttpClientProvider.setOkHttpClientFactory is called, and the
    # classes that implement OkHttpClientFactory (their client is the one fetch uses).
    client_factory_installs: tuple[CodeLocation, ...] = ()
    client_factories: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()


# Resolves a resource id (from openRawResource) to the bundle files it names.
ResourceResolver = Callable[[int], tuple[str, ...]]


@dataclass
class _Code:
    dexes: list[DexFile]
    package: str | None
    classes: dict[str, ClassDef] = field(default_factory=dict)
    _indexes: dict[str, MethodIndex] = field(default_factory=dict)
    _statics: dict[str, dict[tuple[str, str], object]] = field(default_factory=dict)
    _users: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for dex in self.dexes:
            for class_def in dex.classes():
                # The class loader takes the first definition: classes.dex, classes2.dex, ...
                self.classes.setdefault(class_def.descriptor, class_def)

    def index(self, dex: DexFile) -> MethodIndex:
        if dex.name not in self._indexes:
            self._indexes[dex.name] = MethodIndex(dex, self.classes)
        return self._indexes[dex.name]

    def methods_referencing(
        self, dex: DexFile, opcodes: frozenset[int], indices: Iterable[int]
    ) -> dict[int, tuple[int, ClassDef]]:
        """code_off -> (method index, class) of every method that may reference an index."""
        found: dict[int, tuple[int, ClassDef]] = {}
        code_map = self.index(dex)
        start, end = code_map.code_range
        for index in indices:
            for offset in reference_sites(dex.data, opcodes, index, start, end):
                owner = code_map.containing(offset)
                if owner is not None:
                    method_index, code_off, class_def = owner
                    found[code_off] = (method_index, class_def)
        return found

    def is_app_class(self, descriptor: str) -> bool:
        if descriptor.startswith(_LIBRARY_PREFIXES):
            return False
        if not self.package:
            return True
        name = descriptor_to_name(descriptor)
        parts = self.package.split(".")
        prefix = ".".join(parts[:2]) if len(parts) >= 2 else self.package
        return name == self.package or name.startswith(prefix + ".")

    def ancestry(self, class_def: ClassDef) -> set[str]:
        """Every superclass and interface reachable inside the APK, framework ones included."""
        seen: set[str] = set()
        stack = [class_def.descriptor]
        while stack:
            descriptor = stack.pop()
            defined = self.classes.get(descriptor)
            if defined is None:
                continue
            for parent in (defined.superclass, *defined.interfaces):
                if parent and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def users(self, descriptor: str) -> tuple[str, ...]:
        """Classes outside ``descriptor`` (and its nested classes) that create or name it."""
        if descriptor in self._users:
            return self._users[descriptor]
        own = descriptor[:-1]
        found = set()
        for dex in self.dexes:
            sites = _sites(self, dex, frozenset([0x22, 0x1C]), dex.type_indices({descriptor}))
            sites += _sites(self, dex, frozenset([0x62]), dex.singleton_fields(descriptor))
            for _, user, _ in sites:
                if user.descriptor != descriptor and not user.descriptor.startswith(own + "$"):
                    found.add(user.descriptor)
        self._users[descriptor] = tuple(sorted(found))
        return self._users[descriptor]

    def path_from_app(self, descriptor: str, depth: int = 3) -> tuple[str, ...] | None:
        """The chain of classes from app code to ``descriptor`` (just it, when it is app
        code), following who creates or names whom for up to ``depth`` steps; else None."""
        paths: dict[str, tuple[str, ...]] = {descriptor: (descriptor,)}
        frontier = [descriptor]
        for _ in range(depth + 1):
            for current in sorted(frontier):
                if self.is_app_class(current):
                    return tuple(descriptor_to_name(d) for d in paths[current])
            next_frontier = []
            for current in sorted(frontier):
                for user in self.users(current):
                    if user not in paths:
                        paths[user] = (user, *paths[current])
                        next_frontier.append(user)
            frontier = next_frontier
            if not frontier:
                return None
        return None

    def static_value(self, dex: DexFile, field_index: int) -> object:
        owner, name, _ = dex.field_ref(field_index)
        if owner not in self._statics:
            self._statics[owner] = self._class_statics(owner)
        return self._statics[owner].get((owner, name))

    def _class_statics(self, owner: str) -> dict[tuple[str, str], object]:
        values: dict[tuple[str, str], object] = {}
        class_def = self.classes.get(owner)
        if class_def is None:
            return values
        dex = class_def.dex
        for field_index, text in dex.static_strings(class_def).items():
            values[dex.field_ref(field_index)[:2]] = text

        def put(put_dex: DexFile, index: int, value: object) -> None:
            if value is not None:
                values[put_dex.field_ref(index)[:2]] = value

        for method_index, code_off in class_def.methods():
            if dex.method(method_index).name == "<clinit>":
                track(dex, code_off, on_static_put=put)
        return values


def analyse_code(
    dex_files: list[tuple[str, bytes]], package: str | None, resolve_resource: ResourceResolver
) -> CodeFacts:
    """Read every DEX file; a file that cannot be read is recorded as skipped."""
    dexes, skipped = [], []
    for name, data in dex_files:
        try:
            dexes.append(DexFile(data, name))
        except _BROKEN as exc:
            skipped.append(Skipped(name, f"DEX file cannot be read: {exc}"))
    try:
        code = _Code(dexes, package)
    except _BROKEN as exc:
        names = ", ".join(d.name for d in dexes)
        return CodeFacts(skipped=(*skipped, Skipped(names, f"class index cannot be read: {exc}")))
    calls, bypasses, stores, trustkit, installs = [], [], [], [], []
    for dex in dexes:
        try:
            calls += _pinner_calls(code, dex)
            bypasses += _insecure_references(code, dex)
            stores += _trust_stores(code, dex, resolve_resource)
            trustkit += _trustkit_inits(code, dex)
            installs += _client_factory_installs(code, dex)
        except _BROKEN as exc:
            skipped.append(Skipped(dex.name, f"DEX code cannot be analysed: {exc}"))
    custom: list[CodeLocation] = []
    factories: list[str] = []
    try:
        bypasses += _bypass_classes(code, custom, factories)
    except _BROKEN as exc:
        if not skipped:  # a file already reported broken is the cause; say it once
            skipped.append(Skipped("classes*.dex", f"class hierarchy cannot be analysed: {exc}"))
    urls, pins, versions = set(), set(), set()
    for dex in dexes:
        # Strings live in one region; searching only it skips the code and the tables.
        start, end = dex.string_data_region()
        urls |= {(m.decode("ascii", "replace"), dex.name)
                 for m in _URL.findall(dex.data, start, end)}
        pins |= {(m.decode("ascii", "replace"), dex.name)
                 for m in _PIN_STRING.findall(dex.data, start, end)}
        pins |= {(m.decode("ascii"), dex.name) for m in _BARE_PIN.findall(dex.data, start, end)}
        versions |= {".".join(g.decode() for g in m)
                     for m in _OKHTTP_VERSION.findall(dex.data, start, end)}
    return CodeFacts(
        pinner_calls=tuple(sorted(calls, key=lambda c: (c.location.dex, str(c.location)))),
        bypasses=tuple(sorted(set(bypasses), key=lambda b: (b.kind, str(b.location)))),
        trust_stores=tuple(stores),
        trustkit_inits=tuple(trustkit),
        custom_managers=tuple(sorted(set(custom), key=str)),
        urls=tuple(sorted(urls)),
        pin_strings=tuple(sorted(pins)),
        okhttp_versions=tuple(sorted(versions)),
        client_factory_installs=tuple(installs),
        client_factories=tuple(sorted(factories)),
        skipped=tuple(skipped),
    )


def _location(dex: DexFile, method_index: int, offset: int) -> CodeLocation:
    return CodeLocation(dex.name, dex.method(method_index), offset)


def _pinner_calls(code: _Code, dex: DexFile) -> list[PinnerCall]:
    targets = set(dex.methods_named(set(PINNER_BUILDERS), {"add"}))
    if not targets:
        return []
    found = []
    methods = code.methods_referencing(dex, INVOKE | INVOKE_RANGE, targets)
    for code_off, (method_index, class_def) in sorted(methods.items()):
        if class_def.descriptor.startswith(_LIBRARY_PREFIXES):
            continue  # OkHttp's own code is not the app pinning
        for call in track(dex, code_off, on_call=_builder_result, resolve_static=code.static_value):
            if call.instruction.index not in targets:
                continue
            pattern = call.args[1] if len(call.args) > 1 else None
            pins_value = call.args[2] if len(call.args) > 2 else None
            pins, known = _pin_values(pins_value)
            found.append(PinnerCall(
                _location(dex, method_index, call.instruction.offset),
                PINNER_BUILDERS[call.callee.class_name],
                pattern if isinstance(pattern, str) else None,
                pins, known and isinstance(pattern, str),
            ))
    return found


def _builder_result(call: Call) -> object:
    # Builder methods return the builder, so chained calls keep tracking it.
    return call.args[0] if call.callee.name == "add" and call.args else None


def _pin_values(value: object) -> tuple[tuple[str | None, ...], bool]:
    if isinstance(value, Array):
        pins = tuple(item if isinstance(item, str) else None for item in value.items)
        return pins, bool(pins) and all(p is not None for p in pins)
    if isinstance(value, str):
        return (value,), True
    return (), False


def _insecure_references(code: _Code, dex: DexFile) -> list[TrustBypass]:
    found: list[TrustBypass] = []
    insecure = dex.methods_named({"Landroid/net/SSLCertificateSocketFactory;"}, {"getInsecure"})
    for method_index, class_def, ins in _sites(code, dex, INVOKE | INVOKE_RANGE, insecure):
        found.append(_bypass(code, "insecure-socket-factory", dex, method_index, ins.offset,
                             class_def, "SSLCertificateSocketFactory.getInsecure()"))
    for (owner, name), label in _INSECURE_FIELDS.items():
        fields = dex.fields_named({owner}, {name})
        for method_index, class_def, ins in _sites(code, dex, frozenset([0x62]), fields):
            found.append(_bypass(code, "allow-all-verifier", dex, method_index, ins.offset,
                                 class_def, label))
    for descriptor, label in _INSECURE_VERIFIER_TYPES.items():
        types = dex.type_indices({descriptor})
        for method_index, class_def, ins in _sites(code, dex, frozenset([0x22]), types):
            found.append(_bypass(code, "allow-all-verifier", dex, method_index, ins.offset,
                                 class_def, f"new {label}()"))
    return found


def _sites(
    code: _Code, dex: DexFile, opcodes: frozenset[int], indices: Iterable[int]
) -> list[tuple[int, ClassDef, Instruction]]:
    """Every decoded instruction with one of ``opcodes`` that references one of ``indices``."""
    wanted = set(indices)
    found = []
    for code_off, (method_index, class_def) in sorted(
        code.methods_referencing(dex, opcodes, wanted).items()
    ):
        for ins in _instructions(dex, code_off):
            if ins.opcode in opcodes and ins.index in wanted:
                found.append((method_index, class_def, ins))
    return found


def _instructions(dex: DexFile, code_off: int) -> list[Instruction]:
    return list(decode(dex.code_units(code_off)[1]))


def _bypass(
    code: _Code, kind: str, dex: DexFile, method_index: int, offset: int, class_def: ClassDef,
    detail: str,
) -> TrustBypass:
    """A bypass in ``class_def``, with who uses that class and whether app code reaches it."""
    users = tuple(descriptor_to_name(u) for u in code.users(class_def.descriptor))
    return TrustBypass(kind, _location(dex, method_index, offset), detail,
                       code.is_app_class(class_def.descriptor), users,
                       code.path_from_app(class_def.descriptor))


def _bypass_classes(
    code: _Code, custom: list[CodeLocation], factories: list[str]
) -> list[TrustBypass]:
    """Trust bypasses by class; collects hand-written pinning managers into ``custom`` and
    React Native OkHttpClientFactory classes into ``factories`` on the same walk."""
    found = []
    for class_def in list(code.classes.values()):
        ancestry = code.ancestry(class_def)
        if _RN_CLIENT_FACTORY in ancestry:
            factories.append(descriptor_to_name(class_def.descriptor))
        if ancestry & _TRUST_MANAGER_BASES:
            found += _trust_manager(code, class_def, custom)
        if ancestry & _VERIFIERS:
            found += _verifier(code, class_def)
        if _WEBVIEW_CLIENT in ancestry:
            found += _webview_client(code, class_def)
    return found


def _own_methods(class_def: ClassDef) -> list[tuple[int, int, MethodRef]]:
    dex = class_def.dex
    return [(index, off, dex.method(index)) for index, off in class_def.methods()]


def _trust_manager(
    code: _Code, class_def: ClassDef, custom: list[CodeLocation]
) -> list[TrustBypass]:
    found = []
    dex = class_def.dex
    for method_index, code_off, ref in _own_methods(class_def):
        if ref.name == "checkServerTrusted" and ref.proto.startswith(_CHECK_SERVER):
            calls_out = track(dex, code_off)
            ops = {i.opcode for i in _instructions(dex, code_off)}
            # TODO: a manager that calls the default one inside try/catch and swallows the
            # CertificateException also accepts everything; exception handlers are not read
            # yet, so that shape is not reported.
            if 0x27 not in ops and all(c.callee.class_name.startswith(_HARMLESS_CALLS)
                                       for c in calls_out):
                found.append(_bypass(code, "trust-all-manager", dex, method_index, 0, class_def,
                                     "checkServerTrusted never throws"))
            elif code.is_app_class(class_def.descriptor) and any(
                c.callee.class_name in _KEY_INSPECTION or c.callee.name in _KEY_METHODS
                for c in calls_out
            ):
                custom.append(_location(dex, method_index, 0))
        elif ref.name == "getAcceptedIssuers" and ref.proto.startswith("()"):
            if _returns_only(dex, code_off, 0, 0x11):
                found.append(_bypass(code, "accepted-issuers-null", dex, method_index, 0,
                                     class_def, "getAcceptedIssuers returns null"))
    return found


def _verifier(code: _Code, class_def: ClassDef) -> list[TrustBypass]:
    dex = class_def.dex
    for method_index, code_off, ref in _own_methods(class_def):
        if ref.name == "verify" and ref.proto == "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z":
            if _returns_only(dex, code_off, 1, 0x0F):
                return [_bypass(code, "allow-all-verifier", dex, method_index, 0, class_def,
                                "HostnameVerifier.verify returns true")]
    return []


def _webview_client(code: _Code, class_def: ClassDef) -> list[TrustBypass]:
    dex = class_def.dex
    for method_index, code_off, ref in _own_methods(class_def):
        if ref.name != "onReceivedSslError" or ref.proto != _SSL_ERROR:
            continue
        branch_seen = False
        for ins in _instructions(dex, code_off):
            if ins.opcode in BRANCHES:
                branch_seen = True
            elif (ins.opcode in INVOKE or ins.opcode in INVOKE_RANGE) and _is_proceed(dex, ins):
                # NOTE: a branch before proceed() is taken to guard it; a guard that always
                # holds still reads as conditional.
                kind = "webview-proceed-conditional" if branch_seen else "webview-proceed"
                return [_bypass(code, kind, dex, method_index, ins.offset, class_def,
                                "onReceivedSslError calls SslErrorHandler.proceed()"
                                + (" behind a condition" if branch_seen else ""))]
    return []


def _is_proceed(dex: DexFile, ins: Instruction) -> bool:
    ref = dex.method(ins.index or 0)
    return ref.class_name == "Landroid/webkit/SslErrorHandler;" and ref.name == "proceed"


def _returns_only(dex: DexFile, code_off: int, constant: int, return_op: int) -> bool:
    """True when every return of the method returns ``constant``."""
    registers: dict[int, object] = {}
    returns = 0
    for ins in _instructions(dex, code_off):
        if ins.literal is not None:
            registers[ins.registers[0]] = ins.literal
        elif ins.opcode == return_op:
            returns += 1
            if registers.get(ins.registers[0]) != constant:
                return False
        elif ins.registers and ins.opcode not in INVOKE and ins.opcode not in INVOKE_RANGE:
            registers.pop(ins.registers[0], None)
    return returns > 0


class _StoreModel:
    """Follows KeyStores through one method: where they load from, and who trusts them."""

    def __init__(self, resolve: ResourceResolver) -> None:
        self.resolve = resolve
        self.trusted: list[tuple[Tracked, int]] = []
        self.ssl_context = False

    def __call__(self, call: Call) -> object:
        ref, args = call.callee, call.args
        owner, name = ref.class_name, ref.name
        if owner == "Ljava/security/KeyStore;" and name == "getInstance":
            return Tracked("keystore", args[0] if args and isinstance(args[0], str) else None)
        if name == "openRawResource" and len(args) > 1:
            resource = args[1]
            if isinstance(resource, int):
                return Tracked("stream", f"resource 0x{resource:08x}", list(self.resolve(resource)))
            return Tracked("stream", "resource")
        if owner == "Landroid/content/res/AssetManager;" and name == "open" and len(args) > 1:
            path = args[1]
            files = [f"assets/{path}"] if isinstance(path, str) else []
            return Tracked("stream", f"asset {path}", list(files))
        if name in ("generateCertificate", "generateCertificates") and len(args) > 1:
            return args[1] if isinstance(args[1], Tracked) else None
        if owner == "Ljava/security/KeyStore;" and name in ("load", "setCertificateEntry"):
            source = args[-1] if name == "setCertificateEntry" else None
            if name == "load" and len(args) > 1:
                source = args[1]
            if args and isinstance(args[0], Tracked) and isinstance(source, Tracked):
                args[0].sources.append(source)
        elif owner == "Ljavax/net/ssl/TrustManagerFactory;" and name == "init" and len(args) > 1:
            store = args[1]
            if isinstance(store, Tracked) and store.kind == "keystore" and store.sources:
                self.trusted.append((store, call.instruction.offset))
        elif owner == "Ljavax/net/ssl/SSLContext;" and name == "init":
            self.ssl_context = True
        return None


def _trust_stores(code: _Code, dex: DexFile, resolve: ResourceResolver) -> list[CodeTrustStore]:
    inits = set(dex.methods_named({"Ljavax/net/ssl/TrustManagerFactory;"}, {"init"}))
    found = []
    for code_off, (method_index, _) in sorted(
        code.methods_referencing(dex, INVOKE | INVOKE_RANGE, inits).items()
    ):
        model = _StoreModel(resolve)
        track(dex, code_off, on_call=model, resolve_static=code.static_value)
        for store, offset in model.trusted:
            sources = [s for s in store.sources if isinstance(s, Tracked)]
            files = sorted({f for s in sources for f in s.sources if isinstance(f, str)})
            found.append(CodeTrustStore(
                _location(dex, method_index, offset),
                store.detail if isinstance(store.detail, str) else None,
                tuple(str(s.detail) for s in sources), tuple(files), model.ssl_context,
            ))
    return found


def _trustkit_inits(code: _Code, dex: DexFile) -> list[CodeLocation]:
    inits = dex.methods_named({"Lcom/datatheorem/android/trustkit/TrustKit;"},
                              {"initializeWithNetworkSecurityConfiguration"})
    return [_location(dex, method_index, ins.offset)
            for method_index, _, ins in _sites(code, dex, INVOKE | INVOKE_RANGE, inits)]


def _client_factory_installs(code: _Code, dex: DexFile) -> list[CodeLocation]:
    installs = dex.methods_named({_RN_CLIENT_PROVIDER}, {"setOkHttpClientFactory"})
    return [_location(dex, method_index, ins.offset)
            for method_index, _, ins in _sites(code, dex, INVOKE | INVOKE_RANGE, installs)]


__all__ = ["Array", "CodeFacts", "NewObject", "PinnerCall", "Static", "TrustBypass",
           "analyse_code"]
