#!/usr/bin/env bash
# `make run`: daxsmbd on its built-in default (guest share on ./daxsmb-data,
# 127.0.0.1 port 4445), in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p daxsmb-data
cat <<MSG
daxsmbd: serving [share] = $(pwd)/daxsmb-data on 127.0.0.1 port 4445 (guest access)
connect with:
  smbclient //127.0.0.1/share -p 4445 -N -c 'ls'
  smbclient -L 127.0.0.1 -p 4445 -N
Ctrl-C stops it.
MSG
exec ./build/daxsmbd "$@"
