#!/usr/bin/python3
"""Interop tests of daxsmbd with Samba's smbclient and smbtorture and with
impacket.  Prints PASS/FAIL per test and "N passed, N failed"."""
import argparse
import hashlib
import os
import re
import stat
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daxtest import DaxServer, client_conf, free_port, run, smbclient, wait_port  # noqa: E402
import test_copy  # noqa: E402
import test_bigdir  # noqa: E402
import test_cli_cp  # noqa: E402
import test_wtime_views  # noqa: E402
import test_hardlink  # noqa: E402
import test_notify_order  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def ok_output(p):
    out = p.stdout + p.stderr
    return p.returncode == 0 and "NT_STATUS_" not in out


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- smbclient round trips at each dialect, signed ----

def round_trip(srv, proto, share="share", user="alice", extra=("--client-protection=sign",)):
    work = tempfile.mkdtemp(dir=srv.tmp)
    src = os.path.join(work, "big.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024 + 123))
    pw = srv.users.get(user) if user else None
    cmds = ("mkdir d; cd d; put big.bin b1.bin; rename b1.bin b2.bin; get b2.bin back.bin; "
            "ls; del b2.bin; cd ..; rmdir d")
    p = smbclient(srv.port, share, user, pw, cmds, proto=proto, extra=extra, cwd=work)
    out = p.stdout + p.stderr
    check(ok_output(p), f"smbclient failed (rc {p.returncode}):\n{out[-3000:]}")
    check("b2.bin" in p.stdout, f"ls did not list the renamed file:\n{out[-2000:]}")
    check(sha(src) == sha(os.path.join(work, "back.bin")), "downloaded file differs")
    check(not os.path.exists(os.path.join(srv.dirs[share], "d")), "directory not removed on disk")


for _proto in ("SMB2_02", "SMB2_10", "SMB3_00", "SMB3_02", "SMB3_11"):
    def _t(srv, proto=_proto):
        round_trip(srv, proto)
    _t.__name__ = f"smbclient_{_proto}_signed_roundtrip"
    test(_t)


for _cipher in ("AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"):
    def _t(srv, cipher=_cipher):
        round_trip(srv, "SMB3_11", extra=("--client-protection=encrypt",
                                          f"--option=client smb3 encryption algorithms={cipher}"))
    _t.__name__ = f"smbclient_SMB3_11_encrypted_{_cipher.replace('-', '_')}"
    test(_t)


@test
def smbclient_SMB3_00_encrypted(srv):
    round_trip(srv, "SMB3_00", extra=("--client-protection=encrypt",))


for _alg in ("HMAC-SHA256", "AES-128-CMAC", "AES-128-GMAC"):
    def _t(srv, alg=_alg):
        round_trip(srv, "SMB3_11", extra=("--client-protection=sign",
                                          f"--option=client smb3 signing algorithms={alg}"))
    _t.__name__ = f"smbclient_SMB3_11_signed_{_alg.replace('-', '_')}"
    test(_t)


@test
def encryption_required_share(srv):
    """`smb encrypt = required` on a share: an encrypting client works, a
    client that cannot encrypt is refused with STATUS_ACCESS_DENIED.
    smbclient 4.17 announces encryption even with --client-protection=off
    and then encrypts when the share asks (Samba 4.17 lets it in the same
    way, checked by hand), so the refusal is shown with SMB 2.x clients,
    which have no encryption, and with --client-protection=off at 2.1."""
    round_trip(srv, "SMB3_11", share="secret", extra=("--client-protection=encrypt",))
    for proto in ("SMB2_02", "SMB2_10"):
        p = smbclient(srv.port, "secret", "alice", "Secret-1", "ls", proto=proto,
                      extra=("--client-protection=off",))
        check("NT_STATUS_ACCESS_DENIED" in p.stdout + p.stderr,
              f"{proto} client (no encryption) let into an encryption-required share:\n"
              f"{p.stdout}{p.stderr}")


for _proto in ("SMB2_02", "SMB3_11"):
    def _t(srv, proto=_proto):
        """A pmem share: READ replies go out straight from the mapping
        (zero-copy splice), signed over header and mapped bytes."""
        round_trip(srv, proto, share="pmem")
    _t.__name__ = f"smbclient_{_proto}_pmem_share_signed"
    test(_t)


@test
def pmem_share_encrypted(srv):
    round_trip(srv, "SMB3_11", share="pmem", extra=("--client-protection=encrypt",))


@test
def smbclient_list_shares(srv):
    p = run(["smbclient", "-s", client_conf(), "-L", "127.0.0.1", "-p", str(srv.port),
             "-U", "alice%Secret-1"])
    out = p.stdout + p.stderr
    check(p.returncode == 0, f"smbclient -L failed:\n{out}")
    for name in ("share", "guest", "ro", "secret", "pmem", "IPC$"):
        check(re.search(rf"^\s+{re.escape(name)}\s+(Disk|IPC)", p.stdout, re.M),
              f"share {name} not listed:\n{out}")
    check("user share" in p.stdout, f"comment missing:\n{out}")


@test
def smbclient_list_shares_anonymous(srv):
    p = run(["smbclient", "-s", client_conf(), "-L", "127.0.0.1", "-p", str(srv.port), "-N"])
    check(p.returncode == 0 and re.search(r"^\s+guest\s+Disk", p.stdout, re.M),
          f"anonymous listing failed:\n{p.stdout}{p.stderr}")


@test
def smbclient_guest_share(srv):
    round_trip(srv, "SMB3_11", share="guest", user=None, extra=())


@test
def guest_refused_on_user_share(srv):
    p = smbclient(srv.port, "share", None, None, "ls", proto="SMB3_11")
    check(p.returncode != 0 and "NT_STATUS_ACCESS_DENIED" in p.stdout + p.stderr,
          f"guest was let into a non-guest share:\n{p.stdout}{p.stderr}")


@test
def wrong_password_refused(srv):
    p = smbclient(srv.port, "share", "alice", "wrong", "ls", proto="SMB3_11")
    check(p.returncode != 0 and "NT_STATUS_LOGON_FAILURE" in p.stdout + p.stderr,
          f"wrong password not refused:\n{p.stdout}{p.stderr}")


@test
def smb1_refused(srv):
    p = smbclient(srv.port, "share", "alice", "Secret-1", "ls", proto="NT1",
                  extra=("--option=client min protocol=NT1",))
    out = p.stdout + p.stderr
    check(p.returncode != 0, f"SMB1 session was accepted:\n{out}")
    check(srv.alive(), "server died on SMB1")


@test
def smb1_negotiate_upgrades_to_smb2(srv):
    """A multi-protocol SMB1 NEGOTIATE listing "SMB 2.???" gets the SMB2
    reply (dialect 0x02FF) and the client goes on in SMB2 (3.3.5.3.1)."""
    import socket
    import struct
    dialects = b"".join(b"\x02" + d + b"\x00" for d in (b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???"))
    hdr = b"\xffSMB" + bytes([0x72]) + b"\x00" * 4 + bytes([0x18]) + struct.pack("<H", 0xC853)
    hdr += b"\x00" * 12 + struct.pack("<HHHH", 0xFFFF, 1234, 0, 0)
    msg = hdr + b"\x00" + struct.pack("<H", len(dialects)) + dialects
    with socket.create_connection(("127.0.0.1", srv.port), 5) as s:
        s.sendall(struct.pack(">I", len(msg)) + msg)
        n = struct.unpack(">I", s.recv(4))[0]
        rsp = b""
        while len(rsp) < n:
            rsp += s.recv(n - len(rsp))
    check(rsp[:4] == b"\xfeSMB", "the reply is not SMB2")
    check(struct.unpack_from("<H", rsp, 12)[0] == 0, "not a NEGOTIATE reply")
    check(struct.unpack_from("<H", rsp, 64 + 4)[0] == 0x02FF, "dialect is not 0x02FF")
    # And a real client taking that path end to end.
    p = smbclient(srv.port, "share", "alice", "Secret-1", "ls", proto="SMB3_11",
                  extra=("--option=client min protocol=NT1",))
    check(ok_output(p), f"upgrade from SMB1 failed:\n{(p.stdout + p.stderr)[-3000:]}")


@test
def read_only_share_refuses_writes(srv):
    work = tempfile.mkdtemp(dir=srv.tmp)
    with open(os.path.join(work, "x.txt"), "w") as f:
        f.write("x")
    before = sorted(os.listdir(srv.dirs["ro"]))
    for cmd in ("put x.txt new.txt", "del readme.txt", "rename readme.txt other.txt", "mkdir nd"):
        p = smbclient(srv.port, "ro", "alice", "Secret-1", cmd, proto="SMB3_11", cwd=work)
        check("NT_STATUS_ACCESS_DENIED" in p.stdout + p.stderr or
              "NT_STATUS_MEDIA_WRITE_PROTECTED" in p.stdout + p.stderr,
              f"'{cmd}' was not refused on a read-only share:\n{p.stdout}{p.stderr}")
    check(sorted(os.listdir(srv.dirs["ro"])) == before, "read-only share changed on disk")
    p = smbclient(srv.port, "ro", "alice", "Secret-1", "get readme.txt got.txt", proto="SMB3_11",
                  cwd=work)
    check(ok_output(p) and open(os.path.join(work, "got.txt")).read() == "read only\n",
          f"reading from a read-only share failed:\n{p.stdout}{p.stderr}")


@test
def unknown_share_refused(srv):
    p = smbclient(srv.port, "nosuch", "alice", "Secret-1", "ls", proto="SMB3_11")
    check("NT_STATUS_BAD_NETWORK_NAME" in p.stdout + p.stderr, f"{p.stdout}{p.stderr}")


@test
def files_appear_on_disk(srv):
    work = tempfile.mkdtemp(dir=srv.tmp)
    with open(os.path.join(work, "a.txt"), "wb") as f:
        f.write(b"hello daxsmb\n")
    p = smbclient(srv.port, "share", "bob", "Secret-2", "mkdir sub; put a.txt sub\\a.txt",
                  proto="SMB3_11", cwd=work)
    check(ok_output(p), f"{p.stdout}{p.stderr}")
    with open(os.path.join(srv.dirs["share"], "sub", "a.txt"), "rb") as f:
        check(f.read() == b"hello daxsmb\n", "content on disk differs")
    # Case-insensitive lookup, as Windows clients expect.
    p = smbclient(srv.port, "share", "bob", "Secret-2", "get SUB\\A.TXT b.txt", proto="SMB3_11",
                  cwd=work)
    check(ok_output(p), f"case-insensitive open failed: {p.stdout}{p.stderr}")


@test
def files_belong_to_their_users(srv):
    """Run as root, each user's files are created with the user's Unix
    account, and the kernel's permission checks apply between users."""
    import pwd
    if os.geteuid() != 0:
        raise Failed("this test needs root (daxsmbd switches identities only as root)")
    work = tempfile.mkdtemp(dir=srv.tmp)
    with open(os.path.join(work, "secret.txt"), "w") as f:
        f.write("alice's secret\n")
    for user, pw in (("alice", "Secret-1"), ("bob", "Secret-2")):
        p = smbclient(srv.port, "share", user, pw, f"put secret.txt {user}.txt; mkdir {user}-dir",
                      proto="SMB3_11", cwd=work)
        check(ok_output(p), f"{user}: {p.stdout}{p.stderr}")
    for user in ("alice", "bob"):
        uid = pwd.getpwnam(user).pw_uid
        for name in (f"{user}.txt", f"{user}-dir"):
            st = os.stat(os.path.join(srv.dirs["share"], name))
            check(st.st_uid == uid, f"{name} is owned by uid {st.st_uid}, not {user} ({uid})")
    os.chmod(os.path.join(srv.dirs["share"], "alice.txt"), 0o600)
    p = smbclient(srv.port, "share", "bob", "Secret-2", "get alice.txt stolen.txt", proto="SMB3_11",
                  cwd=work)
    check("NT_STATUS_ACCESS_DENIED" in p.stdout + p.stderr, f"bob read alice's 0600 file: {p.stdout}")
    check(not os.path.exists(os.path.join(work, "stolen.txt")) or
          os.path.getsize(os.path.join(work, "stolen.txt")) == 0, "data leaked")
    p = smbclient(srv.port, "share", "alice", "Secret-1", "get alice.txt mine.txt", proto="SMB3_11",
                  cwd=work)
    check(ok_output(p), f"alice cannot read her own file: {p.stdout}{p.stderr}")


@test
def symlink_escapes_refused(srv):
    """Links in the share pointing outside it (to a directory and to a
    file) cannot be followed to read or write; links that stay inside work;
    a link planted while clients walk the path never lets one out."""
    import shutil
    import threading
    outside = tempfile.mkdtemp(prefix="daxsmb-outside-")
    try:
        os.chmod(outside, 0o777)
        with open(os.path.join(outside, "secret.txt"), "w") as f:
            f.write("OUTSIDE\n")
        os.chmod(os.path.join(outside, "secret.txt"), 0o666)
        share = srv.dirs["share"]
        os.makedirs(os.path.join(share, "inside"), exist_ok=True)
        with open(os.path.join(share, "inside", "secret.txt"), "w") as f:
            f.write("INSIDE\n")
        os.chmod(os.path.join(share, "inside"), 0o777)
        os.chmod(os.path.join(share, "inside", "secret.txt"), 0o666)
        os.symlink(outside, os.path.join(share, "outdir"))
        os.symlink(os.path.join(outside, "secret.txt"), os.path.join(share, "outfile"))
        os.symlink("inside", os.path.join(share, "inlink"))
        work = tempfile.mkdtemp(dir=srv.tmp)
        with open(os.path.join(work, "new.txt"), "w") as f:
            f.write("new")
        for cmd in ("get outdir\\secret.txt got1", "get outfile got2", "put new.txt outdir\\new.txt",
                    "mkdir outdir\\sub", "del outfile"):
            p = smbclient(srv.port, "share", "alice", "Secret-1", cmd, proto="SMB3_11", cwd=work)
            check("NT_STATUS_" in p.stdout + p.stderr, f"'{cmd}' was not refused:\n{p.stdout}{p.stderr}")
        for name in ("got1", "got2"):
            got = os.path.join(work, name)
            check(not os.path.exists(got) or b"OUTSIDE" not in open(got, "rb").read(),
                  "data from outside the share was read")
        check(sorted(os.listdir(outside)) == ["secret.txt"], "something was written outside")
        check(os.path.islink(os.path.join(share, "outfile")), "the link was followed and removed")
        p = smbclient(srv.port, "share", "alice", "Secret-1", "get inlink\\secret.txt got3",
                      proto="SMB3_11", cwd=work)
        check(ok_output(p) and open(os.path.join(work, "got3")).read() == "INSIDE\n",
              f"a link inside the share does not work: {p.stdout}{p.stderr}")
        # A directory swapped with a link to the outside while clients walk.
        race = os.path.join(share, "race")
        stop = threading.Event()

        def swapper():
            # race is, in turn, a real directory inside the share and a
            # link to the outside directory.
            tmp = os.path.join(share, "race.tmp")
            while not stop.is_set():
                try:
                    os.makedirs(race, exist_ok=True)
                    os.chmod(race, 0o777)
                    with open(os.path.join(race, "secret.txt"), "w") as f:
                        f.write("INSIDE\n")
                    os.symlink(outside, tmp)
                    shutil.rmtree(race)
                    os.rename(tmp, race)
                    os.unlink(race)
                except OSError:
                    pass
        t = threading.Thread(target=swapper)
        t.start()
        try:
            leaked = 0
            for i in range(40):
                p = smbclient(srv.port, "share", "alice", "Secret-1", f"get race\\secret.txt r{i}",
                              proto="SMB3_11", cwd=work)
                got = os.path.join(work, f"r{i}")
                if os.path.exists(got) and b"OUTSIDE" in open(got, "rb").read():
                    leaked += 1
        finally:
            stop.set()
            t.join()
        check(leaked == 0, f"{leaked} reads came from outside the share during the swap race")
    finally:
        shutil.rmtree(outside, ignore_errors=True)


@test
def root_keeps_only_identity_capabilities(srv):
    """Started as root, daxsmbd keeps CAP_SETUID and CAP_SETGID only."""
    if os.geteuid() != 0:
        raise Failed("needs root")
    status = open(f"/proc/{srv.proc.pid}/status").read()
    caps = {l.split(":")[0]: int(l.split()[1], 16) for l in status.splitlines()
            if l.startswith(("CapEff", "CapPrm", "CapBnd"))}
    want = (1 << 6) | (1 << 7)
    check(caps["CapEff"] == want and caps["CapPrm"] == want and caps["CapBnd"] == want,
          f"capabilities left: {caps}")


# ---- impacket ----

def impacket_fix_preauth():
    """impacket 0.10.0 (Debian 12) starts an NTLM session's preauth hash at
    zero instead of at Connection.PreauthIntegrityHashValue (MS-SMB2
    3.2.5.3.1), so its 3.1.1 signing key is wrong against any server (Samba
    4.17 refuses it the same way).  Start the session hash where the spec
    says, once, before login; nothing else of impacket is changed."""
    from impacket import smb3
    if getattr(smb3.SMB3, "_daxsmb_fixed", False):
        return
    orig = smb3.SMB3.login

    def login(self, *a, **kw):
        if self._Connection["Dialect"] == smb3.SMB2_DIALECT_311:
            self._Session["PreauthIntegrityHashValue"] = self._Connection["PreauthIntegrityHashValue"]
        return orig(self, *a, **kw)
    smb3.SMB3.login = login
    smb3.SMB3._daxsmb_fixed = True


def impacket_roundtrip(srv, dialect):
    from impacket.smbconnection import SMBConnection
    impacket_fix_preauth()
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=srv.port, preferredDialect=dialect)
    c.login("alice", "Secret-1")
    names = [s["shi1_netname"][:-1] for s in c.listShares()]
    check("share" in names and "guest" in names, f"listShares: {names}")
    data = os.urandom(300000)
    c.putFile("share", "imp.bin", _reader(data))
    got = bytearray()
    c.getFile("share", "imp.bin", got.extend)
    check(bytes(got) == data, "impacket getFile returned different data")
    c.deleteFile("share", "imp.bin")
    check(not os.path.exists(os.path.join(srv.dirs["share"], "imp.bin")), "file not deleted")
    c.logoff()


def _reader(data):
    pos = [0]

    def read(n):
        chunk = data[pos[0]:pos[0] + n]
        pos[0] += len(chunk)
        return chunk
    return read


@test
def impacket_smb21(srv):
    from impacket.smb3structs import SMB2_DIALECT_21
    impacket_roundtrip(srv, SMB2_DIALECT_21)


@test
def impacket_smb30(srv):
    from impacket.smb3structs import SMB2_DIALECT_30
    impacket_roundtrip(srv, SMB2_DIALECT_30)


@test
def impacket_smb311(srv):
    from impacket.smb3structs import SMB2_DIALECT_311
    impacket_roundtrip(srv, SMB2_DIALECT_311)


@test
def read_only_handle_cannot_modify(srv):
    """A handle opened with read access only cannot write, truncate,
    rename, delete, or set attributes or EAs (STATUS_ACCESS_DENIED), and
    the file is untouched."""
    import struct
    from impacket.smbconnection import SMBConnection
    from impacket.smb3 import SessionError
    from impacket import smb3structs as s3
    path = os.path.join(srv.dirs["share"], "ro-handle.txt")
    with open(path, "w") as f:
        f.write("keep me\n")
    os.chmod(path, 0o666)
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=srv.port, preferredDialect=s3.SMB2_DIALECT_21)
    c.login("alice", "Secret-1")
    tid = c.connectTree("share")
    conn = c.getSMBServer()
    fid = conn.create(tid, "ro-handle.txt", s3.FILE_READ_DATA | s3.FILE_READ_ATTRIBUTES,
                      s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE | s3.FILE_SHARE_DELETE,
                      s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OPEN, 0)
    name = "renamed.txt".encode("utf-16-le")
    rename = struct.pack("<B7xQI", 1, 0, len(name)) + name
    ea = struct.pack("<IBBH", 0, 0, 3, 1) + b"KEY\x00" + b"v"
    attempts = {
        "write": lambda: conn.write(tid, fid, b"changed", 0, 7),
        "truncate": lambda: conn.setInfo(tid, fid, struct.pack("<Q", 0), s3.SMB2_0_INFO_FILE, 20),
        "allocation": lambda: conn.setInfo(tid, fid, struct.pack("<Q", 0), s3.SMB2_0_INFO_FILE, 19),
        "rename": lambda: conn.setInfo(tid, fid, rename, s3.SMB2_0_INFO_FILE, 10),
        "delete": lambda: conn.setInfo(tid, fid, b"\x01", s3.SMB2_0_INFO_FILE, 13),
        "attributes": lambda: conn.setInfo(tid, fid, struct.pack("<QQQQII", 0, 0, 0, 0, 2, 0),
                                           s3.SMB2_0_INFO_FILE, 4),
        "ea": lambda: conn.setInfo(tid, fid, ea, s3.SMB2_0_INFO_FILE, 15),
    }
    for what, fn in attempts.items():
        try:
            fn()
        except SessionError as e:
            check(e.get_error_code() == 0xC0000022, f"{what}: status {e.get_error_code():#x}, not ACCESS_DENIED")
            continue
        raise Failed(f"{what} through a read-only handle succeeded")
    conn.close(tid, fid)
    c.logoff()
    check(open(path).read() == "keep me\n", "the file changed")
    check(os.path.exists(path) and not os.path.exists(os.path.join(srv.dirs["share"], "renamed.txt")),
          "the file was renamed or deleted")


@test
def lease_break_two_clients(srv):
    """Issue 5: A holds an RWH lease and cached data; B's open waits for the
    break; A writes its cache, flushes and acknowledges; B reads A's data."""
    import lease_twoclient
    lease_twoclient.run(srv.port, "alice", "Secret-1")


@test
def durable_v2_reconnect(srv):
    """Issue 5: a durable v2 handle with a lease survives a cut TCP
    connection; the same user reconnects and goes on writing with it; a
    second user's reconnect to it is refused."""
    import durable_reconnect
    durable_reconnect.run(srv.port)


@test
def server_side_copy_200MB(srv):
    """Issue 6: a 200 MB file copied within a share with SRV_COPYCHUNK
    (resume key, 16 MiB requests of 1 MiB chunks), byte-identical."""
    test_copy.run(srv)


@test
def server_side_copy_200MB_samba(srv):
    """The same copy against Samba, side by side."""
    from daxtest import SambaServer
    s = SambaServer().start()
    try:
        test_copy.run(s)
    finally:
        s.stop()
        s.cleanup()


@test
def daxsmb_cp_200MB(srv):
    """Issue 6: `daxsmb cp` copies a 200 MB file within the share with
    server-side copy (resume key, COPYCHUNK_WRITE), byte-identical on disk;
    a second copy replaces, a missing source fails and leaves nothing."""
    return f"{test_cli_cp.run(srv, srv.daxsmb):.2f} s"


@test
def daxsmb_cp_200MB_samba(srv):
    """The same `daxsmb cp` against Samba, side by side."""
    from daxtest import SambaServer
    s = SambaServer().start()
    try:
        return f"{test_cli_cp.run(s, srv.daxsmb):.2f} s"
    finally:
        s.stop()
        s.cleanup()


@test
def list_100k_files(srv):
    """Issue 6: smbclient lists a directory of 100,000 files (made on
    disk) completely, every name exactly once."""
    return f"{test_bigdir.run(srv):.2f} s"


@test
def list_100k_files_samba(srv):
    """The same listing against Samba, side by side."""
    from daxtest import SambaServer
    s = SambaServer().start()
    try:
        return f"{test_bigdir.run(s):.2f} s"
    finally:
        s.stop()
        s.cleanup()


@test
def wtime_same_in_every_view(srv):
    """Issue 6: while a write time is held back (plain, and frozen by -1
    for LastWriteTime and ChangeTime), a second CREATE's reply, a directory
    listing and QUERY_INFO on the writing handle show the same times."""
    test_wtime_views.same_times_in_every_view(srv)


@test
def wtime_durable_reconnect_reply(srv):
    """Issue 6: a durable reconnect's CREATE reply shows the held-back
    write time that QUERY_INFO showed before the connection was cut."""
    test_wtime_views.durable_reconnect_times(srv)


@test
def overwrite_hidden_system_denied(srv):
    """Issue 6 (MS-FSA 2.1.5.1.2): SUPERSEDE / OVERWRITE / OVERWRITE_IF of a
    HIDDEN or SYSTEM file without that attribute is ACCESS_DENIED."""
    test_wtime_views.overwrite_hidden_denied(srv)


@test
def hardlink_impacket(srv):
    """Issue 6: SET_INFO FileLinkInformation: both names one file (contents,
    file id, NumberOfLinks 2), collisions, ReplaceIfExists, directories,
    streams, open targets, bad names and a read-only share refused."""
    test_hardlink.link_names_one_file(srv)


@test
def hardlink_notify_added(srv):
    """Issue 6: a new link is FILE_ACTION_ADDED to CHANGE_NOTIFY on its directory."""
    test_hardlink.link_notifies_added(srv)


@test
def hardlink_smbclient(srv):
    """Issue 6: smbclient's `hardlink` over SMB3."""
    test_hardlink.smbclient_hardlink(srv)


@test
def rename_full_pathname(srv):
    """A rename target leading with '\\' (a full pathname) is accepted."""
    test_hardlink.rename_leading_backslash(srv)


@test
def session_expiry_and_reauth(srv):
    """Issue 5: with `session expiry = 2` a session's requests get
    NETWORK_SESSION_EXPIRED once it has lived 2 s (MS-SMB2 3.3.5.2.9); a
    re-authentication on the same session id (3.3.5.5) revives it."""
    import time
    from impacket.smbconnection import SMBConnection, SessionError
    from impacket import smb3structs as s3
    d = DaxServer(srv.build, extra_global="session expiry = 2").start()
    try:
        c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=d.port,
                          preferredDialect=s3.SMB2_DIALECT_21)
        c.login("alice", "Secret-1")
        c.listPath("share", "*")
        time.sleep(3)
        try:
            c.listPath("share", "*")
            raise Failed("request on an expired session succeeded")
        except SessionError as e:
            check(e.getErrorCode() == 0xC000035C, f"expired session: {e.getErrorCode():#x}")
        sid = c.getSMBServer()._Session["SessionID"]
        c.getSMBServer().login("alice", "Secret-1")  # re-auth: same SessionId
        check(c.getSMBServer()._Session["SessionID"] == sid, "re-auth made a new session")
        c.listPath("share", "*")
        c.logoff()
        check(d.alive(), "server died")
    finally:
        problems = d.stop()
        d.cleanup()
    check(not problems, "\n".join(problems or []))


@test
def impacket_wrong_password(srv):
    from impacket.smbconnection import SMBConnection, SessionError
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=srv.port)
    try:
        c.login("alice", "nope")
    except SessionError as e:
        check(e.getErrorCode() == 0xC000006D, f"wrong status {e.getErrorCode():#x}")
        return
    raise Failed("login with a wrong password succeeded")


@test
def flush_goes_async(srv):
    """FLUSH runs on a worker: an interim STATUS_PENDING reply with an
    async id, then the final reply with the same message and async id."""
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs as s3
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=srv.port,
                      preferredDialect=s3.SMB2_DIALECT_21)
    c.login("alice", "Secret-1")
    tid = c.connectTree("share")
    fid = c.createFile(tid, "flush.bin")
    c.writeFile(tid, fid, b"x" * 65536)
    conn = c.getSMBServer()
    pkt = conn.SMB_PACKET()
    pkt["Command"] = s3.SMB2_FLUSH
    pkt["TreeID"] = tid
    fl = s3.SMB2Flush()
    fl["FileID"] = fid
    pkt["Data"] = fl
    mid = conn.sendSMB(pkt)
    first = s3.SMB2PacketAsync(conn._NetBIOSSession.recv_packet(10).get_trailer())
    check(first["Status"] == 0x103, f"first reply status {first['Status']:#x}, not PENDING")
    check(first["Flags"] & s3.SMB2_FLAGS_ASYNC_COMMAND, "interim reply is not async")
    check(first["MessageID"] == mid, "interim reply for another message")
    final = s3.SMB2PacketAsync(conn._NetBIOSSession.recv_packet(10).get_trailer())
    check(final["Status"] == 0, f"final FLUSH status {final['Status']:#x}")
    check(final["MessageID"] == mid and final["Flags"] & s3.SMB2_FLAGS_ASYNC_COMMAND,
          "final reply does not match the interim")
    check(final["AsyncID"] == first["AsyncID"] and first["AsyncID"] != 0, "async ids differ")
    c.closeFile(tid, fid)
    c.deleteFile("share", "flush.bin")
    c.logoff()


@test
def flush_async_signed_smb311(srv):
    """The same through smbclient-like signed 3.1.1: impacket's own flush
    waits through the interim reply and checks the signed final one."""
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs as s3
    impacket_fix_preauth()
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=srv.port,
                      preferredDialect=s3.SMB2_DIALECT_311)
    c.login("alice", "Secret-1")
    tid = c.connectTree("share")
    fid = c.createFile(tid, "flush311.bin")
    c.writeFile(tid, fid, b"y" * 4096)
    check(c.getSMBServer().flush(tid, fid) is True, "flush failed")
    c.closeFile(tid, fid)
    c.deleteFile("share", "flush311.bin")
    c.logoff()


@test
def notify_delete_pending(srv):
    """CHANGE_NOTIFY on a directory another connection deletes (DELETE_ON_CLOSE
    or disposition), the request sent before or after the delete: always
    STATUS_DELETE_PENDING, never a request left waiting (smb2.notify.rmdir3/4)."""
    test_notify_order.delete_pending_completes_notify(srv)


@test
def notify_basedir_attribute(srv):
    """smb2.notify.basedir in a fixed order: with the CHANGE_NOTIFY waiting,
    another connection hides the watched directory (not reported) and a file
    in it (reported alone, MODIFIED)."""
    test_notify_order.basedir_attribute_change(srv)


# ---- administration and configuration ----

@test
def user_admin(srv):
    pdb = os.path.join(srv.tmp, "admin-passdb")
    d = srv.daxsmb
    run([d, "user", "add", "carol", "--passdb", pdb], input="pw1\n", check=True)
    run([d, "user", "add", "dave", "--passdb", pdb], input="pw2\n", check=True)
    check(stat.S_IMODE(os.stat(pdb).st_mode) == 0o600, "passdb is not mode 0600")
    p = run([d, "user", "list", "--passdb", pdb], check=True)
    check(p.stdout.split() == ["carol", "dave"], f"list: {p.stdout!r}")
    run([d, "user", "del", "carol", "--passdb", pdb], check=True)
    p = run([d, "user", "list", "--passdb", pdb], check=True)
    check(p.stdout.split() == ["dave"], f"list after del: {p.stdout!r}")
    p = run([d, "user", "del", "nobody-here", "--passdb", pdb])
    check(p.returncode != 0, "deleting a missing user succeeded")


@test
def config_errors_are_clear(srv):
    conf = os.path.join(srv.tmp, "bad.conf")
    with open(conf, "w") as f:
        f.write("[global]\n smb ports = 1\n[x]\n path = /nonexistent/daxsmb\n")
    p = run([srv.daxsmbd, "--config", conf], timeout=10)
    check(p.returncode != 0 and "/nonexistent/daxsmb" in p.stderr, f"missing path: {p.stderr}")
    p = run([srv.daxsmbd, "--config", os.path.join(srv.tmp, "missing.conf")], timeout=10)
    check(p.returncode != 0 and "cannot read config" in p.stderr, f"missing config: {p.stderr}")


@test
def unknown_parameter_warned(srv):
    port = free_port()
    conf = os.path.join(srv.tmp, "warn.conf")
    with open(conf, "w") as f:
        f.write(f"[global]\n smb ports = {port}\n interfaces = 127.0.0.1\n frobnicate = 3\n"
                f"[s]\n path = {srv.dirs['guest']}\n guest ok = yes\n")
    log = open(os.path.join(srv.tmp, "warn.log"), "w")
    p = subprocess.Popen([srv.daxsmbd, "--config", conf], stderr=log, stdout=log)
    try:
        check(wait_port(port, p), "server with an unknown parameter did not start")
    finally:
        p.terminate()
        p.wait(10)
        log.close()
    check("frobnicate" in open(log.name).read(), "unknown parameter was not warned about")


@test
def builtin_default_config(srv):
    """No --config: a guest share on ./daxsmb-data at 127.0.0.1:4445."""
    cwd = tempfile.mkdtemp(dir=srv.tmp)
    log = open(os.path.join(cwd, "log"), "w")
    p = subprocess.Popen([os.path.abspath(srv.daxsmbd)], cwd=cwd, stderr=log, stdout=log)
    try:
        check(wait_port(4445, p), "default server did not listen on 4445: " +
              open(log.name).read())
        with open(os.path.join(cwd, "hello.txt"), "w") as f:
            f.write("hi")
        q = smbclient(4445, "share", None, None, "put hello.txt", proto="SMB3_11", cwd=cwd)
        check(ok_output(q), f"{q.stdout}{q.stderr}")
        check(os.path.exists(os.path.join(cwd, "daxsmb-data", "hello.txt")), "file not in data dir")
    finally:
        p.terminate()
        p.wait(10)
        log.close()


@test
def signing_mandatory(srv):
    s2 = DaxServer(srv.build, extra_global="  server signing = mandatory\n").start()
    try:
        round_trip(s2, "SMB3_11", extra=())
        round_trip(s2, "SMB2_10", extra=())
    finally:
        problems = s2.stop()
        s2.cleanup()
    check(not problems, "; ".join(problems))


# ---- smbtorture ----

def load_known_failures():
    known = {}
    path = os.path.join(HERE, "smbtorture-known-failures.txt")
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition("#")
                known[name.strip()] = why.strip()
    return known


def load_flaky():
    """Tests that race against themselves (reason in the file): one that
    fails is run once more, alone, and must pass then."""
    flaky = {}
    path = os.path.join(HERE, "smbtorture-flaky.txt")
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition("#")
                flaky[name.strip()] = why.strip()
    return flaky


def load_suites():
    with open(os.path.join(HERE, "smbtorture-suites.txt")) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


TORTURE_SUITES = load_suites()


def torture_args(srv, name):
    return ["smbtorture", "-s", client_conf(), f"//127.0.0.1/share", "-p", str(srv.port),
            "-U", "alice%Secret-1", "--option=torture:user2name=bob",
            "--option=torture:user2password=Secret-2", name]


def torture_rerun_passes(srv, name):
    try:
        p = run(torture_args(srv, name), timeout=300)
    except subprocess.TimeoutExpired:
        return False
    verdicts = re.findall(r"^(success|failure|error|skip): ", p.stdout, re.M)
    return verdicts == ["success"]


def torture_suite(srv, suite, results):
    known = load_known_failures()
    flaky = load_flaky()
    try:
        p = run(torture_args(srv, suite), timeout=900)
    except subprocess.TimeoutExpired as e:
        # A hang fails the suite (with what it printed) and the run goes on.
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        results.append(("FAIL", f"smbtorture {suite} (hung 900 s)", out[-3000:]))
        return
    out = p.stdout + p.stderr
    seen = 0
    for m in re.finditer(r"^(success|failure|error|skip): (\S+)", p.stdout, re.M):
        kind, name = m.group(1), m.group(2)
        full = suite if name == suite.split(".", 1)[-1] else f"{suite}.{name}"
        seen += 1
        if kind == "success":
            results.append(("PASS", f"smbtorture {full}", ""))
        elif kind == "skip":
            results.append(("SKIP", f"smbtorture {full}", ""))
        elif full in known:
            results.append(("KNOWN", f"smbtorture {full}", known[full]))
        elif full in flaky and torture_rerun_passes(srv, full):
            results.append(("PASS", f"smbtorture {full}",
                            "failed in its suite, passed alone: see smbtorture-flaky.txt"))
        else:
            # From this test's own "test:" line to just past its verdict.
            start = p.stdout.rfind(f"test: {name}\n", 0, m.start())
            start = max(0, m.start() - 1500) if start < 0 else start
            ctx = p.stdout[max(start, m.start() - 6000):m.end() + 500]
            results.append(("FAIL", f"smbtorture {full}", ctx))
    if seen == 0:
        results.append(("FAIL", f"smbtorture {suite}", out[-3000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    results = []
    srv = DaxServer(build).start()
    try:
        for fn in TESTS:
            if args.only and args.only not in fn.__name__:
                continue
            try:
                info = fn(srv)  # a test may return a line of information (a time)
                results.append(("PASS", fn.__name__, info if isinstance(info, str) else ""))
            except Exception as e:  # noqa: BLE001 - every failure is reported
                detail = str(e) if isinstance(e, Failed) else traceback.format_exc()
                results.append(("FAIL", fn.__name__, detail + "\n--- server log ---\n" + srv.tail()))
            if not srv.alive():
                results.append(("FAIL", f"server alive after {fn.__name__}", srv.tail()))
                srv.stop()
                srv = DaxServer(build).start()
        for suite in TORTURE_SUITES:
            if args.only and args.only not in suite:
                continue
            torture_suite(srv, suite, results)
            if not srv.alive():
                results.append(("FAIL", f"server alive after {suite}", srv.tail()))
                srv.stop()
                srv = DaxServer(build).start()
    finally:
        problems = srv.stop()
        if problems:
            results.append(("FAIL", "server shut down cleanly", "\n".join(problems)))
        else:
            results.append(("PASS", "server shut down cleanly", ""))
        srv.cleanup()
    npass = nfail = 0
    for kind, name, detail in results:
        if kind == "PASS":
            npass += 1
            print(f"PASS {name}" + (f" ({detail})" if detail else ""))
        elif kind == "FAIL":
            nfail += 1
            print(f"FAIL {name}\n{detail}")
        elif kind == "KNOWN":
            print(f"KNOWN {name} ({detail})")
        else:
            print(f"SKIP {name}")
    print(f"{npass} passed, {nfail} failed")
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
