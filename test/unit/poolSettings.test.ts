import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolCheckItem, poolSizeFrom, poolSpecAfterCreate } from '../../src/vscode/create/poolSettings';

describe('warm pool settings', () => {
  it('reads the size as a whole number from 0 to 8; anything else is no pool', () => {
    assert.equal(poolSizeFrom(2), 2);
    assert.equal(poolSizeFrom(50), 8);
    for (const bad of [undefined, null, -1, 1.5, '3', true]) assert.equal(poolSizeFrom(bad), 0, String(bad));
  });
  it('keeps the pool for the created spec without its name', () => {
    assert.deepEqual(poolSpecAfterCreate({ image: 'i', name: 'web', tags: { w: '1' }, blockNetwork: true }), { image: 'i', tags: { w: '1' }, blockNetwork: true });
  });
  it('Check Setup shows the pool as a setting and its state, not as sandboxes', () => {
    assert.match(poolCheckItem(0, []).detail, /^Off/);
    assert.match(poolCheckItem(1, []).detail, /after the next Create Sandbox/);
    const item = poolCheckItem(2, [{ key: 'k', image: 'img:1', runtime: 'runsc', size: 2, ready: 1 }]);
    assert.equal(item.ok, true);
    assert.match(item.detail, /1 of 2 ready for img:1 \(runsc\)/);
    assert.match(item.detail, /not listed as sandboxes/);
  });
});
