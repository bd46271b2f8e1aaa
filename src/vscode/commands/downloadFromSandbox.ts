/**
 * "Download from Sandbox…": copies a file or folder of a running sandbox to this machine (the one
 * running the extension host), with progress in a cancellable notification. The sandbox path is
 * picked in VS Code's file dialog browsing the sandbox; the destination in a save dialog (a file)
 * or a folder dialog (a folder). Called as `(sandbox URI, hostPath)` it asks nothing. Returns the
 * path written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Sandbox } from '../../core';
import type { ConfigFolderAnswer, ConfigFoldersFound } from '../../core/types';
import { LEAVE_THEM_OUT, WRITE_THEM, answerOf, configFolderQuestion } from '../files/configFolderPrompt';
import { baseName } from '../files/sandboxUri';
import { hostPathsFromArg, withoutExplorerSelection } from '../files/fileArgs';
import { formatBytes, formatCopyProgress, progressIncrements } from '../files/fileFormat';
import { editorStat } from '../files/fileStats';
import { hostStartUri, pickSandboxPaths, resolveFileTarget } from '../files/sandboxTargets';
import type { CommandContext } from './commandContext';
import { showInformationMessage, showWarningMessage, withProgress } from '../uiText';

const TITLE = 'Download from Sandbox';

export async function downloadFromSandbox(context: CommandContext, sourceArg?: unknown, hostPathOrSelection?: unknown): Promise<string | undefined> {
  const hostPathArg = withoutExplorerSelection(hostPathOrSelection);
  const target = await resolveFileTarget(context, sourceArg, TITLE, 'download files');
  if (!target) {
    return undefined;
  }
  const { sandbox } = target;
  const source = target.path ?? (await pickSandboxPaths(sandbox, { title: TITLE, openLabel: 'Download', files: true, folders: true }))?.[0];
  if (source === undefined) {
    return undefined;
  }
  const isFolder = (await editorStat(sandbox.files, await sandbox.files.stat(source))).type === 'directory';
  const hostPath = hostPathsFromArg(hostPathArg)?.[0] ?? (await pickDestination(source, isFolder));
  if (hostPath === undefined) {
    return undefined;
  }

  const totals = await download(sandbox, source, hostPath);
  context.log.info(`Downloaded ${source} from sandbox ${sandbox.name} to ${hostPath} (${totals}).`);
  void showDone(sandbox, source, hostPath, isFolder, totals).catch((err: unknown) => context.log.failure('showing the download', err));
  return hostPath;
}

/** A file: a save dialog (which asks before replacing). A folder: where to put it, and a question if it is there already. */
async function pickDestination(source: string, isFolder: boolean): Promise<string | undefined> {
  const name = baseName(source);
  const start = hostStartUri();
  if (!isFolder) {
    const uri = await vscode.window.showSaveDialog({
      title: `${TITLE}: save ${source} as`,
      saveLabel: 'Download',
      defaultUri: start ? vscode.Uri.joinPath(start, name) : undefined,
    });
    return uri?.fsPath;
  }
  const [parent] =
    (await vscode.window.showOpenDialog({
      title: `${TITLE}: where should the folder ${name} go?`,
      openLabel: 'Download Here',
      defaultUri: start,
      canSelectFiles: false,
      canSelectFolders: true,
    })) ?? [];
  if (!parent) {
    return undefined;
  }
  const destination = join(parent.fsPath, name);
  if (existsSync(destination)) {
    const replace = 'Replace';
    const answer = await showWarningMessage(
      `${destination} exists already. Replace the files in it with the sandbox's?`,
      { modal: true, detail: 'Files of the same name are overwritten; files that are only here are kept.' },
      replace,
    );
    if (answer !== replace) {
      return undefined;
    }
  }
  return destination;
}

/** Returns "12 files, 3.4 MB" for the messages. */
async function download(sandbox: Sandbox, source: string, hostPath: string): Promise<string> {
  return withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Downloading ${source} from sandbox ${sandbox.name}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancellation = token.onCancellationRequested(() => abort.abort());
      const increments = progressIncrements();
      let totals = '';
      try {
        await sandbox.files.download(source, hostPath, {
          signal: abort.signal,
          configFolders: askAboutConfigFolders,
          onProgress: (p) => {
            totals = `${p.totalFiles} file${p.totalFiles === 1 ? '' : 's'}, ${formatBytes(p.totalBytes)}`;
            progress.report({ message: formatCopyProgress(p), increment: increments(p) });
          },
        });
      } finally {
        cancellation.dispose();
      }
      return totals;
    },
  );
}

/**
 * Asked before anything is written when the download holds .git or .vscode folders: they are
 * written (hooks executable) only if the user says so; dismissing cancels the download.
 */
async function askAboutConfigFolders(found: ConfigFoldersFound): Promise<ConfigFolderAnswer> {
  const { message, detail } = configFolderQuestion(found);
  const answer = answerOf(await showWarningMessage(message, { modal: true, detail }, WRITE_THEM, LEAVE_THEM_OUT));
  if (!answer) {
    throw new vscode.CancellationError();
  }
  return answer;
}

async function showDone(sandbox: Sandbox, source: string, hostPath: string, isFolder: boolean, totals: string): Promise<void> {
  const open = isFolder ? 'Reveal in Explorer' : 'Open';
  const choice = await showInformationMessage(`Downloaded ${source} from sandbox "${sandbox.name}" to ${hostPath}${totals ? ` (${totals})` : ''}.`, open);
  const uri = vscode.Uri.file(hostPath);
  if (choice === open) {
    await (isFolder ? vscode.commands.executeCommand('revealInExplorer', uri) : vscode.window.showTextDocument(uri));
  }
}
