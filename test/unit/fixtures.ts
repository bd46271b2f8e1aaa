/** Builders for engine values used across unit tests of the adapter. */
import type { NetworkState, SandboxInfo } from '../../src/core/types';

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
