/**
 * The "Sandbox Commands" output channel, where "Run Command in Sandbox…" streams output. Created
 * on first use so the Output panel's list is not cluttered for people who never run a command.
 */
import * as vscode from 'vscode';
import { Disposable } from '../dispose';

export class CommandOutput extends Disposable {
  private channel: vscode.OutputChannel | undefined;
  private endsWithNewline = true;

  append(text: string): void {
    if (text) {
      this.getChannel().append(text);
      this.endsWithNewline = text.endsWith('\n');
    }
  }

  /** A line of our own, always starting on a fresh line even if the output did not end with one. */
  appendLine(line: string): void {
    this.append(`${this.endsWithNewline ? '' : '\n'}${line}\n`);
  }

  show(): void {
    this.getChannel().show(true);
  }

  private getChannel(): vscode.OutputChannel {
    this.channel ??= this._register(vscode.window.createOutputChannel('Sandbox Commands'));
    return this.channel;
  }
}
