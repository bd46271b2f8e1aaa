/**
 * Reading settings from VS Code. Keys live in settingKeys.ts, which scope's value counts in
 * effectiveSettings.ts (a repository's settings may tighten the sandbox, never loosen it), and
 * the mapping to a spec in settingsToSpec.ts and network/networkSettings.ts (all free of
 * `vscode`, so they are unit-tested); this file is the glue. Every read goes through
 * `inspect()` and effectiveSettings.ts, never through `get()`, which lets a workspace value win.
 */
import * as vscode from 'vscode';
import { validateSpec } from '../core';
import { parseCidr, parseDomainEntry } from '../core';
import type { SandboxSpec } from '../core/types';
import { effectiveSettings, ignoredSettings, type EffectiveSettings, type IgnoredSetting, type ResolveOptions } from './effectiveSettings';
import { networkSettingsFrom, type NetworkSettings } from './network/networkSettings';
import { workspaceTagFor } from './network/workspaceTag';
import { workspaceMountSettingsFrom, type WorkspaceMountSettings } from './files/mountSettings';
import { bindAddressFrom, type BindAddress } from './ports/portSettings';
import { gatewayResolversFrom, type GatewayResolvers } from './network/gatewayResolvers';
import { GVISOR_RUNTIME, SettingKeys } from '../shared/settingKeys';
import { newSandboxSpecFromSettings } from './settingsToSpec';
import { poolMemoryBudgetFrom, poolSizeSettingFrom, type PoolSizeSetting } from './create/poolSettings';

export { GVISOR_RUNTIME, SettingKeys } from '../shared/settingKeys';

/**
 * The spec of a new sandbox from the `sandboxes.defaults.*`, `sandboxes.network.*` and `sandboxes.ports.*` settings,
 * validated by the engine and tagged with this window's workspace. Throws a `UserFacingError`
 * naming each invalid setting and what it must be.
 */
export function readSandboxDefaults(scope: vscode.ConfigurationScope | undefined = windowScope()): SandboxSpec {
  return newSandboxSpecFromSettings(readEffectiveSettings(scope), { validateSpec, parseCidr, parseDomainEntry }, currentWorkspaceTag());
}

/** The workspace's network policy; throws a `UserFacingError` naming every bad entry. */
export function readNetworkSettings(): NetworkSettings {
  return networkSettingsFrom(readEffectiveSettings(), parseCidr, parseDomainEntry);
}

/**
 * The settings as they count for this window: user scope (or the default), tightened by the
 * workspace and folder scopes where effectiveSettings.ts allows it. The Create Sandbox form is
 * filled from this too.
 */
export function readEffectiveSettings(scope: vscode.ConfigurationScope | undefined = windowScope()): EffectiveSettings {
  const config = vscode.workspace.getConfiguration(undefined, scope);
  return effectiveSettings((key) => config.inspect(key), resolveOptions());
}

/** The workspace and folder values that do not count, and why (logged by IgnoredSettingsReporter). */
export function readIgnoredWorkspaceSettings(): IgnoredSetting[] {
  const config = vscode.workspace.getConfiguration(undefined, windowScope());
  return ignoredSettings((key) => config.inspect(key), resolveOptions());
}

function resolveOptions(): ResolveOptions {
  // Wrapped: reading the engine's export loads the engine, which only an allowlist needs.
  return { trusted: vscode.workspace.isTrusted, parseCidr: (entry) => parseCidr(entry) };
}

/** The tag value of the sandboxes this window creates and keeps following its settings. */
export function currentWorkspaceTag(): string {
  return workspaceTagFor(
    vscode.workspace.workspaceFile?.toString(),
    (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString()),
  );
}

/**
 * Settings are read for the window's first folder, in VS Code's order (user, workspace, folder),
 * each later scope only tightening (effectiveSettings.ts). The network settings are window-scoped, so in a multi-root workspace (whose sandboxes are
 * tagged with the workspace file) the workspace's value applies and the Settings editor says so.
 */
function windowScope(): vscode.ConfigurationScope | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** How new sandboxes get the workspace (`sandboxes.workspace.*`); throws a `UserFacingError` naming every invalid setting. */
export function readWorkspaceMountSettings(): WorkspaceMountSettings {
  return workspaceMountSettingsFrom(readEffectiveSettings());
}

/** Where forwarded ports listen (`sandboxes.ports.bindAddress`); 127.0.0.1 and the problem when the value is invalid. */
export function readBindAddress(): BindAddress {
  return bindAddressFrom(readEffectiveSettings());
}

/** The configured Docker endpoint, or `undefined` for the engine's fallback (DOCKER_HOST, then the default socket). */
export function readDockerHost(): string | undefined {
  return readString(SettingKeys.dockerHost);
}

/** `sandboxes.docker.engines` as set in the user settings (engines/engineEntries.ts parses it). */
export function readDockerEngines(): unknown {
  return readEffectiveSettings().get(SettingKeys.dockerEngines);
}

/** The egress gateway's resolvers (`sandboxes.network.gatewayResolvers`), user scope only; `undefined` for its own. */
export function readGatewayResolvers(): GatewayResolvers {
  return gatewayResolversFrom(readEffectiveSettings());
}

/** The image of the network guard containers, or `undefined` for the engine's default. */
export function readGuardImage(): string | undefined {
  return readString(SettingKeys.guardImage);
}

/** `sandboxes.pool.memoryBudgetMiB` (user settings only): what pooled sandboxes' memory limits may add up to; `undefined`: the engine's default. */
export function readPoolMemoryBudget(): number | undefined {
  return poolMemoryBudgetFrom(readEffectiveSettings().get(SettingKeys.poolMemoryBudget));
}

/** `sandboxes.pool.size` (user settings only): how many sandboxes to keep started ahead; `'auto'` when unset, 0 when invalid. */
export function readPoolSize(): PoolSizeSetting {
  return poolSizeSettingFrom(readEffectiveSettings().get(SettingKeys.poolSize));
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
  const value: unknown = readEffectiveSettings().get(key);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
