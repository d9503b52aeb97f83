"""Helpers for the DEX and code tests: the APKs with code, androguard as an oracle, and a way
to evaluate hand-made code facts without an APK.

androguard decodes every method of a DEX file in full; it is slow on a large app, so one walk
per APK is cached for the whole session and shared by the test modules that need it.
"""

from __future__ import annotations

import functools
import os
import re
import zipfile
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE_APKS, manifest_facts

from mstg_pinscan.evaluate.apk import EvaluationOptions, evaluate_android
from mstg_pinscan.evaluate.catalog import Catalog
from mstg_pinscan.facts.android import AndroidFacts
from mstg_pinscan.facts.blobs import PinString
from mstg_pinscan.facts.code import CodeFacts
from mstg_pinscan.facts.dex import DexFile, decode
from mstg_pinscan.models import CertificateInfo, ScanResult

CODE_APPS = ("okhttp_varargs", "okhttp_constants", "okhttp_lambda", "trust_all",
             "webview_proceed", "own_truststore", "unused_library_trustall", "trustkit_code")
CACHE = Path(os.environ.get("PINSCAN_APK_CACHE", Path.home() / ".cache" / "pinscan" / "apks"))
YOSEMITE = CACHE / "airtest-1.4.3-Yosemite.apk"
UIAUTOMATOR = CACHE / "uiautomator2-3.7.1-app-uiautomator.apk"
REAL_APKS = (YOSEMITE, UIAUTOMATOR)

# Every APK with code, by a short id for parametrize: the samples, then the real ones.
ALL_CODE_APKS = [pytest.param(SAMPLE_APKS / f"{name}.apk", id=name) for name in CODE_APPS] + [
    pytest.param(path, id=path.stem) for path in REAL_APKS
]

INVOKE_OPS = frozenset([*range(0x6E, 0x73), *range(0x74, 0x79)])
_DEX_NAME = re.compile(r"^classes(\d*)\.dex$")


def require(apk: Path) -> Path:
    """``apk``, or skip the test when it is a real APK that is not in the cache."""
    if not apk.exists():
        pytest.skip(f"{apk.name} not in {CACHE}; run benchmarks/fetch_apks.py")
    return apk


def dex_entries(apk: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of every classes*.dex, in the order the class loader reads them."""
    with zipfile.ZipFile(apk) as archive:
        names = [n for n in archive.namelist() if _DEX_NAME.match(n)]
        names.sort(key=lambda n: int(_DEX_NAME.match(n).group(1) or 1))  # type: ignore[union-attr]
        return [(name, archive.read(name)) for name in names]


def no_space(descriptor: str) -> str:
    """androguard separates parameter types with spaces; the DEX format does not."""
    return descriptor.replace(" ", "")


# --- androguard as the oracle -------------------------------------------------------------

@dataclass
class OracleMethod:
    """One method with code, as androguard sees it."""

    dex: str
    class_name: str
    name: str
    proto: str
    code_off: int


@dataclass
class OracleClass:
    """One class definition, as androguard sees it."""

    dex: str
    descriptor: str
    superclass: str | None
    interfaces: tuple[str, ...]
    # checkServerTrusted-like methods: (proto, has a throw, classes of every callee)
    check_server: list[tuple[str, bool, frozenset[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class InvokeSite:
    """One invoke instruction: where it is and what it calls (resolved by androguard)."""

    dex: str
    caller: int  # index into Oracle.methods
    offset: int  # in code units
    method_index: int
    callee: tuple[str, str, str]  # class, name, proto


@dataclass
class Oracle:
    """What one full androguard walk of an APK found."""

    methods: list[OracleMethod] = field(default_factory=list)
    classes: dict[str, OracleClass] = field(default_factory=dict)
    duplicate_classes: set[str] = field(default_factory=set)
    # (dex, method, first difference) for every method whose decoding differs
    decode_mismatches: list[str] = field(default_factory=list)
    instruction_count: int = 0
    # Per dex: byte offsets of every invoke instruction, with their method indices.
    invoke_bytes: dict[str, array] = field(default_factory=dict)  # type: ignore[type-arg]
    invoke_indices: dict[str, array] = field(default_factory=dict)  # type: ignore[type-arg]
    interesting: list[InvokeSite] = field(default_factory=list)


def _androguard_sequence(method: object) -> list[tuple[int, int, int | None]]:
    """(offset in code units, opcode, method index of an invoke) of a method's instructions."""
    out = []
    offset = 0
    for ins in method.get_instructions():  # type: ignore[attr-defined]
        op = ins.get_op_value()
        if op <= 0xFF:  # payloads (0x100, 0x200, 0x300) are data, not instructions
            out.append((offset, op, ins.BBBB if op in INVOKE_OPS else None))
        offset += ins.get_length() // 2
    return out


def _pinscan_sequence(dex: DexFile, code_off: int) -> list[tuple[int, int, int | None]]:
    return [(ins.offset, ins.opcode, ins.index if ins.opcode in INVOKE_OPS else None)
            for ins in decode(dex.code_units(code_off)[1])]


def _first_difference(mine: list[object], theirs: list[object]) -> str:
    for position, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        if a != b:
            return f"instruction {position}: pinscan {a}, androguard {b}"
    return f"pinscan has {len(mine)} instructions, androguard {len(theirs)}"


CHECK_SERVER_PREFIX = "([Ljava/security/cert/X509Certificate;Ljava/lang/String;"


def _walk(apk: Path, wanted_callees: frozenset[str]) -> Oracle:
    from androguard.core.dex import DEX
    from loguru import logger

    logger.disable("androguard")
    oracle = Oracle()
    for name, data in dex_entries(apk):
        theirs = DEX(data)
        mine = DexFile(data, name)
        invoke_bytes, invoke_indices = array("Q"), array("I")
        callees: dict[int, tuple[str, str, str]] = {}
        for class_def in theirs.get_classes():
            descriptor = class_def.get_name()
            superclass = class_def.get_superclassname()
            found = OracleClass(name, descriptor, superclass if superclass else None,
                                tuple(class_def.get_interfaces() or ()))
            if descriptor in oracle.classes:
                oracle.duplicate_classes.add(descriptor)
            for method in class_def.get_methods():
                if method.get_code() is None:
                    continue
                proto = no_space(method.get_descriptor())
                caller = len(oracle.methods)
                code_off = method.get_code_off()
                oracle.methods.append(OracleMethod(name, descriptor, method.get_name(), proto,
                                                   code_off))
                expected = _androguard_sequence(method)
                oracle.instruction_count += len(expected)
                try:
                    actual: list[tuple[int, int, int | None]] = _pinscan_sequence(mine, code_off)
                except Exception as exc:  # noqa: BLE001 - any failure is a mismatch to report
                    actual = [("raised", repr(exc))]  # type: ignore[list-item]
                if actual != expected:
                    oracle.decode_mismatches.append(
                        f"{name} {descriptor}->{method.get_name()}{proto}: "
                        f"{_first_difference(actual, expected)}")  # type: ignore[arg-type]
                throws = False
                called: set[str] = set()
                for offset, op, index in expected:
                    throws |= op == 0x27
                    if index is None:
                        if 0xFA <= op <= 0xFD:
                            called.add("<invoke-polymorphic-or-custom>")
                        continue
                    invoke_bytes.append(code_off + 16 + offset * 2)
                    invoke_indices.append(index)
                    if index not in callees:
                        owner, callee_name, (params, ret) = theirs.get_cm_method(index)
                        callees[index] = (owner, callee_name, no_space(params + ret))
                    callee = callees[index]
                    called.add(callee[0])
                    if f"{callee[0]}->{callee[1]}" in wanted_callees:
                        oracle.interesting.append(InvokeSite(name, caller, offset, index, callee))
                if method.get_name() == "checkServerTrusted" and proto.startswith(
                    CHECK_SERVER_PREFIX
                ):
                    found.check_server.append((proto, throws, frozenset(called)))
            # The class loader takes the first definition (classes.dex, then classes2.dex...).
            oracle.classes.setdefault(descriptor, found)
        oracle.invoke_bytes[name] = invoke_bytes
        oracle.invoke_indices[name] = invoke_indices
    return oracle


PINNER_ADD = frozenset({"Lokhttp3/CertificatePinner$Builder;->add",
                        "Lcom/squareup/okhttp/CertificatePinner$Builder;->add"})


@functools.cache
def oracle(apk: Path) -> Oracle:
    """The full androguard walk of ``apk`` (cached for the session)."""
    return _walk(apk, PINNER_ADD)


# --- evaluating code facts without an APK --------------------------------------------------

def evaluate_code(
    catalog: Catalog,
    code: CodeFacts | None,
    *,
    configs: tuple[object, ...] = (),
    pin_strings: Iterable[PinString] = (),
    certificates: Iterable[CertificateInfo] = (),
    package: str = "org.example.app",
    first_party: tuple[str, ...] = (),
    resource_urls: tuple[tuple[str, str], ...] = (),
) -> ScanResult:
    """Evaluate ``code`` as if an APK with one classes.dex and no NSC (unless ``configs``)
    produced it."""
    import dataclasses

    manifest = dataclasses.replace(manifest_facts(nsc=bool(configs)), package=package)
    facts = AndroidFacts(
        manifest=manifest,
        configs=configs,  # type: ignore[arg-type]
        certificates=tuple(certificates),
        private_keys=(),
        dex_files=("classes.dex",),
        skipped=(),
        code=code,
        pin_strings=tuple(pin_strings),
        resource_urls=resource_urls,
    )
    options = EvaluationOptions(as_of=AS_OF, first_party=first_party)
    return evaluate_android(facts, catalog, options, Path("test.apk"), "0" * 64)
