/**
 * The extension's log: one `LogOutputChannel` ("gVisor Sandboxes"), which also serves as the
 * engine's `Logger`, so engine and adapter messages interleave in one place with levels the
 * user controls ("Developer: Set Log Level…").
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/types';
import { Disposable } from './dispose';

export class ExtensionLog extends Disposable implements Logger {
  private readonly channel = this._register(vscode.window.createOutputChannel('gVisor Sandboxes', { log: true }));

  trace(message: string): void {
    this.channel.trace(message);
  }

  debug(message: string): void {
    this.channel.debug(message);
  }

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  /** Logs an unexpected failure with its stack (and its cause's), which notifications never show. */
  failure(context: string, err: unknown): void {
    this.channel.error(`${context}: ${describeWithStack(err)}`);
  }

  /** Reveals the log without taking focus from the editor. */
  show(): void {
    this.channel.show(true);
  }
}

function describeWithStack(err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  const own = err.stack ?? `${err.name}: ${err.message}`;
  return err.cause === undefined ? own : `${own}\nCaused by: ${describeWithStack(err.cause)}`;
}
