import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { decide, endpointKey, isReaperProcess, lifetimeOf, reaperMarker, reaperPidFile } from '../../src/core/lifetime';
import { StartWatcher, WAKE_EVENT_FILTERS, Wakeup } from '../../src/core/reaperWake';
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
    const lastActive = new Map([
      ['idle', now - 10_000],
      ['busy', now - 500],
    ]);
    const decision = decide(views, lastActive, now);
    assert.deepEqual(decision.kill, [{ containerId: 'idle', reason: 'idle' }]);
    assert.equal(decision.nextCheckMs, 1000);
  });

  it('has nothing to do without deadlines', () => {
    assert.deepEqual(decide([{ containerId: 'x', running: true, expiresAt: null, idleTimeoutMs: null }], new Map(), now), { kill: [], nextCheckMs: null });
  });
});

describe('which pid is a reaper', () => {
  const endpoint = 'unix:///var/run/docker.sock';
  const marker = reaperMarker(endpoint);

  it("believes a pid file only when the process runs reaper.js with this endpoint's marker", () => {
    const lines: Record<number, string[] | null> = {
      [process.pid]: ['/usr/bin/node', '/ext/dist/reaper.js', marker],
    };
    const commandLine = (pid: number) => lines[pid] ?? null;
    assert.equal(isReaperProcess(process.pid, endpoint, commandLine), true);
    assert.equal(isReaperProcess(process.pid, 'tcp://other:2375', commandLine), false, "another endpoint's reaper");
    lines[process.pid] = ['/usr/bin/node', '/ext/dist/other.js', marker];
    assert.equal(isReaperProcess(process.pid, endpoint, commandLine), false, 'not the reaper script');
    lines[process.pid] = ['/sbin/init'];
    assert.equal(isReaperProcess(process.pid, endpoint, commandLine), false);
    lines[process.pid] = null; // another user's process, or gone
    assert.equal(isReaperProcess(process.pid, endpoint, commandLine), false);
    assert.equal(
      isReaperProcess(0, endpoint, () => ['reaper.js', marker]),
      false,
    );
    assert.equal(
      isReaperProcess(-1, endpoint, () => ['reaper.js', marker]),
      false,
    );
  });

  it('pid 1 and this test process are not reapers', () => {
    assert.equal(isReaperProcess(1, endpoint), false);
    assert.equal(isReaperProcess(process.pid, endpoint), false);
  });

  it('keeps the endpoint out of the command line: a key of it names the files and the marker', () => {
    assert.match(marker, /^--sandboxes-reaper=[0-9a-f]{16}$/);
    assert.ok(!marker.includes('docker.sock'));
    assert.equal(path.basename(reaperPidFile('/run/user/1000/gvisor-sandboxes', endpoint)), `reaper-${endpointKey(endpoint)}.pid`);
    assert.notEqual(endpointKey(endpoint), endpointKey('tcp://other:2375'));
  });
});

describe("the reaper's wake-ups", () => {
  it('a wake ends the current sleep at once, and one that comes while awake ends the next one', async () => {
    const wakeup = new Wakeup();
    const started = Date.now();
    const sleeping = wakeup.sleep(60_000);
    wakeup.wake();
    await sleeping;
    wakeup.wake();
    await wakeup.sleep(60_000);
    assert.ok(Date.now() - started < 30_000, 'woken, not timed out');
    await wakeup.sleep(1); // no wake left over
  });

  it('follows start and die events of managed containers, wakes on each and on every (re)connection', async () => {
    const streams: PassThrough[] = [];
    const requests: unknown[] = [];
    let fail = 1;
    const source = {
      getEvents: async (options: unknown) => {
        requests.push(options);
        if (fail-- > 0) throw new Error('connect ECONNREFUSED');
        const stream = new PassThrough();
        streams.push(stream);
        return stream;
      },
    };
    let wakes = 0;
    const errors: string[] = [];
    const watcher = new StartWatcher(
      source as never,
      () => wakes++,
      (why) => errors.push(why),
    );
    try {
      watcher.start();
      await waitFor(() => streams.length === 1);
      assert.match(errors[0], /ECONNREFUSED/, 'says why it is not following');
      assert.equal(watcher.connected(), true);
      assert.deepEqual((requests[0] as { filters: unknown }).filters, WAKE_EVENT_FILTERS);
      assert.deepEqual(WAKE_EVENT_FILTERS, { type: ['container'], event: ['start', 'die'], label: ['sandboxes.managed=true'] });
      assert.equal(wakes, 1, 'a wake on connecting: events may have been missed before');
      streams[0].write('{"Action":"start"}\n');
      await waitFor(() => wakes === 2);
      streams[0].end();
      await waitFor(() => streams.length === 2);
      assert.equal(wakes, 3, 'reconnected, and woke again');
    } finally {
      watcher.stop();
    }
    assert.equal(watcher.connected(), false);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), 'condition not met within 2 s');
}
