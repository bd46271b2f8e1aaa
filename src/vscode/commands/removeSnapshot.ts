/**
 * "Remove Snapshot…": deletes a snapshot's image. Asks first unless called with the image
 * reference itself (scripts, tests). Docker refuses while a sandbox made from it exists; its
 * message says so. Returns whether it was removed.
 */
import { confirmsSnapshotRemoval } from '../files/fileArgs';
import { resolveSnapshot, snapshotLabel } from '../files/pickSnapshot';
import type { CommandContext } from './commandContext';
import { showWarningMessage } from '../uiText';

export async function removeSnapshot(context: CommandContext, snapshotArg?: unknown): Promise<boolean> {
  const snapshot = await resolveSnapshot(context, snapshotArg, 'Remove Snapshot');
  if (!snapshot) {
    return false;
  }
  if (confirmsSnapshotRemoval(snapshotArg)) {
    const remove = 'Remove';
    const answer = await showWarningMessage(
      `Remove the ${snapshotLabel(snapshot)}?`,
      { modal: true, detail: `The image ${snapshot.ref} is deleted; sandboxes cannot be created from it any more.` },
      remove,
    );
    if (answer !== remove) {
      return false;
    }
  }
  await context.changes.removeSnapshot(context.clients.clientOf(snapshot.engine), snapshot.ref, snapshot.sandboxId || undefined);
  context.log.info(`Removed snapshot ${snapshot.ref}.`);
  return true;
}
