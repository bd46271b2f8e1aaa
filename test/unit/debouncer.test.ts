import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Debouncer } from '../../src/vscode/tree/debouncer';
import { REFRESH_DEBOUNCE_MS, REFRESH_MAX_WAIT_MS } from '../../src/vscode/tree/refreshTiming';

describe('refresh debouncing (fake timers)', () => {
  let runs: number;
  let debouncer: Debouncer;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    runs = 0;
    debouncer = new Debouncer(() => runs++, REFRESH_DEBOUNCE_MS, REFRESH_MAX_WAIT_MS);
  });
  afterEach(() => {
    debouncer.dispose();
    mock.timers.reset();
  });

  it('runs once for a burst of events, after the burst has been quiet for the delay', () => {
    // A sandbox starting: guard created, started, sandbox created, started.
    for (let i = 0; i < 4; i++) {
      debouncer.schedule();
      mock.timers.tick(50);
    }
    assert.equal(runs, 0);
    mock.timers.tick(REFRESH_DEBOUNCE_MS - 50 - 1);
    assert.equal(runs, 0);
    mock.timers.tick(1);
    assert.equal(runs, 1);
    mock.timers.tick(10_000);
    assert.equal(runs, 1, 'nothing more without new events');
  });

  it('does not let a steady stream of events postpone the refresh past the maximum wait', () => {
    const every = 100;
    for (let elapsed = 0; elapsed < REFRESH_MAX_WAIT_MS; elapsed += every) {
      debouncer.schedule();
      mock.timers.tick(every);
    }
    assert.equal(runs, 1, `refreshed within ${REFRESH_MAX_WAIT_MS} ms although events kept coming`);
  });

  it('starts a new burst after running', () => {
    debouncer.schedule();
    mock.timers.tick(REFRESH_DEBOUNCE_MS);
    debouncer.schedule();
    mock.timers.tick(REFRESH_DEBOUNCE_MS);
    assert.equal(runs, 2);
  });

  it('never runs a cancelled refresh (Refresh loads at once instead)', () => {
    debouncer.schedule();
    assert.equal(debouncer.pending, true);
    debouncer.cancel();
    mock.timers.tick(REFRESH_MAX_WAIT_MS * 2);
    assert.equal(runs, 0);
    assert.equal(debouncer.pending, false);
  });

  it('keeps the promise of the Sandboxes view: an event is shown within a second', () => {
    assert.ok(REFRESH_MAX_WAIT_MS + 200 < 1000, 'leaves time for listing the sandboxes');
    assert.ok(REFRESH_DEBOUNCE_MS <= REFRESH_MAX_WAIT_MS);
  });
});
