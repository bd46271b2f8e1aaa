# Run INSIDE a sandbox: the same client against the same target, in domain mode (through the
# gateway) or open mode (direct). Prints one JSON line of medians/p99s (ms) and throughput (MiB/s).
import os, socket, ssl, time, json, sys
A = os.environ['ALLOWED']; N = int(os.environ.get('N', '200'))
ctx = ssl.create_default_context(cafile='/certs/ca.crt')
def pct(xs, p): xs = sorted(xs); return round(xs[min(len(xs) - 1, int(len(xs) * p))], 3)
def get(t, host='allowed.test', path='/'):
    t.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' % (path, host)).encode())
    f = t.makefile('rb'); length = 0
    while True:
        line = f.readline()
        if line in (b'\r\n', b''): break
        if line.lower().startswith(b'content-length:'): length = int(line.split(b':')[1])
    n = 0
    while n < length:
        d = f.read(min(1 << 20, length - n))
        if not d: break
        n += len(d)
    return n
out = {}
new = []
for i in range(N):
    s = time.perf_counter()
    t = ctx.wrap_socket(socket.create_connection((A, 443)), server_hostname='allowed.test'); get(t); t.close()
    new.append((time.perf_counter() - s) * 1000)
out['https_new_p50'] = pct(new, .5); out['https_new_p99'] = pct(new, .99)
t = ctx.wrap_socket(socket.create_connection((A, 443)), server_hostname='allowed.test'); ka = []
for i in range(N * 2):
    s = time.perf_counter(); get(t); ka.append((time.perf_counter() - s) * 1000)
out['https_keepalive_p50'] = pct(ka, .5); out['https_keepalive_p99'] = pct(ka, .99)
s = time.perf_counter(); n = get(t, path='/bulk?mb=256'); out['https_bulk_MiBps'] = round(n / (1 << 20) / (time.perf_counter() - s), 1)
t.close()
dns = []
for i in range(0 if os.environ.get('NODNS') else N):
    s = time.perf_counter(); socket.getaddrinfo('allowed.test', 443, socket.AF_INET, socket.SOCK_STREAM); dns.append((time.perf_counter() - s) * 1000)
if dns: out['dns_p50'] = pct(dns, .5); out['dns_p99'] = pct(dns, .99)
print(json.dumps(out))
