/**
 * Finding 9 of issue #10: the reaper trusted /tmp. Its pid file and log lived in
 * $TMPDIR/gvisor-sandboxes, which any local user can create first: a pid file naming any live
 * process (e.g. `1`) stopped every client from starting a reaper, so no lifetime was enforced,
 * and `reaper.log` was appended to through whatever symlink was planted there.
 *
 * Each test plants its files for clients of its own isolated home (reaperHelpers.ts), so the
 * attack and the reaper it meets are the test's alone.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cleanupAfterFile, client, runContainers, until } from './helpers';
import { ENDPOINT_KEY, createInChild, isolatedHome, reapersOf, stopReapersAfterFile, type IsolatedHome } from './reaperHelpers';

cleanupAfterFile();
stopReapersAfterFile();

const engine = client();

async function endedWithin(id: string, ms: number): Promise<number> {
  const sandbox = await engine.fromId(id);
  return until(async () => sandbox.poll(), ms, `sandbox ${id} to be ended at its deadline`);
}

function plantDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** A file the attacker wants written; it must stay exactly as it is. */
function victim(home: IsolatedHome, name: string): string {
  const file = path.join(home.root, name);
  fs.writeFileSync(file, 'untouched\n');
  return file;
}

describe('the reaper does not trust files others can plant', () => {
  it('a pid file naming another live process (pid 1), in /tmp or in the run directory, does not stop the reaper', async () => {
    const home = isolatedHome('pid-one');
    plantDir(home.oldDir);
    fs.writeFileSync(path.join(home.oldDir, `reaper-${ENDPOINT_KEY}.pid`), '1');
    // In the run directory only this user can write, but a pid can be reused by any process.
    plantDir(home.runDir);
    fs.writeFileSync(path.join(home.runDir, `reaper-${ENDPOINT_KEY}.pid`), '1');

    const created = createInChild(home, { timeoutSeconds: 3 });
    assert.ok(created.id, `create failed: ${created.error?.message}`);
    // Any reaper on this machine may end the sandbox; what matters is that this client started one.
    assert.equal(reapersOf(home).length, 1, 'the client started a reaper despite the planted pid files');
    assert.equal(await endedWithin(created.id, 20_000), 137, 'killed at its deadline');
  });

  it('a symlink planted as reaper.log, in /tmp or in the run directory, is not followed', async () => {
    const home = isolatedHome('log-link');
    const oldTarget = victim(home, 'victim-old');
    const newTarget = victim(home, 'victim-new');
    plantDir(home.oldDir);
    fs.symlinkSync(oldTarget, path.join(home.oldDir, 'reaper.log'));
    plantDir(home.runDir);
    fs.symlinkSync(newTarget, path.join(home.runDir, 'reaper.log'));

    const created = createInChild(home, { timeoutSeconds: 2 });
    assert.ok(created.id, `create failed: ${created.error?.message}`);
    assert.equal(await endedWithin(created.id, 20_000), 137, 'killed by the reaper');
    // This home's reaper logged when it started (another test's reaper, which watches the same
    // engine, may have been the one to end the sandbox).
    assert.equal(reapersOf(home).length, 1, 'one reaper of this home');
    assert.equal(fs.readFileSync(oldTarget, 'utf8'), 'untouched\n', 'the reaper wrote through the symlink in /tmp');
    assert.equal(fs.readFileSync(newTarget, 'utf8'), 'untouched\n', 'the reaper wrote through the symlink in its run directory');
    // It may still be starting when another reaper has ended the sandbox: wait for its first line.
    const ownLog = path.join(home.runDir, 'reaper.log');
    await until(async () => !fs.lstatSync(ownLog).isSymbolicLink() && /watching/.test(fs.readFileSync(ownLog, 'utf8')), 20_000, 'its own log').catch(() => undefined);
    assert.match(fs.readFileSync(ownLog, 'utf8'), /watching/, 'it logs to a file of its own instead');
    assert.ok(!fs.lstatSync(path.join(home.runDir, 'reaper.log')).isSymbolicLink());
  });

  it('the run directory is created 0700; one open to others, owned by someone else or a symlink is refused and no sandbox is left', async () => {
    const fresh = isolatedHome('fresh');
    const created = createInChild(fresh, { timeoutSeconds: 30 });
    assert.ok(created.id, `create failed: ${created.error?.message}`);
    const st = fs.lstatSync(fresh.runDir);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, process.getuid?.());
    await (await engine.fromId(created.id)).terminate();

    const unsafe: [string, (dir: string) => void][] = [
      [
        'open to others',
        (dir) => {
          fs.mkdirSync(dir);
          fs.chmodSync(dir, 0o777);
        },
      ],
      [
        'open to its group',
        (dir) => {
          fs.mkdirSync(dir);
          fs.chmodSync(dir, 0o770);
        },
      ],
      [
        'a symlink to a private directory',
        (dir) => {
          const real = `${dir}-real`;
          fs.mkdirSync(real, { mode: 0o700 });
          fs.symlinkSync(real, dir);
        },
      ],
    ];
    // Only root can give a directory away (nobody: 65534).
    if (process.getuid?.() === 0)
      unsafe.push([
        'owned by another user',
        (dir) => {
          fs.mkdirSync(dir, { mode: 0o700 });
          fs.chownSync(dir, 65534, 65534);
        },
      ]);
    for (const [what, plant] of unsafe) {
      const home = isolatedHome(what.replace(/\W+/g, '-'));
      plant(home.runDir);
      const before = (await runContainers()).length;
      const result = createInChild(home, { timeoutSeconds: 30 });
      assert.equal(result.error?.code, 'UNSAFE_RUN_DIR', `${what}: ${JSON.stringify(result)}`);
      assert.ok(result.error?.message.includes(home.runDir), `${what}: the error names the directory: ${result.error?.message}`);
      assert.equal((await runContainers()).length, before, `${what}: the sandbox whose lifetime cannot be enforced is removed`);
      assert.deepEqual(reapersOf(home), [], `${what}: no reaper started`);
    }
  });
});
