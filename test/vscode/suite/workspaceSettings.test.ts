/**
 * A repository's settings cannot loosen the sandbox (adversarial review, issue #10, finding 5), in
 * a real extension host with real gVisor sandboxes:
 * - workspace values that raise or remove the user's limits are ignored; ones that tighten apply;
 * - a workspace cannot choose a read-write mount, nor copy its ignored files in;
 * - a sandbox with a read-write mount of the workspace that rewrites `.vscode/settings.json` to
 *   unblock its network does not get its network back: loosening from a file such a sandbox can
 *   write waits for the user's answer to a modal (which nobody gives here).
 *
 * This file runs last of the suites (its name sorts last): its last test leaves that modal open,
 * and the UI tests that follow start by pressing Escape. No traffic is sent anywhere: policies are
 * read from the sandbox's guard.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-wsettings-${process.pid}` };
const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const settingsFile = join(folder, '.vscode', 'settings.json');
/** What this suite adds to the test workspace (and removes again). */
const OWN = join(folder, 'settings-suite');
const SLOW = { timeout: 180_000 };
/** How long a change that must not happen is given to happen anyway (a re-apply takes well under a second). */
const SETTLE_MS = 3000;
const MiB = 1024 * 1024;

let api: SandboxesApi;
let originalSettings: string;
/** Keys (without "sandboxes.") this suite set, per target, so `after` can remove them. */
const touched = { user: new Set<string>(), workspace: new Set<string>() };

const config = () => vscode.workspace.getConfiguration('sandboxes');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setUser(key: string, value: unknown): Promise<void> {
  touched.user.add(key);
  await config().update(key, value, vscode.ConfigurationTarget.Global);
}

async function setWorkspace(key: string, value: unknown): Promise<void> {
  touched.workspace.add(key);
  await config().update(key, value, vscode.ConfigurationTarget.Workspace);
}

async function resetAll(): Promise<void> {
  for (const key of touched.user) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
  for (const key of touched.workspace) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
  touched.user.clear();
  touched.workspace.clear();
}

async function createSandbox(): Promise<Sandbox> {
  const id = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { tags: TAGS });
  assert.match(id ?? '', /^sb-[a-z0-9]{12}$/, 'createSandbox returned an id (see the Sandboxes log if not)');
  return api.client().fromId(id!);
}

async function hostConfig(sandbox: Sandbox): Promise<{ Memory?: number; NanoCpus?: number; Binds?: string[] | null }> {
  const { containerId } = await sandbox.info();
  const inspect = await api.client().docker.getContainer(containerId).inspect();
  return inspect.HostConfig as { Memory?: number; NanoCpus?: number; Binds?: string[] | null };
}

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  originalSettings = readFileSync(settingsFile, 'utf8');
  mkdirSync(OWN, { recursive: true });
  writeFileSync(join(OWN, '.gitignore'), 'secret.env\n');
  writeFileSync(join(OWN, 'secret.env'), 'TOKEN=stays-on-the-host\n');
});

after(async () => {
  // Sandboxes first: none may be able to write the settings while they are put back.
  for (const sandbox of await api.client().list({ tags: TAGS })) await sandbox.terminate();
  writeFileSync(settingsFile, originalSettings);
  await resetAll();
  rmSync(OWN, { recursive: true, force: true });
});

test(
  "workspace settings cannot raise or remove the user's limits, and may lower them",
  async () => {
    try {
      await setUser('defaults.memoryMiB', 256);
      await setUser('defaults.cpu', 1);
      await setUser('defaults.timeoutSeconds', 3600);
      await setWorkspace('defaults.memoryMiB', 4096); // raise: ignored
      await setWorkspace('defaults.cpu', 0.5); // lower: applies
      await setWorkspace('defaults.timeoutSeconds', 0); // remove: ignored
      const sandbox = await createSandbox();
      const host = await hostConfig(sandbox);
      assert.equal(host.Memory, 256 * MiB, "the user's memory limit, not the workspace's larger one");
      assert.equal(host.NanoCpus, 0.5e9, "the workspace's lower CPU limit");
      assert.ok((await sandbox.info()).expiresAt, "the user's lifetime, not the workspace's 0 (none)");
      await sandbox.terminate();
    } finally {
      await resetAll();
    }
  },
  SLOW,
);

test(
  'workspace settings cannot choose a read-write mount, nor copy ignored files in',
  async () => {
    try {
      await setWorkspace('workspace.mount', 'readwrite');
      await setWorkspace('workspace.includeIgnored', true);
      const sandbox = await createSandbox();
      const host = await hostConfig(sandbox);
      // The only binds are the read-only copies of the guard's network files (/etc/hosts, …).
      const workspaceBinds = (host.Binds ?? []).filter((bind) => !/:\/etc\/(hosts|resolv\.conf|hostname):ro$/.test(bind));
      assert.deepEqual(workspaceBinds, [], 'no bind mount of the workspace folder');
      // The user's mode (the default, copy) instead: the folder is there, its ignored files are not.
      assert.equal((await sandbox.files.read('/workspace/settings-suite/.gitignore')).toString(), 'secret.env\n');
      await assert.rejects(sandbox.files.stat('/workspace/settings-suite/secret.env'), { code: 'FILE_NOT_FOUND' }, 'ignored files stay on the host');
      const write = await sandbox.run(['sh', '-c', 'echo from-the-sandbox > /workspace/settings-suite/probe.txt']);
      assert.equal(write.exitCode, 0, write.stderr);
      assert.ok(!existsSync(join(OWN, 'probe.txt')), 'nothing written inside reaches the host folder');
      await sandbox.terminate();
    } finally {
      await resetAll();
    }
  },
  SLOW,
);

test(
  "a repository's settings file cannot choose the runtime, Docker endpoint or guard image",
  async () => {
    // Written as a cloned repository would have it (VS Code refuses to write machine settings there).
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      settingsFile,
      JSON.stringify({
        ...settings,
        'sandboxes.defaults.runtime': 'runc',
        'sandboxes.docker.host': 'unix:///nonexistent/docker.sock',
        'sandboxes.network.guardImage': 'nonexistent/guard:0',
        // A value VS Code does report, to know when it has read the file.
        'sandboxes.defaults.memoryMiB': 200,
      }),
    );
    try {
      await until(() => config().inspect('defaults.memoryMiB')?.workspaceValue === 200, 20_000, 'VS Code to read the settings file');
      const sandbox = await createSandbox();
      assert.equal((await sandbox.info()).runtime, 'runsc', "gVisor, not the workspace's runc");
      assert.equal((await hostConfig(sandbox)).Memory, 200 * MiB, "the same file's (stricter) memory limit does count");
      await sandbox.terminate();
    } finally {
      writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      await until(() => config().inspect('defaults.memoryMiB')?.workspaceValue === undefined, 20_000, 'VS Code to read the restored file');
    }
  },
  SLOW,
);

test(
  'with no sandbox that can write the settings, a wider policy from them applies at once',
  async () => {
    try {
      await setWorkspace('network.blockNetwork', true);
      const sandbox = await createSandbox(); // a copy of the workspace: it cannot write the settings
      assert.equal((await sandbox.networkPolicy()).mode, 'blocked');
      await config().update('network.blockNetwork', undefined, vscode.ConfigurationTarget.Workspace);
      await until(async () => (await sandbox.networkPolicy()).mode === 'open', 20_000, 'the sandbox to follow the settings back to open');
      await sandbox.terminate();
    } finally {
      await resetAll();
    }
  },
  SLOW,
);

test(
  'a sandbox that can write the workspace settings cannot unblock its own network',
  async () => {
    // The user trusts this workspace with read-write mounts; the workspace blocks the network.
    await setUser('workspace.mount', 'readwrite');
    await setWorkspace('network.blockNetwork', true);
    const sandbox = await createSandbox();
    const before = await sandbox.networkPolicy();
    assert.equal(before.mode, 'blocked');
    assert.equal(before.followsDefaults, true);
    assert.ok(
      (await hostConfig(sandbox)).Binds?.some((bind) => bind.startsWith(`${folder}:`)),
      'the workspace is bind-mounted read-write',
    );

    // Code in the sandbox, as root, rewrites the workspace's settings through its mount.
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    const written = JSON.stringify({ ...settings, 'sandboxes.network.blockNetwork': false }, null, 2);
    const result = await sandbox.run(['sh', '-c', 'cat > /workspace/.vscode/settings.json'], { stdin: written });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(readFileSync(settingsFile, 'utf8'), written, 'the sandbox did write the host file');
    // VS Code has read the new file (so a re-apply was scheduled)…
    await until(() => config().inspect('network.blockNetwork')?.workspaceValue === false, 20_000, 'VS Code to read the rewritten settings');
    await sleep(SETTLE_MS);
    // …and nobody answered the modal: the sandbox stays blocked.
    const after = await sandbox.networkPolicy();
    assert.equal(after.mode, 'blocked', `the sandbox's network was loosened by a file it wrote itself: ${JSON.stringify(after)}`);
    assert.equal(after.followsDefaults, true, 'it still follows the settings (tightening still applies)');
  },
  SLOW,
);

test(
  'while such a sandbox runs, a stricter policy from the settings still applies at once',
  async () => {
    // Created from the settings as they are now (open: the user has no lockdown), without a mount.
    const id = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { tags: TAGS, mounts: [] });
    const other = await api.client().fromId(id!);
    const state = await other.networkPolicy();
    assert.deepEqual({ mode: state.mode, followsDefaults: state.followsDefaults }, { mode: 'open', followsDefaults: true });
    await setWorkspace('network.cidrAllowlist', ['192.0.2.0/24']);
    await until(async () => (await other.networkPolicy()).mode === 'allowlist', 20_000, 'the narrower policy to be applied');
    await other.terminate();
  },
  SLOW,
);
