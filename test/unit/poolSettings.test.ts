import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  poolCheckItem,
  poolMemoryBudgetFrom,
  poolSizeFor,
  poolSizeFrom,
  poolSizeSettingFrom,
  poolSpecAfterCreate,
  sameSpecButName,
} from '../../src/vscode/create/poolSettings';

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
  it('unset is automatic; an explicit value, 0 included, wins', () => {
    assert.equal(poolSizeSettingFrom(undefined), 'auto');
    assert.equal(poolSizeSettingFrom(null), 'auto');
    assert.equal(poolSizeSettingFrom(0), 0);
    assert.equal(poolSizeSettingFrom(3), 3);
    assert.equal(poolSizeSettingFrom('3'), 0, 'invalid is no pool, not automatic');
  });
  it('automatic: 1 for the default spec once a sandbox was created in this workspace, else 0; copy-mode specs too (copied in at claim)', () => {
    const spec = { image: 'i', tags: { w: '1' }, mounts: [{ source: '/w', mode: 'readonly' as const }] };
    assert.equal(poolSizeFor('auto', { createdHere: true, isDefaultSpec: true, spec }), 1);
    assert.equal(poolSizeFor('auto', { createdHere: false, isDefaultSpec: true, spec }), 0, 'nothing created here yet');
    assert.equal(poolSizeFor('auto', { createdHere: true, isDefaultSpec: false, spec }), 0, 'another spec');
    const copy = { ...spec, mounts: [{ source: '/w', mode: 'copy' as const }] };
    assert.equal(poolSizeFor('auto', { createdHere: true, isDefaultSpec: true, spec: copy }), 1, 'the workspace is copied in at claim');
    assert.equal(poolSizeFor(0, { createdHere: true, isDefaultSpec: true, spec }), 0, 'explicit 0 wins');
    assert.equal(poolSizeFor(2, { createdHere: false, isDefaultSpec: false, spec }), 2, 'explicit size wins');
  });
  it('the default spec is recognised whatever the name and key order', () => {
    const defaults = { image: 'i', tags: { a: '1', b: '2' }, memoryMiB: 512 };
    assert.ok(sameSpecButName({ memoryMiB: 512, name: 'web', tags: { b: '2', a: '1' }, image: 'i' }, defaults));
    assert.ok(!sameSpecButName({ ...defaults, image: 'other' }, defaults));
    assert.ok(!sameSpecButName({ ...defaults, memoryMiB: 1024 }, defaults));
  });
  it('Check Setup says when the size is automatic', () => {
    assert.match(poolCheckItem('auto', []).detail, /^Automatic .*once you have created a sandbox here/);
    assert.match(poolCheckItem('auto', [{ key: 'k', image: 'img:1', runtime: 'runsc', size: 1, ready: 1 }]).detail, /^Automatic: 1 of 1 ready/);
  });
});

describe('poolMemoryBudgetFrom', () => {
  it('takes a whole number of MiB from 16, else leaves the engine its default', () => {
    assert.equal(poolMemoryBudgetFrom(2048), 2048);
    assert.equal(poolMemoryBudgetFrom(16), 16);
    for (const bad of [undefined, null, 15, 0, -1, 1.5, '4096', Number.NaN]) assert.equal(poolMemoryBudgetFrom(bad), undefined, String(bad));
  });
});
