#!/usr/bin/env python3
"""Build the pinscan sample IPAs (iOS) reproducibly, without Xcode or an iOS SDK.

Usage:
    python3 sample_apps/ios/build.py            # build every app in sample_apps/ios/apps/
    python3 sample_apps/ios/build.py NAME ...   # build only the named apps
    python3 sample_apps/ios/build.py --out DIR [NAME ...]   # build into DIR instead

Each app in apps/<name>/ is turned into ipas/<name>.ipa: a zip holding
Payload/<CFBundleExecutable>.app/ with the executable, Info.plist (converted to a
binary plist unless build.json says "xml_plist": true), PkgInfo, certs/ (kept as a
folder), the files of resources/ (at the bundle's root), Frameworks/<X>.framework/
(Info.plist + a dylib built from the framework folder's sources) and
PlugIns/<X>.appex/ (Info.plist + an executable whose entry point is NSExtensionMain).
Nothing is signed: there is no _CodeSignature/ and no LC_CODE_SIGNATURE.
Building ats_pinned also writes ipas/zipped_app.zip: the same Pinned.app at the root of
a plain zip, as tools get it from a simulator build.

Toolchain: clang (Objective-C, -fobjc-arc) for arm64-apple-ios14.0 and
x86_64-apple-ios14.0-simulator, ld64.lld (LLVM 14), llvm-strip -x (local symbols
removed, as in a release build) and llvm-lipo for fat binaries.
There is no iOS SDK: sdk/include/ holds minimal headers written for these samples and
sdk/lib/ text stubs (.tbd, TAPI v4) of the system libraries, listing only the symbols
and Objective-C classes the samples use.

Per-app options in apps/<name>/build.json (all optional):
    "archs": ["arm64", "x86_64"]   slices of every binary (default ["arm64"]); with two
                                   or more, llvm-lipo makes universal binaries
    "xml_plist": true              keep the app's Info.plist as XML
    "encrypt": true                mark the app's executable FairPlay-encrypted
                                   (LC_ENCRYPTION_INFO_64 cryptid 1) and scramble the
                                   encrypted range, like an App Store binary

Reproducible: fixed compiler and linker flags, no debug info, no timestamps; zip
entries sorted, dated 1980-01-01 00:00, permissions 0755 for executables and
directories and 0644 for other files. Two builds give byte-identical IPAs with the same
Debian 12 toolchain.

Debian packages: clang lld llvm (clang 14, ld64.lld-14, llvm-lipo-14, llvm-strip-14,
llvm-objdump).
"""

import hashlib
import json
import os
import plistlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
OUT = HERE / "ipas"
SDK = HERE / "sdk"
DEBIAN_PACKAGES = "clang lld llvm"

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
MIN_OS = "14.0"
ARCHS = {
    # arch: (clang target, ld64.lld -platform_version platform)
    "arm64": (f"arm64-apple-ios{MIN_OS}", "ios"),
    "x86_64": (f"x86_64-apple-ios{MIN_OS}-simulator", "ios-simulator"),
}
SYSTEM_LIBS = ["-lobjc", "-lSystem", "-framework", "Foundation", "-framework",
               "CoreFoundation", "-framework", "Security", "-framework", "UIKit"]
SOURCE_SUFFIXES = (".m", ".c", ".s")

# Tool: candidate names (Debian 12 installs some LLVM tools only with a -14 suffix).
TOOLS = {
    "clang": (["clang", "clang-14"], "clang"),
    "ld64.lld": (["ld64.lld", "ld64.lld-14"], "lld"),
    "llvm-lipo": (["llvm-lipo", "llvm-lipo-14"], "llvm"),
    "llvm-objdump": (["llvm-objdump", "llvm-objdump-14"], "llvm"),
    "llvm-strip": (["llvm-strip", "llvm-strip-14"], "llvm"),
}

# Mach-O constants
MH_MAGIC_64 = 0xFEEDFACF
LC_SEGMENT_64 = 0x19
LC_ENCRYPTION_INFO_64 = 0x2C


def die(msg):
    print(f"build.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def find_tools():
    found, missing = {}, []
    for tool, (names, package) in TOOLS.items():
        path = next((shutil.which(n) for n in names if shutil.which(n)), None)
        if path is None:
            missing.append(f"'{tool}' (tried {', '.join(names)}; Debian package: {package})")
        found[tool] = path
    for stub in ("libobjc.tbd", "libSystem.tbd", "Foundation.framework/Foundation.tbd"):
        if not (SDK / "lib" / stub).is_file():
            missing.append(f"{SDK / 'lib' / stub} (part of this repository)")
    if missing:
        die("missing build prerequisites:\n  " + "\n  ".join(missing)
            + f"\ninstall with: apt-get install -y {DEBIAN_PACKAGES}")
    return found


def run(cmd, env, cwd=None):
    proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        die(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout}")
    return proc.stdout


# --- Info.plist ------------------------------------------------------------------------

def load_plist(path):
    try:
        with open(path, "rb") as f:
            return plistlib.load(f)
    except Exception as e:  # noqa: BLE001 - any parse error is fatal here
        die(f"{path}: not a valid plist: {e}")


def plist_bytes(path, keep_xml):
    """The Info.plist as it goes into the bundle: the XML source itself, or binary."""
    data = path.read_bytes()
    plist = load_plist(path)
    if keep_xml:
        return data
    return plistlib.dumps(plist, fmt=plistlib.FMT_BINARY, sort_keys=True)


def executable_name(plist_path):
    name = load_plist(plist_path).get("CFBundleExecutable")
    if not name or "/" in name:
        die(f"{plist_path}: CFBundleExecutable missing or invalid")
    return name


# --- compile and link ------------------------------------------------------------------

def sources(folder):
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES),
                  key=lambda p: p.name)


def compile_sources(tools, folder, arch, objdir, env, include_dirs=()):
    target = ARCHS[arch][0]
    srcs = sources(folder)
    if not srcs:
        die(f"{folder} has no sources ({', '.join(SOURCE_SUFFIXES)})")
    objdir.mkdir(parents=True, exist_ok=True)
    objects = []
    for src in srcs:
        obj = objdir / (src.name + ".o")
        cmd = [tools["clang"], "-target", target, "-fobjc-arc", "-Os", "-Wall",
               "-isysroot", SDK, "-isystem", SDK / "include", "-I", folder,
               *[a for d in include_dirs for a in ("-I", d)],
               f"-ffile-prefix-map={HERE}=.", f"-fdebug-prefix-map={HERE}=.",
               "-fno-ident", "-c", src, "-o", obj]
        run(cmd, env)
        objects.append(obj)
    return objects


def link(tools, objects, arch, output, env, kind, extra=()):
    """kind: 'app' (entry _main), 'appex' (entry _NSExtensionMain) or 'framework' (dylib)."""
    platform = ARCHS[arch][1]
    cmd = [tools["ld64.lld"], "-arch", arch, "-platform_version", platform, MIN_OS, MIN_OS,
           "-syslibroot", SDK, "-L", SDK / "lib", "-F", SDK / "lib", "-dead_strip_dylibs"]
    if kind == "framework":
        name = output.name
        cmd += ["-dylib", "-install_name", f"@rpath/{name}.framework/{name}",
                "-current_version", "1.0", "-compatibility_version", "1.0"]
    elif kind == "appex":
        cmd += ["-e", "_NSExtensionMain", "-application_extension"]
    cmd += [*objects, *extra, *SYSTEM_LIBS, "-o", output]
    run(cmd, env)
    # Like an Xcode release build: local symbols go (ld64.lld 14 has no -x); global ones
    # (the ObjC class symbols, _main, the Swift descriptors of alamofire_sim) stay.
    run([tools["llvm-strip"], "-x", output], env)


def lipo(tools, slices, output, env):
    if len(slices) == 1:
        shutil.copyfile(slices[0], output)
    else:
        run([tools["llvm-lipo"], "-create", *slices, "-output", output], env)


def check_binary(tools, path, env):
    """llvm-objdump must be able to read the load commands of every slice."""
    out = run([tools["llvm-objdump"], "--macho", "--private-headers", "--arch=all", path], env)
    if "LC_BUILD_VERSION" not in out:
        die(f"{path}: no LC_BUILD_VERSION in llvm-objdump output:\n{out}")


# --- FairPlay simulation ---------------------------------------------------------------

def keystream(length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        block = b"pinscan-fairplay-simulation" + counter.to_bytes(8, "little")
        out += hashlib.sha256(block).digest()
        counter += 1
    return bytes(out[:length])


def mark_encrypted(path):
    """Set cryptid 1 in the thin arm64/x86_64 Mach-O at path and scramble the range.

    ld64.lld 14 already writes an LC_ENCRYPTION_INFO_64 (cryptid 0) for iOS
    executables, covering __TEXT from the first page after the load commands; ld64 does
    the same. If it is missing, a new one is appended in the header padding after the
    last load command (ncmds and sizeofcmds are updated) covering the same range.
    The bytes in [cryptoff, cryptoff + cryptsize) are then XORed with a fixed SHA-256
    keystream, so that, as in a real App Store binary, code and __TEXT strings (ObjC
    class and method names included) are unreadable while the load commands, symbols and
    imports (__LINKEDIT) and __DATA stay readable."""
    data = bytearray(path.read_bytes())
    magic, cputype, _sub, _ftype, ncmds, sizeofcmds = struct.unpack_from("<6I", data, 0)
    if magic != MH_MAGIC_64:
        die(f"{path}: not a thin 64-bit Mach-O")
    page = 0x4000 if cputype == 0x0100000C else 0x1000
    off = 32
    enc_at = None
    text = None
    first_section = len(data)
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<2I", data, off)
        if cmd == LC_ENCRYPTION_INFO_64:
            enc_at = off
        elif cmd == LC_SEGMENT_64:
            segname = data[off + 8:off + 24].rstrip(b"\0")
            fileoff, filesize = struct.unpack_from("<2Q", data, off + 40)
            nsects = struct.unpack_from("<I", data, off + 64)[0]
            if segname == b"__TEXT":
                text = (fileoff, filesize)
            for i in range(nsects):
                s = off + 72 + 80 * i
                s_off = struct.unpack_from("<I", data, s + 48)[0]
                if s_off:
                    first_section = min(first_section, s_off)
        off += cmdsize
    if text is None:
        die(f"{path}: no __TEXT segment")
    if enc_at is None:
        if off + 24 > first_section:
            die(f"{path}: no room for LC_ENCRYPTION_INFO_64 in the header padding")
        enc_at = off
        data[off:off + 24] = struct.pack("<6I", LC_ENCRYPTION_INFO_64, 24, 0, 0, 0, 0)
        struct.pack_into("<2I", data, 16, ncmds + 1, sizeofcmds + 24)
        cryptoff = -(-(off + 24) // page) * page
        cryptsize = text[0] + text[1] - cryptoff
    else:
        cryptoff, cryptsize = struct.unpack_from("<2I", data, enc_at + 8)
    if cryptsize <= 0 or cryptoff + cryptsize > text[0] + text[1]:
        die(f"{path}: bad encryption range {cryptoff:#x}+{cryptsize:#x}")
    struct.pack_into("<3I", data, enc_at + 8, cryptoff, cryptsize, 1)
    stream = keystream(cryptsize)
    for i in range(cryptsize):
        data[cryptoff + i] ^= stream[i]
    path.write_bytes(bytes(data))
    return cryptoff, cryptsize


# --- one app ---------------------------------------------------------------------------

def read_options(app):
    f = app / "build.json"
    options = json.loads(f.read_text()) if f.is_file() else {}
    unknown = set(options) - {"archs", "xml_plist", "encrypt"}
    if unknown:
        die(f"{f}: unknown option(s) {', '.join(sorted(unknown))}")
    archs = options.get("archs", ["arm64"])
    if not archs or any(a not in ARCHS for a in archs):
        die(f"{f}: archs must be a subset of {list(ARCHS)}")
    return archs, bool(options.get("xml_plist")), bool(options.get("encrypt"))


def build_app(name, tools, tmp, env):
    """Build the .app of one app; returns {path inside the .app: (bytes, executable?)}
    and the .app's name."""
    app = APPS / name
    info = app / "Info.plist"
    if not info.is_file():
        die(f"{info} not found")
    archs, xml_plist, encrypt = read_options(app)
    bundle_id = load_plist(info).get("CFBundleIdentifier", "")
    if bundle_id != f"org.pinscan.sample.{name}":
        die(f"{info}: CFBundleIdentifier is {bundle_id!r}, expected org.pinscan.sample.{name}")
    work = Path(tmp) / name
    work.mkdir()
    files = {}

    # Embedded frameworks first: the app links against them.
    fw_dirs = sorted((app / "Frameworks").glob("*.framework"))
    fw_search = {arch: work / "fw-search" / arch for arch in archs}
    fw_link = []
    for fw in fw_dirs:
        fw_name = fw.name[:-len(".framework")]
        fw_exe = executable_name(fw / "Info.plist")
        if fw_exe != fw_name:
            die(f"{fw}/Info.plist: CFBundleExecutable must be {fw_name}")
        slices = []
        for arch in archs:
            objs = compile_sources(tools, fw, arch, work / "obj" / fw.name / arch, env)
            out_dir = fw_search[arch] / fw.name
            out_dir.mkdir(parents=True, exist_ok=True)
            link(tools, objs, arch, out_dir / fw_exe, env, "framework")
            slices.append(out_dir / fw_exe)
        lipo(tools, slices, work / f"{fw_name}.bin", env)
        check_binary(tools, work / f"{fw_name}.bin", env)
        files[f"Frameworks/{fw.name}/{fw_exe}"] = ((work / f"{fw_name}.bin").read_bytes(), True)
        files[f"Frameworks/{fw.name}/Info.plist"] = (plist_bytes(fw / "Info.plist", False), False)
        fw_link += ["-framework", fw_name]

    # App extensions.
    ext_dirs = sorted((app / "PlugIns").glob("*.appex"))
    for ext in ext_dirs:
        ext_exe = executable_name(ext / "Info.plist")
        files[f"PlugIns/{ext.name}/Info.plist"] = (plist_bytes(ext / "Info.plist", False), False)
        if sources(ext):
            slices = []
            for arch in archs:
                objs = compile_sources(tools, ext, arch, work / "obj" / ext.name / arch, env)
                out = work / "bin" / ext.name / arch / ext_exe
                out.parent.mkdir(parents=True, exist_ok=True)
                link(tools, objs, arch, out, env, "appex")
                slices.append(out)
            lipo(tools, slices, work / f"{ext_exe}.appex.bin", env)
            check_binary(tools, work / f"{ext_exe}.appex.bin", env)
            files[f"PlugIns/{ext.name}/{ext_exe}"] = (
                (work / f"{ext_exe}.appex.bin").read_bytes(), True)

    # The app's executable.
    exe = executable_name(info)
    slices = []
    for arch in archs:
        objs = compile_sources(tools, app, arch, work / "obj" / "app" / arch, env,
                               include_dirs=fw_dirs)
        out = work / "bin" / "app" / arch / exe
        out.parent.mkdir(parents=True, exist_ok=True)
        extra = []
        if fw_link:
            extra = ["-F", fw_search[arch], *fw_link, "-rpath", "@executable_path/Frameworks"]
        link(tools, objs, arch, out, env, "app", extra)
        if encrypt:
            mark_encrypted(out)
        slices.append(out)
    lipo(tools, slices, work / f"{exe}.bin", env)
    check_binary(tools, work / f"{exe}.bin", env)
    files[exe] = ((work / f"{exe}.bin").read_bytes(), True)
    files["Info.plist"] = (plist_bytes(info, xml_plist), False)
    files["PkgInfo"] = (b"APPL????", False)

    for folder, prefix in ((app / "certs", "certs/"), (app / "resources", "")):
        if folder.is_dir():
            for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                files[prefix + f.relative_to(folder).as_posix()] = (f.read_bytes(), False)
    return files, f"{exe}.app"


# --- zip -------------------------------------------------------------------------------

def write_zip(path, files, prefix):
    """files: {relative path: (bytes, executable?)}, all put under prefix (ends with /)."""
    entries = {}
    for rel, (data, executable) in files.items():
        full = prefix + rel
        entries[full] = (data, executable)
        parts = full.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]) + "/", None)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.create_system = 3          # "made by" Unix, whatever the host
            info.create_version = 20
            info.extract_version = 20
            info.flag_bits = 0
            info.extra = b""
            info.comment = b""
            entry = entries[name]
            if entry is None:
                info.external_attr = (0o40755 << 16) | 0x10   # directory, MS-DOS dir bit
                info.compress_type = zipfile.ZIP_STORED
                z.writestr(info, b"")
                continue
            data, executable = entry
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, path)
    return path


def report(path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"{digest}  {path}  ({path.stat().st_size} bytes)")


def main(argv):
    out = OUT
    if argv[:1] == ["--out"]:
        if len(argv) < 2:
            die("--out needs a directory")
        out, argv = Path(argv[1]).resolve(), argv[2:]
    tools = find_tools()
    all_apps = sorted(p.name for p in APPS.iterdir() if (p / "Info.plist").is_file())
    names = argv or all_apps
    unknown = [n for n in names if n not in all_apps]
    if unknown:
        die(f"unknown app(s): {', '.join(unknown)}; known: {', '.join(all_apps)}")

    env = dict(os.environ, TZ="UTC", LC_ALL="C", SOURCE_DATE_EPOCH="315532800",
               ZERO_AR_DATE="1")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pinscan-ios-build-") as tmp:
        for name in names:
            files, app_dir = build_app(name, tools, tmp, env)
            report(write_zip(out / f"{name}.ipa", files, f"Payload/{app_dir}/"))
            if name == "ats_pinned":
                report(write_zip(out / "zipped_app.zip", files, f"{app_dir}/"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
