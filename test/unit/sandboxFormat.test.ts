import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, ago, networkState, sandboxInfo } from './fixtures';
import { describeNetworkState } from '../../src/vscode/network/networkFormat';
import { describeRuntime, describeSandbox, formatAge } from '../../src/vscode/sandboxFormat';

const now = NOW;
const info = sandboxInfo;
const network = networkState;

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

  it('describes a sandbox as name, image, then state · runtime · network · age · deadline', () => {
    assert.deepEqual(describeSandbox(info(), now, network()), {
      label: 'scratch',
      description: 'python:3.12-slim',
      detail: 'running · gVisor (runsc) · network open · created 5 minutes ago',
    });
    const expiring = describeSandbox(info({ expiresAt: new Date(now.getTime() + 1800_000) }), now, network());
    assert.equal(expiring.detail, 'running · gVisor (runsc) · network open · created 5 minutes ago · expires in 30 minutes');
  });

  it('says the current policy is being read until it is known (not the mode at creation), and nothing for stopped sandboxes', () => {
    assert.equal(describeSandbox(info({ networkMode: 'blocked' }), now).detail, 'running · gVisor (runsc) · network: reading the current policy… · created 5 minutes ago');
    assert.equal(describeSandbox(info({ state: 'exited', exitCode: 0 }), now).detail, 'exited · gVisor (runsc) · created 5 minutes ago');
  });

  it('describes the live network: mode, first allowlist entries, whether it follows the settings', () => {
    assert.equal(describeNetworkState(network({ mode: 'blocked', blockNetwork: true, followsDefaults: true })), 'network blocked · follows settings');
    assert.equal(
      describeNetworkState(network({ mode: 'allowlist', cidrAllowlist: ['10.0.0.0/8', '192.0.2.7/32', 'fd00::/8', '198.51.100.0/24'] })),
      'network allowlist (10.0.0.0/8, 192.0.2.7/32 +2)',
    );
    assert.equal(describeNetworkState(network({ enforced: false })), 'network open, policies not enforceable');
  });
});
