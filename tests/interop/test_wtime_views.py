"""Issue 6: while a write time is held back (Windows' lazy LastWriteTime,
src/server/wtime.c), every view of the file shows the same times: the
CREATE reply of a second open, a directory listing, and QUERY_INFO on the
handle that wrote.  And MS-FSA 2.1.5.1.2: an overwrite of a HIDDEN or
SYSTEM file that does not ask for the attribute is ACCESS_DENIED.

Driven with impacket (SMB 2.1) against a daxsmbd; each check compares
values the server reports, never timings."""
import os
import struct

OLD_EPOCH = 978307200  # 2001-01-01, the files' mtime before the test writes
OLD_NT = (OLD_EPOCH + 11644473600) * 10000000
FREEZE = 0xFFFFFFFFFFFFFFFF

FILE_BASIC_INFORMATION = 4
FILE_DIRECTORY_INFORMATION = 1
STATUS_ACCESS_DENIED = 0xC0000022


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def _connect(port):
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs as s3
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, preferredDialect=s3.SMB2_DIALECT_21)
    c.login("alice", "Secret-1")
    tid = c.connectTree("share")
    conn = c.getSMBServer()
    # Keep the last answer, for the CREATE reply's times (impacket's
    # create returns the file id only).
    last = {}
    recv = conn.recvSMB

    def recv_keep(*a, **kw):
        ans = recv(*a, **kw)
        last["ans"] = ans
        return ans
    conn.recvSMB = recv_keep
    return c, conn, tid, last


ALL_SHARE = 7  # FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE


def _open(conn, tid, name, access, disposition=1, attrs=0, options=0x40):
    return conn.create(tid, name, access, ALL_SHARE, options, disposition, attrs)


def _close(conn, tid, fid):
    """impacket keeps one entry per path for all its opens: the close of a
    second open of a name drops it, and the first one's close then fails
    on it after the server closed the handle."""
    try:
        conn.close(tid, fid)
    except KeyError:
        conn._Session["OpenTable"].pop(fid, None)


def _basic(conn, tid, fid):
    """(LastWriteTime, ChangeTime) from QUERY_INFO FileBasicInformation."""
    b = conn.queryInfo(tid, fid, fileInfoClass=FILE_BASIC_INFORMATION)
    _, _, w, ch, _ = struct.unpack_from("<QQQQI", bytes(b))
    return w, ch


def _create_reply_times(conn, tid, name, last):
    from impacket import smb3structs as s3
    fid = _open(conn, tid, name, s3.FILE_READ_ATTRIBUTES)
    rs = s3.SMB2Create_Response(last["ans"]["Data"])
    _close(conn, tid, fid)
    return rs["LastWriteTime"], rs["ChangeTime"]


def _listed_times(conn, tid, dirname, leaf):
    from impacket import smb3structs as s3
    d = _open(conn, tid, dirname, s3.FILE_LIST_DIRECTORY | s3.FILE_READ_ATTRIBUTES, options=1)
    try:
        b = bytes(conn.queryDirectory(tid, d, leaf, informationClass=FILE_DIRECTORY_INFORMATION))
    finally:
        _close(conn, tid, d)
    off = 0
    while True:
        nxt, = struct.unpack_from("<I", b, off)
        w, ch = struct.unpack_from("<QQ", b, off + 24)
        nlen, = struct.unpack_from("<I", b, off + 60)
        if b[off + 64:off + 64 + nlen].decode("utf-16-le") == leaf:
            return w, ch
        if not nxt:
            raise Failed(f"{leaf} not listed")
        off += nxt


def _old_file(srv, conn, tid, rel):
    """A file made through SMB (the server stores times as its owner, the
    user) with LastWriteTime set to OLD."""
    from impacket import smb3structs as s3
    fid = _open(conn, tid, rel.replace("/", "\\"),
                s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_WRITE_ATTRIBUTES,
                disposition=s3.FILE_OVERWRITE_IF)
    conn.write(tid, fid, b"old", 0, 3)
    conn.setInfo(tid, fid, struct.pack("<QQQQII", 0, 0, OLD_NT, 0, 0, 0),
                 fileInfoClass=FILE_BASIC_INFORMATION)
    _close(conn, tid, fid)
    path = os.path.join(srv.dirs["share"], rel)
    check(os.stat(path).st_mtime == OLD_EPOCH, "LastWriteTime not set")
    return path


def _open_dir(conn, tid, name):
    from impacket import smb3structs as s3
    d = _open(conn, tid, name, s3.FILE_READ_ATTRIBUTES, disposition=s3.FILE_OPEN_IF, options=1)
    _close(conn, tid, d)


def _views(conn, tid, last, dirname, leaf, fid):
    """The times of every view, QUERY_INFO on the writing handle last (a
    delayed update coming due in between is then stored by it only after
    the others looked, and would show as a difference)."""
    name = dirname + "\\" + leaf
    created = _create_reply_times(conn, tid, name, last)
    listed = _listed_times(conn, tid, dirname, leaf)
    queried = _basic(conn, tid, fid)
    return created, listed, queried


def _basic_after(conn, tid):
    from impacket import smb3structs as s3
    fid = _open(conn, tid, "wt-views\\frozen.bin", s3.FILE_READ_ATTRIBUTES)
    t = _basic(conn, tid, fid)
    _close(conn, tid, fid)
    return t


def same_times_in_every_view(srv):
    from impacket import smb3structs as s3
    c, conn, tid, last = _connect(srv.port)
    _open_dir(conn, tid, "wt-views")
    rw = (s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES |
          s3.FILE_WRITE_ATTRIBUTES)
    try:
        # A plain write: its update is held back (2 s, or until close).
        path = _old_file(srv, conn, tid, "wt-views/plain.bin")
        fid = _open(conn, tid, "wt-views\\plain.bin", rw)
        conn.write(tid, fid, b"x" * 100, 0, 100)
        check(os.stat(path).st_mtime != OLD_EPOCH, "the write did not move the inode's mtime")
        created, listed, queried = _views(conn, tid, last, "wt-views", "plain.bin", fid)
        check(created == queried, f"plain write: CREATE reply {created} != QUERY_INFO {queried}")
        check(listed == queried, f"plain write: listing {listed} != QUERY_INFO {queried}")
        _close(conn, tid, fid)

        # Frozen (-1) LastWriteTime and ChangeTime: the write stays hidden
        # until the close, which puts both times back.
        path = _old_file(srv, conn, tid, "wt-views/frozen.bin")
        fid = _open(conn, tid, "wt-views\\frozen.bin", rw)
        before = _basic(conn, tid, fid)
        check(before[0] == OLD_NT, f"LastWriteTime {before[0]}, not the file's {OLD_NT}")
        conn.setInfo(tid, fid, struct.pack("<QQQQII", 0, 0, FREEZE, FREEZE, 0, 0),
                     fileInfoClass=FILE_BASIC_INFORMATION)
        conn.write(tid, fid, b"y" * 100, 0, 100)
        check(os.stat(path).st_mtime != OLD_EPOCH, "the write did not move the inode's mtime")
        created, listed, queried = _views(conn, tid, last, "wt-views", "frozen.bin", fid)
        check(queried == before, f"frozen: QUERY_INFO {queried}, not {before}")
        check(created == before, f"frozen: CREATE reply {created}, not {before}")
        check(listed == before, f"frozen: listing {listed}, not {before}")
        _close(conn, tid, fid)
        check(os.stat(path).st_mtime == OLD_EPOCH, f"the close did not put the frozen mtime back: {os.stat(path).st_mtime}, shown after: {_basic_after(conn, tid)}")
        fid = _open(conn, tid, "wt-views\\frozen.bin", s3.FILE_READ_ATTRIBUTES)
        after = _basic(conn, tid, fid)
        _close(conn, tid, fid)
        check(after == before, f"after the close: {after}, not the frozen {before}")
    finally:
        c.logoff()


def overwrite_hidden_denied(srv):
    from impacket import smb3structs as s3
    from impacket.smb3 import SessionError
    HIDDEN, SYSTEM, ARCHIVE, NORMAL = 0x2, 0x4, 0x20, 0x80
    c, conn, tid, _ = _connect(srv.port)
    rw = s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES
    try:
        for what, attr in (("hidden", HIDDEN), ("system", SYSTEM)):
            name = f"ow-{what}.bin"
            fid = _open(conn, tid, name, rw, disposition=s3.FILE_OVERWRITE_IF, attrs=attr)
            conn.write(tid, fid, b"keep", 0, 4)
            _close(conn, tid, fid)
            for disp in (s3.FILE_SUPERSEDE, s3.FILE_OVERWRITE, s3.FILE_OVERWRITE_IF):
                for asked in (NORMAL, ARCHIVE, (HIDDEN | SYSTEM) ^ attr):
                    try:
                        fid = _open(conn, tid, name, rw, disposition=disp, attrs=asked)
                    except SessionError as e:
                        check(e.get_error_code() == STATUS_ACCESS_DENIED,
                              f"{what}, disposition {disp}, attrs {asked:#x}: "
                              f"{e.get_error_code():#x}, not ACCESS_DENIED")
                        continue
                    _close(conn, tid, fid)
                    raise Failed(f"{what}, disposition {disp}, attrs {asked:#x}: overwritten")
            size = os.path.getsize(os.path.join(srv.dirs["share"], name))
            check(size == 4, f"{what}: the refused overwrites truncated the file ({size})")
            # Asking for the attribute again overwrites.
            fid = _open(conn, tid, name, rw, disposition=s3.FILE_OVERWRITE, attrs=attr)
            _close(conn, tid, fid)
            size = os.path.getsize(os.path.join(srv.dirs["share"], name))
            check(size == 0, f"{what}: the overwrite with the attribute left {size} bytes")
            # A plain open is no overwrite.
            fid = _open(conn, tid, name, rw, disposition=s3.FILE_OPEN, attrs=NORMAL)
            _close(conn, tid, fid)
    finally:
        c.logoff()


def durable_reconnect_times(srv):
    """A durable handle whose write is held back (LastWriteTime frozen by
    -1): the reconnect's CREATE reply shows the times QUERY_INFO showed
    before the connection was cut, and shows on the reconnected handle."""
    import durable_reconnect as dr
    from impacket import smb3structs as s3
    name = "wt-durable.bin"
    seed, key, cguid = os.urandom(8), os.urandom(16), os.urandom(16)
    a = dr._connect(srv.port, "alice", "Secret-1", seed)
    ta = a.connectTree("share")
    sa = a.getSMBServer()
    path = _old_file(srv, sa, ta, name)
    lease = dr._lease(key, dr.LEASE_R | dr.LEASE_H | dr.LEASE_W)
    fid = sa.create(ta, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES |
                    s3.FILE_WRITE_ATTRIBUTES, s3.FILE_SHARE_READ, s3.FILE_NON_DIRECTORY_FILE,
                    s3.FILE_OPEN, 0, oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE,
                    createContexts=[dr._ctx(b"RqLs", lease, False),
                                    dr._ctx(b"DH2Q", dr._dh2q(cguid, 60000), True)])
    sa.setInfo(ta, fid, struct.pack("<QQQQII", 0, 0, FREEZE, 0, 0, 0),
               fileInfoClass=FILE_BASIC_INFORMATION)
    sa.write(ta, fid, b"z" * 1000, 0, 1000)
    before = _basic(sa, ta, fid)
    check(before[0] == OLD_NT, f"LastWriteTime {before[0]}, not the frozen {OLD_NT}")
    check(os.stat(path).st_mtime != OLD_EPOCH, "the write did not move the inode's mtime")
    sa._NetBIOSSession.close()  # cut, no CLOSE

    a2 = dr._connect(srv.port, "alice", "Secret-1", seed)
    t2 = a2.connectTree("share")
    s2 = a2.getSMBServer()
    last = {}
    recv = s2.recvSMB

    def recv_keep(*args, **kw):
        ans = recv(*args, **kw)
        last["ans"] = ans
        return ans
    s2.recvSMB = recv_keep
    try:
        fid2 = dr._reconnect(s2, t2, name, fid, cguid, key)
        rs = s3.SMB2Create_Response(last["ans"]["Data"])
        got = (rs["LastWriteTime"], rs["ChangeTime"])
        check(got == before, f"reconnect reply {got}, QUERY_INFO before the cut {before}")
        after = _basic(s2, t2, fid2)
        check(after == before, f"QUERY_INFO after the reconnect {after}, before the cut {before}")
        _close(s2, t2, fid2)
        check(os.stat(path).st_mtime == OLD_EPOCH, "the close did not put the frozen mtime back")
    finally:
        a2.logoff()
