/**
 * The layers of docs/architecture.md, checked over the import graph (types included):
 * - webview code (src/webview, bundled for the browser) imports only itself, src/shared and
 *   engine modules, and none of them loads Node, Docker or the editor API at run time;
 * - src/shared imports only itself and the engine's type contract (src/core/types.ts);
 * - the engine (src/core) imports neither the adapter nor webview code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO, importGraph } from '../lib/importGraph';

const graph = importGraph();

function closure(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of graph.get(file) ?? []) visit(next);
  };
  roots.forEach(visit);
  return seen;
}

/** Value imports of packages that do not exist in a webview (type-only imports are erased). */
function runtimePackageImports(file: string): string[] {
  const source = readFileSync(path.join(REPO, file), 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s*'((?:node:[^']+)|vscode|dockerode|tar-stream|ignore|@peculiar\/x509)'/gm)].map((m) => m[1]);
}

test('webview code imports only src/shared and engine modules, none of which needs Node or the editor', () => {
  const webview = [...graph.keys()].filter((f) => f.startsWith('src/webview/'));
  const bad: string[] = [];
  for (const file of closure(webview)) {
    if (!/^src\/(webview|shared|core)\//.test(file)) bad.push(`${file} (not shared or engine code)`);
    for (const pkg of runtimePackageImports(file)) bad.push(`${file} imports ${pkg}`);
  }
  assert.deepEqual(bad, [], `the webview bundle reaches:\n${bad.join('\n')}`);
});

test('src/shared imports only itself and the engine type contract', () => {
  const bad = [...graph].flatMap(([file, targets]) =>
    file.startsWith('src/shared/') ? targets.filter((t) => !t.startsWith('src/shared/') && t !== 'src/core/types.ts').map((t) => `${file} → ${t}`) : [],
  );
  assert.deepEqual(bad, []);
});

test('the engine imports neither the adapter nor webview code', () => {
  const bad = [...graph].flatMap(([file, targets]) =>
    file.startsWith('src/core/') ? targets.filter((t) => t.startsWith('src/vscode/') || t.startsWith('src/webview/')).map((t) => `${file} → ${t}`) : [],
  );
  assert.deepEqual(bad, []);
});
