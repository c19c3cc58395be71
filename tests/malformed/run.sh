#!/usr/bin/env bash
# Malformed-input suite: raw SMB2 requests with lying lengths, broken
# framing and out-of-order state against a real daxsmbd started by the test.
# Usage: run.sh BUILD_DIR [filter]
set -uo pipefail
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 -B tests/malformed/malformed.py --build "${1:-build}" ${2:+--only "$2"}
