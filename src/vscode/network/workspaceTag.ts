/**
 * Which window's settings a sandbox follows. Sandboxes are tagged with a short hash of the
 * workspace they were created from, so a window re-applies network settings only to its own
 * sandboxes: another window, with other settings, never rewrites them. Pure, so it is unit-tested.
 */
import { createHash } from 'node:crypto';

/** The tag key on every sandbox created by the extension. */
export const WORKSPACE_TAG = 'workspace';

/** Sandboxes created in a window with no folder open follow the user settings only. */
export const NO_WORKSPACE = 'no-folder';

/**
 * `workspaceUri`: the `.code-workspace` file of a multi-root workspace, else the first folder,
 * as a URI string; `undefined` for a window with no folder.
 */
export function workspaceTagValue(workspaceUri: string | undefined): string {
  if (!workspaceUri) {
    return NO_WORKSPACE;
  }
  return createHash('sha256').update(workspaceUri).digest('hex').slice(0, 12);
}
