import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SandboxInfo } from '../../src/core/types';
import { describeRuntime, describeSandbox, formatAge } from '../../src/vscode/sandboxFormat';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

function info(overrides: Partial<SandboxInfo> = {}): SandboxInfo {
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

describe('sandbox descriptions', () => {
  it('formats ages', () => {
    assert.equal(formatAge(ago(5), now), 'just now');
    assert.equal(formatAge(ago(60), now), '1 minute ago');
    assert.equal(formatAge(ago(7200), now), '2 hours ago');
    assert.equal(formatAge(ago(86_400 * 3), now), '3 days ago');
    assert.equal(formatAge(new Date(now.getTime() + 5000), now), 'just now');
  });

  it('says plainly when a runtime is not gVisor', () => {
    assert.equal(describeRuntime('runsc'), 'gVisor (runsc)');
    assert.equal(describeRuntime('runc'), 'runc, not gVisor');
  });

  it('describes a sandbox as name, image, then state · runtime · age · deadline', () => {
    assert.deepEqual(describeSandbox(info(), now), {
      label: 'scratch',
      description: 'python:3.12-slim',
      detail: 'running · gVisor (runsc) · created 5 minutes ago',
    });
    const expiring = describeSandbox(info({ expiresAt: new Date(now.getTime() + 1800_000) }), now);
    assert.equal(expiring.detail, 'running · gVisor (runsc) · created 5 minutes ago · expires in 30 minutes');
  });
});
