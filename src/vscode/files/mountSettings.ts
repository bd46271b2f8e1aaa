/**
 * The `sandboxes.workspace.*` settings: whether and how new sandboxes get the workspace folder,
 * and where. Pure: the configuration is passed in, so tests need no VS Code.
 */
import type { WorkspaceMountMode } from '../../core/types';
import { UserFacingError } from '../errors';
import type { SettingsReader } from '../network/networkSettings';
import { SettingKeys } from '../../shared/settingKeys';
import { normalizeSandboxPath } from './sandboxUri';

export const MOUNT_MODES = ['none', 'copy', 'readonly', 'readwrite'] as const satisfies readonly WorkspaceMountMode[];

export const DEFAULT_MOUNT_MODE: WorkspaceMountMode = 'copy';
export const DEFAULT_WORKSPACE_PATH = '/workspace';

export interface WorkspaceMountSettings {
  mode: WorkspaceMountMode;
  /** Absolute, normalised, never `/`. */
  path: string;
  /** Copy mode: also copy what .gitignore excludes. */
  includeIgnored: boolean;
}

/**
 * An absolute path with no `.` or `..` segment, other than `/` (a mount there would hide the
 * whole image). package.json's `pattern` for `sandboxes.workspace.path` is this expression.
 */
export const WORKSPACE_PATH_PATTERN = '^(?:/(?!\\.\\.?(?:/|$))[^/]+)+/?$';
const WORKSPACE_PATH = new RegExp(WORKSPACE_PATH_PATTERN);

/** Throws one `UserFacingError` naming every invalid setting of the group. */
export function workspaceMountSettingsFrom(settings: SettingsReader): WorkspaceMountSettings {
  const problems: string[] = [];
  const keys: string[] = [];
  const refuse = (key: string, value: unknown, expected: string) => {
    problems.push(`Setting "${key}" is ${JSON.stringify(value) ?? String(value)}, but it must be ${expected}.`);
    keys.push(key);
  };

  const mode = settings.get(SettingKeys.workspaceMount) ?? DEFAULT_MOUNT_MODE;
  if (!(MOUNT_MODES as readonly unknown[]).includes(mode)) {
    refuse(SettingKeys.workspaceMount, mode, `one of ${MOUNT_MODES.map((m) => `"${m}"`).join(', ')}`);
  }

  const rawPath = settings.get(SettingKeys.workspacePath);
  const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : DEFAULT_WORKSPACE_PATH;
  if ((rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') || !WORKSPACE_PATH.test(path)) {
    refuse(SettingKeys.workspacePath, rawPath, 'an absolute path inside the sandbox other than "/", without "." or ".." segments, such as "/workspace"');
  }

  const includeIgnored = settings.get(SettingKeys.includeIgnored) ?? false;
  if (typeof includeIgnored !== 'boolean') {
    refuse(SettingKeys.includeIgnored, includeIgnored, 'true or false');
  }

  if (problems.length > 0) {
    throw new UserFacingError(problems.join(' '), 'Correct it in Settings or settings.json; removing a setting restores its default.', keys);
  }
  return { mode: mode as WorkspaceMountMode, path: normalizeSandboxPath(path), includeIgnored: includeIgnored === true };
}
