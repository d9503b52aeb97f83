"""Inputs the iOS fuzz targets (fuzz/fuzz_plist.py, fuzz/fuzz_macho.py) crashed on, rebuilt
in code from the sample IPAs, each with what the parser now does instead."""

from __future__ import annotations

import pickle
import zipfile

import pytest
from conftest import ROOT

from mstg_pinscan.errors import FactError
from mstg_pinscan.facts.macho import read_binary
from mstg_pinscan.facts.plist import load_plist

IPAS = ROOT / "sample_apps" / "ios" / "ipas"
TRUST_ANY = "Payload/TrustAny.app/TrustAny"


def _trust_any() -> bytes:
    with zipfile.ZipFile(IPAS / "trust_any.ipa") as archive:
        return archive.read(TRUST_ANY)


def test_xml_declaration_with_an_unknown_encoding() -> None:
    # Was: LookupError from expat, uncaught.
    data = (b'<?xml version="1.0" encoding="utf-4"?><plist version="1.0"><dict/></plist>')
    with pytest.raises(FactError, match=r"not a readable property list \(LookupError\)"):
        load_plist(data, "Info.plist")


def test_binary_cut_inside_its_objc_segment() -> None:
    # Was: SystemError from LIEF, which builds a negative-size bytes object for an address in
    # a segment the file is too short to hold (here __DATA_CONST, with __objc_classlist).
    data = _trust_any()[:0x9000]
    evidence = read_binary(data, TRUST_ANY)
    assert evidence.problem is None
    (one,) = evidence.slices
    assert one.implemented == {}
    assert "segment __DATA_CONST runs past the end of the file" in one.unread
    assert "URLSession:didReceiveChallenge:completionHandler:" in one.selectors
    pickle.dumps(evidence)


def test_symbol_name_that_is_not_utf8() -> None:
    # Was: TypeError: LIEF gives such a name as bytes, and ``str in bytes`` fails.
    data = bytearray(_trust_any())
    at = data.rfind(b"_OBJC_CLASS_$_PSAppDelegate")
    data[at + 5] = 0xFF
    evidence = read_binary(bytes(data), TRUST_ANY)
    assert evidence.problem is None
    (one,) = evidence.slices
    assert "PSTrustAnySessionDelegate" in one.implemented
    assert "PSAppDelegate" in one.implemented  # its symbol is bad, its class data is not


@pytest.mark.parametrize("data", [b".", b"\xcf\xfa\xed\xfe", b"\x00" * 64])
def test_a_tiny_or_magicless_binary_is_not_given_to_lief(data: bytes) -> None:
    # Was: MemoryError (std::bad_alloc) from LIEF for the one byte ".".
    evidence = read_binary(data, "Payload/App.app/App")
    assert evidence.problem is not None and "Mach-O" in evidence.problem
    assert not evidence.slices
