/**
 * "Warm exec round trip": one running sandbox, a trivial command run to completion.
 *   ours:     sandbox.run(['true']) until it resolves with exit code 0;
 *   baseline: `docker exec <container id> true` through the docker CLI (child_process) until it exits.
 * Both run against the same container, interleaved.
 */
import { connect, type Sandbox } from '../src/core';
import { engineTags, runChecked } from './lib/cleanup';
import { intFromEnv, interleave, result, type BenchContext, type BenchResult } from './lib/harness';
import { createWithGuard } from './lib/sandboxes';

export async function execBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_EXEC_N', 40, 30);
  const client = connect();
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await createWithGuard(client, { image: ctx.image, tags: engineTags(ctx.runId) }, ctx.log);
    const target = sandbox;
    const ours = async (): Promise<number> => {
      const started = performance.now();
      const out = await target.run(['true']);
      const ms = performance.now() - started;
      if (out.exitCode !== 0) throw new Error(`engine: true exited ${out.exitCode}: ${out.stderr}`);
      return ms;
    };
    const baseline = async (): Promise<number> => {
      const started = performance.now();
      await runChecked('docker', ['exec', target.containerId, 'true']);
      return performance.now() - started;
    };
    const samples = await interleave({ warmup: 3, n, ours, baseline, log: ctx.log, label: 'exec' });
    return result('warm-exec-round-trip', { ours: 'sandbox.run(["true"])', baseline: 'docker exec ID true (CLI)' }, samples, {
      op: '<',
      ratio: 1,
      text: 'ours faster than CLI',
    });
  } finally {
    await sandbox?.terminate();
    await client.close();
  }
}
