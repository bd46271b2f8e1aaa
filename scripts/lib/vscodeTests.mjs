// Builds what the VS Code test runs need: the runner extension with the bundled in-host suites,
// .vsix packages (with the project's own vsce), and, on request, a throwaway stand-in for the
// extension under test. Used by scripts/run-vscode-tests.mjs and test/vscode/electron.mjs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXTENSION_ID = 'sandboxes.gvisor-sandboxes';
export const SUITE_DIR = join(REPO, 'test', 'vscode', 'suite');
export const UI_DIR = join(REPO, 'test', 'vscode', 'ui');
export const RUNNER_DIR = join(REPO, 'test', 'vscode', 'runner');

/** Suite sources, optionally filtered by a substring of the file name. */
export function suiteSources(only) {
  if (!existsSync(SUITE_DIR)) return [];
  return readdirSync(SUITE_DIR)
    .filter((f) => f.endsWith('.test.ts') && (!only || f.includes(only)))
    .sort()
    .map((f) => join(SUITE_DIR, f));
}

/**
 * Copies test/vscode/runner to `outDir` and bundles each suite file into `outDir/suite/` (CommonJS,
 * one self-contained file each, `vscode` and native `.node` files left external).
 * @returns {Promise<string[]>} the bundled suite files
 */
export async function buildRunner(outDir, { only, config = {} } = {}) {
  const esbuild = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  cpSync(RUNNER_DIR, outDir, { recursive: true });
  const entryPoints = suiteSources(only);
  if (entryPoints.length) {
    await esbuild.build({
      entryPoints,
      outdir: join(outDir, 'suite'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', '*.node', 'cpu-features'],
      sourcemap: 'inline',
      logLevel: 'warning',
    });
  }
  writeFileSync(join(outDir, 'runner-config.json'), JSON.stringify(config, null, 2) + '\n');
  const outputs = entryPoints.map((f) => join(outDir, 'suite', f.split('/').pop().replace(/\.ts$/, '.js')));
  for (const file of outputs) absolutizeSourceMap(file);
  return outputs;
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** Makes the inline source map's sources absolute, so stack traces still point at the .ts files after the bundle moves. */
function absolutizeSourceMap(file) {
  const text = readFileSync(file, 'utf8');
  const m = text.match(INLINE_MAP);
  if (!m) return;
  const map = JSON.parse(Buffer.from(m[1], 'base64').toString('utf8'));
  map.sources = map.sources.map((s) => resolve(dirname(file), s));
  delete map.sourceRoot;
  const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
  writeFileSync(file, text.slice(0, m.index) + `//# sourceMappingURL=data:application/json;base64,${encoded}\n`);
}

/** Packages the extension in `dir` with the project's vsce; returns the .vsix path. */
export function packageVsix(dir, outFile) {
  const vsce = join(REPO, 'node_modules', '.bin', 'vsce');
  if (!existsSync(vsce)) throw new Error(`${vsce} missing: run npm install`);
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', outFile], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0 || !existsSync(outFile)) {
    throw new Error(`vsce package in ${dir} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return outFile;
}

/**
 * A throwaway stand-in for sandboxes.gvisor-sandboxes (same id and command ids), used only to
 * test the harness itself before the real extension can be packaged (--stub-extension).
 * "Sandboxes: Check Setup" shows a notification saying so.
 */
export function buildStubExtension(dir) {
  mkdirSync(dir, { recursive: true });
  const commands = [
    ['createSandbox', 'Create Sandbox'],
    ['openTerminal', 'Open Terminal'],
    ['runCommand', 'Run Command'],
    ['terminateSandbox', 'Terminate Sandbox'],
    ['checkSetup', 'Check Setup'],
  ];
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'gvisor-sandboxes',
        displayName: 'gVisor Sandboxes (harness stub)',
        version: '0.0.0',
        publisher: 'sandboxes',
        license: 'MIT',
        engines: { vscode: '^1.90.0' },
        main: './extension.js',
        activationEvents: ['onStartupFinished'],
        contributes: { commands: commands.map(([id, title]) => ({ command: `sandboxes.${id}`, title, category: 'Sandboxes' })) },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'extension.js'),
    `'use strict';
const vscode = require('vscode');
const ids = ${JSON.stringify(commands.map(([id]) => id))};
exports.activate = (context) => {
  for (const id of ids) {
    context.subscriptions.push(vscode.commands.registerCommand('sandboxes.' + id, () =>
      vscode.window.showInformationMessage('Sandboxes harness stub: ' + id + ' ran')));
  }
  return { stub: true };
};
exports.deactivate = () => {};
`,
  );
  return packageVsix(dir, join(dir, 'gvisor-sandboxes-stub.vsix'));
}
