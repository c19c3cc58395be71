#!/usr/bin/env bash
# Interop tests: real clients (smbclient, impacket, smbtorture) against a
# real daxsmbd started by the test.  Usage: run.sh BUILD_DIR [filter]
set -uo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tests/interop/interop.py --build "${1:-build}" ${2:+--only "$2"}
