/**
 * Which window's settings a sandbox follows. Sandboxes are tagged with a short hash of the
 * workspace they were created from, so a window re-applies network settings only to its own
 * sandboxes: another window, with other settings, never rewrites them. Pure, so it is unit-tested.
 */
import { createHash } from 'node:crypto';
import { SANDBOX_SCHEME } from '../files/sandboxUri';

/** The tag key on every sandbox created by the extension. */
export const WORKSPACE_TAG = 'workspace';

/** Sandboxes created in a window with no folder open follow the user settings only. */
export const NO_WORKSPACE = 'no-folder';

/**
 * `workspaceUri`: the `.code-workspace` file of a multi-root workspace, else the first folder,
 * as a URI string; `undefined` for a window with no folder.
 */
/**
 * The tag of a window, from its `.code-workspace` file (URI string; `untitled:` for an untitled
 * workspace in desktop VS Code) and its folders' URI strings, in order.
 *
 * Adding a sandbox folder (Open Sandbox Folder in Explorer) must not change it: that turns a folder
 * window into an untitled workspace — whose settings VS Code copies from the folder — and the
 * sandboxes created before must keep following them (issue #14). code-server keeps that untitled
 * workspace as an ordinary `file:` `.code-workspace` in its user data, and does not carry the
 * window's workspaceState over, so neither the scheme nor stored state can tell it apart: the rule
 * is on the folders. `sandbox:` folders never count (they are views into sandboxes, not the
 * project); a window with one local folder is that folder's window, whatever else it shows; a
 * workspace of several local folders is its `.code-workspace` file's; no local folder follows the
 * user settings, as a window with no folder does.
 */
export function workspaceTagFor(workspaceFile: string | undefined, folders: readonly string[]): string {
  const local = folders.filter((folder) => !folder.startsWith(`${SANDBOX_SCHEME}:`));
  if (local.length > 1 && workspaceFile !== undefined && !workspaceFile.startsWith('untitled:')) {
    return workspaceTagValue(workspaceFile);
  }
  return workspaceTagValue(local[0]);
}

export function workspaceTagValue(workspaceUri: string | undefined): string {
  if (!workspaceUri) {
    return NO_WORKSPACE;
  }
  return createHash('sha256').update(workspaceUri).digest('hex').slice(0, 12);
}

/** Whether `value` is a tag this module makes (a stored one is checked before it is used). */
export function isWorkspaceTagValue(value: string): boolean {
  return value === NO_WORKSPACE || /^[0-9a-f]{12}$/.test(value);
}
