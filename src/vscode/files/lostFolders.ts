/**
 * Whether a window opened a workspace without the folders its file lists, and may reload once to
 * read them again. "Add to This Window (Reloads)" (Open Sandbox Folder) turns a folder window into
 * an untitled workspace; code-server sometimes opens that workspace with no folders at all ("No
 * folder opened", `workspaceFolders` empty for good) although the file on disk lists them — about
 * one in four times on a 2-core machine, and in every try of one CI run. A reload reads the file
 * again and shows the folders, and with them this workspace's terminals. Pure, so it is unit-tested.
 */

/** How long a reload for one workspace file counts as "just done" (no second one in a loop). */
export const RELOAD_GUARD_MS = 120_000;

export interface LostFoldersInput {
  /** The window's workspace file as a URI string; `undefined` for a folder or empty window. */
  workspaceFile: string | undefined;
  /** How many folders VS Code gave the window. */
  folderCount: number;
  /** The workspace file's text, `undefined` where it cannot be read. */
  fileText: string | undefined;
  /** The last reload this made: for which file, when (ms since the epoch). */
  lastReload: { file: string; at: number } | undefined;
  now: number;
}

export function shouldReloadForLostFolders(input: LostFoldersInput): boolean {
  if (input.workspaceFile === undefined || input.folderCount > 0 || input.fileText === undefined) return false;
  if (input.lastReload?.file === input.workspaceFile && input.now - input.lastReload.at < RELOAD_GUARD_MS) return false;
  return listedFolders(input.fileText) > 0;
}

/** The folders a workspace file lists; 0 when it is not plain JSON (a file with comments is left alone). */
export function listedFolders(text: string): number {
  try {
    const parsed: unknown = JSON.parse(text);
    const folders = (parsed as { folders?: unknown } | null)?.folders;
    return Array.isArray(folders) ? folders.length : 0;
  } catch {
    return 0;
  }
}
