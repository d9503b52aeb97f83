"""The Objective-C class walk: on the sample IPAs' binaries, and on hand-built memory for the
forms lld 14 does not emit (relative method lists, chained-fixup pointers)."""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field

import lief
import pytest
from conftest import ROOT

from mstg_pinscan.facts.macho import read_binary
from mstg_pinscan.facts.objc import _Memory, _methods, class_methods

IPAS = ROOT / "sample_apps" / "ios" / "ipas"
HANDLER = "URLSession:didReceiveChallenge:completionHandler:"


def _binary(ipa: str, name: str) -> bytes:
    with zipfile.ZipFile(IPAS / ipa) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith("/" + name)))


def _classes(ipa: str, name: str) -> dict[str, set[str]]:
    fat = lief.MachO.parse(_binary(ipa, name))
    assert fat is not None
    return class_methods(fat.at(0))


def test_classes_and_their_selectors() -> None:
    classes = _classes("trust_any.ipa", "TrustAny")
    assert set(classes) == {"PSTrustAnySessionDelegate", "AFSecurityPolicy", "PSAppDelegate"}
    assert classes["PSTrustAnySessionDelegate"] == {HANDLER}
    # Class methods come from the metaclass.
    assert "policyWithPinningMode:" in classes["AFSecurityPolicy"]
    assert "setAllowInvalidCertificates:" in classes["AFSecurityPolicy"]


def test_handler_owner_in_a_framework() -> None:
    classes = _classes("with_extension.ipa", "Net")
    assert HANDLER in classes["PSNetPinningDelegate"]


def test_encrypted_metadata_is_not_walked() -> None:
    evidence = read_binary(_binary("encrypted.ipa", "Encrypted"), "Encrypted")
    assert evidence.encrypted
    assert all(not one.implemented for one in evidence.slices)


def test_every_slice_of_a_fat_binary() -> None:
    evidence = read_binary(_binary("alamofire_sim.ipa", "AlamoSim"), "AlamoSim")
    assert len(evidence.slices) == 2
    assert all("PSAppDelegate" in one.implemented for one in evidence.slices)


# --- hand-built memory -------------------------------------------------------------------

@dataclass
class FakeBinary:
    """Just what _Memory reads: bytes at addresses, the image base, the fixup kind."""

    memory: dict[int, bytes] = field(default_factory=dict)
    imagebase: int = 0x100000000
    has_dyld_chained_fixups: bool = False

    def put(self, address: int, data: bytes) -> None:
        self.memory[address] = data

    def get_content_from_virtual_address(self, address: int, size: int) -> bytes:
        for start, data in self.memory.items():
            if start <= address < start + len(data):
                return data[address - start:address - start + size]
        return b""


def test_classic_method_list() -> None:
    fake = FakeBinary()
    names = {0x1000: b"fetch:\x00", 0x1100: b"init\x00"}
    for address, text in names.items():
        fake.put(address, text)
    entries = b"".join(struct.pack("<QQQ", address, 0, 0) for address in names)
    fake.put(0x2000, struct.pack("<II", 24, 2) + entries)
    assert set(_methods(_Memory(fake), 0x2000)) == {"fetch:", "init"}  # type: ignore[arg-type]


def test_relative_method_list() -> None:
    fake = FakeBinary()
    fake.put(0x1000, HANDLER.encode() + b"\x00")
    fake.put(0x3000, struct.pack("<Q", 0x1000))  # a selector reference
    entry = 0x2000 + 8
    offset = 0x3000 - entry  # the name field: a 32-bit offset to the selector reference
    fake.put(0x2000, struct.pack("<II", 0x80000000 | 12, 1) + struct.pack("<iii", offset, 0, 0))
    assert set(_methods(_Memory(fake), 0x2000)) == {HANDLER}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0x0001_0000_1000, 0x1_0000_1000),  # chained rebase: a 36-bit target address
        (0x0000_0000_1000, 0x1_0000_1000),  # chained rebase: an offset from the image base
        (1 << 63 | 5, 0),  # a bind points outside the image
    ],
    ids=["target-address", "target-offset", "bind"],
)
def test_chained_fixup_pointers(raw: int, expected: int) -> None:
    fake = FakeBinary(has_dyld_chained_fixups=True)
    fake.put(0x4000, struct.pack("<Q", raw))
    memory = _Memory(fake)  # type: ignore[arg-type]
    assert memory.pointer(0x4000) == expected


def test_garbage_names_are_not_names() -> None:
    fake = FakeBinary()
    fake.put(0x1000, b"\xff\xfe\x01\x02\x00")
    fake.put(0x2000, struct.pack("<II", 24, 1) + struct.pack("<QQQ", 0x1000, 0, 0))
    assert _methods(_Memory(fake), 0x2000) == {}  # type: ignore[arg-type]
    assert _methods(_Memory(fake), 0x9999) == {}  # type: ignore[arg-type]


def _calls(ipa: str, name: str) -> dict[str, set[str]]:
    evidence = read_binary(_binary(ipa, name), name)
    return {key: calls for one in evidence.slices for key, calls in one.calls.items()}


def test_a_handler_that_never_evaluates() -> None:
    calls = _calls("trust_any.ipa", "TrustAny")
    handler = calls[f"PSTrustAnySessionDelegate {HANDLER}"]
    assert "_objc_msgSend" in handler
    assert not handler & {"_SecTrustEvaluateWithError", "_SecTrustEvaluate"}


def test_a_handler_that_evaluates_and_pins() -> None:
    pinned = _calls("ats_pinned.ipa", "Pinned")
    assert "_SecTrustEvaluateWithError" in pinned[f"PSPinnedSessionDelegate {HANDLER}"]
    assert "_SecCertificateCopyData" in pinned["PSPinnedSessionDelegate chainContainsIssuingCA:"]
    framework = _calls("with_extension.ipa", "Net")
    assert {"_SecTrustEvaluateWithError", "_CC_SHA256"} <= framework[
        f"PSNetPinningDelegate {HANDLER}"]


def test_a_framework_hook_is_seen_where_it_is_imported_only() -> None:
    hook = "_RCTSetCustomNSURLSessionConfigurationProvider"
    app = read_binary(_binary("rn_session.ipa", "RNSession"), "RNSession")
    assert app.union("hooks") == {hook}
    # React.framework defines it (it is always there when React Native is): not a use.
    react = read_binary(_binary("rn_session.ipa", "React"), "React")
    assert react.union("hooks") == set()
    assert read_binary(_binary("ats_pinned.ipa", "Pinned"), "Pinned").union("hooks") == set()
