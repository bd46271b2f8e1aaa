/**
 * Forks (issue #16): a running sandbox's files in a new sandbox, with the parent's policy unless
 * given another, and policies that stay independent afterwards. Policies are read on the host
 * side (the guard's recorded state); no traffic is sent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Sandbox } from '../../src/core';
import { cleanupAfterFile, client, docker, isError, testSpec } from './helpers';

cleanupAfterFile();

const refs: string[] = [];
after(async () => {
  for (const ref of refs)
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
});

async function track(sandbox: Sandbox): Promise<Sandbox> {
  refs.push((await sandbox.info()).image);
  return sandbox;
}

describe('sandbox.fork()', () => {
  const engine = client();

  it("a fork has the files written in its parent and the parent's policy; its policy then changes alone", async () => {
    const parent = await engine.create(testSpec({ cidrAllowlist: ['198.51.100.7/32'], env: { FROM_SPEC: 'yes' } }));
    assert.equal((await parent.run(['sh', '-c', 'echo written-in-parent > /root/state.txt'])).exitCode, 0);
    const fork = await track(await parent.fork());
    assert.notEqual(fork.id, parent.id);
    assert.equal((await fork.run(['cat', '/root/state.txt'])).stdout, 'written-in-parent\n');
    assert.equal((await fork.run(['sh', '-c', 'echo $FROM_SPEC'])).stdout, 'yes\n');
    const policy = await fork.networkPolicy();
    assert.equal(policy.mode, 'allowlist');
    assert.deepEqual(policy.cidrAllowlist, ['198.51.100.7/32']);
    // Independent: the fork's change leaves the parent's policy and files alone.
    await fork.setNetworkPolicy({ blockNetwork: true });
    await fork.run(['sh', '-c', 'echo changed-in-fork > /root/state.txt']);
    assert.equal((await fork.networkPolicy()).mode, 'blocked');
    assert.equal((await parent.networkPolicy()).mode, 'allowlist');
    assert.equal((await parent.run(['cat', '/root/state.txt'])).stdout, 'written-in-parent\n');
  });

  it('a fork given another policy gets that one; the parent keeps its own', async () => {
    const parent = await engine.create(testSpec({ cidrAllowlist: ['198.51.100.7/32'] }));
    const fork = await track(await parent.fork({ blockNetwork: true }));
    assert.equal((await fork.networkPolicy()).mode, 'blocked');
    assert.equal((await parent.networkPolicy()).mode, 'allowlist');
  });

  it('a fork cancelled after its snapshot leaves no sandbox and no snapshot behind', async () => {
    const parent = await engine.create(testSpec({ tags: { fork: 'cancelled' } }));
    const abort = new AbortController();
    const steps: string[] = [];
    await assert.rejects(
      parent.fork({}, { signal: abort.signal, onProgress: (message) => (steps.push(message), /^Starting the fork/.test(message) && abort.abort()) }),
      isError('CANCELLED'),
    );
    assert.deepEqual(
      steps.map((m) => m.replace(parent.name, 'P')),
      ['Saving the files of P…', 'Starting the fork of P…'],
      'cancelled after the snapshot was saved',
    );
    assert.deepEqual(await engine.listSnapshots({ sandboxId: parent.id }), [], 'its snapshot was removed');
    assert.deepEqual(
      (await engine.listInfo()).filter((s) => s.tags.fork === 'cancelled').map((s) => s.id),
      [parent.id],
      'no fork was made',
    );
  });
});
