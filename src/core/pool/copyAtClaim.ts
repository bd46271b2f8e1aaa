/**
 * Copy-mode mounts of a claimed pool member. The cold path copies the workspace in before the
 * sandbox starts (files/mounts.ts); a pooled sandbox is running already, so the copy goes in at
 * claim, through the running sandbox: the files API's upload, with the same `.gitignore` rules and
 * "changed while copying" check, hashing what it sends as the cold path does, so Review Sandbox
 * Changes has its baseline. A copy that fails ends the sandbox, as a failed cold create leaves none.
 *
 * One difference: the copy is not in Docker's view of the container's root filesystem, so a
 * discard whose workspace file has changed meanwhile reports a conflict instead of restoring the
 * original from there (review/copiedOriginal.ts).
 */
import { SandboxError } from '../errors';
import { ExecSandboxFiles } from '../files/sandboxFiles';
import { DEFAULT_MOUNT_TARGET } from '../files/mountSpec';
import type { MountBaseline } from '../review/manifest';
import type { Sandbox } from '../sandbox';
import type { CreateOptions, SandboxSpec } from '../types';

export async function copyAtClaim(sandbox: Sandbox, spec: SandboxSpec, options: CreateOptions, record: (baselines: MountBaseline[]) => void): Promise<Sandbox> {
  const copies = (spec.mounts ?? []).filter((m) => m.mode === 'copy');
  if (!copies.length) return sandbox;
  try {
    const files = sandbox.files;
    if (!(files instanceof ExecSandboxFiles)) throw new SandboxError('EXEC_FAILED', 'This sandbox cannot take a workspace copy.', 'Create it without a warm pool.');
    const baselines: MountBaseline[] = [];
    for (const mount of copies) {
      options.onProgress?.(`Copying ${mount.source} into sandbox ${sandbox.name}…`);
      const sent = { includeIgnored: mount.includeIgnored, onProgress: options.onCopyProgress, signal: options.signal };
      baselines.push(await files.uploadRecorded(mount.source, mount.target ?? DEFAULT_MOUNT_TARGET, sent));
    }
    record(baselines);
    return sandbox;
  } catch (error) {
    await sandbox.terminate().catch(() => undefined);
    throw error;
  }
}
