/**
 * The MCP server as an MCP client uses it: the SDK's client spawns dist/mcp.js over stdio, lists
 * the tools, runs a command under gVisor, writes and reads files, gets structured errors for bad
 * input, and when the client goes away the server exits and ends its agent sandbox. Needs
 * `npm run build` first (dist/mcp.js). No network traffic at all: the sandbox's network is blocked.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect } from '../../src/core';
import { RUN_ID, TEST_IMAGE, cleanupAfterFile, client as client_, docker } from './helpers';

const SERVER = path.resolve(__dirname, '../../dist/mcp.js');
const workspace = mkdtempSync(path.join(tmpdir(), 'sandboxes-mcp-ws-'));
writeFileSync(path.join(workspace, 'hello.txt'), 'from the workspace\n');

cleanupAfterFile();

let client: Client;
let transport: StdioClientTransport;
let serverPid: number | undefined;

type ToolResult = { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: Record<string, unknown> };
const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as ToolResult;
const text = (result: ToolResult) => result.content.map((c) => c.text).join('\n');

async function agentSandboxes(): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`sandboxes.tag.test-run=${RUN_ID}`, 'sandboxes.tag.agent=mcp', 'sandboxes.role=sandbox'] } });
  return list.map((c) => c.Id);
}

before(async () => {
  assert.ok(existsSync(SERVER), `${SERVER} is missing: run npm run build first`);
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER, '--image', TEST_IMAGE, '--workspace', workspace, '--tag', `test-run=${RUN_ID}`, '--idle-timeout', '300'],
    stderr: 'pipe',
  });
  client = new Client({ name: 'sandboxes-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  serverPid = transport.pid ?? undefined;
});

after(async () => {
  await client?.close().catch(() => undefined);
  if (serverPid) {
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(workspace, { recursive: true, force: true });
});

test('lists the agent tools with their input schemas', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  assert.deepEqual(names, ['sandbox_forward_port', 'sandbox_list_files', 'sandbox_read_file', 'sandbox_request_network', 'sandbox_run', 'sandbox_state', 'sandbox_write_file']);
  const run = tools.find((t) => t.name === 'sandbox_run')!;
  assert.equal(run.inputSchema.type, 'object');
  assert.ok(run.inputSchema.properties && 'command' in run.inputSchema.properties);
  assert.match(run.description ?? '', /capped/);
});

test('runs dmesg under gVisor in a sandbox with the workspace copied in', async () => {
  const result = await call('sandbox_run', { argv: ['dmesg'] });
  assert.equal(result.isError, false, text(result));
  assert.match(String(result.structuredContent?.stdout), /Starting gVisor/);
  assert.equal(result.structuredContent?.exitCode, 0);
  const copied = await call('sandbox_read_file', { path: 'hello.txt' });
  assert.equal(copied.isError, false, text(copied));
  assert.equal(text(copied), 'from the workspace\n');
  const ids = await agentSandboxes();
  assert.equal(ids.length, 1, 'one agent sandbox, reused');
  // Should the server die without cleaning up (SIGKILL), the reaper ends the sandbox after this.
  const inspect = await docker.getContainer(ids[0]!).inspect();
  assert.equal(inspect.Config.Labels['sandboxes.idle-timeout'], '300');
  assert.equal(inspect.HostConfig.Runtime, 'runsc');
});

test('writes and reads a file; the workspace on the host is unchanged', async () => {
  const written = await call('sandbox_write_file', { path: 'src/new.py', content: 'print("hi")\n' });
  assert.equal(written.isError, false, text(written));
  assert.equal(written.structuredContent?.path, '/workspace/src/new.py');
  const read = await call('sandbox_read_file', { path: '/workspace/src/new.py' });
  assert.equal(text(read), 'print("hi")\n');
  const listed = await call('sandbox_list_files', {});
  assert.match(text(listed), /src\//);
  const ran = await call('sandbox_run', { command: 'python3 src/new.py' });
  assert.equal(ran.structuredContent?.stdout, 'hi\n');
  assert.equal(existsSync(path.join(workspace, 'src')), false, 'the agent never writes the host workspace');
  assert.equal((await agentSandboxes()).length, 1);
});

test('bad input, a failing command, a timeout and huge output give structured errors', async () => {
  const both = await call('sandbox_run', { command: 'true', argv: ['true'] });
  assert.equal(both.isError, true);
  assert.equal((both.structuredContent?.error as { code: string }).code, 'INVALID_INPUT');
  assert.match(text(both), /exactly one of "command".*Fix:/s);
  const badArgv = await call('sandbox_run', { argv: [] });
  assert.equal((badArgv.structuredContent?.error as { code: string }).code, 'INVALID_INPUT');
  const tooLong = await call('sandbox_run', { command: 'true', timeoutSeconds: 100000 });
  assert.match(text(tooLong), /timeoutSeconds.*cap/);
  const unknownTool = await call('sandbox_nope', {});
  assert.equal(unknownTool.isError, true);
  const missing = await call('sandbox_read_file', { path: '/no/such/file' });
  assert.equal(missing.isError, true);
  assert.equal((missing.structuredContent?.error as { code: string }).code, 'FILE_NOT_FOUND');
  const failed = await call('sandbox_run', { command: 'echo oops >&2; exit 3' });
  assert.equal(failed.isError, false, 'a command that fails is a result, not a tool error');
  assert.equal(failed.structuredContent?.exitCode, 3);
  assert.equal(failed.structuredContent?.stderr, 'oops\n');
  const timedOut = await call('sandbox_run', { command: 'sleep 60', timeoutSeconds: 1 });
  assert.equal(timedOut.isError, true);
  assert.equal((timedOut.structuredContent?.error as { code: string }).code, 'TIMED_OUT');
  const huge = await call('sandbox_run', { command: 'head -c 1000000 /dev/zero | tr "\\0" x' });
  assert.equal(huge.isError, false);
  assert.equal(huge.structuredContent?.truncated, true);
  assert.equal(huge.structuredContent?.stdoutBytes, 1_000_000);
  assert.ok(String(huge.structuredContent?.stdout).length < 70_000);
  assert.match(String(huge.structuredContent?.stdout), /over the cap of 65536 bytes/);
});

test('cancelling a call (the client aborts it) kills its command in the sandbox', async () => {
  const engine = client_();
  const [sandbox] = await engine.list({ tags: { 'test-run': RUN_ID, agent: 'mcp' }, all: false });
  assert.ok(sandbox);
  const sleeping = async () => (await sandbox.run(['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\000" " " < $p/cmdline 2>/dev/null; echo; done'])).stdout.includes('sleep 317');
  const abort = new AbortController();
  const pending = client.callTool({ name: 'sandbox_run', arguments: { command: 'sleep 317' } }, undefined, { signal: abort.signal, timeout: 120_000 }).then(
    () => 'resolved',
    (error: unknown) => `rejected: ${String(error)}`,
  );
  for (let i = 0; i < 100 && !(await sleeping()); i++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(await sleeping(), true, 'sleep started');
  abort.abort();
  assert.match(await pending, /rejected/);
  for (let i = 0; i < 50 && (await sleeping()); i++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(await sleeping(), false, 'sleep was killed in the sandbox');
});

test('a scripted agent session: create a project, test it, fix it, serve it, fetch it (about ten calls)', async () => {
  const ok = (r: ToolResult) => {
    assert.equal(r.isError, false, text(r));
    return r;
  };
  ok(await call('sandbox_write_file', { path: 'proj/calc.py', content: 'def add(a, b):\n    return a - b\n' }));
  ok(await call('sandbox_write_file', { path: 'proj/test_calc.py', content: 'from calc import add\nassert add(2, 3) == 5, add(2, 3)\nprint("ok")\n' }));
  const failing = ok(await call('sandbox_run', { command: 'python3 test_calc.py', cwd: '/workspace/proj' }));
  assert.equal(failing.structuredContent?.exitCode, 1);
  assert.match(String(failing.structuredContent?.stderr), /AssertionError: -1/);
  // A fix of the same size within the same second would meet Python's stale .pyc (mtime + size): as with any editor.
  ok(await call('sandbox_write_file', { path: 'proj/calc.py', content: 'def add(a, b):\n    return a + b  # fixed\n' }));
  const passing = ok(await call('sandbox_run', { command: 'python3 test_calc.py', cwd: '/workspace/proj' }));
  assert.equal(passing.structuredContent?.stdout, 'ok\n');
  ok(await call('sandbox_write_file', { path: 'proj/index.html', content: 'calc ok' }));
  ok(await call('sandbox_run', { command: 'cd /workspace/proj && nohup python3 -m http.server 8766 >/tmp/serve.log 2>&1 &' }));
  const forwarded = ok(await call('sandbox_forward_port', { port: 8766, waitSeconds: 20 }));
  const url = String(forwarded.structuredContent?.url);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${url}/index.html`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(await response.text(), 'calc ok');
  const state = ok(await call('sandbox_state', {}));
  assert.deepEqual(
    (state.structuredContent?.forwards as { port: number }[]).map((f) => f.port),
    [8766],
  );
  assert.equal(existsSync(path.join(workspace, 'proj')), false, 'the host workspace is untouched until reviewed');
});

test('after the session, Review Sandbox Changes applies two files and discards one: the workspace ends exactly as chosen', async () => {
  // The engine's review API on the agent sandbox, as the Source Control view uses it; the MCP
  // server recorded the copy's baseline in this user's default review folder, so a default client reads it.
  const [id] = await agentSandboxes();
  assert.ok(id, 'the agent sandbox is running');
  const reviewer = connect();
  try {
    const containers = await docker.listContainers({ all: true, filters: { id: [id] } });
    const sandbox = await reviewer.fromId(containers[0]!.Labels['sandboxes.id']!);
    const changes = await sandbox.changes();
    const byRel = new Map(changes.map((c) => [c.rel, c]));
    for (const rel of ['proj/calc.py', 'proj/test_calc.py', 'proj/index.html']) assert.equal(byRel.get(rel)?.kind, 'created', `${rel} is listed as created`);
    const applied = await sandbox.applyChanges([byRel.get('proj/calc.py')!, byRel.get('proj/test_calc.py')!]);
    assert.deepEqual(
      applied.map((o) => o.result),
      ['applied', 'applied'],
    );
    const discarded = await sandbox.discardChanges([byRel.get('proj/index.html')!]);
    assert.deepEqual(
      discarded.map((o) => o.result),
      ['discarded'],
    );
    assert.equal(readFileSync(path.join(workspace, 'proj/calc.py'), 'utf8'), 'def add(a, b):\n    return a + b  # fixed\n');
    assert.match(readFileSync(path.join(workspace, 'proj/test_calc.py'), 'utf8'), /assert add\(2, 3\) == 5/);
    assert.deepEqual(readdirSync(path.join(workspace, 'proj')).sort(), ['calc.py', 'test_calc.py'], 'nothing else reached the workspace');
    assert.equal(readFileSync(path.join(workspace, 'hello.txt'), 'utf8'), 'from the workspace\n');
    const gone = await call('sandbox_run', { command: 'test -e /workspace/proj/index.html; echo $?' });
    assert.equal(gone.structuredContent?.stdout, '1\n', 'the discarded file is gone in the sandbox too');
    const left = (await sandbox.changes()).map((c) => c.rel);
    assert.ok(!left.includes('proj/calc.py') && !left.includes('proj/test_calc.py') && !left.includes('proj/index.html'), `reviewed files are no longer listed: ${left}`);
  } finally {
    await reviewer.close();
  }
});

test('a network request is declined when the client cannot ask the user; the policy stays blocked', async () => {
  const result = await call('sandbox_request_network', { change: 'open', reason: 'test' });
  assert.equal(result.isError, false, text(result));
  assert.equal(result.structuredContent?.approved, false);
  const state = await call('sandbox_state', {});
  assert.equal((state.structuredContent?.network as { mode: string }).mode, 'blocked');
  assert.equal(state.structuredContent?.gvisor, true);
});

test('the server exits when the client goes away and ends its sandbox', async () => {
  assert.equal((await agentSandboxes()).length, 1);
  const pid = serverPid!;
  await client.close();
  const deadline = Date.now() + 60_000;
  let alive = true;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(alive, false, 'the server process exited');
  serverPid = undefined;
  assert.deepEqual(await agentSandboxes(), [], 'no agent sandbox is left behind');
});
