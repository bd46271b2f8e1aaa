import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_POLLED, StatPoller, type StatSignature } from '../../src/vscode/files/statPoller';

/** Files as a sandbox would report them; `fail` makes a look throw (sandbox unreachable). */
function fakeSandbox() {
  const files = new Map<string, StatSignature>();
  const looked: string[] = [];
  let fail = false;
  const poller = new StatPoller(async (key) => {
    looked.push(key);
    if (fail) throw new Error('NOT_RUNNING');
    return files.get(key);
  });
  return { files, looked, poller, setFail: (value: boolean) => (fail = value) };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('polling watched sandbox files', () => {
  it('looks when watching starts, then reports changes, deletion and re-creation', async () => {
    const { files, poller } = fakeSandbox();
    files.set('a', { mtimeMs: 1000, size: 3 });
    poller.add('a');
    await settled();
    files.set('a', { mtimeMs: 1500, size: 3 });
    assert.deepEqual(await poller.poll(), [{ key: 'a', type: 'changed' }], 'a change right after opening counts');
    assert.deepEqual(await poller.poll(), [], 'nothing changed');
    files.set('a', { mtimeMs: 1000, size: 4 });
    assert.deepEqual(await poller.poll(), [{ key: 'a', type: 'changed' }], 'same second, other size');
    files.set('a', { mtimeMs: 2000, size: 4 });
    assert.deepEqual(await poller.poll(), [{ key: 'a', type: 'changed' }]);
    files.delete('a');
    assert.deepEqual(await poller.poll(), [{ key: 'a', type: 'deleted' }]);
    files.set('a', { mtimeMs: 3000, size: 1 });
    assert.deepEqual(await poller.poll(), [{ key: 'a', type: 'created' }]);
  });

  it('reports nothing while a file cannot be looked at, and no false change afterwards', async () => {
    const { files, poller, setFail } = fakeSandbox();
    files.set('a', { mtimeMs: 1, size: 1 });
    poller.add('a');
    await settled();
    setFail(true);
    assert.deepEqual(await poller.poll(), []);
    setFail(false);
    assert.deepEqual(await poller.poll(), []);
  });

  it('counts watches: a file stays watched until its last watch stops', async () => {
    const { files, looked, poller } = fakeSandbox();
    files.set('a', { mtimeMs: 1, size: 1 });
    const stop1 = poller.add('a');
    const stop2 = poller.add('a');
    stop1();
    stop1();
    assert.equal(poller.size, 1);
    stop2();
    assert.equal(poller.size, 0);
    await settled();
    looked.length = 0;
    await poller.poll();
    assert.deepEqual(looked, []);
  });

  it('looks at the most recently watched files only, and never overlaps polls', async () => {
    const { looked, poller } = fakeSandbox();
    for (let i = 0; i < MAX_POLLED + 5; i++) poller.add(`f${i}`);
    await settled();
    looked.length = 0;
    const first = poller.poll();
    assert.deepEqual(await poller.poll(), [], 'a poll still running: this one does nothing');
    await first;
    assert.equal(looked.length, MAX_POLLED);
    assert.ok(!looked.includes('f0') && looked.includes(`f${MAX_POLLED + 4}`));
  });
});
