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
 * The tag of a window, from its `.code-workspace` file (URI string, `untitled:` for an untitled
 * workspace) and its folders' URI strings, in order.
 *
 * Adding a sandbox folder (Open Sandbox Folder in Explorer) must not change it: that turns a folder
 * window into an untitled workspace, whose settings VS Code carries over from the folder, and the
 * sandboxes created before must keep following them (issue #14). So an untitled workspace is
 * tagged like the folder window it came from, by its first folder that is not in a sandbox, and
 * `sandbox:` folders never count (a window showing only sandboxes follows the user settings, as
 * one with no folder does). A saved `.code-workspace` file is a workspace the user named: its own.
 */
export function workspaceTagFor(workspaceFile: string | undefined, folders: readonly string[]): string {
  if (workspaceFile !== undefined && !workspaceFile.startsWith(`${UNTITLED_SCHEME}:`)) {
    return workspaceTagValue(workspaceFile);
  }
  return workspaceTagValue(folders.find((folder) => !folder.startsWith(`${SANDBOX_SCHEME}:`)));
}

/** The scheme VS Code gives `workspace.workspaceFile` of a workspace not saved yet. */
const UNTITLED_SCHEME = 'untitled';

export function workspaceTagValue(workspaceUri: string | undefined): string {
  if (!workspaceUri) {
    return NO_WORKSPACE;
  }
  return createHash('sha256').update(workspaceUri).digest('hex').slice(0, 12);
}
