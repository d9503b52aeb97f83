"""The .NET reader: assemblies, XALZ, assembly stores, IL validation callbacks and pins."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, framework_artifact

from mstg_pinscan.facts.frameworks import (
    FrameworkFacts,
    FrameworkReading,
    TrustKind,
    assembly_store,
    collect_framework_facts,
    dotnet_il,
)
from mstg_pinscan.facts.frameworks.cli_metadata import (
    Assembly,
    MetadataError,
    instructions,
    operand_size,
)
from mstg_pinscan.models import FrameworkInfo, Platform
from mstg_pinscan.unpack import Bundle

SAMPLES = ROOT / "sample_apps" / "frameworks" / "dotnet"
OUT = SAMPLES / "out"
PKI = ROOT / "sample_apps" / "pki"
LEAF_PIN = "sha256/" + json.loads((PKI / "pins.json").read_text())["leaf"]
LEAF_CERT = "cert-sha256/" + hashlib.sha256((PKI / "leaf.der").read_bytes()).hexdigest()
MONO = Path("/usr/lib/mono/4.5")


def scan(name: str) -> FrameworkFacts:
    platform = Platform.IOS if name.endswith(".ipa") else Platform.ANDROID
    with Bundle(OUT / name) as bundle:
        return collect_framework_facts(bundle, platform)


def app_dll() -> bytes:
    with zipfile.ZipFile(OUT / "dotnet_trust_all.apk") as archive:
        return archive.read("assemblies/App.dll")


def analyse(data: bytes) -> tuple[int | str, FrameworkReading]:
    reading = FrameworkReading(FrameworkInfo("dotnet", ()))
    return dotnet_il.analyse_assembly(data, "App.dll", "App.dll", "dotnet", reading), reading


def kinds(facts: FrameworkFacts) -> list[TrustKind]:
    return [t.kind for t in facts.trust]


# -- findings on the sample apps --------------------------------------------------------------

@pytest.mark.parametrize("name", ["dotnet_trust_all.apk", "dotnet_store_v1.apk",
                                  "dotnet_store_v3.apk", "dotnet_trust_all.ipa"])
def test_trust_all_callbacks_found_in_every_packing(name: str) -> None:
    facts = scan(name)
    assert facts.has("dotnet")
    assert kinds(facts) == [TrustKind.TRUST_ALL] * 4
    elements = sorted(str(t.location.element).split("!", 1)[1] for t in facts.trust)
    assert elements == ["Demo.App.Api::<Create>m__0", "Demo.App.Api::AcceptAll",
                        "Demo.App.Api::AcceptAll", "Demo.App.Api::Dangerous"]
    evidence = " ".join(t.evidence for t in facts.trust)
    for what in ("ServerCertificateCustomValidationCallback", "ServicePointManager",
                 "new SslStream", "DangerousAcceptAnyServerCertificateValidator"):
        assert what in evidence
    assert [u for u, _ in facts.urls] == ["https://api.pinscan-demo.example/v1/"]
    assert any("framework assemblies" in line for line in facts.unread)


def test_store_versions_are_said_in_read() -> None:
    v1 = scan("dotnet_store_v1.apk").frameworks[0].read
    v3 = scan("dotnet_store_v3.apk").frameworks[0].read
    assert any("format version 1): 2 assemblies" in line for line in v1)
    assert any("format version 3): 2 assemblies" in line for line in v3)


def test_ios_says_aot_code_is_not_read() -> None:
    assert any("AOT" in line for line in scan("dotnet_trust_all.ipa").unread)


def test_safe_app_has_no_trust_decisions() -> None:
    facts = scan("dotnet_safe.apk")
    assert facts.trust == ()
    assert [u for u, _ in facts.urls] == ["https://safe.pinscan-demo.example/"]
    assert facts.frameworks[0].read


def test_pinning_callbacks_report_normalised_pins() -> None:
    facts = scan("dotnet_pinned.apk")
    assert kinds(facts) == [TrustKind.PINS, TrustKind.PINS]
    by_method = {str(t.location.element).rsplit("::", 1)[1]: t for t in facts.trust}
    assert by_method["CheckKey"].pins == (LEAF_PIN,)
    assert by_method["CheckHash"].pins == (LEAF_CERT,)
    assert TrustKind.TRUST_ALL not in kinds(facts)


def test_inspecting_callback_is_a_callback_not_pins() -> None:
    facts = scan("dotnet_callback.apk")
    assert kinds(facts) == [TrustKind.CALLBACK]
    assert "without reading the certificate" in facts.trust[0].evidence
    assert TrustKind.CALLBACK not in kinds(scan("dotnet_trust_all.apk"))
    assert TrustKind.PINS not in kinds(facts)


def test_samples_rebuild_identically(tmp_path: Path) -> None:
    if shutil.which("mcs") is None:
        pytest.skip("mcs (Debian mono-mcs) is not installed")
    import importlib.util

    spec = importlib.util.spec_from_file_location("dotnet_samples", SAMPLES / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    for built in sorted(OUT.iterdir()):
        assert (tmp_path / built.name).read_bytes() == built.read_bytes(), built.name


# -- pins from constants ---------------------------------------------------------------------

def test_pin_constants_follow_what_the_callback_reads() -> None:
    digest = hashlib.sha256(b"x").digest()
    b64 = __import__("base64").b64encode(digest).decode()
    assert dotnet_il.pin_constants([digest.hex()], {"GetRawCertData"})[0] == [
        "cert-sha256/" + digest.hex()]
    assert dotnet_il.pin_constants([digest.hex()], {"ExportSubjectPublicKeyInfo"})[0] == [
        "sha256/" + b64]
    assert dotnet_il.pin_constants([b64], {"GetPublicKey"})[0] == ["sha256/" + b64]
    # A SHA-1 thumbprint, or a hash beside nothing that reads the certificate: no pin.
    pins, kept = dotnet_il.pin_constants(["A" * 40], {"get_Thumbprint"})
    assert pins == [] and kept
    assert dotnet_il.pin_constants([digest.hex()], {"Equals"}) == ([], [])


# -- the metadata reader on real assemblies nobody on the team built ---------------------------

def test_pythonnet_runtime_assembly_parses() -> None:
    path = framework_artifact("pythonnet-3.0.5", "pythonnet/runtime/Python.Runtime.dll")
    assembly = Assembly(path.read_bytes())
    assert assembly.runtime_version.startswith("v4.0")
    assert any(m.full_name == "Python.Runtime.PythonEngine::Initialize"
               for m in assembly.methods)
    decoded, reading = analyse(path.read_bytes())
    assert isinstance(decoded, int) and decoded > 1000
    assert reading.trust == [] and reading.skipped == []
    assert all(_fully_decoded(assembly.body(m)) for m in assembly.methods)


def _fully_decoded(code: bytes) -> bool:
    """True when the IL decoder consumed every byte of a body (no unknown opcode)."""
    if not code:
        return True
    last = instructions(code)[-1]
    size = (2 if last.opcode >= 0xFE00 else 1) + (operand_size(last.opcode) or 0)
    return last.offset + size + (4 * last.operand if last.opcode == 0x45 else 0) == len(code)


def test_clr_loader_assembly_parses() -> None:
    path = framework_artifact("clr-loader-0.3.1", "clr_loader/ffi/dlls/amd64/ClrLoader.dll")
    decoded, reading = analyse(path.read_bytes())
    assert isinstance(decoded, int) and decoded > 0 and reading.skipped == []


def test_mono_http_defines_the_accept_anything_validator() -> None:
    path = MONO / "System.Net.Http.dll"
    if not path.is_file():
        pytest.skip("Debian libmono-system-net-http4.0-cil is not installed")
    assembly = Assembly(path.read_bytes())
    getter = [m for m in assembly.methods if m.name ==
              "get_DangerousAcceptAnyServerCertificateValidator"]
    assert [m.type_name for m in getter] == ["System.Net.Http.HttpClientHandler"]
    # The delegate behind it is a compiler-made lambda whose body is `ldc.i4.1; ret`.
    lambdas = [m for m in assembly.methods if "DangerousAcceptAny" in m.name
               and m is not getter[0]]
    assert lambdas and all(dotnet_il.returns_true(instructions(assembly.body(m)))
                           for m in lambdas)
    decoded, reading = analyse(path.read_bytes())
    assert isinstance(decoded, int) and reading.skipped == []
    assert TrustKind.TRUST_ALL not in [t.kind for t in reading.trust]


def test_mono_system_and_mscorlib_parse_without_skips() -> None:
    for name in ("System.dll", "mscorlib.dll"):
        path = MONO / name
        if not path.is_file():
            pytest.skip("Debian mono-runtime is not installed")
        decoded, reading = analyse(path.read_bytes())
        assert isinstance(decoded, int) and decoded > 10_000 and reading.skipped == []
        assembly = Assembly(path.read_bytes())
        assert all(_fully_decoded(assembly.body(m)) for m in assembly.methods)


# -- hostile input ---------------------------------------------------------------------------

def test_truncated_assemblies_never_raise() -> None:
    data = app_dll()
    for cut in list(range(0, len(data), 37)) + [len(data) - 1]:
        outcome, _ = analyse(data[:cut])
        assert isinstance(outcome, (int, str))


def test_garbage_and_flipped_bytes_never_raise() -> None:
    data = app_dll()
    rng = random.Random(7)
    assert isinstance(analyse(bytes(rng.randrange(256) for _ in range(4096)))[0], str)
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 12)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(analyse(bytes(mutated))[0], (int, str))


def _metadata_offset(data: bytes) -> int:
    return data.index(b"BSJB")


def test_stream_offset_past_the_end_is_refused() -> None:
    data = bytearray(app_dll())
    root = _metadata_offset(bytes(data))
    version_length = struct.unpack_from("<I", data, root + 12)[0]
    first_stream = root + 16 + version_length + 4
    struct.pack_into("<I", data, first_stream, 0x7FFFFFF0)
    with pytest.raises(MetadataError, match="runs past"):
        Assembly(bytes(data))


def test_huge_row_counts_are_refused() -> None:
    data = bytearray(app_dll())
    tables = data.index(b"#~\0") - 8
    offset = struct.unpack_from("<I", data, tables)[0] + _metadata_offset(bytes(data))
    struct.pack_into("<I", data, offset + 24, 0xFFFFFFFF)  # the Module table's row count
    with pytest.raises(MetadataError, match="rows"):
        Assembly(bytes(data))


def _literal_block(data: bytes) -> bytes:
    """An LZ4 block of one literal-only sequence: valid LZ4 without a compressor."""
    rest, length = len(data) - 15, b""
    while rest >= 255:
        length, rest = length + b"\xff", rest - 255
    return b"\xf0" + length + bytes((rest,)) + data


def test_xalz_size_lies_and_damage_are_refused() -> None:
    data = app_dll()
    blocks = [_literal_block(data)]
    try:
        import lz4.block
    except ImportError:
        pass  # the literal-only block still checks both paths
    else:
        blocks.append(lz4.block.compress(data, store_size=False))
    for block in blocks:
        good = b"XALZ" + struct.pack("<II", 0, len(data)) + block
        assert assembly_store.decompress_xalz(good) == data
        assert assembly_store.lz4_block(block, len(data)) == data  # the pure-Python fallback agrees
        for lie in (len(data) + 1, len(data) - 1, 0xFFFFFFFF):
            with pytest.raises(ValueError):
                assembly_store.decompress_xalz(b"XALZ" + struct.pack("<II", 0, lie) + block)
            with pytest.raises(ValueError):
                assembly_store.lz4_block(block, lie)
        for cut in (1, 5, len(block) // 2):
            with pytest.raises(ValueError):
                assembly_store.lz4_block(block[:cut], len(data))
    with pytest.raises(ValueError):
        assembly_store.lz4_block(b"\x0f\xff", 100)  # a length that runs off the end
    with pytest.raises(ValueError):
        assembly_store.lz4_block(b"\x10a\x05\x00", 100)  # a match before the start of the output


def test_store_counts_and_offsets_are_checked() -> None:
    with pytest.raises(ValueError, match="more than"):
        assembly_store.read_store(b"XABA" + struct.pack("<IIII", 1, 1 << 30, 0, 0))
    with pytest.raises(ValueError, match="descriptors run past"):
        assembly_store.read_store(b"XABA" + struct.pack("<IIII", 1, 100, 100, 0))
    with pytest.raises(ValueError, match="runs past"):
        assembly_store.read_store(b"XABA" + struct.pack("<IIII", 1, 1, 1, 0)
                                  + struct.pack("<6I", 0, 1 << 31, 0, 0, 0, 0))
    with pytest.raises(ValueError, match="version 9"):
        assembly_store.read_store(b"XABA" + struct.pack("<IIII", 9, 0, 0, 0))
    with pytest.raises(ValueError, match="names run past"):
        assembly_store.read_store(b"XABA" + struct.pack("<IIII", 0x80010003, 3, 0, 0))
    assert assembly_store.elf_payload(b"\x7fELF" + bytes(200)) is None
    assert assembly_store.elf_payload(b"junk") is None


def test_a_broken_assembly_in_an_app_becomes_unread(tmp_path: Path) -> None:
    apk = tmp_path / "broken.apk"
    with zipfile.ZipFile(OUT / "dotnet_safe.apk") as source, zipfile.ZipFile(apk, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            out.writestr(item, data[:300] if item.filename == "assemblies/App.dll" else data)
        out.writestr("assemblies/Other.dll", b"XALZ" + struct.pack("<II", 0, 1 << 30))
    with Bundle(apk) as bundle:
        facts = collect_framework_facts(bundle, Platform.ANDROID)
    assert {s.item for s in facts.skipped} == {"assemblies/App.dll", "assemblies/Other.dll"}
    assert any("no app assembly could be read" in line for line in facts.unread)
    assert facts.trust == ()


def test_random_stores_and_elf_files_never_raise_other_errors() -> None:
    with zipfile.ZipFile(OUT / "dotnet_store_v1.apk") as archive:
        v1 = archive.read("assemblies/assemblies.blob")
    with zipfile.ZipFile(OUT / "dotnet_store_v3.apk") as archive:
        elf = archive.read("lib/arm64-v8a/libassemblies.arm64-v8a.blob.so")
    v3 = assembly_store.elf_payload(elf)
    assert v3 is not None and assembly_store.read_store(v3)[0] == 3
    rng = random.Random(11)
    for original in (v1, v3, elf):
        for _ in range(200):
            mutated = bytearray(original)
            for _ in range(rng.randrange(1, 6)):
                mutated[rng.randrange(min(len(mutated), 400))] = rng.randrange(256)
            try:
                assembly_store.read_store(bytes(mutated))
            except ValueError:
                pass
            assembly_store.elf_payload(bytes(mutated))
