/**
 * The session host's protocol (sessionHost.ts): one JSON object per line over a Unix socket in
 * the user's private run directory. A connection asks one question (`list`, `end`, `stats`), or
 * opens or attaches to a session and then carries that terminal: input and resizes one way,
 * output and the exit the other. Terminal bytes travel base64-encoded. Pure, so it is unit-tested.
 */

/** What the host tells about a session (also what `list` returns). */
export interface SessionInfo {
  id: string;
  /** The sandbox's container (the session ends with it), our id and its name. */
  containerId: string;
  sandboxId: string;
  sandboxName: string;
  /** Which workspace opened it (the workspace tag): a reloaded window reattaches its own. */
  workspace: string;
  title: string;
  /** Clients attached now (0: detached, e.g. while a window reloads). */
  attached: number;
  createdAt: number;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface OpenRequest {
  op: 'open';
  containerId: string;
  sandboxId: string;
  sandboxName: string;
  workspace: string;
  title: string;
  argv: string[];
  env: Record<string, string>;
  size?: TerminalSize;
}

export type ClientMessage =
  | { op: 'list' }
  | { op: 'stats' }
  | { op: 'end'; sessionId: string }
  | OpenRequest
  | { op: 'attach'; sessionId: string; size?: TerminalSize }
  | { op: 'input'; data: string }
  | { op: 'resize'; size: TerminalSize }
  | { op: 'kill'; signal: string };

export interface HostStats {
  sessions: { id: string; scrollbackBytes: number; attached: number }[];
  scrollbackCapacity: number;
  maxSessions: number;
  rssBytes: number;
}

export type HostMessage =
  | { ev: 'list'; sessions: SessionInfo[] }
  | { ev: 'stats'; stats: HostStats }
  | { ev: 'ok' }
  | { ev: 'error'; code: string; message: string; fix: string }
  /** Attached: the scrollback to replay comes first, then live output. */
  | { ev: 'attached'; session: SessionInfo; scrollback: string }
  | { ev: 'data'; data: string }
  /** The session ended: the shell's exit code, or null when the sandbox ended under it. */
  | { ev: 'exit'; code: number | null; reason: string };

/** A line longer than this ends the connection: a peer cannot make the host buffer without bound. */
export const MAX_LINE_BYTES = 1024 * 1024;

export function encodeMessage(message: ClientMessage | HostMessage): string {
  return `${JSON.stringify(message)}\n`;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function isTerminalSize(value: unknown): value is TerminalSize {
  if (!isRecord(value)) return false;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 10_000;
  return ok(value.cols) && ok(value.rows);
}

/** A client's message checked field by field (the host trusts nothing it did not check); null when malformed. */
export function parseClientMessage(line: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(value) || !isString(value.op)) return null;
  const sizeOk = value.size === undefined || isTerminalSize(value.size);
  switch (value.op) {
    case 'list':
    case 'stats':
      return { op: value.op };
    case 'end':
      return isString(value.sessionId) ? { op: 'end', sessionId: value.sessionId } : null;
    case 'attach':
      return isString(value.sessionId) && sizeOk ? { op: 'attach', sessionId: value.sessionId, ...(value.size ? { size: value.size as TerminalSize } : {}) } : null;
    case 'input':
      return isString(value.data) ? { op: 'input', data: value.data } : null;
    case 'resize':
      return isTerminalSize(value.size) ? { op: 'resize', size: value.size } : null;
    case 'kill':
      return isString(value.signal) && /^[A-Z0-9]{1,10}$/.test(value.signal) ? { op: 'kill', signal: value.signal } : null;
    case 'open': {
      const fields = ['containerId', 'sandboxId', 'sandboxName', 'workspace', 'title'] as const;
      if (!fields.every((field) => isString(value[field]))) return null;
      if (!Array.isArray(value.argv) || value.argv.length === 0 || !value.argv.every(isString)) return null;
      if (!isRecord(value.env) || !Object.values(value.env).every(isString) || !sizeOk) return null;
      return {
        op: 'open',
        containerId: value.containerId as string,
        sandboxId: value.sandboxId as string,
        sandboxName: value.sandboxName as string,
        workspace: value.workspace as string,
        title: value.title as string,
        argv: value.argv as string[],
        env: value.env as Record<string, string>,
        ...(value.size ? { size: value.size as TerminalSize } : {}),
      };
    }
    default:
      return null;
  }
}

/** The host's message as the client reads it; null when malformed. */
export function parseHostMessage(line: string): HostMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return isRecord(value) && isString(value.ev) ? (value as unknown as HostMessage) : null;
}

/**
 * Splits a byte stream into lines. Bytes are kept until their line ends; a line longer than
 * `maxBytes` is an error (`onTooLong`), and nothing more is parsed from that stream.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private failed = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (!this.failed) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      const piece = chunk.subarray(start, newline);
      const line = this.pendingBytes > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
      if (line.length > this.maxBytes) return this.fail();
      if (line.length > 0) this.onLine(line.toString('utf8'));
    }
    if (this.failed || start >= chunk.length) return;
    this.pending.push(chunk.subarray(start));
    this.pendingBytes += chunk.length - start;
    if (this.pendingBytes > this.maxBytes) this.fail();
  }

  private fail(): void {
    this.failed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onTooLong();
  }
}
