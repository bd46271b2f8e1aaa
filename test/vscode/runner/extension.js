// Test runner extension for the in-host suites (test/vscode/suite/*.test.ts).
//
// scripts/run-vscode-tests.mjs copies this folder to a temp dir, bundles each suite file into
// ./suite/<name>.test.js next to this file, writes ./runner-config.json, packages it as a .vsix
// and installs it beside the extension under test. Its "extensionDependencies" make VS Code
// activate sandboxes.gvisor-sandboxes first; "onStartupFinished" starts the run once the
// workbench is up (the extension host starts only when a browser connects to code-server).
//
// Protocol with the runner script (paths from the environment, else from runner-config.json):
//   SANDBOXES_VSCODE_TEST_RESULT   final JSON: {passed, failed, skipped, tests: [...], vscodeVersion}
//   <result>.progress              JSON lines written as tests finish ({event: "start"|"result"|"end"})
// The run happens once per result file: a reloaded window does not run the suites again.
//
// The same module serves @vscode/test-electron: `run()` (the --extensionTestsPath convention)
// runs every suite file and rejects when a test failed.
'use strict';
const fs = require('fs');
const path = require('path');

function readConfig() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, 'runner-config.json'), 'utf8'));
  } catch {
    return {};
  }
}

/** Rewrites bundle positions in a stack trace to the TypeScript sources (inline source maps). */
function mapStack(text) {
  let findSourceMap;
  try {
    ({ findSourceMap } = require('module'));
  } catch {
    return String(text);
  }
  return String(text).replace(/(\/[^():\s]+\.js):(\d+):(\d+)/g, (whole, file, line, col) => {
    try {
      const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(col) - 1);
      if (!entry || !entry.originalSource) return whole;
      const src = entry.originalSource.replace(/^file:\/\//, '');
      return `${src}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    } catch {
      return whole;
    }
  });
}

function suiteFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Runs every suite file in order; `onEvent` sees start/result events. Never throws. */
async function runAll(onEvent = () => {}) {
  const config = readConfig();
  const dir = process.env.SANDBOXES_VSCODE_SUITES || config.suitesDir || path.join(__dirname, 'suite');
  const files = suiteFiles(dir);
  // The bundles carry inline source maps: report stack traces against the TypeScript sources.
  if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
  onEvent({ event: 'start', files: files.map((f) => path.basename(f)) });
  const tests = [];
  const add = (r) => {
    if (r.error) r = { ...r, error: mapStack(r.error) };
    tests.push(r);
    onEvent({ event: 'result', ...r });
  };
  if (!files.length) add({ file: '', name: `no suite files in ${dir}`, ok: false, skipped: false, durationMs: 0 });
  for (const file of files) {
    const base = path.basename(file);
    let mod;
    try {
      mod = require(file);
    } catch (e) {
      add({ file: base, name: 'load', ok: false, skipped: false, durationMs: 0, error: String((e && e.stack) || e) });
      continue;
    }
    if (typeof mod.runTests !== 'function') {
      add({ file: base, name: 'load', ok: false, skipped: false, durationMs: 0, error: `${base} does not export runTests (add: export { run, runTests } from '../harness';)` });
      continue;
    }
    try {
      await mod.runTests({ onResult: (r) => add({ file: base, ...r }) });
    } catch (e) {
      add({ file: base, name: 'runTests', ok: false, skipped: false, durationMs: 0, error: String((e && e.stack) || e) });
    }
  }
  return tests;
}

function summary(tests, extra) {
  const skipped = tests.filter((t) => t.skipped).length;
  const failed = tests.filter((t) => !t.ok).length;
  return { ...extra, passed: tests.length - failed - skipped, failed, skipped, tests };
}

function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

function activate() {
  const resultFile = process.env.SANDBOXES_VSCODE_TEST_RESULT || readConfig().resultFile;
  if (!resultFile) return;
  const progressFile = `${resultFile}.progress`;
  if (fs.existsSync(progressFile) || fs.existsSync(resultFile)) return; // already ran in this session
  let vscodeVersion = '';
  try {
    vscodeVersion = require('vscode').version;
  } catch {
    /* outside VS Code */
  }
  fs.mkdirSync(path.dirname(resultFile), { recursive: true });
  fs.writeFileSync(progressFile, '');
  const startedAt = new Date().toISOString();
  const onEvent = (e) => fs.appendFileSync(progressFile, `${JSON.stringify({ time: Date.now(), ...e })}\n`);
  // Not awaited: activation must return promptly.
  setTimeout(async () => {
    let tests;
    try {
      tests = await runAll(onEvent);
    } catch (e) {
      tests = [{ file: '', name: 'runner', ok: false, skipped: false, durationMs: 0, error: String((e && e.stack) || e) }];
    }
    onEvent({ event: 'end' });
    writeAtomic(resultFile, `${JSON.stringify(summary(tests, { vscodeVersion, startedAt, finishedAt: new Date().toISOString() }), null, 2)}\n`);
  }, 0);
}

function deactivate() {}

/** @vscode/test-electron entry point (--extensionTestsPath). */
async function run() {
  const tests = await runAll((e) => {
    if (e.event !== 'result') return;
    const head = `${e.ok ? 'ok' : 'not ok'} - ${e.file} > ${e.name}${e.skipped ? ' # SKIP' : ''}`;
    console.log(e.ok || !e.error ? head : `${head}\n  ${String(e.error).replace(/\n/g, '\n  ')}`);
  });
  const s = summary(tests, {});
  const resultFile = process.env.SANDBOXES_VSCODE_TEST_RESULT;
  if (resultFile) writeAtomic(resultFile, `${JSON.stringify(s, null, 2)}\n`);
  console.log(`vscode-electron: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
  if (s.failed) throw new Error(`${s.failed} test(s) failed`);
}

module.exports = { activate, deactivate, run, runAll };
