/**
 * "Create to first exec output": from asking for a sandbox to holding the output of a first
 * command in it.
 *   ours:       client.create({image, tags}) then sandbox.run(['echo', 'ready']) until it resolves
 *               with stdout "ready\n" (output and exit code both in hand);
 *   baseline:   the docker CLI through child_process: `docker run -d --runtime runsc …` with the
 *               engine's keep-alive command, then `docker exec ID echo ready` until it exits;
 *   cli-guard:  the docker CLI doing the same isolation as the engine (second baseline, added
 *               because ours misses ≤ 1.1× against the plain CLI since the network guard):
 *               `docker run -d --runtime runc` a guard with NET_ADMIN on the engine's user network,
 *               `docker exec GUARD sh -c '… | iptables-restore; … | ip6tables-restore'` with the
 *               engine's own open-policy ruleset, `docker run -d --runtime runsc --network
 *               container:GUARD …`, then `docker exec ID echo ready`.
 * The three run in turn (ours, baseline, cli-guard, ours, …). Each container is removed right
 * after its sample, outside the timed part.
 */
import { connect, type Sandbox } from '../src/core';
import { ensureNetwork, type NetworkInfo } from '../src/core/network/guard';
import { OPEN_POLICY, renderRules } from '../src/core/network/policy';
import { KEEP_ALIVE_COMMAND } from '../src/core/spec';
import { baselineLabelArgs, engineTags, removeContainer, runChecked } from './lib/cleanup';
import { intFromEnv, interleaveMany, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { isGuardKilled } from './lib/sandboxes';
import { median, round } from './lib/stats';

/** Untimed pause after each removal, so a runsc teardown finishing late does not land in the next sample. */
const SETTLE_MS = 250;
/** The engine's default guard image (ConnectOptions.guardImage). */
const GUARD_IMAGE = 'sandboxes/guard:2';

/**
 * The CLI twin of the container the engine creates (see SandboxClient.create): same runtime,
 * image, reset entrypoint, keep-alive command, dropped NET_RAW and no-new-privileges.
 */
export function baselineRunArgs(image: string, runId: string): string[] {
  return [
    'run',
    '-d',
    '--runtime',
    'runsc',
    ...baselineLabelArgs(runId),
    '--cap-drop',
    'NET_RAW',
    '--security-opt',
    'no-new-privileges',
    '--entrypoint',
    '',
    image,
    ...KEEP_ALIVE_COMMAND,
  ];
}

/** The CLI twin of the engine's guard (network/guard.ts createGuard): runc, NET_ADMIN only, same limits. */
export function cliGuardRunArgs(runId: string, network: string): string[] {
  return [
    'run',
    '-d',
    '--runtime',
    'runc',
    '--network',
    network,
    ...baselineLabelArgs(runId),
    '--cap-drop',
    'ALL',
    '--cap-add',
    'NET_ADMIN',
    '--security-opt',
    'no-new-privileges',
    '--tmpfs',
    '/run:rw,nosuid,nodev,size=1m',
    '--tmpfs',
    '/tmp:rw,nosuid,nodev,size=1m',
    '--memory',
    '64m',
    '--memory-swap',
    '64m',
    '--pids-limit',
    '64',
    '--entrypoint',
    '',
    GUARD_IMAGE,
    ...KEEP_ALIVE_COMMAND,
  ];
}

/** `docker exec` loading the engine's open-policy rules (IPv4, and IPv6 where the namespace has it). */
export function cliPolicyExecArgs(guardId: string, network: NetworkInfo): string[] {
  const rules = renderRules(OPEN_POLICY, { gatewayV4: network.gatewayV4, gatewayV6: network.gatewayV6, forwardedPorts: [], tag: 'sandboxes-bench-cli' });
  return [
    'exec',
    '-e',
    `V4=${rules.v4}`,
    '-e',
    `V6=${rules.v6}`,
    guardId,
    '/bin/sh',
    '-c',
    'printf "%s" "$V4" | iptables-restore && if [ -e /proc/net/if_inet6 ]; then printf "%s" "$V6" | ip6tables-restore; fi',
  ];
}

/** The CLI twin of the sandbox container joined to its guard (the engine also drops NET_ADMIN). */
export function cliSandboxRunArgs(image: string, runId: string, guardId: string): string[] {
  return [
    'run',
    '-d',
    '--runtime',
    'runsc',
    '--network',
    `container:${guardId}`,
    ...baselineLabelArgs(runId),
    '--cap-drop',
    'NET_RAW',
    '--cap-drop',
    'NET_ADMIN',
    '--security-opt',
    'no-new-privileges',
    '--entrypoint',
    '',
    image,
    ...KEEP_ALIVE_COMMAND,
  ];
}

const GUARD_KILLED_RETRIES = 3;

export async function createBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_CREATE_N', 15, 10);
  const client = connect();
  try {
    const network = await ensureNetwork(ctx.docker);
    let guardKilled = 0;
    const ours = async (): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        let sandbox: Sandbox | undefined;
        try {
          const started = performance.now();
          sandbox = await client.create({ image: ctx.image, tags: engineTags(ctx.runId) });
          const out = await sandbox.run(['echo', 'ready']);
          const ms = performance.now() - started;
          if (out.exitCode !== 0 || out.stdout !== 'ready\n')
            throw new Error(`engine: echo ready gave exit ${out.exitCode}, stdout ${JSON.stringify(out.stdout)}, stderr ${JSON.stringify(out.stderr)}`);
          return ms;
        } catch (error) {
          // Another client's listing killed the guard mid-create (lib/sandboxes.ts): not a timing.
          if (!isGuardKilled(error) || attempt > GUARD_KILLED_RETRIES) throw error;
          guardKilled++;
          ctx.log('  create: the guard was killed by a concurrent listing (engine race, fixed in ccad5d1); sample redone');
        } finally {
          await sandbox?.terminate();
        }
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
    const steps: Record<'guardRun' | 'policyExec' | 'sandboxRun' | 'echoExec', number[]> = { guardRun: [], policyExec: [], sandboxRun: [], echoExec: [] };
    const cliGuard = async (): Promise<number> => {
      let guard: string | undefined;
      let id: string | undefined;
      try {
        const started = performance.now();
        const g = await runChecked('docker', cliGuardRunArgs(ctx.runId, network.name));
        guard = g.stdout.trim();
        const p = await runChecked('docker', cliPolicyExecArgs(guard, network));
        const s = await runChecked('docker', cliSandboxRunArgs(ctx.image, ctx.runId, guard));
        id = s.stdout.trim();
        const out = await runChecked('docker', ['exec', id, 'echo', 'ready']);
        const ms = performance.now() - started;
        if (out.stdout !== 'ready\n') throw new Error(`CLI with guard: docker exec echo ready gave stdout ${JSON.stringify(out.stdout)}`);
        steps.guardRun.push(g.ms);
        steps.policyExec.push(p.ms);
        steps.sandboxRun.push(s.ms);
        steps.echoExec.push(out.ms);
        return ms;
      } finally {
        // The sandbox first, then the guard whose namespace it holds.
        if (id) await removeContainer(ctx.docker, id);
        if (guard) await removeContainer(ctx.docker, guard);
      }
    };
    const warmup = 1;
    const samples = await interleaveMany({ warmup, n, sides: { ours, baseline, cliGuard }, between: () => sleep(SETTLE_MS), log: ctx.log, label: 'create' });
    const stepMedians = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, round(median(v.slice(warmup)))]));
    const extra = { guardKilledSamplesRedone: guardKilled };
    return [
      result(
        'create-to-first-exec-output',
        {
          ours: 'client.create() + sandbox.run(["echo","ready"])',
          baseline: 'docker run -d --runtime runsc … + docker exec ID echo ready (CLI)',
        },
        { ours: samples.ours, baseline: samples.baseline },
        { op: '<=', ratio: 1.1, text: 'ours ≤ 1.1× CLI' },
        { extra },
      ),
      result(
        'create-vs-cli-same-isolation',
        {
          ours: 'client.create() + sandbox.run(["echo","ready"])',
          baseline:
            'CLI, same isolation: docker run runc guard (NET_ADMIN, sandboxes network) + docker exec iptables-restore/ip6tables-restore + docker run --runtime runsc --network container:GUARD + docker exec echo ready',
        },
        { ours: samples.ours, baseline: samples.cliGuard },
        { op: '<=', ratio: 1.1, text: 'ours ≤ 1.1× CLI (same isolation)' },
        { extra: { ...extra, cliStepMediansMs: stepMedians } },
      ),
    ];
  } finally {
    await client.close();
  }
}
