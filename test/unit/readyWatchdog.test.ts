import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { ReadyWatchdog, type WatchedPanel } from '../../src/vscode/webviews/readyWatchdog';

function fakePanel(visible = true) {
  const listeners: (() => void)[] = [];
  const panel = {
    visible,
    onDidChangeViewState: (listener: () => void) => {
      listeners.push(listener);
      return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
    },
    set(v: boolean) {
      panel.visible = v;
      for (const l of [...listeners]) l();
    },
  };
  return panel as WatchedPanel & { visible: boolean; set(v: boolean): void };
}

describe('ReadyWatchdog', () => {
  it('loads the page again when a visible panel never says ready, a bounded number of times', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const panel = fakePanel();
      const renders: number[] = [];
      const reports: string[] = [];
      const watchdog = new ReadyWatchdog(
        panel,
        () => renders.push(1),
        (m) => reports.push(m),
        1000,
        2,
      );
      watchdog.rendered();
      mock.timers.tick(999);
      assert.equal(renders.length, 0);
      mock.timers.tick(1);
      assert.equal(renders.length, 1, 'set again after the timeout');
      mock.timers.tick(1999);
      assert.equal(renders.length, 1, 'each new load waits twice as long');
      mock.timers.tick(1);
      assert.equal(renders.length, 2);
      mock.timers.tick(10_000);
      assert.equal(renders.length, 2, 'no more than maxRenders');
      assert.match(reports.at(-1)!, /did not start after 3 loads/);
      watchdog.dispose();
    } finally {
      mock.timers.reset();
    }
  });

  it('does nothing once the script said ready', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const panel = fakePanel();
      let renders = 0;
      const watchdog = new ReadyWatchdog(
        panel,
        () => renders++,
        () => undefined,
        1000,
      );
      watchdog.rendered();
      mock.timers.tick(500);
      watchdog.ready();
      mock.timers.tick(10_000);
      assert.equal(renders, 0);
      watchdog.dispose();
    } finally {
      mock.timers.reset();
    }
  });

  it('waits only while the panel is visible, and expects a new ready after it was hidden', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const panel = fakePanel(false);
      let renders = 0;
      const watchdog = new ReadyWatchdog(
        panel,
        () => renders++,
        () => undefined,
        1000,
      );
      watchdog.rendered();
      mock.timers.tick(10_000);
      assert.equal(renders, 0, 'a hidden panel is not loaded: nothing to wait for');
      panel.set(true);
      watchdog.ready();
      panel.set(false);
      panel.set(true); // shown again: VS Code loads the page again, which must say ready again
      mock.timers.tick(1000);
      assert.equal(renders, 1);
      watchdog.dispose();
      mock.timers.tick(10_000);
      assert.equal(renders, 1, 'nothing after dispose');
    } finally {
      mock.timers.reset();
    }
  });
});
