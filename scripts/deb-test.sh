#!/usr/bin/env bash
# The package test (make deb-test): checks the two .deb files, then installs them into a clean Debian
# root, removes them and purges them again.
#
#   scripts/deb-test.sh dist/helsekiosk_V-1_amd64.deb dist/helsekiosk-backend_V-1_amd64.deb
#
# 1. dpkg-deb --info/--contents: the fields, the dependencies, the file list, the conffiles.
# 2. lintian: no errors (warnings and info are printed; the packages ship their overrides).
# 3. A chroot made with debootstrap --variant=minbase (the host's Debian release, from the host's own
#    apt sources; made once and kept in $HK_DEB_TEST_CACHE, default ${TMPDIR:-/tmp}/helsekiosk-deb-test-cache,
#    with the downloaded .debs, so later runs need no download). In a fresh copy of it:
#    - the packages' dependencies from apt (apt-get satisfy), then a snapshot of the tree;
#    - dpkg -i: the files are there, the helsekiosk system user and its 0700 home, the units present,
#      valid (systemd-analyze verify) and enabled; no service is started (policy-rc.d, no systemd running);
#    - dpkg -r: nothing left but the conffiles, the unit enablement/mask state debhelper keeps until purge,
#      the helsekiosk user and its /var/lib/helsekiosk (the local store);
#    - dpkg -P: the tree is as in the snapshot, the user and group are gone.
# Needs root (chroot, mount). Not root: says so and skips (exit 0). A missing tool skips too, but
# fails under CI=true. Everything it prints is also kept in dist/deb-test/ (run.log, lintian.txt,
# contents-*.txt).
set -euo pipefail
export LANG=C.UTF-8 LC_ALL=C.UTF-8

kiosk_deb=${1:?usage: deb-test.sh KIOSK.deb BACKEND.deb}
backend_deb=${2:?usage: deb-test.sh KIOSK.deb BACKEND.deb}
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/dist/deb-test
cache=${HK_DEB_TEST_CACHE:-${TMPDIR:-/tmp}/helsekiosk-deb-test-cache}

skip() {
  if [[ ${CI:-} == true ]]; then
    echo "deb-test: FAIL: $*" >&2
    exit 1
  fi
  echo "deb-test: skipped: $*"
  exit 0
}

if [[ $(id -u) -ne 0 ]]; then
  echo "deb-test: skipped: needs root (debootstrap, chroot, mount); run: sudo make deb-test"
  exit 0
fi
for tool in dpkg-deb lintian debootstrap chroot mount apt-get; do
  command -v "$tool" >/dev/null || skip "$tool is missing (scripts/deps.sh --test installs it)"
done
for f in "$kiosk_deb" "$backend_deb"; do
  [[ -f $f ]] || { echo "deb-test: FAIL: $f not found (make deb builds it)" >&2; exit 1; }
done
kiosk_deb=$(realpath "$kiosk_deb")
backend_deb=$(realpath "$backend_deb")

mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1

passed=0 failed=0
ok() { echo "  ok   $*"; passed=$((passed + 1)); }
bad() { echo "  FAIL $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

# --- 1. the package files -------------------------------------------------------------------------
kiosk_files=(
  ./usr/bin/helsekiosk
  ./lib/systemd/system/helsekiosk.service
  ./lib/systemd/system/helsekiosk-out-of-order.service
  ./usr/lib/systemd/logind.conf.d/50-helsekiosk.conf
  ./usr/lib/sysctl.d/50-helsekiosk.conf
  ./usr/share/X11/xorg.conf.d/50-helsekiosk.conf
  ./usr/share/helsekiosk/out-of-order.png
  ./usr/share/icons/hicolor/512x512/apps/helsekiosk.png
  ./usr/share/applications/helsekiosk.desktop
  ./etc/helsekiosk/config.toml
  ./usr/share/doc/helsekiosk/copyright
  ./usr/share/doc/helsekiosk/changelog.Debian.gz
  ./usr/share/doc/helsekiosk/kiosk-setup.md
  ./usr/share/man/man1/helsekiosk.1.gz
  ./usr/share/lintian/overrides/helsekiosk
)
backend_files=(
  ./usr/bin/helsekiosk-backend
  ./lib/systemd/system/helsekiosk-backend.service
  ./etc/helsekiosk-backend/defaults
  ./usr/share/doc/helsekiosk-backend/copyright
  ./usr/share/doc/helsekiosk-backend/changelog.Debian.gz
  ./usr/share/man/man1/helsekiosk-backend.1.gz
  ./usr/share/lintian/overrides/helsekiosk-backend
)
kiosk_depends=(libc6 libgl1 libx11-6 libxss1 espeak-ng cage xwayland swayimg adduser libpam-systemd)
backend_depends=(libc6)

check_deb() { # check_deb DEB PACKAGE CONFFILE FILES... -- DEPENDS...
  local deb=$1 pkg=$2 conffile=$3
  shift 3
  local files=() deps=()
  while [[ $1 != -- ]]; do files+=("$1"); shift; done
  shift
  deps=("$@")
  echo "== $pkg: $(basename "$deb")"
  dpkg-deb --info "$deb"
  dpkg-deb --contents "$deb" | tee "$out/contents-$pkg.txt"
  local listed
  listed=$(dpkg-deb --contents "$deb" | awk '{print $6}')
  check "$pkg: Package field" test "$(dpkg-deb -f "$deb" Package)" = "$pkg"
  check "$pkg: Architecture amd64" test "$(dpkg-deb -f "$deb" Architecture)" = amd64
  check "$pkg: a Debian version" dpkg --validate-version "$(dpkg-deb -f "$deb" Version)"
  local f d
  for f in "${files[@]}"; do
    check "$pkg: ships $f" grep -qxF "$f" <<<"$listed"
  done
  local depends
  depends=$(dpkg-deb -f "$deb" Depends)
  for d in "${deps[@]}"; do
    check "$pkg: depends on $d" grep -qE "(^|, )$d( |,|$)" <<<"$depends"
  done
  check "$pkg: conffiles are exactly $conffile" test "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" = "$conffile"
  check "$pkg: binary is a PIE (ELF type DYN)" test "$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/$pkg | od -An -j16 -N2 -tx1 | tr -d ' ')" = 0300
}
check_deb "$kiosk_deb" helsekiosk /etc/helsekiosk/config.toml "${kiosk_files[@]}" -- "${kiosk_depends[@]}"
check_deb "$backend_deb" helsekiosk-backend /etc/helsekiosk-backend/defaults "${backend_files[@]}" -- "${backend_depends[@]}"

# --- 2. lintian -------------------------------------------------------------------------------------
echo "== lintian"
set +e
lintian --display-level '>=pedantic' --fail-on error "$kiosk_deb" "$backend_deb" 2>&1 | grep -v 'root privileges is not recommended' | tee "$out/lintian.txt"
lintian_rc=${PIPESTATUS[0]}
set -e
if [[ $lintian_rc -eq 0 ]] && ! grep -q '^E: ' "$out/lintian.txt"; then
  ok "lintian: no errors ($(grep -c '^W: ' "$out/lintian.txt" || true) warnings, $(grep -c '^I: ' "$out/lintian.txt" || true) info, $(grep -c '^P: ' "$out/lintian.txt" || true) pedantic)"
else
  bad "lintian: errors (exit $lintian_rc)"
fi

# --- 3. install, remove and purge in a debootstrap chroot ------------------------------------------
suite=${HK_DEB_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
[[ -n $suite ]] || skip "cannot tell the host's Debian release (set HK_DEB_SUITE)"
mirror=${HK_DEB_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' 2>/dev/null |
  awk -v s="$suite" '$2 == s { print $1; exit }')}
mirror=${mirror%/}
base=$cache/$suite-minbase
mkdir -p "$cache/archives/partial"
if [[ ! -x $base/usr/bin/apt-get ]]; then
  [[ -n $mirror ]] || skip "no apt source for $suite on the host (set HK_DEB_MIRROR)"
  echo "== debootstrap --variant=minbase $suite (once; kept in $base)"
  rm -rf "$base.tmp"
  start=$SECONDS
  debootstrap --variant=minbase --cache-dir="$cache/archives" "$suite" "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; echo "deb-test: FAIL: debootstrap (log: $cache/debootstrap.log)"; exit 1; }
  mv "$base.tmp" "$base"
  echo "   took $((SECONDS - start)) s"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/helsekiosk-deb-test.XXXXXX")
cleanup() {
  for m in var/cache/apt/archives dev proc; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
echo "== a fresh copy of $base in $root"
cp -a "$base/." "$root/"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mkdir -p "$root/var/cache/apt/archives"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
# The host's apt sources (release, updates, security) and keyrings, so the chroot sees what the host sees.
if [[ -e /etc/apt/sources.list ]] || compgen -G '/etc/apt/sources.list.d/*' >/dev/null; then
  rm -f "$root/etc/apt/sources.list"
  cp -a /etc/apt/sources.list "$root/etc/apt/" 2>/dev/null || true
  cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null || true
fi
cp -a /etc/apt/trusted.gpg.d/. "$root/etc/apt/trusted.gpg.d/" 2>/dev/null || true
# No service starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$kiosk_deb" "$root/tmp/helsekiosk.deb"
cp "$backend_deb" "$root/tmp/helsekiosk-backend.deb"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

echo "== the dependencies (apt-get satisfy)"
start=$SECONDS
in_root apt-get update -qq
in_root apt-get satisfy -y -qq --no-install-recommends \
  "$(dpkg-deb -f "$kiosk_deb" Depends), $(dpkg-deb -f "$backend_deb" Depends)" >"$out/apt.log" 2>&1 ||
  { tail -30 "$out/apt.log"; bad "dependencies install"; exit 1; }
ok "dependencies installed from apt ($((SECONDS - start)) s)"

# snapshot: every path with its type, mode, owner and link target, except what only apt, dpkg, logs
# and the shadow files' backups change.
snapshot() {
  (cd "$root" && find . -xdev \
    \( -path ./proc -o -path ./dev -o -path ./run -o -path ./tmp -o -path ./var/cache -o -path ./var/log \
    -o -path ./var/lib/apt -o -path ./var/lib/dpkg \) -prune -o \
    ! -name 'passwd-' ! -name 'group-' ! -name 'shadow-' ! -name 'gshadow-' \
    -printf '%p %y %m %u:%g %l\n' | sort)
}
accounts() { cat "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"; }
snapshot >"$out/tree-before.txt"
accounts >"$out/accounts-before.txt"

echo "== dpkg -i"
if in_root dpkg -i /tmp/helsekiosk.deb /tmp/helsekiosk-backend.deb; then ok "dpkg -i both packages"; else bad "dpkg -i both packages"; fi
check "dpkg: helsekiosk installed" sh -c "chroot '$root' dpkg-query -W -f='\${Status}' helsekiosk | grep -qx 'install ok installed'"
check "dpkg: helsekiosk-backend installed" sh -c "chroot '$root' dpkg-query -W -f='\${Status}' helsekiosk-backend | grep -qx 'install ok installed'"
for f in "${kiosk_files[@]}" "${backend_files[@]}"; do
  check "installed: ${f#.}" test -e "$root/${f#./}"
done
user=$(in_root getent passwd helsekiosk || true)
echo "   user: $user"
IFS=: read -r _ _ uid gid _ home shell <<<"$user"
check "user helsekiosk exists" test -n "$user"
check "user helsekiosk is a system user (uid $uid < 1000)" test "${uid:-1000}" -lt 1000
check "user helsekiosk: home /var/lib/helsekiosk" test "$home" = /var/lib/helsekiosk
check "user helsekiosk: no login shell ($shell)" test "$shell" = /usr/sbin/nologin
check "group helsekiosk exists" sh -c "chroot '$root' getent group helsekiosk"
check "/var/lib/helsekiosk: 0700 helsekiosk:helsekiosk" test "$(stat -c '%a %u:%g' "$root/var/lib/helsekiosk" 2>/dev/null)" = "700 $uid:$gid"
check "unit enabled: graphical.target.wants/helsekiosk.service" test "$(readlink "$root/etc/systemd/system/graphical.target.wants/helsekiosk.service")" = /lib/systemd/system/helsekiosk.service
check "unit enabled: multi-user.target.wants/helsekiosk-backend.service" test "$(readlink "$root/etc/systemd/system/multi-user.target.wants/helsekiosk-backend.service")" = /lib/systemd/system/helsekiosk-backend.service
check "out-of-order unit not enabled" test -z "$(find "$root/etc/systemd/system" -name 'helsekiosk-out-of-order.service')"
check "conffile /etc/helsekiosk/config.toml is registered" sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' helsekiosk | grep -q /etc/helsekiosk/config.toml"
check "conffile /etc/helsekiosk-backend/defaults is registered" sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' helsekiosk-backend | grep -q /etc/helsekiosk-backend/defaults"
if in_root test -x /usr/bin/systemd-analyze; then
  for u in helsekiosk.service helsekiosk-out-of-order.service helsekiosk-backend.service; do
    if v=$(in_root systemd-analyze verify "/lib/systemd/system/$u" 2>&1); then
      ok "systemd-analyze verify $u${v:+ (said: $(echo "$v" | tr '\n' ' '))}"
    else
      bad "systemd-analyze verify $u: $v"
    fi
  done
fi
check "the kiosk binary's libraries resolve" sh -c "! chroot '$root' ldd /usr/bin/helsekiosk | grep -q 'not found'"
check "helsekiosk-backend runs (--help)" sh -c "chroot '$root' /usr/bin/helsekiosk-backend --help 2>&1 | grep -q -- -addr"

echo "== dpkg -r"
if in_root dpkg -r helsekiosk helsekiosk-backend; then ok "dpkg -r both packages"; else bad "dpkg -r both packages"; fi
snapshot >"$out/tree-removed.txt"
left=$(comm -13 "$out/tree-before.txt" "$out/tree-removed.txt" | awk '{print $1}')
echo "   left after remove:"
sed 's/^/     /' <<<"$left"
allowed='^\./(etc/helsekiosk|etc/helsekiosk/config\.toml|etc/helsekiosk-backend|etc/helsekiosk-backend/defaults|var/lib/helsekiosk|etc/systemd/system/(helsekiosk|helsekiosk-backend)\.service|etc/systemd/system/(graphical|multi-user)\.target\.wants(/helsekiosk(-backend)?\.service)?|var/lib/systemd/deb-systemd-helper-(enabled|masked)(/.*)?)$'
unexpected=$(grep -vE "$allowed" <<<"$left" || true)
check "remove leaves only the conffiles, the unit state and /var/lib/helsekiosk${unexpected:+ (also: $(echo $unexpected))}" test -z "$unexpected"
check "remove: the conffiles stay" test -f "$root/etc/helsekiosk/config.toml" -a -f "$root/etc/helsekiosk-backend/defaults"
check "remove: the binaries are gone" test ! -e "$root/usr/bin/helsekiosk" -a ! -e "$root/usr/bin/helsekiosk-backend"
check "remove: the user helsekiosk stays" sh -c "chroot '$root' getent passwd helsekiosk"
check "remove: the session unit is masked" test "$(readlink "$root/etc/systemd/system/helsekiosk.service")" = /dev/null

echo "== dpkg -P"
if in_root dpkg -P helsekiosk helsekiosk-backend; then ok "dpkg -P both packages"; else bad "dpkg -P both packages"; fi
snapshot >"$out/tree-purged.txt"
accounts >"$out/accounts-purged.txt"
if diff -u "$out/tree-before.txt" "$out/tree-purged.txt"; then
  ok "purge: the tree is as before the install"
else
  bad "purge: the tree differs from before the install (diff above)"
fi
check "purge: the user helsekiosk is gone" sh -c "! chroot '$root' getent passwd helsekiosk"
check "purge: the group helsekiosk is gone" sh -c "! chroot '$root' getent group helsekiosk"
if diff -u "$out/accounts-before.txt" "$out/accounts-purged.txt"; then
  ok "purge: passwd, group, shadow and gshadow as before"
else
  bad "purge: the account files differ (diff above)"
fi

echo
echo "deb-test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
