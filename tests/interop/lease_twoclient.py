#!/usr/bin/python3
"""Two clients, one file, a write lease (issue 5).

Client A opens a file with a read-handle-write lease (a raw RqLs create
context) and keeps data it "wrote" in its own cache.  Client B, on another
connection, opens the same file: the open waits while the server breaks A's
lease.  A gets the lease break notification, writes its cached data out,
flushes, acknowledges; only then does B's open complete, and B reads what A
flushed.  run(port, user, password) raises on failure."""
import os
import struct
import sys
import threading

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

LEASE_R, LEASE_H, LEASE_W = 1, 2, 4


def _lease_ctx(key, state):
    data = struct.pack("<16sLLQ", key, state, 0, 0)
    c = s3.SMB2CreateContext()
    c["Next"] = 0
    c["NameOffset"] = 16
    c["NameLength"] = 4
    c["DataOffset"] = 24
    c["DataLength"] = len(data)
    c["Buffer"] = b"RqLs" + b"\0" * 4 + data
    return c


def _connect(port, user, password):
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port,
                      preferredDialect=s3.SMB2_DIALECT_21)
    c.login(user, password)
    return c


def run(port, user, password, name="lease-twoclient.bin"):
    cached = os.urandom(65536)
    a = _connect(port, user, password)
    b = _connect(port, user, password)
    ta = a.connectTree("share")
    tb = b.connectTree("share")
    sa = a.getSMBServer()
    sb = b.getSMBServer()
    key = os.urandom(16)

    # A: create with RWH; the data stays in A's cache for now.
    fid_a = sa.create(ta, name, s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES,
                      s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE | s3.FILE_SHARE_DELETE,
                      s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OVERWRITE_IF, 0,
                      oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE,
                      createContexts=[_lease_ctx(key, LEASE_R | LEASE_H | LEASE_W)])

    # B: opens the same file in a thread; the open waits for A's break.
    result = {}

    def opener():
        try:
            fid_b = sb.create(tb, name, s3.FILE_READ_DATA | s3.FILE_READ_ATTRIBUTES,
                              s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE | s3.FILE_SHARE_DELETE,
                              s3.FILE_NON_DIRECTORY_FILE, s3.FILE_OPEN, 0)
            result["opened"] = True
            result["data"] = sb.read(tb, fid_b, 0, len(cached))
            sb.close(tb, fid_b)
        except Exception as e:  # noqa: BLE001 - reported below
            result["error"] = e

    t = threading.Thread(target=opener)
    t.start()

    # A: the lease break notification arrives unsolicited.
    raw = sa._NetBIOSSession.recv_packet(10)
    brk = s3.SMB2Packet(raw.get_trailer())
    if brk["Command"] != s3.SMB2_OPLOCK_BREAK or brk["MessageID"] != 0xFFFFFFFFFFFFFFFF:
        raise RuntimeError(f"A: expected a lease break, got command {brk['Command']}")
    note = s3.SMB2LeaseBreakNotification(brk["Data"])
    if note["LeaseKey"] != key:
        raise RuntimeError("A: break for another lease key")
    if note["CurrentLeaseState"] != LEASE_R | LEASE_H | LEASE_W or note["NewLeaseState"] & LEASE_W:
        raise RuntimeError(f"A: break {note['CurrentLeaseState']:#x} -> {note['NewLeaseState']:#x}")
    if not note["Flags"] & 1:
        raise RuntimeError("A: a write lease break must require an acknowledgment")
    if "opened" in result or "error" in result:
        raise RuntimeError(f"B's open did not wait for the break: {result}")

    # A: write the cached data back, flush, acknowledge.
    sa.write(ta, fid_a, cached, 0, len(cached))
    sa.flush(ta, fid_a)
    ack = s3.SMB2LeaseBreakAcknowledgement()
    ack["LeaseKey"] = key
    ack["LeaseState"] = note["NewLeaseState"]
    p = sa.SMB_PACKET()
    p["Command"] = s3.SMB2_OPLOCK_BREAK
    p["TreeID"] = ta
    p["Data"] = ack
    mid = sa.sendSMB(p)
    rsp = sa.recvSMB(mid)
    if rsp["Status"] != 0:
        raise RuntimeError(f"A: lease break ack status {rsp['Status']:#x}")
    got = s3.SMB2LeaseBreakResponse(rsp["Data"])
    if got["LeaseState"] != note["NewLeaseState"]:
        raise RuntimeError("A: ack response names another state")

    t.join(20)
    if t.is_alive():
        raise RuntimeError("B's open did not complete after the acknowledgment")
    if "error" in result:
        raise RuntimeError(f"B failed: {result['error']}")
    if result.get("data") != cached:
        raise RuntimeError("B did not read the data A flushed before acknowledging")

    sa.close(ta, fid_a)
    a.deleteFile("share", name)
    a.logoff()
    b.logoff()


if __name__ == "__main__":
    run(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "alice",
        sys.argv[3] if len(sys.argv) > 3 else "Secret-1")
    print("lease_twoclient: ok")
