#!/usr/bin/env bash
# Measures the kiosk's launch-to-first-paint time and its memory (PSS) on a private Xvfb display, side by
# side with Chromium --kiosk showing a static page of the same welcome screen on the same display, and
# prints the figures and the ratios kiosk/Chromium.
#
#   scripts/startup.sh [-n RUNS] [BINARY]      (default: 3 runs each of bin/helsekiosk, built if missing)
#
# Scenarios: the kiosk's demo (the reference backend starts in-process, in the background), the kiosk with
# a backend that is down (--api to a closed port: the welcome screen must be painted as fast either way),
# and Chromium. The runs are interleaved (demo, down, Chromium, demo, down, Chromium, …) so that a machine
# that others load weighs on both sides alike; the ratios are of the medians.
# First paint: from the fork to the first moment the window, grabbed with ImageMagick's import, shows the
# welcome screen (more than 50 colours in the middle band where title and button are; an unpainted window
# is one flat colour). The poll itself takes a few ms, so the figure is an upper bound, on both sides.
# CPU to first paint: the user+system CPU time the program's processes had used at that moment
# (/proc/PID/stat): the work done to paint, which others' load on the machine changes far less than the
# wall-clock time.
# Memory, 3 s after the first paint, over the program's processes: the kiosk and its children (none in the
# demo); Chromium's browser, zygotes, GPU, utility and renderer processes and its crash handler (every
# process whose command line names the run's own --user-data-dir).
#   PSS        Pss from /proc/PID/smaps_rollup, summed (each process's fair share of RAM). A page shared
#              with a process outside the program counts in part: other Chromiums or Mesa programs that
#              others run on the machine lower it, so it moves with the machine's other work.
#   footprint  the physical pages resident in any of the program's processes, each counted once (from
#              /proc/PID/pagemap: needs root and python3, else left out): what the program holds alone,
#              whatever else runs.
# Chromium: Debian's chromium (scripts/deps.sh --test), a fresh profile each run, no first-run dialogs,
# background networking, component updates or sync; --no-sandbox as root (Chromium refuses root otherwise)
# or where unprivileged user namespaces are off. Its page is docs/screenshots/welcome-nn.png with the
# screen's two lines of text, as in scripts/idle-cost.sh. STARTUP_CHROMIUM=0 leaves Chromium out.
# Needs Xvfb, xdotool and ImageMagick (scripts/deps.sh).
set -euo pipefail
export LANG=C.UTF-8
cd "$(dirname "$0")/.."

runs=3
if [[ ${1:-} == -n ]]; then runs=$2; shift 2; fi
bin=${1:-bin/helsekiosk}
if [[ ! -x $bin ]]; then
  echo "startup: building $bin" >&2
  go build -tags migrated_fynedo,no_emoji -o "$bin" ./cmd/helsekiosk
fi
for t in Xvfb xdotool import; do command -v $t >/dev/null || { echo "startup: $t missing (scripts/deps.sh)" >&2; exit 2; }; done
chromium=""
if [[ ${STARTUP_CHROMIUM:-1} != 0 ]]; then
  chromium=$(command -v chromium || true)
  [[ -n $chromium ]] || echo "startup: chromium missing (scripts/deps.sh --test): the kiosk's figures only" >&2
fi

display=""
for n in $(seq 150 199); do
  [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
  display=:$n; break
done
[[ -n $display ]] || { echo "startup: no free display" >&2; exit 1; }
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
tmp=$(mktemp -d /tmp/helsekiosk-startup-XXXXXX)
app=""
cleanup() { [[ -n $app ]] && stop; kill "$xvfb" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done
export DISPLAY=$display

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# procs: $app, its descendants, and every process whose command line names $tmp/run (Chromium's crash
# handler, which is not a child of the browser).
procs() {
  local -A seen=()
  local queue=("$app") p d
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    [[ -n ${seen[$p]:-} || ! -d /proc/$p ]] && continue
    seen[$p]=1
    for d in $(cat /proc/"$p"/task/*/children 2>/dev/null); do queue+=("$d"); done
  done
  for d in $(grep -alsE "$tmp/ru[n]/" /proc/[0-9]*/cmdline || true); do # [n]: not grep's own command line
    p=${d#/proc/}; p=${p%/cmdline}
    seen[$p]=1
  done
  printf '%s\n' "${!seen[@]}"
}

# stop: SIGTERM to the program's processes (Fyne quits the app, Chromium its children), SIGKILL after 5 s.
stop() {
  local all p
  all=$(procs)
  for p in $all; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
  for p in $all; do kill -9 "$p" 2>/dev/null || true; done
  wait "$app" 2>/dev/null || true
  app=""
  rm -rf "$tmp/run"
}

# The static page Chromium shows: the welcome screen as the kiosk paints it, and its text.
mkdir -p "$tmp/page"
cp docs/screenshots/welcome-nn.png "$tmp/page/welcome.png"
cat >"$tmp/page/index.html" <<'HTML'
<!doctype html>
<html lang="nn" translate="no"><head><meta charset="utf-8"><meta name="google" content="notranslate"><title>Helsekiosk</title>
<style>
  html, body { margin: 0; height: 100%; background: #f6f8fb; font-family: sans-serif; overflow: hidden; }
  img { display: block; width: 100vw; height: calc(100vh - 3em); object-fit: contain; }
  p { margin: 0; text-align: center; line-height: 1.5em; color: #1b2230; }
</style></head>
<body>
  <img src="welcome.png" alt="Helsekiosk">
  <p>Helsekiosk – kommunikasjon med helse- og omsorgstenesta.</p>
  <p>Spør gjerne ein tilsett her på servicesenteret – vi hjelper deg med kiosken.</p>
</body></html>
HTML
sandbox=()
if [[ $(id -u) -eq 0 || $(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1) == 0 ]] ||
  ! unshare --user true 2>/dev/null; then
  sandbox=(--no-sandbox)
fi

# start SCENARIO: starts the program of SCENARIO in the background as $app, in a fresh $tmp/run.
start() {
  mkdir -p "$tmp/run"
  case $1 in
    demo) "$bin" --config-dir "$tmp/cfg" --lang nn >/dev/null 2>&1 & ;;
    down) "$bin" --config-dir "$tmp/cfg" --lang nn --api http://127.0.0.1:9 >/dev/null 2>&1 & ;;
    chromium)
      "$chromium" --kiosk "file://$tmp/page/index.html" --user-data-dir="$tmp/run/profile" \
        --no-first-run --noerrdialogs --disable-extensions --disable-background-networking \
        --disable-component-update --disable-sync --disable-features=Translate,TranslateUI \
        --password-store=basic --ozone-platform=x11 "${sandbox[@]}" >/dev/null 2>&1 & ;;
  esac
  app=$!
}

# footprint PID...: KiB of the physical pages resident in any of PIDs, each counted once; 0 when pagemap
# shows no page frames (not root) or python3 is missing.
footprint() {
  command -v python3 >/dev/null || { echo 0; return; }
  python3 - "$@" <<'PY'
import struct, sys
pfns = set()
for pid in sys.argv[1:]:
    try:
        smaps = open(f"/proc/{pid}/smaps").read().splitlines()
        pm = open(f"/proc/{pid}/pagemap", "rb")
    except OSError:
        continue
    rng = None
    for line in smaps:
        f = line.split()
        if "-" in f[0] and not f[0].endswith(":"):
            a, b = (int(x, 16) for x in f[0].split("-"))
            rng = None if line.endswith("[vsyscall]") else (a, b)
        elif f[0] == "Rss:" and rng and int(f[1]) > 0:
            a, b = rng
            try:
                pm.seek(a // 4096 * 8)
                buf = pm.read((b - a) // 4096 * 8)
            except OSError:
                continue
            for (e,) in struct.iter_unpack("<Q", buf):
                if e >> 63 and e & ((1 << 55) - 1):
                    pfns.add(e & ((1 << 55) - 1))
print(len(pfns) * 4)
PY
}

# cpu_ms PID...: the user+system CPU time of PIDs, in ms
cpu_ms() {
  local p t=0 v
  for p in "$@"; do
    # fields 14 and 15 (utime, stime) after the ")" that ends the command name
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || true)
    t=$((t + ${v:-0}))
  done
  echo $((t * 1000 / tck))
}
tck=$(getconf CLK_TCK)

# measure SCENARIO: prints "paint_ms pss_kib footprint_kib processes cpu_ms"
measure() {
  local t0 t1 win="" colours pss=0 n=0 p v all cpu
  t0=$(now_ms)
  start "$1"
  while :; do
    kill -0 "$app" 2>/dev/null || { echo "startup: $1 exited before its first paint" >&2; stop; return 1; }
    if [[ -z $win ]]; then
      win=$(xdotool search --onlyvisible --name '^Helsekiosk' 2>/dev/null | head -1 || true)
    fi
    if [[ -n $win ]]; then
      colours=$(import -window "$win" -crop 1280x300+0+200 +repage -format '%k' info: 2>/dev/null || echo 0)
      if (( colours > 50 )); then
        t1=$(now_ms)
        # shellcheck disable=SC2046
        cpu=$(cpu_ms $(procs))
        break
      fi
    fi
    if (( $(now_ms) - t0 > 30000 )); then echo "startup: $1: no paint within 30 s" >&2; stop; return 1; fi
  done
  sleep 3
  all=$(procs)
  for p in $all; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    [[ -n $v ]] || continue
    pss=$((pss + v)); n=$((n + 1))
  done
  # shellcheck disable=SC2086
  v=$(footprint $all)
  stop
  echo "$((t1 - t0)) $pss $v $n $cpu"
}

stats() { # numbers on stdin → "median (min–max)"
  sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%d (%d–%d)", m, a[1], a[NR]}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

scenarios=(demo down)
[[ -n $chromium ]] && scenarios+=(chromium)
for s in "${scenarios[@]}"; do # warm the page cache
  start "$s"; sleep 3; stop
  : >"$tmp/$s.p"; : >"$tmp/$s.m"; : >"$tmp/$s.f"; : >"$tmp/$s.n"; : >"$tmp/$s.c"
done
for i in $(seq "$runs"); do
  for s in "${scenarios[@]}"; do
    # One more try when a start fails (a loaded machine has made Chromium's browser process exit at start).
    out=$(measure "$s") || out=$(measure "$s") || { echo "startup: $s failed twice" >&2; exit 1; }
    read -r p m f n c <<<"$out"
    echo "$p" >>"$tmp/$s.p"; echo "$m" >>"$tmp/$s.m"; echo "$f" >>"$tmp/$s.f"; echo "$n" >>"$tmp/$s.n"; echo "$c" >>"$tmp/$s.c"
    echo "startup: run $i $s: first paint $p ms (CPU $c ms), PSS $((m / 1024)) MiB, footprint $((f / 1024)) MiB ($n processes)" >&2
  done
done
has_fp=$(median <"$tmp/demo.f")

printf 'Helsekiosk startup beside Chromium --kiosk, %d runs each (interleaved), on %s (%s CPUs, load %s), Xvfb 1280x800, %s\n' \
  "$runs" "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u '+%Y-%m-%d %H:%M UTC')"
mib() { # KiB on stdin → "median (min–max)" in MiB
  awk '{printf "%.1f\n", $1/1024}' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f (%.1f–%.1f)", m, a[1], a[NR]}'
}
printf '%-42s %-22s %-22s %-22s %s\n' "scenario" "first paint ms" "CPU to paint ms" "PSS MiB" "footprint MiB" # "–" below: 3 bytes, 1 column
printf '%-42s %-24s %-24s %-24s %s\n' "" "median (min–max)" "median (min–max)" "median (min–max)" "median (min–max)"
for s in "${scenarios[@]}"; do
  case $s in
    demo) label="kiosk, demo (in-process backend)";;
    down) label="kiosk, backend down (--api closed)";;
    chromium) label="chromium --kiosk (static page, $(median <"$tmp/chromium.n") procs)";;
  esac
  fp="–"
  [[ $has_fp != 0 ]] && fp=$(mib <"$tmp/$s.f")
  printf '%-42s %-24s %-24s %-24s %s\n' "$label" "$(stats <"$tmp/$s.p")" "$(stats <"$tmp/$s.c")" "$(mib <"$tmp/$s.m")" "$fp"
done
if [[ -n $chromium ]]; then
  cp=$(median <"$tmp/chromium.p"); cm=$(median <"$tmp/chromium.m"); cf=$(median <"$tmp/chromium.f")
  cc=$(median <"$tmp/chromium.c")
  for s in demo down; do
    awk -v p="$(median <"$tmp/$s.p")" -v m="$(median <"$tmp/$s.m")" -v f="$(median <"$tmp/$s.f")" \
      -v c="$(median <"$tmp/$s.c")" -v cp="$cp" -v cm="$cm" -v cf="$cf" -v cc="$cc" -v s="$s" 'BEGIN {
        printf "kiosk/Chromium, %s: first paint %.2f×, CPU to paint %.2f×, PSS %.2f×", s, p / cp, (cc > 0 ? c / cc : 0), m / cm
        if (cf > 0) printf ", footprint %.2f×", f / cf
        printf "\n" }'
  done
fi
