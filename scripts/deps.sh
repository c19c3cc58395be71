#!/usr/bin/env bash
# Installs the Debian packages daxsmb needs for a goal (build, test, bench),
# when run as root; otherwise prints the one apt-get line needed.
set -euo pipefail
goal=${1:-build}
pkgs=(meson ninja-build gcc pkg-config libssl-dev libcmocka-dev libpmem2-dev)
case "$goal" in
  build) ;;
  test) pkgs+=(samba smbclient samba-testsuite python3-impacket clang libclang-rt-14-dev) ;;
  bench) pkgs+=(samba smbclient gnuplot-nox) ;;
  *) echo "deps.sh: unknown goal $goal" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "daxsmb needs these Debian packages; as root run:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${missing[@]}" >/tmp/daxsmb-apt.log 2>&1; then
  apt-get update -q >/tmp/daxsmb-apt.log 2>&1
  apt-get install -y -q "${missing[@]}" >>/tmp/daxsmb-apt.log 2>&1 || {
    tail -20 /tmp/daxsmb-apt.log >&2; exit 1; }
fi
# The samba package starts system daemons on install; we never use them.
if printf '%s\n' "${missing[@]}" | grep -qx samba; then
  systemctl disable --now smbd nmbd samba-ad-dc >/dev/null 2>&1 || true
  pkill -x smbd >/dev/null 2>&1 || true; pkill -x nmbd >/dev/null 2>&1 || true
fi
