/**
 * The agent tools' pure parts (issue #15): package.json contributes exactly the engine's tool
 * table; input checks name the field and the fix; output is capped with the cap stated;
 * confirmation texts say what runs where and render model text inert; the MCP server's options
 * default to a blocked network. AgentSession with a fake sandbox: concurrency cap, cancellation
 * kills the command, a declined network request changes nothing, every call is logged.
 */
import assert from 'node:assert/strict';
import { localizedManifest } from '../lib/manifest';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { AGENT_TOOLS } from '../../src/core/agent/toolDefinitions';
import { AgentSession, type AgentHost } from '../../src/core/agent/agentSession';
import { CappedText } from '../../src/core/agent/cappedText';
import { runInput, writeInput, networkInput, AgentToolError } from '../../src/core/agent/toolInput';
import { prepareMessages } from '../../src/vscode/agent/confirmations';
import { parseMcpOptions } from '../../src/mcp/options';
import type { Sandbox } from '../../src/core/sandbox';
import type { NetworkState } from '../../src/core/types';

// package.json as VS Code shows it: %key% strings replaced from package.nls.json.
const manifest = localizedManifest<{ contributes: { languageModelTools: Record<string, unknown>[] }; bin: Record<string, string> }>();

describe('agent tools: contributions', () => {
  it('package.json contributes every tool of the engine table, field for field', () => {
    const contributed = manifest.contributes.languageModelTools;
    assert.deepEqual(
      contributed.map((t: Record<string, unknown>) => ({
        name: t.name,
        displayName: t.displayName,
        toolReferenceName: t.toolReferenceName,
        userDescription: t.userDescription,
        modelDescription: t.modelDescription,
        inputSchema: t.inputSchema,
      })),
      AGENT_TOOLS.map((t) => ({
        name: t.name,
        displayName: t.displayName,
        toolReferenceName: t.toolReferenceName,
        userDescription: t.userDescription,
        modelDescription: t.modelDescription,
        inputSchema: t.inputSchema,
      })),
    );
    for (const tool of contributed) assert.equal(tool.canBeReferencedInPrompt, true, String(tool.name));
  });

  it('ships the MCP server as a bin', () => {
    assert.equal(manifest.bin['gvisor-sandboxes-mcp'], 'dist/mcp.js');
  });
});

describe('agent tools: input', () => {
  it('a command line runs with /bin/sh -c; argv runs as given', () => {
    assert.deepEqual(runInput({ command: 'ls -la' }).argv, ['/bin/sh', '-c', 'ls -la']);
    assert.deepEqual(runInput({ argv: ['echo', 'a b'] }).argv, ['echo', 'a b']);
    assert.equal(runInput({ argv: ['echo', 'a b'] }).display, "echo 'a b'");
    assert.equal(runInput({ command: 'x' }).timeoutSeconds, 120);
  });

  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof AgentToolError);
      assert.ok(error.fix.length > 0);
      return error.code;
    }
    return 'no error';
  };

  it('bad input is an INVALID_INPUT error with a fix', () => {
    assert.equal(
      code(() => runInput({})),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ command: 'a', argv: ['a'] })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ argv: [] })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ argv: [1, 2] })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ command: 'a', timeoutSeconds: 10_000 })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ command: 'a', cwd: 'relative' })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput({ command: 'a', extra: 1 })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => runInput('ls')),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => networkInput({ change: 'allow', reason: 'x' })),
      'INVALID_INPUT',
    );
    assert.equal(
      code(() => networkInput({ change: 'widen', reason: 'x' })),
      'INVALID_INPUT',
    );
  });

  it('a write over the cap is FILE_TOO_LARGE, naming the cap', () => {
    assert.throws(() => writeInput({ path: 'a', content: 'x'.repeat(1024 * 1024 + 1) }), /over the cap of 1048576 bytes/);
  });
});

describe('agent tools: capped output', () => {
  it('keeps the beginning and the end and states the cap', () => {
    const capped = new CappedText(10);
    for (const part of ['01234', '56789', 'abcde', 'fghij']) capped.push(Buffer.from(part));
    assert.equal(capped.total, 20);
    assert.equal(capped.truncated, true);
    assert.equal(capped.text('stdout'), '01234\n[… 10 bytes of stdout left out: 20 bytes in all, over the cap of 10 bytes …]\nfghij');
  });

  it('under the cap: the text as it was', () => {
    const capped = new CappedText(10);
    capped.push(Buffer.from('abc'));
    assert.equal(capped.text('stdout'), 'abc');
  });
});

describe('agent tools: confirmations', () => {
  it('say what runs where, with model text inert', () => {
    const prepared = prepareMessages('sandbox_run', { command: 'rm -rf [x](command:evil)' }, true);
    assert.match(prepared.confirmation!.message, /gVisor agent sandbox/);
    assert.match(prepared.confirmation!.message, /`rm -rf \[x\]\(command:evil\)`/);
    assert.equal(prepareMessages('sandbox_read_file', { path: 'a' }, true).confirmation, undefined);
    assert.equal(prepareMessages('sandbox_run', { command: 'ls' }, false).confirmation, undefined);
  });
});

describe('MCP server options', () => {
  it('default: blocked network, the current folder copied in, tagged as an MCP agent sandbox', () => {
    const { spec, keep } = parseMcpOptions([], '/work/project', 's1');
    assert.equal(spec.blockNetwork, true);
    assert.deepEqual(spec.mounts, [{ source: '/work/project', mode: 'copy', target: '/workspace' }]);
    assert.deepEqual(spec.tags, { agent: 'mcp', 'agent-session': 's1' });
    assert.equal(spec.idleTimeoutSeconds, 1800);
    assert.equal(keep, false);
  });

  it('an allowlist, no workspace, extra tags', () => {
    const { spec } = parseMcpOptions(['--network', '203.0.113.0/24, 198.51.100.7', '--no-workspace', '--tag', 'a=b'], '/', 's');
    assert.deepEqual(spec.cidrAllowlist, ['203.0.113.0/24', '198.51.100.7']);
    assert.equal(spec.blockNetwork, false);
    assert.equal(spec.mounts, undefined);
    assert.equal(spec.tags?.a, 'b');
    assert.throws(() => parseMcpOptions(['--bogus'], '/', 's'), /Usage/);
  });
});

/** A sandbox whose exec runs "forever" until killed, and records kills. */
function fakeSandbox(kills: string[], policyChanges: unknown[]) {
  const policy: NetworkState = { mode: 'blocked', blockNetwork: true, cidrAllowlist: [], followsDefaults: false, enforced: true, forwardedPorts: [], forwards: [] };
  const sandbox = {
    id: 'sb-1',
    name: 'agent-test',
    async exec(argv: string[]) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let finish!: (code: number) => void;
      const done = new Promise<number>((resolve) => (finish = resolve));
      if (argv.at(-1) === 'echo hi') {
        // As the engine's exec: the exit code comes once the output has been read.
        stdout.on('end', () => finish(0));
        stdout.end('hi\n');
        stderr.end();
      }
      return {
        stdin: new Writable({ write: (_c, _e, cb) => cb() }),
        stdout,
        stderr,
        wait: () => done,
        resize: async () => undefined,
        kill: async (signal: string) => {
          kills.push(signal);
          stdout.end();
          stderr.end();
          finish(137);
        },
        close: () => undefined,
      };
    },
    async run() {
      return { exitCode: 0, stdout: '/workspace\n', stderr: '' };
    },
    async info() {
      return { state: 'running' };
    },
    async networkPolicy() {
      return policy;
    },
    async setNetworkPolicy(p: unknown) {
      policyChanges.push(p);
      return policy;
    },
  };
  return sandbox as unknown as Sandbox;
}

function session(overrides: Partial<AgentHost> = {}) {
  const kills: string[] = [];
  const policyChanges: unknown[] = [];
  const logs: string[] = [];
  const sandbox = fakeSandbox(kills, policyChanges);
  let created = 0;
  const host: AgentHost = {
    client: () => ({ list: async () => [] }) as never,
    tags: { agent: 'test' },
    createSandbox: async () => {
      created++;
      return sandbox;
    },
    forwardPort: async () => {
      throw new Error('unused');
    },
    setNetworkPolicy: (s, p) => s.setNetworkPolicy(p),
    askNetwork: async () => ({ approved: false, note: 'the user declined' }),
    log: (line) => logs.push(line),
    ...overrides,
  };
  return { agent: new AgentSession(host), kills, policyChanges, logs, created: () => created };
}

describe('AgentSession', () => {
  it('creates the sandbox once and reuses it; logs every call', async () => {
    const { agent, logs, created } = session();
    assert.equal((await agent.call('sandbox_run', { command: 'echo hi' })).ok, true);
    const again = await agent.call('sandbox_run', { command: 'echo hi' });
    assert.equal(again.data.stdout, 'hi\n');
    assert.equal(created(), 1);
    const bad = await agent.call('sandbox_run', {});
    assert.equal(bad.ok, false);
    assert.equal(logs.filter((l) => l.startsWith('agent tool sandbox_run')).length, 3);
    assert.match(logs.at(-1)!, /failed: INVALID_INPUT/);
  });

  it('cancellation kills the command in the sandbox', async () => {
    const { agent, kills } = session();
    const abort = new AbortController();
    const pending = agent.call('sandbox_run', { command: 'sleep 600' }, abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    const result = await pending;
    assert.equal(result.ok, false);
    assert.equal((result.data.error as { code: string }).code, 'CANCELLED');
    assert.deepEqual(kills, ['KILL']);
  });

  it('more commands than the cap at once: BUSY, naming the cap', async () => {
    const { agent } = session({ limits: { concurrentRuns: 1 } });
    const abort = new AbortController();
    const first = agent.call('sandbox_run', { command: 'sleep 600' }, abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await agent.call('sandbox_run', { command: 'echo hi' });
    assert.equal((second.data.error as { code: string }).code, 'BUSY');
    abort.abort();
    await first;
    assert.equal((await agent.call('sandbox_run', { command: 'echo hi' })).ok, true);
  });

  it('a declined network request leaves the policy unchanged', async () => {
    const { agent, policyChanges } = session();
    const result = await agent.call('sandbox_request_network', { change: 'open', reason: 'npm install' });
    assert.equal(result.ok, true);
    assert.equal(result.data.approved, false);
    assert.match(result.text, /unchanged: blocked/);
    assert.deepEqual(policyChanges, []);
  });

  it('an approved request applies exactly what was asked', async () => {
    const { agent, policyChanges } = session({ askNetwork: async () => ({ approved: true, note: 'ok' }) });
    await agent.call('sandbox_request_network', { change: 'allow', cidrs: ['203.0.113.0/24'], reason: 'x' });
    assert.deepEqual(policyChanges, [{ blockNetwork: false, cidrAllowlist: ['203.0.113.0/24'] }]);
  });

  it('an unknown tool is a result, not an exception', async () => {
    const { agent } = session();
    const result = await agent.call('sandbox_nope', {});
    assert.equal(result.ok, false);
    assert.match(result.text, /no agent tool "sandbox_nope"/);
  });
});
