/**
 * Copy-mode mounts of a pooled sandbox: the cold path copies the workspace in before the sandbox
 * starts (files/mounts.ts); a pooled sandbox has started already, so the copy goes in at claim,
 * through the running sandbox (the files API's upload: same `.gitignore` rules, same "changed
 * while copying" check). A copy that fails ends the sandbox, as a failed cold create leaves none.
 */
import { DEFAULT_MOUNT_TARGET } from '../files/mountSpec';
import type { Sandbox } from '../sandbox';
import type { CreateOptions, SandboxSpec } from '../types';

export async function copyAtClaim(sandbox: Sandbox, spec: SandboxSpec, options: CreateOptions): Promise<void> {
  const copies = (spec.mounts ?? []).filter((m) => m.mode === 'copy');
  try {
    for (const mount of copies) {
      options.onProgress?.(`Copying ${mount.source} into sandbox ${sandbox.name}…`);
      await sandbox.files.upload(mount.source, mount.target ?? DEFAULT_MOUNT_TARGET, { includeIgnored: mount.includeIgnored, onProgress: options.onCopyProgress, signal: options.signal });
    }
  } catch (error) {
    await sandbox.terminate().catch(() => undefined);
    throw error;
  }
}
