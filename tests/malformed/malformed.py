#!/usr/bin/python3
"""Malformed-input suite (issue 4): each case sends one malformed input on a
connection of its own, after reaching the state it needs, and checks the
outcome MS-SMB2 3.3.5 asks for: a given NTSTATUS, or a closed connection for
framing violations, within a timeout.  After every case a well-formed client
(negotiate, anonymous session, tree connect to guest, create, write, read,
close) must still be served and daxsmbd must be alive.  At the end the
server's log is checked for sanitizer reports.

Prints `PASS name` / `FAIL name: detail` and `N passed, N failed`."""
import argparse
import os
import signal
import socket
import struct
import sys
import time
import traceback
import uuid

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
from daxtest import DaxServer  # noqa: E402
import smb2raw as S  # noqa: E402
from smb2raw import Conn, sname  # noqa: E402

CASES = []
CASE_TIMEOUT = 30          # seconds; a case that takes longer is a hang
HEALTH_DEADLINE = 5.0      # the well-formed client must be done within this
DIALECTS_311 = (0x0202, 0x0210, 0x0300, 0x0302, 0x0311)
ALICE = ("alice", "Secret-1")

# Cases whose outcome the spec leaves open, each with the reason.  Empty on
# purpose: every case below asserts what MS-SMB2 says.
XFAIL = {}


class Failed(Exception):
    pass


def case(cls):
    """Registers a case under the class of bug it guards against."""
    def deco(fn):
        CASES.append((fn.__name__, cls, fn))
        return fn
    return deco


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def uniq(prefix="f"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# ---- outcomes ----

def expect(r, *names, what=""):
    """The reply has one of the statuses; an error reply has the 2.2.2 body."""
    got = sname(r.status)
    check(got in names, f"{what}{' ' if what else ''}status {got}, expected {'/'.join(names)}")
    if r.status >= 0xC0000000:
        check(len(r.body) >= 9 and struct.unpack_from("<H", r.body)[0] == 9,
              f"error reply {got} without a 2.2.2 ERROR body: {r.body[:12].hex()}")
    return r


def send_expect(c, cmd, body, *names, **kw):
    """Sends one request (in its own frame) and checks its reply's status."""
    msg = c.msg(cmd, body, **kw)
    mid = struct.unpack_from("<Q", msg, 24)[0]
    c.send_frame(msg)
    try:
        rs = c.recv_replies()
    except S.Closed:
        raise Failed(f"connection closed instead of {'/'.join(names)}")
    except S.Timeout:
        raise Failed(f"no reply within {c.timeout}s (expected {'/'.join(names)})")
    check(len(rs) == 1, f"{len(rs)} replies to one request: {rs}")
    check(rs[0].mid == mid, f"reply for message id {rs[0].mid}, sent {mid}")
    check(rs[0].command == cmd, f"reply for command {rs[0].command}, sent {cmd}")
    return expect(rs[0], *names)


def expect_closed(c, timeout=3.0, what=""):
    """The server closed the connection without replying."""
    err = c.wait_closed(timeout)
    check(err is None, f"{what}{' ' if what else ''}connection not closed: {err}")


def send_expect_closed(c, payload, timeout=3.0, raw=False):
    try:
        if raw:
            c.send_raw(payload)
        else:
            c.send_frame(payload)
    except S.Closed:
        return
    expect_closed(c, timeout)


def expect_status_or_closed(c, cmd, body, names, **kw):
    """For behaviour the spec leaves to the implementation between failing
    the request and disconnecting: either is fine, a success is not."""
    msg = c.msg(cmd, body, **kw)
    try:
        c.send_frame(msg)
        rs = c.recv_replies()
    except S.Closed:
        return None
    except S.Timeout:
        raise Failed(f"neither a reply nor a close within {c.timeout}s")
    return expect(rs[0], *names)


# ---- reaching a state ----

def conn(ctx, state="tree", share="guest", dialects=(0x0202, 0x0210, 0x0300, 0x0302), user=None):
    c = Conn(ctx.port)
    if state == "tcp":
        return c
    c.negotiate(dialects)
    if state == "negotiated":
        return c
    if user:
        c.session_user(*user)
    else:
        c.session_anonymous()
    if state == "session":
        return c
    c.tree_connect(share)
    return c


def open_file(c, data=b"", name=None):
    fid = c.create(name or uniq(), disposition=S.FILE_OVERWRITE_IF)
    if data:
        c.write(fid, data)
    return fid


def open_dir(c):
    c.create(uniq("d"), access=S.DIR_ACCESS, disposition=S.FILE_CREATE,
             options=S.FILE_DIRECTORY_FILE)
    return c.create("", access=S.DIR_ACCESS, disposition=S.FILE_OPEN,
                    options=S.FILE_DIRECTORY_FILE)


def outside_names(ctx, marker):
    """Files named with marker anywhere outside the guest share."""
    found = []
    for d in (ctx.srv.tmp, os.path.dirname(ctx.srv.tmp), "/"):
        try:
            found += [os.path.join(d, n) for n in os.listdir(d) if marker in n]
        except OSError:
            pass
    for d, _dirs, files in os.walk(ctx.srv.tmp):
        if d.startswith(ctx.srv.dirs["guest"]):
            continue
        found += [os.path.join(d, n) for n in files + _dirs if marker in n]
    return sorted(set(found))


# ======================================================================
# Lying lengths and offsets: NEGOTIATE (MS-SMB2 2.2.3, 3.3.5.4)
# ======================================================================

@case("lying lengths: NEGOTIATE")
def neg_dialect_count_beyond_body(ctx):
    """DialectCount larger than the dialects sent: an over-read of the
    dialect array past the end of the message."""
    with conn(ctx, "tcp") as c:
        send_expect(c, S.NEGOTIATE, S.negotiate_body((0x0202, 0x0210), dialect_count=40),
                    "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE")
def neg_dialect_count_huge(ctx):
    """DialectCount 0xFFFF: a fixed-size dialect table overflowed or an
    allocation sized by the count."""
    with conn(ctx, "tcp") as c:
        send_expect(c, S.NEGOTIATE, S.negotiate_body((0x0202,) * 8, dialect_count=0xFFFF),
                    "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE")
def neg_dialect_count_zero(ctx):
    """DialectCount 0 (3.3.5.4: STATUS_INVALID_PARAMETER): picking a dialect
    from an empty list."""
    with conn(ctx, "tcp") as c:
        send_expect(c, S.NEGOTIATE, S.negotiate_body((0x0202,), dialect_count=0),
                    "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_ctx_offset_past_end(ctx):
    """NegotiateContextOffset far past the message: contexts read out of
    bounds (ksmbd CVE-2023-38426 class)."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx()], ctx_off=0x100000)
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_ctx_count_beyond(ctx):
    """NegotiateContextCount larger than the contexts present: the walk
    runs off the end of the message."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx()], ctx_count=9)
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_ctx_data_length_overrun(ctx):
    """A context whose DataLength runs past the end of the message."""
    with conn(ctx, "tcp") as c:
        body = bytearray(S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx()]))
        off = struct.unpack_from("<I", body, 28)[0] - S.HDR
        struct.pack_into("<H", body, off + 2, 0x4000)
        send_expect(c, S.NEGOTIATE, bytes(body), "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_ctx_offset_into_header(ctx):
    """NegotiateContextOffset pointing back into the SMB2 header: the
    header's bytes parsed as a context."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx()], ctx_off=8)
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_preauth_hash_count_lies(ctx):
    """A PREAUTH_INTEGRITY context whose HashAlgorithmCount exceeds its
    DataLength: over-read inside the context."""
    with conn(ctx, "tcp") as c:
        data = struct.pack("<HHH", 200, 0, 1)
        body = S.negotiate_body(DIALECTS_311, contexts=[(1, data)])
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_311_without_preauth_ctx(ctx):
    """3.1.1 offered with no PREAUTH_INTEGRITY context (3.3.5.4:
    STATUS_INVALID_PARAMETER): a preauth hash used uninitialised."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body((0x0311,), contexts=[], ctx_count=0)
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


# ======================================================================
# SESSION_SETUP (2.2.5, 3.3.5.5) and the security blobs
# ======================================================================

@case("lying lengths: SESSION_SETUP")
def ss_buffer_length_past_end(ctx):
    """SecurityBufferLength beyond the message: the token parser reads past
    the receive buffer."""
    with conn(ctx, "negotiated") as c:
        body = S.session_setup_body(S.spnego_init(S.ntlm_negotiate()), length=4000)
        send_expect(c, S.SESSION_SETUP, body, "INVALID_PARAMETER")


@case("lying lengths: SESSION_SETUP")
def ss_buffer_offset_past_end(ctx):
    """SecurityBufferOffset far past the message."""
    with conn(ctx, "negotiated") as c:
        body = S.session_setup_body(S.spnego_init(S.ntlm_negotiate()), off=0xFFF0)
        send_expect(c, S.SESSION_SETUP, body, "INVALID_PARAMETER")


@case("lying lengths: SESSION_SETUP")
def ss_buffer_into_header(ctx):
    """SecurityBufferOffset 0: the buffer overlaps the SMB2 header and the
    fixed part, which then get parsed as a GSS token."""
    with conn(ctx, "negotiated") as c:
        body = S.session_setup_body(S.spnego_init(S.ntlm_negotiate()), off=0, length=S.HDR + 24)
        send_expect(c, S.SESSION_SETUP, body, "INVALID_PARAMETER")


def session_gone(c, sid):
    """A failed session setup leaves no session behind."""
    r = c.request(S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"), sid=sid, tid=0)
    expect(r, "USER_SESSION_DELETED", what="tree connect on the failed session:")


@case("auth blobs: SPNEGO")
def ss_garbage_spnego(ctx):
    """Random bytes as the SPNEGO token: the ASN.1 decoder on hostile input.
    Any failure status is the spec's (3.3.5.5.3 passes the GSS error on);
    success or a crash is not, and no session may remain."""
    with conn(ctx, "negotiated") as c:
        tok = b"\x60\x82\x01\x00" + os.urandom(252)
        r = c.request(S.SESSION_SETUP, S.session_setup_body(tok), sid=0)
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE", "NOT_SUPPORTED")
        session_gone(c, r.sid)


@case("auth blobs: SPNEGO")
def ss_spnego_der_length_lies(ctx):
    """A NegTokenInit whose DER length says 2 GiB: length arithmetic and
    over-read in the ASN.1 decoder."""
    with conn(ctx, "negotiated") as c:
        tok = S.spnego_init(S.ntlm_negotiate())
        content = tok[2:] if tok[1] < 0x80 else tok[2 + (tok[1] & 0x7F):]
        bad = b"\x60\x84\x7f\xff\xff\xff" + content
        r = c.request(S.SESSION_SETUP, S.session_setup_body(bad), sid=0)
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE", "NOT_SUPPORTED")


@case("auth blobs: SPNEGO")
def ss_spnego_deep_nesting(ctx):
    """Thousands of nested constructed DER elements: unbounded recursion in
    the ASN.1 decoder (stack exhaustion)."""
    with conn(ctx, "negotiated") as c:
        inner = b"\x04\x00"
        for _ in range(3000):
            inner = S.der(0x30, inner)
        tok = S.der(0x60, S.SPNEGO_OID + S.der(0xA0, inner))[:60000]
        r = c.request(S.SESSION_SETUP, S.session_setup_body(tok), sid=0)
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE", "NOT_SUPPORTED")


@case("auth blobs: SPNEGO")
def ss_resp_token_as_first_leg(ctx):
    """A NegTokenResp (second-leg token) as the first token: an auth state
    machine that skips its NEGOTIATE/CHALLENGE step."""
    with conn(ctx, "negotiated") as c:
        tok = S.spnego_resp(S.ntlm_authenticate_anon())
        r = c.request(S.SESSION_SETUP, S.session_setup_body(tok), sid=0)
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE", "NOT_SUPPORTED")
        session_gone(c, r.sid)


def first_leg(c):
    r = c.request(S.SESSION_SETUP, S.session_setup_body(S.spnego_init(S.ntlm_negotiate())), sid=0)
    expect(r, "MORE_PROCESSING_REQUIRED", what="first leg:")
    c.sid = r.sid
    return r.sid


@case("auth blobs: NTLMSSP")
def ss_truncated_ntlm_authenticate(ctx):
    """An NTLMSSP AUTHENTICATE cut after 20 bytes: field descriptors read
    past the token; the half-made session must not stay usable."""
    with conn(ctx, "negotiated") as c:
        sid = first_leg(c)
        tok = S.spnego_resp(S.ntlm_authenticate_anon()[:20])
        r = c.request(S.SESSION_SETUP, S.session_setup_body(tok))
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE")
        session_gone(c, sid)


@case("auth blobs: NTLMSSP")
def ss_ntlm_field_offset_lies(ctx):
    """NTLMSSP AUTHENTICATE whose UserName field points 4 GiB away: the
    offset/length pair of a security buffer not checked in 64-bit."""
    with conn(ctx, "negotiated") as c:
        sid = first_leg(c)
        auth = bytearray(S.ntlm_authenticate_anon())
        struct.pack_into("<HHI", auth, 12 + 8 * 3, 10, 10, 0xFFFFFFF8)
        r = c.request(S.SESSION_SETUP, S.session_setup_body(S.spnego_resp(bytes(auth))))
        expect(r, "INVALID_PARAMETER", "LOGON_FAILURE")
        session_gone(c, sid)


@case("requests before session setup")
def ss_unknown_session_id(ctx):
    """SESSION_SETUP naming a SessionId the server never gave out
    (3.3.5.5: STATUS_USER_SESSION_DELETED) instead of starting a new one."""
    with conn(ctx, "negotiated") as c:
        body = S.session_setup_body(S.spnego_init(S.ntlm_negotiate()))
        send_expect(c, S.SESSION_SETUP, body, "USER_SESSION_DELETED", sid=0x1234567890ABCDEF)


# ======================================================================
# TREE_CONNECT (2.2.9, 3.3.5.7)
# ======================================================================

@case("lying lengths: TREE_CONNECT")
def tc_path_length_past_end(ctx):
    """PathLength beyond the message: the share name read out of bounds."""
    with conn(ctx, "session") as c:
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body("\\\\h\\guest", length=4000),
                    "INVALID_PARAMETER", tid=0)


@case("lying lengths: TREE_CONNECT")
def tc_path_offset_past_end(ctx):
    """PathOffset 0xFFFF: a 16-bit offset not checked against the message."""
    with conn(ctx, "session") as c:
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body("\\\\h\\guest", off=0xFFFF),
                    "INVALID_PARAMETER", tid=0)


@case("lying lengths: TREE_CONNECT")
def tc_path_into_header(ctx):
    """PathOffset 0: the header parsed as the share path."""
    with conn(ctx, "session") as c:
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body("\\\\h\\guest", off=0, length=40),
                    "INVALID_PARAMETER", tid=0)


@case("invalid names")
def tc_path_lone_surrogate(ctx):
    """A share path holding a lone UTF-16 surrogate: a converter that emits
    invalid UTF-8 or reads past the pair."""
    with conn(ctx, "session") as c:
        p = S.utf16("\\\\127.0.0.1\\gu") + b"\x00\xd8" + S.utf16("st")
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body(p), "BAD_NETWORK_NAME",
                    "INVALID_PARAMETER", tid=0)


# ======================================================================
# CREATE (2.2.13, 2.2.13.2, 3.3.5.9)
# ======================================================================

@case("lying lengths: CREATE")
def cr_name_length_past_end(ctx):
    """NameLength beyond the message: the name converter reads out of bounds."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body(uniq(), name_len=3000), "INVALID_PARAMETER")


@case("lying lengths: CREATE")
def cr_name_offset_into_header(ctx):
    """NameOffset 0: the SMB2 header taken as the file name."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body(uniq(), name_off=0, name_len=64),
                    "INVALID_PARAMETER")


@case("lying lengths: CREATE contexts")
def cr_ctx_offset_past_end(ctx):
    """CreateContextsOffset past the end of the message."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc")])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob, ctx_off=0x10000),
                    "INVALID_PARAMETER")


@case("lying lengths: CREATE contexts")
def cr_ctx_length_past_end(ctx):
    """CreateContextsLength beyond the message."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc")])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob, ctx_len=0x100000),
                    "INVALID_PARAMETER")


@case("lying lengths: CREATE contexts")
def cr_ctx_offset_into_fixed_part(ctx):
    """CreateContextsOffset pointing into the CREATE fixed part: the request's
    own fields parsed as a context chain."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc")])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob, ctx_off=S.HDR + 8),
                    "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_next_loops_back(ctx):
    """The second context's Next wraps in 32 bits back to the first: a chain
    walk that never ends (or walks backwards) when Next is added unchecked."""
    with conn(ctx) as c:
        a, b = S.create_context(b"MxAc"), S.create_context(b"QFid")
        blob = S.create_contexts([a, b], nexts=[None, -24])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_next_self(ctx):
    """A context whose Next is the smallest non-zero step (8) so the next
    element starts inside it: overlapping elements re-parsed."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc"), S.create_context(b"QFid")],
                                 nexts=[8, None])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_next_beyond_blob(ctx):
    """Next pointing past the end of the context blob."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc")], nexts=[0x1000])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_next_misaligned(ctx):
    """Next not a multiple of 8 (2.2.13.2): unaligned element parsing."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc", b"\0" * 8),
                                  S.create_context(b"QFid")], nexts=[20, None])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_name_overruns_element(ctx):
    """NameLength running out of its element into the next one
    (ksmbd CVE-2023-52442 class)."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc", name_len=40),
                                  S.create_context(b"QFid")])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_data_overruns_element(ctx):
    """DataOffset + DataLength past the element (and the blob)."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"DH2Q", b"\0" * 32, data_len=0x10000)])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_name_offset_into_element_header(ctx):
    """NameOffset 4: the element's own header read as its name."""
    with conn(ctx) as c:
        blob = S.create_contexts([S.create_context(b"MxAc", name_off=4)])
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("chained contexts: loops and overruns")
def cr_ctx_truncated_element(ctx):
    """A context blob of 10 bytes: shorter than one element header."""
    with conn(ctx) as c:
        blob = S.create_context(b"MxAc")[:10]
        send_expect(c, S.CREATE, S.create_body(uniq(), contexts=blob), "INVALID_PARAMETER")


@case("invalid names")
def cr_name_lone_surrogate(ctx):
    """A lone UTF-16 high surrogate in the name: invalid UTF-16 reaching the
    file system as garbage UTF-8 (must be STATUS_OBJECT_NAME_INVALID)."""
    with conn(ctx) as c:
        name = S.utf16("bad") + b"\x3d\xd8" + S.utf16("x.txt")
        send_expect(c, S.CREATE, S.create_body(name, disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID")
        check(not any(n.startswith("bad") for n in os.listdir(ctx.srv.dirs["guest"])),
              "a file was created from the invalid name")


@case("invalid names")
def cr_name_lone_low_surrogate(ctx):
    """A lone low surrogate at the end of the name."""
    with conn(ctx) as c:
        name = S.utf16("bad2") + b"\x00\xdc"
        send_expect(c, S.CREATE, S.create_body(name, disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID")


@case("invalid names")
def cr_name_odd_length(ctx):
    """An odd NameLength: half a UTF-16 code unit."""
    with conn(ctx) as c:
        name = S.utf16("odd.txt") + b"x"
        send_expect(c, S.CREATE, S.create_body(name, disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID", "INVALID_PARAMETER")


ESCAPE_STATUSES = ("OBJECT_PATH_SYNTAX_BAD", "OBJECT_NAME_INVALID", "INVALID_PARAMETER",
                   "ACCESS_DENIED")


@case("path escape")
def cr_name_dotdot(ctx):
    """'..\\name': a path resolved above the share root."""
    with conn(ctx) as c:
        marker = uniq("escape")
        send_expect(c, S.CREATE, S.create_body(f"..\\{marker}.txt", disposition=S.FILE_CREATE),
                    *ESCAPE_STATUSES)
        check(not outside_names(ctx, marker), f"created outside: {outside_names(ctx, marker)}")


@case("path escape")
def cr_name_dotdot_deep(ctx):
    """'sub\\..\\..\\name': a '..' that only escapes after a real directory."""
    with conn(ctx) as c:
        sub = uniq("sub")
        fid = c.create(sub, access=S.DIR_ACCESS, disposition=S.FILE_CREATE,
                       options=S.FILE_DIRECTORY_FILE)
        c.close_file(fid)
        marker = uniq("escape")
        send_expect(c, S.CREATE, S.create_body(f"{sub}\\..\\..\\{marker}", disposition=S.FILE_CREATE),
                    *ESCAPE_STATUSES)
        check(not outside_names(ctx, marker), f"created outside: {outside_names(ctx, marker)}")


@case("path escape")
def cr_name_dotdot_directory(ctx):
    """'..' alone opened as a directory, then listed: a handle on the
    share's parent."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body("..", access=S.DIR_ACCESS, disposition=S.FILE_OPEN,
                                               options=S.FILE_DIRECTORY_FILE), *ESCAPE_STATUSES)


@case("path escape")
def cr_name_leading_backslash(ctx):
    """An absolute name '\\name' (3.3.5.9: a name starting with a separator
    is STATUS_INVALID_PARAMETER): a path taken from the file system root."""
    with conn(ctx) as c:
        marker = uniq("escape")
        send_expect(c, S.CREATE, S.create_body(f"\\{marker}", disposition=S.FILE_CREATE),
                    "INVALID_PARAMETER")
        check(not outside_names(ctx, marker), f"created outside: {outside_names(ctx, marker)}")


@case("path escape")
def cr_name_forward_slash_absolute(ctx):
    """'/tmp/...' with forward slashes: a POSIX separator passed through to
    the file system."""
    with conn(ctx) as c:
        marker = uniq("escape")
        send_expect(c, S.CREATE, S.create_body(f"/tmp/{marker}", disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID", "INVALID_PARAMETER")
        check(not os.path.exists(f"/tmp/{marker}"), "created /tmp/" + marker)


@case("invalid names")
def cr_name_embedded_nul(ctx):
    """A NUL inside the name: a C string truncated to a different name."""
    with conn(ctx) as c:
        marker = uniq("nul")
        send_expect(c, S.CREATE, S.create_body(f"{marker}\0.txt", disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID")
        check(not any(marker in n for n in os.listdir(ctx.srv.dirs["guest"])),
              "a truncated name was created")


@case("invalid names")
def cr_name_wildcards(ctx):
    """Wildcards '*', '?', '<', '>', '"' in a name to create: names that
    later match as patterns; each on its own connection."""
    for ch in "*?<>\"|":
        with conn(ctx) as c:
            r = c.request(S.CREATE, S.create_body(f"w{ch}x.txt", disposition=S.FILE_CREATE))
            expect(r, "OBJECT_NAME_INVALID", what=f"name with {ch!r}:")


@case("invalid names")
def cr_name_component_too_long(ctx):
    """A 300-character component: fixed-size component buffers."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body("a" * 300, disposition=S.FILE_CREATE),
                    "OBJECT_NAME_INVALID", "NAME_TOO_LONG")


# ======================================================================
# READ / WRITE (2.2.19, 2.2.21, 3.3.5.12, 3.3.5.13)
# ======================================================================

@case("lying lengths: READ")
def rd_length_above_max_read(ctx):
    """Length one byte above MaxReadSize with a matching CreditCharge
    (3.3.5.12: STATUS_INVALID_PARAMETER): a reply buffer sized by the client."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 100)
        n = c.max_read + 1
        send_expect(c, S.READ, S.read_body(fid, n), "INVALID_PARAMETER",
                    credit_charge=(n + 65535) // 65536)


@case("lying lengths: READ")
def rd_length_huge(ctx):
    """Length 0xFFFFFFFF: 32-bit length arithmetic and allocation."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 100)
        send_expect(c, S.READ, S.read_body(fid, 0xFFFFFFFF), "INVALID_PARAMETER")


@case("lying lengths: READ")
def rd_channel_info_past_end(ctx):
    """ReadChannelInfoOffset/Length beyond the message."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 100)
        send_expect(c, S.READ, S.read_body(fid, 10, ci=b"\0" * 16, ci_len=0x8000),
                    "INVALID_PARAMETER")


@case("lying lengths: READ")
def rd_channel_info_into_header(ctx):
    """ReadChannelInfoOffset pointing into the header."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 100)
        send_expect(c, S.READ, S.read_body(fid, 10, ci=b"\0" * 16, ci_off=8),
                    "INVALID_PARAMETER")


def file_size(ctx, c, fid):
    r = c.call(S.QUERY_INFO, S.query_info_body(fid, S.INFO_FILE, S.FileStandardInformation))
    return struct.unpack_from("<Q", r.raw, struct.unpack_from("<H", r.body, 2)[0] + 8)[0]


@case("lying lengths: WRITE")
def wr_data_offset_before_body(ctx):
    """DataOffset inside the WRITE fixed part: the request's own fields
    written to the file."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 32, data_off=S.HDR + 16),
                    "INVALID_PARAMETER")
        check(file_size(ctx, c, fid) == 0, "data was written")


@case("lying lengths: WRITE")
def wr_data_offset_into_header(ctx):
    """DataOffset 0: the header written to the file."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 80, data_off=0), "INVALID_PARAMETER")
        check(file_size(ctx, c, fid) == 0, "data was written")


@case("lying lengths: WRITE")
def wr_length_beyond_message(ctx):
    """Length larger than the data sent: heap bytes after the message
    written to the file."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 100, length=5000), "INVALID_PARAMETER")
        check(file_size(ctx, c, fid) == 0, "data was written")


@case("lying lengths: WRITE")
def wr_length_huge(ctx):
    """Length 0xFFFFFFFF with a 1-credit charge."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 100, length=0xFFFFFFFF),
                    "INVALID_PARAMETER")
        check(file_size(ctx, c, fid) == 0, "data was written")


@case("lying lengths: WRITE")
def wr_channel_info_past_end(ctx):
    """WriteChannelInfoOffset/Length beyond the message."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 10, ci=b"\0" * 16, ci_len=0x4000),
                    "INVALID_PARAMETER")


# ======================================================================
# IOCTL (2.2.31, 3.3.5.15)
# ======================================================================

FSCTL_ANY = 0x00090078   # FSCTL_GET_OBJECT_ID-ish: never reached when lengths lie


@case("lying lengths: IOCTL")
def io_input_past_end(ctx):
    """InputCount beyond the message."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.IOCTL, S.ioctl_body(fid, FSCTL_ANY, b"\0" * 16, in_count=0x10000),
                    "INVALID_PARAMETER")


@case("lying lengths: IOCTL")
def io_input_offset_past_end(ctx):
    """InputOffset near 4 GiB: 32-bit offset + count overflow."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.IOCTL, S.ioctl_body(fid, FSCTL_ANY, b"\0" * 16, in_off=0xFFFFFFF8),
                    "INVALID_PARAMETER")


@case("lying lengths: IOCTL")
def io_output_fields_lie(ctx):
    """OutputOffset/OutputCount in the request pointing past the message."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.IOCTL, S.ioctl_body(fid, FSCTL_ANY, b"\0" * 16, out_off=0x2000,
                                             out_count=0x100), "INVALID_PARAMETER")


@case("lying lengths: IOCTL")
def io_max_output_huge(ctx):
    """MaxOutputResponse 0xFFFFFFFF (3.3.5.15: above MaxTransactSize is
    STATUS_INVALID_PARAMETER): an output buffer sized by the client."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.IOCTL, S.ioctl_body(fid, FSCTL_ANY, b"", max_out=0xFFFFFFFF),
                    "INVALID_PARAMETER")


@case("lying lengths: IOCTL")
def io_validate_negotiate_truncated(ctx):
    """VALIDATE_NEGOTIATE_INFO whose DialectCount exceeds its input:
    over-read of the dialects (the spec also allows a disconnect)."""
    with conn(ctx) as c:
        inp = struct.pack("<I16sHH", 0, b"daxsmb-malformed", 1, 60) + struct.pack("<HH", 0x202, 0x210)
        r = expect_status_or_closed(c, S.IOCTL, S.ioctl_body(S.ALL_ONES_FID,
                                                             S.FSCTL_VALIDATE_NEGOTIATE_INFO, inp),
                                    ("INVALID_PARAMETER", "ACCESS_DENIED"))
        del r


# ======================================================================
# QUERY_DIRECTORY, QUERY_INFO, SET_INFO (2.2.33, 2.2.37, 2.2.39)
# ======================================================================

@case("lying lengths: QUERY_DIRECTORY")
def qd_pattern_past_end(ctx):
    """FileNameLength beyond the message: the pattern read out of bounds."""
    with conn(ctx) as c:
        fid = open_dir(c)
        send_expect(c, S.QUERY_DIRECTORY, S.query_directory_body(fid, "*", pat_len=2000),
                    "INVALID_PARAMETER")


@case("lying lengths: QUERY_DIRECTORY")
def qd_pattern_into_header(ctx):
    """FileNameOffset 0: the header used as the search pattern."""
    with conn(ctx) as c:
        fid = open_dir(c)
        send_expect(c, S.QUERY_DIRECTORY, S.query_directory_body(fid, "*", pat_off=0, pat_len=32),
                    "INVALID_PARAMETER")


@case("info classes")
def qd_unknown_info_class(ctx):
    """An undefined FileInformationClass (3.3.5.18: STATUS_INVALID_INFO_CLASS):
    an encoder table indexed by the class."""
    with conn(ctx) as c:
        fid = open_dir(c)
        send_expect(c, S.QUERY_DIRECTORY, S.query_directory_body(fid, "*", info_class=0xEE),
                    "INVALID_INFO_CLASS")


@case("lying lengths: QUERY_DIRECTORY")
def qd_output_length_huge(ctx):
    """OutputBufferLength 0xFFFFFFFF: an allocation sized by the client."""
    with conn(ctx) as c:
        fid = open_dir(c)
        send_expect(c, S.QUERY_DIRECTORY, S.query_directory_body(fid, "*", out_len=0xFFFFFFFF),
                    "INVALID_PARAMETER")


@case("lying lengths: QUERY_INFO")
def qi_input_past_end(ctx):
    """InputBufferLength beyond the message."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.QUERY_INFO, S.query_info_body(fid, inp=b"\0" * 8, in_len=0x10000),
                    "INVALID_PARAMETER")


@case("lying lengths: QUERY_INFO")
def qi_input_into_header(ctx):
    """InputBufferOffset 0: the header passed as the input buffer."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.QUERY_INFO, S.query_info_body(fid, inp=b"\0" * 8, in_off=0),
                    "INVALID_PARAMETER")


@case("lying lengths: QUERY_INFO")
def qi_output_length_huge(ctx):
    """OutputBufferLength 0xFFFFFFFF."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.QUERY_INFO, S.query_info_body(fid, out_len=0xFFFFFFFF),
                    "INVALID_PARAMETER")


@case("info classes")
def qi_unknown_info_type(ctx):
    """InfoType 9 (3.3.5.20: STATUS_INVALID_PARAMETER): a dispatch table
    indexed by the type."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.QUERY_INFO, S.query_info_body(fid, info_type=9), "INVALID_PARAMETER")


@case("info classes")
def qi_unknown_file_class(ctx):
    """An undefined FileInfoClass for SMB2_0_INFO_FILE."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.QUERY_INFO, S.query_info_body(fid, cls=0xEE), "INVALID_INFO_CLASS")


@case("lying lengths: SET_INFO")
def si_buffer_past_end(ctx):
    """BufferLength beyond the message."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileEndOfFileInformation,
                                                   struct.pack("<Q", 1), buf_len=0x10000),
                    "INVALID_PARAMETER")


@case("lying lengths: SET_INFO")
def si_buffer_into_header(ctx):
    """BufferOffset 0: the header used as the info buffer (a 64-byte
    header parsed as FILE_BASIC_INFORMATION)."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileBasicInformation,
                                                   b"\0" * 40, buf_off=0), "INVALID_PARAMETER")


@case("lying lengths: SET_INFO")
def si_rename_name_length_lies(ctx):
    """FILE_RENAME_INFORMATION whose FileNameLength exceeds the buffer: the
    new name read past the info buffer."""
    with conn(ctx) as c:
        name = uniq()
        fid = c.create(name, access=S.RW_ACCESS | S.DELETE, disposition=S.FILE_CREATE)
        buf = S.rename_info(uniq("renamed"), name_len=4000)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileRenameInformation, buf),
                    "INFO_LENGTH_MISMATCH", "INVALID_PARAMETER")
        check(os.path.exists(os.path.join(ctx.srv.dirs["guest"], name)), "the file was renamed")


@case("path escape")
def si_rename_dotdot(ctx):
    """A rename to '..\\name': a rename target resolved above the share."""
    with conn(ctx) as c:
        name = uniq()
        fid = c.create(name, access=S.RW_ACCESS | S.DELETE, disposition=S.FILE_CREATE)
        marker = uniq("escape")
        buf = S.rename_info(f"..\\{marker}")
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileRenameInformation, buf),
                    *(ESCAPE_STATUSES + ("OBJECT_PATH_NOT_FOUND",)))
        check(not outside_names(ctx, marker), f"renamed outside: {outside_names(ctx, marker)}")
        check(os.path.exists(os.path.join(ctx.srv.dirs["guest"], name)), "the file is gone")


@case("read-only share")
def si_disposition_read_only_share(ctx):
    """Delete-on-close set through SET_INFO on a read-only share
    (STATUS_ACCESS_DENIED): a write path that skips the share check."""
    with conn(ctx, share="ro", user=ALICE) as c:
        fid = c.create("readme.txt", access=S.FILE_READ_DATA | S.FILE_READ_ATTRIBUTES | S.SYNCHRONIZE,
                       disposition=S.FILE_OPEN)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileDispositionInformation,
                                                   b"\x01"), "ACCESS_DENIED")
        c.close_file(fid)
        check(os.path.exists(os.path.join(ctx.srv.dirs["ro"], "readme.txt")),
              "readme.txt deleted from the read-only share")


@case("read-only share")
def ro_open_for_delete(ctx):
    """An open asking for DELETE on a read-only share (ACCESS_DENIED at
    CREATE), then nothing removed."""
    with conn(ctx, share="ro", user=ALICE) as c:
        send_expect(c, S.CREATE, S.create_body("readme.txt", access=S.DELETE | S.FILE_READ_ATTRIBUTES,
                                               disposition=S.FILE_OPEN, options=0x1000),
                    "ACCESS_DENIED")
        check(os.path.exists(os.path.join(ctx.srv.dirs["ro"], "readme.txt")), "readme.txt deleted")


@case("info classes")
def si_unknown_file_class(ctx):
    """An undefined FileInfoClass in SET_INFO."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, 0xEE, b"\0" * 8),
                    "INVALID_INFO_CLASS")


@case("lying lengths: SET_INFO")
def si_eof_short_buffer(ctx):
    """FileEndOfFileInformation with a 4-byte buffer (MS-FSCC: 8 bytes):
    an 8-byte read from a 4-byte buffer."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileEndOfFileInformation,
                                                   b"\xff" * 4), "INFO_LENGTH_MISMATCH")


# ======================================================================
# LOCK (2.2.26, 3.3.5.14)
# ======================================================================

@case("lying lengths: LOCK")
def lk_count_zero(ctx):
    """LockCount 0 (3.3.5.14: STATUS_INVALID_PARAMETER)."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 10)
        send_expect(c, S.LOCK, S.lock_body(fid, count=0), "INVALID_PARAMETER")


@case("lying lengths: LOCK")
def lk_count_huge(ctx):
    """LockCount 0xFFFF with one element: the lock array read far past the
    message, or a table sized by the count."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 10)
        send_expect(c, S.LOCK, S.lock_body(fid, count=0xFFFF), "INVALID_PARAMETER")


@case("lying lengths: LOCK")
def lk_count_beyond_elements(ctx):
    """LockCount 3 with one element."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 10)
        send_expect(c, S.LOCK, S.lock_body(fid, count=3), "INVALID_PARAMETER")


# ======================================================================
# StructureSize and truncated bodies, per command (2.2.x, 3.3.5.2.6)
# ======================================================================

def _fid_state(c):
    return open_file(c, b"data")


def _dir_state(c):
    return open_dir(c)


# command -> (state, needs (None/"file"/"dir"), body builder(fid, struct_size), fixed size)
CMD_BODIES = {
    S.NEGOTIATE: ("tcp", None, lambda f, ss: S.negotiate_body(struct_size=ss), 36),
    S.SESSION_SETUP: ("negotiated", None,
                      lambda f, ss: S.session_setup_body(S.spnego_init(S.ntlm_negotiate()),
                                                         struct_size=ss), 24),
    S.LOGOFF: ("session", None, lambda f, ss: S.empty4_body(ss), 4),
    S.TREE_CONNECT: ("session", None,
                     lambda f, ss: S.tree_connect_body("\\\\127.0.0.1\\guest", struct_size=ss), 8),
    S.TREE_DISCONNECT: ("tree", None, lambda f, ss: S.empty4_body(ss), 4),
    S.CREATE: ("tree", None, lambda f, ss: S.create_body(uniq(), struct_size=ss), 56),
    S.CLOSE: ("tree", "file", lambda f, ss: S.close_body(f, struct_size=ss), 24),
    S.FLUSH: ("tree", "file", lambda f, ss: S.flush_body(f, struct_size=ss), 24),
    S.READ: ("tree", "file", lambda f, ss: S.read_body(f, 4, struct_size=ss), 48),
    S.WRITE: ("tree", "file", lambda f, ss: S.write_body(f, b"abcd", struct_size=ss), 48),
    S.LOCK: ("tree", "file", lambda f, ss: S.lock_body(f, struct_size=ss), 48),
    S.IOCTL: ("tree", "file", lambda f, ss: S.ioctl_body(f, FSCTL_ANY, b"\0" * 8, struct_size=ss), 56),
    S.ECHO: ("negotiated", None, lambda f, ss: S.empty4_body(ss), 4),
    S.QUERY_DIRECTORY: ("tree", "dir", lambda f, ss: S.query_directory_body(f, "*", struct_size=ss), 32),
    S.CHANGE_NOTIFY: ("tree", "dir", lambda f, ss: S.change_notify_body(f, struct_size=ss), 32),
    S.QUERY_INFO: ("tree", "file", lambda f, ss: S.query_info_body(f, struct_size=ss), 40),
    S.SET_INFO: ("tree", "file", lambda f, ss: S.set_info_body(f, S.INFO_FILE, S.FileBasicInformation,
                                                                b"\0" * 40, struct_size=ss), 32),
    S.OPLOCK_BREAK: ("tree", "file", lambda f, ss: S.oplock_break_body(f, struct_size=ss), 24),
}
STRUCT_SIZES = {S.NEGOTIATE: 36, S.SESSION_SETUP: 25, S.LOGOFF: 4, S.TREE_CONNECT: 9,
                S.TREE_DISCONNECT: 4, S.CREATE: 57, S.CLOSE: 24, S.FLUSH: 24, S.READ: 49,
                S.WRITE: 49, S.LOCK: 48, S.IOCTL: 57, S.ECHO: 4, S.QUERY_DIRECTORY: 33,
                S.CHANGE_NOTIFY: 32, S.QUERY_INFO: 41, S.SET_INFO: 33, S.OPLOCK_BREAK: 24}


def _prepare(ctx, cmd):
    state, needs, build, fixed = CMD_BODIES[cmd]
    c = conn(ctx, state)
    fid = None
    if needs == "file":
        fid = _fid_state(c)
    elif needs == "dir":
        fid = _dir_state(c)
    return c, fid, build, fixed


def _make_struct_size_case(cmd):
    name = S.COMMAND_NAMES[cmd].lower()

    def fn(ctx):
        c, fid, build, _fixed = _prepare(ctx, cmd)
        with c:
            body = build(fid, STRUCT_SIZES[cmd] + 1)
            kw = {"tid": 0} if cmd == S.TREE_CONNECT else {}
            if cmd == S.SESSION_SETUP:
                kw["sid"] = 0
            send_expect(c, cmd, body, "INVALID_PARAMETER", **kw)
    fn.__name__ = f"struct_size_wrong_{name}"
    fn.__doc__ = (f"{S.COMMAND_NAMES[cmd]} with StructureSize off by one (3.3.5.2.6): a "
                  "decoder that trusts the size field for the layout.")
    return fn


def _make_truncated_case(cmd):
    name = S.COMMAND_NAMES[cmd].lower()

    def fn(ctx):
        c, fid, build, fixed = _prepare(ctx, cmd)
        with c:
            body = build(fid, STRUCT_SIZES[cmd])[:max(2, fixed // 2)]
            kw = {"tid": 0} if cmd == S.TREE_CONNECT else {}
            if cmd == S.SESSION_SETUP:
                kw["sid"] = 0
            send_expect(c, cmd, body, "INVALID_PARAMETER", **kw)
    fn.__name__ = f"truncated_body_{name}"
    fn.__doc__ = (f"{S.COMMAND_NAMES[cmd]} cut to half its fixed part: a fixed-size "
                  "read past the end of a short message.")
    return fn


for _cmd in CMD_BODIES:
    _f = _make_struct_size_case(_cmd)
    CASES.append((_f.__name__, "wrong StructureSize", _f))
for _cmd in CMD_BODIES:
    _f = _make_truncated_case(_cmd)
    CASES.append((_f.__name__, "truncated bodies", _f))


@case("truncated bodies")
def header_only_message(ctx):
    """A message that is only the 64-byte header, no body at all."""
    with conn(ctx, "negotiated") as c:
        send_expect(c, S.ECHO, b"", "INVALID_PARAMETER")


@case("wrong StructureSize")
def cancel_wrong_struct_size(ctx):
    """CANCEL with StructureSize 5 and junk: CANCEL gets no response at all
    (3.3.5.16), so the connection must simply go on."""
    with conn(ctx, "negotiated") as c:
        c.send_frame(S.header(S.CANCEL, 999, flags=0) + S.empty4_body(5) + b"junk")
        send_expect(c, S.ECHO, S.empty4_body(), "SUCCESS")


@case("framing violations")
def header_struct_size_wrong(ctx):
    """An SMB2 header whose StructureSize is 65: a header parsed with the
    wrong layout.  3.3.5.2.6 allows failing or disconnecting."""
    with conn(ctx, "negotiated") as c:
        expect_status_or_closed(c, S.ECHO, S.empty4_body(), ("INVALID_PARAMETER",),
                                struct_size=65)


@case("framing violations")
def unknown_command_code(ctx):
    """Command 0x0013: a dispatch table indexed past its end.  Windows and
    Samba answer STATUS_INVALID_PARAMETER and keep the connection
    (smbtorture smb2.compound.invalid4 asserts it); so do we."""
    with conn(ctx, "negotiated") as c:
        expect_status_or_closed(c, 0x13, S.empty4_body(), ("INVALID_PARAMETER",))


@case("framing violations")
def unknown_command_code_ffff(ctx):
    """Command 0xFFFF on an authenticated tree: the same, at the top of the
    16-bit range."""
    with conn(ctx) as c:
        expect_status_or_closed(c, 0xFFFF, S.empty4_body(), ("INVALID_PARAMETER",))


@case("framing violations")
def response_flag_in_request(ctx):
    """SMB2_FLAGS_SERVER_TO_REDIR set in a request: a reflected response
    processed as a request.  Failing it or disconnecting are both fine."""
    with conn(ctx, "negotiated") as c:
        expect_status_or_closed(c, S.ECHO, S.empty4_body(), ("INVALID_PARAMETER",),
                                flags=S.FLAGS_SERVER_TO_REDIR)


# ======================================================================
# Compounds (3.3.5.2.7)
# ======================================================================

@case("compounds")
def cp_first_related(ctx):
    """The first request of a compound has SMB2_FLAGS_RELATED_OPERATIONS
    (3.3.5.2.7.2: fail it): ids inherited from a previous request that does
    not exist."""
    with conn(ctx) as c:
        fid_body = S.read_body(S.ALL_ONES_FID, 10)
        m1 = c.msg(S.READ, fid_body, flags=S.FLAGS_RELATED)
        c.send_frame(m1)
        rs = c.recv_replies()
        expect(rs[0], "INVALID_PARAMETER")


@case("compounds")
def cp_next_misaligned(ctx):
    """NextCommand 68, not 8-aligned (3.3.5.2.7: disconnect)."""
    with conn(ctx, "negotiated") as c:
        m1 = bytearray(c.msg(S.ECHO, S.empty4_body()))
        struct.pack_into("<I", m1, 20, 68)
        send_expect_closed(c, bytes(m1) + c.msg(S.ECHO, S.empty4_body()))


@case("compounds")
def cp_next_past_frame(ctx):
    """NextCommand pointing past the end of the frame."""
    with conn(ctx, "negotiated") as c:
        m1 = bytearray(c.msg(S.ECHO, S.empty4_body() + b"\0" * 4))
        struct.pack_into("<I", m1, 20, 0x10000)
        send_expect_closed(c, bytes(m1) + c.msg(S.ECHO, S.empty4_body()))


@case("compounds")
def cp_next_smaller_than_header(ctx):
    """NextCommand 32, smaller than a header: overlapping messages and a
    walk that never ends (NextCommand 8 would loop)."""
    with conn(ctx, "negotiated") as c:
        m1 = bytearray(c.msg(S.ECHO, S.empty4_body() + b"\0" * 4))
        struct.pack_into("<I", m1, 20, 32)
        send_expect_closed(c, bytes(m1) + c.msg(S.ECHO, S.empty4_body()))


@case("compounds")
def cp_second_next_past_frame(ctx):
    """A valid first element whose successor's NextCommand overruns: the
    error after a response was already built for the first."""
    with conn(ctx, "negotiated") as c:
        m1 = c.msg(S.ECHO, S.empty4_body() + b"\0" * 4)
        m2 = bytearray(c.msg(S.ECHO, S.empty4_body() + b"\0" * 4))
        struct.pack_into("<I", m2, 20, 0x800)
        send_expect_closed(c, S.compound([m1, bytes(m2)]))


@case("compounds")
def cp_next_leaves_runt(ctx):
    """NextCommand leaving fewer than 64 bytes for the last element: a
    message shorter than a header (3.3.5.2.6: disconnect)."""
    with conn(ctx, "negotiated") as c:
        m1 = bytearray(c.msg(S.ECHO, S.empty4_body() + b"\0" * 4))
        struct.pack_into("<I", m1, 20, len(m1))
        send_expect_closed(c, bytes(m1) + b"\xfeSMB" + b"\0" * 20)


@case("compounds")
def cp_100_echos(ctx):
    """A chain of 100 compounded ECHOs: a fixed-size per-compound response
    table overflowed.  Answering all 100 or refusing the chain with a
    disconnect are both fine (the spec sets no limit); a crash is not."""
    with conn(ctx, "negotiated") as c:
        msgs = [c.msg(S.ECHO, S.empty4_body()) for _ in range(100)]
        c.send_frame(S.compound(msgs))
        try:
            rs = c.recv_replies()
        except S.Closed:
            ctx.note("cp_100_echos", "server refused the 100-element chain by disconnecting")
            return
        check(len(rs) == 100, f"{len(rs)} replies to 100 ECHOs")
        for r in rs:
            expect(r, "SUCCESS")


@case("compounds")
def cp_related_fid_without_previous(ctx):
    """A related READ with the all-ones FileId after an ECHO, which has no
    FileId (3.3.5.2.7.2: STATUS_INVALID_HANDLE): a compound FileId used
    before anything set it."""
    with conn(ctx) as c:
        m1 = c.msg(S.ECHO, S.empty4_body())
        m2 = c.msg(S.READ, S.read_body(S.ALL_ONES_FID, 10), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "INVALID_HANDLE", what="related READ:")


@case("compounds")
def cp_related_after_failed_create(ctx):
    """CREATE of a missing file, then a related READ and CLOSE on the
    all-ones FileId: both fail with the CREATE's status, never act on a
    stale or zero FileId (3.3.5.2.7.2)."""
    with conn(ctx) as c:
        m1 = c.msg(S.CREATE, S.create_body(uniq("missing"), disposition=S.FILE_OPEN))
        m2 = c.msg(S.READ, S.read_body(S.ALL_ONES_FID, 10), flags=S.FLAGS_RELATED)
        m3 = c.msg(S.CLOSE, S.close_body(S.ALL_ONES_FID), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2, m3]))
        rs = c.recv_replies()
        check(len(rs) == 3, f"{len(rs)} replies")
        for r in rs:
            expect(r, "OBJECT_NAME_NOT_FOUND")


@case("compounds: state changed inside the chain")
def cp_logoff_then_tree_connect(ctx):
    """LOGOFF then a related TREE_CONNECT: a session freed by the first
    command and used by the second (ksmbd CVE-2023-3866 class)."""
    with conn(ctx, "session") as c:
        m1 = c.msg(S.LOGOFF, S.empty4_body())
        m2 = c.msg(S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "USER_SESSION_DELETED", what="related TREE_CONNECT:")


@case("compounds: state changed inside the chain")
def cp_logoff_then_create(ctx):
    """LOGOFF then a related CREATE on the session's tree: tree and session
    both gone."""
    with conn(ctx) as c:
        m1 = c.msg(S.LOGOFF, S.empty4_body())
        m2 = c.msg(S.CREATE, S.create_body(uniq()), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "USER_SESSION_DELETED", what="related CREATE:")


@case("compounds: state changed inside the chain")
def cp_tree_disconnect_then_create(ctx):
    """TREE_DISCONNECT then a related CREATE: a tree freed by the first
    command and used by the second."""
    with conn(ctx) as c:
        m1 = c.msg(S.TREE_DISCONNECT, S.empty4_body())
        m2 = c.msg(S.CREATE, S.create_body(uniq()), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "NETWORK_NAME_DELETED", what="related CREATE:")


@case("compounds: state changed inside the chain")
def cp_tree_disconnect_with_open_then_read(ctx):
    """TREE_DISCONNECT while a file is open, then a related READ of that
    file: an open outliving its tree."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        m1 = c.msg(S.TREE_DISCONNECT, S.empty4_body())
        m2 = c.msg(S.READ, S.read_body(fid, 5), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "NETWORK_NAME_DELETED", what="related READ:")


@case("compounds: state changed inside the chain")
def cp_close_then_read(ctx):
    """CLOSE then a related READ of the all-ones FileId: the compound's
    remembered FileId used after the close freed the open."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        m1 = c.msg(S.CLOSE, S.close_body(fid))
        m2 = c.msg(S.READ, S.read_body(S.ALL_ONES_FID, 5), flags=S.FLAGS_RELATED)
        c.send_frame(S.compound([m1, m2]))
        rs = c.recv_replies()
        check(len(rs) == 2, f"{len(rs)} replies")
        expect(rs[0], "SUCCESS")
        expect(rs[1], "FILE_CLOSED", what="related READ:")


# ======================================================================
# Message ids and credits (3.3.1.1, 3.3.5.2.3, 3.3.5.2.5)
# ======================================================================

@case("message ids and credits")
def mid_reused(ctx):
    """A message id used before (3.3.1.1: never again): replay of requests."""
    with conn(ctx, "negotiated") as c:
        send_expect(c, S.ECHO, S.empty4_body(), "SUCCESS")
        send_expect_closed(c, c.msg(S.ECHO, S.empty4_body(), mid=c.mid - 1))


@case("message ids and credits")
def mid_reused_in_compound(ctx):
    """Two ECHOs of one compound with the same message id."""
    with conn(ctx, "negotiated") as c:
        m = c.mid
        c.mid += 1
        send_expect_closed(c, S.compound([c.msg(S.ECHO, S.empty4_body(), mid=m),
                                          c.msg(S.ECHO, S.empty4_body(), mid=m)]))


@case("message ids and credits")
def mid_outside_window(ctx):
    """A message id far above the granted window: unbounded id tracking."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, c.msg(S.ECHO, S.empty4_body(), mid=c.mid + 1000000))


@case("message ids and credits")
def mid_all_ones(ctx):
    """Message id 0xFFFFFFFFFFFFFFFF (reserved for oplock breaks): id + charge
    wrapping to 0."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, c.msg(S.ECHO, S.empty4_body(), mid=0xFFFFFFFFFFFFFFFF))


@case("message ids and credits")
def credit_charge_beyond_granted(ctx):
    """CreditCharge 60000 starting inside the window: ids consumed past what
    was granted (3.3.5.2.3: terminate)."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, c.msg(S.ECHO, S.empty4_body(), credit_charge=60000))


@case("message ids and credits")
def credit_charge_wraps(ctx):
    """A message id just below 2^64 with CreditCharge 16: mid + charge wraps."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, c.msg(S.ECHO, S.empty4_body(), mid=0xFFFFFFFFFFFFFFF8,
                                    credit_charge=16))


@case("message ids and credits")
def read_payload_beyond_charge(ctx):
    """A 200000-byte READ with CreditCharge 1 (3.3.5.2.5: INVALID_PARAMETER):
    large transfers without paying credits."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 1000)
        send_expect(c, S.READ, S.read_body(fid, 200000), "INVALID_PARAMETER", credit_charge=1)


@case("message ids and credits")
def write_payload_beyond_charge(ctx):
    """A 70000-byte WRITE with CreditCharge 1 (3.3.5.2.5), nothing written."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"w" * 70000), "INVALID_PARAMETER",
                    credit_charge=1)
        check(file_size(ctx, c, fid) == 0, "data was written")


# ======================================================================
# Order of requests: before NEGOTIATE, second NEGOTIATE, before session
# ======================================================================

PRE_NEG = ("INVALID_PARAMETER", "ACCESS_DENIED")


@case("requests before NEGOTIATE")
def session_setup_before_negotiate(ctx):
    """SESSION_SETUP as the first request: auth state built on an
    unnegotiated connection.  Failing it or disconnecting are both fine."""
    with conn(ctx, "tcp") as c:
        r = expect_status_or_closed(c, S.SESSION_SETUP,
                                    S.session_setup_body(S.spnego_init(S.ntlm_negotiate())), PRE_NEG)
        del r


@case("requests before NEGOTIATE")
def tree_connect_before_negotiate(ctx):
    """TREE_CONNECT as the first request."""
    with conn(ctx, "tcp") as c:
        expect_status_or_closed(c, S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"),
                                PRE_NEG + ("USER_SESSION_DELETED",))


@case("requests before NEGOTIATE")
def create_before_negotiate(ctx):
    """CREATE as the first request, with made-up session and tree ids."""
    with conn(ctx, "tcp") as c:
        expect_status_or_closed(c, S.CREATE, S.create_body(uniq()),
                                PRE_NEG + ("USER_SESSION_DELETED",), sid=1, tid=1)


@case("requests before NEGOTIATE")
def second_negotiate(ctx):
    """A second NEGOTIATE (3.3.5.4: disconnect and not reply): dialect and
    keys changed under an established connection."""
    with conn(ctx, "session") as c:
        send_expect_closed(c, c.msg(S.NEGOTIATE, S.negotiate_body()))


@case("requests before NEGOTIATE")
def negotiate_after_failed_negotiate_then_session(ctx):
    """A NEGOTIATE that failed (no common dialect) must not count as one:
    SESSION_SETUP right after it is still before negotiation."""
    with conn(ctx, "tcp") as c:
        send_expect(c, S.NEGOTIATE, S.negotiate_body((0x0999,)), "NOT_SUPPORTED")
        expect_status_or_closed(c, S.SESSION_SETUP,
                                S.session_setup_body(S.spnego_init(S.ntlm_negotiate())), PRE_NEG)


@case("requests before session setup")
def tree_connect_session_zero(ctx):
    """TREE_CONNECT with SessionId 0 (3.3.5.2.9: USER_SESSION_DELETED)."""
    with conn(ctx, "negotiated") as c:
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"),
                    "USER_SESSION_DELETED", sid=0)


@case("requests before session setup")
def tree_connect_random_session(ctx):
    """TREE_CONNECT with a SessionId never given out."""
    with conn(ctx, "negotiated") as c:
        send_expect(c, S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"),
                    "USER_SESSION_DELETED", sid=0x5EEDF00DCAFEBABE)


@case("requests before session setup")
def tree_connect_other_connections_session(ctx):
    """TREE_CONNECT naming a valid session of another connection (without
    binding): sessions looked up globally."""
    with conn(ctx, "session") as a, conn(ctx, "negotiated") as b:
        send_expect(b, S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"),
                    "USER_SESSION_DELETED", sid=a.sid)


@case("requests before session setup")
def create_session_zero(ctx):
    """CREATE with SessionId 0 and a tree id that exists on another session."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body(uniq()), "USER_SESSION_DELETED", sid=0)


@case("requests before session setup")
def tree_connect_in_progress_session(ctx):
    """TREE_CONNECT on a session whose setup is still in progress
    (3.3.5.2.9: an implementation-specific error, never success)."""
    with conn(ctx, "negotiated") as c:
        sid = first_leg(c)
        r = c.request(S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"), sid=sid, tid=0)
        check(r.status >= 0xC0000000, f"tree connect on an unfinished session: {sname(r.status)}")


@case("requests on a closed session or tree")
def create_after_logoff(ctx):
    """CREATE with the ids of a session that was logged off by an earlier
    frame: use after free of the session or its trees."""
    with conn(ctx) as c:
        send_expect(c, S.LOGOFF, S.empty4_body(), "SUCCESS")
        send_expect(c, S.CREATE, S.create_body(uniq()), "USER_SESSION_DELETED")


@case("requests on a closed session or tree")
def read_after_tree_disconnect(ctx):
    """READ of a file whose tree was disconnected by an earlier frame."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        send_expect(c, S.TREE_DISCONNECT, S.empty4_body(), "SUCCESS")
        send_expect(c, S.READ, S.read_body(fid, 5), "NETWORK_NAME_DELETED")


@case("requests on a closed session or tree")
def create_random_tree_id(ctx):
    """CREATE with a TreeId never given out (NETWORK_NAME_DELETED)."""
    with conn(ctx) as c:
        send_expect(c, S.CREATE, S.create_body(uniq()), "NETWORK_NAME_DELETED", tid=0x7777)


# ======================================================================
# FileIds (3.3.5.x: STATUS_FILE_CLOSED)
# ======================================================================

@case("stale or foreign FileIds")
def closed_fid_read(ctx):
    """READ of a FileId already closed: use after free of the open."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        c.close_file(fid)
        send_expect(c, S.READ, S.read_body(fid, 5), "FILE_CLOSED")


@case("stale or foreign FileIds")
def closed_fid_close_twice(ctx):
    """CLOSE of the same FileId twice: double free."""
    with conn(ctx) as c:
        fid = open_file(c)
        c.close_file(fid)
        send_expect(c, S.CLOSE, S.close_body(fid), "FILE_CLOSED")


@case("stale or foreign FileIds")
def closed_fid_reused_slot(ctx):
    """A closed FileId after a new file took its slot: a stale id reaching
    the new open (generation check)."""
    with conn(ctx) as c:
        fid = open_file(c, b"old")
        c.close_file(fid)
        fid2 = open_file(c, b"secret")
        send_expect(c, S.READ, S.read_body(fid, 6), "FILE_CLOSED")
        c.close_file(fid2)


@case("stale or foreign FileIds")
def fid_of_other_session(ctx):
    """A FileId opened by session A used by session B of the same
    connection: opens looked up per connection instead of per session."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        c.sid = 0
        c.session_anonymous()
        c.tree_connect("guest")
        send_expect(c, S.READ, S.read_body(fid, 5), "FILE_CLOSED")


@case("stale or foreign FileIds")
def fid_of_other_connection(ctx):
    """alice's FileId (another connection) used by an anonymous session."""
    with conn(ctx, share="share", user=ALICE) as a, conn(ctx) as b:
        fid = open_file(a, b"alice's")
        send_expect(b, S.READ, S.read_body(fid, 7), "FILE_CLOSED")


@case("stale or foreign FileIds")
def fid_of_other_tree(ctx):
    """A FileId of tree 1 used on tree 2 of the same session (Open.TreeConnect
    must match)."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        c.tree_connect("guest")
        send_expect(c, S.READ, S.read_body(fid, 5), "FILE_CLOSED")


@case("stale or foreign FileIds")
def fid_halves_differ(ctx):
    """A FileId whose persistent half differs from the volatile one."""
    with conn(ctx) as c:
        fid = open_file(c, b"hello")
        send_expect(c, S.READ, S.read_body((fid[0] ^ 0x100, fid[1]), 5), "FILE_CLOSED")


# ======================================================================
# SMB1, transform and compression headers (3.3.5.3, 3.3.5.2.1)
# ======================================================================

def smb1_msg(cmd, words=b"", data=b"", nbytes=None):
    hdr = S.SMB1_MAGIC + struct.pack("<BIBHH8sHHHHH", cmd, 0, 0x18, 0xC853, 0, b"", 0, 0xFFFF,
                                      0xFEFF, 0, 0)
    return hdr + bytes([len(words) // 2]) + words + struct.pack(
        "<H", len(data) if nbytes is None else nbytes) + data


@case("SMB1")
def smb1_session_setup_andx(ctx):
    """An SMB1 SESSION_SETUP_ANDX: SMB1 code paths reachable (no SMB1 here)."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, smb1_msg(0x73, b"\xff\x00" + b"\0" * 24, b"\0" * 10))


@case("SMB1")
def smb1_negotiate_without_smb2(ctx):
    """An SMB1 NEGOTIATE offering only NT LM 0.12 (3.3.5.3.1: disconnect
    without a response)."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, smb1_msg(0x72, data=b"\x02NT LM 0.12\x00"))


@case("SMB1")
def smb1_negotiate_bytecount_lies(ctx):
    """An SMB1 NEGOTIATE whose ByteCount exceeds the message: dialect
    strings scanned past the end."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, smb1_msg(0x72, data=b"\x02SMB 2.002\x00", nbytes=4000))


@case("SMB1")
def smb1_negotiate_unterminated(ctx):
    """An SMB1 NEGOTIATE whose last dialect string has no NUL."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, smb1_msg(0x72, data=b"\x02NT LM 0.12\x00\x02SMB 2.002"))


@case("SMB1")
def smb1_negotiate_after_smb2(ctx):
    """An SMB1 NEGOTIATE (offering SMB 2.002) after SMB2 was negotiated: a
    renegotiation through the back door."""
    with conn(ctx, "session") as c:
        send_expect_closed(c, smb1_msg(0x72, data=b"\x02NT LM 0.12\x00\x02SMB 2.002\x00"))


@case("SMB1")
def smb1_truncated_header(ctx):
    """An SMB1 frame of 8 bytes: a 32-byte header read from 8."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, S.SMB1_MAGIC + b"\x72\0\0\0")


def transform_msg(sid, inner):
    return (S.TRANSFORM_MAGIC + b"\x11" * 16 + b"\x22" * 16 +
            struct.pack("<IHHQ", len(inner), 0, 1, sid) + inner)


@case("transform and compression headers")
def transform_not_negotiated(ctx):
    """A TRANSFORM header (0xFD 'SMB') before any session: decrypt paths on
    a connection that never negotiated encryption."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, transform_msg(0, c.msg(S.ECHO, S.empty4_body())))


@case("transform and compression headers")
def transform_after_session(ctx):
    """A TRANSFORM header naming a real session that has no keys."""
    with conn(ctx) as c:
        send_expect_closed(c, transform_msg(c.sid, c.msg(S.ECHO, S.empty4_body())))


@case("transform and compression headers")
def transform_runt(ctx):
    """A TRANSFORM header cut to 20 bytes (3.3.5.2.1.1: disconnect)."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, transform_msg(0, b"")[:20])


@case("transform and compression headers")
def compression_not_negotiated(ctx):
    """A COMPRESSION header (0xFC 'SMB') that was not negotiated, with an
    OriginalCompressedSegmentSize of 1 GiB: a decompression buffer sized by
    the client."""
    with conn(ctx, "negotiated") as c:
        inner = c.msg(S.ECHO, S.empty4_body())
        send_expect_closed(c, S.COMPRESSION_MAGIC + struct.pack("<IHHI", 1 << 30, 1, 0, 0) + inner)


@case("transform and compression headers")
def unknown_protocol_id(ctx):
    """ProtocolId 0xFE 'SMC': an unknown protocol."""
    with conn(ctx, "negotiated") as c:
        m = bytearray(c.msg(S.ECHO, S.empty4_body()))
        m[3] = ord("C")
        send_expect_closed(c, bytes(m))


# ======================================================================
# Transport framing (MS-SMB2 2.1, limits of issue 4)
# ======================================================================

@case("framing violations")
def netbios_first_byte_nonzero(ctx):
    """A direct-TCP header whose first byte is 0x81 (NetBIOS session
    request): the 4-byte header read as a 32-bit length."""
    with conn(ctx, "tcp") as c:
        send_expect_closed(c, b"\x81\x00\x00\x44" + b"\x20" * 0x44, raw=True)


@case("framing violations")
def netbios_keepalive(ctx):
    """A NetBIOS keep-alive (0x85 00 00 00): not direct-TCP framing."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, b"\x85\x00\x00\x00", raw=True)


@case("limits")
def frame_16mib_unauthenticated(ctx):
    """Only a 4-byte header announcing 16 MiB, on an unauthenticated
    connection: the server must close at once, without waiting for (or
    allocating) the body."""
    with conn(ctx, "negotiated") as c:
        t0 = time.time()
        send_expect_closed(c, b"\x00\xff\xff\xff", raw=True, timeout=2.0)
        check(time.time() - t0 < 2.0, "close took too long")


@case("limits")
def frame_16mib_authenticated(ctx):
    """The same announcement after a session is set up (above the
    authenticated frame limit, 8 MiB + 64 KiB by default)."""
    with conn(ctx) as c:
        send_expect_closed(c, b"\x00\xff\xff\xff", raw=True, timeout=2.0)


@case("limits")
def preauth_frame_limit(ctx):
    """A 70000-byte NEGOTIATE before any session (above the 64 KiB
    unauthenticated frame limit): memory spent on unauthenticated peers."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body() + b"\0" * (70000 - S.HDR - 44)
        send_expect_closed(c, c.msg(S.NEGOTIATE, body), timeout=3.0)


@case("framing violations")
def frame_shorter_than_header(ctx):
    """A 20-byte SMB2 frame (3.3.5.2.6: a request shorter than the header
    MUST disconnect)."""
    with conn(ctx, "negotiated") as c:
        send_expect_closed(c, S.SMB2_MAGIC + b"\x40\x00" + b"\0" * 14)


@case("framing violations")
def zero_length_frame(ctx):
    """A frame of length 0: an empty message dispatched.  The server may
    ignore it or disconnect; a later ECHO tells which, and it must not
    crash."""
    with conn(ctx, "negotiated") as c:
        c.send_raw(b"\0\0\0\0")
        try:
            c.send_frame(c.msg(S.ECHO, S.empty4_body()))
            rs = c.recv_replies()
        except S.Closed:
            return
        expect(rs[0], "SUCCESS")


@case("stalled and slow peers")
def stalled_half_header(ctx):
    """Two bytes of a frame header and then nothing: one stalled peer must
    not block the event loop for others."""
    s = socket.create_connection(("127.0.0.1", ctx.port), 5)
    try:
        s.sendall(b"\x00\x00")
        time.sleep(0.2)
        ctx.health("while a peer stalls mid-header")
    finally:
        s.close()


@case("stalled and slow peers")
def stalled_half_body(ctx):
    """Half of a NEGOTIATE body, a pause while others are served, then the
    rest: reassembly across reads must give the right request."""
    with conn(ctx, "tcp") as c:
        frame = c.msg(S.NEGOTIATE, S.negotiate_body())
        raw = struct.pack(">I", len(frame)) + frame
        c.send_raw(raw[:4 + len(frame) // 2])
        time.sleep(0.2)
        ctx.health("while a peer stalls mid-body")
        c.send_raw(raw[4 + len(frame) // 2:])
        rs = c.recv_replies()
        expect(rs[0], "SUCCESS")


@case("stalled and slow peers")
def dribbled_frame(ctx):
    """A NEGOTIATE sent one byte per write: partial reads of the header and
    of the body."""
    with conn(ctx, "tcp") as c:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        frame = c.msg(S.NEGOTIATE, S.negotiate_body())
        raw = struct.pack(">I", len(frame)) + frame
        for i in range(len(raw)):
            c.send_raw(raw[i:i + 1])
            if i % 16 == 0:
                time.sleep(0.001)
        rs = c.recv_replies()
        expect(rs[0], "SUCCESS")


@case("limits")
def idle_connections_300(ctx):
    """300 TCP connections that never send anything: per-connection threads
    or memory that starve a well-formed client."""
    socks = []
    try:
        for _ in range(300):
            socks.append(socket.create_connection(("127.0.0.1", ctx.port), 5))
        time.sleep(0.3)
        t0 = time.time()
        ctx.health("with 300 idle connections open")
        check(time.time() - t0 < 3.0, f"well-formed client took {time.time() - t0:.1f}s")
    finally:
        for s in socks:
            s.close()


@case("limits")
def many_frames_pipelined(ctx):
    """200 ECHOs written back to back without reading any reply: output
    queued without bound for a client that does not read."""
    with conn(ctx, "negotiated") as c:
        data = b""
        for _ in range(200):
            m = c.msg(S.ECHO, S.empty4_body())
            data += struct.pack(">I", len(m)) + m
        c.send_raw(data)
        got = 0
        while got < 200:
            rs = c.recv_replies()
            for r in rs:
                expect(r, "SUCCESS")
            got += len(rs)


@case("limits")
def sessions_per_connection(ctx):
    """70 sessions on one connection (the per-connection limit is 64): a
    fixed session table overflowed.  The sessions past the limit must fail
    cleanly."""
    with conn(ctx, "negotiated") as c:
        statuses = []
        for _ in range(70):
            r = c.request(S.SESSION_SETUP, S.session_setup_body(S.spnego_init(S.ntlm_negotiate())),
                          sid=0)
            statuses.append(r.status)
            if r.status != S.STATUS["MORE_PROCESSING_REQUIRED"]:
                break
        bad = [sname(s) for s in statuses if s != S.STATUS["MORE_PROCESSING_REQUIRED"]]
        check(bad and bad[0] in ("INSUFFICIENT_RESOURCES", "REQUEST_NOT_ACCEPTED",
                                 "TOO_MANY_SESSIONS"),
              f"after {len(statuses)} session setups: {bad or 'no limit hit'}")


@case("limits")
def trees_per_session(ctx):
    """70 tree connects on one session (64 fit): a fixed tree table
    overflowed."""
    with conn(ctx, "session") as c:
        last = None
        for i in range(70):
            r = c.request(S.TREE_CONNECT, S.tree_connect_body("\\\\127.0.0.1\\guest"), tid=0)
            last = r
            if r.status:
                break
        check(last.status != 0 and i >= 10, f"after {i + 1} tree connects: {sname(last.status)}")
        expect(last, "INSUFFICIENT_RESOURCES", "REQUEST_NOT_ACCEPTED")


@case("lying lengths: READ")
def rd_offset_huge(ctx):
    """READ at offset 2^64-1: offset + length overflowing (NTFS offsets are
    signed; Windows answers STATUS_INVALID_PARAMETER)."""
    with conn(ctx) as c:
        fid = open_file(c, b"x" * 10)
        send_expect(c, S.READ, S.read_body(fid, 10, offset=0xFFFFFFFFFFFFFFFF), "INVALID_PARAMETER")


@case("lying lengths: WRITE")
def wr_offset_wraps(ctx):
    """WRITE whose offset + length wraps past 2^63: a sparse file of
    exabytes or a negative off_t."""
    with conn(ctx) as c:
        fid = open_file(c)
        send_expect(c, S.WRITE, S.write_body(fid, b"A" * 64, offset=0x7FFFFFFFFFFFFFF0),
                    "INVALID_PARAMETER", "DISK_FULL")
        check(file_size(ctx, c, fid) == 0, "data was written")


@case("lying lengths: NEGOTIATE contexts")
def neg_signing_ctx_count_lies(ctx):
    """A SIGNING_CAPABILITIES context whose SigningAlgorithmCount exceeds its
    DataLength."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx(),
                                                        (8, struct.pack("<HH", 500, 1))])
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("lying lengths: NEGOTIATE contexts")
def neg_encryption_ctx_count_zero(ctx):
    """An ENCRYPTION_CAPABILITIES context with CipherCount 0 (3.3.5.4:
    STATUS_INVALID_PARAMETER)."""
    with conn(ctx, "tcp") as c:
        body = S.negotiate_body(DIALECTS_311, contexts=[S.preauth_ctx(), (2, struct.pack("<H", 0))])
        send_expect(c, S.NEGOTIATE, body, "INVALID_PARAMETER")


@case("SMB1")
def smb1_upgrade_then_reused_mid(ctx):
    """An SMB1 NEGOTIATE offering 'SMB 2.???' (answered with 0x02FF), then an
    SMB2 NEGOTIATE reusing message id 0 instead of 1 (3.3.5.3.1)."""
    with conn(ctx, "tcp") as c:
        c.send_frame(smb1_msg(0x72, data=b"\x02NT LM 0.12\x00\x02SMB 2.002\x00\x02SMB 2.???\x00"))
        rs = c.recv_replies()
        expect(rs[0], "SUCCESS")
        check(struct.unpack_from("<H", rs[0].body, 4)[0] == 0x02FF, "no 2.??? dialect answer")
        send_expect_closed(c, S.header(S.NEGOTIATE, 0) + S.negotiate_body())


@case("invalid names")
def si_rename_lone_surrogate(ctx):
    """A rename target holding a lone surrogate: the same name check on the
    rename path as on CREATE."""
    with conn(ctx) as c:
        name = uniq()
        fid = c.create(name, access=S.RW_ACCESS | S.DELETE, disposition=S.FILE_CREATE)
        buf = S.rename_info(S.utf16("ren") + b"\x3d\xd8")
        send_expect(c, S.SET_INFO, S.set_info_body(fid, S.INFO_FILE, S.FileRenameInformation, buf),
                    "OBJECT_NAME_INVALID")
        check(os.path.exists(os.path.join(ctx.srv.dirs["guest"], name)), "the file was renamed")


# ======================================================================
# Runner
# ======================================================================

class Ctx:
    def __init__(self, srv):
        self.srv = srv
        self.notes = []
        self.nhealth = 0

    @property
    def port(self):
        return self.srv.port

    def note(self, name, text):
        self.notes.append(f"{name}: {text}")

    def health(self, when=""):
        """A well-formed client is served: negotiate, anonymous session, tree
        connect to guest, create, write, read, close; within the deadline."""
        self.nhealth += 1
        t0 = time.time()
        data = os.urandom(4096)
        try:
            with Conn(self.port, timeout=HEALTH_DEADLINE) as c:
                c.setup("guest")
                fid = c.create(f"health-{self.nhealth}.bin", disposition=S.FILE_OVERWRITE_IF)
                c.write(fid, data)
                back = c.read(fid, len(data))
                c.close_file(fid)
        except Exception as e:  # noqa: BLE001 - any failure is the finding
            raise Failed(f"well-formed client not served{' ' + when if when else ''}: "
                         f"{type(e).__name__}: {e}")
        check(back == data, "well-formed client read back different data")
        dt = time.time() - t0
        check(dt < HEALTH_DEADLINE, f"well-formed client took {dt:.1f}s")
        check(self.srv.alive(), "daxsmbd is not running")


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"case did not finish within {CASE_TIMEOUT}s (hang)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default=None)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        by = {}
        for name, cls, _fn in CASES:
            by.setdefault(cls, []).append(name)
        for cls, names in by.items():
            print(f"{cls}: {len(names)}")
            for n in names:
                print(f"  {n}")
        print(f"{len(CASES)} cases")
        return 0
    build = os.path.abspath(args.build)
    signal.signal(signal.SIGALRM, _alarm)
    t_start = time.time()
    srv = DaxServer(build).start()
    ctx = Ctx(srv)
    npass = nfail = 0

    def report(ok, name, detail=""):
        nonlocal npass, nfail
        if ok:
            npass += 1
            print(f"PASS {name}", flush=True)
        else:
            nfail += 1
            print(f"FAIL {name}: {detail}", flush=True)

    try:
        for name, cls, fn in CASES:
            if args.only and args.only not in name and args.only not in cls:
                continue
            detail = None
            signal.alarm(CASE_TIMEOUT)
            try:
                fn(ctx)
            except Failed as e:
                detail = str(e)
            except CaseTimeout as e:
                detail = str(e)
            except Exception:  # noqa: BLE001 - every failure is reported
                detail = traceback.format_exc().strip().replace("\n", "\n    ")
            finally:
                signal.alarm(0)
            # After every case: the server still serves a well-formed client.
            signal.alarm(CASE_TIMEOUT)
            try:
                ctx.health("after the case")
            except (Failed, CaseTimeout) as e:
                detail = (detail + "; " if detail else "") + str(e)
            finally:
                signal.alarm(0)
            if name in XFAIL:
                if detail:
                    print(f"XFAIL {name}: {XFAIL[name]} ({detail})", flush=True)
                    npass += 1
                else:
                    report(False, name, f"unexpectedly passed; remove it from XFAIL ({XFAIL[name]})")
                continue
            if detail and not srv.alive():
                detail += f"\n    daxsmbd died ({srv.proc.returncode}); log tail:\n" + srv.tail(30)
            report(detail is None, name, detail or "")
            if not srv.alive():
                problems = srv.stop()
                print(f"FAIL server alive after {name}: " + "; ".join(problems), flush=True)
                nfail += 1
                srv.cleanup()
                srv = DaxServer(build).start()
                ctx.srv = srv
    finally:
        problems = srv.stop()
        report(not problems, "server shut down cleanly (no sanitizer report)", "\n".join(problems))
        if problems or nfail:
            print("--- server log tail ---\n" + srv.tail(60))
        srv.cleanup()
    for n in ctx.notes:
        print(f"NOTE {n}")
    print(f"({time.time() - t_start:.1f}s)")
    print(f"{npass} passed, {nfail} failed")
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
