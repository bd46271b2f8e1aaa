/**
 * The host files this window's workspace settings come from: each local folder's
 * `.vscode/settings.json` and the `.code-workspace` file, each as opened and with symlinks
 * resolved (Docker reports a bind mount's source as it was given, which may be either). Files
 * that do not exist yet count too: a sandbox that can write the folder can create them.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';

export function workspaceSettingsFiles(): string[] {
  const files: string[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme === 'file') files.push(join(folder.uri.fsPath, '.vscode', 'settings.json'));
  }
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === 'file') files.push(workspaceFile.fsPath);
  return [...new Set(files.flatMap((file) => [file, resolved(file)]))];
}

/** The path with its longest existing ancestor's symlinks resolved. */
function resolved(path: string): string {
  const rest: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch {
      if (dirname(current) === current) return path;
      rest.push(basename(current));
    }
  }
}
