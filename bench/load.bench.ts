/**
 * "Load": the engine with 20 sandboxes at once. Each runs an echo server behind a plain and a TLS
 * forward, with the policies open / blocked / allowlist in turn (test/integration/loadHelpers.ts,
 * shared with the load test). Rows:
 *
 *   load-create       ours: each of 20 `client.create()` calls started together, from the common
 *                     start until it returned (BENCH_LOAD_ROUNDS rounds of 20); baseline: one create
 *                     alone, same spec, one at a time (BENCH_LOAD_ALONE_N after one warm-up). p50/p95.
 *   load-connections  ours: each of 100 connections at once over the 40 forwards (a random 16–256 KiB
 *                     payload, echoed and checked byte for byte), from connect to the last byte;
 *                     baseline: one connection at a time, once over each forward.
 *   load-tree-refresh in a real extension host (code-server + Chromium, vscode.bench.ts's session): the
 *                     Sandboxes view's refresh (`sandboxes.refresh`, then the tree read as VS Code reads
 *                     it, by a probe extension, one every 250 ms) while the 20 are created, carry the
 *                     connections and are terminated, against the same refresh before any of them.
 *                     p50/p95. Extra: the host's event-loop lag, and the status bar (its accessibility
 *                     label, read from the page) catching up with 20 more, then 20 fewer running
 *                     sandboxes. BENCH_LOAD_VSCODE=0 leaves the extension host out.
 *   load-listing      engine level, in this process: `client.listInfo()` (the listing behind the
 *                     view's refresh), one every 250 ms, during the load against before it.
 * Memory (RSS, extra of load-create): this process (the client creating the sandboxes and serving
 * their forwards), the extension host and dockerd, before the load, at its peak, and after every
 * sandbox was terminated. Everything is tagged with the run id and terminated in `finally`.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Sandbox } from '../src/core';
import { ECHO_PORTS, concurrentExchanges, exchange, loadSpec, untilEchoing, type Forward } from '../test/integration/loadHelpers';
import { checkInterrupted, engineTags } from './lib/cleanup';
import { intFromEnv, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { percentile, round } from './lib/stats';
import { startSession, type Session } from './vscode.bench';

const SANDBOXES = 20;
const CONNECTIONS = 100;
/** Quiet time before the load: the refresh and listing baselines. */
const IDLE_MS = 8000;
/** After each round's terminate: runsc and dockerd finish tearing down. */
const SETTLE_MS = 3000;
const SAMPLE_MS = 250;
const LOAD_PHASES = new Set(['create', 'traffic', 'terminate']);

type Mark = { phase: string; at: number };

/** The phase a moment belongs to: the last mark at or before it. */
function phaseAt(marks: Mark[], at: number): string {
  let phase = 'before';
  for (const mark of marks) if (mark.at <= at) phase = mark.phase;
  return phase;
}

function stats(values: number[]): { n: number; p50: number; p95: number; max: number } | null {
  if (!values.length) return null;
  return { n: values.length, p50: round(percentile(values, 50)), p95: round(percentile(values, 95)), max: round(Math.max(...values)) };
}

const MiB = 2 ** 20;

function dockerdPid(): number | null {
  try {
    return Number(execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).split('\n')[0]) || null;
  } catch {
    return null;
  }
}

function rssOf(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples this process's and dockerd's RSS every SAMPLE_MS until stopped. */
function memorySampler(): { samples: { at: number; self: number; heap: number; dockerd: number | null }[]; stop(): void } {
  const dockerd = dockerdPid();
  const samples: { at: number; self: number; heap: number; dockerd: number | null }[] = [];
  const take = () => {
    const own = process.memoryUsage();
    samples.push({ at: Date.now(), self: own.rss, heap: own.heapUsed, dockerd: dockerd ? rssOf(dockerd) : null });
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/** Runs `call` every SAMPLE_MS until stopped, timing each: the engine-level listing. */
function repeat(call: () => Promise<unknown>): { samples: { at: number; ms: number }[]; stop(): Promise<void> } {
  const samples: { at: number; ms: number }[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; i < 100_000 && !stopped; i++) {
      const at = Date.now();
      const t0 = performance.now();
      await call().catch(() => undefined);
      samples.push({ at, ms: performance.now() - t0 });
      await sleep(SAMPLE_MS);
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

interface ProbeEntry {
  what: string;
  at: number;
  ms?: number;
  ours?: number;
  running?: number;
  all?: number;
  allRunning?: number;
  rss?: number;
}

export async function loadBench(ctx: BenchContext): Promise<BenchResult[]> {
  const rounds = intFromEnv('BENCH_LOAD_ROUNDS', 2, 1);
  const aloneN = intFromEnv('BENCH_LOAD_ALONE_N', 8, 3);
  const withVscode = process.env.BENCH_LOAD_VSCODE !== '0';
  const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const seenFile = join(dir, 'seen.jsonl');
  const stopFile = join(dir, 'stop');
  writeFileSync(seenFile, '');
  const client = connect({ stateDir: join(dir, 'state') });
  const tags = engineTags(ctx.runId);
  const prefix = `${ctx.runId}-load-`;
  const marks: Mark[] = [];
  const mark = (phase: string) => marks.push({ phase, at: Date.now() });
  const live = new Set<Sandbox>();
  const memory = memorySampler();
  let session: Session | undefined;
  let probe: Promise<Record<string, unknown> | undefined> = Promise.resolve(undefined);
  let probeError: string | undefined;
  /** The status bar's count of running sandboxes, read from the page: `at` when the read returned, `ms` what it took. */
  const status: { at: number; count: number; ms: number }[] = [];
  let statusStop = false;
  let statusLoop: Promise<void> = Promise.resolve();
  const listing = { samples: [] as { at: number; ms: number }[], stop: async () => undefined as void };
  try {
    const ca = await client.caCertificate();
    if (withVscode) {
      session = await startSession(ctx);
      probe = session.sample({ mode: 'load-tree', prefix, seenFile, stopFile, pauseMs: SAMPLE_MS }, 60 * 60_000).catch((error: Error) => {
        probeError = error.message;
        return undefined;
      });
      for (let i = 0; i < 2400 && !probeEntries(seenFile).some((e) => e.what === 'ready'); i++) {
        if (probeError) throw new Error(`the extension host probe failed: ${probeError}`);
        checkInterrupted();
        await sleep(100);
      }
      if (!probeEntries(seenFile).some((e) => e.what === 'ready')) throw new Error('the probe did not open the Sandboxes view within 240 s');
      statusLoop = (async () => {
        for (let i = 0; i < 100_000 && !statusStop; i++) {
          const t0 = performance.now();
          const label = await session!.statusBarLabel().catch(() => null);
          status.push({ at: Date.now(), count: Number(/^(\d+) running sandbox/.exec(label ?? '')?.[1] ?? 0), ms: performance.now() - t0 });
          await sleep(100);
        }
      })();
    }
    Object.assign(
      listing,
      repeat(() => client.listInfo()),
    );

    mark('idle');
    await sleep(IDLE_MS);

    mark('alone');
    const alone: number[] = [];
    for (let i = 0; i < aloneN + 1; i++) {
      checkInterrupted();
      const started = performance.now();
      const sandbox = await client.create(loadSpec(i, { image: ctx.image, tags, name: `${prefix}alone-${i}` }));
      const ms = performance.now() - started;
      live.add(sandbox);
      if (i > 0) alone.push(ms); // the first warms the image cache and the spare guard
      await sandbox.terminate();
      live.delete(sandbox);
      await sleep(500);
    }
    ctx.log(`  load: ${aloneN} creates alone, median ${round(percentile(alone, 50))} ms`);

    const concurrent: number[] = [];
    const batchMs: number[] = [];
    const connections = { ours: [] as number[], baseline: [] as number[] };
    const roundMarks: { createdAt: number; terminatedAt: number }[] = [];
    let bytesChecked = 0;
    for (let r = 0; r < rounds; r++) {
      checkInterrupted();
      mark('create');
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: SANDBOXES }, (_, i) =>
          client.create(loadSpec(i, { image: ctx.image, tags, name: `${prefix}r${r}-${i}` })).then((sandbox) => {
            concurrent.push(performance.now() - started);
            live.add(sandbox);
            return sandbox;
          }),
        ),
      );
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed.length) throw new Error(`${failed.length} of ${SANDBOXES} concurrent creates failed: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
      batchMs.push(performance.now() - started);
      const createdAt = Date.now();
      const made = outcomes.map((o) => (o as PromiseFulfilledResult<Sandbox>).value);
      ctx.log(`  load: round ${r + 1}/${rounds}: ${SANDBOXES} created together in ${round(batchMs.at(-1)!)} ms`);

      mark('traffic');
      const forwards: Forward[] = [];
      for (const sandbox of made) {
        const tunnels = await sandbox.tunnels();
        forwards.push({ sandbox: sandbox.name, tunnel: tunnels[ECHO_PORTS.unencrypted] }, { sandbox: sandbox.name, tunnel: tunnels[ECHO_PORTS.encrypted] });
      }
      await Promise.all(forwards.map((f) => untilEchoing(f, ca)));
      for (const e of await concurrentExchanges(forwards, CONNECTIONS, ca)) {
        connections.ours.push(e.ms);
        bytesChecked += e.bytes;
      }
      for (const forward of forwards) {
        const e = await exchange(forward, randomInt(16 * 1024, 256 * 1024 + 1), ca);
        connections.baseline.push(e.ms);
        bytesChecked += e.bytes;
      }

      mark('terminate');
      await Promise.all(
        made.map(async (sandbox) => {
          await sandbox.terminate();
          live.delete(sandbox);
        }),
      );
      roundMarks.push({ createdAt, terminatedAt: Date.now() });
      mark('settle');
      await sleep(SETTLE_MS);
    }
    mark('after');
    await sleep(1000);

    // The extension host's samples, by phase.
    writeFileSync(stopFile, '');
    statusStop = true;
    await Promise.all([listing.stop(), statusLoop]);
    const stopping = Date.now();
    const probeLine = await Promise.race([probe, sleep(30_000).then(() => undefined)]);
    if (withVscode) ctx.log(`  load: the probe stopped ${Date.now() - stopping} ms after asked`);
    if (withVscode && probeError) throw new Error(`the extension host probe failed: ${probeError}`);
    const entries = probeEntries(seenFile).filter((e) => e.what === 'refresh');
    const byPhase = <T extends { at: number }>(items: T[], value: (item: T) => number) => {
      const out: Record<string, number[]> = {};
      for (const item of items) (out[phaseAt(marks, item.at)] ??= []).push(value(item));
      return out;
    };
    const inLoad = <T extends { at: number }>(items: T[]) => items.filter((item) => LOAD_PHASES.has(phaseAt(marks, item.at)));
    const inIdle = <T extends { at: number }>(items: T[]) => items.filter((item) => phaseAt(marks, item.at) === 'idle');
    const lags = ((probeLine?.lags as [number, number][] | undefined) ?? []).map(([at, lag]) => ({ at, lag }));

    // Memory: before the load (idle), its peak, after everything was terminated.
    memory.stop();
    const firstCreate = marks.find((m) => m.phase === 'create')!.at;
    const lastBefore = <T extends { at: number }>(items: T[], at: number) => [...items].reverse().find((item) => item.at <= at);
    const peak = (values: (number | null | undefined)[]) => Math.max(...values.filter((v): v is number => typeof v === 'number'));
    const mib = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? round(v / MiB) : null);
    const loadMemory = memory.samples.filter((s) => s.at >= firstCreate);
    const hostRss = entries.map((e) => ({ at: e.at, rss: e.rss ?? null }));
    const memoryMiB = {
      client: { before: mib(lastBefore(memory.samples, firstCreate)?.self), peak: mib(peak(loadMemory.map((s) => s.self))), after: mib(memory.samples.at(-1)?.self) },
      clientHeapUsed: { before: mib(lastBefore(memory.samples, firstCreate)?.heap), peak: mib(peak(loadMemory.map((s) => s.heap))), after: mib(memory.samples.at(-1)?.heap) },
      dockerd: { before: mib(lastBefore(memory.samples, firstCreate)?.dockerd), peak: mib(peak(loadMemory.map((s) => s.dockerd))), after: mib(memory.samples.at(-1)?.dockerd) },
      extensionHost: withVscode
        ? { before: mib(lastBefore(hostRss, firstCreate)?.rss), peak: mib(peak(hostRss.filter((s) => s.at >= firstCreate).map((s) => s.rss))), after: mib(hostRss.at(-1)?.rss) }
        : null,
    };

    // The status bar: from all 20 created until it counts them, from all terminated until it no longer
    // does. It counts every running sandbox on the engine: other clients' (how many the tree listed
    // at its latest refresh before the read) are taken off. A read's time is when it returned.
    const othersAt = (at: number) => {
      const e = lastBefore(entries, at);
      return e ? (e.allRunning ?? 0) - (e.running ?? 0) : 0;
    };
    const statusLag = roundMarks.map(({ createdAt, terminatedAt }) => {
      const shown = status.find((s) => s.at >= createdAt && s.count - othersAt(s.at) >= SANDBOXES);
      const gone = status.find((s) => s.at >= terminatedAt && s.count - othersAt(s.at) <= 0);
      return { appearMs: shown ? shown.at - createdAt : null, goneMs: gone ? gone.at - terminatedAt : null };
    });
    const treeSawAll = roundMarks.map(({ createdAt, terminatedAt }) => entries.some((e) => e.at >= createdAt - 2000 && e.at <= terminatedAt && (e.running ?? 0) >= SANDBOXES));

    const common = { sandboxes: SANDBOXES, rounds, memoryMiB };
    const results: BenchResult[] = [
      result(
        'load-create',
        { ours: `${SANDBOXES} client.create() started together, each until it returned`, baseline: 'one client.create() alone (same spec), one at a time' },
        { ours: concurrent, baseline: alone },
        null,
        {
          tails: [95],
          extra: {
            ...common,
            batchMs: batchMs.map((v) => round(v)),
            spec: 'echo server on 7000 (unencrypted) and 7001 (encrypted), policy open/blocked/allowlist in turn, default limits',
          },
        },
      ),
      result(
        'load-connections',
        {
          ours: `${CONNECTIONS} connections at once over the ${2 * SANDBOXES} forwards, connect to last byte echoed and checked`,
          baseline: 'one connection at a time, once over each forward',
        },
        connections,
        null,
        { tails: [95], extra: { payloadBytes: '16-256 KiB random', mibChecked: round(bytesChecked / MiB) } },
      ),
    ];
    if (withVscode) {
      const load = inLoad(entries).map((e) => e.ms!);
      const idle = inIdle(entries).map((e) => e.ms!);
      if (!load.length || !idle.length) throw new Error(`the probe refreshed ${idle.length} times before the load and ${load.length} during it`);
      results.push(
        result(
          'load-tree-refresh',
          {
            ours: `Sandboxes view refresh + tree read (extension host) while ${SANDBOXES} sandboxes are created, carry ${CONNECTIONS} connections and are terminated`,
            baseline: 'the same refresh before the load',
          },
          { ours: load, baseline: idle },
          null,
          {
            tails: [95],
            extra: {
              byPhaseMs: Object.fromEntries(Object.entries(byPhase(entries, (e) => e.ms!)).map(([k, v]) => [k, stats(v)])),
              eventLoopLagMs: { idle: stats(inIdle(lags).map((l) => l.lag)), load: stats(inLoad(lags).map((l) => l.lag)) },
              statusBarLagMs: statusLag,
              statusBarReadMs: stats(status.map((s) => s.ms)),
              treeListedAllRunning: treeSawAll,
              sandboxesListedMax: Math.max(...entries.map((e) => e.all ?? 0)),
            },
          },
        ),
      );
    }
    const listed = { ours: inLoad(listing.samples).map((s) => s.ms), baseline: inIdle(listing.samples).map((s) => s.ms) };
    results.push(
      result(
        'load-listing',
        { ours: `client.listInfo() (engine level, this process) while ${SANDBOXES} sandboxes are created, used and terminated`, baseline: 'the same listing before the load' },
        listed,
        null,
        { tails: [95], extra: { byPhaseMs: Object.fromEntries(Object.entries(byPhase(listing.samples, (s) => s.ms)).map(([k, v]) => [k, stats(v)])) } },
      ),
    );
    return results;
  } finally {
    memory.stop();
    await listing.stop();
    statusStop = true;
    await statusLoop;
    writeFileSync(stopFile, '');
    await Promise.all([...live].map((sandbox) => sandbox.terminate().catch(() => undefined)));
    await Promise.race([probe, sleep(10_000)]);
    await session?.close();
    await client.close();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function probeEntries(file: string): ProbeEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeEntry);
}
