/**
 * What loading dist/extension.js costs the extension host: it must not load the engine
 * (dist/core.js, ~65 ms to compile) — one top-level read of an engine export through
 * dist/coreLoader.js did, on every activation — and it must take the `vscode` API once.
 * Loaded in a child Node against a stand-in `vscode` module (bench/vscode.bench.ts times the real thing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = join(__dirname, '..', '..');

/** Every name @types/vscode declares is a callable, constructible stand-in, so module-level `vscode.X.Y` reads and `extends vscode.Z` work. */
const LOAD_WITH_STUB = `
const Module = require('node:module');
const stub = () => new Proxy(function () {}, {
  get: (target, key) => (key === 'prototype' ? target.prototype : key === 'then' ? undefined : stub()),
  apply: () => stub(),
  construct: () => stub(),
});
let vscodeRequires = 0;
const declared = require('node:fs').readFileSync(process.argv[2], 'utf8').matchAll(/^\\t(?:export )?(?:namespace|class|enum|const|function|let) (\\w+)/gm);
const api = Object.fromEntries([...declared].map(([, name]) => [name, stub()]));
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
Object.defineProperty(require.cache, 'vscode', { get: () => { vscodeRequires++; return { id: 'vscode', filename: 'vscode', loaded: true, exports: api }; } });
const extension = require(process.argv[1]);
const loaded = Object.keys(require.cache).filter((k) => k !== 'vscode').map((k) => require('node:path').basename(k));
console.log(JSON.stringify({ loaded, vscodeRequires, exports: Object.keys(extension) }));
`;

test('dist/extension.js loads without the engine and takes the vscode API once', (t) => {
  // The production bundle (what `npm run package` ships), built aside so dist/ is left alone.
  const outdir = mkdtempSync(join(tmpdir(), 'extension-bundle-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const built = spawnSync(process.execPath, ['esbuild.mjs', '--production', '--outdir', outdir], { cwd: REPO, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const run = spawnSync(process.execPath, ['-e', LOAD_WITH_STUB, join(outdir, 'extension.js'), join(REPO, 'node_modules', '@types', 'vscode', 'index.d.ts')], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { loaded: string[]; vscodeRequires: number; exports: string[] };
  assert.deepEqual(result.exports.sort(), ['activate', 'deactivate']);
  assert.ok(!result.loaded.includes('core.js'), `loading dist/extension.js loaded the engine: ${result.loaded.join(', ')}`);
  assert.equal(result.vscodeRequires, 1, 'each require of "vscode" copies the whole API (esbuild.mjs, sharedVscode)');
});

test('dist/reaper.js and dist/sessionHost.js take the Docker client and ssh2 from dist/core.js, not a copy of their own', (t) => {
  // Each bundled its own (~930 KB minified, dockerode's gRPC code and ssh2): the .vsix was over 1 MiB.
  const outdir = mkdtempSync(join(tmpdir(), 'detached-bundle-'));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const built = spawnSync(process.execPath, ['esbuild.mjs', '--production', '--outdir', outdir], { cwd: REPO, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  for (const file of ['reaper.js', 'sessionHost.js']) {
    const size = statSync(join(outdir, file)).size;
    assert.ok(size < 100_000, `${file} is ${size} bytes: it bundles the packages again`);
  }
  // What they take is there, in the core.js beside them.
  const run = spawnSync(
    process.execPath,
    ['-e', 'const p = require(process.argv[1]).__bundledPackages; console.log(typeof p.dockerode, typeof p.ssh2.Client)', join(outdir, 'core.js')],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.stdout.trim(), 'function function', run.stderr);
});
