/**
 * Benchmarks in a real VS Code extension host (code-server, driven by Chromium), next to a
 * baseline measured in the same host in the same run:
 *
 *   activation  `await extension.activate()` of this extension (module load + `activate()`), timed
 *               by a probe extension with `performance.now()`, against an empty extension
 *               activated the same way. One sample of each per extension host: the page is
 *               reloaded for the next (a fresh host), the order alternating. The extension's own
 *               `activate()` time is read from its log ("Activated … in X ms").
 *   tree        50 sandboxes in the Sandboxes view: `sandboxes.refresh` (the list reloaded from
 *               Docker) then the tree read through its provider as VS Code reads it
 *               (`getChildren` + `getTreeItem` of every sandbox, `sandboxes.tree.snapshot`),
 *               against `docker ps -a` with the same label filter, spawned from the same host.
 *               The 50 are real sandbox containers with the engine's labels, created (not started):
 *               the view lists them like any other sandbox, and 50 running gVisor sandboxes would
 *               not fit on the 2-core machine beside other work.
 *   bundle      the .vsix `npm run package` builds, dist/extension.js and dist/core.js: absolute
 *               sizes, against the .vsix of the empty extension packaged the same way.
 *   settings-apply
 *               one sandbox made by Create Sandbox (so it follows the workspace's network settings):
 *               one `sandboxes.network.*` key changed in the workspace settings, timed until
 *               `sandbox.networkPolicy()` (the exported API) shows the new mode, against the
 *               engine's own `sandbox.setNetworkPolicy()` making the same change on the same
 *               sandbox, called from the same host.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABEL } from '../src/core/labels';
import { checkInterrupted, engineTags } from './lib/cleanup';
import { intFromEnv, result, sleep, type BenchContext, type BenchResult } from './lib/harness';
import { round } from './lib/stats';

const REPO = join(__dirname, '..');
const EXTENSION_ID = 'sandboxes.gvisor-sandboxes';
const EMPTY_ID = 'sandboxes-bench.empty';
const TREE_SIZE = 50;
const KB = 1024;
/** Plain .mjs helpers shared with the test runner (imported by path: they have no type declarations). */
const SCRIPTS_LIB = '../scripts/lib/';

interface Session {
  /** Reloads the page and waits for the probe's next line. */
  sample(config: Record<string, unknown>): Promise<Record<string, unknown>>;
  userDataDir: string;
  emptyVsix: string;
  close(): Promise<void>;
}

export async function activationBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_ACTIVATION_N', 10, 5);
  const session = await startSession(ctx);
  try {
    const samples = { ours: [] as number[], baseline: [] as number[] };
    const own: number[] = [];
    for (let i = 0; i < n + 1; i++) {
      checkInterrupted();
      const line = await session.sample({ mode: 'activation', order: i % 2 === 0 ? ['ours', 'empty'] : ['empty', 'ours'], ids: { ours: EXTENSION_ID, empty: EMPTY_ID } });
      const ours = line.ours as { ms: number; wasActive: boolean };
      const empty = line.empty as { ms: number; wasActive: boolean };
      if (ours.wasActive || empty.wasActive) throw new Error(`an extension was active before the probe activated it: ${JSON.stringify(line)}`);
      // The first host of the session also warms code-server's caches: discarded.
      if (i === 0) continue;
      samples.ours.push(ours.ms);
      samples.baseline.push(empty.ms);
      // The new host's log line, once it is written (a new host logs into a new folder).
      for (let wait = 0; wait < 30 && ownActivationTimes(session.userDataDir).length <= own.length + 1; wait++) await sleep(100);
      const logged = ownActivationTimes(session.userDataDir);
      if (logged.length > own.length + 1) own.push(logged.at(-1)!);
      ctx.log(`  activation ${i}/${n}: ours ${ours.ms.toFixed(1)} ms, empty ${empty.ms.toFixed(1)} ms`);
    }
    const ownSorted = [...own].sort((a, b) => a - b);
    return result(
      'activation',
      { ours: 'extension.activate() in code-server (load + activate)', baseline: 'an empty extension, activated the same way' },
      samples,
      { op: '<', on: 'ours.median', value: 50, text: 'ours < 50 ms' },
      { extra: { ownActivateMs: { median: ownSorted.length ? round(ownSorted[Math.floor(ownSorted.length / 2)]!, 2) : null, samples: own.map((v) => round(v, 2)) } } },
    );
  } finally {
    await session.close();
  }
}

export async function treeBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_TREE_N', 20, 10);
  const created: string[] = [];
  const session = await startSession(ctx);
  try {
    const now = new Date().toISOString();
    for (let i = 0; i < TREE_SIZE; i++) {
      const id = `sb-bench${ctx.runId.replace(/[^a-z0-9]/g, '').slice(-4)}${String(i).padStart(2, '0')}`.slice(0, 15);
      const container = await ctx.docker.createContainer({
        Image: ctx.image,
        name: `${ctx.runId}-tree-${i}`,
        Cmd: ['/bin/sh'],
        Labels: {
          [LABEL.managed]: 'true', [LABEL.id]: id, [LABEL.name]: `${ctx.runId}-tree-${i}`, [LABEL.createdAt]: now,
          [LABEL.runtime]: 'runsc', [LABEL.role]: 'sandbox', [LABEL.networkMode]: 'open',
          [`${LABEL.tagPrefix}bench`]: ctx.runId, 'sandboxes.bench': ctx.runId,
        },
        HostConfig: { Runtime: 'runsc', NetworkMode: 'none' },
      });
      created.push(container.id);
    }
    ctx.log(`  tree: ${TREE_SIZE} sandbox containers created`);
    const line = await session.sample({ mode: 'tree', n, warmup: 3, expect: TREE_SIZE, runId: ctx.runId });
    const samples = line.samples as { ours: number[]; baseline: number[] };
    return result(
      'tree-50-sandboxes',
      { ours: 'refresh + getChildren/getTreeItem of the Sandboxes view (extension host)', baseline: 'docker ps -a --filter label=sandboxes.managed=true (CLI, same host)' },
      samples,
      { op: '<', on: 'ours.median', value: 300, text: 'ours < 300 ms' },
      { extra: { sandboxesListed: line.listed, ratioTarget: 'reported' } },
    );
  } finally {
    await session.close();
    for (const id of created) await ctx.docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  }
}

export async function bundleBench(ctx: BenchContext): Promise<BenchResult> {
  const built = spawnSync('npm', ['run', 'package'], { cwd: REPO, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run package failed:\n${built.stdout}\n${built.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
  try {
    const emptyVsix = await packageEmpty(dir);
    const size = (file: string) => statSync(file).size / KB;
    const ours = size(join(REPO, 'dist', 'gvisor-sandboxes.vsix'));
    const baseline = size(emptyVsix);
    ctx.log(`  bundle: vsix ${ours.toFixed(0)} KiB`);
    return result(
      'vsix-size',
      { ours: 'dist/gvisor-sandboxes.vsix (npm run package)', baseline: 'an empty extension\'s .vsix' },
      { ours: [ours], baseline: [baseline] },
      { op: '<', on: 'ours.median', value: 1024, text: 'ours < 1 MiB' },
      {
        unit: 'KiB',
        extra: { extensionJsKiB: round(size(join(REPO, 'dist', 'extension.js')), 1), coreJsKiB: round(size(join(REPO, 'dist', 'core.js')), 1), reaperJsKiB: round(size(join(REPO, 'dist', 'reaper.js')), 1) },
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The workspace settings each settings-apply sample writes, one key per step as a person edits them
 * in the Settings editor, each step a change of mode: open → allowlist → blocked → allowlist → open.
 */
const SETTINGS_CYCLE: Array<{ key: 'blockNetwork' | 'cidrAllowlist'; value: boolean | string[]; mode: string }> = [
  { key: 'cidrAllowlist', value: ['192.0.2.0/24'], mode: 'allowlist' },
  { key: 'blockNetwork', value: true, mode: 'blocked' },
  { key: 'blockNetwork', value: false, mode: 'allowlist' },
  { key: 'cidrAllowlist', value: [], mode: 'open' },
];

export async function settingsApplyBench(ctx: BenchContext): Promise<BenchResult> {
  const n = intFromEnv('BENCH_SETTINGS_N', 16, 8);
  const session = await startSession(ctx);
  try {
    const line = await session.sample({ mode: 'settings-apply', n, warmup: 4, cycle: SETTINGS_CYCLE, tags: engineTags(ctx.runId) });
    const samples = line.samples as { ours: number[]; baseline: number[] };
    const lastRead = [...(line.lastReadMs as number[])].sort((a, b) => a - b);
    ctx.log(`  settings-apply: ${samples.ours.length} pairs`);
    return result(
      'settings-apply',
      {
        ours: 'a sandboxes.network.* key changed in the workspace settings (extension host) until sandbox.networkPolicy() shows the new mode',
        baseline: 'sandbox.setNetworkPolicy() making the same change on the same sandbox, until it returns (same host)',
      },
      samples,
      { op: '<', on: 'ours.median', value: 1000, text: 'ours median < 1000 ms (absolute)' },
      {
        extra: {
          cycle: SETTINGS_CYCLE.map((step) => `${step.key}=${JSON.stringify(step.value)} → ${step.mode}`),
          medianByTargetMode: line.byMode,
          // Ours ends with the read that saw the change: it took effect at most this much earlier.
          lastPolicyReadMs: { median: round(lastRead[Math.floor(lastRead.length / 2)] ?? 0, 1), max: round(lastRead.at(-1) ?? 0, 1) },
          policyReadsPerSample: line.readsPerSample,
        },
      },
    );
  } finally {
    await session.close();
  }
}

/** The extension's own activate() times, from its log files under the session's user data dir. */
function ownActivationTimes(userDataDir: string): number[] {
  const times: { at: string; ms: number }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'gVisor Sandboxes.log') {
        for (const m of readFileSync(path, 'utf8').matchAll(/^(\S+ \S+) \[info\] Activated \S+ \S+ in ([\d.]+) ms\./gm)) times.push({ at: m[1]!, ms: Number(m[2]) });
      }
    }
  };
  walk(join(userDataDir, 'logs'));
  return times.sort((a, b) => a.at.localeCompare(b.at)).map((t) => t.ms);
}

async function packageEmpty(dir: string): Promise<string> {
  const { packageVsix } = (await import(SCRIPTS_LIB + 'vscodeTests.mjs')) as { packageVsix: (dir: string, out: string) => string };
  const ext = join(dir, 'empty');
  mkdirSync(ext, { recursive: true });
  writeFileSync(join(ext, 'package.json'), JSON.stringify({
    name: 'empty', publisher: 'sandboxes-bench', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.90.0' },
    main: './extension.js', activationEvents: ['onCommand:sandboxesBench.never'],
  }));
  writeFileSync(join(ext, 'extension.js'), "'use strict';\nexports.activate = () => {};\nexports.deactivate = () => {};\n");
  return packageVsix(ext, join(dir, 'empty.vsix'));
}

/** The probe: runs in the extension host, does what the config file says, appends one JSON line. */
const PROBE_JS = `'use strict';
const vscode = require('vscode');
const fs = require('fs');
const { execFile } = require('child_process');
const configFile = process.env.SANDBOXES_BENCH_PROBE_CONFIG;
const time = async (f) => { const t0 = performance.now(); const value = await f(); return { ms: performance.now() - t0, value }; };
const dockerPs = () => new Promise((resolve, reject) => execFile('docker', ['ps', '-a', '--no-trunc', '--filter', 'label=sandboxes.managed=true', '--format', '{{json .}}'], { maxBuffer: 64 << 20 }, (e, out) => e ? reject(e) : resolve(out.trim().split('\\n').filter(Boolean))));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const networkConfig = () => vscode.workspace.getConfiguration('sandboxes.network');
const setting = (key, value) => networkConfig().update(key, value, vscode.ConfigurationTarget.Workspace);
// Ours: the time from writing the setting to the end of the read that sees the new mode. Each read
// is an exec in the guard, as is the change, so reads start a little later and are spaced out.
async function untilMode(sandbox, mode, started, out) {
  await sleep(100);
  for (let reads = 1; ; reads++) {
    const t0 = performance.now();
    const state = await sandbox.networkPolicy();
    const now = performance.now();
    if (state.mode === mode && state.followsDefaults) { out.lastReadMs.push(now - t0); out.reads.push(reads); return now - started; }
    if (now - started > 20000) throw new Error('the settings change to ' + mode + ' was not in force after 20 s: ' + JSON.stringify(state));
    await sleep(25);
  }
}
async function settingsApply(config) {
  const api = await vscode.extensions.getExtension('${EXTENSION_ID}').activate();
  await setting('blockNetwork', undefined);
  await setting('cidrAllowlist', undefined);
  const id = await vscode.commands.executeCommand('sandboxes.createSandbox', { tags: config.tags });
  if (!id) throw new Error('sandboxes.createSandbox created no sandbox');
  const sandbox = await api.client().fromId(id);
  const settings = { blockNetwork: false, cidrAllowlist: [] };
  const samples = { ours: [], baseline: [] };
  const byMode = {};
  const out = { lastReadMs: [], reads: [] };
  try {
    if (!(await sandbox.networkPolicy()).followsDefaults) throw new Error('the sandbox does not follow the workspace settings');
    const total = config.warmup + config.n;
    for (let i = 0; i < total; i++) {
      const step = config.cycle[i % config.cycle.length];
      const next = config.cycle[(i + 1) % config.cycle.length];
      const started = performance.now();
      await setting(step.key, step.value);
      const ours = await untilMode(sandbox, step.mode, started, out);
      settings[step.key] = step.value;
      // Baseline: the engine makes the change the settings make next, then (untimed) the sandbox is
      // put back, still following the settings, so that the next settings change is a change.
      const policy = { ...settings, [next.key]: next.value };
      const t0 = performance.now();
      const state = await sandbox.setNetworkPolicy(policy, { followsDefaults: true });
      const baseline = performance.now() - t0;
      if (state.mode !== next.mode) throw new Error('setNetworkPolicy(' + JSON.stringify(policy) + ') left mode ' + state.mode);
      await sandbox.setNetworkPolicy(settings, { followsDefaults: true });
      if (i < config.warmup) { out.lastReadMs.pop(); out.reads.pop(); continue; }
      samples.ours.push(ours);
      samples.baseline.push(baseline);
      (byMode[step.mode] ??= []).push(ours);
    }
  } finally {
    await setting('blockNetwork', undefined);
    await setting('cidrAllowlist', undefined);
    await sandbox.terminate();
  }
  const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  return { ...samples, byMode: Object.fromEntries(Object.entries(byMode).map(([k, v]) => [k, Math.round(median(v) * 10) / 10])), lastReadMs: out.lastReadMs, readsPerSample: out.reads };
}
async function run() {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  const out = { pid: process.pid, sample: config.sample };
  try {
    if (config.mode === 'activation') {
      for (const side of config.order) {
        const ext = vscode.extensions.getExtension(config.ids[side]);
        if (!ext) throw new Error('not installed: ' + config.ids[side]);
        const wasActive = ext.isActive;
        out[side] = { wasActive, ms: (await time(() => ext.activate())).ms };
      }
    } else if (config.mode === 'tree') {
      await vscode.extensions.getExtension('${EXTENSION_ID}').activate();
      const samples = { ours: [], baseline: [] };
      for (let i = 0; i < config.warmup + config.n; i++) {
        const ours = await time(async () => {
          await vscode.commands.executeCommand('sandboxes.refresh');
          return vscode.commands.executeCommand('sandboxes.tree.snapshot', { depth: 1 });
        });
        const mine = ours.value.filter((node) => String(node.label).startsWith(config.runId + '-tree-'));
        if (mine.length !== config.expect) throw new Error('the tree shows ' + mine.length + ' of ' + config.expect + ' sandboxes');
        const baseline = await time(dockerPs);
        if (baseline.value.filter((l) => l.includes(config.runId + '-tree-')).length !== config.expect) throw new Error('docker ps missed sandboxes');
        if (i >= config.warmup) { samples.ours.push(ours.ms); samples.baseline.push(baseline.ms); }
        out.listed = ours.value.length;
      }
      out.samples = samples;
    } else if (config.mode === 'settings-apply') {
      const { ours, baseline, ...details } = await settingsApply(config);
      Object.assign(out, details, { samples: { ours, baseline } });
    }
  } catch (e) { out.error = String(e && e.stack || e); }
  fs.appendFileSync(config.resultFile, JSON.stringify(out) + '\\n');
}
exports.activate = () => { setTimeout(run, 0); };
exports.deactivate = () => {};
`;

async function startSession(ctx: BenchContext): Promise<Session> {
  const cs = (await import(SCRIPTS_LIB + 'codeServer.mjs')) as Record<string, (...args: never[]) => Promise<unknown>>;
  const tests = (await import(SCRIPTS_LIB + 'vscodeTests.mjs')) as { packageVsix: (dir: string, out: string) => string };
  const dir = mkdtempSync(join(tmpdir(), 'bench-vscode-'));
  const extensionsDir = join(dir, 'extensions');
  const userDataDir = join(dir, 'user-data');
  const folder = join(dir, 'workspace');
  mkdirSync(folder, { recursive: true });
  const configFile = join(dir, 'probe-config.json');
  const resultFile = join(dir, 'probe-results.jsonl');
  writeFileSync(resultFile, '');
  let server: { folderUrl: string; stop(): Promise<void> } | undefined;
  let browser: { newPage(): Promise<{ goto(url: string, o?: object): Promise<unknown>; reload(o?: object): Promise<unknown> }>; close(): Promise<void> } | undefined;
  try {
    const vsix = join(REPO, 'dist', 'gvisor-sandboxes.vsix');
    const built = spawnSync('npm', ['run', 'package'], { cwd: REPO, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run package failed:\n${built.stdout}\n${built.stderr}`);
    const emptyVsix = await packageEmpty(dir);
    const probeDir = join(dir, 'probe');
    mkdirSync(probeDir);
    writeFileSync(join(probeDir, 'package.json'), JSON.stringify({
      name: 'probe', publisher: 'sandboxes-bench', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.90.0' },
      main: './extension.js', activationEvents: ['onStartupFinished'],
    }));
    writeFileSync(join(probeDir, 'extension.js'), PROBE_JS);
    const probeVsix = tests.packageVsix(probeDir, join(dir, 'probe.vsix'));
    for (const file of [vsix, emptyVsix, probeVsix]) await cs.installExtension!(file as never, { extensionsDir, userDataDir } as never);
    server = (await cs.startCodeServer!({
      extensionsDir, userDataDir, folder,
      settings: { 'sandboxes.defaults.image': ctx.image },
      env: { SANDBOXES_BENCH_PROBE_CONFIG: configFile },
    } as never)) as typeof server;
    browser = (await cs.launchBrowser!({ handleSignals: false } as never)) as typeof browser;
    const page = await browser!.newPage();
    let count = 0;
    let first = true;
    return {
      userDataDir,
      emptyVsix,
      async sample(config) {
        const index = count++;
        writeFileSync(configFile, JSON.stringify({ ...config, sample: index, resultFile }));
        if (first) {
          first = false;
          await cs.openWorkbench!(page as never, server!.folderUrl as never);
        } else {
          await page.reload({ waitUntil: 'domcontentloaded' });
        }
        const deadline = Date.now() + 240_000;
        for (;;) {
          const lines = readFileSync(resultFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
          const line = lines.find((l) => l.sample === index);
          if (line) {
            if (line.error) throw new Error(`probe: ${String(line.error)}`);
            return line;
          }
          if (Date.now() > deadline) throw new Error(`no probe result for sample ${index} within 240 s`);
          await sleep(100);
        }
      },
      async close() {
        await browser?.close();
        await server?.stop();
        if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
        else ctx.log(`kept ${dir}`);
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
