#!/usr/bin/env bash
# make test-loaded: the suite on a busy machine. Runs `make test` RUNS times in a row (default 3) while
# stress-ng keeps LOAD_CPUS (default 2) processors busy beside it, then once more the packages with X or
# browser tests with -race -count=2. Prints one line per run (time, result) and a summary; exits 1 when a
# run failed. Each run's output is kept in $OUT (default /tmp/helsekiosk-loaded).
#
# A test that passes only on an idle machine is a broken test: CI's 2-core machine may be busy.
set -uo pipefail
export LANG=C.UTF-8
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
LOAD_CPUS=${LOAD_CPUS:-2}
OUT=${OUT:-/tmp/helsekiosk-loaded}
X_PKGS=${X_PKGS:-"./cmd/helsekiosk/ ./internal/kiosk/browser/ ./internal/kiosk/xidle/ ./ui/"}
mkdir -p "$OUT"

if ! command -v stress-ng >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "loaded-test: installing stress-ng" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null; }
  else
    echo "loaded-test: needs stress-ng (sudo apt-get install stress-ng)" >&2
    exit 1
  fi
fi

stress-ng --cpu "$LOAD_CPUS" --timeout 0 --quiet &
stress=$!
trap 'kill $stress 2>/dev/null; wait $stress 2>/dev/null' EXIT
echo "loaded-test: stress-ng --cpu $LOAD_CPUS beside the tests (pid $stress); output in $OUT"

failed=0
run() { # name, command...
  local name=$1; shift
  local start=$SECONDS
  if "$@" >"$OUT/$name.log" 2>&1; then res=pass; else res=FAIL; failed=1; fi
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf 'loaded-test: %-10s %-4s %5d s  (load average at the end: %s)\n' "$name" "$res" $((SECONDS - start)) "$load"
  [[ $res == FAIL ]] && grep -E '^(--- FAIL|FAIL|panic:)' "$OUT/$name.log" | head -20
}
for i in $(seq 1 "$RUNS"); do
  run "run$i" make --no-print-directory test
done
# shellcheck disable=SC2086
run race-x go test -tags migrated_fynedo -race -count=2 -timeout 60m $X_PKGS
echo "loaded-test: $([[ $failed == 0 ]] && echo "all passed" || echo "a run FAILED")"
exit $failed
