/**
 * Why a sandbox ended (issue #14, "sandboxes that die behind your back"), on the real engine:
 * Docker keeps no "who", so `Sandbox.ending()` tells a `docker kill` from the lifetime reaper's
 * kill (the reaper records what it ends, reapRecord.ts) and from an exit of the main process. The
 * reapers here run in isolated homes (reaperHelpers.ts) and are ended by this file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { cleanupAfterFile, client, testSpec, until } from './helpers';
import { isolatedHome, stopReapersAfterFile } from './reaperHelpers';
import { readReaped } from '../../src/core/reapRecord';

cleanupAfterFile();
stopReapersAfterFile();

describe('why a sandbox ended', () => {
  it('a docker kill from outside is "killed", with the spec and the policy in force kept for Recreate', async () => {
    const engine = client();
    const sandbox = await engine.create(testSpec({ blockNetwork: true, unencryptedPorts: [8000] }));
    assert.equal(await sandbox.ending(), null, 'a running sandbox has not ended');
    const { containerId } = await sandbox.info();
    execFileSync('docker', ['kill', containerId], { timeout: 30_000 });
    await until(async () => (await sandbox.poll()) !== null, 15_000, 'the sandbox to stop');
    const ending = await sandbox.ending();
    assert.equal(ending?.reason, 'killed');
    assert.equal(ending?.exitCode, 137);
    assert.ok(ending?.finishedAt instanceof Date);
    assert.equal(ending?.spec?.blockNetwork, true, 'the spec it was created with');
    assert.deepEqual(ending?.spec?.unencryptedPorts, [8000]);
  });

  it('the reaper ending an idle sandbox is "idleTimeout", not a kill from outside (both are SIGKILL)', async (t) => {
    // Every reaper on the engine watches every sandbox, and those of other clients (another
    // user, another checkout) keep their records in their own run directory: only when this
    // file's reaper is the one that ended it is the reason known here. Up to three tries.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const home = isolatedHome(`ending-idle-${attempt}`);
      const own = client({ runDir: home.runDir });
      const sandbox = await own.create(testSpec({ idleTimeoutSeconds: 2 }));
      await until(async () => (await sandbox.poll()) !== null, 20_000, 'the idle sandbox to be ended');
      const { containerId } = await sandbox.info();
      const ending = await sandbox.ending();
      assert.equal(ending?.exitCode, 137);
      if (readReaped(home.runDir, containerId) === null) {
        t.diagnostic(`try ${attempt}: another client's reaper ended it first (reason seen: ${ending?.reason})`);
        continue;
      }
      assert.equal(ending?.reason, 'idleTimeout');
      return;
    }
    t.skip("another client's reaper on this engine ended the sandbox in every try");
  });

  it('the reaper ending a sandbox at its deadline is "timeout"', async () => {
    const home = isolatedHome('ending-timeout');
    const own = client({ runDir: home.runDir });
    const sandbox = await own.create(testSpec({ timeoutSeconds: 2 }));
    await until(async () => (await sandbox.poll()) !== null, 20_000, 'the sandbox to reach its timeout');
    assert.equal((await sandbox.ending())?.reason, 'timeout');
  });

  it('a main process that exits by itself "exited" with its code', async () => {
    const engine = client();
    const sandbox = await engine.create(testSpec({ command: ['sh', '-c', 'sleep 2; exit 3'] }));
    await until(async () => (await sandbox.poll()) !== null, 20_000, 'the main process to exit');
    const ending = await sandbox.ending();
    assert.equal(ending?.reason, 'exited');
    assert.equal(ending?.exitCode, 3);
  });
});
