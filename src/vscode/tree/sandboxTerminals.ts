/**
 * Which of this window's terminals run in which sandbox. "Open Terminal" names its terminal after
 * the sandbox and drives it through a pseudoterminal, and sandbox names are unique per Docker
 * engine: a terminal belongs to a sandbox when it was created with a `pty` and that name. Pure
 * (terminals are passed in), so it is unit-tested.
 */

/** The part of `vscode.Terminal` looked at here. */
export interface TerminalWithOptions {
  readonly creationOptions: Readonly<object>;
}

/** The sandbox name a terminal was opened for, or `undefined` for any other terminal. */
export function sandboxNameOfTerminal(terminal: TerminalWithOptions): string | undefined {
  const options = terminal.creationOptions as { name?: unknown; pty?: unknown };
  return options.pty !== undefined && typeof options.name === 'string' ? options.name : undefined;
}

export function terminalsOfSandbox<T extends TerminalWithOptions>(terminals: readonly T[], sandboxName: string): T[] {
  return terminals.filter((terminal) => sandboxNameOfTerminal(terminal) === sandboxName);
}
