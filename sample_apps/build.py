#!/usr/bin/env python3
"""Build the pinscan sample APKs reproducibly.

Usage:
    python3 sample_apps/build.py            # build every app in sample_apps/apps/
    python3 sample_apps/build.py NAME ...   # build only the named apps
    python3 sample_apps/build.py --out DIR [NAME ...]   # build into DIR instead

For each app: aapt package -> rewrite the zip deterministically (sorted
entries, fixed 1980-01-01 timestamps, resources.arsc and res/raw/* STORED) ->
zipalign -p -f 4 -> apksigner sign (v1+v2, default v3, no v4) ->
apksigner verify.  Output: sample_apps/apks/<name>.apk, one line per APK with
its sha256.  Nothing is written outside sample_apps/ except a temporary
directory that is removed afterwards.

Debian packages: aapt zipalign apksigner android-framework-res (+ a JRE for
apksigner, e.g. default-jre-headless).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
OUT = HERE / "apks"
KEY = HERE / "keys" / "signing.pk8"
CERT = HERE / "keys" / "signing.x509.pem"
FRAMEWORK_RES = Path("/usr/share/android-framework-res/framework-res.apk")

TOOLS = {
    "aapt": "aapt",
    "zipalign": "zipalign",
    "apksigner": "apksigner",
    "java": "default-jre-headless (needed by apksigner)",
}

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def die(msg):
    print(f"build.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def check_tools():
    missing = [f"'{tool}' (Debian package: {pkg})"
               for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if not FRAMEWORK_RES.is_file():
        missing.append(f"{FRAMEWORK_RES} (Debian package: android-framework-res)")
    for f in (KEY, CERT):
        if not f.is_file():
            missing.append(f"{f} (run sample_apps/make_fixtures.py once)")
    if missing:
        die("missing build prerequisites:\n  " + "\n  ".join(missing)
            + "\ninstall with: apt-get install -y aapt zipalign apksigner "
              "android-framework-res default-jre-headless")


def run(cmd, env):
    proc = subprocess.run([str(c) for c in cmd], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        die(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout}")
    return proc.stdout


def must_store(name):
    return name == "resources.arsc" or name.startswith("res/raw/")


def rewrite_zip(src, dst):
    """Copy src to dst with sorted entries and fixed metadata.

    Each entry keeps aapt's compression method, except resources.arsc and
    res/raw/* which are always STORED (uncompressed)."""
    with zipfile.ZipFile(src) as zin:
        infos = sorted(zin.infolist(), key=lambda i: i.filename)
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            die(f"duplicate zip entries in {src}")
        with zipfile.ZipFile(dst, "w") as zout:
            for info in infos:
                if info.is_dir():
                    continue
                data = zin.read(info)
                method = zipfile.ZIP_STORED if must_store(info.filename) else info.compress_type
                if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    die(f"unexpected compression method {method} for {info.filename}")
                out = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
                out.compress_type = method
                out.create_system = 3          # "made by" Unix, regardless of host
                out.create_version = 20
                out.extract_version = 20
                out.external_attr = 0o100644 << 16
                out.flag_bits = 0
                out.comment = b""
                out.extra = b""
                zout.writestr(out, data, compress_type=method,
                              compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)


def build(name, tmp, env, out=OUT):
    app = APPS / name
    manifest = app / "AndroidManifest.xml"
    if not manifest.is_file():
        die(f"{manifest} not found")
    work = Path(tmp) / name
    work.mkdir()
    unsigned = work / "unsigned.apk"
    normalized = work / "normalized.apk"
    aligned = work / "aligned.apk"

    cmd = ["aapt", "package", "-f", "-M", manifest]
    if (app / "res").is_dir():
        cmd += ["-S", app / "res"]
    if (app / "assets").is_dir():
        cmd += ["-A", app / "assets"]
    cmd += ["-I", FRAMEWORK_RES, "-F", unsigned]
    run(cmd, env)

    rewrite_zip(unsigned, normalized)
    run(["zipalign", "-p", "-f", "4", normalized, aligned], env)

    out.mkdir(parents=True, exist_ok=True)
    apk = out / f"{name}.apk"
    run(["apksigner", "sign", "--key", KEY, "--cert", CERT,
         "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
         "--v4-signing-enabled", "false",
         "--out", apk, aligned], env)
    run(["apksigner", "verify", apk], env)
    run(["zipalign", "-c", "-p", "4", apk], env)
    return apk


def main(argv):
    out = OUT
    if argv[:1] == ["--out"]:
        if len(argv) < 2:
            die("--out needs a directory")
        out, argv = Path(argv[1]).resolve(), argv[2:]
    check_tools()
    all_apps = sorted(p.name for p in APPS.iterdir() if (p / "AndroidManifest.xml").is_file())
    names = argv or all_apps
    unknown = [n for n in names if n not in all_apps]
    if unknown:
        die(f"unknown app(s): {', '.join(unknown)}; known: {', '.join(all_apps)}")

    env = dict(os.environ, TZ="UTC", LC_ALL="C", SOURCE_DATE_EPOCH="315532800")
    with tempfile.TemporaryDirectory(prefix="pinscan-sample-build-") as tmp:
        for name in names:
            apk = build(name, tmp, env, out)
            digest = hashlib.sha256(apk.read_bytes()).hexdigest()
            print(f"{digest}  {apk}  ({apk.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
