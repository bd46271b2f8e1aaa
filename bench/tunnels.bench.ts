/**
 * "Tunnels": a sandbox's forwarded ports against a port Docker publishes, in one run.
 *
 * The same servers run in both containers (serversScript below: python3 -m http.server --protocol
 * HTTP/1.1 on 8000 and 8001 with Nagle off, nghttpd --no-tls on 8443, serving a 13-byte file, a
 * 1 MiB file and a 32 MiB file):
 *   ours:     a sandbox (runsc, open policy) forwarding 8000 unencrypted, 8001 encrypted, 8443 h2,
 *             reached through `sandbox.tunnels()` (listeners in this process's main thread);
 *   baseline: a plain runsc container created with dockerode, 8000 and 8443 published on
 *             127.0.0.1 (HostConfig.PortBindings), labelled sandboxes.bench=<run id>, removed
 *             in `finally`. The engine's sandboxes publish no ports, hence dockerode.
 * The client runs in a worker thread (lib/httpClient.ts), one request at a time, the five
 * endpoints in turn:
 *   latency:    GET /small.txt on one keep-alive connection per endpoint (HTTP/1.1, or one HTTP/2
 *               session), p50 and p99;
 *   throughput: bulk transfer, GET /32mb.bin on the same connections, BENCH_TUNNEL_BULK_N
 *               downloads per endpoint, the order reversed every other round; MiB/s per download
 *               (the rows' median) and bytes / total time (extra.aggregateMiBps). The targets are
 *               on these rows;
 *   1 MiB:      GET /1mb.bin the same way until each endpoint has had BENCH_TUNNEL_SECONDS of
 *               download time: reported, no target. Short downloads on a keep-alive connection
 *               meet the server's BBR pacing stalls (docs/benchmarks.md, "Tunnels"), bulk
 *               transfers do not.
 * Pairs: unencrypted vs direct HTTP, encrypted (HTTPS verified against client.caCertificate())
 * vs direct HTTP, h2 (TLS, ALPN h2, verified) vs direct h2c.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { connect, type Sandbox } from '../src/core';
import { BASELINE_LABEL, engineTags, removeContainer } from './lib/cleanup';
import { intFromEnv, result, type BenchContext, type BenchResult, type Target } from './lib/harness';
import { runClient, waitUntilServing, type ClientResult, type ClientTarget } from './lib/httpClient';
import { createWithGuard } from './lib/sandboxes';
import { median, round } from './lib/stats';

export const SMALL = { path: '/small.txt', bytes: 13 };
export const LARGE = { path: '/1mb.bin', bytes: 1024 * 1024 };
export const BULK = { path: '/32mb.bin', bytes: 32 * 1024 * 1024 };

/**
 * `python3 -m http.server`, with Nagle's algorithm off on the connections it accepts (as
 * production servers do; socketserver's `disable_nagle_algorithm`). The stock server sends the
 * headers and the body of a response in two writes; on a keep-alive connection the body then
 * waits for the ACK of the headers, which Linux delays by 40 ms once the connection looks
 * interactive. That stall hits any path, tunnel or Docker port alike (docs/benchmarks.md,
 * `bench/diag-tunnels.ts`), and would hide what the tunnel costs.
 */
export function httpServer(port: number, nagle: boolean): string {
  const module = nagle
    ? 'python3 -m http.server'
    : `python3 -c 'import runpy, socketserver; socketserver.StreamRequestHandler.disable_nagle_algorithm = True; runpy.run_module("http.server", run_name="__main__", alter_sys=True)'`;
  return `${module} --protocol HTTP/1.1 -d /srv ${port} &`;
}

/** PID 1 of both containers: the files, two HTTP/1.1 servers (8000, 8001) and an h2c server (8443). */
export function serversScript(options: { nagle?: boolean } = {}): string {
  return [
    'set -e',
    'mkdir -p /srv',
    `printf 'hello tunnel\\n' > /srv${SMALL.path}`,
    `head -c ${LARGE.bytes} /dev/urandom > /srv${LARGE.path}`,
    `head -c ${BULK.bytes} /dev/urandom > /srv${BULK.path}`,
    httpServer(8000, options.nagle === true),
    httpServer(8001, options.nagle === true),
    'nghttpd --no-tls -d /srv 8443 &',
    'wait',
  ].join('\n');
}

/** The direct baseline: same image, runtime and servers, ports 8000 and 8443 published on 127.0.0.1. */
export async function startDirect(ctx: BenchContext, script = serversScript()): Promise<{ container: Docker.Container; http: number; h2c: number }> {
  const bind = [{ HostIp: '127.0.0.1', HostPort: '' }];
  const container = await ctx.docker.createContainer({
    name: `sandboxes-bench-direct-${ctx.runId}`,
    Image: ctx.image,
    Entrypoint: [''],
    Cmd: ['/bin/sh', '-c', script],
    Labels: { [BASELINE_LABEL]: ctx.runId },
    ExposedPorts: { '8000/tcp': {}, '8443/tcp': {} },
    HostConfig: {
      Runtime: 'runsc',
      PortBindings: { '8000/tcp': bind, '8443/tcp': bind },
      CapDrop: ['NET_RAW'],
      SecurityOpt: ['no-new-privileges'],
    },
  });
  await container.start();
  const ports = (await container.inspect()).NetworkSettings.Ports;
  const hostPort = (p: string) => {
    const b = ports?.[p]?.find((x) => x.HostIp === '127.0.0.1');
    if (!b) throw new Error(`the direct container has no 127.0.0.1 binding for ${p}: ${JSON.stringify(ports)}`);
    return Number(b.HostPort);
  };
  return { container, http: hostPort('8000/tcp'), h2c: hostPort('8443/tcp') };
}

const mib = (bytes: number, ms: number) => bytes / 2 ** 20 / (ms / 1000);
const slow = (ms: number[]) => ms.filter((x) => x > 4 * median(ms)).length;
const sum = (ms: number[]) => ms.reduce((a, b) => a + b, 0);

export async function tunnelsBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_TUNNEL_N', 400, 300);
  const seconds = intFromEnv('BENCH_TUNNEL_SECONDS', 3, 1);
  const bulkN = intFromEnv('BENCH_TUNNEL_BULK_N', 15, 10);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-bench-'));
  const client = connect({ stateDir });
  let sandbox: Sandbox | undefined;
  let direct: Docker.Container | undefined;
  try {
    const ca = await client.caCertificate();
    sandbox = await createWithGuard(
      client,
      {
        image: ctx.image,
        tags: engineTags(ctx.runId),
        command: ['/bin/sh', '-c', serversScript()],
        unencryptedPorts: [8000],
        encryptedPorts: [8001],
        h2Ports: [8443],
      },
      ctx.log,
    );
    const started = await startDirect(ctx);
    direct = started.container;
    const tunnels = await sandbox.tunnels();
    const targets: ClientTarget[] = [
      { name: 'unencrypted', protocol: 'http', origin: tunnels[8000].url },
      { name: 'direct', protocol: 'http', origin: `http://127.0.0.1:${started.http}` },
      { name: 'encrypted', protocol: 'https', origin: tunnels[8001].url },
      { name: 'h2', protocol: 'h2', origin: tunnels[8443].url },
      { name: 'direct-h2c', protocol: 'h2c', origin: `http://127.0.0.1:${started.h2c}` },
    ];
    await waitUntilServing(targets, SMALL.path, ca);

    ctx.log(`  tunnels: latency, ${n} keep-alive GETs of ${SMALL.path} per endpoint, 5 endpoints in turn`);
    const latency = await runClient({ mode: 'latency', targets, path: SMALL.path, connection: 'keep-alive', warmup: 30, n, expectBytes: SMALL.bytes, ca });
    ctx.log(`  tunnels: bulk throughput, ${bulkN} downloads of ${BULK.path} per endpoint`);
    const bulk = await runClient({ mode: 'throughput', targets, path: BULK.path, connection: 'keep-alive', warmup: 2, n: bulkN, expectBytes: BULK.bytes, ca });
    ctx.log(`  tunnels: ${LARGE.path} downloads until each endpoint has ${seconds} s of download time`);
    const short = await runClient({
      mode: 'throughput',
      targets,
      path: LARGE.path,
      connection: 'keep-alive',
      warmup: 3,
      n: 10,
      durationMs: seconds * 1000,
      expectBytes: LARGE.bytes,
      ca,
    });

    const pair = (ours: string, base: string, r: ClientResult) => ({
      connections: { [ours]: r.connections[ours], [base]: r.connections[base] },
      protocol: { [ours]: r.protocol[ours], [base]: r.protocol[base] },
    });
    const latencyRow = (ours: string, base: string, label: string, baseLabel: string, target: Target | null) =>
      result(`tunnel-latency-${ours}`, { ours: label, baseline: baseLabel }, { ours: latency.samples[ours], baseline: latency.samples[base] }, target, {
        tails: [99],
        extra: pair(ours, base, latency),
      });
    const throughputRow = (name: string, r: ClientResult, ours: string, base: string, label: string, baseLabel: string, target: Target | null) => {
      const rates = (t: string) => r.samples[t].map((ms) => mib(r.bytes[t] / r.samples[t].length, ms));
      const aggregate = (t: string) => mib(r.bytes[t], sum(r.samples[t]));
      return result(name, { ours: label, baseline: baseLabel }, { ours: rates(ours), baseline: rates(base) }, target, {
        unit: 'MiB/s',
        tails: [10],
        extra: {
          ...pair(ours, base, r),
          aggregateMiBps: { [ours]: round(aggregate(ours)), [base]: round(aggregate(base)) },
          aggregateRatio: round(aggregate(ours) / aggregate(base), 3),
          downloadSeconds: { [ours]: round(sum(r.samples[ours]) / 1000, 2), [base]: round(sum(r.samples[base]) / 1000, 2) },
          // Downloads taking over 4× their path's median: the BBR pacing stalls of short downloads (see docs).
          slowDownloads: { [ours]: slow(r.samples[ours]), [base]: slow(r.samples[base]) },
        },
      });
    };
    const directHttp = 'direct: Docker-published 127.0.0.1 port (docker-proxy), plain HTTP/1.1';
    const directH2c = 'direct: Docker-published 127.0.0.1 port, h2c (prior knowledge)';
    return [
      latencyRow('unencrypted', 'direct', 'unencrypted tunnel, keep-alive HTTP/1.1 GET 13 B', directHttp, { op: '<=', ratio: 1.1, text: 'adds ≤ 10 % (ratio ≤ 1.10)' }),
      latencyRow('encrypted', 'direct', 'encrypted tunnel (HTTPS, verified), keep-alive GET 13 B', directHttp, null),
      latencyRow('h2', 'direct-h2c', 'h2 tunnel (TLS + ALPN h2, verified), one session, GET 13 B', directH2c, null),
      throughputRow('tunnel-throughput-unencrypted', bulk, 'unencrypted', 'direct', 'unencrypted tunnel, 32 MiB GETs on one keep-alive connection', directHttp, {
        op: '>=',
        ratio: 0.9,
        text: 'keeps ≥ 90 % (ratio ≥ 0.90)',
      }),
      throughputRow('tunnel-throughput-encrypted', bulk, 'encrypted', 'direct', 'encrypted tunnel (HTTPS, verified), 32 MiB GETs, keep-alive', directHttp, {
        op: '>=',
        ratio: 0.6,
        text: 'keeps ≥ 60 % (ratio ≥ 0.60)',
      }),
      throughputRow('tunnel-throughput-h2', bulk, 'h2', 'direct-h2c', 'h2 tunnel (verified), 32 MiB GETs on one session', directH2c, null),
      throughputRow('tunnel-1mib-unencrypted', short, 'unencrypted', 'direct', 'unencrypted tunnel, 1 MiB GETs on one keep-alive connection', directHttp, null),
      throughputRow('tunnel-1mib-encrypted', short, 'encrypted', 'direct', 'encrypted tunnel (HTTPS, verified), 1 MiB GETs, keep-alive', directHttp, null),
      throughputRow('tunnel-1mib-h2', short, 'h2', 'direct-h2c', 'h2 tunnel (verified), 1 MiB GETs on one session', directH2c, null),
    ];
  } finally {
    await sandbox?.terminate().catch(() => undefined);
    if (direct) await removeContainer(ctx.docker, direct.id);
    await client.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
