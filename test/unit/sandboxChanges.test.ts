/**
 * "A sandbox changed" has one path (src/vscode/sandboxChanges.ts): a source scan shows that no
 * other adapter module calls an engine method that changes a sandbox, nor tells the Sandboxes
 * view to reload by hand, so a new command cannot forget to tell the tree, the status bar and
 * the details panels.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const ADAPTER = join(ROOT, 'src', 'vscode');
const SERVICE = 'src/vscode/sandboxChanges.ts';

/** The engine's calls that change a sandbox (Sandbox and SandboxClient methods). */
const MUTATING = /\.(create|terminate|setNetworkPolicy|forwardPort|stopForwarding|snapshotFilesystem|removeSnapshot|fork)\(/g;
/** Receivers that are not the engine: VS Code's and our own services' methods of the same names. */
const NOT_ENGINE = /(\bchanges|\bthis|vscode\.[\w.]+|Uri|EventEmitter)\.\w+\($/;
/** Telling the view to reload is the change service's job; "Refresh" is the user asking for it. */
const MANUAL_REFRESH = /sandboxesView\.refresh\(/;
const REFRESH_COMMAND = 'src/vscode/commands/refreshSandboxes.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line: text` for each engine call that changes a sandbox outside the service. */
function mutatingCalls(): string[] {
  const found: string[] = [];
  for (const path of sourceFiles(ADAPTER)) {
    const file = relative(ROOT, path);
    if (file === SERVICE) continue;
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return; // comments
        for (const match of line.matchAll(MUTATING)) {
          const upTo = line.slice(0, (match.index ?? 0) + match[0].length);
          if (!NOT_ENGINE.test(upTo)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        }
      });
  }
  return found;
}

describe('sandboxChanges: one path for "a sandbox changed"', () => {
  it('no adapter module but sandboxChanges.ts calls an engine method that changes a sandbox', () => {
    assert.deepEqual(mutatingCalls(), []);
  });

  it('no adapter module tells the Sandboxes view to reload by hand (only the Refresh command)', () => {
    const found = sourceFiles(ADAPTER)
      .filter((path) => relative(ROOT, path) !== REFRESH_COMMAND)
      .flatMap((path) =>
        readFileSync(path, 'utf8')
          .split('\n')
          .flatMap((line, i) => (MANUAL_REFRESH.test(line) ? [`${relative(ROOT, path)}:${i + 1}: ${line.trim()}`] : [])),
      );
    assert.deepEqual(found, []);
  });

  it('the scan finds a command that would change a sandbox directly', () => {
    // The check itself: these lines, in a command file, are what it must report.
    for (const line of [
      'await sandbox.terminate();',
      '() => sandbox.setNetworkPolicy(policy)',
      'await client.create(spec, {',
      'return context.clients.client.removeSnapshot(ref);',
    ]) {
      const match = [...line.matchAll(MUTATING)][0];
      assert.ok(match, line);
      assert.ok(!NOT_ENGINE.test(line.slice(0, (match.index ?? 0) + match[0].length)), line);
    }
    assert.ok(MANUAL_REFRESH.test('void context.sandboxesView.refresh(sandbox.id);'));
  });
});
