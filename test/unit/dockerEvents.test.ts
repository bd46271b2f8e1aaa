import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import {
  JsonLineParser,
  RECONNECT_BACKOFF_MS,
  SANDBOX_EVENT_FILTERS,
  SandboxEventStream,
  isSandboxContainerEvent,
  sandboxEventOf,
  type DockerEventSource,
  type SandboxEvent,
} from '../../src/vscode/tree/dockerEvents';

/** A Docker event as the engine sends it (abridged). */
function dockerEvent(action: string, attributes: Record<string, string> = { 'sandboxes.id': 'sb-1', 'sandboxes.role': 'sandbox' }): string {
  return JSON.stringify({
    status: action,
    id: 'c0ffee',
    Type: 'container',
    Action: action,
    Actor: { ID: 'c0ffee', Attributes: { image: 'x', ...attributes } },
    scope: 'local',
    time: 1,
    timeNano: 1,
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Docker event stream: parsing', () => {
  it('splits JSON lines that arrive in arbitrary chunks, multi-byte characters included', () => {
    const parser = new JsonLineParser();
    const text = `${JSON.stringify({ a: 'é' })}\n${JSON.stringify({ b: 2 })}\n`;
    const bytes = Buffer.from(text);
    const values: unknown[] = [];
    // One byte at a time cuts "é" (two bytes in UTF-8) in half.
    for (const byte of bytes) values.push(...parser.push(Uint8Array.of(byte)));
    assert.deepEqual(values, [{ a: 'é' }, { b: 2 }]);
  });

  it('keeps an incomplete last line for the next chunk and reports lines that are not JSON', () => {
    const parser = new JsonLineParser();
    const invalid: string[] = [];
    assert.deepEqual(
      parser.push('{"a":1}\nnot json\n{"b":', (line) => invalid.push(line)),
      [{ a: 1 }],
    );
    assert.deepEqual(parser.push('2}\n'), [{ b: 2 }]);
    assert.deepEqual(invalid, ['not json']);
  });

  it('reads a sandbox event from a Docker container event', () => {
    assert.deepEqual(sandboxEventOf(JSON.parse(dockerEvent('start'))), { action: 'start', containerId: 'c0ffee', sandboxId: 'sb-1', role: 'sandbox', probe: false });
    assert.equal(sandboxEventOf({ Type: 'network', Action: 'connect', Actor: { ID: 'n' } }), undefined);
    assert.equal(sandboxEventOf(null), undefined);
  });

  it("tells a sandbox's events from its guard's", () => {
    const of = (attributes: Record<string, string>) => isSandboxContainerEvent(sandboxEventOf(JSON.parse(dockerEvent('start', attributes)))!);
    assert.equal(of({ 'sandboxes.role': 'sandbox' }), true);
    assert.equal(of({}), true, 'sandboxes from before roles have no role label');
    assert.equal(of({ 'sandboxes.role': 'guard' }), false);
    assert.equal(of({ 'sandboxes.role': 'sandbox', 'sandboxes.probe': 'true' }), false, "Check Setup's trial sandbox is nobody's");
  });

  it('asks Docker only for lifecycle events of managed containers, never exec events', () => {
    assert.deepEqual(SANDBOX_EVENT_FILTERS.label, ['sandboxes.managed=true']);
    assert.deepEqual(SANDBOX_EVENT_FILTERS.type, ['container']);
    assert.ok(SANDBOX_EVENT_FILTERS.event.includes('start') && SANDBOX_EVENT_FILTERS.event.includes('destroy'));
    assert.ok(!SANDBOX_EVENT_FILTERS.event.some((e) => e.startsWith('exec')), 'reading a policy is an exec: listening to execs would loop');
    assert.ok(!(SANDBOX_EVENT_FILTERS.event as string[]).includes('create'), 'a sandbox being created is half made until it starts');
  });
});

describe('Docker event stream: connection (fake timers)', () => {
  let streams: PassThrough[];
  let failures: number;
  let calls: Parameters<DockerEventSource['getEvents']>[0][];
  let events: SandboxEvent[];
  let connected: number;
  let disconnected: number;
  let stream: SandboxEventStream;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    streams = [];
    failures = 0;
    calls = [];
    events = [];
    connected = 0;
    disconnected = 0;
    const source: DockerEventSource = {
      getEvents: async (options) => {
        calls.push(options);
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
        }
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
    };
    stream = new SandboxEventStream({
      source: () => source,
      onEvent: (e) => events.push(e),
      onConnected: () => connected++,
      onDisconnected: () => disconnected++,
    });
  });
  afterEach(() => {
    stream.dispose();
    mock.timers.reset();
  });

  it('connects with the filters and delivers events line by line', async () => {
    stream.start();
    await settle();
    assert.equal(connected, 1);
    assert.deepEqual(calls[0]?.filters, SANDBOX_EVENT_FILTERS);
    const line = dockerEvent('destroy');
    streams[0]?.write(line.slice(0, 10));
    streams[0]?.write(`${line.slice(10)}\n${dockerEvent('start')}\n`);
    await settle();
    assert.deepEqual(
      events.map((e) => e.action),
      ['destroy', 'start'],
    );
  });

  it('reconnects after the stream ends (Docker restarted), and says so both times', async () => {
    stream.start();
    await settle();
    streams[0]?.end();
    await settle();
    assert.equal(disconnected, 1);
    assert.equal(calls.length, 1);
    mock.timers.tick(RECONNECT_BACKOFF_MS[0] ?? 0);
    await settle();
    assert.equal(calls.length, 2);
    assert.equal(connected, 2, 'a reconnect is reported: events may have been missed');
  });

  it('backs off while Docker is down, then connects once it answers', async () => {
    failures = 3;
    stream.start();
    await settle();
    const delays = RECONNECT_BACKOFF_MS.slice(0, 3);
    for (const [i, delay] of delays.entries()) {
      assert.equal(calls.length, i + 1);
      mock.timers.tick(delay - 1);
      await settle();
      assert.equal(calls.length, i + 1, `no retry before ${delay} ms`);
      mock.timers.tick(1);
      await settle();
    }
    assert.equal(calls.length, 4);
    assert.equal(connected, 1);
    assert.equal(disconnected, 0, 'never connected before, so nothing was lost');
  });

  it('stops listening when stopped: the stream is closed and nothing reconnects', async () => {
    stream.start();
    await settle();
    stream.stop();
    await settle();
    assert.equal(streams[0]?.destroyed, true);
    mock.timers.tick(60_000);
    await settle();
    assert.equal(calls.length, 1);
    assert.equal(disconnected, 0, 'stopping is not a disconnection');
    streams[0]?.emit('data', `${dockerEvent('start')}\n`);
    assert.deepEqual(events, []);
  });

  it('is started once however often it is asked to start', async () => {
    stream.start();
    stream.start();
    await settle();
    assert.equal(calls.length, 1);
  });
});
