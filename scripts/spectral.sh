#!/usr/bin/env bash
# Lints api/openapi.yaml with Spectral's spectral:oas ruleset (.spectral.yaml) and fails on any warning.
#
# The CLI (npm package @stoplight/spectral-cli, pinned below) is installed once with npm into a cache
# directory outside the repository: $SPECTRAL_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/helsekiosk/spectral-VERSION.
# Needs node and npm (scripts/deps.sh --test installs them).
set -euo pipefail
export LANG=C.UTF-8

version=6.15.0
cd "$(dirname "$0")/.."
cache=${SPECTRAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/helsekiosk/spectral-$version}
bin=$cache/node_modules/.bin/spectral

if [[ ! -x $bin ]]; then
  command -v npm >/dev/null || { echo "spectral: npm is missing (apt-get install -y nodejs npm)" >&2; exit 1; }
  echo "spectral: installing @stoplight/spectral-cli@$version into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "@stoplight/spectral-cli@$version" >&2
fi

exec "$bin" lint --ruleset .spectral.yaml --fail-severity=warn "${@:-api/openapi.yaml}"
