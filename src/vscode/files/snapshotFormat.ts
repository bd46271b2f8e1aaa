/**
 * How snapshots are named in pickers, prompts and messages. Pure, so it is unit-tested. The
 * sandbox name is an image label and the ref an image name: whoever can use Docker chooses them,
 * so they pass through untrustedText.ts (picker rows and prompts render icons and links).
 */
import type { SnapshotInfo } from '../../core/types';
import { formatAge } from '../sandboxFormat';
import { labelText } from '../untrustedText';
import { formatBytes } from './fileFormat';

export interface SnapshotRow {
  label: string;
  description: string;
  detail: string;
  snapshot: SnapshotInfo;
}

/** Picker rows, newest first: the sandbox it was taken of; age · size; the image reference. */
export function snapshotRows(snapshots: readonly SnapshotInfo[], now: Date): SnapshotRow[] {
  return [...snapshots]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map((snapshot) => ({
      label: `$(device-camera) ${labelText(snapshot.sandboxName)}`,
      description: `${formatAge(snapshot.createdAt, now)} · ${formatBytes(snapshot.sizeBytes)}`,
      detail: labelText(snapshot.ref),
      snapshot,
    }));
}

/** One engine's snapshots, for a picker over several engines. */
export interface EngineSnapshots {
  engine: { key: string; name: string };
  snapshots: readonly SnapshotInfo[];
}

/** Picker rows over several engines, newest first whichever engine holds them; each says its engine. */
export function snapshotRowsAcrossEngines(lists: readonly EngineSnapshots[], now: Date): (SnapshotRow & { engine: string })[] {
  return lists
    .flatMap(({ engine, snapshots }) =>
      snapshotRows(snapshots, now).map((row) => ({ ...row, description: `${labelText(engine.name)} · ${row.description}`, engine: engine.key })),
    )
    .sort((a, b) => b.snapshot.createdAt.getTime() - a.snapshot.createdAt.getTime());
}

/** "snapshot of web (2 hours ago)", for titles and prompts. */
export function snapshotLabel(snapshot: SnapshotInfo, now = new Date()): string {
  return labelText(snapshot.sandboxId ? `snapshot of ${snapshot.sandboxName} (${formatAge(snapshot.createdAt, now)})` : snapshot.ref);
}
