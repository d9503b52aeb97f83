"""Manifest facts and resource resolution, read from the sample APKs built with aapt."""

from __future__ import annotations

import pytest
from conftest import sample_apk

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.android import collect_android_facts
from mstg_pinscan.facts.manifest import parse_manifest
from mstg_pinscan.facts.resources import ResourceTable
from mstg_pinscan.unpack import open_bundle


def _facts(name: str):  # noqa: ANN202
    with open_bundle(sample_apk(name)) as bundle:
        return collect_android_facts(bundle)


def test_identity_and_sdk_levels() -> None:
    manifest = _facts("pinned_backup").manifest
    assert manifest.package == "org.pinscan.sample.pinned_backup"
    assert (manifest.version_name, manifest.version_code) == ("1.0", "1")
    assert (manifest.min_sdk, manifest.target_sdk) == (24, 34)
    assert manifest.debuggable is False
    assert manifest.has_code is False


def test_network_security_config_resolved_through_resources_arsc() -> None:
    manifest = _facts("pinned_backup").manifest
    assert manifest.nsc_reference and manifest.nsc_reference.startswith("@7F")
    assert manifest.nsc_name == "@xml/network_security_config"
    assert [v.value for v in manifest.nsc_files] == ["res/xml/network_security_config.xml"]


def test_one_resource_id_resolves_to_every_qualified_file() -> None:
    facts = _facts("qualified_nsc")
    files = {(v.qualifier, v.value) for v in facts.manifest.nsc_files}
    assert files == {("", "res/xml/network_security_config.xml"),
                     ("v28", "res/xml-v28/network_security_config.xml")}
    assert len(facts.configs) == 2


def test_raw_anchor_resolves_to_the_bundled_file() -> None:
    facts = _facts("raw_anchor")
    anchors = facts.configs[0].base.trust_anchors  # type: ignore[union-attr]
    assert anchors is not None and anchors[0].kind == "raw"
    assert anchors[0].files == ("res/raw/pinscan_root.pem",)


def test_debuggable_and_legacy_target() -> None:
    assert _facts("debug_overrides").manifest.debuggable is True
    legacy = _facts("legacy_target23")
    assert (legacy.manifest.min_sdk, legacy.manifest.target_sdk) == (21, 23)
    assert legacy.manifest.nsc_reference is None
    assert any(s.item == "resources.arsc" for s in legacy.skipped)  # that APK has none


def test_targetsdk_defaults_to_minsdk() -> None:
    xml = (b'<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="p">'
           b'<uses-sdk android:minSdkVersion="19"/><application/></manifest>')
    manifest = parse_manifest(xml, ResourceTable(None))
    assert (manifest.min_sdk, manifest.target_sdk) == (19, 19)


@pytest.mark.parametrize(
    "data",
    [b"\x03\x00\x08\x00" + b"\xff" * 64, b"<notmanifest/>", b"<manifest", b""],
    ids=["garbage-axml", "wrong-root", "truncated-text", "empty"],
)
def test_unreadable_manifest_is_a_fact_error(data: bytes) -> None:
    with pytest.raises(FactError):
        parse_manifest(data, ResourceTable(None))


def test_malformed_resource_table_is_refused() -> None:
    with pytest.raises(ValueError):
        ResourceTable.from_bytes(b"\x02\x00\x0c\x00" + b"\xff" * 100)
