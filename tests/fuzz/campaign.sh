#!/usr/bin/env bash
# A long fuzzing campaign measured in CPU time, for a machine that does other
# work meanwhile: each target runs (at nice 10) until its own user+system CPU
# time reaches its budget, however long that takes on the wall clock.  Two
# targets run at once by default.  Corpora persist in WORK between campaigns;
# results (CPU seconds, executions, exit code) are appended to WORK/results.txt.
#
#   tests/fuzz/campaign.sh BUILD WORK [TARGET[:CPUSECONDS]...]
#
# Without targets every fuzz_* in BUILD gets CPUSECS (default 1800).  Exit code
# 72 is libFuzzer's for the SIGINT that ends a run at its budget; anything
# else (77 crash, 70 timeout, a leak) leaves its input in WORK as an artifact.
# Do not SIGSTOP a running target: libFuzzer's per-input timeout is wall-clock
# and reports the stop as a timeout.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(realpath "${1:?BUILD}")
WORK=$(realpath -m "${2:?WORK}")
shift 2
CPUSECS=${CPUSECS:-1800}
JOBS=${JOBS:-2}
mkdir -p "$WORK/corpus"
Q="$WORK/queue.$$"
if [ $# -gt 0 ]; then
  printf '%s\n' "$@" > "$Q"
else
  find "$BUILD/tests/fuzz" -type f -executable -name 'fuzz_*' -printf '%f\n' | sort > "$Q"
fi
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

slot() {
  while true; do
    local item t secs exe layer c reg pid ticks=0 rc
    item=$(flock "$Q.lock" bash -c "head -1 '$Q'; sed -i 1d '$Q'")
    [ -z "$item" ] && return 0
    t=${item%%:*}; secs=${item#*:}; [ "$secs" = "$item" ] && secs=$CPUSECS
    exe=$(find "$BUILD/tests/fuzz" -type f -name "$t" | head -1)
    [ -x "$exe" ] || { echo "$t: not built" >> "$WORK/results.txt"; continue; }
    layer=$(basename "$(dirname "$exe")")
    c="$WORK/corpus/$t"; mkdir -p "$c"
    cp -rn "tests/fuzz/$layer/corpus/$t/." "$c/" 2>/dev/null
    reg="tests/fuzz/$layer/regressions"; [ -d "$reg" ] || reg=
    nice -n 10 "$exe" -max_total_time=$((secs * 20)) -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$WORK/$t-" "$c" $reg > "$WORK/$t.log" 2>&1 &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
      ticks=$(awk '{print $14 + $15}' /proc/$pid/stat 2>/dev/null || echo "$ticks")
      if [ "${ticks:-0}" -ge $((secs * $(getconf CLK_TCK))) ]; then kill -INT $pid; break; fi
      sleep 5
    done
    wait $pid; rc=$?
    echo "$t rc=$rc cpu_s=$((ticks / $(getconf CLK_TCK))) \
$(grep -oE 'number_of_executed_units: *[0-9]+' "$WORK/$t.log" | tail -1) corpus=$(ls "$c" | wc -l)" \
      >> "$WORK/results.txt"
  done
}

for _ in $(seq "$JOBS"); do slot & done
wait
rm -f "$Q" "$Q.lock"
tail -n 40 "$WORK/results.txt"
