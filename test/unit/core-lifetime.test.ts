import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, lifetimeOf } from '../../src/core/lifetime';
import { LABEL } from '../../src/core/labels';

describe('reaper scheduling', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads deadlines from labels', () => {
    const view = lifetimeOf('c1', { [LABEL.expiresAt]: new Date(now + 5000).toISOString(), [LABEL.idleTimeout]: '30' }, true);
    assert.deepEqual(view, { containerId: 'c1', running: true, expiresAt: now + 5000, idleTimeoutMs: 30_000 });
    assert.deepEqual(lifetimeOf('c2', {}, true), { containerId: 'c2', running: true, expiresAt: null, idleTimeoutMs: null });
    assert.equal(lifetimeOf('c3', { [LABEL.expiresAt]: 'garbage' }, true).expiresAt, null);
  });

  it('kills what is due and sleeps until the next deadline', () => {
    const views = [
      { containerId: 'due', running: true, expiresAt: now - 1, idleTimeoutMs: null },
      { containerId: 'later', running: true, expiresAt: now + 7000, idleTimeoutMs: null },
      { containerId: 'stopped', running: false, expiresAt: now - 1000, idleTimeoutMs: null },
    ];
    const decision = decide(views, new Map(), now);
    assert.deepEqual(decision.kill, [{ containerId: 'due', reason: 'timeout' }]);
    assert.equal(decision.nextCheckMs, 7000);
  });

  it('ends idle sandboxes and polls while something may become idle', () => {
    const views = [
      { containerId: 'idle', running: true, expiresAt: null, idleTimeoutMs: 10_000 },
      { containerId: 'busy', running: true, expiresAt: null, idleTimeoutMs: 10_000 },
    ];
    const lastActive = new Map([['idle', now - 10_000], ['busy', now - 500]]);
    const decision = decide(views, lastActive, now);
    assert.deepEqual(decision.kill, [{ containerId: 'idle', reason: 'idle' }]);
    assert.equal(decision.nextCheckMs, 1000);
  });

  it('has nothing to do without deadlines', () => {
    assert.deepEqual(decide([{ containerId: 'x', running: true, expiresAt: null, idleTimeoutMs: null }], new Map(), now), { kill: [], nextCheckMs: null });
  });
});
