/**
 * The Sandboxes view in a real extension host. It follows Docker, not the extension's commands:
 * a sandbox created and terminated through the engine API, as a script would, appears in and
 * disappears from the tree with nothing asking for a refresh. Below it, the tree shows its
 * network policy, its forwarded ports and this window's terminals, and follows changes made by
 * commands.
 *
 * The tree is read through its provider, exactly as VS Code reads it (the test-only command
 * `sandboxes.tree.snapshot`), which reads the list the view holds and never loads it: only the
 * view's own refresh (on Docker's events) can make a change show. test/vscode/ui/tree.mjs looks at
 * the rendered view. How fast a change outside shows is measured by the `tree-events` benchmark
 * (docs/benchmarks.md), not here.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { NetworkState, Tunnel } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-tree-${process.pid}` };
const NAME = `tree-${process.pid}`;
/**
 * How long a change that must show is waited for: generous, since other work shares the machine;
 * a refresh that is broken never comes, so the tests still fail.
 */
const SHOW_WAIT_MS = 20_000;

let api: SandboxesApi;
let sandbox: Sandbox;

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  // The view listens to Docker only while it is visible.
  await vscode.commands.executeCommand('workbench.view.extension.sandboxes');
  await snapshot(1);
});

after(async () => {
  for (const s of await api.client().list({ tags: TAGS })) await s.terminate();
});

async function snapshot(depth: number): Promise<NodeSnapshot[]> {
  return vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth });
}

async function ourNode(depth = 3): Promise<NodeSnapshot | undefined> {
  return (await snapshot(depth)).find((node) => node.label === NAME);
}

/** Polls the tree until `probe` holds; fails after SHOW_WAIT_MS with the tree as it is then. */
async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return;
    if (Date.now() - started > SHOW_WAIT_MS) {
      throw new Error(`${what}: not after ${SHOW_WAIT_MS} ms. The tree now:\n${JSON.stringify(await snapshot(3), null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function child(node: NodeSnapshot | undefined, labelPrefix: string): NodeSnapshot | undefined {
  return node?.children?.find((c) => c.label.startsWith(labelPrefix));
}

test('a sandbox created outside the extension (engine API) shows, running, with nothing asking', async () => {
  const image = vscode.workspace.getConfiguration('sandboxes').get<string>('defaults.image')!;
  sandbox = await api.client().create({ image, name: NAME, tags: TAGS, command: ['python3', '-m', 'http.server', '8000'], unencryptedPorts: [8000] });
  // No refresh is asked for: only Docker's start event can bring it into the view's list.
  await waitFor('the new sandbox in the tree, running', async () => (await ourNode(1))?.contextValue === 'runningSandbox');

  const node = await ourNode();
  assert.ok(node);
  assert.equal(node.contextValue, 'runningSandbox');
  // The state first (issue #14), then image, runtime and uptime.
  assert.match(node.description, new RegExp(`^running · ${image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} · gVisor · (just started|up )`));
  assert.match(node.tooltip, new RegExp(`Id: \`${sandbox.id}\``));
  assert.deepEqual(
    node.children?.map((c) => [c.label, c.contextValue]),
    [
      ['Network: open', 'networkPolicy'],
      ['Ports', 'ports'],
      ['Terminals', 'terminals'],
    ],
  );
  const port = child(node, 'Ports')?.children?.[0];
  assert.deepEqual(port && [port.label, port.contextValue], ['8000', 'forwardedPort']);
  assert.equal(child(node, 'Terminals')?.description, 'none open');
});

test('the tree groups: "This workspace" first, a sandbox made with the engine (no workspace tag) under "Other sandboxes on this engine" (issue #14)', async () => {
  const groups = await vscode.commands.executeCommand<NodeSnapshot[]>('sandboxes.tree.snapshot', { depth: 2, groups: true });
  assert.equal(groups[0]?.label, 'This workspace');
  assert.equal(groups[0]?.contextValue, 'workspaceGroup');
  assert.ok(!groups[0]?.children?.some((c) => c.label === NAME), "not this workspace's");
  const others = groups.find((g) => g.label === 'Other sandboxes on this engine');
  assert.ok(
    others?.children?.some((c) => c.label === NAME),
    `under the other sandboxes: ${JSON.stringify(groups.map((g) => g.label))}`,
  );
});

test('Forward Port shows the URL below Ports; Stop Forwarding on the port node removes it', async () => {
  const tunnel = await vscode.commands.executeCommand<Tunnel | undefined>('sandboxes.forwardPort', sandbox.id, 8000);
  assert.ok(tunnel, 'forwardPort returned a tunnel');
  await waitFor('the tunnel URL below Ports', async () => child(child(await ourNode(), 'Ports'), '8000')?.description === tunnel.url);

  // What the tree's inline "Stop Forwarding" passes: the port node itself.
  const node = { kind: 'forwardedPort', sandboxId: sandbox.id, containerPort: 8000 };
  assert.equal(await vscode.commands.executeCommand('sandboxes.stopForwarding', node), true);
  await waitFor('Ports without forwards', async () => child(await ourNode(), 'Ports')?.description === 'none forwarded');
});

test('Toggle Network shows the new policy in the tree', async () => {
  const state = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.toggleNetwork', { sandboxId: sandbox.id }, 'blocked');
  assert.ok(state, 'toggleNetwork applied a policy (it refuses sandboxes whose policy cannot be enforced)');
  await waitFor('the blocked network in the tree', async () => child(await ourNode(), 'Network')?.label === 'Network: blocked');
});

test('a terminal opened in the sandbox is listed below it, and goes when closed', async () => {
  const terminal = await vscode.commands.executeCommand<vscode.Terminal>('sandboxes.openTerminal', { sandboxId: sandbox.id });
  assert.ok(terminal);
  try {
    await waitFor('the terminal in the tree', async () => child(await ourNode(), 'Terminals')?.children?.[0]?.label === NAME);
    assert.equal(child(await ourNode(), 'Terminals')?.description, '1 open');
  } finally {
    terminal.dispose();
  }
  await waitFor('no terminal in the tree', async () => child(await ourNode(), 'Terminals')?.description === 'none open');
});

test('Go to Sandbox with an id reveals it without asking', async () => {
  assert.equal(await vscode.commands.executeCommand('sandboxes.goToSandbox', sandbox.id), sandbox.id);
});

test('a sandbox terminated outside the extension disappears, with nothing asking', async () => {
  await sandbox.terminate();
  await waitFor('the sandbox gone from the tree', async () => (await ourNode(1)) === undefined);
});

test("Check Setup's trial sandbox never shows in the tree (it is the engine's probe, nobody's sandbox)", async () => {
  const image = vscode.workspace.getConfiguration('sandboxes').get<string>('defaults.image')!;
  const client = api.client();
  const trialIds = new Set<string>();
  const shown = new Set<string>();
  let done = false;
  const check = client.checkSetup({ image }).finally(() => (done = true));
  // Watch the tree while the trial runs and a little after: a refresh on its start or destroy
  // event would have shown it for about a second.
  const deadline = Date.now() + 120_000;
  let settleUntil: number | undefined;
  while (Date.now() < deadline && (settleUntil === undefined || Date.now() < settleUntil)) {
    if (done && settleUntil === undefined) settleUntil = Date.now() + 1500;
    const [containers, nodes] = await Promise.all([
      client.docker.listContainers({ all: true, filters: { label: ['sandboxes.tag.sandboxes-check=true', 'sandboxes.role=sandbox'] } }),
      snapshot(1),
    ]);
    for (const c of containers) trialIds.add(c.Labels['sandboxes.id']);
    for (const node of nodes) shown.add(node.label);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const report = await check;
  assert.ok(report.ok, JSON.stringify(report.items));
  assert.ok(trialIds.size > 0, 'the trial sandbox was seen in Docker');
  for (const id of trialIds) assert.ok(!shown.has(id), `the trial sandbox ${id} showed in the tree`);
});
