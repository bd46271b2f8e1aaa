/**
 * Issue #16 in a real extension host: with `sandboxes.pool.size` unset (automatic), Create
 * Sandbox in this workspace keeps one sandbox started ahead for the workspace's default spec
 * (with the default `copy` workspace mount: the pooled sandbox has no copy, the claim copies the
 * workspace in with its review baseline), and the next Create Sandbox claims it. The pool is
 * shown by `client.poolStatus()` (Check Setup, the view's title), never as a sandbox.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const WAIT_MS = 60_000;
const created: string[] = [];
let api: SandboxesApi;

const config = () => vscode.workspace.getConfiguration('sandboxes');

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  assert.equal(config().inspect('workspace.mount')?.globalValue, undefined, 'the default workspace mount: copy');
  assert.equal(config().inspect('pool.size')?.globalValue, undefined, 'sandboxes.pool.size is unset: automatic');
});

after(async () => {
  for (const id of created)
    await api
      .client()
      .fromId(id)
      .then((s) => s.terminate())
      .catch(() => undefined);
  // The pool this file started goes with the client (the window), or with the next Create
  // Sandbox of another spec (keepPoolWarm.ts); if the host dies, the reaper removes it.
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > WAIT_MS) throw new Error(`${what}: not after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('automatic pool size: after a Create Sandbox here, one is kept ready for the default spec, and the next create claims it', async () => {
  const first = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', {});
  assert.ok(first, 'created');
  created.push(first);
  const pool = await waitFor('a pool of 1 with its sandbox ready', async () => (await api.client().poolStatus()).find((p) => p.size === 1 && p.ready === 1));
  assert.equal(pool.size, 1, 'automatic: 1');
  assert.ok(!(await api.client().listInfo()).some((s) => s.name.startsWith('pool-')), 'the pooled sandbox is not listed');

  const second = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', {});
  assert.ok(second, 'created');
  created.push(second);
  const info = await (await api.client().fromId(second)).info();
  const labels = (await api.client().docker.getContainer(info.containerId).inspect()).Config.Labels ?? {};
  assert.equal(labels['sandboxes.pool'], 'true', 'the second Create Sandbox claimed the pooled sandbox');
  // The workspace was copied in at claim, with the baseline Review Sandbox Changes needs.
  const sandbox = await api.client().fromId(second);
  const readme = await sandbox.run(['cat', '/workspace/README.md']);
  assert.match(readme.stdout, /gVisor Sandboxes test workspace/, `the workspace copy is there: ${readme.stderr}`);
  assert.deepEqual(await sandbox.changes(), [], 'a fresh copy with its baseline: nothing changed');
});

test('sandboxes.pool.memoryBudgetMiB: a pool of 3 whose sandboxes (2048 MiB each) must fit in 2048 MiB is kept at 1', async () => {
  const global = vscode.ConfigurationTarget.Global;
  try {
    await config().update('pool.size', 3, global);
    await config().update('pool.memoryBudgetMiB', 2048, global);
    // The changed budget reconnects the client; the next Create Sandbox keeps the pool for its spec.
    const id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', {});
    assert.ok(id, 'created');
    created.push(id);
    const pool = await waitFor('a pool for the default spec', async () => (await api.client().poolStatus()).find((p) => p.ready >= 1));
    assert.equal(pool.size, 1, 'clipped to the budget: the default budget (4096 MiB) would have kept 2');
  } finally {
    await config().update('pool.size', undefined, global);
    await config().update('pool.memoryBudgetMiB', undefined, global);
  }
});
