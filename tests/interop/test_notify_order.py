"""CHANGE_NOTIFY against changes made through another connection, driven
with raw impacket requests so that the order of request and change is
fixed (smbtorture sends them without waiting in between, and its outcome
then depends on which connection's thread runs first).

- A directory another connection deletes (MS-SMB2 3.3.5.19, MS-FSA
  2.1.5.4): whether the delete or the CHANGE_NOTIFY reaches the server
  first, the request ends with STATUS_DELETE_PENDING; the directory goes
  at the last close (smb2.notify.rmdir1..4 hung when the delete came first).
- smb2.notify.basedir with the request known to wait first: an attribute
  change of the watched directory itself is not reported, one of a file in
  it is, alone, as FILE_ACTION_MODIFIED."""
import os
import struct

STATUS_DELETE_PENDING = 0xC0000056
STATUS_PENDING = 0x00000103

ALL_SHARE = 7
SYNCHRONIZE = 0x00100000
DELETE = 0x00010000
FILE_LIST_DIRECTORY = 0x1
FILE_DIRECTORY_FILE = 0x1
FILE_DELETE_ON_CLOSE = 0x1000
FILE_DISPOSITION_INFORMATION = 13
FILE_NOTIFY_CHANGE_NAME = 0x3
FILE_NOTIFY_CHANGE_ATTRIBUTES = 0x4
SMB2_WATCH_TREE = 0x1
FILE_WRITE_ATTRIBUTES = 0x100
FILE_BASIC_INFORMATION = 4
FILE_ATTRIBUTE_HIDDEN = 0x2
FILE_ACTION_MODIFIED = 3
# A hang guard only: a reply that does not come in this long never will.
HANG_GUARD = 60


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def _connect(port):
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs as s3
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, preferredDialect=s3.SMB2_DIALECT_21,
                      timeout=HANG_GUARD)
    c.login("alice", "Secret-1")
    tid = c.connectTree("share")
    return c, c.getSMBServer(), tid


def _open_dir(conn, tid, name, access, options=0):
    return conn.create(tid, name, access, ALL_SHARE, FILE_DIRECTORY_FILE | options, 1, 0)


def _close(conn, tid, fid):
    """impacket keeps one OpenTable entry per path for all its opens."""
    try:
        conn.close(tid, fid)
    except KeyError:
        conn._Session["OpenTable"].pop(fid, None)


def _send_notify(conn, tid, fid, flt=FILE_NOTIFY_CHANGE_NAME, flags=0):
    from impacket import smb3structs as s3
    pkt = conn.SMB_PACKET()
    pkt["Command"] = s3.SMB2_CHANGE_NOTIFY
    pkt["TreeID"] = tid
    req = s3.SMB2ChangeNotify()
    req["Flags"] = flags
    req["OutputBufferLength"] = 1000
    req["FileID"] = fid
    req["CompletionFilter"] = flt
    pkt["Data"] = req
    return conn.sendSMB(pkt)


def _recv_raw(conn):
    """The next packet as it comes (recvSMB skips interim replies)."""
    from impacket import smb3structs as s3
    data = conn._NetBIOSSession.recv_packet(HANG_GUARD)
    return s3.SMB2Packet(data.get_trailer())


def _delete(conn, tid, name, how):
    """Deletes directory name on conn: DELETE_ON_CLOSE at create (rmdir2/4)
    or FileDispositionInformation (rmdir1/3), then closes it."""
    if how == "create":
        fid = _open_dir(conn, tid, name, DELETE | SYNCHRONIZE, FILE_DELETE_ON_CLOSE)
    else:
        fid = _open_dir(conn, tid, name, DELETE | SYNCHRONIZE)
        conn.setInfo(tid, fid, b"\x01", fileInfoClass=FILE_DISPOSITION_INFORMATION)
    _close(conn, tid, fid)


def _one(srv, how, notify_first):
    name = f"nd-{how}-{'before' if notify_first else 'after'}"
    root = srv.dirs["share"]
    os.mkdir(os.path.join(root, name))
    os.chmod(os.path.join(root, name), 0o777)
    a, aconn, atid = _connect(srv.port)
    b, bconn, btid = _connect(srv.port)
    try:
        dfid = _open_dir(aconn, atid, name, FILE_LIST_DIRECTORY | SYNCHRONIZE)
        if notify_first:
            mid = _send_notify(aconn, atid, dfid)
            _wait_interim(aconn, mid, name)
            _delete(bconn, btid, name, how)
            ans = aconn.recvSMB(mid)
        else:
            _delete(bconn, btid, name, how)
            mid = _send_notify(aconn, atid, dfid)
            ans = aconn.recvSMB(mid)
        check(ans["Status"] == STATUS_DELETE_PENDING,
              f"{name}: CHANGE_NOTIFY status {ans['Status']:#x}, want DELETE_PENDING")
        # A later request on the same handle gets the same answer.
        mid = _send_notify(aconn, atid, dfid)
        ans = aconn.recvSMB(mid)
        check(ans["Status"] == STATUS_DELETE_PENDING,
              f"{name}: second CHANGE_NOTIFY status {ans['Status']:#x}, want DELETE_PENDING")
        check(os.path.isdir(os.path.join(root, name)), f"{name}: removed before its last close")
        _close(aconn, atid, dfid)
        check(not os.path.exists(os.path.join(root, name)), f"{name}: still there after the last close")
    finally:
        a.close()
        b.close()


def delete_pending_completes_notify(srv):
    for how in ("create", "disposition"):
        for notify_first in (True, False):
            _one(srv, how, notify_first)


def _wait_interim(conn, mid, what):
    """The interim reply proves the request waits at the server."""
    interim = _recv_raw(conn)
    check(interim["Status"] == STATUS_PENDING and interim["MessageID"] == mid,
          f"{what}: no interim reply, status {interim['Status']:#x}")


def _set_hidden(conn, tid, name, options):
    fid = conn.create(tid, name, FILE_WRITE_ATTRIBUTES | SYNCHRONIZE, ALL_SHARE, options, 1, 0)
    conn.setInfo(tid, fid, struct.pack("<QQQQII", 0, 0, 0, 0, FILE_ATTRIBUTE_HIDDEN, 0),
                 fileInfoClass=FILE_BASIC_INFORMATION)
    _close(conn, tid, fid)


def _entries(buf):
    seen, off = [], 0
    while off + 12 <= len(buf):
        nxt, action, nlen = struct.unpack_from("<III", buf, off)
        seen.append((action, buf[off + 12:off + 12 + nlen].decode("utf-16-le")))
        if not nxt:
            break
        off += nxt
    return seen


def basedir_attribute_change(srv):
    from impacket import smb3structs as s3
    root = srv.dirs["share"]
    d = os.path.join(root, "nb-basedir")
    os.mkdir(d)
    os.chmod(d, 0o777)
    with open(os.path.join(d, "tname1"), "wb") as f:
        f.write(b"t\n")
    os.chmod(os.path.join(d, "tname1"), 0o666)
    a, aconn, atid = _connect(srv.port)
    b, bconn, btid = _connect(srv.port)
    try:
        dfid = _open_dir(aconn, atid, "nb-basedir", FILE_LIST_DIRECTORY | SYNCHRONIZE)
        mid = _send_notify(aconn, atid, dfid, FILE_NOTIFY_CHANGE_ATTRIBUTES, SMB2_WATCH_TREE)
        _wait_interim(aconn, mid, "basedir")
        _set_hidden(bconn, btid, "nb-basedir", FILE_DIRECTORY_FILE)
        _set_hidden(bconn, btid, "nb-basedir\\tname1", 0x40)
        ans = aconn.recvSMB(mid)
        check(ans["Status"] == 0, f"basedir: CHANGE_NOTIFY status {ans['Status']:#x}")
        seen = _entries(bytes(s3.SMB2ChangeNotify_Response(ans["Data"])["Buffer"]))
        check(seen == [(FILE_ACTION_MODIFIED, "tname1")],
              f"basedir: changes {seen}, want only MODIFIED tname1")
        _close(aconn, atid, dfid)
    finally:
        a.close()
        b.close()


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from daxtest import DaxServer
    s = DaxServer(os.path.abspath(sys.argv[1])).start()
    try:
        delete_pending_completes_notify(s)
        basedir_attribute_change(s)
        print("PASS")
    finally:
        print(s.stop())
        s.cleanup()
