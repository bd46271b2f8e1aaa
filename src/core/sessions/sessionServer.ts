/**
 * The session host's server: accepts connections on its Unix socket, answers `list`, `stats` and
 * `end`, opens sessions (a PTY exec through Docker) and attaches clients to them. It ends a
 * session when its sandbox stops (Docker's events, and a look every 30 s), and calls `onIdle`
 * once no session and no client has been there for `idleMs`.
 *
 * Memory is bounded: at most `maxSessions` sessions of `scrollbackBytes` each, protocol lines of
 * at most MAX_LINE_BYTES, and a client that does not read its output (more than
 * MAX_PEER_BACKLOG_BYTES queued) is dropped; it reattaches with the scrollback.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type Docker from 'dockerode';
import { startExec } from '../exec';
import { dockerStatus } from '../errors';
import { StartWatcher } from '../reaperWake';
import type { Logger } from '../types';
import { encodeMessage, LineSplitter, parseClientMessage, type ClientMessage, type HostMessage, type OpenRequest, type TerminalSize } from './sessionProtocol';
import { TerminalSession, type SessionPeer } from './terminalSession';

export const DEFAULT_SCROLLBACK_BYTES = 256 * 1024;
export const DEFAULT_MAX_SESSIONS = 64;
export const DEFAULT_IDLE_MS = 60_000;
export const MAX_PEER_BACKLOG_BYTES = 4 * 1024 * 1024;
const SANDBOX_CHECK_MS = 30_000;

export interface SessionServerOptions {
  socketPath: string;
  docker: Docker;
  logger?: Logger;
  scrollbackBytes?: number;
  maxSessions?: number;
  idleMs?: number;
  onIdle: () => void;
}

export class SessionServer {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly server: net.Server;
  private readonly events: StartWatcher;
  private connections = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly scrollbackBytes: number;
  private readonly maxSessions: number;
  private readonly idleMs: number;

  constructor(private readonly options: SessionServerOptions) {
    this.scrollbackBytes = options.scrollbackBytes ?? DEFAULT_SCROLLBACK_BYTES;
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.server = net.createServer((socket) => this.accept(socket));
    this.events = new StartWatcher(
      options.docker,
      () => void this.checkSandboxes(),
      (why) => options.logger?.warn(why),
    );
  }

  /** Listens on the socket, which only this user can reach (0600 in a 0700 directory). */
  async listen(): Promise<void> {
    const previous = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.options.socketPath, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previous);
    }
    fs.chmodSync(this.options.socketPath, 0o600);
    this.events.start();
    this.checkTimer = setInterval(() => void this.checkSandboxes(), SANDBOX_CHECK_MS);
    this.armIdle();
  }

  close(): void {
    this.events.stop();
    clearInterval(this.checkTimer);
    clearTimeout(this.idleTimer);
    for (const session of [...this.sessions.values()]) session.end(null, 'the session host stopped', true);
    this.server.close();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.sessions.size > 0 || this.connections > 0) return;
    this.idleTimer = setTimeout(() => this.options.onIdle(), this.idleMs);
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    clearTimeout(this.idleTimer);
    let attachedTo: TerminalSession | undefined;
    const peer: SessionPeer = {
      send: (message: HostMessage) => {
        if (socket.destroyed) return;
        if (socket.writableLength > MAX_PEER_BACKLOG_BYTES) {
          this.options.logger?.warn('dropped a client that does not read its terminal output');
          socket.destroy();
          return;
        }
        socket.write(encodeMessage(message));
      },
    };
    const fail = (code: string, message: string, fix: string) => {
      peer.send({ ev: 'error', code, message, fix });
      socket.end();
    };
    const lines = new LineSplitter(
      (line) => {
        const message = parseClientMessage(line);
        if (!message)
          return fail('SESSION_PROTOCOL', 'The session host received a malformed message.', 'Update the extension: it and the session host must be the same version.');
        void this.handle(message, peer, attachedTo, (session) => (attachedTo = session), fail).catch((error: unknown) =>
          fail('SESSION_FAILED', error instanceof Error ? error.message : String(error), 'Open a new terminal.'),
        );
      },
      () => fail('SESSION_PROTOCOL', 'A message to the session host was too long.', 'Update the extension.'),
    );
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      attachedTo?.detach(peer);
      this.connections--;
      this.armIdle();
    });
  }

  private async handle(
    message: ClientMessage,
    peer: SessionPeer,
    attachedTo: TerminalSession | undefined,
    setAttached: (session: TerminalSession) => void,
    fail: (code: string, message: string, fix: string) => void,
  ): Promise<void> {
    switch (message.op) {
      case 'list':
        return peer.send({ ev: 'list', sessions: [...this.sessions.values()].map((s) => s.describe()) });
      case 'stats':
        return peer.send({
          ev: 'stats',
          stats: {
            sessions: [...this.sessions.values()].map((s) => ({ id: s.id, scrollbackBytes: s.scrollbackBytes, attached: s.attachedCount })),
            scrollbackCapacity: this.scrollbackBytes,
            maxSessions: this.maxSessions,
            rssBytes: process.memoryUsage().rss,
          },
        });
      case 'end':
        this.sessions.get(message.sessionId)?.end(null, 'its terminal was closed', true);
        return peer.send({ ev: 'ok' });
      case 'open': {
        if (attachedTo) return fail('SESSION_PROTOCOL', 'This connection already carries a terminal.', 'Open another connection.');
        const session = await this.open(message, fail);
        if (session) {
          setAttached(session);
          session.attach(peer, undefined);
        }
        return;
      }
      case 'attach': {
        if (attachedTo) return fail('SESSION_PROTOCOL', 'This connection already carries a terminal.', 'Open another connection.');
        const session = this.sessions.get(message.sessionId);
        if (!session) return fail('SESSION_GONE', `Terminal session ${message.sessionId} has ended.`, 'Open a new terminal.');
        setAttached(session);
        session.attach(peer, message.size);
        return;
      }
      case 'input':
        attachedTo?.input(Buffer.from(message.data, 'base64'));
        return;
      case 'resize':
        attachedTo?.resize(message.size as TerminalSize);
        return;
      case 'kill':
        await attachedTo?.kill(message.signal);
        return;
    }
  }

  private async open(request: OpenRequest, fail: (code: string, message: string, fix: string) => void): Promise<TerminalSession | undefined> {
    if (this.sessions.size >= this.maxSessions) {
      fail('SESSION_LIMIT', `The session host keeps at most ${this.maxSessions} terminals.`, 'Close terminals you no longer need.');
      return undefined;
    }
    const proc = await startExec(this.options.docker, request.containerId, request.argv, { pty: request.size ?? true, env: request.env });
    const id = randomUUID();
    const session = new TerminalSession(
      {
        id,
        containerId: request.containerId,
        sandboxId: request.sandboxId,
        sandboxName: request.sandboxName,
        workspace: request.workspace,
        title: request.title,
        createdAt: Date.now(),
      },
      proc,
      this.scrollbackBytes,
      (ended) => {
        if (this.sessions.get(ended.id) === ended) this.sessions.delete(ended.id);
        this.options.logger?.info(`session ${ended.id} ended`);
        this.armIdle();
      },
    );
    this.sessions.set(id, session);
    clearTimeout(this.idleTimer);
    this.options.logger?.info(`session ${id} opened in ${request.sandboxName}`);
    return session;
  }

  /** Ends the sessions whose sandbox is no longer running (Docker does not always end the exec's stream). */
  private async checkSandboxes(): Promise<void> {
    const containers = new Set([...this.sessions.values()].map((s) => s.containerId));
    for (const containerId of containers) {
      let why: string | undefined;
      try {
        const info = await this.options.docker.getContainer(containerId).inspect();
        if (!info.State.Running) why = `the sandbox stopped (exit code ${info.State.ExitCode})`;
      } catch (error) {
        if (dockerStatus(error) === 404) why = 'the sandbox was removed';
      }
      if (!why) continue;
      for (const session of [...this.sessions.values()]) {
        if (session.containerId === containerId) session.end(null, why);
      }
    }
  }
}
