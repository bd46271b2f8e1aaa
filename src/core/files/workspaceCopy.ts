import type Docker from 'dockerode';
import { SandboxError, dockerMessage } from '../errors';
import type { ManifestStore, MountBaseline } from '../review/manifest';
import type { CreateOptions, Logger, SandboxSpec } from '../types';
import { copyMountsIn } from './mounts';

/**
 * The `copy` mounts of a new sandbox copied in (before it starts), with their baselines for
 * Review Sandbox Changes; a failure that is not already a SandboxError becomes EXEC_FAILED.
 */
export async function copyWorkspaceIn(container: Docker.Container, spec: SandboxSpec, options: CreateOptions): Promise<MountBaseline[]> {
  try {
    return await copyMountsIn(container, spec.mounts ?? [], options.onCopyProgress, options.signal);
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    throw new SandboxError(
      'EXEC_FAILED',
      `Copying the workspace into the sandbox failed: ${dockerMessage(error)}`,
      "Check that the folder is readable; for huge folders, keep .gitignore'd paths out (the default).",
      { cause: error },
    );
  }
}

/** A sandbox whose baseline cannot be kept still works; only its review is unavailable (logged). */
export function recordBaselines(manifests: ManifestStore, sandboxId: string, mounts: MountBaseline[], logger: Logger | undefined): void {
  try {
    manifests.write({ version: 1, sandboxId, createdAt: new Date().toISOString(), mounts });
  } catch (error) {
    logger?.warn(
      `Sandbox ${sandboxId}: the record of its workspace copy could not be kept, so Review Sandbox Changes will not work for it: ${String((error as Error)?.message ?? error)}`,
    );
  }
}
