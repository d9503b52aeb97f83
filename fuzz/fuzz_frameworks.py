"""Fuzz the cross-platform framework fronts: Dart snapshots, Hermes and JavaScript bundles,
.NET assemblies and assembly stores, and Cordova scripts.

Each input goes to every reader, as the bytes of the file that reader is given. The readers
document how they refuse bad input: ``read_hermes`` and ``read_snapshot`` never raise (a
snapshot that cannot be found is None), ``analyse_assembly`` returns the reason as a string,
the store readers raise ValueError; anything else escaping is a crash.
"""

from __future__ import annotations

import atheris
from _common import ROOT, entries, run

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.facts.frameworks import FrameworkReading
    from mstg_pinscan.facts.frameworks.assembly_store import (
        decompress_xalz,
        elf_payload,
        read_store,
    )
    from mstg_pinscan.facts.frameworks.cordova import _scan_script
    from mstg_pinscan.facts.frameworks.dart_snapshot import read_snapshot
    from mstg_pinscan.facts.frameworks.dart_strings import scan_strings
    from mstg_pinscan.facts.frameworks.dotnet_il import analyse_assembly
    from mstg_pinscan.facts.frameworks.hermes import read_hermes
    from mstg_pinscan.facts.frameworks.reactnative_pinning import (
        Scan,
        scan_hermes,
        scan_javascript,
    )
    from mstg_pinscan.facts.frameworks.webapp_config import Reading
    from mstg_pinscan.models import FrameworkInfo, Platform

_SUFFIXES = (".so", ".bundle", ".jsbundle", ".dll", ".blob", ".dat", ".js",
             "App.framework/App")
_NAMES = frozenset({"assets/index.android.bundle", "assets/api.cer"})


def seeds() -> list[bytes]:
    """The framework files of the framework sample apps."""
    bundles = sorted((ROOT / "sample_apps" / "frameworks").glob("*/out/*"))
    return list(entries(_SUFFIXES, bundles))


def test_one_input(data: bytes) -> None:
    """Read ``data`` as each framework file."""
    snapshot = read_snapshot(data, "lib/arm64-v8a/libapp.so")
    if snapshot is not None:
        scan_strings(snapshot.strings)
    scan_hermes(read_hermes(data), Scan("assets/index.android.bundle", Platform.ANDROID, _NAMES))
    scan_javascript(data, Scan("assets/index.android.bundle", Platform.ANDROID, _NAMES))
    reading = FrameworkReading(FrameworkInfo("dotnet", ()))
    analyse_assembly(data, "assemblies/App.dll", "App.dll", "dotnet", reading)
    elf_payload(data)
    for store_reader in (read_store, decompress_xalz):
        try:
            store_reader(data)
        except ValueError:
            pass
    text = data.decode("utf-8", errors="replace")
    _scan_script("assets/www/js/app.js", text, Reading("cordova", Platform.ANDROID, []))


if __name__ == "__main__":
    run(test_one_input, seeds)
