import os, socket, ssl
A, D, V = os.environ['ALLOWED'], os.environ['DENIED'], os.environ['VICTIM']
ctx = ssl.create_default_context(cafile='/certs/ca.crt'); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def https(addr, sni):
    try:
        t = ctx.wrap_socket(socket.create_connection((addr, 443), timeout=5), server_hostname=sni)
        t.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'); return t.recv(300).split(b'\r\n\r\n')[-1].decode().strip() or 'empty'
    except Exception as e: return 'ERR %s' % type(e).__name__
for what, addr, sni in [('allowed', A, 'allowed.test'), ('SNI spoof to denied address', D, 'allowed.test'), ('denied name', D, 'denied.test'), ('no SNI', A, None), ('rebind.test -> private victim', A, 'rebind.test'), ('host.test -> this machine', A, 'host.test'), ('wildcard sub', A, 'a.wild.test')]:
    print('%-32s %s' % (what, https(addr, sni)))
