// `npm test`: every suite, in order — lint (ESLint, and Prettier's check), build and type check,
// unit tests (pure logic), integration tests (real Docker + runsc), then the extension in a real
// VS Code (code-server + Chromium). Choose suites with SANDBOXES_TEST_SUITES=lint,unit,integration,vscode.
//
// It sets up what it needs first: dependencies (`npm ci`) when node_modules is missing, and, when
// the chosen suites need something the test host lacks (Docker, the runsc runtimes, the guard and
// test images, code-server, Chromium), `scripts/setup-test-host.sh` as root. A quick look per
// item decides (seconds when everything is there); not root, it stops at once with the one command
// to run. `npm test -- --setup-only` does only that.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_IMAGE, checkTestHost, dockerPermissionHint } from './lib/testHost.mjs';

const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const wanted = (process.env.SANDBOXES_TEST_SUITES || 'lint,unit,integration,vscode').split(',').map((s) => s.trim());
// Sorted, and the daemon restart last whatever the locale: it kills every sandbox on the engine.
const files = (dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort((a, b) => Number(a.startsWith('zz-')) - Number(b.startsWith('zz-')) || (a < b ? -1 : 1))
    .map((f) => `${dir}/${f}`);
const say = (m) => console.log(`[test] ${m}`);

prepare();
if (process.argv.includes('--setup-only')) process.exit(0);

const steps = [
  {
    name: 'lint',
    // Both checks run, whatever the first says: one run names every problem.
    cmds: [
      ['npx', '--no-install', 'eslint', '.'],
      ['npx', '--no-install', 'prettier', '--check', '.'],
    ],
  },
  { name: 'build', always: true, cmd: ['npm', 'run', '--silent', 'build'] },
  { name: 'typecheck', always: true, cmd: ['npm', 'run', 'typecheck'] },
  { name: 'unit', cmd: ['node', '--import', 'tsx', '--test', '--test-reporter=spec', ...files('test/unit')] },
  {
    name: 'integration',
    // One file at a time: the suites share one Docker engine and a 2-core machine.
    cmd: ['node', '--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files('test/integration')],
  },
  {
    name: 'vscode',
    cmd: ['node', 'scripts/run-vscode-tests.mjs'],
    env: { SANDBOXES_VSCODE_SETTINGS: JSON.stringify({ 'sandboxes.defaults.image': TEST_IMAGE }) },
  },
];

let passed = 0;
let failed = 0;
const failedSteps = [];
for (const step of steps) {
  if (!step.always && !wanted.includes(step.name)) continue;
  const cmds = step.cmds ?? [step.cmd];
  console.log(
    `\n=== ${step.name}: ${cmds
      .map((cmd) => cmd.join(' '))
      .join(' && ')
      .slice(0, 160)}`,
  );
  const started = Date.now();
  let code = 0;
  let output = '';
  for (const cmd of cmds) {
    const result = await run(cmd, step.env);
    code ||= result.code;
    output += result.output;
  }
  const counts = count(output);
  passed += counts.passed;
  failed += counts.failed;
  if (code !== 0) {
    failedSteps.push(step.name);
    if (counts.failed === 0) failed += 1; // a step that broke without reporting a failing test
  }
  console.log(`=== ${step.name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (code !== 0 && (step.name === 'build' || step.name === 'typecheck')) break;
}
console.log(`\n${failedSteps.length ? `failed steps: ${failedSteps.join(', ')}` : 'all steps passed'}`);
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failedSteps.length ? 1 : 0);

/** Dependencies, then the test host, as far as the chosen suites need them; exits when it cannot. */
function prepare() {
  if (!existsSync(join(REPO, 'node_modules'))) {
    say('dependencies: node_modules is missing, running npm ci');
    if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: REPO, stdio: 'inherit' }).status !== 0) stop('npm ci failed (see above)');
  }
  const needed = (checks) => checks.filter((c) => !c.ok && c.suites.some((suite) => wanted.includes(suite)));
  const started = Date.now();
  const checks = checkTestHost();
  for (const c of checks) say(`host: ${c.ok ? 'ok     ' : c.suites.some((suite) => wanted.includes(suite)) ? 'MISSING' : 'missing'} ${c.name} (${c.detail})`);
  let missing = needed(checks);
  say(
    `host: checked in ${((Date.now() - started) / 1000).toFixed(1)} s; ${missing.length ? `${missing.length} missing for ${wanted.join(',')}` : `ready for ${wanted.join(',')}`}`,
  );
  if (missing.length === 0) return;
  const setup = join(REPO, 'scripts', 'setup-test-host.sh');
  if (process.getuid?.() !== 0) {
    const hint = dockerPermissionHint(checks);
    stop(`the test host is not set up. Run once, then npm test again:\n\n  sudo bash ${setup}\n${hint ? `\n${hint}\n` : ''}`);
  }
  say(`host: setting it up: bash scripts/setup-test-host.sh (idempotent; skips what is there)`);
  if (spawnSync('bash', [setup], { cwd: REPO, stdio: 'inherit' }).status !== 0) stop('scripts/setup-test-host.sh failed (see above)');
  missing = needed(checkTestHost());
  if (missing.length) stop(`still missing after the setup: ${missing.map((c) => c.name).join(', ')}`);
  say('host: ready');
}

function stop(message) {
  console.error(`[test] ERROR: ${message}`);
  process.exit(1);
}

function run(cmd, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    const forward = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', forward(process.stdout));
    child.stderr.on('data', forward(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Reads node:test's summary (ℹ pass N / ℹ fail N) and the vscode runner's "vscode: N passed, M failed". */
function count(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/^ℹ pass (\d+)$/gm)) passed += Number(m[1]);
  for (const m of output.matchAll(/^ℹ fail (\d+)$/gm)) failed += Number(m[1]);
  for (const m of output.matchAll(/^vscode: (\d+) passed, (\d+) failed/gm)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}
