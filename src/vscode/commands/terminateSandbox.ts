/**
 * "Terminate Sandbox": stops and deletes a sandbox after a modal confirmation. Callers that
 * name the sandbox (tests, other extensions) are taken at their word unless they pass
 * `{ confirm: true }`; UI entry points such as tree menus should pass it.
 */
import * as vscode from 'vscode';
import { terminateOptionsFromArg } from './commandArgs';
import type { CommandContext } from './commandContext';
import { resolveSandbox } from './pickSandbox';
import { showWarningMessage, withProgress } from '../uiText';

/** `true` once terminated, `false` when the user declined, `undefined` when nothing was picked. */
export async function terminateSandbox(context: CommandContext, arg?: unknown, optionsArg?: unknown): Promise<boolean | undefined> {
  const options = terminateOptionsFromArg(optionsArg);
  const sandbox = await resolveSandbox(context, arg, { title: 'Terminate Sandbox', includeStopped: true });
  if (!sandbox) {
    return undefined;
  }

  if (options.confirm ?? arg === undefined) {
    const terminate = 'Terminate';
    const choice = await showWarningMessage(
      `Terminate sandbox "${sandbox.name}"?`,
      {
        modal: true,
        detail: 'Its processes are stopped and its container is deleted, with every file in it. This cannot be undone.',
      },
      terminate,
    );
    if (choice !== terminate) {
      return false;
    }
  }

  await withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating sandbox "${sandbox.name}"…` }, () => context.changes.terminate(sandbox));
  context.log.info(`Terminated sandbox "${sandbox.name}" (${sandbox.id}).`);
  vscode.window.setStatusBarMessage(`$(trash) Sandbox "${sandbox.name}" terminated`, 5000);
  return true;
}
