/**
 * Ports and tunnels in a real extension host: a sandbox created by the command with an encrypted
 * port gets its tunnel at once, and HTTPS to it verifies against the CA exported by the command
 * (never with verification off); Forward Port and Stop Forwarding work after creation; a new
 * client (as after a window reload) reopens the tunnels at the same local port; the tunnels close
 * when the sandbox ends. All traffic goes to 127.0.0.1 and the sandbox created here. Copy URL and
 * Open in Browser need the browser (clipboard, Simple Browser): ui/ports.mjs tests them.
 */
import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { Tunnel } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-ports-${process.pid}` };
const tmp = mkdtempSync(join(tmpdir(), 'sandboxes-ports-test-'));
const caFile = join(tmp, 'exported-ca.pem');

let api: SandboxesApi;
let sandbox: Sandbox;
let ca: string;

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
});

after(async () => {
  await vscode.workspace.getConfiguration('sandboxes').update('ports.bindAddress', undefined, vscode.ConfigurationTarget.Global);
  for (const s of await api.client().list({ tags: TAGS })) await s.terminate();
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, limitMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`${what} within ${limitMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(250);
  }
}

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function tunnelsOf(id: string): Tunnel[] {
  return api.client().tunnelRegistry.get(id);
}

test('Create Sandbox with an encrypted port opens its tunnel at once', async () => {
  const id = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', {
    command: ['python3', '-m', 'http.server', '8000'],
    encryptedPorts: [8000],
    tags: TAGS,
  });
  assert.match(id ?? '', /^sb-[a-z0-9]{12}$/, 'createSandbox returned an id');
  sandbox = await api.client().fromId(id!);
  const [tunnel, ...rest] = tunnelsOf(sandbox.id);
  assert.ok(tunnel, 'a tunnel is open right after creation');
  assert.deepEqual(rest, []);
  assert.equal(tunnel.containerPort, 8000);
  assert.equal(tunnel.kind, 'encrypted');
  assert.equal(tunnel.host, '127.0.0.1', 'listens on loopback by default');
  assert.equal(tunnel.url, `https://127.0.0.1:${tunnel.port}`);
  assert.deepEqual((await sandbox.networkPolicy()).forwards, [{ port: 8000, kind: 'encrypted' }]);
});

test("Export CA Certificate writes the CA certificate only, from the extension's storage", async () => {
  const written = await vscode.commands.executeCommand<string | undefined>('sandboxes.exportCaCertificate', caFile);
  assert.equal(written, caFile);
  ca = readFileSync(caFile, 'utf8');
  assert.doesNotMatch(ca, /PRIVATE KEY/, 'no private key in the exported file');
  assert.equal(ca.match(/-----BEGIN CERTIFICATE-----/g)?.length, 1, 'exactly one certificate');
  const certificate = new X509Certificate(ca);
  assert.equal(certificate.ca, true, 'it is a CA certificate');
  assert.match(certificate.subject, /gVisor Sandboxes local CA/);
  assert.equal(ca.trim(), (await api.client().caCertificate()).trim());
  assert.match(api.client().tunnelRegistry.stateDir, /sandboxes\.gvisor-sandboxes$/, "the CA lives in the extension's global storage");
});

test('HTTPS through the tunnel verifies against the exported CA, and is refused without it', async () => {
  const [tunnel] = tunnelsOf(sandbox.id);
  assert.ok(tunnel);
  // The server inside may still be starting: retry until it answers.
  const response = await until('the server answers over HTTPS', 30_000, () => get(`${tunnel.url}/`, { ca }));
  assert.equal(response.status, 200);
  assert.match(response.body, /Directory listing for \//);
  await assert.rejects(get(`${tunnel.url}/`), (error: NodeJS.ErrnoException) => {
    assert.match(error.code ?? '', /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    return true;
  });
});

test('Forward Port forwards another port after creation; Stop Forwarding closes it', async () => {
  await sandbox.exec(['python3', '-m', 'http.server', '8001']);
  const tunnel = await vscode.commands.executeCommand<Tunnel | undefined>('sandboxes.forwardPort', sandbox.id, 8001, 'unencrypted');
  assert.ok(tunnel, 'forwardPort returned the tunnel');
  assert.equal(tunnel.kind, 'unencrypted');
  assert.equal(tunnel.url, `http://127.0.0.1:${tunnel.port}`);
  const response = await until('the second server answers', 30_000, () => get(`${tunnel.url}/`));
  assert.equal(response.status, 200);
  assert.deepEqual((await sandbox.networkPolicy()).forwards.map((f) => f.port).sort(), [8000, 8001]);

  assert.equal(await vscode.commands.executeCommand('sandboxes.stopForwarding', sandbox.id, 8001), true);
  assert.equal(await connectOutcome(tunnel.port), 'ECONNREFUSED', 'nothing listens on the local port any more');
  assert.deepEqual((await sandbox.networkPolicy()).forwards, [{ port: 8000, kind: 'encrypted' }]);
  assert.deepEqual(
    tunnelsOf(sandbox.id).map((t) => t.containerPort),
    [8000],
  );
});

test('Forward Port keeps the forward when no server listens yet', async () => {
  const started = Date.now();
  const tunnel = await vscode.commands.executeCommand<Tunnel | undefined>('sandboxes.forwardPort', sandbox.id, 8002);
  assert.ok(tunnel, 'forwardPort returned the tunnel although nothing listens');
  assert.ok(Date.now() - started >= 2500, 'it waited for a server first');
  assert.equal(tunnel.kind, 'unencrypted', 'HTTP/TCP when no kind is given');
  assert.ok(tunnelsOf(sandbox.id).some((t) => t.containerPort === 8002));
  // The server starts later, and the same URL reaches it.
  await sandbox.exec(['python3', '-m', 'http.server', '8002']);
  assert.equal((await until('the late server answers', 30_000, () => get(`${tunnel.url}/`))).status, 200);
  assert.equal(await vscode.commands.executeCommand('sandboxes.stopForwarding', { sandboxId: sandbox.id, containerPort: 8002 }), true);
});

test('a new client (as after a reload) reopens the tunnels at the same local port', async () => {
  const [previous] = tunnelsOf(sandbox.id);
  assert.ok(previous);
  const oldClient = api.client();
  // Writing the default explicitly still counts as a change: the client is recreated.
  await vscode.workspace.getConfiguration('sandboxes').update('ports.bindAddress', '127.0.0.1', vscode.ConfigurationTarget.Global);
  const reopened = await until('the tunnel is open again in the new client', 20_000, () => {
    if (api.client() === oldClient) return undefined;
    return tunnelsOf(sandbox.id).find((t) => t.containerPort === 8000);
  });
  assert.equal(reopened.kind, 'encrypted');
  assert.equal(reopened.port, previous.port, 'the same local port as before');
  assert.equal((await get(`${reopened.url}/`, { ca })).status, 200);
});

test("the tunnels close when the sandbox ends, even behind the extension's back", async () => {
  const [tunnel] = tunnelsOf(sandbox.id);
  assert.ok(tunnel);
  await api.client().docker.getContainer(sandbox.containerId).kill();
  await until('the tunnel is closed', 15_000, () => (tunnelsOf(sandbox.id).length === 0 ? true : undefined));
  assert.equal(await connectOutcome(tunnel.port), 'ECONNREFUSED');
});
