/**
 * Several Docker engines at once (issue #17, item 2), in a real extension host, with two real
 * engines: this machine's dockerd and a second dockerd in a network namespace of its own,
 * reached over SSH only (test/integration/remoteEngine.ts: own data root, bridges and iptables,
 * runsc registered). The suite starts that engine itself in `before` (the extension host runs as
 * root, like the integration test) and sets `sandboxes.docker.engines` in the user settings; the
 * extension reaches it through the test's ssh-agent (SSH_AUTH_SOCK of this process, which is the
 * extension host's).
 *
 * What it proves: the tree's top level is one node per engine; a sandbox created on each shows
 * only under its own engine; a command given a tree node (or a bare id) acts on that sandbox's
 * engine, as each engine's docker CLI confirms; Check Setup reports both engines. The second engine
 * is added with "Add Docker Engine…" (its `{ name, host }` argument), which writes the user setting.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { CheckReport } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { remoteEngineMissing, startRemoteEngine, type RemoteEngine } from '../../integration/remoteEngine';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const ENGINES_KEY = 'sandboxes.docker.engines';
const REMOTE = 'remote-test';
const TAGS = { 'test-run': `vscode-engines-${process.pid}` };
const LOCAL_NAME = `eng-local-${process.pid}`;
const REMOTE_NAME = `eng-remote-${process.pid}`;
const SNAPSHOT_NAME = `eng-snap-${process.pid}`;
const PICKED_NAME = `eng-picked-${process.pid}`;
const SHOW_WAIT_MS = 30_000;
/** Starting the remote engine loads two images into it: minutes on a busy machine. */
const SETUP_MS = 420_000;

let api: SandboxesApi;
let remote: RemoteEngine | undefined;
let localId: string;
let remoteId: string;
let snapshotRef: string | undefined;

function localCli(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 });
}

async function tree(depth: number): Promise<NodeSnapshot[]> {
  await vscode.commands.executeCommand('sandboxes.refresh');
  return vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth, groups: true });
}

/** The sandbox rows under an engine node (its groups' children). */
function sandboxLabels(engine: NodeSnapshot | undefined): string[] {
  return (engine?.children ?? []).filter((g) => g.contextValue === 'workspaceGroup' || g.contextValue === 'othersGroup').flatMap((g) => (g.children ?? []).map((s) => s.label));
}

async function waitFor(what: string, probe: () => Promise<boolean>, waitMs = SHOW_WAIT_MS): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < 400; i++) {
    if (await probe()) return;
    if (Date.now() - started > waitMs) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what}: not after ${waitMs} ms. The tree now:\n${JSON.stringify(await tree(3), null, 2)}`);
}

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  const missing = remoteEngineMissing();
  if (missing) throw new Error(`The engines suite needs the remote-engine harness: ${missing}`);
  const image = vscode.workspace.getConfiguration('sandboxes').get<string>('defaults.image');
  assert.ok(image, 'sandboxes.defaults.image is set by the test run');
  remote = await startRemoteEngine([image, api.client().guardImage]);
  // The extension's SSH connection authenticates through the test's agent (same process).
  process.env.SSH_AUTH_SOCK = remote.sshAuthSock;
  // Add Docker Engine… with its argument writes the user setting, as picking a context would.
  const added = await vscode.commands.executeCommand<{ name: string; host: string }>('sandboxes.addDockerEngine', { name: REMOTE, host: remote.sshHost });
  assert.deepEqual(added, { name: REMOTE, host: remote.sshHost });
  assert.deepEqual(vscode.workspace.getConfiguration().inspect(ENGINES_KEY)?.globalValue, [{ name: REMOTE, host: remote.sshHost }], 'written to the user settings');
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
}, SETUP_MS);

after(async () => {
  await vscode.workspace
    .getConfiguration()
    .update(ENGINES_KEY, undefined, vscode.ConfigurationTarget.Global)
    .then(undefined, () => undefined);
  for (const s of await api
    .client()
    .list({ tags: TAGS })
    .catch(() => []))
    await s.terminate().catch(() => undefined);
  if (snapshotRef) {
    try {
      remote?.cli(['rmi', '-f', snapshotRef]);
    } catch {
      // The engine goes with its data below anyway.
    }
  }
  // Removes every container of the remote engine, then the engine, its namespace and data.
  await remote?.stop();
}, SETUP_MS);

test(
  'the tree shows two engines at once: one node per engine, the default first, the remote one with its endpoint',
  async () => {
    // The first answer over a new SSH connection can take a minute here: the remote user's shell
    // (root's ~/.bashrc on this machine runs `pyenv init`, which waits 60 s for a stale lock) runs
    // before the transport learns the engine's socket. Meanwhile the node says it does not answer.
    await waitFor(
      'two engine nodes, both answering',
      async () => {
        const nodes = await tree(1);
        return nodes.filter((n) => n.contextValue === 'engine').length === 2 && !/unreachable|could not list/.test(nodes[1]?.description ?? '');
      },
      150_000,
    );
    const roots = await tree(1);
    assert.deepEqual(
      roots.map((n) => n.contextValue),
      ['engine', 'engine'],
      `only engine nodes at the top: ${JSON.stringify(roots)}`,
    );
    assert.equal(roots[1]?.label, REMOTE);
    assert.match(roots[1]?.description ?? '', new RegExp(remote!.sshHost.replace(/[.]/g, '\\.')));
    assert.doesNotMatch(roots[1]?.description ?? '', /unreachable|could not list/, 'the remote engine answers');
  },
  { timeout: 240_000 },
);

test(
  'a sandbox created on each engine shows only under its own engine',
  async () => {
    localId = (await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { name: LOCAL_NAME, tags: TAGS }))!;
    remoteId = (await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { name: REMOTE_NAME, tags: TAGS, engine: REMOTE }))!;
    assert.ok(localId && remoteId, 'both creates returned an id');
    // Each engine's own CLI: the sandbox is there, and only there.
    assert.match(localCli(['ps', '--filter', `name=sandboxes-${LOCAL_NAME}`, '--format', '{{.Names}}']), new RegExp(LOCAL_NAME));
    assert.doesNotMatch(localCli(['ps', '-a', '--format', '{{.Names}}']), new RegExp(REMOTE_NAME));
    assert.match(remote!.cli(['ps', '--format', '{{.Names}}']), new RegExp(REMOTE_NAME));
    assert.doesNotMatch(remote!.cli(['ps', '-a', '--format', '{{.Names}}']), new RegExp(LOCAL_NAME));

    await waitFor('both sandboxes in the tree', async () => {
      const [local, rem] = await tree(3);
      return sandboxLabels(local).includes(LOCAL_NAME) && sandboxLabels(rem).includes(REMOTE_NAME);
    });
    const [local, rem] = await tree(3);
    assert.ok(!sandboxLabels(local).includes(REMOTE_NAME), `the remote sandbox is not under the local engine: ${sandboxLabels(local)}`);
    assert.ok(!sandboxLabels(rem).includes(LOCAL_NAME), `the local sandbox is not under the remote engine: ${sandboxLabels(rem)}`);
  },
  { timeout: 240_000 },
);

test(
  'Run Command via a tree node and via a bare id acts on the sandbox of the right engine',
  async () => {
    assert.ok(localId && remoteId, 'the sandboxes of the previous test exist');
    const node = { kind: 'sandbox', sandboxId: remoteId, engine: REMOTE };
    const result = await vscode.commands.executeCommand<{ exitCode: number; output: string }>('sandboxes.runCommand', node, 'echo remote-engine > /tmp/where; cat /tmp/where');
    assert.deepEqual(result, { exitCode: 0, output: 'remote-engine\n' });
    // The remote engine's CLI sees the file in that container; the local engine has no such container.
    assert.equal(remote!.cli(['exec', `sandboxes-${REMOTE_NAME}`, 'cat', '/tmp/where']).trim(), 'remote-engine');
    // A bare id goes to the engine that listed it.
    const bare = await vscode.commands.executeCommand<{ exitCode: number; output: string }>('sandboxes.runCommand', localId, 'echo local-engine > /tmp/where; cat /tmp/where');
    assert.deepEqual(bare, { exitCode: 0, output: 'local-engine\n' });
    assert.equal(localCli(['exec', `sandboxes-${LOCAL_NAME}`, 'cat', '/tmp/where']).trim(), 'local-engine');
  },
  { timeout: 240_000 },
);

test(
  "Snapshot Sandbox and Create Sandbox from Snapshot act on the remote engine's images",
  async () => {
    assert.ok(remoteId, 'the remote sandbox of the earlier test exists');
    const ref = await vscode.commands.executeCommand<string>('sandboxes.snapshotSandbox', { kind: 'sandbox', sandboxId: remoteId, engine: REMOTE });
    assert.ok(ref, 'a snapshot reference');
    snapshotRef = ref;
    assert.doesNotThrow(() => remote!.cli(['image', 'inspect', ref]), 'the snapshot is an image of the remote engine');
    assert.throws(() => localCli(['image', 'inspect', ref]), 'not of this machine');
    // The tree's snapshot row, under the remote engine's section (what a click passes).
    const row = { kind: 'snapshot', ref, sandboxId: remoteId, parent: { engine: REMOTE } };
    const fromSnapshot = await vscode.commands.executeCommand<string>('sandboxes.createFromSnapshot', row, { name: SNAPSHOT_NAME, tags: TAGS });
    assert.ok(fromSnapshot, 'created from the snapshot');
    // The file the Run Command test wrote is in the new sandbox, on the remote engine.
    assert.equal(remote!.cli(['exec', `sandboxes-${SNAPSHOT_NAME}`, 'cat', '/tmp/where']).trim(), 'remote-engine');
    await vscode.commands.executeCommand('sandboxes.terminateSandbox', fromSnapshot, { confirm: false });
    assert.doesNotMatch(remote!.cli(['ps', '-a', '--format', '{{.Names}}']), new RegExp(SNAPSHOT_NAME), 'terminated on the remote engine');
  },
  { timeout: 300_000 },
);

test(
  "the palette's Create Sandbox from Snapshot lists every engine's snapshots and creates on the picked one's engine",
  async () => {
    assert.ok(snapshotRef, 'the remote snapshot of the previous test exists');
    // No argument: the picker. The newest snapshot of either engine is first: the remote one just made.
    let settled = false;
    const creating = vscode.commands.executeCommand<string>('sandboxes.createFromSnapshot', undefined, { name: PICKED_NAME, tags: TAGS }).then(
      (id) => ((settled = true), id),
      (err: unknown) => ((settled = true), Promise.reject(err)),
    );
    const started = Date.now();
    while (!settled && Date.now() - started < 60_000) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 500));
    }
    const id = await creating;
    assert.ok(id, 'created from the picked snapshot');
    assert.match(
      remote!.cli(['ps', '--format', '{{.Names}}']),
      new RegExp(PICKED_NAME),
      'created on the remote engine, where the picked snapshot is (the default engine alone, as before, has no such snapshot)',
    );
    assert.equal(remote!.cli(['exec', `sandboxes-${PICKED_NAME}`, 'cat', '/tmp/where']).trim(), 'remote-engine', "the snapshot's file");
    await vscode.commands.executeCommand('sandboxes.terminateSandbox', id, { confirm: false });
  },
  { timeout: 240_000 },
);

test(
  'Check Setup reports both engines',
  async () => {
    const report = await vscode.commands.executeCommand<CheckReport>('sandboxes.checkSetup');
    assert.ok(report, 'checkSetup returned its report');
    const remoteItems = report.items.filter((item) => item.name.startsWith(`${REMOTE} · `));
    const localItems = report.items.filter((item) => !item.name.includes(' · '));
    assert.ok(localItems.length > 0, 'the default engine has its items');
    assert.ok(remoteItems.length > 0, `the remote engine has its section: ${report.items.map((i) => i.name).join(', ')}`);
    assert.deepEqual(
      remoteItems.filter((item) => !item.ok),
      [],
      'the remote engine runs gVisor sandboxes and enforces policies',
    );
    assert.ok(
      remoteItems.some((item) => /Trial sandbox/.test(item.name)),
      'a real sandbox was tried on the remote engine',
    );
  },
  { timeout: 240_000 },
);

test(
  'Terminate via a tree node ends the sandbox on its own engine, and leaves the other engine alone',
  async () => {
    assert.ok(localId && remoteId, 'the sandboxes of the previous test exist');
    assert.match(remote!.cli(['ps', '--format', '{{.Names}}']), new RegExp(REMOTE_NAME), 'running on the remote engine before');
    const node = { kind: 'sandbox', sandboxId: remoteId, engine: REMOTE };
    await vscode.commands.executeCommand('sandboxes.terminateSandbox', node, { confirm: false });
    assert.doesNotMatch(remote!.cli(['ps', '-a', '--format', '{{.Names}}']), new RegExp(REMOTE_NAME), 'gone from the remote engine');
    assert.match(localCli(['ps', '--filter', `name=sandboxes-${LOCAL_NAME}`, '--format', '{{.Names}}']), new RegExp(LOCAL_NAME), 'the local one still runs');
    await waitFor('the remote sandbox gone from the tree', async () => !sandboxLabels((await tree(3))[1]).includes(REMOTE_NAME));
    await vscode.commands.executeCommand('sandboxes.terminateSandbox', localId, { confirm: false });
    assert.doesNotMatch(localCli(['ps', '-a', '--format', '{{.Names}}']), new RegExp(LOCAL_NAME), 'gone from the local engine');
  },
  { timeout: 240_000 },
);
