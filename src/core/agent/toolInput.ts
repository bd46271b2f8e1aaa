/**
 * Checks the input of each agent tool as a model sent it (anything JSON can hold): a wrong call
 * gets an AgentToolError naming the field and the fix, never an exception from deeper down.
 */
import { AGENT_LIMITS, type AgentLimits } from './limits';

export class AgentToolError extends Error {
  constructor(
    /** INVALID_INPUT, BUSY, TIMED_OUT, CANCELLED, DECLINED, or an engine SandboxError code. */
    readonly code: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'AgentToolError';
  }
}

const invalid = (message: string, fix: string) => new AgentToolError('INVALID_INPUT', message, fix);

export function asObject(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalid(`The input must be a JSON object, not ${JSON.stringify(input)}.`, "Pass the fields of the tool's input schema as an object.");
  return input as Record<string, unknown>;
}

function onlyKnown(input: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length)
    throw invalid(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}.`, `Use only ${known.map((k) => `"${k}"`).join(', ')}.`);
}

function sandboxPathInput(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`"${field}" must be a non-empty path string, not ${JSON.stringify(value)}.`, 'Give a path such as "src/app.py" or "/tmp/out.txt".');
  if (value.includes('\0')) throw invalid(`"${field}" contains a NUL character.`, 'Give a plain path.');
  return value;
}

export interface RunInput {
  argv: string[];
  /** How the command is shown (terminal, confirmation, log). */
  display: string;
  cwd?: string;
  timeoutSeconds: number;
}

export function runInput(raw: unknown, limits: AgentLimits = AGENT_LIMITS): RunInput {
  const input = asObject(raw);
  onlyKnown(input, ['command', 'argv', 'cwd', 'timeoutSeconds']);
  const { command, argv, cwd, timeoutSeconds } = input;
  if ((command === undefined) === (argv === undefined)) {
    throw invalid('Give exactly one of "command" (a shell command line) and "argv" (a list of strings).', 'e.g. {"command": "ls -la"} or {"argv": ["ls", "-la"]}.');
  }
  let args: string[];
  if (command !== undefined) {
    if (typeof command !== 'string' || command.trim() === '') throw invalid(`"command" must be a non-empty string, not ${JSON.stringify(command)}.`, 'e.g. "npm test".');
    if (command.includes('\0')) throw invalid('"command" contains a NUL character.', 'Remove it.');
    args = ['/bin/sh', '-c', command];
  } else {
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string') || argv[0] === '') {
      throw invalid(`"argv" must be a non-empty list of strings whose first item names a program, not ${JSON.stringify(argv)}.`, 'e.g. ["python3", "-c", "print(1)"].');
    }
    if (argv.some((a: string) => a.includes('\0'))) throw invalid('"argv" contains a NUL character.', 'Remove it.');
    args = argv as string[];
  }
  if (cwd !== undefined && (typeof cwd !== 'string' || !cwd.startsWith('/') || cwd.includes('\0'))) {
    throw invalid(`"cwd" must be an absolute path inside the sandbox, not ${JSON.stringify(cwd)}.`, 'e.g. "/workspace", or leave it out for the workspace copy.');
  }
  let timeout = limits.defaultTimeoutSeconds;
  if (timeoutSeconds !== undefined) {
    if (typeof timeoutSeconds !== 'number' || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > limits.maxTimeoutSeconds) {
      throw invalid(
        `"timeoutSeconds" must be a number of seconds from 1 to ${limits.maxTimeoutSeconds} (the cap), not ${JSON.stringify(timeoutSeconds)}.`,
        `Use at most ${limits.maxTimeoutSeconds}; run longer jobs in the background and poll them.`,
      );
    }
    timeout = timeoutSeconds;
  }
  return { argv: args, display: command !== undefined ? (command as string) : args.map(quoteArg).join(' '), cwd: cwd as string | undefined, timeoutSeconds: timeout };
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function pathInput(raw: unknown, required: boolean): { path?: string } {
  const input = asObject(raw);
  onlyKnown(input, ['path']);
  if (input.path === undefined && !required) return {};
  return { path: sandboxPathInput(input.path, 'path') };
}

export function writeInput(raw: unknown, limits: AgentLimits = AGENT_LIMITS): { path: string; content: string } {
  const input = asObject(raw);
  onlyKnown(input, ['path', 'content']);
  const path = sandboxPathInput(input.path, 'path');
  if (typeof input.content !== 'string') throw invalid(`"content" must be a string, not ${JSON.stringify(input.content)?.slice(0, 40)}.`, 'Pass the whole file as UTF-8 text.');
  const bytes = Buffer.byteLength(input.content);
  if (bytes > limits.writeBytes) {
    throw new AgentToolError(
      'FILE_TOO_LARGE',
      `The content is ${bytes} bytes, over the cap of ${limits.writeBytes} bytes per write.`,
      'Write the file in parts (write the first part, then append with sandbox_run), or generate it inside the sandbox.',
    );
  }
  return { path, content: input.content };
}

export function forwardInput(raw: unknown): { port: number; waitSeconds: number } {
  const input = asObject(raw);
  onlyKnown(input, ['port', 'waitSeconds']);
  const { port, waitSeconds } = input;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`"port" must be a whole number from 1 to 65535, not ${JSON.stringify(port)}.`, 'Use the port the server inside the sandbox listens on, e.g. 8000.');
  if (waitSeconds !== undefined && (typeof waitSeconds !== 'number' || !(waitSeconds >= 0 && waitSeconds <= 60)))
    throw invalid(`"waitSeconds" must be from 0 to 60, not ${JSON.stringify(waitSeconds)}.`, 'Leave it out for 10 seconds.');
  return { port, waitSeconds: (waitSeconds as number | undefined) ?? 10 };
}

export type NetworkChange = 'allow' | 'open' | 'block';

export function networkInput(raw: unknown): { change: NetworkChange; cidrs: string[]; reason: string } {
  const input = asObject(raw);
  onlyKnown(input, ['change', 'cidrs', 'reason']);
  const { change, cidrs, reason } = input;
  if (change !== 'allow' && change !== 'open' && change !== 'block')
    throw invalid(`"change" must be "allow", "open" or "block", not ${JSON.stringify(change)}.`, 'e.g. {"change": "allow", "cidrs": ["203.0.113.7/32"], "reason": "…"}.');
  if (typeof reason !== 'string' || reason.trim() === '') throw invalid('"reason" must say why the change is needed.', 'The user decides from it: be specific.');
  const list = cidrs ?? [];
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string'))
    throw invalid(`"cidrs" must be a list of strings, not ${JSON.stringify(cidrs)}.`, 'e.g. ["203.0.113.7/32"].');
  if (change === 'allow' && list.length === 0) throw invalid('"allow" needs at least one CIDR or address in "cidrs".', 'e.g. ["203.0.113.7/32"].');
  if (list.length > 64) throw invalid(`${list.length} CIDRs in one request is over the cap of 64.`, 'Ask for fewer, wider ranges.');
  return { change, cidrs: list as string[], reason: reason.trim().slice(0, 500) };
}

export function noInput(raw: unknown): void {
  onlyKnown(asObject(raw), []);
}
