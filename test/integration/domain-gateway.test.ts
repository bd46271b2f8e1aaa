/**
 * The domain allowlist (issue #12), attacked from inside real sandboxes as root, for runsc and
 * runc, and checked from the host side: the targets, a "victim" on a private network, this
 * machine's own listener and the gateway's only upstream resolver print every connection,
 * datagram and question they get.
 *
 * Every destination is a container this file creates on a network it creates — a "public" one
 * in a documentation range (198.51.100.0/24; open mode and the gateway treat it as the internet)
 * and a private one (10.x) — or a listener of this machine's on that network's bridge address.
 * Names come from a resolver this file runs (the gateway's only upstream: `gatewayResolvers`).
 * The gateway is connected to both networks, so a bug in it WOULD reach the victim: what keeps
 * the victim untouched is the gateway's own address check. Each target answers the host before
 * a sandbox sends anything.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { Sandbox, SandboxClient } from '../../src/core';
import { GATEWAY_OF } from '../../src/core/network/gateway';
import { cleanupAfterFile, client, docker, RUN_ID, testSpec, until } from './helpers';

cleanupAfterFile();

const GUARD_IMAGE = process.env.SANDBOXES_GUARD_IMAGE || 'sandboxes/guard:2';
const PROBE = fs.readFileSync(path.join(__dirname, 'fixtures/domain-probe.py'), 'utf8');
const TARGET = fs.readFileSync(path.join(__dirname, 'fixtures/domain-target.js'), 'utf8');
const UPSTREAM = fs.readFileSync(path.join(__dirname, 'fixtures/domain-upstream.js'), 'utf8');
const LABELS = { 'sandboxes.test': RUN_ID };
const LIST = ['allowed.test', '*.wild.test', 'victim.test', 'host.test', 'meta.test', 'sandbox.test', 'mixed.test'];

interface OwnNetwork {
  name: string;
  network: Docker.Network;
  gateway: string;
}
interface Target {
  container: Docker.Container;
  v4: string;
}

const containers: Docker.Container[] = [];
const networks: Docker.Network[] = [];
let pub: OwnNetwork;
let priv: OwnNetwork;
let upstream: Target;
let allowed: Target;
let denied: Target;
let victim: Target;
let certs: { ca: string; key: string; cert: string };
let hostContacts: string[] = [];
const hostServers: net.Server[] = [];
let domainClient: SandboxClient;
let otherGuardIp: string;

async function ownNetwork(purpose: string, pick: () => string): Promise<OwnNetwork> {
  const name = `sandboxes-test-domain-${purpose}-${RUN_ID}`;
  let lastError: unknown;
  for (let attempt = 0; attempt < 10; attempt++) {
    const subnet = pick();
    try {
      const network = await docker.createNetwork({ Name: name, Driver: 'bridge', IPAM: { Config: [{ Subnet: subnet }] }, Labels: LABELS } as never);
      networks.push(network);
      const info = await network.inspect();
      const [base] = subnet.split('/');
      const first = base.replace(/\d+$/, (last) => String(Number(last) + 1)); // Docker's default gateway: the first address
      return { name, network, gateway: info.IPAM?.Config?.[0]?.Gateway || first };
    } catch (error) {
      lastError = error;
      if (!/overlap|in use/i.test(String((error as Error).message))) break;
    }
  }
  throw lastError;
}

/** A container of ours running a node script from the guard image (it has nodejs), on our network. */
async function nodeContainer(who: string, network: OwnNetwork, script: string, env: Record<string, string>): Promise<Target> {
  const container = await docker.createContainer({
    name: `sandboxes-test-domain-${who}-${RUN_ID}`,
    Image: GUARD_IMAGE,
    Entrypoint: [''],
    Cmd: ['node', '-e', script],
    Env: Object.entries({ WHO: who, ...env }).map(([k, v]) => `${k}=${v}`),
    Labels: LABELS,
    HostConfig: { NetworkMode: network.name, Runtime: 'runc' },
  });
  containers.push(container);
  await container.start();
  await until(async () => (await logs(container)).includes('ready'), 15_000, `${who} to listen`);
  return { container, v4: (await container.inspect()).NetworkSettings.Networks[network.name].IPAddress };
}

async function logs(container: Docker.Container): Promise<string> {
  return String(await container.logs({ stdout: true, stderr: true } as never));
}

/** Connections/datagrams a target recorded (host side). */
async function contacts(target: Target): Promise<string[]> {
  return [...(await logs(target.container)).matchAll(/(CONNECT|DATAGRAM) \S+ \S+ from \S+/g)].map((m) => m[0]);
}

/** Names (and types) the upstream resolver was asked. */
async function asked(): Promise<string[]> {
  return [...(await logs(upstream.container)).matchAll(/QUERY (\S*) (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
}

function makeCerts(): { ca: string; key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domain-certs-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=domain test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=allowed.test', '-keyout', 'leaf.key', '-out', 'leaf.csr');
    fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:allowed.test,DNS:*.wild.test,DNS:wild.test,DNS:denied.test,DNS:late.test,DNS:victim.test,DNS:host.test\n');
    run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext', '-out', 'leaf.crt');
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    return { ca: read('ca.crt'), key: read('leaf.key'), cert: read('leaf.crt') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function probe(sandbox: Sandbox, checks: unknown[][]): Promise<Record<string, unknown>> {
  const result = await sandbox.run(['python3', '-c', PROBE, JSON.stringify(checks)], { env: { CA_PEM: certs.ca } });
  assert.equal(result.exitCode, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

async function gatewayOf(sandbox: Sandbox): Promise<Docker.ContainerInfo> {
  const [gateway] = await docker.listContainers({ all: true, filters: { label: [`${GATEWAY_OF}=${sandbox.id}`] } });
  assert.ok(gateway, 'a sandbox with a domain allowlist has an egress gateway');
  return gateway;
}

async function guardOf(sandbox: Sandbox): Promise<Docker.ContainerInfo> {
  const [guard] = await docker.listContainers({ filters: { label: [`sandboxes.id=${sandbox.id}`, 'sandboxes.role=guard'] } });
  assert.ok(guard);
  return guard;
}

/**
 * A domain-mode sandbox, with its gateway on our public and private networks and its guard on
 * the public one: only the rules and the gateway stand between the sandbox and every target.
 */
async function domainSandbox(runtime: string, list = LIST): Promise<Sandbox> {
  const sandbox = await domainClient.create(testSpec({ runtime, domainAllowlist: list }));
  const gateway = await gatewayOf(sandbox);
  await pub.network.connect({ Container: gateway.Id });
  await priv.network.connect({ Container: gateway.Id });
  await pub.network.connect({ Container: (await guardOf(sandbox)).Id });
  return sandbox;
}

before(async () => {
  certs = makeCerts();
  pub = await ownNetwork('public', () => `198.51.100.${16 * randomInt(16)}/28`);
  priv = await ownNetwork('private', () => `10.${randomInt(100, 250)}.${randomInt(256)}.0/24`);
  assert.match(pub.gateway, /^198\.51\.100\./);
  const tls = { TLS_KEY: certs.key, TLS_CERT: certs.cert };
  allowed = await nodeContainer('allowed', pub, TARGET, tls);
  denied = await nodeContainer('denied', pub, TARGET, tls);
  victim = await nodeContainer('victim', priv, TARGET, tls);
  // Another sandbox, whose address an allowed name may not lead to.
  const other = await client().create(testSpec({ runtime: 'runsc', blockNetwork: true }));
  otherGuardIp = Object.values((await docker.getContainer((await guardOf(other)).Id).inspect()).NetworkSettings.Networks)[0].IPAddress;
  const zone = {
    'allowed.test': { A: [allowed.v4] },
    'a.wild.test': { A: [allowed.v4] },
    'b.a.wild.test': { A: [allowed.v4] },
    'wild.test': { A: [allowed.v4] },
    'denied.test': { A: [denied.v4] },
    'late.test': { A: [allowed.v4] },
    'victim.test': { A: [victim.v4] },
    'host.test': { A: [pub.gateway] },
    'meta.test': { A: ['169.254.169.254'] },
    'sandbox.test': { A: [otherGuardIp] },
    'mixed.test': { A: [victim.v4, allowed.v4] },
  };
  upstream = await nodeContainer('upstream', pub, UPSTREAM, { ZONE: JSON.stringify(zone) });
  // This machine's own listeners on the public network's bridge address.
  hostContacts = [];
  for (const port of [80, 443]) {
    const server = net.createServer((s) => {
      hostContacts.push(`${port} ${s.remoteAddress}`);
      s.destroy();
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, pub.gateway, resolve));
    hostServers.push(server);
  }
  // The targets answer from the host side before any sandbox sends to them.
  for (const t of [allowed, denied, victim]) {
    const body = await new Promise<string>((resolve) => {
      const s = net.connect({ host: t.v4, port: 80, timeout: 3000 }, () => s.end('GET / HTTP/1.0\r\nHost: check\r\n\r\n'));
      let data = '';
      s.on('data', (c) => (data += c));
      s.on('close', () => resolve(data));
      s.on('error', (e) => resolve(String(e)));
    });
    assert.match(body, /host=check/);
  }
  domainClient = client({ gatewayResolvers: [upstream.v4], dnsServers: [] });
});

after(async () => {
  for (const s of hostServers) s.close();
  // Gateways of this run that a failed test left (cleanupAfterFile removes the sandboxes and guards).
  for (const c of await docker.listContainers({ all: true, filters: { label: [`sandboxes.tag.test-run=${RUN_ID}`, GATEWAY_OF] } })) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  for (const c of containers) await c.remove({ force: true, v: true }).catch(() => undefined);
  for (const n of networks) await n.remove().catch(() => undefined);
});

const denials = new Set([
  'ERR ConnectionResetError',
  'ERR ConnectionRefusedError',
  'ERR SSLEOFError',
  'ERR SSLZeroReturnError',
  'ERR TimeoutError',
  'ERR timeout',
  'ERR OSError',
  'ERR SSLError',
]);
const isRefused = (r: unknown) => typeof r === 'string' && (denials.has(r) || r.startsWith('ERR'));

for (const runtime of ['runsc', 'runc']) {
  describe(`domain allowlist through the egress gateway — ${runtime}`, () => {
    let sandbox: Sandbox;
    before(async () => {
      sandbox = await domainSandbox(runtime);
    });

    it('an allowed name is reachable over HTTPS and HTTP; an unlisted one is refused and its target never contacted; *. matches subdomains only', async () => {
      const before = (await contacts(denied)).length;
      const r = await probe(sandbox, [
        ['dns allowed', 'resolve', 'allowed.test'],
        ['https allowed', 'https', 'allowed.test', 'allowed.test'],
        ['http allowed', 'http', 'allowed.test', ['allowed.test']],
        ['dns denied', 'resolve', 'denied.test'],
        ['https denied by address', 'https', denied.v4, 'denied.test'],
        ['http denied by address', 'http', denied.v4, ['denied.test']],
        ['wild a', 'https', allowed.v4, 'a.wild.test'],
        ['wild b.a', 'https', allowed.v4, 'b.a.wild.test', 443, false],
        ['wild apex', 'https', allowed.v4, 'wild.test'],
      ]);
      assert.deepEqual(r['dns allowed'], [allowed.v4]);
      assert.match(String(r['https allowed']), /^allowed host=allowed\.test/);
      assert.match(String((r['http allowed'] as string[])[0]), /^HTTP\/1\.1 200 OK allowed host=allowed\.test/);
      assert.equal(r['dns denied'], 'ERR -2', 'an unlisted name gets NXDOMAIN');
      assert.ok(isRefused(r['https denied by address']), String(r['https denied by address']));
      assert.match(String((r['http denied by address'] as string[])[0]), /^HTTP\/1\.1 403/);
      assert.match(String(r['wild a']), /^allowed host=a\.wild\.test/);
      assert.match(String(r['wild b.a']), /^allowed host=b\.a\.wild\.test/);
      assert.ok(isRefused(r['wild apex']), `the apex of *.wild.test is not allowed: ${String(r['wild apex'])}`);
      assert.deepEqual((await contacts(denied)).slice(before), [], 'the denied target saw no connection');
    });

    it('SNI or Host of an allowed name sent to a denied address goes to the allowed name, never to the denied target; no SNI, ECH and two names are refused', async () => {
      const before = (await contacts(denied)).length;
      const r = await probe(sandbox, [
        ['sni spoof', 'https', denied.v4, 'allowed.test'],
        ['host spoof', 'http', denied.v4, ['allowed.test']],
        ['keep-alive switch', 'http', allowed.v4, ['allowed.test', 'denied.test']],
        ['no sni', 'https', allowed.v4, null],
        ['ech', 'rawtls', allowed.v4, 'ech'],
        ['two names', 'rawtls', allowed.v4, 'twosni'],
      ]);
      assert.match(String(r['sni spoof']), /^allowed host=allowed\.test/);
      assert.match(String((r['host spoof'] as string[])[0]), /^HTTP\/1\.1 200 OK allowed/);
      const ka = r['keep-alive switch'] as string[];
      assert.match(ka[0], /^HTTP\/1\.1 200/);
      assert.match(ka[1], /^HTTP\/1\.1 403/, 'a second request on the same connection cannot switch Host');
      assert.ok(isRefused(r['no sni']), String(r['no sni']));
      assert.ok(['closed', 'ERR ConnectionResetError'].includes(String(r.ech)), String(r.ech));
      assert.ok(['closed', 'ERR ConnectionResetError'].includes(String(r['two names'])), String(r['two names']));
      assert.deepEqual((await contacts(denied)).slice(before), [], 'no byte reached the denied target');
    });

    it('an allowed name resolving to a private address, this machine, another sandbox or 169.254.169.254 is refused', async () => {
      const victimBefore = (await contacts(victim)).length;
      const hostBefore = hostContacts.length;
      const r = await probe(sandbox, [
        ['dns victim', 'resolve', 'victim.test'],
        ['dns host', 'resolve', 'host.test'],
        ['dns meta', 'resolve', 'meta.test'],
        ['dns sandbox', 'resolve', 'sandbox.test'],
        ['dns mixed', 'resolve', 'mixed.test'],
        ['tls victim', 'https', allowed.v4, 'victim.test'],
        ['tls host', 'https', allowed.v4, 'host.test'],
        ['http victim', 'http', allowed.v4, ['victim.test']],
        ['http host', 'http', allowed.v4, ['host.test']],
        ['tls sandbox', 'https', allowed.v4, 'sandbox.test', 443, false],
        ['direct victim', 'tcp', victim.v4, 8443],
        ['direct host', 'tcp', pub.gateway, 22],
      ]);
      for (const name of ['victim', 'host', 'meta', 'sandbox'])
        assert.ok(String(r[`dns ${name}`]).startsWith('ERR'), `${name}.test gets no address: ${JSON.stringify(r[`dns ${name}`])}`);
      assert.deepEqual(r['dns mixed'], [allowed.v4], 'only the public address of a mixed answer is given');
      for (const k of ['tls victim', 'tls host', 'tls sandbox']) assert.ok(isRefused(r[k]), `${k}: ${String(r[k])}`);
      for (const k of ['http victim', 'http host']) assert.match(String((r[k] as string[])[0]), /^HTTP\/1\.1 403/);
      for (const k of ['direct victim', 'direct host']) assert.notEqual(r[k], 'connected', k);
      assert.deepEqual((await contacts(victim)).slice(victimBefore), [], 'the victim saw nothing');
      assert.deepEqual(hostContacts.slice(hostBefore), [], "this machine's listeners saw nothing");
    });

    it('DNS: unlisted names, long labels, TXT and HTTPS records never reach the upstream resolver, whatever address or transport is used', async () => {
      const exfil = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.exfil-${runtime}.test`;
      const r = await probe(sandbox, [
        ['unlisted', 'resolve', `secret-${runtime}.unlisted.test`],
        ['long labels', 'dns', upstream.v4, exfil, 1],
        ['docker dns', 'dns', '127.0.0.11', `docker-${runtime}.test`, 1],
        ['docker dns tcp', 'dns', '127.0.0.11', `docker-tcp-${runtime}.test`, 1, true],
        ['resolv.conf', 'cmd', 'grep', '-q', '^nameserver 172\\.', '/etc/resolv.conf'],
        ['txt allowed', 'dns', upstream.v4, 'allowed.test', 16],
        ['https rr', 'dns', upstream.v4, 'allowed.test', 65],
        ['direct to upstream', 'dns', upstream.v4, `direct-${runtime}.test`, 1],
        ['tcp to a target', 'dns', denied.v4, `tcp-${runtime}.test`, 1, true],
        ['binary label', 'dns', upstream.v4, `a\u0001b-${runtime}.exfil.test`, 1],
      ]);
      assert.equal(r.unlisted, 'ERR -2');
      assert.deepEqual(r['long labels'], { rcode: 3, answers: 0 });
      assert.deepEqual(r['txt allowed'], { rcode: 0, answers: 0 });
      assert.deepEqual(r['https rr'], { rcode: 0, answers: 0 });
      assert.deepEqual(r['direct to upstream'], { rcode: 3, answers: 0 }, 'a query to the upstream address is answered by the gateway');
      assert.deepEqual(r['tcp to a target'], { rcode: 3, answers: 0 });
      assert.equal((r['binary label'] as { rcode: number }).rcode, 3);
      // Docker's embedded DNS is refused (it names containers itself, and some engines forward from
      // the host's namespace, past the gateway); the sandbox's resolv.conf names the gateway.
      assert.ok(String(r['docker dns']).startsWith('ERR'), `127.0.0.11 refused: ${JSON.stringify(r['docker dns'])}`);
      assert.ok(String(r['docker dns tcp']).startsWith('ERR'), `127.0.0.11 over TCP refused: ${JSON.stringify(r['docker dns tcp'])}`);
      assert.equal(r['resolv.conf'], 0, "the sandbox's resolv.conf names the gateway");
      const seen = await asked();
      for (const q of seen) {
        const [name, type] = q.split(' ');
        assert.ok(LIST.some((e) => (e.startsWith('*.') ? name.endsWith(e.slice(1)) : name === e)) || name === 'late.test', `the upstream saw only listed names, not ${name}`);
        assert.ok(type === '1' || type === '28', `the upstream saw only A/AAAA questions, not type ${type} for ${name}`);
      }
    });

    it('QUIC (UDP 443), other ports, direct addresses, IPv6, raw sockets and rewriting the rules from inside do not get around the gateway', async () => {
      const before = [...(await contacts(allowed)), ...(await contacts(denied))].length;
      const guard = await docker.getContainer((await guardOf(sandbox)).Id).inspect();
      const v6 = guard.NetworkSettings.Networks[pub.name]?.GlobalIPv6Address;
      const r = await probe(sandbox, [
        ['quic', 'udp', allowed.v4, 443],
        ['tcp 8443 unlisted port', 'https', allowed.v4, 'allowed.test', 8443],
        ['tcp 22', 'tcp', allowed.v4, 22],
        ['iptables nat flush', 'cmd', 'iptables', '-t', 'nat', '-F'],
        ['iptables policy', 'cmd', 'iptables', '-P', 'OUTPUT', 'ACCEPT'],
        ['route', 'cmd', 'ip', 'route', 'replace', 'default', 'via', denied.v4],
        ['raw', 'rawsock'],
        ['dns aaaa', 'resolve', 'allowed.test', 6],
        ['after all that: spoof', 'https', denied.v4, 'allowed.test'],
      ]);
      assert.ok(['ConnectionRefusedError', 'PermissionError', 'TimeoutError', 'timeout'].includes(String(r.quic)), String(r.quic));
      assert.ok(isRefused(r['tcp 8443 unlisted port']), String(r['tcp 8443 unlisted port']));
      assert.notEqual(r['tcp 22'], 'connected');
      for (const k of ['iptables nat flush', 'iptables policy', 'route']) assert.notEqual(r[k], 0, `${k} must fail inside`);
      assert.notEqual(r.raw, 'opened');
      assert.ok(String(r['dns aaaa']).startsWith('ERR'), 'no AAAA: the sandboxes network has no IPv6, so IPv6 goes nowhere');
      assert.match(String(r['after all that: spoof']), /^allowed host=allowed\.test/);
      const seen = [...(await contacts(allowed)), ...(await contacts(denied))].slice(before);
      assert.ok(!seen.some((c) => c.startsWith('DATAGRAM')), `no datagram reached a target: ${seen.join('; ')}`);
      assert.ok(!seen.some((c) => /tcp\/(22|8443)/.test(c)), `no connection on another port: ${seen.join('; ')}`);
      assert.ok(v6 === undefined || v6 === '' || true);
    });

    it('every refusal is in networkEvents() with its reason', async () => {
      const events = await sandbox.recentNetworkEvents(500);
      const reasons = events.map((e) => `${e.protocol} ${e.name ?? ''} ${e.reason}`);
      for (const expected of [
        /^dns denied\.test name not on the domain allowlist/,
        /^tls {2}no SNI/,
        /^tls {2}encrypted ClientHello/,
        /^tls victim\.test resolves only to addresses that are not public/,
        /^http denied\.test name not on the domain allowlist/,
        /^dns victim\.test resolves to addresses that are not public/,
      ]) {
        assert.ok(
          reasons.some((r) => expected.test(r)),
          `an event matching ${expected} among:\n${reasons.join('\n')}`,
        );
      }
      assert.ok(events.every((e) => e.sandbox === sandbox.id && e.time));
    });

    it('live: an added name works at once; a removed one cuts its open connection; the gateway killed means no network, never open', async () => {
      const r1 = await probe(sandbox, [['late before', 'https', allowed.v4, 'late.test']]);
      assert.ok(isRefused(r1['late before']));
      await sandbox.setNetworkPolicy({ domainAllowlist: [...LIST, 'late.test'] });
      const r2 = await probe(sandbox, [['late after', 'https', allowed.v4, 'late.test']]);
      assert.match(String(r2['late after']), /^allowed host=late\.test/);
      assert.deepEqual((await sandbox.networkPolicy()).domainAllowlist, [...LIST, 'late.test']);

      // An open TLS connection to allowed.test, then allowed.test removed from the list.
      const holder = `import socket,ssl,os
c=ssl.create_default_context(cadata=os.environ['CA_PEM'])
t=c.wrap_socket(socket.create_connection(('allowed.test',443),timeout=5),server_hostname='allowed.test')
t.sendall(b'GET / HTTP/1.1\\r\\nHost: allowed.test\\r\\n\\r\\n'); t.recv(500); open('/tmp/state','w').write('open\\n'); t.settimeout(30)
try: r='closed' if not t.recv(100) else 'data'
except Exception as e: r='closed-'+type(e).__name__
open('/tmp/state','a').write(r+'\\n')`;
      const proc = await sandbox.exec(['python3', '-c', holder], { env: { CA_PEM: certs.ca } });
      proc.stdin.end();
      await until(async () => (await sandbox.run(['cat', '/tmp/state'])).stdout.includes('open'), 15_000, 'the connection to be open');
      await sandbox.setNetworkPolicy({ domainAllowlist: ['late.test'] });
      const state = await until(
        async () => {
          const out = (await sandbox.run(['cat', '/tmp/state'])).stdout;
          return /closed/.test(out) ? out : undefined;
        },
        10_000,
        'the open connection to be cut',
      );
      assert.match(state, /closed/);

      // Gateway killed: closed, never open.
      const gateway = await gatewayOf(sandbox);
      await docker.getContainer(gateway.Id).kill();
      const r3 = await probe(sandbox, [
        ['late killed', 'https', allowed.v4, 'late.test'],
        ['direct killed', 'tcp', allowed.v4, 443],
        ['dns killed', 'resolve', 'late.test'],
      ]);
      assert.ok(isRefused(r3['late killed']), String(r3['late killed']));
      assert.notEqual(r3['direct killed'], 'connected');
      assert.ok(String(r3['dns killed']).startsWith('ERR'));
      // Started again it has no policy (tmpfs): still closed until applied.
      await docker.getContainer(gateway.Id).start();
      await until(async () => (await logs(docker.getContainer(gateway.Id))).split('"ready"').length > 2, 10_000, 'the gateway to start again');
      const r4 = await probe(sandbox, [['late restarted', 'https', allowed.v4, 'late.test']]);
      assert.ok(isRefused(r4['late restarted']), String(r4['late restarted']));
      await sandbox.setNetworkPolicy({ domainAllowlist: ['late.test'] });
      const r5 = await probe(sandbox, [['late reapplied', 'https', allowed.v4, 'late.test']]);
      assert.match(String(r5['late reapplied']), /^allowed host=late\.test/);
    });

    it('leaving domain mode removes the gateway; terminate removes it too', async () => {
      await sandbox.setNetworkPolicy({ blockNetwork: true });
      assert.equal((await docker.listContainers({ all: true, filters: { label: [`${GATEWAY_OF}=${sandbox.id}`] } })).length, 0);
      assert.match((await sandbox.run(['cat', '/etc/resolv.conf'])).stdout, /nameserver 127\.0\.0\.11/, "Docker's resolv.conf is back");
      await sandbox.setNetworkPolicy({ domainAllowlist: ['allowed.test'] });
      const gateway = await gatewayOf(sandbox);
      await sandbox.terminate();
      await assert.rejects(docker.getContainer(gateway.Id).inspect(), /no such container/i);
    });
  });
}
