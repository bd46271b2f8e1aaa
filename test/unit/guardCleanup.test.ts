/** What a listing's clean-up removes: guards without their sandbox, and when. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { GuardCleanup } from '../../src/core/guardCleanup';
import { LABEL } from '../../src/core/labels';

function fakeDocker() {
  const removed: string[] = [];
  const killed: string[] = [];
  const docker = {
    getContainer: (id: string) => ({
      remove: async () => void removed.push(id),
      kill: async () => void killed.push(id),
    }),
    pruneVolumes: async () => ({}),
    listContainers: async () => [],
  } as unknown as Docker;
  return { docker, removed, killed };
}

/** A spare guard claimed for sandbox `id` (named after it), created a while ago. */
function claimedSpare(id: string, state: string): Docker.ContainerInfo {
  return {
    Id: `guard-${id}`,
    Names: [`/sandboxes-guard-${id}`],
    State: state,
    Created: Math.floor(Date.now() / 1000) - 3600,
    Labels: { [LABEL.role]: 'guard', [LABEL.id]: id, [LABEL.spare]: 'true', [LABEL.managed]: 'true' },
  } as unknown as Docker.ContainerInfo;
}

describe('GuardCleanup', () => {
  it('removes an ended claimed guard whose sandbox never came at once (it lingered until a second listing a minute later)', () => {
    const { docker, removed } = fakeDocker();
    new GuardCleanup(docker).collect([claimedSpare('sb-ended', 'exited')], []);
    assert.deepEqual(removed, ['guard-sb-ended']);
  });

  it('leaves a running claimed guard without its sandbox for now: its sandbox may still be being made', () => {
    const { docker, removed } = fakeDocker();
    new GuardCleanup(docker).collect([claimedSpare('sb-making', 'running')], []);
    assert.deepEqual(removed, []);
  });

  it('stops (does not remove) the running guard of an ended sandbox', () => {
    const { docker, removed, killed } = fakeDocker();
    const sandbox = { Id: 'c1', State: 'exited', Labels: { [LABEL.id]: 'sb-done' } } as unknown as Docker.ContainerInfo;
    new GuardCleanup(docker).collect([claimedSpare('sb-done', 'running')], [sandbox]);
    assert.deepEqual([removed, killed], [[], ['guard-sb-done']]);
  });
});
