/**
 * Benchmark runner: `node --import tsx bench/run.ts [name...] [--check]` (`npm run bench`).
 * Names: create, exec, policy-apply, policy-overhead, tunnels, terminal, activation, tree, bundle, remote,
 * settings-apply, files, tree-events, load, port-detect, domain, agent-tool-overhead, mcp-roundtrip, create-pooled, create-pooled-copy, fork (default: all). Prints a table and writes bench/results/latest.json.
 * Each benchmark compares the engine or the extension with a baseline measured in the same run,
 * interleaved; the result is a ratio (targets the issues set in absolute units say so). `--check` exits 1 when a target is missed.
 *
 * Environment: SANDBOXES_BENCH_IMAGE (default sandboxes-test/base:bookworm-2, must be local:
 * nothing is pulled), BENCH_CREATE_N (default 15, at least 10), BENCH_EXEC_N (default 40, at least 30),
 * BENCH_POLICY_N (default 30, at least 20), BENCH_OVERHEAD_N (default 300, at least 200),
 * BENCH_TUNNEL_N (default 400, at least 300), BENCH_TUNNEL_BULK_N (default 15, at least 10),
 * BENCH_TUNNEL_SECONDS (default 3, at least 1), BENCH_SETTINGS_N (default 16, at least 8),
 * BENCH_FILES_COPY_N (default 8, at least 5), BENCH_FILES_READ_N (default 20, at least 10),
 * BENCH_TREE_EVENTS_N (default 10, at least 6), BENCH_LOAD_ROUNDS (default 2, at least 1),
 * BENCH_LOAD_ALONE_N (default 8, at least 3), BENCH_LOAD_VSCODE=0 (load without the extension host),
 * BENCH_PORTS_N (default 15, at least 8), BENCH_PORTS_IDLE_SECONDS (default 20, at least 5),
 * BENCH_DOMAIN_N (default 150, at least 50).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { resolveEndpoint } from '../src/core/docker';
import { agentToolOverheadBench, mcpRoundTripBench } from './agents.bench';
import { createBench } from './create.bench';
import { domainBench } from './domain.bench';
import { createPooledBench } from './create-pooled.bench';
import { createPooledCopyBench } from './create-pooled-copy.bench';
import { forkBench } from './fork.bench';
import { execBench } from './exec.bench';
import { filesBench } from './files.bench';
import { loadBench } from './load.bench';
import { policyApplyBench } from './policy-apply.bench';
import { policyOverheadBench } from './policy-overhead.bench';
import { portDetectBench } from './port-detect.bench';
import { remoteBench } from './remote.bench';
import { terminalBench } from './terminal.bench';
import { tunnelsBench } from './tunnels.bench';
import { activationBench, bundleBench, settingsApplyBench, treeBench, treeEventsBench } from './vscode.bench';
import { installSignalHandlers, Interrupted, newRunId, removeRunContainers, runCommand } from './lib/cleanup';
import { DEFAULT_IMAGE, type BenchContext, type BenchResult } from './lib/harness';

/** A benchmark gives one result row, or several (one per measured path or quantity). */
const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<BenchResult | BenchResult[]>> = {
  create: createBench,
  exec: execBench,
  'policy-apply': policyApplyBench,
  'policy-overhead': policyOverheadBench,
  tunnels: tunnelsBench,
  terminal: terminalBench,
  activation: activationBench,
  tree: treeBench,
  bundle: bundleBench,
  files: filesBench,
  'settings-apply': settingsApplyBench,
  'tree-events': treeEventsBench,
  load: loadBench,
  'port-detect': portDetectBench,
  remote: remoteBench,
  domain: domainBench,
  'agent-tool-overhead': agentToolOverheadBench,
  'mcp-roundtrip': mcpRoundTripBench,
  'create-pooled': createPooledBench,
  'create-pooled-copy': createPooledCopyBench,
  fork: forkBench,
};

const IMAGE = process.env.SANDBOXES_BENCH_IMAGE || DEFAULT_IMAGE;
const RESULTS = path.join(__dirname, 'results', 'latest.json');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function machine(docker: Docker): Promise<Record<string, unknown>> {
  const [version, info] = await Promise.all([docker.version(), docker.info()]);
  const runsc = (info.Runtimes as Record<string, { path?: string; runtimeArgs?: string[] }> | undefined)?.runsc;
  let runscVersion = 'unknown';
  try {
    const out = await runCommand(runsc?.path ?? 'runsc', ['--version']);
    runscVersion =
      out.stdout
        .split('\n')[0]
        .replace(/^runsc version\s*/, '')
        .trim() || runscVersion;
  } catch {
    /* not on this machine's PATH (remote engine): leave unknown */
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    /* keep uname */
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName,
    kernel: os.release(),
    node: process.version,
    docker: version.Version,
    dockerApi: version.ApiVersion,
    runsc: runscVersion,
    runscArgs: runsc?.runtimeArgs ?? [],
    runscRegistered: runsc !== undefined,
  };
}

/** Which engine was measured: the commit, and whether src/ differs from it (work in progress). */
async function engineRevision(): Promise<Record<string, unknown>> {
  const root = path.join(__dirname, '..');
  try {
    const head = await runCommand('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
    const dirty = await runCommand('git', ['-C', root, 'status', '--porcelain', '--', 'src']);
    if (head.code !== 0) return { commit: 'unknown' };
    return {
      commit: head.stdout.trim(),
      srcModified: dirty.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3)),
    };
  } catch {
    return { commit: 'unknown' };
  }
}

function fmt(value: number | undefined, unit: string): string {
  return value === undefined ? '' : `${value.toFixed(1)} ${unit}`;
}

/** The slow end: p90 (and p99 where measured) of times, p10 of throughputs. */
function tail(s: BenchResult['ours'], unit: string): string {
  if (unit === 'MiB/s') return s.p10 === undefined ? `p90 ${fmt(s.p90, unit)}` : `p10 ${fmt(s.p10, unit)}`;
  if (s.p95 !== undefined) return `p95 ${fmt(s.p95, unit)}`;
  return s.p99 === undefined ? `p90 ${fmt(s.p90, unit)}` : `p90 ${s.p90.toFixed(1)} / p99 ${fmt(s.p99, unit)}`;
}

function table(results: BenchResult[]): string {
  const rows = [
    ['benchmark', 'ours median', 'ours tail', 'n', 'baseline median', 'baseline tail', 'n', 'ratio', 'target', 'met'],
    ...results.map((r) => [
      r.name,
      fmt(r.ours.median, r.unit),
      tail(r.ours, r.unit),
      String(r.ours.n),
      fmt(r.baseline.median, r.unit),
      tail(r.baseline, r.unit),
      String(r.baseline.n),
      `${r.ratio.toFixed(3)}×`,
      r.target?.text ?? '(reported only)',
      r.met === null ? '–' : r.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 || i === 8 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    log(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : Object.keys(BENCHMARKS);

  const docker = new Docker(resolveEndpoint(undefined).options);
  const runId = newRunId();
  try {
    await docker.getImage(IMAGE).inspect();
  } catch {
    log(
      `image ${IMAGE} is not on this Docker engine and the benchmarks never pull: build it (scripts/build-test-images.sh) or set SANDBOXES_BENCH_IMAGE to a local image with /bin/sh and echo (create, exec, policy-apply), python3 (policy-overhead, tunnels) and nghttpd (tunnels).`,
    );
    return 2;
  }
  const env = await machine(docker);
  const engine = await engineRevision();
  if (!env.runscRegistered) {
    log('runtime runsc is not registered with this Docker engine (docker info): run scripts/setup-host.sh first.');
    return 2;
  }
  log(
    `run ${runId}: ${selected.join(', ')}; engine ${engine.commit}${(engine.srcModified as string[] | undefined)?.length ? ' + uncommitted src changes' : ''}; on ${env.cpus} cores, ${env.os}, Docker ${env.docker} (API ${env.dockerApi}), runsc ${env.runsc} ${(env.runscArgs as string[]).join(' ')}`,
  );

  const ctx: BenchContext = { docker, runId, image: IMAGE, log };
  const uninstall = installSignalHandlers(docker, runId, log);
  const results: BenchResult[] = [];
  const errors: Array<{ name: string; error: string }> = [];
  const startedAt = new Date();
  let interrupted = false;
  try {
    for (const name of selected) {
      const started = performance.now();
      log(`${name}…`);
      try {
        results.push(...[await BENCHMARKS[name](ctx)].flat());
        log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        if (error instanceof Interrupted) {
          interrupted = true;
          break;
        }
        errors.push({ name, error: (error as Error).stack ?? String(error) });
        log(`${name} FAILED: ${(error as Error).message}`);
      }
    }
  } finally {
    const leftovers = await removeRunContainers(docker, runId);
    if (leftovers) log(`removed ${leftovers} leftover container(s) of run ${runId}`);
    uninstall();
  }
  if (interrupted) {
    log('interrupted: no results written');
    return 130;
  }

  if (results.length) console.log(`\n${table(results)}\n`);
  const report = {
    runId,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    image: IMAGE,
    machine: env,
    engine,
    results,
    errors,
  };
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
  if (errors.length) return 1;
  if (check && results.some((r) => r.met === false)) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
