/**
 * "Port detection" (issue #14): from a server's listen() inside a sandbox to the engine's port
 * watcher reporting it (`Sandbox.watchPorts`, the event the editor's notification follows), and
 * what watching costs while nothing happens.
 *
 *   ours:     the watcher as the extension runs it (1 s interval, focused window), reading the
 *             guard's /proc/<pid>/net/tcp{,6} on this machine (no exec);
 *   baseline: the same watcher reading through an exec of `cat` in the guard, which is what a
 *             remote engine gets (and what any exec-based poller costs).
 * Both watchers run side by side on one sandbox; each sample starts a server on a fresh port
 * (python3: bind, listen, print time.time(), sleep) and waits until that side's watcher reports
 * the port: the sample is the report's time minus the printed listen time (gVisor's clock is the
 * host's). Target: ours.median < 1500 ms.
 *
 * Cost per scan (extra.perScan): CPU time of this process and wall time, 200 scans (ours) and 20
 * (baseline) in a row. Idle cost (extra.idle): BENCH_PORTS_IDLE_SECONDS with no watcher, then with each watcher alone:
 * CPU time of this process (the extension host's share), of the sandbox's and the guard's
 * containers (Docker's stats), and of dockerd + containerd (from /proc, when the engine is local),
 * as a percentage of one core.
 */
import { promises as fs } from 'node:fs';
import type Docker from 'dockerode';
import { connect, type Sandbox } from '../src/core';
import { LABEL } from '../src/core/labels';
import { PortScanner } from '../src/core/tunnels/portScan';
import { PortWatcher } from '../src/core/tunnels/portWatcher';
import { engineTags } from './lib/cleanup';
import { intFromEnv, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { createWithGuard } from './lib/sandboxes';
import { round } from './lib/stats';

type Side = 'ours' | 'baseline';

const LISTEN = (port: number) =>
  `import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(("0.0.0.0", ${port}))\ns.listen()\nprint(time.time(), flush=True)\ntime.sleep(5)\n`;

export async function portDetectBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_PORTS_N', 15, 8);
  const idleSeconds = intFromEnv('BENCH_PORTS_IDLE_SECONDS', 20, 5);
  const client = connect();
  let sandbox: Sandbox | undefined;
  const watchers: PortWatcher[] = [];
  try {
    sandbox = await createWithGuard(client, { image: ctx.image, name: `bench-ports-${ctx.runId}`, command: ['sleep', 'infinity'], tags: engineTags(ctx.runId) }, ctx.log);
    const info = await sandbox.info();
    const [guard] = await ctx.docker.listContainers({ filters: { label: [`${LABEL.id}=${sandbox.id}`, `${LABEL.role}=guard`] } });
    const scanner = (side: Side) => {
      const s = new PortScanner(ctx.docker, { containerId: info.containerId, guardId: guard.Id, networking: 'kernel' });
      // The baseline reads as with a remote engine: the guard's /proc is not visible here.
      if (side === 'baseline') (s as unknown as { hostProc: Promise<undefined> }).hostProc = Promise.resolve(undefined);
      return s;
    };
    const scanners = { ours: scanner('ours'), baseline: scanner('baseline') };
    const seen: Record<Side, Map<number, number>> = { ours: new Map(), baseline: new Map() };
    const watch = (side: Side) =>
      new PortWatcher(
        () => scanners[side].scan(),
        async () => true,
        (e) => {
          if (e.kind === 'ports') for (const p of e.added) if (!seen[side].has(p.port)) seen[side].set(p.port, Date.now());
          if (e.kind === 'error') ctx.log(`  ${side}: scan failed: ${String(e.error)}`);
        },
      );
    watchers.push(watch('ours'), watch('baseline'));
    await Promise.all(watchers.map((w) => w.ready));

    let next = 20000;
    const sample = async (side: Side): Promise<number> => {
      const port = next++;
      const proc = await sandbox!.exec(['python3', '-c', LISTEN(port)]);
      proc.stdin.end();
      const listenedAt = await new Promise<number>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(Number(out.trim().split('\n')[0]) * 1000);
        });
        setTimeout(() => reject(new Error(`no listen on ${port} within 15 s`)), 15_000).unref();
      });
      const deadline = Date.now() + 15_000;
      while (!seen[side].has(port) && Date.now() < deadline) await sleep(10);
      const at = seen[side].get(port);
      if (at === undefined) throw new Error(`${side}: port ${port} not reported within 15 s`);
      return at - listenedAt;
    };
    const samples: Record<Side, number[]> = { ours: [], baseline: [] };
    for (let i = 0; i < n + 1; i++) {
      for (const side of ['ours', 'baseline'] as const) {
        const ms = await sample(side);
        if (i > 0) samples[side].push(ms);
        // Start the next server at a random point of the poll interval.
        await sleep(200 + Math.random() * 1000);
      }
      if (i % 5 === 0) ctx.log(`  port-detect ${i}/${n}`);
    }
    for (const w of watchers) w.stop();

    // What one scan costs this process (CPU) and takes (wall), without the machine's noise of an idle window.
    const perScan: Record<string, unknown> = {};
    for (const [side, count] of [
      ['ours', 200],
      ['baseline', 20],
    ] as const) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < count; i++) await scanners[side].scan();
      const cpu = process.cpuUsage(cpu0);
      perScan[side] = { cpuMs: round((cpu.user + cpu.system) / 1000 / count, 3), wallMs: round((performance.now() - t0) / count, 2), source: scanners[side].source };
    }
    ctx.log(`  per scan: ${JSON.stringify(perScan)}`);
    const idle: Record<string, unknown> = {};
    for (const phase of ['none', 'ours', 'baseline'] as const) {
      const w = phase === 'none' ? undefined : watch(phase);
      await w?.ready;
      idle[phase] = await cpuOver(ctx.docker, [info.containerId, guard.Id], idleSeconds);
      w?.stop();
      ctx.log(`  idle ${phase}: ${JSON.stringify(idle[phase])}`);
    }
    return result(
      'port-detect',
      { ours: 'listen() → watcher event, guard /proc read here (1 s interval)', baseline: 'same, exec of cat in the guard (remote engine)' },
      samples,
      { op: '<', on: 'ours.median', value: 1500, text: 'median < 1.5 s (issue #14)' },
      { tails: [95], extra: { perScan, idle, idleSeconds, intervalMs: 1000 } },
    );
  } finally {
    for (const w of watchers) w.stop();
    await sandbox?.terminate().catch(() => undefined);
    await client.close();
  }
}

/** CPU over `seconds`, as % of one core: this process, the given containers together, dockerd + containerd. */
async function cpuOver(docker: Docker, containers: string[], seconds: number): Promise<Record<string, number | null>> {
  const containerCpu = async () => {
    let total = 0;
    for (const id of containers) {
      const stats = (await docker.getContainer(id).stats({ stream: false })) as { cpu_stats?: { cpu_usage?: { total_usage?: number } } };
      total += stats.cpu_stats?.cpu_usage?.total_usage ?? 0;
    }
    return total / 1e6; // ms
  };
  const daemons = async () => {
    let ticks = 0;
    let found = false;
    for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry)) continue;
      const comm = await fs.readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '');
      if (comm.trim() !== 'dockerd' && comm.trim() !== 'containerd') continue;
      const stat = (await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
      ticks += Number(stat[11] ?? 0) + Number(stat[12] ?? 0); // utime + stime
      found = true;
    }
    return found ? (ticks * 1000) / 100 : null; // ms at USER_HZ 100
  };
  const self0 = process.cpuUsage();
  const c0 = await containerCpu();
  const d0 = await daemons();
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const elapsed = Date.now() - t0;
  const self = process.cpuUsage(self0);
  const c1 = await containerCpu();
  const d1 = await daemons();
  const pct = (ms: number) => round((ms / elapsed) * 100, 2);
  return {
    thisProcessPct: pct((self.user + self.system) / 1000),
    containersPct: pct(c1 - c0),
    dockerdContainerdPct: d0 === null || d1 === null ? null : pct(d1 - d0),
  };
}
