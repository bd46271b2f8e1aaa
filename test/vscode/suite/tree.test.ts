/**
 * The Sandboxes view in a real extension host. It follows Docker, not the extension's commands:
 * a sandbox created and terminated through the engine API, as a script would, appears in and
 * disappears from the tree within a second. Below it, the tree shows its network policy, its
 * forwarded ports and this window's terminals, and follows changes made by commands.
 *
 * The tree is read through its provider, exactly as VS Code reads it (the test-only command
 * `sandboxes.tree.snapshot`); test/vscode/ui/tree.mjs looks at the rendered view.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { NetworkState, Tunnel } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import type { NodeSnapshot } from '../../../src/vscode/tree/treeSnapshot';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-tree-${process.pid}` };
const NAME = `tree-${process.pid}`;
/** The promise under test: a change made anywhere shows within this. */
const SHOWS_WITHIN_MS = 1000;
/** For changes that travel through the tunnel service's own notification first. */
const COMMAND_CHANGE_MS = 2000;

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

/** Polls the tree until `probe` holds; returns how long that took. */
async function waitFor(what: string, limitMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > limitMs) {
      throw new Error(`${what}: not within ${limitMs} ms. The tree now:\n${JSON.stringify(await snapshot(3), null, 2)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** For the report: ui/tree.mjs prints what lands in the shared workspace folder. */
function recordTiming(what: string, ms: number): void {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) return;
  const file = join(folder, 'tree-timings.json');
  const timings = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
  writeFileSync(file, JSON.stringify({ ...timings, [what]: ms }));
}

function child(node: NodeSnapshot | undefined, labelPrefix: string): NodeSnapshot | undefined {
  return node?.children?.find((c) => c.label.startsWith(labelPrefix));
}

test('a sandbox created outside the extension (engine API) shows within 1 s', async () => {
  const image = vscode.workspace.getConfiguration('sandboxes').get<string>('defaults.image')!;
  sandbox = await api.client().create({ image, name: NAME, tags: TAGS, command: ['python3', '-m', 'http.server', '8000'], unencryptedPorts: [8000] });
  // Docker reported the start before create() returned: from here the view has a second.
  const ms = await waitFor('the new sandbox in the tree, running', SHOWS_WITHIN_MS, async () => (await ourNode(1))?.contextValue === 'runningSandbox');
  recordTiming('created outside → in the tree', ms);

  const node = await ourNode();
  assert.ok(node);
  assert.equal(node.contextValue, 'runningSandbox');
  assert.match(node.description, new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} · gVisor · (just started|up )`));
  assert.match(node.tooltip, new RegExp(`Id: \`${sandbox.id}\``));
  assert.deepEqual(node.children?.map((c) => [c.label, c.contextValue]), [
    ['Network: open', 'networkPolicy'],
    ['Ports', 'ports'],
    ['Terminals', 'terminals'],
  ]);
  const port = child(node, 'Ports')?.children?.[0];
  assert.deepEqual(port && [port.label, port.contextValue], ['8000', 'forwardedPort']);
  assert.equal(child(node, 'Terminals')?.description, 'none open');
});

test('Forward Port shows the URL below Ports; Stop Forwarding on the port node removes it', async () => {
  const tunnel = await vscode.commands.executeCommand<Tunnel | undefined>('sandboxes.forwardPort', sandbox.id, 8000);
  assert.ok(tunnel, 'forwardPort returned a tunnel');
  await waitFor('the tunnel URL below Ports', COMMAND_CHANGE_MS, async () => child(child(await ourNode(), 'Ports'), '8000')?.description === tunnel.url);

  // What the tree's inline "Stop Forwarding" passes: the port node itself.
  const node = { kind: 'forwardedPort', sandboxId: sandbox.id, containerPort: 8000 };
  assert.equal(await vscode.commands.executeCommand('sandboxes.stopForwarding', node), true);
  await waitFor('Ports without forwards', COMMAND_CHANGE_MS, async () => child(await ourNode(), 'Ports')?.description === 'none forwarded');
});

test('Toggle Network shows the new policy at once', async () => {
  const state = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.toggleNetwork', { sandboxId: sandbox.id }, 'blocked');
  assert.ok(state, 'toggleNetwork applied a policy (it refuses sandboxes whose policy cannot be enforced)');
  await waitFor('the blocked network in the tree', SHOWS_WITHIN_MS, async () => child(await ourNode(), 'Network')?.label === 'Network: blocked');
});

test('a terminal opened in the sandbox is listed below it, and goes when closed', async () => {
  const terminal = await vscode.commands.executeCommand<vscode.Terminal>('sandboxes.openTerminal', { sandboxId: sandbox.id });
  assert.ok(terminal);
  try {
    await waitFor('the terminal in the tree', SHOWS_WITHIN_MS, async () => child(await ourNode(), 'Terminals')?.children?.[0]?.label === NAME);
    assert.equal(child(await ourNode(), 'Terminals')?.description, '1 open');
  } finally {
    terminal.dispose();
  }
  await waitFor('no terminal in the tree', SHOWS_WITHIN_MS, async () => child(await ourNode(), 'Terminals')?.description === 'none open');
});

test('Go to Sandbox with an id reveals it without asking', async () => {
  assert.equal(await vscode.commands.executeCommand('sandboxes.goToSandbox', sandbox.id), sandbox.id);
});

test('a sandbox terminated outside the extension disappears within 1 s', async () => {
  await sandbox.terminate();
  const ms = await waitFor('the sandbox gone from the tree', SHOWS_WITHIN_MS, async () => (await ourNode(1)) === undefined);
  recordTiming('terminated outside → gone from the tree', ms);
});
