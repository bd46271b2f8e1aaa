/**
 * Reloads a window that code-server opened without its workspace's folders (files/lostFolders.ts
 * says when), once per workspace file: the folders, and this workspace's sandbox terminals, come
 * back. Not awaited by activation.
 */
import * as vscode from 'vscode';
import type { ExtensionLog } from '../log';
import { shouldReloadForLostFolders } from './lostFolders';

const LAST_RELOAD_KEY = 'sandboxes.lostFoldersReload';
/** Folders that arrive a moment after activation are not lost: waited for this long. */
const SETTLE_MS = 3000;

export async function reloadIfFoldersLost(state: vscode.Memento, log: ExtensionLog): Promise<boolean> {
  const file = vscode.workspace.workspaceFile;
  if (!file || (vscode.workspace.workspaceFolders ?? []).length > 0) return false;
  await foldersOrTimeout(SETTLE_MS);
  const fileText = await vscode.workspace.fs.readFile(file).then(
    (bytes) => Buffer.from(bytes).toString('utf8'),
    () => undefined,
  );
  const now = Date.now();
  const reload = shouldReloadForLostFolders({
    workspaceFile: file.toString(),
    folderCount: (vscode.workspace.workspaceFolders ?? []).length,
    fileText,
    lastReload: state.get<{ file: string; at: number }>(LAST_RELOAD_KEY),
    now,
  });
  if (!reload) return false;
  log.info(
    `This window opened ${file.toString(true)} without the folders the file lists (a code-server race after a folder window became a workspace); reloading once to read it again.`,
  );
  await state.update(LAST_RELOAD_KEY, { file: file.toString(), at: now });
  await vscode.commands.executeCommand('workbench.action.reloadWindow');
  return true;
}

function foldersOrTimeout(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const listener = vscode.workspace.onDidChangeWorkspaceFolders(done);
    function done(): void {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    }
  });
}
