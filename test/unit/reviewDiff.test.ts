/** Review Sandbox Changes: the pure diff of a copy's baseline against the sandbox now (src/core/review/changeDiff.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTrees, isConfigPath, isReviewable, sameContent, sameState, underAny } from '../../src/core/review/changeDiff';
import type { TreeState } from '../../src/core/types';

const file = (hash: string, mode = 0o644): TreeState => ({ type: 'file', hash, mode, size: 1 });
const link = (linkTarget: string): TreeState => ({ type: 'symlink', linkTarget, mode: 0o777 });

describe('review diff', () => {
  it('lists created, changed and deleted files by hash, sorted by path', () => {
    const base = { 'a.txt': file('1'), 'b.txt': file('2'), 'c/d.txt': file('3'), 'same.txt': file('4') };
    const now = new Map<string, TreeState>([
      ['a.txt', file('1')],
      ['b.txt', file('2b')],
      ['new.txt', file('5')],
      ['same.txt', file('4')],
    ]);
    assert.deepEqual(
      diffTrees(base, now).map((d) => [d.kind, d.rel]),
      [
        ['changed', 'b.txt'],
        ['deleted', 'c/d.txt'],
        ['created', 'new.txt'],
      ],
    );
  });

  it('a chmod is a change; a symlink compares by target; a file turned link is a change', () => {
    const base = { run: file('1', 0o644), l: link('a'), m: link('x'), f: file('2') };
    const now = new Map<string, TreeState>([
      ['run', file('1', 0o755)],
      ['l', link('a')],
      ['m', link('y')],
      ['f', link('/etc/passwd')],
    ]);
    assert.deepEqual(
      diffTrees(base, now).map((d) => [d.kind, d.rel]),
      [
        ['changed', 'f'],
        ['changed', 'm'],
        ['changed', 'run'],
      ],
    );
  });

  it('never lists .git; flags .vscode', () => {
    const now = new Map<string, TreeState>([
      ['.git/hooks/pre-commit', file('h')],
      ['sub/.git/config', file('c')],
      ['.vscode/tasks.json', file('t')],
    ]);
    const diff = diffTrees({ '.git/HEAD': file('x') }, now);
    assert.deepEqual(
      diff.map((d) => d.rel),
      ['.vscode/tasks.json'],
    );
    assert.equal(isReviewable('.git'), false);
    assert.equal(isReviewable('a/.gitignore'), true);
    assert.equal(isConfigPath('.vscode/tasks.json'), true);
    assert.equal(isConfigPath('src/vscode.ts'), false);
  });

  it('created files in left-out paths are not listed; baseline files there still are', () => {
    const base = { 'build/kept.txt': file('1') };
    const now = new Map<string, TreeState>([
      ['node_modules/x/index.js', file('2')],
      ['build/kept.txt', file('1b')],
      ['build/out.o', file('3')],
      ['src/a.ts', file('4')],
    ]);
    const skipped = new Set(['node_modules', 'build']);
    assert.deepEqual(
      diffTrees(base, now, (rel) => underAny(rel, skipped)).map((d) => [d.kind, d.rel]),
      [
        ['changed', 'build/kept.txt'],
        ['created', 'src/a.ts'],
      ],
    );
  });

  it('a path named like an Object property is an ordinary path', () => {
    const base = JSON.parse('{"__proto__": {"type":"file","hash":"1","mode":420,"size":1}}') as Record<string, TreeState>;
    const now = new Map<string, TreeState>([
      ['constructor', file('2')],
      ['__proto__', file('1')],
    ]);
    assert.deepEqual(
      diffTrees(base, now).map((d) => [d.kind, d.rel]),
      [['created', 'constructor']],
    );
  });

  it('sameContent ignores mode, sameState does not; missing equals missing', () => {
    assert.equal(sameContent(file('1', 0o644), file('1', 0o755)), true);
    assert.equal(sameState(file('1', 0o644), file('1', 0o755)), false);
    assert.equal(sameContent(undefined, null), true);
    assert.equal(sameContent(file('1'), undefined), false);
    assert.equal(sameContent(file('1'), link('1')), false);
  });

  it('underAny matches the path and its folders, not name prefixes', () => {
    const s = new Set(['node_modules', 'a/b']);
    assert.equal(underAny('node_modules', s), true);
    assert.equal(underAny('node_modules/x', s), true);
    assert.equal(underAny('node_modules2/x', s), false);
    assert.equal(underAny('a/b/c', s), true);
    assert.equal(underAny('a/bc', s), false);
  });
});
