#!/usr/bin/env node
// Runs the same in-host suites (test/vscode/suite/*.test.ts) in desktop VS Code through
// @vscode/test-electron, on machines that can download VS Code (our CI machines cannot: there
// `npm run test:vscode` runs them in code-server instead).
//
//   node test/vscode/electron.mjs [--dry-run] [--no-build]
//
// Which VS Code:
//   SANDBOXES_VSCODE_EXECUTABLE=/path/to/code   an installed desktop VS Code (no download)
//   otherwise VS Code $SANDBOXES_VSCODE_VERSION (default 1.100.3) from the cache
//   ($SANDBOXES_CACHE/vscode-test), downloaded only when SANDBOXES_VSCODE_ELECTRON=1 allows it.
// Without an executable, a cached copy or that permission, or when the download fails, it prints
// why it skipped and exits 0. On Linux without $DISPLAY it re-runs itself under xvfb-run.
// Workspace settings: SANDBOXES_VSCODE_SETTINGS (JSON text), as for run-vscode-tests.mjs.
// --dry-run builds the suites and prints the runTests() options without starting VS Code.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheRoot } from '../../scripts/lib/codeServer.mjs';
import { REPO, buildRunner } from '../../scripts/lib/vscodeTests.mjs';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, 'no-build': { type: 'boolean' } } });
const dryRun = Boolean(values['dry-run']);
const version = process.env.SANDBOXES_VSCODE_VERSION || '1.100.3';
const cachePath = join(cacheRoot(), 'vscode-test');
const skip = (why) => {
  console.log(`# vscode-electron: skipped: ${why}`);
  process.exit(0);
};

const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
let vscodeExecutablePath = process.env.SANDBOXES_VSCODE_EXECUTABLE;
if (vscodeExecutablePath && !existsSync(vscodeExecutablePath)) skip(`SANDBOXES_VSCODE_EXECUTABLE=${vscodeExecutablePath} does not exist`);
if (!vscodeExecutablePath) {
  const cached = existsSync(join(cachePath, `vscode-linux-x64-${version}`));
  if (!cached && process.env.SANDBOXES_VSCODE_ELECTRON !== '1') {
    skip(
      `VS Code ${version} is not in ${cachePath} and downloading it is not allowed here ` +
        '(set SANDBOXES_VSCODE_ELECTRON=1 on a machine that can reach the VS Code download site, or SANDBOXES_VSCODE_EXECUTABLE)',
    );
  }
}
if (process.platform === 'linux' && !process.env.DISPLAY && !dryRun) {
  const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
  if (!xvfb) skip('desktop VS Code needs a display: no $DISPLAY and no xvfb-run (apt-get install xvfb)');
  const r = spawnSync(xvfb, ['-a', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!vscodeExecutablePath) {
  if (!dryRun) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath, timeout: 30_000 });
    } catch (e) {
      skip(`cannot download VS Code ${version}: ${e?.message || e}`);
    }
  }
}

if (!values['no-build'] && !dryRun) {
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log('vscode-electron: 0 passed, 1 failed');
    process.exit(1);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'sandboxes-electron-'));
let code;
try {
  const runnerDir = join(tmp, 'runner');
  const suites = await buildRunner(runnerDir);
  const workspace = join(tmp, 'workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), process.env.SANDBOXES_VSCODE_SETTINGS || '{}');
  const options = {
    vscodeExecutablePath,
    version,
    cachePath,
    extensionDevelopmentPath: REPO,
    // The runner's run() loads the bundled suites next to it and rejects on any failure.
    extensionTestsPath: join(runnerDir, 'extension.js'),
    extensionTestsEnv: { SANDBOXES_VSCODE_WORKSPACE: workspace },
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--disable-gpu',
      `--user-data-dir=${join(tmp, 'user-data')}`,
      `--extensions-dir=${join(tmp, 'extensions')}`,
    ],
  };
  if (dryRun) {
    console.log(JSON.stringify({ suites, options }, null, 2));
    console.log('# vscode-electron: dry run, VS Code not started');
    code = 0;
  } else {
    code = await runTests(options);
  }
} catch (e) {
  console.error(e?.stack || e);
  console.log('vscode-electron: 0 passed, 1 failed');
  code = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
