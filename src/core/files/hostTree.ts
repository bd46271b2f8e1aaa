import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { SandboxError } from '../errors';
import { isGitConfigPath } from './gitConfig';
import { gitIgnoredPaths } from './gitIgnore';
import { HostDir, isGone, isSwapError, sameObject } from './hostDir';

/**
 * .gitignore rules of a folder tree, as git applies them: each .gitignore file speaks about
 * paths relative to its own folder, deeper files are consulted after (and can override) the
 * ones above, and a folder that is ignored is not entered at all. Used where git itself cannot
 * answer (not installed, not a repository): see IgnoreOracle.
 */
export class IgnoreRules {
  private readonly layers: { base: string; rules: Ignore }[] = [];

  /** Adds the rules of the .gitignore in folder `base` (relative to the root, '' for the root). */
  add(base: string, content: string): void {
    this.layers.push({ base, rules: ignore().add(content) });
  }

  /** Whether `relPath` (POSIX, relative to the root) is ignored. */
  ignores(relPath: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const { base, rules } of this.layers) {
      if (base !== '' && !relPath.startsWith(base + '/')) continue;
      const local = base === '' ? relPath : relPath.slice(base.length + 1);
      const result = rules.test(isDirectory ? `${local}/` : local);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }
}

/**
 * What a copy leaves out, as git would. Where git is installed and a folder is in a work tree,
 * git answers for it (see gitIgnoredPaths: .gitignore, .git/info/exclude, the global
 * core.excludesFile; tracked files always copied), from the top of the walk and again below
 * each nested repository or submodule. Elsewhere the .gitignore files, plus .git/info/exclude,
 * are applied by IgnoreRules.
 */
class IgnoreOracle {
  private readonly rules = new IgnoreRules();
  /** Innermost last; `ignored: null` marks a nested repository git could not answer for. */
  private readonly gitScopes: { base: string; ignored: Set<string> | null }[] = [];

  /** Called on entering each folder, before its entries are asked about. */
  async enter(dirRel: string, dir: HostDir, names: string[]): Promise<void> {
    const hasGit = names.includes('.git');
    if (dirRel === '' || hasGit) {
      let ignored = await gitIgnoredPaths(dir.selfPath());
      // "./": the folder itself is ignored by a repository around it (a home folder under git
      // with `*` in its .gitignore): git says nothing useful about it, its .gitignore files do.
      if (ignored?.has('./')) ignored = null;
      if (ignored || dirRel !== '') this.gitScopes.push({ base: dirRel, ignored });
    }
    if (this.scopeOf(dirRel)?.ignored) return;
    if (names.includes('.gitignore')) this.rules.add(dirRel, await readSmallFile(dir, '.gitignore'));
    if (hasGit) this.rules.add(dirRel, await readInfoExclude(dir));
  }

  ignores(rel: string, isDirectory: boolean): boolean {
    const scope = this.scopeOf(rel);
    if (!scope?.ignored) return this.rules.ignores(rel, isDirectory);
    const local = scope.base === '' ? rel : rel.slice(scope.base.length + 1);
    return scope.ignored.has(local) || (isDirectory && scope.ignored.has(`${local}/`));
  }

  private scopeOf(rel: string): { base: string; ignored: Set<string> | null } | undefined {
    for (let i = this.gitScopes.length - 1; i >= 0; i--) {
      const scope = this.gitScopes[i];
      if (scope.base === '' || rel === scope.base || rel.startsWith(scope.base + '/')) return scope;
    }
    return undefined;
  }
}

export interface HostEntry {
  /** POSIX path relative to the walked root ('' for a walked single file). */
  rel: string;
  abs: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
  /** Which file system object the walk saw: packing sends only that one (see HostDir). */
  dev: number;
  ino: number;
  linkTarget?: string;
  /** A git config file: copied without credentials (see scrubGitConfig). */
  gitConfig?: boolean;
}

export interface HostTree {
  entries: HostEntry[];
  totalFiles: number;
  totalBytes: number;
  /** Paths left out by ignore rules (relative), for logs and tests. */
  skipped: string[];
  /**
   * Paths left out (or, for a file that shrank or grew while read, sent incomplete) because
   * they changed under the copy: swapped for a symlink, replaced by another file or folder.
   * Filled by the walk and by packHostTree; the caller reports them once the copy is done.
   */
  changed: string[];
}

/**
 * Lists what an upload or a `copy` mount will send: files, folders and symlinks (as links,
 * never followed: a link to ~/.ssh must not carry its target into the sandbox). Sockets,
 * FIFOs and devices are left out. `.git` itself is kept: it is history, not a build output;
 * its config files are marked to be copied without credentials. Every folder is read through
 * a descriptor (HostDir), so a folder swapped for a link while it is walked leads nowhere.
 */
export async function walkHost(root: string, options: { includeIgnored?: boolean } = {}): Promise<HostTree> {
  const top = await fs.lstat(root);
  const tree: HostTree = { entries: [], totalFiles: 0, totalBytes: 0, skipped: [], changed: [] };
  const add = (entry: HostEntry) => {
    tree.entries.push(entry);
    if (entry.type === 'file') {
      tree.totalFiles++;
      tree.totalBytes += entry.size;
    }
  };
  if (!top.isDirectory()) {
    const entry = top.isSymbolicLink() ? { ...base(root, '', top), type: 'symlink' as const, linkTarget: await fs.readlink(root) } : entryOf(root, '', top);
    if (entry) add(entry);
    return tree;
  }
  const rootDir = await HostDir.open(root).catch((error: unknown) => {
    throw isSwapError(error) ? changedDuringCopy([path.basename(root)]) : error;
  });
  try {
    if (!sameObject(rootDir.stat, top)) throw changedDuringCopy([path.basename(root)]);
    add({ ...base(root, '', rootDir.stat), type: 'directory' });
    const oracle = options.includeIgnored ? null : new IgnoreOracle();
    await visitFolder({ tree, add, oracle }, rootDir, '');
  } finally {
    await rootDir.close();
  }
  return tree;
}

/** One walk: the tree it fills, how entries are added (counted), and the ignore rules, unless ignored files are included. */
interface Walk {
  readonly tree: HostTree;
  add(entry: HostEntry): void;
  readonly oracle: IgnoreOracle | null;
}

/** Adds a folder's contents, depth first, each child folder opened through this one. */
async function visitFolder(walk: Walk, dir: HostDir, dirRel: string): Promise<void> {
  const names = (await dir.readdir()).sort();
  await walk.oracle?.enter(dirRel, dir, names);
  for (const name of names) {
    const rel = dirRel ? `${dirRel}/${name}` : name;
    const abs = path.join(dir.path, name);
    // Gone since readdir: it was deleted, as if before the walk.
    const stat = await dir.lstat(name).catch((error: unknown) => (isGone(error) ? null : Promise.reject(error)));
    if (!stat) continue;
    if (walk.oracle?.ignores(rel, stat.isDirectory())) {
      walk.tree.skipped.push(rel);
      continue;
    }
    if (stat.isSymbolicLink()) {
      const linkTarget = await dir.readlink(name).catch((error: unknown) => {
        if (isSwapError(error)) walk.tree.changed.push(rel);
        else if (!isGone(error)) throw error;
        return undefined;
      });
      if (linkTarget !== undefined) walk.add({ ...base(abs, rel, stat), type: 'symlink', linkTarget });
      continue;
    }
    if (!stat.isDirectory()) {
      const entry = entryOf(abs, rel, stat);
      if (entry) walk.add(entry);
      continue;
    }
    // Opened through the folder above, never through a link: what is walked is this folder.
    const child = await dir.child(name).catch((error: unknown) => {
      if (isSwapError(error)) walk.tree.changed.push(rel);
      else if (!isGone(error)) throw error;
      return null;
    });
    if (!child) continue;
    try {
      walk.add({ ...base(abs, rel, child.stat), type: 'directory' });
      await visitFolder(walk, child, rel);
    } finally {
      await child.close();
    }
  }
}

function base(abs: string, rel: string, stat: import('node:fs').Stats) {
  return { rel, abs, size: 0, mode: stat.mode & 0o7777, mtime: stat.mtime, dev: stat.dev, ino: stat.ino };
}

function entryOf(abs: string, rel: string, stat: import('node:fs').Stats): HostEntry | null {
  if (!stat.isFile()) return null;
  return { ...base(abs, rel, stat), type: 'file', size: stat.size, ...(isGitConfigPath(rel) ? { gitConfig: true } : {}) };
}

/** Ignore files are small; a bigger one (or a FIFO, a link) is not a list of patterns. */
const MAX_IGNORE_FILE = 1024 * 1024;

async function readSmallFile(dir: HostDir, name: string): Promise<string> {
  const handle = await dir.openFile(name).catch(() => null);
  if (!handle) return '';
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_IGNORE_FILE) return '';
    return (await handle.readFile()).toString('utf8');
  } catch {
    return '';
  } finally {
    await handle.close();
  }
}

/** .git/info/exclude of the repository whose top is `dir` (empty if none). */
async function readInfoExclude(dir: HostDir): Promise<string> {
  const git = await dir.child('.git').catch(() => null);
  if (!git) return '';
  try {
    const info = await git.child('info').catch(() => null);
    if (!info) return '';
    try {
      return await readSmallFile(info, 'exclude');
    } finally {
      await info.close();
    }
  } finally {
    await git.close();
  }
}

/** Copies that met paths changing under them report them with this, once the rest is copied. */
export function changedDuringCopy(paths: string[]): SandboxError {
  const shown = paths.slice(0, 5).join(', ') + (paths.length > 5 ? ', …' : '');
  return new SandboxError(
    'PATH_OUTSIDE',
    `${paths.length} path(s) changed while they were being copied and were left out (or, if a file only grew or shrank, copied incomplete): ${shown}. A file or folder swapped for a symlink is never followed, so nothing outside the folder was read.`,
    'Copy again once nothing is changing the folder. If a sandbox has it mounted read-write, code in that sandbox may be swapping files for links on purpose: check what runs there.',
  );
}
