"""Issue 6: hard links, SET_INFO FileLinkInformation (MS-FSCC 2.4.27.2,
MS-FSA 2.1.5.15.6), driven with impacket (SMB 2.1) and smbclient's
`hardlink` against a daxsmbd.  Both names must be one file: the same
contents and file id, NumberOfLinks 2; an existing name without
ReplaceIfExists is a collision; directories, streams, open or read-only
targets and bad names get Windows' answers; the new name is reported to
CHANGE_NOTIFY as FILE_ACTION_ADDED."""
import os
import shutil
import struct

from daxtest import smbclient

FILE_LINK_INFORMATION = 11
FILE_STANDARD_INFORMATION = 5
FILE_INTERNAL_INFORMATION = 6

STATUS_ACCESS_DENIED = 0xC0000022
STATUS_OBJECT_NAME_COLLISION = 0xC0000035
STATUS_OBJECT_NAME_INVALID = 0xC0000033
STATUS_FILE_IS_A_DIRECTORY = 0xC00000BA
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_INFO_LENGTH_MISMATCH = 0xC0000004
STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000003B
STATUS_TOO_MANY_LINKS = 0xC0000265

ALL_SHARE = 7
SYNCHRONIZE = 0x00100000
READ_ATTRS = 0x80


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def _connect(port, share="share"):
    from impacket.smbconnection import SMBConnection
    from impacket import smb3structs as s3
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, preferredDialect=s3.SMB2_DIALECT_21)
    c.login("alice", "Secret-1")
    tid = c.connectTree(share)
    return c, c.getSMBServer(), tid


def _open(conn, tid, name, access, options=0x40, disposition=1):
    return conn.create(tid, name, access, ALL_SHARE, options, disposition, 0)


def _close(conn, tid, fid):
    """impacket keeps one OpenTable entry per path for all its opens."""
    try:
        conn.close(tid, fid)
    except KeyError:
        conn._Session["OpenTable"].pop(fid, None)


def _link_info(name, replace=False, root=0):
    n = name.encode("utf-16-le")
    return struct.pack("<B7xQI", 1 if replace else 0, root, len(n)) + n


def _link(conn, tid, fid, name, replace=False, root=0, blob=None):
    """The NTSTATUS of SET_INFO FileLinkInformation (0 on success)."""
    from impacket.smb3 import SessionError
    try:
        conn.setInfo(tid, fid, blob if blob is not None else _link_info(name, replace, root),
                     fileInfoClass=FILE_LINK_INFORMATION)
    except SessionError as e:
        return e.get_error_code()
    return 0


def _ids(conn, tid, name):
    """(file id, NumberOfLinks) of name, from QUERY_INFO."""
    fid = _open(conn, tid, name, READ_ATTRS | SYNCHRONIZE)
    try:
        internal = bytes(conn.queryInfo(tid, fid, fileInfoClass=FILE_INTERNAL_INFORMATION))
        std = bytes(conn.queryInfo(tid, fid, fileInfoClass=FILE_STANDARD_INFORMATION))
    finally:
        _close(conn, tid, fid)
    return struct.unpack_from("<Q", internal)[0], struct.unpack_from("<I", std, 16)[0]


def _read(c, name):
    got = bytearray()
    c.getFile("share", name, got.extend)
    return bytes(got)


def _expect(what, got, want):
    check(got == want, f"{what}: status {got:#x}, want {want:#x}")


def link_names_one_file(srv):
    from impacket import smb3structs as s3
    root = srv.dirs["share"]
    src = os.path.join(root, "hl-src.txt")
    with open(src, "wb") as f:
        f.write(b"linked contents\n")
    os.chmod(src, 0o666)
    with open(os.path.join(root, "hl-other.txt"), "wb") as f:
        f.write(b"other\n")
    os.mkdir(os.path.join(root, "hl-dir"))
    os.chmod(os.path.join(root, "hl-dir"), 0o777)  # the server acts as alice
    c, conn, tid = _connect(srv.port)

    # The handle needs no access right for the link itself (MS-FSA
    # 2.1.5.15.6 names none): attributes only.
    fid = _open(conn, tid, "hl-src.txt", READ_ATTRS | SYNCHRONIZE)
    _expect("link", _link(conn, tid, fid, "hl-dst.txt"), 0)
    check(os.stat(src).st_ino == os.stat(os.path.join(root, "hl-dst.txt")).st_ino,
          "the new name is another file on disk")
    check(_read(c, "hl-dst.txt") == b"linked contents\n", "the new name has other contents")
    (id1, n1), (id2, n2) = _ids(conn, tid, "hl-src.txt"), _ids(conn, tid, "hl-dst.txt")
    check(id1 == id2, f"file ids differ: {id1:#x} {id2:#x}")
    check(n1 == 2 and n2 == 2, f"NumberOfLinks {n1}, {n2}, want 2")

    # An existing name without ReplaceIfExists; the file's own name.
    _expect("existing name", _link(conn, tid, fid, "hl-other.txt"), STATUS_OBJECT_NAME_COLLISION)
    _expect("existing name, other case", _link(conn, tid, fid, "HL-OTHER.TXT"),
            STATUS_OBJECT_NAME_COLLISION)
    _expect("own name", _link(conn, tid, fid, "hl-src.txt"), STATUS_OBJECT_NAME_COLLISION)
    check(open(os.path.join(root, "hl-other.txt"), "rb").read() == b"other\n", "target changed")
    # Replacing deletes a file: not through a handle without DELETE.
    _expect("replace without DELETE", _link(conn, tid, fid, "hl-other.txt", True),
            STATUS_ACCESS_DENIED)
    # ... nor a name the server cannot open (a dangling symlink) ...
    os.symlink("nowhere", os.path.join(root, "hl-dangle"))
    _expect("replace a dangling symlink without DELETE", _link(conn, tid, fid, "hl-dangle", True),
            STATUS_ACCESS_DENIED)
    check(os.readlink(os.path.join(root, "hl-dangle")) == "nowhere", "the symlink was replaced")
    os.unlink(os.path.join(root, "hl-dangle"))  # other tests list this share
    # ... but a name of the file itself stays as it is.
    _expect("replace a name of the file itself", _link(conn, tid, fid, "hl-dst.txt", True), 0)
    # A directory is never replaced.
    _expect("directory target", _link(conn, tid, fid, "hl-dir", True), STATUS_ACCESS_DENIED)
    _expect("directory target, no replace", _link(conn, tid, fid, "hl-dir"),
            STATUS_OBJECT_NAME_COLLISION)
    # Bad names and fields.
    _expect("RootDirectory", _link(conn, tid, fid, "hl-x.txt", root=1), STATUS_INVALID_PARAMETER)
    _expect("stream name", _link(conn, tid, fid, "hl-x.txt:s"), STATUS_INVALID_PARAMETER)
    _expect("wildcard", _link(conn, tid, fid, "hl-*.txt"), STATUS_OBJECT_NAME_INVALID)
    _expect("dot dot", _link(conn, tid, fid, "..\\hl-x.txt"), STATUS_OBJECT_PATH_SYNTAX_BAD)
    _expect("short buffer", _link(conn, tid, fid, "", blob=b"\x00" * 12),
            STATUS_INFO_LENGTH_MISMATCH)
    name = "hl-x.txt".encode("utf-16-le")
    lying = struct.pack("<B7xQI", 0, 0, len(name) + 100) + name
    _expect("name length past the buffer", _link(conn, tid, fid, "", blob=lying),
            STATUS_INFO_LENGTH_MISMATCH)
    check(not os.path.exists(os.path.join(root, "hl-x.txt")), "a refused link made a name")
    # A full pathname may lead with a backslash (MS-SMB2 3.3.5.21.1), into a directory.
    _expect("full pathname", _link(conn, tid, fid, "\\hl-dir\\in.txt"), 0)
    check(os.stat(os.path.join(root, "hl-dir", "in.txt")).st_ino == os.stat(src).st_ino,
          "link into a directory")
    _expect("just a separator", _link(conn, tid, fid, "\\"), STATUS_OBJECT_NAME_INVALID)
    _close(conn, tid, fid)

    # With DELETE, ReplaceIfExists replaces a closed target ...
    fid = _open(conn, tid, "hl-src.txt", READ_ATTRS | SYNCHRONIZE | s3.DELETE)
    _expect("replace", _link(conn, tid, fid, "hl-other.txt", True), 0)
    check(os.stat(os.path.join(root, "hl-other.txt")).st_ino == os.stat(src).st_ino,
          "replace did not link the file")
    check(_ids(conn, tid, "hl-src.txt")[1] == 4, "NumberOfLinks after replace is not 4")
    # ... and refuses an open one (MS-FSA: the target's OpenList).
    with open(os.path.join(root, "hl-busy.txt"), "wb") as f:
        f.write(b"busy\n")
    busy = _open(conn, tid, "hl-busy.txt", READ_ATTRS | SYNCHRONIZE)
    _expect("open target", _link(conn, tid, fid, "hl-busy.txt", True), STATUS_ACCESS_DENIED)
    _close(conn, tid, busy)
    check(open(os.path.join(root, "hl-busy.txt"), "rb").read() == b"busy\n", "open target replaced")
    # A file whose delete is pending gets no new name.
    conn.setInfo(tid, fid, b"\x01", fileInfoClass=13)
    _expect("delete pending", _link(conn, tid, fid, "hl-late.txt"), STATUS_ACCESS_DENIED)
    conn.setInfo(tid, fid, b"\x00", fileInfoClass=13)
    _close(conn, tid, fid)

    # A directory cannot be linked.
    dfid = _open(conn, tid, "hl-dir", READ_ATTRS | SYNCHRONIZE, options=0x1)
    _expect("directory", _link(conn, tid, dfid, "hl-dir2"), STATUS_FILE_IS_A_DIRECTORY)
    _close(conn, tid, dfid)
    check(not os.path.exists(os.path.join(root, "hl-dir2")), "a directory was linked")
    # Nor a stream (where the file system keeps user xattrs).
    from impacket.smb3 import SessionError
    try:
        sfid = _open(conn, tid, "hl-src.txt:st", READ_ATTRS | SYNCHRONIZE | 0x2, disposition=3)
    except SessionError:
        sfid = None
    if sfid is not None:
        _expect("stream", _link(conn, tid, sfid, "hl-st.txt"), STATUS_INVALID_PARAMETER)
        _close(conn, tid, sfid)

    # NTFS's 1024 names per file (MS-FSA: STATUS_TOO_MANY_LINKS).
    many = os.path.join(root, "hl-many")
    os.mkdir(many)
    os.chmod(many, 0o777)
    with open(os.path.join(many, "f"), "wb") as f:
        f.write(b"m")
    os.chmod(os.path.join(many, "f"), 0o666)
    for i in range(1022):
        os.link(os.path.join(many, "f"), os.path.join(many, f"l{i}"))
    fid = _open(conn, tid, "hl-many\\f", READ_ATTRS | SYNCHRONIZE)
    _expect("link 1024", _link(conn, tid, fid, "hl-many\\last"), 0)
    _expect("link 1025", _link(conn, tid, fid, "hl-many\\over"), STATUS_TOO_MANY_LINKS)
    _close(conn, tid, fid)
    check(os.stat(os.path.join(many, "f")).st_nlink == 1024, "link count past 1024")
    shutil.rmtree(many)
    c.logoff()

    # A read-only share answers as for its other writes.
    with open(os.path.join(srv.dirs["ro"], "readme.txt"), "rb") as f:
        before = f.read()
    c, conn, tid = _connect(srv.port, "ro")
    fid = _open(conn, tid, "readme.txt", READ_ATTRS | SYNCHRONIZE)
    _expect("read-only share", _link(conn, tid, fid, "readme2.txt"), STATUS_ACCESS_DENIED)
    _close(conn, tid, fid)
    c.logoff()
    check(not os.path.exists(os.path.join(srv.dirs["ro"], "readme2.txt")), "read-only share linked")
    check(open(os.path.join(srv.dirs["ro"], "readme.txt"), "rb").read() == before, "ro file changed")


def link_notifies_added(srv):
    """CHANGE_NOTIFY on the new name's directory reports FILE_ACTION_ADDED."""
    from impacket import smb3structs as s3
    root = srv.dirs["share"]
    os.mkdir(os.path.join(root, "hl-watch"))
    os.chmod(os.path.join(root, "hl-watch"), 0o777)
    with open(os.path.join(root, "hl-n.txt"), "wb") as f:
        f.write(b"n\n")
    # The server acts as alice, and the kernel links only files she may
    # write (fs.protected_hardlinks) or owns; the test runs as root.
    os.chmod(os.path.join(root, "hl-n.txt"), 0o666)
    w, wconn, wtid = _connect(srv.port)
    dfid = _open(wconn, wtid, "hl-watch", 0x1 | SYNCHRONIZE, options=0x1)  # FILE_LIST_DIRECTORY
    pkt = wconn.SMB_PACKET()
    pkt["Command"] = s3.SMB2_CHANGE_NOTIFY
    pkt["TreeID"] = wtid
    req = s3.SMB2ChangeNotify()
    req["OutputBufferLength"] = 4096
    req["FileID"] = dfid
    req["CompletionFilter"] = s3.FILE_NOTIFY_CHANGE_FILE_NAME
    pkt["Data"] = req
    mid = wconn.sendSMB(pkt)

    c, conn, tid = _connect(srv.port)
    fid = _open(conn, tid, "hl-n.txt", READ_ATTRS | SYNCHRONIZE)
    _expect("link", _link(conn, tid, fid, "hl-watch\\added.txt"), 0)
    _close(conn, tid, fid)
    c.logoff()

    ans = wconn.recvSMB(mid)
    check(ans["Status"] == 0, f"CHANGE_NOTIFY: status {ans['Status']:#x}")
    buf = bytes(s3.SMB2ChangeNotify_Response(ans["Data"])["Buffer"])
    seen, off = [], 0
    while off + 12 <= len(buf):
        nxt, action, nlen = struct.unpack_from("<III", buf, off)
        seen.append((action, buf[off + 12:off + 12 + nlen].decode("utf-16-le")))
        if not nxt:
            break
        off += nxt
    check((1, "added.txt") in seen, f"no FILE_ACTION_ADDED for added.txt: {seen}")
    _close(wconn, wtid, dfid)
    w.logoff()


def smbclient_hardlink(srv):
    """smbclient's `hardlink` (SMB2 SET_INFO FileLinkInformation)."""
    root = srv.dirs["share"]
    with open(os.path.join(root, "hl-cli.txt"), "wb") as f:
        f.write(b"cli\n")
    os.chmod(os.path.join(root, "hl-cli.txt"), 0o666)
    p = smbclient(srv.port, "share", "alice", "Secret-1", "hardlink hl-cli.txt hl-cli2.txt",
                  proto="SMB3")
    out = p.stdout + p.stderr
    check(p.returncode == 0 and "NT_STATUS_" not in out, f"smbclient hardlink: {out.strip()}")
    check(os.stat(os.path.join(root, "hl-cli2.txt")).st_ino ==
          os.stat(os.path.join(root, "hl-cli.txt")).st_ino, "smbclient hardlink made no link")
    p = smbclient(srv.port, "share", "alice", "Secret-1", "hardlink hl-cli.txt hl-cli2.txt",
                  proto="SMB3")
    check("NT_STATUS_OBJECT_NAME_COLLISION" in p.stdout + p.stderr,
          f"second hardlink to the same name: {(p.stdout + p.stderr).strip()}")


def rename_leading_backslash(srv):
    """FileRenameInformation's name is a full pathname that may lead with one
    '\\' (MS-SMB2 3.3.5.21.1), as for links: both spellings rename."""
    share = srv.dirs["share"]
    for n in ("ren-a.txt",):
        with open(os.path.join(share, n), "wb") as f:
            f.write(b"r")
        os.chmod(os.path.join(share, n), 0o666)
    c, conn, tid = _connect(srv.port)
    fid = _open(conn, tid, "ren-a.txt", READ_ATTRS | SYNCHRONIZE | 0x00010000)  # DELETE
    blob = _link_info("\\ren-b.txt")
    from impacket.smb3 import SessionError
    try:
        conn.setInfo(tid, fid, blob, fileInfoClass=10)  # FileRenameInformation
        st = 0
    except SessionError as e:
        st = e.get_error_code()
    _close(conn, tid, fid)
    c.logoff()
    _expect("rename to \\ren-b.txt", st, 0)
    check(os.path.exists(os.path.join(share, "ren-b.txt")), "ren-b.txt missing after rename")
    check(not os.path.exists(os.path.join(share, "ren-a.txt")), "ren-a.txt still there")
    os.unlink(os.path.join(share, "ren-b.txt"))
