# Run INSIDE a sandbox by bench/domain.bench.ts: the same client against the same HTTPS target,
# through the egress gateway (domain mode) or directly (open mode). Prints one JSON object of raw
# samples (ms; MiB/s for bulk). Target address and name, CA and counts come in the environment.
import json, os, socket, ssl, struct, time
A, NAME, N = os.environ['TARGET'], os.environ['NAME'], int(os.environ.get('N', '100'))
ctx = ssl.create_default_context(cadata=os.environ['CA_PEM'])

def get(t, path='/'):
    t.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\n\r\n' % (path, NAME)).encode())
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

def conn():
    return ctx.wrap_socket(socket.create_connection((A, 443), timeout=10), server_hostname=NAME)

def dns_query(server):
    q = struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(l)]) + l.encode() for l in NAME.split('.')) + b'\0' + struct.pack('>HH', 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    t0 = time.perf_counter(); s.sendto(q, (server, 53)); s.recv(512); s.close()
    return (time.perf_counter() - t0) * 1000

out = {'new': [], 'keepalive': [], 'bulk': [], 'dns': []}
get(conn())  # warm-up: the gateway's name cache, the target's TLS
for _ in range(N):
    t0 = time.perf_counter(); t = conn(); get(t); t.close(); out['new'].append((time.perf_counter() - t0) * 1000)
t = conn()
for _ in range(N * 2):
    t0 = time.perf_counter(); get(t); out['keepalive'].append((time.perf_counter() - t0) * 1000)
for _ in range(int(os.environ.get('BULK_RUNS', '3'))):
    t0 = time.perf_counter(); n = get(t, '/bulk?mb=%s' % os.environ.get('BULK_MB', '64')); out['bulk'].append(n / (1 << 20) / (time.perf_counter() - t0))
t.close()
server = os.environ['DNS_SERVER']
dns_query(server)
for _ in range(N):
    out['dns'].append(dns_query(server))
print(json.dumps(out))
