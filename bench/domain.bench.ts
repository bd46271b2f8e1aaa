/**
 * "Domain allowlist" (issue #12): what the egress gateway costs, side by side with open mode.
 *
 * Topology, all our own: a network in 198.51.100.0/24 (open mode and the gateway treat the
 * documentation ranges as the internet) with an HTTPS target and a resolver (the gateway's only
 * upstream); two runsc sandboxes whose guards are connected to that network:
 *   ours:     domainAllowlist ['bench.test'], its gateway connected to the network too;
 *   baseline: open.
 * The same Python client runs inside each (bench/lib/domainClient.py), against the same target
 * address with SNI/Host bench.test: in domain mode the guard DNATs it to the gateway, which
 * resolves bench.test itself and dials the target; in open mode it goes straight there. Rounds
 * alternate between the two sandboxes. Rows: HTTPS new connection each (p50/p99), keep-alive
 * request, bulk download (MiB/s), a DNS A query (to the resolver's address: answered by the
 * gateway in domain mode, by the resolver in open mode), and `setNetworkPolicy` with 50 names.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { connect, type Sandbox } from '../src/core';
import { GATEWAY_OF } from '../src/core/network/gateway';
import { engineTags } from './lib/cleanup';
import { intFromEnv, result, type BenchContext, type BenchResult } from './lib/harness';

const GUARD_IMAGE = 'sandboxes/guard:2';
const FIXTURES = path.join(__dirname, '..', 'test', 'integration', 'fixtures');
const CLIENT = fs.readFileSync(path.join(__dirname, 'lib', 'domainClient.py'), 'utf8');

function certificates(): { ca: string; key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-domain-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=bench CA', '-keyout', 'ca.key', '-out', 'ca.crt');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=bench.test', '-keyout', 'leaf.key', '-out', 'leaf.csr');
    fs.writeFileSync(path.join(dir, 'ext'), 'subjectAltName=DNS:bench.test\n');
    run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext', '-out', 'leaf.crt');
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    return { ca: read('ca.crt'), key: read('leaf.key'), cert: read('leaf.crt') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function domainBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_DOMAIN_N', 150, 50);
  const rounds = 3;
  const { docker } = ctx;
  const labels = { 'sandboxes.bench': ctx.runId };
  const containers: Docker.Container[] = [];
  let network: Docker.Network | undefined;
  const client = connect({ dnsServers: [] });
  const sandboxes: Sandbox[] = [];
  try {
    const certs = certificates();
    const name = `sandboxes-bench-domain-${ctx.runId}`;
    let subnet = '';
    for (let attempt = 0; attempt < 10 && !network; attempt++) {
      subnet = `198.51.100.${16 * randomInt(16)}/28`;
      network = await docker.createNetwork({ Name: name, Driver: 'bridge', IPAM: { Config: [{ Subnet: subnet }] }, Labels: labels } as never).catch((e: Error) => {
        if (/overlap|in use/i.test(e.message)) return undefined;
        throw e;
      });
    }
    if (!network) throw new Error('no free /28 in 198.51.100.0/24 for the benchmark network');
    const start = async (who: string, file: string, env: Record<string, string>): Promise<string> => {
      const c = await docker.createContainer({
        name: `${name}-${who}`,
        Image: GUARD_IMAGE,
        Entrypoint: [''],
        Cmd: ['node', '-e', fs.readFileSync(path.join(FIXTURES, file), 'utf8')],
        Env: Object.entries({ WHO: who, ...env }).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        HostConfig: { NetworkMode: name, Runtime: 'runc' },
      });
      containers.push(c);
      await c.start();
      for (let i = 0; i < 100 && !String(await c.logs({ stdout: true, stderr: true } as never)).includes('ready'); i++) await new Promise((r) => setTimeout(r, 100));
      return (await c.inspect()).NetworkSettings.Networks[name].IPAddress;
    };
    const target = await start('target', 'domain-target.js', { TLS_KEY: certs.key, TLS_CERT: certs.cert });
    const upstream = await start('upstream', 'domain-upstream.js', { ZONE: JSON.stringify({ 'bench.test': { A: [target] } }) });
    const domainClient = connect({ dnsServers: [], gatewayResolvers: [upstream] });
    try {
      const domain = await domainClient.create({ image: ctx.image, runtime: 'runsc', tags: engineTags(ctx.runId), domainAllowlist: ['bench.test'] });
      sandboxes.push(domain);
      const open = await client.create({ image: ctx.image, runtime: 'runsc', tags: engineTags(ctx.runId) });
      sandboxes.push(open);
      const guards = await docker.listContainers({ filters: { label: ['sandboxes.role=guard', `sandboxes.tag.${Object.keys(engineTags(ctx.runId))[0]}=${ctx.runId}`] } });
      for (const g of guards.filter((g) => [domain.id, open.id].includes(g.Labels['sandboxes.id']))) await network.connect({ Container: g.Id });
      const [gateway] = await docker.listContainers({ filters: { label: [`${GATEWAY_OF}=${domain.id}`] } });
      await network.connect({ Container: gateway.Id });

      const samples = {
        domain: { new: [] as number[], keepalive: [] as number[], bulk: [] as number[], dns: [] as number[] },
        open: { new: [] as number[], keepalive: [] as number[], bulk: [] as number[], dns: [] as number[] },
      };
      ctx.log(`  domain: ${rounds} rounds of ${Math.ceil(n / rounds)} HTTPS requests per side, alternating`);
      for (let round = 0; round < rounds; round++) {
        for (const [side, sandbox] of [
          ['domain', domain],
          ['open', open],
        ] as const) {
          const run = await sandbox.run(['python3', '-c', CLIENT], {
            env: { TARGET: target, NAME: 'bench.test', N: String(Math.ceil(n / rounds)), CA_PEM: certs.ca, DNS_SERVER: upstream, BULK_MB: '64', BULK_RUNS: '2' },
          });
          if (run.exitCode !== 0) throw new Error(`the ${side} client failed: ${run.stderr.trim().split('\n').pop()}`);
          const out = JSON.parse(run.stdout) as Record<'new' | 'keepalive' | 'bulk' | 'dns', number[]>;
          for (const key of ['new', 'keepalive', 'bulk', 'dns'] as const) samples[side][key].push(...out[key]);
        }
      }
      // policy-apply with 50 names: alternate two lists so every apply changes something.
      const names = (k: number) => Array.from({ length: 50 }, (_, i) => (i === 0 ? 'bench.test' : `n${i}-${k}.bench.test`));
      const apply: number[] = [];
      for (let i = 0; i < 12; i++) {
        const t0 = performance.now();
        await domain.setNetworkPolicy({ domainAllowlist: names(i % 2) });
        apply.push(performance.now() - t0);
      }
      const applyCidr: number[] = [];
      for (let i = 0; i < 12; i++) {
        const t0 = performance.now();
        await open.setNetworkPolicy({ cidrAllowlist: i % 2 ? ['198.51.100.0/24'] : ['203.0.113.0/24'] });
        applyCidr.push(performance.now() - t0);
      }
      const labelsOf = (what: string) => ({ ours: `${what}, domain allowlist (through the egress gateway)`, baseline: `${what}, open mode (direct)` });
      return [
        result(
          'domain-https-new',
          labelsOf('HTTPS GET, new connection each (runsc)'),
          { ours: samples.domain.new, baseline: samples.open.new },
          { op: '<=', ratio: 1.15, text: 'p50 ≤ 1.15× open (issue #12)' },
          { tails: [99] },
        ),
        result(
          'domain-https-keepalive',
          labelsOf('HTTPS GET on a kept-alive connection (runsc)'),
          { ours: samples.domain.keepalive, baseline: samples.open.keepalive },
          { op: '<=', ratio: 1.05, text: 'p50 ≤ 1.05× open (issue #12)' },
          { tails: [99] },
        ),
        result(
          'domain-https-bulk',
          labelsOf('64 MiB download over TLS (runsc)'),
          { ours: samples.domain.bulk, baseline: samples.open.bulk },
          { op: '>=', ratio: 0.9, text: '≥ 0.9× open (issue #12)' },
          { unit: 'MiB/s' },
        ),
        result(
          'domain-dns',
          { ours: 'DNS A query for the allowed name, answered by the gateway (cached)', baseline: 'the same query in open mode, answered by the resolver itself' },
          { ours: samples.domain.dns, baseline: samples.open.dns },
          null,
          { tails: [99] },
        ),
        result(
          'domain-policy-apply',
          { ours: 'setNetworkPolicy with a 50-name domain list (gateway apply + guard apply)', baseline: 'setNetworkPolicy with a CIDR list (guard apply only)' },
          { ours: apply, baseline: applyCidr },
          { op: '<', on: 'ours.median', value: 200, text: 'median < 200 ms (issue #12)' },
        ),
      ];
    } finally {
      for (const s of sandboxes.splice(0)) await s.terminate().catch(() => undefined);
      await domainClient.close();
    }
  } finally {
    for (const s of sandboxes) await s.terminate().catch(() => undefined);
    await client.close();
    for (const c of containers) await c.remove({ force: true, v: true }).catch(() => undefined);
    await network?.remove().catch(() => undefined);
  }
}
