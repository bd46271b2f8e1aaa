/**
 * Which of this window's terminals run in which sandbox. Every sandbox terminal ("Open Terminal",
 * the "Sandbox shell" profile, "Run Active File") is driven by a pseudoterminal that says which
 * sandbox it runs in (`sandboxName`); sandbox names are unique per Docker engine. A terminal
 * with a `pty` that does not say is taken to be named after its sandbox. Pure (terminals are
 * passed in), so it is unit-tested.
 */

/** The part of `vscode.Terminal` looked at here. */
export interface TerminalWithOptions {
  readonly creationOptions: Readonly<object>;
}

/** The sandbox name a terminal was opened for, or `undefined` for any other terminal. */
export function sandboxNameOfTerminal(terminal: TerminalWithOptions): string | undefined {
  const options = terminal.creationOptions as { name?: unknown; pty?: { sandboxName?: unknown } };
  if (options.pty === undefined) {
    return undefined;
  }
  const ofPty = options.pty?.sandboxName;
  return typeof ofPty === 'string' ? ofPty : typeof options.name === 'string' ? options.name : undefined;
}

export function terminalsOfSandbox<T extends TerminalWithOptions>(terminals: readonly T[], sandboxName: string): T[] {
  return terminals.filter((terminal) => sandboxNameOfTerminal(terminal) === sandboxName);
}
