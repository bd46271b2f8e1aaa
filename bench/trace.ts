/**
 * Where the time goes: `node --import tsx bench/trace.ts [create|exec|policy…]` (default: all)
 * runs the benchmarks' operations a few times through a logging proxy on the Docker socket and
 * prints, per path, every Docker API call with its median start offset and duration, and the
 * time spent outside API calls (CLI process start-up, client-side work). `policy` also times,
 * inside the guard, each step of loading a policy (iptables-restore, -save…). Diagnostic only:
 * no targets, nothing written. TRACE_N (default 5) samples per path after one warm-up; same
 * image and cleanup as run.ts.
 */
import Docker from 'dockerode';
import { connect, type Sandbox } from '../src/core';
import { resolveEndpoint } from '../src/core/docker';
import { baselineRunArgs } from './create.bench';
import { bareExec, guardOf, POLICY_CYCLE } from './policy-apply.bench';
import { ensureNetwork } from '../src/core/network/guard';
import { renderRules } from '../src/core/network/policy';
import { checkInterrupted, engineTags, installSignalHandlers, Interrupted, newRunId, removeContainer, removeRunContainers, runChecked } from './lib/cleanup';
import { DEFAULT_IMAGE, intFromEnv, sleep, type BenchContext } from './lib/harness';
import { createWithGuard, isGuardKilled } from './lib/sandboxes';
import { median, round } from './lib/stats';
import { normalizePath, TraceProxy, type TracedCall } from './lib/traceProxy';

const IMAGE = process.env.SANDBOXES_BENCH_IMAGE || DEFAULT_IMAGE;
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
      // Clipped to the sample: a stream the engine lets go of (the guard's attach) may close later.
      intervals.push([c.tReq, Math.min(end, c.t0 + t.total)]);
    }
    outside.push(t.total - union(intervals));
  }
  const total = median(traces.map((t) => t.total));
  log(`\n${name}: median ${round(total)} ms over ${traces.length} samples; outside Docker API calls: ${round(median(outside))} ms`);
  log(`  ${'call'.padEnd(44)} ${'in'.padStart(5)}  ${'starts at'.padStart(9)}  ${'takes'.padStart(8)}  first output`);
  const sorted = [...rows.entries()].sort((a, b) => median(a[1].start) - median(b[1].start));
  for (const [key, row] of sorted) {
    const first = row.first.length ? `${round(median(row.first))} ms` : '';
    log(
      `  ${key.padEnd(44)} ${`${row.start.length}/${traces.length}`.padStart(5)}  ${`${round(median(row.start))} ms`.padStart(9)}  ${`${round(median(row.dur))} ms`.padStart(8)}  ${first}`,
    );
  }
}

/**
 * Each step of the guard's policy load (network/guard.ts APPLY), timed inside the guard with
 * `date +%s%N`: the rules the engine renders for `input`, loaded for real (they are the
 * benchmark sandbox's own), the state written to /tmp (not over the engine's record).
 */
async function guardSteps(ctx: BenchContext, guard: string, rounds: number): Promise<void> {
  const network = await ensureNetwork(ctx.docker);
  const script = [
    't() { date +%s%N; }',
    'a=$(t); printf "%s" "$RULES_V4" | iptables-restore; b=$(t)',
    'if [ -e /proc/net/if_inet6 ]; then printf "%s" "$RULES_V6" | ip6tables-restore; fi; c=$(t)',
    'iptables-save -t filter | grep -qF -- "$TAG"; d=$(t)',
    'if [ -e /proc/net/if_inet6 ]; then ip6tables-save -t filter | grep -qF -- "$TAG"; fi; e=$(t)',
    'printf "%s" "$TAG" > /tmp/bench-state; f=$(t)',
    'echo "$a $b $c $d $e $f"',
  ].join('\n');
  const names = ['iptables-restore', 'ip6tables-restore', 'iptables-save | grep', 'ip6tables-save | grep', 'write state'];
  const steps: number[][] = names.map(() => []);
  const totals: number[] = [];
  for (let i = 0; i <= rounds; i++) {
    const step = POLICY_CYCLE[i % POLICY_CYCLE.length];
    const tag = `sandboxes-policy-trace${i}`;
    const rules = renderRules(
      { blockNetwork: step.input.blockNetwork === true, cidrAllowlist: step.input.cidrAllowlist ?? [] },
      { gatewayV4: network.gatewayV4, gatewayV6: network.gatewayV6, forwardedPorts: [], tag },
    );
    const exec = await ctx.docker
      .getContainer(guard)
      .exec({ Cmd: ['/bin/sh', '-c', script], Env: [`RULES_V4=${rules.v4}`, `RULES_V6=${rules.v6}`, `TAG=${tag}`], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const out = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString('latin1')));
      stream.on('end', () => resolve(text));
    });
    const ts = (/(\d{15,} ){5}\d{15,}/.exec(out)?.[0] ?? '').split(' ').map((x) => Number(BigInt(x) / 1000n) / 1000);
    if (ts.length !== 6) throw new Error(`guard step timing gave ${JSON.stringify(out)}`);
    if (i === 0) continue;
    for (let k = 0; k < 5; k++) steps[k].push(ts[k + 1] - ts[k]);
    totals.push(ts[5] - ts[0]);
  }
  log(`\ninside the guard, the policy load's steps (${rounds} loads, cycling ${POLICY_CYCLE.map((c) => c.mode).join(' → ')}): median total ${round(median(totals))} ms`);
  names.forEach((name, k) => log(`  ${name.padEnd(24)} ${`${round(median(steps[k]))} ms`.padStart(9)}`));
}

async function main(): Promise<number> {
  const n = intFromEnv('TRACE_N', 5, 1);
  const known = ['create', 'exec', 'policy'];
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (names.some((x) => !known.includes(x))) {
    log(`unknown trace(s): ${names.filter((x) => !known.includes(x)).join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : known;
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
        let sandbox: Sandbox | undefined;
        try {
          for (;;) {
            const from = proxy.calls.length;
            const t0 = performance.now();
            try {
              sandbox = await client.create({ image: IMAGE, tags: engineTags(runId) });
            } catch (error) {
              if (!isGuardKilled(error)) throw error;
              log('  (guard killed by a concurrent listing, engine race fixed in ccad5d1: sample redone)');
              continue;
            }
            await sandbox.run(['echo', 'ready']);
            return { t0, t1: performance.now(), from };
          }
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
    {
      name: 'engine: sandbox.setNetworkPolicy (blocked → allowlist → open → …)',
      run: async () => {
        const step = POLICY_CYCLE[policyStep++ % POLICY_CYCLE.length];
        const from = proxy.calls.length;
        const t0 = performance.now();
        await warm!.setNetworkPolicy(step.input);
        return { t0, t1: performance.now(), from };
      },
    },
    {
      name: 'floor: bare exec of true in the guard (Docker API)',
      run: async () => {
        const from = proxy.calls.length;
        const t0 = performance.now();
        await bareExec({ ...ctx, docker: client.docker }, guard!); // through the proxy
        return { t0, t1: performance.now(), from };
      },
    },
  ];
  let policyStep = 0;
  let guard: string | undefined;
  const ctx: BenchContext = { docker, runId, image: IMAGE, log };

  try {
    const traces = new Map<string, Trace[]>(scenarios.map((s) => [s.name, []]));
    const collect = async (pair: Scenario[], settle: number) => {
      for (let i = 0; i <= n; i++) {
        for (const s of pair) {
          checkInterrupted();
          const { t0, t1, from } = await s.run();
          await sleep(settle);
          if (i === 0) continue; // warm-up
          traces.get(s.name)!.push({
            total: t1 - t0,
            calls: proxy
              .since(from)
              .filter((c) => c.tReq <= t1)
              .map((c) => ({ ...c, t0 })),
          });
        }
      }
    };
    if (selected.includes('create')) await collect(scenarios.slice(0, 2), 250);
    if (selected.includes('exec') || selected.includes('policy')) {
      warm = await createWithGuard(client, { image: IMAGE, tags: engineTags(runId) }, log);
      guard = await guardOf(ctx, warm);
    }
    if (selected.includes('exec')) await collect(scenarios.slice(2, 4), 0);
    if (selected.includes('policy')) await collect(scenarios.slice(4, 6), 0);
    for (const [name, t] of traces) if (t.length) report(name, t);
    if (selected.includes('policy')) await guardSteps(ctx, guard!, Math.max(n, 9));
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    throw error;
  } finally {
    await warm?.terminate().catch(() => undefined);
    await client.close();
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
