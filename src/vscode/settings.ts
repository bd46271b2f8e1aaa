/**
 * Reading settings from VS Code. Keys live in settingKeys.ts and the mapping to a spec in
 * settingsToSpec.ts and network/networkSettings.ts (all free of `vscode`, so they are
 * unit-tested); this file is the glue.
 */
import * as vscode from 'vscode';
import { validateSpec } from '../core';
import { parseCidr } from '../core';
import type { SandboxSpec } from '../core/types';
import { networkSettingsFrom, type NetworkSettings } from './network/networkSettings';
import { workspaceTagValue } from './network/workspaceTag';
import { workspaceMountSettingsFrom, type WorkspaceMountSettings } from './files/mountSettings';
import { bindAddressFrom, type BindAddress } from './ports/portSettings';
import { GVISOR_RUNTIME, SettingKeys } from './settingKeys';
import { newSandboxSpecFromSettings } from './settingsToSpec';

export { GVISOR_RUNTIME, SettingKeys } from './settingKeys';

/**
 * The spec of a new sandbox from the `sandboxes.defaults.*`, `sandboxes.network.*` and `sandboxes.ports.*` settings,
 * validated by the engine and tagged with this window's workspace. Throws a `UserFacingError`
 * naming each invalid setting and what it must be.
 */
export function readSandboxDefaults(scope: vscode.ConfigurationScope | undefined = windowScope()): SandboxSpec {
  return newSandboxSpecFromSettings(vscode.workspace.getConfiguration(undefined, scope), { validateSpec, parseCidr }, currentWorkspaceTag());
}

/** The workspace's network policy; throws a `UserFacingError` naming every bad entry. */
export function readNetworkSettings(): NetworkSettings {
  return networkSettingsFrom(vscode.workspace.getConfiguration(undefined, windowScope()), parseCidr);
}

/** The tag value of the sandboxes this window creates and keeps following its settings. */
export function currentWorkspaceTag(): string {
  const uri = vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  return workspaceTagValue(uri?.toString());
}

/**
 * Settings resolve as VS Code resolves them for the window's first folder: folder > workspace >
 * user. The network settings are window-scoped, so in a multi-root workspace (whose sandboxes are
 * tagged with the workspace file) the workspace's value applies and the Settings editor says so.
 */
function windowScope(): vscode.ConfigurationScope | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** How new sandboxes get the workspace (`sandboxes.workspace.*`); throws a `UserFacingError` naming every invalid setting. */
export function readWorkspaceMountSettings(): WorkspaceMountSettings {
  return workspaceMountSettingsFrom(vscode.workspace.getConfiguration(undefined, windowScope()));
}

/** Where forwarded ports listen (`sandboxes.ports.bindAddress`); 127.0.0.1 and the problem when the value is invalid. */
export function readBindAddress(): BindAddress {
  return bindAddressFrom(vscode.workspace.getConfiguration());
}

/** The configured Docker endpoint, or `undefined` for the engine's fallback (DOCKER_HOST, then the default socket). */
export function readDockerHost(): string | undefined {
  return readString(SettingKeys.dockerHost);
}

/** The image of the network guard containers, or `undefined` for the engine's default. */
export function readGuardImage(): string | undefined {
  return readString(SettingKeys.guardImage);
}

/** The runtime new sandboxes would use, even when other settings are invalid (for Check Setup). */
export function readRuntimeSetting(): string {
  return readString(SettingKeys.runtime) ?? GVISOR_RUNTIME;
}

/** The image new sandboxes would use, or `undefined` when the setting is empty. */
export function readImageSetting(): string | undefined {
  return readString(SettingKeys.image);
}

/** A string setting, trimmed; `undefined` when empty or not a string (settings.json accepts anything). */
function readString(key: string): string | undefined {
  const value: unknown = vscode.workspace.getConfiguration().get(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
