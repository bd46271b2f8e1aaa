/**
 * "Create to first exec output": from asking for a sandbox to holding the output of a first
 * command in it.
 *   ours:     client.create({image, tags}) then sandbox.run(['echo', 'ready']) until it resolves
 *             with stdout "ready\n" (output and exit code both in hand);
 *   baseline: the docker CLI through child_process: `docker run -d --runtime runsc …` with the
 *             engine's keep-alive command, then `docker exec ID echo ready` until it exits.
 * Each container is removed right after its sample, outside the timed part.
 */
import { connect, type Sandbox } from '../src/core';
import { KEEP_ALIVE_COMMAND } from '../src/core/spec';
import { baselineLabelArgs, engineTags, removeContainer, runChecked } from './lib/cleanup';
import { intFromEnv, interleave, result, sleep, type BenchContext, type BenchResult } from './lib/harness';

/** Untimed pause after each removal, so a runsc teardown finishing late does not land in the next sample. */
const SETTLE_MS = 250;

/**
 * The CLI twin of the container the engine creates (see SandboxClient.create): same runtime,
 * image, reset entrypoint, keep-alive command, dropped NET_RAW and no-new-privileges.
 */
export function baselineRunArgs(image: string, runId: string): string[] {
  return [
    'run', '-d', '--runtime', 'runsc',
    ...baselineLabelArgs(runId),
    '--cap-drop', 'NET_RAW', '--security-opt', 'no-new-privileges',
    '--entrypoint', '',
    image, ...KEEP_ALIVE_COMMAND,
  ];
}

export async function createBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_CREATE_N', 15, 10);
  const client = connect();
  try {
    const ours = async (): Promise<number> => {
      let sandbox: Sandbox | undefined;
      try {
        const started = performance.now();
        sandbox = await client.create({ image: ctx.image, tags: engineTags(ctx.runId) });
        const out = await sandbox.run(['echo', 'ready']);
        const ms = performance.now() - started;
        if (out.exitCode !== 0 || out.stdout !== 'ready\n') throw new Error(`engine: echo ready gave exit ${out.exitCode}, stdout ${JSON.stringify(out.stdout)}, stderr ${JSON.stringify(out.stderr)}`);
        return ms;
      } finally {
        await sandbox?.terminate();
      }
    };
    const baseline = async (): Promise<number> => {
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
        // A failed `docker run` may leave a container we have no id for: the run-level sweep
        // (label sandboxes.bench=<run id>) removes it.
      }
    };
    const samples = await interleave({ warmup: 1, n, ours, baseline, between: () => sleep(SETTLE_MS), log: ctx.log, label: 'create' });
    return result(
      'create-to-first-exec-output',
      {
        ours: 'client.create() + sandbox.run(["echo","ready"])',
        baseline: 'docker run -d --runtime runsc … + docker exec ID echo ready (CLI)',
      },
      samples,
      { op: '<=', ratio: 1.1, text: 'ours ≤ 1.1× CLI' },
    );
  } finally {
    client.dispose();
  }
}
