// `npm test`: every suite, in order — build and type check, unit tests (pure logic), integration
// tests (real Docker + runsc), then the extension in a real VS Code (code-server + Chromium).
// Choose suites with SANDBOXES_TEST_SUITES=unit,integration,vscode. The host must be set up
// first (`sudo bash scripts/setup-test-host.sh`; `.ci/run` does it).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const TEST_IMAGE = process.env.SANDBOXES_TEST_IMAGE || 'sandboxes-test/base:bookworm-2';
const wanted = (process.env.SANDBOXES_TEST_SUITES || 'unit,integration,vscode').split(',').map((s) => s.trim());
const files = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`);

const steps = [
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
  console.log(`\n=== ${step.name}: ${step.cmd.join(' ').slice(0, 160)}`);
  const started = Date.now();
  const { code, output } = await run(step.cmd, step.env);
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
