import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SandboxError } from '../../src/core/errors';
import type { FileStat } from '../../src/core/types';
import { editorStat } from '../../src/vscode/files/fileStats';

/** A sandbox filesystem as the engine's lstat-like `stat` reports it. */
function fakeFiles(entries: Record<string, Omit<FileStat, 'path' | 'mtimeMs' | 'mode'>>) {
  const calls: string[] = [];
  return {
    calls,
    stat: async (path: string): Promise<FileStat> => {
      calls.push(path);
      const entry = entries[path];
      if (!entry) throw new SandboxError('FILE_NOT_FOUND', `${path} does not exist.`, 'Check the path.');
      return { path, mtimeMs: 1000, mode: 0o644, ...entry };
    },
  };
}

describe('what the editor is told a path is', () => {
  it('plain files and folders as they are, without another look', async () => {
    const files = fakeFiles({});
    assert.deepEqual(await editorStat(files, { path: '/a', type: 'file', size: 3, mtimeMs: 5, mode: 0o600 }), {
      type: 'file',
      isLink: false,
      size: 3,
      mtimeMs: 5,
      mode: 0o600,
    });
    assert.deepEqual(files.calls, []);
  });

  it('a link as what it points to, relative to its folder, through chains', async () => {
    const files = fakeFiles({
      '/workspace/data': { type: 'symlink', size: 7, linkTarget: '../srv/data' },
      '/srv/data': { type: 'symlink', size: 5, linkTarget: '/mnt/real' },
      '/mnt/real': { type: 'directory', size: 4096 },
    });
    const stat = await editorStat(files, { path: '/workspace/link', type: 'symlink', size: 4, mtimeMs: 1, mode: 0o777, linkTarget: 'data' });
    assert.deepEqual(stat, { type: 'directory', isLink: true, size: 4096, mtimeMs: 1000, mode: 0o644 });
    assert.deepEqual(files.calls, ['/workspace/data', '/srv/data', '/mnt/real']);
  });

  it('a dangling or looping link as "other", still listed', async () => {
    const dangling = await editorStat(fakeFiles({}), { path: '/l', type: 'symlink', size: 4, mtimeMs: 1, mode: 0o777, linkTarget: 'gone' });
    assert.deepEqual(dangling, { type: 'other', isLink: true, size: 4, mtimeMs: 1, mode: 0o777 });
    const loop = fakeFiles({ '/a': { type: 'symlink', size: 1, linkTarget: 'b' }, '/b': { type: 'symlink', size: 1, linkTarget: 'a' } });
    assert.equal((await editorStat(loop, { path: '/a', type: 'symlink', size: 1, mtimeMs: 1, mode: 0o777, linkTarget: 'b' })).type, 'other');
    assert.ok(loop.calls.length <= 40, 'gives up like the kernel does');
  });
});
