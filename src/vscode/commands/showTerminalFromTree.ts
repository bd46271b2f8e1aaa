/** A click on a terminal below a sandbox in the Sandboxes view brings that terminal to the front. */
import type { CommandContext } from './commandContext';

export async function showTerminalFromTree(_context: CommandContext, node?: unknown): Promise<void> {
  const terminal = (node as { kind?: unknown; terminal?: { show?: unknown } } | undefined)?.terminal;
  if ((node as { kind?: unknown } | undefined)?.kind !== 'terminal' || typeof terminal?.show !== 'function') {
    throw new TypeError('Show Terminal is a tree command: it needs the terminal node it was invoked on.');
  }
  (terminal as { show(preserveFocus?: boolean): void }).show(false);
}
