#!/usr/bin/env bash
# Prints a Debian-valid package version from git:
#   tag v1.2.3 on HEAD            -> 1.2.3
#   4 commits after tag v1.2.3    -> 1.2.3+git4.gabc1234
#   no v* tag                     -> 0.1.0~git20261201.abc1234 (FyneApp.toml's Version, commit date, short hash)
# A dirty work tree adds +dirty. Outside git: 0.0~unknown.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo 0.0~unknown
  exit 0
fi
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty="+dirty"
if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
  d=${d#v}
  if [[ $d =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
    v="${BASH_REMATCH[1]}+git${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
  else
    v=$d
  fi
else
  base=$(sed -n 's/^ *Version *= *"\([0-9][0-9.]*\)".*/\1/p' FyneApp.toml | head -1)
  v="${base:-0.0}~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d).$(git rev-parse --short=7 HEAD)"
fi
v="${v//-/.}${dirty}"
[[ $v =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "version.sh: not a Debian version: $v" >&2; exit 1; }
echo "$v"
