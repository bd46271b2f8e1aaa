/**
 * The first slice, in a real extension host: commands create, run, open a terminal in and
 * terminate a real gVisor sandbox; invalid settings create nothing; the exported API is the engine.
 * The harness sets `sandboxes.defaults.image` to the locally built test image.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

const TAGS = { 'test-run': `vscode-${process.pid}` };
let api: SandboxesApi;
let id: string | undefined;

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
});

after(async () => {
  for (const sandbox of await api.client().list({ tags: TAGS })) await sandbox.terminate();
});

async function exec(commandLine: string): Promise<{ exitCode: number; output: string }> {
  const result = await vscode.commands.executeCommand<{ exitCode: number; output: string }>('sandboxes.runCommand', id, commandLine);
  assert.ok(result, `runCommand returned nothing for ${commandLine}`);
  return result;
}

test('Create Sandbox makes a gVisor sandbox from the workspace settings', async () => {
  id = await vscode.commands.executeCommand<string>('sandboxes.createSandbox', { tags: TAGS });
  assert.match(id ?? '', /^sb-[a-z0-9]{12}$/);
  const info = await (await api.client().fromId(id!)).info();
  assert.equal(info.runtime, 'runsc');
  assert.equal(info.state, 'running');
  assert.equal(info.image, vscode.workspace.getConfiguration('sandboxes').get('defaults.image'));
});

test('Run Command in Sandbox returns the exit code and output, and runs under gVisor', async () => {
  assert.deepEqual(await exec('echo hi; exit 2'), { exitCode: 2, output: 'hi\n' });
  const kernel = await exec('dmesg | head -n 1');
  assert.match(kernel.output, /Starting gVisor/);
});

test('Open Terminal gives an integrated terminal whose shell runs in the sandbox', async () => {
  const terminal = await vscode.commands.executeCommand<vscode.Terminal>('sandboxes.openTerminal', id);
  assert.ok(terminal, 'openTerminal returned a terminal');
  try {
    // gVisor hands the exec's PTY in from the host, so `tty` cannot name it; `test -t` sees it.
    terminal.sendText('{ uname -r; [ -t 0 ] && echo terminal; } > /tmp/terminal.tmp; mv /tmp/terminal.tmp /tmp/terminal.txt');
    let seen = '';
    for (let i = 0; i < 50 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 200));
      seen = (await exec('cat /tmp/terminal.txt 2>/dev/null || true')).output;
    }
    const [kernel, tty] = seen.trim().split('\n');
    assert.equal(kernel, '4.4.0');
    assert.equal(tty, 'terminal', 'the shell has a real PTY');
  } catch (error) {
    terminal.dispose();
    throw error;
  }
  const closed = new Promise<vscode.Terminal>((resolve) => vscode.window.onDidCloseTerminal((t) => t === terminal && resolve(t)));
  terminal.sendText('exit 3');
  assert.equal((await closed).exitStatus?.code, 3, 'the shell exit code reaches the terminal');
});

test('invalid settings create nothing', async () => {
  const config = vscode.workspace.getConfiguration('sandboxes');
  const before = (await api.client().list({ tags: TAGS })).length;
  await config.update('defaults.cpu', 0, vscode.ConfigurationTarget.Workspace);
  try {
    const created = await vscode.commands.executeCommand<string | undefined>('sandboxes.createSandbox', { tags: TAGS });
    assert.equal(created, undefined);
    assert.equal((await api.client().list({ tags: TAGS })).length, before);
  } finally {
    await config.update('defaults.cpu', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test("the exported API is the engine, sharing the extension's client", async () => {
  assert.equal(typeof api.connect, 'function');
  assert.equal(typeof api.validateSpec, 'function');
  const listed = await api.client().list({ tags: TAGS });
  assert.deepEqual(
    listed.map((s) => s.id),
    [id],
  );
});

test('Terminate Sandbox with an id removes it', async () => {
  assert.equal(await vscode.commands.executeCommand('sandboxes.terminateSandbox', id), true);
  assert.deepEqual(await api.client().list({ tags: TAGS }), []);
});
