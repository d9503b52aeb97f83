"""Facts from AndroidManifest.xml: identity, SDK levels and the network settings it wires in."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lxml import etree

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.resources import ResolvedValue, ResourceTable
from mstg_pinscan.facts.xml import android_attr, parse_android_xml

_logger = logging.getLogger(__name__)

MANIFEST = "AndroidManifest.xml"


@dataclass(frozen=True)
class ManifestFacts:
    """What the manifest says about the app and its network security settings."""

    package: str | None
    version_name: str | None
    version_code: str | None
    min_sdk: int
    target_sdk: int
    debuggable: bool
    uses_cleartext_traffic: bool | None
    has_code: bool
    nsc_reference: str | None
    nsc_name: str | None
    nsc_files: tuple[ResolvedValue, ...]


def parse_manifest(data: bytes, resources: ResourceTable) -> ManifestFacts:
    """Read the compiled manifest; raises :class:`FactError` when it cannot be read."""
    root = parse_android_xml(data, MANIFEST)
    if root.tag != "manifest":
        raise FactError(f"root element is <{root.tag}>, not <manifest>", path=MANIFEST)
    application = root.find("application")
    min_sdk, target_sdk = _sdk_levels(root, resources)

    nsc_reference = _app_attr(application, "networkSecurityConfig")
    nsc_files: tuple[ResolvedValue, ...] = ()
    nsc_name = None
    if nsc_reference:
        nsc_files = resources.resolve(nsc_reference)
        nsc_name = resources.name(nsc_reference) or nsc_reference

    return ManifestFacts(
        package=root.get("package"),
        version_name=android_attr(root, "versionName"),
        version_code=android_attr(root, "versionCode"),
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        debuggable=resources.resolve_bool(_app_attr(application, "debuggable")) is True,
        uses_cleartext_traffic=resources.resolve_bool(
            _app_attr(application, "usesCleartextTraffic")
        ),
        has_code=resources.resolve_bool(_app_attr(application, "hasCode")) is not False,
        nsc_reference=nsc_reference,
        nsc_name=nsc_name,
        nsc_files=nsc_files,
    )


def _app_attr(application: etree._Element | None, name: str) -> str | None:
    return android_attr(application, name) if application is not None else None


def _sdk_levels(root: etree._Element, resources: ResourceTable) -> tuple[int, int]:
    # Platform rules: a missing minSdkVersion means 1, a missing targetSdkVersion means
    # minSdkVersion. See https://developer.android.com/guide/topics/manifest/uses-sdk-element
    uses_sdk = root.find("uses-sdk")
    min_text = android_attr(uses_sdk, "minSdkVersion") if uses_sdk is not None else None
    target_text = android_attr(uses_sdk, "targetSdkVersion") if uses_sdk is not None else None
    min_sdk = _sdk_int(min_text, resources) or 1
    target_sdk = _sdk_int(target_text, resources) or min_sdk
    return min_sdk, target_sdk


def _sdk_int(value: str | None, resources: ResourceTable) -> int | None:
    if value is None:
        return None
    if value.startswith("@"):
        resolved = resources.resolve(value)
        value = resolved[0].value if resolved else None
        if value is None:
            return None
    try:
        return int(value)
    except ValueError:
        # A codename such as "UpsideDownCake" marks a preview SDK: newer than any release.
        _logger.debug("non-numeric SDK level %s", value)
        return 10_000
