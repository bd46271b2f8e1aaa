/**
 * One terminal session in the session host: a PTY exec in a sandbox, its scrollback, and the
 * clients attached to it now (none while a window reloads). Output goes to the scrollback and to
 * every attached client; the session ends when its process does, or when `end` is called (the
 * sandbox ended, the user closed the terminal).
 */
import type { ExecProcess } from '../types';
import type { HostMessage, SessionInfo, TerminalSize } from './sessionProtocol';
import { ScrollbackRing } from './scrollbackRing';

/** An attached client as a session sees it. */
export interface SessionPeer {
  send(message: HostMessage): void;
}

export class TerminalSession {
  private readonly ring: ScrollbackRing;
  private readonly peers = new Set<SessionPeer>();
  private ended = false;

  constructor(
    private readonly info: Omit<SessionInfo, 'attached'>,
    private readonly proc: ExecProcess,
    scrollbackBytes: number,
    private readonly onEnd: (session: TerminalSession) => void,
  ) {
    this.ring = new ScrollbackRing(scrollbackBytes);
    proc.stdout.on('data', (chunk: Buffer) => this.output(chunk));
    proc.stdout.on('error', () => undefined);
    proc.stdin.on('error', () => undefined);
    proc.wait().then(
      (code) => this.end(code, `exited with code ${code}`),
      (error: unknown) => this.end(null, error instanceof Error ? error.message : String(error)),
    );
  }

  get id(): string {
    return this.info.id;
  }

  get containerId(): string {
    return this.info.containerId;
  }

  get scrollbackBytes(): number {
    return this.ring.size;
  }

  get attachedCount(): number {
    return this.peers.size;
  }

  describe(): SessionInfo {
    return { ...this.info, attached: this.peers.size };
  }

  /** Attaches a client: it gets the scrollback first, then live output. */
  attach(peer: SessionPeer, size: TerminalSize | undefined): void {
    this.peers.add(peer);
    peer.send({ ev: 'attached', session: this.describe(), scrollback: this.ring.contents().toString('base64') });
    if (size) this.resize(size);
  }

  detach(peer: SessionPeer): void {
    this.peers.delete(peer);
  }

  input(data: Buffer): void {
    if (!this.ended) this.proc.stdin.write(data);
  }

  resize(size: TerminalSize): void {
    if (!this.ended) void this.proc.resize(size.cols, size.rows).catch(() => undefined);
  }

  kill(signal: string): Promise<void> {
    return this.ended ? Promise.resolve() : this.proc.kill(signal).catch(() => undefined);
  }

  /**
   * Ends the session: tells the attached clients, drops the scrollback and the connection to
   * Docker. A shell still running (the user closed its terminal) is hung up first, as a terminal
   * closing does.
   */
  end(code: number | null, reason: string, hangUp = false): void {
    if (this.ended) return;
    this.ended = true;
    for (const peer of this.peers) peer.send({ ev: 'exit', code, reason });
    this.peers.clear();
    this.ring.clear();
    const close = () => {
      this.proc.stdin.end();
      this.proc.close();
    };
    if (hangUp)
      void this.proc
        .kill('HUP')
        .catch(() => undefined)
        .finally(close);
    else close();
    this.onEnd(this);
  }

  private output(chunk: Buffer): void {
    this.ring.push(chunk);
    if (this.peers.size === 0) return;
    const data = chunk.toString('base64');
    for (const peer of this.peers) peer.send({ ev: 'data', data });
  }
}
