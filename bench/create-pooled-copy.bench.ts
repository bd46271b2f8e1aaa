/**
 * `create-pooled-copy` (issue #16): create → first command reading the workspace, for a copy-mode
 * spec (the VS Code default), from a warm pool against a cold create, interleaved in one run.
 *   pooled-copy: client.create(spec) claiming from a pool of 1 (refilled, untimed, before each
 *                sample); the workspace goes in at claim through the running sandbox, hashed for
 *                Review Sandbox Changes (pool/copyAtClaim.ts);
 *   cold-copy:   the same from a client with no pool: the workspace goes in before start.
 * The workspace is made here: 20 folders of 10 files of 10 KiB (2 MiB). The first command reads
 * the last file. Reported (no target of its own: the issue asks to measure both ways and choose).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type SandboxSpec } from '../src/core';
import { engineTags } from './lib/cleanup';
import { intFromEnv, interleaveMany, result, sleep, type BenchContext, type BenchResult } from './lib/harness';

const SETTLE_MS = 250;

export async function createPooledCopyBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_POOL_N', 10, 6);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-bench-copy-'));
  for (let d = 0; d < 20; d++) {
    fs.mkdirSync(path.join(folder, `d${d}`));
    for (let f = 0; f < 10; f++) fs.writeFileSync(path.join(folder, `d${d}`, `f${f}.txt`), Buffer.alloc(10 * 1024, 97 + (f % 26)));
  }
  const mounts = [{ source: folder, mode: 'copy' as const, target: '/workspace' }];
  const pooledSpec: SandboxSpec = { image: ctx.image, mounts, workdir: '/workspace', tags: { ...engineTags(ctx.runId), path: 'pooled-copy' } };
  const coldSpec: SandboxSpec = { image: ctx.image, mounts, workdir: '/workspace', tags: { ...engineTags(ctx.runId), path: 'cold-copy' } };
  const pooledClient = connect();
  const coldClient = connect();
  try {
    await pooledClient.warm(pooledSpec, 1);
    const side = (client: typeof pooledClient, spec: SandboxSpec, fill: boolean) => async (): Promise<number> => {
      if (fill) await pooledClient.warm(spec, 1); // untimed: the pool is full, as between a person's clicks
      const started = performance.now();
      const sandbox = await client.create(spec);
      try {
        const out = await sandbox.run(['sh', '-c', 'cat d19/f9.txt >/dev/null && echo ready']);
        const ms = performance.now() - started;
        if (out.exitCode !== 0 || out.stdout !== 'ready\n')
          throw new Error(`reading the copy gave exit ${out.exitCode}, stdout ${JSON.stringify(out.stdout)}, stderr ${JSON.stringify(out.stderr)}`);
        // The copy's review baseline was recorded: nothing changed yet.
        if ((await sandbox.changes()).length !== 0) throw new Error('the copy has no review baseline');
        return ms;
      } finally {
        await sandbox.terminate();
      }
    };
    const samples = await interleaveMany({
      warmup: 1,
      n,
      sides: { pooled: side(pooledClient, pooledSpec, true), cold: side(coldClient, coldSpec, false) },
      between: () => sleep(SETTLE_MS),
      log: ctx.log,
      label: 'create-pooled-copy',
    });
    await pooledClient.warm(pooledSpec, 0);
    return [
      result(
        'create-pooled-copy',
        {
          ours: 'warm pool, copy at claim: client.create() + reading the last copied file',
          baseline: 'cold, copy before start: client.create() + reading the last copied file',
        },
        { ours: samples.pooled, baseline: samples.cold },
        null,
      ),
    ];
  } finally {
    await Promise.all([pooledClient.close(), coldClient.close()]);
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
