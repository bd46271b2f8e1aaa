/**
 * `create-pooled` (issue #16): create → first command output from a warm pool, against today's
 * cold create and the bare CLI, interleaved in one run.
 *   pooled:   client.create(spec) claiming from a pool of 1 (refilled, untimed, before each
 *             sample) + sandbox.run(['echo', 'ready']);
 *   cold:     the same from a client with no pool, for a spec no pool serves (another tag);
 *   cli:      `docker run -d --runtime runsc …` + `docker exec ID echo ready` (create.bench.ts).
 * Copy-mode specs (copied in at claim) are measured by create-pooled-copy.bench.ts.
 * Targets: pooled median < 150 ms and ≤ 0.35× the CLI. Also reported: where the pooled time goes
 * (claim vs first command), the memory and CPU of an idle pool of 1 and 3 (sandbox and guard
 * cgroups, from Docker's stats), and the time a pool takes to refill one member.
 */
import type Docker from 'dockerode';
import { connect, type SandboxSpec } from '../src/core';
import { baselineRunArgs } from './create.bench';
import { engineTags, removeContainer, runChecked } from './lib/cleanup';
import { intFromEnv, interleaveMany, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { median, round } from './lib/stats';

const SETTLE_MS = 250;

/** Memory (MiB) and CPU (% of one core over `ms`) of a set of containers, from Docker's stats. */
async function usage(docker: Docker, ids: string[], ms: number): Promise<{ memoryMiB: number; cpuPercent: number }> {
  const cpu = async () => {
    let total = 0;
    for (const id of ids)
      total += ((await docker.getContainer(id).stats({ stream: false })) as { cpu_stats: { cpu_usage: { total_usage: number } } }).cpu_stats.cpu_usage.total_usage;
    return total;
  };
  const before = await cpu();
  const started = performance.now();
  await sleep(ms);
  const after = await cpu();
  let memory = 0;
  for (const id of ids) {
    const s = (await docker.getContainer(id).stats({ stream: false })) as { memory_stats: { usage?: number; stats?: { cache?: number; inactive_file?: number } } };
    memory += (s.memory_stats.usage ?? 0) - (s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0);
  }
  return { memoryMiB: round(memory / 2 ** 20, 1), cpuPercent: round(((after - before) / 1e6 / (performance.now() - started)) * 100, 2) };
}

async function poolContainers(docker: Docker, tags: Record<string, string>): Promise<string[]> {
  const filters = Object.entries(tags).map(([k, v]) => `sandboxes.tag.${k}=${v}`);
  return (await docker.listContainers({ filters: { label: ['sandboxes.pool=true', ...filters] } }))
    .filter((c) => c.Names.some((n) => n.startsWith('/sandboxes-pool-') || n.startsWith('/sandboxes-guard-')))
    .map((c) => c.Id);
}

export async function createPooledBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_POOL_N', 12, 8);
  const pooledSpec: SandboxSpec = { image: ctx.image, tags: { ...engineTags(ctx.runId), path: 'pooled' } };
  const coldSpec: SandboxSpec = { image: ctx.image, tags: { ...engineTags(ctx.runId), path: 'cold' } };
  // Room for the idle pool of 3 default sandboxes (2048 MiB each) measured below.
  const pooledClient = connect({ poolMemoryBudgetMiB: 8192 });
  const coldClient = connect();
  const claimMs: number[] = [];
  const firstCommandMs: number[] = [];
  try {
    await pooledClient.warm(pooledSpec, 1);
    const engine = (client: typeof pooledClient, spec: SandboxSpec, split: boolean, fill?: SandboxSpec) => async (): Promise<number> => {
      if (fill) await pooledClient.warm(fill, 1); // untimed: the pool is full, as between a person's clicks
      const started = performance.now();
      const sandbox = await client.create(spec);
      const claimed = performance.now();
      try {
        const out = await sandbox.run(['echo', 'ready']);
        const ms = performance.now() - started;
        if (out.exitCode !== 0 || out.stdout !== 'ready\n')
          throw new Error(`echo ready gave exit ${out.exitCode}, stdout ${JSON.stringify(out.stdout)}, stderr ${JSON.stringify(out.stderr)}`);
        if (split) {
          claimMs.push(claimed - started);
          firstCommandMs.push(performance.now() - claimed);
        }
        return ms;
      } finally {
        await sandbox.terminate();
      }
    };
    const cli = async (): Promise<number> => {
      let id: string | undefined;
      try {
        const started = performance.now();
        id = (await runChecked('docker', baselineRunArgs(ctx.image, ctx.runId))).stdout.trim();
        const out = await runChecked('docker', ['exec', id, 'echo', 'ready']);
        const ms = performance.now() - started;
        if (out.stdout !== 'ready\n') throw new Error(`CLI: docker exec echo ready gave stdout ${JSON.stringify(out.stdout)}`);
        return ms;
      } finally {
        if (id) await removeContainer(ctx.docker, id);
      }
    };
    const warmup = 1;
    const samples = await interleaveMany({
      warmup,
      n,
      sides: {
        pooled: engine(pooledClient, pooledSpec, true, pooledSpec),
        cold: engine(coldClient, coldSpec, false),
        cli,
      },
      between: () => sleep(SETTLE_MS),
      log: ctx.log,
      label: 'create-pooled',
    });

    // Refill: from a claim until the pool has its member back (the claim itself untimed).
    const refillMs: number[] = [];
    for (let i = 0; i < 4; i++) {
      await pooledClient.warm(pooledSpec, 1);
      const sandbox = await pooledClient.create(pooledSpec);
      const started = performance.now();
      for (let j = 0; j < 300; j++) {
        if ((await pooledClient.poolStatus())[0]?.ready === 1) break;
        await sleep(20);
      }
      refillMs.push(performance.now() - started);
      await sandbox.terminate();
    }

    // Idle cost: a pool of 1, then 3 (sandboxes and their guards), over 5 s each.
    const cost: Record<string, unknown> = {};
    for (const size of [1, 3]) {
      await pooledClient.warm(pooledSpec, size);
      await sleep(2000);
      const ids = await poolContainers(ctx.docker, pooledSpec.tags!);
      cost[`pool${size}`] = { containers: ids.length, ...(await usage(ctx.docker, ids, 5000)) };
    }
    await pooledClient.warm(pooledSpec, 0);

    const extra = {
      pooledBreakdownMedianMs: { claim: round(median(claimMs.slice(warmup))), firstCommand: round(median(firstCommandMs.slice(warmup))) },
      refillMedianMs: round(median(refillMs)),
      refillSamplesMs: refillMs.map((v) => round(v)),
      idlePoolCost: cost,
    };
    return [
      result(
        'create-pooled-vs-cli',
        { ours: 'warm pool: client.create() + sandbox.run(["echo","ready"])', baseline: 'docker run -d --runtime runsc … + docker exec ID echo ready (CLI)' },
        { ours: samples.pooled, baseline: samples.cli },
        { op: '<=', ratio: 0.35, text: 'pooled ≤ 0.35× CLI' },
        { extra },
      ),
      result(
        'create-pooled-absolute',
        { ours: 'warm pool: client.create() + sandbox.run(["echo","ready"])', baseline: 'cold: client.create() + sandbox.run(["echo","ready"]), no pool' },
        { ours: samples.pooled, baseline: samples.cold },
        { op: '<', on: 'ours.median', value: 150, text: 'pooled median < 150 ms' },
        { extra },
      ),
      result(
        'create-cold-vs-cli',
        { ours: 'cold: client.create() + sandbox.run(["echo","ready"]), no pool', baseline: 'docker run -d --runtime runsc … + docker exec ID echo ready (CLI)' },
        { ours: samples.cold, baseline: samples.cli },
        null,
      ),
    ];
  } finally {
    await Promise.all([pooledClient.close(), coldClient.close()]);
  }
}
