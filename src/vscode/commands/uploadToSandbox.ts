/**
 * "Upload to Sandbox…": copies files and folders from this machine (the one running the extension
 * host) into a folder of a running sandbox, with progress in a cancellable notification. Folders
 * leave out what their .gitignore files exclude unless `sandboxes.workspace.includeIgnored` is on.
 * An upload onto an existing folder merges: same-named files are replaced, others kept.
 * Called as `(sandbox or sandbox folder URI, hostPaths, folder?)` it asks nothing. Returns the
 * paths written in the sandbox.
 */
import { basename, posix } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import { hostPathsFromArg, sandboxPathFromArg, withoutExplorerSelection } from '../files/fileArgs';
import { formatCopyProgress, progressIncrements } from '../files/fileFormat';
import { editorStat } from '../files/fileStats';
import { sandboxUri } from '../files/sandboxFileSystemProvider';
import { hostStartUri, pickSandboxPaths, resolveFileTarget } from '../files/sandboxTargets';
import { readWorkspaceMountSettings } from '../settings';
import type { CommandContext } from './commandContext';
import { showInformationMessage, showWarningMessage, withProgress } from '../uiText';

const TITLE = 'Upload to Sandbox';

export async function uploadToSandbox(context: CommandContext, targetArg?: unknown, hostPathsOrSelection?: unknown, folderArg?: unknown): Promise<string[] | undefined> {
  const hostPathsArg = withoutExplorerSelection(hostPathsOrSelection);
  const target = await resolveFileTarget(context, targetArg, TITLE, 'upload files');
  if (!target) {
    return undefined;
  }
  const { sandbox } = target;
  const interactive = hostPathsArg === undefined;
  const hostPaths = hostPathsFromArg(hostPathsArg) ?? (await pickHostPaths());
  if (!hostPaths) {
    return undefined;
  }
  const folder =
    sandboxPathFromArg(folderArg) ??
    (target.path !== undefined
      ? await folderOf(sandbox, target.path)
      : (await pickSandboxPaths(sandbox, { title: TITLE, openLabel: 'Upload Here', files: false, folders: true }))?.[0]);
  if (folder === undefined) {
    return undefined;
  }
  const uploads = hostPaths.map((hostPath) => ({ hostPath, destination: posix.join(folder, basename(hostPath)) }));
  if (
    interactive &&
    !(await confirmReplacing(
      sandbox,
      uploads.map((u) => u.destination),
    ))
  ) {
    return undefined;
  }

  const { includeIgnored } = readWorkspaceMountSettings();
  await withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Uploading to ${folder} in sandbox ${sandbox.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      try {
        for (const [i, { hostPath, destination }] of uploads.entries()) {
          const increments = progressIncrements();
          const prefix = uploads.length > 1 ? `${basename(hostPath)} (${i + 1} of ${uploads.length}): ` : '';
          await sandbox.files.upload(hostPath, destination, {
            includeIgnored,
            signal: abort.signal,
            onProgress: (p) => progress.report({ message: `${prefix}${formatCopyProgress(p)}`, increment: increments(p) / uploads.length }),
          });
        }
      } finally {
        cancellation.dispose();
        // Also after a failure or cancellation: some files may have arrived.
        context.files.notifyChanged(sandboxUri(sandbox.id, folder));
      }
    },
  );
  const written = uploads.map((u) => u.destination);
  context.log.info(`Uploaded ${hostPaths.join(', ')} to sandbox ${sandbox.name}: ${written.join(', ')}.`);
  void showInformationMessage(`Uploaded ${uploads.length === 1 ? written[0] : `${uploads.length} items to ${folder}`} in sandbox "${sandbox.name}".`);
  return written;
}

/**
 * Desktop VS Code's native dialog on Windows and Linux cannot offer files and folders at once
 * (it becomes a folder picker); VS Code's own dialog (browser, remote) and macOS's can.
 */
async function pickHostPaths(): Promise<string[] | undefined> {
  const nativeLimits = vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName && process.platform !== 'darwin';
  let folders = true;
  let files = true;
  if (nativeLimits) {
    const kind = await vscode.window.showQuickPick(['Files…', 'Folder…'], { title: TITLE, placeHolder: 'Upload files or a folder?' });
    if (!kind) return undefined;
    folders = kind === 'Folder…';
    files = !folders;
  }
  const picked = await vscode.window.showOpenDialog({
    title: `${TITLE}: what to upload`,
    openLabel: 'Upload',
    defaultUri: hostStartUri(),
    canSelectFiles: files,
    canSelectFolders: folders,
    canSelectMany: true,
  });
  return picked && picked.length > 0 ? picked.map((uri) => uri.fsPath) : undefined;
}

/** The folder a URI names, or the folder of the file it names (the Explorer's menu on a file). */
async function folderOf(sandbox: Sandbox, path: string): Promise<string> {
  const stat = await editorStat(sandbox.files, await sandbox.files.stat(path));
  return stat.type === 'directory' ? path : posix.dirname(path);
}

async function confirmReplacing(sandbox: Sandbox, destinations: string[]): Promise<boolean> {
  const existing = (
    await Promise.all(
      destinations.map(async (path) =>
        (await sandbox.files.stat(path).then(
          () => true,
          () => false,
        ))
          ? path
          : undefined,
      ),
    )
  ).filter((path): path is string => path !== undefined);
  if (existing.length === 0) {
    return true;
  }
  const replace = 'Replace';
  const answer = await showWarningMessage(
    `${existing.length === 1 ? existing[0] : `${existing.length} of these`} exist${existing.length === 1 ? 's' : ''} in sandbox "${sandbox.name}" already. Replace with the files from this machine?`,
    { modal: true, detail: 'Files of the same name are overwritten; files that are only in the sandbox are kept.' },
    replace,
  );
  return answer === replace;
}
