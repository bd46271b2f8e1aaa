/**
 * What the editor needs to know about a path in a sandbox. The engine reports symlinks as links
 * (lstat); VS Code wants a link typed as what it points to, plus a "link" flag, so the Explorer
 * can open a linked file and expand a linked folder. Pure (the engine's `stat` is passed in), so
 * it is unit-tested with a fake.
 */
import type { FileStat, FileType, SandboxFiles } from '../../core/types';
import { resolveLinkTarget } from './sandboxUri';

/** Links followed before giving up, as the kernel's ELOOP limit for a path's last component. */
const MAX_LINK_HOPS = 40;

export interface EditorStat {
  /** What the path is, after following links; `other` also for a dangling or looping link. */
  type: FileType;
  /** The path itself is a symlink. */
  isLink: boolean;
  size: number;
  mtimeMs: number;
  /** Permission bits of what the path resolves to. */
  mode: number;
}

export async function editorStat(files: Pick<SandboxFiles, 'stat'>, stat: FileStat): Promise<EditorStat> {
  if (stat.type !== 'symlink') {
    return { type: stat.type, isLink: false, size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode };
  }
  let target = stat;
  for (let hops = 0; target.type === 'symlink' && hops < MAX_LINK_HOPS; hops++) {
    try {
      target = await files.stat(resolveLinkTarget(target.path, target.linkTarget ?? ''));
    } catch {
      // Dangling: still listed (as `ls` does), but nothing to open.
      return { type: 'other', isLink: true, size: stat.size, mtimeMs: stat.mtimeMs, mode: stat.mode };
    }
  }
  const type = target.type === 'symlink' ? 'other' : target.type;
  return { type, isLink: true, size: target.size, mtimeMs: target.mtimeMs, mode: target.mode };
}
