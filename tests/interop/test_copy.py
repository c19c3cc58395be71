"""Server-side copy (MS-SMB2 3.3.5.15.6) of a 200 MB file within a share,
driven with impacket's raw IOCTL: FSCTL_SRV_REQUEST_RESUME_KEY on the
source, then FSCTL_SRV_COPYCHUNK_WRITE requests of 16 MiB in 1 MiB chunks
(the limits of MS-SMB2 3.3.3) on the target; the copy must be
byte-identical.  run(srv) takes a started DaxServer or SambaServer."""
import hashlib
import os
import struct
import subprocess
import sys
import time

from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3

FSCTL_SRV_REQUEST_RESUME_KEY = 0x00140078
FSCTL_SRV_COPYCHUNK_WRITE = 0x001480F2
SIZE = 200 * 1000 * 1000 + 4321          # not a multiple of a chunk
CHUNK = 1024 * 1024
PER_REQUEST = 16                         # 16 MiB per request


class CopyFailed(Exception):
    pass


def _share_dir(srv):
    return srv.dirs["share"] if hasattr(srv, "dirs") else srv.share_dir


def _sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 22), b""):
            h.update(b)
    return h.hexdigest()


def _make_source(path):
    # Random blocks repeated with a counter: fast to make, no two MiB alike.
    block = os.urandom(CHUNK)
    with open(path, "wb") as f:
        left, i = SIZE, 0
        while left:
            n = min(left, CHUNK)
            f.write(struct.pack("<Q", i) + block[8:n] if n >= 8 else block[:n])
            left -= n
            i += 1


def server_side_copy(port, user, pw, share, src_name, dst_name):
    """Copies src_name to dst_name in share; returns bytes copied."""
    # 3.0: impacket 0.10's 3.1.1 signing key is wrong (see interop.py's
    # impacket_fix_preauth); the copy does not depend on the dialect.
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port,
                      preferredDialect=s3.SMB2_DIALECT_30)
    c.login(user, pw)
    tid = c.connectTree(share)
    try:
        src = c.openFile(tid, src_name, desiredAccess=s3.FILE_READ_DATA | s3.FILE_READ_ATTRIBUTES,
                         shareMode=s3.FILE_SHARE_READ)
        dst = c.openFile(tid, dst_name,
                         desiredAccess=s3.FILE_READ_DATA | s3.FILE_WRITE_DATA |
                         s3.FILE_READ_ATTRIBUTES,
                         creationDisposition=s3.FILE_OVERWRITE_IF,
                         creationOption=s3.FILE_NON_DIRECTORY_FILE, shareMode=0)
        smb = c.getSMBServer()
        out = smb.ioctl(tid, src, FSCTL_SRV_REQUEST_RESUME_KEY, flags=s3.SMB2_0_IOCTL_IS_FSCTL,
                        maxInputResponse=0, maxOutputResponse=32)
        key = out[:24]
        if len(key) != 24:
            raise CopyFailed(f"resume key of {len(out)} bytes")
        total = 0
        off = 0
        while off < SIZE:
            chunks = []
            while len(chunks) < PER_REQUEST and off < SIZE:
                n = min(CHUNK, SIZE - off)
                chunks.append(struct.pack("<QQII", off, off, n, 0))
                off += n
            blob = key + struct.pack("<II", len(chunks), 0) + b"".join(chunks)
            rsp = smb.ioctl(tid, dst, FSCTL_SRV_COPYCHUNK_WRITE, flags=s3.SMB2_0_IOCTL_IS_FSCTL,
                            inputBlob=blob, maxInputResponse=0, maxOutputResponse=12)
            written, _partial, nbytes = struct.unpack("<III", rsp[:12])
            want = sum(struct.unpack("<QQII", ch)[2] for ch in chunks)
            if written != len(chunks) or nbytes != want:
                raise CopyFailed(f"copychunk wrote {written} chunks / {nbytes} bytes, "
                                 f"asked {len(chunks)} / {want}")
            total += nbytes
        c.closeFile(tid, src)
        c.closeFile(tid, dst)
        return total
    finally:
        c.disconnectTree(tid)
        c.logoff()


def run(srv, user="alice"):
    """Raises on failure; returns a short description on success."""
    pw = srv.users[user]
    d = _share_dir(srv)
    src = os.path.join(d, "cc-src.bin")
    dst = os.path.join(d, "cc-dst.bin")
    _make_source(src)
    os.chmod(src, 0o666)
    try:
        t0 = time.monotonic()
        n = server_side_copy(srv.port, user, pw, "share", "cc-src.bin", "cc-dst.bin")
        dt = time.monotonic() - t0
        if n != SIZE:
            raise CopyFailed(f"copied {n} bytes of {SIZE}")
        if os.path.getsize(dst) != SIZE or _sha(src) != _sha(dst):
            raise CopyFailed("the copy differs from the source")
        return f"{SIZE} bytes in {dt:.2f} s"
    finally:
        for p in (src, dst):
            try:
                os.unlink(p)
            except OSError:
                pass


if __name__ == "__main__":
    # test_copy.py BUILD_DIR: against daxsmbd from BUILD_DIR and Samba.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from daxtest import DaxServer, SambaServer  # noqa: E402
    failed = 0
    for name, mk in (("daxsmbd", lambda: DaxServer(sys.argv[1] if len(sys.argv) > 1 else "build")),
                     ("samba", SambaServer)):
        s = mk().start()
        try:
            print(f"PASS server_side_copy_200MB_{name}: {run(s)}")
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL server_side_copy_200MB_{name}: {e!r}")
        finally:
            problems = s.stop() or []
            for p in problems:
                failed += 1
                print(f"FAIL {name}: {p}")
            s.cleanup()
    print(f"{2 - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
