import * as fs from 'node:fs';
import type Docker from 'dockerode';
import { SandboxError } from '../errors';
import type { CopyProgress, WorkspaceMount } from '../types';
import { changedDuringCopy, walkHost } from './hostTree';
import { ProgressTracker } from './progress';
import { DEFAULT_MOUNT_TARGET } from './mountSpec';
import { packHostTree } from './tar';
import { newBaseline, type MountBaseline } from '../review/manifest';

/** Every mount's source must be an existing folder: a typo must not become an empty workspace. */
export function assertSourcesExist(mounts: WorkspaceMount[]): void {
  for (const mount of mounts) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(mount.source);
    } catch {
      throw new SandboxError('INVALID_SPEC', `The workspace folder ${mount.source} does not exist.`, 'Open or choose an existing folder, or remove the mount.');
    }
    if (!stat.isDirectory()) throw new SandboxError('INVALID_SPEC', `The workspace path ${mount.source} is a file, not a folder.`, 'Mount the folder that contains it.');
  }
}

/**
 * `readonly` and `readwrite` mount a folder of the engine's host: on a remote engine that is not
 * the user's folder but a same-named one over there (or nothing), so they are refused; `copy`
 * sends the files through the engine's connection and works anywhere.
 */
export function assertMountsReachable(mounts: WorkspaceMount[], localEngine: boolean, endpoint: string): void {
  const bound = mounts.find((m) => m.mode !== 'copy');
  if (!bound || localEngine) return;
  throw new SandboxError(
    'INVALID_SPEC',
    `The workspace folder ${bound.source} cannot be mounted ${bound.mode} on the Docker engine at ${endpoint}: that engine runs on another machine, where this folder does not exist.`,
    'Use mode "copy" (the files are copied in through the engine\'s connection), or a Docker engine on this machine.',
  );
}

/** Docker bind specs for the readwrite mounts. */
export function bindsOf(mounts: WorkspaceMount[] | undefined): string[] | undefined {
  const binds = (mounts ?? []).filter((m) => m.mode === 'readwrite').map((m) => `${m.source}:${m.target ?? DEFAULT_MOUNT_TARGET}:rw`);
  return binds.length ? binds : undefined;
}

/**
 * The readonly mounts, as anonymous volumes of the `local` driver that bind the folder with
 * `o=bind,ro`. Not a plain `:ro` bind: with runsc 20240729 a read-only bind refuses writes with
 * EROFS, yet `open(O_TRUNC)` still truncates the host file (gVisor's gofer opens it writable).
 * The volume is a bind mount that the host kernel itself makes read-only (Docker remounts it
 * ro), so nothing in the sandbox can change the folder. `docker rm -v` (terminate) removes it.
 */
export function readonlyMountsOf(mounts: WorkspaceMount[] | undefined, labels: Record<string, string>): Docker.MountSettings[] | undefined {
  const ro = (mounts ?? []).filter((m) => m.mode === 'readonly');
  if (!ro.length) return undefined;
  // No `ReadOnly` flag: Docker refuses it on anonymous volumes, and the kernel enforces it anyway.
  return ro.map((m) => ({
    Type: 'volume' as const,
    Source: '',
    Target: m.target ?? DEFAULT_MOUNT_TARGET,
    VolumeOptions: {
      // Docker would otherwise copy the image's files at the target into the volume, i.e.
      // into the user's folder.
      NoCopy: true,
      Labels: labels,
      DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind,ro', device: m.source } },
    },
  }));
}

/**
 * Copies the `copy` mounts into a created, not yet started container through Docker's archive
 * endpoint. Before start is the one moment this is right under gVisor: the files land in the
 * container's root filesystem, which the sandbox then sees as its lower layer (after start,
 * its own writes shadow them in memory). One archive for all mounts, one progress.
 * Returns what was sent, per mount, hashed as it went: the baseline of Review Sandbox Changes.
 */
export async function copyMountsIn(
  container: Docker.Container,
  mounts: WorkspaceMount[],
  onProgress?: (p: CopyProgress) => void,
  signal?: AbortSignal,
): Promise<MountBaseline[]> {
  const copies = mounts.filter((m) => m.mode === 'copy');
  if (!copies.length) return [];
  const trees = await Promise.all(copies.map((m) => walkHost(m.source, { includeIgnored: m.includeIgnored })));
  const progress = new ProgressTracker(
    trees.reduce((n, t) => n + t.totalFiles, 0),
    trees.reduce((n, t) => n + t.totalBytes, 0),
    onProgress,
  );
  const baselines: MountBaseline[] = [];
  for (const [i, mount] of copies.entries()) {
    const target = mount.target ?? DEFAULT_MOUNT_TARGET;
    const baseline = newBaseline(mount.source, target, trees[i].skipped);
    const archive = packHostTree(trees[i], target.slice(1), progress, { parents: true, signal, record: (rel, state) => (baseline.entries[rel] = state) });
    await container.putArchive(archive, { path: '/' });
    baselines.push(baseline);
  }
  progress.finish();
  const changed = copies.flatMap((m, i) => trees[i].changed.map((rel) => `${m.target ?? DEFAULT_MOUNT_TARGET}/${rel}`));
  if (changed.length) throw changedDuringCopy(changed);
  return baselines;
}
