import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** As the kernel's limit on links followed in one lookup. */
const MAX_LINKS = 40;

/**
 * Where `abs` leads on disk, resolved one component at a time as the kernel does: every link
 * followed where it stands (so `d/l/..` is the parent of l's *target*, not `d`), absolute
 * targets restarting at `/`. A missing component is taken as it is, as a file that may yet
 * be created; `..` after one, a loop, or a file used as a folder resolves to null (nowhere
 * sensible: treated as leading out).
 */
export async function resolvePhysically(abs: string): Promise<string | null> {
  let resolved = '/';
  const queue = abs.split('/').filter(Boolean);
  let links = 0;
  let missing = false;
  while (queue.length) {
    const part = queue.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      if (missing) return null;
      resolved = path.dirname(resolved);
      continue;
    }
    const next = path.join(resolved, part);
    if (missing) {
      resolved = next;
      continue;
    }
    const stat = await fs.lstat(next).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT') return null;
      if (code === 'ENOTDIR') return 'notdir' as const;
      throw error;
    });
    if (stat === 'notdir') return null;
    if (stat === null) {
      missing = true;
      resolved = next;
      continue;
    }
    if (stat.isSymbolicLink()) {
      if (++links > MAX_LINKS) return null;
      const target = await fs.readlink(next);
      if (target.startsWith('/')) resolved = '/';
      queue.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    if (!stat.isDirectory() && queue.some((p) => p !== '.')) return null;
    resolved = next;
  }
  return resolved;
}

/** Whether the link (or any path) at `abs` resolves on disk to `realRoot` or below it. */
export async function resolvesWithin(abs: string, realRoot: string): Promise<boolean> {
  const resolved = await resolvePhysically(abs);
  return resolved !== null && (resolved === realRoot || resolved.startsWith(realRoot + path.sep));
}
