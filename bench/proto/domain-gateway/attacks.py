# Run INSIDE the sandbox (runsc, root), joined to a guard in domain mode. Prints one line per check:
# "ok <what>" or "FAIL <what>: <detail>". Targets come from the environment (own containers only).
import os, socket, ssl, struct, time, subprocess, json
E = os.environ
CA = '/certs/ca.crt'
res = []
def check(what, cond, detail=''):
    print(('ok   ' if cond else 'FAIL ') + what + ('' if cond else ': ' + str(detail)), flush=True)

def resolve(name, fam=socket.AF_INET):
    try: return sorted({a[4][0] for a in socket.getaddrinfo(name, 443, fam, socket.SOCK_STREAM)})
    except socket.gaierror as e: return 'ERR %s' % e.args[0]

def https(addr, sni, port=443, fam=socket.AF_INET, verify=True, path='/'):
    ctx = ssl.create_default_context(cafile=CA)
    if not verify: ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    s = socket.socket(fam); s.settimeout(5)
    try:
        s.connect((addr, port))
        t = ctx.wrap_socket(s, server_hostname=sni)
        t.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' % (path, sni or 'x')).encode())
        data = b''
        while True:
            d = t.recv(65536)
            if not d: break
            data += d
        return data.decode(errors='replace').split('\r\n\r\n', 1)[-1].strip()
    except Exception as e: return 'ERR %s' % type(e).__name__
    finally: s.close()

def http(addr, hosts, port=80):
    """Several requests on ONE keep-alive connection, one per Host; returns the bodies/statuses."""
    s = socket.socket(); s.settimeout(5); out = []
    try:
        s.connect((addr, port)); f = s.makefile('rb')
        for h in hosts:
            s.sendall(('GET / HTTP/1.1\r\nHost: %s\r\n\r\n' % h).encode())
            status = f.readline().decode().strip(); length = 0
            while True:
                line = f.readline().decode().strip()
                if not line: break
                if line.lower().startswith('content-length:'): length = int(line.split(':')[1])
            out.append(status + ' ' + f.read(length).decode().strip())
    except Exception as e: out.append('ERR %s' % type(e).__name__)
    finally: s.close()
    return out

def dns_raw(server, name, qtype, tcp=False):
    q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l for l in [x.encode('latin1') for x in name.split('.')]) + b'\0' + struct.pack('>HH', qtype, 1)
    try:
        if tcp:
            s = socket.create_connection((server, 53), timeout=3); s.sendall(struct.pack('>H', len(q)) + q); r = s.recv(4096)[2:]
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(q, (server, 53)); r = s.recv(4096)
        return {'rcode': r[3] & 15, 'answers': struct.unpack('>H', r[6:8])[0]}
    except Exception as e: return 'ERR %s' % type(e).__name__

A, D, UP = E['ALLOWED'], E['DENIED'], E['UP']
# --- DNS
check('DNS: allowed.test resolves to the allowed target', resolve('allowed.test') == [A], resolve('allowed.test'))
check('DNS: unlisted name -> NXDOMAIN', resolve('unlisted-name.test') == 'ERR -2', resolve('unlisted-name.test'))
check('DNS: denied.test (exists upstream, not listed) -> NXDOMAIN', resolve('denied.test') == 'ERR -2', resolve('denied.test'))
exfil = 'a' * 63 + '.' + 'b' * 63 + '.' + 'c' * 63 + '.exfil.test'
check('DNS: long-label exfiltration name -> NXDOMAIN', dns_raw('127.0.0.11', exfil, 1) == {'rcode': 3, 'answers': 0}, dns_raw('127.0.0.11', exfil, 1))
check('DNS: TXT of an allowed name -> no answer', dns_raw(UP, 'allowed.test', 16) == {'rcode': 0, 'answers': 0}, dns_raw(UP, 'allowed.test', 16))
check('DNS: HTTPS RR (ECH keys) of an allowed name -> no answer', dns_raw(UP, 'allowed.test', 65) == {'rcode': 0, 'answers': 0}, dns_raw(UP, 'allowed.test', 65))
check('DNS: query sent straight to the upstream resolver address is answered by the gateway (NXDOMAIN)', dns_raw(UP, 'direct-to-upstream.test', 1) == {'rcode': 3, 'answers': 0}, dns_raw(UP, 'direct-to-upstream.test', 1))
check('DNS over TCP to any address -> gateway (NXDOMAIN)', dns_raw(D, 'tcp-exfil.test', 1, tcp=True) == {'rcode': 3, 'answers': 0}, dns_raw(D, 'tcp-exfil.test', 1, tcp=True))
check('DNS: binary label -> NXDOMAIN', dns_raw('127.0.0.11', 'a\x01b.exfil.test', 1).get('rcode') == 3 if isinstance(dns_raw('127.0.0.11', 'a\x01b.exfil.test', 1), dict) else False, dns_raw('127.0.0.11', 'a\x01b.exfil.test', 1))
check('DNS: rebind.test (-> private victim) answers no address', resolve('rebind.test') == 'ERR -5' or resolve('rebind.test') == 'ERR -2', resolve('rebind.test'))
check('DNS: mixed.test keeps only the public address', resolve('mixed.test') == [A], resolve('mixed.test'))
# --- allowed
check('HTTPS to an allowed name', https('allowed.test', 'allowed.test').startswith('allowed host=allowed.test'), https('allowed.test', 'allowed.test'))
check('HTTP to an allowed name', http('allowed.test', ['allowed.test'])[0].startswith('HTTP/1.1 200 OK allowed'), http('allowed.test', ['allowed.test']))
check('*.wild.test: a.wild.test allowed', https(A, 'a.wild.test').startswith('allowed'), https(A, 'a.wild.test'))
r = https(A, 'b.a.wild.test', verify=False)  # the test certificate's *.wild.test covers one level only
check('*.wild.test: b.a.wild.test allowed', r.startswith('allowed host=b.a.wild.test'), r)
check('*.wild.test: the apex wild.test refused', https(A, 'wild.test').startswith('ERR'), https(A, 'wild.test'))
# --- spoofing
r = https(D, 'allowed.test')
check('SNI allowed.test sent to the DENIED address reaches the allowed target, not the denied one', r.startswith('allowed host=allowed.test'), r)
r = http(D, ['allowed.test'])
check('Host allowed.test sent to the DENIED address reaches the allowed target', r[0].startswith('HTTP/1.1 200 OK allowed'), r)
r = http(A, ['allowed.test', 'denied.test'])
check('keep-alive: a second request switching Host to denied.test is refused', r[0].startswith('HTTP/1.1 200') and r[1].startswith('HTTP/1.1 403'), r)
check('SNI denied.test to the denied address refused', https(D, 'denied.test').startswith('ERR'), https(D, 'denied.test'))
check('TLS without SNI refused', https(A, None, verify=False).startswith('ERR'), https(A, None, verify=False))
# hand-made ClientHello with SNI allowed.test and an ECH extension (0xfe0d)
def hello(ext_extra=b''):
    sni = b'allowed.test'; sni_ext = struct.pack('>HHHBH', 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    exts = sni_ext + ext_extra
    body = b'\x03\x03' + os.urandom(32) + b'\x00' + b'\x00\x02\x13\x01' + b'\x01\x00' + struct.pack('>H', len(exts)) + exts
    hs = b'\x01' + struct.pack('>I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('>H', len(hs)) + hs
def raw_tls(data):
    s = socket.create_connection((A, 443), timeout=5)
    try:
        s.sendall(data); return s.recv(100)
    except Exception as e: return 'ERR %s' % type(e).__name__
    finally: s.close()
r = raw_tls(hello(struct.pack('>HH', 0xfe0d, 4) + b'\x00\x00\x01\x00'))
check('ECH ClientHello refused (closed, nothing forwarded)', r in (b'', 'ERR ConnectionResetError'), r)
r = raw_tls(hello(struct.pack('>HHHBH', 0, 13, 11, 0, 8) + b'evil.com'))
check('ClientHello with two SNI extensions refused', r in (b'', 'ERR ConnectionResetError'), r)
# --- rebinding
check('TLS to rebind.test (private victim) refused', https(A, 'rebind.test').startswith('ERR'), https(A, 'rebind.test'))
check('TLS to host.test (the bridge gateway = this machine) refused', https(A, 'host.test').startswith('ERR'), https(A, 'host.test'))
check('HTTP to rebind.test refused', http(A, ['rebind.test'])[0].startswith('HTTP/1.1 403'), http(A, ['rebind.test']))
# --- other protocols / ports
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try: u.sendto(b'quic-initial', (A, 443)); u.settimeout(1); u.recv(10); q = 'answered'
except Exception as e: q = type(e).__name__
check('QUIC/UDP 443 refused', q in ('ConnectionRefusedError', 'PermissionError', 'TimeoutError', 'timeout'), q)
def tcp(addr, port, fam=socket.AF_INET):
    s = socket.socket(fam); s.settimeout(3)
    try: s.connect((addr, port)); return 'connected'
    except Exception as e: return type(e).__name__
    finally: s.close()
check('TCP to the allowed address on another port (22) refused', tcp(A, 22) != 'connected', tcp(A, 22))
check('allowed.test on 8443 (not listed for that port) refused', https(A, 'allowed.test', port=8443).startswith('ERR'), https(A, 'allowed.test', port=8443))
check('TCP to the private victim on 8080 refused (443 lands at the gateway: see the victim log)', tcp(E['VICTIM'], 8080) != 'connected', tcp(E['VICTIM'], 8080))
check('TLS with SNI allowed.test to the private victim reaches the allowed target', https(E['VICTIM'], 'allowed.test').startswith('allowed'), https(E['VICTIM'], 'allowed.test'))
# --- IPv6
check('DNS AAAA of allowed.test', resolve('allowed.test', socket.AF_INET6) == [E['ALLOWED6']], resolve('allowed.test', socket.AF_INET6))
r = https(E['DENIED6'], 'allowed.test', fam=socket.AF_INET6)
check('IPv6: SNI allowed.test to the denied v6 address reaches the allowed target', r.startswith('allowed'), r)
check('IPv6: SNI denied.test refused', https(E['DENIED6'], 'denied.test', fam=socket.AF_INET6).startswith('ERR'), https(E['DENIED6'], 'denied.test', fam=socket.AF_INET6))
check('IPv6: TCP 22 refused', tcp(E['DENIED6'], 22, socket.AF_INET6) != 'connected', tcp(E['DENIED6'], 22, socket.AF_INET6))
# --- root cannot go around
for cmd in (['iptables', '-t', 'nat', '-F'], ['iptables', '-P', 'OUTPUT', 'ACCEPT'], ['ip', 'route', 'replace', 'default', 'via', E['DENIED']]):
    p = subprocess.run(cmd, capture_output=True)
    check('root cannot run ' + ' '.join(cmd), p.returncode != 0, p.returncode)
try: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); raw = 'opened'
except Exception as e: raw = type(e).__name__
check('raw socket refused', raw != 'opened', raw)
check('after all that, SNI spoofing still goes to the allowed target', https(D, 'allowed.test').startswith('allowed'), https(D, 'allowed.test'))
