/** Which snapshot a command acts on: the one the caller named, or the user's pick. */
import * as vscode from 'vscode';
import type { SnapshotInfo } from '../../core/types';
import type { CommandContext } from '../commands/commandContext';
import { showInformationMessage } from '../uiText';
import { snapshotRefFromArg } from './fileArgs';
import { snapshotRows, snapshotRowsAcrossEngines, type EngineSnapshots } from './snapshotFormat';
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
  // From the palette with several engines: every engine's snapshots in one picker.
  if (arg === undefined && context.clients.multiEngine) return pickAcrossEngines(context, title);
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

/** An engine that does not answer within this is left out of the picker (logged), as in the tree. */
const ENGINE_BOUND_MS = 20_000;

async function pickAcrossEngines(context: CommandContext, title: string): Promise<ResolvedSnapshot | undefined> {
  const lists = await Promise.all(
    context.clients.engines.map(async (engine): Promise<EngineSnapshots> => {
      try {
        return { engine, snapshots: await within(ENGINE_BOUND_MS, context.clients.clientOf(engine.key).listSnapshots()) };
      } catch (err) {
        context.log.warn(`Snapshots on engine "${engine.name}" are not in the picker: ${err instanceof Error ? err.message : String(err)}`);
        return { engine, snapshots: [] };
      }
    }),
  );
  const items = snapshotRowsAcrossEngines(lists, new Date());
  if (items.length === 0) {
    void showInformationMessage('There are no snapshots yet on any engine. "Sandboxes: Snapshot Sandbox" saves the filesystem of a running sandbox as one.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Select a snapshot (each row names its engine)',
    matchOnDetail: true,
    matchOnDescription: true,
  });
  return picked && { ...picked.snapshot, engine: picked.engine };
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
