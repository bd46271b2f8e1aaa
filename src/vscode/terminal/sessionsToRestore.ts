/**
 * Which terminal sessions a window reattaches when it starts: the detached ones (no other window
 * shows them) opened by this workspace. The workspace tag (network/workspaceTag.ts) stays the same
 * when Open Sandbox Folder turns a folder window into an untitled workspace, so its terminals come
 * back after that reload too. Pure, so it is unit-tested.
 */
import type { SessionInfo } from '../../core';

export function sessionsToRestore(sessions: readonly SessionInfo[], workspace: string): SessionInfo[] {
  return sessions.filter((session) => session.attached === 0 && session.workspace === workspace).sort((a, b) => a.createdAt - b.createdAt);
}
