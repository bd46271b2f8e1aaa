/**
 * `fork` (issue #16): from `sandbox.fork()` to the fork's first command output, against a cold
 * `create()` of the same image to its first output, interleaved; reported, no target. The fork
 * goes through a filesystem snapshot (fork.ts); the snapshot's size is reported too.
 */
import { connect, type Sandbox } from '../src/core';
import { engineTags } from './lib/cleanup';
import { intFromEnv, interleave, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { median, round } from './lib/stats';

export async function forkBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_FORK_N', 4, 3);
  const client = connect();
  const spec = { image: ctx.image, tags: engineTags(ctx.runId) };
  const parent = await client.create(spec);
  const sizes: number[] = [];
  const refs: string[] = [];
  try {
    await parent.run(['sh', '-c', 'head -c 1048576 /dev/urandom > /root/state.bin']);
    const timed = (make: () => Promise<Sandbox>, isFork: boolean) => async () => {
      const started = performance.now();
      const sandbox = await make();
      try {
        const out = await sandbox.run(['echo', 'ready']);
        if (out.stdout !== 'ready\n') throw new Error(`echo ready gave ${JSON.stringify(out.stdout)}`);
        return performance.now() - started;
      } finally {
        const image = (await sandbox.info()).image;
        await sandbox.terminate();
        if (isFork) {
          refs.push(image);
          sizes.push((await ctx.docker.getImage(image).inspect()).Size);
          await client.removeSnapshot(image).catch(() => undefined);
        }
      }
    };
    const samples = await interleave({
      warmup: 0,
      n,
      ours: timed(() => parent.fork(), true),
      baseline: timed(() => client.create(spec), false),
      between: () => sleep(250),
      log: ctx.log,
      label: 'fork',
    });
    return result(
      'fork-to-first-output',
      { ours: 'sandbox.fork() + fork.run(["echo","ready"]) (filesystem snapshot)', baseline: 'client.create() of the same image + run(["echo","ready"])' },
      samples,
      null,
      {
        extra: {
          snapshotSizeMiBMedian: round(median(sizes) / 2 ** 20, 1),
          memoryKept: false,
          why: 'runsc checkpoint is not available with this Docker/runsc setup (docs/benchmarks.md)',
        },
      },
    );
  } finally {
    await parent.terminate();
    for (const ref of refs)
      await ctx.docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    await client.close();
  }
}
