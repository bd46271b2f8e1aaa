/** Which snapshot a command acts on: the one the caller named, or the user's pick. */
import * as vscode from 'vscode';
import type { SnapshotInfo } from '../../core/types';
import type { CommandContext } from '../commands/commandContext';
import { showInformationMessage } from '../uiText';
import { snapshotRefFromArg } from './fileArgs';
import { snapshotRows } from './snapshotFormat';
import { DEFAULT_ENGINE } from '../engines/engineEntries';
import { UserFacingError } from '../errors';

export { snapshotLabel } from './snapshotFormat';

/** `undefined` when there are none (said so) or the user dismissed the picker. */
export async function resolveSnapshot(context: CommandContext, arg: unknown, title: string): Promise<SnapshotInfo | undefined> {
  const ref = snapshotRefFromArg(arg);
  refuseOtherEngines(context, arg);
  const snapshots = await context.clients.client.listSnapshots();
  if (ref !== undefined) {
    // A ref this engine does not list (another label set, a plain image) still works as an image.
    return snapshots.find((s) => s.ref === ref) ?? { ref, sandboxId: '', sandboxName: ref, createdAt: new Date(), sizeBytes: 0 };
  }
  if (snapshots.length === 0) {
    void showInformationMessage('There are no snapshots yet. "Sandboxes: Snapshot Sandbox" saves the filesystem of a running sandbox as one.');
    return undefined;
  }
  const items = snapshotRows(snapshots, new Date());
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Select a snapshot', matchOnDetail: true });
  return picked?.snapshot;
}

/**
 * Snapshot commands act on the default engine's images only: a snapshot row under another engine
 * (sandboxes.docker.engines) is refused by name rather than looked up, created from or removed on
 * the wrong engine.
 */
function refuseOtherEngines(context: CommandContext, arg: unknown): void {
  if (typeof arg !== 'object' || arg === null) return;
  const node = arg as { kind?: unknown; sandboxId?: unknown; parent?: { engine?: unknown } };
  if (node.kind !== 'snapshot') return;
  const engine =
    typeof node.parent?.engine === 'string' ? node.parent.engine : typeof node.sandboxId === 'string' && node.sandboxId ? context.clients.engineOf(node.sandboxId) : undefined;
  if (engine === undefined || engine === DEFAULT_ENGINE) return;
  const name = context.clients.engineEntry(engine)?.name ?? engine;
  throw new UserFacingError(
    `This snapshot is on the Docker engine "${name}": snapshot commands work on the default engine's snapshots only, for now.`,
    `Use the docker CLI against that engine, or create the sandbox there with "Sandboxes: Create Sandbox" and the snapshot's image.`,
  );
}
