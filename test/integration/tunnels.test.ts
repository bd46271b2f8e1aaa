/**
 * Ports and tunnels with real servers inside gVisor sandboxes and real clients on this machine:
 * HTTPS verified against the local CA, HTTP/2 with ALPN h2, raw TCP, WebSocket, 100 concurrent
 * connections, a 50 MB body. Everything goes to 127.0.0.1 and to the sandboxes created here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { connect, SandboxError, type Sandbox, type SandboxClient } from '../../src/core';
import { cleanupAfterFile, docker, testSpec, until } from './helpers';

cleanupAfterFile();

const ECHO_SERVER = `
import socketserver
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            self.request.sendall(data)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("0.0.0.0", 7000), Echo).serve_forever()
`;
const WS_SERVER = `
import asyncio, websockets
async def echo(ws, path=None):
    async for message in ws:
        await ws.send("echo:" + message)
async def main():
    async with websockets.serve(echo, "0.0.0.0", 8765):
        await asyncio.Future()
asyncio.run(main())
`;

const BACKLOG_SERVER = `
import functools, http.server as h
h.ThreadingHTTPServer.request_queue_size = 256
h.test(HandlerClass=functools.partial(h.SimpleHTTPRequestHandler, directory="/srv"), ServerClass=h.ThreadingHTTPServer, port=8000, bind="0.0.0.0")
`;

let stateDir: string;
let engine: SandboxClient;
let ca: string;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-tunnels-'));
  engine = connect({ stateDir });
  ca = await engine.caCertificate();
});
after(async () => {
  await engine.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: Buffer; socket: tls.TLSSocket | net.Socket }> {
  const lib = url.startsWith('https') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { ...options, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), socket: res.socket as tls.TLSSocket }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function serving(sandbox: Sandbox, argv: string[], port: number): Promise<void> {
  await sandbox.exec(argv);
  await until(
    async () => (await sandbox.run(['sh', '-c', `python3 -c 'import socket; socket.create_connection(("127.0.0.1", ${port}), 1)'`])).exitCode === 0,
    15_000,
    `a server on port ${port}`,
  );
}

describe('tunnels', () => {
  it('encrypted: the Modal example, a Python HTTP server fetched over HTTPS that verifies against the exported CA', async () => {
    const sandbox = await engine.create(testSpec({ command: ['python3', '-m', 'http.server', '8000'], encryptedPorts: [8000] }));
    try {
      const tunnels = await sandbox.tunnels();
      const tunnel = tunnels[8000];
      assert.equal(tunnel.kind, 'encrypted');
      assert.equal(tunnel.host, '127.0.0.1');
      assert.match(tunnel.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      await until(async () => (await get(tunnel.url, { ca }).catch(() => ({ status: 0 }))).status === 200, 15_000, 'the server');
      const res = await get(`${tunnel.url}/`, { ca });
      assert.equal(res.status, 200);
      assert.match(res.body.toString(), /Directory listing/);
      assert.equal((res.socket as tls.TLSSocket).authorized, true, 'verified against the CA, no verification turned off');
      // And by name: the certificate covers localhost too; an untrusting client is refused.
      assert.equal((await get(tunnel.url.replace('127.0.0.1', 'localhost'), { ca })).status, 200);
      await assert.rejects(get(tunnel.url), /self-signed|unable to verify|certificate/i);
      assert.equal(fs.statSync(path.join(stateDir, 'ca.pem')).mode & 0o777, 0o600, 'the CA key is private');
      assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
      assert.doesNotMatch(ca, /PRIVATE KEY/);
    } finally {
      await sandbox.terminate();
    }
  });

  it('h2: TLS with ALPN h2 to an h2c server inside, streams multiplexed on one connection', async () => {
    const sandbox = await engine.create(testSpec({ h2Ports: [8443] }));
    try {
      await sandbox.run(['sh', '-c', 'mkdir -p /srv && echo "hello over h2" > /srv/index.html']);
      await serving(sandbox, ['nghttpd', '--no-tls', '-d', '/srv', '8443'], 8443);
      const { 8443: tunnel } = await sandbox.tunnels();
      const session = http2.connect(tunnel.url, { ca });
      try {
        await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
        assert.equal(session.alpnProtocol, 'h2');
        const fetch = () =>
          new Promise<string>((resolve, reject) => {
            const stream = session.request({ ':path': '/index.html' });
            let body = '';
            let status = 0;
            stream.on('response', (headers) => (status = Number(headers[':status'])));
            stream.on('data', (c) => (body += c));
            stream.on('end', () => (status === 200 ? resolve(body) : reject(new Error(`status ${status}`))));
            stream.on('error', reject);
          });
        const bodies = await Promise.all(Array.from({ length: 20 }, fetch));
        assert.ok(bodies.every((b) => b === 'hello over h2\n'));
      } finally {
        session.close();
      }
    } finally {
      await sandbox.terminate();
    }
  });

  it('unencrypted: raw TCP echo, 100 concurrent connections, and a 50 MB body intact', async () => {
    const sandbox = await engine.create(testSpec({ unencryptedPorts: [7000, 8000] }));
    try {
      await serving(sandbox, ['python3', '-c', ECHO_SERVER], 7000);
      await sandbox.run(['sh', '-c', 'mkdir -p /srv && head -c 52428800 /dev/urandom > /srv/big.bin && sha256sum /srv/big.bin > /srv/big.sha']);
      // http.server's listen backlog is 5: 100 simultaneous connects would wait on SYN retries.
      await serving(sandbox, ['python3', '-c', BACKLOG_SERVER], 8000);
      const tunnels = await sandbox.tunnels();
      const echo = tunnels[7000];
      assert.equal(echo.unencryptedPort, echo.port);
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(echo.port, echo.host, () => socket.end(Buffer.from('raw bytes \x00\x01\xff', 'latin1')));
        let data = '';
        socket.setEncoding('latin1');
        socket.on('data', (c) => (data += c));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      assert.equal(reply, 'raw bytes \x00\x01\xff');

      const web = tunnels[8000];
      const results = await Promise.all(Array.from({ length: 100 }, () => get(`${web.url}/big.sha`)));
      assert.ok(
        results.every((r) => r.status === 200),
        'all 100 concurrent requests answered',
      );
      const expected = results[0].body.toString().split(' ')[0];
      const big = await get(`${web.url}/big.bin`);
      assert.equal(big.body.length, 52428800);
      assert.equal(createHash('sha256').update(big.body).digest('hex'), expected);
    } finally {
      await sandbox.terminate();
    }
  });

  it('WebSocket upgrade passes through an encrypted tunnel (wss)', async () => {
    const sandbox = await engine.create(testSpec({ encryptedPorts: [8765] }));
    try {
      await serving(sandbox, ['python3', '-c', WS_SERVER], 8765);
      const { 8765: tunnel } = await sandbox.tunnels();
      const ws = new WebSocket(tunnel.url.replace('https', 'wss'), { ca });
      const answer = await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send('ping'));
        ws.on('message', (data) => resolve(String(data)));
        ws.on('error', reject);
      });
      ws.close();
      assert.equal(answer, 'echo:ping');
    } finally {
      await sandbox.terminate();
    }
  });

  it('forwards after creation and stops forwarding, in blocked mode too; a new client reopens at the same port', async () => {
    const sandbox = await engine.create(testSpec({ blockNetwork: true }));
    try {
      await serving(sandbox, ['python3', '-m', 'http.server', '9000'], 9000);
      const tunnel = await sandbox.forwardPort(9000, { waitMs: 5000 });
      assert.equal((await get(tunnel.url)).status, 200, 'local forwarding works with blockNetwork');
      assert.deepEqual((await sandbox.networkPolicy()).forwardedPorts, [9000]);

      // An editor reload: this process's listeners go, another client opens them again.
      engine.tunnelRegistry.closeAll();
      const reloaded = connect({ stateDir });
      try {
        const again = (await (await reloaded.fromId(sandbox.id)).tunnels())[9000];
        assert.equal(again.port, tunnel.port, 'the same local port as before the reload');
        assert.equal((await get(again.url)).status, 200);
        await (await reloaded.fromId(sandbox.id)).stopForwarding(9000);
        await assert.rejects(get(again.url), /ECONNREFUSED/);
        assert.deepEqual((await sandbox.networkPolicy()).forwardedPorts, []);
      } finally {
        await reloaded.close();
      }
    } finally {
      await sandbox.terminate();
    }
  });

  it('bad input: bad or repeated ports, a taken local port, nothing listening, a sandbox that ended', async () => {
    await assert.rejects(engine.create(testSpec({ unencryptedPorts: [0] })), (e: SandboxError) => e.code === 'INVALID_SPEC' && /not a port number/.test(e.message));
    await assert.rejects(
      engine.create(testSpec({ unencryptedPorts: [80], encryptedPorts: [80] })),
      (e: SandboxError) => e.code === 'INVALID_SPEC' && /repeats port 80/.test(e.message),
    );
    const sandbox = await engine.create(testSpec());
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(sandbox.forwardPort(70000), (e: SandboxError) => e.code === 'INVALID_SPEC');
      await assert.rejects(sandbox.forwardPort(8000, { localPort: taken }), (e: SandboxError) => e.code === 'PORT_IN_USE' && e.message.includes(String(taken)));
      assert.deepEqual(engine.tunnelRegistry.get(sandbox.id), [], 'no listener left behind');
      const started = Date.now();
      await assert.rejects(sandbox.forwardPort(8001, { waitMs: 1500 }), (e: SandboxError) => e.code === 'TUNNEL_FAILED' && /Nothing is listening on port 8001/.test(e.message));
      assert.ok(Date.now() - started < 6000, 'a bounded wait, not a hang');
      const open = engine.tunnelRegistry.get(sandbox.id)[0];
      // A client connecting while nothing listens inside is closed at once, not left hanging.
      await new Promise<void>((resolve) =>
        net
          .connect(open.port, open.host)
          .on('close', () => resolve())
          .on('error', () => undefined),
      );
    } finally {
      blocker.close();
    }
    const port = engine.tunnelRegistry.get(sandbox.id)[0].port;
    await sandbox.run(['true']);
    await docker.getContainer(sandbox.containerId).kill();
    await until(async () => engine.tunnelRegistry.get(sandbox.id).length === 0, 10_000, 'tunnels to close with their sandbox');
    await assert.rejects(new Promise((resolve, reject) => net.connect(port, '127.0.0.1').on('connect', resolve).on('error', reject)), /ECONNREFUSED/);
    await assert.rejects(sandbox.forwardPort(8000), (e: SandboxError) => e.code === 'NOT_RUNNING');
    await sandbox.terminate();
  });
});
