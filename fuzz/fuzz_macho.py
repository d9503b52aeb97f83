"""Fuzz the Mach-O front: facts/macho.py ``read_binary`` (LIEF parse, every slice of a fat
binary, strings and symbols, the call scan) and facts/objc.py (the Objective-C class walk).

``read_binary`` documents no error: unreadable input gives ``BinaryEvidence.problem``. Its
result crosses a process boundary in a scan, so it must also pickle.
"""

from __future__ import annotations

import pickle
import struct
import zipfile
from collections.abc import Iterator

import atheris
from _common import SAMPLE_IPAS, entries, run

with atheris.instrument_imports(include=["mstg_pinscan"]):
    from mstg_pinscan.facts.macho import read_binary

_MH_MAGIC_64 = 0xFEEDFACF
_CPU_ARM64 = 0x0100000C
_LC_SEGMENT_64 = 0x19


def _executables() -> tuple[str, ...]:
    """Names (as ``/Name`` suffixes) of the Mach-O files in the sample IPAs."""
    names = set()
    for bundle in sorted((SAMPLE_IPAS / "ipas").glob("*.ipa")):
        with zipfile.ZipFile(bundle) as archive:
            for name in archive.namelist():
                with archive.open(name) as handle:
                    if handle.read(4) in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
                        names.add("/" + name.rsplit("/", 1)[-1])
    return tuple(sorted(names))


def _thin(body: bytes = b"") -> bytes:
    """A small ARM64 Mach-O: one __TEXT segment with one section over ``body``."""
    section = struct.pack("<16s16sQQIIIIIIII", b"__cstring", b"__TEXT", 0x1000, len(body),
                          0x200, 0, 0, 0, 2, 0, 0, 0)
    segment = struct.pack("<II16sQQQQiiII", _LC_SEGMENT_64, 72 + 80, b"__TEXT", 0,
                          0x2000, 0, 0x200 + len(body), 5, 5, 1, 0)
    header = struct.pack("<IiiIIIII", _MH_MAGIC_64, _CPU_ARM64, 0, 2, 1, len(segment + section),
                         0, 0)
    data = header + segment + section
    return data + b"\x00" * (0x200 - len(data)) + body


def _fat(*slices: bytes) -> bytes:
    """A fat binary holding ``slices`` (all marked ARM64), each aligned to 4 KiB."""
    head = struct.pack(">II", 0xCAFEBABE, len(slices))
    offset = 0x1000
    table = b""
    body = b""
    for one in slices:
        table += struct.pack(">iiIII", _CPU_ARM64, 0, offset + len(body), len(one), 12)
        body += one + b"\x00" * (-len(one) % 0x1000)
    return (head + table).ljust(offset, b"\x00") + body


def seeds() -> Iterator[bytes]:
    """The sample IPAs' binaries, and small thin and fat binaries built here."""
    yield from entries(_executables(), sorted((SAMPLE_IPAS / "ipas").glob("*.ipa")))
    small = _thin(b"URLSession:didReceiveChallenge:completionHandler:\x00TrustKit\x00")
    yield small
    yield _fat(small, _thin(b"kCFStreamSSLAllowsAnyRoot\x00"))


def test_one_input(data: bytes) -> None:
    """Read the data as an app binary, as a scan does, and pickle what was read."""
    pickle.dumps(read_binary(data, "Payload/App.app/App"))


if __name__ == "__main__":
    run(test_one_input, seeds)
