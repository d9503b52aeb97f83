"""Fuzz the zip layer: unpack/archive.py opening an archive, listing and reading entries.

Opening raises :class:`UnpackError` for anything that is not a readable archive within the
limits; reading an entry raises it for an entry that cannot be read. Nothing else may
escape, and nothing may be written but the input file itself.
"""

from __future__ import annotations

import atheris
from _common import SAMPLE_APKS, SAMPLE_IPAS, run, scratch

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.errors import UnpackError
    from mstg_pinscan.unpack import UnpackLimits, detect_platform, open_bundle

# Small limits keep each input fast; the checks are the same at any size.
_LIMITS = UnpackLimits(max_entries=512, max_entry_size=1 << 20, max_total_size=4 << 20)
_FOLDER = scratch()
_INPUT = _FOLDER / "input.apk"


def seeds() -> list[bytes]:
    """The smallest sample APKs and IPAs, whole."""
    bundles = sorted([*SAMPLE_APKS.glob("*.apk"), *SAMPLE_IPAS.glob("ipas/*.ipa")],
                     key=lambda path: path.stat().st_size)
    return [path.read_bytes() for path in bundles[:6]]


def test_one_input(data: bytes) -> None:
    """Open the bytes as a bundle and read every entry, as the fact collectors do."""
    _INPUT.write_bytes(data)
    try:
        with open_bundle(_INPUT, _LIMITS) as bundle:
            try:
                detect_platform(bundle)
            except UnpackError:
                pass
            for name in bundle.names():
                bundle.head(name, 16)
                try:
                    bundle.read(name)
                except UnpackError:
                    pass
    except UnpackError:
        pass


if __name__ == "__main__":
    run(test_one_input, seeds)
