/**
 * HTTPS and HTTP/2 forwards viewed through a plain-HTTP proxy (issue #14): code-server's
 * `/proxy/<port>/` speaks plain HTTP/1.1 to local ports, which an HTTPS forward refuses ("socket
 * hang up"). `Sandbox.viewUrl` gives a loopback plain-HTTP listener that serves the same server:
 * a byte pipe for HTTPS forwards, HTTP/1.1 → h2c for HTTP/2 forwards. Only 127.0.0.1 and the
 * sandbox created here are contacted.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sandbox, SandboxClient } from '../../src/core';
import { cleanupAfterFile, client, testSpec, until } from './helpers';

cleanupAfterFile();

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('viewing TLS forwards through a plain-HTTP proxy', () => {
  let engine: SandboxClient;
  let sandbox: Sandbox;
  let stateDir: string;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-view-'));
    engine = client({ stateDir });
    sandbox = await engine.create(testSpec({ name: `view-${process.pid}`, command: ['sleep', 'infinity'], encryptedPorts: [8000], h2Ports: [8443], unencryptedPorts: [8080] }));
    await sandbox.run(['sh', '-c', 'mkdir -p /srv && echo "hello through the view" > /srv/index.html']);
    (await sandbox.exec(['python3', '-m', 'http.server', '8000', '--directory', '/srv'])).stdin.end();
    (await sandbox.exec(['nghttpd', '--no-tls', '-d', '/srv', '8443'])).stdin.end();
    for (const port of [8000, 8443]) {
      await until(async () => (await sandbox.listeningPorts()).some((p) => p.port === port), 15_000, `a server on port ${port}`);
    }
  });

  after(async () => {
    await sandbox?.terminate().catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('an HTTPS forward: plain HTTP to the forward itself fails, its view serves the page', async () => {
    const { 8000: tunnel } = await sandbox.tunnels();
    // What code-server's proxy does today: plain HTTP into the TLS listener.
    await assert.rejects(get(tunnel.url.replace('https:', 'http:')), /socket hang up|ECONNRESET|Parse Error/i);
    const view = await sandbox.viewUrl(8000);
    assert.match(view, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(view).port, String(tunnel.port));
    const page = await get(`${view}/index.html`);
    assert.equal(page.status, 200);
    assert.equal(page.body, 'hello through the view\n');
    assert.equal(await sandbox.viewUrl(8000), view, 'one view per forward');
  });

  it('an HTTP/2 forward: HTTP/1.1 requests reach the h2c server, status, headers and bodies intact', async () => {
    await sandbox.tunnels();
    const view = await sandbox.viewUrl(8443);
    const pages = await Promise.all(Array.from({ length: 10 }, () => get(`${view}/index.html`, { connection: 'keep-alive' })));
    for (const page of pages) {
      assert.equal(page.status, 200);
      assert.equal(page.body, 'hello through the view\n');
    }
    assert.equal((await get(`${view}/missing`)).status, 404);
  });

  it('an HTTP/TCP forward is its own view; a view closes with its forward', async () => {
    const { 8080: plain } = await sandbox.tunnels();
    assert.equal(await sandbox.viewUrl(8080), plain.url);
    const view = await sandbox.viewUrl(8000);
    await sandbox.stopForwarding(8000);
    await assert.rejects(get(`${view}/index.html`), /ECONNREFUSED/);
    await assert.rejects(sandbox.viewUrl(8000), /not forwarded/);
  });
});
