/**
 * Diagnostic for the tunnels benchmark: `node --import tsx bench/diag-tunnels.ts [nagle|paths]`
 * (default both). No targets, nothing written. Same image, labels and cleanup as run.ts.
 *
 * nagle: why the benchmark's HTTP/1.1 servers run with Nagle's algorithm off. For the stock
 *   `python3 -m http.server --protocol HTTP/1.1` and for the same server with Nagle off, the
 *   keep-alive GET latency of the unencrypted tunnel and of a Docker-published port: each path
 *   alone (back-to-back requests on one connection), then both in turn, in both orders.
 *   DIAG_N (default 60) requests per path and case.
 * paths: where a tunnel's time goes. The same server (in the sandbox, or in the direct runsc
 *   container) reached six ways, in turn: the engine's unencrypted and encrypted tunnels; a
 *   bare Node relay in this main thread (net server + pipe() both ways: what TunnelListener did
 *   before it read into reused buffers); Docker's published port (docker-proxy); and no proxy at
 *   all, the client connecting to the sandbox's or the direct container's bridge address.
 *   Keep-alive GET latency (DIAG_PATH_N, default 400) and 1 MiB download throughput
 *   (DIAG_SECONDS, default 3 s each), median and aggregate; then, each path alone: the relays'
 *   CPU time per small GET and per 1 MiB download (this process's main thread, where the
 *   tunnels and the bare relay live, and docker-proxy's process, from /proc/…/schedstat), and
 *   over 100 downloads the stalls and the TCP segments the server's network namespace
 *   retransmitted (/proc/<pid>/net/snmp). Local engine only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { connect, type Sandbox, type SandboxClient } from '../src/core';
import { resolveEndpoint } from '../src/core/docker';
import { engineTags, installSignalHandlers, Interrupted, newRunId, removeContainer, removeRunContainers } from './lib/cleanup';
import * as net from 'node:net';
import { DEFAULT_IMAGE, intFromEnv, type BenchContext } from './lib/harness';
import { guardOf } from './policy-apply.bench';
import { runClient, waitUntilServing, type ClientTarget } from './lib/httpClient';
import { createWithGuard } from './lib/sandboxes';
import { median, percentile } from './lib/stats';
import { LARGE, serversScript, SMALL, startDirect } from './tunnels.bench';

const IMAGE = process.env.SANDBOXES_BENCH_IMAGE || DEFAULT_IMAGE;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function nagleCase(ctx: BenchContext, client: SandboxClient): Promise<void> {
  const n = intFromEnv('DIAG_N', 60, 10);
  const { docker, runId } = ctx;
  for (const nagle of [true, false]) {
    const script = serversScript({ nagle });
    let sandbox: Sandbox | undefined;
    let direct: Docker.Container | undefined;
    try {
      sandbox = await createWithGuard(client, { image: IMAGE, tags: engineTags(runId), command: ['/bin/sh', '-c', script], unencryptedPorts: [8000] }, log);
      const d = await startDirect(ctx, script);
      direct = d.container;
      const forwarded = (await sandbox.tunnels())[8000];
      if (!forwarded)
        throw new Error(`sandbox ${sandbox.name} forwards no port 8000: ${JSON.stringify(await sandbox.networkPolicy())}, ${JSON.stringify(await sandbox.info())}`);
      const tunnel: ClientTarget = { name: 'tunnel', protocol: 'http', origin: forwarded.url };
      const port: ClientTarget = { name: 'direct', protocol: 'http', origin: `http://127.0.0.1:${d.http}` };
      await waitUntilServing([tunnel, port], SMALL.path, undefined);
      log(`\npython3 -m http.server --protocol HTTP/1.1, Nagle ${nagle ? 'ON (stock)' : 'off'}: keep-alive GET ${SMALL.path}, ${n} requests per path`);
      for (const targets of [[tunnel], [port], [tunnel, port], [port, tunnel]]) {
        const out = await runClient({ mode: 'latency', targets, path: SMALL.path, connection: 'keep-alive', warmup: 10, n, expectBytes: SMALL.bytes });
        const cells = targets.map(
          (t) => `${t.name.padEnd(6)} p50 ${median(out.samples[t.name]).toFixed(1).padStart(5)} ms  p90 ${percentile(out.samples[t.name], 90).toFixed(1).padStart(5)} ms`,
        );
        log(`  ${(targets.length === 1 ? 'alone' : `in turn (${targets.map((t) => t.name).join(', ')})`).padEnd(26)} ${cells.join('  |  ')}`);
      }
    } finally {
      await sandbox?.terminate().catch(() => undefined);
      if (direct) await removeContainer(docker, direct.id);
    }
  }
}

/** Nanoseconds on CPU of every thread of a process, or of one thread (/proc/…/schedstat, local only). */
function cpuNs(pid: number, tid?: number): number {
  const tids = tid !== undefined ? [String(tid)] : fs.readdirSync(`/proc/${pid}/task`);
  let total = 0;
  for (const t of tids) {
    try {
      total += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* thread ended */
    }
  }
  return total;
}

/** TCP segments retransmitted in the network namespace of a process (/proc/<pid>/net/snmp, local only). */
function retransSegs(pid: number): number {
  const lines = fs
    .readFileSync(`/proc/${pid}/net/snmp`, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  return Number(values[names.indexOf('RetransSegs')]);
}

/** The docker-proxy process that serves 127.0.0.1:<port>, if the daemon uses one (userland-proxy). */
function dockerProxyPid(hostPort: number): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('docker-proxy') && argv.includes(String(hostPort)) && argv.includes('127.0.0.1')) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** A bare relay with pipe() both ways (noDelay, half-open): TunnelListener before it read into reused buffers, without its bookkeeping. */
function bareRelay(host: string, port: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (c) => {
    const u = net.connect({ host, port, noDelay: true, allowHalfOpen: true });
    for (const s of [c, u]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => (s === c ? u : c).destroy());
    }
    c.pipe(u);
    u.pipe(c);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    ),
  );
}

async function pathsCase(ctx: BenchContext, client: SandboxClient): Promise<void> {
  const n = intFromEnv('DIAG_PATH_N', 400, 50);
  const seconds = intFromEnv('DIAG_SECONDS', 3, 1);
  let sandbox: Sandbox | undefined;
  let direct: Docker.Container | undefined;
  let relay: { port: number; close(): void } | undefined;
  try {
    sandbox = await createWithGuard(
      client,
      { image: IMAGE, tags: engineTags(ctx.runId), command: ['/bin/sh', '-c', serversScript()], unencryptedPorts: [8000], encryptedPorts: [8001] },
      log,
    );
    const d = await startDirect(ctx);
    direct = d.container;
    const guardInfo = await ctx.docker.getContainer(await guardOf(ctx, sandbox)).inspect();
    const sandboxIp = guardInfo.NetworkSettings.Networks?.sandboxes?.IPAddress;
    if (!sandboxIp) throw new Error('the sandbox has no address on the sandboxes network');
    const directInfo = await direct.inspect();
    const directIp = directInfo.NetworkSettings.Networks?.bridge?.IPAddress;
    if (!directIp) throw new Error('the direct container has no address on the default bridge');
    relay = await bareRelay(sandboxIp, 8000);
    const tunnels = await sandbox.tunnels();
    const ca = await client.caCertificate();
    const targets: ClientTarget[] = [
      { name: 'tunnel unencrypted', protocol: 'http', origin: tunnels[8000].url },
      { name: 'tunnel encrypted', protocol: 'https', origin: tunnels[8001].url },
      { name: 'bare Node relay', protocol: 'http', origin: `http://127.0.0.1:${relay.port}` },
      { name: 'docker-proxy', protocol: 'http', origin: `http://127.0.0.1:${d.http}` },
      { name: 'no proxy, sandbox', protocol: 'http', origin: `http://${sandboxIp}:8000` },
      { name: 'no proxy, direct', protocol: 'http', origin: `http://${directIp}:8000` },
    ];
    const containerAddresses = [sandboxIp, directIp];
    // The network namespace each path's server sends from (the guard's holds the sandbox's sockets).
    const serverPid = (t: ClientTarget) => (t.name === 'docker-proxy' || t.name === 'no proxy, direct' ? directInfo.State.Pid : guardInfo.State.Pid);
    await waitUntilServing(targets, SMALL.path, ca);
    const lat = await runClient({ mode: 'latency', targets, path: SMALL.path, connection: 'keep-alive', warmup: 30, n, expectBytes: SMALL.bytes, ca, containerAddresses });
    const thr = await runClient({
      mode: 'throughput',
      targets,
      path: LARGE.path,
      connection: 'keep-alive',
      warmup: 3,
      n: 10,
      durationMs: seconds * 1000,
      expectBytes: LARGE.bytes,
      ca,
      containerAddresses,
    });
    log(`\nwhere a tunnel's time goes (same sandbox server, Nagle off; ${n} keep-alive GETs of ${SMALL.path} and ${seconds} s of ${LARGE.path} downloads per path, in turn):`);
    const proxyPid = dockerProxyPid(d.http);
    log(
      `  ${'path'.padEnd(20)} ${'GET p50'.padStart(9)} ${'GET p90'.padStart(9)}  ${'1 MiB p50'.padStart(10)} ${'median rate'.padStart(12)} ${'aggregate'.padStart(11)}  relay CPU per GET | per MiB (main thread / docker-proxy)   alone, ${100} MiB: stalls, server TCP retransmits`,
    );
    const downloads = 100;
    for (const t of targets) {
      // Each path alone: CPU time of the relays (main thread: the tunnels and the bare relay; docker-proxy's process).
      const cpu = async (job: Parameters<typeof runClient>[0], per: number) => {
        const main0 = cpuNs(process.pid, process.pid);
        const proxy0 = proxyPid ? cpuNs(proxyPid) : 0;
        const retrans0 = retransSegs(serverPid(t));
        const out = await runClient(job);
        const ms = out.samples[t.name];
        return {
          main: (cpuNs(process.pid, process.pid) - main0) / 1000 / per,
          proxy: proxyPid ? (cpuNs(proxyPid) - proxy0) / 1000 / per : NaN,
          stalls: ms.filter((x) => x > 4 * median(ms)).length,
          retrans: retransSegs(serverPid(t)) - retrans0,
        };
      };
      const get = await cpu({ mode: 'latency', targets: [t], path: SMALL.path, connection: 'keep-alive', warmup: 0, n, expectBytes: SMALL.bytes, ca, containerAddresses }, n);
      const mb = await cpu(
        { mode: 'latency', targets: [t], path: LARGE.path, connection: 'keep-alive', warmup: 0, n: downloads, expectBytes: LARGE.bytes, ca, containerAddresses },
        downloads,
      );
      const dl = median(thr.samples[t.name]);
      const aggregate = thr.samples[t.name].length / (thr.samples[t.name].reduce((a, b) => a + b, 0) / 1000);
      const us = (x: number) => (Number.isNaN(x) ? '–' : `${x.toFixed(0)} µs`);
      log(
        `  ${t.name.padEnd(20)} ${`${median(lat.samples[t.name]).toFixed(2)} ms`.padStart(9)} ${`${percentile(lat.samples[t.name], 90).toFixed(2)} ms`.padStart(9)}  ${`${dl.toFixed(1)} ms`.padStart(10)} ${`${(1000 / dl).toFixed(0)} MiB/s`.padStart(12)} ${`${aggregate.toFixed(0)} MiB/s`.padStart(11)}  ${us(get.main).padStart(7)} / ${us(get.proxy).padStart(6)} | ${us(mb.main).padStart(8)} / ${us(mb.proxy).padStart(7)}   ${String(mb.stalls).padStart(3)} stalls, ${mb.retrans} retransmitted segments`,
      );
    }
    log("  (median rate: of single downloads; aggregate: bytes / total time, stalls included. A stall is a download over 4× its path's median.");
    log("   Main thread CPU includes a floor of its own: worker messages, timers, the tunnel registry's 2 s sweep; compare rows.)");
  } finally {
    relay?.close();
    await sandbox?.terminate().catch(() => undefined);
    if (direct) await removeContainer(ctx.docker, direct.id);
  }
}

async function main(): Promise<number> {
  const cases: Record<string, (ctx: BenchContext, client: SandboxClient) => Promise<void>> = { nagle: nagleCase, paths: pathsCase };
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (names.some((x) => !(x in cases))) {
    log(`unknown case(s): ${names.join(', ')}; known: ${Object.keys(cases).join(', ')}`);
    return 2;
  }
  const docker = new Docker(resolveEndpoint(undefined).options);
  await docker.getImage(IMAGE).inspect();
  const runId = newRunId();
  const ctx: BenchContext = { docker, runId, image: IMAGE, log };
  const uninstall = installSignalHandlers(docker, runId, log);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-bench-'));
  const client = connect({ stateDir });
  try {
    for (const name of names.length ? names : Object.keys(cases)) await cases[name](ctx, client);
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    throw error;
  } finally {
    await client.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    await removeRunContainers(docker, runId);
    uninstall();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`diag failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
