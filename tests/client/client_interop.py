#!/usr/bin/python3
"""libdaxsmb through the daxsmb command line, against a real daxsmbd and a
private Samba smbd, both started here (tests/interop/daxtest.py helpers).

usage: client_interop.py BUILD_DIR
Prints one line per check and "N passed, N failed"; exits 1 on any failure.
Nothing is skipped: a missing smbd is a failure."""
import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("daxtest", os.path.join(HERE, "..", "interop", "daxtest.py"))
daxtest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(daxtest)

BENCH_KEYS = ["write4k_wt_qd1", "write4k_qd1", "write4k_qd32", "read4k_qd1", "read4k_qd32",
              "seqread1m", "seqwrite1m", "create_close", "stat", "echo"]
STAT_KEYS = ["ops", "iops", "mean_us", "p50_us", "p99_us", "mbps"]

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}\n     {detail.strip()[:3000]}", flush=True)
    return ok


class Client:
    def __init__(self, build, port, auth):
        self.exe = os.path.join(build, "src", "client", "daxsmb")
        self.port = port
        self.auth = auth  # list of args: ["-U", "alice%Secret-1"] or ["-N"]

    def url(self, share, path=""):
        return f"//127.0.0.1:{self.port}/{share}" + (f"/{path}" if path else "")

    def run(self, *args, auth=None, timeout=300, input=None):
        cmd = [self.exe] + list(args) + (self.auth if auth is None else auth)
        p = daxtest.run(cmd, timeout=timeout, input=input)
        for m in daxtest.SANITIZER_MARKS:
            if m in p.stderr:
                check(f"no sanitizer report from: {' '.join(cmd)}", False, p.stderr)
                break
        return p


def exercise(label, cl, share, work, guest_share=None):
    """The same checks against one server."""
    src = os.path.join(work, f"{label}-5m.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(5 * 1000 * 1000 + 123))
    back = os.path.join(work, f"{label}-5m.back")

    for dialect in ("SMB2_02", "SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"):
        p = cl.run("ls", cl.url(share), "-m", dialect)
        check(f"{label}: ls with max protocol {dialect}", p.returncode == 0, p.stderr)
    p = cl.run("ls", cl.url(share), "--sign")
    check(f"{label}: ls with signing required", p.returncode == 0, p.stderr)

    p = cl.run("put", src, cl.url(share, "dir5m.bin"))
    check(f"{label}: put 5 MB", p.returncode == 0 and p.stderr == "", p.stderr)
    p = cl.run("get", cl.url(share, "dir5m.bin"), back)
    check(f"{label}: get 5 MB byte-identical",
          p.returncode == 0 and os.path.exists(back) and filecmp.cmp(src, back, shallow=False), p.stderr)
    p = cl.run("put", src, cl.url(share, "signed5m.bin"), "--sign")
    os.unlink(back)
    q = cl.run("get", cl.url(share, "signed5m.bin"), back, "--sign", "-m", "SMB3_00")
    check(f"{label}: put (3.1.1) / get (3.0) signed, byte-identical",
          p.returncode == 0 and q.returncode == 0 and filecmp.cmp(src, back, shallow=False),
          p.stderr + q.stderr)
    p = cl.run("ls", cl.url(share))
    line = [l for l in p.stdout.splitlines() if l.endswith(" dir5m.bin")]
    check(f"{label}: ls shows the file with its size",
          p.returncode == 0 and len(line) == 1 and f" {os.path.getsize(src)} " in line[0], p.stdout + p.stderr)
    p = cl.run("ls", cl.url(share, "dir5m.bin"))
    check(f"{label}: ls of one file", p.returncode == 0 and "dir5m.bin" in p.stdout, p.stdout + p.stderr)

    p = cl.run("mkdir", cl.url(share, "newdir"))
    check(f"{label}: mkdir", p.returncode == 0, p.stderr)
    p = cl.run("mkdir", cl.url(share, "newdir"))
    check(f"{label}: mkdir of an existing name fails with STATUS_OBJECT_NAME_COLLISION",
          p.returncode != 0 and "STATUS_OBJECT_NAME_COLLISION" in p.stderr, p.stderr)
    p = cl.run("put", src, cl.url(share, "newdir/inner.bin"))
    q = cl.run("ls", cl.url(share, "newdir"))
    check(f"{label}: put into a subdirectory and list it",
          p.returncode == 0 and q.returncode == 0 and "inner.bin" in q.stdout, p.stderr + q.stderr)
    p = cl.run("mv", cl.url(share, "newdir/inner.bin"), "newdir/renamed.bin")
    q = cl.run("ls", cl.url(share, "newdir"))
    check(f"{label}: mv", p.returncode == 0 and "renamed.bin" in q.stdout and "inner.bin" not in q.stdout,
          p.stderr + q.stdout)
    p = cl.run("cp", cl.url(share, "newdir/renamed.bin"), "copied.bin", "--sign")
    os.unlink(back)
    q = cl.run("get", cl.url(share, "copied.bin"), back)
    check(f"{label}: cp (server-side copy, signed) makes a byte-identical copy",
          p.returncode == 0 and q.returncode == 0 and filecmp.cmp(src, back, shallow=False),
          p.stderr + q.stderr)
    p = cl.run("cp", cl.url(share, "copied.bin"), cl.url(share, "newdir"), "-m", "SMB3_00")
    q = cl.run("ls", cl.url(share, "newdir"))
    check(f"{label}: cp into a directory keeps the name",
          p.returncode == 0 and "copied.bin" in q.stdout, p.stderr + q.stdout)
    p = cl.run("cp", cl.url(share, "copied.bin"), "//127.0.0.1:1/other/x.bin")
    check(f"{label}: cp to another server or share is refused",
          p.returncode == 2 and "within one share" in p.stderr, p.stderr)
    p = cl.run("cp", cl.url(share, "newdir"), "x.bin")
    check(f"{label}: cp of a directory fails with STATUS_FILE_IS_A_DIRECTORY",
          p.returncode == 1 and "STATUS_FILE_IS_A_DIRECTORY" in p.stderr, p.stderr)
    p = cl.run("rm", cl.url(share, "copied.bin"))
    q = cl.run("rm", cl.url(share, "newdir/copied.bin"))
    check(f"{label}: rm the copies", p.returncode == 0 and q.returncode == 0, p.stderr + q.stderr)
    p = cl.run("rmdir", cl.url(share, "newdir"))
    check(f"{label}: rmdir of a non-empty directory fails with STATUS_DIRECTORY_NOT_EMPTY",
          p.returncode != 0 and "STATUS_DIRECTORY_NOT_EMPTY" in p.stderr, p.stderr)
    p = cl.run("rm", cl.url(share, "newdir/renamed.bin"))
    q = cl.run("rm", cl.url(share, "newdir"))
    r = cl.run("ls", cl.url(share))
    check(f"{label}: rm file, rm directory",
          p.returncode == 0 and q.returncode == 0 and "newdir" not in r.stdout, p.stderr + q.stderr + r.stdout)
    p = cl.run("rm", cl.url(share, "dir5m.bin"))
    q = cl.run("rm", cl.url(share, "signed5m.bin"))
    r = cl.run("ls", cl.url(share, "dir5m.bin"))
    check(f"{label}: rm the 5 MB files; ls then says STATUS_OBJECT_NAME_NOT_FOUND",
          p.returncode == 0 and q.returncode == 0 and r.returncode != 0 and
          "STATUS_OBJECT_NAME_NOT_FOUND" in r.stderr, p.stderr + q.stderr + r.stderr)
    p = cl.run("get", cl.url(share, "missing.bin"), os.path.join(work, "x"))
    check(f"{label}: get of a missing file names STATUS_OBJECT_NAME_NOT_FOUND",
          p.returncode != 0 and "STATUS_OBJECT_NAME_NOT_FOUND" in p.stderr, p.stderr)

    p = cl.run("ls", cl.url(share), auth=["-U", "alice%wrong-password"])
    check(f"{label}: wrong password fails with STATUS_LOGON_FAILURE",
          p.returncode != 0 and "STATUS_LOGON_FAILURE" in p.stderr, p.stderr)
    if guest_share:
        p = cl.run("put", src, cl.url(guest_share, "g.bin"), auth=["-N"])
        q = cl.run("ls", cl.url(guest_share), auth=["-N"])
        check(f"{label}: guest (-N) put and ls", p.returncode == 0 and q.returncode == 0 and "g.bin" in q.stdout,
              p.stderr + q.stderr)
        cl.run("rm", cl.url(guest_share, "g.bin"), auth=["-N"])

    p = cl.run("bench", cl.url(share), "--seconds", "1", "--file-size", "16M", "--json", timeout=300)
    ok = p.returncode == 0
    detail = p.stderr + p.stdout[:2000]
    try:
        j = json.loads(p.stdout)
        ok = ok and isinstance(j, dict) and j.get("dialect") == "3.1.1" and \
            isinstance(j.get("signing"), bool) and j.get("target", "").endswith(f":{cl.port}/{share}") and \
            set(j["results"]) == set(BENCH_KEYS) and \
            all(set(j["results"][k]) == set(STAT_KEYS) for k in BENCH_KEYS) and \
            all(j["results"][k]["ops"] > 0 for k in BENCH_KEYS) and \
            all(j["results"][k]["mbps"] > 0 for k in BENCH_KEYS[:7])
    except (ValueError, KeyError, TypeError) as e:
        ok = False
        detail += f"\n{e}"
    check(f"{label}: bench --seconds 1 --json gives one JSON object with every key", ok, detail)
    p = cl.run("ls", cl.url(share))
    check(f"{label}: bench removed its files", p.returncode == 0 and "daxsmb-bench" not in p.stdout, p.stdout)

    p = cl.run("bench", cl.url(share), "--idle", "8", "--hold", "0.5", timeout=120)
    check(f"{label}: bench --idle 8 prints READY", p.returncode == 0 and p.stdout.strip() == "READY", p.stderr)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    build = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="daxsmb-client-it-")
    dax = samba = None
    problems = []
    try:
        dax = daxtest.DaxServer(build).start()
        exercise("daxsmbd", Client(build, dax.port, ["-U", "alice%Secret-1"]), "share", work,
                 guest_share="guest")
        if not check("smbd is installed", shutil.which("smbd") is not None, "Samba's smbd is not in PATH"):
            return 1
        samba = daxtest.SambaServer().start()
        exercise("samba", Client(build, samba.port, ["-U", "alice%Secret-1"]), "share", work,
                 guest_share="share")
    except Exception as e:  # a server that does not start is a failure
        check("servers start", False, repr(e))
    finally:
        if dax:
            problems = dax.stop()
            check("daxsmbd ran clean (no crash, no sanitizer report)", not problems, "\n".join(problems))
            dax.cleanup()
        if samba:
            samba.stop()
            samba.cleanup()
        shutil.rmtree(work, ignore_errors=True)
        print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
