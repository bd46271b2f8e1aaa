import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it, after } from 'node:test';
import { isProcessAlive, runningReaper } from '../../src/core/lifetime';
import { cleanupAfterFile, client, testSpec, until, TEST_IMAGE, RUN_TAGS } from './helpers';

cleanupAfterFile();

describe('sandbox lifetimes hold without an editor running', () => {
  const engine = client();
  after(async () => {
    // The reaper stops by itself once nothing has a deadline; wait for that, bounded.
    await until(async () => !runningReaper(engine.endpoint.description), 30_000, 'the reaper to exit by itself');
  });

  it('kills a sandbox at timeoutSeconds after the process that created it has exited', async () => {
    const script = `
      const { connect } = require(${JSON.stringify(path.resolve('src/core/index.ts'))});
      connect().create({ image: ${JSON.stringify(TEST_IMAGE)}, timeoutSeconds: 3, tags: ${JSON.stringify(RUN_TAGS)} })
        .then((s) => { process.stdout.write(s.id); process.exit(0); }, (e) => { console.error(e); process.exit(1); });`;
    const started = Date.now();
    const id = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }).trim();
    assert.match(id, /^sb-/);
    const sandbox = await engine.fromId(id);
    const info = await sandbox.info();
    assert.equal(info.state, 'running');
    assert.ok(info.expiresAt && Math.abs(info.expiresAt.getTime() - (started + 3000)) < 3000);
    const reaper = runningReaper(engine.endpoint.description);
    assert.ok(reaper && isProcessAlive(reaper), 'a detached reaper watches the deadline');
    const exitCode = await until(async () => sandbox.poll(), 15_000, 'the sandbox to be ended by its timeout');
    assert.equal(exitCode, 137);
    const endedAfter = Date.now() - started;
    assert.ok(endedAfter >= 2500, `ended too early (${endedAfter} ms)`);
  });

  it('ends a sandbox idle for idleTimeoutSeconds, but not while a command runs', async () => {
    const sandbox = await engine.create(testSpec({ idleTimeoutSeconds: 2 }));
    const busy = await sandbox.run(['sleep', '4']);
    assert.equal(busy.exitCode, 0, 'the sandbox was ended while a command was running');
    const finishedAt = Date.now();
    await until(async () => (await sandbox.poll()) !== null, 15_000, 'the idle sandbox to be ended');
    assert.ok(Date.now() - finishedAt >= 1500, 'ended before it was idle for idleTimeoutSeconds');
  });
});
