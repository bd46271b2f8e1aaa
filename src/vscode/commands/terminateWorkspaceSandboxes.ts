/**
 * "Terminate All in This Workspace": every sandbox this window's workspace created (running or
 * stopped), after one confirmation naming the count; other windows', scripts' and tests'
 * sandboxes on the same engine are left alone. `{ confirm: false }` asks nothing (tests).
 */
import type { CommandContext } from './commandContext';
import { terminateSeveral } from './terminateSeveral';
import { showInformationMessage } from '../uiText';

export async function terminateWorkspaceSandboxes(context: CommandContext, optionsArg?: unknown): Promise<number | undefined> {
  const confirm = typeof optionsArg === 'object' && optionsArg !== null && (optionsArg as { confirm?: unknown }).confirm === false ? false : true;
  const ids = await context.sandboxesView.workspaceSandboxIds();
  if (ids.length === 0) {
    void showInformationMessage('This workspace has no sandboxes to terminate.');
    return 0;
  }
  return terminateSeveral(context, ids, { title: 'Terminate All in This Workspace', confirm });
}
