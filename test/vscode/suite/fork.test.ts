/**
 * Issue #16 in a real extension host: "Fork Sandbox" makes a new sandbox with the running one's
 * files and network policy, shown in the Sandboxes view; the fork's policy then changes alone; a
 * fork that cannot be made makes nothing. Policies are read on the host side (the guards' state);
 * no traffic is sent.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { workspaceTagValue } from '../../../src/vscode/network/workspaceTag';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const RUN = `vscode-fork-${process.pid}`;
const PARENT = `fork-parent-${process.pid}`;
const FORK = `fork-child-${process.pid}`;
/** Small, so the snapshot under the fork is quick. */
const SMALL_IMAGE = 'sandboxes/trial:busybox';
const WAIT_MS = 30_000;

let api: SandboxesApi;
let workspaceTag: string;
const parents: string[] = [];

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  workspaceTag = workspaceTagValue(vscode.workspace.workspaceFolders?.[0]?.uri.toString());
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
});

after(async () => {
  for (const s of await api.client().list({ tags: { 'test-run': RUN } })) await s.terminate().catch(() => undefined);
  for (const id of parents)
    for (const snapshot of await api.client().listSnapshots({ sandboxId: id }))
      await api
        .client()
        .removeSnapshot(snapshot.ref)
        .catch(() => undefined);
});

async function rowOf(name: string): Promise<NodeSnapshot | undefined> {
  const groups = await vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth: 2, groups: true });
  return groups.find((g) => g.label === 'This workspace')?.children?.find((c) => c.label === name);
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > WAIT_MS) throw new Error(`${what}: not after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("Fork Sandbox: the fork has the parent's files and policy, shows in the view, and its policy changes alone", async () => {
  const parent = await api.client().create({ image: SMALL_IMAGE, name: PARENT, cidrAllowlist: ['198.51.100.7/32'], tags: { 'test-run': RUN, workspace: workspaceTag } });
  parents.push(parent.id);
  const wrote = await parent.run(['sh', '-c', 'mkdir -p /data && echo from-parent > /data/note.txt']);
  assert.equal(wrote.exitCode, 0, wrote.stderr);

  const forkId = await vscode.commands.executeCommand<string | undefined>('sandboxes.forkSandbox', parent.id, { name: FORK });
  assert.ok(forkId && forkId !== parent.id, 'the command returned the new sandbox');
  const fork = await api.client().fromId(forkId);
  assert.equal(fork.name, FORK);
  assert.equal((await fork.run(['cat', '/data/note.txt'])).stdout, 'from-parent\n', "the parent's file is in the fork");
  const policy = await fork.networkPolicy();
  assert.equal(policy.mode, 'allowlist');
  assert.deepEqual(policy.cidrAllowlist, ['198.51.100.7/32'], "the parent's allowlist");
  await waitFor('the fork in the view', async () => /^running/.test((await rowOf(FORK))?.description ?? ''));

  // Independent: the fork's change leaves the parent's policy and files alone.
  await fork.setNetworkPolicy({ blockNetwork: true });
  await fork.run(['sh', '-c', 'echo from-fork > /data/note.txt']);
  assert.equal((await fork.networkPolicy()).mode, 'blocked');
  const parentPolicy = await parent.networkPolicy();
  assert.equal(parentPolicy.mode, 'allowlist', "the parent's policy is unchanged");
  assert.deepEqual(parentPolicy.cidrAllowlist, ['198.51.100.7/32']);
  assert.equal((await parent.run(['cat', '/data/note.txt'])).stdout, 'from-parent\n', "the parent's file is unchanged");
});

test('a fork that cannot be made (an invalid name) makes nothing and leaves no snapshot', async () => {
  const parent = (await api.client().list({ tags: { 'test-run': RUN } })).find((s) => s.name === PARENT);
  assert.ok(parent, 'the parent of the first test');
  const before = (await api.client().listSnapshots({ sandboxId: parent.id })).length;
  const result = await vscode.commands.executeCommand<string | undefined>('sandboxes.forkSandbox', parent.id, { name: 'not a valid name!' });
  assert.equal(result, undefined, 'the command reported the error and returned nothing');
  assert.deepEqual((await api.client().list({ tags: { 'test-run': RUN } })).map((s) => s.name).sort(), [FORK, PARENT].sort(), 'no other sandbox');
  assert.equal((await api.client().listSnapshots({ sandboxId: parent.id })).length, before, 'no new snapshot');
});
