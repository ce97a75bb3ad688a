#!/usr/bin/env bash
# Writes the Debian documentation files of both packages into BUILD (make deb calls it):
#   BUILD/doc/PKG/copyright            machine-readable (DEP-5): the project, then every Go module
#                                      compiled into the binary with its licence name and full text
#                                      (Apache-2.0 and MPL-2.0 by reference to /usr/share/common-licenses)
#                                      (from go version -m and the module's licence file in the module cache)
#   BUILD/doc/PKG/changelog.Debian.gz  one entry for VERSION, dated by the last commit
#   BUILD/man/PKG.1.gz
# usage: packaging/docs.sh BUILD VERSION MAINTAINER
set -euo pipefail
build=$1 version=$2 maintainer=$3
cd "$(dirname "$0")/.."
modcache=$(go env GOMODCACHE)
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

# licence NAME for a module directory, guessed from its licence file's text
licence() {
  local f
  f=$(ls "$1"/LICENSE* "$1"/LICENCE* "$1"/COPYING* "$1"/license* 2>/dev/null | head -1 || true)
  [[ -n $f ]] || { echo unknown; return; }
  if grep -q 'Apache License' "$f"; then echo Apache-2.0
  elif grep -q 'Mozilla Public License' "$f"; then echo MPL-2.0
  elif grep -qi 'Permission is hereby granted, free of charge' "$f"; then echo Expat
  elif grep -q 'Neither the name' "$f" || grep -qi 'names of its contributors' "$f"; then echo BSD-3-clause
  elif grep -q 'Redistributions in binary form' "$f"; then echo BSD-2-clause
  elif grep -q 'Permission to use, copy, modify, and/or distribute' "$f"; then echo ISC
  elif grep -qi 'This is free and unencumbered software' "$f"; then echo Unlicense
  else echo other; fi
}

for pkg in helsekiosk helsekiosk-backend; do
  mkdir -p "$build/doc/$pkg" "$build/man"
  out="$build/doc/$pkg/copyright"
  {
    cat <<HEAD
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Helsekiosk
Source: https://github.com/helsekiosk/helsekiosk

Files: *
Copyright: 2026 The Helsekiosk authors
License: Helsekiosk
 The Helsekiosk project has not chosen a licence yet; until it does, all rights are
 reserved by its authors. This package is built for the municipalities' own kiosks.
HEAD
    go version -m "$build/$pkg" | awk '$1 == "dep" { print $2, $3 } $1 == "=>" { print "replace", $2, $3 }' |
      while read -r mod ver; do
        [[ $mod == replace ]] && continue
        dir="$modcache/$(echo "$mod" | sed 's/[A-Z]/!\L&/g')@$ver"
        echo
        echo "Files: compiled-in/$mod"
        echo "Copyright: the authors of $mod $ver"
        lic=$(licence "$dir")
        echo "License: $lic"
        # the module's own licence text (BSD and MIT licences ask for it in binary distributions);
        # Debian's common licences by reference, with the module's NOTICE file if it has one
        f=$(ls "$dir"/LICENSE* "$dir"/LICENCE* "$dir"/COPYING* "$dir"/license* 2>/dev/null | head -1 || true)
        if [[ $lic == Apache-2.0 || $lic == MPL-2.0 ]]; then
          echo " On Debian systems the full text is in /usr/share/common-licenses/$lic."
          if [[ -f $dir/NOTICE ]]; then
            echo " ."
            sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /' "$dir/NOTICE"
          fi
        elif [[ -n $f ]]; then
          sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /' "$f"
        else
          echo " No licence file found in $mod $ver."
        fi
      done
  } > "$out"
  cl="$build/doc/$pkg/changelog.Debian"
  printf '%s (%s-1) unstable; urgency=medium\n\n  * Built from the Helsekiosk repository at commit %s.\n\n -- %s  %s\n' \
    "$pkg" "$version" "$commit" "$maintainer" "$date" > "$cl"
  gzip -9nf "$cl"
  gzip -9nc "packaging/$pkg/$pkg.1" > "$build/man/$pkg.1.gz"
done
