#!/usr/bin/env bash
# Fetch Microsoft's SARIF Multitool for Linux (npm: @microsoft/sarif-multitool-linux), which
# carries the official SARIF 2.1.0 JSON schema (sarif-2.1.0.json) and validates a log against
# it and against GitHub code scanning's ingestion rules. Into a cache outside the repository:
#   ${PINSCAN_SARIF_CACHE:-$HOME/.cache/pinscan/sarif-multitool}/package/{Sarif.Multitool,sarif-2.1.0.json}
# Idempotent; the tests that need it are skipped, and say so, when it is missing.
set -euo pipefail
VERSION=5.7.0
CACHE="${PINSCAN_SARIF_CACHE:-$HOME/.cache/pinscan/sarif-multitool}"
if [ -x "$CACHE/package/Sarif.Multitool" ] && [ -f "$CACHE/package/sarif-2.1.0.json" ]; then
  echo "Sarif.Multitool: $CACHE/package/Sarif.Multitool"
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_sarif_multitool.sh: npm not found" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent --ignore-scripts "@microsoft/sarif-multitool-linux@$VERSION" >/dev/null)
mkdir -p "$CACHE"
tar xzf "$work"/microsoft-sarif-multitool-linux-*.tgz -C "$CACHE"
chmod +x "$CACHE/package/Sarif.Multitool"
echo "Sarif.Multitool: $CACHE/package/Sarif.Multitool"
