#!/usr/bin/env bash
# `make test`: unit tests, interop tests, both again under ASan+UBSan, and a
# fuzz smoke run.  Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
pass=0 fail=0
declare -a failed_steps=()

# meson test prints "Ok: N" and "Fail: N" in its summary.
count_meson() { # dir label
  local log; log=$(mktemp)
  meson test -C "$1" --print-errorlogs --num-processes 2 >"$log" 2>&1
  local rc=$?
  local ok f
  ok=$(awk '/^Ok:/{print $2}' "$log"); f=$(awk '/^Fail:/{print $2}' "$log")
  local to; to=$(awk '/^Timeout:/{print $2}' "$log")
  ok=${ok:-0}; f=$(( ${f:-0} + ${to:-0} ))
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  grep -E '^ *[0-9]+/[0-9]+ ' "$log" | sed "s/^/[$2] /"
  [ "$f" -ne 0 ] && { grep -A40 -E 'FAIL|ERROR' "$log" | tail -80; failed_steps+=("$2"); }
  pass=$((pass + ok)); fail=$((fail + f))
  rm -f "$log"
}

count_interop() { # build label
  local log; log=$(mktemp)
  tests/interop/run.sh "$1" 2>&1 | tee "$log" | grep -E '^(PASS|FAIL|SKIP|KNOWN)' | sed "s/^/[$2] /"
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -z "$line" ]; then
    tail -40 "$log"; fail=$((fail + 1)); failed_steps+=("$2")
  else
    local p f; p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    [ "$f" -ne 0 ] && { grep -E '^FAIL' -A60 "$log" | tail -300; failed_steps+=("$2"); }
  fi
  rm -f "$log"
}

echo "== unit tests ($BUILD)"
count_meson "$BUILD" unit
echo "== interop tests ($BUILD)"
count_interop "$BUILD" interop

echo "== ASan+UBSan build"
[ -f "$ASAN_BUILD/build.ninja" ] || meson setup "$ASAN_BUILD" -Db_sanitize=address,undefined \
  -Db_lundef=false -Dbuildtype=debug >/dev/null
if ninja -C "$ASAN_BUILD" >/dev/null; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  echo "== unit tests under ASan+UBSan"
  count_meson "$ASAN_BUILD" asan-unit
  echo "== interop tests under ASan+UBSan"
  DAXSMB_SANITIZED=1 count_interop "$ASAN_BUILD" asan-interop
else
  echo "ASan build failed"; fail=$((fail + 1)); failed_steps+=(asan-build)
fi

echo "== fuzz smoke"
if command -v clang >/dev/null; then
  [ -f "$FUZZ_BUILD/build.ninja" ] || CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Dtests=disabled >/dev/null
  if ninja -C "$FUZZ_BUILD" >/dev/null; then
    log=$(mktemp)
    tests/fuzz/run.sh "$FUZZ_BUILD" "${FUZZ_SECONDS:-10}" >"$log" 2>&1
    grep -E '^(PASS|FAIL)' "$log" | sed 's/^/[fuzz] /'
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -n "$line" ]; then
      p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
      pass=$((pass + p)); fail=$((fail + f)); [ "$f" -ne 0 ] && { tail -60 "$log"; failed_steps+=(fuzz); }
    else
      tail -30 "$log"; fail=$((fail + 1)); failed_steps+=(fuzz)
    fi
    rm -f "$log"
  else
    echo "fuzz build failed"; fail=$((fail + 1)); failed_steps+=(fuzz-build)
  fi
fi

echo
[ ${#failed_steps[@]} -gt 0 ] && echo "failed steps: ${failed_steps[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
