/**
 * "Open Sandbox Folder in Explorer": adds a folder of a running sandbox to the workspace as
 * `sandbox://<id>/<path>`, so its files are browsed, searched by name, opened and saved like local
 * ones. Called as `(sandbox, path)` or with a `sandbox:` URI it asks nothing; otherwise it offers
 * the workspace folder, the root, or any folder picked in the sandbox. Returns the folder's URI.
 */
import * as vscode from 'vscode';
import { UserFacingError } from '../errors';
import { sandboxPathFromArg } from '../files/fileArgs';
import { editorStat } from '../files/fileStats';
import { sandboxUri } from '../files/sandboxFileSystemProvider';
import { pickSandboxPaths, resolveFileTarget, startFolder } from '../files/sandboxTargets';
import { workspaceFolderName } from '../files/sandboxUri';
import type { Sandbox } from '../../core';
import type { CommandContext } from './commandContext';
import { showWarningMessage } from '../uiText';

const TITLE = 'Open Sandbox Folder in Explorer';

export async function openSandboxFolder(context: CommandContext, sandboxArg?: unknown, pathArg?: unknown): Promise<string | undefined> {
  const target = await resolveFileTarget(context, sandboxArg, TITLE, 'open a folder');
  if (!target) {
    return undefined;
  }
  const { sandbox } = target;
  const path = sandboxPathFromArg(pathArg) ?? target.path ?? (await pickFolder(sandbox));
  if (path === undefined) {
    return undefined;
  }
  const stat = await editorStat(sandbox.files, await sandbox.files.stat(path));
  if (stat.type !== 'directory') {
    throw new UserFacingError(
      `${path} in sandbox "${sandbox.name}" is not a folder.`,
      'Choose a folder; open single files from the Explorer or with "Download from Sandbox…".',
    );
  }
  const uri = sandboxUri(sandbox.id, path);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const existing = folders.find((folder) => folder.uri.toString() === uri.toString());
  if (!existing) {
    const where = await askWhereIfReloading(sandbox.name, path);
    if (where === undefined) {
      return undefined;
    }
    if (where === 'newWindow') {
      context.log.info(`Opening ${uri.toString(true)} in a new window.`);
      await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
      return uri.toString();
    }
    // Appended, never first: changing the first folder restarts every extension (updateWorkspaceFolders' docs).
    const added = vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: workspaceFolderName(sandbox.name, path) });
    if (!added) {
      throw new UserFacingError(
        `VS Code did not add ${uri.toString(true)} to the workspace.`,
        'Try again once the workspace has finished changing, or add it with "File: Add Folder to Workspace…" and the URI above.',
      );
    }
    context.log.info(`Added ${uri.toString(true)} to the workspace as "${workspaceFolderName(sandbox.name, path)}".`);
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  return uri.toString();
}

/**
 * Adding a folder to a window that is not a multi-root workspace yet (one folder, or none) makes
 * VS Code reload the window: editors reopen, but terminals close and webviews restart. That is
 * not done without asking (issue #14); a new window changes nothing here. `undefined`: cancelled.
 */
async function askWhereIfReloading(sandboxName: string, path: string): Promise<'newWindow' | 'thisWindow' | undefined> {
  if (vscode.workspace.workspaceFile !== undefined) {
    return 'thisWindow'; // already a workspace: the folder is appended without a reload
  }
  const newWindow = 'Open in New Window';
  const thisWindow = 'Add to This Window (Reloads)';
  const single = (vscode.workspace.workspaceFolders ?? []).length > 0;
  const detail =
    (single
      ? 'Adding a second folder turns this window into a multi-root workspace, and VS Code reloads the window to do that. '
      : "Adding a folder to a window with none opens it as this window's folder, and VS Code reloads the window to do that. ") +
    'Editors, the Create Sandbox form and sandbox terminals (with their scrollback) come back; unsaved changes are kept. ' +
    'A new window leaves this one as it is.';
  const choice = await showWarningMessage(`Open ${path} of sandbox "${sandboxName}" in a new window, or add it to this one?`, { modal: true, detail }, newWindow, thisWindow);
  return choice === newWindow ? 'newWindow' : choice === thisWindow ? 'thisWindow' : undefined;
}

interface FolderItem extends vscode.QuickPickItem {
  path?: string;
}

async function pickFolder(sandbox: Sandbox): Promise<string | undefined> {
  const workspace = await startFolder(sandbox);
  const items: FolderItem[] = [
    ...(workspace === '/' ? [] : [{ label: `$(folder) ${workspace}`, description: 'the workspace in the sandbox', path: workspace }]),
    { label: '$(root-folder) /', description: 'the whole filesystem of the sandbox', path: '/' },
    { label: '$(folder-opened) Other Folder…', description: 'browse the sandbox' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `${TITLE} (sandbox ${sandbox.name})`, placeHolder: 'Which folder of the sandbox?' });
  if (!picked) {
    return undefined;
  }
  if (picked.path !== undefined) {
    return picked.path;
  }
  const [path] = (await pickSandboxPaths(sandbox, { title: TITLE, openLabel: 'Open in Explorer', files: false, folders: true })) ?? [];
  return path;
}
