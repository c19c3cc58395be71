#!/usr/bin/env bash
# `make bench`: daxsmbd (a posix and a pmem share) and Samba's smbd serving
# the same directories, side by side in one run, once on tmpfs and once on
# the disk (/var/tmp), against the floor (raw loopback request/response)
# and the local table (block vs DAX writes without a network).  Prints one
# table per storage, checks the targets of issue 3, and writes
# bench/results/<timestamp>-{tmpfs,disk}.json, -{tmpfs,disk}.png and
# latest.md.  See bench/README.md.
#
# Environment:
#   BENCH_SECONDS=3        seconds per test (every test of every server)
#   BENCH_FILE_SIZE=64M    the bench file (random I/O spans all of it)
#   BENCH_IDLE=1000        idle connections for the memory figure (0: skip)
#   BENCH_STORAGE="tmpfs disk"
#   BENCH_DISK_DIR=/var/tmp
#   BENCH_BUSY_POLL=50     value for the `busy poll` knob, if daxsmbd has one
#   BUILD=build
#   BENCH_NO_BUILD=1       use the binaries in $BUILD as they are
# A MISS against a target is reported, not an error; a broken run is.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-3}
FSIZE=${BENCH_FILE_SIZE:-64M}
IDLE=${BENCH_IDLE:-1000}
STORAGES=${BENCH_STORAGE:-tmpfs disk}
DISK_DIR=${BENCH_DISK_DIR:-/var/tmp}
BUSY_POLL_VALUE=${BENCH_BUSY_POLL:-50}
PY=/usr/bin/python3
RESULTS=$ROOT/bench/results
DAXSMB=$ROOT/$BUILD/src/client/daxsmb
DAXSMBD=$ROOT/$BUILD/src/server/daxsmbd
BUSER=alice

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- cleanup: every process we start and every temp dir we make ----------
PIDS=()     # plain processes (daxsmbd)
PGIDS=()    # process groups (smbd runs in its own session)
TMPS=()
cleanup() {
  local rc=$?
  set +e
  for g in "${PGIDS[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  local deadline=$((SECONDS + 15))
  for p in "${PIDS[@]}" "${PGIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  done
  for g in "${PGIDS[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  if [ $rc -ne 0 ] && [ -n "${WORK:-}" ] && [ -d "${BASE:-}/etc" ]; then
    cp -r "$BASE/etc" "$WORK/failed-etc" 2>/dev/null
    cp -r "$BASE/samba/log" "$BASE/samba/smbd.out" "$WORK/failed-etc/" 2>/dev/null
  fi
  for d in "${TMPS[@]}"; do
    [ $rc -ne 0 ] && [ "$d" = "${WORK:-}" ] && { echo "bench: logs kept in $d" >&2; continue; }
    rm -rf -- "$d"
  done
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- packages, build ------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "run as root: it adds a Unix user for Samba, runs smbd, and raises ulimit -n for $IDLE connections"
scripts/deps.sh bench || die "missing packages (scripts/deps.sh bench)"
extra=()
for p in python3 gcc procps util-linux; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || extra+=("$p")
done
if [ ${#extra[@]} -gt 0 ]; then
  say "installing ${extra[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${extra[@]}" >/tmp/daxsmb-bench-apt.log 2>&1 ||
    { apt-get update -q >>/tmp/daxsmb-bench-apt.log 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${extra[@]}" >>/tmp/daxsmb-bench-apt.log 2>&1; } ||
    die "apt-get install ${extra[*]} failed (see /tmp/daxsmb-bench-apt.log)"
fi
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
  ninja -C "$BUILD" >/dev/null || die "build failed (ninja -C $BUILD)"
fi
[ -x "$DAXSMB" ] && [ -x "$DAXSMBD" ] || die "no $DAXSMB or $DAXSMBD"
"$DAXSMB" --help 2>&1 | grep -q -- 'bench.*--json' || die "$DAXSMB has no 'bench --json'"
# The floor and the local table: small programs outside the default build.
mkdir -p "$BUILD/bench"
cc -O2 -Wall -o "$BUILD/bench/floor" bench/floor.c -lm || die "cannot build bench/floor.c"
# shellcheck disable=SC2046
cc -O2 -Wall -o "$BUILD/bench/local" bench/local.c $(pkg-config --cflags --libs libpmem2) -lm ||
  die "cannot build bench/local.c"

# 1,000 connections: a descriptor each in daxsmbd and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((IDLE + 256)) ] || ulimit -n $((IDLE + 1024)) 2>/dev/null ||
  say "ulimit -n is $(ulimit -n): $IDLE idle connections may not fit"

# ---- helpers ----------------------------------------------------------------
free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() { # PORT PID [SECONDS]
  local end=$((SECONDS + ${3:-20}))
  while [ $SECONDS -lt $end ]; do
    kill -0 "$2" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
untrack_pid() { local keep=() p; for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
stop_pid() { # PID: TERM, wait, KILL
  kill -TERM "$1" 2>/dev/null || true
  local end=$((SECONDS + 15))
  while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  untrack_pid "$1"
}

PW="Bx$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)9"
id "$BUSER" >/dev/null 2>&1 || useradd -M "$BUSER" || die "useradd $BUSER failed"

TS=$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/daxsmb-bench-work-XXXXXX)
TMPS+=("$WORK")

# The machine, once.
$PY - "$DISK_DIR" >"$WORK/machine.json" <<'EOF'
import json, os, platform, subprocess, sys, time
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
cpu = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
mem = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem = int(line.split()[1]); break
d = sys.argv[1]
src, fstype = (sh(f"findmnt -no SOURCE,FSTYPE -T {d}").split() + ["", ""])[:2]
dev = os.path.basename(src)
model = sh(f"lsblk -dno MODEL /dev/{dev} 2>/dev/null") if dev else ""
rota = sh(f"cat /sys/block/{dev}/queue/rotational 2>/dev/null") if dev else ""
hyp = sh("systemd-detect-virt 2>/dev/null") or ("vm" if "hypervisor" in open("/proc/cpuinfo").read() else "")
print(json.dumps({
    "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
    "memory_gib": round(mem / 1048576, 1), "virtualization": hyp,
    "disk": {"dir": d, "device": src, "fstype": fstype, "model": model,
             "rotational": rota == "1"},
    "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    "samba": sh("smbd --version"),
}))
EOF

BUSY_KNOB=
grep -qi 'busy poll' src/server/config.c 2>/dev/null && BUSY_KNOB=1

# ---- one storage ------------------------------------------------------------
start_daxsmbd() { # NAME DIR EXTRA_GLOBAL -> sets DPID DPORT
  local name=$1 dir=$2 extra=$3
  DPORT=$(free_port)
  cat >"$dir/etc/$name.conf" <<EOF
[global]
  smb ports = $DPORT
  interfaces = 127.0.0.1
  passdb file = $dir/etc/passdb
  state directory = $dir/etc/state-$name
  log level = 1
  max connections = $((IDLE + 512))
  max connections per address = $((IDLE + 512))
$extra
[posix]
  path = $dir/posix
  read only = no
  dax mode = posix
[pmem]
  path = $dir/pmem
  read only = no
  dax mode = pmem
EOF
  "$DAXSMBD" --config "$dir/etc/$name.conf" >"$dir/etc/$name.log" 2>&1 &
  DPID=$!
  PIDS+=("$DPID")
  wait_port "$DPORT" "$DPID" || { tail -20 "$dir/etc/$name.log" >&2; return 1; }
}

start_smbd() { # DIR -> sets SPID SPORT
  local dir=$1 D=$1/samba
  SPORT=$(free_port)
  mkdir -p "$D"/{private,lock,state,cache,run,log}
  cat >"$D/smb.conf" <<EOF
[global]
  server role = standalone server
  smb ports = $SPORT
  interfaces = lo
  bind interfaces only = yes
  private dir = $D/private
  lock directory = $D/lock
  state directory = $D/state
  cache directory = $D/cache
  pid directory = $D/run
  ncalrpc dir = $D/run/ncalrpc
  log file = $D/log/%m.log
  passdb backend = tdbsam:$D/private/passdb.tdb
  map to guest = Bad User
  load printers = no
  disable spoolss = yes
[posix]
  path = $dir/posix
  read only = no
  guest ok = yes
  force user = root
  vfs objects = acl_xattr streams_xattr
  store dos attributes = yes
  kernel oplocks = no
  kernel share modes = no
  posix locking = no
EOF
  printf '%s\n%s\n' "$PW" "$PW" | smbpasswd -c "$D/smb.conf" -s -a "$BUSER" >/dev/null ||
    { echo "smbpasswd failed" >&2; return 1; }
  # Its own session: smbd signals its whole process group on exit.
  setsid smbd -s "$D/smb.conf" -F --no-process-group </dev/null >"$D/smbd.out" 2>&1 &
  SPID=$!
  PGIDS+=("$SPID")
  wait_port "$SPORT" "$SPID" 30 || { tail -20 "$D/smbd.out" "$D"/log/* >&2; return 1; }
  # setsid execs smbd in place when it can; if it forked, find smbd.
  if [ "$(cat /proc/$SPID/comm 2>/dev/null)" != smbd ]; then
    SPID=$(pgrep -P "$SPID" -x smbd | head -1)
  fi
}

bench_one() { # LABEL PID URL
  local label=$1 pid=$2 url=$3
  say "$KIND: daxsmb bench $url ($label, ${SECS}s per test)"
  $PY bench/measure.py run --pid "$pid" --out "$OUT/$label.json" -- \
    "$DAXSMB" bench "$url" -U "$BUSER%$PW" --seconds "$SECS" --file-size "$FSIZE" --json ||
    { echo "bench against $label failed" >&2; return 1; }
  server_alive "$pid" "$label"
}

server_alive() { # PID LABEL: a server that died during a run breaks the run
  kill -0 "$1" 2>/dev/null && return 0
  echo "bench: the $2 server (pid $1) died; its log:" >&2
  tail -30 "$BASE/etc/daxsmbd.log" "$BASE/samba/smbd.out" 2>/dev/null >&2
  return 1
}

idle_one() { # LABEL PID URL
  local label=$1 pid=$2 url=$3
  [ "$IDLE" -gt 0 ] || return 0
  say "$KIND: $IDLE idle connections to $label"
  $PY bench/measure.py idle --pid "$pid" --n "$IDLE" --out "$OUT/idle-$label.json" -- \
    "$DAXSMB" bench "$url" -U "$BUSER%$PW" --idle "$IDLE" --timeout 60 ||
    echo "bench: $IDLE idle connections to $label failed (recorded)" >&2
}

run_storage() { # KIND
  KIND=$1
  local base
  case $KIND in
    tmpfs) base=$(mktemp -d /dev/shm/daxsmb-bench-XXXX) ;;
    disk) base=$(mktemp -d "$DISK_DIR/daxsmb-bench-XXXX") ;;
    *) die "unknown storage $KIND" ;;
  esac
  TMPS+=("$base")
  BASE=$base
  chmod 755 "$base"
  mkdir -p "$base"/{posix,pmem,local,etc}
  chmod 777 "$base/posix" "$base/pmem"
  OUT=$WORK/$KIND
  mkdir -p "$OUT"
  cp /proc/loadavg "$OUT/loadavg-before"
  printf '%s\n' "$PW" | "$DAXSMB" user add "$BUSER" --passdb "$base/etc/passdb" >/dev/null ||
    die "daxsmb user add failed"

  start_smbd "$base" || die "smbd did not start"
  local spid=$SPID sport=$SPORT
  # Memory with idle connections first, on a daxsmbd of its own that has
  # served nothing else (a heap grown by the benches would hide the cost).
  if [ "$IDLE" -gt 0 ]; then
    start_daxsmbd daxsmbd-idle "$base" "" || die "daxsmbd did not start"
    idle_one daxsmbd "$DPID" "//127.0.0.1:$DPORT/posix"
    cp "$base/etc/daxsmbd-idle.log" "$OUT/daxsmbd-idle.log"
    stop_pid "$DPID"
    idle_one samba "$spid" "//127.0.0.1:$sport/posix"
  fi
  start_daxsmbd daxsmbd "$base" "" || die "daxsmbd did not start"
  local dpid=$DPID dport=$DPORT

  bench_one daxsmbd-pmem "$dpid" "//127.0.0.1:$dport/pmem" || return 1
  bench_one daxsmbd-posix "$dpid" "//127.0.0.1:$dport/posix" || return 1
  bench_one samba "$spid" "//127.0.0.1:$sport/posix" || return 1
  say "$KIND: the floor"
  "$BUILD/bench/floor" --seconds "$SECS" --json >"$OUT/floor.json" || { echo "floor failed" >&2; return 1; }
  server_alive "$dpid" daxsmbd || return 1
  say "$KIND: the local table on $base/local"
  "$BUILD/bench/local" "$base/local" --seconds "$SECS" --file-size "$FSIZE" --json >"$OUT/local.json" ||
    { echo "local table failed" >&2; return 1; }
  server_alive "$dpid" daxsmbd || return 1
  $PY bench/measure.py mem --pid "$dpid" >"$OUT/mem-daxsmbd-end.json" || true
  cp "$base/etc/daxsmbd.log" "$OUT/daxsmbd.log"
  cp /proc/loadavg "$OUT/loadavg-after"
  stop_pid "$dpid"
  kill -TERM -- "-$spid" 2>/dev/null || true

  if [ -n "$BUSY_KNOB" ]; then
    if start_daxsmbd daxsmbd-busypoll "$base" "  busy poll = $BUSY_POLL_VALUE"; then
      bench_one daxsmbd-pmem-busypoll "$DPID" "//127.0.0.1:$DPORT/pmem" || return 1
      cp "$base/etc/daxsmbd-busypoll.log" "$OUT/daxsmbd-busypoll.log"
      stop_pid "$DPID"
    else
      echo "bench: daxsmbd with 'busy poll = $BUSY_POLL_VALUE' did not start; variant skipped" >&2
    fi
  fi
  local end=$((SECONDS + 15))
  while kill -0 "$spid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
  if ! kill -0 "$spid" 2>/dev/null; then
    local keep=() g
    for g in "${PGIDS[@]}"; do [ "$g" = "$spid" ] || keep+=("$g"); done
    PGIDS=("${keep[@]}")
  fi
  rm -rf -- "$base"
}

for kind in $STORAGES; do
  run_storage "$kind" || die "the $kind run broke"
  $PY bench/report.py assemble --work "$WORK" --kind "$kind" --seconds "$SECS" --file-size "$FSIZE" \
    --out "$RESULTS/$TS-$kind.json" || die "report assemble failed"
done

files=()
for kind in $STORAGES; do files+=("$RESULTS/$TS-$kind.json"); done
$PY bench/report.py report --md "$RESULTS/latest.md" --png-prefix "$RESULTS/$TS" "${files[@]}" ||
  die "report failed"
