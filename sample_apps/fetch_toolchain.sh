#!/usr/bin/env bash
# Fetch the two Android build tools that Debian 12 no longer ships, for the sample apps
# that have code (sample_apps/apps/<name>/java/):
#   dalvik-exchange     -> dx.jar       (Java 8 class files -> classes.dex)
#   libandroid-23-java  -> android.jar  (API 23 stubs to compile against)
# Both come from Debian 11 ("bullseye"). apt's ordinary client downloads them with a
# private sources list and private state/cache directories, so the system's apt
# configuration is left alone; the .debs are unpacked with dpkg-deb -x, not installed.
#
# Cache: ${PINSCAN_TOOLCHAIN_CACHE:-$HOME/.cache/pinscan/toolchain} (outside the repository).
# Idempotent: whatever is already there is not fetched again.
# Prints the paths of dx.jar and android.jar on success.
set -euo pipefail

CACHE="${PINSCAN_TOOLCHAIN_CACHE:-$HOME/.cache/pinscan/toolchain}"
ROOT="$CACHE/root"
DX_JAR="$ROOT/usr/lib/android-sdk/build-tools/debian/lib/dx.jar"
ANDROID_JAR="$ROOT/usr/lib/android-sdk/platforms/android-23/android.jar"
PACKAGES=(dalvik-exchange libandroid-23-java)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

if [ -f "$DX_JAR" ] && [ -f "$ANDROID_JAR" ]; then
  echo "dx.jar: $DX_JAR"
  echo "android.jar: $ANDROID_JAR"
  exit 0
fi

command -v apt-get >/dev/null || { echo "fetch_toolchain.sh: apt-get not found (Debian needed)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "fetch_toolchain.sh: dpkg-deb not found" >&2; exit 1; }

mkdir -p "$CACHE/lists/partial" "$CACHE/apt-cache/archives/partial" "$CACHE/debs" "$ROOT"
: >> "$CACHE/status"   # an empty dpkg status: nothing of bullseye counts as installed

# The bullseye archive key is in Debian 12's debian-archive-keyring; fall back to
# [trusted=yes] only if that keyring is missing.
if [ -f "$KEYRING" ]; then
  source_line="deb [signed-by=$KEYRING] http://deb.debian.org/debian bullseye main"
else
  source_line="deb [trusted=yes] http://deb.debian.org/debian bullseye main"
fi
echo "$source_line" > "$CACHE/bullseye.list"

apt_opts=(
  -o "Dir::Etc::SourceList=$CACHE/bullseye.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$CACHE/lists"
  -o "Dir::Cache=$CACHE/apt-cache"
  -o "Dir::State::status=$CACHE/status"
  -o "Debug::NoLocking=1"
)
# apt drops root to the _apt user for downloads; it cannot write into a root-owned cache.
if [ "$(id -u)" -eq 0 ]; then
  apt_opts+=(-o "APT::Sandbox::User=root")
fi

need_download=()
for package in "${PACKAGES[@]}"; do
  compgen -G "$CACHE/debs/${package}_*.deb" >/dev/null || need_download+=("$package")
done

if [ ${#need_download[@]} -gt 0 ]; then
  if ! compgen -G "$CACHE/lists/*_Packages*" >/dev/null; then
    apt-get "${apt_opts[@]}" -qq update
  fi
  # apt-get download writes into the current directory.
  (cd "$CACHE/debs" && apt-get "${apt_opts[@]}" -qq download "${need_download[@]}")
fi

for package in "${PACKAGES[@]}"; do
  deb=$(compgen -G "$CACHE/debs/${package}_*.deb" | sort | tail -n 1)
  [ -n "$deb" ] || { echo "fetch_toolchain.sh: $package was not downloaded" >&2; exit 1; }
  dpkg-deb -x "$deb" "$ROOT"
done

for f in "$DX_JAR" "$ANDROID_JAR"; do
  [ -f "$f" ] || { echo "fetch_toolchain.sh: $f missing after unpacking" >&2; exit 1; }
done
echo "dx.jar: $DX_JAR"
echo "android.jar: $ANDROID_JAR"
