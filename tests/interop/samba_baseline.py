#!/usr/bin/python3
"""Runs smbtorture suites against a private Samba 4.17 (PEERS.md config),
to compare daxsmbd with.  Usage: samba_baseline.py SUITE... > baseline.txt"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daxtest import SambaServer, client_conf, run  # noqa: E402

suites = sys.argv[1:]
s = SambaServer().start()
try:
    for suite in suites:
        p = run(["smbtorture", "-s", client_conf(), "//127.0.0.1/share", "-p", str(s.port),
                 "-U", "alice%Secret-1", "--option=torture:user2name=bob",
                 "--option=torture:user2password=Secret-2", suite], timeout=1800)
        for m in re.finditer(r"^(success|failure|error|skip): (\S+)", p.stdout, re.M):
            name = m.group(2)
            full = suite if name == suite.split(".", 1)[-1] else f"{suite}.{name}"
            print(f"{m.group(1)}: {full}")
        sys.stdout.flush()
finally:
    s.stop()
    s.cleanup()
