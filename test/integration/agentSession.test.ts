/**
 * AgentSession on the real engine (runsc): the agent sandbox is found again by its tags by a new
 * session (a window reload), and when it has ended behind the session's back (idle timeout,
 * terminated by hand) the next call makes a new one instead of failing. No network traffic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentSession, type AgentHost } from '../../src/core';
import { RUN_ID, cleanupAfterFile, client, testSpec } from './helpers';

cleanupAfterFile();

const engine = client();
const tags = { ...testSpec().tags!, agent: 'session-test', session: RUN_ID };
const logs: string[] = [];
const host: AgentHost = {
  client: () => engine,
  tags,
  createSandbox: (signal) => engine.create(testSpec({ tags, blockNetwork: true, idleTimeoutSeconds: 600 }), { signal }),
  forwardPort: (sandbox, port, options) => sandbox.forwardPort(port, options),
  setNetworkPolicy: (sandbox, policy) => sandbox.setNetworkPolicy(policy),
  askNetwork: async () => ({ approved: false, note: 'test' }),
  log: (line) => logs.push(line),
};

test('a new session reuses the running agent sandbox; an ended one is replaced on the next call', async () => {
  const first = new AgentSession(host);
  const ran = await first.call('sandbox_run', { command: 'echo $((6*7))' });
  assert.equal(ran.ok, true, ran.text);
  assert.equal(ran.data.stdout, '42\n');
  const [sandbox] = await engine.list({ tags, all: false });
  assert.ok(sandbox);

  const second = new AgentSession(host);
  assert.equal((await second.call('sandbox_run', { argv: ['true'] })).ok, true);
  assert.deepEqual(
    (await engine.list({ tags, all: false })).map((s) => s.id),
    [sandbox.id],
    'reused, not a second sandbox',
  );
  assert.ok(logs.some((l) => l.includes(`reusing ${sandbox.name}`)));

  await sandbox.terminate();
  const after = await second.call('sandbox_run', { argv: ['true'] });
  assert.equal(after.ok, true, after.text);
  const now = await engine.list({ tags, all: false });
  assert.equal(now.length, 1);
  assert.notEqual(now[0]!.id, sandbox.id, 'a new agent sandbox');
  assert.ok(logs.some((l) => l.includes('has ended; making a new one')));
});
