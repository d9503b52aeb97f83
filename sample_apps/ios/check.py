#!/usr/bin/env python3
"""Show what the sample IPAs contain, and check it against what the README promises.

Usage:
    python3 sample_apps/ios/check.py [DIR]     # default: sample_apps/ios/ipas

For every IPA (and zipped_app.zip) it lists the bundles and plists, and for every
Mach-O slice: the libraries, the imported symbols, the segments, the encryption info,
and the Objective-C classes with their methods (walked by hand from __objc_classlist:
LIEF's free build has no Objective-C metadata), the selectors (__objc_selrefs) and the
Swift type names (__swift5_types). It reads binaries with LIEF (python3 -m pip install
lief) and cross-checks the load commands with `llvm-objdump --macho --private-headers`.
Exits 1 if an expectation in EXPECT does not hold.
"""

import plistlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import lief

HERE = Path(__file__).resolve().parent

SEC_EVALUATE = {"_SecTrustEvaluateWithError", "_SecTrustEvaluate"}

# Per IPA: executable path in the .app -> facts. "imports" must be imported,
# "no_imports" must not be, "selectors" must be selector references, "classes" must be
# defined ObjC classes, "methods" methods they implement, "archs" the slices, "cryptid"
# the encryption state.
EXPECT = {
    "ats_pinned": {"Pinned": dict(
        archs=["arm64"], cryptid=0, classes={"PSPinnedSessionDelegate", "PSAppDelegate"},
        imports={"_SecTrustEvaluateWithError", "_SecPolicyCreateSSL", "_SecCertificateCopyData",
                 "_OBJC_CLASS_$_NSURLCredential"},
        methods={"URLSession:didReceiveChallenge:completionHandler:"},
        selectors={"credentialForTrust:"})},
    "encrypted": {"Encrypted": dict(
        archs=["arm64"], cryptid=1,
        imports={"_SecTrustEvaluateWithError", "_SecPolicyCreateSSL", "_SecCertificateCopyData"})},
    "trust_any": {"TrustAny": dict(
        archs=["arm64"], cryptid=0,
        classes={"PSTrustAnySessionDelegate", "AFSecurityPolicy", "PSAppDelegate"},
        imports={"_OBJC_CLASS_$_NSURLCredential", "_OBJC_CLASS_$_NSURLRequest"},
        no_imports=SEC_EVALUATE | {"_SecPolicyCreateSSL"},
        methods={"URLSession:didReceiveChallenge:completionHandler:", "policyWithPinningMode:",
                 "setAllowInvalidCertificates:", "setValidatesDomainName:"},
        selectors={"credentialForTrust:", "setAllowsAnyHTTPSCertificate:forHost:",
                   "policyWithPinningMode:", "setAllowInvalidCertificates:",
                   "setValidatesDomainName:"})},
    "alamofire_sim": {"AlamoSim": dict(
        archs=["x86_64", "arm64"],
        imports={"_SecTrustEvaluateWithError", "_SecTrustSetAnchorCertificates",
                 "_SecTrustSetAnchorCertificatesOnly", "_SecTrustCopyKey"},
        exports={"_$s9Alamofire32PinnedCertificatesTrustEvaluatorCMn",
                 "_$s9Alamofire22DisabledTrustEvaluatorCMn",
                 "_$s9Alamofire24PublicKeysTrustEvaluatorCMn",
                 "_$s9Alamofire18ServerTrustManagerCMn"},
        swift_types={"ServerTrustManager", "PinnedCertificatesTrustEvaluator",
                     "PublicKeysTrustEvaluator", "DisabledTrustEvaluator"})},
    "with_extension": {
        "WithExt": dict(archs=["arm64"], cryptid=0, classes={"PSAppDelegate"},
                        imports={"_OBJC_CLASS_$_PSNetClient"}, no_imports=SEC_EVALUATE),
        "Frameworks/Net.framework/Net": dict(
            archs=["arm64"], classes={"PSNetClient", "PSNetPinningDelegate"},
            imports={"_SecTrustEvaluateWithError", "_SecCertificateCopyKey",
                     "_SecKeyCopyExternalRepresentation", "_CC_SHA256"},
            methods={"URLSession:didReceiveChallenge:completionHandler:"},
            selectors={"credentialForTrust:"}),
        "PlugIns/Share.appex/Share": dict(
            archs=["arm64"], cryptid=0, classes={"PSShareViewController"},
            no_imports=SEC_EVALUATE)},
}
for _name in ("ats_single_identity", "ats_arbitrary_loads", "ats_web_content",
              "trustkit_good", "trustkit_bad", "xml_plist"):
    _exe = plistlib.loads((HERE / "apps" / _name / "Info.plist").read_bytes())["CFBundleExecutable"]
    EXPECT[_name] = {_exe: dict(archs=["arm64"], cryptid=0, classes={"PSAppDelegate"},
                                no_imports=SEC_EVALUATE)}

CPU = {0x0100000C: "arm64", 0x01000007: "x86_64"}


def cstring(binary, va, limit=256):
    if not va:
        return None
    try:
        raw = bytes(binary.get_content_from_virtual_address(va, limit))
    except Exception:  # noqa: BLE001
        return None
    end = raw.find(b"\0")
    raw = raw[:end if end >= 0 else limit]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def u64(binary, va):
    return struct.unpack("<Q", bytes(binary.get_content_from_virtual_address(va, 8)))[0]


def section(binary, name):
    for s in binary.sections:
        if s.name == name:
            return s
    return None


def method_names(binary, list_va):
    """Names of a method_list_t (absolute or relative entries)."""
    if not list_va:
        return []
    entsize_flags, count = struct.unpack(
        "<II", bytes(binary.get_content_from_virtual_address(list_va, 8)))
    relative = bool(entsize_flags & 0x80000000)
    entsize = entsize_flags & 0xFFFC
    names = []
    for i in range(count):
        entry = list_va + 8 + i * entsize
        if relative:   # int32 offset to a selector reference
            off = struct.unpack("<i", bytes(binary.get_content_from_virtual_address(entry, 4)))[0]
            names.append(cstring(binary, u64(binary, entry + off)))
        else:
            names.append(cstring(binary, u64(binary, entry)))
    return names


def objc_classes(binary):
    """{class name: (instance methods, class methods)} from __objc_classlist."""
    classlist = section(binary, "__objc_classlist")
    if classlist is None:
        return {}
    out = {}
    data = bytes(classlist.content)
    for (cls,) in struct.iter_unpack("<Q", data):
        def ro(class_va):
            return u64(binary, class_va + 32) & ~7
        ro_va = ro(cls)
        name = cstring(binary, u64(binary, ro_va + 24)) or f"<unreadable name at {cls:#x}>"
        inst = method_names(binary, u64(binary, ro_va + 32))
        meta = u64(binary, cls)
        klass = method_names(binary, u64(binary, ro(meta) + 32)) if meta else []
        out[name] = (inst, klass)
    return out


def selectors(binary):
    refs = section(binary, "__objc_selrefs")
    if refs is None:
        return []
    return [cstring(binary, va) for (va,) in struct.iter_unpack("<Q", bytes(refs.content))]


def swift_types(binary):
    sec = section(binary, "__swift5_types")
    if sec is None:
        return []
    names = []
    for i, (rel,) in enumerate(struct.iter_unpack("<i", bytes(sec.content))):
        desc = sec.virtual_address + 4 * i + rel
        raw = bytes(binary.get_content_from_virtual_address(desc + 8, 4))
        name_rel = struct.unpack("<i", raw)[0]
        names.append(cstring(binary, desc + 8 + name_rel))
    return names


def describe(binary):
    cpu = binary.header.cpu_type
    facts = {"arch": CPU.get(cpu.value if hasattr(cpu, "value") else int(cpu), "?")}
    facts["filetype"] = str(binary.header.file_type).split(".")[-1]
    facts["libraries"] = [lib.name for lib in binary.libraries]
    facts["imports"] = sorted(s.name for s in binary.imported_symbols)
    facts["exports"] = sorted(s.name for s in binary.exported_symbols)
    facts["segments"] = [f"{s.name} off={s.file_offset:#x} size={s.file_size:#x}"
                         for s in binary.segments]
    facts["sections"] = [f"{s.segment_name},{s.name}" for s in binary.sections]
    if binary.has_encryption_info:
        e = binary.encryption_info
        facts["encryption"] = (e.crypt_id, e.crypt_offset, e.crypt_size)
    facts["classes"] = objc_classes(binary)
    facts["selectors"] = selectors(binary)
    facts["swift_types"] = swift_types(binary)
    return facts


def slices(path):
    parsed = lief.MachO.parse(str(path))
    if parsed is None:
        raise SystemExit(f"LIEF cannot parse {path}")
    return [parsed.at(i) for i in range(parsed.size)]


def objdump_summary(path):
    tool = shutil.which("llvm-objdump") or shutil.which("llvm-objdump-14")
    out = subprocess.run([tool, "--macho", "--private-headers", "--arch=all", str(path)],
                         check=True, capture_output=True, text=True).stdout
    cmds = [line.split()[1] for line in out.splitlines() if line.strip().startswith("cmd ")]
    return cmds, out


def main(argv):
    folder = Path(argv[0]) if argv else HERE / "ipas"
    failures = []
    with tempfile.TemporaryDirectory(prefix="pinscan-ios-check-") as tmp:
        for ipa in sorted(folder.glob("*.ipa")) + sorted(folder.glob("*.zip")):
            name = ipa.stem
            dest = Path(tmp) / name
            with zipfile.ZipFile(ipa) as z:
                z.extractall(dest)
            apps = sorted(dest.glob("Payload/*.app")) or sorted(dest.glob("*.app"))
            print(f"=== {ipa.name}: {', '.join(a.relative_to(dest).as_posix() for a in apps)}")
            app = apps[0]
            for plist in sorted(app.rglob("Info.plist")):
                raw = plist.read_bytes()
                kind = "binary" if raw.startswith(b"bplist00") else "XML"
                keys = [k for k in plistlib.loads(raw)
                        if k in ("NSAppTransportSecurity", "TSKConfiguration", "NSExtension")]
                what = ", ".join(keys) or "no ATS/TrustKit keys"
                print(f"  {plist.relative_to(app)}: {kind} plist; {what}")
                want = "XML" if (name == "xml_plist" and plist.parent == app) else "binary"
                if kind != want:
                    failures.append(
                        f"{name}/{plist.relative_to(app)}: {kind} plist, expected {want}")
            for f in sorted(app.rglob("*")):
                if not f.is_file() or f.read_bytes()[:4] not in (
                        b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
                    continue
                rel = f.relative_to(app).as_posix()
                cmds, _ = objdump_summary(f)
                print(f"  -- {rel} (llvm-objdump load commands: {', '.join(cmds)})")
                archs = []
                per_slice = []
                for b in slices(f):
                    facts = describe(b)
                    archs.append(facts["arch"])
                    per_slice.append(facts)
                    print(f"     [{facts['arch']} {facts['filetype']}] "
                          f"encryption (cryptid, off, size) {facts.get('encryption')}")
                    print(f"       libraries: {', '.join(facts['libraries'])}")
                    print(f"       segments: {'; '.join(facts['segments'])}")
                    objc_secs = [s for s in facts["sections"]
                                 if "objc" in s or "swift" in s or "cstring" in s]
                    print(f"       objc/swift/string sections: {', '.join(objc_secs)}")
                    interesting = [s for s in facts["imports"]
                                   if s.startswith(("_Sec", "_CC_", "_OBJC_CLASS_$_NSURL",
                                                    "_OBJC_CLASS_$_PS"))]
                    print(f"       imports ({len(facts['imports'])}), Security & co: "
                          f"{', '.join(interesting)}")
                    swift = [s for s in facts["exports"] if s.startswith("_$s")]
                    if swift:
                        print(f"       Swift exports: {', '.join(swift)}")
                    if facts["swift_types"]:
                        names = ", ".join(map(str, facts["swift_types"]))
                        print(f"       __swift5_types names: {names}")
                    for cls, (inst, klass) in facts["classes"].items():
                        print(f"       class {cls}: -{', -'.join(map(str, inst)) or '(none)'}"
                              f"{'; +' + ', +'.join(map(str, klass)) if klass else ''}")
                    sels = facts["selectors"]
                    readable = [s for s in sels if s]
                    print(f"       selrefs: {len(sels)} ({len(sels) - len(readable)} unreadable)")
                exp = EXPECT.get(name if name != "zipped_app" else "ats_pinned", {}).get(rel)
                if exp is None:
                    continue
                if "archs" in exp and archs != exp["archs"]:
                    failures.append(f"{name}/{rel}: archs {archs} != {exp['archs']}")
                for facts in per_slice:
                    tag = f"{name}/{rel} [{facts['arch']}]"
                    if "cryptid" in exp and facts.get("encryption", (None,))[0] != exp["cryptid"]:
                        failures.append(
                            f"{tag}: cryptid {facts.get('encryption')} != {exp['cryptid']}")
                    for key in ("imports", "exports"):
                        missing = exp.get(key, set()) - set(facts[key])
                        if missing:
                            failures.append(f"{tag}: {key} missing {sorted(missing)}")
                    bad = exp.get("no_imports", set()) & set(facts["imports"])
                    if bad:
                        failures.append(f"{tag}: unexpected imports {sorted(bad)}")
                    missing = exp.get("classes", set()) - set(facts["classes"])
                    if missing:
                        failures.append(f"{tag}: classes missing {sorted(missing)}")
                    methods = {m for inst, klass in facts["classes"].values() for m in inst + klass}
                    missing = exp.get("methods", set()) - methods
                    if missing:
                        failures.append(f"{tag}: methods missing {sorted(missing)}")
                    missing = exp.get("selectors", set()) - set(facts["selectors"])
                    if missing:
                        failures.append(f"{tag}: selectors missing {sorted(missing)}")
                    missing = exp.get("swift_types", set()) - set(facts["swift_types"])
                    if missing:
                        failures.append(f"{tag}: Swift types missing {sorted(missing)}")
                    if exp.get("cryptid") == 1 and any(facts["selectors"]):
                        failures.append(f"{tag}: selector names readable in an encrypted binary")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nall expectations hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
