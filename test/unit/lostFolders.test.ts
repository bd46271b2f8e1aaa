import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listedFolders, RELOAD_GUARD_MS, shouldReloadForLostFolders, type LostFoldersInput } from '../../src/vscode/files/lostFolders';

const FILE = 'file:///data/User/Workspaces/Untitled-1.code-workspace';
// What code-server writes for "Add to This Window (Reloads)".
const TEXT = JSON.stringify({ folders: [{ uri: 'vscode-remote://h/work' }, { name: 'sb:/', uri: 'sandbox://sb-1/' }], settings: {} }, null, '\t');
const input = (extra: Partial<LostFoldersInput> = {}): LostFoldersInput => ({
  workspaceFile: FILE,
  folderCount: 0,
  fileText: TEXT,
  lastReload: undefined,
  now: 1_000_000,
  ...extra,
});

describe('shouldReloadForLostFolders', () => {
  it('reloads a workspace window that has none of the folders its file lists', () => {
    assert.equal(shouldReloadForLostFolders(input()), true);
  });
  it('leaves windows with folders, folder windows and unreadable files alone', () => {
    assert.equal(shouldReloadForLostFolders(input({ folderCount: 1 })), false);
    assert.equal(shouldReloadForLostFolders(input({ workspaceFile: undefined })), false);
    assert.equal(shouldReloadForLostFolders(input({ fileText: undefined })), false);
  });
  it('leaves a workspace that really has no folders alone, and one whose file is not plain JSON', () => {
    assert.equal(shouldReloadForLostFolders(input({ fileText: '{"folders": []}' })), false);
    assert.equal(shouldReloadForLostFolders(input({ fileText: '{\n// mine\n"folders": [{"path": "."}]}' })), false);
    assert.equal(shouldReloadForLostFolders(input({ fileText: '' })), false);
  });
  it('reloads once per file: not again within the guard, again after it or for another file', () => {
    const now = 1_000_000;
    assert.equal(shouldReloadForLostFolders(input({ now, lastReload: { file: FILE, at: now - 5_000 } })), false);
    assert.equal(shouldReloadForLostFolders(input({ now, lastReload: { file: FILE, at: now - RELOAD_GUARD_MS - 1 } })), true);
    assert.equal(shouldReloadForLostFolders(input({ now, lastReload: { file: `${FILE}x`, at: now - 5_000 } })), true);
  });
  it('counts the listed folders', () => {
    assert.equal(listedFolders(TEXT), 2);
    assert.equal(listedFolders('null'), 0);
    assert.equal(listedFolders('{"folders": {}}'), 0);
  });
});
