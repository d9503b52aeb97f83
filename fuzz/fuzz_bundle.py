"""Fuzz the whole pipeline: one entry of a sample bundle replaced, then a full scan.

The parser targets feed each front alone; this one lets a malformed manifest, table,
configuration, DEX file, certificate, plist or binary flow on through fact collection,
evaluation and every report writer, as a crafted app would. The first input byte picks the
(bundle, entry) pair, the rest is that entry's new content. Only :class:`PinscanError` (the
one-line refusals) may escape. It runs the scan in this process (no child, no limits), so
that a hang or a runaway allocation shows up as a libFuzzer timeout or out-of-memory crash.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import atheris
from _common import ROOT, SAMPLE_APKS, SAMPLE_IPAS, run, scratch

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.errors import PinscanError
    from mstg_pinscan.evaluate.catalog import load_catalog
    from mstg_pinscan.report import Format, writer_for
    from mstg_pinscan.scan import ScanOptions, scan_file

_TARGETS = [
    (SAMPLE_APKS / "pinned_backup.apk", "AndroidManifest.xml"),
    (SAMPLE_APKS / "pinned_backup.apk", "resources.arsc"),
    (SAMPLE_APKS / "pinned_backup.apk", "res/xml/network_security_config.xml"),
    (SAMPLE_APKS / "pinned_backup.apk", "res/raw/pinscan_issuing_ca.pem"),
    (SAMPLE_APKS / "okhttp_varargs.apk", "classes.dex"),
    (SAMPLE_APKS / "trust_all.apk", "classes.dex"),
    (SAMPLE_APKS / "webview_proceed.apk", "classes.dex"),
    (SAMPLE_APKS / "keystores.apk", "assets/stores/truststore.jks"),
    (SAMPLE_APKS / "keystores.apk", "assets/stores/truststore.bks"),
    (SAMPLE_APKS / "keystores.apk", "assets/stores/client.p12"),
    (SAMPLE_APKS / "keystores.apk", "assets/stores/chain.p7b"),
    (SAMPLE_APKS / "trustkit.apk", "res/xml/network_security_config.xml"),
    (SAMPLE_IPAS / "ipas" / "trustkit_good.ipa", "Payload/TKGood.app/Info.plist"),
    (SAMPLE_IPAS / "ipas" / "trustkit_good.ipa", "Payload/TKGood.app/TKGood"),
    (SAMPLE_IPAS / "ipas" / "alamofire_sim.ipa", "Payload/AlamoSim.app/AlamoSim"),
    (SAMPLE_IPAS / "ipas" / "alamofire_sim.ipa", "Payload/AlamoSim.app/pinscan_issuing_ca.cer"),
]
_CATALOG = load_catalog(ROOT / "rules")
_OPTIONS = ScanOptions(as_of=dt.date(2026, 12, 1))
_FOLDER = scratch()
_ORIGINALS: dict[Path, list[tuple[zipfile.ZipInfo, bytes]]] = {}


def _entries(bundle: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    if bundle not in _ORIGINALS:
        with zipfile.ZipFile(bundle) as archive:
            _ORIGINALS[bundle] = [(info, archive.read(info)) for info in archive.infolist()]
    return _ORIGINALS[bundle]


def seeds() -> list[bytes]:
    """Each target's original content behind its selector byte."""
    found = []
    for index, (bundle, name) in enumerate(_TARGETS):
        content = dict((info.filename, data) for info, data in _entries(bundle))[name]
        found.append(bytes([index]) + content)
    return found


def test_one_input(data: bytes) -> None:
    """Rebuild the bundle with the entry replaced, scan it and render every report."""
    if not data:
        return
    bundle, name = _TARGETS[data[0] % len(_TARGETS)]
    path = _FOLDER / bundle.name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in _entries(bundle):
            archive.writestr(info, data[1:] if info.filename == name else content)
    try:
        result = scan_file(path, _CATALOG, _OPTIONS)
    except PinscanError:
        return
    for kind in Format:
        writer_for(kind, _CATALOG).render([result])


if __name__ == "__main__":
    run(test_one_input, seeds)
