"""The Unity reader: Mono game assemblies, CertificateHandler overrides, IL2CPP metadata."""

from __future__ import annotations

import json
import random
import struct
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from mstg_pinscan.facts.frameworks import FrameworkFacts, TrustKind, collect_framework_facts
from mstg_pinscan.facts.frameworks.unity import il2cpp_literals
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack import Bundle

OUT = ROOT / "sample_apps" / "frameworks" / "dotnet" / "out"
LEAF_PIN = "sha256/" + json.loads(
    (ROOT / "sample_apps" / "pki" / "pins.json").read_text())["leaf"]
METADATA = "assets/bin/Data/Managed/Metadata/global-metadata.dat"


def scan(path: Path) -> FrameworkFacts:
    with Bundle(path) as bundle:
        return collect_framework_facts(bundle, Platform.ANDROID)


def unity(facts: FrameworkFacts) -> tuple[str, ...]:
    return next(f for f in facts.frameworks if f.name == "unity").unread


def test_trust_all_certificate_handler_is_found() -> None:
    facts = scan(OUT / "unity_trust_all.apk")
    assert facts.has("unity") and not facts.has("dotnet")
    assert [(t.framework, t.kind) for t in facts.trust] == [("unity", TrustKind.TRUST_ALL)]
    assert str(facts.trust[0].location.element).endswith(
        "AcceptAllCertificates::ValidateCertificate")
    assert "CertificateHandler" in facts.trust[0].evidence
    assert [u for u, _ in facts.urls] == ["https://scores.pinscan-demo.example/api"]
    assert any("engine and runtime assemblies" in line for line in unity(facts))


def test_pinning_certificate_handler_reports_the_pin() -> None:
    facts = scan(OUT / "unity_pinned.apk")
    assert [t.kind for t in facts.trust] == [TrustKind.PINS]
    assert facts.trust[0].pins == (LEAF_PIN,)


def test_il2cpp_build_reads_urls_and_says_code_is_unread() -> None:
    facts = scan(OUT / "unity_il2cpp.apk")
    assert facts.trust == ()
    assert [u for u, _ in facts.urls] == ["https://scores.pinscan-demo.example/api"]
    assert any("IL2CPP build" in line for line in unity(facts))
    read = next(f for f in facts.frameworks if f.name == "unity").read
    assert any("version 29" in line for line in read)


def test_il2cpp_metadata_that_lies_is_refused() -> None:
    header = struct.pack("<Ii4I", 0xFAB11BAF, 29, 24, 8, 32, 4)
    assert il2cpp_literals(header + struct.pack("<II", 4, 0) + b"abcd") == (29, ["abcd"])
    # A literal pointing past its data is dropped, not read.
    assert il2cpp_literals(header + struct.pack("<II", 400, 0) + b"abcd") == (29, [])
    with pytest.raises(ValueError, match="outside"):
        il2cpp_literals(struct.pack("<Ii4I", 0xFAB11BAF, 29, 24, 1 << 30, 0, 0))
    with pytest.raises(ValueError, match="magic"):
        il2cpp_literals(bytes(64))
    with pytest.raises(ValueError, match="version 35"):
        il2cpp_literals(struct.pack("<Ii4I", 0xFAB11BAF, 35, 0, 0, 0, 0))
    with pytest.raises(ValueError, match="shorter"):
        il2cpp_literals(b"\xaf\x1b\xb1\xfa")
    rng = random.Random(3)
    for _ in range(200):
        blob = header + bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        try:
            il2cpp_literals(blob)
        except ValueError:
            pass


def test_damaged_game_assembly_becomes_unread(tmp_path: Path) -> None:
    apk = tmp_path / "damaged.apk"
    target = "assets/bin/Data/Managed/Assembly-CSharp.dll"
    with zipfile.ZipFile(OUT / "unity_trust_all.apk") as source, zipfile.ZipFile(
            apk, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            out.writestr(item, data[:500] if item.filename == target else data)
        out.writestr(METADATA, b"\xaf\x1b\xb1\xfa" + bytes(8))
    facts = scan(apk)
    assert facts.trust == ()
    assert {s.item for s in facts.skipped} == {target, METADATA}
    assert any(target in line for line in unity(facts))
