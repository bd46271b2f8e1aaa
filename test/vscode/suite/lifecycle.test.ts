/**
 * Issue #14 in a real extension host: a sandbox of this workspace killed from outside (`docker
 * kill`) shows why on its row and comes back with Recreate (same spec and policy; the stopped one
 * kept when asked); "Terminate All in This Workspace" ends this workspace's sandboxes and no other
 * client's; a snapshot stays in the view's Snapshots section after its sandbox is gone.
 * The rendered view and the notification are test/vscode/ui/sandboxRecreate.mjs, treeGroups.mjs
 * and multiTerminate.mjs.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { workspaceTagValue } from '../../../src/vscode/network/workspaceTag';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const RUN = `vscode-lifecycle-${process.pid}`;
const NAME = `life-${process.pid}`;
const OTHER = `life-other-${process.pid}`;
/** Small, so the snapshot is quick (BusyBox tar works since bug 1's fix). */
const SMALL_IMAGE = 'sandboxes/trial:busybox';
const WAIT_MS = 30_000;

let api: SandboxesApi;
let workspaceTag: string;
const snapshots: string[] = [];

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  workspaceTag = workspaceTagValue(vscode.workspace.workspaceFolders?.[0]?.uri.toString());
  // The view listens to Docker only while it is visible.
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
  await tree(1);
});

after(async () => {
  for (const s of await api.client().list({ tags: { 'test-run': RUN } })) await s.terminate();
  for (const ref of snapshots)
    await api
      .client()
      .removeSnapshot(ref)
      .catch(() => undefined);
});

async function tree(depth: number): Promise<NodeSnapshot[]> {
  return vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth, groups: true });
}

async function group(label: string): Promise<NodeSnapshot | undefined> {
  return (await tree(2)).find((g) => g.label === label);
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > WAIT_MS) throw new Error(`${what}: not after ${WAIT_MS} ms. The tree now:\n${JSON.stringify(await tree(2), null, 2)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const rowOf = async (groupLabel: string, name: string) => (await group(groupLabel))?.children?.find((c) => c.label === name);

test('a sandbox killed from outside says "killed" first, and Recreate (keeping the stopped one) starts it again with its spec and policy', async () => {
  const image = vscode.workspace.getConfiguration('sandboxes').get<string>('defaults.image')!;
  const sandbox = await api.client().create({ image, name: NAME, blockNetwork: true, tags: { 'test-run': RUN, workspace: workspaceTag } });
  await waitFor('running under This workspace', async () => /^running · /.test((await rowOf('This workspace', NAME))?.description ?? ''));

  const { containerId } = await sandbox.info();
  const kill = spawnSync('docker', ['kill', containerId], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(kill.status, 0, `docker kill: ${kill.stderr}`);
  await waitFor('the row says killed', async () => /^killed · /.test((await rowOf('This workspace', NAME))?.description ?? ''));
  const row = await rowOf('This workspace', NAME);
  assert.equal(row?.contextValue, 'stoppedSandbox');
  assert.match(row?.tooltip ?? '', /was killed from outside the editor/);

  const newId = await vscode.commands.executeCommand<string>('sandboxes.recreateSandbox', sandbox.id, { keepOld: true });
  assert.ok(newId && newId !== sandbox.id, 'a new sandbox');
  const recreated = await api.client().fromId(newId);
  const info = await recreated.info();
  assert.equal(info.state, 'running');
  assert.equal(info.name, `${NAME}-2`, 'the stopped one keeps its name');
  assert.equal(info.tags.workspace, workspaceTag, "it is this workspace's");
  assert.equal((await recreated.networkPolicy()).mode, 'blocked', 'the same network policy');
  await waitFor('both listed', async () => Boolean((await rowOf('This workspace', `${NAME}-2`)) && (await rowOf('This workspace', NAME))));
});

test("Terminate All in This Workspace ends this workspace's sandboxes, running or stopped, and no other client's", async () => {
  await api.client().create({ image: SMALL_IMAGE, name: OTHER, tags: { 'test-run': RUN } });
  const done = await vscode.commands.executeCommand<number>('sandboxes.terminateWorkspaceSandboxes', { confirm: false });
  assert.ok((done ?? 0) >= 2, `terminated ${done}`);
  const left = (await api.client().listInfo({ tags: { 'test-run': RUN } })).map((i) => i.name);
  assert.deepEqual(left, [OTHER], "only the other client's sandbox is left");
  await waitFor('this workspace has none of ours', async () => !(await group('This workspace'))?.children?.some((c) => c.label.startsWith(NAME)));
});

test('a snapshot stays in the Snapshots section, with its size, after its sandbox is gone; Remove takes it away', async () => {
  const [other] = await api.client().list({ tags: { 'test-run': RUN } });
  assert.ok(other);
  const ref = await vscode.commands.executeCommand<string>('sandboxes.snapshotSandbox', other.id);
  snapshots.push(ref);
  await vscode.commands.executeCommand('sandboxes.terminateSandbox', other.id);
  const entry = async () => (await group('Snapshots'))?.children?.find((c) => c.description.endsWith(ref));
  await waitFor('the snapshot in the Snapshots section', async () => Boolean(await entry()));
  const shown = await entry();
  assert.match(shown?.label ?? '', new RegExp(`^${OTHER} · `), 'named by the sandbox it came from, with its age');
  assert.match(shown?.description ?? '', /^\d+(\.\d+)? [KMG]?B · /, 'with its size');
  assert.equal(shown?.contextValue, 'snapshot', 'Create from Snapshot and Remove apply');
  assert.equal(await vscode.commands.executeCommand('sandboxes.removeSnapshot', ref), true);
  await waitFor('gone from the section', async () => !(await entry()));
});
