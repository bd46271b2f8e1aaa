/**
 * The agent tools in a real extension host (issue #15), called as a model would call them,
 * through `vscode.lm.invokeTool` (no language model needed): they are listed with their schemas;
 * `dmesg` shows gVisor's banner; a file is written and read back; a server started by the agent
 * is forwarded and fetched on 127.0.0.1; a network request nobody answers is declined and the
 * policy stays as it was; cancelling a call kills its `sleep` in the sandbox; bad input, a
 * timeout and huge output come back as tool errors, never as exceptions. The agent sandbox is
 * made once, reused, and marked with the `agent` tag. Traffic: only 127.0.0.1 to the sandbox made here.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as vscode from 'vscode';
import type { Sandbox } from '../../../src/core';
import type { SandboxesApi } from '../../../src/vscode/extension';
import { workspaceTagFor } from '../../../src/vscode/network/workspaceTag';
import { after, before, test } from '../harness';

export { run, runTests } from '../harness';

type Lm = {
  tools: readonly { name: string; description: string; inputSchema: object | undefined }[];
  invokeTool(name: string, options: { input: object; toolInvocationToken: undefined }, token?: vscode.CancellationToken): Thenable<{ content: unknown[] }>;
};
const lm = (vscode as unknown as { lm: Lm }).lm;

const TOOLS = ['sandbox_run', 'sandbox_read_file', 'sandbox_write_file', 'sandbox_list_files', 'sandbox_forward_port', 'sandbox_state', 'sandbox_request_network'];
let api: SandboxesApi;
const config = () => vscode.workspace.getConfiguration('sandboxes');

before(async () => {
  api = (await vscode.extensions.getExtension('sandboxes.gvisor-sandboxes')!.activate()) as SandboxesApi;
  // No dialog before each call (a test cannot click it), and a network request nobody answers ends fast.
  await config().update('agent.confirmCalls', false, vscode.ConfigurationTarget.Global);
  await config().update('agent.networkRequestTimeoutSeconds', 2, vscode.ConfigurationTarget.Global);
});

after(async () => {
  await config().update('agent.confirmCalls', undefined, vscode.ConfigurationTarget.Global);
  await config().update('agent.networkRequestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
  for (const s of await agentSandboxes()) await s.terminate();
});

/** The workspace tag of this window's agent sandbox (the test folder is a fresh temp folder): only ours are touched. */
const workspaceTag = workspaceTagFor(
  vscode.workspace.workspaceFile?.toString(),
  (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
);

async function agentSandboxes(): Promise<Sandbox[]> {
  return api.client().list({ tags: { agent: 'vscode', workspace: workspaceTag }, all: true });
}

async function invoke(name: string, input: object, token?: vscode.CancellationToken): Promise<string> {
  const result = await lm.invokeTool(name, { input, toolInvocationToken: undefined }, token);
  return result.content.map((part) => (part as { value?: string }).value ?? '').join('');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

test('vscode.lm.tools lists the agent tools with their input schemas', () => {
  for (const name of TOOLS) {
    const tool = lm.tools.find((t) => t.name === name);
    assert.ok(tool, `${name} is listed`);
    assert.ok(tool.description.length > 40, `${name} has a model description`);
    assert.equal((tool.inputSchema as { type?: string }).type, 'object', `${name} has a schema`);
  }
});

test(
  'sandbox_run runs dmesg in the agent sandbox under gVisor; the sandbox is marked and reused',
  async () => {
    const text = await invoke('sandbox_run', { argv: ['dmesg'] });
    assert.match(text, /exit code 0/);
    assert.match(text, /Starting gVisor/);
    await invoke('sandbox_run', { command: 'true' });
    const sandboxes = await agentSandboxes();
    assert.equal(sandboxes.length, 1, 'one agent sandbox, reused');
    const info = await sandboxes[0]!.info();
    assert.equal(info.tags.agent, 'vscode');
    assert.equal(info.gvisor, true);
    assert.match(info.name, /^agent-/);
  },
  { timeout: 180_000 },
);

test('sandbox_write_file then sandbox_read_file returns the content', async () => {
  const written = await invoke('sandbox_write_file', { path: '/tmp/agent-test/note.txt', content: 'written by the agent\n' });
  assert.match(written, /Wrote 21 bytes/);
  assert.equal(await invoke('sandbox_read_file', { path: '/tmp/agent-test/note.txt' }), 'written by the agent\n');
  assert.match(await invoke('sandbox_list_files', { path: '/tmp/agent-test' }), /note\.txt/);
});

test(
  'sandbox_forward_port returns a URL that serves what the agent started',
  async () => {
    await invoke('sandbox_write_file', { path: '/tmp/site/index.html', content: 'hello from the agent sandbox' });
    const started = await invoke('sandbox_run', { command: 'cd /tmp/site && nohup python3 -m http.server 8765 >/tmp/site.log 2>&1 &' });
    assert.match(started, /exit code 0/);
    const forwarded = await invoke('sandbox_forward_port', { port: 8765, waitSeconds: 20 });
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(forwarded)?.[1];
    assert.ok(url, `a URL in: ${forwarded}`);
    const response = await get(`${url}/index.html`);
    assert.equal(response.status, 200);
    assert.equal(response.body, 'hello from the agent sandbox');
    assert.match(await invoke('sandbox_state', {}), new RegExp(`8765 → ${url.replace(/[.]/g, '\\.')}`));
  },
  { timeout: 120_000 },
);

test(
  'a network request nobody answers is declined and the policy is unchanged',
  async () => {
    const [sandbox] = await agentSandboxes();
    const before = await sandbox!.networkPolicy();
    const wanted = before.mode === 'blocked' ? { change: 'open' } : { change: 'block' };
    const text = await invoke('sandbox_request_network', { ...wanted, reason: 'the test asks and nobody answers' });
    assert.match(text, /Not approved \(no answer within 2 s\)/);
    const afterwards = await sandbox!.networkPolicy();
    assert.deepEqual({ mode: afterwards.mode, cidrAllowlist: afterwards.cidrAllowlist }, { mode: before.mode, cidrAllowlist: before.cidrAllowlist });
  },
  { timeout: 60_000 },
);

test(
  'cancelling the call kills its command in the sandbox',
  async () => {
    const [sandbox] = await agentSandboxes();
    const sleeping = async () =>
      (await sandbox!.run(['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\000" " " < $p/cmdline 2>/dev/null; echo; done'])).stdout.includes('sleep 313');
    const source = new vscode.CancellationTokenSource();
    const call = invoke('sandbox_run', { command: 'sleep 313' }, source.token).then(
      (text) => text,
      (error: unknown) => `rejected: ${String(error)}`,
    );
    for (let i = 0; i < 100 && !(await sleeping()); i++) await sleep(200);
    assert.equal(await sleeping(), true, 'sleep started');
    source.cancel();
    const outcome = await call;
    assert.match(outcome, /CANCELLED|Canceled|rejected/);
    for (let i = 0; i < 50 && (await sleeping()); i++) await sleep(200);
    assert.equal(await sleeping(), false, 'sleep was killed');
    source.dispose();
  },
  { timeout: 90_000 },
);

test(
  'bad input, a timeout and huge output are tool errors with a fix, never exceptions',
  async () => {
    const invalid = await invoke('sandbox_run', { argv: [] });
    assert.match(invalid, /Error \(INVALID_INPUT\).*argv.*Fix:/s);
    assert.match(await invoke('sandbox_run', { command: 'true', timeoutSeconds: 100000 }), /Error \(INVALID_INPUT\).*cap/s);
    assert.match(await invoke('sandbox_read_file', { path: '/no/such/file' }), /Error \(FILE_NOT_FOUND\)/);
    assert.match(await invoke('sandbox_run', { command: 'sleep 30', timeoutSeconds: 1 }), /Error \(TIMED_OUT\): killed after the timeout of 1 s/);
    const huge = await invoke('sandbox_run', { command: 'head -c 1000000 /dev/zero | tr "\\000" x' });
    assert.match(huge, /stdout \(1000000 bytes\)/);
    assert.match(huge, /over the cap of 65536 bytes/);
    assert.ok(huge.length < 70_000);
  },
  { timeout: 120_000 },
);
