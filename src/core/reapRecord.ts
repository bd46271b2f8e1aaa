/**
 * What the lifetime reaper ended and why, kept beside its pid file in the user's private run
 * directory (runDir.ts): Docker records no reason for a kill, and a SIGKILL from the reaper looks
 * exactly like one from `docker kill`. One small file per container, named by its id; files older
 * than a week are pruned when a new one is written. Read by `Sandbox.ending()` (endReason.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNoFollow, replaceFile } from './runDir';

export type ReapReason = 'timeout' | 'idle';

const PREFIX = 'ended-';
const KEEP_MS = 7 * 24 * 3600_000;

function recordFile(runDir: string, containerId: string): string | null {
  // Container ids are 64 hex digits: anything else is not a name this module makes.
  return /^[0-9a-f]{12,64}$/.test(containerId) ? path.join(runDir, `${PREFIX}${containerId}`) : null;
}

export function recordReaped(runDir: string, containerId: string, reason: ReapReason, now = Date.now()): void {
  const file = recordFile(runDir, containerId);
  if (!file) return;
  replaceFile(file, reason);
  for (const name of fs.readdirSync(runDir)) {
    if (!name.startsWith(PREFIX)) continue;
    const other = path.join(runDir, name);
    try {
      if (now - fs.lstatSync(other).mtimeMs > KEEP_MS) fs.rmSync(other, { force: true });
    } catch {
      // Removed meanwhile by another reaper's pruning.
    }
  }
}

/** Why the reaper ended the container, or null when it did not (or the record is gone). */
export function readReaped(runDir: string, containerId: string): ReapReason | null {
  const file = recordFile(runDir, containerId);
  const text = file ? readNoFollow(file)?.trim() : null;
  return text === 'timeout' || text === 'idle' ? text : null;
}
