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

Apps with a java/ folder have code: aapt also writes R.java (-J), javac
compiles java/ + R.java (Java 8 class files) against android.jar (API 23),
OkHttp 3 and okio, dx turns those classes -- and only those -- into
classes.dex, and `aapt add` puts it into the APK before the zip rewrite
(classes.dex is stored DEFLATED). An optional stubs/ folder holds stand-ins
for libraries that Debian lacks: they are on javac's classpath but are not
dexed, like OkHttp.

Debian packages: aapt zipalign apksigner android-framework-res (+ a JRE for
apksigner, e.g. default-jre-headless). Apps with code also need a JDK (javac),
libokhttp-java, and dx.jar + android.jar from Debian 11, which
sample_apps/fetch_toolchain.sh puts into ${PINSCAN_TOOLCHAIN_CACHE:-
~/.cache/pinscan/toolchain}.
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

# Toolchain for apps with code (sample_apps/fetch_toolchain.sh fetches dx and android.jar).
OKHTTP_JARS = (Path("/usr/share/java/okhttp.jar"), Path("/usr/share/java/okio.jar"))
DX_JAR_REL = Path("usr/lib/android-sdk/build-tools/debian/lib/dx.jar")
ANDROID_JAR_REL = Path("usr/lib/android-sdk/platforms/android-23/android.jar")
# Fixed javac flags: Java 8 class files (dx 10 reads no newer), no invokedynamic in the
# sources, debug info limited to file names and line numbers (no local variable names).
JAVAC_FLAGS = ["--release", "8", "-g:source,lines", "-encoding", "UTF-8",
               "-implicit:none", "-nowarn", "-Xlint:none"]


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


def toolchain_cache():
    default = Path.home() / ".cache" / "pinscan" / "toolchain"
    return Path(os.environ.get("PINSCAN_TOOLCHAIN_CACHE") or default)


def has_code(name):
    return (APPS / name / "java").is_dir()


def check_code_tools():
    """The extra prerequisites of apps with code; returns (dx.jar, android.jar)."""
    root = toolchain_cache() / "root"
    dx_jar, android_jar = root / DX_JAR_REL, root / ANDROID_JAR_REL
    missing = []
    for tool, pkg in (("javac", "default-jdk-headless or openjdk-17-jdk-headless"),):
        if shutil.which(tool) is None:
            missing.append(f"'{tool}' (Debian package: {pkg})")
    for jar in OKHTTP_JARS:
        if not jar.is_file():
            missing.append(f"{jar} (Debian package: libokhttp-java)")
    for jar in (dx_jar, android_jar):
        if not jar.is_file():
            missing.append(f"{jar} (run: bash sample_apps/fetch_toolchain.sh; it reads "
                           "PINSCAN_TOOLCHAIN_CACHE like build.py does)")
    if missing:
        die("missing prerequisites for the apps with code:\n  " + "\n  ".join(missing))
    return dx_jar, android_jar


def run(cmd, env):
    proc = subprocess.run([str(c) for c in cmd], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        die(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout}")
    return proc.stdout


def must_store(name):
    return name == "resources.arsc" or name.startswith("res/raw/")


def must_deflate(name):
    return name.startswith("classes") and name.endswith(".dex") and "/" not in name


def rewrite_zip(src, dst):
    """Copy src to dst with sorted entries and fixed metadata.

    Each entry keeps aapt's compression method, except resources.arsc and
    res/raw/* which are always STORED (uncompressed), and classes*.dex, which
    is always DEFLATED."""
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
                if must_deflate(info.filename):
                    method = zipfile.ZIP_DEFLATED
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


def java_sources(folder):
    """Sorted .java files under folder (sorted by relative path, for a fixed javac order)."""
    return sorted(folder.rglob("*.java"), key=lambda p: p.relative_to(folder).as_posix())


def compile_code(app, work, gen, env, toolchain):
    """javac java/ (+ the R.java that aapt wrote into gen/) -> dx -> work/classes.dex.

    stubs/ is compiled on its own first; its classes are only on the classpath."""
    dx_jar, android_jar = toolchain
    classpath = [android_jar, *OKHTTP_JARS]
    stubs = app / "stubs"
    if stubs.is_dir():
        stub_classes = work / "stub-classes"
        stub_classes.mkdir()
        run(["javac", *JAVAC_FLAGS, "-cp", os.pathsep.join(map(str, classpath)),
             "-d", stub_classes, *java_sources(stubs)], env)
        classpath.append(stub_classes)
    sources = java_sources(app / "java") + java_sources(gen)
    if not sources:
        die(f"{app / 'java'} has no .java files")
    classes = work / "classes"
    classes.mkdir()
    run(["javac", *JAVAC_FLAGS, "-cp", os.pathsep.join(map(str, classpath)),
         "-d", classes, *sources], env)
    dex = work / "classes.dex"
    run(["java", "-jar", dx_jar, "--dex", "--output=" + str(dex), classes], env)
    return dex


def build(name, tmp, env, out=OUT, toolchain=None):
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
    code = (app / "java").is_dir()
    if code:
        gen = work / "gen"
        gen.mkdir()
        cmd += ["-m", "-J", gen]
    run(cmd, env)

    if code:
        dex = compile_code(app, work, gen, env, toolchain)
        # aapt add stores the entry under the path as given: run it in work/.
        proc = subprocess.run(["aapt", "add", unsigned.name, dex.name], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            die(f"aapt add classes.dex failed for {name}:\n{proc.stdout}")

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

    toolchain = check_code_tools() if any(has_code(n) for n in names) else None

    env = dict(os.environ, TZ="UTC", LC_ALL="C", SOURCE_DATE_EPOCH="315532800")
    with tempfile.TemporaryDirectory(prefix="pinscan-sample-build-") as tmp:
        for name in names:
            apk = build(name, tmp, env, out, toolchain)
            digest = hashlib.sha256(apk.read_bytes()).hexdigest()
            print(f"{digest}  {apk}  ({apk.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
