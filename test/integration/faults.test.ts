/**
 * Faults during creation: the creating process is killed (SIGKILL) half way, at a step the test
 * picks from what the process prints or from Docker's events, and a create's own clean-up fails.
 * Afterwards nothing of the sandbox may outlive the next listing by any client (containers,
 * guard, volumes, host processes), and at no moment may a sandbox run with a network other than
 * the restricted one it asked for.
 *
 * Every sandbox here has a tag of its own (`fault=<unique>`) and an allowlist policy naming only a
 * documentation range (192.0.2.0/24): nothing is ever sent anywhere. Restarting dockerd during a
 * create is in zz-daemon-restart.test.ts (it kills every sandbox on the engine).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { SandboxSpec } from '../../src/core';
import { cleanupAfterFile, client, testSpec, until } from './helpers';
import { isolatedHome, reapersOf, stopReapersAfterFile } from './reaperHelpers';
import {
  FAULT_TAG,
  bigFolder,
  collectedByListing,
  faultTag,
  hostProcessesGone,
  killChild,
  killOnGuardEvent,
  leftoversOf,
  startCreator,
  watchNeverOpen,
  type CreatorChild,
} from './faultHelpers';

cleanupAfterFile();
stopReapersAfterFile();

/** Restricted on purpose: a sandbox that ran open would be the failure. */
const POLICY = { cidrAllowlist: ['192.0.2.0/24'] };

function specFor(tag: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return testSpec({ ...POLICY, ...extra, tags: { [FAULT_TAG]: tag } });
}

describe('faults during creation leave nothing behind and nothing open', () => {
  let tmp: string;
  /** Any client on the engine: its listing is what collects half-made sandboxes. */
  const engine = client();

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sandboxes-faults-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGKILL during the copy of the workspace: the next listing removes the sandbox container, its guard and its volume', async (t) => {
    const tag = faultTag('copy');
    // 3,000 files, 40 MB: the copy takes long enough to be cut half way.
    const folder = bigFolder(tmp, 3000, 40 * 1024 * 1024);
    const watch = watchNeverOpen(tag, POLICY);
    const creator = startCreator(specFor(tag, { mounts: [{ source: folder, mode: 'copy' }] }));
    try {
      const line = await creator.line(
        (l) => {
          if (!l.startsWith('copy ')) return false;
          const p = JSON.parse(l.slice(5)) as { files: number; totalFiles: number; bytes: number };
          // Well under way: a tenth of the files in, most still to come.
          return p.files >= p.totalFiles / 10 && p.files < p.totalFiles / 2;
        },
        90_000,
        'copy under way',
      );
      killChild(creator.child);
      assert.equal(await creator.exited, 'SIGKILL');
      const progress = JSON.parse(line.slice(5)) as { files: number; totalFiles: number };
      assert.ok(progress.files < progress.totalFiles, `killed mid-copy (${progress.files}/${progress.totalFiles} files)`);
      assert.ok(!creator.lines.some((l) => l.startsWith('created ')), 'the create had not finished');
      const left = await leftoversOf(tag);
      assert.ok(
        left.some((l) => /\(sandbox, created\)/.test(l)),
        `the kill left a sandbox container that never started: ${left.join('; ')}`,
      );
      t.diagnostic(`killed at ${progress.files}/${progress.totalFiles} files; left: ${left.join('; ')}`);

      const listings = await collectedByListing(engine, tag);
      t.diagnostic(`gone after ${listings} listing(s); states seen: ${watch.states.join(' → ')}`);
      assert.ok(listings <= 2);
      assert.deepEqual(await hostProcessesGone(watch.seen), [], 'no host process of its containers is left');
    } finally {
      killChild(creator.child);
      await watch.stop();
    }
    assert.deepEqual(watch.violations, [], `never ran with another network (states seen: ${watch.states.join(' → ')})`);
  });

  for (const action of ['create', 'start'] as const) {
    const when = action === 'create' ? 'the guard container has just been created' : 'the guard has just started and is loading the policy';
    it(`SIGKILL when ${when}: the next listing removes what was made`, async (t) => {
      const tag = faultTag(`guard-${action}`);
      const watch = watchNeverOpen(tag, POLICY);
      let creator: CreatorChild | undefined;
      const killer = await killOnGuardEvent(tag, action, () => creator?.child);
      try {
        creator = startCreator(specFor(tag));
        const exitedFirst = creator.exited.then((how) => {
          throw new Error(`the creating process ended (${String(how)}) before the guard's ${action} event: ${creator!.lines.join(' | ')}`);
        });
        const guardId = await Promise.race([killer.killed, exitedFirst]);
        assert.equal(await creator.exited, 'SIGKILL');
        assert.ok(guardId, 'the guard the kill was timed on');
        assert.ok(!creator.lines.some((l) => l.startsWith('created ')), 'the create had not finished');
        const left = await leftoversOf(tag);
        assert.ok(
          left.some((l) => l.includes(guardId.slice(0, 12))),
          `the guard is still there right after the kill: ${left.join('; ')}`,
        );
        t.diagnostic(`left right after the kill: ${left.join('; ')}`);

        const listings = await collectedByListing(engine, tag);
        t.diagnostic(`gone after ${listings} listing(s); states seen: ${watch.states.join(' → ')}`);
        assert.ok(listings <= 2);
        assert.deepEqual(await hostProcessesGone(watch.seen), [], 'no host process of its containers is left');
      } finally {
        killer.close();
        if (creator) killChild(creator.child);
        await watch.stop();
      }
      assert.deepEqual(watch.violations, [], `never ran with another network (states seen: ${watch.states.join(' → ')})`);
    });
  }

  it('with a reaper running, its next pass removes what a killed create left, without any listing here', async (t) => {
    // A sandbox with an idle timeout keeps a reaper (of an isolated home: this file's) looking every second.
    const home = isolatedHome('faults');
    const own = client({ runDir: home.runDir });
    const keeper = await own.create(testSpec({ idleTimeoutSeconds: 120 }));
    try {
      assert.equal(reapersOf(home).length, 1, 'a reaper watches the engine');
      const tag = faultTag('reaper');
      const watch = watchNeverOpen(tag, POLICY);
      let creator: CreatorChild | undefined;
      const killer = await killOnGuardEvent(tag, 'start', () => creator?.child);
      try {
        creator = startCreator(specFor(tag));
        await Promise.race([killer.killed, creator.exited.then(() => Promise.reject(new Error(`the creating process ended first: ${creator!.lines.join(' | ')}`)))]);
        assert.equal(await creator.exited, 'SIGKILL');
        const left = await leftoversOf(tag);
        t.diagnostic(`left right after the kill: ${left.join('; ')}`);
        // No listing from this test: the reaper's pass (about every second here) is what removes them.
        await until(async () => (await leftoversOf(tag)).length === 0, 20_000, "the reaper's next pass to remove the half-made sandbox");
        assert.deepEqual(await hostProcessesGone(watch.seen), []);
      } finally {
        killer.close();
        if (creator) killChild(creator.child);
        await watch.stop();
      }
      assert.deepEqual(watch.violations, []);
    } finally {
      await keeper.terminate();
    }
  });

  it('a create in this process whose clean-up failed (Docker did not answer) is collected by the next listing in this process', async (t) => {
    const tag = faultTag('self');
    const own = client();
    // Fault injection: Docker "does not answer" when the failed create removes what it made.
    let failRemovals = true;
    const realCreate = own.docker.createContainer.bind(own.docker);
    own.docker.createContainer = (async (options: Docker.ContainerCreateOptions) => {
      const container = await realCreate(options);
      const realRemove = container.remove.bind(container);
      container.remove = (async (opts?: object) => {
        if (failRemovals) throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock (injected)'), { code: 'ECONNREFUSED' });
        return realRemove(opts);
      }) as typeof container.remove;
      return container;
    }) as typeof own.docker.createContainer;
    const folder = bigFolder(tmp, 200, 2 * 1024 * 1024);
    const watch = watchNeverOpen(tag, POLICY);
    try {
      const abort = new AbortController();
      // Cancelled while copying: the create fails after its containers exist, and removing them fails.
      await assert.rejects(own.create(specFor(tag, { mounts: [{ source: folder, mode: 'copy' }] }), { signal: abort.signal, onCopyProgress: () => abort.abort() }));
      failRemovals = false;
      const left = await leftoversOf(tag);
      assert.ok(
        left.some((l) => l.includes('(sandbox, created)')),
        `the failed clean-up left the half-made sandbox: ${left.join('; ')}`,
      );

      const listings = await collectedByListing(own, tag);
      t.diagnostic(`left: ${left.join('; ')}; gone after ${listings} listing(s)`);
      assert.ok(listings <= 2);
      assert.deepEqual(await hostProcessesGone(watch.seen), []);
    } finally {
      failRemovals = false;
      await watch.stop();
    }
    assert.deepEqual(watch.violations, []);
  });
});
