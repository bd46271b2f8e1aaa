/**
 * "Policy apply": how long `sandbox.setNetworkPolicy(...)` takes to return on a running sandbox.
 *   ours:     setNetworkPolicy cycling blocked → allowlist(['192.0.2.0/24']) → open → blocked…,
 *             each sample a real change (the rules differ from the ones in force);
 *   baseline: the floor, a bare `true` exec'd in the same guard container through the Docker API
 *             (exec create, hijacked start, exec inspect: the engine's own exec path, src/core/exec),
 *             interleaved with ours.
 * The target is absolute (set by the issue): ours' median < 200 ms. The ratio to the floor is
 * reported beside it, to show how many exec round trips the call costs.
 */
import { connect, type NetworkPolicyInput, type Sandbox } from '../src/core';
import { startExec } from '../src/core/exec';
import { LABEL } from '../src/core/labels';
import { engineTags } from './lib/cleanup';
import { intFromEnv, interleave, result, type BenchContext, type BenchResult } from './lib/harness';
import { createWithGuard } from './lib/sandboxes';
import { median, round } from './lib/stats';

export const POLICY_CYCLE: Array<{ mode: string; input: NetworkPolicyInput }> = [
  { mode: 'blocked', input: { blockNetwork: true } },
  { mode: 'allowlist', input: { blockNetwork: false, cidrAllowlist: ['192.0.2.0/24'] } },
  { mode: 'open', input: { blockNetwork: false, cidrAllowlist: [] } },
];

/** The guard container of a sandbox (it owns the network namespace; policies are applied in it). */
export async function guardOf(ctx: BenchContext, sandbox: Sandbox): Promise<string> {
  const [guard] = await ctx.docker.listContainers({ filters: { label: [`${LABEL.id}=${sandbox.id}`, `${LABEL.role}=guard`] } });
  if (!guard) throw new Error(`sandbox ${sandbox.name} has no running guard container`);
  return guard.Id;
}

/** One bare exec of `true` through the Docker API, as the engine execs (create, start, inspect). */
export async function bareExec(ctx: BenchContext, containerId: string): Promise<number> {
  const started = performance.now();
  const proc = await startExec(ctx.docker, containerId, ['true']);
  proc.stdout.resume();
  proc.stderr.resume();
  proc.stdin.end();
  const code = await proc.wait();
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`docker exec true in ${containerId.slice(0, 12)} exited ${code}`);
  return ms;
}

export async function policyApplyBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_POLICY_N', 30, 20);
  const client = connect();
  let sandbox: Sandbox | undefined;
  try {
    // Created open; the first change (to blocked) is a warm-up.
    sandbox = await createWithGuard(client, { image: ctx.image, tags: engineTags(ctx.runId) }, ctx.log);
    const target = sandbox;
    const guard = await guardOf(ctx, sandbox);
    let next = 0;
    const modes: string[] = [];
    const ours = async (): Promise<number> => {
      const step = POLICY_CYCLE[next++ % POLICY_CYCLE.length];
      const started = performance.now();
      const state = await target.setNetworkPolicy(step.input);
      const ms = performance.now() - started;
      if (state.mode !== step.mode || !state.enforced) throw new Error(`setNetworkPolicy(${JSON.stringify(step.input)}) left mode ${state.mode} (enforced ${state.enforced})`);
      modes.push(step.mode);
      return ms;
    };
    const baseline = () => bareExec(ctx, guard);
    const warmup = 3;
    const samples = await interleave({ warmup, n, ours, baseline, log: ctx.log, label: 'policy-apply' });
    const timed = modes.slice(warmup);
    const byMode: Record<string, number> = {};
    for (const { mode } of POLICY_CYCLE) {
      byMode[mode] = round(median(samples.ours.filter((_, i) => timed[i] === mode)));
    }
    return result(
      'policy-apply',
      {
        ours: 'sandbox.setNetworkPolicy(blocked → allowlist 192.0.2.0/24 → open → …) until it returns',
        baseline: 'floor: bare exec of `true` in the guard through the Docker API (exec create + start + inspect)',
      },
      samples,
      { op: '<', on: 'ours.median', value: 200, text: 'ours median < 200 ms (absolute)' },
      { extra: { medianByTargetMode: byMode, cycle: POLICY_CYCLE.map((c) => c.mode) } },
    );
  } finally {
    await sandbox?.terminate();
    await client.close();
  }
}
