import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { SandboxError } from '../errors';
import { configFolderOf, formatCap, type ConfigFolderAnswer } from './downloadLimits';
import { hostEntryPath, symlinkStaysWithin } from './hostPaths';
import { resolvePhysically, resolvesWithin } from './linkCheck';
import type { ProgressTracker } from './progress';

export interface ExtractOptions {
  signal?: AbortSignal;
  /** Most bytes of file content written; the entry that would pass it stops the download (FILE_TOO_LARGE). */
  maxBytes: number;
  /** Most archive entries (files, folders, links); more stop the download (FILE_TOO_LARGE). */
  maxEntries: number;
  /**
   * What to do with an entry that lands in a .git or .vscode folder, asked with that folder's
   * path relative to the download root ('.' for the root itself): see downloadLimits.
   */
  configFolder: (folder: string) => ConfigFolderAnswer;
}

/**
 * Extracts a tar stream that came out of a sandbox into `hostRoot`, which the archive's first
 * path component maps to. Untrusted input:
 * - every name is confined to `hostRoot`; hard links and devices are refused; files are opened
 *   with O_NOFOLLOW under a parent whose real path is checked, and their mode and times are set
 *   through the open file, so nothing is ever written (or chmod'ed) through a link to outside;
 * - symlinks are created only when relative and lexically inside, and once everything is
 *   written each one is resolved again against what is really on disk (links chained through
 *   links: `l -> ../../..` then `up -> d/l/../../..`): one that leads out is removed;
 * - `maxBytes` and `maxEntries` bound what a sandbox can make this machine write (a sparse
 *   file of 1 TiB is 1 TiB here);
 * - entries into .git or .vscode (hooks, fsmonitor, tasks: code that would run here) are
 *   written only when `configFolder` says so.
 * What was refused is listed in one error after the rest is written.
 */
export async function extractToHost(archive: Readable, hostRoot: string, progress: ProgressTracker, options: ExtractOptions): Promise<void> {
  const root = path.resolve(hostRoot);
  await fs.mkdir(path.dirname(root), { recursive: true });
  const realParent = await fs.realpath(path.dirname(root));
  const rootName = path.basename(root);
  let realRoot: string | undefined;
  let first: string | undefined;
  let entries = 0;
  let bytes = 0;
  const extract = tar.extract();
  const directories: { target: string; mode: number; mtime?: Date }[] = [];
  const links: { target: string; name: string; linkname: string }[] = [];
  // Links out of the folder are left out (a venv's bin/python → /usr/bin/python3 is common);
  // the rest is extracted, then the caller hears which ones were refused.
  const refusedLinks: string[] = [];
  const refusedConfig = new Set<string>();
  extract.on('entry', (header, stream, next) => {
    void (async () => {
      if (options.signal?.aborted) throw cancelled();
      if (++entries > options.maxEntries) throw tooMany(options.maxEntries);
      // Names are `<item>/…`, the downloaded item's own name first: anything else is refused.
      const parts = header.name.replace(/^\.\//, '').replace(/\/$/, '').split('/');
      first ??= parts[0];
      if (header.name.startsWith('/') || parts[0] !== first) {
        throw new SandboxError('PATH_OUTSIDE', `The sandbox sent an entry "${header.name}" outside the folder being downloaded; nothing was written for it.`, 'Code inside the sandbox may be trying to escape: check the sandbox.');
      }
      const rel = parts.slice(1).join('/');
      const target = hostEntryPath(root, rel);
      // Where it really lands (existing folders resolved, links included), to tell .git/.vscode.
      let realTarget: string;
      if (rel === '') {
        await assertRealDir(path.dirname(target), realParent, true);
        realTarget = path.join(realParent, rootName);
      } else {
        // The root itself may be missing: its entry was refused (a root named .git).
        realRoot ??= await fs.realpath(root).catch(() => path.join(realParent, rootName));
        realTarget = path.join(await realPathWithin(path.dirname(target), realRoot), path.basename(target));
      }
      const folder = configFolderOf(rootName, realRoot ? path.relative(realRoot, realTarget) : '');
      if (folder !== undefined) {
        const answer = options.configFolder(folder);
        if (answer !== 'write') {
          if (answer === 'refuse') refusedConfig.add(folder);
          stream.resume();
          return;
        }
      }
      if (rel !== '') await ensureDirWithin(path.dirname(target), realRoot!);
      switch (header.type) {
        case 'directory':
          await fs.mkdir(target, { recursive: true, mode: 0o700 });
          directories.push({ target, mode: (header.mode ?? 0o755) & 0o777, mtime: header.mtime });
          break;
        case 'file':
        case 'contiguous-file': {
          const size = header.size ?? 0;
          if (bytes + size > options.maxBytes) throw tooLarge(options.maxBytes, `with ${header.name} it would be ${formatCap(bytes + size)}`, bytes + size);
          bytes += size;
          await removeIfLink(target);
          const handle = await fs.open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
          try {
            // Through the descriptor, not the path: a link swapped in meanwhile changes nothing elsewhere.
            await handle.chmod((header.mode ?? 0o644) & 0o777);
            // Written by hand: a FileHandle's own stream would keep close() waiting, and the mode and times go through the handle.
            for await (const chunk of stream as AsyncIterable<Buffer>) {
              await handle.write(chunk);
              progress.addBytes(chunk.length);
            }
            if (header.mtime) await handle.utimes(header.mtime, header.mtime).catch(() => undefined);
          } finally {
            await handle.close().catch(() => undefined);
          }
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
          links.push({ target, name: header.name, linkname });
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
  try {
    await pipeline(archive, extract);
  } finally {
    // Also after a failure: what was written must not leave a way out behind.
    if (realRoot) refusedLinks.push(...(await removeLinksLeadingOut(links, realRoot)));
  }
  // Directory modes last: a read-only folder must not block writing its own contents.
  for (const dir of directories.reverse()) await setDirMode(dir.target, dir.mode, dir.mtime);
  if (refusedLinks.length || refusedConfig.size) throw refusedError(root, refusedLinks, [...refusedConfig]);
}

/**
 * Every link created, resolved against what is on disk now that all is written; those leading
 * out of the folder (or nowhere sensible: a loop, `..` after a missing folder) are removed.
 * Again until none is removed: removing one can change where others lead.
 */
async function removeLinksLeadingOut(links: { target: string; name: string; linkname: string }[], realRoot: string): Promise<string[]> {
  const removed: string[] = [];
  let remaining = links;
  for (let round = 0; round <= links.length && remaining.length; round++) {
    const kept: typeof links = [];
    for (const link of remaining) {
      if (await resolvesWithin(link.target, realRoot)) kept.push(link);
      else {
        const stat = await fs.lstat(link.target).catch(() => null);
        if (stat?.isSymbolicLink()) await fs.unlink(link.target);
        removed.push(`${link.name} -> ${link.linkname}`);
      }
    }
    if (kept.length === remaining.length) break;
    remaining = kept;
  }
  return removed;
}

/** A folder's mode and times, set through the folder opened without following a link. */
async function setDirMode(target: string, mode: number, mtime?: Date): Promise<void> {
  const handle = await fs.open(target, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch(() => null);
  if (!handle) return;
  try {
    await handle.chmod(mode);
    if (mtime) await handle.utimes(mtime, mtime).catch(() => undefined);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The folder an entry goes into must really be `within` (or, for the top entry, exactly it). */
async function assertRealDir(dir: string, within: string, exact: boolean): Promise<void> {
  const real = await fs.realpath(dir).catch((error: unknown) => {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    throw new SandboxError('PATH_OUTSIDE', `Writing under ${dir} would follow a symlink that leads nowhere; nothing was written there.`, 'Code inside the sandbox may be trying to escape: check the sandbox.');
  });
  if (real !== within && (exact || !real.startsWith(within + path.sep))) {
    throw new SandboxError('PATH_OUTSIDE', `Writing under ${dir} would follow a symlink to ${real}; nothing was written there.`, 'Choose a download folder without symlinks leading elsewhere.');
  }
}

/** Where `dir` really is on disk (links followed, missing folders as named), which must be within `realRoot`. */
async function realPathWithin(dir: string, realRoot: string): Promise<string> {
  const real = await resolvePhysically(dir);
  if (real === null || (real !== realRoot && !real.startsWith(realRoot + path.sep))) {
    throw new SandboxError('PATH_OUTSIDE', `Writing under ${dir} would follow a symlink ${real ? `to ${real}` : 'that leads nowhere'}; nothing was written there.`, 'Code inside the sandbox may be trying to escape: check the sandbox.');
  }
  return real;
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

function refusedError(root: string, links: string[], config: string[]): SandboxError {
  const list = (items: string[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? ', …' : '');
  const parts: string[] = [];
  if (links.length) parts.push(`${links.length} symlink(s) leading outside it, which were not created or were removed: ${list(links)}`);
  if (config.length) parts.push(`what would go into ${list(config)} (git runs hooks and reads settings from .git, VS Code runs tasks and applies settings from .vscode: files from the sandbox there could run code on this machine), which was not written (download option configFolders)`);
  const fixes: string[] = [];
  if (links.length) fixes.push("Download the links' targets separately if you need them; links are only kept when they resolve inside the chosen folder.");
  if (config.length) fixes.push('If you trust what ran in the sandbox, download again with { configFolders: "write" }; { configFolders: "skip" } leaves them out without this error.');
  return new SandboxError(links.length ? 'PATH_OUTSIDE' : 'PERMISSION_DENIED', `Downloaded to ${root}, except ${parts.join('; and ')}.`, fixes.join(' '));
}

function tooLarge(max: number, detail: string, total: number): SandboxError {
  return new SandboxError(
    'FILE_TOO_LARGE',
    `The download is larger than its cap of ${formatCap(max)} (maxBytes): ${detail}. Nothing more was written; what was written before stays.`,
    `Download a smaller folder, or raise the cap: download(path, hostPath, { maxBytes: ${Math.max(max * 2, total)} }). A sparse file inside the sandbox is written here in full.`,
  );
}

function tooMany(max: number): SandboxError {
  return new SandboxError(
    'FILE_TOO_LARGE',
    `The download has more than ${max} entries (files, folders and links), its cap (maxEntries). Nothing more was written; what was written before stays.`,
    `Download a smaller folder, or raise the cap: download(path, hostPath, { maxEntries: ${max * 2} }).`,
  );
}

function cancelled(): SandboxError {
  return new SandboxError('CANCELLED', 'The copy was cancelled.', 'Run it again when you are ready; what was copied so far stays.');
}

export { tooLarge as downloadTooLarge, tooMany as downloadTooMany };
