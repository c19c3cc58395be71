# impacket as NTLMSSP client against our server (raw and SPNEGO-wrapped).
import os
TOOL = os.environ.get('AUTH_TOOL', './auth_tool')
import subprocess, sys, binascii
from impacket import ntlm
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

def run(user, pw, domain, spnego):
    p = subprocess.Popen([TOOL, 'server', os.environ.get('AUTH_PASSDB', 'passdb')], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    def send(b):
        p.stdin.write(b.hex() + '\n'); p.stdin.flush()
        st, _, h = p.stdout.readline().strip().partition(' ')
        return st, bytes.fromhex(h)
    t1 = ntlm.getNTLMSSPType1('', '', signingRequired=True)
    if spnego:
        init = SPNEGO_NegTokenInit()
        init['MechTypes'] = [TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']]
        init['MechToken'] = t1.getData()
        st, r = send(init.getData())
        resp = SPNEGO_NegTokenResp(r)
        chal = resp['ResponseToken']
    else:
        st, chal = send(t1.getData())
    assert st == 'c0000016', st
    t3, key = ntlm.getNTLMSSPType3(t1, chal, user, pw, domain)
    if spnego:
        r = SPNEGO_NegTokenResp(); r['ResponseToken'] = t3.getData(); st, fin = send(r.getData())
    else:
        st, fin = send(t3.getData())
    idl = p.stdout.readline().strip() if st == '00000000' else ''
    p.stdin.close(); p.wait()
    print(user, domain, 'spnego' if spnego else 'raw', st, idl, 'impacket key', key.hex() if key else None)
    return st, idl, key

for sp in (False, True):
    st, idl, key = run('alice', 'Secret1', 'DOM', sp); assert st == '00000000' and idl.endswith(key.hex()), idl
    st, idl, key = run('ALICE', 'Secret1', '', sp); assert st == '00000000' and idl.endswith(key.hex())
    st, _, _ = run('alice', 'wrong', 'DOM', sp); assert st == 'c000006d'
    st, idl, _ = run('nobody', 'x', 'DOM', sp); assert st == '00000000' and 'guest=1' in idl
print('impacket client -> daxsmb server: OK')
