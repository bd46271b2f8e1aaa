/** package.json's contributions for workspace files and snapshots agree with the code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandIds } from '../../src/vscode/commands/commandIds';
import { DEFAULT_MOUNT_MODE, DEFAULT_WORKSPACE_PATH, MOUNT_MODES, WORKSPACE_PATH_PATTERN } from '../../src/vscode/files/mountSettings';
import { SANDBOX_SCHEME } from '../../src/vscode/files/sandboxUri';
import { SettingKeys } from '../../src/shared/settingKeys';
import { ContextValues } from '../../src/vscode/tree/nodePresentation';
import { localizedManifest } from '../lib/manifest';

interface Property {
  default?: unknown;
  enum?: string[];
  enumDescriptions?: string[];
  pattern?: string;
  scope?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
const manifest = localizedManifest() as {
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] }; virtualWorkspaces: boolean | { supported: boolean | string } };
  contributes: { configuration: { properties: Record<string, Property> }[]; menus: Record<string, MenuItem[]> };
};
const properties = Object.assign({}, ...manifest.contributes.configuration.map((s) => s.properties)) as Record<string, Property>;
const menu = (name: string) => manifest.contributes.menus[name] ?? [];
const onTree = (contextValue: string) =>
  new Set(
    menu('view/item/context')
      .filter((m) => new RegExp(/\/(.*)\//.exec(m.when ?? '')?.[1] ?? '^$').test(contextValue))
      .map((m) => m.command),
  );

describe('package.json: workspace files and snapshots', () => {
  it('activates when VS Code needs the sandbox: file system (a window restoring a sandbox folder)', () => {
    assert.ok(manifest.activationEvents.includes(`onFileSystem:${SANDBOX_SCHEME}`));
  });

  it('stays enabled in a window whose folders are all sandbox: folders (a virtual workspace), which it serves', () => {
    const virtual = manifest.capabilities.virtualWorkspaces;
    assert.ok(virtual === true || (typeof virtual === 'object' && virtual.supported !== false));
  });

  it('offers the mount modes of the code, copy at /workspace by default, each explained', () => {
    const mount = properties[SettingKeys.workspaceMount];
    assert.deepEqual(mount?.enum, [...MOUNT_MODES]);
    assert.equal(mount?.default, DEFAULT_MOUNT_MODE);
    assert.equal(mount?.enumDescriptions?.length, MOUNT_MODES.length);
    assert.match(mount?.enumDescriptions?.[3] ?? '', /least isolated/);
    assert.equal(properties[SettingKeys.workspacePath]?.default, DEFAULT_WORKSPACE_PATH);
    assert.equal(properties[SettingKeys.workspacePath]?.pattern, WORKSPACE_PATH_PATTERN, 'the Settings UI checks what the code checks');
    assert.equal(properties[SettingKeys.includeIgnored]?.default, false);
  });

  it('does not let an untrusted workspace choose the mount mode or copy its ignored files', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.ok(restricted.includes(SettingKeys.workspaceMount));
    assert.ok(restricted.includes(SettingKeys.includeIgnored));
    for (const key of [SettingKeys.workspaceMount, SettingKeys.workspacePath, SettingKeys.includeIgnored]) {
      assert.notEqual(properties[key]?.scope, 'machine', `${key}: a workspace may set it when trusted`);
    }
  });

  it('puts the file commands on running sandboxes and the snapshot actions on snapshots', () => {
    const running = onTree(ContextValues.runningSandbox);
    for (const id of [CommandIds.openSandboxFolder, CommandIds.uploadToSandbox, CommandIds.downloadFromSandbox, CommandIds.syncWorkspace, CommandIds.snapshotSandbox]) {
      assert.ok(running.has(id), `${id} on a running sandbox`);
    }
    assert.deepEqual([...onTree(ContextValues.snapshot)].sort(), [CommandIds.createFromSnapshot, CommandIds.removeSnapshot].sort());
    assert.deepEqual([...onTree(ContextValues.snapshots)], [CommandIds.snapshotSandbox]);
  });

  it('offers upload on sandbox folders and download on sandbox files and folders in the Explorer', () => {
    const explorer = menu('explorer/context');
    assert.deepEqual(explorer.find((m) => m.command === CommandIds.uploadToSandbox)?.when, `resourceScheme == ${SANDBOX_SCHEME} && explorerResourceIsFolder`);
    assert.deepEqual(explorer.find((m) => m.command === CommandIds.downloadFromSandbox)?.when, `resourceScheme == ${SANDBOX_SCHEME}`);
  });

  it('keeps every file and snapshot command in the Command Palette', () => {
    const hidden = new Set(menu('commandPalette').map((m) => m.command));
    for (const id of [
      CommandIds.openSandboxFolder,
      CommandIds.downloadFromSandbox,
      CommandIds.uploadToSandbox,
      CommandIds.syncWorkspace,
      CommandIds.snapshotSandbox,
      CommandIds.createFromSnapshot,
      CommandIds.removeSnapshot,
    ]) {
      assert.ok(!hidden.has(id), id);
    }
  });
});
