#!/usr/bin/python3
"""Durability of acknowledged writes across a server crash (DESIGN "Storage
and durability"; issue 3 "What must be shown").

For a posix share and a pmem share, a client writes numbered 4 KiB blocks
and records each acknowledgement; another thread kills daxsmbd with SIGKILL
mid-stream; the server is restarted and every acknowledged block must read
back exact.  Two variants:
  write-through: every WRITE carries SMB2_WRITEFLAG_WRITE_THROUGH; every
                 block acknowledged before the kill must be there.
  flush:         plain WRITEs and a FLUSH every 16 blocks; every block
                 written before a FLUSH that succeeded must be there.

SIGKILL of the process cannot lose page-cache data on tmpfs or ext4, so this
proves that the server acknowledges only once the write reached the file,
and that a restarted server serves it (not power-loss durability).

Usage: durability.py PATH/TO/daxsmbd
Prints "N passed, N failed"; exits non-zero on any failure."""
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3
from impacket.nt_errors import STATUS_SUCCESS

BLK = 4096
TOTAL = 1500          # blocks the writer tries to write
FLUSH_EVERY = 16

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAIL: {what}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def block(i):
    """Block i: its index, a pattern derived from it, a checksum."""
    body = struct.pack("<Q", i) + hashlib.shake_128(struct.pack("<Q", i)).digest(BLK - 8 - 16)
    return body + hashlib.md5(body).digest()


class Server:
    def __init__(self, daxsmbd, mode, tmp):
        self.daxsmbd = daxsmbd
        self.data = os.path.join(tmp, "data")
        os.makedirs(self.data)
        os.chmod(tmp, 0o755)
        os.chmod(self.data, 0o777)
        self.port = free_port()
        self.conf = os.path.join(tmp, "daxsmbd.conf")
        self.log = os.path.join(tmp, "daxsmbd.log")
        with open(self.conf, "w") as f:
            f.write(f"""[global]
  smb ports = {self.port}
  interfaces = 127.0.0.1
  passdb file = {tmp}/passdb
  state directory = {tmp}/state
  log level = 2
[data]
  path = {self.data}
  read only = no
  guest ok = yes
  dax mode = {mode}
""")
        self.proc = None

    def start(self):
        self.logf = open(self.log, "a")
        self.proc = subprocess.Popen([self.daxsmbd, "--config", self.conf],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        end = time.time() + 20
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("daxsmbd exited at start:\n" + self.text())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("daxsmbd did not start:\n" + self.text())

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()

    def text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def connect(port):
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
    c.login("", "")  # guest
    tid = c.connectTree("data")
    return c, tid


def write_block(c, tid, fid, i, through):
    """One SMB2 WRITE of block i, built as impacket's SMB3.write() does but
    with Flags set; True once the server acknowledged it."""
    smb = c.getSMBServer()
    packet = smb.SMB_PACKET()
    packet["Command"] = s3.SMB2_WRITE
    packet["TreeID"] = tid
    packet["CreditCharge"] = 1
    w = s3.SMB2Write()
    w["FileID"] = fid
    w["Length"] = BLK
    w["Offset"] = i * BLK
    w["WriteChannelInfoOffset"] = 0
    w["Flags"] = s3.SMB2_WRITEFLAG_WRITE_THROUGH if through else 0
    w["Buffer"] = block(i)
    packet["Data"] = w
    ans = smb.recvSMB(smb.sendSMB(packet))
    if not ans.isValidAnswer(STATUS_SUCCESS):
        return False
    return s3.SMB2Write_Response(ans["Data"])["Count"] == BLK


def run_variant(daxsmbd, mode, variant):
    tmp = tempfile.mkdtemp(prefix=f"daxsmb-dur-{mode}-{variant}-")
    srv = Server(daxsmbd, mode, tmp)
    name = f"{mode}/{variant}"
    try:
        srv.start()
        if mode == "pmem":
            m = re.search(r"store granularity ([a-z ]+):", srv.text())
            check(m is not None, f"{name}: the log names the store granularity"
                  + (f" ({m.group(1)})" if m else ""))
        c, tid = connect(srv.port)
        fid = c.createFile(tid, "blocks.bin")
        acked = []          # blocks acknowledged (write-through)
        durable_upto = [0]  # blocks before the last successful FLUSH
        kill_after = random.randint(300, 700)
        enough = threading.Event()

        def killer():
            enough.wait(120)
            srv.kill()

        k = threading.Thread(target=killer)
        k.start()
        err = None
        t0 = time.time()
        try:
            for i in range(TOTAL):
                through = variant == "write-through"
                if not write_block(c, tid, fid, i, through):
                    err = f"write {i} refused"
                    break
                if through:
                    acked.append(i)
                    if len(acked) >= kill_after:
                        enough.set()
                elif (i + 1) % FLUSH_EVERY == 0:
                    if not c.getSMBServer().flush(tid, fid):
                        err = f"flush after {i} refused"
                        break
                    durable_upto[0] = i + 1
                    if durable_upto[0] >= kill_after:
                        enough.set()
        except Exception as e:  # the connection dies with the server
            err = f"{type(e).__name__}: {e}"
        enough.set()
        k.join()
        dt = time.time() - t0
        n_ok = len(acked) if variant == "write-through" else durable_upto[0]
        print(f"{name}: {n_ok} blocks acknowledged durable before SIGKILL "
              f"({dt * 1000 / max(n_ok, 1):.3f} ms per block; writer stopped by: {err})")
        check(srv.proc.returncode == -signal.SIGKILL, f"{name}: the server was killed mid-stream")
        check(n_ok >= kill_after, f"{name}: {n_ok} acknowledgements before the kill")

        srv.start()
        c, tid = connect(srv.port)
        fid = c.openFile(tid, "blocks.bin", desiredAccess=0x120089)  # FILE_GENERIC_READ
        want = acked if variant == "write-through" else range(durable_upto[0])
        bad = []
        smb = c.getSMBServer()
        for i in want:
            data = smb.read(tid, fid, i * BLK, BLK)
            if data != block(i):
                bad.append(i)
        c.closeFile(tid, fid)
        check(not bad, f"{name}: every acknowledged block reads back exact after restart"
              + (f" (bad: {bad[:10]}{'...' if len(bad) > 10 else ''})" if bad else ""))
        text = srv.text()
        check(not any(m in text for m in ("AddressSanitizer", "runtime error:")),
              f"{name}: no sanitizer report")
    except Exception as e:
        check(False, f"{name}: {type(e).__name__}: {e}\n{srv.text()[-3000:]}")
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    daxsmbd = os.path.abspath(sys.argv[1])
    for mode in ("posix", "pmem"):
        for variant in ("write-through", "flush"):
            run_variant(daxsmbd, mode, variant)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
