import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { SandboxError } from '../errors';
import type { HostTree } from './hostTree';
import { hostEntryPath, symlinkStaysWithin } from './hostPaths';
import type { ProgressTracker } from './progress';

/**
 * A tar stream of a walked host tree, every name under `prefix` (POSIX, no leading slash; the
 * root entry is `prefix` itself). `parents` adds directory entries for the prefix's ancestors,
 * for extraction at `/` of a container whose image lacks them. Owner is root (0:0): host uids
 * mean nothing inside the sandbox.
 */
export function packHostTree(tree: HostTree, prefix: string, progress: ProgressTracker, options: { parents?: boolean; signal?: AbortSignal } = {}): Readable {
  const pack = tar.pack();
  const name = (rel: string) => (rel ? `${prefix}/${rel}` : prefix);
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
      if (entry.type === 'directory') await addEntry(pack, { ...header, type: 'directory' });
      else if (entry.type === 'symlink') await addEntry(pack, { ...header, type: 'symlink', linkname: entry.linkTarget });
      else {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry({ ...header, type: 'file', size: entry.size }, (error) => (error ? reject(error) : resolve()));
          const source = createReadStream(entry.abs, { end: entry.size > 0 ? entry.size - 1 : undefined, start: 0 });
          // A file that shrank since the walk would make the archive invalid: pad it.
          let sent = 0;
          source.on('data', (chunk) => {
            sent += (chunk as Buffer).length;
            progress.addBytes((chunk as Buffer).length);
          });
          source.on('error', reject);
          source.on('end', () => {
            if (sent < entry.size) sink.write(Buffer.alloc(entry.size - sent));
          });
          if (entry.size === 0) {
            source.destroy();
            sink.end();
          } else source.pipe(sink);
        });
        progress.fileDone();
      }
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  return pack;
}

function addEntry(pack: tar.Pack, header: tar.Headers): Promise<void> {
  return new Promise((resolve, reject) => pack.entry(header, (error) => (error ? reject(error) : resolve())));
}

/**
 * Extracts a tar stream that came out of a sandbox into `hostRoot`, which the archive's first
 * path component maps to. Untrusted input: every name is confined to `hostRoot`, symlinks that
 * point outside it (absolute or climbing) are refused, hard links and devices are refused,
 * and files are opened with O_NOFOLLOW under a parent whose real path is checked, so nothing is
 * ever written through a link to outside.
 */
export async function extractToHost(archive: Readable, hostRoot: string, progress: ProgressTracker, signal?: AbortSignal): Promise<void> {
  const root = path.resolve(hostRoot);
  await fs.mkdir(path.dirname(root), { recursive: true });
  const realParent = await fs.realpath(path.dirname(root));
  let realRoot: string | undefined;
  let first: string | undefined;
  const extract = tar.extract();
  const directories: { target: string; mode: number; mtime?: Date }[] = [];
  // Links out of the folder are left out (a venv's bin/python → /usr/bin/python3 is common);
  // the rest is extracted, then the caller hears which ones were refused.
  const refusedLinks: string[] = [];
  extract.on('entry', (header, stream, next) => {
    void (async () => {
      if (signal?.aborted) throw cancelled();
      // Names are `<item>/…`, the downloaded item's own name first: anything else is refused.
      const parts = header.name.replace(/^\.\//, '').replace(/\/$/, '').split('/');
      first ??= parts[0];
      if (header.name.startsWith('/') || parts[0] !== first) {
        throw new SandboxError('PATH_OUTSIDE', `The sandbox sent an entry "${header.name}" outside the folder being downloaded; nothing was written for it.`, 'Code inside the sandbox may be trying to escape: check the sandbox.');
      }
      const rel = parts.slice(1).join('/');
      const target = hostEntryPath(root, rel);
      if (rel === '') await assertRealDir(path.dirname(target), realParent, true);
      else await ensureDirWithin(path.dirname(target), (realRoot ??= await fs.realpath(root)));
      switch (header.type) {
        case 'directory':
          await fs.mkdir(target, { recursive: true, mode: 0o700 });
          directories.push({ target, mode: (header.mode ?? 0o755) & 0o777, mtime: header.mtime });
          break;
        case 'file':
        case 'contiguous-file': {
          await removeIfLink(target);
          const handle = await fs.open(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
          stream.on('data', (chunk: Buffer) => progress.addBytes(chunk.length));
          // The stream closes the handle when done (or failed).
          await pipeline(stream, handle.createWriteStream());
          await fs.chmod(target, (header.mode ?? 0o644) & 0o777);
          if (header.mtime) await fs.utimes(target, header.mtime, header.mtime).catch(() => undefined);
          progress.fileDone();
          return;
        }
        case 'symlink': {
          const linkname = header.linkname ?? '';
          if (!symlinkStaysWithin(root, target, linkname)) {
            refusedLinks.push(`${header.name} -> ${linkname}`);
            break;
          }
          await removeIfLink(target);
          await fs.symlink(linkname, target);
          break;
        }
        default:
          throw new SandboxError('PATH_OUTSIDE', `The sandbox sent "${header.name}" as a ${header.type}, which is not copied to this machine.`, 'Download regular files, folders and relative symlinks only.');
      }
      stream.resume();
    })().then(
      () => next(),
      (error: unknown) => {
        stream.resume();
        extract.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
  await pipeline(archive, extract);
  // Directory modes last: a read-only folder must not block writing its own contents.
  for (const dir of directories.reverse()) {
    await fs.chmod(dir.target, dir.mode);
    if (dir.mtime) await fs.utimes(dir.target, dir.mtime, dir.mtime).catch(() => undefined);
  }
  if (refusedLinks.length) {
    throw new SandboxError(
      'PATH_OUTSIDE',
      `Downloaded to ${root}, except ${refusedLinks.length} symlink(s) pointing outside it, which were not created: ${refusedLinks.slice(0, 5).join(', ')}${refusedLinks.length > 5 ? ', …' : ''}.`,
      'Download the links\' targets separately if you need them; links are only recreated when they stay inside the chosen folder.',
    );
  }
}

/** The folder an entry goes into must really be `within` (or, for the top entry, exactly it). */
async function assertRealDir(dir: string, within: string, exact: boolean): Promise<void> {
  const real = await fs.realpath(dir);
  if (real !== within && (exact || !real.startsWith(within + path.sep))) {
    throw new SandboxError('PATH_OUTSIDE', `Writing under ${dir} would follow a symlink to ${real}; nothing was written there.`, 'Choose a download folder without symlinks leading elsewhere.');
  }
}

/**
 * Creates `dir` (archives need not list folders before their contents) after checking that its
 * nearest existing ancestor really lies within `realRoot`: mkdir must not run through a link.
 */
async function ensureDirWithin(dir: string, realRoot: string): Promise<void> {
  let existing = dir;
  while (!(await fs.lstat(existing).then(() => true, () => false))) existing = path.dirname(existing);
  await assertRealDir(existing, realRoot, false);
  if (existing !== dir) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await assertRealDir(dir, realRoot, false);
  }
}

/** A symlink where a file is about to go is replaced, never written through. */
async function removeIfLink(target: string): Promise<void> {
  const stat = await fs.lstat(target).catch(() => null);
  if (stat?.isSymbolicLink()) await fs.unlink(target);
}

function cancelled(): SandboxError {
  return new SandboxError('CANCELLED', 'The copy was cancelled.', 'Run it again when you are ready; what was copied so far stays.');
}
