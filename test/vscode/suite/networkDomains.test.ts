/**
 * The domain allowlist's "Allow" action in a real extension host (issue #12): a sandbox created by
 * the command with domainAllowlist ['allowed.test'] reaches allowed.test, is refused other.test
 * (the refusal is in networkEvents() with its reason, and the target never hears of it), and after
 * `sandboxes.allowRefusedName` (what "Allow for This Sandbox" runs) its next request to other.test
 * passes.
 *
 * Every destination is a container this file creates on a network it creates in a documentation
 * range (198.51.100.x/28), checked to exist and to answer from this side before a sandbox sends
 * anything. Names come from a resolver this file runs (test/integration/fixtures/domain-upstream.js),
 * made the gateway's only upstream through the user setting sandboxes.network.gatewayResolvers. The
 * sandbox's gateway is attached to that network (as test/integration/domain-gateway.test.ts does):
 * Docker keeps its bridges apart, so the gateway could not reach the target otherwise.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { NetworkEvent, NetworkState } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const RUN = `vscode-domains-${process.pid}-${randomInt(1e6)}`;
const TAGS = { 'test-run': RUN };
const LABEL = `sandboxes.test=${RUN}`;
const NETWORK = `sandboxes-test-${RUN}`;
const NODE_IMAGE = 'sandboxes/guard:2';
const RESOLVERS_KEY = 'sandboxes.network.gatewayResolvers';
const UPSTREAM = fs.readFileSync(path.join(findRepo(), 'test/integration/fixtures/domain-upstream.js'), 'utf8');
// Answers every HTTP request with its Host and prints each connection, so the host side sees who came.
const TARGET = `require('node:http').createServer((q, s) => { console.log('REQUEST host=' + q.headers.host); s.end('target host=' + q.headers.host + '\\n'); }).listen(80, () => console.log('target ready'));`;
// One HTTP request from inside the sandbox: the body, or the error.
const FETCH = `import sys, urllib.request
try:
    print(urllib.request.urlopen('http://' + sys.argv[1] + '/', timeout=8).read().decode().strip())
except Exception as e:
    print('ERROR', type(e).__name__, e)`;

let api: SandboxesApi;
let sandbox: Sandbox | undefined;
let target: { name: string; ip: string };
let resolver: { name: string; ip: string };

/**
 * The repository this suite was built from. The suite runs as a bundle in a temporary runner
 * directory, whose inline source map names the sources by absolute path (scripts/lib/vscodeTests.mjs
 * absolutizeSourceMap): the fixture is read from there, not copied.
 */
function findRepo(): string {
  const map = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(fs.readFileSync(__filename, 'utf8'))?.[1];
  const sources = map ? ((JSON.parse(Buffer.from(map, 'base64').toString('utf8')) as { sources?: string[] }).sources ?? []) : [];
  const own = sources.find((f) => f.endsWith('test/vscode/suite/networkDomains.test.ts'));
  if (!own) throw new Error("Cannot find the repository from the suite bundle's source map (needed for test/integration/fixtures/domain-upstream.js).");
  return own.slice(0, -'test/vscode/suite/networkDomains.test.ts'.length);
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until it returns something; fails naming `what` after `ms`. */
async function until<T>(what: string, ms: number, read: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const since = Date.now();
  for (let i = 0; ; i++) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() - since > ms || i > 400) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

function createOwnNetwork(): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    const subnet = `198.51.100.${16 * randomInt(16)}/28`;
    try {
      docker('network', 'create', '--driver', 'bridge', '--subnet', subnet, '--label', LABEL, NETWORK);
      return subnet;
    } catch (error) {
      if (!/overlap|in use/i.test(String((error as { stderr?: string }).stderr ?? error))) throw error;
    }
  }
  assert.fail('no free 198.51.100.x/28 for the test network');
}

async function nodeContainer(who: string, script: string, env: Record<string, string> = {}): Promise<{ name: string; ip: string }> {
  const name = `${NETWORK}-${who}`;
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker(
    'run',
    '-d',
    '--name',
    name,
    '--label',
    LABEL,
    '--network',
    NETWORK,
    '--runtime',
    'runc',
    '--pull',
    'never',
    '--entrypoint',
    '',
    ...envArgs,
    NODE_IMAGE,
    'node',
    '-e',
    script,
  );
  await until(`${who} to listen`, 15_000, () => (docker('logs', name).includes('ready') ? true : undefined));
  return { name, ip: docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, name) };
}

async function httpFromHost(ip: string): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = net.connect({ host: ip, port: 80, timeout: 3000 }, () => s.end('GET / HTTP/1.0\r\nHost: check\r\n\r\n'));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('close', () => resolve(data));
    s.on('error', (e) => resolve(String(e)));
    s.on('timeout', () => s.destroy());
  });
}

async function fetchFromSandbox(name: string): Promise<string> {
  const result = await sandbox!.run(['python3', '-c', FETCH, name]);
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout.trim();
}

function requestsSeenByTarget(host: string): number {
  return docker('logs', target.name)
    .split('\n')
    .filter((l) => l.trim() === `REQUEST host=${host}`).length;
}

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  const subnet = createOwnNetwork();
  const inspected = docker('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', NETWORK);
  assert.equal(inspected, subnet, 'our network exists, in the documentation range');
  target = await nodeContainer('target', TARGET);
  resolver = await nodeContainer('upstream', UPSTREAM, { ZONE: JSON.stringify({ 'allowed.test': { A: [target.ip] }, 'other.test': { A: [target.ip] } }) });
  const prefix = subnet.split('.').slice(0, 3).join('.');
  for (const ip of [target.ip, resolver.ip]) assert.ok(ip.startsWith(`${prefix}.`), `${ip} is on our network ${subnet}`);
  assert.match(await httpFromHost(target.ip), /target host=check/, 'the target answers this side before any sandbox sends to it');
  await vscode.workspace.getConfiguration().update(RESOLVERS_KEY, [resolver.ip], vscode.ConfigurationTarget.Global);
  // The client service reconnects on the change event: let it pass before the next command.
  await sleep(500);
});

after(async () => {
  const problems: string[] = [];
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${String(error)}`);
    }
  };
  await step('terminate sandboxes', async () => {
    for (const s of await api.client().list({ tags: TAGS })) await s.terminate();
  });
  await step('reset setting', () => vscode.workspace.getConfiguration().update(RESOLVERS_KEY, undefined, vscode.ConfigurationTarget.Global));
  await step('remove containers', () => {
    const ids = docker('ps', '-aq', '--filter', `label=${LABEL}`).split('\n').filter(Boolean);
    if (ids.length) docker('rm', '-f', ...ids);
  });
  await step('remove network', () => {
    // A gateway still attached (its sandbox's terminate failed) would keep the network: detach it.
    const attached = docker('network', 'inspect', '-f', '{{range $id, $c := .Containers}}{{$id}} {{end}}', NETWORK).split(/\s+/).filter(Boolean);
    for (const id of attached) docker('network', 'disconnect', '-f', NETWORK, id);
    docker('network', 'rm', NETWORK);
  });
  if (problems.length) throw new Error(`cleanup: ${problems.join('; ')}`);
});

test('a refused name is in networkEvents() with its reason; sandboxes.allowRefusedName lets the next request through', async () => {
  const id = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { domainAllowlist: ['allowed.test'], tags: TAGS });
  assert.match(id ?? '', /^sb-[a-z0-9]{12}$/, 'createSandbox returned an id');
  sandbox = await api.client().fromId(id!);
  const state = await sandbox.networkPolicy();
  assert.deepEqual(state.domainAllowlist, ['allowed.test']);
  assert.equal(state.enforced, true);

  const gateway = docker('ps', '-q', '--no-trunc', '--filter', `label=sandboxes.gateway-of=${id}`);
  assert.ok(gateway, 'a domain-mode sandbox has an egress gateway');
  docker('network', 'connect', NETWORK, gateway);

  // The listed name goes through: the gateway asks our resolver and reaches our target.
  assert.equal(await fetchFromSandbox('allowed.test'), 'target host=allowed.test');
  assert.match(docker('logs', resolver.name), /QUERY allowed\.test 1/, 'the name was resolved by our resolver (the setting reached the gateway)');

  // other.test is refused, and nothing reached the target for it.
  assert.match(await fetchFromSandbox('other.test'), /^ERROR /);
  assert.equal(requestsSeenByTarget('other.test'), 0, 'the target never saw a request for other.test');
  const refusal = await until<NetworkEvent>('the refusal of other.test in networkEvents()', 15_000, async () =>
    (await sandbox!.recentNetworkEvents()).find((e) => e.name === 'other.test'),
  );
  assert.equal(refusal.sandbox, id);
  assert.match(refusal.reason, /not on the domain allowlist/);

  // "Allow for This Sandbox", without the notification.
  const allowed = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.allowRefusedName', { sandboxId: id, entry: 'other.test', scope: 'sandbox' });
  assert.deepEqual(allowed?.domainAllowlist, ['allowed.test', 'other.test']);
  assert.deepEqual((await sandbox.networkPolicy()).domainAllowlist, ['allowed.test', 'other.test']);

  // The next request passes: the target answers, and says so on its side.
  assert.equal(await fetchFromSandbox('other.test'), 'target host=other.test');
  assert.equal(requestsSeenByTarget('other.test'), 1);
});
