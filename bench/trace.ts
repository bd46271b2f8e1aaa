/**
 * Where the time goes: `node --import tsx bench/trace.ts` runs the two benchmarks' operations a
 * few times through a logging proxy on the Docker socket and prints, per path, every Docker API
 * call with its median start offset and duration, and the time spent outside API calls (CLI
 * process start-up, client-side work). Diagnostic only: no targets, nothing written.
 * TRACE_N (default 5) samples per path after one warm-up; same image and cleanup as run.ts.
 */
import Docker from 'dockerode';
import { connect, type Sandbox } from '../src/core';
import { resolveEndpoint } from '../src/core/docker';
import { baselineRunArgs } from './create.bench';
import { checkInterrupted, engineTags, installSignalHandlers, Interrupted, newRunId, removeContainer, removeRunContainers, runChecked } from './lib/cleanup';
import { intFromEnv, sleep } from './lib/harness';
import { median, round } from './lib/stats';
import { normalizePath, TraceProxy, type TracedCall } from './lib/traceProxy';

const IMAGE = process.env.SANDBOXES_BENCH_IMAGE || 'sandboxes-test/base:bookworm-1';
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Trace {
  total: number;
  calls: Array<TracedCall & { t0: number }>;
}

type Scenario = { name: string; run: () => Promise<{ t0: number; t1: number; from: number }> };

function union(intervals: Array<[number, number]>): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  let start = -Infinity;
  for (const [a, b] of sorted) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  if (end > start) total += end - start;
  return total;
}

function report(name: string, traces: Trace[]): void {
  const rows = new Map<string, { start: number[]; dur: number[]; first: number[] }>();
  const outside: number[] = [];
  for (const t of traces) {
    const seen = new Map<string, number>();
    const intervals: Array<[number, number]> = [];
    for (const c of t.calls) {
      const base = `${c.method} ${normalizePath(c.path)}${c.hijacked ? ' (stream)' : ''}`;
      const k = (seen.get(base) ?? 0) + 1;
      seen.set(base, k);
      const key = k > 1 ? `${base} #${k}` : base;
      const row = rows.get(key) ?? { start: [], dur: [], first: [] };
      const end = c.tEnd ?? c.tResp ?? c.tReq;
      row.start.push(c.tReq - c.t0);
      row.dur.push(end - c.tReq);
      if (c.tFirstData !== undefined) row.first.push(c.tFirstData - c.tReq);
      rows.set(key, row);
      intervals.push([c.tReq, end]);
    }
    outside.push(t.total - union(intervals));
  }
  const total = median(traces.map((t) => t.total));
  log(`\n${name}: median ${round(total)} ms over ${traces.length} samples; outside Docker API calls: ${round(median(outside))} ms`);
  log(`  ${'call'.padEnd(44)} ${'in'.padStart(5)}  ${'starts at'.padStart(9)}  ${'takes'.padStart(8)}  first output`);
  const sorted = [...rows.entries()].sort((a, b) => median(a[1].start) - median(b[1].start));
  for (const [key, row] of sorted) {
    const first = row.first.length ? `${round(median(row.first))} ms` : '';
    log(`  ${key.padEnd(44)} ${`${row.start.length}/${traces.length}`.padStart(5)}  ${`${round(median(row.start))} ms`.padStart(9)}  ${`${round(median(row.dur))} ms`.padStart(8)}  ${first}`);
  }
}

async function main(): Promise<number> {
  const n = intFromEnv('TRACE_N', 5, 1);
  const upstream = resolveEndpoint(undefined).options.socketPath;
  if (!upstream) {
    log('trace needs a local unix-socket Docker endpoint (unset DOCKER_HOST or point it at a socket).');
    return 2;
  }
  const docker = new Docker({ socketPath: upstream });
  await docker.getImage(IMAGE).inspect();
  const runId = newRunId();
  const proxy = new TraceProxy(upstream);
  await proxy.listen();
  const env = { ...process.env, DOCKER_HOST: `unix://${proxy.socketPath}` };
  const client = connect({ dockerHost: `unix://${proxy.socketPath}` });
  const uninstall = installSignalHandlers(docker, runId, log);
  let warm: Sandbox | undefined;
  const docker_ = (args: string[]) => runChecked('docker', args, env);

  const scenarios: Scenario[] = [
    {
      name: 'engine: create + run echo ready',
      run: async () => {
        const from = proxy.calls.length;
        let sandbox: Sandbox | undefined;
        try {
          const t0 = performance.now();
          sandbox = await client.create({ image: IMAGE, tags: engineTags(runId) });
          await sandbox.run(['echo', 'ready']);
          return { t0, t1: performance.now(), from };
        } finally {
          await sandbox?.terminate();
        }
      },
    },
    {
      name: 'CLI: docker run -d + docker exec echo ready',
      run: async () => {
        const from = proxy.calls.length;
        let id: string | undefined;
        try {
          const t0 = performance.now();
          id = (await docker_(baselineRunArgs(IMAGE, runId))).stdout.trim();
          await docker_(['exec', id, 'echo', 'ready']);
          return { t0, t1: performance.now(), from };
        } finally {
          if (id) await removeContainer(docker, id);
        }
      },
    },
    {
      name: 'engine: warm sandbox.run(true)',
      run: async () => {
        const from = proxy.calls.length;
        const t0 = performance.now();
        await warm!.run(['true']);
        return { t0, t1: performance.now(), from };
      },
    },
    {
      name: 'CLI: warm docker exec ID true',
      run: async () => {
        const from = proxy.calls.length;
        const t0 = performance.now();
        await docker_(['exec', warm!.containerId, 'true']);
        return { t0, t1: performance.now(), from };
      },
    },
  ];

  try {
    const traces = new Map<string, Trace[]>(scenarios.map((s) => [s.name, []]));
    const collect = async (pair: Scenario[], settle: number) => {
      for (let i = 0; i <= n; i++) {
        for (const s of pair) {
          checkInterrupted();
          const { t0, t1, from } = await s.run();
          await sleep(settle);
          if (i === 0) continue; // warm-up
          traces.get(s.name)!.push({ total: t1 - t0, calls: proxy.since(from).filter((c) => c.tReq <= t1).map((c) => ({ ...c, t0 })) });
        }
      }
    };
    await collect(scenarios.slice(0, 2), 250);
    warm = await client.create({ image: IMAGE, tags: engineTags(runId) });
    await collect(scenarios.slice(2), 0);
    for (const [name, t] of traces) report(name, t);
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    throw error;
  } finally {
    await warm?.terminate().catch(() => undefined);
    client.dispose();
    await removeRunContainers(docker, runId);
    uninstall();
    await proxy.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`trace failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
