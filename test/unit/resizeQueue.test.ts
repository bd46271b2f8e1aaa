import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResizeQueue, type TerminalSize } from '../../src/vscode/terminal/resizeQueue';

function recorder(delayMs = 5) {
  const applied: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const apply = async (size: TerminalSize) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    applied.push(`${size.cols}x${size.rows}`);
    inFlight--;
  };
  return { applied, apply, maxInFlight: () => maxInFlight };
}

const unexpected = (err: unknown) => assert.fail(`unexpected resize error: ${String(err)}`);

describe('terminal resize queue', () => {
  it('sends one resize at a time and skips to the latest size', async () => {
    const r = recorder();
    const queue = new ResizeQueue(r.apply, unexpected);
    for (let cols = 80; cols <= 100; cols++) {
      queue.push({ cols, rows: 24 });
    }
    await queue.idle();
    assert.deepEqual(r.applied, ['80x24', '100x24']);
    assert.equal(r.maxInFlight(), 1);
  });

  it('does not resend the size the PTY already has', async () => {
    const r = recorder(0);
    const queue = new ResizeQueue(r.apply, unexpected, { cols: 80, rows: 24 });
    queue.push({ cols: 80, rows: 24 });
    await queue.idle();
    assert.deepEqual(r.applied, []);
    queue.push({ cols: 81, rows: 24 });
    queue.push({ cols: 81, rows: 24 });
    await queue.idle();
    assert.deepEqual(r.applied, ['81x24']);
  });

  it('reports a failed resize and keeps going', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const queue = new ResizeQueue(
      async () => {
        calls++;
        if (calls === 1) throw new Error('exec gone');
      },
      (err) => errors.push(err),
    );
    queue.push({ cols: 10, rows: 10 });
    await queue.idle();
    queue.push({ cols: 20, rows: 10 });
    await queue.idle();
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
  });
});
