/**
 * Forwarded ports carried over the engine's own connection: the exec relay
 * (src/core/tunnels/execRelay.ts) against the local engine (portPath: 'relay', the same code
 * without SSH) and against the remote engine of remoteEngine.ts over SSH, and over SSH by default
 * sshd's TCP forward to the guard's bridge address (tunnels/forwardOrRelay.ts). Each:
 * bytes intact both ways through big transfers, a keep-alive sequence from a server that writes
 * headers and body separately (Nagle on), and backpressure from a client that stops reading
 * reaching the server inside the sandbox (nothing piles up in this process, nor in SSH's windows).
 */
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type Sandbox, type SandboxClient } from '../../src/core';
import { TEST_IMAGE, cleanupAfterFile, client, testSpec, until } from './helpers';
import { remoteEngineMissing, startRemoteEngine, type RemoteEngine } from './remoteEngine';

cleanupAfterFile();

// 8000: GET /N streams N bytes of a seeded pattern and GET /sha/N their sha256; PUT answers the
// body's sha256; headers and body are separate writes with Nagle on, as python's http.server does.
// 8001: accepts one connection, writes up to 256 MiB and records in /tmp/sent how much the
// kernel took so far (it blocks when nothing reads at the other end).
const SERVER = String.raw`
import hashlib, http.server, socket, sys, threading
def pattern(n):
    block = hashlib.sha256(b'relay').digest() * 2048
    while n > 0:
        k = min(n, len(block)); yield block[:k]; n -= k
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def reply(self, body):
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        parts = self.path.split('/')
        if parts[1] == 'sha':
            h = hashlib.sha256()
            for b in pattern(int(parts[2])): h.update(b)
            return self.reply(h.hexdigest().encode())
        if parts[1] == 'peer': return self.reply(('%s:%d' % self.client_address[:2]).encode())
        n = int(parts[1])
        self.send_response(200); self.send_header('Content-Length', str(n)); self.end_headers()
        for b in pattern(n): self.wfile.write(b)
    def do_PUT(self):
        n = int(self.headers['Content-Length']); h = hashlib.sha256(); got = 0
        while got < n:
            b = self.rfile.read(min(65536, n - got))
            if not b: break
            h.update(b); got += len(b)
        self.reply(h.hexdigest().encode())
def flood():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8001)); s.listen(1)
    c, _ = s.accept(); chunk = bytes(65536); sent = 0
    while sent < 268435456:
        c.sendall(chunk); sent += len(chunk)
        if sent % 1048576 == 0: open('/tmp/sent', 'w').write(str(sent))
threading.Thread(target=flood, daemon=True).start()
http.server.ThreadingHTTPServer(('0.0.0.0', 8000), H).serve_forever()
`;

function request(agent: http.Agent | false, url: string, method = 'GET', body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers: body ? { 'Content-Length': String(body.length) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

// One remote engine for the SSH suites, started by the first of them.
let remote: Promise<RemoteEngine> | undefined;
const remoteEngine = () =>
  (remote ??= (async () => {
    const missing = remoteEngineMissing();
    if (missing) throw new Error(`The remote engine cannot run here: ${missing}`);
    const probe = connect();
    const engine = await startRemoteEngine([TEST_IMAGE, probe.guardImage]);
    await probe.close();
    process.env.SSH_AUTH_SOCK = engine.sshAuthSock;
    return engine;
  })());
after(async () => {
  await (await remote?.catch(() => undefined))?.stop();
});

const SUITES = [
  { where: 'local engine, portPath relay', ssh: false, portPath: 'relay', relayed: true },
  { where: 'remote engine over SSH, portPath relay', ssh: true, portPath: 'relay', relayed: true },
  // The default over SSH: sshd connects to the guard's bridge address (tunnels/forwardOrRelay.ts).
  { where: 'remote engine over SSH, default (forward)', ssh: true, portPath: undefined, relayed: false },
] as const;

for (const { where, ssh, portPath, relayed } of SUITES) {
  describe(`forwarded ports over the engine's connection (${where})`, () => {
    let sandbox: Sandbox;
    let urls: Record<number, string>;
    let overSsh: SandboxClient | undefined;

    before(async () => {
      let relayClient: SandboxClient;
      if (ssh) relayClient = overSsh = connect({ dockerHost: (await remoteEngine()).sshHost, portPath });
      else relayClient = client({ portPath });
      sandbox = await relayClient.create(testSpec({ unencryptedPorts: [8000, 8001] }));
      await sandbox.files.write('/tmp/relay_server.py', SERVER);
      await sandbox.exec(['python3', '/tmp/relay_server.py']);
      const tunnels = await sandbox.tunnels();
      urls = { 8000: tunnels[8000].url, 8001: tunnels[8001].url };
      await until(
        () =>
          request(false, `${urls[8000]}/sha/1`).then(
            (r) => r.status === 200,
            () => false,
          ),
        30_000,
        'the server in the sandbox',
      );
    });

    after(async () => {
      await sandbox?.terminate().catch(() => undefined);
      await overSsh?.close();
    });

    it('carries 24 MiB each way byte-exact (download hashed here, upload hashed in the sandbox)', async () => {
      const size = 24 * 2 ** 20;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const down = await request(agent, `${urls[8000]}/${size}`);
        assert.equal(down.body.length, size);
        assert.equal(sha256(down.body), (await request(agent, `${urls[8000]}/sha/${size}`)).body.toString());
        const upload = randomBytes(size);
        const up = await request(agent, `${urls[8000]}/`, 'PUT', upload);
        assert.equal(up.body.toString(), sha256(upload));
      } finally {
        agent.destroy();
      }
    });

    it('answers a keep-alive sequence on one connection, each response whole', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const peers = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const size = [0, 13, 1, 70_000, 5][i % 5];
          const res = await request(agent, `${urls[8000]}/${size}`);
          assert.equal(res.status, 200);
          assert.equal(res.body.length, size);
          peers.add((await request(agent, `${urls[8000]}/peer`)).body.toString());
        }
        assert.equal(peers.size, 1, `all requests came over one connection (the server saw ${[...peers]})`);
        const [host] = [...peers][0].split(':');
        if (relayed) assert.equal(host, '127.0.0.1', 'the exec relay connects on loopback inside the sandbox');
        else assert.notEqual(host, '127.0.0.1', `sshd connected from the remote host to the guard's bridge address (the server saw ${host}), not through the exec relay`);
      } finally {
        agent.destroy();
      }
    });

    it('stops the server when the client stops reading: backpressure reaches the sandbox', async () => {
      const socket = net.connect(Number(new URL(urls[8001]).port), '127.0.0.1');
      try {
        await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
        socket.pause();
        const sent = async () => Number((await sandbox.run(['cat', '/tmp/sent'])).stdout || '0');
        // Wait (bounded) until the server has stopped advancing: three equal readings a second apart.
        let last = -1;
        let same = 0;
        for (let i = 0; i < 60 && same < 3; i++) {
          await new Promise((r) => setTimeout(r, 1000));
          const now = await sent();
          same = now === last ? same + 1 : 0;
          last = now;
        }
        assert.ok(same >= 3, `the server kept sending (${last} bytes)`);
        assert.ok(last < 128 * 2 ** 20, `the server could write only what the buffers on the way hold, not 128 MiB or more (it wrote ${last} bytes)`);
      } finally {
        socket.destroy();
      }
    });
  });
}
