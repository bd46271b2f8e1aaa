import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endReason, type EndFacts } from '../../src/core/endReason';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

function facts(over: Partial<EndFacts>): EndFacts {
  return { exitCode: 0, oomKilled: false, finishedAt: at(30), expiresAt: null, idleTimeoutSeconds: null, guard: { state: 'running' }, ...over };
}

test('out of memory wins over every other tell', () => {
  assert.equal(endReason(facts({ oomKilled: true, exitCode: 137, guard: { state: 'ended', finishedAt: at(30) } })), 'outOfMemory');
});

test('a SIGKILL at the deadline is the lifetime timeout', () => {
  assert.equal(endReason(facts({ exitCode: 137, expiresAt: at(29), guard: { state: 'ended', finishedAt: at(30) } })), 'timeout');
  // Before the deadline, it was something else.
  assert.notEqual(endReason(facts({ exitCode: 137, expiresAt: at(59) })), 'timeout');
});

test('a SIGKILL of sandbox and guard together with an idle timeout set is the idle timeout', () => {
  assert.equal(endReason(facts({ exitCode: 137, idleTimeoutSeconds: 60, guard: { state: 'ended', finishedAt: at(31) } })), 'idleTimeout');
});

test('docker kill of the sandbox leaves the guard running: killed from outside', () => {
  assert.equal(endReason(facts({ exitCode: 137 })), 'killed');
  assert.equal(endReason(facts({ exitCode: 143 })), 'killed');
  // Also with an idle timeout set: the reaper would have ended the guard too.
  assert.equal(endReason(facts({ exitCode: 137, idleTimeoutSeconds: 60 })), 'killed');
  assert.equal(endReason(facts({ exitCode: 137, guard: { state: 'none' } })), 'killed');
});

test('sandbox and guard ending together with no deadline is the engine stopping (the issue saw exit 0)', () => {
  assert.equal(endReason(facts({ exitCode: 0, guard: { state: 'ended', finishedAt: at(32) } })), 'daemonRestart');
  assert.equal(endReason(facts({ exitCode: 137, guard: { state: 'ended', finishedAt: at(30) } })), 'daemonRestart');
  // A client that saw the engine go away knows it first hand.
  assert.equal(endReason(facts({ exitCode: 0, engineWentAway: true })), 'daemonRestart');
});

test('a guard that ended long before or after is not the same cause', () => {
  assert.equal(endReason(facts({ exitCode: 3, finishedAt: at(59), guard: { state: 'ended', finishedAt: new Date(at(0).getTime() - 60_000) } })), 'exited');
});

test('a main process that exits by itself exited with its code', () => {
  assert.equal(endReason(facts({ exitCode: 0 })), 'exited');
  assert.equal(endReason(facts({ exitCode: 2 })), 'exited');
  assert.equal(endReason(facts({ exitCode: 1, finishedAt: null, guard: { state: 'ended', finishedAt: null } })), 'exited');
});
