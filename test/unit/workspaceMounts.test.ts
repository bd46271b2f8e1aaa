import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settings, refused } from './fixtures';
import { workspaceMountSettingsFrom, type WorkspaceMountSettings } from '../../src/vscode/files/mountSettings';
import {
  defaultMountChoice,
  describeMounts,
  mountChoices,
  mountOverrides,
  mountSettingsForSnapshot,
  syncPlan,
  targetNames,
  type FolderLike,
} from '../../src/vscode/files/workspaceMounts';
import { SettingKeys } from '../../src/shared/settingKeys';

const folder = (name: string, fsPath = `/home/me/${name}`, scheme = 'file'): FolderLike => ({ name, uri: { scheme, fsPath } });
const copy: WorkspaceMountSettings = { mode: 'copy', path: '/workspace', includeIgnored: false };

describe('sandboxes.workspace.* settings', () => {
  it('default to a copy at /workspace without ignored files', () => {
    assert.deepEqual(workspaceMountSettingsFrom(settings({})), copy);
  });

  it('read every mode, a trimmed and normalised path, and includeIgnored', () => {
    for (const mode of ['none', 'copy', 'readonly', 'readwrite']) {
      assert.equal(workspaceMountSettingsFrom(settings({ [SettingKeys.workspaceMount]: mode })).mode, mode);
    }
    const read = workspaceMountSettingsFrom(settings({ [SettingKeys.workspacePath]: ' /home/dev/project/ ', [SettingKeys.includeIgnored]: true }));
    assert.deepEqual(read, { mode: 'copy', path: '/home/dev/project', includeIgnored: true });
    assert.equal(workspaceMountSettingsFrom(settings({ [SettingKeys.workspacePath]: '' })).path, '/workspace', 'empty: the default');
  });

  it('refuse a relative path, /, and . or .. segments, naming the setting', () => {
    for (const path of ['workspace', '/', '/workspace/../etc', '/./x', '//']) {
      const err = refused(() => workspaceMountSettingsFrom(settings({ [SettingKeys.workspacePath]: path })));
      assert.match(err.message, /Setting "sandboxes\.workspace\.path" is .*absolute path inside the sandbox other than "\/"/, path);
      assert.deepEqual(err.settingKeys, [SettingKeys.workspacePath]);
    }
    assert.equal(workspaceMountSettingsFrom(settings({ [SettingKeys.workspacePath]: '/srv/my app/..x' })).path, '/srv/my app/..x', '"..x" is a name, not ..');
  });

  it('name every invalid setting at once', () => {
    const err = refused(() => workspaceMountSettingsFrom(settings({ [SettingKeys.workspaceMount]: 'rw', [SettingKeys.includeIgnored]: 'yes' })));
    assert.match(err.message, /"sandboxes\.workspace\.mount" is "rw", but it must be one of "none", "copy", "readonly", "readwrite"/);
    assert.match(err.message, /"sandboxes\.workspace\.includeIgnored" is "yes", but it must be true or false/);
    assert.deepEqual(err.settingKeys, [SettingKeys.workspaceMount, SettingKeys.includeIgnored]);
  });
});

describe('which folders a new sandbox gets', () => {
  it('none when the mode is none or no folder is open', () => {
    assert.deepEqual(mountChoices({ ...copy, mode: 'none' }, [folder('app')]), []);
    assert.deepEqual(mountChoices(copy, []), []);
    assert.equal(defaultMountChoice([]), undefined);
    assert.deepEqual(mountOverrides(undefined, {}), { mounts: [] }, '"No folder" is a choice the settings must not override');
  });

  it('a single folder at the path, without a question', () => {
    const choices = mountChoices({ ...copy, includeIgnored: true }, [folder('app')]);
    assert.equal(choices.length, 1);
    assert.deepEqual(choices[0]?.mounts, [{ source: '/home/me/app', mode: 'copy', target: '/workspace', includeIgnored: true }]);
    assert.deepEqual(mountOverrides(defaultMountChoice(choices), {}), { mounts: choices[0]?.mounts }, 'the engine starts in the mount');
  });

  it('bind mounts carry no includeIgnored: they show the folder as it is', () => {
    const [choice] = mountChoices({ ...copy, mode: 'readonly', includeIgnored: true }, [folder('app')]);
    assert.deepEqual(choice?.mounts, [{ source: '/home/me/app', mode: 'readonly', target: '/workspace' }]);
  });

  it("skips folders that are not on this machine's disk (a sandbox: folder)", () => {
    const choices = mountChoices(copy, [folder('web:/workspace', '/workspace', 'sandbox'), folder('app')]);
    assert.deepEqual(
      choices.map((c) => c.label),
      ['app'],
    );
  });

  it('multi-root: all folders side by side first (the default), then each one alone', () => {
    const choices = mountChoices(copy, [folder('api'), folder('web')]);
    assert.deepEqual(
      choices.map((c) => [c.label, c.description]),
      [
        ['All folders', 'each under /workspace/<name>'],
        ['api', '/home/me/api → /workspace'],
        ['web', '/home/me/web → /workspace'],
      ],
    );
    const all = defaultMountChoice(choices);
    assert.deepEqual(
      all?.mounts.map((m) => [m.source, m.target]),
      [
        ['/home/me/api', '/workspace/api'],
        ['/home/me/web', '/workspace/web'],
      ],
    );
    assert.deepEqual(mountOverrides(all, {}), { mounts: all?.mounts, workdir: '/workspace' }, 'starts in the common parent');
    assert.deepEqual(mountOverrides(all, { workdir: '/srv' }), { mounts: all?.mounts }, 'a workdir from the settings wins');
  });

  it('makes folder names safe, unique path segments (names come from .code-workspace files)', () => {
    assert.deepEqual(targetNames(['app', 'app', '../../etc', '..', 'a/b', ' ', 'my app']), ['app', 'app-2', '.._.._etc', 'folder-4', 'a_b', 'folder-6', 'my app']);
    const choices = mountChoices(copy, [folder('..', '/home/me/x'), folder('..', '/home/me/y')]);
    assert.deepEqual(
      choices[0]?.mounts.map((m) => m.target),
      ['/workspace/folder-1', '/workspace/folder-2'],
    );
  });

  it('does not copy the workspace again into a sandbox made from a snapshot; bind mounts are mounted again', () => {
    assert.equal(mountSettingsForSnapshot(copy).mode, 'none');
    assert.equal(mountSettingsForSnapshot({ ...copy, mode: 'readwrite' }).mode, 'readwrite');
  });

  it('describes the mounts for prompts', () => {
    assert.equal(describeMounts(undefined), 'no workspace files');
    assert.equal(describeMounts([{ source: '/home/me/app', mode: 'copy', target: '/workspace' }]), 'app copied to /workspace');
    assert.equal(describeMounts([{ source: '/home/me/app', mode: 'readonly', target: '/workspace' }]), 'app mounted read-only at /workspace');
    assert.equal(
      describeMounts([
        { source: '/a', mode: 'readwrite', target: '/w/a' },
        { source: '/b', mode: 'readwrite', target: '/w/b' },
      ]),
      '2 folders mounted read-write at /w/…',
    );
  });
});

describe('what Sync Workspace copies', () => {
  it("the sandbox's own copy mounts when it recorded them", () => {
    const recorded = [
      { source: '/home/me/api', mode: 'copy' as const, target: '/srv/api' },
      { source: '/home/me/web', mode: 'readonly' as const, target: '/srv/web' },
    ];
    assert.deepEqual(syncPlan(recorded, copy, [folder('other')]), { kind: 'copy', mounts: [recorded[0]] });
  });

  it('nothing for bind mounts: the sandbox sees the folder itself', () => {
    const recorded = [{ source: '/home/me/api', mode: 'readwrite' as const, target: '/workspace' }];
    assert.deepEqual(syncPlan(recorded, copy, [folder('api')]), { kind: 'live', mounts: recorded });
  });

  it('otherwise the folders the settings name, as copies, even when the mode is not copy', () => {
    const plan = syncPlan(undefined, { ...copy, mode: 'none' }, [folder('app')]);
    assert.deepEqual(plan, { kind: 'copy', mounts: [{ source: '/home/me/app', mode: 'copy', target: '/workspace', includeIgnored: false }] });
    assert.deepEqual(syncPlan([], copy, []), { kind: 'nothing' });
  });
});
