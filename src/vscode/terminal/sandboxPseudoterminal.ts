/**
 * A VS Code terminal backed by a shell (or a given program) in a sandbox: a PTY exec sized to
 * the terminal, resized with it, and hung up when the terminal closes. Keys go to the PTY as
 * typed, so Ctrl+C reaches the program as 0x03 and the PTY's line discipline turns it into
 * SIGINT. When the shell ends because the sandbox stopped, or could not start, the terminal
 * stays open with the reason until a key is pressed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { ExecProcess, Logger } from '../../core/types';
import { isSandboxErrorLike, withFix } from '../errors';
import { ResizeQueue, type TerminalSize } from './resizeQueue';
import { exitMessage, terminalMessage, Utf8StreamDecoder } from './terminalText';

/** xterm.js understands 256 colours and truecolor; the image's default TERM may claim less. */
export const TERMINAL_ENV = { TERM: 'xterm-256color', COLORTERM: 'truecolor' };

/** A login shell (so the image's profile sets PATH and friends): bash when present, else sh. */
export const SHELL_ARGV = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

type State =
  | 'new'
  | 'starting'
  | 'running'
  /** The shell is gone; a message says why and the next key closes the terminal. */
  | 'ended'
  | 'closed';

export interface SandboxPseudoterminalOptions {
  /** A line printed before the shell starts, e.g. a warning that the runtime is not gVisor. */
  banner?: { text: string; style: 'dim' | 'warning' };
  /**
   * Run this program instead of a login shell (e.g. "Run Active File"). Its terminal stays open
   * after it exits, showing the exit code, until a key is pressed.
   */
  argv?: string[];
  /**
   * Starts the process instead of a plain exec: a terminal session in the session host
   * (terminalSessions.ts), new or reattached, whose first output is its scrollback.
   */
  start?: (size: TerminalSize | undefined) => Promise<ExecProcess>;
  /**
   * Closing the terminal detaches from the session rather than hanging the shell up: VS Code
   * also closes terminals when the window reloads. A terminal the user closes ends its session
   * (terminalSessions.ts, from `onDidCloseTerminal`'s reason).
   */
  detachOnClose?: boolean;
}

export class SandboxPseudoterminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;

  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidClose = this.closeEmitter.event;

  private readonly outputEmitter = new vscode.EventEmitter<string>();
  /** The program's own output, without our messages (for callers that report it). */
  readonly onDidOutput = this.outputEmitter.event;

  private readonly exitEmitter = new vscode.EventEmitter<number | undefined>();
  /** The program ended: its exit code, or `undefined` when it could not start or the sandbox went away. */
  readonly onDidExit = this.exitEmitter.event;

  private state: State = 'new';
  private shell: ExecProcess | undefined;
  private size: TerminalSize | undefined;
  private resizes: ResizeQueue | undefined;
  private exitReported = false;
  /** Keys typed while the exec is starting, replayed once it is there. */
  private readonly pendingInput: string[] = [];

  constructor(
    private readonly sandbox: Sandbox,
    private readonly log: Logger,
    private readonly options: SandboxPseudoterminalOptions = {},
  ) {}

  /** Which sandbox this terminal runs in (tree/sandboxTerminals.ts reads it from the terminal's options). */
  get sandboxName(): string {
    return this.sandbox.name;
  }

  open(initialDimensions: vscode.TerminalDimensions | undefined): void {
    if (this.options.banner) {
      this.write(terminalMessage(this.options.banner.text, this.options.banner.style));
    }
    this.size = initialDimensions && { cols: initialDimensions.columns, rows: initialDimensions.rows };
    this.run().catch((err: unknown) => this.fail(`The terminal of sandbox "${this.sandbox.name}" failed`, err));
  }

  handleInput(data: string): void {
    switch (this.state) {
      case 'running':
        this.shell?.stdin.write(data);
        break;
      case 'new':
      case 'starting':
        this.pendingInput.push(data);
        break;
      case 'ended':
        this.finish();
        break;
      case 'closed':
        break;
    }
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.size = { cols: dimensions.columns, rows: dimensions.rows };
    if (this.state === 'running') {
      this.resizes?.push(this.size);
    }
  }

  /** The user closed the terminal (or the window is closing). */
  close(): void {
    if (this.state === 'running' && this.shell) {
      if (this.options.detachOnClose) this.shell.close();
      else void this.hangUp(this.shell);
    }
    // A shell still starting is hung up by `run()` once it is there.
    this.state = 'closed';
    this.reportExit(undefined);
    for (const emitter of [this.writeEmitter, this.closeEmitter, this.outputEmitter, this.exitEmitter]) {
      emitter.dispose();
    }
  }

  private async run(): Promise<void> {
    this.state = 'starting';
    const initialSize = this.size;
    let shell: ExecProcess;
    try {
      shell = this.options.start
        ? await this.options.start(initialSize)
        : await this.sandbox.exec(this.options.argv ?? SHELL_ARGV, {
            pty: initialSize ?? true,
            env: TERMINAL_ENV,
          });
    } catch (err) {
      this.fail(`Could not start a shell in sandbox "${this.sandbox.name}"`, err);
      return;
    }
    if (this.is('closed')) {
      // Closed while the shell was starting.
      void this.hangUp(shell);
      return;
    }
    this.attach(shell, initialSize);

    let exitCode: number | undefined;
    let failure: unknown;
    try {
      exitCode = await shell.wait();
    } catch (err) {
      failure = err;
    }
    if (!this.is('running')) {
      return;
    }
    this.reportExit(exitCode);
    if (exitCode !== undefined) {
      this.write(exitMessage(exitCode));
    }
    // A terminated sandbox takes its shell with it; say so rather than report a bare exit code.
    const stopped = await this.whySandboxStopped(exitCode);
    if (!this.is('running')) {
      return;
    }
    if (stopped) {
      this.end(`Sandbox "${this.sandbox.name}" ${stopped}, so ${this.options.argv ? `"${this.options.argv.join(' ')}"` : 'its shell'} ended.`);
    } else if (exitCode === undefined) {
      this.fail(`The shell in sandbox "${this.sandbox.name}" failed`, failure);
    } else if (this.options.argv) {
      // A program's output is what the user came for: keep it on screen.
      this.state = 'ended';
      this.write(terminalMessage('Press any key to close this terminal.'));
    } else {
      // Like any terminal whose shell exits (`exit`, Ctrl+D): close, with the shell's exit code.
      this.state = 'closed';
      this.closeEmitter.fire(exitCode);
    }
  }

  private attach(shell: ExecProcess, initialSize: TerminalSize | undefined): void {
    this.shell = shell;
    this.state = 'running';
    const decoder = new Utf8StreamDecoder();
    const output = (text: string) => {
      this.write(text);
      if (text && this.state !== 'closed') this.outputEmitter.fire(text);
    };
    shell.stdout.on('data', (chunk: Uint8Array | string) => output(decoder.write(chunk)));
    shell.stdout.on('end', () => output(decoder.end()));
    // The stream's failure also fails `wait()`, which reports it; this only keeps it from being unhandled.
    shell.stdout.on('error', (err) => this.log.debug(`Terminal output of ${this.sandbox.name}: ${err.message}`));
    shell.stdin.on('error', (err) => this.log.debug(`Terminal input of ${this.sandbox.name}: ${err.message}`));

    for (const data of this.pendingInput.splice(0)) {
      shell.stdin.write(data);
    }
    this.resizes = new ResizeQueue(
      (size) => shell.resize(size.cols, size.rows),
      (err) => this.log.debug(`Resizing the terminal of ${this.sandbox.name}: ${String(err)}`),
      initialSize,
    );
    // The terminal may have been resized while the exec was starting.
    if (this.size) {
      this.resizes.push(this.size);
    }
  }

  /**
   * `undefined` while the sandbox runs; otherwise what happened to it. A shell killed by a signal
   * (exit code above 128) is often the first sign of the sandbox stopping, and Docker still
   * reports the container as running for a moment: look again for a little while then.
   */
  private async whySandboxStopped(shellExitCode: number | undefined): Promise<string | undefined> {
    const attempts = shellExitCode === undefined || shellExitCode > 128 ? 10 : 1;
    for (let attempt = 1; ; attempt++) {
      const why = await this.checkSandbox();
      if (why !== undefined || attempt >= attempts) {
        return why;
      }
      await sleep(200);
    }
  }

  private async checkSandbox(): Promise<string | undefined> {
    try {
      const exitCode = await this.sandbox.poll();
      return exitCode === null ? undefined : `stopped (exit code ${exitCode})`;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'NOT_FOUND') {
        return 'was removed';
      }
      this.log.debug(`Checking sandbox ${this.sandbox.name}: ${String(err)}`);
      return 'could not be reached';
    }
  }

  private fail(context: string, err: unknown): void {
    if (this.state === 'closed') {
      return;
    }
    this.reportExit(undefined);
    const reason = isSandboxErrorLike(err) ? withFix(err.message, err.fix) : err instanceof Error ? err.message : String(err);
    this.log.error(`${context}: ${reason}`);
    this.end(`${context}: ${reason}`);
  }

  private reportExit(exitCode: number | undefined): void {
    if (!this.exitReported) {
      this.exitReported = true;
      this.exitEmitter.fire(exitCode);
    }
  }

  /** Keeps the terminal open so the reason can be read. */
  private end(reason: string): void {
    this.state = 'ended';
    this.write(terminalMessage(reason, 'error'));
    this.write(terminalMessage('Press any key to close this terminal.'));
  }

  private finish(): void {
    this.state = 'closed';
    this.closeEmitter.fire();
  }

  /**
   * Docker cannot end a PTY exec by closing its input (the shell would keep running and the
   * sandbox would never be idle), so hang up the shell and its jobs as a real terminal would.
   */
  private async hangUp(shell: ExecProcess): Promise<void> {
    try {
      await shell.kill('HUP');
    } catch (err) {
      // The sandbox may be gone already, which ends the shell too.
      this.log.debug(`Hanging up the terminal shell in ${this.sandbox.name}: ${String(err)}`);
    } finally {
      shell.stdin.end();
    }
  }

  /**
   * The state as of now. A method, not a property read, because the compiler would otherwise
   * keep its narrowing of `state` across the awaits in `run()`, during which the user may close.
   */
  private is(state: State): boolean {
    return this.state === state;
  }

  private write(text: string): void {
    if (text && this.state !== 'closed') {
      this.writeEmitter.fire(text);
    }
  }
}
