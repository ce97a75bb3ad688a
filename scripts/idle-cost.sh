#!/usr/bin/env bash
# Idle cost of the whole kiosk session: cage + Xwayland + `helsekiosk --supervise --kiosk` (the supervisor
# and its kiosk) on the welcome screen, as
# helsekiosk.service runs it, for IDLE_MINUTES (default 10) with no input at all; then the same for a
# Chromium kiosk (Debian's chromium, --kiosk, through the same cage and Xwayland) showing a static page
# that looks like the welcome screen (docs/screenshots/welcome-nn.png and its text). Prints a table:
#
#   CPU seconds  utime+stime (/proc/PID/stat) of every process of the session, compositor included,
#                summed over the measured window (after IDLE_WARMUP seconds, default 20, of settling);
#                per process too. A process that starts and ends inside the window is not counted.
#   CPU %        of one core, over the window
#   wakeups/s    voluntary + involuntary context switches of all the session's threads, per second (a
#                rough count of how often the session wakes up while nothing changes)
#   PSS MiB      Pss from /proc/PID/smaps_rollup at the end, summed (each process's fair share of RAM)
#
#   IDLE_MINUTES=2 scripts/idle-cost.sh [BINARY]      (make idle-cost IDLE_MINUTES=2)
#
# The session's processes: cage's descendants and every process with the session's private
# XDG_RUNTIME_DIR in its environment (wlroots double-forks Xwayland away from cage). cage draws with
# WLR_RENDERER=pixman on wlroots' x11 backend, as a window on a private Xvfb (1280x800 screen, a 1024x768
# output), which stands in for the display: its CPU is shown in its own column and not in the session's.
# (On the headless backend, WLR_BACKENDS=headless, Debian's cage 0.1.4 never lets Chromium paint: its
# window stays black, so the comparison would be void; the kiosk paints there either way.) Neither side
# gets a GPU. cage refuses to run as root: as root the sessions run as `nobody`.
# IDLE_ONLY=kiosk or IDLE_ONLY=chromium measures one side only. The table is also written to
# IDLE_OUT (default dist/idle-cost.txt).
# Needs cage, Xwayland, chromium (scripts/deps.sh --test), and Go to build the kiosk if BINARY is missing.
set -euo pipefail
export LANG=C.UTF-8
cd "$(dirname "$0")/.."

minutes=${IDLE_MINUTES:-10}
warmup=${IDLE_WARMUP:-20}
only=${IDLE_ONLY:-}
out_file=${IDLE_OUT:-dist/idle-cost.txt}
bin=${1:-bin/helsekiosk}
mkdir -p "$(dirname "$out_file")"
if [[ ! -x $bin ]]; then
  echo "idle-cost: building $bin" >&2
  go build -tags migrated_fynedo,no_emoji -o "$bin" ./cmd/helsekiosk
fi
for t in cage Xwayland Xvfb chromium; do
  command -v $t >/dev/null || { echo "idle-cost: $t missing (scripts/deps.sh --test)" >&2; exit 2; }
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
(( seconds > 0 )) || { echo "idle-cost: IDLE_MINUTES must be > 0" >&2; exit 2; }
tck=$(getconf CLK_TCK)

run_as=()
if [[ $(id -u) -eq 0 ]]; then
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  owner=nobody:nogroup
fi

tmp=$(mktemp -d /tmp/helsekiosk-idle-XXXXXX)
chmod 0755 "$tmp"
cage_pid=""
xvfb_pid=""
display=""
rt=""
stop_session() {
  [[ -n $cage_pid ]] || return 0
  local p
  for p in $(session_pids); do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do kill -0 "$cage_pid" 2>/dev/null || break; sleep 0.1; done
  for p in $(session_pids); do kill -9 "$p" 2>/dev/null || true; done
  cage_pid=""
  kill "$xvfb_pid" 2>/dev/null || true
  { wait "$xvfb_pid"; } 2>/dev/null || true
  xvfb_pid=""
}
cleanup() { stop_session; rm -rf "$tmp"; }
trap cleanup EXIT

# session_pids: cage, its descendants, and every process whose environment has our XDG_RUNTIME_DIR.
session_pids() {
  local -A seen=()
  local queue=("$cage_pid") p c
  while ((${#queue[@]})); do
    p=${queue[0]}; queue=("${queue[@]:1}")
    [[ -n ${seen[$p]:-} || ! -d /proc/$p ]] && continue
    seen[$p]=1
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do queue+=("$c"); done
  done
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [[ -n ${seen[$p]:-} ]] && continue
    if { tr '\0' '\n' <"$d/environ"; } 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$rt"; then seen[$p]=1; fi
  done
  printf '%s\n' "${!seen[@]}" | sort -n
}

# snapshot FILE: one line per session process: pid name ticks ctxsw
snapshot() {
  local p name ticks cs
  : >"$1"
  for p in $(session_pids); do
    # fields 14 and 15 (utime, stime) after the ")" that ends the command name
    ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$p"/stat 2>/dev/null) || continue
    [[ -n $ticks ]] || continue
    cs=$(cat /proc/"$p"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }')
    name=$(basename "$(readlink /proc/"$p"/exe 2>/dev/null || echo '?')")
    echo "$p $name $ticks $cs" >>"$1"
  done
}

pss_kib() {
  local p sum=0 v
  for p in $(session_pids); do
    v=$(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup 2>/dev/null || true)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# start_session NAME PROGRAM ARGS...: cage -d -- PROGRAM ARGS... on a fresh Xvfb, in $tmp/NAME
start_session() {
  local name=$1; shift
  local dir=$tmp/$name
  mkdir -p "$dir/home" "$dir/run"
  chmod 0700 "$dir/run" "$dir/home"
  rt=$dir/run
  [[ -n ${owner:-} ]] && chown -R "$owner" "$dir"
  display=""
  for n in $(seq 120 149); do
    [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] && continue
    display=:$n; break
  done
  [[ -n $display ]] || { echo "idle-cost: no free X display" >&2; exit 1; }
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 50); do [[ -e /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done
  env -i DISPLAY="$display" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME="$dir/home" XDG_RUNTIME_DIR="$rt" \
    XDG_CONFIG_HOME="$dir/home/.config" XDG_CACHE_HOME="$dir/home/.cache" XDG_DATA_HOME="$dir/home/.local/share" \
    HELSEKIOSK_CONFIG_DIR="$dir/home/helsekiosk" \
    WLR_BACKENDS=x11 WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 XKB_DEFAULT_OPTIONS= \
    "${run_as[@]}" cage -d -- "$@" >"$dir/session.log" 2>&1 &
  cage_pid=$!
  disown "$cage_pid" # cage 0.1.4 aborts on its way out (an assertion in wl_display_terminate): no job notice
}

# measure NAME: warm up, measure for $seconds, print a result line and the per-process breakdown.
declare -A res_cpu res_pct res_wake res_pss res_procs res_xvfb
measure() {
  local name=$1
  sleep "$warmup"
  kill -0 "$cage_pid" 2>/dev/null || { echo "idle-cost: $name: cage exited; log:" >&2; cat "$tmp/$name/session.log" >&2; exit 1; }
  # What the session shows (grim, when installed), next to the table.
  if command -v grim >/dev/null; then
    XDG_RUNTIME_DIR=$rt WAYLAND_DISPLAY=wayland-0 grim "$(dirname "$out_file")/idle-cost-$name.png" 2>/dev/null || true
  fi
  snapshot "$tmp/$name.before"
  local x0 x1
  x0=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$xvfb_pid"/stat)
  local t0 t1
  t0=$(date +%s.%N)
  echo "idle-cost: $name: measuring for $seconds s ($(wc -l <"$tmp/$name.before") processes)" >&2
  sleep "$seconds"
  snapshot "$tmp/$name.after"
  t1=$(date +%s.%N)
  x1=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' /proc/"$xvfb_pid"/stat)
  res_xvfb[$name]=$(awk -v a="$x0" -v b="$x1" -v tck="$tck" 'BEGIN { printf "%.2f", (b - a) / tck }')
  res_pss[$name]=$(pss_kib)
  kill -0 "$cage_pid" 2>/dev/null || { echo "idle-cost: $name: cage exited during the measurement" >&2; exit 1; }
  # Per process: ticks and switches in the window (processes in both snapshots; new ones from 0).
  awk -v tck="$tck" -v secs="$(echo "$t1 - $t0" | bc)" '
    NR == FNR { t[$1] = $3; c[$1] = $4; next }
    { dt = $3 - t[$1]; dc = $4 - c[$1]; cpu[$2] += dt; cs[$2] += dc; n[$2]++; T += dt; C += dc }
    END {
      for (k in cpu) printf "proc %s %d %.2f %.1f\n", k, n[k], cpu[k] / tck, cs[k] / secs
      printf "total %.2f %.2f %.1f\n", T / tck, 100 * T / tck / secs, C / secs
    }' "$tmp/$name.before" "$tmp/$name.after" >"$tmp/$name.result"
  read -r _ res_cpu[$name] res_pct[$name] res_wake[$name] < <(grep '^total' "$tmp/$name.result")
  res_procs[$name]=$(grep '^proc' "$tmp/$name.result" | sort -k4 -nr |
    awk '{ printf "%s%s×%d %.2fs %.0f/s", (NR > 1 ? ", " : ""), $2, $3, $4, $5 }')
}

# --- the kiosk ---
if [[ -z $only || $only == kiosk ]]; then
  mkdir -p "$tmp/kiosk/home"
  cp "$bin" "$tmp/kiosk/helsekiosk"
  go run ./scripts/seed-pin "$tmp/kiosk/home/helsekiosk"
  start_session kiosk "$tmp/kiosk/helsekiosk" --supervise --kiosk --lang nn
  measure kiosk
  stop_session
fi

# --- Chromium, a static page of the same screen ---
if [[ -z $only || $only == chromium ]]; then
  mkdir -p "$tmp/chromium/page"
  cp docs/screenshots/welcome-nn.png "$tmp/chromium/page/welcome.png"
  cat >"$tmp/chromium/page/index.html" <<'HTML'
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
  # The usual kiosk flags; no background networking, updates or extensions. --no-sandbox only where
  # unprivileged user namespaces are off (a container): the sandbox's processes would count as well.
  sandbox=()
  if [[ $(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1) == 0 ]] ||
    ! "${run_as[@]}" unshare --user true 2>/dev/null; then
    sandbox=(--no-sandbox)
  fi
  start_session chromium /usr/bin/chromium --kiosk "file://$tmp/chromium/page/index.html" \
    --user-data-dir="$tmp/chromium/home/profile" --no-first-run --noerrdialogs --disable-extensions \
    --disable-background-networking --disable-component-update --disable-sync --disable-features=Translate,TranslateUI \
    --password-store=basic ${IDLE_CHROMIUM_FLAGS:---ozone-platform=x11} "${sandbox[@]}"
  measure chromium
  stop_session
fi

{
  echo "Idle cost over $minutes min (after ${warmup} s of settling); cage (pixman) on wlroots' x11 backend on Xvfb, 1024x768; $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| Session | CPU s | CPU % of a core | wakeups/s | PSS MiB | per process (count, CPU s, wakeups/s) | Xvfb (the display) CPU s |"
  echo "|---|---|---|---|---|---|---|"
  for name in kiosk chromium; do
    [[ -n ${res_cpu[$name]:-} ]] || continue
    label=$name
    [[ $name == kiosk ]] && label="cage + Xwayland + helsekiosk --supervise --kiosk (welcome screen)"
    [[ $name == chromium ]] && label="cage + Xwayland + chromium --kiosk (static page)"
    printf "| %s | %s | %s | %s | %.0f | %s | %s |\n" "$label" "${res_cpu[$name]}" "${res_pct[$name]}" \
      "${res_wake[$name]}" "$(echo "${res_pss[$name]} / 1024" | bc -l)" "${res_procs[$name]}" "${res_xvfb[$name]}"
  done
  if [[ -n ${res_cpu[kiosk]:-} && -n ${res_cpu[chromium]:-} ]]; then
    ratio=$(awk -v a="${res_cpu[kiosk]}" -v b="${res_cpu[chromium]}" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
    echo
    echo "Kiosk / Chromium idle CPU: ${ratio}×"
  fi
} | tee /dev/stderr >"$tmp/table"
mkdir -p "$(dirname "$out_file")"
cp "$tmp/table" "$out_file"
