/**
 * "Terminate Sandbox…" in the Sandboxes view: the tree passes the node it was invoked on and, with
 * several rows selected, the selection; a click in a menu deserves the confirmation, one for all
 * of them, naming the count.
 */
import * as vscode from 'vscode';
import { sandboxIdFromArg } from './commandArgs';
import { engineKeyFromArg } from '../engines/engineEntries';
import { CommandIds } from './commandIds';
import type { CommandContext } from './commandContext';
import { terminateSeveral } from './terminateSeveral';

export async function terminateFromTree(context: CommandContext, node?: unknown, selection?: unknown): Promise<unknown> {
  const sandboxId = sandboxIdFromArg(node);
  if (sandboxId === undefined) {
    throw new TypeError('Terminate Sandbox… is a tree menu command: it needs the sandbox node it was invoked on.');
  }
  const selected = Array.isArray(selection) ? sandboxIdsOf(selection) : [];
  // VS Code passes the selection only when the clicked row is part of it.
  if (selected.length > 1 && selected.includes(sandboxId)) {
    return terminateSeveral(context, selected, { title: 'Terminate Sandboxes' });
  }
  // The node's engine goes along (sandboxes.docker.engines): the sandbox is ended where it runs.
  const engine = engineKeyFromArg(node);
  return vscode.commands.executeCommand(CommandIds.terminateSandbox, engine === undefined ? sandboxId : { sandboxId, engine }, { confirm: true });
}

/** Sandbox rows of a selection, each once (rows below a sandbox do not count: they are not sandboxes). */
function sandboxIdsOf(selection: readonly unknown[]): string[] {
  const ids = selection
    .filter((n): n is { kind: 'sandbox'; sandboxId: string } => typeof n === 'object' && n !== null && (n as { kind?: unknown }).kind === 'sandbox')
    .map((n) => n.sandboxId);
  return [...new Set(ids)];
}
