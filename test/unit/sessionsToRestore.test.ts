import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionInfo } from '../../src/core';
import { HANDOVER_MAX_AGE_MS, handedOverIds, sessionsToRestore } from '../../src/vscode/terminal/sessionsToRestore';

const session = (id: string, extra: Partial<SessionInfo> = {}): SessionInfo => ({
  id,
  containerId: 'c',
  sandboxId: 'sb',
  sandboxName: 'n',
  workspace: 'ws-a',
  title: 't',
  attached: 0,
  createdAt: 0,
  ...extra,
});

describe('sessionsToRestore', () => {
  const none = new Set<string>();

  it('reattaches the detached sessions of this workspace, oldest first', () => {
    const all = [session('2', { createdAt: 2 }), session('1', { createdAt: 1 }), session('other', { workspace: 'ws-b' })];
    assert.deepEqual(sessionsToRestore(all, { workspace: 'ws-a', adopted: none, handedOver: none }).map((s) => s.id), ['1', '2']);
  });

  it('leaves a session another window shows alone', () => {
    assert.deepEqual(sessionsToRestore([session('1', { attached: 1 })], { workspace: 'ws-a', adopted: none, handedOver: none }), []);
  });

  it('takes sessions handed over or adopted under another workspace tag (Open Sandbox Folder)', () => {
    const all = [session('h', { workspace: 'old' }), session('a', { workspace: 'old' }), session('x', { workspace: 'old' })];
    const picked = sessionsToRestore(all, { workspace: 'new', adopted: new Set(['a']), handedOver: new Set(['h']) });
    assert.deepEqual(picked.map((s) => s.id).sort(), ['a', 'h']);
  });
});

describe('handedOverIds', () => {
  it('believes a recent hand-over only', () => {
    assert.deepEqual([...handedOverIds({ sessionIds: ['1', 2], at: 1000 }, 2000)], ['1']);
    assert.equal(handedOverIds({ sessionIds: ['1'], at: 0 }, HANDOVER_MAX_AGE_MS + 1).size, 0);
    assert.equal(handedOverIds(undefined, 0).size, 0);
    assert.equal(handedOverIds({ sessionIds: 'x', at: 0 }, 0).size, 0);
  });
});
