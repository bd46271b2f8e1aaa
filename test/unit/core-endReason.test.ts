import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { endReason, type EndFacts } from '../../src/core/endReason';
import { readReaped, recordReaped } from '../../src/core/reapRecord';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

function facts(over: Partial<EndFacts>): EndFacts {
  return { exitCode: 0, oomKilled: false, finishedAt: at(30), expiresAt: null, reapedFor: null, ...over };
}

test('out of memory wins over every other tell', () => {
  assert.equal(endReason(facts({ oomKilled: true, exitCode: 137, reapedFor: 'idle' })), 'outOfMemory');
});

test('what the reaper recorded: timeout or idle timeout', () => {
  assert.equal(endReason(facts({ exitCode: 137, reapedFor: 'timeout' })), 'timeout');
  assert.equal(endReason(facts({ exitCode: 137, reapedFor: 'idle' })), 'idleTimeout');
});

test("a signal at the deadline is the lifetime timeout even without a record (another user's reaper)", () => {
  assert.equal(endReason(facts({ exitCode: 137, expiresAt: at(29) })), 'timeout');
  assert.equal(endReason(facts({ exitCode: 137, expiresAt: at(59) })), 'killed', 'before the deadline it was something else');
  assert.equal(endReason(facts({ exitCode: 0, expiresAt: at(29) })), 'exited', 'an exit by itself is not a kill');
});

test('a signal with no deadline, record or restart is a kill from outside (docker kill, docker stop)', () => {
  assert.equal(endReason(facts({ exitCode: 137 })), 'killed');
  assert.equal(endReason(facts({ exitCode: 143 })), 'killed');
});

test('a client that saw the engine go away while it ran knows of the restart, whatever the exit code (the issue saw 0)', () => {
  assert.equal(endReason(facts({ exitCode: 0, engineWentAway: true })), 'daemonRestart');
  assert.equal(endReason(facts({ exitCode: 137, engineWentAway: true })), 'daemonRestart');
});

test('a main process that exits by itself exited with its code', () => {
  assert.equal(endReason(facts({ exitCode: 0 })), 'exited');
  assert.equal(endReason(facts({ exitCode: 2, finishedAt: null })), 'exited');
});

test("the reaper's record: written per container, read back, nothing else believed", () => {
  const dir = mkdtempSync(join(tmpdir(), 'reap-record-'));
  try {
    const id = 'a'.repeat(64);
    assert.equal(readReaped(dir, id), null);
    recordReaped(dir, id, 'idle');
    assert.equal(readReaped(dir, id), 'idle');
    recordReaped(dir, id, 'timeout');
    assert.equal(readReaped(dir, id), 'timeout');
    assert.equal(readReaped(dir, '../etc/passwd'), null, 'only container ids name records');
    writeFileSync(join(dir, `ended-${'b'.repeat(64)}`), 'anything');
    assert.equal(readReaped(dir, 'b'.repeat(64)), null, 'only the two reasons are believed');
    symlinkSync(join(dir, `ended-${id}`), join(dir, `ended-${'c'.repeat(64)}`));
    assert.equal(readReaped(dir, 'c'.repeat(64)), null, 'a symlink is not followed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
