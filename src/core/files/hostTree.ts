import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * .gitignore rules of a folder tree, as git applies them: each .gitignore file speaks about
 * paths relative to its own folder, deeper files are consulted after (and can override) the
 * ones above, and a folder that is ignored is not entered at all.
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

export interface HostEntry {
  /** POSIX path relative to the walked root ('' for a walked single file). */
  rel: string;
  abs: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  mode: number;
  mtime: Date;
  linkTarget?: string;
}

export interface HostTree {
  entries: HostEntry[];
  totalFiles: number;
  totalBytes: number;
  /** Paths left out by .gitignore rules (relative), for logs and tests. */
  skipped: string[];
}

/**
 * Lists what an upload or a `copy` mount will send: files, folders and symlinks (as links,
 * never followed: a link to ~/.ssh must not carry its target into the sandbox). Sockets,
 * FIFOs and devices are left out. `.git` itself is kept: it is history, not a build output.
 */
export async function walkHost(root: string, options: { includeIgnored?: boolean } = {}): Promise<HostTree> {
  const top = await fs.lstat(root);
  const tree: HostTree = { entries: [], totalFiles: 0, totalBytes: 0, skipped: [] };
  const add = (entry: HostEntry) => {
    tree.entries.push(entry);
    if (entry.type === 'file') {
      tree.totalFiles++;
      tree.totalBytes += entry.size;
    }
  };
  if (!top.isDirectory()) {
    const entry = await entryOf(root, '', top);
    if (entry) add(entry);
    return tree;
  }
  add({ rel: '', abs: root, type: 'directory', size: 0, mode: top.mode & 0o7777, mtime: top.mtime });
  const rules = options.includeIgnored ? null : new IgnoreRules();
  const visit = async (dirRel: string): Promise<void> => {
    const dirAbs = dirRel ? path.join(root, dirRel) : root;
    const names = (await fs.readdir(dirAbs)).sort();
    if (rules && names.includes('.gitignore')) {
      rules.add(dirRel, await fs.readFile(path.join(dirAbs, '.gitignore'), 'utf8').catch(() => ''));
    }
    for (const name of names) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const abs = path.join(dirAbs, name);
      const stat = await fs.lstat(abs);
      if (rules?.ignores(rel, stat.isDirectory())) {
        tree.skipped.push(rel);
        continue;
      }
      const entry = await entryOf(abs, rel, stat);
      if (!entry) continue;
      add(entry);
      if (entry.type === 'directory') await visit(rel);
    }
  };
  await visit('');
  return tree;
}

async function entryOf(abs: string, rel: string, stat: import('node:fs').Stats): Promise<HostEntry | null> {
  const base = { rel, abs, size: 0, mode: stat.mode & 0o7777, mtime: stat.mtime };
  if (stat.isFile()) return { ...base, type: 'file', size: stat.size };
  if (stat.isDirectory()) return { ...base, type: 'directory' };
  if (stat.isSymbolicLink()) return { ...base, type: 'symlink', linkTarget: await fs.readlink(abs) };
  return null;
}
