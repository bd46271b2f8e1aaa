/**
 * Terminating several sandboxes at once (a multi-selection in the tree, "Terminate All in This
 * Workspace"): one modal confirmation that names how many, one progress, one summary; a failure
 * of one does not stop the others and is reported with its name.
 */
import * as vscode from 'vscode';
import type { CommandContext } from './commandContext';
import { showErrorMessage, showWarningMessage, withProgress } from '../uiText';

/** The number terminated; `undefined` when the user declined. */
export async function terminateSeveral(context: CommandContext, sandboxIds: readonly string[], how: { title: string; confirm?: boolean }): Promise<number | undefined> {
  // Each on its own engine (the one that listed it).
  const sandboxes = await Promise.all(sandboxIds.map((id) => context.clients.fromId(id)));
  if (sandboxes.length === 0) return 0;
  if (how.confirm !== false) {
    const terminate = `Terminate ${sandboxes.length}`;
    const shown =
      sandboxes
        .slice(0, 8)
        .map((s) => `"${s.name}"`)
        .join(', ') + (sandboxes.length > 8 ? `, and ${sandboxes.length - 8} more` : '');
    const choice = await showWarningMessage(
      `Terminate ${sandboxes.length} sandbox${sandboxes.length === 1 ? '' : 'es'}?`,
      { modal: true, detail: `${shown}: their processes are stopped and their containers deleted, with every file in them. This cannot be undone.` },
      terminate,
    );
    if (choice !== terminate) return undefined;
  }
  const failures: string[] = [];
  await withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating ${sandboxes.length} sandboxes…` }, () =>
    Promise.all(
      sandboxes.map((sandbox) =>
        context.changes.terminate(sandbox).catch((err: unknown) => {
          context.log.failure(`terminating ${sandbox.name}`, err);
          failures.push(`"${sandbox.name}": ${err instanceof Error ? err.message : String(err)}`);
        }),
      ),
    ),
  );
  const done = sandboxes.length - failures.length;
  context.log.info(`${how.title}: terminated ${done} of ${sandboxes.length} sandboxes.`);
  if (failures.length > 0) {
    void showErrorMessage(`${failures.length} of ${sandboxes.length} sandboxes could not be terminated: ${failures.join('; ')}`);
  } else {
    vscode.window.setStatusBarMessage(`$(trash) ${done} sandbox${done === 1 ? '' : 'es'} terminated`, 5000);
  }
  return done;
}
