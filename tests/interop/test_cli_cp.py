"""`daxsmb cp`: a 200 MB file copied within a share by the command line's
server-side copy (resume key, then FSCTL_SRV_COPYCHUNK_WRITE), which must
come out byte-identical on disk.  run(srv, daxsmb) takes a started
DaxServer or SambaServer and the daxsmb binary; it returns the seconds the
copy took (information only, never asserted)."""
import os
import sys
import time

from daxtest import run as run_cmd
import test_copy

SIZE = test_copy.SIZE                    # 200 MB and a bit: not a multiple of a chunk


class CopyFailed(Exception):
    pass


def run(srv, daxsmb, user="alice"):
    d = test_copy._share_dir(srv)
    src = os.path.join(d, "cp-src.bin")
    os.mkdir(os.path.join(d, "cp-into"))
    os.chmod(os.path.join(d, "cp-into"), 0o777)
    dst = os.path.join(d, "cp-into", "cp-src.bin")
    test_copy._make_source(src)
    os.chmod(src, 0o666)
    url = f"//127.0.0.1:{srv.port}/share"
    try:
        t0 = time.monotonic()
        # Into a directory given as a full URL: the file keeps its name.
        p = run_cmd([daxsmb, "cp", f"{url}/cp-src.bin", f"{url}/cp-into",
                     "-U", f"{user}%{srv.users[user]}"], timeout=300)
        dt = time.monotonic() - t0
        if p.returncode != 0:
            raise CopyFailed(f"daxsmb cp failed ({p.returncode}): {p.stdout}{p.stderr}")
        if not os.path.exists(dst):
            raise CopyFailed(f"no {dst} after the copy: {os.listdir(d)}")
        if os.path.getsize(dst) != SIZE:
            raise CopyFailed(f"copy has {os.path.getsize(dst)} bytes, not {SIZE}")
        if test_copy._sha(src) != test_copy._sha(dst):
            raise CopyFailed("the copy differs from the source")
        # Copying onto an existing file replaces it; a missing source fails
        # with its status and leaves nothing behind.
        p = run_cmd([daxsmb, "cp", f"{url}/cp-into/cp-src.bin", "cp-into/again.bin",
                     "-U", f"{user}%{srv.users[user]}"], timeout=300)
        if p.returncode != 0 or os.path.getsize(os.path.join(d, "cp-into", "again.bin")) != SIZE:
            raise CopyFailed(f"second copy failed ({p.returncode}): {p.stderr}")
        p = run_cmd([daxsmb, "cp", f"{url}/no-such-file", "cp-into/x.bin",
                     "-U", f"{user}%{srv.users[user]}"])
        if p.returncode != 1 or "STATUS_OBJECT_NAME_NOT_FOUND" not in p.stderr:
            raise CopyFailed(f"missing source: rc {p.returncode}, {p.stderr!r}")
        if os.path.exists(os.path.join(d, "cp-into", "x.bin")):
            raise CopyFailed("a failed copy left its target behind")
        return dt
    finally:
        for p in (src, dst, os.path.join(d, "cp-into", "again.bin")):
            try:
                os.unlink(p)
            except OSError:
                pass
        try:
            os.rmdir(os.path.join(d, "cp-into"))
        except OSError:
            pass


if __name__ == "__main__":
    # test_cli_cp.py BUILD_DIR: against daxsmbd from BUILD_DIR and Samba.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from daxtest import DaxServer, SambaServer  # noqa: E402
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    daxsmb = os.path.join(build, "src", "client", "daxsmb")
    failed = 0
    for name, mk in (("daxsmbd", lambda: DaxServer(build)), ("samba", SambaServer)):
        s = mk().start()
        try:
            print(f"PASS daxsmb_cp_200MB_{name}: {run(s, daxsmb):.2f} s")
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL daxsmb_cp_200MB_{name}: {e!r}")
        finally:
            for p in s.stop() or []:
                failed += 1
                print(f"FAIL {name}: {p}")
            s.cleanup()
    print(f"{2 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
