import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionInfo } from '../../src/core';
import { sessionsToRestore } from '../../src/vscode/terminal/sessionsToRestore';

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
  it('reattaches the detached sessions of this workspace, oldest first', () => {
    const all = [session('2', { createdAt: 2 }), session('1', { createdAt: 1 }), session('other', { workspace: 'ws-b' })];
    assert.deepEqual(
      sessionsToRestore(all, 'ws-a').map((s) => s.id),
      ['1', '2'],
    );
  });

  it('leaves a session another window shows alone', () => {
    assert.deepEqual(sessionsToRestore([session('1', { attached: 1 })], 'ws-a'), []);
  });
});
