#!/usr/bin/env bash
# Installs the Debian packages Helsekiosk needs for building and testing, when missing.
#
#   gcc, libc6-dev, pkg-config,
#   libgl1-mesa-dev, xorg-dev       - cgo toolchain and headers for Fyne's OpenGL/GLFW driver
#   libxss-dev                      - X screen-saver extension: the kiosk reads input idleness (internal/kiosk/xidle)
#   xvfb                            - virtual X display for the UI smoke test
#   xdotool, imagemagick            - window lookup and screenshots (smoke test, make screenshot)
#   espeak-ng                       - read aloud (internal/kiosk/speech; Norwegian voice "nb")
#   alsa-utils                      - aplay: speech and the guidance tone to a configured ALSA device
#                                     (speech_device, a headset socket) and the tone on the default output
#   fonts-noto-color-emoji          - emoji in messages: the kiosk is built with -tags no_emoji (Fyne's own
#                                     emoji font left out, docs/startup.md) and takes them from this font
#   sox (only with --test)          - the speech smoke test checks the kiosk's WAV files (sox FILE -n stat);
#                                     by hand: soxi, sox --i
#   chromium (only with --test)     - headless browser for the backend's staff page test, and the login on
#                                     the kiosk's tests (internal/kiosk/browser, ui, cmd/helsekiosk)
#   x11-xkb-utils (--test)          - setxkbmap: the login window's key test on a Norwegian keymap (AltGr)
#   lintian, debootstrap (--test)   - the package test (make deb-test: lintian, a clean Debian chroot)
#   nodejs, npm (--test)            - Spectral, the contract's linter (scripts/spectral.sh); oidc-provider, the
#                                     interop tests' second OP (internal/testkit/nodeop, npm ci on first use)
#   postgresql (--test)             - the backend's tests on PostgreSQL (internal/server/backend/pgtest: a private
#                                     cluster with initdb in a temp dir) and make load against two replicas
#   cage, xwayland, grim, x11-utils,
#   wtype (--test)                  - the escape test and make idle-cost: the kiosk session under cage (grim
#                                     takes cage's output, xdpyinfo lists Xwayland's extensions; wtype only
#                                     probes cage for the virtual-keyboard protocol)
#   gdb (--test)                    - gcore, for the memory-dump test after logout (cmd/helsekiosk/memory_test.go)
#
# Quiet when everything is present. As root it installs what is missing
# (one apt-get update, non-interactive); otherwise it prints the command to run and exits 1.
set -euo pipefail
export LANG=C.UTF-8

packages=(gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev libxss-dev xvfb xdotool imagemagick espeak-ng alsa-utils fonts-noto-color-emoji)
[[ ${1:-} == --test ]] && packages+=(sox chromium x11-xkb-utils lintian debootstrap nodejs npm postgresql cage xwayland grim x11-utils wtype gdb)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] && continue
  # A nodejs from another source (NodeSource's package) brings its own npm and conflicts with Debian's.
  [[ $p == npm ]] && command -v npm >/dev/null && continue
  missing+=("$p")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing system packages: ${missing[*]}" >&2
  echo "deps: install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
