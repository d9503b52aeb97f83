"""Which cross-platform framework built an app, told from the bundle's file names.

Each case adds the files a framework leaves in an APK or IPA to a plain sample app; the
control cases add near misses. The readers' own analysis is tested in tests/frameworks/;
here only recognition is, so the files hold placeholder bytes (a reader must say it could
not read them, never fail).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import apk_plus, sample_apk
from iosbuild import build_ipa, scan_ipa

from mstg_pinscan._cli import main
from mstg_pinscan.facts.frameworks import collect_framework_facts, readers
from mstg_pinscan.models import Platform
from mstg_pinscan.unpack import open_bundle

JUNK = b"\x7fELF" + b"\x00" * 60

ANDROID: dict[str, tuple[str, ...]] = {
    "flutter": ("lib/arm64-v8a/libflutter.so", "lib/arm64-v8a/libapp.so",
                "assets/flutter_assets/AssetManifest.json"),
    "react-native": ("assets/index.android.bundle", "lib/arm64-v8a/libhermes.so"),
    "dotnet": ("assemblies/App.dll", "lib/arm64-v8a/libmonodroid.so"),
    "cordova": ("assets/www/cordova.js", "assets/www/index.html"),
    "capacitor": ("assets/capacitor.config.json", "assets/public/index.html"),
    "unity": ("lib/arm64-v8a/libunity.so", "lib/arm64-v8a/libil2cpp.so"),
}
IOS: dict[str, tuple[str, ...]] = {
    "flutter": ("Frameworks/Flutter.framework/Flutter", "Frameworks/App.framework/App"),
    "react-native": ("main.jsbundle",),
    "dotnet": ("App.dll",),
    "cordova": ("www/cordova.js",),
    "capacitor": ("capacitor.config.json", "public/index.html"),
    "unity": ("Frameworks/UnityFramework.framework/UnityFramework",),
}
# Files that look related but do not show the framework.
NEAR_MISSES = {
    "flutter": ("assets/flutter/readme.txt", "lib/arm64-v8a/libflutterish.so"),
    "react-native": ("assets/index.ios.txt",),
    "dotnet": ("assets/App.dll",),
    "cordova": ("assets/www/index.html", "res/xml/config.xml"),
    "capacitor": ("assets/public/index.html",),
    "unity": ("assets/bin/readme.txt",),
}


def apk_with(tmp_path: Path, names: tuple[str, ...]) -> Path:
    return apk_plus(tmp_path, dict.fromkeys(names, JUNK))


def detected(path: Path, platform: Platform) -> list[str]:
    with open_bundle(path) as bundle:
        return [f.name for f in collect_framework_facts(bundle, platform).frameworks]


@pytest.mark.parametrize("name", sorted(ANDROID))
def test_an_apk_framework_is_recognised(tmp_path: Path, name: str) -> None:
    assert detected(apk_with(tmp_path, ANDROID[name]), Platform.ANDROID) == [name]


@pytest.mark.parametrize("name", sorted(IOS))
def test_an_ipa_framework_is_recognised(tmp_path: Path, name: str) -> None:
    path = build_ipa(tmp_path, {"CFBundleIdentifier": "org.example.app"},
                     files={n: JUNK for n in IOS[name]})
    assert detected(path, Platform.IOS) == [name]


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_near_misses_are_not_a_framework(tmp_path: Path, name: str) -> None:
    assert detected(apk_with(tmp_path, NEAR_MISSES[name]), Platform.ANDROID) == []


def test_a_plain_sample_app_has_no_framework() -> None:
    assert detected(sample_apk("pinned_backup"), Platform.ANDROID) == []


def test_the_readers_are_listed_in_report_order() -> None:
    assert [r.name for r in readers()] == ["flutter", "react-native", "dotnet", "cordova",
                                           "capacitor", "unity"]


def test_the_json_report_names_the_framework_and_what_was_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    apk = apk_with(tmp_path, ANDROID["react-native"])
    code = main(["--as-of", "2026-12-01", "--format", "json", "-o", "-", str(apk)])
    assert code in (0, 1)
    report = json.loads(capsys.readouterr().out)
    (found,) = report["app"]["frameworks"]
    assert found["name"] == "react-native"
    assert "assets/index.android.bundle" in found["evidence"]
    # Placeholder bytes cannot be read: the reader says so, and the analysis is incomplete.
    assert found["unread"] and not report["analysis"]["complete"]
    assert any(d["rule_name"] == "framework-detected" for d in report["decisions"])


def test_an_ipa_scan_carries_its_frameworks(tmp_path: Path) -> None:
    path = build_ipa(tmp_path, {"CFBundleIdentifier": "org.example.app"},
                     files={n: JUNK for n in IOS["flutter"]})
    result = scan_ipa(path)
    assert [f.name for f in result.frameworks] == ["flutter"]
