/**
 * The "Sandbox agent" terminal: every command an agent runs, with its output as it comes, in a
 * terminal the user can watch; Ctrl+C there (or closing it) stops the running commands. One per
 * window, made on the first command and made again after the user closes it.
 */
import * as vscode from 'vscode';
import type { RunView } from '../../core';
import { Disposable } from '../dispose';
import { Utf8StreamDecoder, terminalMessage, toTerminalText } from '../terminal/terminalText';
import { printable } from '../untrustedText';

export const AGENT_TERMINAL_NAME = 'Sandbox agent';

export class AgentTerminal extends Disposable {
  private terminal: vscode.Terminal | undefined;
  private readonly writeEmitter = this._register(new vscode.EventEmitter<string>());
  private opened = false;
  private pending: string[] = [];
  private readonly stops = new Set<() => void>();

  constructor() {
    super();
    this._register(
      vscode.window.onDidCloseTerminal((closed) => {
        if (closed !== this.terminal) return;
        this.terminal = undefined;
        this.opened = false;
        this.pending = [];
        for (const stop of [...this.stops]) stop();
      }),
    );
  }

  /** A view of one command: its output goes to the terminal, which is shown without taking focus. */
  start(sandboxName: string, display: string): RunView {
    this.ensure();
    this.write(terminalMessage(`[${sandboxName}] $ ${printable(display)}`, 'warning'));
    const decoder = new Utf8StreamDecoder();
    let stop: (() => void) | undefined;
    const onStop = () => stop?.();
    this.stops.add(onStop);
    return {
      output: (chunk) => this.write(toTerminalText(decoder.write(chunk))),
      end: (summary) => {
        this.stops.delete(onStop);
        const rest = decoder.end();
        this.write(`${toTerminalText(rest)}\r\n${terminalMessage(summary)}`);
      },
      onStop: (callback) => (stop = callback),
    };
  }

  private ensure(): void {
    if (this.terminal) return;
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writeEmitter.event,
      open: () => {
        this.opened = true;
        for (const text of this.pending.splice(0)) this.writeEmitter.fire(text);
      },
      close: () => undefined,
      handleInput: (data) => {
        if (data === '\x03') {
          this.write(terminalMessage('^C: stopping the running commands', 'warning'));
          for (const stop of [...this.stops]) stop();
        }
      },
    };
    this.terminal = vscode.window.createTerminal({ name: AGENT_TERMINAL_NAME, pty, iconPath: new vscode.ThemeIcon('robot') });
    this.terminal.show(true);
    this.write(terminalMessage('Commands run by agents in the agent sandbox appear here. Press Ctrl+C to stop them.'));
  }

  /**
   * Batched: text reaches the terminal 100 ms after the last write (at least every 250 ms while
   * output streams). The workbench that draws the terminal also relays every tool call and its
   * result: drawing a quick command's two lines while its result goes back made each call ~35 ms
   * slower (bench/agents.bench.ts); a person watching sees no difference.
   */
  private batch: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private batchStarted = 0;

  private write(text: string): void {
    this.batch.push(text);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.batchStarted ||= Date.now();
    const wait = Math.max(0, Math.min(100, this.batchStarted + 250 - Date.now()));
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.flushTimer = undefined;
    this.batchStarted = 0;
    const text = this.batch.splice(0).join('');
    if (!text) return;
    if (this.opened) this.writeEmitter.fire(text);
    // Bounded: a terminal nobody opened must not hold an agent's whole output.
    else if (this.pending.length < 2000) this.pending.push(text);
  }

  override dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.terminal?.dispose();
    super.dispose();
  }
}
