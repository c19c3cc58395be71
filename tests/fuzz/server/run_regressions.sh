#!/usr/bin/env bash
# Replays every input in tests/fuzz/server/regressions/ once through
# fuzz_server (libFuzzer runs file arguments once each) and fails if any of
# them crashes, leaks, hangs or trips a sanitizer or a fuzz_server check.
# Usage: run_regressions.sh [BUILD | path/to/fuzz_server]   (default build-fuzz)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-build-fuzz}
if [ -f "$arg" ] && [ -x "$arg" ]; then
  exe=$arg
else
  exe=$arg/tests/fuzz/server/fuzz_server
fi
if [ ! -x "$exe" ]; then
  echo "no fuzz_server at $exe (configure with CC=clang -Dfuzz=true)" >&2
  exit 2
fi
unset FUZZ_SERVER_AVOID   # never steer around the bugs being checked
# UBSan reports recover by default: make them fail the run.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
pass=0 fail=0
log=$(mktemp)
for f in "$here"/regressions/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  if timeout 120 "$exe" -timeout=20 -rss_limit_mb=4096 "$f" >"$log" 2>&1; then
    echo "PASS $name"; pass=$((pass + 1))
  else
    echo "FAIL $name"
    grep -E 'ERROR|SUMMARY|BREACH|runtime error|#[0-9] ' "$log" | head -12 | sed 's/^/    /'
    fail=$((fail + 1))
  fi
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
