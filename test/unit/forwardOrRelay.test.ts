import assert from 'node:assert/strict';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { forwardOrRelay } from '../../src/core/tunnels/forwardOrRelay';

/** An opener that succeeds or fails as `outcomes` says, one entry per call, and counts its calls. */
function opener(name: string, outcomes: boolean[]) {
  const calls = { n: 0 };
  const open = async (): Promise<Duplex> => {
    const ok = outcomes[Math.min(calls.n++, outcomes.length - 1)];
    if (!ok) throw new Error(`${name} failed`);
    return Object.assign(new PassThrough(), { via: name });
  };
  return { open, calls };
}

const via = (stream: Duplex) => (stream as Duplex & { via: string }).via;

describe('forwardOrRelay', () => {
  it('uses the forward while it connects, and never starts a relay', async () => {
    const forward = opener('forward', [true]);
    const relay = opener('relay', [true]);
    const open = forwardOrRelay(forward.open, relay.open);
    for (let i = 0; i < 3; i++) assert.equal(via(await open()), 'forward');
    assert.equal(relay.calls.n, 0);
  });

  it('switches to the relay for good once the relay connects where the forward did not', async () => {
    const forward = opener('forward', [false]);
    const relay = opener('relay', [true]);
    const open = forwardOrRelay(forward.open, relay.open);
    assert.equal(via(await open()), 'relay');
    assert.equal(via(await open()), 'relay');
    assert.equal(forward.calls.n, 1, 'the refused forward is not tried again');
  });

  it("when neither connects (nothing listens yet), throws the relay's error and tries the forward again next time", async () => {
    const forward = opener('forward', [false, true]);
    const relay = opener('relay', [false]);
    const open = forwardOrRelay(forward.open, relay.open);
    await assert.rejects(open(), /relay failed/);
    assert.equal(via(await open()), 'forward');
  });
});
