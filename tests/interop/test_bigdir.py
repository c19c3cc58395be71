"""A directory of 100,000 files listed completely with smbclient: the files
are made straight on disk in the share's directory; every name must come
back exactly once in `smbclient -c 'cd big; ls'`.  run(srv) takes a started
DaxServer or SambaServer and returns the time the listing took (information
only, never asserted)."""
import os
import re
import shutil
import sys
import time

from daxtest import smbclient

COUNT = 100_000
DIR = "big"
# smbclient's ls line: two spaces, the name, attributes, size, date
# ("  f-000123.dat      A        0  Mon Jan  1 00:00:00 2024").
LINE = re.compile(r"^  (.+?)\s+([A-Z]*)\s+(\d+)\s+\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$")


class ListingFailed(Exception):
    pass


def _share_dir(srv):
    return srv.dirs["share"] if hasattr(srv, "dirs") else srv.share_dir


def names():
    return [f"f-{i:06d}.dat" for i in range(COUNT)]


def make(share_dir):
    """Creates share_dir/big with COUNT empty files, directly on disk."""
    d = os.path.join(share_dir, DIR)
    os.mkdir(d)
    os.chmod(d, 0o777)
    dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for n in names():
            os.close(os.open(n, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666, dir_fd=dfd))
    finally:
        os.close(dfd)
    return d


def parse_ls(out):
    """The names smbclient's ls printed (without . and ..), in order."""
    got = []
    for line in out.splitlines():
        m = LINE.match(line)
        if m and m.group(1) not in (".", ".."):
            got.append(m.group(1))
    return got


def run(srv, user="alice"):
    d = make(_share_dir(srv))
    try:
        t0 = time.monotonic()
        p = smbclient(srv.port, "share", user, srv.users[user], f"cd {DIR}; ls",
                      proto="SMB3_11", timeout=600)
        dt = time.monotonic() - t0
        out = p.stdout + p.stderr
        if p.returncode != 0 or "NT_STATUS_" in out:
            raise ListingFailed(f"smbclient failed (rc {p.returncode}):\n{out[-2000:]}")
        got = parse_ls(p.stdout)
        want = set(names())
        dups = len(got) - len(set(got))
        if dups:
            raise ListingFailed(f"{dups} names listed more than once")
        if len(got) != COUNT or set(got) != want:
            missing = sorted(want - set(got))
            extra = sorted(set(got) - want)
            raise ListingFailed(f"listed {len(got)} of {COUNT} names; missing {missing[:5]} "
                                f"({len(missing)}), unexpected {extra[:5]} ({len(extra)})")
        return dt
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    # test_bigdir.py BUILD_DIR: against daxsmbd from BUILD_DIR and Samba.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from daxtest import DaxServer, SambaServer  # noqa: E402
    failed = 0
    for name, mk in (("daxsmbd", lambda: DaxServer(sys.argv[1] if len(sys.argv) > 1 else "build")),
                     ("samba", SambaServer)):
        s = mk().start()
        try:
            print(f"PASS list_100k_files_{name}: {run(s):.2f} s")
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL list_100k_files_{name}: {e!r}")
        finally:
            for p in s.stop() or []:
                failed += 1
                print(f"FAIL {name}: {p}")
            s.cleanup()
    print(f"{2 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
