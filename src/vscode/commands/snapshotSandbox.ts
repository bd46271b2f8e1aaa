/**
 * "Snapshot Sandbox": saves the filesystem of a running sandbox as an image (Modal's
 * `snapshot_filesystem`), listed under the sandbox in the Sandboxes view, to start new sandboxes
 * from. Bind-mounted folders are not part of it (they are the host's files). Returns the image
 * reference.
 */
import * as vscode from 'vscode';
import { requireRunning, resolveSandbox } from './pickSandbox';
import type { CommandContext } from './commandContext';
import { CommandIds } from './commandIds';
import { showInformationMessage, withProgress } from '../uiText';

export async function snapshotSandbox(context: CommandContext, sandboxArg?: unknown): Promise<string | undefined> {
  const sandbox = await resolveSandbox(context, sandboxArg, { title: 'Snapshot Sandbox' });
  if (!sandbox) {
    return undefined;
  }
  await requireRunning(sandbox, 'take a snapshot');
  const ref = await withProgress({ location: vscode.ProgressLocation.Notification, title: `Saving a snapshot of sandbox ${sandbox.name}…` }, () =>
    context.changes.snapshot(sandbox),
  );
  context.log.info(`Snapshot of sandbox ${sandbox.name}: ${ref}.`);
  void offerNext(context, sandbox.name, ref);
  return ref;
}

async function offerNext(context: CommandContext, name: string, ref: string): Promise<void> {
  const create = 'Create Sandbox from It';
  const copy = 'Copy Reference';
  try {
    const choice = await showInformationMessage(`Saved a snapshot of sandbox "${name}" as ${ref}.`, create, copy);
    if (choice === create) {
      await vscode.commands.executeCommand(CommandIds.createFromSnapshot, ref);
    } else if (choice === copy) {
      await vscode.env.clipboard.writeText(ref);
    }
  } catch (err) {
    context.log.failure(`offering actions for snapshot ${ref}`, err);
  }
}
