/**
 * The Sandboxes view's "Create Sandbox" title button. VS Code passes a view's title actions the
 * focused tree node, which "Create Sandbox" would take for spec fields to create from without
 * asking: this asks, as the button promises.
 */
import * as vscode from 'vscode';
import { CommandIds } from './commandIds';

export async function createFromTree(): Promise<unknown> {
  return vscode.commands.executeCommand(CommandIds.createSandbox);
}
