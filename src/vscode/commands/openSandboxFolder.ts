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
    throw new UserFacingError(`${path} in sandbox "${sandbox.name}" is not a folder.`, 'Choose a folder; open single files from the Explorer or with "Download from Sandbox…".');
  }
  const uri = sandboxUri(sandbox.id, path);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const existing = folders.find((folder) => folder.uri.toString() === uri.toString());
  if (!existing) {
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
