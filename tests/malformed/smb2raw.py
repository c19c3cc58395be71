"""A raw SMB2 client for the malformed-input suite: every byte is built here
with struct.pack from MS-SMB2 2.2, so that a test can lie in any field.

Nothing here validates what it sends; the builders take the honest values
as defaults and every one can be overridden."""
import socket
import struct
import time

# ---- constants (MS-SMB2 2.2.1, MS-ERREF 2.3) ----

NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, TREE_DISCONNECT = 0, 1, 2, 3, 4
CREATE, CLOSE, FLUSH, READ, WRITE, LOCK, IOCTL, CANCEL, ECHO = 5, 6, 7, 8, 9, 10, 11, 12, 13
QUERY_DIRECTORY, CHANGE_NOTIFY, QUERY_INFO, SET_INFO, OPLOCK_BREAK = 14, 15, 16, 17, 18

COMMAND_NAMES = {
    0: "NEGOTIATE", 1: "SESSION_SETUP", 2: "LOGOFF", 3: "TREE_CONNECT", 4: "TREE_DISCONNECT",
    5: "CREATE", 6: "CLOSE", 7: "FLUSH", 8: "READ", 9: "WRITE", 10: "LOCK", 11: "IOCTL",
    12: "CANCEL", 13: "ECHO", 14: "QUERY_DIRECTORY", 15: "CHANGE_NOTIFY", 16: "QUERY_INFO",
    17: "SET_INFO", 18: "OPLOCK_BREAK",
}

FLAGS_SERVER_TO_REDIR = 0x1
FLAGS_ASYNC = 0x2
FLAGS_RELATED = 0x4
FLAGS_SIGNED = 0x8

SMB2_MAGIC = b"\xfeSMB"
SMB1_MAGIC = b"\xffSMB"
TRANSFORM_MAGIC = b"\xfdSMB"
COMPRESSION_MAGIC = b"\xfcSMB"
HDR = 64

STATUS = {
    "SUCCESS": 0x00000000,
    "PENDING": 0x00000103,
    "BUFFER_OVERFLOW": 0x80000005,
    "NO_MORE_FILES": 0x80000006,
    "INVALID_INFO_CLASS": 0xC0000003,
    "INFO_LENGTH_MISMATCH": 0xC0000004,
    "INVALID_HANDLE": 0xC0000008,
    "INVALID_PARAMETER": 0xC000000D,
    "NO_SUCH_FILE": 0xC000000F,
    "INVALID_DEVICE_REQUEST": 0xC0000010,
    "END_OF_FILE": 0xC0000011,
    "MORE_PROCESSING_REQUIRED": 0xC0000016,
    "ACCESS_DENIED": 0xC0000022,
    "BUFFER_TOO_SMALL": 0xC0000023,
    "OBJECT_NAME_INVALID": 0xC0000033,
    "OBJECT_NAME_NOT_FOUND": 0xC0000034,
    "OBJECT_NAME_COLLISION": 0xC0000035,
    "OBJECT_PATH_INVALID": 0xC0000039,
    "OBJECT_PATH_NOT_FOUND": 0xC000003A,
    "OBJECT_PATH_SYNTAX_BAD": 0xC000003B,
    "LOGON_FAILURE": 0xC000006D,
    "NOT_SUPPORTED": 0xC00000BB,
    "NETWORK_NAME_DELETED": 0xC00000C9,
    "BAD_NETWORK_NAME": 0xC00000CC,
    "REQUEST_NOT_ACCEPTED": 0xC00000D0,
    "MEDIA_WRITE_PROTECTED": 0xC00000A2,
    "NAME_TOO_LONG": 0xC0000106,
    "CANNOT_DELETE": 0xC0000121,
    "FILE_CLOSED": 0xC0000128,
    "USER_SESSION_DELETED": 0xC0000203,
    "NETWORK_SESSION_EXPIRED": 0xC000035C,
    "INSUFFICIENT_RESOURCES": 0xC000009A,
    "DISK_FULL": 0xC000007F,
    "TOO_MANY_SESSIONS": 0xC00000CE,
    "INVALID_OPLOCK_PROTOCOL": 0xC00000E3,
    "FS_DRIVER_REQUIRED": 0xC000019C,
}
STATUS_NAME = {v: k for k, v in STATUS.items()}


def sname(st):
    return STATUS_NAME.get(st, f"0x{st:08X}")


# FSCC / access constants used by the cases
FILE_READ_DATA, FILE_WRITE_DATA, FILE_APPEND_DATA = 0x1, 0x2, 0x4
FILE_READ_EA, FILE_WRITE_EA, FILE_READ_ATTRIBUTES, FILE_WRITE_ATTRIBUTES = 0x8, 0x10, 0x80, 0x100
FILE_LIST_DIRECTORY = 0x1
DELETE, READ_CONTROL, SYNCHRONIZE = 0x10000, 0x20000, 0x100000
GENERIC_ALL, GENERIC_READ, GENERIC_WRITE = 0x10000000, 0x80000000, 0x40000000
FILE_SHARE_ALL = 0x7
FILE_SUPERSEDE, FILE_OPEN, FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE, FILE_OVERWRITE_IF = range(6)
FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE = 0x1, 0x40
RW_ACCESS = FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | \
    READ_CONTROL | SYNCHRONIZE
DIR_ACCESS = FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE

INFO_FILE, INFO_FILESYSTEM, INFO_SECURITY, INFO_QUOTA = 1, 2, 3, 4
FileDirectoryInformation = 1
FileBasicInformation = 4
FileRenameInformation = 10
FileDispositionInformation = 13
FileEndOfFileInformation = 20
FileStandardInformation = 5
FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204
FSCTL_PIPE_TRANSCEIVE = 0x0011C017

ALL_ONES_FID = (0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF)


def utf16(s):
    return s.encode("utf-16-le")


def fid_bytes(fid):
    return struct.pack("<QQ", fid[0], fid[1])


# ---- header and bodies (MS-SMB2 2.2.x); all offsets are from the header ----

def header(cmd, mid, sid=0, tid=0, flags=0, next_cmd=0, credit_charge=1, credits=512,
           status=0, pid=0xFEFF, struct_size=HDR, magic=SMB2_MAGIC, async_id=None, signature=b""):
    """MS-SMB2 2.2.1.2 (sync) or 2.2.1.1 (async when async_id is given)."""
    if async_id is not None:
        flags |= FLAGS_ASYNC
        mid_tail = struct.pack("<Q", async_id)
    else:
        mid_tail = struct.pack("<II", pid, tid)
    return (magic + struct.pack("<HHIHHII", struct_size, credit_charge, status, cmd, credits,
                                flags, next_cmd) +
            struct.pack("<Q", mid) + mid_tail + struct.pack("<Q", sid) +
            signature.ljust(16, b"\0")[:16])


def negotiate_body(dialects=(0x0202, 0x0210, 0x0300, 0x0302), dialect_count=None, sec_mode=1,
                   caps=0, guid=b"daxsmb-malformed", contexts=None, ctx_off=None, ctx_count=None,
                   struct_size=36):
    """MS-SMB2 2.2.3; contexts is a list of (type, data) for 3.1.1."""
    n = len(dialects) if dialect_count is None else dialect_count
    dial = b"".join(struct.pack("<H", d) for d in dialects)
    if contexts is None and 0x0311 not in dialects:
        return struct.pack("<HHHHI16sQ", struct_size, n, sec_mode, 0, caps, guid, 0) + dial
    contexts = contexts or []
    fixed_end = HDR + 36 + len(dial)
    pad = (-fixed_end) % 8
    blob = b""
    for i, (ctype, data) in enumerate(contexts):
        if i:
            blob += b"\0" * ((-len(blob)) % 8)
        blob += struct.pack("<HHI", ctype, len(data), 0) + data
    off = fixed_end + pad if ctx_off is None else ctx_off
    cnt = len(contexts) if ctx_count is None else ctx_count
    body = struct.pack("<HHHHI16sIHH", struct_size, n, sec_mode, 0, caps, guid, off, cnt, 0)
    return body + dial + b"\0" * pad + blob


def preauth_ctx(salt=b"s" * 32):
    return (1, struct.pack("<HHH", 1, len(salt), 1) + salt)   # SHA-512


def session_setup_body(token, off=None, length=None, flags=0, sec_mode=1, caps=0, prev=0,
                       struct_size=25):
    """MS-SMB2 2.2.5: the security buffer right after the 24-byte fixed part."""
    o = HDR + 24 if off is None else off
    n = len(token) if length is None else length
    return struct.pack("<HBBIIHHQ", struct_size, flags, sec_mode, caps, 0, o, n, prev) + token


def empty4_body(struct_size=4):
    """LOGOFF, TREE_DISCONNECT, ECHO, CANCEL (2.2.7, 2.2.11, 2.2.28, 2.2.30)."""
    return struct.pack("<HH", struct_size, 0)


def tree_connect_body(path, off=None, length=None, struct_size=9):
    """MS-SMB2 2.2.9."""
    p = utf16(path) if isinstance(path, str) else path
    o = HDR + 8 if off is None else off
    n = len(p) if length is None else length
    return struct.pack("<HHHH", struct_size, 0, o, n) + p


def create_context(name, data=b"", next_off=None, name_off=None, name_len=None, data_off=None,
                   data_len=None):
    """MS-SMB2 2.2.13.2; one element (Next is patched by create_contexts)."""
    nm_off = 16 if name_off is None else name_off
    d_off = ((16 + len(name) + 7) & ~7) if data else 0
    if data_off is not None:
        d_off = data_off
    el = struct.pack("<IHHHHI", 0 if next_off is None else next_off, nm_off,
                     len(name) if name_len is None else name_len, 0, d_off,
                     len(data) if data_len is None else data_len) + name
    if data:
        el += b"\0" * ((-len(el)) % 8) + data
    return el


def create_contexts(elements, nexts=None):
    """Chains elements 8-aligned; nexts overrides each Next field."""
    out = b""
    starts = []
    for i, el in enumerate(elements):
        if i:
            out += b"\0" * ((-len(out)) % 8)
        starts.append(len(out))
        out += el
    out = bytearray(out)
    for i in range(len(elements)):
        if nexts is not None and nexts[i] is not None:
            nxt = nexts[i]
        else:
            nxt = starts[i + 1] - starts[i] if i + 1 < len(elements) else 0
        struct.pack_into("<I", out, starts[i], nxt & 0xFFFFFFFF)
    return bytes(out)


def create_body(name, access=RW_ACCESS, disposition=FILE_OPEN_IF, options=FILE_NON_DIRECTORY_FILE,
                share=FILE_SHARE_ALL, attrs=0x80, oplock=0, imp=2, contexts=b"",
                name_off=None, name_len=None, ctx_off=None, ctx_len=None, struct_size=57):
    """MS-SMB2 2.2.13: name at 0x78, contexts 8-aligned after it."""
    n = utf16(name) if isinstance(name, str) else name
    buf = n
    c_off = 0
    if contexts:
        buf += b"\0" * ((-(HDR + 56 + len(buf))) % 8)
        c_off = HDR + 56 + len(buf)
        buf += contexts
    if not buf:
        buf = b"\0"
    body = struct.pack("<HBBIQQIIIIIHHII", struct_size, 0, oplock, imp, 0, 0, access, attrs,
                       share, disposition, options,
                       HDR + 56 if name_off is None else name_off,
                       len(n) if name_len is None else name_len,
                       c_off if ctx_off is None else ctx_off,
                       len(contexts) if ctx_len is None else ctx_len)
    return body + buf


def close_body(fid, flags=0, struct_size=24):
    return struct.pack("<HHI", struct_size, flags, 0) + fid_bytes(fid)


def flush_body(fid, struct_size=24):
    return struct.pack("<HHI", struct_size, 0, 0) + fid_bytes(fid)


def read_body(fid, length, offset=0, min_count=0, channel=0, ci=b"", ci_off=None, ci_len=None,
              struct_size=49):
    """MS-SMB2 2.2.19: channel info (if any) right after the 48-byte fixed part."""
    o = (HDR + 48 if ci else 0) if ci_off is None else ci_off
    n = len(ci) if ci_len is None else ci_len
    return (struct.pack("<HBBIQ", struct_size, 0, 0, length, offset) + fid_bytes(fid) +
            struct.pack("<IIIHH", min_count, channel, 0, o, n) + (ci or b"\0"))


def write_body(fid, data, offset=0, data_off=None, length=None, ci=b"", ci_off=None, ci_len=None,
               flags=0, struct_size=49):
    """MS-SMB2 2.2.21: data at 0x70, channel info after it."""
    o = HDR + 48 if data_off is None else data_off
    n = len(data) if length is None else length
    co = (HDR + 48 + len(data) if ci else 0) if ci_off is None else ci_off
    cn = len(ci) if ci_len is None else ci_len
    return (struct.pack("<HHIQ", struct_size, o, n, offset) + fid_bytes(fid) +
            struct.pack("<IIHHI", 0, 0, co, cn, flags) + data + ci)


def lock_body(fid, locks=((0, 1, 0x2 | 0x10),), count=None, struct_size=48):
    """MS-SMB2 2.2.26: locks are (offset, length, flags)."""
    n = len(locks) if count is None else count
    els = b"".join(struct.pack("<QQII", o, ln, f, 0) for o, ln, f in locks)
    return struct.pack("<HHI", struct_size, n, 0) + fid_bytes(fid) + els


def ioctl_body(fid, ctl, inp=b"", in_off=None, in_count=None, max_in=0, out_off=0, out_count=0,
               max_out=4096, flags=1, struct_size=57):
    """MS-SMB2 2.2.31: input right after the 56-byte fixed part."""
    o = HDR + 56 if in_off is None else in_off
    n = len(inp) if in_count is None else in_count
    return (struct.pack("<HHI", struct_size, 0, ctl) + fid_bytes(fid) +
            struct.pack("<IIIIIIII", o, n, max_in, out_off, out_count, max_out, flags, 0) +
            (inp or b"\0"))


def query_directory_body(fid, pattern="*", info_class=FileDirectoryInformation, flags=0,
                         out_len=65536, pat_off=None, pat_len=None, struct_size=33):
    """MS-SMB2 2.2.33: pattern at 0x60."""
    p = utf16(pattern) if isinstance(pattern, str) else pattern
    o = HDR + 32 if pat_off is None else pat_off
    n = len(p) if pat_len is None else pat_len
    return (struct.pack("<HBBI", struct_size, info_class, flags, 0) + fid_bytes(fid) +
            struct.pack("<HHI", o, n, out_len) + (p or b"\0"))


def change_notify_body(fid, out_len=4096, flt=0x17, struct_size=32):
    return struct.pack("<HHI", struct_size, 0, out_len) + fid_bytes(fid) + struct.pack("<II", flt, 0)


def query_info_body(fid, info_type=INFO_FILE, cls=FileStandardInformation, out_len=4096,
                    inp=b"", in_off=None, in_len=None, addl=0, flags=0, struct_size=41):
    """MS-SMB2 2.2.37: input buffer at 0x68."""
    o = (HDR + 40 if inp else 0) if in_off is None else in_off
    n = len(inp) if in_len is None else in_len
    return (struct.pack("<HBBIHHIII", struct_size, info_type, cls, out_len, o, 0, n, addl, flags) +
            fid_bytes(fid) + (inp or b"\0"))


def set_info_body(fid, info_type, cls, buf, buf_off=None, buf_len=None, addl=0, struct_size=33):
    """MS-SMB2 2.2.39: buffer at 0x60."""
    o = HDR + 32 if buf_off is None else buf_off
    n = len(buf) if buf_len is None else buf_len
    return (struct.pack("<HBBIHHI", struct_size, info_type, cls, n, o, 0, addl) + fid_bytes(fid) +
            (buf or b"\0"))


def oplock_break_body(fid, level=0, struct_size=24):
    return struct.pack("<HBBI", struct_size, level, 0, 0) + fid_bytes(fid)


def rename_info(name, replace=0, name_len=None):
    """MS-FSCC 2.4.37 FILE_RENAME_INFORMATION_TYPE_2 (SMB2 form)."""
    n = utf16(name) if isinstance(name, str) else name
    return struct.pack("<B7sQI", replace, b"", 0, len(n) if name_len is None else name_len) + n


def compound(msgs, pad=True):
    """Chains complete messages (header + body), patching NextCommand to the
    8-aligned offset of the next one unless the header already has one."""
    out = b""
    for i, m in enumerate(msgs):
        m = bytearray(m)
        if i + 1 < len(msgs):
            if pad:
                m += b"\0" * ((-len(m)) % 8)
            if struct.unpack_from("<I", m, 20)[0] == 0:
                struct.pack_into("<I", m, 20, len(m))
        out += bytes(m)
    return out


# ---- SPNEGO / NTLMSSP for anonymous and NTLMv2 logons ----

SPNEGO_OID = b"\x06\x06\x2b\x06\x01\x05\x05\x02"
NTLMSSP_OID = b"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
NTLM_FLAGS = (0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00080000 | 0x20000000 |
              0x80000000)
NTLM_FLAGS_ANON = NTLM_FLAGS | 0x00000800


def der(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = b"\x81" + bytes([n])
    elif n < 0x10000:
        ln = b"\x82" + struct.pack(">H", n)
    else:
        ln = b"\x83" + struct.pack(">I", n)[1:]
    return bytes([tag]) + ln + content


def spnego_init(mech_token):
    """RFC 4178 NegTokenInit offering NTLMSSP with its first token."""
    mech_types = der(0xA0, der(0x30, NTLMSSP_OID))
    inner = der(0x30, mech_types + der(0xA2, der(0x04, mech_token)))
    return der(0x60, SPNEGO_OID + der(0xA0, inner))


def spnego_resp(token):
    return der(0xA1, der(0x30, der(0xA2, der(0x04, token))))


def ntlm_negotiate(flags=NTLM_FLAGS_ANON):
    """MS-NLMP 2.2.1.1 without domain, workstation or version."""
    return b"NTLMSSP\0" + struct.pack("<II", 1, flags) + struct.pack("<HHI", 0, 0, 0) * 2


def ntlm_authenticate_anon(flags=NTLM_FLAGS_ANON):
    """MS-NLMP 2.2.1.3: all six fields empty (anonymous, 3.2.5.1.2)."""
    fields = b"".join(struct.pack("<HHI", 0, 0, 64) for _ in range(6))
    return b"NTLMSSP\0" + struct.pack("<I", 3) + fields + struct.pack("<I", flags)


def ntlm_from(token):
    i = token.find(b"NTLMSSP\0")
    return token[i:] if i >= 0 else b""


# ---- the connection ----

class Closed(Exception):
    """The server closed the connection."""


class Timeout(Exception):
    """Nothing arrived in time."""


class Reply:
    """One response message (a frame may hold several)."""

    def __init__(self, raw):
        self.raw = raw
        (self.struct_size, self.credit_charge, self.status, self.command, self.credits,
         self.flags, self.next_command, self.mid) = struct.unpack_from("<HHIHHIIQ", raw, 4)
        if self.flags & FLAGS_ASYNC:
            self.async_id = struct.unpack_from("<Q", raw, 32)[0]
            self.tid = 0
        else:
            self.async_id = None
            self.tid = struct.unpack_from("<I", raw, 36)[0]
        self.sid = struct.unpack_from("<Q", raw, 40)[0]
        self.body = raw[HDR:]

    def __repr__(self):
        return (f"<{COMMAND_NAMES.get(self.command, self.command)} mid={self.mid} "
                f"{sname(self.status)}>")


def split_frame(frame):
    """Splits a response frame into its messages by NextCommand."""
    out = []
    pos = 0
    while True:
        if len(frame) - pos < HDR or frame[pos:pos + 4] != SMB2_MAGIC:
            raise ValueError(f"bad response message at {pos} of {len(frame)}: {frame[pos:pos+8]!r}")
        nxt = struct.unpack_from("<I", frame, pos + 20)[0]
        end = pos + nxt if nxt else len(frame)
        out.append(Reply(frame[pos:end]))
        if not nxt:
            return out
        pos = end


class Conn:
    """One TCP connection with its own message id counter and state."""

    def __init__(self, port, timeout=5.0, connect=True):
        self.port = port
        self.timeout = timeout
        self.mid = 0
        self.sid = 0
        self.tid = 0
        self.dialect = None
        self.max_read = 0
        self.sock = None
        if connect:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout)
            self.sock.settimeout(timeout)

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- framing --

    def send_raw(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(f"send failed: {e}") from e

    def send_frame(self, payload):
        self.send_raw(struct.pack(">I", len(payload)) + payload)

    def _recv_exact(self, n, deadline):
        buf = b""
        while len(buf) < n:
            left = deadline - time.time()
            if left <= 0:
                raise Timeout(f"timed out after {len(buf)} of {n} bytes")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout as e:
                raise Timeout(f"timed out after {len(buf)} of {n} bytes") from e
            except ConnectionResetError as e:
                raise Closed("connection reset") from e
            if not chunk:
                raise Closed(f"closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def recv_frame(self, timeout=None):
        deadline = time.time() + (self.timeout if timeout is None else timeout)
        h = self._recv_exact(4, deadline)
        n = struct.unpack(">I", h)[0]
        if n > (16 << 20):
            raise ValueError(f"response frame of {n} bytes")
        return self._recv_exact(n, deadline)

    def recv_replies(self, timeout=None):
        """The messages of the next frame, skipping interim (PENDING) replies."""
        while True:
            msgs = split_frame(self.recv_frame(timeout))
            msgs = [m for m in msgs if not (m.status == STATUS["PENDING"] and m.async_id)]
            if msgs:
                return msgs

    def wait_closed(self, timeout=3.0):
        """Returns None once the server closed the connection; otherwise a
        description of what arrived instead."""
        deadline = time.time() + timeout
        got = []
        while True:
            try:
                frame = self.recv_frame(max(0.01, deadline - time.time()))
            except Closed:
                return None if not got else f"replies before the close: {got}"
            except Timeout:
                return f"still open after {timeout}s" + (f" (replies: {got})" if got else "")
            try:
                got.append(split_frame(frame))
            except ValueError:
                got.append(frame[:16])

    # -- messages --

    def next_mid(self, charge=1):
        m = self.mid
        self.mid += max(charge, 1)
        return m

    def hdr(self, cmd, **kw):
        charge = kw.pop("credit_charge", 1)
        mid = kw.pop("mid", None)
        if mid is None:
            mid = self.next_mid(charge)
        kw.setdefault("sid", self.sid)
        kw.setdefault("tid", self.tid)
        return header(cmd, mid, credit_charge=charge, **kw)

    def msg(self, cmd, body, **kw):
        return self.hdr(cmd, **kw) + body

    def request(self, cmd, body, timeout=None, **kw):
        """Sends one message and returns its reply."""
        self.send_frame(self.msg(cmd, body, **kw))
        r = self.recv_replies(timeout)
        return r[0]

    def call(self, cmd, body, ok=(0,), what=None, **kw):
        r = self.request(cmd, body, **kw)
        if r.status not in ok:
            raise RuntimeError(f"{what or COMMAND_NAMES.get(cmd)} failed: {sname(r.status)}")
        return r

    # -- well-formed steps to reach a state --

    def negotiate(self, dialects=(0x0202, 0x0210, 0x0300, 0x0302)):
        contexts = [preauth_ctx()] if 0x0311 in dialects else None
        r = self.call(NEGOTIATE, negotiate_body(dialects, contexts=contexts))
        self.dialect = struct.unpack_from("<H", r.body, 4)[0]
        self.max_read = struct.unpack_from("<I", r.body, 32)[0]
        return r

    def session_anonymous(self):
        r = self.request(SESSION_SETUP, session_setup_body(spnego_init(ntlm_negotiate())), sid=0)
        if r.status != STATUS["MORE_PROCESSING_REQUIRED"]:
            raise RuntimeError(f"session setup leg 1: {sname(r.status)}")
        self.sid = r.sid
        self.call(SESSION_SETUP, session_setup_body(spnego_resp(ntlm_authenticate_anon())),
                  what="anonymous session setup")
        return self.sid

    def session_user(self, user, password):
        """NTLMv2 through impacket.ntlm (its crypto, our framing)."""
        from impacket import ntlm
        t1 = ntlm.getNTLMSSPType1("", "", signingRequired=False)
        r = self.request(SESSION_SETUP, session_setup_body(spnego_init(t1.getData())), sid=0)
        if r.status != STATUS["MORE_PROCESSING_REQUIRED"]:
            raise RuntimeError(f"session setup leg 1: {sname(r.status)}")
        self.sid = r.sid
        off, ln = struct.unpack_from("<HH", r.body, 4)
        chal = ntlm_from(r.raw[off:off + ln])
        t3, _key = ntlm.getNTLMSSPType3(t1, chal, user, password, "", "", "")
        self.call(SESSION_SETUP, session_setup_body(spnego_resp(t3.getData())),
                  what=f"session setup as {user}")
        return self.sid

    def tree_connect(self, share):
        r = self.call(TREE_CONNECT, tree_connect_body(f"\\\\127.0.0.1\\{share}"), tid=0,
                      what=f"tree connect {share}")
        self.tid = r.tid
        return r.tid

    def create(self, name, **kw):
        ok = kw.pop("ok", (0,))
        r = self.call(CREATE, create_body(name, **kw), ok=ok, what=f"create {name!r}")
        return struct.unpack_from("<QQ", r.body, 64)

    def close_file(self, fid):
        return self.call(CLOSE, close_body(fid))

    def write(self, fid, data, offset=0):
        charge = max(1, (len(data) + 65535) // 65536)
        return self.call(WRITE, write_body(fid, data, offset), credit_charge=charge)

    def read(self, fid, length, offset=0):
        charge = max(1, (length + 65535) // 65536)
        r = self.call(READ, read_body(fid, length, offset), credit_charge=charge)
        doff, dlen = r.body[2], struct.unpack_from("<I", r.body, 4)[0]
        return r.raw[doff:doff + dlen]

    def setup(self, share="guest", dialects=(0x0202, 0x0210, 0x0300, 0x0302), user=None):
        self.negotiate(dialects)
        if user:
            self.session_user(*user)
        else:
            self.session_anonymous()
        if share:
            self.tree_connect(share)
        return self
