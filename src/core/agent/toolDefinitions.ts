/**
 * The agent tools, described once for every surface: VS Code's Language Model tools
 * (package.json `contributes.languageModelTools` repeats these fields; test/unit/agentTools.test.ts
 * keeps the two identical) and the MCP server (src/mcp/server.ts lists them as they are here).
 * Pure data: no Node, no Docker, no editor.
 */
import { AGENT_LIMITS } from './limits';

export type AgentToolName =
  'sandbox_run' | 'sandbox_read_file' | 'sandbox_write_file' | 'sandbox_list_files' | 'sandbox_forward_port' | 'sandbox_state' | 'sandbox_request_network';

export interface AgentToolDefinition {
  name: AgentToolName;
  /** Shown in the tool picker. */
  displayName: string;
  /** `#name` in a chat prompt. */
  toolReferenceName: string;
  /** For the model: what it does and when to use it. */
  modelDescription: string;
  /** For people, in the tool picker. */
  userDescription: string;
  /** JSON Schema of the input (draft 7 subset understood by VS Code and MCP clients). */
  inputSchema: Record<string, unknown>;
  /** Reads only: no confirmation needed. */
  readOnly: boolean;
}

const { outputBytes, readBytes, writeBytes, maxTimeoutSeconds, defaultTimeoutSeconds } = AGENT_LIMITS;
const KIB = (n: number) => `${Math.round(n / 1024)} KiB`;

const WHERE =
  "The agent sandbox is this workspace's gVisor sandbox (a container with its own kernel); the workspace is copied into it, so changes stay inside until the user reviews and applies them.";

export const AGENT_TOOLS: readonly AgentToolDefinition[] = [
  {
    name: 'sandbox_run',
    displayName: 'Run in Sandbox',
    toolReferenceName: 'sandboxRun',
    modelDescription:
      `Run a command in the agent sandbox instead of on the user's machine, and get its exit code, stdout and stderr. ${WHERE} ` +
      `Give either "command" (a shell command line, run with /bin/sh -c) or "argv" (program and arguments, no shell). ` +
      `Each of stdout and stderr is capped at ${KIB(outputBytes)} (the middle is cut and the result says so). ` +
      `The command is killed after "timeoutSeconds" (default ${defaultTimeoutSeconds}, at most ${maxTimeoutSeconds}). ` +
      'Start servers in the background with their output redirected (e.g. "nohup python3 -m http.server 8000 >/tmp/server.log 2>&1 &"), then use sandbox_forward_port.',
    userDescription: "Runs a command in the workspace's gVisor agent sandbox; output streams into a terminal you can watch and stop.",
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'A shell command line, run with /bin/sh -c. Use this or argv.' },
        argv: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Program and arguments, run without a shell. Use this or command.' },
        cwd: { type: 'string', description: 'Absolute working directory inside the sandbox (default: the workspace copy).' },
        timeoutSeconds: { type: 'number', minimum: 1, maximum: maxTimeoutSeconds, description: `Kill the command after this many seconds (default ${defaultTimeoutSeconds}).` },
      },
      additionalProperties: false,
    },
    readOnly: false,
  },
  {
    name: 'sandbox_read_file',
    displayName: 'Read Sandbox File',
    toolReferenceName: 'sandboxReadFile',
    modelDescription: `Read a text file from the agent sandbox (absolute path, or relative to the workspace copy). Files over ${KIB(readBytes)} are refused: read parts with sandbox_run (e.g. head, sed -n). ${WHERE}`,
    userDescription: 'Reads a file in the agent sandbox.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Path inside the sandbox; relative paths are under the workspace copy.' } },
      required: ['path'],
      additionalProperties: false,
    },
    readOnly: true,
  },
  {
    name: 'sandbox_write_file',
    displayName: 'Write Sandbox File',
    toolReferenceName: 'sandboxWriteFile',
    modelDescription: `Create or replace a text file in the agent sandbox (missing folders are created). At most ${KIB(writeBytes)} per call. The user's own files are not touched: they review sandbox changes before applying them. ${WHERE}`,
    userDescription: 'Writes a file in the agent sandbox (never in your workspace directly).',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Path inside the sandbox; relative paths are under the workspace copy.' },
        content: { type: 'string', description: 'The whole new content (UTF-8 text).' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    readOnly: false,
  },
  {
    name: 'sandbox_list_files',
    displayName: 'List Sandbox Files',
    toolReferenceName: 'sandboxListFiles',
    modelDescription: `List a directory of the agent sandbox: name, type and size of each entry (at most ${AGENT_LIMITS.listEntries}). ${WHERE}`,
    userDescription: 'Lists a folder in the agent sandbox.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Directory inside the sandbox (default: the workspace copy).' } },
      additionalProperties: false,
    },
    readOnly: true,
  },
  {
    name: 'sandbox_forward_port',
    displayName: 'Forward Sandbox Port',
    toolReferenceName: 'sandboxForwardPort',
    modelDescription:
      'Make a server listening on a TCP port inside the agent sandbox reachable from the user\'s machine and return its URL (http:// on 127.0.0.1 unless the user configured otherwise). Waits up to "waitSeconds" (default 10) for the server to listen.',
    userDescription: 'Forwards a port of the agent sandbox to this machine and returns its URL.',
    inputSchema: {
      type: 'object',
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535, description: 'The port the server inside the sandbox listens on.' },
        waitSeconds: { type: 'number', minimum: 0, maximum: 60, description: 'Wait this long for the server to listen (default 10).' },
      },
      required: ['port'],
      additionalProperties: false,
    },
    readOnly: false,
  },
  {
    name: 'sandbox_state',
    displayName: 'Sandbox State',
    toolReferenceName: 'sandboxState',
    modelDescription:
      'Report the agent sandbox: whether it exists and runs, its image, runtime (gVisor or not), network policy (open, blocked or an allowlist of CIDRs), forwarded ports with URLs, and the caps on tool calls. Does not create the sandbox.',
    userDescription: 'Shows the agent sandbox, its network policy and forwarded ports.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    readOnly: true,
  },
  {
    name: 'sandbox_request_network',
    displayName: 'Request Sandbox Network Change',
    toolReferenceName: 'sandboxRequestNetwork',
    modelDescription:
      'Ask the user to change the agent sandbox\'s network policy, e.g. to allow a package registry\'s addresses. This never changes anything by itself: the user decides, and the result says whether they approved. Say why in "reason". "allow": CIDRs or addresses to add to the allowlist; "open": all outbound traffic; "block": no network.',
    userDescription: "Asks you to change the agent sandbox's network policy; nothing changes unless you approve.",
    inputSchema: {
      type: 'object',
      properties: {
        change: { type: 'string', enum: ['allow', 'open', 'block'], description: 'What to ask for.' },
        cidrs: { type: 'array', items: { type: 'string' }, description: 'For "allow": IPv4/IPv6 CIDRs or addresses, e.g. ["203.0.113.7/32"].' },
        reason: { type: 'string', description: 'Why the change is needed, shown to the user.' },
      },
      required: ['change', 'reason'],
      additionalProperties: false,
    },
    readOnly: false,
  },
];

export function agentToolDefinition(name: string): AgentToolDefinition | undefined {
  return AGENT_TOOLS.find((tool) => tool.name === name);
}
