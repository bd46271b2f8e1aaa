/**
 * "Terminate Sandbox…" in the Sandboxes view: the tree passes the node, and "Terminate Sandbox"
 * takes callers that name a sandbox at their word; a click in a menu deserves the confirmation.
 */
import * as vscode from 'vscode';
import { sandboxIdFromArg } from './commandArgs';
import { CommandIds } from './commandIds';
import type { CommandContext } from './commandContext';

export async function terminateFromTree(_context: CommandContext, node?: unknown): Promise<unknown> {
  const sandboxId = sandboxIdFromArg(node);
  if (sandboxId === undefined) {
    throw new TypeError('Terminate Sandbox… is a tree menu command: it needs the sandbox node it was invoked on.');
  }
  return vscode.commands.executeCommand(CommandIds.terminateSandbox, sandboxId, { confirm: true });
}
