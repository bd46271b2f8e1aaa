import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import type * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { SandboxError } from '../errors';
import { scrubGitConfig } from './gitConfig';
import { HostDir, isGone, isSwapError, openFileNoFollow, sameObject } from './hostDir';
import type { HostEntry, HostTree } from './hostTree';
import type { ProgressTracker } from './progress';

/**
 * Told what a copy really sent, entry by entry (a file's SHA-256 over the bytes sent, a git
 * config's over its scrubbed text): the baseline "Review Sandbox Changes" compares with
 * (src/core/review). Entries left out (changed under the copy) are not told.
 */
export type CopyRecorder = (rel: string, state: { type: 'file'; hash: string; mode: number; size: number } | { type: 'symlink'; linkTarget: string; mode: number }) => void;

/** A git config bigger than this is not a config: left out rather than held in memory. */
const MAX_GIT_CONFIG = 16 * 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * A tar stream of a walked host tree, every name under `prefix` (POSIX, no leading slash; the
 * root entry is `prefix` itself). `parents` adds directory entries for the prefix's ancestors,
 * for extraction at `/` of a container whose image lacks them. Owner is root (0:0): host uids
 * mean nothing inside the sandbox.
 *
 * The folder may have changed since the walk, on purpose when a sandbox can write it: every
 * folder is opened again through the one above it (HostDir, never through a link) and every
 * file with O_NOFOLLOW inside its folder, and each must be the very object the walk saw
 * (device and inode). What is not is left out and added to `tree.changed`, so the caller can
 * say so; a file that shrank while read is padded (tar needs the announced size) and listed
 * there too. Git config files go without credentials (scrubGitConfig).
 */
export function packHostTree(
  tree: HostTree,
  prefix: string,
  progress: ProgressTracker,
  options: { parents?: boolean; signal?: AbortSignal; record?: CopyRecorder } = {},
): Readable {
  const pack = tar.pack();
  const name = (rel: string) => (rel ? `${prefix}/${rel}` : prefix);
  const open = new OpenDirs();
  void (async () => {
    if (options.parents) {
      const parts = prefix.split('/');
      for (let i = 1; i < parts.length; i++) {
        await addEntry(pack, { name: parts.slice(0, i).join('/'), type: 'directory', mode: 0o755, uid: 0, gid: 0 });
      }
    }
    for (const entry of tree.entries) {
      if (options.signal?.aborted) throw cancelled();
      const header = { name: name(entry.rel), mode: entry.mode, mtime: entry.mtime, uid: 0, gid: 0 };
      // The folder it is in, as opened again; null when that folder changed (reported once, for the folder).
      const parent = entry.rel === '' ? undefined : await open.parentOf(entry.rel);
      if (parent === null) continue;
      if (entry.type === 'directory') {
        const dir = await reopenDir(entry, parent, tree);
        open.push(entry.rel, dir);
        if (dir) await addEntry(pack, { ...header, type: 'directory' });
      } else if (entry.type === 'symlink') {
        await addEntry(pack, { ...header, type: 'symlink', linkname: entry.linkTarget });
        options.record?.(entry.rel, { type: 'symlink', linkTarget: entry.linkTarget ?? '', mode: entry.mode });
      } else {
        const opened = await reopenFile(entry, parent, tree);
        if (!opened) continue;
        try {
          const sent = await sendFile(pack, header, entry, opened.handle, opened.stat, progress, tree);
          if (sent) options.record?.(entry.rel, { type: 'file', mode: entry.mode, ...sent });
        } finally {
          await opened.handle.close().catch(() => undefined);
        }
        progress.fileDone();
      }
    }
    pack.finalize();
  })()
    .catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))))
    .finally(() => void open.closeAll());
  return pack;
}

/**
 * The folders of the entry being packed, from the root down, each opened through the one
 * above it. Entries come folder first, then what is in it (the walk's order), so the folder
 * of the next entry is always on this stack.
 */
class OpenDirs {
  private readonly stack: { rel: string; dir: HostDir | null }[] = [];

  push(rel: string, dir: HostDir | null): void {
    this.stack.push({ rel, dir });
  }

  /** The open folder `rel` is in; null if that folder (or one above) changed and was left out. */
  async parentOf(rel: string): Promise<HostDir | null> {
    const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    while (this.stack.length && this.stack[this.stack.length - 1].rel !== parentRel) await this.stack.pop()!.dir?.close();
    return this.stack[this.stack.length - 1]?.dir ?? null;
  }

  async closeAll(): Promise<void> {
    while (this.stack.length) await this.stack.pop()!.dir?.close();
  }
}

/** The walked folder again, or null (added to `tree.changed` unless it is simply gone). */
async function reopenDir(entry: HostEntry, parent: HostDir | undefined, tree: HostTree): Promise<HostDir | null> {
  let dir: HostDir;
  try {
    dir = parent ? await parent.child(path.posix.basename(entry.rel)) : await HostDir.open(entry.abs);
  } catch (error) {
    if (isSwapError(error)) changed(tree, entry);
    else if (!isGone(error)) throw error;
    return null;
  }
  if (sameObject(dir.stat, entry)) return dir;
  await dir.close();
  changed(tree, entry);
  return null;
}

/** The walked file again, opened without following a link, or null (see reopenDir). */
async function reopenFile(entry: HostEntry, parent: HostDir | undefined, tree: HostTree): Promise<{ handle: fsp.FileHandle; stat: Stats } | null> {
  let handle: fsp.FileHandle;
  try {
    handle = parent ? await parent.openFile(path.posix.basename(entry.rel)) : await openFileNoFollow(entry.abs);
  } catch (error) {
    if (isSwapError(error)) changed(tree, entry);
    else if (!isGone(error)) throw error;
    return null;
  }
  const stat = await handle.stat();
  if (stat.isFile() && sameObject(stat, entry)) return { handle, stat };
  await handle.close();
  changed(tree, entry);
  return null;
}

/** Sends the file's current content (its size now, not at the walk); a git config scrubbed. */
async function sendFile(
  pack: tar.Pack,
  header: tar.Headers,
  entry: HostEntry,
  handle: fsp.FileHandle,
  stat: Stats,
  progress: ProgressTracker,
  tree: HostTree,
): Promise<{ hash: string; size: number } | undefined> {
  if (entry.gitConfig) {
    if (stat.size > MAX_GIT_CONFIG) {
      tree.skipped.push(entry.rel);
      return undefined;
    }
    const { text } = scrubGitConfig((await handle.readFile()).toString('utf8'));
    const body = Buffer.from(text, 'utf8');
    await addEntry(pack, { ...header, type: 'file', size: body.length }, body);
    progress.addBytes(stat.size);
    return { hash: createHash('sha256').update(body).digest('hex'), size: body.length };
  }
  const size = stat.size;
  let sink!: Writable;
  const done = new Promise<void>((ok, fail) => {
    sink = pack.entry({ ...header, type: 'file', size }, (error) => (error ? fail(error) : ok()));
  });
  done.catch(() => undefined);
  // Read by hand rather than through handle.createReadStream(): the handle stays ours, to stat again after.
  let sent = 0;
  const hash = createHash('sha256');
  while (sent < size) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - sent));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, sent);
    if (bytesRead === 0) break;
    sent += bytesRead;
    hash.update(chunk.subarray(0, bytesRead));
    progress.addBytes(bytesRead);
    if (!sink.write(chunk.subarray(0, bytesRead))) await once(sink, 'drain');
  }
  // Shrank while read: tar needs the announced size, so it is padded, and said so.
  if (sent < size) {
    changed(tree, entry);
    sink.end(Buffer.alloc(size - sent));
  } else sink.end();
  await done;
  // Grew or was rewritten while read: what was sent may be a mix.
  const after = await handle.stat();
  if (after.size !== size || after.mtimeMs !== stat.mtimeMs) changed(tree, entry);
  return { hash: hash.digest('hex'), size };
}

function changed(tree: HostTree, entry: HostEntry): void {
  const rel = entry.rel || path.basename(entry.abs);
  if (!tree.changed.includes(rel)) tree.changed.push(rel);
}

function addEntry(pack: tar.Pack, header: tar.Headers, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (body) pack.entry(header, body, done);
    else pack.entry(header, done);
  });
}

function cancelled(): SandboxError {
  return new SandboxError('CANCELLED', 'The copy was cancelled.', 'Run it again when you are ready; what was copied so far stays.');
}
