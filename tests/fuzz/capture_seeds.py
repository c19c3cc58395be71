#!/usr/bin/python3
"""Seeds for the fuzz targets from real traffic (issue 4).

Starts a real daxsmbd (tests/interop/daxtest.py DaxServer) from BUILD,
captures its loopback port with tshark while real clients talk to it as
anonymous or guest users (smbclient at SMB2_02, SMB2_10, SMB3_00 and
SMB3_11 on [guest] and on a read-only guest share [guestro], `smbclient
-L`, impacket at each dialect), then:

- writes one seed per TCP connection for fuzz_server into
  tests/fuzz/server/corpus/fuzz_server/cap-<hash>: the client-to-server byte
  stream, i.e. direct-TCP frames (a zero byte, a 24-bit big-endian length,
  the frame), the format fuzz_server reads.  Connections longer than
  fuzz_server's 64 frames are cut into several seeds that each repeat the
  connection's set-up (negotiate, session setup, tree connect);
- writes a handful of single SMB2 frames, one per command (and one
  compound), into tests/fuzz/proto/corpus/fuzz_smb2_req/real-<command>.

Anonymous and guest sessions carry no signature, so the captured requests
stay valid when replayed; what differs between the captured server and
fuzz_server is fixed up here:
- session ids: daxsmbd hands out (pid << 32 | n); fuzz_server starts every
  connection at SESSION_ID_BASE (fuzz_server.c), so each request's
  SessionId is rewritten to the id fuzz_server will have given;
- WRITE payloads are cut to WRITE_KEEP bytes (DataLength and the frame
  length fixed) to keep the corpus small.

Usage: tests/fuzz/capture_seeds.py BUILD   (a non-fuzz build with daxsmbd
and daxsmb).  Needs root (tshark on lo), tshark, smbclient, impacket.
"""
import argparse
import glob
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import daxtest  # noqa: E402

SESSION_ID_BASE = 0x0000DA7500000001   # fuzz_server.c
MAX_FRAMES = 64                        # fuzz_server.c
WRITE_KEEP = 2048
SMB2_MAGIC = b"\xfeSMB"
SMB2_HDR = 64
CMD_NAMES = ["negotiate", "session_setup", "logoff", "tree_connect", "tree_disconnect",
             "create", "close", "flush", "read", "write", "lock", "ioctl", "cancel", "echo",
             "query_directory", "change_notify", "query_info", "set_info", "oplock_break"]
SMB2_SESSION_SETUP, SMB2_TREE_CONNECT, SMB2_WRITE = 1, 3, 9


def log(msg):
    print(f"capture_seeds: {msg}", flush=True)


# ---- traffic --------------------------------------------------------------

def smbclient(port, share, proto, cmds, cwd, user=None):
    cmd = ["smbclient", "-s", daxtest.client_conf(), f"//127.0.0.1/{share}", "-p", str(port)]
    cmd += ["-U", user] if user else ["-N"]
    if proto:
        cmd += ["-m", proto]
    if cmds is not None:
        cmd += ["-c", cmds]
    p = daxtest.run(cmd, cwd=cwd, timeout=60)
    what = f"smbclient {share} {proto or 'default'} {user or '-N'}"
    log(f"{what}: exit {p.returncode}")
    if p.returncode != 0:
        log("  " + (p.stdout + p.stderr).strip().replace("\n", "\n  ")[-600:])


def run_smbclient(port, work):
    with open(os.path.join(work, "small.txt"), "wb") as f:
        f.write(b"daxsmb seed file\n" * 100)            # 1.7 KB
    with open(os.path.join(work, "big.bin"), "wb") as f:
        f.write(bytes(range(256)) * 1024)               # 256 KB: multi-credit
    for proto in ("SMB2_02", "SMB2_10", "SMB3_00", "SMB3_11"):
        d = "d_" + proto
        cmds = (f"mkdir {d}; cd {d}; put small.txt s1.txt; get s1.txt got.txt; ls; "
                f"allinfo s1.txt; rename s1.txt s2.txt; ls *.txt; del s2.txt; cd ..; "
                f"rmdir {d}; ls")
        smbclient(port, "guest", proto, cmds, work)
        smbclient(port, "guestro", proto, "ls; get readme.txt ro.txt; allinfo readme.txt; "
                  "put small.txt x.txt; mkdir nope; del readme.txt", work)
    # Bigger transfers, a guest logon by an unknown user name, and a listing.
    smbclient(port, "guest", "SMB3_11", "put big.bin big.bin; get big.bin big2.bin; "
              "allinfo big.bin; del big.bin", work)
    smbclient(port, "guest", "SMB3_00", "mkdir x; cd x; put small.txt a; put small.txt b; "
              "ls; rename a c; deltree x", work, user="nosuchuser%whatever")
    for proto in (None, "SMB2_02"):
        cmd = ["smbclient", "-s", daxtest.client_conf(), "-L", "//127.0.0.1", "-p", str(port), "-N"]
        if proto:
            cmd += ["-m", proto]
        p = daxtest.run(cmd, timeout=60)
        log(f"smbclient -L {proto or 'default'}: exit {p.returncode}")


IMPACKET_SCRIPT = r"""
import io, sys
from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3
port = int(sys.argv[1])
dialects = {"auto": None, "2.002": s3.SMB2_DIALECT_002, "2.1": s3.SMB2_DIALECT_21,
            "3.0": s3.SMB2_DIALECT_30, "3.1.1": s3.SMB2_DIALECT_311}
for name, d in dialects.items():
    try:
        kw = {"preferredDialect": d} if d else {}
        c = SMBConnection("*SMBSERVER", "127.0.0.1", sess_port=port, timeout=10, **kw)
        c.login("", "")
        shares = [s["shi1_netname"][:-1] for s in c.listShares()]
        c.createDirectory("guest", "imp_" + name)
        data = b"impacket " * 200
        c.putFile("guest", "imp_%s/f.txt" % name, io.BytesIO(data).read)
        out = io.BytesIO()
        c.getFile("guest", "imp_%s/f.txt" % name, out.write)
        c.listPath("guest", "imp_%s/*" % name)
        c.rename("guest", "imp_%s/f.txt" % name, "imp_%s/g.txt" % name)
        c.deleteFile("guest", "imp_%s/g.txt" % name)
        c.deleteDirectory("guest", "imp_" + name)
        c.listPath("guestro", "*")
        c.logoff()
        c.close()
        print("impacket %s: ok, shares %s, read back %s" % (name, shares, out.getvalue() == data))
    except Exception as e:
        print("impacket %s: %r" % (name, e))
"""


def run_impacket(port, work):
    p = daxtest.run(["/usr/bin/python3", "-c", IMPACKET_SCRIPT, str(port)], timeout=120, cwd=work)
    for line in (p.stdout + p.stderr).strip().splitlines()[-12:]:
        log(line)


# ---- capture and reassembly -------------------------------------------------

def start_tshark(port, pcap):
    proc = subprocess.Popen(["tshark", "-i", "lo", "-f", f"tcp port {port}", "-w", pcap, "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    line = ""
    end = time.time() + 20
    while time.time() < end and "Capturing on" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise RuntimeError("tshark did not start")
    time.sleep(0.5)
    return proc


def streams(pcap, port):
    """{stream: (client->server bytes, server->client bytes)}"""
    out = subprocess.run(["tshark", "-r", pcap, "-Y", "tcp.len > 0", "-T", "fields",
                          "-e", "tcp.stream", "-e", "tcp.dstport", "-e", "tcp.seq_raw",
                          "-e", "tcp.payload"], capture_output=True, text=True, check=True).stdout
    segs = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 4 or not f[3]:
            continue
        key = (int(f[0]), int(f[1]) == port)
        segs.setdefault(key, {})[int(f[2])] = bytes.fromhex(f[3].replace(":", ""))
    result = {}
    for (sid, to_server), d in segs.items():
        first = min(d, key=lambda s: (s - next(iter(d))) % 2**32)  # lowest, wrap-safe
        data = bytearray()
        for seq in sorted(d, key=lambda s: (s - first) % 2**32):
            rel = (seq - first) % 2**32
            seg = d[seq]
            if rel > len(data):
                log(f"stream {sid}: gap in capture, cut at {len(data)} bytes")
                break
            data += seg[len(data) - rel:]      # retransmissions overlap
        cs, sc = result.get(sid, (b"", b""))
        result[sid] = (bytes(data), sc) if to_server else (cs, bytes(data))
    return result


def frames(stream):
    """Direct-TCP frames of a byte stream (a partial tail is dropped)."""
    pos, out = 0, []
    while pos + 4 <= len(stream):
        if stream[pos] != 0:
            break
        n = int.from_bytes(stream[pos + 1:pos + 4], "big")
        if pos + 4 + n > len(stream):
            break
        out.append(bytearray(stream[pos + 4:pos + 4 + n]))
        pos += 4 + n
    return out


def messages(frame):
    """(offset, length) of each SMB2 message of a compound frame."""
    if frame[:4] != SMB2_MAGIC:
        return []
    out, off = [], 0
    while off + SMB2_HDR <= len(frame) and frame[off:off + 4] == SMB2_MAGIC:
        nxt = struct.unpack_from("<I", frame, off + 20)[0]
        end = off + nxt if nxt else len(frame)
        if end > len(frame) or (nxt and nxt < SMB2_HDR):
            break
        out.append((off, end - off))
        if not nxt:
            break
        off = end
    return out


def cmd_of(frame, off):
    return struct.unpack_from("<H", frame, off + 12)[0]


def session_map(server_frames):
    """Captured session ids -> the ids fuzz_server hands out (it counts from
    SESSION_ID_BASE on every connection, as daxsmbd counts from pid<<32|1
    over all its connections; clients ran one at a time)."""
    ids = set()
    for fr in server_frames:
        for off, _ in messages(fr):
            if cmd_of(fr, off) == SMB2_SESSION_SETUP:
                sid = struct.unpack_from("<Q", fr, off + 40)[0]
                if sid:
                    ids.add(sid)
    if not ids:
        return {}
    low = min(ids) & 0xFFFFFFFF
    return {s: SESSION_ID_BASE + ((s & 0xFFFFFFFF) - low) for s in ids}


def fix_frame(fr, smap):
    """Rewrites session ids; cuts the payload of a lone WRITE."""
    msgs = messages(fr)
    for off, _ in msgs:
        sid = struct.unpack_from("<Q", fr, off + 40)[0]
        if sid in smap:
            struct.pack_into("<Q", fr, off + 40, smap[sid])
    if len(msgs) == 1 and cmd_of(fr, 0) == SMB2_WRITE and len(fr) >= SMB2_HDR + 48:
        data_off = struct.unpack_from("<H", fr, SMB2_HDR + 2)[0]
        data_len = struct.unpack_from("<I", fr, SMB2_HDR + 4)[0]
        if data_len > WRITE_KEEP and data_off + data_len <= len(fr):
            struct.pack_into("<I", fr, SMB2_HDR + 4, WRITE_KEEP)
            del fr[data_off + WRITE_KEEP:]
    return fr


def is_setup(fr):
    """Negotiate (SMB1 or SMB2), session setup or tree connect."""
    if fr[:4] == b"\xffSMB":
        return True
    msgs = messages(fr)
    return bool(msgs) and all(cmd_of(fr, o) in (0, SMB2_SESSION_SETUP, SMB2_TREE_CONNECT)
                              for o, _ in msgs)


def seeds_of(client_frames):
    """One seed, or several of at most MAX_FRAMES frames that each start
    with the connection's set-up frames."""
    if len(client_frames) <= MAX_FRAMES:
        return [client_frames]
    setup = []
    for fr in client_frames:
        if not is_setup(fr):
            break
        setup.append(fr)
    rest = client_frames[len(setup):]
    step = max(8, MAX_FRAMES - len(setup))
    return [setup + rest[i:i + step] for i in range(0, len(rest), step)]


def encode(frs):
    return b"".join(len(f).to_bytes(4, "big") + bytes(f) for f in frs)


# ---- main ---------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", help="a build directory with daxsmbd and daxsmb")
    ap.add_argument("--server-corpus", default=os.path.join(HERE, "server", "corpus", "fuzz_server"))
    ap.add_argument("--proto-corpus", default=os.path.join(HERE, "proto", "corpus", "fuzz_smb2_req"))
    ap.add_argument("--keep-pcap", help="also copy the capture here")
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    work = tempfile.mkdtemp(prefix="daxsmb-capture-")
    pcap = os.path.join(work, "capture.pcapng")
    os.chmod(work, 0o777)   # tshark drops privileges to write the file
    # fuzz_server serves the same [guest] and [guestro] shares.
    guestro = os.path.join(work, "guestro")
    os.makedirs(guestro)
    with open(os.path.join(guestro, "readme.txt"), "w") as f:
        f.write("read only\n")
    srv = daxtest.DaxServer(build, users=(("alice", "Secret-1"),), extra_shares=f"""
[guestro]
  path = {guestro}
  read only = yes
  guest ok = yes
""")
    tshark = None
    try:
        srv.start()
        log(f"daxsmbd on port {srv.port}")
        tshark = start_tshark(srv.port, pcap)
        run_smbclient(srv.port, work)
        run_impacket(srv.port, work)
        time.sleep(1)
    finally:
        if tshark:
            tshark.send_signal(signal.SIGINT)
            tshark.wait(30)
        problems = srv.stop()
        srv.cleanup()
    for p in problems:
        log("server problem: " + p)
    if args.keep_pcap:
        shutil.copy(pcap, args.keep_pcap)

    conns = streams(pcap, srv.port)
    os.makedirs(args.server_corpus, exist_ok=True)
    for old in glob.glob(os.path.join(args.server_corpus, "cap-*")):
        os.unlink(old)
    written, nbytes, proto_msgs = set(), 0, {}
    for sid in sorted(conns):
        cs, sc = conns[sid]
        smap = session_map(frames(sc))
        cframes = [fix_frame(fr, smap) for fr in frames(cs)]
        if not cframes:
            continue
        for seed in seeds_of(cframes):
            blob = encode(seed)
            name = "cap-" + hashlib.sha1(blob).hexdigest()[:16]
            if name in written:
                continue
            with open(os.path.join(args.server_corpus, name), "wb") as f:
                f.write(blob)
            written.add(name)
            nbytes += len(blob)
        # Single frames for fuzz_smb2_req: the first of each command, and
        # the first compound.
        for fr in cframes:
            msgs = messages(fr)
            if not msgs:
                continue
            if len(msgs) > 1:
                key = "compound"
            else:
                c = cmd_of(fr, 0)
                key = CMD_NAMES[c] if c < len(CMD_NAMES) else f"cmd{c}"
            proto_msgs.setdefault(key, bytes(fr))
    log(f"{len(conns)} connections -> {len(written)} fuzz_server seeds, {nbytes} bytes "
        f"in {args.server_corpus}")

    os.makedirs(args.proto_corpus, exist_ok=True)
    for old in glob.glob(os.path.join(args.proto_corpus, "real-*")):
        os.unlink(old)
    total = 0
    for key in sorted(proto_msgs):
        with open(os.path.join(args.proto_corpus, "real-" + key), "wb") as f:
            f.write(proto_msgs[key])
        total += len(proto_msgs[key])
    log(f"{len(proto_msgs)} fuzz_smb2_req seeds (real-*), {total} bytes in {args.proto_corpus}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
