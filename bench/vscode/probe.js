// The probe extension of bench/vscode.bench.ts: runs in the extension host, does what the config
// file says, appends one JSON line. Packaged as its extension.js as it is.
'use strict';
const vscode = require('vscode');
const fs = require('fs');
const { execFile } = require('child_process');
const configFile = process.env.SANDBOXES_BENCH_PROBE_CONFIG;
// The extension under test, as the benchmark names it in the config of each sample.
const ours = () => JSON.parse(fs.readFileSync(configFile, 'utf8')).extensionId;
const time = async (f) => {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
};
const dockerPs = () =>
  new Promise((resolve, reject) =>
    execFile('docker', ['ps', '-a', '--no-trunc', '--filter', 'label=sandboxes.managed=true', '--format', '{{json .}}'], { maxBuffer: 64 << 20 }, (e, out) =>
      e ? reject(e) : resolve(out.trim().split('\n').filter(Boolean)),
    ),
  );
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
    if (state.mode === mode && state.followsDefaults) {
      out.lastReadMs.push(now - t0);
      out.reads.push(reads);
      return now - started;
    }
    if (now - started > 20000) throw new Error('the settings change to ' + mode + ' was not in force after 20 s: ' + JSON.stringify(state));
    await sleep(25);
  }
}
async function settingsApply(config) {
  const api = await vscode.extensions.getExtension(ours()).activate();
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
      if (i < config.warmup) {
        out.lastReadMs.pop();
        out.reads.pop();
        continue;
      }
      samples.ours.push(ours);
      samples.baseline.push(baseline);
      (byMode[step.mode] ??= []).push(ours);
    }
  } finally {
    await setting('blockNetwork', undefined);
    await setting('cidrAllowlist', undefined);
    await sandbox.terminate();
  }
  const median = (v) => {
    const s = [...v].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  return {
    ...samples,
    byMode: Object.fromEntries(Object.entries(byMode).map(([k, v]) => [k, Math.round(median(v) * 10) / 10])),
    lastReadMs: out.lastReadMs,
    readsPerSample: out.reads,
  };
}
// tree-events: the Sandboxes view open, the tree read every pollMs until the stop file appears;
// when each named sandbox is first listed as running, and then first missing, goes to seenFile at
// once (the benchmark process waits on it). The time is taken after the read that saw it.
async function treeEvents(config) {
  await vscode.extensions.getExtension(ours()).activate();
  // The view listens to Docker only while it is visible.
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
  const snapshot = () => vscode.commands.executeCommand('sandboxes.tree.snapshot', { depth: 1 });
  await snapshot();
  const note = (entry) => fs.appendFileSync(config.seenFile, JSON.stringify(entry) + '\n');
  note({ what: 'ready', at: Date.now() });
  const running = new Set();
  const gone = new Set();
  const readMs = [];
  while (!fs.existsSync(config.stopFile)) {
    const t0 = performance.now();
    const nodes = await snapshot();
    const at = Date.now();
    readMs.push(performance.now() - t0);
    const state = new Map(nodes.map((node) => [node.label, node.contextValue]));
    for (const name of config.names) {
      if (!running.has(name)) {
        if (state.get(name) === 'runningSandbox') {
          running.add(name);
          note({ name, what: 'running', at });
        }
      } else if (!gone.has(name) && !state.has(name)) {
        gone.add(name);
        note({ name, what: 'gone', at });
      }
    }
    await sleep(config.pollMs);
  }
  readMs.sort((a, b) => a - b);
  return { polls: readMs.length, readMs: { median: Math.round(readMs[Math.floor(readMs.length / 2)] * 10) / 10, max: Math.round(readMs[readMs.length - 1] * 10) / 10 } };
}
// load-tree (bench/load.bench.ts): the Sandboxes view open; until the stop file appears, a refresh
// (sandboxes.refresh, then the tree read as VS Code reads it) every pauseMs, each appended to
// seenFile with its start (Date.now()), duration, how many of the run's sandboxes the tree lists
// (running or not) and this host's RSS; meanwhile the event loop's lag, sampled every 50 ms.
async function loadTree(config) {
  await vscode.extensions.getExtension(ours()).activate();
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
  const note = (entry) => fs.appendFileSync(config.seenFile, JSON.stringify(entry) + '\n');
  const lags = [];
  let expected = performance.now() + 50;
  const lagTimer = setInterval(() => {
    const now = performance.now();
    lags.push([Date.now(), Math.max(0, now - expected)]);
    expected = now + 50;
  }, 50);
  note({ what: 'ready', at: Date.now(), rss: process.memoryUsage().rss });
  try {
    for (let i = 0; i < 100000 && !fs.existsSync(config.stopFile); i++) {
      const at = Date.now();
      const t0 = performance.now();
      await vscode.commands.executeCommand('sandboxes.refresh');
      const nodes = await vscode.commands.executeCommand('sandboxes.tree.snapshot', { depth: 1 });
      const ms = performance.now() - t0;
      const ours = nodes.filter((node) => String(node.label).startsWith(config.prefix));
      const running = (list) => list.filter((node) => node.contextValue === 'runningSandbox').length;
      note({ what: 'refresh', at, ms, ours: ours.length, running: running(ours), all: nodes.length, allRunning: running(nodes), rss: process.memoryUsage().rss });
      await sleep(config.pauseMs);
    }
  } finally {
    clearInterval(lagTimer);
  }
  return { lags };
}
// agent-tools (bench/agents.bench.ts): Create Sandbox timed, then the first agent tool call (which
// creates the agent sandbox and copies the workspace) timed; then, alternating which goes first,
// vscode.lm.invokeTool('sandbox_run', argv ['true']) against the engine's sandbox.run(['true']) on
// the same agent sandbox, both called from this extension host.
async function agentTools(config) {
  const api = await vscode.extensions.getExtension(ours()).activate();
  const cfg = vscode.workspace.getConfiguration('sandboxes');
  await cfg.update('agent.confirmCalls', false, vscode.ConfigurationTarget.Global);
  const invoke = async () => {
    const result = await vscode.lm.invokeTool('sandbox_run', { input: { argv: ['true'] }, toolInvocationToken: undefined });
    const text = result.content.map((part) => part.value || '').join('');
    if (!text.startsWith('exit code 0')) throw new Error('sandbox_run true: ' + text);
  };
  const out = { samples: { ours: [], baseline: [] } };
  let sandbox;
  try {
    const t0 = performance.now();
    const id = await vscode.commands.executeCommand('sandboxes.createSandbox', { tags: config.tags });
    out.createMs = performance.now() - t0;
    await (await api.client().fromId(id)).terminate();
    const t1 = performance.now();
    await invoke();
    out.firstCallMs = performance.now() - t1;
    [sandbox] = await api.client().list({ tags: { agent: 'vscode' }, all: false });
    if (!sandbox) throw new Error('no agent sandbox after the first call');
    const engine = async () => {
      const r = await sandbox.run(['true']);
      if (r.exitCode !== 0) throw new Error('run true: ' + r.exitCode);
    };
    for (let i = 0; i < config.warmup + config.n; i++) {
      const order = i % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
      const ms = {};
      for (const side of order) ms[side] = (await time(side === 'ours' ? invoke : engine)).ms;
      if (i >= config.warmup) {
        out.samples.ours.push(ms.ours);
        out.samples.baseline.push(ms.baseline);
      }
    }
    // The tool service's own round trip: a call the session refuses at once (bad input, no Docker).
    const empty = [];
    for (let i = 0; i < 20; i++) empty.push((await time(() => vscode.lm.invokeTool('sandbox_state', { input: { bad: 1 }, toolInvocationToken: undefined }))).ms);
    empty.sort((a, b) => a - b);
    out.emptyCallMs = empty[10];
  } finally {
    await sandbox?.terminate().catch(() => undefined);
    await cfg.update('agent.confirmCalls', undefined, vscode.ConfigurationTarget.Global);
  }
  return out;
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
      await vscode.extensions.getExtension(ours()).activate();
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
        if (i >= config.warmup) {
          samples.ours.push(ours.ms);
          samples.baseline.push(baseline.ms);
        }
        out.listed = ours.value.length;
      }
      out.samples = samples;
    } else if (config.mode === 'settings-apply') {
      const { ours, baseline, ...details } = await settingsApply(config);
      Object.assign(out, details, { samples: { ours, baseline } });
    } else if (config.mode === 'tree-events') {
      Object.assign(out, await treeEvents(config));
    } else if (config.mode === 'agent-tools') {
      Object.assign(out, await agentTools(config));
    } else if (config.mode === 'load-tree') {
      Object.assign(out, await loadTree(config));
    }
  } catch (e) {
    out.error = String((e && e.stack) || e);
  }
  fs.appendFileSync(config.resultFile, JSON.stringify(out) + '\n');
}
exports.activate = () => {
  setTimeout(run, 0);
};
exports.deactivate = () => {};
