/**
 * Network settings in a real extension host: a sandbox created by the command follows the
 * workspace's `sandboxes.network.*` settings, live, without being recreated; an invalid entry
 * changes nothing and creates nothing; Toggle Network gives a sandbox its own policy, which later
 * settings changes leave alone; sandboxes of another window are not touched.
 *
 * These tests only read policy state (from the sandbox's guard): no traffic is sent anywhere.
 * The engine's integration tests prove the rules hold (test/integration/network.test.ts). How fast
 * a change is in force is measured by the `settings-apply` benchmark (docs/benchmarks.md), not here.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { NetworkState } from '../../../src/core/types';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-network-${process.pid}` };
/**
 * How long a change that must happen is waited for: generous, since other work shares the machine;
 * a re-apply that is broken never happens, so the test still fails.
 */
const APPLY_WAIT_MS = 20_000;
const FIRST_READ_MS = 200;
const READ_INTERVAL_MS = 40;
/** How long a change that must not happen is given to happen anyway. */
const SETTLE_MS = 1500;

let api: SandboxesApi;
let follower: Sandbox;

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
});

after(async () => {
  await resetNetworkSettings();
  for (const sandbox of await api.client().list({ tags: TAGS })) await sandbox.terminate();
});

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('sandboxes');
}

async function setNetworkSettings(values: { blockNetwork?: boolean; cidrAllowlist?: string[] }): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    await config().update(`network.${key}`, value, vscode.ConfigurationTarget.Workspace);
  }
}

async function resetNetworkSettings(): Promise<void> {
  await config().update('network.blockNetwork', undefined, vscode.ConfigurationTarget.Workspace);
  await config().update('network.cidrAllowlist', undefined, vscode.ConfigurationTarget.Workspace);
}

async function createSandbox(extra: Record<string, unknown> = {}): Promise<Sandbox> {
  const id = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { ...extra, tags: { ...TAGS, ...(extra.tags as object) } });
  assert.match(id ?? '', /^sb-[a-z0-9]{12}$/, 'createSandbox returned an id');
  return api.client().fromId(id!);
}

/**
 * Polls the policy in force until `done` and resolves with it; fails after APPLY_WAIT_MS. Each read
 * is an exec in the sandbox's guard, as is the change awaited, so reads start a little after the
 * change was made and are spaced out: reading flat out slows the change down.
 */
async function waitForPolicy(sandbox: Sandbox, done: (state: NetworkState) => boolean): Promise<NetworkState> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const since = Date.now();
  await sleep(FIRST_READ_MS);
  for (;;) {
    const state = await sandbox.networkPolicy();
    if (done(state)) return state;
    if (Date.now() - since > APPLY_WAIT_MS) assert.fail(`the policy did not change within ${APPLY_WAIT_MS} ms; it is ${JSON.stringify(state)}`);
    await sleep(READ_INTERVAL_MS);
  }
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

test('Create Sandbox gives a sandbox that follows the workspace network settings', async () => {
  follower = await createSandbox();
  const state = await follower.networkPolicy();
  assert.equal(state.mode, 'open');
  assert.equal(state.followsDefaults, true);
  assert.equal(state.enforced, true, 'runsc is registered with --network=host here, so policies are enforced');
  assert.match((await follower.info()).tags.workspace ?? '', /^[0-9a-f]{12}$/, "tagged with this window's workspace");
});

test('blockNetwork: true is put in force in the running sandbox, which is not recreated', async () => {
  const { containerId } = await follower.info();
  try {
    await setNetworkSettings({ blockNetwork: true });
    const state = await waitForPolicy(follower, (s) => s.mode === 'blocked');
    assert.equal(state.followsDefaults, true, 'still follows the settings');
    const after = await follower.info();
    assert.equal(after.containerId, containerId, 'the same container');
    assert.equal(after.state, 'running', 'still running');
  } finally {
    await resetNetworkSettings();
  }
});

test('an allowlist in the settings replaces the policy live; an invalid entry changes nothing', async () => {
  try {
    await setNetworkSettings({ blockNetwork: false, cidrAllowlist: ['192.0.2.0/24'] });
    const state = await waitForPolicy(follower, (s) => s.mode === 'allowlist');
    assert.deepEqual(state.cidrAllowlist, ['192.0.2.0/24']);
    assert.equal(state.blockNetwork, false);

    await setNetworkSettings({ cidrAllowlist: ['10.0.0.1/8'] });
    await settle();
    const unchanged = await follower.networkPolicy();
    assert.deepEqual(
      { mode: unchanged.mode, cidrAllowlist: unchanged.cidrAllowlist, followsDefaults: unchanged.followsDefaults },
      {
        mode: 'allowlist',
        cidrAllowlist: ['192.0.2.0/24'],
        followsDefaults: true,
      },
    );
  } finally {
    await resetNetworkSettings();
  }
  // Valid (default) settings again: the sandbox follows them back to open.
  await waitForPolicy(follower, (s) => s.mode === 'open');
});

test('Toggle Network with an explicit mode gives the sandbox its own policy, which settings changes leave alone', async () => {
  const toggled = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.toggleNetwork', follower.id, 'blocked');
  assert.ok(toggled, 'toggleNetwork returned the new state');
  assert.equal(toggled.mode, 'blocked');
  assert.equal(toggled.followsDefaults, false);

  const open = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.toggleNetwork', { id: follower.id }, 'open');
  assert.equal(open?.mode, 'open');
  assert.equal(open?.followsDefaults, false);
  try {
    await setNetworkSettings({ blockNetwork: true });
    await settle();
    const state = await follower.networkPolicy();
    assert.equal(state.mode, 'open', 'a sandbox with its own policy keeps it');
    assert.equal(state.followsDefaults, false);

    // "Follow workspace settings" makes it follow them again, at once.
    const following = await vscode.commands.executeCommand<NetworkState | undefined>('sandboxes.toggleNetwork', follower.id, 'settings');
    assert.equal(following?.mode, 'blocked');
    assert.equal(following?.followsDefaults, true);
  } finally {
    await resetNetworkSettings();
  }
  await waitForPolicy(follower, (s) => s.mode === 'open');
});

test("a sandbox of another window's workspace is left alone", async () => {
  const other = await createSandbox({ tags: { workspace: 'another-window' } });
  try {
    assert.equal((await other.networkPolicy()).followsDefaults, true);
    await setNetworkSettings({ blockNetwork: true });
    // This window's sandbox changes (so the change was applied), the other window's does not.
    await waitForPolicy(follower, (s) => s.mode === 'blocked');
    await settle();
    assert.equal((await other.networkPolicy()).mode, 'open');
  } finally {
    await resetNetworkSettings();
    await other.terminate();
  }
});

test('an invalid cidrAllowlist setting creates nothing', async () => {
  const before = (await api.client().list({ tags: TAGS })).length;
  try {
    await setNetworkSettings({ cidrAllowlist: ['192.0.2.0/24', '10.0.0.1/8'] });
    const created = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { tags: TAGS });
    assert.equal(created, undefined);
    assert.equal((await api.client().list({ tags: TAGS })).length, before);
  } finally {
    await resetNetworkSettings();
  }
});
