/**
 * Which files a sandbox created, changed and deleted in a `copy` mount, from two path → state
 * maps: the baseline recorded when the workspace was copied in (manifest.ts) and what the
 * sandbox holds now (sandboxTree.ts). Pure: no Node modules, no I/O.
 */
import type { FileChangeKind, TreeState } from '../types';

export interface TreeDiffEntry {
  kind: FileChangeKind;
  rel: string;
  before?: TreeState;
  after?: TreeState;
}

/**
 * Same content: files by hash and permission bits (a `chmod +x` is a change), symlinks by
 * target (a link's own mode means nothing on Linux). Missing equals missing.
 */
export function sameState(a: TreeState | undefined | null, b: TreeState | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  if (a.type === 'file' && b.type === 'file') return a.hash === b.hash && (a.mode & 0o7777) === (b.mode & 0o7777);
  if (a.type === 'symlink' && b.type === 'symlink') return a.linkTarget === b.linkTarget;
  return false;
}

/** Same bytes (or link target), whatever the mode: what a conflict check asks of the workspace's file. */
export function sameContent(a: TreeState | undefined | null, b: TreeState | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  if (a.type === 'file' && b.type === 'file') return a.hash === b.hash;
  if (a.type === 'symlink' && b.type === 'symlink') return a.linkTarget === b.linkTarget;
  return false;
}

/**
 * Paths never reviewed: anything in a .git folder. Git history is not a change to review, and
 * applying .git/hooks or .git/config would make this machine run what the sandbox wrote.
 */
export function isReviewable(rel: string): boolean {
  return rel !== '' && !rel.split('/').includes('.git');
}

/** In a .vscode folder: VS Code runs tasks and applies settings from there. */
export function isConfigPath(rel: string): boolean {
  return rel.split('/').includes('.vscode');
}

/**
 * The changes from `base` to `now`, sorted by path. `leftOut(rel)` says a path the copy left
 * out (ignored by .gitignore at copy time, or by the sandbox's .gitignore files): a *created*
 * file there is not listed (build outputs, node_modules); a file in the baseline always is.
 */
export function diffTrees(base: Readonly<Record<string, TreeState>>, now: ReadonlyMap<string, TreeState>, leftOut: (rel: string) => boolean = () => false): TreeDiffEntry[] {
  const out: TreeDiffEntry[] = [];
  for (const [rel, before] of Object.entries(base)) {
    if (!isReviewable(rel)) continue;
    const after = now.get(rel);
    if (!after) out.push({ kind: 'deleted', rel, before });
    else if (!sameState(before, after)) out.push({ kind: 'changed', rel, before, after });
  }
  for (const [rel, after] of now) {
    if (Object.prototype.hasOwnProperty.call(base, rel) || !isReviewable(rel) || leftOut(rel)) continue;
    out.push({ kind: 'created', rel, after });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * Whether `rel` is at or below one of `skipped` (paths relative to the same root, as the copy's
 * walk reports them: an ignored folder by its own path).
 */
export function underAny(rel: string, skipped: ReadonlySet<string>): boolean {
  if (skipped.has(rel)) return true;
  for (let i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) if (skipped.has(rel.slice(0, i))) return true;
  return false;
}
