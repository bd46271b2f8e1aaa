/** Builders for engine values used across unit tests of the adapter. */
import assert from 'node:assert/strict';
import type { NetworkState, SandboxInfo } from '../../src/core/types';
import { UserFacingError } from '../../src/vscode/errors';
import type { SettingsReader } from '../../src/vscode/settingsToSpec';

export const NOW = new Date('2026-01-01T12:00:00Z');
export const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

export function sandboxInfo(overrides: Partial<SandboxInfo> = {}): SandboxInfo {
  return {
    id: 'sb-1',
    containerId: 'c0ffee',
    name: 'scratch',
    image: 'python:3.12-slim',
    runtime: 'runsc',
    state: 'running',
    exitCode: null,
    createdAt: ago(300),
    expiresAt: null,
    tags: {},
    networkMode: 'open',
    ...overrides,
  };
}

export function networkState(overrides: Partial<NetworkState> = {}): NetworkState {
  return { mode: 'open', blockNetwork: false, cidrAllowlist: [], followsDefaults: false, enforced: true, forwardedPorts: [], forwards: [], ...overrides };
}

/** What VS Code returns for a configuration with these values set (and everything else unset). */
export function settings(values: Record<string, unknown>): SettingsReader {
  return { get: (key: string) => values[key] } as SettingsReader;
}

/** Runs a settings read that must be refused, and returns the error users would see. */
export function refused(read: () => unknown): UserFacingError {
  try {
    read();
  } catch (err) {
    assert.ok(err instanceof UserFacingError, `expected a UserFacingError, got ${String(err)}`);
    return err;
  }
  assert.fail('the settings were accepted');
}
