/** Which snapshot a command acts on: the one the caller named, or the user's pick. */
import * as vscode from 'vscode';
import type { SnapshotInfo } from '../../core/types';
import type { CommandContext } from '../commands/commandContext';
import { showInformationMessage } from '../uiText';
import { snapshotRefFromArg } from './fileArgs';
import { snapshotRows } from './snapshotFormat';
import { snapshotEngineOf } from '../engines/engineEntries';

export { snapshotLabel } from './snapshotFormat';

/** A snapshot and the engine whose image it is. */
export interface ResolvedSnapshot extends SnapshotInfo {
  /** The engine's key (`sandboxes.docker.engines`); snapshot commands act there. */
  engine: string;
}

/** `undefined` when there are none (said so) or the user dismissed the picker. */
export async function resolveSnapshot(context: CommandContext, arg: unknown, title: string): Promise<ResolvedSnapshot | undefined> {
  const ref = snapshotRefFromArg(arg);
  const engine = snapshotEngineOf(arg, (sandboxId) => context.clients.engineOf(sandboxId));
  const snapshots = await context.clients.clientOf(engine).listSnapshots();
  if (ref !== undefined) {
    // A ref this engine does not list (another label set, a plain image) still works as an image.
    const found = snapshots.find((s) => s.ref === ref) ?? { ref, sandboxId: '', sandboxName: ref, createdAt: new Date(), sizeBytes: 0 };
    return { ...found, engine };
  }
  if (snapshots.length === 0) {
    void showInformationMessage('There are no snapshots yet. "Sandboxes: Snapshot Sandbox" saves the filesystem of a running sandbox as one.');
    return undefined;
  }
  const items = snapshotRows(snapshots, new Date());
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Select a snapshot', matchOnDetail: true });
  return picked && { ...picked.snapshot, engine };
}
