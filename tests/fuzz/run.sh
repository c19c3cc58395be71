#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD for SECONDS each, from its seed
# corpus; prints PASS/FAIL per target and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-10}
pass=0 fail=0
work=$(mktemp -d)
# A UBSan report is a failure, not a warning.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for exe in $(find "$BUILD/tests/fuzz" -type f -executable -name 'fuzz_*' | sort); do
  name=$(basename "$exe")
  layer=$(basename "$(dirname "$exe")")
  seeds="tests/fuzz/$layer/corpus/$name"
  corpus="$work/$name"; mkdir -p "$corpus"
  [ -d "$seeds" ] && cp -r "$seeds/." "$corpus/" 2>/dev/null
  # Crashes found before are replayed first (read-only second corpus).
  regress="tests/fuzz/$layer/regressions"
  [ -d "$regress" ] || regress=
  if "$exe" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$work/$name-" "$corpus" $regress >"$work/$name.log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$work/$name.log" | tail -1)
    echo "PASS $name ($runs in ${SECONDS_EACH}s)"; pass=$((pass + 1))
  else
    echo "FAIL $name"; tail -40 "$work/$name.log"; fail=$((fail + 1))
  fi
done
rm -rf "$work"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
