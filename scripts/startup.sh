#!/usr/bin/env bash
# Measures the kiosk's launch-to-first-paint time and its memory (PSS) on a private Xvfb display, and
# prints the figures.
#
#   scripts/startup.sh [-n RUNS] [BINARY]      (default: 5 runs of bin/helsekiosk, built if missing)
#
# Two scenarios: the demo (the reference backend starts in-process, in the background) and a backend that
# is down (--api to a closed port): the welcome screen must be painted as fast either way.
# First paint: from the fork to the first moment the window, grabbed with ImageMagick's import, shows the
# welcome screen (more than 50 colours in the middle band where title and button are; an unpainted GL
# window is one flat colour). The poll itself takes a few ms, so the figure is an upper bound.
# Memory: Pss from /proc/PID/smaps_rollup 3 s after the first paint (the process's fair share of RAM).
# Needs Xvfb, xdotool and ImageMagick (scripts/deps.sh).
set -euo pipefail
export LANG=C.UTF-8
cd "$(dirname "$0")/.."

runs=5
if [[ ${1:-} == -n ]]; then runs=$2; shift 2; fi
bin=${1:-bin/helsekiosk}
if [[ ! -x $bin ]]; then
  echo "startup: building $bin" >&2
  go build -tags migrated_fynedo -o "$bin" ./cmd/helsekiosk
fi
for t in Xvfb xdotool import; do command -v $t >/dev/null || { echo "startup: $t missing (scripts/deps.sh)" >&2; exit 2; }; done

display=""
for n in $(seq 150 199); do
  [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
  display=:$n; break
done
[[ -n $display ]] || { echo "startup: no free display" >&2; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
tmp=$(mktemp -d)
app=""
cleanup() { [[ -n $app ]] && kill "$app" 2>/dev/null; kill "$xvfb" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
sleep 1
export DISPLAY=$display

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# stop: SIGTERM (Fyne quits the app), SIGKILL after 5 s.
stop() {
  kill "$app" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  app=""
}

# measure ARGS...: prints "paint_ms pss_kib"
measure() {
  local t0 t1 win="" colours pss
  t0=$(now_ms)
  "$bin" --config-dir "$tmp/cfg" "$@" >/dev/null 2>&1 &
  app=$!
  while :; do
    kill -0 "$app" 2>/dev/null || { echo "startup: the kiosk exited" >&2; exit 1; }
    if [[ -z $win ]]; then
      win=$(xdotool search --onlyvisible --name '^Helsekiosk' 2>/dev/null | head -1 || true)
    fi
    if [[ -n $win ]]; then
      colours=$(import -window "$win" -crop 1280x300+0+200 +repage -format '%k' info: 2>/dev/null || echo 0)
      if (( colours > 50 )); then t1=$(now_ms); break; fi
    fi
    if (( $(now_ms) - t0 > 20000 )); then echo "startup: no paint within 20 s" >&2; exit 1; fi
  done
  sleep 3
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$app/smaps_rollup")
  stop >/dev/null
  echo "$((t1 - t0)) $pss"
}

stats() { # numbers on stdin → "median (min–max)"
  sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:int((a[NR/2]+a[NR/2+1])/2); printf "%d (%d–%d)", m, a[1], a[NR]}'
}

printf 'Helsekiosk startup, %d runs each, on %s (%s CPUs), Xvfb 1280x800\n' "$runs" "$(uname -m)" "$(nproc)"
printf '%-34s %-26s %s\n' "scenario" "first paint ms, median (min–max)" "PSS MiB, median"
for scenario in demo down; do
  case $scenario in
    demo) args=(--lang nn); label="demo (in-process backend)";;
    down) args=(--lang nn --api http://127.0.0.1:9); label="backend down (--api closed port)";;
  esac
  "$bin" --config-dir "$tmp/cfg" "${args[@]}" >/dev/null 2>&1 & app=$!; sleep 3; stop # warm the page cache
  : >"$tmp/p"; : >"$tmp/m"
  for _ in $(seq "$runs"); do
    read -r p m < <(measure "${args[@]}")
    echo "$p" >>"$tmp/p"; echo "$m" >>"$tmp/m"
  done
  pm=$(stats <"$tmp/p")
  mm=$(awk '{print int($1/1024*10)}' "$tmp/m" | stats | awk '{printf "%.1f", $1/10}')
  printf '%-34s %-26s %s\n' "$label" "$pm" "$mm"
done
