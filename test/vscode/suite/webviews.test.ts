/**
 * The webviews in a real extension host: the Create Sandbox form creates a sandbox with the
 * form's network policy through the panel's message handler (as its script would post), reports
 * an invalid allowlist entry next to its row and creates nothing, and saves itself as the
 * workspace's settings; the Sandbox Details panel (one per sandbox) receives Docker's stats.
 * Messages go through the test-only command `sandboxes.webviews.test`, which hands them to the
 * panel's channel exactly as the webview's `postMessage` does.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CreateFormModel, CreateOutcome, ResponseMessage, SaveOutcome, StatsPoint } from '../../../src/shared/webviewProtocol';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TEST_COMMAND = 'sandboxes.webviews.test';
const created: string[] = [];
let api: SandboxesApi;
let requestId = 0;

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
});

after(async () => {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (const id of created) {
    const sandbox = await api
      .client()
      .fromId(id)
      .catch(() => undefined);
    await sandbox?.terminate();
  }
});

/** Posts a request to the form as its script would, and returns the result. */
async function formRequest<T>(method: string, params: unknown): Promise<T> {
  const response = await vscode.commands.executeCommand<ResponseMessage>(TEST_COMMAND, { panel: 'createForm', message: { kind: 'request', id: ++requestId, method, params } });
  assert.ok(response, `no response to ${method}`);
  assert.equal(response.id, requestId);
  if (!response.ok) assert.fail(`${method} failed: ${response.error}`);
  return response.result as T;
}

/** The editor tabs of a panel type, once the tab model has caught up with the panels opened. */
async function webviewTabs(viewType: string): Promise<vscode.Tab[]> {
  const tabs = () =>
    vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(viewType));
  await until(async () => tabs().length > 0, 10_000, `a ${viewType} tab`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return tabs();
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the form opens once, filled from the settings', async () => {
  await vscode.commands.executeCommand('sandboxes.openCreateForm');
  await vscode.commands.executeCommand('sandboxes.openCreateForm');
  assert.equal((await webviewTabs('sandboxes.createForm')).length, 1, 'one form per window');
  const defaults = await formRequest<CreateFormModel>('readDefaults', {});
  assert.equal(defaults.image, vscode.workspace.getConfiguration('sandboxes').get('defaults.image'));
  assert.equal(defaults.networkMode, 'open');
});

test('an invalid allowlist entry is reported next to its row, and nothing is created', async () => {
  const before = (await api.client().list()).length;
  const defaults = await formRequest<CreateFormModel>('readDefaults', {});
  const model: CreateFormModel = { ...defaults, networkMode: 'allowlist', cidrAllowlist: ['192.0.2.0/24', '10.0.0.1/8'] };
  const outcome = await formRequest<CreateOutcome>('create', { model, openDetails: false });
  assert.equal(outcome.outcome, 'invalid');
  assert.deepEqual(Object.keys(outcome.outcome === 'invalid' ? outcome.errors : {}), ['cidrAllowlist.1']);
  assert.match(outcome.outcome === 'invalid' ? (outcome.errors['cidrAllowlist.1'] ?? '') : '', /host bits set; did you mean 10\.0\.0\.0\/8/);
  assert.equal((await api.client().list()).length, before);
});

test("Create in the form makes a sandbox with the form's policy, ports and limits, and shows it in the tree", async () => {
  const defaults = await formRequest<CreateFormModel>('readDefaults', {});
  const name = `webview-form-${process.pid}`;
  const model: CreateFormModel = {
    ...defaults,
    name,
    memoryMiB: '256',
    timeoutSeconds: '900',
    networkMode: 'allowlist',
    cidrAllowlist: ['192.0.2.0/24', ' 198.51.100.7 '],
    unencryptedPorts: '8000',
  };
  const outcome = await formRequest<CreateOutcome>('create', { model, openDetails: false });
  assert.equal(outcome.outcome, 'created', JSON.stringify(outcome));
  if (outcome.outcome !== 'created') return;
  created.push(outcome.sandboxId);
  assert.equal(outcome.name, name);

  const sandbox = await api.client().fromId(outcome.sandboxId);
  const info = await sandbox.info();
  assert.equal(info.runtime, 'runsc');
  assert.equal(info.state, 'running');
  assert.ok(info.expiresAt, 'the timeout is set');
  const policy = await sandbox.networkPolicy();
  assert.equal(policy.mode, 'allowlist');
  assert.deepEqual(policy.cidrAllowlist, ['192.0.2.0/24', '198.51.100.7/32']);
  assert.equal(policy.followsDefaults, false, "a network chosen in the form is the sandbox's own");
  assert.deepEqual(policy.forwards, [{ port: 8000, kind: 'unencrypted' }]);

  const tree = await vscode.commands.executeCommand<{ label: string }[]>('sandboxes.tree.snapshot', { depth: 1 });
  assert.ok(
    tree.some((node) => node.label === name),
    'the new sandbox is in the tree',
  );

  const again = await formRequest<CreateOutcome>('create', { model, openDetails: false });
  assert.equal(again.outcome, 'invalid', 'the same name twice');
  assert.match(again.outcome === 'invalid' ? (again.errors.name ?? '') : '', new RegExp(name));
});

test('Save as workspace defaults writes the form to the workspace settings', async () => {
  const config = () => vscode.workspace.getConfiguration('sandboxes');
  const keys = [
    'defaults.image',
    'defaults.command',
    'defaults.cpu',
    'defaults.memoryMiB',
    'defaults.pidsLimit',
    'defaults.timeoutSeconds',
    'defaults.idleTimeoutSeconds',
    'network.blockNetwork',
    'network.cidrAllowlist',
    'ports.unencrypted',
    'ports.encrypted',
    'ports.h2',
  ];
  const image = config().inspect('defaults.image')?.workspaceValue;
  const defaults = await formRequest<CreateFormModel>('readDefaults', {});
  try {
    const refused = await formRequest<SaveOutcome>('saveDefaults', { model: { ...defaults, cpu: '0' } });
    assert.deepEqual(refused.outcome === 'invalid' ? Object.keys(refused.errors) : [], ['cpu']);

    const model: CreateFormModel = {
      ...defaults,
      name: 'not-a-default',
      command: 'sleep infinity',
      cpu: '1.5',
      networkMode: 'blocked',
      cidrAllowlist: ['10.0.0.0/8'],
      encryptedPorts: '8443, 9443',
    };
    const saved = await formRequest<SaveOutcome>('saveDefaults', { model });
    assert.equal(saved.outcome, 'saved');
    const workspace = (key: string) => config().inspect(key)?.workspaceValue;
    assert.deepEqual(workspace('defaults.command'), ['sleep', 'infinity']);
    assert.equal(workspace('defaults.cpu'), 1.5);
    assert.equal(workspace('defaults.memoryMiB'), null);
    assert.equal(workspace('network.blockNetwork'), true);
    assert.deepEqual(workspace('network.cidrAllowlist'), ['10.0.0.0/8']);
    assert.deepEqual(workspace('ports.encrypted'), [8443, 9443]);
    const reread = await formRequest<CreateFormModel>('readDefaults', {});
    assert.deepEqual({ ...reread, name: model.name, encryptedPorts: model.encryptedPorts }, model, 'the form reads back what it saved');
  } finally {
    for (const key of keys) await config().update(key, key === 'defaults.image' ? image : undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('the details panel of a sandbox gets its state, policy and stats from Docker', async () => {
  const id = created[0];
  assert.ok(id, 'the form created a sandbox');
  await vscode.commands.executeCommand('sandboxes.showDetails', id);
  await vscode.commands.executeCommand('sandboxes.showDetails', { sandboxId: id });
  assert.equal((await webviewTabs('sandboxes.details')).length, 1, 'one panel per sandbox');

  type Snapshot = { sandbox?: { state: string; network: { mode?: string } | null; tunnels: { containerPort: number }[] }; stats: StatsPoint[] };
  const snapshot = () => vscode.commands.executeCommand<Snapshot>(TEST_COMMAND, { panel: 'details', sandboxId: id });
  const withStats = await until(
    async () => {
      const current = await snapshot();
      return current.stats.length >= 2 && current.sandbox?.network ? current : undefined;
    },
    30_000,
    'two stats samples and the policy',
  );
  assert.equal(withStats.sandbox?.state, 'running');
  assert.equal(withStats.sandbox?.network?.mode, 'allowlist');
  assert.deepEqual(
    withStats.sandbox?.tunnels.map((t) => t.containerPort),
    [8000],
  );
  const latest = withStats.stats.at(-1)!;
  assert.ok(latest.memoryBytes > 0, `memory ${latest.memoryBytes}`);
  assert.equal(latest.memoryLimitBytes, 256 * 1024 * 1024);

  // Terminated elsewhere: the panel hears it from Docker's events.
  await (await api.client().fromId(id)).terminate();
  await until(async () => ((await snapshot()) as Snapshot & { gone: boolean }).gone, 15_000, 'the panel to notice the sandbox is gone');
});
