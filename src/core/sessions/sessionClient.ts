/**
 * The client's end of the session host (sessionHost.ts): lists this machine's terminal sessions,
 * opens a shell in a sandbox as a session, attaches to one after a window reload, and ends one
 * whose terminal the user closed. An attached session is an `ExecProcess`, so a terminal drives it
 * as it drives a plain exec; its first output is the scrollback.
 */
import type * as net from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { SandboxError } from '../errors';
import type { ExecProcess } from '../types';
import { checkedSocket, connectSocket, ensureSessionHost, type SessionHostTarget } from './sessionHostProcess';
import {
  encodeMessage,
  LineSplitter,
  parseHostMessage,
  type ClientMessage,
  type HostMessage,
  type HostStats,
  type OpenRequest,
  type SessionInfo,
  type TerminalSize,
} from './sessionProtocol';

export type OpenSessionRequest = Omit<OpenRequest, 'op'>;

export class SessionClient {
  constructor(
    private readonly target: SessionHostTarget,
    /** Extra environment for a host this client starts (tests bound its scrollback and idle time). */
    private readonly hostEnv: NodeJS.ProcessEnv = {},
  ) {}

  /** The sessions the host keeps; none when no host runs (none is started for this). */
  async list(): Promise<SessionInfo[]> {
    const socket = checkedSocket(this.target.runDir, this.target.endpointDescription);
    if (!socket) return [];
    let reply: HostMessage;
    try {
      reply = await this.ask(socket, { op: 'list' });
    } catch {
      return []; // a host that just exited
    }
    return reply.ev === 'list' ? reply.sessions : [];
  }

  async stats(): Promise<HostStats | undefined> {
    const socket = checkedSocket(this.target.runDir, this.target.endpointDescription);
    if (!socket) return undefined;
    const reply = await this.ask(socket, { op: 'stats' });
    return reply.ev === 'stats' ? reply.stats : undefined;
  }

  /** Ends a session (hangs its shell up); nothing happens when it has ended already. */
  async end(sessionId: string): Promise<void> {
    const socket = checkedSocket(this.target.runDir, this.target.endpointDescription);
    if (socket) await this.ask(socket, { op: 'end', sessionId }).catch(() => undefined);
  }

  /** Starts the program as a new session, attached (a host is started when none runs). */
  async open(request: OpenSessionRequest): Promise<SessionProcess> {
    const socket = await ensureSessionHost(this.target, this.hostEnv);
    return SessionProcess.start(await connectSocket(socket), { op: 'open', ...request });
  }

  /** Attaches to a running session: its scrollback comes first. */
  async attach(sessionId: string, size?: TerminalSize): Promise<SessionProcess> {
    const socket = checkedSocket(this.target.runDir, this.target.endpointDescription);
    if (!socket) throw gone(sessionId);
    return SessionProcess.start(await connectSocket(socket), { op: 'attach', sessionId, size });
  }

  private async ask(socket: string, message: ClientMessage): Promise<HostMessage> {
    const connection = await connectSocket(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('The session host did not answer within 5 seconds.')), 5000);
      const done = (result: HostMessage | Error) => {
        clearTimeout(timer);
        connection.destroy();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const lines = new LineSplitter(
        (line) => {
          const reply = parseHostMessage(line);
          done(reply ?? new Error('The session host sent a malformed answer.'));
        },
        () => done(new Error('The session host sent an answer that is too long.')),
      );
      connection.on('data', (chunk: Buffer) => lines.push(chunk));
      connection.on('error', (error) => done(error));
      connection.on('close', () => done(new Error('The session host closed the connection.')));
      connection.write(encodeMessage(message));
    });
  }
}

function gone(sessionId: string): SandboxError {
  return new SandboxError('SESSION_GONE', `Terminal session ${sessionId} has ended.`, 'Open a new terminal.');
}

/** An attached session as an `ExecProcess`. `close()` detaches (the shell keeps running); `kill` signals it. */
export class SessionProcess implements ExecProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: Writable;
  private readonly exited: Promise<number>;
  private settleExit!: (code: number) => void;
  private failExit!: (error: Error) => void;

  private constructor(
    private readonly connection: net.Socket,
    readonly session: SessionInfo,
    scrollback: Buffer,
  ) {
    this.exited = new Promise<number>((resolve, reject) => {
      this.settleExit = resolve;
      this.failExit = reject;
    });
    this.exited.catch(() => undefined);
    if (scrollback.length > 0) this.stdout.write(scrollback);
    this.stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.send({ op: 'input', data: Buffer.from(chunk).toString('base64') });
        callback();
      },
    });
    this.stdin.on('error', () => undefined);
  }

  /** Sends the open or attach request and resolves once the host says it is attached. */
  static start(connection: net.Socket, request: ClientMessage): Promise<SessionProcess> {
    return new Promise((resolve, reject) => {
      let proc: SessionProcess | undefined;
      const lines = new LineSplitter(
        (line) => {
          const message = parseHostMessage(line);
          if (!message) return;
          if (proc) return proc.receive(message);
          if (message.ev === 'attached') {
            proc = new SessionProcess(connection, message.session, Buffer.from(message.scrollback, 'base64'));
            resolve(proc);
          } else if (message.ev === 'error') {
            connection.destroy();
            reject(new SandboxError(message.code === 'SESSION_GONE' ? 'SESSION_GONE' : 'SESSION_FAILED', message.message, message.fix));
          }
        },
        () => connection.destroy(),
      );
      connection.on('data', (chunk: Buffer) => lines.push(chunk));
      connection.on('error', () => undefined);
      connection.on('close', () => {
        if (!proc) reject(new SandboxError('SESSION_FAILED', 'The session host closed the connection before the terminal was attached.', 'Open a new terminal.'));
        else proc.lost();
      });
      connection.write(encodeMessage(request));
    });
  }

  wait(): Promise<number> {
    return this.exited;
  }

  async resize(cols: number, rows: number): Promise<void> {
    this.send({ op: 'resize', size: { cols: Math.max(1, Math.floor(cols)), rows: Math.max(1, Math.floor(rows)) } });
  }

  async kill(signal = 'TERM'): Promise<void> {
    this.send({ op: 'kill', signal: signal.replace(/^SIG/i, '').toUpperCase() });
  }

  /** Detaches: the session and its shell stay in the host. */
  close(): void {
    this.connection.destroy();
  }

  private send(message: ClientMessage): void {
    if (!this.connection.destroyed) this.connection.write(encodeMessage(message));
  }

  private receive(message: HostMessage): void {
    if (message.ev === 'data') this.stdout.write(Buffer.from(message.data, 'base64'));
    else if (message.ev === 'exit') {
      this.stdout.end();
      this.stderr.end();
      if (message.code === null) this.failExit(new SandboxError('NOT_RUNNING', `The terminal session ended: ${message.reason}.`, 'Open a new terminal.'));
      else this.settleExit(message.code);
      this.connection.end();
    }
  }

  /** The connection closed without an exit: detached, or the host went away. */
  private lost(): void {
    if (!this.stdout.writableEnded) {
      this.stdout.end();
      this.stderr.end();
    }
    this.failExit(new SandboxError('SESSION_FAILED', 'The terminal was detached from its session.', 'Reattach by reloading the window, or open a new terminal.'));
  }
}
