// Issue #14, "sandboxes that die behind your back": what the tree and the notification say, what
// counts as news, and what a Recreate creates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SandboxInfo } from '../../src/core/types';
import { EndedTracker } from '../../src/vscode/lifecycle/endedTracker';
import { freeName, recreateSpec } from '../../src/vscode/lifecycle/recreateSpec';
import { endedNotice, endingIcon, endingWord } from '../../src/vscode/tree/endingText';

function info(name: string, state: SandboxInfo['state'], tags: Record<string, string> = { workspace: 'aaaaaaaaaaaa' }): SandboxInfo {
  return {
    id: `sb-${name}`,
    containerId: `c-${name}`,
    name,
    image: 'img',
    runtime: 'runsc',
    state,
    exitCode: state === 'running' ? null : 0,
    createdAt: new Date(0),
    expiresAt: null,
    tags,
    networkMode: 'open',
  };
}
const mine = (i: SandboxInfo) => i.tags.workspace === 'aaaaaaaaaaaa';
const never = () => false;

describe('ending words: the reason, not exited (0)', () => {
  it('names each reason', () => {
    assert.equal(endingWord({ reason: 'killed', exitCode: 137 }), 'killed');
    assert.equal(endingWord({ reason: 'daemonRestart', exitCode: 0 }), 'killed by Docker restart');
    assert.equal(endingWord({ reason: 'outOfMemory', exitCode: 137 }), 'out of memory');
    assert.equal(endingWord({ reason: 'timeout', exitCode: 137 }), 'timed out');
    assert.equal(endingWord({ reason: 'idleTimeout', exitCode: 137 }), 'idle timeout');
    assert.equal(endingWord({ reason: 'exited', exitCode: 3 }), 'exited (3)');
  });
  it('colours trouble, not a clean exit', () => {
    assert.equal(endingIcon({ reason: 'killed', exitCode: 137 }).color, 'problemsErrorIcon.foreground');
    assert.deepEqual(endingIcon({ reason: 'exited', exitCode: 0 }), { id: 'vm-outline' });
  });
});

describe('the notification: once, coalesced', () => {
  it('says why for one sandbox', () => {
    assert.equal(endedNotice([{ name: 'web', ending: { reason: 'killed', exitCode: 137 } }]), 'Sandbox "web" was killed from outside the editor (docker kill or docker stop).');
  });
  it('is one message for many that ended for one reason', () => {
    const text = endedNotice(['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, ending: { reason: 'daemonRestart' as const, exitCode: 0 } })));
    assert.equal(text, '5 sandboxes of this workspace were killed when the Docker engine stopped or restarted: "a", "b", "c", "d", "e".');
  });
  it('lists each reason when they differ', () => {
    const text = endedNotice([
      { name: 'a', ending: { reason: 'outOfMemory', exitCode: 137 } },
      { name: 'b', ending: { reason: 'timeout', exitCode: 137 } },
    ]);
    assert.equal(text, '2 sandboxes of this workspace stopped: "a" out of memory, "b" timed out.');
  });
});

describe('what is news', () => {
  it("nothing on the first look, then each of this workspace's sandboxes that stopped, once", () => {
    const tracker = new EndedTracker();
    assert.deepEqual(tracker.update([info('a', 'exited'), info('b', 'running')], mine, never), []);
    assert.deepEqual(
      tracker.update([info('a', 'exited'), info('b', 'exited')], mine, never).map((i) => i.name),
      ['b'],
    );
    assert.deepEqual(tracker.update([info('a', 'exited'), info('b', 'exited')], mine, never), [], 'told once');
  });
  it("not what this window terminated, nor other clients' sandboxes, nor one that is simply gone", () => {
    const tracker = new EndedTracker();
    const other = info('o', 'running', { 'test-run': 'x' });
    tracker.update([info('a', 'running'), info('b', 'running'), other, info('c', 'running')], mine, never);
    const ended = tracker.update([info('a', 'exited'), info('b', 'exited'), { ...other, state: 'exited' }], mine, (id) => id === 'sb-a');
    assert.deepEqual(
      ended.map((i) => i.name),
      ['b'],
    );
  });
});

describe('Recreate: same spec, last policy and forwards, a free name', () => {
  const spec = { image: 'img', name: 'web', memoryMiB: 512, blockNetwork: true, unencryptedPorts: [80], tags: { workspace: 'aaaaaaaaaaaa' } };
  it('keeps the spec when the last policy is not known', () => {
    assert.deepEqual(recreateSpec(spec, undefined, 'web'), spec);
  });
  it('takes the policy and forwards last in force over those at creation', () => {
    const out = recreateSpec(
      spec,
      {
        blockNetwork: false,
        cidrAllowlist: ['10.0.0.0/8'],
        followsDefaults: false,
        forwards: [
          { port: 8000, kind: 'unencrypted' },
          { port: 8443, kind: 'encrypted' },
        ],
      },
      'web-2',
    );
    assert.deepEqual(out, {
      ...spec,
      name: 'web-2',
      blockNetwork: false,
      cidrAllowlist: ['10.0.0.0/8'],
      followsNetworkDefaults: false,
      unencryptedPorts: [8000],
      encryptedPorts: [8443],
    });
  });
  it('reuses the name once the old one is removed, else counts up', () => {
    assert.equal(freeName('web', new Set()), 'web');
    assert.equal(freeName('web', new Set(['web'])), 'web-2');
    assert.equal(freeName('web-2', new Set(['web-2', 'web-2-2'])), 'web-2-3');
    // The in-host run found this: a trailing number is part of the name, not a copy counter.
    assert.equal(freeName('life-26929', new Set(['life-26929'])), 'life-26929-2');
  });
});
