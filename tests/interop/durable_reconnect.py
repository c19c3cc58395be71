#!/usr/bin/python3
"""A durable v2 handle survives a cut connection (issue 5).

alice opens a file with a durable v2 handle (a raw DH2Q create context) and a
read-handle-write lease (RqLs), writes, and her TCP connection is cut with
no LOGOFF.  bob, on his own connection, names her handle in a DH2C
reconnect and is refused (STATUS_ACCESS_DENIED).  alice connects again with
the same ClientGuid, reconnects to the handle (DH2C with its persistent id
and CreateGuid), keeps writing through it, and reads back everything she
wrote.  run(port) raises on failure."""
import os
import random
import struct

from impacket import smb3 as smb3_mod
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection, SessionError

LEASE_R, LEASE_H, LEASE_W = 1, 2, 4
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034


def _ctx(name, data, last):
    """One create context (MS-SMB2 2.2.13.2): name at 16, data at 24."""
    c = s3.SMB2CreateContext()
    size = 24 + len(data)
    c["Next"] = 0 if last else (size + 7) & ~7
    c["NameOffset"] = 16
    c["NameLength"] = 4
    c["DataOffset"] = 24
    c["DataLength"] = len(data)
    c["Buffer"] = name + b"\0" * 4 + data + b"\0" * (0 if last else ((size + 7) & ~7) - size)
    return c


def _lease(key, state):
    return struct.pack("<16sLLQ", key, state, 0, 0)


def _dh2q(create_guid, timeout_ms):
    return struct.pack("<LLQ16s", timeout_ms, 0, 0, create_guid)


def _dh2c(file_id, create_guid):
    return struct.pack("<16s16sL", file_id, create_guid, 0)


def _connect(port, user, password, client_guid_seed):
    # impacket draws its ClientGuid from the smb3 module's `random`; a
    # seeded generator gives both of alice's connections the same one (a
    # lease belongs to ClientGuid + LeaseKey).
    saved = smb3_mod.random
    smb3_mod.random = random.Random(client_guid_seed)
    try:
        c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port,
                          preferredDialect=s3.SMB2_DIALECT_30)
    finally:
        smb3_mod.random = saved
    c.login(user, password)
    return c


def _reconnect(srv, tree, name, file_id, create_guid, key):
    return srv.create(tree, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA,
                      s3.FILE_SHARE_READ, s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OPEN, 0,
                      oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE,
                      createContexts=[_ctx(b"DH2C", _dh2c(file_id, create_guid), False),
                                      _ctx(b"RqLs", _lease(key, LEASE_R | LEASE_H | LEASE_W),
                                           True)])


def _refused(port, name, file_id, create_guid, key, want):
    bob = _connect(port, "bob", "Secret-2", os.urandom(8))
    try:
        tb = bob.connectTree("share")
        try:
            _reconnect(bob.getSMBServer(), tb, name, file_id, create_guid, key)
        except (SessionError, smb3_mod.SessionError) as e:
            code = e.getErrorCode() if isinstance(e, SessionError) else e.get_error_code()
            if code != want:
                raise RuntimeError(f"bob's reconnect: status {code:#x}, expected {want:#x}")
            return
        raise RuntimeError("bob reconnected to alice's durable handle")
    finally:
        bob.logoff()


def run(port, name="durable-reconnect.bin"):
    seed = os.urandom(8)
    key = os.urandom(16)
    create_guid = os.urandom(16)
    first, second = os.urandom(40000), os.urandom(30000)

    a = _connect(port, "alice", "Secret-1", seed)
    ta = a.connectTree("share")
    sa = a.getSMBServer()
    fid = sa.create(ta, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES,
                    s3.FILE_SHARE_READ, s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OVERWRITE_IF, 0,
                    oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE,
                    createContexts=[_ctx(b"RqLs", _lease(key, LEASE_R | LEASE_H | LEASE_W), False),
                                    _ctx(b"DH2Q", _dh2q(create_guid, 60000), True)])
    sa.write(ta, fid, first, 0, len(first))

    # The connection goes without a LOGOFF or CLOSE.
    sa._NetBIOSSession.close()

    # Another user naming the handle is refused.
    _refused(port, name, fid, create_guid, key, STATUS_ACCESS_DENIED)

    # alice comes back on a new connection and session.
    a2 = _connect(port, "alice", "Secret-1", seed)
    t2 = a2.connectTree("share")
    s2 = a2.getSMBServer()
    fid2 = _reconnect(s2, t2, name, fid, create_guid, key)
    if fid2[:8] != fid[:8]:
        raise RuntimeError("the reconnected handle has another persistent id")
    s2.write(t2, fid2, second, len(first), len(second))
    got = s2.read(t2, fid2, 0, len(first) + len(second))
    if got != first + second:
        raise RuntimeError("the data written before and after the reconnect differ")

    # While alice holds it, the handle cannot be taken over either.
    _refused(port, name, fid, create_guid, key, STATUS_OBJECT_NAME_NOT_FOUND)

    s2.close(t2, fid2)
    a2.deleteFile("share", name)
    a2.logoff()
