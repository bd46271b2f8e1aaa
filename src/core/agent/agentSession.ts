/**
 * One agent's bridge into its sandbox: the logic of every agent tool, shared by VS Code's
 * Language Model tools (src/vscode/agent) and the MCP server (src/mcp). It finds or creates the
 * agent sandbox on the first call that needs one and reuses it; caps output, file sizes, run time
 * and concurrency; kills a command in the sandbox when its call is cancelled; and logs every call.
 * What differs between the surfaces (how the sandbox is made, how the user is asked, where output
 * is shown) comes in through `AgentHost`. `call()` never throws: failures are results.
 */
import * as posixPath from 'node:path/posix';

export type { AgentToolResult, RunView } from './agentResult';
import type { SandboxClient } from '../client';
import { isSandboxError } from '../errors';
import { modeOf, validatePolicy } from '../network/policy';
import type { Sandbox } from '../sandbox';
import type { ForwardOptions, NetworkPolicyInput, NetworkState, Tunnel } from '../types';
import { runInSandbox } from './agentRun';
import type { AgentToolResult, RunView } from './agentResult';
import { AGENT_LIMITS, type AgentLimits } from './limits';
import { agentToolDefinition, type AgentToolName } from './toolDefinitions';
import { AgentToolError, forwardInput, networkInput, noInput, pathInput, runInput, writeInput, type NetworkChange, type RunInput } from './toolInput';

export interface NetworkRequest {
  change: NetworkChange;
  cidrs: string[];
  reason: string;
  sandboxName: string;
  current: NetworkState;
  proposed: NetworkPolicyInput;
}

export interface NetworkDecision {
  approved: boolean;
  /** Why, in words for the model (e.g. "the user declined", "no answer within 120 s"). */
  note: string;
}

export interface AgentHost {
  client(): SandboxClient;
  /** Tags of this session's agent sandbox: a running sandbox with them is reused. */
  readonly tags: Record<string, string>;
  /** Creates the agent sandbox (from the host's settings), with `tags`. */
  createSandbox(signal: AbortSignal): Promise<Sandbox>;
  forwardPort(sandbox: Sandbox, port: number, options: ForwardOptions): Promise<Tunnel>;
  setNetworkPolicy(sandbox: Sandbox, policy: NetworkPolicyInput): Promise<NetworkState>;
  /** Asks the user; must never approve by itself. */
  askNetwork(request: NetworkRequest, signal: AbortSignal): Promise<NetworkDecision>;
  log(line: string): void;
  /** Optional live view of each command. */
  startRunView?(sandboxName: string, display: string): RunView;
  limits?: Partial<AgentLimits>;
}

export class AgentSession {
  readonly limits: AgentLimits;
  private sandboxPromise: Promise<Sandbox> | undefined;
  private baseDir: { id: string; dir: Promise<string> } | undefined;
  private running = 0;

  constructor(private readonly host: AgentHost) {
    this.limits = { ...AGENT_LIMITS, ...host.limits };
  }

  /** Runs one tool call; never throws (a failure is a result with `ok: false`). */
  async call(name: string, input: unknown, signal: AbortSignal = new AbortController().signal): Promise<AgentToolResult> {
    const started = Date.now();
    let result: AgentToolResult;
    try {
      if (!agentToolDefinition(name)) throw new AgentToolError('INVALID_INPUT', `There is no agent tool "${name}".`, 'Use one of the sandbox_* tools listed by the server.');
      if (signal.aborted) throw cancelled();
      result = await this.dispatch(name as AgentToolName, input, signal);
    } catch (error) {
      result = failure(error);
    }
    this.host.log(
      `agent tool ${name} ${summarize(input)} → ${result.ok ? 'ok' : `failed: ${String((result.data.error as { code?: string } | undefined)?.code ?? '')}`} (${Date.now() - started} ms)`,
    );
    return result;
  }

  private dispatch(name: AgentToolName, input: unknown, signal: AbortSignal): Promise<AgentToolResult> {
    switch (name) {
      case 'sandbox_run':
        return this.run(runInput(input, this.limits), signal);
      case 'sandbox_read_file':
        return this.readFile(pathInput(input, true).path!, signal);
      case 'sandbox_write_file':
        return this.writeFile(writeInput(input, this.limits), signal);
      case 'sandbox_list_files':
        return this.listFiles(pathInput(input, false).path, signal);
      case 'sandbox_forward_port':
        return this.forwardPort(forwardInput(input), signal);
      case 'sandbox_state':
        noInput(input);
        return this.state();
      case 'sandbox_request_network':
        return this.requestNetwork(networkInput(input), signal);
    }
  }

  /** The agent sandbox: this session's, a running one with its tags, or a new one. */
  sandbox(signal: AbortSignal): Promise<Sandbox> {
    this.sandboxPromise ??= this.findOrCreate(signal).catch((error: unknown) => {
      this.sandboxPromise = undefined;
      throw error;
    });
    return this.sandboxPromise;
  }

  /** The sandbox if one exists already (no creation): for state reports and cleanup. */
  async existing(): Promise<Sandbox | undefined> {
    if (this.sandboxPromise) return this.sandboxPromise.catch(() => undefined);
    return (await this.host.client().list({ tags: this.host.tags, all: false }))[0];
  }

  private async findOrCreate(signal: AbortSignal): Promise<Sandbox> {
    const [found] = await this.host.client().list({ tags: this.host.tags, all: false });
    if (found) {
      this.host.log(`agent sandbox: reusing ${found.name}`);
      return found;
    }
    const sandbox = await this.host.createSandbox(signal);
    this.host.log(`agent sandbox: created ${sandbox.name}`);
    return sandbox;
  }

  /**
   * Runs `work` on the agent sandbox; when the sandbox has gone (idle timeout, terminated by
   * hand), forgets it and tries once more on a new one.
   */
  private async withSandbox<T>(signal: AbortSignal, work: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    const sandbox = await this.sandbox(signal);
    try {
      return await work(sandbox);
    } catch (error) {
      const gone = await sandbox.info().then(
        (info) => info.state !== 'running',
        () => true,
      );
      if (!gone || signal.aborted) throw error;
      this.host.log(`agent sandbox: ${sandbox.name} has ended; making a new one`);
      if (this.sandboxPromise) this.sandboxPromise = undefined;
      return work(await this.sandbox(signal));
    }
  }

  /** Relative paths are under the sandbox's working directory (the workspace copy). */
  private async resolvePath(sandbox: Sandbox, path: string | undefined): Promise<string> {
    if (path?.startsWith('/')) return posixPath.normalize(path);
    if (this.baseDir?.id !== sandbox.id) {
      const dir = sandbox.run(['pwd']).then((r) => (r.exitCode === 0 && r.stdout.trim().startsWith('/') ? r.stdout.trim() : '/'));
      this.baseDir = { id: sandbox.id, dir };
    }
    return posixPath.join(await this.baseDir.dir, path ?? '.');
  }

  private async run(input: RunInput, signal: AbortSignal): Promise<AgentToolResult> {
    if (this.running >= this.limits.concurrentRuns) {
      throw new AgentToolError(
        'BUSY',
        `${this.running} commands are already running in the agent sandbox, the cap for one session.`,
        'Wait for one to finish (or stop it), or run several steps in one shell command.',
      );
    }
    this.running++;
    try {
      return await this.withSandbox(signal, (sandbox) => this.runIn(sandbox, input, signal));
    } finally {
      this.running--;
    }
  }

  private runIn(sandbox: Sandbox, input: RunInput, signal: AbortSignal): Promise<AgentToolResult> {
    return runInSandbox(sandbox, input, signal, this.limits, this.host.startRunView?.(sandbox.name, input.display));
  }

  private async readFile(path: string, signal: AbortSignal): Promise<AgentToolResult> {
    return this.withSandbox(signal, async (sandbox) => {
      const absolute = await this.resolvePath(sandbox, path);
      let content: Buffer;
      try {
        content = await sandbox.files.read(absolute, { maxBytes: this.limits.readBytes });
      } catch (error) {
        if (isSandboxError(error, 'FILE_TOO_LARGE')) {
          throw new AgentToolError(
            'FILE_TOO_LARGE',
            `${absolute} is larger than the cap of ${this.limits.readBytes} bytes per read.`,
            'Read parts of it with sandbox_run (head, tail, sed -n "1,200p"), or search it with grep.',
          );
        }
        throw error;
      }
      if (content.includes(0)) {
        throw new AgentToolError('INVALID_INPUT', `${absolute} is a binary file (${content.length} bytes).`, 'Inspect it with sandbox_run (file, xxd | head).');
      }
      const text = content.toString('utf8');
      return { ok: true, text, data: { path: absolute, bytes: content.length, content: text } };
    });
  }

  private async writeFile(input: { path: string; content: string }, signal: AbortSignal): Promise<AgentToolResult> {
    return this.withSandbox(signal, async (sandbox) => {
      const absolute = await this.resolvePath(sandbox, input.path);
      await sandbox.files.write(absolute, input.content, { mkdirs: true });
      const bytes = Buffer.byteLength(input.content);
      return { ok: true, text: `Wrote ${bytes} bytes to ${absolute} in sandbox ${sandbox.name}.`, data: { path: absolute, bytes } };
    });
  }

  private async listFiles(path: string | undefined, signal: AbortSignal): Promise<AgentToolResult> {
    return this.withSandbox(signal, async (sandbox) => {
      const absolute = await this.resolvePath(sandbox, path);
      const all = await sandbox.files.list(absolute);
      const entries = all.slice(0, this.limits.listEntries).map((e) => ({ name: e.name, type: e.type, size: e.size }));
      const more = all.length > entries.length ? `\n[${all.length - entries.length} more entries left out: the cap is ${this.limits.listEntries}]` : '';
      const lines = entries.map((e) => `${e.type === 'directory' ? `${e.name}/` : e.name}${e.type === 'file' ? `\t${e.size}` : ''}`);
      return { ok: true, text: `${absolute}:\n${lines.join('\n')}${more}`, data: { path: absolute, entries, total: all.length } };
    });
  }

  private async forwardPort(input: { port: number; waitSeconds: number }, signal: AbortSignal): Promise<AgentToolResult> {
    return this.withSandbox(signal, async (sandbox) => {
      const tunnel = await this.host.forwardPort(sandbox, input.port, { waitMs: Math.round(input.waitSeconds * 1000) });
      return {
        ok: true,
        text: `Port ${input.port} of sandbox ${sandbox.name} is at ${tunnel.url}`,
        data: { port: input.port, url: tunnel.url, host: tunnel.host, localPort: tunnel.port, kind: tunnel.kind },
      };
    });
  }

  private async state(): Promise<AgentToolResult> {
    const caps = {
      outputBytesPerStream: this.limits.outputBytes,
      readBytes: this.limits.readBytes,
      writeBytes: this.limits.writeBytes,
      maxTimeoutSeconds: this.limits.maxTimeoutSeconds,
      concurrentRuns: this.limits.concurrentRuns,
    };
    const sandbox = await this.existing();
    if (!sandbox) {
      return { ok: true, text: 'There is no agent sandbox yet: the first sandbox_run or file tool call creates it.', data: { exists: false, caps } };
    }
    const info = await sandbox.info();
    const policy = await sandbox.networkPolicy();
    const tunnels = info.state === 'running' ? Object.values(await sandbox.tunnels()) : [];
    const forwards = tunnels.map((t) => ({ port: t.containerPort, url: t.url, kind: t.kind }));
    const network = { mode: policy.mode, cidrAllowlist: policy.cidrAllowlist, enforced: policy.enforced };
    const data = {
      exists: true,
      name: sandbox.name,
      id: sandbox.id,
      state: info.state,
      image: info.image,
      runtime: info.runtime,
      gvisor: info.gvisor === true,
      network,
      forwards,
      caps,
    };
    const text = [
      `Agent sandbox ${sandbox.name} (${info.state}), image ${info.image}, runtime ${info.runtime}${info.gvisor ? ' (gVisor)' : ' (NOT gVisor)'}.`,
      `Network: ${policy.mode}${policy.cidrAllowlist.length ? ` (${policy.cidrAllowlist.join(', ')})` : ''}.`,
      `Forwarded ports: ${forwards.length ? forwards.map((f) => `${f.port} → ${f.url}`).join(', ') : 'none'}.`,
      `Caps: ${JSON.stringify(caps)}.`,
    ].join('\n');
    return { ok: true, text, data };
  }

  private async requestNetwork(input: { change: NetworkChange; cidrs: string[]; reason: string }, signal: AbortSignal): Promise<AgentToolResult> {
    const sandbox = await this.sandbox(signal);
    const current = await sandbox.networkPolicy();
    const proposed: NetworkPolicyInput =
      input.change === 'block'
        ? { blockNetwork: true, cidrAllowlist: [] }
        : input.change === 'open'
          ? { blockNetwork: false, cidrAllowlist: [] }
          : { blockNetwork: false, cidrAllowlist: [...new Set([...(current.mode === 'allowlist' ? current.cidrAllowlist : []), ...input.cidrs])] };
    try {
      validatePolicy(proposed);
    } catch (error) {
      throw new AgentToolError(
        'INVALID_INPUT',
        `The requested policy is not valid: ${(error as Error).message}`,
        (error as { fix?: string }).fix ?? 'Give valid CIDRs such as "203.0.113.0/24".',
      );
    }
    const view = (state: NetworkState) => ({ mode: state.mode, cidrAllowlist: state.cidrAllowlist });
    if (input.change === 'allow' && current.mode === 'open') {
      return { ok: true, text: 'The network is already open: nothing to ask.', data: { approved: false, unchanged: true, policy: view(current) } };
    }
    if (modeOf(validatePolicy(proposed)) === current.mode && JSON.stringify(proposed.cidrAllowlist) === JSON.stringify(current.cidrAllowlist)) {
      return { ok: true, text: `The policy is already ${current.mode}: nothing to ask.`, data: { approved: false, unchanged: true, policy: view(current) } };
    }
    const decision = await this.host.askNetwork({ ...input, sandboxName: sandbox.name, current, proposed }, signal);
    if (!decision.approved) {
      return {
        ok: true,
        text: `Not approved (${decision.note}). The network policy is unchanged: ${current.mode}.`,
        data: { approved: false, note: decision.note, policy: view(current) },
      };
    }
    const next = await this.host.setNetworkPolicy(sandbox, proposed);
    return {
      ok: true,
      text: `Approved (${decision.note}). The network policy is now ${next.mode}${next.cidrAllowlist.length ? ` (${next.cidrAllowlist.join(', ')})` : ''}.`,
      data: { approved: true, note: decision.note, policy: view(next) },
    };
  }

  /** Ends the agent sandbox (MCP server exit). */
  async terminate(): Promise<void> {
    const sandbox = await this.existing();
    this.sandboxPromise = undefined;
    await sandbox?.terminate();
  }
}

function cancelled(): AgentToolError {
  return new AgentToolError('CANCELLED', 'The tool call was cancelled.', 'Call it again if it is still needed.');
}

/** Any failure as a tool result naming its cause and fix. */
export function failure(error: unknown): AgentToolResult {
  const code = error instanceof AgentToolError || isSandboxError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const fix = error instanceof AgentToolError || isSandboxError(error) ? error.fix : 'See the log of the extension or the MCP server for details.';
  return { ok: false, text: `Error (${code}): ${message}\nFix: ${fix}`, data: { error: { code, message, fix } } };
}

/** The input in one short line for the log (file contents left out). */
function summarize(input: unknown): string {
  if (!input || typeof input !== 'object') return JSON.stringify(input) ?? '';
  const shown = { ...(input as Record<string, unknown>) };
  if (typeof shown.content === 'string') shown.content = `<${Buffer.byteLength(shown.content)} bytes>`;
  const text = JSON.stringify(shown);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
