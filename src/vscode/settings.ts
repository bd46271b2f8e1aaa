/**
 * Reading settings from VS Code. Keys live in settingKeys.ts and the mapping to a spec in
 * settingsToSpec.ts (both free of `vscode`, so they are unit-tested); this file is the glue.
 */
import * as vscode from 'vscode';
import { validateSpec } from '../core';
import type { SandboxSpec } from '../core/types';
import { GVISOR_RUNTIME, SettingKeys } from './settingKeys';
import { sandboxDefaultsFromSettings } from './settingsToSpec';

export { GVISOR_RUNTIME, SettingKeys } from './settingKeys';

/**
 * Defaults for a new sandbox from the `sandboxes.defaults.*` settings, validated by the engine.
 * Throws a `UserFacingError` naming each invalid setting and what it must be.
 */
export function readSandboxDefaults(scope?: vscode.ConfigurationScope): SandboxSpec {
  return sandboxDefaultsFromSettings(vscode.workspace.getConfiguration(undefined, scope), validateSpec);
}

/** The configured Docker endpoint, or `undefined` for the engine's fallback (DOCKER_HOST, then the default socket). */
export function readDockerHost(): string | undefined {
  return readString(SettingKeys.dockerHost);
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
