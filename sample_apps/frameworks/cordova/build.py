#!/usr/bin/env python3
"""Build the Cordova and Capacitor sample apps reproducibly.

Usage:
    python3 sample_apps/frameworks/cordova/build.py            # every app into out/
    python3 sample_apps/frameworks/cordova/build.py --out DIR  # into DIR instead

Each app is laid out the way ``cordova build`` or ``npx cap sync`` lays one out: the web app
under ``assets/www/`` (Cordova) or ``assets/public/`` (Capacitor) of the APK, or under
``www/`` of the iOS app bundle; Cordova's ``config.xml`` compiled to binary XML in
``res/xml/`` (by Debian's real ``aapt``) or kept as text in the iOS bundle; Capacitor's
``capacitor.config.json`` and ``capacitor.plugins.json`` in ``assets/``. The sources are in
``src/``. ``cordova.js`` is a stand-in we wrote (the real runtime is not copied); the tests
read the real one from the npm package ``cordova-android`` instead. Certificates come from
``sample_apps/pki``.

APKs copy ``sample_apps/apks/pinned_backup.apk`` and add the files; the IPA copies
``sample_apps/ios/ipas/ats_web_content.ipa``. Nothing is signed. Entries are sorted and dated
1980-01-01, so two builds give identical files.

Needs: Debian packages ``aapt`` and ``android-framework-res``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bundles import entries_of, write_zip  # noqa: E402  (sample_apps/frameworks/bundles.py)

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ROOT = HERE.parents[2]
PKI = ROOT / "sample_apps" / "pki"
BASE_APK = ROOT / "sample_apps" / "apks" / "pinned_backup.apk"
BASE_IPA = ROOT / "sample_apps" / "ios" / "ipas" / "ats_web_content.ipa"
IOS_APP = "Payload/WebContent.app/"
FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")
SHARED = {"cordova.js": "cordova.js", "cordova_plugins.js": "cordova_plugins.js",
          "index.html": "index.html"}


def compile_config(source: Path) -> bytes:
    """``config.xml`` compiled to binary XML, as it ships in ``res/xml/`` of a Cordova APK."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "res" / "xml").mkdir(parents=True)
        shutil.copy(source, work / "res" / "xml" / "config.xml")
        (work / "AndroidManifest.xml").write_text(
            '<manifest xmlns:android="http://schemas.android.com/apk/res/android" '
            'package="example.pinscan.cordova"/>\n')
        subprocess.run(["aapt", "package", "-f", "-M", str(work / "AndroidManifest.xml"),
                        "-S", str(work / "res"), "-I", str(FRAMEWORK_RES),
                        "-F", str(work / "out.ap_")], check=True, capture_output=True)
        with zipfile.ZipFile(work / "out.ap_") as out:
            return out.read("res/xml/config.xml")


def web_files(app: str, root: str, cordova: bool) -> dict[str, bytes]:
    """The app's web assets under ``root``: its own files and, for Cordova, the shared ones."""
    files: dict[str, bytes] = {}
    folder = SRC / app / ("www" if (SRC / app / "www").is_dir() else "public")
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            files[root + path.relative_to(folder).as_posix()] = path.read_bytes()
    files[root + "index.html"] = (SRC / "shared" / "index.html").read_bytes()
    if cordova:
        for source, target in SHARED.items():
            files[root + target] = (SRC / "shared" / source).read_bytes()
    return files


def leaf_fingerprint() -> str:
    """``AA BB ...``: the leaf certificate's SHA-256 as the SSL certificate checker wants it."""
    digest = hashlib.sha256((PKI / "leaf.der").read_bytes()).hexdigest().upper()
    return " ".join(digest[i:i + 2] for i in range(0, 64, 2))


def apps() -> dict[str, dict[str, bytes]]:
    """app file name -> entries to add to the base app."""
    leaf, ca = (PKI / "leaf.der").read_bytes(), (PKI / "issuing_ca.der").read_bytes()
    built: dict[str, dict[str, bytes]] = {}
    for app in ("cordova_pinned", "cordova_nocheck", "cordova_legacy_open"):
        files = web_files(app, "assets/www/", cordova=True)
        files["res/xml/config.xml"] = compile_config(SRC / app / "config.xml")
        built[f"{app}.apk"] = files
    built["cordova_pinned.apk"].update({
        "assets/www/certificates/pinscan_leaf.cer": leaf,
        "assets/www/certificates/pinscan_issuing_ca.cer": ca,
        "assets/www/certificates/README.txt": b"Only .cer files are loaded.\n",
    })
    for app in ("capacitor_cleartext", "capacitor_clean", "capacitor_plugins"):
        files = web_files(app, "assets/public/", cordova=False)
        files["assets/capacitor.config.json"] = (SRC / app / "capacitor.config.json").read_bytes()
        plugins = SRC / app / "capacitor.plugins.json"
        files["assets/capacitor.plugins.json"] = plugins.read_bytes() if plugins.is_file() else (
            b"[]\n")
        built[f"{app}.apk"] = files
    built["capacitor_plugins.apk"]["assets/public/certificates/pinscan_leaf.cer"] = leaf
    ios = web_files("cordova_ios", IOS_APP + "www/", cordova=True)
    script = IOS_APP + "www/js/app.js"
    ios[script] = ios[script].replace(b"FINGERPRINT_OF_LEAF", leaf_fingerprint().encode())
    ios[IOS_APP + "config.xml"] = (SRC / "cordova_ios" / "config.xml").read_bytes()
    ios[IOS_APP + "www/certificates/pinscan_leaf.cer"] = leaf
    built["cordova_ios.ipa"] = ios
    return built


def write(base: Path, added: dict[str, bytes], target: Path) -> None:
    """``base`` plus ``added`` (which wins), sorted and dated, to ``target``."""
    write_zip(target, {**entries_of(base), **added})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if shutil.which("aapt") is None or not FRAMEWORK_RES.is_file():
        print("needs aapt and framework-res.apk: apt-get install -y aapt android-framework-res",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name, files in apps().items():
        base = BASE_IPA if name.endswith(".ipa") else BASE_APK
        write(base, files, args.out / name)
        print(f"{args.out / name}: {len(files)} file(s) added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
