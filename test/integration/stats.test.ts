import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupAfterFile, client, testSpec } from './helpers';

cleanupAfterFile();

/** Holds 48 MiB and keeps one core busy, so both numbers have something to show. */
const BUSY = ['python3', '-c', 'data = bytearray(48 * 1024 * 1024)\nwhile True: pass'];

describe('sandbox stats under gVisor', () => {
  const engine = client();

  it('statsOnce reports the memory a runsc sandbox uses, and its limit', async () => {
    const sandbox = await engine.create(testSpec({ command: BUSY, memoryMiB: 256 }));
    assert.equal((await sandbox.info()).runtime, 'runsc');
    const sample = await sandbox.statsOnce();
    assert.ok(sample.memoryBytes > 0, `memory ${sample.memoryBytes}`);
    assert.equal(sample.memoryLimitBytes, 256 * 1024 * 1024);
    assert.ok(sample.memoryBytes < sample.memoryLimitBytes);
    assert.ok(sample.cpuPercent >= 0);
    assert.ok(sample.at instanceof Date && !Number.isNaN(sample.at.getTime()));
    await sandbox.terminate();
  });

  it('stats() streams samples with CPU use until aborted, and ends when the sandbox is gone', async () => {
    const sandbox = await engine.create(testSpec({ command: BUSY }));
    const abort = new AbortController();
    const samples = [];
    for await (const sample of sandbox.stats({ signal: abort.signal })) {
      samples.push(sample);
      if (samples.length === 3) abort.abort();
    }
    assert.equal(samples.length, 3);
    assert.ok(samples.every((s) => s.memoryBytes > 0));
    assert.ok(
      samples.slice(1).some((s) => s.cpuPercent > 0),
      `cpu ${samples.map((s) => s.cpuPercent.toFixed(1)).join(', ')}`,
    );
    assert.ok(samples[2]!.at > samples[0]!.at);

    // A stream that is open when the sandbox is removed ends rather than hanging.
    const rest = (async () => {
      let count = 0;
      for await (const _ of sandbox.stats()) count++;
      return count;
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sandbox.terminate();
    assert.ok((await rest) >= 1);
  });

  it('statsOnce of a removed sandbox is NOT_FOUND', async () => {
    const sandbox = await engine.create(testSpec());
    await sandbox.terminate();
    await assert.rejects(sandbox.statsOnce(), (error: Error & { code?: string }) => error.code === 'NOT_FOUND');
  });
});
