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
 *   tree-events the Sandboxes view open; a sandbox created, then terminated, by the engine in this
 *               (the benchmark's) process, as a script would: timed until the probe sees it in the
 *               tree as running, then gone, against the moment Docker's event stream, subscribed
 *               in this process with the extension's own filters, reports the same container's
 *               `start`, then `destroy`. Both sides are timed from the same instant.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Sandbox } from '../src/core';
import { LABEL } from '../src/core/labels';
import { JsonLineParser, SANDBOX_EVENT_FILTERS, isSandboxContainerEvent, sandboxEventOf, type DockerEventSource } from '../src/vscode/tree/dockerEvents';
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

export interface Session {
  /** Reloads the page and waits for the probe's next line (by default for up to 240 s). */
  sample(config: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The status bar's item of this extension as a screen reader gets it (its accessibility label), or null when hidden. */
  statusBarLabel(): Promise<string | null>;
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
          [LABEL.managed]: 'true',
          [LABEL.id]: id,
          [LABEL.name]: `${ctx.runId}-tree-${i}`,
          [LABEL.createdAt]: now,
          [LABEL.runtime]: 'runsc',
          [LABEL.role]: 'sandbox',
          [LABEL.networkMode]: 'open',
          [`${LABEL.tagPrefix}bench`]: ctx.runId,
          'sandboxes.bench': ctx.runId,
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
    for (const id of created)
      await ctx.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
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
      { ours: 'dist/gvisor-sandboxes.vsix (npm run package)', baseline: "an empty extension's .vsix" },
      { ours: [ours], baseline: [baseline] },
      { op: '<', on: 'ours.median', value: 1024, text: 'ours < 1 MiB' },
      {
        unit: 'KiB',
        extra: {
          extensionJsKiB: round(size(join(REPO, 'dist', 'extension.js')), 1),
          coreJsKiB: round(size(join(REPO, 'dist', 'core.js')), 1),
          reaperJsKiB: round(size(join(REPO, 'dist', 'reaper.js')), 1),
        },
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

/** How often the probe reads the tree in `tree-events`: the resolution of ours' times. */
const TREE_EVENTS_POLL_MS = 20;
/** How long one change may take to show before the benchmark gives up (it is broken, not slow). */
const TREE_EVENTS_LIMIT_MS = 30_000;

/**
 * Docker's own event stream in this process, with the filters the extension's view subscribes
 * with: when each sandbox container's `start` and `destroy` arrived (Date.now(), the clock the
 * probe in the extension host uses too).
 */
async function watchDockerEvents(ctx: BenchContext): Promise<{ arrived: Map<string, Record<string, number>>; close(): void }> {
  const arrived = new Map<string, Record<string, number>>();
  const abort = new AbortController();
  const source: DockerEventSource = ctx.docker;
  const stream = await source.getEvents({ filters: SANDBOX_EVENT_FILTERS, abortSignal: abort.signal });
  const parser = new JsonLineParser();
  stream.on('data', (chunk: Buffer) => {
    const at = Date.now();
    for (const raw of parser.push(chunk)) {
      const event = sandboxEventOf(raw);
      if (!event || !isSandboxContainerEvent(event)) continue;
      const seen = arrived.get(event.containerId) ?? {};
      seen[event.action] ??= at;
      arrived.set(event.containerId, seen);
    }
  });
  stream.on('error', () => undefined); // ended by close(); a real failure shows as a missing event
  return { arrived, close: () => abort.abort() };
}

/** Polls until `get` returns a value; fails after `limitMs` with `what`, or as soon as `failed()` says why. */
async function until<T>(what: string, get: () => T | undefined, failed: () => string | undefined, limitMs = TREE_EVENTS_LIMIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    const why = failed();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: not after ${limitMs} ms`);
    checkInterrupted();
    await sleep(10);
  }
}

export async function treeEventsBench(ctx: BenchContext): Promise<BenchResult[]> {
  const n = intFromEnv('BENCH_TREE_EVENTS_N', 10, 6);
  const warmup = 2;
  const names = Array.from({ length: warmup + n }, (_, i) => `${ctx.runId}-ev-${i}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-tree-events-'));
  const seenFile = join(dir, 'seen.jsonl');
  const stopFile = join(dir, 'stop');
  writeFileSync(seenFile, '');
  const client = connect();
  const events = await watchDockerEvents(ctx);
  const session = await startSession(ctx);
  let sandbox: Sandbox | undefined;
  let probeError: string | undefined;
  let probeLine: Record<string, unknown> | undefined;
  const probe = session.sample({ mode: 'tree-events', names, seenFile, stopFile, pollMs: TREE_EVENTS_POLL_MS }, 60 * 60_000).then(
    (line) => (probeLine = line),
    (error: Error) => (probeError = error.message),
  );
  const failed = () => probeError ?? (probeLine ? 'the probe stopped' : undefined);
  /** What the probe has seen so far: `ready`, and per sandbox name when it was `running`, then `gone`. */
  const seen = (what: string, name?: string): number | undefined => {
    for (const line of readFileSync(seenFile, 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { name?: string; what: string; at: number };
      if (entry.what === what && entry.name === name) return entry.at;
    }
    return undefined;
  };
  const arrived = (containerId: string, action: string) => events.arrived.get(containerId)?.[action];
  try {
    await until('the probe with the Sandboxes view open', () => seen('ready'), failed, 240_000);
    const appear = { ours: [] as number[], baseline: [] as number[] };
    const disappear = { ours: [] as number[], baseline: [] as number[] };
    const createMs: number[] = [];
    const terminateMs: number[] = [];
    for (const [i, name] of names.entries()) {
      checkInterrupted();
      const t0 = Date.now();
      sandbox = await client.create({ image: ctx.image, name, tags: engineTags(ctx.runId) });
      const created = Date.now() - t0;
      const { containerId } = sandbox;
      const shown = await until(`${name} running in the tree`, () => seen('running', name), failed);
      const started = await until(
        `Docker's start event of ${name}`,
        () => arrived(containerId, 'start'),
        () => undefined,
        5000,
      );
      // The list reload the sandbox's own later events cause (its guard's policy load, none here) is over.
      await sleep(500);
      const t1 = Date.now();
      await sandbox.terminate();
      const terminated = Date.now() - t1;
      sandbox = undefined;
      const gone = await until(`${name} gone from the tree`, () => seen('gone', name), failed);
      const destroyed = await until(
        `Docker's destroy event of ${name}`,
        () => arrived(containerId, 'destroy'),
        () => undefined,
        5000,
      );
      if (i < warmup) continue;
      appear.ours.push(shown - t0);
      appear.baseline.push(started - t0);
      disappear.ours.push(gone - t1);
      disappear.baseline.push(destroyed - t1);
      createMs.push(created);
      terminateMs.push(terminated);
      ctx.log(`  tree-events ${i - warmup + 1}/${n}: shown ${shown - t0} ms (start event ${started - t0} ms), gone ${gone - t1} ms (destroy event ${destroyed - t1} ms)`);
      await sleep(500);
    }
    writeFileSync(stopFile, '');
    await probe;
    if (probeError) throw new Error(probeError);
    const med = (v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)] ?? 0;
    };
    const lag = (side: { ours: number[]; baseline: number[] }) => {
      const d = side.ours.map((v, k) => v - side.baseline[k]!);
      return { median: med(d), max: Math.max(...d) };
    };
    const common = { pollMs: TREE_EVENTS_POLL_MS, treeReads: probeLine?.polls, treeReadMs: probeLine?.readMs };
    return [
      result(
        'tree-events-appear',
        {
          ours: 'client.create() outside the extension (bench process) until the Sandboxes view lists the sandbox as running (probe in the extension host)',
          baseline: "the same create() until Docker's event stream (same filters, bench process) reports its start",
        },
        appear,
        { op: '<', on: 'ours.median', value: 1000, text: 'ours median < 1000 ms (absolute)' },
        { extra: { ...common, lagAfterDockerEventMs: lag(appear), createReturnedMs: { median: med(createMs), max: Math.max(...createMs) } } },
      ),
      result(
        'tree-events-disappear',
        {
          ours: 'sandbox.terminate() outside the extension (bench process) until the sandbox is gone from the Sandboxes view (probe in the extension host)',
          baseline: "the same terminate() until Docker's event stream (same filters, bench process) reports its destroy",
        },
        disappear,
        { op: '<', on: 'ours.median', value: 1000, text: 'ours median < 1000 ms (absolute)' },
        { extra: { ...common, lagAfterDockerEventMs: lag(disappear), terminateReturnedMs: { median: med(terminateMs), max: Math.max(...terminateMs) } } },
      ),
    ];
  } finally {
    writeFileSync(stopFile, '');
    await sandbox?.terminate().catch(() => undefined);
    await Promise.race([probe, sleep(10_000)]);
    await session.close();
    events.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
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
  writeFileSync(
    join(ext, 'package.json'),
    JSON.stringify({
      name: 'empty',
      publisher: 'sandboxes-bench',
      version: '0.0.1',
      license: 'MIT',
      engines: { vscode: '^1.90.0' },
      main: './extension.js',
      activationEvents: ['onCommand:sandboxesBench.never'],
    }),
  );
  writeFileSync(join(ext, 'extension.js'), "'use strict';\nexports.activate = () => {};\nexports.deactivate = () => {};\n");
  return packageVsix(ext, join(dir, 'empty.vsix'));
}

/** The probe extension's script: runs in the extension host, does what the config file says, appends one JSON line. */
const PROBE_FILE = join(REPO, 'bench', 'vscode', 'probe.js');

export async function startSession(ctx: BenchContext): Promise<Session> {
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
  let browser:
    | {
        newPage(): Promise<{ goto(url: string, o?: object): Promise<unknown>; reload(o?: object): Promise<unknown>; evaluate(expression: string): Promise<unknown> }>;
        close(): Promise<void>;
      }
    | undefined;
  try {
    const vsix = join(REPO, 'dist', 'gvisor-sandboxes.vsix');
    const built = spawnSync('npm', ['run', 'package'], { cwd: REPO, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run package failed:\n${built.stdout}\n${built.stderr}`);
    const emptyVsix = await packageEmpty(dir);
    const probeDir = join(dir, 'probe');
    mkdirSync(probeDir);
    writeFileSync(
      join(probeDir, 'package.json'),
      JSON.stringify({
        name: 'probe',
        publisher: 'sandboxes-bench',
        version: '0.0.1',
        license: 'MIT',
        engines: { vscode: '^1.90.0' },
        main: './extension.js',
        activationEvents: ['onStartupFinished'],
      }),
    );
    copyFileSync(PROBE_FILE, join(probeDir, 'extension.js'));
    const probeVsix = tests.packageVsix(probeDir, join(dir, 'probe.vsix'));
    for (const file of [vsix, emptyVsix, probeVsix]) await cs.installExtension!(file as never, { extensionsDir, userDataDir } as never);
    server = (await cs.startCodeServer!({
      extensionsDir,
      userDataDir,
      folder,
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
      async statusBarLabel() {
        // One query in the page: a locator's getAttribute would wait (30 s) for an item that is hidden meanwhile.
        const label = await page.evaluate(`document.querySelector('.statusbar [aria-label*="running sandbox"]')?.getAttribute('aria-label') ?? null`);
        return typeof label === 'string' ? label : null;
      },
      async sample(config, timeoutMs = 240_000) {
        const index = count++;
        writeFileSync(configFile, JSON.stringify({ ...config, sample: index, resultFile, extensionId: EXTENSION_ID }));
        if (first) {
          first = false;
          await cs.openWorkbench!(page as never, server!.folderUrl as never);
        } else {
          await page.reload({ waitUntil: 'domcontentloaded' });
        }
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const lines = readFileSync(resultFile, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          const line = lines.find((l) => l.sample === index);
          if (line) {
            if (line.error) throw new Error(`probe: ${String(line.error)}`);
            return line;
          }
          if (Date.now() > deadline) throw new Error(`no probe result for sample ${index} within ${timeoutMs / 1000} s`);
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
