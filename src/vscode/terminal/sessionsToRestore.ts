/**
 * Which terminal sessions a window reattaches when it starts: detached ones (nobody else shows
 * them) of this workspace, of an earlier workspace of this window (Open Sandbox Folder turns a
 * folder window into a workspace with another tag), or handed over by the window that reloaded.
 * Pure, so it is unit-tested.
 */
import type { SessionInfo } from '../../core';

export interface RestoreScope {
  /** This window's workspace tag (settings.ts `currentWorkspaceTag`). */
  workspace: string;
  /** Sessions this workspace adopted before (kept in its workspace state). */
  adopted: ReadonlySet<string>;
  /** Sessions the window handed over just before it reloaded into another workspace. */
  handedOver: ReadonlySet<string>;
}

export function sessionsToRestore(sessions: readonly SessionInfo[], scope: RestoreScope): SessionInfo[] {
  return sessions
    .filter((session) => session.attached === 0)
    .filter((session) => session.workspace === scope.workspace || scope.adopted.has(session.id) || scope.handedOver.has(session.id))
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** A hand-over is for the reload that follows it, not for a window opened days later. */
export const HANDOVER_MAX_AGE_MS = 5 * 60_000;

export interface Handover {
  sessionIds: string[];
  at: number;
}

export function handedOverIds(handover: unknown, now: number): Set<string> {
  const value = handover as Partial<Handover> | undefined;
  if (!value || typeof value.at !== 'number' || !Array.isArray(value.sessionIds) || now - value.at > HANDOVER_MAX_AGE_MS || value.at > now + 60_000) return new Set();
  return new Set(value.sessionIds.filter((id): id is string => typeof id === 'string'));
}
