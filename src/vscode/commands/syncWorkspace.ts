/**
 * "Sync Workspace to Sandbox": copies the workspace folders into a running sandbox again, where
 * they were copied at creation (copy mode), so the sandbox has your latest edits. It merges:
 * changed files are replaced, files the sandbox made (builds, installed packages) are kept, and
 * files deleted here stay there. Bind mounts need no sync. Returns the number of files copied.
 */
import * as vscode from 'vscode';
import type { WorkspaceMount } from '../../core/types';
import { UserFacingError } from '../errors';
import { formatBytes, formatCopyProgress, progressIncrements } from '../files/fileFormat';
import { sandboxUri } from '../files/sandboxFileSystemProvider';
import { resolveFileTarget } from '../files/sandboxTargets';
import { syncPlan } from '../files/workspaceMounts';
import { readWorkspaceMountSettings } from '../settings';
import type { CommandContext } from './commandContext';
import { showInformationMessage, withProgress } from '../uiText';

const TITLE = 'Sync Workspace to Sandbox';

export async function syncWorkspace(context: CommandContext, sandboxArg?: unknown): Promise<number | undefined> {
  const target = await resolveFileTarget(context, sandboxArg, TITLE, 'sync the workspace');
  if (!target) {
    return undefined;
  }
  const { sandbox } = target;
  const info = await sandbox.info();
  const plan = syncPlan(recordedMounts(info), readWorkspaceMountSettings(), vscode.workspace.workspaceFolders ?? []);
  if (plan.kind === 'nothing') {
    throw new UserFacingError('There is no workspace folder on this machine to copy into the sandbox.', 'Open a folder, or copy files with "Sandboxes: Upload to Sandbox…".');
  }
  if (plan.kind === 'live') {
    const how = plan.mounts.every((m) => m.mode === 'readonly') ? 'read-only' : 'read-write';
    void showInformationMessage(`Sandbox "${sandbox.name}" has the workspace mounted ${how}: it sees your files as they are, so there is nothing to sync.`);
    return 0;
  }

  let files = 0;
  let bytes = 0;
  await withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Syncing the workspace to sandbox ${sandbox.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      try {
        for (const mount of plan.mounts) {
          const increments = progressIncrements();
          let last = { files: 0, bytes: 0 };
          await sandbox.files.upload(mount.source, mount.target ?? '/workspace', {
            includeIgnored: mount.includeIgnored,
            signal: abort.signal,
            onProgress: (p) => {
              last = p;
              progress.report({ message: `${mount.target}: ${formatCopyProgress(p)}`, increment: increments(p) / plan.mounts.length });
            },
          });
          files += last.files;
          bytes += last.bytes;
        }
      } finally {
        cancellation.dispose();
        for (const mount of plan.mounts) context.files.notifyChanged(sandboxUri(sandbox.id, mount.target ?? '/workspace'));
      }
    },
  );
  const where = plan.mounts.map((m) => m.target).join(', ');
  context.log.info(`Synced ${files} files (${formatBytes(bytes)}) to ${where} in sandbox ${sandbox.name}.`);
  void showInformationMessage(
    `Copied ${files} file${files === 1 ? '' : 's'} (${formatBytes(bytes)}) to ${where} in sandbox "${sandbox.name}". Files deleted here are still in the sandbox.`,
  );
  return files;
}

/** The mounts the sandbox was created with, when the engine recorded them. */
function recordedMounts(info: object): WorkspaceMount[] | undefined {
  const mounts = (info as { mounts?: unknown }).mounts;
  return Array.isArray(mounts) ? (mounts as WorkspaceMount[]) : undefined;
}
