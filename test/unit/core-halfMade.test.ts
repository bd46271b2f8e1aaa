import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { STALE_CREATE_MS, creatorLabel, creatorStatus, halfMadeSandboxes, type CreatorStatus } from '../../src/core/halfMade';
import { LABEL } from '../../src/core/labels';

const onLinux = fs.existsSync('/proc/self/stat');

function startOf(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('who created a container', () => {
  it('this process: one stable label, recognised as itself', () => {
    const label = creatorLabel();
    assert.equal(creatorLabel(), label);
    assert.match(label, new RegExp(`^[^/]+/${process.pid}/[^/]+$`));
    assert.equal(creatorStatus(label), 'self');
  });

  it('another live process of this machine is alive; an exited one, or its pid reused later, is gone', { skip: !onLinux && 'needs /proc' }, () => {
    const machine = creatorLabel().split('/')[0];
    assert.equal(creatorStatus(`${machine}/${process.ppid}/${startOf(process.ppid)}`), 'alive');
    // The pid of an exited process (reaped by spawnSync): free, or taken by a process started later.
    const exited = spawnSync(process.execPath, ['-e', '']).pid!;
    assert.equal(creatorStatus(`${machine}/${exited}/${startOf(process.pid)}`), 'gone');
    // A live pid whose start time differs: the pid was reused since.
    assert.equal(creatorStatus(`${machine}/${process.ppid}/1`), 'gone');
  });

  it('a label from another machine or pid namespace, a malformed one or none cannot be told', () => {
    assert.equal(creatorStatus(undefined), 'unknown');
    assert.equal(creatorStatus(''), 'unknown');
    assert.equal(creatorStatus('not a label'), 'unknown');
    assert.equal(creatorStatus(`other-boot.4026531836/${process.pid}/123`), 'unknown');
    assert.equal(creatorStatus(`unknown/${process.pid}/r00`), 'unknown');
  });
});

describe('which sandboxes are half-made', () => {
  const NOW = Date.parse('2025-01-01T12:00:00Z');
  const container = (
    id: string,
    role: 'sandbox' | 'guard' | 'network',
    state: string,
    extra: { creator?: string; spare?: boolean; ageMs?: number } = {},
  ): Docker.ContainerInfo =>
    ({
      Id: `${id}-${role}`,
      Names: [`/${id}-${role}`],
      State: state,
      Created: Math.floor((NOW - (extra.ageMs ?? 1000)) / 1000),
      Labels: {
        [LABEL.managed]: 'true',
        [LABEL.id]: id,
        [LABEL.role]: role,
        ...(extra.creator ? { [LABEL.creator]: extra.creator } : {}),
        ...(extra.spare ? { [LABEL.spare]: 'true' } : {}),
      },
    }) as unknown as Docker.ContainerInfo;
  // The creator label names its status directly here.
  const status = (label: string | undefined): CreatorStatus => (label as CreatorStatus | undefined) ?? 'unknown';
  const decide = (containers: Docker.ContainerInfo[], inFlight: string[] = []) => halfMadeSandboxes(containers, NOW, status, (id) => inFlight.includes(id)).sort();

  it('a sandbox that never started, whose creator is gone: half-made, with its guard', () => {
    assert.deepEqual(decide([container('a', 'sandbox', 'created', { creator: 'gone' }), container('a', 'guard', 'running', { creator: 'gone' })]), ['a']);
  });

  it('its creator alive, or this process still creating it: not yet', () => {
    assert.deepEqual(decide([container('a', 'sandbox', 'created', { creator: 'alive' }), container('a', 'guard', 'running', { creator: 'alive' })]), []);
    assert.deepEqual(decide([container('b', 'sandbox', 'created', { creator: 'self' })], ['b']), []);
  });

  it('made by this process, whose create is over (its clean-up failed): half-made', () => {
    assert.deepEqual(decide([container('b', 'sandbox', 'created', { creator: 'self' }), container('b', 'guard', 'exited', { creator: 'self' })]), ['b']);
  });

  it('a creator that cannot be checked: only once the create is older than any create takes', () => {
    assert.deepEqual(decide([container('c', 'sandbox', 'created', { creator: 'unknown', ageMs: 60_000 })]), []);
    assert.deepEqual(decide([container('c', 'sandbox', 'created', { ageMs: STALE_CREATE_MS + 1000 })]), ['c']);
  });

  it('a sandbox that started is never half-made, whatever became of its creator', () => {
    for (const state of ['running', 'exited', 'paused', 'restarting', 'dead']) {
      assert.deepEqual(decide([container('d', 'sandbox', state, { creator: 'gone' }), container('d', 'guard', 'running', { creator: 'gone' })]), [], state);
    }
  });

  it('a guard alone: by its own creator; a spare guard (claimed or not) is left to the spare rules', () => {
    assert.deepEqual(decide([container('e', 'guard', 'running', { creator: 'gone' })]), ['e']);
    assert.deepEqual(decide([container('e', 'guard', 'running', { creator: 'alive' })]), []);
    assert.deepEqual(decide([container('f', 'guard', 'running', { creator: 'gone', spare: true })]), []);
  });

  it('a claimed spare guard goes by its sandbox container, whose creator is the claimer', () => {
    const guard = container('g', 'guard', 'running', { creator: 'gone', spare: true });
    assert.deepEqual(decide([container('g', 'sandbox', 'created', { creator: 'alive' }), guard]), []);
    assert.deepEqual(decide([container('g', 'sandbox', 'created', { creator: 'gone' }), guard]), ['g']);
  });

  it('the network container and unlabelled containers are not sandboxes', () => {
    assert.deepEqual(decide([container('n', 'network', 'created', { creator: 'gone' })]), []);
    assert.deepEqual(decide([{ Id: 'x', State: 'created', Created: 0, Labels: {} } as unknown as Docker.ContainerInfo]), []);
  });
});
