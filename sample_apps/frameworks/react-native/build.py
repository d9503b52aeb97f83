#!/usr/bin/env python3
"""Build the React Native sample apps reproducibly, with the real Hermes compiler.

Usage:
    python3 sample_apps/frameworks/react-native/build.py            # every app into out/
    python3 sample_apps/frameworks/react-native/build.py --out DIR  # into DIR instead

Each app's bundle is laid out as Metro writes one: a prelude that defines the module
system, then one ``__d(function (global, require, ..., module, exports, dependencyMap) {...},
ID, [DEPENDENCIES], "PATH")`` per module, then ``__r(0)``. The modules are in ``src/``: the
app code (written as Babel compiles it, ``(0, _x.fetch)(...)``) and small stand-ins for the
public API of react-native, react-native-ssl-public-key-pinning and react-native-ssl-pinning
(no third-party code is copied). Metro itself is not run: it needs a whole React Native
project.

Hermes bundles are compiled from the same text by the real ``hermesc`` shipped in the npm
packages ``hermes-compiler@0.14.0`` (Hermes 0.12, bytecode v96, as React Native 0.7x ships)
and ``hermes-compiler@260318099.0.6`` (Hermes 1.0, bytecode v99). They are taken from the
cache of ``benchmarks/fetch_frameworks.py`` when it has them, or else fetched with
``npm pack``, into ``~/.cache/pinscan/toolchains/hermes/`` (or
``$PINSCAN_TOOLCHAIN_CACHE/hermes``); tests never fetch them.

APKs copy ``sample_apps/apks/pinned_backup.apk`` and add ``assets/``; the IPA copies
``sample_apps/ios/ipas/ats_web_content.ipa`` and adds ``main.jsbundle`` and a certificate.
Nothing is signed. Zip entries are sorted and dated 1980-01-01 and hermesc's output is
deterministic, so two builds give identical files.

Needs: npm (Debian package ``npm``) the first time, to fetch the compilers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundles import entries_of, write_zip  # noqa: E402  (sample_apps/frameworks/bundles.py)

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ROOT = HERE.parents[2]
PKI = ROOT / "sample_apps" / "pki"
BASE_APK = ROOT / "sample_apps" / "apks" / "pinned_backup.apk"
BASE_IPA = ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa"
TOOLCHAINS = Path(os.environ.get("PINSCAN_TOOLCHAIN_CACHE",
                                 Path.home() / ".cache" / "pinscan" / "toolchains")) / "hermes"
# benchmarks/fetch_frameworks.py keeps the same compilers here (without their exec bit).
FRAMEWORKS = Path(os.environ.get("PINSCAN_FRAMEWORK_CACHE",
                                 Path.home() / ".cache" / "pinscan" / "frameworks"))
MEMBER = "package/hermesc/linux64-bin/hermesc"
# npm package version -> the bytecode version its Linux hermesc writes.
COMPILERS = {"0.14.0": 96, "260318099.0.6": 99}
ANDROID_HERMES = "0.14.0"
IOS_HERMES = "260318099.0.6"

# app -> (library module or None, app module)
APPS = {
    "rn_public_key_pins": ("ssl_public_key_pinning", "app_public_key_pins"),
    "rn_cert_assets": ("ssl_pinning", "app_cert_assets"),
    "rn_disable_security": ("ssl_pinning", "app_disable_security"),
    "rn_plain": (None, "app_plain"),
}
HERMES_APPS = {"rn_public_key_pins_hermes": "rn_public_key_pins"}
LIBRARY_PATHS = {
    "ssl_public_key_pinning":
        "node_modules/react-native-ssl-public-key-pinning/lib/commonjs/index.js",
    "ssl_pinning": "node_modules/react-native-ssl-pinning/index.js",
}


def cached_hermesc(version: str) -> Path | None:
    """The Linux hermesc of ``hermes-compiler@version`` if either cache has it."""
    for path in (TOOLCHAINS / f"hermes-compiler-{version}" / MEMBER,
                 FRAMEWORKS / f"hermes-compiler-{version}" / MEMBER):
        if path.is_file():
            return path
    return None


def hermesc(version: str) -> Path:
    """The Linux hermesc of ``hermes-compiler@version``, fetched with npm if not cached."""
    folder = TOOLCHAINS / f"hermes-compiler-{version}"
    binary = folder / MEMBER
    cached = cached_hermesc(version)
    if cached is not None and cached != binary:
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, binary)
        binary.chmod(0o755)
    if binary.is_file():
        return binary
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", f"hermes-compiler@{version}", "--pack-destination",
                    str(folder)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    archive = folder / f"hermes-compiler-{version}.tgz"
    with tarfile.open(archive) as tar:
        member = tar.getmember(MEMBER)
        tar.extract(member, folder, filter="data")
    archive.unlink()
    binary.chmod(0o755)
    return binary


def bundle(app_module: str, library: str | None) -> bytes:
    """A Metro-style bundle: prelude, modules, the call that starts the app (module 0, as
    Metro numbers the entry point first)."""
    modules = [(app_module, [2] if library else [], "src/App.js"),
               ("react_native", [], "node_modules/react-native/index.js")]
    if library:
        modules.append((library, [1], LIBRARY_PATHS[library]))
    parts = [(SRC / "prelude.js").read_text()]
    for number, (name, dependencies, path) in enumerate(modules):
        body = (SRC / f"{name}.js").read_text()
        parts.append(f"__d(function (g, r, i, a, m, e, d) {{\n{body}}}, {number}, "
                     f"{dependencies}, {path!r});\n")
    parts.append("__r(0);\n")
    return "".join(parts).encode()


def compile_hermes(source: bytes, version: str, work: Path) -> bytes:
    js, hbc = work / "index.js", work / "index.hbc"
    js.write_bytes(source)
    # Relative names: hermesc records the source file's name in the bytecode's debug info.
    subprocess.run([str(hermesc(version)), "-emit-binary", "-O", "-out", hbc.name, js.name],
                   check=True, cwd=work)
    return hbc.read_bytes()



def apk(out: Path, name: str, index: bytes, extra: dict[str, bytes] | None = None) -> None:
    files = entries_of(BASE_APK)
    files["assets/index.android.bundle"] = index
    files.update(extra or {})
    write_zip(out / f"{name}.apk", files)


def build(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    leaf = {"assets/pinscan_leaf.cer": (PKI / "leaf.der").read_bytes()}
    with tempfile.TemporaryDirectory(prefix="pinscan-rn-") as temporary:
        work = Path(temporary)
        sources = {name: bundle(app, library) for name, (library, app) in APPS.items()}
        for name, source in sources.items():
            apk(out, name, source, leaf if "cert" in name or "disable" in name else None)
        for name, plain in HERMES_APPS.items():
            apk(out, name, compile_hermes(sources[plain], ANDROID_HERMES, work))
        files = entries_of(BASE_IPA)
        app = next(n.rsplit("/", 1)[0] for n in files if n.endswith("/Info.plist"))
        files[f"{app}/main.jsbundle"] = compile_hermes(
            bundle("app_ios", "ssl_pinning"), IOS_HERMES, work)
        files[f"{app}/pinscan_leaf.cer"] = (PKI / "leaf.der").read_bytes()
        write_zip(out / "rn_hermes_cert.ipa", files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    try:
        build(args.out)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"build.py: {exc} (npm is needed the first time, to fetch hermesc)",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
