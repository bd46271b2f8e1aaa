import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { isSandboxError } from '../../src/core';
import { DEFAULT_POOL_IDLE_SECONDS, idleExpired, idleExpiryMs, lastClaims, withinBudget } from '../../src/core/pool/poolLimits';

function container(labels: Record<string, string>): Docker.ContainerInfo {
  return { Id: Math.random().toString(36), Names: [], Labels: { 'sandboxes.managed': 'true', ...labels } } as unknown as Docker.ContainerInfo;
}

describe('pool idle expiry', () => {
  it('defaults to 10 minutes, 0 never expires, negative is refused', () => {
    assert.equal(idleExpiryMs(undefined), DEFAULT_POOL_IDLE_SECONDS * 1000);
    assert.equal(DEFAULT_POOL_IDLE_SECONDS, 600);
    assert.equal(idleExpiryMs(0), 0);
    assert.equal(idleExpiryMs(2), 2000);
    assert.throws(
      () => idleExpiryMs(-1),
      (e) => isSandboxError(e, 'INVALID_SPEC'),
    );
    assert.throws(
      () => idleExpiryMs(Number.NaN),
      (e) => isSandboxError(e, 'INVALID_SPEC'),
    );
  });

  it('expires once idle for the whole time, never with 0', () => {
    assert.equal(idleExpired(1000, 5000, 5999), false);
    assert.equal(idleExpired(1000, 5000, 6000), true);
    assert.equal(idleExpired(0, 0, Number.MAX_SAFE_INTEGER), false);
  });

  it('the latest claim of each pool counts as use; retiring records and other containers do not', () => {
    const claims = lastClaims([
      container({ 'sandboxes.role': 'claim', 'sandboxes.pool-key': 'k1', 'sandboxes.created-at': '2026-01-01T00:00:01.000Z' }),
      container({ 'sandboxes.role': 'claim', 'sandboxes.pool-key': 'k1', 'sandboxes.created-at': '2026-01-01T00:00:05.000Z' }),
      container({ 'sandboxes.role': 'claim', 'sandboxes.pool-key': 'k2', 'sandboxes.created-at': 'not a date' }),
      container({ 'sandboxes.role': 'claim', 'sandboxes.pool': 'retiring', 'sandboxes.pool-key': 'k3', 'sandboxes.created-at': '2026-01-01T00:00:09.000Z' }),
      container({ 'sandboxes.role': 'sandbox', 'sandboxes.pool': 'true', 'sandboxes.pool-key': 'k4', 'sandboxes.created-at': '2026-01-01T00:00:09.000Z' }),
    ]);
    assert.deepEqual([...claims], [['k1', Date.parse('2026-01-01T00:00:05.000Z')]]);
  });
});

describe('pool memory budget', () => {
  it('keeps what fits', () => {
    assert.deepEqual(withinBudget(2, 2048, 0, 4096), { size: 2 });
    assert.deepEqual(withinBudget(1, 256, 512, 768), { size: 1 });
  });

  it('clips to what fits beside other pools, saying why', () => {
    const clipped = withinBudget(3, 256, 0, 600);
    assert.equal(clipped.size, 2);
    assert.match(
      clipped.clipped ?? '',
      /keeps 2 instead of 3: a pool of 3 sandboxes of 256 MiB needs 768 MiB, and the pool memory budget is 600 MiB with 0 MiB held by other pools/,
    );
    assert.equal(withinBudget(4, 1024, 2048, 4096).size, 2);
  });

  it('refuses when not even one member fits, with a fix', () => {
    assert.throws(
      () => withinBudget(1, 2048, 3072, 4096),
      (e) => isSandboxError(e, 'POOL_BUDGET') && /poolMemoryBudgetMiB/.test(e.fix) && /1024|3072 MiB held/.test(e.message),
    );
  });
});
